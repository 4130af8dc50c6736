"""Field products: the incident's layers for Google Earth, QGIS, GPS units and paper.

Every function takes ``layers``, a dict from a layer name to a GeoJSON FeatureCollection dict
in WGS 84 lon/lat; the name says what the layer is (``segments``, ``assignments``, ``clues``,
``ipp``, ``tracks``, ``landing_zones``, ``containment``, or anything else, drawn plainly).
Every writer checks its inputs first, writes atomically and refuses an existing file unless
``overwrite=True``.

    from carpathia.io.export import write_kml, write_gpkg, write_gpx_layers, briefing_map
    write_gpkg("incident.gpkg", layers, pmap=pmap)            # QGIS: vectors + POA raster
    write_gpx_layers("teams.gpx", layers)                     # Garmin: waypoints and outlines
    briefing_map("briefing.pdf", terrain=terrain, pmap=pmap, layers=layers)

=====================  ===============================================================
:func:`write_kml`      KML/KMZ styled for Google Earth (segments coloured by POA)
:func:`write_gpkg`     GeoPackage: one vector table per layer, the POA map as a raster
:func:`write_gpx_layers`  GPX 1.1: segment outlines and lines as tracks, points as waypoints
:func:`assignment_sheet_pdf`  one ICS-204-style assignment sheet with a segment map
:func:`briefing_map`   PNG or PDF map of the whole incident
=====================  ===============================================================
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import shapely

from carpathia.errors import InputError

from ._layers import Layer, check_layers, feature_label, poa_of
from .files import atomic_output, check_output
from .geodata import _parse_time
from .gpx import GpxLine, GpxPoint, gps_name, gpx_document
from .kml import write_kml
from .pdf import assignment_sheet_pdf

__all__ = ["assignment_sheet_pdf", "briefing_map", "write_gpkg", "write_gpx_layers", "write_kml"]

#: Garmin symbol names (as listed by Garmin BaseCamp) for the point layers.
_GARMIN_SYMBOLS = {"ipp": "Flag, Red", "clues": "Flag, Blue", "landing_zones": "Heliport", "other": "Waypoint"}
#: Short prefixes so names stay readable on a 14-character GPS screen.
_GPX_PREFIX = {"segments": "SEG ", "assignments": "ASG ", "clues": "", "landing_zones": "", "tracks": "", "ipp": ""}


# ---------------------------------------------------------------------- GeoPackage
def _column(values: list) -> tuple[np.ndarray, np.ndarray]:
    """Values of one property → (array, null mask) with one OGR-friendly dtype."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    mask = np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in values], dtype=bool)
    number = (int, float, np.integer, np.floating)
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        return np.array([bool(v) if v is not None else False for v in values]), mask
    ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in present)
    if present and ints and all(-(2**63) <= int(v) < 2**63 for v in present):
        return np.array([int(v) if v is not None else 0 for v in values], dtype=np.int64), mask
    if present and all(isinstance(v, number) and not isinstance(v, (bool, np.bool_)) for v in present):
        return np.array([0.0 if m else float(v) for v, m in zip(values, mask, strict=True)], np.float64), mask

    def text(v):
        if v is None:
            return None
        return json.dumps(v, default=str, ensure_ascii=False) if isinstance(v, (dict, list, tuple)) else str(v)

    return np.array([text(v) for v in values], dtype=object), mask


def _geometry_type(geoms: list) -> tuple[str, bool]:
    kinds = {g.geom_type for g in geoms}
    if len(kinds) == 1:
        return kinds.pop(), False
    bases = {k.removeprefix("Multi") for k in kinds}
    if len(bases) == 1 and "GeometryCollection" not in kinds:
        return "Multi" + bases.pop(), True
    return "Unknown", False


