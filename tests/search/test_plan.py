"""One period: numbering, teams, terrain speeds and transit, the plan, and the debrief."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from affine import Affine

from carpathia.errors import InputError, UnknownNameError
from carpathia.probability import ProbabilityMap
from carpathia.search import (
    Segments,
    allocate,
    assignment_number,
    auto_segments,
    debrief,
    default_resources,
    number_assignments,
    parse_team,
    plan_period,
    plan_routes,
    segment_speed_factors,
    segment_transit_h,
    teams_from_counts,
    track_from_route,
)
from carpathia.search.segments import segment_ids
from carpathia.terrain import Terrain
from carpathia.travel import OFF_TRAIL_FACTOR, tobler_speed

RES = 50.0


def _flat(n=80, landcover=None) -> Terrain:
    layers = {} if landcover is None else {"landcover": landcover}
    return Terrain(
        np.zeros((n, n), np.float32), Affine(RES, 0, 500000.0, 0, -RES, 5004000.0), "EPSG:32634", layers=layers
    )


def _quarters(t: Terrain) -> Segments:
    """Four square segments (one per quadrant) on a terrain grid."""
    from carpathia.search.segments import _build

    n = t.shape[0] // 2
    lab = np.zeros(t.shape, np.int32)
    lab[:n, n:], lab[n:, :n], lab[n:, n:] = 1, 2, 3
    return _build(t, lab, None, None, ids=segment_ids(4))


def test_assignment_numbers():
    assert assignment_number(1, 1) == 101 and assignment_number(2, 3) == 203
    with pytest.raises(InputError):
        assignment_number(0, 1)

    class P:
        assignments = [0] * 3

    assert number_assignments(P(), 2) == [201, 202, 203]
    P.assignments = [0] * 120
    assert number_assignments(P(), 1)[:2] == [1001, 1002]


def test_teams_and_specs():
    teams = teams_from_counts({"grid-team": 2, "dog-team": {"count": 1, "hours": 6}})
    assert [t.name for t in teams] == ["Grid 1", "Grid 2", "Air-scent 1"]
    assert teams[2].hours == 6.0 and teams[0].hours is None
    assert parse_team("grid-team:2") == ("grid-team", 2, None)
    assert parse_team("dog-team:1:6") == ("dog-team", 1, 6.0)
    assert parse_team("helicopter") == ("helicopter", 1, None)
    for bad in ("grid team", "grid-team:-1", "grid-team:two"):
        with pytest.raises(InputError, match="RESOURCE"):
            parse_team(bad)
    with pytest.raises(UnknownNameError, match="unknown resource"):
        teams_from_counts({"jetpack": 1})
    with pytest.raises(InputError, match="count"):
        teams_from_counts({"grid-team": 1.5})


def test_speed_factors_follow_slope_and_vegetation():
    lc = np.ones((80, 80), np.uint8)
    lc[40:, :] = 2  # forest in the south half
    t = _flat(landcover=lc)
    f = segment_speed_factors(_quarters(t), t)
    np.testing.assert_allclose(f, [1.0, 1.0, 0.8, 0.8], rtol=1e-6)  # open 1, forest 0.8 (ISOM 2017-2)
    steep = Terrain(
        np.tile((np.arange(80) * RES * 0.2)[None, :], (80, 1)).astype(np.float32), t.transform, t.crs
    )  # a uniform 20 % slope
    g = segment_speed_factors(_quarters(steep), steep)
    up, down = tobler_speed(0.2), tobler_speed(-0.2)
    expect = 2 / (1 / up + 1 / down) / tobler_speed(0.0)  # round trip on the fall line, Tobler 1993
    assert np.median(g) == pytest.approx(expect, rel=0.02)


def test_transit_walks_ground_and_flies_air():
    t = _flat()
    segs = _quarters(t)
    base = t.to_lonlat(79, 0)  # south-west corner cell, in segment AC
    teams = teams_from_counts({"grid-team": 1, "helicopter": 1})
    tr = segment_transit_h(segs, teams, t, base)
    assert tr[0, 2] == 0.0 and tr[1, 2] == 0.0
    walk = 1.0 / (tobler_speed(0.0) * OFF_TRAIL_FACTOR)  # s/m off trail on the flat
    gap = (40 - 0.5) * RES  # from the base cell centre to the nearest cell centre of AB (north-east)
    assert tr[0, 1] * 3600 == pytest.approx(gap * math.sqrt(2) * walk, rel=0.1)
    x, y = t.to_xy(*base)
    d = shapely.Point(x, y).distance(segs["AB"].geometry)
    assert tr[1, 1] == pytest.approx(d / 30.0 / 3600)


def test_plan_period_matches_allocate_and_beats_greedy():
    t = _flat()
    segs = _quarters(t)
    w = np.zeros(t.shape)
    w[:40, :40], w[:40, 40:], w[40:, :40], w[40:, 40:] = 4, 3, 2, 1
    pmap = ProbabilityMap.from_weights(w, t)
    teams = teams_from_counts({"grid-team": 2, "hasty-team": 2})
    plan = plan_period(pmap, segs, teams, terrain=t, period_h=6)
    np.testing.assert_allclose(segs.with_poa(pmap).poa, [0.4, 0.3, 0.2, 0.1])
    direct = allocate(
        [0.4, 0.3, 0.2, 0.1], teams, areas_m2=segs.areas_m2, period_h=6, speed_factor=1.0, segment_ids=segs.ids
    )
    assert plan.pos == pytest.approx(direct.pos)  # flat, open, no base: terrain changes nothing
    assert plan.pos >= plan.greedy_pos - 1e-12 and plan.gap < 1e-6
    assert {a.segment for a in plan.assignments} <= set(segs.ids)
    far = plan_period(pmap, segs, teams, terrain=t, base=t.to_lonlat(79, 79), period_h=6)
    assert far.pos < plan.pos  # walking in costs search time


@pytest.mark.filterwarnings("ignore:.*outside the grid")
def test_debrief_lowers_the_searched_segment():
    t = _flat()
    pmap = ProbabilityMap.uniform(t, rest_of_world=0.1)
    segs = auto_segments(t, pmap, level=1.0, target_km2=(1.0, 3.0))
    plan = plan_period(pmap, segs, teams_from_counts({"grid-team": 1}), terrain=t, period_h=6)
    route = plan_routes(plan, segs, t)[0]
    res = default_resources()["grid-team"]
    trk = track_from_route(route, speed_m_s=res.speed_m_s)
    d = debrief(pmap, trk, "grid-team", terrain=t, label="101")
    k = segs.index(plan.assignments[0].segment)
    inside = segs.labels == k
    assert d.map.total == pytest.approx(1.0)
    assert d.map.cells[inside].sum() < pmap.cells[inside].sum()
    assert d.map.rest_of_world > pmap.rest_of_world
    assert d.record["label"] == "101" and d.record["details"]["tracks"][0]["resource"] == "grid-team"
    assert d.pos == pytest.approx(float((pmap.cells * d.coverage.pod()).sum()), rel=1e-9)
    # planned against actual: the walked route's POD in the segment is close to the plan's
    got = 1 - d.map.cells[inside].sum() / pmap.cells[inside].sum() * (1 - d.pos)
    assert got == pytest.approx(plan.assignments[0].pod, abs=0.15)
    mixed = debrief(pmap, trk, res, terrain=t, p_responsive=0.5)
    assert mixed.pos > d.pos  # a responsive subject is heard further off
    # issue 6's coupling: a map that knows its share of responsive subjects (the agents model with
    # cold weather) debriefs with the mixture by default; an unknown share plans for unresponsive
    known = ProbabilityMap(pmap.cells, pmap.transform, pmap.crs, rest_of_world=pmap.rest_of_world)
    known.meta["p_responsive"] = 0.5
    auto = debrief(known, trk, res, terrain=t)
    assert auto.pos == pytest.approx(mixed.pos, rel=1e-12) and auto.record["details"]["p_responsive"] == 0.5
    known.meta["p_responsive"] = 0.0  # every simulated subject incapacitated: the unresponsive update
    assert debrief(known, trk, res, terrain=t).pos == pytest.approx(d.pos, rel=1e-12)


@pytest.mark.filterwarnings("ignore:.*outside the grid")
def test_two_debriefs_of_the_same_ground_equal_one_with_both_tracks():
    """Issue 13 item 3: with a responsive share, debriefing the same track twice is one debrief of
    the summed coverage (per-pass mixtures overstated it), and the second pass finds less."""
    t = _flat()
    pmap = ProbabilityMap(
        ProbabilityMap.uniform(t).cells, t.transform, t.crs, rest_of_world=0.1, meta={"p_responsive": 0.5}
    )
    segs = auto_segments(t, pmap, level=1.0, target_km2=(1.0, 3.0))
    plan = plan_period(pmap, segs, teams_from_counts({"hasty-team": 1}), terrain=t, period_h=6)
    res = default_resources()["hasty-team"]
    trk = track_from_route(plan_routes(plan, segs, t)[0], speed_m_s=res.speed_m_s)
    first = debrief(pmap, trk, res, terrain=t)
    second = debrief(first.map, trk, res, terrain=t)
    once = debrief(pmap, [trk, trk], res, terrain=t)
    np.testing.assert_allclose(second.map.cells, once.map.cells, rtol=1e-9, atol=1e-300)
    assert second.map.rest_of_world == pytest.approx(once.map.rest_of_world, rel=1e-9)
    assert (1 - first.pos) * (1 - second.pos) == pytest.approx(1 - once.pos, rel=1e-9)
    assert first.record["details"]["p_responsive"] == 0.5 and second.record["details"]["p_responsive"] == 0.5
    # the old per-pass mixture (the same q each time) would have claimed more
    cov = first.coverage
    mix = cov.pod(p_responsive=0.5)
    per_pass = 1 - (1 - float((pmap.cells * mix).sum())) * (1 - float((first.map.cells * mix).sum()))
    assert per_pass > 1 - (1 - first.pos) * (1 - second.pos) + 1e-3
