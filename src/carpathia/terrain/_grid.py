"""Target grids, reprojection and void filling.

A terrain grid is always north-up in a metric CRS (UTM by default), with square cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import rasterio.warp
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.enums import Resampling
from scipy import ndimage

from carpathia.errors import InputError, OutsideTerrainError

if TYPE_CHECKING:  # annotations only: _io imports this module's MAX_CELLS
    from ._io import DemSource

__all__ = [
    "MAX_CELLS",
    "check_bbox",
    "check_positive",
    "fill_small_voids",
    "grid_for_bbox",
    "grid_for_center",
    "lonlat_bounds",
    "utm_crs_for",
    "warp_sources",
]

#: Largest grid carpathia builds in one piece (cells); 20 000 × 20 000 float32 is 1.6 GB.
MAX_CELLS = 400_000_000
_WGS84 = CRS.from_epsg(4326)


def check_positive(value: float | None, what: str) -> float | None:
    """Refuse 0, negative, NaN and infinite values with a message naming ``what``."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be a number of metres, not {value!r}") from exc
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{what} must be a positive number of metres, not {value!r}")
    return v


def check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """Check a (west, south, east, north) box in degrees."""
    try:
        w, s, e, n = (float(v) for v in bbox)
    except (TypeError, ValueError) as exc:
        raise InputError(f"a bounding box is four numbers WEST,SOUTH,EAST,NORTH, not {bbox!r}") from exc
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InputError("the bounding box has a NaN or infinite value")
    if not (-180 <= w < e <= 180) or not (-90 <= s < n <= 90):
        raise InputError(
            f"bounding box {w},{s},{e},{n} is not WEST,SOUTH,EAST,NORTH in degrees "
            "(west < east within ±180, south < north within ±90)"
        )
    return w, s, e, n


def check_lonlat(lon: float, lat: float) -> tuple[float, float]:
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"({lat}, {lon}) is not a latitude, longitude pair in degrees")
    return lon, lat


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone CRS that contains (lon, lat)."""
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _finish_grid(left: float, bottom: float, right: float, top: float, res: float):
    left = math.floor(left / res) * res
    top = math.ceil(top / res) * res
    width = math.ceil((right - left) / res - 1e-9)
    height = math.ceil((top - bottom) / res - 1e-9)
    _check_size(width, height, res)
    return Affine(res, 0.0, left, 0.0, -res, top), width, height


def _check_size(width: int, height: int, res: float) -> None:
    if width < 3 or height < 3:
        raise InputError(
            f"the area is only {width} × {height} cells at {res:g} m; give a larger area or a finer resolution"
        )
    if width * height > MAX_CELLS:
        raise InputError(
            f"the area would be {width} × {height} cells at {res:g} m, more than "
            f"{MAX_CELLS:,}; give a smaller area or a coarser resolution"
        )


def grid_for_bbox(bbox, dst_crs: CRS, res: float) -> tuple[Affine, int, int]:
    """North-up grid of ``res`` metres covering a lon/lat box, snapped to multiples of ``res``."""
    w, s, e, n = bbox
    t = Transformer.from_crs(_WGS84, dst_crs, always_xy=True)
    left, bottom, right, top = t.transform_bounds(w, s, e, n, densify_pts=41)
    return _finish_grid(left, bottom, right, top, res)


def grid_for_center(lon: float, lat: float, radius_m: float, dst_crs: CRS, res: float):
    """Square grid of odd size whose middle cell is centred on (lon, lat)."""
    t = Transformer.from_crs(_WGS84, dst_crs, always_xy=True)
    cx, cy = t.transform(lon, lat)
    half = round(radius_m / res)
    n = 2 * half + 1
    _check_size(n, n, res)
    left = cx - (half + 0.5) * res
    top = cy + (half + 0.5) * res
    return Affine(res, 0.0, left, 0.0, -res, top), n, n


def lonlat_bounds(crs: CRS, bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of a box given in ``crs``."""
    if crs == _WGS84:
        return bounds
    t = Transformer.from_crs(crs, _WGS84, always_xy=True)
    return t.transform_bounds(*bounds, densify_pts=41)


