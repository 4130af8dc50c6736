"""River network: lines joined into a directed graph, cut into reaches with chainage, type and flow.

Building (:func:`build_network`):

1. **Projection.** Lines (lon/lat) go to the terrain's metric CRS (else the UTM zone of their
   centre). Multi-lines are split into their parts.
2. **Duplicates.** Bundled data mix sources (Natural Earth and GSHHG draw the same Tisza): a
   line with at least 80 % of its vertices within ``duplicate_tol_m`` of lines already kept is
   dropped, most detailed lines (vertices per km) first; a kept unnamed line within the
   tolerance of a dropped named one takes its name and width. (carpathia's rule.)
3. **Direction.** Each line flows from its higher to its lower end where the DEM gives both
   ends and they differ by at least ``min_drop_m`` (10 m: above a 1 km DEM's noise; carpathia's
   assumption); otherwise vertex order is kept (Natural Earth and GSHHG draw rivers downstream).
   Every line records how its direction was decided and whether the DEM agreed.
4. **Junctions.** A line's downstream end joins the nearest other line within ``join_tol_m``:
   at its start (a continuation) or part-way (a confluence: the particle enters at that
   chainage). An end joining nothing is an outlet: what passes it is "beyond the modelled reach".
   Cycles are cut at the longest join.
5. **Reaches.** Each line is cut into equal reaches of about ``reach_length_m``; chainage (km)
   runs from the most upstream point of the network above each line. Per reach: width (the line's
   ``width_m`` or the region's river width), gradient from the DEM (over ±2.5 km), turning angle,
   kind (``confluence`` where a tributary enters, ``bend`` where the line turns by 45° or more,
   else its flow class ``run``/``riffle``/``pool``), outer bank in bends, and catch points:
   bridges and weirs from user points, and towns within ``town_tol_m`` of the river (assumed to
   have a bridge: carpathia's assumption).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.ops
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from carpathia.errors import InputError, OutsideTerrainError, VectorFileError

from .flow import FlowSpec, flow_class

__all__ = ["KINDS", "ZONES", "Reach", "RiverNetwork", "Snap", "build_network", "read_river_file", "terrain_network"]

#: Reach kinds.
KINDS = ("run", "riffle", "pool", "bend", "confluence")
#: Zones of a reach segment, in kernel order.
ZONES = ("left", "right", "channel", "bed")
_BEND_DEG = 45.0
_DEFAULT_WIDTH_M = 20.0


@dataclass(frozen=True)
class Reach:
    """One reach of river (a piece of a line, about 1 km).

    Attributes
    ----------
    id
        Index in the network.
    line, river
        Line index and river name ("" when unnamed).
    s0_m, s1_m
        Start and end along the line, metres.
    chainage_km
        (start, end) km from the most upstream point of the network above it.
    width_m, gradient_m_per_km, turn_deg
        Channel width, DEM gradient (NaN without DEM), signed turning (+ = to the left).
    kind, flow_class
        See :data:`KINDS`; the flow class chooses the default velocity range.
    outer_bank
        ``"right"`` or ``"left"`` in a bend (where floating bodies are pushed), else ``""``.
    velocity_m_s
        (low, high) surface velocity, m/s.
    catch
        Catch point in this reach ("bridge at Sighetu Marmației", "weir ..."), else ``""``.
    catch_s_m
        Position of the catch point along the line, m (NaN when none).
    lon, lat
        Midpoint of the reach.
    """

    id: int
    line: int
    river: str
    s0_m: float
    s1_m: float
    chainage_km: tuple[float, float]
    width_m: float
    gradient_m_per_km: float
    turn_deg: float
    kind: str
    flow_class: str
    outer_bank: str
    velocity_m_s: tuple[float, float]
    catch: str
    catch_s_m: float
    lon: float
    lat: float

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["chainage_km"] = [round(x, 3) for x in self.chainage_km]
        d["velocity_m_s"] = [round(x, 3) for x in self.velocity_m_s]
        g = self.gradient_m_per_km
        d["gradient_m_per_km"] = None if not math.isfinite(g) else round(g, 3)
        d["catch_s_m"] = None if not math.isfinite(self.catch_s_m) else round(self.catch_s_m, 1)
        return d


@dataclass(frozen=True)
class Snap:
    """A point snapped to the network: line, position along it (m), reach and distance (m)."""

    line: int
    s_m: float
    reach: int
    distance_m: float
    lon: float
    lat: float
    river: str
    chainage_km: float


@dataclass
class RiverNetwork:
    """Directed river network cut into reaches; arrays for the drift kernel.

    Attributes
    ----------
    lines
        Directed lines (shapely LineStrings in ``crs`` metres, flowing from first to last vertex).
    names, widths_m
        Per line.
    line_down, line_entry_m
        Downstream line (-1: outlet) and the position (m) where this line enters it.
    reaches
        :class:`Reach` list.
    crs
        Metric CRS of the lines.
    flow
        The :class:`~carpathia.river.flow.FlowSpec` the velocities came from.
    report
        How each line's direction and junction were decided, duplicates dropped, outlets.
    """

    lines: list[shapely.LineString]
    names: list[str]
    widths_m: np.ndarray
    line_down: np.ndarray
    line_entry_m: np.ndarray
    line_chainage0_km: np.ndarray
    reaches: list[Reach]
    crs: ProjCRS
    flow: FlowSpec
    report: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ arrays
    @property
    def n_reaches(self) -> int:
        return len(self.reaches)

    @property
    def line_length_m(self) -> np.ndarray:
        return np.array([g.length for g in self.lines])

    def kernel_arrays(self) -> dict[str, np.ndarray]:
        """Per-line and per-reach arrays for :mod:`carpathia.river._kernels`."""
        nl = len(self.lines)
        r0 = np.zeros(nl, np.int32)
        nr = np.zeros(nl, np.int32)
        for r in self.reaches:
            if nr[r.line] == 0:
                r0[r.line] = r.id
            nr[r.line] += 1
        length = self.line_length_m
        rl = length / np.maximum(nr, 1)
        turn_per_m = np.array([math.radians(r.turn_deg) / max(r.s1_m - r.s0_m, 1.0) for r in self.reaches])
        return {
            "line_len": length.astype(np.float64),
            "line_down": self.line_down.astype(np.int32),
            "line_entry": self.line_entry_m.astype(np.float64),
            "line_r0": r0,
            "line_nr": nr,
            "line_rlen": rl.astype(np.float64),
            "r_lo": np.array([r.velocity_m_s[0] for r in self.reaches], np.float64),
            "r_hi": np.array([r.velocity_m_s[1] for r in self.reaches], np.float64),
            "r_catch": np.array([r.catch_s_m for r in self.reaches], np.float64),
            "r_turn": turn_per_m.astype(np.float64),
            "r_width": np.array([r.width_m for r in self.reaches], np.float64),
        }

    def with_flow(self, flow: FlowSpec) -> RiverNetwork:
        """The same network with velocities from another flow description."""
        import dataclasses

        reaches = [dataclasses.replace(r, velocity_m_s=flow.velocity_range(r.flow_class)) for r in self.reaches]
        return dataclasses.replace(self, reaches=reaches, flow=flow)

    # ------------------------------------------------------------------ queries
    def _xy(self, lon, lat):
        return Transformer.from_crs(4326, self.crs, always_xy=True).transform(lon, lat)

    def lonlat(self, x, y):
        return Transformer.from_crs(self.crs, 4326, always_xy=True).transform(x, y)

    def reach_at(self, line: int, s_m: float) -> int:
        """Reach id at position ``s_m`` on ``line``."""
        ids = [r.id for r in self.reaches if r.line == line]
        n = len(ids)
        k = min(int(s_m / (self.lines[line].length / n)), n - 1) if n else 0
        return ids[max(k, 0)]

    def snap(self, lon: float, lat: float, *, max_distance_m: float = 2000.0) -> Snap:
        """Snap a point to the nearest line; farther than ``max_distance_m`` is an error."""
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputError(f"point {lat!r},{lon!r} is not LAT,LON in degrees")
        p = shapely.Point(*self._xy(lon, lat))
        d = shapely.distance(p, self.lines)
        i = int(np.argmin(d))
        if d[i] > max_distance_m:
            raise OutsideTerrainError(
                f"point {lat:.5f},{lon:.5f} (lat,lon) is {d[i] / 1000:.1f} km from the nearest river line "
                f"({self.names[i] or 'unnamed'}); give a point within {max_distance_m / 1000:g} km of a river "
                "or a river file that contains it"
            )
        s = float(self.lines[i].project(p))
        q = self.lines[i].interpolate(s)
        qlon, qlat = self.lonlat(q.x, q.y)
        r = self.reach_at(i, s)
        return Snap(i, s, r, float(d[i]), float(qlon), float(qlat), self.names[i], self.chainage_at(i, s))

    def chainage_at(self, line: int, s_m: float) -> float:
        """Chainage in km of position ``s_m`` on ``line``."""
        return float(self.line_chainage0_km[line] + s_m / 1000.0)

    def downstream_lines(self, line: int) -> list[int]:
        """The line and every line below it, in flow order."""
        out = [line]
        while self.line_down[out[-1]] >= 0 and len(out) <= len(self.lines):
            out.append(int(self.line_down[out[-1]]))
        return out

    def reach_geometry(self, reach: Reach) -> shapely.LineString:
        """The reach as a line in the network's CRS."""
        return shapely.ops.substring(self.lines[reach.line], reach.s0_m, reach.s1_m)

    def reach_lonlat(self, reach: Reach) -> list[tuple[float, float]]:
        g = self.reach_geometry(reach)
        xy = np.asarray(g.coords) if g.geom_type == "LineString" else np.asarray([g.coords[0], g.coords[0]])
        lon, lat = self.lonlat(xy[:, 0], xy[:, 1])
        return list(zip(np.round(lon, 6).tolist(), np.round(lat, 6).tolist(), strict=True))

    def summary(self) -> dict[str, Any]:
        kinds = {k: sum(r.kind == k for r in self.reaches) for k in KINDS}
        return {
            "lines": len(self.lines),
            "reaches": self.n_reaches,
            "length_km": round(float(self.line_length_m.sum()) / 1000, 1),
            "kinds": kinds,
            "catch_points": [r.catch for r in self.reaches if r.catch],
            "outlets": int((self.line_down < 0).sum()),
            "flow": self.flow.source,
            **self.report,
        }


