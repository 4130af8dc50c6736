"""Stretcher carry-out: monotone in distance, carry direction, path ends, GPX 1.1, GeoJSON, barriers."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from affine import Affine

from carpathia.errors import InputError, OutputExistsError, OutsideTerrainError
from carpathia.rescue import LITTER_FACTOR, carry_out, rescue_options
from carpathia.terrain import Feature, Terrain
from carpathia.travel import tobler_speed
from carpathia.travel.speed import OFF_TRAIL_FACTOR
from tests.conftest import SHARED, need, tool

RES = 10.0
T10 = Affine(RES, 0, 500000, 0, -RES, 5300000)
GPX = "{http://www.topografix.com/GPX/1/1}"
SUMMIT = (-71.3033, 44.2708)


def _flat(n=41, m=201, z=300.0):
    return Terrain(np.full((n, m), z), T10, "EPSG:32634")


def _with_road_column(t, col=0):
    roads = np.zeros(t.shape, bool)
    roads[:, col] = True
    t.set_layer("roads", roads)
    return t


def test_time_is_monotone_in_distance_on_a_uniform_grid():
    t = _with_road_column(_flat())
    v_off = tobler_speed(0.0) * OFF_TRAIL_FACTOR * LITTER_FACTOR  # m/s, open ground off trail
    v_road = tobler_speed(0.0) * LITTER_FACTOR
    cols = list(range(1, 200, 7))
    minutes = []
    for c in cols:
        res = carry_out(t, *t.to_lonlat(20, c), to="roads")
        assert res.destination is not None and res.destination.kind == "roads"
        minutes.append(res.minutes)
        # along a row the octile path is straight: half a step on the road, the rest off trail
        expected = ((c * RES - RES / 2) / v_off + (RES / 2) / v_road) / 60.0
        assert res.minutes == pytest.approx(expected, rel=1e-6)
    assert all(b > a for a, b in itertools.pairwise(minutes))
    assert minutes[-1] == pytest.approx(197 * RES / v_off / 60, rel=0.01)  # about 2 h for 2 km at 0.9 km/h


def test_carrying_uphill_is_slower_than_downhill():
    n, m = 21, 101
    z = 500 + 0.10 * np.arange(m)[None, :] * RES * np.ones((n, 1))  # a 10 % plane rising eastwards
    t = Terrain(z, T10, "EPSG:32634")
    find = t.to_lonlat(10, 50)
    down = carry_out(_with_road_column(t, 0), *find, to="roads").minutes
    up = carry_out(_with_road_column(Terrain(z, T10, "EPSG:32634"), m - 1), *find, to="roads").minutes
    assert up > 1.3 * down  # Tobler: exp(-3.5·0.15) against exp(-3.5·0.05) per step


def test_path_starts_at_the_find_and_ends_at_the_destination():
    t = _with_road_column(_flat(), 150)
    find = (t.to_lonlat(5, 20)[0] + 1e-5, t.to_lonlat(5, 20)[1] - 1e-5)  # off the cell centre on purpose
    c = carry_out(t, *find, to=("roads", "lz"), lz_min_size_m=10_000)  # no landing zone that big
    assert c.path[0] == find
    assert c.path[-1] == (c.destination.lon, c.destination.lat)
    r, col = t.to_pixel(c.destination.lon, c.destination.lat)
    assert t.layer("roads")[r, col] and col == 150
    assert c.length_m == pytest.approx(130 * RES, abs=RES)  # straight along the row
    assert len(c.elevations) == len(c.path)


def test_towns_are_destinations_by_name():
    t = _flat()
    lon, lat = t.to_lonlat(30, 180)
    t.add_features("towns", [Feature(shapely.Point(lon, lat), {"name": "Borșa"})])
    c = carry_out(t, *t.to_lonlat(30, 100), to="towns")
    assert c.destination.kind == "towns" and c.destination.name == "Borșa"
    assert c.path[-1] == (lon, lat) and "town Borșa" in c.summary()


def test_nearest_destination_wins_and_rescue_options_agree():
    t = _with_road_column(_flat(), 200)
    lon, lat = t.to_lonlat(20, 20)
    t.add_features("towns", [Feature(shapely.Point(*t.to_lonlat(20, 60)), {"name": "near"})])
    c = carry_out(t, lon, lat)
    assert c.destination.kind == "lz"  # the whole flat grid is a landing zone (land cover unknown)
    opts = rescue_options(t, lon, lat, to=("roads", "towns"))
    assert opts.carry.destination.kind == "towns" and opts.carry.to == ("roads", "towns")
    assert opts.carry.minutes == min(v.minutes for v in opts.by_kind.values())
    d = opts.to_dict()
    assert d["carry_out"]["destination"]["name"] == "near" and d["carry_out"]["minutes"] > 0


def test_white_mountains_summit_options(white_mountains):
    d = rescue_options(white_mountains, *SUMMIT).to_dict()
    assert d["landing_zones"] and d["hoist_required"] is False
    assert d["carry_out"]["minutes"] is not None and d["carry_out"]["destination"]["kind"] == "lz"
    assert d["carry_out_by_destination"]["roads"]["reason"].startswith("no road")  # none bundled


def test_a_wall_steeper_than_30_degrees_stops_the_carry():
    n, m = 21, 61
    z = np.full((n, m), 500.0)
    z[:, 30:] += 100.0  # a 100 m step between two cells: a cliff across the whole grid
    t = _with_road_column(Terrain(z, T10, "EPSG:32634"), m - 1)
    c = carry_out(t, *t.to_lonlat(10, 5), to="roads")
    assert c.minutes is None and c.destination is None and "rope" in c.reason
    with pytest.raises(InputError, match="no carry-out path"):
        c.to_gpx()
    assert carry_out(t, *t.to_lonlat(10, 5), to="roads", max_slope_deg=89).minutes is not None


def test_water_and_missing_destinations_are_explained():
    t = _with_road_column(_flat(), 0)
    water = np.zeros(t.shape, np.float32)
    water[18:23, 38:43] = 1.0  # a pond of 5 × 5 cells
    t.set_layer("water", water)
    c = carry_out(t, *t.to_lonlat(20, 40), to="roads")  # in the middle of the pond
    assert c.minutes is None and "water" in c.reason
    c = carry_out(t, *t.to_lonlat(18, 38), to="roads")  # at its edge: carried from the bank next to it
    assert c.minutes is not None and "nearest dry cell, 10 m away" in c.note
    assert c.path[0] == t.to_lonlat(18, 38) and t.to_pixel(*c.path[1]) in {(17, 37), (17, 38), (18, 37)}
    c = carry_out(_flat(), *t.to_lonlat(10, 10), to="roads")
    assert c.minutes is None and c.reason.startswith("no road within")


def test_gpx_is_gpx_1_1(tmp_path):
    t = _with_road_column(_flat(), 0)
    c = carry_out(t, *t.to_lonlat(12, 40), to="roads")
    p = c.write_gpx(tmp_path / "carry.gpx")
    root = ET.parse(p).getroot()
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1"
    assert [el.tag.removeprefix(GPX) for el in root] == ["metadata", "wpt", "wpt", "rte"]
    pts = root.findall(f"{GPX}rte/{GPX}rtept")
    assert len(pts) == len(c.path)
    assert (float(pts[0].get("lon")), float(pts[0].get("lat"))) == pytest.approx(c.path[0], abs=1e-7)
    with pytest.raises(OutputExistsError):
        c.write_gpx(p)
    c.write_gpx(p, overwrite=True)
    xmllint = tool("xmllint")
    xsd = SHARED / "schemas" / "gpx-1.1.xsd"
    need(xsd.is_file(), f"{xsd} not found")
    proc = subprocess.run([xmllint, "--noout", "--schema", str(xsd), str(p)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_geojson_linestring_in_lon_lat(tmp_path):
    t = _with_road_column(_flat(), 0)
    c = carry_out(t, *t.to_lonlat(12, 40), to="roads")
    p = c.write_geojson(tmp_path / "carry.geojson")
    fc = json.loads(p.read_text(encoding="utf-8"))
    line = fc["features"][0]
    assert line["geometry"]["type"] == "LineString"
    coords = line["geometry"]["coordinates"]
    assert coords[0] == pytest.approx(list(c.path[0])) and coords[-1] == pytest.approx(list(c.path[-1]))
    assert 20 < coords[0][0] < 22 and 47 < coords[0][1] < 48.5  # lon first (EPSG:32634 near 21 E, 47.8 N)
    assert line["properties"]["minutes"] == pytest.approx(c.minutes, abs=0.05)
    with pytest.raises(OutputExistsError):
        c.write_geojson(p)


def test_bad_input():
    t = _with_road_column(_flat())
    lon, lat = t.to_lonlat(5, 5)
    with pytest.raises(OutsideTerrainError):
        carry_out(t, 30.0, 10.0)
    with pytest.raises(InputError, match="destinations"):
        carry_out(t, lon, lat, to=("helipad",))
    for kw in ({"carry_factor": 0}, {"search_radius_m": -5}, {"max_slope_deg": math.nan}):
        with pytest.raises(InputError):
            carry_out(t, lon, lat, **kw)
    with pytest.raises(InputError, match="unknown carry-out options"):
        rescue_options(t, lon, lat, speed=3)
