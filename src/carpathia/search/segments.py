"""Search segments: areas one team can search in one period, with natural boundaries.

Automatic segments follow the terrain the way a planner draws them by hand: streams, ridges,
trails and roads bound them, because a team in the field can see where its segment ends.
:func:`auto_segments` builds them from the DEM:

1. drainage by Priority-Flood (Barnes, Lehman & Mulla 2014) with steepest-descent D8
   receivers (O'Callaghan & Mark 1984), and the upstream area of every cell by multiple flow
   directions (Quinn et al. 1991), single-direction once a channel forms (Quinn et al. 1995):
   on an even slope water spreads, so only converging ground makes a stream. Cells draining
   more than ``stream_km2`` are streams (the stream network of a flow-accumulation threshold,
   as in GRASS ``r.watershed``), joined by the rivers and water of the terrain's layers and
   features;
2. every cell takes the stream link it drains into: the link catchments, bounded by the
   divides (ridges) between them. Cutting them along the streams, trails and roads splits each
   catchment into its banks, the half-basins of ``r.watershed`` and the "slope units" of
   Carrara et al. (1991) and Alvioli et al. (2016, ``r.slopeunits``), bounded by a stream below
   and ridges above;
3. thin pieces (the strips between parallel D8 flow lines on an even hillside) join a
   neighbour on the same hillside (mean downslope directions within 45°, no stream, trail or
   road between) when the union is more compact, by the moment-of-inertia index of Li,
   Goodchild & Church (2013); pieces below the target size join the neighbour they share the
   longest boundary with; pieces above it are halved, along the contour at their median
   elevation (upper and lower slope, reported as ``contour``) unless that gives much less
   compact halves than a straight cut across the long axis (the only boundary that follows no
   feature, reported as ``cut``); finally a strip still thin is pooled with a neighbour and
   the pool halved again the same way.

Ids are two letters, ``AA``, ``AB``, … in reading order of the segments' first cells (three
letters past 676 segments), so the same input always gives the same ids.

References
----------
Barnes, R., Lehman, C., Mulla, D. (2014). Priority-flood: an optimal depression-filling and
watershed-labeling algorithm for digital elevation models. Computers & Geosciences 62:117–127.
Carrara, A., Cardinali, M., Detti, R., Guzzetti, F., Pasqui, V., Reichenbach, P. (1991). GIS
techniques and statistical models in evaluating landslide hazard. Earth Surface Processes and
Landforms 16(5):427–445. Alvioli, M. et al. (2016). Automatic delineation of geomorphological
slope units with r.slopeunits v1.0. Geoscientific Model Development 9:3975–3991.
O'Callaghan, J. F., Mark, D. M. (1984). The extraction of drainage networks from digital
elevation data. Computer Vision, Graphics and Image Processing 28:323–344. Quinn, P., Beven,
K., Chevallier, P., Planchon, O. (1991). The prediction of hillslope flow paths for
distributed hydrological modelling using digital terrain models. Hydrological Processes
5:59–79. Quinn, P. F., Beven, K. J., Lamb, R. (1995). The ln(a/tan β) index: how to calculate
it and how to use it within the TOPMODEL framework. Hydrological Processes 9:161–182.
Li, W., Goodchild, M. F., Church, R. (2013). An efficient measure of compactness for
two-dimensional shapes and its application in regionalization problems. International Journal
of Geographical Information Science 27(6):1227–1250.
Ehlschlaeger, C. (1989). Using the A^T search algorithm to develop hydrologic models from
digital elevation data. Proc. International Geographic Information Systems Symposium (GRASS
``r.watershed``).
"""

from __future__ import annotations

import json
import math
import os
import string
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS as ProjCRS

from carpathia.errors import InputError, OutsideTerrainError, VectorFileError
from carpathia.io.files import atomic_output, check_output

from . import _regions as rg
from .resources import LANDCOVER_CLASSES

__all__ = ["BOUNDARY_KINDS", "Segment", "Segments", "auto_segments", "read_segments", "segment_ids"]