# ---------------------------------------------------------------------- reading
def read_river_file(path: str | os.PathLike) -> list:
    """River lines (and bridge/weir points) from GeoJSON, KML, GPX or GeoPackage.

    Returns the :class:`~carpathia.terrain.Feature` list; a file without any line is refused.
    """
    from carpathia.terrain.vectors import read_features

    feats = read_features(Path(path))
    if not any(f.geometry.geom_type in ("LineString", "MultiLineString") for f in feats):
        raise VectorFileError(f"{path}: no river lines in this file (found only points or polygons); give lines")
    return feats


# ---------------------------------------------------------------------- building
def _parts(features) -> list[tuple[np.ndarray, dict]]:
    out = []
    for f in features:
        g = f.geometry
        parts = [g] if g.geom_type == "LineString" else list(g.geoms) if g.geom_type == "MultiLineString" else []
        for p in parts:
            c = np.asarray(p.coords)[:, :2]
            if len(c) >= 2:
                out.append((c, dict(f.properties)))
    return out


def _catch_points(features) -> list[tuple[float, float, str]]:
    pts = []
    for f in features:
        if f.geometry.geom_type == "Point":
            kind = str(f.properties.get("type") or f.properties.get("kind") or "bridge").lower()
            if kind in ("bridge", "weir", "dam", "strainer"):
                name = f.properties.get("name") or kind
                pts.append((f.geometry.x, f.geometry.y, f"{kind} {name}" if name != kind else kind))
    return pts


