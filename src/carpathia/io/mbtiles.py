"""Offline tiles for phones: the basemap with the POA, segments and assignments as MBTiles.

    from carpathia.io.mbtiles import write_mbtiles
    write_mbtiles("incident.mbtiles", terrain=terrain, pmap=pmap, layers=layers, zoom=(10, 15))

MBTiles 1.3 (Mapbox's specification: an SQLite file of 256 × 256 PNG tiles in the Web Mercator
"Google" tiling scheme, with a metadata table) is what OsmAnd (as an overlay or underlay), Locus
Map, ATAK, QGIS and GDAL open offline. The map is drawn once, in the terrain's CRS, at the
finest zoom's ground resolution (the relief, water, roads and trails, the POA heat map and
containment lines, segments filled by POA with their ids, assignments, tracks, IPP, clues,
landing zones); every tile of every zoom in the range is warped from it into EPSG:3857 by GDAL
(rasterio's ``reproject``: bilinear at the finest zoom, the average of the pixels below at the
coarser ones), so each zoom covers the whole area. Tiles with nothing on them are left out.
"""

from __future__ import annotations

import io
import math
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from carpathia.errors import InputError

from .files import atomic_output, check_output

__all__ = ["MAX_ZOOM", "parse_zoom", "write_mbtiles"]

#: Finest zoom carpathia renders (0.3 m per pixel at the equator); the DEMs are far coarser.
MAX_ZOOM = 19
#: Web Mercator metres per pixel at zoom 0 on the equator (2π · 6378137 m / 256 px).
_Z0_RES = 2 * math.pi * 6378137.0 / 256
#: Largest image drawn for the finest zoom (pixels); a larger area or zoom is refused.
MAX_PIXELS = 40_000_000
#: Pixels drawn at once (one band of the image), and the rows drawn beyond a band's edges.
_BAND_PIXELS = 4_000_000
_BAND_PAD = 64


def parse_zoom(zoom) -> tuple[int, int]:
    """``"10-15"``, ``(10, 15)`` or ``15`` → (min zoom, max zoom), checked."""
    try:
        if isinstance(zoom, str):
            parts = [int(p) for p in zoom.replace(" ", "").split("-")]
        elif isinstance(zoom, (int, np.integer)):
            parts = [int(zoom)]
        else:
            parts = [int(p) for p in zoom]
    except (TypeError, ValueError):
        raise InputError(f"zoom must be a range like 10-15, not {zoom!r}") from None
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise InputError(f"zoom must be a range like 10-15, not {zoom!r}")
    lo, hi = parts
    if not 0 <= lo <= hi <= MAX_ZOOM:
        raise InputError(f"zoom range {lo}-{hi} must lie within 0-{MAX_ZOOM}, the smaller first")
    return lo, hi


