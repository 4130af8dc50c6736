"""A river incident end to end: network, survival clock, drift, rescue catch points, search plan, files.

:func:`river_incident` is what ``carpathia river`` and the demo call; :meth:`RiverIncidentResult.write`
writes every output into one folder.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carpathia.errors import InputError
from carpathia.io.files import atomic_output, check_output

from .drift import Drift, DriftParameters, simulate_drift
from .flow import FlowSpec
from .intake import RiverIncident
from .network import RiverNetwork, terrain_network
from .search import RiverSearch, river_resources

__all__ = ["DEFAULT_TEAMS", "RiverIncidentResult", "river_incident"]

#: Teams of the default plan (one of each river resource, two bank teams).
DEFAULT_TEAMS = (
    ("Bank 1", "bank-team"),
    ("Bank 2", "bank-team"),
    ("Boat 1", "boat"),
    ("Drone 1", "thermal-drone"),
    ("Sonar 1", "side-scan-sonar"),
    ("K9 Boat 1", "dog-boat"),
)
_OUTPUTS = (
    "table.csv",
    "table.json",
    "map.png",
    "segments.geojson",
    "plan.json",
    "handoff.csv",
    "handoff.geojson",
    "summary.json",
)


@dataclass
class RiverIncidentResult:
    """Everything computed for a river incident.

    Attributes
    ----------
    incident, network, drift, search
        Inputs and the drift and search state at the planning time (``hours`` after entry).
    clock
        The :class:`carpathia.survival.ImmersionTimeline` of the person.
    phase
        ``"rescue"`` while the planning time is within the survival time, else ``"recovery"``.
    catch_points
        Rows for catch points below the point last seen: when the subject could pass, when a
        team on foot from the nearest town could be there, and whether a rescue there is possible.
    plan
        The :class:`carpathia.search.Plan` of the default (or given) teams.
    """

    incident: RiverIncident
    network: RiverNetwork
    drift: Drift
    search: RiverSearch
    clock: Any
    phase: str
    catch_points: list[dict[str, Any]]
    plan: Any
    terrain: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return float(self.drift.hours[-1])

    def clock_text(self) -> str:
        c = self.clock
        surv = (
            "unknown"
            if c.survival_h is None
            else f"{c.survival_h * 60:.0f} min"
            if c.survival_h < 2
            else f"{c.survival_h:.1f} h"
        )
        band = "–".join("∞" if math.isinf(x) else f"{x:g}" for x in c.band_h)
        return (
            f"water {c.water_temp_c:g} °C, {'lifejacket' if c.lifejacket else 'no lifejacket'}: cold shock "
            f"{c.cold_shock_min or 0:g} min, useful movement {c.movement_min or '-'} min, unconscious after "
            f"{'-' if c.unconscious_h is None else f'{c.unconscious_h:.1f} h'}; expected survival {surv} "
            f"(US Coast Guard band {band} h). At {self.hours:g} h: {self.phase.upper()}."
        )

    def summary(self) -> dict[str, Any]:
        return {
            "incident": self.incident.to_dict(),
            "phase": self.phase,
            "survival_clock": self.clock.to_dict(),
            "clock_text": self.clock_text(),
            "network": {k: v for k, v in self.network.summary().items() if k not in ("direction", "junctions")},
            "drift": self.drift.summary(),
            "state_split_by_hour": {f"{h:g}": self.drift.state_split(h) for h in self.drift.hours},
            "beyond_by_hour": {f"{h:g}": float(b) for h, b in zip(self.drift.hours, self.drift.beyond, strict=True)},
            "catch_points": self.catch_points,
            "plan_pos": None if self.plan is None else self.plan.pos,
            "notes": self.notes,
        }

    def _view(self, min_radius_m: float = 8000.0, margin_m: float = 4000.0):
        """The terrain window the map shows: the cells holding 99 % of the mass, with a margin, around the PLS."""
        import numpy as np

        full = self.drift.probability_map(self.terrain)
        rows, cols = np.nonzero(full.containment_mask(0.99)) if full.cells.sum() > 0 else ([], [])
        rows, cols = np.asarray(rows), np.asarray(cols)
        x0, y0 = self.terrain.to_xy(self.incident.lon, self.incident.lat)
        radius = min_radius_m
        if rows.size:
            xs, ys = self.terrain.transform * (cols + 0.5, rows + 0.5)
            radius = max(radius, float(np.max(np.hypot(np.asarray(xs) - x0, np.asarray(ys) - y0))) + margin_m)
        return self.terrain.crop((self.incident.lon, self.incident.lat), radius)

    def write(self, out_dir: str | os.PathLike, *, overwrite: bool = False) -> list[Path]:
        """Write the table (CSV, JSON), map PNG, segment GeoJSON, plan, hand-off export and summary."""
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out} is a file; give a folder for the river outputs")
        paths = [out / n for n in _OUTPUTS]
        for p in paths:
            check_output(p, overwrite=overwrite)
        out.mkdir(parents=True, exist_ok=True)
        rows = self.drift.table()
        written = [
            _write_text(out / "table.csv", _csv(rows), overwrite),
            _write_text(
                out / "table.json",
                json.dumps(
                    {
                        "hours": self.hours,
                        "reaches": rows,
                        "beyond_modelled_reach": float(self.drift.beyond[-1]),
                        "state_split": self.drift.state_split(),
                        "total": self.drift.total(),
                    },
                    ensure_ascii=False,
                    indent=1,
                ),
                overwrite,
            ),
        ]
        if self.terrain is not None:
            from carpathia.io.maps import render_probability

            view = self._view()
            pmap = self.drift.probability_map(view)
            title = f"River drift, {self.incident.name}: {self.hours:g} h after entry ({self.phase})"
            written.append(
                render_probability(
                    pmap,
                    view,
                    out / "map.png",
                    ipp=(self.incident.lon, self.incident.lat),
                    title=title,
                    overwrite=overwrite,
                )
            )
        written.append(_write_text(out / "segments.geojson", self.search.to_geojson(min_poa=0.0), overwrite))
        plan = {
            "phase": self.phase,
            "clock": self.clock_text(),
            "catch_points": self.catch_points,
            "assignments": [] if self.plan is None else self.plan.table(),
            "pos": None if self.plan is None else self.plan.pos,
            "resources": {
                k: {
                    "name": r.name,
                    "speed_m_s": r.speed_m_s,
                    "sweep_width_m": dict(r.sweep_width_m),
                    "source": r.source,
                }
                for k, r in river_resources().items()
            },
            "notes": self.notes,
        }
        written.append(
            _write_text(out / "plan.json", json.dumps(plan, ensure_ascii=False, indent=1, default=float), overwrite)
        )
        written.append(_write_text(out / "handoff.csv", self.search.to_csv(min_poa=1e-6), overwrite))
        written.append(_write_text(out / "handoff.geojson", self.search.to_geojson(min_poa=1e-6), overwrite))
        written.append(
            _write_text(
                out / "summary.json", json.dumps(self.summary(), ensure_ascii=False, indent=1, default=float), overwrite
            )
        )
        return written


def _write_text(path: Path, text: str, overwrite: bool) -> Path:
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _csv(rows: list[dict]) -> str:
    import csv
    import io

    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def _catch_points(terrain, drift: Drift, clock) -> tuple[list[dict[str, Any]], list[str]]:
    """Catch points below the point last seen: subject passing window and team arrival on foot."""
    net = drift.network
    notes = []
    rows = []
    km = dict(zip(drift.bins.tolist(), drift.km_below.tolist(), strict=True))
    path = sorted((km[int(r)], int(r)) for r in drift.bins if km[int(r)] >= -0.5)
    t_fast = t_slow = 0.0
    times = {}
    for _, rid in path:
        r = net.reaches[rid]
        length = r.s1_m - r.s0_m
        lo, hi = r.velocity_m_s
        times[rid] = (t_fast / 3600, t_slow / 3600)
        t_fast += length / max(hi, 1e-9)
        t_slow += length / lo if lo > 0 else math.inf
    team_h = {}
    if terrain is not None and terrain.features.get("towns"):
        from carpathia.travel import isotropic_speed, travel_time

        spd = isotropic_speed(terrain)
        cells = []
        for f in terrain.features["towns"]:
            r0, c0 = terrain.to_pixel(f.geometry.x, f.geometry.y, strict=False)
            # a town on a river cell starts from the nearest passable cell of its 5 x 5 block
            near = [
                (abs(dr) + abs(dc), r0 + dr, c0 + dc)
                for dr in range(-2, 3)
                for dc in range(-2, 3)
                if r0 >= 0 and 0 <= r0 + dr < spd.shape[0] and 0 <= c0 + dc < spd.shape[1] and spd[r0 + dr, c0 + dc] > 0
            ]
            if near:
                cells.append(min(near)[1:])
        if cells:
            tt = travel_time(spd, cells, terrain.resolution)
            for _, rid in path:
                r = net.reaches[rid]
                r0, c0 = terrain.to_pixel(r.lon, r.lat, strict=False)
                if r0 < 0:
                    team_h[rid] = math.inf
                    continue
                # the bank beside the river cell: the quickest of its 3 x 3 block
                block = tt[max(r0 - 1, 0) : r0 + 2, max(c0 - 1, 0) : c0 + 2]
                team_h[rid] = float(block.min()) / 3600
        notes.append(
            "team arrival: on foot from the nearest town over the DEM (travel-time engine); by road it is faster"
        )
    survival = clock.survival_h if clock.survival_h is not None else clock.band_h[1]
    for kmb, rid in path:
        r = net.reaches[rid]
        if not r.catch:
            continue
        early, late = times[rid]
        th = team_h.get(rid, math.inf)
        ok = th <= late and early <= survival
        rows.append(
            {
                "reach": rid,
                "catch": r.catch,
                "km_below_pls": round(kmb, 2),
                "lat": round(r.lat, 6),
                "lon": round(r.lon, 6),
                "subject_passes_h": [round(early, 2), None if math.isinf(late) else round(late, 2)],
                "team_on_foot_h": None if math.isinf(th) else round(th, 2),
                "rescue_possible": bool(ok),
            }
        )
    if not rows:
        notes.append("no catch points (bridges, weirs, towns) below the point last seen on the modelled river")
    return rows, notes


def river_incident(
    terrain,
    *,
    lon: float,
    lat: float,
    time: str = "",
    water_temp_c: float = 10.0,
    hours: float = 48.0,
    warming_c_per_day: float = 0.0,
    lifejacket: bool = False,
    clothing: str = "light",
    observed: str = "unknown",
    witness_uncertainty_m: float = 100.0,
    river_file: str | os.PathLike | None = None,
    flow: FlowSpec | None = None,
    params: DriftParameters | None = None,
    n_particles: int = 100_000,
    seed: int = 0,
    teams=DEFAULT_TEAMS,
    period_h: float = 8.0,
    name: str = "river incident",
) -> RiverIncidentResult:
    """Build the network, run the drift, plan the rescue or the search.

    Parameters
    ----------
    terrain
        The :class:`~carpathia.terrain.Terrain` (DEM, towns; its rivers unless ``river_file``).
    lon, lat, time, water_temp_c, lifejacket, clothing, observed, witness_uncertainty_m, name
        The incident (:class:`~carpathia.river.RiverIncident`).
    hours
        Planning time: hours after entry into the water.
    warming_c_per_day
        How fast the water warms, °C per day (degree-day refloat, :mod:`carpathia.river.refloat`).
    river_file, flow, params, n_particles, seed
        Network source, velocities, drift parameter ranges, particles and seed.
    teams, period_h
        (name, resource key) pairs and the period for the search plan; ``()`` for no plan.

    Returns
    -------
    RiverIncidentResult
    """
    inc = RiverIncident(
        lon=lon,
        lat=lat,
        time=time,
        water_temp_c=water_temp_c,
        warming_c_per_day=warming_c_per_day,
        lifejacket=lifejacket,
        clothing=clothing,
        observed=observed,
        witness_uncertainty_m=witness_uncertainty_m,
        name=name,
    )
    net = terrain_network(terrain, river_file=river_file, flow=flow)
    drift = simulate_drift(net, inc, hours=hours, n_particles=n_particles, seed=seed, params=params)
    clock = inc.timeline()
    survival = clock.survival_h if clock.survival_h is not None else math.inf
    phase = "rescue" if drift.hours[-1] <= survival else "recovery"
    search = RiverSearch.from_drift(drift)
    catches, notes = _catch_points(terrain, drift, clock)
    notes.append(
        f"point last seen snapped {drift.snap.distance_m:.0f} m to the {drift.snap.river or 'unnamed river'} "
        f"at chainage {drift.snap.chainage_km:.1f} km"
    )
    if terrain.resolution > 200:
        notes.append(
            f"{terrain.resolution:g} m DEM: reach gradients and types are coarse; "
            "give a finer DEM and river file for team-level work"
        )
    plan = None
    if teams and search.poa.sum() > 0:
        plan = search.plan(list(teams), period_h=period_h)
    notes.append(
        "hand-off: handoff.csv / handoff.geojson list every segment with chainage, lat/lon and compass "
        "bank side for the authority on the other bank"
    )
    return RiverIncidentResult(inc, net, drift, search, clock, phase, catches, plan, terrain, notes)
