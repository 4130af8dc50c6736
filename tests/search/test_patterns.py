"""Search patterns: parallel sweeps inside segments, GPX routes valid against the GPX 1.1 schema."""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest
import shapely
from affine import Affine

from carpathia.errors import InputError
from carpathia.io.gpx import write_gpx
from carpathia.probability import ProbabilityMap
from carpathia.search import (
    auto_segments,
    plan_period,
    plan_routes,
    route_bearing,
    sweep_route,
    teams_from_counts,
    track_coverage,
    track_from_route,
)
from carpathia.terrain import Terrain
from tests.conftest import SHARED, need

SQUARE = shapely.box(500000.0, 5000000.0, 501000.0, 5001000.0)


def test_square_sweep_lanes_length_and_spacing():
    line = sweep_route(SQUARE, 100.0, bearing_deg=0.0)  # lanes run north-south
    xy = np.asarray(line.coords)
    xs = np.unique(np.round(xy[:, 0], 6))
    np.testing.assert_allclose(np.diff(xs), 100.0)
    assert xs[0] == pytest.approx(500050.0) and xs.size == 10
    assert line.length == pytest.approx(10 * 1000 + 9 * 100)  # 10 lanes and 9 joins
    assert SQUARE.buffer(1e-6).contains(line)


def test_sweep_covers_the_segment_once():
    """A route at spacing W swept with width W gives coverage 1 over the segment (C = W/S)."""
    tr = Affine(10.0, 0, 499800.0, 0, -10.0, 5001200.0)
    terrain = Terrain(np.zeros((140, 140), np.float32), tr, "EPSG:32634")
    line = sweep_route(SQUARE, 50.0, bearing_deg=90.0)
    lon, lat = terrain.to_lonlat_xy(*np.asarray(line.coords).T)
    track = track_from_route(list(zip(lon, lat, strict=True)), speed_m_s=1.0, step_m=25.0)
    cov = track_coverage(track, terrain, width_m=50.0).coverage()
    inside = np.zeros(cov.shape, bool)
    inside[20:120, 20:120] = True
    assert cov[inside].mean() == pytest.approx(1.0, abs=0.03)
    assert np.mean(np.abs(cov[inside] - 1.0) < 0.05) > 0.9


def test_start_picks_the_nearest_corner_and_bad_input():
    line = sweep_route(SQUARE, 100.0, bearing_deg=0.0, start=(501500.0, 5001500.0))
    assert line.coords[0] == pytest.approx((500950.0, 5001000.0))
    with pytest.raises(InputError, match="spacing"):
        sweep_route(SQUARE, 0.0)
    with pytest.raises(InputError, match="polygon"):
        sweep_route(shapely.Point(0, 0), 10.0)
    narrow = sweep_route(shapely.box(0, 0, 1000, 30), 100.0)  # narrower than one lane: one lane
    assert narrow.length == pytest.approx(1000.0)


def test_lanes_follow_contours_on_a_slope():
    n = 60
    z = np.tile((np.arange(n)[::-1] * 10.0 * 0.3)[:, None], (1, n)).astype(np.float32)  # rises to the north
    t = Terrain(z, Affine(10.0, 0, 500000.0, 0, -10.0, 5000600.0), "EPSG:32634")
    seg = shapely.box(500100.0, 5000100.0, 500300.0, 5000500.0)  # long north-south
    assert route_bearing(seg, t) == pytest.approx(90.0, abs=1.0)  # contours run east-west
    assert route_bearing(seg) == pytest.approx(0.0, abs=1.0)  # long axis without terrain


@pytest.fixture(scope="module")
def planned():
    n = 100
    x, y = np.meshgrid(np.arange(n) * 50.0, np.arange(n)[::-1] * 50.0)
    z = 1000 + 0.2 * np.abs(x - 2500) + 0.05 * y
    t = Terrain(z.astype(np.float32), Affine(50.0, 0, 500000.0, 0, -50.0, 5005000.0), "EPSG:32634")
    pmap = ProbabilityMap.from_weights(np.exp(-((x - 2500) ** 2 + (y - 2500) ** 2) / 2e6), t)
    base = t.to_lonlat(99, 50)
    segs = auto_segments(t, pmap, base=base)
    teams = teams_from_counts({"grid-team": 2, "hasty-team": 1, "drone-thermal": 1})
    plan = plan_period(pmap, segs, teams, terrain=t, period_h=8)
    return t, segs, plan


def test_plan_routes_are_named_and_as_long_as_the_effort(planned):
    t, segs, plan = planned
    routes = plan_routes(plan, segs, t)
    assert len(routes) == len(plan.assignments) > 0
    for k, (r, a) in enumerate(zip(routes, plan.assignments, strict=True), start=1):
        assert r.name == f"{100 + k} {a.segment} {a.team}"
        lon, lat = np.asarray(r.points).T
        x, y = t.to_xy(lon, lat)
        length = float(np.hypot(np.diff(x), np.diff(y)).sum())
        if a.coverage < 1:  # lanes W/C apart: the route is the distance the team can sweep
            res = teams_from_counts({a.resource: 1})[0].resource
            w = res.sweep_width("unresponsive", segs[a.segment].landcover)
            lanes = a.coverage * segs[a.segment].area_m2 / w  # A/S with S = W/C
            joins = segs[a.segment].geometry.length / 2  # at most half the perimeter between lanes
            assert 0.7 * lanes <= length <= 1.1 * lanes + joins
        assert len(r.points) <= 250


def test_routes_gpx_validates_against_the_schema(planned, tmp_path):
    t, segs, plan = planned
    path = write_gpx(tmp_path / "routes.gpx", routes=plan_routes(plan, segs, t))
    xsd = SHARED / "schemas" / "gpx-1.1.xsd"
    need(xsd.exists(), f"{xsd} not found")
    exe = shutil.which("xmllint")
    need(exe is not None, "xmllint (Debian libxml2-utils) is not installed")
    proc = subprocess.run([exe, "--noout", "--schema", str(xsd), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_track_from_route_keeps_length_and_speed():
    pts = [(24.0, 47.0), (24.01, 47.0), (24.01, 47.01)]
    trk = track_from_route(pts, speed_m_s=0.5, start_time="2024-01-02T03:04:05Z", step_m=20)
    assert trk.start == "2024-01-02T03:04:05Z"
    assert trk.duration_h * 3600 * 0.5 == pytest.approx(trk.length_m, rel=1e-3)
    assert np.all(np.diff(trk.time.astype(np.int64)) >= 0)
    with pytest.raises(InputError):
        track_from_route(pts[:1], speed_m_s=1.0)
    assert math.isfinite(trk.length_m)
