"""Acceptance tests of the motion engine: diffusion, barriers, Tobler, staying put, determinism."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from carpathia.errors import InputError, OutsideTerrainError

from ..conftest import need
from .conftest import LAT, LON, params, tilted


def test_random_walk_spreads_by_the_diffusion_law(flat, incident):
    # pure random walk on flat, featureless ground: each 60 s step is Tobler's flat speed × 0.6
    # in a uniform direction, so the mean squared displacement is n · L², linear in time
    times = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    sim = simulate_(incident, flat, params(random_walking=1.0), hours=3.0, times=times, n_agents=6000)
    step_m = 6.0 * math.exp(-3.5 * 0.05) / 3.6 * 0.6 * 60.0
    for t in times:
        msd = float(np.mean(sim.distances(t) ** 2))
        assert msd / (t * 60 * step_m**2) == pytest.approx(1.0, abs=0.05), t
    slope = [np.mean(sim.distances(t) ** 2) / t for t in times]
    assert max(slope) / min(slope) < 1.05


def simulate_(incident, terrain, p, *, hours, n_agents=2000, seed=3, **kw):
    from carpathia.motion import simulate

    return simulate(incident, terrain, n_agents=n_agents, hours=hours, seed=seed, params=p, **kw)


def test_agents_never_enter_impassable_cells(incident):
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=3000, resolution=50)
    h, w = t.shape
    r0, c0 = t.to_pixel(LON, LAT)
    water = np.zeros(t.shape, np.float32)
    water[:, c0 + 4 : c0 + 7] = 1.0  # a lake band east of the IPP
    water[r0 - 6 : r0 - 3, :] = 1.0  # and one north of it
    t.set_layer("water", water)
    z = np.zeros(t.shape, np.float32)
    z[r0 + 5 :, :] = 500.0  # a 500 m cliff south (slope far above 45°)
    t = Terrain(z, t.transform, t.crs, layers=dict(t.layers), meta={"name": "barriers"})
    blocked = (water > 0.5) | ~(t.slope() <= 45.0)
    sim = simulate_(
        incident,
        t,
        params(random_walking=0.5, direction_travelling=0.5),
        hours=3.0,
        n_agents=3000,
        n_tracks=400,
        times=[1, 2, 3],
    )
    pts = sim.tracks.reshape(-1, 2)
    pts = np.floor(pts[np.isfinite(pts[:, 0])]).astype(int)
    on_grid = (pts >= 0).all(axis=1) & (pts[:, 0] < w) & (pts[:, 1] < h)  # some walk off the map
    assert on_grid.sum() > 400 * 100
    assert not blocked[pts[on_grid, 1], pts[on_grid, 0]].any()
    for hr in (1, 2, 3):
        c, r, st = sim.positions(hr)
        keep = (st & 64) == 0
        assert not blocked[r[keep].astype(int), c[keep].astype(int)].any()
    assert sim.distances(3).max() > 200  # they did move


def test_speeds_on_slopes_follow_tobler(incident):
    from carpathia.travel import tobler_speed

    t = tilted(0.1)
    p = params(direction_travelling=1.0).replace(heading_noise_deg=0.0)
    sim = simulate_(incident, t, p, hours=10 / 60, n_agents=2000)
    c, r, _ = sim.positions(10 / 60)
    dx = (c - sim.ipp_cr[0]) * t.resolution
    dy = -(r - sim.ipp_cr[1]) * t.resolution
    heading = np.arctan2(dx, dy)
    speed = np.hypot(dx, dy) / 600.0
    expected = tobler_speed(0.1 * np.sin(heading)) * 0.6  # grade along the heading; off-trail 0.6
    np.testing.assert_allclose(speed, expected, rtol=1e-3)
    up = np.abs(heading - np.pi / 2) < 0.05
    assert speed[up].mean() == pytest.approx(tobler_speed(0.1) * 0.6, rel=0.01)


def test_staying_put_agents_stay(flat, incident):
    sim = simulate_(incident, flat, params(staying_put=1.0), hours=2.0, times=[1, 2])
    assert sim.distances(1).max() == 0.0 and sim.distances(2).max() == 0.0


def test_probabilities_sum_to_one_with_rest_of_world(incident):
    from carpathia.terrain import Terrain

    small = Terrain.flat((LON, LAT), radius_m=600, resolution=50)
    sim = simulate_(incident, small, params(direction_travelling=1.0), hours=1.0, n_agents=3000)
    for smooth in (0.0, 100.0, "auto"):
        pmap = sim.probability_at(1.0, smooth_m=smooth)
        assert pmap.total == pytest.approx(1.0, abs=1e-12)
        assert pmap.rest_of_world == pytest.approx(sim.outside_fraction(1.0), abs=1e-12)
    assert 0.5 < sim.outside_fraction(1.0) <= 1.0
    assert pmap.meta["seed"] == 3 and pmap.meta["model"] == "agents"


def test_histogram_onto_another_grid(flat, incident):
    from carpathia.terrain import Terrain

    sim = simulate_(incident, flat, None, hours=2.0, n_agents=2000)
    fine = Terrain.flat((LON, LAT), radius_m=2000, resolution=10, dst_crs=flat.crs)
    pmap = sim.probability_at(2.0, terrain=fine, smooth_m="auto")
    assert pmap.shape == fine.shape and pmap.total == pytest.approx(1.0)
    d = sim.distances(2.0)
    half = 2000 - 5
    _c, _r, _ = sim.positions(2.0)
    x, y = sim.xy(2.0)
    x0, y0 = flat.to_xy(LON, LAT)
    inside = (np.abs(x - x0) <= half) & (np.abs(y - y0) <= half)
    assert pmap.rest_of_world == pytest.approx(1 - inside.mean(), abs=0.01)
    assert d.size == 2000


_DIGEST = textwrap.dedent(
    """
    import hashlib, numpy as np
    from carpathia.incident import Incident
    from carpathia.motion import simulate
    from carpathia.terrain import Terrain
    t = Terrain.from_region("white-mountains")
    inc = Incident.create(ipp_lat=44.2571, ipp_lon=-71.2530, category="hiker")
    sim = simulate(inc, t, n_agents=3000, hours=6, times=[3, 6], seed=7, weather="carpathian-blizzard",
                   start="2024-01-13T15:00:00-05:00")
    h = hashlib.sha256()
    for a in (sim.col, sim.row, sim.state, sim.tracks, sim.probability_at(6).cells):
        h.update(np.ascontiguousarray(a).tobytes())
    print(h.hexdigest())
    """
)


def test_same_seed_same_result_with_1_and_2_threads():
    out = []
    for n in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": n}
        r = subprocess.run([sys.executable, "-c", _DIGEST], capture_output=True, text=True, env=env, timeout=600)
        assert r.returncode == 0, r.stderr
        out.append(r.stdout.strip())
    assert out[0] == out[1] and len(out[0]) == 64


def _digest(sim) -> str:
    h = hashlib.sha256()
    for a in (sim.col, sim.row, sim.state, sim.tracks):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def test_chunks_give_the_same_result(flat, incident):
    a = simulate_(incident, flat, None, hours=2.0, n_agents=1000, n_tracks=30, times=[1, 2])
    b = simulate_(incident, flat, None, hours=2.0, n_agents=1000, n_tracks=30, times=[1, 2], chunks=7)
    assert _digest(a) == _digest(b)
    c = simulate_(incident, flat, None, hours=2.0, n_agents=1000, n_tracks=30, times=[1, 2], seed=4)
    assert _digest(a) != _digest(c)


def test_dask_cluster_gives_the_same_map(flat, incident):
    try:
        import distributed
    except ImportError:  # the test extras install it; a developer may not have it
        need(False, "dask.distributed is not installed (pip install -e '.[test]')")
    one = simulate_(incident, flat, None, hours=2.0, n_agents=1200, n_tracks=10)
    with (
        distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as cl,
        distributed.Client(cl) as client,
    ):
        many = simulate_(incident, flat, None, hours=2.0, n_agents=1200, n_tracks=10, chunks=4, client=client)
    assert _digest(one) == _digest(many)
    np.testing.assert_array_equal(one.probability_at(2).cells, many.probability_at(2).cells)
    assert many.meta["dask"] and many.meta["chunks"] == 4


def test_darkness_from_the_computed_sun(flat, incident):
    p = params(direction_travelling=1.0).replace(heading_noise_deg=0.0)
    noon = simulate_(incident, flat, p, hours=1.0, start="2024-12-21T12:00:00-05:00")
    night = simulate_(incident, flat, p, hours=1.0, start="2024-12-21T23:00:00-05:00")
    assert noon.meta["dark_hours"] == 0.0 and night.meta["dark_hours"] == pytest.approx(1.0)
    moved = night.distances(1.0) > 0
    # Mitchell (1985): 30-40 % of lost hikers travelled at night; the model's 35 %
    assert moved.mean() == pytest.approx(0.35, abs=0.04)
    ratio = night.distances(1.0)[moved].mean() / noon.distances(1.0).mean()
    assert ratio == pytest.approx(0.64, rel=0.02)  # FM 21-18 cross-country night factor


def test_cold_incapacitates_and_mild_weather_does_not(incident):
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=3000, resolution=50)
    p = params(staying_put=1.0).replace(clothing="summer")
    cold = simulate_(incident, t, p, hours=12.0, n_agents=200, weather="carpathian-blizzard", times=[1, 12])
    assert cold.incapacitated_fraction(1) == 0.0
    assert cold.incapacitated_fraction(12) == 1.0
    mild = simulate_(incident, t, p.replace(clothing="winter"), hours=12.0, n_agents=200, weather="summer-night")
    assert mild.incapacitated_fraction(12) == 0.0


def test_river_crossings_are_hazardous(incident):
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=3000, resolution=50)
    _r0, c0 = t.to_pixel(LON, LAT)
    rw = np.zeros(t.shape, np.float32)
    rw[:, c0 + 3] = 40.0  # a 40 m river, too wide to ford, 150 m east
    t.set_layer("river_width", rw)
    t.set_layer("water", (rw > 0).astype(np.float32) * 0.8)
    p = params(direction_travelling=1.0).replace(crossing_prob=0.5, swept_prob=0.2)
    sim = simulate_(incident, t, p, hours=2.0, n_agents=4000)
    c, _, st = sim.positions(2.0)
    crossed = c > c0 + 4
    assert crossed.any()
    swept = sim.swept_fraction(2.0)
    assert swept > 0.0 and sim.incapacitated_fraction(2.0) >= swept
    # every attempt ends swept (20 %) or across; swept agents sit in the river
    swept_mask = (st & 16) > 0
    assert (c[swept_mask].astype(int) == c0 + 3).all()


def test_real_terrain_run(white_mountains):
    from carpathia.incident import Incident
    from carpathia.motion import simulate

    inc = Incident.create(ipp_lat=44.2571, ipp_lon=-71.2530, category="hiker", last_seen="2024-01-13T15:00:00-05:00")
    sim = simulate(inc, white_mountains, n_agents=3000, hours=6, times=[2, 6], seed=1, weather="carpathian-blizzard")
    s = sim.summary(6)
    assert s["distance_quantiles_m"]["50"] > 0
    assert sim.meta["dark_hours"] > 0 and sim.meta["cold_model"]
    dz = sim.elevation_change(6)
    assert np.isfinite(dz).any()
    fc = sim.tracks_geojson(5)
    assert len(fc["features"]) == 5
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0]
    assert lon == pytest.approx(-71.2530, abs=1e-3) and lat == pytest.approx(44.2571, abs=1e-3)
    pmap = sim.probability_at(2)
    assert pmap.total == pytest.approx(1.0)


def test_bad_inputs(flat, incident):
    from carpathia.incident import Incident
    from carpathia.motion import simulate

    for kw in ({"n_agents": 0}, {"hours": -1}, {"hours": 500}, {"dt_s": 0}, {"seed": -2}, {"times": [5]}):
        args = {"n_agents": 10, "hours": 1.0, **kw}
        with pytest.raises(InputError):
            simulate(incident, flat, **args)
    far = Incident.create(ipp_lat=45.5, ipp_lon=LON)
    with pytest.raises(OutsideTerrainError):
        simulate(far, flat, n_agents=10, hours=1)
    with pytest.raises(InputError):
        simulate(incident, flat, n_agents=10, hours=1, start="yesterday")
    with pytest.raises(InputError):
        simulate(incident, flat, n_agents=10, hours=1, weather="monsoon")
    lake = np.ones(flat.shape, np.float32)
    from carpathia.terrain import Terrain

    wet = Terrain(flat.elevation, flat.transform, flat.crs, layers={"water": lake})
    with pytest.raises(InputError, match="impassable"):
        simulate(incident, wet, n_agents=10, hours=1)
    sim = simulate(incident, flat, n_agents=10, hours=1)
    with pytest.raises(InputError, match="snapshot"):
        sim.probability_at(0.5)


def test_ridges_are_routes_and_route_travellers_keep_to_them(incident):
    """Hashimoto's route travelling follows ridges too: a crest line is a route, a plane is not."""
    from carpathia.motion import MotionParams, simulate
    from carpathia.motion.engine import prepare_grid, ridge_cells
    from carpathia.terrain import Terrain

    t0 = Terrain.flat((LON, LAT), radius_m=3000, resolution=50)
    h, w = t0.shape
    c0 = w // 2
    z = 1000.0 - 0.3 * np.abs(np.arange(w) - c0)[None, :].repeat(h, axis=0) * 50.0  # a N–S ridge, 30 % sides
    t = Terrain(z.astype(np.float32), t0.transform, t0.crs, meta={"name": "ridge"})
    ridge = ridge_cells(t.elevation, t.resolution)
    assert set(np.nonzero(ridge)[1]) == {c0} and ridge[:, c0].sum() == h - 2  # the crest, not the edges
    assert not ridge_cells(tilted().elevation, 50.0).any() and not ridge_cells(t0.elevation, 50.0).any()
    grid, _ = prepare_grid(t, MotionParams())
    assert (grid[1:-1, c0, 3] == 1).all()  # KIND_ROUTE
    # agents released on the crest in route-travelling mode walk along it, not down its sides
    inc = type(incident).create(
        ipp_lat=t.to_lonlat(h // 2, c0)[1], ipp_lon=t.to_lonlat(h // 2, c0)[0], category="hiker"
    )
    sim = simulate(inc, t, n_agents=400, hours=1.0, params=params(route_travelling=1.0), seed=3)
    x, y = sim.xy(1.0)
    x0, y0 = t.to_xy(*inc.ipp)
    assert np.median(np.abs(np.asarray(x) - x0)) < 60.0 < np.median(np.abs(np.asarray(y) - y0))


def test_drainage_followers_go_down_a_bumpy_valley_floor_not_round_its_pits(incident):
    """Route travelling with no route in reach follows the drainage down and keeps making progress.

    A N–S valley (20 % sides) whose floor falls 2 % southwards over humps of ±2 m every 200 m,
    the closed pits a DEM's valley floor is full of: agents must walk down the valley, not bounce
    across its axis or circle in the first pit (before the fix they stayed within 0.2 km for hours).
    """
    from carpathia.motion import simulate
    from carpathia.motion.engine import prepare_grid
    from carpathia.motion.params import MotionParams
    from carpathia.terrain import Terrain

    res = 50.0
    t0 = Terrain.flat((LON, LAT), radius_m=5000, resolution=res)
    h, w = t0.shape
    c0 = w // 2
    rows = np.arange(h, dtype=np.float64)[:, None]
    cols = np.arange(w, dtype=np.float64)[None, :]
    z = 1000.0 + 0.2 * np.abs(cols - c0) * res - 0.02 * rows * res + 2.0 * np.sin(2 * np.pi * rows / 4.0)
    t = Terrain(z.astype(np.float32), t0.transform, t0.crs, meta={"name": "bumpy valley"})
    grid, route_dir = prepare_grid(t, MotionParams())
    assert not (grid[..., 3] == 1).any() and route_dir.size == 0  # no route anywhere: drainage only
    lon, lat = t.to_lonlat(h // 4, c0 + 4)  # on the valley's east side, in its northern part
    inc = type(incident).create(ipp_lat=lat, ipp_lon=lon, category="hiker")
    sim = simulate(inc, t, n_agents=200, hours=2.0, params=params(route_travelling=1.0), seed=5, n_tracks=0)
    x, y = sim.xy(2.0)
    _, y0 = t.to_xy(lon, lat)
    south = y0 - np.asarray(y)
    assert np.median(south) > 2000.0  # 2 h down a 2 % valley: kilometres, not a pit's width
    assert np.median(np.abs(np.asarray(x) - t.to_xy(*t.to_lonlat(h // 4, c0))[0])) < 150.0  # along the axis
