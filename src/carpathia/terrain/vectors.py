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
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from carpathia.errors import FileNotFound, VectorFileError

__all__ = ["Feature", "clip_features", "rasterize_fraction", "rasterize_mask", "read_features", "to_crs"]

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
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
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
            meta, _, geoms, fields = pyogrio.read(p, layer=layer)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
                pyogrio.errors.FieldTypeError, OSError) as exc:
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


def rasterize_fraction(
    features: Sequence[Feature],
    transform: Affine,
    shape: tuple[int, int],
    crs,
    *,
    width_m: float | Sequence[float] = 0.0,
    max_supersample: int = 8,
) -> np.ndarray:
    """Fraction of each cell covered by polygons and by lines buffered to ``width_m``.

    Lines are buffered by half their width in the metric CRS; the union is rasterised on a
    grid ``k`` times finer (``k`` ≤ ``max_supersample``, chosen from the narrowest width)
    and averaged back, so the covered area is right on average even when a river is
    narrower than a cell. Returns float32 in [0, 1].

    Notes
    -----
    Memory: ``k² ·`` cells bytes for the fine grid.
    """
    geoms = _project(features, crs)
    widths = np.broadcast_to(np.asarray(width_m, dtype=float), (len(geoms),))
    res = abs(transform.a)
    shapes = []
    for g, w in zip(geoms, widths, strict=True):
        if g.is_empty:
            continue
        if g.geom_type in ("LineString", "MultiLineString", "LinearRing"):
            if w <= 0:
                continue
            g = g.buffer(w / 2.0, cap_style="flat")
        elif g.geom_type in ("Point", "MultiPoint"):
            continue
        shapes.append(g)
    if not shapes:
        return np.zeros(shape, np.float32)
    narrowest = min([w for w in widths if w > 0] or [res])
    k = int(min(max_supersample, max(1, math.ceil(2.0 * res / narrowest))))
    fine_t = transform * Affine.scale(1.0 / k)
    fine = rasterio.features.rasterize(
        shapes, out_shape=(shape[0] * k, shape[1] * k), transform=fine_t, fill=0, default_value=1, dtype="uint8"
    )
    frac = fine.reshape(shape[0], k, shape[1], k).mean(axis=(1, 3), dtype=np.float32)
    return frac.astype(np.float32)


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