def _intersects(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def warp_sources(
    sources: Sequence[DemSource],
    transform: Affine,
    width: int,
    height: int,
    dst_crs: CRS,
    *,
    resampling: str = "auto",
) -> np.ndarray:
    """Mosaic and reproject ``sources`` onto a grid; NaN where no source has data.

    Where sources overlap, the first one listed wins. ``resampling="auto"`` uses bilinear
    interpolation unless the grid is more than 1.5 × coarser than a source, then the cell
    average.
    """
    out = np.full((height, width), np.nan, dtype=np.float32)
    dst_bounds = (transform.c, transform.f + height * transform.e, transform.c + width * transform.a, transform.f)
    res = abs(transform.a)
    hit = False
    # Tiles on one grid (e.g. SRTM tiles) are pasted together first and warped once, so the
    # mosaic has no seams; sources on different grids are warped one by one.
    groups: dict[tuple, list[DemSource]] = {}
    for src in sources:
        key = (src.crs.to_wkt(), round(src.transform.a, 12), round(src.transform.e, 12))
        groups.setdefault(key, []).append(src)
    for group in groups.values():
        to_src = Transformer.from_crs(dst_crs, group[0].crs, always_xy=True)
        sb = to_src.transform_bounds(*dst_bounds, densify_pts=41)
        reads = [s.read(sb) for s in group if _intersects(sb, s.bounds)]
        reads = [r for r in reads if r[0].size]
        if not reads:
            continue
        hit = True
        for arr, src_transform in _paste(reads):
            _warp_into(out, arr, src_transform, group[0], transform, dst_crs, res, resampling)
    if not hit or bool(np.isnan(out).all()):
        boxes = "; ".join(
            "{}: {:.3f},{:.3f},{:.3f},{:.3f}".format(s.path.name, *lonlat_bounds(s.crs, s.bounds)) for s in sources
        )
        raise OutsideTerrainError(f"the requested area has no elevation data; the DEM covers (W,S,E,N) {boxes}")
    return out


def _paste(reads: list[tuple[np.ndarray, Affine]]) -> list[tuple[np.ndarray, Affine]]:
    """Paste windows of one grid into one array (the first listed wins); unaligned ones stay apart."""
    if len(reads) == 1:
        return reads
    a, e = reads[0][1].a, reads[0][1].e
    left = min(t.c for _, t in reads)
    top = max(t.f for _, t in reads)
    right = max(t.c + arr.shape[1] * a for arr, t in reads)
    bottom = min(t.f + arr.shape[0] * e for arr, t in reads)
    offsets = []
    for _, t in reads:
        col, row = (t.c - left) / a, (t.f - top) / e
        if abs(col - round(col)) > 1e-6 or abs(row - round(row)) > 1e-6:
            return reads
        offsets.append((round(row), round(col)))
    canvas = np.full((round((bottom - top) / e), round((right - left) / a)), np.nan, np.float32)
    for (arr, _), (r0, c0) in zip(reads, offsets, strict=True):
        view = canvas[r0 : r0 + arr.shape[0], c0 : c0 + arr.shape[1]]
        empty = np.isnan(view)
        view[empty] = arr[empty]
    return [(canvas, Affine(a, 0.0, left, 0.0, e, top))]


def _warp_into(out, arr, src_transform, src: DemSource, transform, dst_crs, res, resampling) -> None:
    method = resampling
    if method == "auto":
        method = "average" if res > 1.5 * src.resolution_m() else "bilinear"
    if method not in Resampling.__members__:
        raise InputError(f"resampling must be auto, bilinear, cubic, average or nearest, not {method!r}")
    tmp = np.full_like(out, np.nan)
    sx, sy = src.resolution_xy_m()
    sx *= abs(src_transform.a / src.transform.a)  # > 1 where the window was read decimated
    sy *= abs(src_transform.e / src.transform.e)
    rasterio.warp.reproject(
        arr,
        tmp,
        src_transform=src_transform,
        src_crs=src.crs,
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs=dst_crs,
        dst_nodata=np.nan,
        resampling=Resampling[method],
        # GDAL otherwise derives the resampling footprint per chunk from the source window,
        # so a tile that covers part of the grid would be resampled differently.
        XSCALE=str(min(1.0, sx / res)),
        YSCALE=str(min(1.0, sy / res)),
    )
    fill = np.isnan(out)
    out[fill] = tmp[fill]


def fill_small_voids(z: np.ndarray, max_cells: int = 400) -> tuple[np.ndarray, int]:
    """Fill no-data holes of at most ``max_cells`` cells that do not touch the grid edge.

    Holes are filled by repeated averaging of the valid 8-neighbours, from the rim inwards.
    Larger holes and holes open to the edge (outside the data's coverage) stay NaN.
    Returns the filled copy and the number of cells filled.
    """
    void = np.isnan(z)
    if not void.any() or max_cells <= 0:
        return z, 0
    labels, _ = ndimage.label(void, structure=np.ones((3, 3), bool))
    sizes = np.bincount(labels.ravel())
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    small = sizes <= max_cells
    small[0] = False
    small[edge] = False
    todo = small[labels]
    count = int(todo.sum())
    if count == 0:
        return z, 0
    out = z.copy()
    kernel = np.ones((3, 3), np.float32)
    while todo.any():
        valid = ~np.isnan(out)
        vals = np.where(valid, out, 0.0).astype(np.float32)
        s = ndimage.convolve(vals, kernel, mode="nearest")
        c = ndimage.convolve(valid.astype(np.float32), kernel, mode="nearest")
        ring = todo & (c > 0)
        if not ring.any():
            break
        out[ring] = s[ring] / c[ring]
        todo &= ~ring
    return out, count