def build_network(
    features: Sequence,
    *,
    terrain=None,
    flow: FlowSpec | None = None,
    reach_length_m: float = 1000.0,
    duplicate_tol_m: float = 1500.0,
    join_tol_m: float = 2000.0,
    min_drop_m: float = 10.0,
    town_tol_m: float = 1500.0,
    catch_points: Sequence[tuple[float, float, str]] = (),
) -> RiverNetwork:
    """Join river lines into a directed network of reaches.

    Parameters
    ----------
    features
        :class:`~carpathia.terrain.Feature` list: lines (``name`` and ``width_m`` properties are
        used) and optional bridge/weir points (property ``type``).
    terrain
        Optional :class:`~carpathia.terrain.Terrain`: its CRS, DEM (direction, gradient),
        ``river_width`` layer and towns (catch points).
    flow
        Velocities; default :class:`~carpathia.river.flow.FlowSpec()` (class defaults, mean season).
    reach_length_m, duplicate_tol_m, join_tol_m, min_drop_m, town_tol_m
        See the module docstring (m).
    catch_points
        Extra (lon, lat, label) bridges or weirs.

    Returns
    -------
    RiverNetwork
    """
    flow = flow or FlowSpec()
    for name, v in (("reach length", reach_length_m), ("join tolerance", join_tol_m)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{name} must be a positive number of metres, not {v!r}")
    parts = _parts(features)
    if not parts:
        raise VectorFileError("no river lines given; a river network needs at least one line")
    if terrain is not None:
        crs = ProjCRS.from_user_input(terrain.crs.to_wkt())
    else:
        allc = np.vstack([c for c, _ in parts])
        lon0, lat0 = float(allc[:, 0].mean()), float(allc[:, 1].mean())
        crs = ProjCRS.from_epsg((32600 if lat0 >= 0 else 32700) + int((lon0 + 180) // 6) + 1)
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    lines, props = [], []
    for c, p in parts:
        x, y = fwd.transform(c[:, 0], c[:, 1])
        g = shapely.LineString(np.column_stack([x, y]))
        if g.length > 1.0:
            lines.append(g)
            props.append(p)
    if not lines:
        raise VectorFileError("the river lines have no length")
    report: dict[str, Any] = {}
    keep, names, widths, dropped = _dedupe(lines, props, duplicate_tol_m, terrain)
    report["duplicates_dropped"] = dropped
    lines = [lines[i] for i in keep]
    lines, how = _orient(lines, terrain, min_drop_m)
    report["direction"] = how
    down, entry, joins = _junctions(lines, join_tol_m)
    report["junctions"] = joins
    chain0 = _chainage(lines, down, entry)
    pts = list(catch_points) + _catch_points(features)
    towns = []
    if terrain is not None:
        towns = [
            (f.geometry.x, f.geometry.y, f"bridge at {f.properties.get('name', 'town')} (assumed)")
            for f in terrain.features.get("towns", [])
        ]
    catches = _locate_catches(lines, fwd, pts, 500.0) + _locate_catches(lines, fwd, towns, town_tol_m)
    reaches = _reaches(lines, names, widths, down, entry, chain0, terrain, flow, reach_length_m, catches, crs)
    report["catch_points"] = len(catches)
    return RiverNetwork(
        lines=lines,
        names=names,
        widths_m=np.asarray(widths, float),
        line_down=down,
        line_entry_m=entry,
        line_chainage0_km=chain0,
        reaches=reaches,
        crs=crs,
        flow=flow,
        report=report,
    )


def _dedupe(lines, props, tol, terrain):
    detail = [len(g.coords) / max(g.length / 1000, 1e-3) for g in lines]
    order = sorted(range(len(lines)), key=lambda i: -detail[i])
    kept: list[int] = []
    dropped = []
    names = {i: str(props[i].get("name") or "") for i in range(len(lines))}
    widths = {i: _width(props[i], lines[i], terrain) for i in range(len(lines))}
    for i in order:
        if kept:
            pts = shapely.points(np.asarray(lines[i].coords))
            near = shapely.distance(pts[:, None], np.array([lines[k] for k in kept])[None, :]).min(axis=1)
            if (near <= tol).mean() >= 0.8:
                dropped.append(names[i] or f"unnamed line {i}")
                if names[i]:
                    for k in kept:
                        kp = shapely.points(np.asarray(lines[k].coords))
                        if not names[k] and (shapely.distance(kp, lines[i]) <= tol).mean() >= 0.5:
                            names[k] = names[i]
                            widths[k] = max(widths[k], widths[i])
                continue
        kept.append(i)
    kept.sort()
    return kept, [names[i] for i in kept], [widths[i] for i in kept], dropped


def _width(p: dict, g, terrain) -> float:
    w = p.get("width_m")
    if isinstance(w, int | float) and math.isfinite(w) and w > 0:
        return float(w)
    return _DEFAULT_WIDTH_M


def _z(terrain, x, y) -> np.ndarray:
    if terrain is None:
        return np.full(np.shape(x), np.nan)
    col, row = ~terrain.transform * (np.asarray(x, float), np.asarray(y, float))
    r, c = np.floor(row).astype(int), np.floor(col).astype(int)
    h, w = terrain.shape
    ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
    z = np.full(r.shape, np.nan)
    z[ok] = terrain.elevation[r[ok], c[ok]]
    return z


def _orient(lines, terrain, min_drop):
    out, how = [], []
    for i, g in enumerate(lines):
        c = np.asarray(g.coords)
        z0, z1 = _z(terrain, c[[0, -1], 0], c[[0, -1], 1])
        if np.isfinite(z0) and np.isfinite(z1) and abs(z0 - z1) >= min_drop:
            rev = bool(z1 > z0)
            how.append(
                f"line {i}: DEM ({z0:.0f} m to {z1:.0f} m), "
                + ("reversed vertex order" if rev else "agrees with vertex order")
            )
        else:
            rev = False
            how.append(
                f"line {i}: vertex order (DEM "
                + ("missing" if not (np.isfinite(z0) and np.isfinite(z1)) else "flat")
                + " at an end)"
            )
        out.append(shapely.LineString(c[::-1]) if rev else g)
    return out, how


def _junctions(lines, tol):
    n = len(lines)
    down = np.full(n, -1, np.int32)
    entry = np.zeros(n)
    dist = np.full(n, np.inf)
    arr = np.array(lines)
    for i, g in enumerate(lines):
        end = shapely.Point(g.coords[-1])
        d = shapely.distance(end, arr)
        d[i] = np.inf
        for j in np.argsort(d):
            if not d[j] <= tol:
                break
            s = float(lines[j].project(end))
            if s >= lines[j].length - 1.0:  # meets the other line's end: not a way on
                continue
            down[i], entry[i], dist[i] = j, s, d[j]
            break
    # cut cycles at their longest join
    for i in range(n):
        seen = []
        k = i
        while k >= 0 and k not in seen:
            seen.append(k)
            k = int(down[k])
        if k >= 0:
            cyc = seen[seen.index(k) :]
            worst = max(cyc, key=lambda m: dist[m])
            down[worst] = -1
    joins = [
        f"line {i} -> "
        + (
            "outlet (beyond the modelled reach)"
            if down[i] < 0
            else f"line {down[i]} at {entry[i] / 1000:.1f} km, gap {dist[i]:.0f} m"
        )
        for i in range(n)
    ]
    return down, entry, joins


def _chainage(lines, down, entry) -> np.ndarray:
    n = len(lines)
    ch = np.full(n, np.nan)

    def get(i, depth=0):
        if not math.isnan(ch[i]):
            return ch[i]
        ups = [u for u in range(n) if down[u] == i and entry[u] <= 1.0]
        ch[i] = max((get(u, depth + 1) + lines[u].length / 1000 for u in ups), default=0.0) if depth < n else 0.0
        return ch[i]

    for i in range(n):
        get(i)
    return ch


def _locate_catches(lines, fwd, pts, tol):
    out = []
    arr = np.array(lines)
    for lon, lat, label in pts:
        p = shapely.Point(*fwd.transform(lon, lat))
        d = shapely.distance(p, arr)
        j = int(np.argmin(d))
        if d[j] <= tol:
            out.append((j, float(lines[j].project(p)), label))
    return out


class _ValleyFloor:
    """The terrain with each cell replaced by the lowest of its 3 × 3 neighbourhood (NaN-aware).

    A coarse river line wanders off the valley floor onto hillside cells; the neighbourhood
    minimum puts it back on the floor before the profile is taken.
    """

    def __init__(self, terrain) -> None:
        from scipy.ndimage import minimum_filter

        z = np.where(np.isfinite(terrain.elevation), terrain.elevation, np.inf)
        m = minimum_filter(z, size=3, mode="nearest")
        self.elevation = np.where(np.isfinite(m), m, np.nan)
        self.transform = terrain.transform
        self.shape = terrain.shape


def _valley_profile(z: np.ndarray) -> np.ndarray:
    """Profile that never rises downstream (running minimum), NaN kept where there is no DEM."""
    out = z.copy()
    ok = np.isfinite(z)
    if ok.any():
        out[ok] = np.minimum.accumulate(z[ok])
    return out


def _turn_deg(g) -> float:
    c = np.asarray(g.coords)
    if len(c) < 3:
        return 0.0
    h = np.arctan2(np.diff(c[:, 1]), np.diff(c[:, 0]))
    dh = (np.diff(h) + np.pi) % (2 * np.pi) - np.pi
    return float(np.degrees(dh.sum()))


def _reaches(lines, names, widths, down, entry, chain0, terrain, flow, reach_len, catches, crs):
    inv = Transformer.from_crs(crs, 4326, always_xy=True)
    width_layer = terrain.layers.get("river_width") if terrain is not None else None
    floor = _ValleyFloor(terrain) if terrain is not None else None
    reaches = []
    for i, g in enumerate(lines):
        length = g.length
        n = max(1, round(length / reach_len))
        bounds = np.linspace(0, length, n + 1)
        # gradient over ±2.5 km along the line, from the DEM at 250 m spacing
        ss = np.linspace(0, length, max(2, int(length // 250) + 1))
        pts = shapely.line_interpolate_point(g, ss)
        z = _valley_profile(_z(floor, shapely.get_x(pts), shapely.get_y(pts)))
        tribs = [entry[u] for u in range(len(lines)) if down[u] == i]
        starts_here = sum(1 for e in tribs if e <= 1.0)
        for k in range(n):
            s0, s1 = bounds[k], bounds[k + 1]
            mid = 0.5 * (s0 + s1)
            lo_s, hi_s = max(0.0, mid - 2500), min(length, mid + 2500)
            z_lo, z_hi = np.interp([lo_s, hi_s], ss, z)
            grad = (z_lo - z_hi) / max((hi_s - lo_s) / 1000, 1e-3) if np.isfinite([z_lo, z_hi]).all() else math.nan
            sub = shapely.ops.substring(g, s0, s1)
            turn = _turn_deg(sub)
            fc = flow_class(grad)
            conf = any(s0 < e <= s1 for e in tribs if e > 1.0) or (k == 0 and starts_here >= 2)
            kind = "confluence" if conf else "bend" if abs(turn) >= _BEND_DEG else fc
            outer = ("right" if turn > 0 else "left") if abs(turn) >= _BEND_DEG else ""
            here = [(s, lab) for j, s, lab in catches if j == i and s0 <= s < s1 + (1e-6 if k == n - 1 else 0)]
            p = g.interpolate(mid)
            lon, lat = inv.transform(p.x, p.y)
            w = widths[i]
            if width_layer is not None and not names[i]:
                col, row = ~terrain.transform * (p.x, p.y)
                r, c = math.floor(row), math.floor(col)
                if 0 <= r < terrain.shape[0] and 0 <= c < terrain.shape[1] and width_layer[r, c] > 0:
                    w = max(w, float(width_layer[r, c]))
            reaches.append(
                Reach(
                    id=len(reaches),
                    line=i,
                    river=names[i],
                    s0_m=float(s0),
                    s1_m=float(s1),
                    chainage_km=(float(chain0[i] + s0 / 1000), float(chain0[i] + s1 / 1000)),
                    width_m=float(w),
                    gradient_m_per_km=float(grad),
                    turn_deg=turn,
                    kind=kind,
                    flow_class=fc,
                    outer_bank=outer,
                    velocity_m_s=flow.velocity_range(fc),
                    catch="; ".join(lab for _, lab in here),
                    catch_s_m=float(here[0][0]) if here else math.nan,
                    lon=float(lon),
                    lat=float(lat),
                )
            )
    return reaches


def terrain_network(terrain, *, river_file: str | os.PathLike | None = None, **kwargs) -> RiverNetwork:
    """The network of a terrain's own rivers (``features["rivers"]``), or of a user river file.

    ``kwargs`` go to :func:`build_network`. A terrain without rivers and no file is an error.
    """
    if river_file is not None:
        feats = read_river_file(river_file)
    else:
        feats = list(terrain.features.get("rivers", []))
        if not feats:
            raise InputError(f"terrain {terrain.name!r} has no river lines; give a river file (GeoJSON, KML, GPX)")
    return build_network(feats, terrain=terrain, **kwargs)
