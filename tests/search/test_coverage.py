"""Coverage and POD: exact sweep corridors from GPS tracks, the real GPX walk, bad tracks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import Geod

from carpathia.errors import FileNotFound, InputError, OutsideTerrainError, VectorFileError
from carpathia.search import (
    CoverageGrid,
    Track,
    coverage_from_pod,
    cumulative_pod,
    default_resources,
    effort_coverage,
    planned_coverage,
    pod,
    read_tracks,
    segment_pod,
    sweep_corridor,
    track_coverage,
)
from carpathia.terrain import Terrain, landcover
from tests.conftest import SHARED, need

GPX = SHARED / "gpx" / "setnjica-kod-karojbe.gpx"


# ---------------------------------------------------------------------- POD arithmetic
def test_pod_arithmetic():
    assert pod(0.0) == 0.0
    assert pod(1.0) == pytest.approx(1 - math.exp(-1))
    assert coverage_from_pod(pod(0.7)) == pytest.approx(0.7)
    assert np.allclose(pod(np.array([0.0, 2.0])), [0.0, 1 - math.exp(-2)])
    assert cumulative_pod([0.5, 0.5, 0.5]) == pytest.approx(0.875)
    assert cumulative_pod([]) == 0.0
    # coverage adds, so POD composes: 1 − exp(−ΣC) = 1 − Π(1 − PODᵢ)
    c = [0.3, 1.1, 0.05]
    assert pod(sum(c)) == pytest.approx(cumulative_pod([pod(x) for x in c]), rel=1e-14)
    assert planned_coverage(20.0, 5000.0, 1e6) == pytest.approx(0.1)
    with pytest.raises(InputError):
        pod(-0.1)
    with pytest.raises(InputError):
        coverage_from_pod(1.0)
    with pytest.raises(InputError):
        cumulative_pod([0.5, 1.2])
    with pytest.raises(InputError):
        planned_coverage(20.0, 100.0, 0.0)


def test_effort_coverage_is_w_v_t_over_a():
    grid = default_resources()["grid-team"]
    c = effort_coverage(grid, 4.0, 1e6, landcover=landcover.FOREST)
    assert c == pytest.approx(grid.unresponsive_m[landcover.FOREST] * grid.speed_m_s * 4 * 3600 / 1e6)
    both = effort_coverage(grid, [4.0, 4.0], 1e6, landcover=[landcover.FOREST, landcover.WATER], speed_factor=0.5)
    assert both[0] == pytest.approx(c / 2) and both[1] == 0.0
    with pytest.raises(InputError):
        effort_coverage(grid, -1.0, 1e6)


def test_segment_pod_weighted_by_poa():
    p = np.array([[0.2, 0.8], [0.0, 1.0]])
    labels = np.array([[0, 0], [1, -1]])
    assert np.allclose(segment_pod(p, labels), [0.5, 0.0])
    w = np.array([[3.0, 1.0], [0.0, 5.0]])
    # segment 0: (0.2·3 + 0.8·1)/4; segment 1 has no weight: its area mean
    assert np.allclose(segment_pod(p, labels, w), [0.35, 0.0])
    with pytest.raises(InputError):
        segment_pod(p, labels.astype(float))


# ---------------------------------------------------------------------- the corridor kernel
def _grid(n=20, res=10.0):
    return Affine(res, 0, 1000.0, 0, -res, 2000.0), (n, n)


def _reference(x, y, width, transform, shape):
    """Σ over legs of the exact area of each leg's rectangle in each cell (shapely), / cell area."""
    out = np.zeros(shape)
    res = transform.a
    for k in range(len(x) - 1):
        leg = shapely.LineString([(x[k], y[k]), (x[k + 1], y[k + 1])])
        if leg.length == 0:
            continue
        rect = leg.buffer(width / 2, cap_style="flat")
        for r in range(shape[0]):
            for c in range(shape[1]):
                x0, y1 = transform * (c, r)
                cell = shapely.box(x0, y1 - res, x0 + res, y1)
                out[r, c] += rect.intersection(cell).area / (res * res)
    return out


