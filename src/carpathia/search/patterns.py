"""Search patterns: parallel sweeps inside a segment, as GPX routes for the teams' GPS units.

A parallel-sweep (boustrophedon, "lawnmower") pattern lays lanes across a segment at a track
spacing S and joins them end to end. With sweep width W the pattern's coverage is ``C = W/S``
(Koopman; the IAMSAR Manual's parallel sweep search): ``S = W`` covers the segment once
(POD 63 % under random search). :func:`plan_routes` spaces the lanes at ``W/C`` for the
coverage the plan gave the team, so the route is as long as the team can walk in its search
hours. On a slope the lanes follow the contours, as ground teams sweep hillsides; on the flat
they run along the segment's long axis (fewest turns).

References
----------
Koopman, B. O. (1946/1980). Search and Screening. IMO/ICAO (2022). IAMSAR Manual, Vol. II,
Mission Co-ordination, parallel sweep search (PS).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from pyproj import CRS as ProjCRS
from pyproj import Geod, Transformer

from carpathia.errors import InputError
from carpathia.io.gpx import GpxLine

from .allocation import Plan
from .coverage import Track
from .resources import Resource, default_resources, get_resource
from .segments import Segment, Segments, _lonlat

__all__ = ["plan_routes", "route_bearing", "sweep_route", "track_from_route"]

_GEOD = Geod(ellps="WGS84")
#: Below this mean slope the lanes follow the long axis instead of the contours (carpathia's choice).
_FLAT_DEG = 3.0
#: Routes longer than this many points are thinned: many Garmin units keep 250 points per route.
GARMIN_ROUTE_POINTS = 250


def _polygon(segment) -> shapely.Geometry:
    g = segment.geometry if isinstance(segment, Segment) else segment
    if not isinstance(g, shapely.Geometry) or g.geom_type not in ("Polygon", "MultiPolygon") or g.is_empty:
        raise InputError("a sweep route needs a segment or a non-empty shapely polygon in metres")
    return g


def route_bearing(segment, terrain=None) -> float:
    """Lane direction for a segment, degrees clockwise from grid north, in [0, 180).

    With a terrain, along the contours (the mean aspect + 90°, slope-weighted circular mean of
    the segment's cells) where the mean slope is 3° or more; otherwise along the long side of
    the segment's minimum rotated rectangle.
    """
    g = _polygon(segment)
    if terrain is not None:
        from rasterio.features import geometry_mask

        left, bottom, right, top = g.bounds
        col_a, row_a = ~terrain.transform * (left, top)
        col_b, row_b = ~terrain.transform * (right, bottom)
        h, w = terrain.shape
        r0, c0 = max(0, math.floor(row_a)), max(0, math.floor(col_a))
        r1, c1 = min(h, math.ceil(row_b)), min(w, math.ceil(col_b))
        if r1 > r0 and c1 > c0:
            tr = terrain.transform * terrain.transform.translation(c0, r0)
            inside = geometry_mask([g], out_shape=(r1 - r0, c1 - c0), transform=tr, invert=True)
            slope = np.asarray(terrain.slope())[r0:r1, c0:c1][inside].astype(float)
            aspect = np.asarray(terrain.aspect())[r0:r1, c0:c1][inside].astype(float)
            ok = np.isfinite(slope) & np.isfinite(aspect)
            if ok.any() and float(np.mean(slope[ok])) >= _FLAT_DEG:
                a = np.radians(aspect[ok])
                wgt = np.tan(np.radians(slope[ok]))
                mean_aspect = math.degrees(math.atan2(float(np.sum(wgt * np.sin(a))), float(np.sum(wgt * np.cos(a)))))
                return (mean_aspect + 90.0) % 180.0
    rect = shapely.minimum_rotated_rectangle(g)
    xy = np.asarray(rect.exterior.coords) if rect.geom_type == "Polygon" else np.asarray(g.envelope.exterior.coords)
    edges = np.diff(xy[:3], axis=0)
    e = edges[int(np.argmax(np.hypot(edges[:, 0], edges[:, 1])))]
    return math.degrees(math.atan2(e[0], e[1])) % 180.0


def sweep_route(
    segment,
    spacing_m: float,
    *,
    terrain=None,
    start: Sequence[float] | None = None,
    bearing_deg: float | None = None,
) -> shapely.LineString:
    """A parallel-sweep route inside a segment, lanes ``spacing_m`` apart, in the segment's CRS.

    Parameters
    ----------
    segment
        A :class:`~.Segment` or a shapely (Multi)Polygon in metres.
    spacing_m
        Track spacing S, metres (the sweep width W for coverage 1).
    terrain
        Optional: lanes then follow the contours on slopes (:func:`route_bearing`).
    start
        (x, y) in the segment's CRS (e.g. the base or the drop-off point): the route starts at
        the corner nearest to it.
    bearing_deg
        Lane direction, degrees clockwise from grid north; overrides the automatic choice.

    Returns
    -------
    shapely.LineString
        Lanes ``S/2`` in from the edges (so each lane sweeps ``S`` of the segment), joined at
        their ends. In a concave segment a join may cut across a notch outside it.

    Notes
    -----
    Lane ``k`` lies at ``S·(k + ½)`` across the segment from its edge, clipped to the polygon
    (shapely). At least one lane is drawn, through the middle, if the segment is narrower than S.
    Cost: one clip per lane.
    """
    g = _polygon(segment)
    s = float(spacing_m)
    if not (math.isfinite(s) and s > 0):
        raise InputError(f"track spacing must be a positive distance in metres, not {spacing_m!r}")
    b = route_bearing(g, terrain) if bearing_deg is None else float(bearing_deg)
    if not math.isfinite(b):
        raise InputError(f"bearing must be degrees, not {bearing_deg!r}")
    d = np.array([math.sin(math.radians(b)), math.cos(math.radians(b))])  # along the lanes
    nrm = np.array([d[1], -d[0]])  # across the lanes
    xy = shapely.get_coordinates(g)
    u, v = xy @ d, xy @ nrm
    u0, u1, v0, v1 = u.min() - s, u.max() + s, v.min(), v.max()
    n_lanes = max(1, math.floor((v1 - v0) / s))
    offsets = v0 + s * (np.arange(n_lanes) + 0.5) + 0.5 * ((v1 - v0) - n_lanes * s)
    lanes = []
    for off in offsets:
        a, z = u0 * d + off * nrm, u1 * d + off * nrm
        cut = shapely.intersection(shapely.LineString([a, z]), g)
        pieces = [p for p in getattr(cut, "geoms", [cut]) if p.geom_type == "LineString" and not p.is_empty]
        pieces = [np.asarray(p.coords)[:, :2] for p in pieces]
        pieces = [p if (p[-1] - p[0]) @ d >= 0 else p[::-1] for p in pieces]
        pieces.sort(key=lambda p: float(p[0] @ d))
        if pieces:
            lanes.append(pieces)
    if not lanes:
        raise InputError("the segment is too small or thin for a sweep route at this spacing")
    best = None
    for reverse_lanes in (False, True):
        for first_forward in (True, False):
            order = lanes[::-1] if reverse_lanes else lanes
            pts = []
            for k, pieces in enumerate(order):
                forward = first_forward == (k % 2 == 0)
                seq = pieces if forward else [p[::-1] for p in pieces[::-1]]
                for p in seq:
                    pts.extend(p.tolist())
            if start is None:
                return _line(pts)
            dist = math.hypot(pts[0][0] - float(start[0]), pts[0][1] - float(start[1]))
            if best is None or dist < best[0]:
                best = (dist, pts)
    return _line(best[1])


def _line(pts) -> shapely.LineString:
    arr = np.asarray(pts, float)
    keep = np.r_[True, np.any(np.abs(np.diff(arr, axis=0)) > 1e-9, axis=1)]
    arr = arr[keep]
    if len(arr) < 2:
        arr = np.vstack([arr, arr + 1e-3])
    return shapely.LineString(arr)


def plan_routes(
    plan: Plan,
    segments: Segments,
    terrain,
    *,
    resources: Mapping[str, Resource] | None = None,
    period: int = 1,
    subject: str = "unresponsive",
    base: Sequence[float] | None = None,
) -> list[GpxLine]:
    """One parallel-sweep route per assignment of ``plan``, in lon/lat, for a GPX file.

    Parameters
    ----------
    plan
        The plan (:func:`~.plan_period`); its rows name segments of ``segments``.
    segments, terrain
        The segments and the terrain they were made on.
    resources
        The resource table the teams came from (default the built-in one), for sweep widths.
    period
        Operational period: routes are named ``"101 AB Grid 1"``, ``"102 …"`` (period 1).
    subject
        Which sweep widths to space the lanes by.
    base
        (lon, lat): each route starts at the corner of its segment nearest the base; default
        the base the segments were made with.

    Returns
    -------
    list of GpxLine
        Lanes spaced ``W/C`` (``C`` the team's planned coverage), so the route is about as long
        as the team can sweep in its search hours; for ``C > 1``, lanes ``W`` apart and the
        description asks for ``C`` passes. The description gives the
        resource, hours, spacing, length and expected POD. Routes are thinned to 250 points
        (:data:`GARMIN_ROUTE_POINTS`) by Douglas–Peucker when needed.
    """
    from .plan import number_assignments

    table = default_resources() if resources is None else resources
    if base is None:
        base = segments.meta.get("base")
    start = None
    if base is not None:
        lon, lat = _lonlat(base, "base")
        start = tuple(float(c) for c in terrain.to_xy(lon, lat))
    to_ll = Transformer.from_crs(ProjCRS.from_user_input(segments.crs), ProjCRS.from_epsg(4326), always_xy=True)
    numbers = number_assignments(plan, period)
    out = []
    for num, a in zip(numbers, plan.assignments, strict=True):
        seg = segments[str(a.segment)]
        res = get_resource(a.resource, table)
        w = float(res.sweep_width(subject, seg.landcover))
        if w <= 0:
            w = float(np.max(res.sweep_width(subject)))
        # coverage C ≤ 1: lanes W/C apart, walked once; C > 1: lanes W apart, the pattern C times
        passes = max(1.0, a.coverage)
        spacing = w / a.coverage if 0 < a.coverage < 1 else w
        line = sweep_route(seg, spacing, terrain=terrain, start=start)
        line = _thin(line, spacing)
        xy = np.asarray(line.coords)
        lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
        repeat = f", {passes:.1f} passes" if passes > 1.05 else ""
        desc = (
            f"{res.name}, segment {seg.id}: search {a.search_h:.1f} h, lanes {spacing:.0f} m apart, "
            f"{line.length / 1000:.1f} km{repeat}, expected POD {a.pod:.0%}"
        )
        out.append(GpxLine(f"{num} {seg.id} {a.team}", list(zip(lon.tolist(), lat.tolist(), strict=True)), desc=desc))
    return out


def _thin(line: shapely.LineString, spacing: float) -> shapely.LineString:
    tol = 0.0
    while len(line.coords) > GARMIN_ROUTE_POINTS:
        tol = max(1.0, 2 * tol) if tol else max(1.0, spacing / 20)
        line = shapely.simplify(line, tol, preserve_topology=False)
    return line


def track_from_route(
    route: GpxLine | Sequence[Sequence[float]] | shapely.LineString,
    *,
    speed_m_s: float,
    start_time: _dt.datetime | str | None = None,
    step_m: float = 10.0,
    name: str | None = None,
) -> Track:
    """A timed GPS track along a planned route (lon/lat), as a team that walked it would log.

    For simulated debriefs (the demo, tests): fixes every ``step_m`` metres along each leg
    (geodesic), timed at ``speed_m_s`` from ``start_time`` (default 2000-01-01T00:00:00Z).
    """
    if isinstance(route, GpxLine):
        pts, name = np.asarray([p[:2] for p in route.points], float), name or route.name
    elif isinstance(route, shapely.LineString):
        pts = np.asarray(route.coords, float)[:, :2]
    else:
        pts = np.asarray([p[:2] for p in route], float)
    if pts.ndim != 2 or len(pts) < 2:
        raise InputError("a route needs at least two (lon, lat) points")
    v, step = float(speed_m_s), float(step_m)
    if not (math.isfinite(v) and v > 0 and math.isfinite(step) and step > 0):
        raise InputError("speed_m_s and step_m must be positive")
    lons, lats, dist = [pts[0, 0]], [pts[0, 1]], [0.0]
    for (lo0, la0), (lo1, la1) in itertools.pairwise(pts):
        az, _, leg = _GEOD.inv(lo0, la0, lo1, la1)
        k = max(1, math.ceil(leg / step))
        if leg == 0:
            continue
        sub = _GEOD.fwd(np.full(k, lo0), np.full(k, la0), np.full(k, az), leg * np.arange(1, k + 1) / k)
        lons.extend(sub[0].tolist())
        lats.extend(sub[1].tolist())
        dist.extend((dist[-1] + leg * np.arange(1, k + 1) / k).tolist())
    t0 = np.datetime64("2000-01-01T00:00:00", "s") if start_time is None else _start(start_time)
    times = t0 + np.round(np.asarray(dist) / v).astype("timedelta64[s]")
    return Track(np.asarray(lons), np.asarray(lats), times, name or "simulated", "simulated")


def _start(t) -> np.datetime64:
    if isinstance(t, _dt.datetime):
        if t.tzinfo is not None:
            t = t.astimezone(_dt.UTC).replace(tzinfo=None)
        return np.datetime64(t, "s")
    try:
        return _start(_dt.datetime.fromisoformat(str(t).replace("Z", "+00:00")))
    except ValueError:
        raise InputError(f"start_time must be an ISO 8601 time, not {t!r}") from None