#: What a segment boundary can follow, in the order used to classify a boundary cell pair.
BOUNDARY_KINDS = rg.BOUNDARY_KINDS
_NATURAL = ("road", "trail", "stream", "ridge")
#: A boundary kind is listed in ``bounded_by`` when it makes up this share of the perimeter
#: (carpathia's choice: one side of a four-sided segment is 25 %).
_LISTED_SHARE = 0.1
#: Standard deviation of the Gaussian smoothing of the DEM that contour splits follow, cells.
SMOOTH_CELLS = 1.0


@dataclass(frozen=True)
class Segment:
    """One search segment.

    Attributes
    ----------
    id
        Stable id: ``"AA"``, ``"AB"`` … for automatic segments, the file's name or number for
        imported ones.
    geometry
        shapely Polygon or MultiPolygon in the terrain's CRS (metres).
    area_m2
        Area, m².
    poa
        Probability of area: the map summed over the segment's cells (0 without a map).
    mean_slope_deg
        Mean slope of its cells, degrees (Horn 1981, ``Terrain.slope``).
    landcover, vegetation
        Dominant land-cover class code 0..4 and its name (:data:`LANDCOVER_CLASSES`).
    travel_time_h
        Walking time from the base to the nearest cell of the segment, hours (Tobler's hiking
        function with the terrain's speed factors); None without a base, inf if unreachable.
    bounded_by
        The features along at least 10 % of its boundary, most first: ``stream``, ``ridge``,
        ``trail``, ``road``, ``contour`` (a split along a contour line: upper and lower slope),
        ``cut`` (a split with no feature), ``area edge`` (limit of the search area),
        ``map edge``.
    boundary_m
        Length of boundary along each kind, metres, as ``((kind, metres), ...)``.
    interpolated_share
        Share of its cells that the DEM's source interpolated (layer ``interpolated`` of a
        reconstructed DEM, 0 for an original DEM); :attr:`warning` says so when above 0.
    """

    id: str
    geometry: Any
    area_m2: float
    poa: float
    mean_slope_deg: float
    landcover: int
    vegetation: str
    travel_time_h: float | None
    bounded_by: tuple[str, ...]
    boundary_m: tuple[tuple[str, float], ...] = ()
    interpolated_share: float = 0.0

    @property
    def area_km2(self) -> float:
        return self.area_m2 / 1e6

    @property
    def warning(self) -> str:
        """What a planner must know about the ground under the segment; ``""`` when nothing."""
        if self.interpolated_share > 0:
            return (
                f"{self.interpolated_share:.0%} of the segment lies on interpolated DEM cells: slopes and "
                "heights there are smooth guesses; check the ground before committing a team"
            )
        return ""

    def __repr__(self) -> str:
        return f"<Segment {self.id}: {self.area_km2:.2f} km², POA {self.poa:.4f}, {self.vegetation}>"