def write_mbtiles(
    path: str | os.PathLike,
    *,
    terrain,
    pmap=None,
    layers: Mapping[str, Mapping] | None = None,
    zoom=(10, 15),
    extent: Sequence[float] | None = None,
    name: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the incident's map as MBTiles for zoom levels ``zoom`` (e.g. ``"10-15"``).

    Parameters
    ----------
    path
        Output ``.mbtiles``.
    terrain, pmap, layers
        As for :func:`~carpathia.io.export.briefing_map`.
    zoom
        Zoom range (Web Mercator levels): 15 is about 3 m per pixel at 48° N, 10 about 100 m.
    extent
        (left, bottom, right, top) in the terrain's CRS; default the layers and the 95 %
        containment area with a margin (the briefing map's view).
    name
        The tileset's name in the apps' layer lists; default the terrain's name.

    Raises
    ------
    InputError
        A bad zoom range; an area too large for the finest zoom (more than
        :data:`MAX_PIXELS`: ask for a lower zoom or a smaller area).

    Notes
    -----
    The image for the finest zoom is drawn by matplotlib (about 1 s per 4 million pixels) and
    held in memory as RGBA (4 bytes per pixel: 160 MB at :data:`MAX_PIXELS`), drawn in bands of
    4 million pixels (matplotlib's image resampling needs about 50 bytes per pixel drawn); each
    tile is one GDAL warp and one PNG encode.
    """
    from rasterio.transform import from_bounds

    from ._collar import bare_map_rgba
    from ._layers import check_layers
    from .export import _zoomed
    from .printmap import _view

    out = check_output(path, overwrite=overwrite, suffixes=(".mbtiles",))
    zmin, zmax = parse_zoom(zoom)
    checked = check_layers(layers) if layers else []
    if pmap is not None:
        pmap.check_on(terrain)
    if extent is None:
        extent = _zoomed(terrain, checked, pmap).bounds
    left, bottom, right, top = (float(v) for v in extent)
    if not (right > left and top > bottom):
        raise InputError(f"tile extent {extent!r} is empty")
    _, clat = terrain.to_lonlat_xy((left + right) / 2, (bottom + top) / 2)
    res = _Z0_RES / 2**zmax * math.cos(math.radians(float(clat)))  # ground metres per pixel at zmax
    w, h = math.ceil((right - left) / res), math.ceil((top - bottom) / res)
    if w * h > MAX_PIXELS:
        raise InputError(
            f"zoom {zmax} over {(right - left) / 1000:.1f} × {(top - bottom) / 1000:.1f} km needs {w * h / 1e6:.0f} "
            f"million pixels (at most {MAX_PIXELS / 1e6:.0f}); ask for a lower maximum zoom or a smaller area"
        )
    right, bottom = left + w * res, top - h * res  # whole pixels
    view = _view(terrain, (left, bottom, right, top))
    rgba = np.empty((h, w, 4), np.uint8)
    band = max(64, _BAND_PIXELS // w)  # drawn in horizontal bands: matplotlib's resampling holds
    pad = 0 if band >= h else _BAND_PAD  # float copies of the whole output, several GB for a large map
    for r0 in range(0, h, band):
        r1 = min(h, r0 + band)
        # each band drawn with a margin and cropped: a label anchored just across a band's edge
        # is drawn whole (matplotlib leaves out annotations whose anchor is out of view)
        ext = (left, top - (r1 + pad) * res, right, top - (r0 - pad) * res)
        drawn = bare_map_rgba(view, ext, w, r1 - r0 + 2 * pad, pmap=pmap, layers=checked, dpi=150)
        rgba[r0:r1] = drawn[pad : pad + r1 - r0]
    transform = from_bounds(left, bottom, right, top, w, h)
    title = name or terrain.name
    src = np.ascontiguousarray(np.moveaxis(rgba, -1, 0))
    with atomic_output(out, overwrite=overwrite) as tmp:
        tmp.unlink()
        con = sqlite3.connect(tmp)
        try:
            con.executescript(_SCHEMA)
            n = 0
            for z in range(zmin, zmax + 1):
                rows = []
                for col, row, data in _tiles(src, transform, terrain.crs, (left, bottom, right, top), z, z == zmax):
                    rows.append((z, col, (1 << z) - 1 - row, data))  # MBTiles rows count from the south (TMS)
                con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
                n += len(rows)
            if n == 0:
                raise InputError("no tile holds any of the map: check the extent")
            lon_lat = _lonlat_bounds(terrain.crs, (left, bottom, right, top))
            clon, clat2 = (lon_lat[0] + lon_lat[2]) / 2, (lon_lat[1] + lon_lat[3]) / 2
            meta = {
                "name": title,
                "format": "png",
                "type": "baselayer",
                "version": "1.3",
                "description": f"carpathia: {title} (relief, POA, segments, assignments, tracks, clues, IPP, LZs)",
                "attribution": terrain.meta.get("source", "") or "carpathia",
                "bounds": ",".join(f"{v:.6f}" for v in lon_lat),
                "center": f"{clon:.6f},{clat2:.6f},{zmax}",
                "minzoom": str(zmin),
                "maxzoom": str(zmax),
            }
            con.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
            con.commit()
        finally:
            con.close()
    return out


#: MBTiles 1.3 tables.
_SCHEMA = """
CREATE TABLE metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX name ON metadata (name);
CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
"""
_HALF = math.pi * 6378137.0  # half the Web Mercator world, metres


def _lonlat_bounds(crs, bounds) -> tuple[float, float, float, float]:
    from rasterio.warp import transform_bounds

    return tuple(float(v) for v in transform_bounds(crs, "EPSG:4326", *bounds, densify_pts=51))


def _tiles(src: np.ndarray, transform, crs, bounds, z: int, finest: bool):
    """(column, XYZ row, PNG bytes) of the zoom ``z`` tiles over ``bounds`` with any content."""
    from affine import Affine
    from PIL import Image
    from rasterio.enums import Resampling
    from rasterio.transform import from_bounds
    from rasterio.warp import reproject, transform_bounds

    w, s, e, n = transform_bounds(crs, "EPSG:3857", *bounds, densify_pts=51)
    size = 2 * _HALF / (1 << z)
    c0, c1 = int((w + _HALF) // size), int((e + _HALF) // size)
    r0, r1 = int((_HALF - n) // size), int((_HALF - s) // size)
    for row in range(max(r0, 0), min(r1, (1 << z) - 1) + 1):
        for col in range(max(c0, 0), min(c1, (1 << z) - 1) + 1):
            tx0, ty1 = -_HALF + col * size, _HALF - row * size
            # only the source pixels under the tile (and a margin) go to GDAL: handing it the whole
            # image copies it into a dataset for every tile
            bl, bb, br, bt = transform_bounds("EPSG:3857", crs, tx0, ty1 - size, tx0 + size, ty1, densify_pts=11)
            c0_, r0_ = ~transform * (bl, bt)
            c1_, r1_ = ~transform * (br, bb)
            r0s, c0s = max(0, math.floor(r0_) - 2), max(0, math.floor(c0_) - 2)
            r1s, c1s = min(src.shape[1], math.ceil(r1_) + 2), min(src.shape[2], math.ceil(c1_) + 2)
            if r1s <= r0s or c1s <= c0s:
                continue
            dst = np.zeros((4, 256, 256), np.uint8)
            reproject(
                np.ascontiguousarray(src[:, r0s:r1s, c0s:c1s]),
                dst,
                src_transform=transform * Affine.translation(c0s, r0s),
                src_crs=crs,
                dst_transform=from_bounds(tx0, ty1 - size, tx0 + size, ty1, 256, 256),
                dst_crs="EPSG:3857",
                resampling=Resampling.bilinear if finest else Resampling.average,
            )
            if not dst[3].any():
                continue
            buf = io.BytesIO()
            Image.fromarray(np.moveaxis(dst, 0, -1), "RGBA").save(buf, format="PNG")
            yield col, row, buf.getvalue()