def _write_vector_layer(path: Path, layer: Layer, crs, to_crs) -> None:
    import pyogrio.raw

    geoms = [g for g, _ in layer.features]
    if to_crs is not None:
        geoms = [shapely.transform(g, to_crs) for g in geoms]
    keys: list[str] = []
    for _, props in layer.features:
        keys += [k for k in props if k not in keys and k.lower() not in ("fid", "geom")]
    columns = [_column([props.get(k) for _, props in layer.features]) for k in keys]
    gtype, promote = _geometry_type(geoms)
    pyogrio.raw.write(
        path,
        geometry=shapely.to_wkb(np.array(geoms, dtype=object)),
        field_data=[c[0] for c in columns],
        fields=keys,
        field_mask=[c[1] for c in columns] if columns else None,
        layer=layer.name,
        driver="GPKG",
        geometry_type=gtype,
        crs=crs,
        promote_to_multi=promote or None,
        append=False,
        dataset_options={"VERSION": "1.2"},  # 1.4 (GDAL ≥ 3.10's default) warns in older GDAL and QGIS
    )


def write_gpkg(
    path: str | os.PathLike,
    layers: Mapping[str, Mapping],
    *,
    pmap=None,
    crs=None,
    overwrite: bool = False,
) -> Path:
    """Write a GeoPackage for QGIS: one vector table per non-empty layer and the POA map.

    Parameters
    ----------
    path
        Output ``.gpkg``.
    layers
        Layer name → GeoJSON FeatureCollection in WGS 84 lon/lat. Properties become columns
        (numbers, text, booleans; lists and objects as JSON text).
    pmap
        Optional :class:`~carpathia.probability.ProbabilityMap`: written as the raster table
        ``probability`` (Float32 tiles, the GeoPackage gridded-coverage extension, in the map's
        own CRS, with ``rest_of_world`` and the model in its metadata), plus a ``containment``
        vector layer (25/50/75/95 %) unless ``layers`` has one.
    crs
        CRS of the vector tables (anything pyproj reads, e.g. ``"EPSG:32619"``); default WGS 84
        lon/lat (EPSG:4326). Features are reprojected to it.
    overwrite
        Replace an existing file.

    Notes
    -----
    Written with pyogrio (vectors) and rasterio's GPKG driver with ``APPEND_SUBDATASET=YES``
    (raster), into a temporary file moved into place at the end.
    """
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    p = check_output(path, overwrite=overwrite, suffixes=(".gpkg",))
    all_layers = dict(layers)
    if pmap is not None and not any(str(n).lower() in ("containment", "contours") for n in all_layers):
        all_layers["containment"] = {"type": "FeatureCollection", "features": pmap.contours()}
    checked = [ly for ly in check_layers(all_layers) if ly.features]
    try:
        dst = CRS.from_user_input(crs if crs is not None else "EPSG:4326")
    except CRSError as exc:
        raise InputError(f"crs {crs!r} is not a coordinate reference system pyproj knows ({exc})") from exc
    to_crs = None
    if not dst.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        tr = Transformer.from_crs(CRS.from_epsg(4326), dst, always_xy=True)

        def to_crs(xy):
            return np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))

    with atomic_output(p, overwrite=overwrite) as tmp:
        tmp.unlink()  # GDAL creates the file itself
        for layer in checked:
            _write_vector_layer(tmp, layer, dst.to_wkt(), to_crs)
        if pmap is not None:
            _write_raster(tmp, pmap)
    return p