def test_corridor_is_exact_against_shapely():
    transform, shape = _grid()
    rng = np.random.default_rng(5)
    x = 1000 + rng.uniform(20, 180, 7)
    y = 2000 - rng.uniform(20, 180, 7)
    got = sweep_corridor(x, y, 17.0, transform, shape)
    want = _reference(x, y, 17.0, transform, shape)
    assert np.allclose(got, want, atol=1e-9)
    length = float(np.hypot(np.diff(x), np.diff(y)).sum())
    assert got.sum() * 100.0 == pytest.approx(length * 17.0, rel=1e-12)


def test_straight_leg_along_a_row_and_repeated_passes():
    transform, shape = _grid()
    y = 2000 - 55.0  # the centre of row 5
    got = sweep_corridor([1020.0, 1120.0], [y, y], 10.0, transform, shape)
    assert np.allclose(got[5, 2:12], 1.0) and got.sum() == pytest.approx(10.0)
    # out and back along the same line: the ground is swept twice, so coverage doubles
    twice = sweep_corridor([1020.0, 1120.0, 1020.0], [y, y, y], 10.0, transform, shape)
    assert np.allclose(twice[5, 2:12], 2.0)
    assert pod(twice[5, 5]) == pytest.approx(cumulative_pod([pod(1.0), pod(1.0)]))


def test_corridor_bad_input():
    transform, shape = _grid()
    with pytest.raises(InputError):
        sweep_corridor([0, 1], [0, 1], -1.0, transform, shape)
    with pytest.raises(InputError):
        sweep_corridor([0, 1], [0, 1], 1.0, Affine(10, 0, 0, 0, 10, 0), shape)  # south-up


# ---------------------------------------------------------------------- the real GPX walk
@pytest.fixture(scope="module")
def walk():
    need(GPX.exists(), f"shared data {GPX} not found")
    return read_tracks(GPX)


@pytest.fixture(scope="module")
def karojba():
    return Terrain.flat((13.9705, 45.288), radius_m=1500, resolution=10)


def test_real_gpx_imports_with_times(walk):
    assert len(walk) == 1
    t = walk[0]
    assert t.lon.size == 1852  # every trkpt of the GPX 1.0 file (SOURCES.md)
    assert t.start == "2013-06-30T15:42:58Z"
    assert t.duration_h == pytest.approx(1.866, abs=0.01)
    assert 13.96 < t.lon.min() < t.lon.max() < 13.98
    assert 45.28 < t.lat.min() < t.lat.max() < 45.30


def test_real_gpx_corridor_is_length_times_width(walk, karojba):
    """Acceptance: the corridor's swept area is track length × W within 2 %.

    The walk comes back over its own path in places. Repeated passes count again (coverage adds,
    as Koopman's C = W·L/A wants), so the comparison is Σ coverage·cell area against
    length × W, with length the geodesic length of the whole track (pyproj).
    """
    width = 20.0
    cov = track_coverage(walk, karojba, width_m=width)
    length = Geod(ellps="WGS84").line_length(walk[0].lon, walk[0].lat)
    swept = float(cov.unresponsive.sum()) * cov.cell_area_m2
    assert swept == pytest.approx(length * width, rel=0.02)
    assert abs(swept / (length * width) - 1) < 1e-3  # what it does: UTM scale error only
    assert cov.log[0]["inside_fraction"] == 1.0
    assert cov.log[0]["swept_m2_unresponsive"] == pytest.approx(swept, rel=1e-6)
    # the footprint (ground swept at least once) is smaller: the walk overlaps itself
    footprint = float(np.minimum(cov.unresponsive, 1.0).sum()) * cov.cell_area_m2
    assert footprint < swept
    assert np.array_equal(track_coverage(GPX, karojba, width_m=width).unresponsive, cov.unresponsive)


