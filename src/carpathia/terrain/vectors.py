"""Vector layers: reading lines and polygons (GeoJSON, KML, GPX, GeoPackage ...) and
rasterising them onto a terrain grid.

Geometries are kept in lon/lat (WGS 84) as shapely objects with their properties, and
projected to the terrain's CRS only to rasterise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.errors
import pyogrio.raw
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from carpathia.errors import FileNotFound, VectorFileError

__all__ = [
    "OGR_ERRORS",
    "Feature",
    "clip_features",
    "rasterize_fraction",
    "rasterize_mask",
    "rasterize_max",
    "read_features",
    "to_crs",
]

#: pyogrio's exceptions for a file it cannot read (shared by every reader of vector files).
OGR_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)
# GPX files hold several layers; these carry lines.
_GPX_LINE_LAYERS = ("tracks", "routes")


@dataclass
class Feature:
    """A geometry in lon/lat degrees with its properties."""

    geometry: shapely.Geometry
    properties: dict = field(default_factory=dict)

    def to_geojson(self) -> dict:
        return {
            "type": "Feature",
            "properties": self.properties,
            "geometry": shapely.geometry.mapping(self.geometry),
        }

    @classmethod
    def from_geojson(cls, obj: dict) -> Feature:
        return cls(shapely.geometry.shape(obj["geometry"]), dict(obj.get("properties") or {}))


def _layers_to_read(path: Path) -> list[str | int]:
    try:
        layers = pyogrio.list_layers(path)
    except (*OGR_ERRORS, OSError) as exc:
        raise VectorFileError(f"{path} is not a vector file GDAL can read (GeoJSON, KML, GPX, GeoPackage)") from exc
    names = [str(row[0]) for row in layers]
    if path.suffix.lower() == ".gpx":
        names = [n for n in names if n in _GPX_LINE_LAYERS] + [n for n in names if n == "waypoints"]
    return names


def read_features(path: str | Path, *, geometry_types: Sequence[str] | None = None) -> list[Feature]:
    """Read every feature of a vector file, in lon/lat.

    GPX tracks and routes are read as lines (and waypoints as points); KML folders and
    GeoPackage layers are all read. ``geometry_types`` (e.g. ``("LineString", "Polygon")``)
    keeps only geometries of those kinds (multi-part kinds match their single kind).

    Raises
    ------
    FileNotFound, VectorFileError
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFound(f"{p}: no such file; check the path")
    if p.stat().st_size == 0:
        raise VectorFileError(f"{p} is empty (0 bytes)")
    out: list[Feature] = []
    for layer in _layers_to_read(p):
        try:
            meta, _, geoms, fields = pyogrio.raw.read(p, layer=layer)
        except (*OGR_ERRORS, OSError) as exc:
            raise VectorFileError(f"{p}: cannot read layer {layer!r} ({exc})") from exc
        if geoms is None or len(geoms) == 0:
            continue
        shapes = shapely.from_wkb(geoms)
        crs = meta.get("crs")
        if crs:
            src = ProjCRS.from_user_input(crs)
            if not src.equals(ProjCRS.from_epsg(4326), ignore_axis_order=True):
                shapes = to_crs(shapes, src, ProjCRS.from_epsg(4326))
        names = list(meta.get("fields", []))
        for k, geom in enumerate(shapes):
            if geom is None or geom.is_empty:
                continue
            props = {n: _plain(fields[i][k]) for i, n in enumerate(names)}
            out.append(Feature(geom, props))
    if geometry_types:
        wanted = {t.removeprefix("Multi") for t in geometry_types}
        out = [f for f in out if f.geometry.geom_type.removeprefix("Multi") in wanted]
    if not out:
        kinds = " or ".join(geometry_types) if geometry_types else "geometries"
        raise VectorFileError(f"{p} holds no {kinds}; check that it is the right file")
    return out


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def to_crs(geoms, src, dst):
    """Project shapely geometries (scalar or array) between CRSs."""
    t = Transformer.from_crs(src, dst, always_xy=True)

    def fn(x, y):
        return t.transform(x, y)

    return shapely.transform(geoms, lambda xy: np.column_stack(fn(xy[:, 0], xy[:, 1])))


def _project(features: Iterable[Feature], crs) -> list[shapely.Geometry]:
    geoms = np.array([f.geometry for f in features], dtype=object)
    if geoms.size == 0:
        return []
    return list(to_crs(geoms, ProjCRS.from_epsg(4326), ProjCRS.from_user_input(crs)))


