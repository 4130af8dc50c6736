"""MapScore rank score, log score, containment and bootstrap on maps whose answers are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from carpathia.errors import InputError
from carpathia.probability.scoring import (
    bootstrap_ci,
    containment,
    containment_threshold,
    containment_thresholds,
    level_key,
    log_score,
    rank_score,
    score_case,
    summarise,
)

FOUR = np.array([[0.4, 0.3], [0.2, 0.1]])  # cells (0,0)=0.4, (0,1)=0.3, (1,0)=0.2, (1,1)=0.1


def _R(n: int, m: int, N: int) -> float:
    """MapScore by hand: r = (n + m/2)/N, R = (0.5 - r)/0.5."""
    return (0.5 - (n + m / 2) / N) / 0.5


# ---------------------------------------------------------------- rank score, exact by hand


@pytest.mark.parametrize("rc", [(0, 0), (3, 4), (6, 8)])
def test_uniform_map_scores_zero_anywhere(rc):
    assert rank_score(np.full((7, 9), 1 / 63), rc) == 0.0  # n = 0, m = N


def test_single_maximum_at_find_on_3x3():
    p = np.ones((3, 3))
    p[1, 1] = 2.0
    # find at the maximum: n = 0, m = 1 (the find cell itself), N = 9 -> r = 1/18, R = 8/9
    assert rank_score(p, (1, 1)) == pytest.approx(8 / 9, abs=1e-15)
    # find in the flat part: n = 1, m = 8 -> r = 5/9, R = -1/9
    assert rank_score(p, (0, 2)) == pytest.approx(-1 / 9, abs=1e-15)


def test_distinct_values_on_10x10():
    p = np.arange(100, dtype=float).reshape(10, 10)
    # value 90 at (9, 0): 9 cells above, m = 1 -> r = 9.5/100 -> R = 0.81
    assert rank_score(p, (9, 0)) == pytest.approx(0.81, abs=1e-15)
    assert rank_score(p, (9, 9)) == pytest.approx(_R(0, 1, 100), abs=1e-15)  # 1 - 1/N
    assert rank_score(p, (0, 0)) == pytest.approx(_R(99, 1, 100), abs=1e-15)  # -1 + 1/N


def test_ties_count_half_and_include_the_find_cell():
    p = np.array([[3.0, 2.0, 2.0, 2.0, 1.0]])
    # find in a 2: n = 1, m = 3 with the find cell -> r = (1 + 1.5)/5 = 0.5 -> R = 0
    # (were the find cell left out of m, r = 0.4 and R = 0.2)
    for c in (1, 2, 3):
        assert rank_score(p, (0, c)) == pytest.approx(0.0, abs=1e-15)
    assert rank_score(p, (0, 0)) == pytest.approx(0.8)  # n = 0, m = 1 -> r = 0.1
    assert rank_score(p, (0, 4)) == pytest.approx(-0.8)  # n = 4, m = 1 -> r = 0.9


def test_peak_at_find_scores_close_to_one():
    y, x = np.mgrid[-50:51, -50:51]
    p = np.exp(-(x**2 + y**2) / 200.0)
    assert rank_score(p, (50, 50)) == pytest.approx(1 - 1 / p.size)
    assert rank_score(p, (50, 50)) > 0.9999


def test_256_grey_levels():
    once = np.arange(256, dtype=np.uint8).reshape(16, 16)
    for v in (0, 17, 128, 255):
        rc = divmod(v, 16)
        assert rank_score(once, rc) == pytest.approx(_R(255 - v, 1, 256), abs=1e-15)
    four = np.repeat(np.arange(256, dtype=np.uint8), 4).reshape(32, 32)  # each level in 4 cells
    for v in (0, 100, 255):
        rc = divmod(4 * v, 32)
        assert rank_score(four, rc) == pytest.approx(_R(4 * (255 - v), 4, 1024), abs=1e-15)
    # the same order as floats scores the same
    assert rank_score(four.astype(float) / four.sum(), (10, 3)) == rank_score(four, (10, 3))


def test_find_outside_the_grid():
    p = np.full((3, 3), 1 / 9)
    assert rank_score(p, None) == pytest.approx(-0.9)  # map sums to 1: ROW 0 -> MapScore's 5 %
    assert rank_score(p, None, rest_of_world=0.0) == pytest.approx(-0.9)
    assert rank_score(p * 0.8, None, rest_of_world=0.2) == pytest.approx(-0.6)  # r = 1 - 0.2
    assert rank_score(p * 0.9, None) == pytest.approx(-0.8)  # ROW inferred as 1 - sum = 0.1
    assert rank_score(np.full((3, 3), 200, np.uint8), None) == pytest.approx(-0.9)  # image: sum > 1
    assert rank_score(p, None, rest_of_world=1.0) == pytest.approx(1.0)
    for off in [(-1, -1), (3, 0), (0, 3)]:  # an index off the array is a find outside
        assert rank_score(p, off) == pytest.approx(-0.9)


@pytest.mark.parametrize(
    ("p", "rc", "kw"),
    [
        (np.ones(5), (0, 0), {}),
        (np.array([[1.0, np.nan]]), (0, 0), {}),
        (np.array([[1.0, -0.1]]), (0, 0), {}),
        (np.ones((2, 2)), (0.5, 1), {}),
        (np.ones((2, 2)), None, {"rest_of_world": 1.5}),
    ],
)
def test_rank_score_refuses_bad_input(p, rc, kw):
    with pytest.raises(InputError):
        rank_score(p, rc, **kw)


# ---------------------------------------------------------------- log score


def test_log_score_uniform_is_zero_and_twice_as_dense_is_ln2():
    assert log_score(np.full((4, 5), 0.05), (2, 3)) == pytest.approx(0.0, abs=1e-12)
    p = np.array([[2.0, 1.0], [1.0, 0.0]])  # normalised: 0.5 at (0, 0), uniform would give 1/4
    assert log_score(p, (0, 0)) == pytest.approx(math.log(2))
    assert log_score(p / 4, (0, 0)) == pytest.approx(math.log(2))  # scale does not matter
    assert log_score(p, (0, 1)) == pytest.approx(0.0, abs=1e-12)


def test_log_score_rest_of_world():
    u = np.full((10, 10), 0.01)
    # half the probability outside: the grid is rescaled to 0.5, so 0.005 per cell against 0.01
    assert log_score(u, (4, 4), rest_of_world=0.5) == pytest.approx(math.log(0.5))
    assert log_score(u, None, rest_of_world=0.05) == pytest.approx(0.0, abs=1e-12)  # as the reference
    assert log_score(u, None, rest_of_world=0.1) == pytest.approx(math.log(2))
    assert log_score(u, None, rest_of_world=0.1, outside_reference=0.2) == pytest.approx(math.log(0.5))
    # no rest of world, find outside: floored, finite
    assert log_score(u, None) == pytest.approx(math.log(1e-6))
    assert log_score(u, None, floor=1e-3) == pytest.approx(math.log(1e-3))
    z = np.array([[1.0, 0.0]])
    assert log_score(z, (0, 1)) == pytest.approx(math.log(1e-6))  # zero at the find
    with pytest.raises(InputError):
        log_score(np.zeros((2, 2)), (0, 0))  # no mass in the grid, none outside either


# ---------------------------------------------------------------- containment


def test_containment_on_four_cells():
    assert containment(FOUR, (0, 1)) == {0.25: False, 0.5: True, 0.75: True, 0.95: True}  # the 0.3 cell
    assert containment(FOUR, (0, 0)) == dict.fromkeys((0.25, 0.5, 0.75, 0.95), True)
    assert containment(FOUR, (1, 0)) == {0.25: False, 0.5: False, 0.75: True, 0.95: True}
    assert containment(FOUR, (1, 1)) == {0.25: False, 0.5: False, 0.75: False, 0.95: True}
    assert containment(FOUR, None) == dict.fromkeys((0.25, 0.5, 0.75, 0.95), False)


def test_containment_smallest_set_and_ties():
    p = np.array([[0.5, 0.25, 0.25]])
    assert containment(p, (0, 1), [0.5, 0.51]) == {0.5: False, 0.51: True}  # 0.5 is reached by the top cell
    t = np.array([[0.3, 0.3, 0.2, 0.2]])
    assert containment(t, (0, 1), [0.25]) == {0.25: True}  # tied with the first cell: both in
    assert containment(t, (0, 3), [0.5, 0.75]) == {0.5: False, 0.75: True}


def test_containment_with_rest_of_world():
    # the grid holds 0.5: cells 0.2, 0.15, 0.1, 0.05
    got = containment(FOUR, (0, 1), rest_of_world=0.5)
    assert got == {0.25: True, 0.5: True, 0.75: True, 0.95: True}  # 0.5 and up cannot be reached in the grid
    assert containment(FOUR, (1, 0), [0.25], rest_of_world=0.5) == {0.25: False}  # 0.2 + 0.15 >= 0.25


def test_containment_thresholds():
    assert containment_thresholds(FOUR) == {0.25: 0.4, 0.5: 0.3, 0.75: 0.2, 0.95: 0.1}
    assert containment_thresholds(FOUR, [0.25, 0.5], rest_of_world=0.5) == {0.25: 0.3, 0.5: 0.1}
    assert containment_threshold(FOUR, 0.7) == 0.3  # 0.4 + 0.3 reaches 0.7 exactly
    rng = np.random.default_rng(3)
    p = rng.gamma(0.5, size=(300, 400))
    for level, t in containment_thresholds(p).items():
        s = np.sort(p, axis=None)[::-1]
        k = np.searchsorted(np.cumsum(s) / s.sum(), level)
        assert t == s[k]
        assert p[p >= t].sum() / p.sum() >= level > p[p > t].sum() / p.sum()


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_ci():
    rng = np.random.default_rng(1)
    small, large = rng.normal(0.5, 0.3, 20), rng.normal(0.5, 0.3, 2000)
    lo, hi = bootstrap_ci(small)
    assert lo < small.mean() < hi
    assert bootstrap_ci(small) == (lo, hi)  # same seed, same interval
    assert bootstrap_ci(small, seed=1) != (lo, hi)
    lo2, hi2 = bootstrap_ci(large, n_boot=4000)
    assert lo2 < large.mean() < hi2
    assert hi2 - lo2 < (hi - lo) / 4
    half = 1.96 * large.std(ddof=1) / math.sqrt(large.size)  # normal approximation
    assert (hi2 - lo2) / 2 == pytest.approx(half, rel=0.1)
    assert bootstrap_ci([0.3, 0.3, 0.3]) == (pytest.approx(0.3), pytest.approx(0.3))
    assert all(math.isnan(v) for v in bootstrap_ci([]))
    with pytest.raises(InputError):
        bootstrap_ci([0.1, math.nan])


def test_bootstrap_leaves_global_random_state_alone():
    np.random.seed(7)
    expected = np.random.random()
    np.random.seed(7)
    bootstrap_ci([1.0, 2.0, 4.0], n_boot=100)
    assert np.random.random() == expected


# ---------------------------------------------------------------- per case and summary


def test_score_case_and_summarise():
    u = np.full((3, 3), 1 / 9)
    peaked = np.ones((3, 3))
    peaked[1, 1] = 2
    cases = [score_case(u, (0, 0)), score_case(peaked, (1, 1)), score_case(u, None)]
    assert cases[2]["outside"] and cases[2]["log_floored"] and not cases[0]["log_floored"]
    s = summarise(cases, n_boot=500)
    assert s["n"] == 3 and s["outside"] == 1 and s["log_floored"] == 1
    assert s["mean_score"] == pytest.approx((0 + 8 / 9 - 0.9) / 3)
    assert s["ci_low"] <= s["mean_score"] <= s["ci_high"]
    assert s["mean_log_score"] == pytest.approx((0 + math.log(18 / 10) + math.log(1e-6)) / 3)
    assert s["log_ci_low"] <= s["mean_log_score"] <= s["log_ci_high"]
    assert s["containment"] == {"25": 2 / 3, "50": 2 / 3, "75": 2 / 3, "95": 2 / 3}  # ties at the top count in
    empty = summarise([])
    assert empty["n"] == 0 and empty["mean_score"] is None and empty["containment"]["95"] is None
    assert level_key(0.975) == "97.5"
    # the same cases as an evaluator may write them: "inside", percentage keys, no log_floored
    other = [
        {k: v for k, v in c.items() if k not in ("outside", "log_floored")}
        | {"inside": not c["outside"], "containment": {level_key(lv): b for lv, b in c["containment"].items()}}
        for c in cases
    ]
    assert summarise(other, n_boot=500) == s
    odd = dict(cases[0], containment={0.5: True})
    with pytest.raises(InputError):
        summarise([cases[0], odd])
    with pytest.raises(InputError):
        summarise([{"score": 0.1}])


# ---------------------------------------------------------------- properties

small_maps = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=8), elements=st.integers(0, 50))


@settings(max_examples=200, deadline=None)
@given(p=small_maps, data=st.data())
def test_rank_score_bounded_scale_invariant_and_max_cell_best(p, data):
    rc = (data.draw(st.integers(0, p.shape[0] - 1)), data.draw(st.integers(0, p.shape[1] - 1)))
    c = data.draw(st.floats(1e-3, 1e3))
    r = rank_score(p, rc)
    assert -1.0 <= r <= 1.0
    assert rank_score(p * c, rc) == r
    best = np.unravel_index(np.argmax(p), p.shape)
    assert rank_score(p, best) >= r


@settings(max_examples=200, deadline=None)
@given(p=small_maps, data=st.data())
def test_containment_agrees_with_thresholds(p, data):
    if p.sum() == 0:
        p[0, 0] = 1.0
    rc = (data.draw(st.integers(0, p.shape[0] - 1)), data.draw(st.integers(0, p.shape[1] - 1)))
    levels = (0.1, 0.25, 0.5, 0.75, 0.95, 1.0)
    inside = containment(p, rc, levels)
    for level, t in containment_thresholds(p, levels).items():
        assert inside[level] == (p[rc] >= t)
