"""Searching a river: reach × zone segments, river resources, allocation, Bayes update, hand-off.

Segments are (reach, zone) pairs, zones ``left``/``right`` bank, ``channel`` and ``bed``; their POA
is the drift particles' weight in them at the planning time. Segment areas: a bank is the reach
length × a strip of ``bank_strip_m`` (10 m, where a stranded body lies: carpathia's assumption);
channel and bed are length × river width.

Resources (``data/resources.toml``): bank teams, boats, thermal drones, side-scan sonar, dog
teams from boats, each with a sweep width per zone it can search; no published sweep widths
exist for river body searches, so the widths are carpathia's assumptions and say so.

Allocation uses :func:`carpathia.search.allocate` (whole teams, exponential detection,
``C = W·v·t / A``), the zone a resource cannot search entering as a zero factor. The Bayes
update after an unsuccessful search multiplies each particle's weight by ``1 − POD`` of its
segment and renormalises (the SAROPS way): per segment this is Stone's
``POA' = POA·(1 − POD)/(1 − Σ POA·POD)``, the beyond-the-reach mass rising with the rest.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from carpathia.errors import InputError, UnknownNameError

from .network import ZONES

__all__ = ["RiverResource", "RiverSearch", "river_resources"]

_ZONE_LETTER = "LRCB"


@dataclass(frozen=True)
class RiverResource:
    """A river search resource: sweep width per zone (m), speed (m/s), endurance (h), source."""

    key: str
    name: str
    team_size: int
    speed_m_s: float
    endurance_h: float
    sweep_width_m: Mapping[str, float]
    source: str = ""

    def width(self, zone: str) -> float:
        return float(self.sweep_width_m.get(zone, 0.0))

    def as_search_resource(self):
        """The :class:`carpathia.search.Resource` used for allocation (width 1 m; zones as factors)."""
        from carpathia.search import Resource

        one = (1.0,) * 5
        return Resource(
            self.key, self.name, "ground", self.team_size, self.speed_m_s, self.endurance_h, one, one, self.source
        )


@lru_cache(maxsize=1)
def _packaged() -> dict[str, RiverResource]:
    text = (Path(__file__).parent / "data" / "resources.toml").read_text(encoding="utf-8")
    return _parse(tomllib.loads(text), "packaged river resources")


def _parse(data: dict, where: str) -> dict[str, RiverResource]:
    out = {}
    for key, e in data.get("resources", {}).items():
        widths = dict(e.get("sweep_width_m", {}))
        bad = [z for z in widths if z not in ZONES]
        if bad:
            raise InputError(f"{where}: resource {key!r} has zones {bad}; zones are {', '.join(ZONES)}")
        for z, v in widths.items():
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise InputError(f"{where}: {key}.sweep_width_m.{z} must be a number >= 0 m")
        try:
            r = RiverResource(
                key=key,
                name=str(e["name"]),
                team_size=int(e["team_size"]),
                speed_m_s=float(e["speed_m_s"]),
                endurance_h=float(e["endurance_h"]),
                sweep_width_m=widths,
                source=str(e.get("source", "")),
            )
        except KeyError as exc:
            raise InputError(f"{where}: resource {key!r} lacks {exc.args[0]}") from None
        if not (r.speed_m_s > 0 and r.endurance_h > 0):
            raise InputError(f"{where}: resource {key!r} needs positive speed_m_s and endurance_h")
        out[key] = r
    return out


def river_resources(path: str | os.PathLike | None = None) -> dict[str, RiverResource]:
    """The default river resources, overridden or extended by a user TOML of the same layout."""
    res = dict(_packaged())
    if path is not None:
        p = Path(path)
        if not p.is_file():
            from carpathia.errors import FileNotFound

            raise FileNotFound(f"river resources file {p} not found")
        try:
            res.update(_parse(tomllib.loads(p.read_text(encoding="utf-8")), str(p)))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{p}: not valid TOML ({exc})") from None
    return res


@dataclass
class RiverSearch:
    """Segments of a drift at its planning time, their POA, plans and updates.

    Build with :meth:`from_drift`. ``weights`` are the particles' weights (sum 1 with the beyond
    term); ``history`` records each update (segments and PODs).
    """

    drift: Any
    weights: np.ndarray
    segment_of: np.ndarray
    segment_ids: list[str]
    reach_ids: np.ndarray
    zones: np.ndarray
    areas_m2: np.ndarray
    lengths_m: np.ndarray
    bank_strip_m: float = 10.0
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_drift(cls, drift, *, bank_strip_m: float = 10.0) -> RiverSearch:
        net = drift.network
        nb = drift.bins.size
        pos = np.full(net.n_reaches, -1, np.int64)
        pos[drift.bins] = np.arange(nb)
        # particle -> reach -> bin; zone from state and side
        reach = np.empty(drift.line.size, np.int64)
        kin = net.kernel_arrays()
        j = np.minimum(
            ((drift.s_m + 1e-7) / kin["line_rlen"][drift.line]).astype(np.int64), kin["line_nr"][drift.line] - 1
        )
        reach[:] = kin["line_r0"][drift.line] + j
        st = drift.state
        zone = np.where(st == 1, 3, 2)
        side = np.where(drift.y < 0, 0, 1)
        zone = np.where((st == 3) | ((st == 2) & (np.abs(drift.y) >= 0.5)), side, zone)
        seg = pos[reach] * 4 + zone
        seg = np.where((st == 5) | (pos[reach] < 0), -1, seg)
        ids, rids, zs, areas, lens = [], [], [], [], []
        for _b, rid in enumerate(drift.bins):
            r = net.reaches[int(rid)]
            length = r.s1_m - r.s0_m
            for zi, _z in enumerate(ZONES):
                ids.append(f"{r.id:04d}{_ZONE_LETTER[zi]}")
                rids.append(int(rid))
                zs.append(zi)
                areas.append(length * (bank_strip_m if zi < 2 else max(r.width_m, 1.0)))
                lens.append(length)
        return cls(
            drift=drift,
            weights=drift.weight.copy(),
            segment_of=seg,
            segment_ids=ids,
            reach_ids=np.array(rids),
            zones=np.array(zs),
            areas_m2=np.array(areas),
            lengths_m=np.array(lens),
            bank_strip_m=bank_strip_m,
        )

    # ------------------------------------------------------------------ probabilities
    @property
    def poa(self) -> np.ndarray:
        """POA per segment (the beyond term is :attr:`beyond`)."""
        m = self.segment_of >= 0
        return np.bincount(self.segment_of[m], weights=self.weights[m], minlength=len(self.segment_ids))

    @property
    def beyond(self) -> float:
        return float(self.weights[self.segment_of < 0].sum())

    def _index(self, segment) -> int:
        if isinstance(segment, int | np.integer):
            if not 0 <= segment < len(self.segment_ids):
                raise InputError(f"segment index {segment} out of range")
            return int(segment)
        try:
            return self.segment_ids.index(str(segment))
        except ValueError:
            raise UnknownNameError(f"unknown segment {segment!r}; segments look like {self.segment_ids[0]!r}") from None

    def update(self, pods: Mapping[Any, float], *, label: str = "") -> RiverSearch:
        """The search after segments were searched without finding the subject.

        ``pods`` maps segment id (or index) to the POD achieved there, in [0, 1].
        """
        pod = np.zeros(len(self.segment_ids))
        for k, v in pods.items():
            x = float(v)
            if not (math.isfinite(x) and 0.0 <= x <= 1.0):
                raise InputError(f"POD of segment {k!r} must be in [0, 1], not {v!r}")
            pod[self._index(k)] = x
        factor = np.where(self.segment_of >= 0, 1.0 - pod[np.maximum(self.segment_of, 0)], 1.0)
        w = self.weights * factor
        tot = w.sum()
        if tot <= 0:
            raise InputError("the searched segments held all the probability at POD 1; nothing is left to search")
        rec = {
            "label": label,
            "pods": {self.segment_ids[i]: float(pod[i]) for i in np.flatnonzero(pod)},
            "searched_mass": float(1 - tot / self.weights.sum()),
        }
        return dataclasses.replace(self, weights=w / tot, history=[*self.history, rec])

    def pod_from_effort(self, segment, resource: RiverResource, hours: float) -> float:
        """POD of ``resource`` searching ``segment`` for ``hours``: ``1 − exp(−W·v·t/A)``."""
        i = self._index(segment)
        w = resource.width(ZONES[self.zones[i]])
        return float(-math.expm1(-w * resource.speed_m_s * 3600.0 * float(hours) / self.areas_m2[i]))

    # ------------------------------------------------------------------ planning
    def plan(
        self,
        teams: Sequence[tuple[str, str]],
        *,
        resources: Mapping[str, RiverResource] | None = None,
        period_h: float = 8.0,
        transit_h: float = 0.5,
        max_segments: int = 200,
    ):
        """Allocate whole teams to segments for one period (:func:`carpathia.search.allocate`).

        ``teams`` is a list of (name, resource key). Only the ``max_segments`` most probable
        segments are offered. Returns the :class:`~carpathia.search.Plan` (segment ids in its table).
        """
        from carpathia.search import Team, allocate

        res = dict(resources or river_resources())
        if not teams:
            raise InputError("give at least one river team")
        objs, rr = [], []
        for name, key in teams:
            if key not in res:
                raise UnknownNameError(f"unknown river resource {key!r}; choose one of {', '.join(res)}")
            objs.append(Team(name, res[key].as_search_resource()))
            rr.append(res[key])
        p = self.poa
        order = np.argsort(-p, kind="stable")[: int(max_segments)]
        order = order[p[order] > 0]
        if order.size == 0:
            raise InputError("no probability left on the modelled river to search")
        factor = np.array([[r.width(ZONES[self.zones[i]]) for i in order] for r in rr])
        return allocate(
            p[order],
            objs,
            areas_m2=self.areas_m2[order],
            transit_h=transit_h,
            period_h=period_h,
            speed_factor=factor,
            segment_ids=[self.segment_ids[i] for i in order],
        )

    # ------------------------------------------------------------------ exports
    def segment_rows(self) -> list[dict[str, Any]]:
        """One row per segment with POA, chainage, km below the point last seen, lat/lon and bank side."""
        net = self.drift.network
        p = self.poa
        km = dict(zip(self.drift.bins.tolist(), self.drift.km_below.tolist(), strict=True))
        rows = []
        for i, sid in enumerate(self.segment_ids):
            r = net.reaches[int(self.reach_ids[i])]
            zone = ZONES[self.zones[i]]
            rows.append(
                {
                    "segment": sid,
                    "river": r.river,
                    "zone": zone,
                    "bank_side": _bank_side(net, r, zone),
                    "chainage_km_start": round(r.chainage_km[0], 3),
                    "chainage_km_end": round(r.chainage_km[1], 3),
                    "km_below_pls": round(km[int(self.reach_ids[i])], 3),
                    "lat": round(r.lat, 6),
                    "lon": round(r.lon, 6),
                    "kind": r.kind,
                    "catch": r.catch,
                    "poa": float(p[i]),
                }
            )
        return rows

    def to_csv(self, *, min_poa: float = 0.0) -> str:
        rows = [r for r in self.segment_rows() if r["poa"] > min_poa]
        buf = io.StringIO()
        if rows:
            wr = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            wr.writeheader()
            wr.writerows(rows)
        return buf.getvalue()

    def to_geojson(self, *, min_poa: float = 0.0) -> str:
        net = self.drift.network
        feats = []
        for row in self.segment_rows():
            if row["poa"] <= min_poa:
                continue
            r = net.reaches[int(row["segment"][:4])]
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": net.reach_lonlat(r)},
                    "properties": row,
                }
            )
        return json.dumps(
            {"type": "FeatureCollection", "features": feats, "beyond_modelled_reach": self.beyond}, ensure_ascii=False
        )


def _bank_side(net, r, zone: str) -> str:
    """Compass side of a bank (``left bank, S``): the side of the flow the bank is on."""
    if zone not in ("left", "right"):
        return zone
    g = net.reach_geometry(r)
    c = np.asarray(g.coords)
    dx, dy = c[-1] - c[0]
    heading = math.degrees(math.atan2(dx, dy)) % 360  # clockwise from grid north
    side = (heading + (90 if zone == "right" else -90)) % 360
    return f"{zone} bank, {['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'][int((side + 22.5) // 45) % 8]}"