def test_debrief_from_real_gpx_updates_the_map(walk, karojba):
    """From a real track to a new map: coverage → POD → Bayes, the searched cells fall, the rest rise."""
    from carpathia.probability import ProbabilityMap
    from carpathia.search import update_unsuccessful

    m = ProbabilityMap.uniform(karojba, rest_of_world=0.05)
    cov = track_coverage(walk, karojba, default_resources()["hasty-team"], team="101")
    new = update_unsuccessful(m, coverage=cov.coverage("unresponsive"), label="101", details={"tracks": cov.log})
    # a cell falls when its POD beats the searched mass, Σ POA·POD, and rises otherwise
    s = new.meta["updates"][-1]["mass_searched"]
    d = cov.pod()
    assert (new.cells[d > s] < m.cells[d > s]).all() and (d > s).sum() > 100
    assert (new.cells[d < s] > m.cells[d < s]).all()
    assert new.rest_of_world > m.rest_of_world and new.total == pytest.approx(1.0, abs=1e-12)
    rec = new.meta["updates"][-1]
    assert rec["mass_searched"] == pytest.approx(float((m.cells * cov.pod()).sum()), rel=1e-12)
    assert rec["details"]["tracks"][0]["team"] == "101"


def test_thinning_removes_gps_jitter(walk):
    t = walk[0]
    assert t.thinned(0.0).lon.size == t.lon.size
    thin = t.thinned(5.0)
    assert 2 <= thin.lon.size < t.lon.size
    assert (thin.lon[0], thin.lat[0], thin.lon[-1], thin.lat[-1]) == (t.lon[0], t.lat[0], t.lon[-1], t.lat[-1])
    assert 0.9 * t.length_m < thin.length_m < t.length_m  # standing still at 1 Hz added a few % of length
    assert thin.start == t.start and thin.end == t.end
    with pytest.raises(InputError):
        t.thinned(-1.0)


