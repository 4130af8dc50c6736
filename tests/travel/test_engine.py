"""Travel-time engine: exact stencil metrics, scikit-image's MCP_Geometric, barriers, paths, errors."""

from __future__ import annotations

import itertools
import math
from importlib.util import find_spec

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from carpathia.errors import InputError, OutsideTerrainError
from carpathia.travel import (
    least_cost_path,
    least_cost_path_terrain,
    tobler_speed,
    travel_time,
    travel_time_terrain,
)
from tests.conftest import need

SQ2 = math.sqrt(2.0)
SQ5 = math.sqrt(5.0)


def _offsets(shape, src):
    rr, cc = np.indices(shape)
    return np.abs(rr - src[0]), np.abs(cc - src[1])


def _mcp(costs, starts, cellsize, fully_connected):
    need(find_spec("skimage") is not None, "scikit-image (a test extra) is not installed")
    from skimage.graph import MCP_Geometric

    return MCP_Geometric(costs, fully_connected=fully_connected, sampling=(cellsize, cellsize)).find_costs(starts)[0]


def _costs(speed):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(speed > 0, 1.0 / speed.astype(np.float64), np.inf)


# ---------------------------------------------------------------------- discretisation on a uniform grid
def test_uniform_8_neighbours_is_the_octile_distance_within_8_24_percent_of_euclid():
    shape, src, cs, v = (61, 81), (30, 40), 10.0, 1.5
    t = travel_time(np.full(shape, v), [src], cs)
    dr, dc = _offsets(shape, src)
    octile = np.maximum(dr, dc) + (SQ2 - 1.0) * np.minimum(dr, dc)
    np.testing.assert_allclose(t, octile * cs / v, rtol=1e-12)
    euclid = np.hypot(dr, dc) * cs / v
    ratio = t[euclid > 0] / euclid[euclid > 0]
    bound = 1.0 / math.cos(math.pi / 8)  # worst case half-way between a rook and a diagonal move
    assert bound == pytest.approx(1.0824, abs=1e-4)
    assert ratio.min() >= 1.0 - 1e-12  # never faster than the straight line
    assert ratio.max() <= bound + 1e-12
    assert ratio.max() > 1.08  # and the bound is attained, near 22.5°


def test_uniform_16_neighbours_is_the_chamfer_distance_within_2_75_percent_of_euclid():
    shape, src, cs, v = (61, 81), (30, 40), 10.0, 1.5
    t = travel_time(np.full(shape, v), [src], cs, neighbours=16)
    dr, dc = _offsets(shape, src)
    a, b = np.maximum(dr, dc), np.minimum(dr, dc)
    # between the rook (1, 0) and knight (2, 1) directions: (a - 2b) rook moves and b knight moves;
    # between the knight and the diagonal (1, 1): (a - b) knight moves and (2b - a) diagonal ones
    chamfer = np.where(2 * b <= a, (a - 2 * b) + b * SQ5, (a - b) * SQ5 + (2 * b - a) * SQ2)
    np.testing.assert_allclose(t, chamfer * cs / v, rtol=1e-12)
    euclid = np.hypot(dr, dc) * cs / v
    ratio = t[euclid > 0] / euclid[euclid > 0]
    bound = 1.0 / math.cos(math.atan(0.5) / 2)  # widest gap between stencil directions: 26.57°
    assert bound == pytest.approx(1.0275, abs=1e-4)
    assert ratio.min() >= 1.0 - 1e-12
    assert ratio.max() <= bound + 1e-12
    assert ratio.max() > 1.025


def test_uniform_4_neighbours_is_the_manhattan_distance():
    shape, src, cs, v = (21, 31), (3, 4), 2.5, 0.8
    t = travel_time(np.full(shape, v), [src], cs, neighbours=4)
    dr, dc = _offsets(shape, src)
    np.testing.assert_allclose(t, (dr + dc) * cs / v, rtol=1e-12)


