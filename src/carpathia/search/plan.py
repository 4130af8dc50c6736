"""One operational period: teams, terrain-aware transit and speeds, the plan, and the debrief.

:func:`plan_period` turns a probability map, segments and teams into a :class:`~.Plan`: it
sums the map over the segments, times the walk from the base to every segment, slows ground
teams by the terrain inside each segment, and calls :func:`~.allocate`. :func:`debrief` turns
the GPS tracks of a team that found nothing into coverage, POD and the Bayes update of the map.

    from carpathia.search import auto_segments, plan_period, teams_from_counts, debrief
    segs = auto_segments(terrain, pmap, base=base)
    plan = plan_period(pmap, segs, teams_from_counts({"grid-team": 2, "dog-team": 1}),
                       terrain=terrain, base=base, period_h=6)
    after = debrief(pmap, "tracks/101.gpx", get_resource("grid-team"), terrain=terrain)
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from carpathia.errors import InputError

from .allocation import Plan, Team, allocate
from .coverage import CoverageGrid, Track, read_tracks, track_coverage
from .resources import Resource, default_resources, get_resource
from .segments import Segments, _lonlat, travel_seconds

__all__ = [
    "Debrief",
    "assignment_number",
    "debrief",
    "number_assignments",
    "parse_team",
    "plan_period",
    "segment_speed_factors",
    "segment_transit_h",
    "teams_from_counts",
]

_TEAM_SPEC = re.compile(r"^\s*([a-z][a-z0-9-]*)\s*(?::\s*(\d+)\s*)?(?::\s*([0-9.]+)\s*)?$")


# ---------------------------------------------------------------------- numbering
def assignment_number(period: int, k: int) -> int:
    """Number of the ``k``-th assignment (from 1) of operational period ``period`` (from 1).

    The ICS convention: 101, 102, … in period 1, 201, 202, … in period 2. A period with more
    than 99 assignments counts on in thousands (1100, 1101 … would clash, so period ``p`` then
    numbers ``p·1000 + k``).
    """
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
        raise InputError(f"the operational period is a whole number from 1, not {period!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"assignments are counted from 1, not {k!r}")
    return int(period) * (100 if k <= 99 else 1000) + int(k)


def number_assignments(plan: Plan, period: int = 1) -> list[int]:
    """The numbers of ``plan``'s assignments, in table order (101, 102, … for period 1).

    If the plan has more than 99 rows, all of them are numbered in thousands, so the numbers
    stay in one series.
    """
    n = len(plan.assignments)
    if n > 99:
        return [int(period) * 1000 + k for k in range(1, n + 1)]
    return [assignment_number(period, k) for k in range(1, n + 1)]


# ---------------------------------------------------------------------- teams
def _team_label(resource: Resource) -> str:
    word = resource.name.split()[0] if resource.name.split() else resource.key
    return word.strip("()").capitalize()


def teams_from_counts(
    counts: Mapping[str, int | Mapping[str, Any]], resources: Mapping[str, Resource] | None = None
) -> list[Team]:
    """Teams from a count per resource type: ``{"grid-team": 2, "dog-team": 1}``.

    A value may also be a table ``{count = 2, hours = 8}`` (hours each team can give this
    period; default the type's endurance). Teams are named after the type and numbered:
    ``Grid 1``, ``Grid 2``, ``Air-scent 1`` … (short names for GPS units).
    """
    table = default_resources() if resources is None else resources
    if not counts:
        raise InputError("give at least one team, e.g. --team grid-team:2")
    teams: list[Team] = []
    used: dict[str, int] = {}
    for key, spec in counts.items():
        res = get_resource(str(key), table)
        hours = None
        if isinstance(spec, Mapping):
            unknown = sorted(set(spec) - {"count", "hours"})
            if unknown:
                raise InputError(f"team {key!r}: unknown field(s) {', '.join(unknown)}; use count and hours")
            count, hours = spec.get("count", 1), spec.get("hours")
        else:
            count = spec
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise InputError(f"team {key!r}: the count must be a whole number ≥ 0, not {count!r}")
        if hours is not None and not (
            isinstance(hours, (int, float)) and not isinstance(hours, bool) and math.isfinite(hours) and hours > 0
        ):
            raise InputError(f"team {key!r}: hours must be a positive number, not {hours!r}")
        label = _team_label(res)
        for _ in range(int(count)):
            used[label] = used.get(label, 0) + 1
            teams.append(Team(f"{label} {used[label]}", res, None if hours is None else float(hours)))
    if not teams:
        raise InputError("every team count is 0; give at least one team")
    return teams


def parse_team(text: str) -> tuple[str, int, float | None]:
    """``"grid-team:2"`` → ``("grid-team", 2, None)``; ``"dog-team:1:6"`` → 1 team for 6 h."""
    m = _TEAM_SPEC.match(str(text))
    if not m:
        raise InputError(
            f"--team {text!r}: write RESOURCE[:COUNT[:HOURS]], e.g. grid-team:2 or dog-team:1:6 "
            "(resource keys: carpathia.search resources, or your --resources file)"
        )
    count = int(m.group(2)) if m.group(2) else 1
    try:
        hours = float(m.group(3)) if m.group(3) else None
    except ValueError:
        raise InputError(f"--team {text!r}: hours must be a number") from None
    if hours is not None and not hours > 0:
        raise InputError(f"--team {text!r}: hours must be > 0")
    return m.group(1), count, hours


# ---------------------------------------------------------------------- terrain per segment
def segment_speed_factors(segments: Segments, terrain) -> np.ndarray:
    """Factor on a ground team's flat-ground search speed in each segment (0..1).

    Each cell's walking speed on its slope (the round trip of Tobler's function on the fall
    line, :func:`carpathia.travel.isotropic_speed`) with the land-cover factors and water
    barriers of :func:`carpathia.travel.speed_factors`, over Tobler's flat-ground speed. The
    resource's search speed is already an off-trail speed, so the off-trail factor is not
    applied again. The segment's factor is the harmonic mean over its passable cells (a team
    that sweeps the whole segment spends time in proportion to 1/speed) times the passable
    share of its cells (cliffs over 45° and water get no coverage).
    """
    from carpathia.travel import isotropic_speed, tobler_speed

    _check_on(segments, terrain)
    f = np.asarray(isotropic_speed(terrain, off_trail=False), float) / float(tobler_speed(0.0))
    lab = segments.labels
    n = len(segments)
    keep = lab >= 0
    idx = lab[keep].ravel()
    fv = f[keep].ravel()
    ok = fv > 0
    cells = np.bincount(idx, minlength=n)[:n].astype(float)
    passable = np.bincount(idx[ok], minlength=n)[:n].astype(float)
    inv = np.bincount(idx[ok], weights=1.0 / fv[ok], minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        harmonic = np.where(inv > 0, passable / inv, 0.0)
        share = np.where(cells > 0, passable / np.maximum(cells, 1.0), 0.0)
    return np.clip(harmonic * share, 0.0, None)


def segment_transit_h(segments: Segments, teams: Sequence[Team], terrain, base: Sequence[float]) -> np.ndarray:
    """One-way transit from ``base`` (lon, lat) to each segment for each team, hours (teams × segments).

    Ground teams walk: the least walking time to the segment's nearest cell over the terrain
    (Tobler's hiking function with :func:`carpathia.travel.speed_factors`; every ground team
    walks in at hiking pace, carpathia's assumption). Air resources fly straight to the
    segment's nearest point at their speed. Unreachable segments get ``inf``.
    """
    _check_on(segments, terrain)
    n = len(segments)
    lon, lat = _lonlat(base, "base")
    need_ground = any(t.resource.kind == "ground" for t in teams)
    walk = np.full(n, np.inf)
    known = [s.travel_time_h for s in segments]
    same_base = segments.meta.get("base") is not None and np.allclose(segments.meta["base"], (lon, lat))
    if need_ground and same_base and all(t is not None for t in known):
        walk = np.array(known, float)  # the segments were timed from this base already
    elif need_ground:
        seconds = travel_seconds(terrain, (lon, lat))
        keep = segments.labels >= 0
        np.minimum.at(walk, segments.labels[keep].ravel(), seconds[keep].ravel())
        walk /= 3600.0
    x, y = terrain.to_xy(lon, lat)
    here = shapely.Point(float(x), float(y))
    dist = np.array([here.distance(s.geometry) for s in segments], float)
    out = np.empty((len(teams), n))
    for j, t in enumerate(teams):
        out[j] = walk if t.resource.kind == "ground" else dist / t.resource.speed_m_s / 3600.0
    return out


def _check_on(segments: Segments, terrain) -> None:
    if segments.shape != terrain.shape or segments.transform != terrain.transform:
        raise InputError("the segments are not on this terrain's grid; build them from the same terrain")


# ---------------------------------------------------------------------- the plan
def plan_period(
    pmap,
    segments: Segments,
    teams: Sequence[Team],
    *,
    terrain,
    base: Sequence[float] | None = None,
    period_h: float = 12.0,
    subject: str = "unresponsive",
    method: str = "milp",
    time_limit_s: float = 30.0,
) -> Plan:
    """Allocate whole teams to segments for one operational period, terrain included.

    Parameters
    ----------
    pmap
        The current :class:`~carpathia.probability.ProbabilityMap` on the terrain's grid (POA
        is summed over each segment), or None to use the segments' own POA.
    segments
        :class:`~.Segments` on the terrain's grid.
    teams
        The :class:`~.Team` list (:func:`teams_from_counts` builds one).
    terrain
        The terrain: slope and land cover slow ground teams; walking times from the base.
    base
        (lon, lat) where teams start; default the base the segments were made with, else none
        (no transit).
    period_h, subject, method, time_limit_s
        As :func:`~.allocate`: period length (h), ``"unresponsive"`` or ``"responsive"``,
        ``"milp"`` or ``"greedy"``, HiGHS time limit per solve (s).

    Returns
    -------
    Plan
        Rows carry the segment ids; number them with :func:`number_assignments`.

    Notes
    -----
    Ground team ``j`` in segment ``i`` sweeps ``Wⱼ(landcoverᵢ) · vⱼ · fᵢ`` m² per second, with
    ``fᵢ`` from :func:`segment_speed_factors`, for ``min(hoursⱼ, period) − 2·transitᵢⱼ`` hours
    (:func:`segment_transit_h`). Air resources fly at their own speed (``f = 1``). Cost: one
    travel-time field over the grid (numba Dijkstra) and one MILP (see :func:`~.allocate`).
    """
    if pmap is not None:
        segments = segments.with_poa(pmap)
    teams = list(teams)
    if not teams:
        raise InputError("give at least one team")
    if len(segments) == 0:
        raise InputError("there are no segments to search")
    _check_on(segments, terrain)
    if base is None:
        base = segments.meta.get("base")
    factor_ground = segment_speed_factors(segments, terrain)
    factor = np.stack([factor_ground if t.resource.kind == "ground" else np.ones(len(segments)) for t in teams])
    if base is not None:
        transit = segment_transit_h(segments, teams, terrain, base)
        transit = np.where(np.isfinite(transit), transit, float(period_h))
    else:
        transit = 0.0
    return allocate(
        segments.poa,
        teams,
        areas_m2=segments.areas_m2,
        landcover=segments.landcover,
        transit_h=transit,
        period_h=period_h,
        subject=subject,
        speed_factor=factor,
        segment_ids=segments.ids,
        method=method,
        time_limit_s=time_limit_s,
    )


# ---------------------------------------------------------------------- the debrief
@dataclass
class Debrief:
    """Result of :func:`debrief`.

    Attributes
    ----------
    map
        The probability map after the unsuccessful search.
    coverage
        The tracks' :class:`~.CoverageGrid` (both subject states).
    record
        The update record (also the last entry of ``map.meta["updates"]``): what, when, the
        hashes, the mass searched (the search's POS, had the subject been there as mapped) and
        the track log.
    """

    map: Any
    coverage: CoverageGrid
    record: dict

    @property
    def pos(self) -> float:
        """Probability this search would have found the subject: ``Σ POA·POD`` before it."""
        return float(self.record["mass_searched"])


def debrief(
    pmap,
    tracks: Track | Sequence[Track] | str | os.PathLike | Sequence[str | os.PathLike],
    resource: Resource | str,
    *,
    terrain=None,
    subject: str = "auto",
    p_responsive: float | None = None,
    resources: Mapping[str, Resource] | None = None,
    label: str | None = None,
    team: str | None = None,
    time: _dt.datetime | str | None = None,
    thin_m: float | None = None,
) -> Debrief:
    """Update the map after a team searched along ``tracks`` and found nothing.

    Parameters
    ----------
    pmap
        The map before the search.
    tracks
        :class:`~.Track` objects, or GPX/GeoJSON/KML files (one or several) of the team's
        GPS tracks.
    resource
        The resource type (or its key) that made the tracks: its sweep widths.
    terrain
        The terrain the map was made on: its land cover sets the width per cell (else every
        cell is ``unknown``).
    subject, p_responsive
        Update with the coverage for ``subject`` (``"responsive"`` or ``"unresponsive"``), or,
        with ``p_responsive`` (the prior probability that the subject can respond), a two-state
        update that keeps the responsive and unresponsive coverages apart and carries the
        responsive share per cell through the update
        (:func:`~carpathia.search.update_unsuccessful` with ``responsive_coverage``): after a
        miss the share falls where responsive searching was strong, so repeated searches do not
        overstate POD. ``"auto"`` (default) does the two-state update when the map tracks a share
        (an earlier two-state debrief) or its model set ``meta["p_responsive"]`` (the ``agents``
        model: the category's behavioural responsive share, :func:`carpathia.subjects.responsive_share`,
        times the share of simulated subjects not incapacitated); else it plans for an
        unresponsive subject, the conservative choice.
    resources
        Resource table to look ``resource`` up in (default the built-in one).
    label, team, time
        Recorded with the update (assignment number, team name, debrief time).
    thin_m
        Drop fixes closer than this to the last one kept (GPS jitter while standing still).

    Returns
    -------
    Debrief
    """
    from .bayes import update_unsuccessful

    res = resource if isinstance(resource, Resource) else get_resource(str(resource), resources)
    items = _tracks(tracks)
    if thin_m is not None:
        items = [t.thinned(thin_m) for t in items]
    landcover = None
    if terrain is not None:
        pmap.check_on(terrain)
        landcover = np.asarray(terrain.layer("landcover")).astype(np.int64)
    cov = track_coverage(items, pmap, res, landcover=landcover, team=team or label)
    if subject not in ("auto", "responsive", "unresponsive"):
        raise InputError(f"subject is 'auto', 'responsive' or 'unresponsive', not {subject!r}")
    two_state = p_responsive is not None or (
        subject == "auto" and (pmap.responsive is not None or pmap.meta.get("p_responsive") is not None)
    )
    if two_state:
        subject = "responsive+unresponsive"
        if p_responsive is None:  # the prior the update starts from, for the record
            known = pmap.meta.get("p_responsive_prior" if pmap.responsive is not None else "p_responsive")
            p_responsive_used = None if known is None else float(known)
        else:
            p_responsive_used = float(p_responsive)
    elif subject == "auto":
        subject = "unresponsive"
    details = {
        "resource": res.key,
        "subject": subject,
        "p_responsive": p_responsive_used if two_state else None,
        "tracks": cov.log,
    }
    if two_state:
        new = update_unsuccessful(
            pmap,
            coverage=cov.coverage("unresponsive"),
            responsive_coverage=cov.coverage("responsive"),
            p_responsive=p_responsive,
            label=label,
            time=time,
            details=details,
        )
    else:
        new = update_unsuccessful(pmap, coverage=cov.coverage(subject), label=label, time=time, details=details)
    return Debrief(new, cov, dict(new.meta["updates"][-1]))


def _tracks(tracks) -> list[Track]:
    if isinstance(tracks, Track):
        return [tracks]
    if isinstance(tracks, (str, os.PathLike)):
        return read_tracks(tracks)
    out: list[Track] = []
    for t in tracks:
        out.extend(_tracks(t))
    if not out:
        raise InputError("give at least one track")
    return out