def test_resource_widths_follow_landcover(walk, karojba):
    grid = default_resources()["grid-team"]
    lc = np.full(karojba.shape, landcover.FOREST, np.uint8)
    forest = track_coverage(walk, karojba, grid, landcover=lc)
    lc[:, : karojba.shape[1] // 2] = landcover.WATER  # the west half becomes a lake
    mixed = track_coverage(walk, karojba, grid, landcover=lc)
    west = np.zeros(karojba.shape, bool)
    west[:, : karojba.shape[1] // 2] = True
    assert mixed.unresponsive[west].sum() == 0.0  # a ground team sweeps no water
    assert np.allclose(mixed.unresponsive[~west], forest.unresponsive[~west])
    assert forest.responsive.sum() > forest.unresponsive.sum()  # a responsive subject is heard from afar
    cpod = forest.pod("unresponsive")
    assert np.allclose(cpod, 1 - np.exp(-forest.unresponsive))
    mix = forest.pod(p_responsive=0.3)
    assert np.allclose(mix, 0.3 * forest.pod("responsive") + 0.7 * cpod)


def test_coverage_accumulates_over_tracks_and_teams(walk, karojba):
    a = track_coverage(walk, karojba, width_m=(100.0, 20.0), team="101")
    b = track_coverage(walk, karojba, width_m=(100.0, 20.0), team="102")
    both = a + b
    assert np.allclose(both.unresponsive, 2 * a.unresponsive)
    assert [r["team"] for r in both.log] == ["101", "102"]
    a += b
    assert np.allclose(a.unresponsive, both.unresponsive)
    # coverage adds, so the POD of both passes is the cumulative POD of each
    assert np.allclose(both.pod(), cumulative_pod([b.pod(), b.pod()]))
    with pytest.raises(InputError):
        a + CoverageGrid.empty(Terrain.flat((13.9705, 45.288), radius_m=500, resolution=10))


# ---------------------------------------------------------------------- outside the grid
def test_track_partly_outside_warns_and_fully_outside_raises():
    t = Terrain.flat((24.0, 47.9), radius_m=500, resolution=10)
    geod = Geod(ellps="WGS84")
    lon1, lat1, _ = geod.fwd(24.0, 47.9, 90, 1000)  # from the centre to 1 km east: half outside
    half = Track(np.array([24.0, lon1]), np.array([47.9, lat1]), name="half")
    with pytest.warns(UserWarning, match="outside the grid"):
        cov = track_coverage([half], t, width_m=10.0)
    assert 0.45 < cov.log[0]["inside_fraction"] < 0.55
    far = Track(np.array([25.0, 25.01]), np.array([47.9, 47.9]), name="far")
    grid = CoverageGrid.empty(t)
    inside = Track(np.array([24.0, 24.001]), np.array([47.9, 47.9]), name="in")
    with pytest.raises(OutsideTerrainError, match="far"):
        grid.add_tracks([inside, far], width_m=10.0)
    assert grid.unresponsive.sum() == 0.0 and grid.log == []  # nothing was added


# ---------------------------------------------------------------------- bad files
def _gpx(body: str, version: str = "1.1") -> str:
    ns = f"http://www.topografix.com/GPX/{version.replace('.', '/')}"
    return f'<?xml version="1.0"?><gpx version="{version}" creator="test" xmlns="{ns}">{body}</gpx>'


def test_gpx_11_with_two_tracks_and_segments(tmp_path):
    f = tmp_path / "teams.gpx"
    seg = '<trkseg><trkpt lat="45.28" lon="13.96"><time>2024-05-01T10:00:00Z</time></trkpt>'
    seg += '<trkpt lat="45.281" lon="13.961"><time>2024-05-01T10:05:00Z</time></trkpt></trkseg>'
    seg2 = '<trkseg><trkpt lat="45.282" lon="13.96"/><trkpt lat="45.283" lon="13.962"/></trkseg>'
    f.write_text(_gpx(f"<trk><name>Team 101</name>{seg}{seg2}</trk><trk><name>Team 102</name>{seg}</trk>"))
    tracks = read_tracks(f)
    assert [t.name for t in tracks] == ["Team 101 (segment 1)", "Team 101 (segment 2)", "Team 102"]
    assert tracks[0].duration_h == pytest.approx(5 / 60)
    assert tracks[1].time is None and tracks[1].start is None


def test_geojson_lines_are_tracks(tmp_path):
    f = tmp_path / "t.geojson"
    f.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "A"},
                        "geometry": {"type": "LineString", "coordinates": [[13.96, 45.28], [13.97, 45.29]]},
                    }
                ],
            }
        )
    )
    (t,) = read_tracks(f)
    assert t.name == "A" and t.time is None and t.length_m > 1000


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.gpx", "", "empty"),
        (
            "one.gpx",
            _gpx('<trk><trkseg><trkpt lat="45" lon="13"/></trkseg></trk>'),
            "single point|no waypoint, route, track",
        ),
        ("broken.gpx", _gpx('<trk><trkseg><trkpt lat="45" lon="13"/><trkpt lat="45.1"')[:-6], "not well-formed XML"),
        (
            "utm.gpx",
            _gpx('<trk><trkseg><trkpt lat="5016000" lon="500000"/><trkpt lat="5016100" lon="500000"/></trkseg></trk>'),
            "outside ±180°",
        ),
        ("wpt.gpx", _gpx('<wpt lat="45" lon="13"/>'), "no track points"),
        ("route.gpx", _gpx('<rte><rtept lat="45" lon="13"/><rtept lat="45.1" lon="13"/></rte>'), "route"),
        ("notxml.gpx", "this is not XML at all", "not well-formed XML"),
        (
            "projected.geojson",
            json.dumps(
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "LineString", "coordinates": [[500000, 5016000], [500100, 5016000]]},
                }
            ),
            "not longitude/latitude",
        ),
        (
            "gpx10.gpx",
            _gpx('<trk><trkseg><trkpt lat="45" lon="13"/></trkseg></trk>', "1.0"),
            "single point|no waypoint, route, track",
        ),
    ],
)
def test_bad_track_files(tmp_path, name, content, match):
    f = tmp_path / name
    f.write_text(content)
    with pytest.raises(VectorFileError, match=match):
        read_tracks(f)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFound):
        read_tracks(tmp_path / "none.gpx")


def test_track_validation():
    with pytest.raises(InputError):
        Track(np.array([13.0]), np.array([45.0]))
    with pytest.raises(InputError):
        Track(np.array([13.0, 13.1]), np.array([45.0, 95.0]))
    with pytest.raises(InputError):
        track_coverage([Track(np.array([13.0, 13.1]), np.array([45.0, 45.0]))], Terrain.flat((13, 45), 500, 10))
