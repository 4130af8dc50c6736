"""River network: joining, direction, chainage, snapping, flow, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from carpathia.errors import InputError, OutsideTerrainError, VectorFileError
from carpathia.river import FlowSpec, build_network, read_river_file, terrain_network
from carpathia.terrain import Feature, Terrain


@pytest.fixture(scope="module")
def maramures():
    return Terrain.from_region("maramures")


@pytest.fixture(scope="module")
def tisza(maramures):
    return terrain_network(maramures)


def test_sighet_snaps_to_the_tisza(tisza):
    s = tisza.snap(23.89, 47.93)
    assert s.river == "Tisza"
    assert s.distance_m < 100
    # the Tisza below Sighet leaves the region to the west: an outlet, beyond the modelled reach
    below = tisza.downstream_lines(s.line)
    assert tisza.line_down[below[-1]] == -1
    assert all(tisza.names[i] == "Tisza" for i in below)
    km = sum(tisza.lines[i].length for i in below) / 1000
    # Sighet (23.89 E) to the region's west edge (23.30 E): 45 km straight, the river winds more
    assert 50 < km < 120


def test_bundled_network_directions_follow_the_dem(tisza):
    report = tisza.report["direction"]
    assert not any("reversed" in r for r in report)  # Natural Earth and GSHHG draw rivers downstream
    assert any("DEM" in r for r in report)
    assert "Tisza" in tisza.report["duplicates_dropped"]  # Natural Earth's coarse Tisza under GSHHG's


def test_chainage_increases_downstream(tisza):
    s = tisza.snap(23.89, 47.93)
    ch = [r.chainage_km[0] for i in tisza.downstream_lines(s.line) for r in tisza.reaches if r.line == i]
    assert np.all(np.diff(ch) > 0)


def _line(coords, **props):
    return Feature(shapely.LineString(coords), {"width_m": 40.0, **props})


def test_confluence_and_continuation():
    main = _line([(23.0, 47.9), (23.5, 47.9)], name="Main")
    lower = _line([(23.5, 47.9), (24.0, 47.9)], name="Main")
    trib = _line([(23.25, 48.2), (23.25, 47.9005)], name="Trib")
    net = build_network([main, lower, trib])
    names = net.names
    m, lo, tr = names.index("Main"), [i for i, n in enumerate(names) if n == "Main"][1], names.index("Trib")
    assert net.line_down[m] == lo and net.line_entry_m[m] == pytest.approx(0, abs=1)
    assert net.line_down[tr] == m and 15_000 < net.line_entry_m[tr] < 25_000
    assert net.line_down[lo] == -1
    assert any(r.kind == "confluence" and r.line == m for r in net.reaches)
    assert net.line_chainage0_km[lo] == pytest.approx(net.lines[m].length / 1000)


def test_dem_reverses_a_line_drawn_upstream():
    t = Terrain.flat((23.5, 47.9), radius_m=30_000, resolution=1000)
    col = np.arange(t.shape[1], dtype=np.float32)
    t.elevation[:] = 100 + 5 * col[None, :]  # the ground rises to the east: water flows west
    net = build_network([_line([(23.3, 47.9), (23.7, 47.9)])], terrain=t)
    x = np.asarray(net.lines[0].coords)[:, 0]
    assert x[0] > x[-1]
    assert "reversed" in net.report["direction"][0]


def test_flow_defaults_and_scaling():
    assert FlowSpec().velocity_range("pool") == (0.2, 0.6)
    assert FlowSpec().velocity_range("riffle") == (0.7, 2.5)
    assert FlowSpec().velocity_range("run") == (1.0, 3.0)
    lo, _hi = FlowSpec(discharge_ratio=2.0).velocity_range("run")
    assert lo == pytest.approx(2**0.34)  # Leopold & Maddock 1953, m = 0.34
    assert FlowSpec(velocity_m_s=2.0).velocity_range("pool") == (1.5, 2.5)


@pytest.mark.parametrize("v", [40.0, -1.0, float("nan")])
def test_impossible_velocity_is_refused(v):
    with pytest.raises(InputError, match="m/s"):
        FlowSpec(velocity_m_s=v)


def test_point_far_from_any_river_is_refused(tisza):
    with pytest.raises(OutsideTerrainError, match="km from the nearest river"):
        tisza.snap(23.5, 47.5)  # 13 km from the nearest line
    s = tisza.snap(23.89, 47.93)
    x, y = tisza.lines[s.line].interpolate(s.s_m).coords[0]
    lon, lat = tisza.lonlat(x, y + 5000)
    with pytest.raises(OutsideTerrainError):
        tisza.snap(float(lon), float(lat))  # 5 km from the river


def test_river_file_without_lines_is_refused(tmp_path):
    p = tmp_path / "points.geojson"
    p.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [23.9, 47.9]}}
                ],
            }
        )
    )
    with pytest.raises(VectorFileError, match="no river lines"):
        read_river_file(p)
    with pytest.raises(VectorFileError):
        build_network([])


def test_user_bridge_is_a_catch_point(tmp_path):
    feats = [
        _line([(23.0, 47.9), (23.5, 47.9)], name="R"),
        Feature(shapely.Point(23.2, 47.9), {"type": "bridge", "name": "B1"}),
    ]
    p = tmp_path / "river.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [f.to_geojson() for f in feats]}))
    net = build_network(read_river_file(p))
    assert [r.catch for r in net.reaches if r.catch] == ["bridge B1"]


def test_upper_tisza_velocities_and_winter_floods():
    """Hamar & Sárkány-Kiss (1999), The Upper Tisa Valley, p. 83 (Tyachiv–Chop): 1–3 m/s upper reach,
    pools 0.2–0.6, shallows 0.7–2.5; December–January are among the flood seasons, so the winter
    default may not assume low water (it was 0.6 × the mean discharge)."""
    assert FlowSpec().velocity_range("run") == (1.0, 3.0)
    assert FlowSpec().velocity_range("riffle") == (0.7, 2.5)
    assert FlowSpec().velocity_range("pool") == (0.2, 0.6)
    assert FlowSpec(season="winter").velocity_range("run")[0] >= FlowSpec().velocity_range("run")[0]
