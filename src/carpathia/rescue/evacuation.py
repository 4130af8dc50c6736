"""Ground evacuation: stretcher carry-out time and least-time path to a road, a town or a landing zone.

The carry runs on the travel-time engine (:func:`carpathia.travel.travel_time_terrain`) from the
destinations with ``to_sources=True``, so each step is priced in the carrying direction (uphill
carries are slow, Tobler 1993). The walking speed is Tobler's, times the terrain's factors
(:func:`carpathia.travel.speed_factors`: off-trail 0.6, forest, snow, night, water barriers),
times :data:`LITTER_FACTOR` for a stretcher team::

    from carpathia.rescue import carry_out, rescue_options
    c = carry_out(t, -71.30, 44.27, to=("roads", "lz"))
    c.minutes, c.destination, c.to_geojson(), c.to_gpx()
    rescue_options(t, -71.30, 44.27).to_dict()      # landing zones + carry-out, for the CLI

References
----------
Tobler, W. (1993). NCGIA technical report 93-1. Topografix, GPX 1.1 schema (2004).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carpathia.errors import InputError
from carpathia.io.files import atomic_output
from carpathia.io.gpx import GPX_NS, GpxLine, GpxPoint, gpx_document
from carpathia.travel import least_cost_path_terrain, speed_factors, tobler_speed, travel_time_terrain
from carpathia.travel.speed import FOREST_FACTOR, OFF_TRAIL_FACTOR

from .landing import LZ_MIN_SIZE_M, LZ_RADIUS_M, LandingZoneReport, _positive, landing_zones, lz_mask
from .landing import resolve_treeline as _treeline

if TYPE_CHECKING:
    from carpathia.terrain import Terrain

__all__ = [
    "CARRY_MAX_SLOPE_DEG",
    "CARRY_RADIUS_M",
    "DESTINATIONS",
    "GPX_NS",
    "LITTER_FACTOR",
    "LOW_ANGLE_DEG",
    "CarryOut",
    "Destination",
    "RescueOptions",
    "carry_out",
    "rescue_options",
]

#: Stretcher team speed as a fraction of one walker's Tobler speed: carpathia's assumption. No
#: published rate was found; first-hand accounts agree on about 1 mph (1.6 km/h) for a litter on a
#: trail with a large team passing it along (a 22-rescuer carry of 1.8 miles on Mt Monadnock, NH),
#: and a New Hampshire rescuer's rule that a broken ankle 3 miles in takes 4 to 8 hours to bring out
#: (Conway Daily Sun, 2022). Tobler's flat-trail 5.04 km/h × 0.3 = 1.5 km/h on trails; off trail
#: the terrain's factors apply on top (open 0.6: 0.9 km/h; forest 0.48: 0.73 km/h).
LITTER_FACTOR = 0.3
#: Steepest step a stretcher is carried over, degrees. Rope-rescue terrain classes (Raven Rescue;
#: Roco Rescue): flat 0–15°, low angle 15–30°, steep angle 30–50°, high angle over 50°. Steeper than
#: 30° needs a rope system (lowers and raises), which this model does not time: it routes around.
CARRY_MAX_SLOPE_DEG = 30.0
#: Steps steeper than this are low-angle terrain (same classes): a belay may be needed; reported.
LOW_ANGLE_DEG = 15.0
#: Radius of the window searched for destinations, metres: carpathia's assumption (10 km is about
#: 10 h of off-trail carry, most of an operational period).
CARRY_RADIUS_M = 10_000.0
#: Destination kinds: cells of the ``roads`` layer, ``towns`` features, landing-zone cells.
DESTINATIONS = ("roads", "towns", "lz")
#: The GPX 1.1 namespace (Topografix).
_LABEL = {"roads": "road", "towns": "town", "lz": "landing zone"}
_CARRY_DEFAULTS: dict[str, Any] = {"carry_factor": LITTER_FACTOR, "max_slope_deg": CARRY_MAX_SLOPE_DEG}
_CARRY_DEFAULTS.update(search_radius_m=CARRY_RADIUS_M, snow_depth_m=None, night=False)


@dataclass(frozen=True)
class Destination:
    """Where a carry ends: its kind (``roads``, ``towns``, ``lz``), a name, and its position."""

    kind: str
    name: str
    lon: float
    lat: float
    elevation_m: float

    def to_dict(self) -> dict[str, Any]:
        r = {"lat": round(self.lat, 6), "lon": round(self.lon, 6), "elevation_m": round(self.elevation_m, 1)}
        return {"kind": self.kind, "name": self.name, **r}


@dataclass(frozen=True)
class CarryOut:
    """A stretcher carry-out from a find: time, destination and least-time path.

    ``minutes`` is None when nothing is reachable (``reason`` says why); ``path`` holds (lon, lat)
    vertices: the find, the centres of the cells walked, and (for a town) the town's point;
    ``length_m``, ``ascent_m``, ``descent_m`` are metres along it; ``max_slope_deg`` is its steepest
    step and ``low_angle_m`` the length of steps steeper than :data:`LOW_ANGLE_DEG`, where a belay
    may be needed; ``note`` tells of a find moved off a water cell.
    """

    lon: float
    lat: float
    to: tuple[str, ...]
    minutes: float | None
    destination: Destination | None
    path: tuple[tuple[float, float], ...] = ()
    elevations: tuple[float, ...] = field(default=(), repr=False)
    length_m: float = 0.0
    ascent_m: float = 0.0
    descent_m: float = 0.0
    max_slope_deg: float = 0.0
    low_angle_m: float = 0.0
    reason: str | None = None
    note: str | None = None
    assumptions: Mapping[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: time and destination, or why there is none."""
        if self.minutes is None or self.destination is None:
            return f"no carry-out route: {self.reason}"
        d = self.destination
        label = _LABEL[d.kind] + (f" {d.name}" if d.kind == "towns" else "")
        return (
            f"{_duration(self.minutes)} to {label} at {d.lat:.5f},{d.lon:.5f} "
            f"({self.length_m / 1000:.2f} km, +{self.ascent_m:.0f}/-{self.descent_m:.0f} m)"
        )

    def to_dict(self, *, include_path: bool = True, brief: bool = False) -> dict[str, Any]:
        """JSON-friendly: ``minutes``, ``destination`` and the path's figures; ``brief`` keeps only those."""
        out: dict[str, Any] = {
            "minutes": None if self.minutes is None else round(self.minutes, 1),
            "duration": None if self.minutes is None else _duration(self.minutes),
            "destination": None if self.destination is None else self.destination.to_dict(),
            "length_m": round(self.length_m, 1),
            "reason": self.reason,
        }
        if brief:
            return out
        for k in ("ascent_m", "descent_m", "max_slope_deg", "low_angle_m"):
            out[k] = round(getattr(self, k), 1)
        out.update(to=list(self.to), note=self.note, assumptions=dict(self.assumptions))
        if include_path:
            out["path"] = [[round(x, 6), round(y, 6)] for x, y in self.path]
        return out

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection: the path as a LineString (lon, lat), the find and destination as points."""
        if not self.path or self.destination is None:
            raise InputError(f"no carry-out path to export: {self.reason}")
        d = self.destination
        parts = [
            ({"role": "carry-out", **self.to_dict(include_path=False)}, "LineString", [list(p) for p in self.path]),
            ({"role": "find"}, "Point", [self.lon, self.lat]),
            ({"role": "destination", **d.to_dict()}, "Point", [d.lon, d.lat]),
        ]
        feats = [{"type": "Feature", "properties": p, "geometry": {"type": g, "coordinates": c}} for p, g, c in parts]
        return {"type": "FeatureCollection", "features": feats}

    def to_gpx(self) -> str:
        """GPX 1.1: waypoints for the find and the destination, the path as a route (``rte``)."""
        if not self.path or self.destination is None or self.minutes is None:
            raise InputError(f"no carry-out path to export: {self.reason}")
        d = self.destination
        title = f"carry-out to {_LABEL[d.kind]}" + (f" {d.name}" if d.kind == "towns" else "")
        desc = f"{_duration(self.minutes)} by stretcher, {self.length_m / 1000:.2f} km (carpathia estimate)"
        route = [(x, y, z) for (x, y), z in zip(self.path, self.elevations, strict=True)]
        return gpx_document(
            name=title,
            desc=desc,
            waypoints=[
                GpxPoint(self.lon, self.lat, "find", ele=_finite(self.elevations[0])),
                GpxPoint(d.lon, d.lat, title, ele=_finite(d.elevation_m)),
            ],
            routes=[GpxLine(title, route, desc=desc)],
        )

    def write_gpx(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write :meth:`to_gpx` atomically; refuses an existing file unless ``overwrite``."""
        return _write(path, self.to_gpx(), overwrite)

    def write_geojson(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write :meth:`to_geojson` atomically; refuses an existing file unless ``overwrite``."""
        return _write(path, json.dumps(self.to_geojson(), indent=1, ensure_ascii=False) + "\n", overwrite)


@dataclass(frozen=True)
class RescueOptions:
    """Landing zones near a find and the stretcher carry-out: what ``carpathia rescue`` prints."""

    lon: float
    lat: float
    elevation_m: float
    terrain_name: str
    resolution_m: float
    landing: LandingZoneReport
    carry: CarryOut
    by_kind: Mapping[str, CarryOut]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: ``landing_zones`` (ranked), ``carry_out`` (minutes, destination, path) and more."""
        lz = self.landing.to_dict()
        return {
            "query": {"lat": round(self.lat, 6), "lon": round(self.lon, 6), "elevation_m": _num(self.elevation_m)},
            "terrain": {"name": self.terrain_name, "resolution_m": self.resolution_m},
            "hoist_required": lz["hoist_required"],
            "hoist_advised": lz["hoist_advised"],
            "verdict": lz["verdict"],
            "landing_zones": lz["landing_zones"],
            "landing_criteria": {"radius_m": lz["radius_m"], **lz["criteria"]},
            "carry_out": self.carry.to_dict(),
            "carry_out_by_destination": {k: v.to_dict(brief=True) for k, v in self.by_kind.items()},
            "notes": lz["notes"],
        }


def carry_out(
    terrain: Terrain,
    lon: float,
    lat: float,
    *,
    to: Sequence[str] | str = DESTINATIONS,
    carry_factor: float = LITTER_FACTOR,
    max_slope_deg: float = CARRY_MAX_SLOPE_DEG,
    search_radius_m: float = CARRY_RADIUS_M,
    snow_depth_m: float | None = None,
    night: bool = False,
    treeline_m: float | str | None = "auto",
    lz_min_size_m: float = LZ_MIN_SIZE_M,
) -> CarryOut:
    """Stretcher carry-out from (lon, lat) to the nearest (in time) road, town or landing zone.

    Parameters
    ----------
    terrain : Terrain
        Elevation and layers ``roads``, ``trails``, ``landcover``, ``water``; ``features["towns"]``.
    lon, lat : float
        The find, degrees.
    to : sequence of {"roads", "towns", "lz"}
        Destination kinds; landing zones are those of :func:`~carpathia.rescue.landing_zones`.
    carry_factor : float
        Stretcher speed as a fraction of one walker's (:data:`LITTER_FACTOR`).
    max_slope_deg : float
        Steps steeper than this are not carried (:data:`CARRY_MAX_SLOPE_DEG`).
    search_radius_m : float
        Destinations are looked for within this window around the find (:data:`CARRY_RADIUS_M`).
    snow_depth_m, night
        Snow depth in metres (a scalar) and darkness, for :func:`carpathia.travel.speed_factors`.
    treeline_m, lz_min_size_m
        For the landing-zone destinations (see :func:`~carpathia.rescue.landing_zones`).

    Returns
    -------
    CarryOut
        ``minutes`` None with a ``reason`` when nothing is reachable.

    Raises
    ------
    OutsideTerrainError
        The find is off the grid.
    InputError
        Unknown destination kinds or non-positive numbers.

    Notes
    -----
    Units: minutes, metres, degrees. One Dijkstra run (numba) over the window from all destination
    cells at once, then one back-trace: O(N log N) for N window cells, 8 bytes per cell.
    """
    kinds = _kinds(to)
    treeline = _treeline(terrain, treeline_m)
    kw = {"carry_factor": carry_factor, "max_slope_deg": max_slope_deg, "search_radius_m": search_radius_m}
    ctx = _Context(terrain, lon, lat, treeline, snow_depth_m=snow_depth_m, night=night, **kw)
    return ctx.carry(kinds, treeline, lz_min_size_m)


def rescue_options(
    terrain: Terrain,
    lon: float,
    lat: float,
    *,
    radius_m: float = LZ_RADIUS_M,
    min_size_m: float = LZ_MIN_SIZE_M,
    treeline_m: float | str | None = "auto",
    to: Sequence[str] | str = DESTINATIONS,
    helicopter: str | None = None,
    night: bool = False,
    **carry: Any,
) -> RescueOptions:
    """Landing zones within ``radius_m`` and the carry-out to each kind of destination, for one find.

    ``carry`` takes the keywords of :func:`carry_out` (``carry_factor``, ``max_slope_deg``,
    ``search_radius_m``, ``snow_depth_m``, ``night``). The overall ``carry`` is the fastest of the
    per-kind carries (one Dijkstra run per kind that has destinations in the window).
    ``helicopter`` and ``night`` size the landing sites as EASA's HEMS operating site (2D × 2D by
    day, 4D × 2D at night; :func:`~carpathia.rescue.landing.site_dimensions`); ``night`` also
    slows the carry-out unless ``carry`` says otherwise.
    """
    report = landing_zones(
        terrain,
        lon,
        lat,
        radius_m=radius_m,
        min_size_m=min_size_m,
        treeline_m=treeline_m,
        helicopter=helicopter,
        night=night,
    )
    if night:
        carry.setdefault("night", True)
    min_size_m = (report.min_size_m, report.min_length_m)  # type: ignore[assignment]
    kinds = _kinds(to)
    ctx = _Context(terrain, lon, lat, report.treeline_m, **carry)
    by_kind = {k: ctx.carry((k,), report.treeline_m, min_size_m) for k in kinds}
    found = [c for c in by_kind.values() if c.minutes is not None]
    if found:
        best = min(found, key=lambda c: c.minutes)  # type: ignore[arg-type, return-value]
        best = replace(best, to=kinds)
    else:
        why = list(dict.fromkeys(c.reason for c in by_kind.values()))
        reasons = why[0] if len(why) == 1 else "; ".join(f"{_LABEL[k]}: {c.reason}" for k, c in by_kind.items())
        best = CarryOut(float(lon), float(lat), kinds, None, None, reason=reasons, note=ctx.note)
    elev = float(terrain.elevation[terrain.to_pixel(lon, lat)])
    return RescueOptions(float(lon), float(lat), elev, terrain.name, terrain.resolution, report, best, by_kind)


# ---------------------------------------------------------------------- internals
class _Context:
    """The window around a find with its speed factors, shared by carries to several kinds."""

    def __init__(self, terrain: Terrain, lon: float, lat: float, treeline: float | None, **carry: Any) -> None:
        unknown = sorted(set(carry) - set(_CARRY_DEFAULTS))
        if unknown:
            raise InputError(f"unknown carry-out options {unknown}; choose among {', '.join(_CARRY_DEFAULTS)}")
        opt = {**_CARRY_DEFAULTS, **carry}
        self.terrain, self.lon, self.lat = terrain, float(lon), float(lat)
        self.factor = _positive(opt["carry_factor"], "carry_factor")
        self.max_slope = _positive(opt["max_slope_deg"], "max_slope_deg")
        radius = _positive(opt["search_radius_m"], "search_radius_m")
        self.row, self.col = terrain.to_pixel(lon, lat)
        self.sub = sub = terrain.crop((lon, lat), radius)  # the same cells, layers and features
        r0 = round((terrain.transform.f - sub.transform.f) / terrain.resolution)
        c0 = round((sub.transform.c - terrain.transform.c) / terrain.resolution)
        self.bounds = (r0, r0 + sub.shape[0], c0, c0 + sub.shape[1])
        f = speed_factors(sub, snow_depth_m=opt["snow_depth_m"], night=bool(opt["night"]))
        self.f = (f * self.factor).astype(np.float64)
        self.z = sub.elevation.astype(np.float64)
        if treeline is not None:  # above the treeline, land cover mapped as forest is walked as open ground
            lc = np.asarray(sub.layer("landcover"))
            path = sub.layer("roads").astype(bool) | sub.layer("trails").astype(bool) | (lc == 3)
            with np.errstate(invalid="ignore"):
                self.f[(lc == 2) & (self.z >= treeline) & ~path] /= FOREST_FACTOR
        self.find = (self.row - self.bounds[0], self.col - self.bounds[2])
        self.note = self._snap_to_bank()
        self.radius = radius
        v = tobler_speed(0.0) * 3.6 * self.factor
        a = {"carry_factor": self.factor, "flat_trail_kmh": round(v, 2)}
        a.update(flat_off_trail_open_kmh=round(v * OFF_TRAIL_FACTOR, 2), max_slope_deg=self.max_slope)
        self.assumptions = {**a, "search_radius_m": radius}

    def _passable_near(self, r: int, c: int, lon: float, lat: float) -> tuple[tuple[int, int] | None, float]:
        """The passable cell of the 3 × 3 block around (r, c) nearest to (lon, lat), and its distance, m."""
        fx, fy = self.terrain.to_xy(lon, lat)
        best, best_d = None, math.inf
        for rr in range(max(0, r - 1), min(self.z.shape[0], r + 2)):
            for cc in range(max(0, c - 1), min(self.z.shape[1], c + 2)):
                if self.f[rr, cc] > 0 and np.isfinite(self.z[rr, cc]):
                    x, y = self.sub.transform * (cc + 0.5, rr + 0.5)
                    d = math.hypot(x - fx, y - fy)
                    if d < best_d:
                        best, best_d = (rr, cc), d
        return best, best_d

    def _snap_to_bank(self) -> str | None:
        """A find on a water (or no-data) cell starts from the nearest passable neighbour cell, if any."""
        fr, fc = self.find
        if self.f[fr, fc] > 0 and np.isfinite(self.z[fr, fc]):
            return None
        best, d = self._passable_near(fr, fc, self.lon, self.lat)
        if best is None:
            return None
        self.find = best
        return (
            f"the find's cell is water or has no elevation: the carry starts from the nearest dry cell, "
            f"{d:.0f} m away (getting the subject to it is not timed)"
        )

    def targets(self, kind: str, treeline: float | None, lz_size: float) -> tuple[np.ndarray, dict]:
        """Boolean target mask in the window and, for towns, {(row, col): (name, lon, lat)}."""
        r0, r1, c0, c1 = self.bounds
        names: dict[tuple[int, int], tuple[str, float, float]] = {}
        if kind == "roads":
            mask = np.asarray(self.terrain.layer("roads")[r0:r1, c0:c1], dtype=bool).copy()
        elif kind == "lz":
            width, length = lz_size if isinstance(lz_size, tuple) else (lz_size, None)
            mask = lz_mask(self.terrain, self.bounds, min_size_m=width, min_length_m=length, treeline=treeline)
        else:
            mask = np.zeros(self.z.shape, bool)
            for feat in self.terrain.features.get("towns", []):
                p = feat.geometry if feat.geometry.geom_type == "Point" else feat.geometry.representative_point()
                r, c = self.terrain.to_pixel(p.x, p.y, strict=False)
                if not (r0 <= r < r1 and c0 <= c < c1):
                    continue
                cell, _ = self._passable_near(r - r0, c - c0, p.x, p.y)  # a riverside town on a water cell
                if cell is not None:
                    mask[cell] = True
                    names.setdefault(cell, (str(feat.properties.get("name", "town")), p.x, p.y))
        mask &= (self.f > 0) & np.isfinite(self.z)
        return mask, names

    def carry(self, kinds: tuple[str, ...], treeline: float | None, lz_size: float) -> CarryOut:
        base = {"lon": self.lon, "lat": self.lat, "to": kinds, "assumptions": self.assumptions, "note": self.note}
        fr, fc = self.find
        if not (self.f[fr, fc] > 0 and np.isfinite(self.z[fr, fc])):
            why = "the find is on water or outside the elevation data: move the point to the nearest dry bank"
            return CarryOut(minutes=None, destination=None, reason=why, **base)
        masks = {k: self.targets(k, treeline, lz_size) for k in kinds}
        every = np.zeros(self.z.shape, bool)
        for m, _ in masks.values():
            every |= m
        if not every.any():
            what = " or ".join(_LABEL[k] for k in kinds)
            why = f"no {what} within {self.radius / 1000:g} km on this terrain"
            return CarryOut(minutes=None, destination=None, reason=why, **base)
        src = np.argwhere(every)
        kw = {"speed_factor": self.f, "max_slope_deg": self.max_slope, "to_sources": True}
        times = travel_time_terrain(self.z, self.sub.resolution, src, **kw)
        if not np.isfinite(times[fr, fc]):
            what = " or ".join(_LABEL[k] for k in kinds)
            why = (
                f"no {what} reachable within {self.radius / 1000:g} km without steps over {self.max_slope:g}° "
                "or crossing water: a technical (rope) evacuation or a hoist is needed"
            )
            return CarryOut(minutes=None, destination=None, reason=why, **base)
        rc = least_cost_path_terrain(times, self.z, self.sub.resolution, (fr, fc), **kw)
        er, ec = (int(v) for v in rc[-1])
        kind = next(k for k in kinds if masks[k][0][er, ec])
        r0, c0 = self.bounds[0], self.bounds[2]
        elev = self.z[rc[:, 0], rc[:, 1]]
        lons, lats = self.terrain.to_lonlat(rc[:, 0] + r0, rc[:, 1] + c0)
        cells = zip(np.atleast_1d(lons).tolist(), np.atleast_1d(lats).tolist(), strict=True)
        pts = [(self.lon, self.lat), *cells]
        zs = [float(elev[0]), *elev.tolist()]
        if kind == "towns":
            name, tlon, tlat = masks[kind][1][(er, ec)]
            pts.append((tlon, tlat))
            zs.append(float(elev[-1]))
            dest = Destination(kind, name, tlon, tlat, float(elev[-1]))
        else:
            dest = Destination(kind, _LABEL[kind], pts[-1][0], pts[-1][1], float(elev[-1]))
        geo = _path_figures(self.terrain, pts, zs)
        return CarryOut(
            minutes=float(times[fr, fc]) / 60.0,
            destination=dest,
            path=tuple(pts),
            elevations=tuple(zs),
            **geo,
            **base,
        )


def _path_figures(terrain, pts, zs) -> dict[str, float]:
    x, y = terrain.to_xy(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    step = np.hypot(np.diff(np.asarray(x)), np.diff(np.asarray(y)))
    dz = np.diff(np.asarray(zs, dtype=np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        ang = np.where(step > 1e-6, np.degrees(np.arctan2(np.abs(dz), step)), 0.0)
    return {
        "length_m": float(step.sum()),
        "ascent_m": float(dz[dz > 0].sum()),
        "descent_m": float(np.abs(dz[dz < 0].sum())),
        "max_slope_deg": float(ang.max()) if ang.size else 0.0,
        "low_angle_m": float(step[ang > LOW_ANGLE_DEG].sum()),
    }


def _kinds(to: Sequence[str] | str) -> tuple[str, ...]:
    kinds = (to,) if isinstance(to, str) else tuple(to)
    bad = [k for k in kinds if k not in DESTINATIONS]
    if bad or not kinds:
        raise InputError(f"carry-out destinations must be among {', '.join(DESTINATIONS)}, not {list(kinds)!r}")
    return tuple(dict.fromkeys(kinds))


def _write(path: str | os.PathLike, text: str, overwrite: bool) -> Path:
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _num(v: float) -> float | None:
    return round(v, 1) if math.isfinite(v) else None  # JSON has no NaN


def _duration(minutes: float) -> str:
    m = round(minutes)
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"
