"""Teams, weather, operational periods and assignments of an incident.

A mixin of :class:`~carpathia.incident.Workspace` (it uses the workspace's store, terrain,
maps and segments, ``incident_id`` and ``_tx``):
used only through Workspace, whose public methods these are.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from carpathia.errors import InputError, UnknownNameError

from ._common import Progress, _resource_fields, parse_time, step
from .store import now_iso

#: Assignments per operational period: numbers 100·n + 1 … 100·n + 99.
MAX_ASSIGNMENTS_PER_PERIOD = 99


@dataclass(frozen=True)
class OperationalPeriod:
    """One planning cycle: its number, start (ISO with zone), length and assignments (dicts)."""

    number: int
    start: str
    hours: float
    assignments: list[dict[str, Any]] = field(default_factory=list)
    pos: float | None = None
    method: str | None = None

    def to_text(self) -> str:
        lines = [f"operational period {self.number}: from {self.start}, {self.hours:g} h"]
        for a in self.assignments:
            lines.append(
                f"  {a['number']}: segment {a['segment']:<8} {a['team']:<16} {a['search_h']:5.1f} h search, "
                f"expected POD {a['expected_pod']:.2f}, POS {a['expected_pos']:.4f}"
            )
        if self.pos is not None:
            lines.append(f"  planned POS {self.pos:.4f} ({self.method})")
        return "\n".join(lines)


class PeriodsMixin:
    """Teams and weather; planning periods; assignments."""

    def add_team(
        self,
        name: str,
        resource: str,
        incident: str | int | None = None,
        *,
        hours: float | None = None,
        radio: str | None = None,
        resources_file: str | os.PathLike | None = None,
    ) -> int:
        """Add a team of a resource type (``grid-team``, ``dog-team`` …; see :mod:`carpathia.search`)."""
        import dataclasses

        from carpathia.search import Team, get_resource, load_resources

        iid = self.incident_id(incident)
        table = load_resources(resources_file) if resources_file else None
        res = get_resource(resource, table)
        Team(str(name), res, hours)  # validates name and hours
        if self.store.one("SELECT id FROM teams WHERE incident_id = ? AND name = ?", (iid, str(name))):
            raise InputError(f"team {name!r} exists in this incident; team names are unique")
        with self._tx("team add", iid, f"team {name!r} ({res.key})") as tx:
            return tx.insert(
                "teams",
                incident_id=iid,
                name=str(name),
                resource_key=res.key,
                resource=json.dumps(dataclasses.asdict(res)),
                hours=hours,
                radio=radio,
            )

    def teams(self, incident: str | int | None = None) -> list[dict[str, Any]]:
        iid = self.incident_id(incident)
        return self.store.all("SELECT * FROM teams WHERE incident_id = ? ORDER BY id", (iid,))

    def add_weather(
        self,
        air_temp_c: float,
        wind_kmh: float,
        incident: str | int | None = None,
        *,
        time=None,
        precip_mm_h: float | None = None,
        snow_depth_m: float | None = None,
        source: str | None = None,
    ) -> int:
        """Record an observation of the weather (air temperature °C, wind km/h at 10 m)."""
        from carpathia.survival import wind_chill  # noqa: F401 - the survival clock needs it later

        iid = self.incident_id(incident)
        t = parse_time(time, "--time")
        vals = {"air temperature": air_temp_c, "wind": wind_kmh}
        for what, v in vals.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise InputError(f"{what} must be a number, not {v!r}")
        if not -80 <= air_temp_c <= 60 or not 0 <= wind_kmh <= 400:
            raise InputError("air temperature must be in -80..60 °C and wind in 0..400 km/h")
        with self._tx("weather", iid, f"weather {air_temp_c:g} °C, wind {wind_kmh:g} km/h") as tx:
            return tx.insert(
                "weather",
                incident_id=iid,
                time=t.isoformat(),
                air_temp_c=float(air_temp_c),
                wind_kmh=float(wind_kmh),
                precip_mm_h=precip_mm_h,
                snow_depth_m=snow_depth_m,
                source=source,
            )

    def plan(
        self,
        incident: str | int | None = None,
        *,
        hours: float = 12.0,
        start=None,
        method: str = "milp",
        teams: Sequence[str] | None = None,
        base: Sequence[float] | None = None,
        progress: Progress | None = None,
    ) -> OperationalPeriod:
        """Plan the next operational period: allocate the teams to segments, number the assignments.

        Uses :func:`carpathia.search.plan_period` on the segments' POA in the current map, their
        areas, land cover and slope, for the incident's subject (responsive or unresponsive);
        with ``base`` (lon, lat of the command post) the teams' walk there and back is taken off
        their hours. The assignments are numbered ``100·period + 1, + 2 …``.
        ``progress(fraction, message)``, when given, hears of each stage (segments, allocation,
        storing).
        """
        from carpathia.search import Resource, Team
        from carpathia.search.plan import plan_period

        iid = self.incident_id(incident)
        if not (isinstance(hours, (int, float)) and math.isfinite(hours) and hours > 0):
            raise InputError(f"the period's length must be > 0 hours, not {hours!r}")
        when = parse_time(start, "--start")
        rows = self.teams(iid)
        if teams is not None:
            wanted = set(teams)
            unknown = wanted - {r["name"] for r in rows}
            if unknown:
                raise UnknownNameError(f"unknown team(s) {', '.join(sorted(unknown))}; add them with 'incident team'")
            rows = [r for r in rows if r["name"] in wanted]
        if not rows:
            raise InputError("no teams to plan with; add them with 'carpathia incident team add'")
        team_objs = [Team(r["name"], Resource(**_resource_fields(r["resource"])), r["hours"]) for r in rows]
        step(progress, 0.0, "reading the current map")
        pmap = self.current_map(iid)
        step(progress, 0.1, "segments: POA, land cover and slope")
        segments = self.segments_object(iid, pmap)
        step(progress, 0.3, f"allocating {len(team_objs)} team(s) to {len(segments.ids)} segments ({method})")
        plan = plan_period(
            pmap,
            segments,
            team_objs,
            terrain=self.terrain(iid),
            base=None if base is None else tuple(float(v) for v in base),
            period_h=float(hours),
            subject=self.incident_row(iid)["search_for"],
            method=method,
        )
        seg = {"labels": segments.ids, "ids": [r["id"] for r in self.segments(iid)]}
        if len(plan.assignments) > MAX_ASSIGNMENTS_PER_PERIOD:
            raise InputError(f"a period holds at most {MAX_ASSIGNMENTS_PER_PERIOD} assignments")
        seg_id = dict(zip(seg["labels"], seg["ids"], strict=True))
        team_id = {r["name"]: r["id"] for r in rows}
        number = self._next_period(iid)
        step(progress, 0.9, f"numbering and storing the assignments of period {number}")
        out = []
        with self._tx("plan", iid, f"period {number}: {len(plan.assignments)} assignment(s)") as tx:
            pid = tx.insert(
                "periods", incident_id=iid, number=number, start=when.isoformat(), hours=float(hours), created=now_iso()
            )
            for k, a in enumerate(plan.assignments, start=1):
                num = 100 * number + k
                tactics = f"search segment {a.segment} for {a.search_h:.1f} h ({a.resource})"
                tx.insert(
                    "assignments",
                    incident_id=iid,
                    period_id=pid,
                    number=num,
                    segment_id=seg_id[a.segment],
                    team_id=team_id[a.team],
                    tactics=tactics,
                    transit_h=a.transit_h,
                    search_h=a.search_h,
                    expected_pod=a.pod,
                    expected_pos=a.pos,
                )
                out.append(
                    {
                        "number": num,
                        "segment": a.segment,
                        "team": a.team,
                        "resource": a.resource,
                        "search_h": a.search_h,
                        "expected_pod": a.pod,
                        "expected_pos": a.pos,
                        "tactics": tactics,
                    }
                )
        step(progress, 1.0, f"period {number}: {len(out)} assignment(s)")
        return OperationalPeriod(number, when.isoformat(), float(hours), out, plan.pos, plan.method)

    def _next_period(self, iid: int) -> int:
        r = self.store.one("SELECT coalesce(max(number), 0) AS n FROM periods WHERE incident_id = ?", (iid,))
        return int(r["n"]) + 1 if r else 1

    def add_assignment(
        self,
        number: int,
        segment: str,
        team: str,
        incident: str | int | None = None,
        *,
        period: int | None = None,
        tactics: str | None = None,
        search_h: float | None = None,
    ) -> int:
        """Add one assignment by hand to period ``period`` (default the latest).

        The number must be ``100·period + k`` with ``k`` in 1..99 and unused in the incident.
        """
        iid = self.incident_id(incident)
        prow = (
            self.store.one("SELECT * FROM periods WHERE incident_id = ? ORDER BY number DESC LIMIT 1", (iid,))
            if period is None
            else self.store.one("SELECT * FROM periods WHERE incident_id = ? AND number = ?", (iid, int(period)))
        )
        if prow is None:
            raise InputError("no such operational period; plan one first ('carpathia incident plan')")
        n = int(number)
        p = int(prow["number"])
        if not 100 * p + 1 <= n <= 100 * p + MAX_ASSIGNMENTS_PER_PERIOD:
            raise InputError(f"assignments of period {p} are numbered {100 * p + 1}..{100 * p + 99}, not {n}")
        if self.store.one("SELECT id FROM assignments WHERE incident_id = ? AND number = ?", (iid, n)):
            raise InputError(f"assignment {n} exists in this incident; assignment numbers are unique")
        s = self.store.one("SELECT id FROM segments WHERE incident_id = ? AND label = ?", (iid, str(segment)))
        if s is None:
            raise UnknownNameError(f"no segment {segment!r} in this incident")
        t = self.store.one("SELECT id FROM teams WHERE incident_id = ? AND name = ?", (iid, str(team)))
        if t is None:
            raise UnknownNameError(f"no team {team!r} in this incident")
        with self._tx("assignment add", iid, f"assignment {n}: {team} to segment {segment}") as tx:
            return tx.insert(
                "assignments",
                incident_id=iid,
                period_id=prow["id"],
                number=n,
                segment_id=s["id"],
                team_id=t["id"],
                tactics=tactics,
                search_h=search_h,
            )

    def assignments(self, incident: str | int | None = None) -> list[dict[str, Any]]:
        """Assignments with their period, segment label and team."""
        iid = self.incident_id(incident)
        return self.store.all(
            "SELECT a.*, p.number AS period, s.label AS segment, t.name AS team, t.resource_key AS resource, "
            "t.radio AS radio FROM assignments a JOIN periods p ON p.id = a.period_id "
            "JOIN segments s ON s.id = a.segment_id JOIN teams t ON t.id = a.team_id "
            "WHERE a.incident_id = ? ORDER BY a.number",
            (iid,),
        )

    def assignment(self, number: int | str, incident: str | int | None = None) -> dict[str, Any]:
        iid = self.incident_id(incident)
        try:
            n = int(number)
        except (TypeError, ValueError):
            raise InputError(f"an assignment is a number such as 101, not {number!r}") from None
        for a in self.assignments(iid):
            if a["number"] == n:
                return a
        known = ", ".join(str(a["number"]) for a in self.assignments(iid))
        raise UnknownNameError(f"no assignment {n} in this incident; assignments: {known or 'none yet'}")