# ---------------------------------------------------------------------- scikit-image's MCP_Geometric
_speeds = st.one_of(st.just(0.0), st.floats(0.05, 20.0), st.floats(0.05, 20.0))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    speed=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=14), elements=_speeds),
    cellsize=st.floats(0.5, 100.0),
    neighbours=st.sampled_from([4, 8]),
    data=st.data(),
)
def test_equals_scikit_image_mcp_geometric(speed, cellsize, neighbours, data):
    passable = np.argwhere(speed > 0)
    assume(len(passable) > 0)
    idx = data.draw(st.lists(st.integers(0, len(passable) - 1), min_size=1, max_size=3))
    starts = [tuple(int(v) for v in passable[i]) for i in idx]
    ours = travel_time(speed, starts, cellsize, neighbours=neighbours)
    ref = _mcp(_costs(speed), starts, cellsize, fully_connected=neighbours == 8)
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=0)


@pytest.mark.parametrize("neighbours", [4, 8])
def test_equals_scikit_image_on_a_larger_float32_grid_with_nan_barriers(neighbours):
    rng = np.random.default_rng(3)
    speed = rng.lognormal(0.0, 0.6, (150, 220)).astype(np.float32)
    speed[rng.random(speed.shape) < 0.25] = np.nan
    speed[rng.random(speed.shape) < 0.05] = 0.0
    starts = [(75, 110), (5, 7), (140, 200)]
    for r, c in starts:
        speed[r, c] = 1.0
    ours = travel_time(speed, starts, 12.5, neighbours=neighbours)
    ref = _mcp(_costs(speed), starts, 12.5, fully_connected=neighbours == 8)
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(ours[fin], ref[fin], rtol=1e-6)
    assert ours.dtype == np.float64 and ours.shape == speed.shape


# ---------------------------------------------------------------------- barriers and paths
def _barrier(gap: bool) -> np.ndarray:
    speed = np.ones((21, 15))
    speed[10, :] = 0.0
    if gap:
        speed[10, 4] = 1.0
    return speed


@pytest.mark.parametrize("neighbours", [4, 8, 16])
def test_a_gap_in_a_barrier_carries_the_path(neighbours):
    speed = _barrier(gap=True)
    t = travel_time(speed, [(2, 12)], 5.0, neighbours=neighbours)
    path = least_cost_path(t, speed, 5.0, (18, 13), neighbours=neighbours)
    cells = {tuple(p) for p in path}
    assert (10, 4) in cells
    assert tuple(path[0]) == (2, 12) and tuple(path[-1]) == (18, 13)
    assert all(speed[r, c] > 0 for r, c in cells)


@pytest.mark.parametrize("neighbours", [4, 8, 16])
def test_a_complete_barrier_is_never_crossed(neighbours):
    speed = _barrier(gap=False)
    t = travel_time(speed, [(2, 12)], 5.0, neighbours=neighbours)
    assert np.all(np.isfinite(t[:10]))
    assert np.all(np.isinf(t[10:]))
    with pytest.raises(InputError, match="unreachable"):
        least_cost_path(t, speed, 5.0, (18, 13), neighbours=neighbours)


def test_a_knight_move_needs_both_crossed_cells_passable():
    cs, speed = 1.0, np.ones((2, 3))
    open_t = travel_time(speed, [(0, 0)], cs, neighbours=16)
    assert open_t[1, 2] == pytest.approx(SQ5)  # one knight move
    speed[0, 1] = 0.0  # block the orthogonal cell the move (1, 2) crosses
    t16 = travel_time(speed, [(0, 0)], cs, neighbours=16)
    t8 = travel_time(speed, [(0, 0)], cs, neighbours=8)
    assert t16[1, 2] == pytest.approx(SQ2 + 1.0) == t8[1, 2]


def _step_cost(speed, cs, a, b):
    length = cs * math.hypot(b[0] - a[0], b[1] - a[1])
    return 0.5 * length * (1.0 / speed[a] + 1.0 / speed[b])


