"""Allocation: SORAL's vectors, Stone's closed form, Washburn's cases, whole-team MILP vs greedy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from carpathia.errors import InputError
from carpathia.search import (
    Team,
    allocate,
    allocate_divisible,
    charnes_cooper,
    default_resources,
    probability_of_success,
)

# SORAL (github.com/ctwardy/soral), SORAL/matlab/testcases.m: cases Charnes-Cooper can solve.
SORAL_CC = [
    # p, w, T, answer
    ([8, 4, 1, 2], [1, 4, 12, 8], 0.05, [0, 0.033333, 0, 0.0166667]),  # case 1 (DOMAIN.md)
    ([2, 4, 2], [9, 3, 6], 0.20, [0.07322410073711, 0.08451726617526, 0.04225863308763]),  # case 3 (DOMAIN.md)
    ([4, 2, 8, 1], [4, 1, 1, 12], 0.10, [0.092980, 0, 0, 0.007020]),  # case 2; the file prints 0.92980, a typo
    ([1, 4, 20, 0], [8, 4, 0, 10], 0.50, [0.10890, 0.39110, 0, 0]),  # case 4: two areas cannot be searched
    ([2, 6, 4], [6, 2, 3], 0.50, [0.083333, 0.25, 0.166667]),  # case 5
    ([0, 7, 0, 5], [8, 0, 0, 0], 0.50, [0, 0, 0, 0]),  # case 6: nothing can be searched
    ([4], [4], 0.05, [0.05]),  # case 0
]


@pytest.mark.parametrize(("p", "w", "total", "answer"), SORAL_CC)
def test_soral_vectors(p, w, total, answer):
    z = charnes_cooper(p, w, total)
    assert np.allclose(z, answer, atol=1e-4)
    # SORAL's p is unnormalised; the optimum is the same for the normalised POA (scale invariance)
    if sum(p) > 0:
        assert np.allclose(charnes_cooper(np.array(p) / sum(p), w, total), z, rtol=0, atol=1e-15)


def test_soral_vectors_to_machine_precision():
    # DOMAIN.md case 1 in closed form: only areas 2 and 4 are searched, with 4 z2 = 8 z4, z2 + z4 = T
    z = charnes_cooper([8, 4, 1, 2], [1, 4, 12, 8], 0.05)
    assert z[1] == pytest.approx(0.05 * 2 / 3, rel=1e-14) and z[3] == pytest.approx(0.05 / 3, rel=1e-14)
    assert z[0] == 0.0 and z[2] == 0.0


@settings(max_examples=200, deadline=None)
@given(
    p=st.lists(st.floats(0, 10), min_size=1, max_size=12),
    w=st.lists(st.floats(0, 50), min_size=12, max_size=12),
    total=st.one_of(st.just(0.0), st.floats(1e-300, 5)),
)
def test_water_filling_kkt(p, w, total):
    p = np.array(p)
    w = np.array(w[: p.size])
    z = charnes_cooper(p, w, total)
    assert (z >= 0).all()
    a = p * w
    if total == 0 or not ((a > 1e-300) & (w > 1e-300)).any():  # below 1e-300: unsearchable (documented)
        assert (z == 0).all()
        return
    assert z.sum() == pytest.approx(total, rel=1e-9, abs=1e-12)
    marginal = a * np.exp(-w * z)
    active = z > 0
    lam = marginal[active].max()
    assert np.allclose(marginal[active], lam, rtol=1e-7)  # equal marginal value where searched
    assert (marginal[~active] <= lam * (1 + 1e-7)).all()  # no better use elsewhere


def test_bad_inputs():
    with pytest.raises(InputError):
        charnes_cooper([0.5, -0.1], [1, 1], 1.0)
    with pytest.raises(InputError):
        charnes_cooper([0.5, 0.5], [1, np.nan], 1.0)
    with pytest.raises(InputError):
        charnes_cooper([0.5, 0.5], [1, 1], -1.0)
    with pytest.raises(InputError):
        charnes_cooper([[0.5]], [1], 1.0)


@pytest.mark.parametrize("u", [0.5, 1.0, 2.0, 4.0])
def test_stone_circular_normal(u):
    """Circular normal target, exponential detection: Stone's closed-form optimum.

    Units: effort z is swept area (m²) and w = 1/A (per m² of cell), so a cell's coverage is z/A.
    The total effort E = u²πσ² covers a disc of radius R, R²/(2σ²) = u, with coverage density
    φ(r) = (R² − r²)/(2σ²); POS* = 1 − (1 + u)e^(−u).
    """
    sigma, h = 100.0, 5.0
    edges = np.arange(-6 * sigma, 6 * sigma + h / 2, h)
    px = np.diff(ndtr(edges / sigma))
    poa = np.outer(px, px)
    area = h * h
    effort = u * u * math.pi * sigma**2
    z = charnes_cooper(poa.ravel(), 1.0 / area, effort).reshape(poa.shape)
    pos = probability_of_success(poa.ravel(), 1.0 / area, z.ravel())
    star = 1 - (1 + u) * math.exp(-u)
    assert pos == pytest.approx(star, rel=0.01)  # the acceptance: within 1 %
    assert abs(pos / star - 1) < 5e-4  # what it does on this 5 m grid (σ/20)
    centre = (edges[:-1] + edges[1:]) / 2
    r2 = centre[None, :] ** 2 + centre[:, None] ** 2
    phi = np.clip((2 * sigma**2 * u - r2) / (2 * sigma**2), 0, None)
    assert np.abs(z / area - phi).max() < 1e-3 * max(u, 1.0)
    assert z.sum() == pytest.approx(effort, rel=1e-12)


def test_washburn_soral_cases():
    """SORAL testcases.m cases 7 and 8 (8 is from Washburn's JOTA paper): several divisible types."""
    r = allocate_divisible([0.5, 0.5], [[0.1, 0.05], [0.02, 0.005]], [16.1, 13.9])
    assert np.allclose(r.effort, [[10.30365, 13.9], [5.79635, 0]], atol=1e-4)
    r = allocate_divisible([1000, 1000, 2000, 2000], [[1, 3, 0], [2, 2, 1], [3, 2, 0], [4, 1, 1]], [3, 2, 1])
    answer = [[0, 1.22976, 0], [0.37167, 0.77024, 1], [1.46081, 0, 0], [1.16753, 0, 0]]
    assert np.allclose(r.effort, answer, atol=1e-4)
    assert r.bound >= r.pos and (r.bound - r.pos) <= 1e-9 * r.bound


def test_divisible_with_one_type_is_charnes_cooper():
    rng = np.random.default_rng(4)
    p, w = rng.random(40), rng.random(40) * 3
    r = allocate_divisible(p, w, [2.0])
    assert np.allclose(r.effort[:, 0], charnes_cooper(p, w, 2.0), atol=1e-9)


# ---------------------------------------------------------------------- whole teams
def _instance(seed, n_seg, n_team):
    rng = np.random.default_rng(seed)
    res = default_resources()
    kinds = ["hasty-team", "grid-team", "dog-team", "drone-thermal", "helicopter"]
    teams = [Team(f"T{j}", res[kinds[rng.integers(len(kinds))]]) for j in range(n_team)]
    p = rng.lognormal(0, 1, n_seg)
    p *= rng.uniform(0.5, 0.95) / p.sum()
    areas = rng.uniform(0.3e6, 3e6, n_seg)
    lc = rng.integers(0, 4, n_seg)
    transit = rng.uniform(0, 2, (n_team, n_seg))
    return p, teams, dict(areas_m2=areas, landcover=lc, transit_h=transit, period_h=12.0)


def _brute_force(p, teams, kw):
    """The best plan by enumerating every team's choice (a segment, or idle)."""
    n = p.size
    E = np.array(
        [
            t.resource.sweep_width("unresponsive", kw["landcover"])
            * t.resource.speed_m_s
            * 3600
            * np.clip(min(t.resource.endurance_h, kw["period_h"]) - 2 * kw["transit_h"][j], 0, None)
            / kw["areas_m2"]
            for j, t in enumerate(teams)
        ]
    )
    best = 0.0
    for choice in itertools.product(range(-1, n), repeat=len(teams)):
        cov = np.zeros(n)
        for j, i in enumerate(choice):
            if i >= 0:
                cov[i] += E[j, i]
        best = max(best, float(np.sum(p * -np.expm1(-cov))))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_milp_is_optimal_on_small_cases(seed):
    p, teams, kw = _instance(seed, n_seg=4, n_team=3)
    plan = allocate(p, teams, **kw)
    assert plan.pos == pytest.approx(_brute_force(p, teams, kw), rel=1e-9)
    assert plan.pos >= plan.greedy_pos - 1e-15
    assert plan.bound >= plan.pos - 1e-15 and plan.gap <= 1e-6
    assert plan.relaxation_bound >= plan.pos - 1e-12


@pytest.mark.parametrize("seed", range(8))
def test_milp_never_worse_than_greedy(seed):
    p, teams, kw = _instance(100 + seed, n_seg=60, n_team=10)
    plan = allocate(p, teams, **kw)
    greedy = allocate(p, teams, method="greedy", **kw)
    assert greedy.pos == pytest.approx(plan.greedy_pos)
    assert plan.pos >= greedy.pos - 1e-15
    assert plan.bound >= plan.pos - 1e-12
    assert plan.gap <= 1e-6
    assert greedy.bound >= plan.pos - 1e-12  # greedy reports the relaxation bound, valid for the optimum
    assert plan.relaxation_bound >= plan.bound - 1e-9


def test_the_gap_on_a_case_where_greedy_is_not_optimal():
    # Segment 0 is land, segment 1 a lake. The drone works over both, the grid team only on land.
    # Greedy sends the drone to the likelier segment 0 first, and the grid team can then only
    # share it. The optimum sends the drone over the lake.
    res = default_resources()
    drone = res["drone-thermal"].replace(unresponsive_m=(60.0,) * 5)
    teams = [Team("Drone", drone), Team("Grid 1", res["grid-team"])]
    kw = dict(areas_m2=[1e6, 1e6], landcover=[1, 4], period_h=12.0)
    plan = allocate([0.5, 0.45], teams, **kw)
    assert plan.greedy_pos == pytest.approx(0.5, abs=1e-3)
    assert plan.pos == pytest.approx(0.95, abs=1e-3)
    assert {(a.team, a.segment) for a in plan.assignments} == {("Drone", 1), ("Grid 1", 0)}
    assert plan.gap < 1e-9
    assert plan.relaxation_bound >= plan.bound


def test_plan_table_and_transit():
    res = default_resources()
    teams = [Team("Hasty 1", res["hasty-team"]), Team("Heli", res["helicopter"]), Team("Far", res["grid-team"])]
    transit = np.array([[0.5, 0.5, 0.5], [0.1, 0.1, 0.1], [7.0, 7.0, 7.0]])  # 'Far' cannot reach anything
    plan = allocate(
        [0.3, 0.2, 0.1],
        teams,
        areas_m2=[1e6, 1e6, 1e6],
        landcover=[1, 2, 1],
        transit_h=transit,
        period_h=12.0,
        segment_ids=["A", "B", "C"],
    )
    assert plan.idle == ["Far"]
    rows = plan.table()
    assert {r["team"] for r in rows} == {"Hasty 1", "Heli"}
    assert sum(r["pos"] for r in rows) == pytest.approx(plan.pos)
    for r in rows:
        assert set(r) == {
            "segment",
            "team",
            "resource",
            "transit_h",
            "search_h",
            "coverage",
            "pod",
            "segment_pod",
            "pos",
        }
        assert r["segment"] in {"A", "B", "C"}
        t = {"Hasty 1": (12.0, 0.5), "Heli": (2.5, 0.1)}[r["team"]]
        assert r["search_h"] == pytest.approx(t[0] - 2 * t[1])
        assert r["pod"] == pytest.approx(1 - math.exp(-r["coverage"]))
    assert np.allclose(plan.segment_pod, -np.expm1(-plan.segment_coverage))
    text = plan.to_text()
    assert "Hasty 1" in text and "idle: Far" in text and "gap" in text


def test_identical_teams_relaxation_is_water_filling():
    """Identical divisible teams are one resource, so the relaxation bound is a Charnes-Cooper POS.

    The relaxation is taken over each team's T best segments by solo gain (T = number of teams),
    which hold an optimal whole-team plan. For identical teams those are the same T segments.
    """
    grid = default_resources()["grid-team"]
    rng = np.random.default_rng(9)
    n, k = 25, 4
    p = rng.dirichlet(np.ones(n)) * 0.9
    areas = rng.uniform(0.3e6, 1.5e6, n)
    plan = allocate(p, [Team(f"G{j}", grid) for j in range(k)], areas_m2=areas, landcover=2)
    e = grid.sweep_width("unresponsive", 2) * grid.speed_m_s * 3600 * 12.0 / areas  # one team's coverage
    top = np.argsort(-p * -np.expm1(-e))[:k]
    cc = probability_of_success(p[top], e[top], charnes_cooper(p[top], e[top], float(k)))
    assert plan.relaxation_bound >= cc * (1 - 1e-9)
    assert plan.relaxation_bound <= cc * 1.01
    assert plan.pos <= cc + 1e-12


def test_allocate_errors():
    grid = default_resources()["grid-team"]
    t = [Team("G", grid)]
    with pytest.raises(InputError):
        allocate([0.5, -0.1], t, areas_m2=1e6)
    with pytest.raises(InputError):
        allocate([0.5], t, areas_m2=0.0)
    with pytest.raises(InputError):
        allocate([0.5], [], areas_m2=1e6)
    with pytest.raises(InputError):
        allocate([0.5], [Team("G", grid), Team("G", grid)], areas_m2=1e6)
    with pytest.raises(InputError):
        allocate([0.5], t, areas_m2=1e6, method="genetic")
    with pytest.raises(InputError):
        allocate([0.5, 0.2], t, areas_m2=1e6, transit_h=[[1.0, 2.0, 3.0]])
    with pytest.raises(InputError):
        Team("G", grid, hours=-1.0)