class Segments:
    """An immutable collection of segments on a terrain grid.

    Attributes
    ----------
    segments
        The :class:`Segment` list, in id order.
    labels
        int32 grid of the terrain's shape: the index of each cell's segment, −1 for none.
    transform, crs
        The grid's georeferencing.
    meta
        How the segments were made (parameters, source file).
    """

    def __init__(self, segments: Sequence[Segment], labels: np.ndarray, transform, crs, *, meta=None) -> None:
        lab = np.asarray(labels, dtype=np.int32)
        if lab.ndim != 2:
            raise InputError("segment labels must be a 2-D grid")
        segs = list(segments)
        if lab.size and int(lab.max()) >= len(segs):
            raise InputError(f"labels refer to segment {int(lab.max())}, but there are {len(segs)} segments")
        ids = [s.id for s in segs]
        if len(set(ids)) != len(ids):
            raise InputError("segment ids must be unique")
        lab = lab.copy()
        lab.setflags(write=False)
        self.segments = segs
        self.labels = lab
        self.transform = transform
        self.crs = ProjCRS.from_user_input(crs)
        self.meta: dict[str, Any] = dict(meta or {})
        self._index = {s.id: k for k, s in enumerate(segs)}

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.segments]

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape  # type: ignore[return-value]

    @property
    def poa(self) -> np.ndarray:
        """POA of each segment (float64)."""
        return np.array([s.poa for s in self.segments], float)

    @property
    def areas_m2(self) -> np.ndarray:
        """Area of each segment, m²."""
        return np.array([s.area_m2 for s in self.segments], float)

    @property
    def landcover(self) -> np.ndarray:
        """Dominant land-cover code of each segment."""
        return np.array([s.landcover for s in self.segments], np.int64)

    def __len__(self) -> int:
        return len(self.segments)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def __getitem__(self, key: str | int) -> Segment:
        if isinstance(key, str):
            if key not in self._index:
                raise InputError(f"no segment {key!r}; segments are {_some(self.ids)}")
            return self.segments[self._index[key]]
        return self.segments[key]

    def index(self, segment_id: str) -> int:
        """Position of the segment ``segment_id`` (its label value)."""
        self[segment_id]
        return self._index[segment_id]

    def with_poa(self, pmap) -> Segments:
        """The same segments with POA recomputed from ``pmap`` (on the same grid)."""
        _check_grid(pmap, self)
        poa = _sums(pmap.cells, self.labels, len(self))
        segs = [replace(s, poa=float(p)) for s, p in zip(self.segments, poa, strict=True)]
        return Segments(segs, self.labels, self.transform, self.crs, meta=self.meta)

    def to_geojson(self) -> dict:
        """FeatureCollection in WGS 84 lon/lat; properties id, area_km2, poa, mean_slope_deg,
        vegetation, landcover, travel_time_h, bounded_by."""
        from carpathia.terrain.vectors import to_crs

        geoms = np.array([s.geometry for s in self.segments], dtype=object)
        ll = to_crs(geoms, self.crs, ProjCRS.from_epsg(4326)) if geoms.size else geoms
        feats = []
        for s, g in zip(self.segments, ll, strict=True):
            t = s.travel_time_h
            feats.append(
                {
                    "type": "Feature",
                    "id": s.id,
                    "properties": {
                        "id": s.id,
                        "area_km2": round(s.area_km2, 4),
                        "poa": s.poa,
                        "mean_slope_deg": round(s.mean_slope_deg, 2),
                        "vegetation": s.vegetation,
                        "landcover": s.landcover,
                        "travel_time_h": None if t is None or not math.isfinite(t) else round(t, 3),
                        "bounded_by": list(s.bounded_by),
                        **({"warning": s.warning} if s.warning else {}),
                    },
                    "geometry": shapely.geometry.mapping(shapely.set_precision(g, 1e-7)),
                }
            )
        return {"type": "FeatureCollection", "features": feats, "properties": _plain(self.meta)}

    def write_geojson(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write :meth:`to_geojson` atomically (``.geojson`` or ``.json``)."""
        check_output(path, overwrite=overwrite, suffixes=(".geojson", ".json"))
        text = json.dumps(self.to_geojson(), ensure_ascii=False)
        with atomic_output(path, overwrite=overwrite) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return Path(path)

    def __repr__(self) -> str:
        return f"<Segments {len(self)}: {_some(self.ids)}>"


def _some(ids: list[str]) -> str:
    return ", ".join(ids[:8]) + (f" … ({len(ids)} in all)" if len(ids) > 8 else "")


def _plain(obj):
    return json.loads(json.dumps(obj, default=str))


def _check_grid(grid, segs) -> None:
    if grid.shape != segs.shape or grid.transform != segs.transform:
        raise InputError(f"the map ({grid.shape[1]}×{grid.shape[0]} cells) is not on the segments' grid")


def segment_ids(n: int) -> list[str]:
    """``n`` stable ids: ``AA, AB, … ZZ`` (two letters up to 676 segments, three beyond)."""
    if n < 0:
        raise InputError("the number of segments must be ≥ 0")
    width = 2 if n <= 26 * 26 else 3 if n <= 26**3 else 4
    out = []
    for k in range(n):
        letters = []
        for _ in range(width):
            k, r = divmod(k, 26)
            letters.append(string.ascii_uppercase[r])
        out.append("".join(reversed(letters)))
    return out


# ---------------------------------------------------------------------- per-segment figures
def _sums(values: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    keep = labels >= 0
    return np.bincount(labels[keep].ravel(), weights=np.asarray(values, float)[keep].ravel(), minlength=n)[:n]


def _summaries(terrain, labels: np.ndarray, n: int, pmap, base) -> dict[str, np.ndarray]:
    keep = labels >= 0
    idx = labels[keep].ravel()
    count = np.bincount(idx, minlength=n)[:n].astype(float)
    slope = np.asarray(terrain.slope(), float)[keep].ravel()
    ok = np.isfinite(slope)
    s_sum = np.bincount(idx[ok], weights=slope[ok], minlength=n)[:n]
    s_cnt = np.bincount(idx[ok], minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_slope = np.where(s_cnt > 0, s_sum / np.maximum(s_cnt, 1), np.nan)
    lc = np.asarray(terrain.layer("landcover")).astype(np.int64)[keep].ravel()
    lc = np.where((lc >= 0) & (lc < len(LANDCOVER_CLASSES)), lc, 0)
    table = np.zeros((n, len(LANDCOVER_CLASSES)), np.int64)
    np.add.at(table, (idx, lc), 1)
    dominant = np.argmax(table, axis=1)
    poa = np.zeros(n) if pmap is None else _sums(pmap.cells, labels, n)
    travel = None
    if base is not None:
        seconds = travel_seconds(terrain, base)
        travel = np.full(n, np.inf)
        np.minimum.at(travel, idx, seconds[keep].ravel())
        travel /= 3600.0
    gaps = terrain.layers.get("interpolated")
    interp = np.zeros(n)
    if gaps is not None:
        g_sum = np.bincount(idx, weights=np.asarray(gaps, float)[keep].ravel(), minlength=n)[:n]
        interp = np.where(count > 0, g_sum / np.maximum(count, 1), 0.0)
    return {
        "count": count,
        "slope": mean_slope,
        "landcover": dominant,
        "poa": poa,
        "travel_h": travel,
        "interpolated": interp,
    }


def travel_seconds(terrain, base: Sequence[float]) -> np.ndarray:
    """Walking time from ``base`` (lon, lat) to every cell, seconds (inf where unreachable).

    Tobler's hiking function per step with :func:`carpathia.travel.speed_factors` of the terrain
    (trails, land cover, water as barrier), through :func:`carpathia.travel.travel_time_terrain`.
    """
    from carpathia.travel import speed_factors, travel_time_terrain

    lon, lat = _lonlat(base, "base")
    rc = terrain.to_pixel(lon, lat)
    return travel_time_terrain(terrain.elevation, terrain.resolution, [rc], speed_factor=speed_factors(terrain))


def _lonlat(point, what: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in point)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a (lon, lat) pair in degrees, not {point!r}") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"{what} {point!r} is not (lon, lat) in degrees")
    return lon, lat


def _polygons(labels: np.ndarray, transform, n: int) -> list:
    from rasterio.features import shapes

    parts: list[list] = [[] for _ in range(n)]
    lab = np.ascontiguousarray(labels, dtype=np.int32)
    for g, v in shapes(lab, mask=lab >= 0, transform=transform, connectivity=4):
        parts[int(v)].append(shapely.geometry.shape(g))
    return [p[0] if len(p) == 1 else shapely.union_all(p) if p else shapely.Polygon() for p in parts]


def _build(terrain, labels, pmap, base, *, ids, geoms=None, areas=None, boundary=None, meta=None) -> Segments:
    n = len(ids)
    fig = _summaries(terrain, labels, n, pmap, base)
    if geoms is None:
        geoms = _polygons(labels, terrain.transform, n)
    if areas is None:
        areas = fig["count"] * terrain.resolution**2
    segs = []
    for k in range(n):
        lengths = () if boundary is None else boundary[k]
        total = sum(v for _, v in lengths)
        listed = tuple(kind for kind, v in lengths if total > 0 and v >= _LISTED_SHARE * total)
        segs.append(
            Segment(
                id=ids[k],
                geometry=geoms[k],
                area_m2=float(areas[k]),
                poa=float(fig["poa"][k]),
                mean_slope_deg=float(fig["slope"][k]),
                landcover=int(fig["landcover"][k]),
                vegetation=LANDCOVER_CLASSES[int(fig["landcover"][k])],
                travel_time_h=None if fig["travel_h"] is None else float(fig["travel_h"][k]),
                bounded_by=listed,
                boundary_m=tuple((kind, round(float(v), 1)) for kind, v in lengths),
                interpolated_share=float(fig["interpolated"][k]),
            )
        )
    return Segments(segs, labels, terrain.transform, terrain.crs, meta=meta)


# ---------------------------------------------------------------------- automatic segments
def auto_segments(
    terrain,
    pmap=None,
    *,
    level: float = 0.95,
    target_km2: tuple[float, float] = (0.3, 1.5),
    base: Sequence[float] | None = None,
    stream_km2: float | None = None,
) -> Segments:
    """Cut the search area into segments bounded by streams, ridges, trails and roads.

    Parameters
    ----------
    terrain
        The :class:`~carpathia.terrain.Terrain` (DEM, layers ``trails``, ``roads``, ``water``,
        ``river_width``, features ``rivers``, ``trails``, ``roads``).
    pmap
        A :class:`~carpathia.probability.ProbabilityMap` on the terrain's grid: the segments
        cover its ``level`` containment area and carry its POA. Without a map, the whole grid
        (cells with elevation) is cut and POA is 0.
    level
        Containment level of the search area, in (0, 1].
    target_km2
        (smallest, largest) segment area, km²: default 0.3–1.5 km², one team in one period.
        Pieces smaller than the smallest join a neighbour; larger ones are split. A piece with no
        neighbour (an island of the search area) may stay smaller.
    base
        (lon, lat) of the base: each segment then gets the walking time from it.
    stream_km2
        Upstream area, km², above which a cell is a stream; default the smallest target area
        (a stream drains at least one segment). carpathia's choice: on the White Mountains
        (90 m SRTM, 15 km around -71.30, 44.27) 5 % of the segment boundaries then follow no
        feature (``cut``), 15 % follow a contour, the rest streams and ridges; the median
        Polsby–Popper compactness of the outlines (traced at one cell's tolerance) is 0.61.

    Returns
    -------
    Segments

    Notes
    -----
    Cost: Priority-Flood O(N log N) over the whole grid (numba, a heap; about 1 s for 10⁶
    cells), flow accumulation O(N), a Euclidean distance transform, per-piece connected
    components (scipy) and region merges on an adjacency table (about 0.7 s for the 335 × 335
    cells, 950 segments, of the White Mountains crop). Memory about 60 bytes per cell.
    See the module docstring for the method and the references.
    """
    from . import _kernels

    lo, hi = _target(target_km2)
    if not (isinstance(level, (int, float)) and 0.0 < level <= 1.0):
        raise InputError(f"level must be a containment fraction in (0, 1], not {level!r}")
    cell_m2 = terrain.resolution**2
    stream_m2 = lo * 1e6 if stream_km2 is None else float(stream_km2) * 1e6
    if not (math.isfinite(stream_m2) and stream_m2 > 0):
        raise InputError(f"stream_km2 must be a positive area, not {stream_km2!r}")
    valid = terrain.valid
    if pmap is not None:
        pmap.check_on(terrain)
        area = pmap.containment_mask(level) & valid
    else:
        area = valid.copy()
    if not area.any():
        raise InputError("the search area is empty: the map has no probability on cells with elevation data")
    z = np.where(valid, terrain.elevation, 0.0).astype(np.float64)
    recv, order, fill = _kernels.priority_flood(z, valid)
    h, w = terrain.shape
    d8 = _kernels.steepest_receivers(fill, recv, valid)
    stream_cells = stream_m2 / cell_m2
    acc = _kernels.accumulate_mfd(fill, d8, order, valid, stream_cells)
    stream = (acc >= stream_cells).reshape(h, w)
    streams = stream | _water(terrain)
    trails, roads = _line_mask(terrain, "trails"), _line_mask(terrain, "roads")
    link = _kernels.link_catchments(d8, order, stream.ravel()).reshape(h, w)
    cut = streams | trails | roads
    lab = np.where(area & ~cut, link, -1)
    pieces, n = rg.components(lab)
    if n == 0:  # the search area is all stream or trail: one piece
        pieces = np.where(area, 0, -1)
    pieces = rg.fill_from_nearest(pieces, area)
    lo_cells, hi_cells = lo * 1e6 / cell_m2, hi * 1e6 / cell_m2
    pieces = rg.merge_fragments(pieces, cut)
    aspect = np.radians(np.asarray(terrain.aspect(), float))
    east, north = np.sin(aspect), np.cos(aspect)
    pieces = rg.merge_compact(pieces, hi_cells, strong=cut, east=east, north=north)
    pieces = rg.merge_small(pieces, lo_cells, hi_cells, allow_over=True, strong=cut)
    contour = (np.zeros((h, w - 1), bool), np.zeros((h - 1, w), bool))
    # contour splits follow the DEM smoothed over about one cell (carpathia's choice), so the
    # line is the lie of the slope, not the DEM's noise
    zs = _smooth(z, valid)
    for _ in range(4):  # a halved piece may fall apart; its stray bits join a neighbour
        pieces = rg.merge_fragments(rg.split_large(pieces, hi_cells, zs, contour), cut)
        if np.bincount(pieces[pieces >= 0]).max() <= hi_cells:
            break
    else:
        pieces = rg.split_large(pieces, hi_cells, zs, contour)  # the size limit wins over a stray bit
    pieces = rg.merge_small(pieces, lo_cells, hi_cells, allow_over=False, strong=cut)
    for _ in range(3):  # each pass moves a piece once; a strip may need a second try
        before = pieces
        pieces = rg.reshape_thin(pieces, lo_cells, hi_cells, z=zs, edges=contour, strong=cut, east=east, north=north)
        if np.array_equal(before, pieces):
            break
    labels, n = rg.reading_order(pieces)
    kinds = {"road": roads, "trail": trails, "stream": streams, "link": link, "contour": contour, "valid": valid}
    boundary = rg.boundaries(labels, n, kinds, terrain.resolution)
    meta = {
        "method": "auto",
        "level": float(level) if pmap is not None else None,
        "target_km2": [lo, hi],
        "stream_km2": stream_m2 / 1e6,
        "base": None if base is None else list(_lonlat(base, "base")),
        "terrain": terrain.name,
    }
    return _build(terrain, labels, pmap, base, ids=segment_ids(n), boundary=boundary, meta=meta)


def _target(target_km2) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in target_km2)
    except (TypeError, ValueError):
        raise InputError(f"target_km2 must be (smallest, largest) in km², not {target_km2!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo > 0 and 2 * lo <= hi):
        raise InputError(
            f"target_km2 must be (smallest, largest) with 0 < smallest and largest ≥ 2 × smallest "
            f"(halving a segment must not make it too small), not {target_km2!r}"
        )
    return lo, hi


def _smooth(z: np.ndarray, valid: np.ndarray, sigma: float = SMOOTH_CELLS) -> np.ndarray:
    """Gaussian-smoothed elevation (``sigma`` in cells), normalised over valid cells only."""
    from scipy import ndimage

    weight = ndimage.gaussian_filter(valid.astype(float), sigma, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = ndimage.gaussian_filter(np.where(valid, z, 0.0), sigma, mode="nearest") / weight
    return np.where(valid, out, z)


def _water(terrain) -> np.ndarray:
    from carpathia.terrain.vectors import rasterize_mask

    wet = (np.asarray(terrain.layer("water")) > 0) | (np.asarray(terrain.layer("river_width")) > 0)
    rivers = terrain.features.get("rivers", [])
    if rivers:
        wet |= rasterize_mask(rivers, terrain.transform, terrain.shape, terrain.crs)
    return wet


def _line_mask(terrain, kind: str) -> np.ndarray:
    from carpathia.terrain.vectors import rasterize_mask

    mask = np.asarray(terrain.layer(kind)).astype(bool)
    feats = terrain.features.get(kind, [])
    if feats:
        mask = mask | rasterize_mask(feats, terrain.transform, terrain.shape, terrain.crs)
    return mask


# ---------------------------------------------------------------------- imported segments
_ID_KEYS = ("id", "segment", "name", "title", "label", "number")


def read_segments(path: str | os.PathLike, terrain, pmap=None, *, base: Sequence[float] | None = None) -> Segments:
    """Segments from the polygons of a GeoJSON, KML, GeoPackage or GPX file.

    Polygons (and closed lines, as GPX and some KML exports draw areas) are reprojected to the
    terrain's CRS. Ids come from a property ``id``, ``segment``, ``name``, ``title``, ``label``
    or ``number`` (the first present), else ``AA``, ``AB``, … in file order. A cell belongs to
    the segment that holds its centre (a later polygon wins where two overlap, with a warning).

    Raises
    ------
    FileNotFound, VectorFileError
        No such file, unreadable, or no polygon in it.
    OutsideTerrainError
        A segment that lies entirely off the terrain's grid.
    """
    from rasterio.features import rasterize

    from carpathia.terrain.vectors import read_features, to_crs

    p = Path(path)
    feats = read_features(p, geometry_types=("Polygon", "LineString"))
    polys, props = [], []
    for f in feats:
        for g in getattr(f.geometry, "geoms", [f.geometry]):
            if g.geom_type == "Polygon":
                polys.append(g)
            elif g.geom_type == "LineString" and len(g.coords) >= 4 and g.is_closed:
                polys.append(shapely.Polygon(g.coords))
            else:
                continue
            props.append(f.properties)
    if not polys:
        raise VectorFileError(f"{p} holds no polygon (or closed line) to use as a search segment")
    ids = _ids_from(props)
    xy = to_crs(np.array(polys, dtype=object), ProjCRS.from_epsg(4326), ProjCRS.from_user_input(terrain.crs))
    grid_box = shapely.box(*terrain.bounds)
    geoms = []
    for sid, g in zip(ids, xy, strict=True):
        g = shapely.make_valid(g)
        g = shapely.intersection(g, grid_box)
        g = _polygonal(g)
        if g.is_empty or g.area <= 0:
            w, s, e, n = terrain.lonlat_bounds
            raise OutsideTerrainError(
                f"segment {sid!r} of {p} lies outside the terrain (lon {w:.4f}..{e:.4f}, lat {s:.4f}..{n:.4f}); "
                "check the file's CRS or choose the region that covers it"
            )
        geoms.append(g)
    shape = terrain.shape
    labels = rasterize(
        [(g, k) for k, g in enumerate(geoms)], out_shape=shape, transform=terrain.transform, fill=-1, dtype="int32"
    )
    for k, g in enumerate(geoms):  # a segment smaller than a cell still gets the cell of its centre
        if not (labels == k).any():
            col, row = ~terrain.transform * (g.representative_point().x, g.representative_point().y)
            r, c = min(int(row), shape[0] - 1), min(int(col), shape[1] - 1)
            if labels[r, c] < 0:
                labels[r, c] = k
    _warn_overlaps(geoms, ids)
    meta = {"method": "file", "source": str(p), "base": None if base is None else list(_lonlat(base, "base"))}
    areas = [g.area for g in geoms]
    return _build(terrain, labels, pmap, base, ids=ids, geoms=geoms, areas=areas, meta=meta)


def _polygonal(g):
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [q for q in getattr(g, "geoms", []) if q.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _ids_from(props: list[dict]) -> list[str]:
    lower = [{str(k).lower(): v for k, v in pr.items()} for pr in props]
    key = next((k for k in _ID_KEYS if all(pr.get(k) not in (None, "") for pr in lower)), None)
    if key is None:
        return segment_ids(len(props))
    raw = [str(pr[key]).strip() for pr in lower]
    seen: dict[str, int] = {}
    out = []
    for r in raw:
        seen[r] = seen.get(r, 0) + 1
        out.append(r if seen[r] == 1 else f"{r}-{seen[r]}")
    if len(set(raw)) != len(raw):
        warnings.warn(f"segment names repeat in the file's {key!r} field; repeats get -2, -3 …", stacklevel=3)
    return out


def _warn_overlaps(geoms: list, ids: list[str]) -> None:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            share = shapely.intersection(geoms[i], geoms[j]).area / min(geoms[i].area, geoms[j].area)
            if share > 0.01:
                warnings.warn(
                    f"segments {ids[i]!r} and {ids[j]!r} overlap ({share:.0%} of the smaller); "
                    f"cells in both count for {ids[j]!r}",
                    stacklevel=3,
                )
                return