@pytest.mark.parametrize("neighbours", [4, 8, 16])
def test_least_cost_path_steps_add_up_to_the_travel_time(neighbours):
    rng = np.random.default_rng(11)
    speed = rng.uniform(0.3, 2.0, (60, 70))
    speed[rng.random(speed.shape) < 0.2] = 0.0
    sources = [(30, 35), (5, 60)]
    for s in sources:
        speed[s] = 1.0
    t = travel_time(speed, sources, 20.0, neighbours=neighbours)
    reach = np.argwhere(np.isfinite(t))
    for target in map(tuple, reach[rng.choice(len(reach), 10, replace=False)]):
        path = least_cost_path(t, speed, 20.0, target, neighbours=neighbours)
        assert tuple(path[0]) in sources and tuple(path[-1]) == target
        steps = np.diff(path, axis=0)
        moves = np.sort(np.abs(steps), axis=1)
        allowed = {(0, 1), (1, 1), (1, 2)} if neighbours == 16 else ({(0, 1), (1, 1)} if neighbours == 8 else {(0, 1)})
        assert {tuple(m) for m in moves} <= allowed
        total = sum(_step_cost(speed, 20.0, tuple(a), tuple(b)) for a, b in itertools.pairwise(path))
        assert total == pytest.approx(t[target], rel=1e-9, abs=1e-9)
        assert np.all(np.diff(t[path[:, 0], path[:, 1]]) > 0)


def test_multi_source_is_the_minimum_of_single_source_fields():
    rng = np.random.default_rng(5)
    speed = rng.uniform(0.2, 3.0, (40, 50))
    speed[rng.random(speed.shape) < 0.3] = 0.0
    sources = [(3, 4), (20, 25), (38, 47)]
    for s in sources:
        speed[s] = 1.0
    for k in (4, 8, 16):
        multi = travel_time(speed, np.array(sources), 7.0, neighbours=k)
        single = np.min([travel_time(speed, [s], 7.0, neighbours=k) for s in sources], axis=0)
        np.testing.assert_array_equal(np.isinf(multi), np.isinf(single))
        np.testing.assert_allclose(multi, single, rtol=1e-12)


def test_more_neighbours_are_never_slower():
    rng = np.random.default_rng(9)
    speed = rng.uniform(0.2, 3.0, (50, 60))
    speed[rng.random(speed.shape) < 0.25] = 0.0
    speed[25, 30] = 1.0
    t4, t8, t16 = (travel_time(speed, [(25, 30)], 3.0, neighbours=k) for k in (4, 8, 16))
    assert np.all(t8 <= t4 * (1 + 1e-12))
    assert np.all(t16 <= t8 * (1 + 1e-12))
    assert np.any(t16 < t8) and np.any(t8 < t4)


def test_max_time_stops_early_and_keeps_the_times_within_it():
    rng = np.random.default_rng(2)
    speed = rng.uniform(0.5, 2.0, (80, 90))
    full = travel_time(speed, [(40, 45)], 10.0)
    limit = float(np.median(full))
    part = travel_time(speed, [(40, 45)], 10.0, max_time=limit)
    inside = full <= limit
    np.testing.assert_array_equal(part[inside], full[inside])
    assert np.all(np.isinf(part[~inside]))
    # the last cell popped lies beyond the limit: it must not keep its time either
    line = travel_time(np.ones((1, 3)), [(0, 0)], 1.0, max_time=1.5)
    assert line.tolist() == [[0.0, 1.0, math.inf]]
    z = np.zeros((1, 3), np.float32)
    assert np.isinf(travel_time_terrain(z, 1.0, [(0, 0)], max_time=1.0)[0, 2])  # 1.43 s


