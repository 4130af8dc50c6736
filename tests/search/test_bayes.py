"""Bayesian updates: unsuccessful search and clues, with a record of every update, undo and replay."""

from __future__ import annotations

import datetime as dt
import math

import numba
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from carpathia.errors import InputError, OutsideTerrainError
from carpathia.probability import ProbabilityMap
from carpathia.search import (
    MapHistory,
    cumulative_pod,
    grid_hash,
    replay,
    update_clue,
    update_unsuccessful,
)
from carpathia.terrain import Terrain

T0 = "2024-05-01T12:00:00+00:00"
FLAT = Terrain.flat((24.0, 47.9), radius_m=400, resolution=100)  # 9 × 9, built once for the property tests


@pytest.fixture(scope="module")
def flat():
    return FLAT


def _map(flat, seed=0, row=0.1):
    rng = np.random.default_rng(seed)
    return ProbabilityMap.from_weights(rng.lognormal(0, 1, flat.shape), flat, rest_of_world=row)


unit = st.floats(0, 1, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(
    w=arrays(np.float64, (9, 9), elements=st.floats(0, 1e3, allow_nan=False)),
    pod=arrays(np.float64, (9, 9), elements=unit),
    row=st.floats(0, 0.9),
)
# issue 21: POD 0.99999 everywhere left Σ = 0.99999999998890 when the update divided by
# 1 − Σ POA·POD (cancellation); dividing by the kept mass Σ POA·(1 − POD) + ROW is exact
@example(w=np.random.default_rng(0).uniform(0, 1e3, (9, 9)), pod=np.full((9, 9), 0.99999), row=0.0)  # old: 1.1e-11 off
@example(w=np.ones((9, 9)), pod=np.full((9, 9), 1 - 1e-9), row=0.0)
def test_every_update_sums_to_one_and_follows_bayes(w, pod, row):
    t = FLAT
    if w.sum() <= 0:
        w[4, 4] = 1.0
    m = ProbabilityMap.from_weights(w, t, rest_of_world=row)
    # Bayes: P(here | missed) = POA·(1 − POD) / P(missed), P(missed) = Σ POA·(1 − POD) + ROW
    kept = m.cells * (1 - pod)
    missed = math.fsum(kept.ravel()) + m.rest_of_world
    if missed < 0.5e-12:
        with pytest.raises(InputError, match="certain"):
            update_unsuccessful(m, pod)
        return
    if missed < 2e-12:
        return  # at the refusal threshold: either answer is right
    new = update_unsuccessful(m, pod, time=T0)
    assert new.total == pytest.approx(1.0, abs=1e-12)
    assert math.fsum(new.cells.ravel()) + new.rest_of_world == pytest.approx(1.0, abs=1e-13)
    assert np.allclose(new.cells, kept / missed, rtol=1e-12, atol=1e-300)
    assert new.rest_of_world == pytest.approx(row / missed, rel=1e-12)
    assert new.rest_of_world >= row  # the rest of the world was not searched: it rises
    assert (new.cells[pod == 1] == 0).all()  # POD 1 zeroes the searched cells
    unsearched = (pod == 0) & (m.cells > 0)
    assert (new.cells[unsearched] >= m.cells[unsearched]).all()  # unsearched ground rises


@settings(max_examples=50, deadline=None)
@given(w=arrays(np.float64, (9, 9), elements=st.floats(1e-3, 1e3)), row=st.floats(0, 0.9))
def test_pod_zero_changes_nothing(w, row):
    t = FLAT
    m = ProbabilityMap.from_weights(w, t, rest_of_world=row)
    new = update_unsuccessful(m, np.zeros(t.shape))
    assert np.array_equal(new.cells, m.cells)
    assert new.rest_of_world == m.rest_of_world
    assert update_unsuccessful(m, coverage=np.zeros(t.shape)).cells.tobytes() == m.cells.tobytes()


@settings(max_examples=60, deadline=None)
@given(
    pods=st.lists(arrays(np.float64, (9, 9), elements=st.floats(0, 0.95)), min_size=1, max_size=4),
    row=st.floats(0, 0.5),
)
def test_cumulative_pod_of_repeated_searches(pods, row):
    """Searching n times is one search with POD 1 − Π(1 − PODᵢ) (Bayes' rule composes)."""
    t = FLAT
    m0 = ProbabilityMap.from_weights(np.arange(1.0, 82.0).reshape(9, 9), t, rest_of_world=row)
    m = m0
    for p in pods:
        m = update_unsuccessful(m, p)
    once = update_unsuccessful(m0, cumulative_pod(pods))
    assert np.allclose(m.cells, once.cells, rtol=1e-10, atol=1e-300)
    assert m.rest_of_world == pytest.approx(once.rest_of_world, rel=1e-10)
    assert len(m.meta["updates"]) == len(pods)


def test_coverage_input_adds_up(flat):
    """Coverage from two tracks, applied one after the other or summed, gives the same map."""
    m = _map(flat)
    rng = np.random.default_rng(3)
    c1, c2 = rng.uniform(0, 2, flat.shape), rng.uniform(0, 1, flat.shape) * (rng.random(flat.shape) < 0.5)
    two = update_unsuccessful(update_unsuccessful(m, coverage=c1), coverage=c2)
    one = update_unsuccessful(m, coverage=c1 + c2)
    via_pod = update_unsuccessful(m, 1 - np.exp(-(c1 + c2)))
    assert np.allclose(two.cells, one.cells, rtol=1e-12)
    assert np.allclose(one.cells, via_pod.cells, rtol=1e-12)


def test_fast_map_matches_the_constructor(flat):
    m = _map(flat)
    pod = np.zeros(flat.shape)
    pod[2:6, 3:7] = 0.6
    new = update_unsuccessful(m, pod)
    ref = ProbabilityMap(new.cells.copy(), new.transform, new.crs, rest_of_world=new.rest_of_world, meta=new.meta)
    assert set(vars(new)) == set(vars(ref))  # the fast path sets every attribute the constructor sets
    assert np.allclose(new.cells, ref.cells, rtol=1e-14)
    assert not new.cells.flags.writeable
    assert new.crs == m.crs and new.transform == m.transform


def test_update_record(flat):
    m = _map(flat)
    pod = np.zeros(flat.shape)
    pod[0:3, 0:3] = 0.5
    pod[4, 4] = 1.0
    new = update_unsuccessful(m, pod, label="assignment 101", time=dt.datetime(2024, 5, 1, 14, 0), details={"n": 1})
    (rec,) = new.meta["updates"]
    assert rec["kind"] == "unsuccessful-search"
    assert rec["time"] == "2024-05-01T14:00:00+00:00"
    assert rec["label"] == "assignment 101" and rec["details"] == {"n": 1}
    assert rec["input_hash"] == grid_hash(m.cells, m.rest_of_world)
    assert rec["data_hash"] == grid_hash(pod)
    assert rec["mass_searched"] == pytest.approx(float((m.cells * pod).sum()))
    assert rec["pod"]["max"] == 1.0 and rec["pod"]["cells_searched"] == 10
    assert rec["rest_of_world"] == [m.rest_of_world, new.rest_of_world]
    assert "updates" not in m.meta  # the input map is unchanged
    assert update_unsuccessful(m, pod).meta["updates"][0]["time"].endswith("+00:00")  # now, in UTC


def test_bad_updates(flat):
    m = _map(flat, row=0.0)
    with pytest.raises(InputError):
        update_unsuccessful(m, np.full(flat.shape, 1.5))
    with pytest.raises(InputError):
        update_unsuccessful(m, np.full((3, 3), 0.5))
    with pytest.raises(InputError):
        update_unsuccessful(m, coverage=np.full(flat.shape, -1.0))
    with pytest.raises(InputError):
        update_unsuccessful(m, np.zeros(flat.shape), coverage=np.zeros(flat.shape))
    with pytest.raises(InputError, match="certain"):
        update_unsuccessful(m, np.ones(flat.shape))  # no rest of world: nothing is left
    nan = np.zeros(flat.shape)
    nan[0, 0] = np.nan
    with pytest.raises(InputError):
        update_unsuccessful(m, nan)


def test_clue(flat):
    m = ProbabilityMap.uniform(flat, rest_of_world=0.2)
    assert np.allclose(update_clue(m, 24.0, 47.9, sigma_m=150, weight=0).cells, m.cells)
    new = update_clue(m, 24.0, 47.9, sigma_m=150, weight=9.0, time=T0, label="glove")
    assert new.total == pytest.approx(1.0, abs=1e-12)
    centre = new.cell_of(24.0, 47.9)
    assert new.cells[centre] == new.cells.max()
    # far from the clue the likelihood is the baseline 1: the ratio centre/corner is 1 + 9·g
    x0, y0 = flat.to_xy(24.0, 47.9)
    xc, yc = new.transform * (centre[1] + 0.5, centre[0] + 0.5)
    g = np.exp(-((xc - x0) ** 2 + (yc - y0) ** 2) / (2 * 150.0**2))
    xk, yk = new.transform * (0.5, 0.5)
    gk = np.exp(-((xk - x0) ** 2 + (yk - y0) ** 2) / (2 * 150.0**2))
    assert new.cells[centre] / new.cells[0, 0] == pytest.approx((1 + 9 * g) / (1 + 9 * gk), rel=1e-12)
    assert new.rest_of_world < m.rest_of_world  # the clue is on the map: the rest of the world falls
    rec = new.meta["updates"][-1]
    assert rec["kind"] == "clue" and rec["parameters"]["weight"] == 9.0 and rec["label"] == "glove"
    with pytest.raises(OutsideTerrainError):
        update_clue(m, 25.0, 47.9, sigma_m=150, weight=1)
    with pytest.raises(InputError):
        update_clue(m, 24.0, 47.9, sigma_m=0, weight=1)
    with pytest.raises(InputError):
        update_clue(m, 24.0, 47.9, sigma_m=100, weight=-0.5)


def test_history_undo_and_replay(flat):
    m0 = _map(flat)
    rng = np.random.default_rng(8)
    pods = [rng.uniform(0, 0.8, flat.shape) * (rng.random(flat.shape) < 0.4) for _ in range(2)]
    cov = rng.uniform(0, 1.5, flat.shape)
    h = MapHistory(m0)
    h.unsuccessful(pods[0], label="101", time=T0)
    h.clue(24.0, 47.9, sigma_m=200, weight=4, time=T0)
    h.unsuccessful(coverage=cov, label="102", time=T0)
    before_last = h.current
    h.unsuccessful(pods[1], label="201", time=T0)
    assert len(h) == 4
    kinds = [r["kind"] for r in h.records]
    assert kinds == ["unsuccessful-search", "clue", "unsuccessful-search", "unsuccessful-search"]
    # rebuild from the initial map and the records: identical, bit for bit
    data = {grid_hash(g): g for g in (pods[0], cov, pods[1])}
    rebuilt = replay(m0, h.records, data)
    assert rebuilt.cells.tobytes() == h.current.cells.tobytes()
    assert rebuilt.meta["updates"] == h.records
    assert replay(m0, h.records, [pods[0], cov, pods[1]]).cells.tobytes() == h.current.cells.tobytes()
    # a replay fed the wrong grid, or the wrong start, stops
    with pytest.raises(InputError):
        replay(m0, h.records, [pods[1], cov, pods[0]])
    with pytest.raises(InputError, match="diverged"):
        replay(_map(flat, seed=1), h.records, data)
    # undo is exact
    assert h.undo() is before_last
    assert len(h) == 3
    for _ in range(3):
        h.undo()
    assert h.current is m0
    with pytest.raises(InputError, match="nothing to undo"):
        h.undo()


def test_grid_hash():
    a = np.random.default_rng(1).random((37, 53))
    b = a.copy()
    b[20, 30] = np.nextafter(b[20, 30], 2)  # one bit
    assert grid_hash(a) != grid_hash(b)
    assert grid_hash(a) != grid_hash(a.reshape(53, 37))
    assert grid_hash(a, 0.1) != grid_hash(a, 0.2)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = grid_hash(a)
    finally:
        numba.set_num_threads(before)
    assert grid_hash(a) == single  # the same whatever the thread count
    assert grid_hash(np.asfortranarray(a)) == grid_hash(a)


# ------------------------------------------------- responsive and unresponsive kept apart (issue 13 item 3)
def _passes_pod(m0, passes, q):
    """POD of several passes over a whole grid (ROW 0): 1 − Π P(missed in pass k)."""
    m, miss = m0, 1.0
    for cr, cu in passes:
        m = update_unsuccessful(
            m, coverage=cu, responsive_coverage=cr, p_responsive=q if m.responsive is None else None
        )
        miss *= 1.0 - m.meta["updates"][-1]["mass_searched"]
    return 1.0 - miss, m


def test_two_passes_published_pod(flat):
    """Issue 13: q = 0.5, C_r = 2, C_u = 0.2 per pass, two passes: POD 0.656 (per-pass mixtures gave 0.772).

    No detection after both passes: q·e^(−4) + (1 − q)·e^(−0.4) = 0.344, not (q·e^(−2) + (1 − q)·e^(−0.2))² = 0.228.
    """
    m0 = ProbabilityMap.uniform(flat)
    cr, cu = np.full(flat.shape, 2.0), np.full(flat.shape, 0.2)
    pod, m = _passes_pod(m0, [(cr, cu), (cr, cu)], 0.5)
    assert pod == pytest.approx(0.656, abs=5e-4)
    assert pod == pytest.approx(1 - (0.5 * math.exp(-4) + 0.5 * math.exp(-0.4)), rel=1e-12)
    per_pass_mixture = 1 - (0.5 * math.exp(-2) + 0.5 * math.exp(-0.2)) ** 2
    assert per_pass_mixture == pytest.approx(0.772, abs=5e-4) and abs(pod - per_pass_mixture) > 0.1
    # after two misses a responsive subject is unlikely: the posterior share falls from 0.5 to 2.7 %
    q_after = 0.5 * math.exp(-4) / (0.5 * math.exp(-4) + 0.5 * math.exp(-0.4))
    np.testing.assert_allclose(m.responsive, q_after, rtol=1e-12)
    assert m.meta["updates"][-1]["responsive_share"]["after"] == pytest.approx(q_after, rel=1e-12)
    assert m.meta["p_responsive_prior"] == 0.5


@settings(max_examples=60, deadline=None)
@given(
    covs=st.lists(
        st.tuples(
            arrays(np.float64, (9, 9), elements=st.floats(0, 5)),
            arrays(np.float64, (9, 9), elements=st.floats(0, 1)),
        ),
        min_size=2,
        max_size=4,
    ),
    q=st.floats(0, 1),
    row=st.floats(0.01, 0.5),
    clue=st.booleans(),
)
def test_repeated_two_state_debriefs_equal_one_with_the_summed_coverage(covs, q, row, clue):
    """Searching n times is one search with the summed responsive and unresponsive coverages."""
    m0 = ProbabilityMap.from_weights(np.arange(1.0, 82.0).reshape(9, 9), FLAT, rest_of_world=row)
    m = m0
    for k, (cr, cu) in enumerate(covs):
        m = update_unsuccessful(m, coverage=cu, responsive_coverage=cr, p_responsive=q if k == 0 else None)
        if clue and k == 0:  # a clue's likelihood is the same for both states: it commutes
            m = update_clue(m, *FLAT.to_lonlat(4, 4), sigma_m=150.0, weight=3.0)
    once = update_unsuccessful(
        m0, coverage=sum(c[1] for c in covs), responsive_coverage=sum(c[0] for c in covs), p_responsive=q
    )
    if clue:
        once = update_clue(once, *FLAT.to_lonlat(4, 4), sigma_m=150.0, weight=3.0)
    # to 1e-9 relative, or 1e-12 absolute in probability: where the posterior share is within ~1e-7
    # of 1, 1 − q keeps only ~9 digits, which shows in cells already searched down to ~1e-12
    np.testing.assert_allclose(m.cells, once.cells, rtol=1e-9, atol=1e-12)
    assert m.rest_of_world == pytest.approx(once.rest_of_world, rel=1e-9)
    np.testing.assert_allclose(m.responsive, once.responsive, rtol=1e-9, atol=1e-9)
    assert math.fsum(m.cells.ravel()) + m.rest_of_world == pytest.approx(1.0, abs=1e-12)


def test_two_state_limits_and_errors(flat):
    m = _map(flat)
    cr = np.random.default_rng(1).uniform(0, 3, flat.shape)
    cu = cr / 10
    only_u = update_unsuccessful(m, coverage=cu)
    np.testing.assert_allclose(
        update_unsuccessful(m, coverage=cu, responsive_coverage=cr, p_responsive=0.0).cells, only_u.cells, rtol=1e-12
    )
    only_r = update_unsuccessful(m, coverage=cr)
    np.testing.assert_allclose(
        update_unsuccessful(m, coverage=cu, responsive_coverage=cr, p_responsive=1.0).cells, only_r.cells, rtol=1e-12
    )
    # the prior comes from the model's meta when not given; unknown: unresponsive
    meta = ProbabilityMap(m.cells, m.transform, m.crs, rest_of_world=m.rest_of_world, meta={"p_responsive": 0.3})
    a = update_unsuccessful(meta, coverage=cu, responsive_coverage=cr)
    b = update_unsuccessful(m, coverage=cu, responsive_coverage=cr, p_responsive=0.3)
    np.testing.assert_array_equal(a.cells, b.cells)
    np.testing.assert_allclose(
        update_unsuccessful(m, coverage=cu, responsive_coverage=cr).cells, only_u.cells, rtol=1e-12
    )
    # a tracked share refuses another prior, keeps through a one-state update
    with pytest.raises(InputError, match="already tracks"):
        update_unsuccessful(b, coverage=cu, responsive_coverage=cr, p_responsive=0.6)
    assert update_unsuccessful(b, coverage=cu).responsive is b.responsive
    with pytest.raises(InputError):
        update_unsuccessful(m, np.zeros(flat.shape), responsive_coverage=cr)
    with pytest.raises(InputError):
        update_unsuccessful(m, coverage=cu, p_responsive=0.5)
    with pytest.raises(InputError, match="invalid"):
        update_unsuccessful(m, coverage=cu, responsive_coverage=-cr, p_responsive=0.5)


def test_two_state_history_replays(flat, tmp_path):
    m0 = _map(flat)
    rng = np.random.default_rng(5)
    grids = [(rng.uniform(0, 2, flat.shape), rng.uniform(0, 0.3, flat.shape)) for _ in range(2)]
    m = m0
    for k, (cr, cu) in enumerate(grids):
        m = update_unsuccessful(m, coverage=cu, responsive_coverage=cr, p_responsive=0.4 if k == 0 else None, time=T0)
    data = [g for cr, cu in grids for g in (cu, cr)]
    again = replay(m0, m.meta["updates"], data)
    np.testing.assert_array_equal(again.cells, m.cells)
    np.testing.assert_array_equal(again.responsive, m.responsive)
    # the share survives a float64 GeoTIFF round trip
    back = ProbabilityMap.from_geotiff(m.to_geotiff(tmp_path / "m.tif", dtype="float64"))
    np.testing.assert_array_equal(back.responsive, m.responsive)
    np.testing.assert_allclose(back.cells, m.cells, rtol=1e-15)