def rasterize_mask(features: Sequence[Feature], transform: Affine, shape: tuple[int, int], crs) -> np.ndarray:
    """Boolean mask of the cells each geometry touches (lines: every cell they pass through)."""
    geoms = [g for g in _project(features, crs) if not g.is_empty]
    if not geoms:
        return np.zeros(shape, bool)
    return rasterio.features.rasterize(
        geoms, out_shape=shape, transform=transform, all_touched=True, fill=0, default_value=1, dtype="uint8"
    ).astype(bool)


def rasterize_max(
    features: Sequence[Feature], values: Sequence[float], transform: Affine, shape: tuple[int, int], crs
) -> np.ndarray:
    """float32 grid holding, in every cell a geometry touches, the largest of their ``values``."""
    geoms = _project(features, crs)
    pairs = sorted(((g, float(v)) for g, v in zip(geoms, values, strict=True) if not g.is_empty), key=lambda p: p[1])
    if not pairs:
        return np.zeros(shape, np.float32)
    return rasterio.features.rasterize(
        pairs, out_shape=shape, transform=transform, all_touched=True, fill=0, dtype="float32"
    )


def rasterize_fraction(
    features: Sequence[Feature],
    transform: Affine,
    shape: tuple[int, int],
    crs,
    *,
    width_m: float | Sequence[float] = 0.0,
    tile: int = 32,
) -> np.ndarray:
    """Exact fraction of each cell covered by polygons and by lines buffered to their width.

    Lines are buffered by half their width (flat ends) in the metric CRS and merged with the
    polygons (so overlaps count once). Every cell the union touches gets the area of its
    intersection with the union divided by the cell area; the union is first cut into tiles of
    ``tile`` × ``tile`` cells so each intersection stays small. Returns float32 in [0, 1].

    Notes
    -----
    Cost grows with the number of touched cells and the vertices per tile, not with the grid.
    """
    geoms = _project(features, crs)
    widths = np.broadcast_to(np.asarray(width_m, dtype=float), (len(geoms),))
    shapes = []
    for g, w in zip(geoms, widths, strict=True):
        if g.is_empty or g.geom_type in ("Point", "MultiPoint"):
            continue
        if g.geom_type in ("LineString", "MultiLineString", "LinearRing"):
            if w <= 0:
                continue
            g = g.buffer(w / 2.0, cap_style="flat")
        shapes.append(g)
    out = np.zeros(shape, np.float32)
    if not shapes:
        return out
    union = shapely.union_all(shapes)
    touched = rasterio.features.rasterize(
        [union], out_shape=shape, transform=transform, all_touched=True, fill=0, default_value=1, dtype="uint8"
    )
    rows, cols = np.nonzero(touched)
    if rows.size == 0:
        return out
    res = transform.a
    left, top = transform.c, transform.f
    cell_area = res * -transform.e
    tiles = (rows // tile) * (shape[1] // tile + 1) + cols // tile
    order = np.argsort(tiles, kind="stable")
    rows, cols, tiles = rows[order], cols[order], tiles[order]
    starts = np.flatnonzero(np.r_[True, tiles[1:] != tiles[:-1]])
    ends = np.r_[starts[1:], tiles.size]
    for a, b in zip(starts, ends, strict=True):
        r, c = rows[a:b], cols[a:b]
        x0, x1 = left + c.min() * res, left + (c.max() + 1) * res
        y1, y0 = top - r.min() * res, top - (r.max() + 1) * res
        piece = shapely.clip_by_rect(union, x0, y0, x1, y1)
        if piece.is_empty:
            continue
        xs = left + c * res
        ys = top - r * res
        boxes = shapely.box(xs, ys - res, xs + res, ys)
        out[r, c] = shapely.area(shapely.intersection(piece, boxes)) / cell_area
    return np.clip(out, 0.0, 1.0)


def clip_features(features: Sequence[Feature], bbox: tuple[float, float, float, float]) -> list[Feature]:
    """Features clipped to a lon/lat box (points kept when inside)."""
    box = shapely.box(*bbox)
    out = []
    for f in features:
        if not f.geometry.intersects(box):
            continue
        g = f.geometry if f.geometry.geom_type in ("Point", "MultiPoint") else f.geometry.intersection(box)
        if not g.is_empty:
            out.append(Feature(g, dict(f.properties)))
    return out