def test_source_forms_are_accepted():
    speed = np.ones((5, 6), np.float32)
    a = travel_time(speed, [(1, 2)], 1.0)
    for src in [(1, 2), np.array([[1, 2]]), [[1.0, 2.0]], np.array([1, 2], np.int16)]:
        np.testing.assert_array_equal(travel_time(speed, src, 1.0), a)
    assert a[1, 2] == 0.0


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("sources", "error", "match"),
    [
        ([(-1, 0)], OutsideTerrainError, "outside"),
        ([(0, 6)], OutsideTerrainError, "outside"),
        ([(1, 1), (5, 0)], OutsideTerrainError, r"\(5, 0\)"),
        ([(2, 3)], InputError, "impassable"),
        ([], InputError, "no sources"),
        ([(1, 1, 1)], InputError, "pairs"),
        ([(1.5, 2)], InputError, "integer"),
        ([[1, 2], [3]], InputError, "pairs"),
        ("ab", InputError, "pairs"),
    ],
)
def test_bad_sources(sources, error, match):
    speed = np.ones((5, 6))
    speed[2, 3] = 0.0
    with pytest.raises(error, match=match):
        travel_time(speed, sources, 10.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"speed": np.ones(5)}, "2-D"),
        ({"speed": np.ones((0, 4))}, "2-D"),
        ({"speed": -np.ones((5, 6))}, "negative"),
        ({"speed": np.full((5, 6), np.inf)}, "infinite"),
        ({"speed": np.full((5, 6), "a")}, "real numbers"),
        ({"cellsize": 0.0}, "positive"),
        ({"cellsize": -5.0}, "positive"),
        ({"cellsize": float("nan")}, "positive"),
        ({"cellsize": "ten"}, "number"),
        ({"neighbours": 6}, "4, 8 or 16"),
        ({"neighbours": True}, "4, 8 or 16"),
        ({"max_time": -1.0}, ">= 0"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"speed": np.ones((5, 6)), "sources": [(1, 1)], "cellsize": 10.0} | kwargs
    with pytest.raises(InputError, match=match):
        travel_time(**args)


def test_errors_are_also_value_errors():
    with pytest.raises(ValueError):
        travel_time(np.ones((3, 3)), [(9, 9)], 1.0)


def test_least_cost_path_validation():
    speed = np.ones((5, 6))
    t = travel_time(speed, [(0, 0)], 1.0)
    with pytest.raises(OutsideTerrainError):
        least_cost_path(t, speed, 1.0, (5, 0))
    with pytest.raises(InputError, match="shape"):
        least_cost_path(t[:4], speed, 1.0, (1, 1))
    with pytest.raises(InputError, match="does not match"):
        least_cost_path(t * 0 + 5.0, speed, 1.0, (3, 3))  # no source (time 0) to reach
    assert least_cost_path(t, speed, 1.0, (0, 0)).tolist() == [[0, 0]]


# ---------------------------------------------------------------------- travel over terrain (Tobler)
def test_terrain_on_flat_ground_is_the_isotropic_engine_at_tobler_flat_speed():
    rng = np.random.default_rng(4)
    f = rng.uniform(0.3, 1.0, (40, 45)).astype(np.float32)
    f[rng.random(f.shape) < 0.2] = 0.0
    f[20, 22] = 1.0
    z = np.full(f.shape, 250.0, np.float32)
    for k in (4, 8, 16):
        ours = travel_time_terrain(z, 30.0, [(20, 22)], speed_factor=f, neighbours=k)
        iso = travel_time(tobler_speed(0.0) * f.astype(np.float64), [(20, 22)], 30.0, neighbours=k)
        np.testing.assert_array_equal(np.isinf(ours), np.isinf(iso))
        np.testing.assert_allclose(ours, iso, rtol=1e-12)


def test_terrain_uphill_and_downhill_follow_tobler_on_a_plane():
    cs, s, n = 25.0, 0.1, 30
    z = np.tile(s * cs * np.arange(n, dtype=np.float32), (9, 1))  # rises 10 % to the east (exact in float32)
    up = travel_time_terrain(z, cs, [(4, 0)])
    down = travel_time_terrain(z, cs, [(4, n - 1)])
    k = np.arange(n)
    np.testing.assert_allclose(up[4], k * cs / tobler_speed(s), rtol=1e-12)
    np.testing.assert_allclose(down[4, ::-1], k * cs / tobler_speed(-s), rtol=1e-12)
    assert up[4, -1] > 1.4 * down[4, 0]  # 5.04 km/h down a 10 % slope, 3.55 up


def test_terrain_steps_steeper_than_max_slope_are_impassable():
    cs = 10.0
    z = np.tile(1.2 * cs * np.arange(6, dtype=np.float32), (5, 1))  # 50° to the east
    t = travel_time_terrain(z, cs, [(2, 0)], neighbours=4)
    assert np.all(np.isfinite(t[:, 0])) and np.all(np.isinf(t[:, 1:]))
    t60 = travel_time_terrain(z, cs, [(2, 0)], neighbours=4, max_slope_deg=60.0)
    assert np.all(np.isfinite(t60))