def _write_raster(path: Path, pmap) -> None:
    import rasterio

    h, w = pmap.shape
    profile = {
        "driver": "GPKG",
        "height": h,
        "width": w,
        "count": 1,
        "dtype": "float32",
        "crs": pmap.crs,
        "transform": pmap.transform,
        "RASTER_TABLE": "probability",
        "RASTER_IDENTIFIER": "probability of area (POA) per cell",
        "RASTER_DESCRIPTION": f"rest of world {pmap.rest_of_world:.6g}; model {pmap.meta.get('model', '?')}",
        "APPEND_SUBDATASET": "YES",
        "TILE_FORMAT": "TIFF",
        "GRID_CELL_ENCODING": "grid-value-is-area",  # each value is the probability of the whole cell
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(pmap.cells.astype(np.float32), 1)
        ds.update_tags(
            CARPATHIA_PRODUCT="probability-of-area",
            CARPATHIA_REST_OF_WORLD=repr(pmap.rest_of_world),
            CARPATHIA_META=json.dumps(pmap.meta, default=str, ensure_ascii=False),
        )
        ds.set_band_description(1, "POA")


# ---------------------------------------------------------------------- GPX
def _xsd_time(value) -> str | None:
    """An ISO 8601 time as xsd:dateTime (the GPX schema's type), zone kept; None if absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return _parse_time(value).isoformat()
    except ValueError:
        return None


def _vertex_times(props: dict, n: int) -> list[str] | None:
    """Per-vertex times of a track (``times`` property, as the incident store and read_geodata give)."""
    raw = props.get("times")
    if not isinstance(raw, (list, tuple)) or len(raw) != n:
        return None
    times = [_xsd_time(t) for t in raw]
    return times if all(t is not None for t in times) else None


def _unique(name: str, used: set[str]) -> str:
    """Garmin units overwrite a waypoint of the same name: number the repeats."""
    base, k, out = name or "WPT", 2, name or "WPT"
    while out.lower() in used:
        out = gps_name(f"{base[:26]} {k}")
        k += 1
    used.add(out.lower())
    return out


def write_gpx_layers(
    path: str | os.PathLike,
    layers: Mapping[str, Mapping],
    *,
    routes: Sequence[GpxLine] = (),
    overwrite: bool = False,
) -> Path:
    """Write the incident's layers as GPX 1.1 for hand-held GPS units.

    Points (IPP, clues, landing zones ...) become waypoints with Garmin symbols (``Flag, Red``
    for the IPP, ``Flag, Blue`` for clues, ``Heliport`` for LZs) and unique plain-ASCII names;
    polygons (segments, assignments) become closed tracks of their boundary (``SEG A1``,
    ``ASG 101 A1``; holes as further tracks); lines become tracks. Tracks, not routes: a
    GPS unit draws a track as it is, while it may re-route or thin a route's points.
    ``routes`` (e.g. the planned parallel sweeps, :func:`carpathia.search.plan_routes`) are
    written as GPX routes, for the unit to navigate.

    Raises
    ------
    InputError
        Bad layers, wrong suffix. OutputExistsError: the file exists and ``overwrite`` is False.
    """
    p = check_output(path, overwrite=overwrite, suffixes=(".gpx",))
    waypoints, tracks, used = [], [], set()
    for layer in check_layers(layers):
        prefix = _GPX_PREFIX.get(layer.kind, "")
        for k, (geom, props) in enumerate(layer.features):
            label = gps_name(prefix + feature_label(layer.kind, props, k))
            poa = poa_of(props)
            desc = " ".join(
                x
                for x in (
                    str(props.get("description") or ""),
                    f"POA {poa:.1%}" if poa is not None else "",
                    f"team {props['team']}" if props.get("team") else "",
                )
                if x
            )
            parts = list(shapely.get_parts(geom))
            for j, part in enumerate(parts):
                name = label if len(parts) == 1 else gps_name(f"{label} {j + 1}")
                if part.geom_type == "Point":
                    sym = _GARMIN_SYMBOLS.get(layer.kind, _GARMIN_SYMBOLS["other"])
                    time = _xsd_time(props.get("time"))
                    waypoints.append(GpxPoint(part.x, part.y, _unique(name, used), desc or None, None, sym, time))
                elif part.geom_type == "Polygon":
                    rings = [part.exterior, *part.interiors]
                    for r, ring in enumerate(rings):
                        ring_name = name if r == 0 else gps_name(f"{name} hole {r}")
                        tracks.append(GpxLine(ring_name, shapely.get_coordinates(ring).tolist(), desc or None))
                elif part.geom_type in ("LineString", "LinearRing") and len(part.coords) >= 2:
                    xy = shapely.get_coordinates(part).tolist()
                    times = _vertex_times(props, len(xy)) if len(parts) == 1 else None
                    tracks.append(GpxLine(name, xy, desc or None, times))
    text = gpx_document(waypoints=waypoints, routes=list(routes), tracks=tracks, name="carpathia incident")
    with atomic_output(p, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return p


# ---------------------------------------------------------------------- briefing map
def briefing_map(
    path: str | os.PathLike,
    *,
    terrain,
    pmap=None,
    layers: Mapping[str, Mapping] | None = None,
    title: str | None = None,
    zoom: bool = True,
    formats=None,
    grids: Sequence[str] = ("utm",),
    when=None,
    overwrite: bool = False,
    dpi: int = 150,
) -> Path:
    """The whole incident on one map, PNG or PDF by suffix.

    Shaded relief with the terrain's rivers, roads, towns, graticule, scale bar and north arrow
    (:func:`~carpathia.io.maps.base_map`); the POA heat map and its 25/50/75/95 % containment
    lines; segments filled by POA with their ids and POA; assignments with their numbers; GPS
    tracks; clues, the IPP and landing zones; a legend. With ``zoom`` (default) the map is
    cropped to the layers and the map's 95 % containment area, with a margin; else it shows
    the whole terrain. Labelled ``grids`` (UTM with its MGRS squares; ``stereo70``), the
    corners' coordinates, the magnetic declination on ``when`` (default today) with the grid
    convergence, and a coordinate box of the IPP, landing zones and clues in ``formats``
    (:data:`carpathia.coords.FORMATS`; default UTM, MGRS, DDM, and Stereo 70 in Romania).

    Raises
    ------
    InputError
        Wrong suffix, bad layers. OutsideTerrainError: ``pmap`` is not on ``terrain``'s grid.
    """
    from .maps import base_map

    p = check_output(path, overwrite=overwrite, suffixes=(".png", ".pdf"))
    checked = check_layers(layers) if layers else []
    if pmap is not None:
        pmap.check_on(terrain)
    shown = _zoomed(terrain, checked, pmap) if zoom else terrain
    from .grid import layer_points

    fig, ax = base_map(
        shown,
        title=title or f"{terrain.name}: briefing map",
        grids=tuple(grids),
        when=when,
        points=layer_points(checked),
        formats=formats,
    )
    try:
        from ._draw import draw_layers, draw_probability

        handles = draw_probability(ax, shown, pmap) if pmap is not None else []
        handles += draw_layers(ax, shown, checked)
        note = f"model: {pmap.meta.get('model', '?')}, rest of world {pmap.rest_of_world:.1%}" if pmap else None
        if handles:
            leg = ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.85, title=note)
            leg.get_title().set_fontsize(7)
            leg.set_zorder(13)
        elif note:
            ax.text(0.99, 0.01, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=7, zorder=13)
    except BaseException:
        import matplotlib.pyplot as plt

        plt.close(fig)
        raise
    from ._draw import save_any

    save_any(fig, p, overwrite=overwrite, dpi=dpi)
    return p


def _zoomed(terrain, layers: list[Layer], pmap):
    """``terrain`` cropped to the layers and the 95 % containment area (margin 15 % + 10 cells)."""
    xs, ys = [], []
    for layer in layers:
        for geom, _ in layer.features:
            xy = shapely.get_coordinates(geom)
            x, y = terrain.to_xy(xy[:, 0], xy[:, 1])
            xs.append(np.atleast_1d(x))
            ys.append(np.atleast_1d(y))
    if pmap is not None:
        rows, cols = np.nonzero(pmap.containment_mask(0.95))
        if rows.size:
            left, bottom, right, top = terrain.bounds
            res = terrain.resolution
            xs.append(left + np.array([cols.min(), cols.max() + 1]) * res)
            ys.append(top - np.array([rows.min(), rows.max() + 1]) * res)
    if not xs:
        return terrain
    x, y = np.concatenate(xs), np.concatenate(ys)
    left, bottom, right, top = terrain.bounds
    x, y = np.clip(x, left, right), np.clip(y, bottom, top)
    cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    radius = max(x.max() - x.min(), y.max() - y.min()) / 2 * 1.15 + 10 * terrain.resolution
    if radius * 2 >= max(right - left, top - bottom):
        return terrain
    lon, lat = terrain.to_lonlat_xy(cx, cy)
    return terrain.crop((float(lon), float(lat)), float(radius))