def test_terrain_nan_elevation_and_zero_factor_are_barriers():
    z = np.zeros((9, 9), np.float32)
    z[4, :] = np.nan
    t = travel_time_terrain(z, 10.0, [(1, 1)], neighbours=16)
    assert np.all(np.isinf(t[4:])) and np.all(np.isfinite(t[:4]))
    f = np.ones((9, 9), np.float32)
    f[:, 4] = 0.0
    t = travel_time_terrain(np.zeros((9, 9), np.float32), 10.0, [(1, 1)], speed_factor=f)
    assert np.all(np.isinf(t[:, 4:])) and np.all(np.isfinite(t[:, :4]))


def test_terrain_off_trail_factor_applies_where_trails_is_false():
    z = np.zeros((15, 15), np.float32)
    trails = np.zeros(z.shape, bool)
    off = travel_time_terrain(z, 10.0, [(7, 7)], trails=trails)
    on = travel_time_terrain(z, 10.0, [(7, 7)], trails=~trails)
    np.testing.assert_allclose(off, on / 0.6, rtol=1e-12)


def _rough(seed=1, shape=(40, 50)):
    rng = np.random.default_rng(seed)
    return np.cumsum(np.cumsum(rng.normal(0, 1.5, shape), axis=0), axis=1).astype(np.float32)


def test_terrain_to_sources_is_the_reverse_walk():
    z, cs = _rough(), 30.0
    b = (35, 40)
    to_b = travel_time_terrain(z, cs, [b], to_sources=True)
    for a in [(2, 3), (20, 10), (39, 49)]:
        from_a = travel_time_terrain(z, cs, [a])
        assert to_b[a] == pytest.approx(from_a[b], rel=1e-12)
    assert not np.allclose(to_b, travel_time_terrain(z, cs, [b]))  # slopes make it directional


def _tobler_step(z, f, cs, a, b):
    length = cs * math.hypot(b[0] - a[0], b[1] - a[1])
    slope = (float(z[b]) - float(z[a])) / length
    return length / tobler_speed(slope) * 0.5 * (1.0 / float(f[a]) + 1.0 / float(f[b]))


@pytest.mark.parametrize("to_sources", [False, True])
@pytest.mark.parametrize("neighbours", [8, 16])
def test_terrain_path_steps_add_up_to_the_travel_time(to_sources, neighbours):
    z, cs = _rough(7), 20.0
    f = np.random.default_rng(7).uniform(0.4, 1.0, z.shape).astype(np.float32)
    src = (20, 25)
    t = travel_time_terrain(z, cs, [src], speed_factor=f, neighbours=neighbours, to_sources=to_sources)
    for target in [(0, 0), (39, 49), (5, 44)]:
        path = least_cost_path_terrain(t, z, cs, target, speed_factor=f, neighbours=neighbours, to_sources=to_sources)
        walk = [tuple(p) for p in path]
        assert walk[0] == (target if to_sources else src) and walk[-1] == (src if to_sources else target)
        total = sum(_tobler_step(z, f, cs, a, b) for a, b in itertools.pairwise(walk))
        assert total == pytest.approx(t[target], rel=1e-9)


def test_terrain_validation():
    z = np.zeros((5, 5), np.float32)
    with pytest.raises(InputError, match="impassable"):
        travel_time_terrain(np.where(np.eye(5, dtype=bool), np.nan, z), 10.0, [(2, 2)])
    with pytest.raises(InputError, match="shape"):
        travel_time_terrain(z, 10.0, [(2, 2)], speed_factor=np.ones((4, 5)))
    with pytest.raises(InputError, match=">= 0"):
        travel_time_terrain(z, 10.0, [(2, 2)], speed_factor=-np.ones((5, 5)))
    with pytest.raises(InputError, match="max_slope_deg"):
        travel_time_terrain(z, 10.0, [(2, 2)], max_slope_deg=0)
    with pytest.raises(InputError, match="infinite"):
        travel_time_terrain(np.full((5, 5), np.inf), 10.0, [(2, 2)])
    with pytest.raises(OutsideTerrainError):
        travel_time_terrain(z, 10.0, [(7, 2)])
