"""Grids and coordinates on the map products (issue 17 item 1).

References: NOAA NCEI's published WMM2025 test values (WMM2025testvalues.pdf, declination column,
sea level); pyproj for the UTM and Stereo 70 values of a sheet's corners; the mgrs library
(GEOTRANS) for the 100 km squares; a finite-difference grid azimuth of true north for PROJ's
convergence.
"""

from __future__ import annotations

import math
import re
import subprocess

import mgrs
import numpy as np
import pytest
from pyproj import Transformer

from carpathia.coords import format_position, parse_position
from carpathia.errors import InputError
from carpathia.io.grid import check_formats, coordinate_rows, declination, default_formats, make_grid
from carpathia.io.pdf import assignment_sheet_pdf

from ..conftest import tool

# (date, lat, lon, D in degrees) from NOAA's WMM2025 test values, height 0 km
WMM2025_TEST = [
    ("2025-01-01", 80.0, 0.0, 1.28),
    ("2025-01-01", 0.0, 120.0, -0.16),
    ("2025-01-01", -80.0, -120.0, 68.78),
    ("2027-07-02", 80.0, 0.0, 2.59),
    ("2027-07-02", -80.0, -120.0, 68.49),
]


@pytest.mark.parametrize(("when", "lat", "lon", "dec"), WMM2025_TEST)
def test_declination_matches_noaa_wmm2025_test_values(when, lat, lon, dec):
    d = declination(lon, lat, when)
    assert d.declination_deg == pytest.approx(dec, abs=0.011)
    assert d.model == "WMM-2025"


def test_declination_outside_the_model_is_refused():
    with pytest.raises(InputError, match="does not cover"):
        declination(24.3, 47.9, "2035-01-01")


@pytest.mark.parametrize(("lon", "lat"), [(24.3, 47.9), (-71.3033, 44.2706), (27.4, 48.1)])
def test_convergence_is_the_grid_azimuth_of_true_north_negated(lon, lat):
    d = declination(lon, lat, "2026-06-01")
    zone = int((lon + 180) // 6) + 1
    tr = Transformer.from_crs(4326, 32600 + zone, always_xy=True)
    x1, y1 = tr.transform(lon, lat)
    x2, y2 = tr.transform(lon, lat + 1e-4)
    true_north_in_grid = math.degrees(math.atan2(x2 - x1, y2 - y1))
    # convergence: from true north to grid north, positive when grid north is east of true north
    assert d.convergence_deg == pytest.approx(-true_north_in_grid, abs=1e-3)
    assert d.grid_magnetic_deg == pytest.approx(d.declination_deg - d.convergence_deg)


def test_maramures_declination_is_east_and_white_mountains_west():
    ro = declination(24.3, 47.9, "2026-12-07")
    us = declination(-71.3, 44.27, "2026-12-07")
    # NOAA's calculator, WMM2025: about 6.8 E in Maramures, about 14 W at Mt Washington
    assert 6.0 < ro.declination_deg < 7.5
    assert -15.0 < us.declination_deg < -13.0
    assert "grid bearing = magnetic bearing +" in ro.text()
    assert 0.2 < ro.uncertainty_deg < 1.0


def test_grid_lines_and_labels_in_a_utm_map():
    g = make_grid((298200, 5308300, 305800, 5313900), "EPSG:32635", step=1000)
    bottom = g.edge_labels("bottom")
    assert [p for p, _ in bottom] == [float(v) for v in range(299000, 306000, 1000)]
    assert bottom[0][1] == "299000mE" and bottom[-1][1] == "305000mE"
    assert [t for _, t in bottom[1:-1]] == ["300000mE", "01", "02", "03", "04"]  # a 100 km line in full
    left = g.edge_labels("left")
    assert left[0][1] == "5309000mN" and [t for _, t in left[1:-1]] == ["10", "11", "12"]
    assert g.squares == ["35T KP", "35T LP"]
    assert "MGRS 35T KP, LP" in g.zone_text()
    assert sorted(t for *_, t in g.square_labels()) == ["KP", "LP"]


def test_stereo70_grid_on_a_utm_map_is_where_pyproj_puts_it():
    bounds = (298200, 5308300, 305800, 5313900)
    g = make_grid(bounds, "EPSG:32635", "stereo70", step=1000)
    to70 = Transformer.from_crs(32635, 3844, always_xy=True)
    for ln in g.lines:
        if "bottom" in ln.crossings:
            e70, _ = to70.transform(ln.crossings["bottom"], bounds[1])  # always_xy: easting (Stereo 70 Y) first
            assert e70 == pytest.approx(ln.value, abs=0.5)
    assert g.edge_labels("bottom")[0][1].startswith("Y=")
    assert g.edge_labels("left")[0][1].startswith("X=")


def test_formats_default_to_stereo70_in_romania_only():
    assert default_formats(24.3, 47.9) == ("utm", "mgrs", "ddm", "stereo70")
    assert default_formats(-71.3, 44.27) == ("utm", "mgrs", "ddm")
    assert check_formats("dms, MGRS", 0, 0) == ("dms", "mgrs")
    with pytest.raises(InputError, match="coordinate formats"):
        check_formats("utm,osgb", 0, 0)
    rows = coordinate_rows([("IPP", 24.3, 47.9)], ("utm", "mgrs"))
    assert rows == [["IPP", format_position(24.3, 47.9, "utm"), format_position(24.3, 47.9, "mgrs")]]


def _layers(lon, lat):
    def fc(*f):
        return {"type": "FeatureCollection", "features": list(f)}

    def pt(x, y, **p):
        return {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": [x, y]}}

    return {
        "ipp": fc(pt(lon, lat, name="IPP")),
        "clues": fc(pt(lon + 0.004, lat + 0.002, name="Mănușă")),
        "landing_zones": fc(pt(lon + 0.02, lat - 0.005, name="LZ 1")),
    }


@pytest.fixture(scope="module")
def sheet_text(tmp_path_factory):
    """An assignment sheet on Maramures (UTM 35N) read back by poppler's pdftotext."""
    from carpathia.terrain import Terrain

    exe = tool("pdftotext")
    t = Terrain.from_region("maramures")
    lon, lat = 24.30, 47.93
    seg = [(lon - 0.012, lat - 0.008), (lon + 0.01, lat - 0.009), (lon + 0.012, lat + 0.008), (lon - 0.01, lat + 0.007)]
    out = tmp_path_factory.mktemp("sheet") / "101.pdf"
    assignment_sheet_pdf(
        out,
        {"number": 101, "team": "Salvamont Borșa 1", "segment": "A1"},
        terrain=t,
        segment_lonlat=seg,
        layers=_layers(lon, lat),
        when="2026-12-07",
    )
    raw = subprocess.run([exe, str(out), "-"], capture_output=True, text=True, check=True).stdout
    return raw, _layers(lon, lat)


def test_sheet_grid_labels_match_pyproj_for_the_sheet_corners(sheet_text):
    """Acceptance (issue 17): the labels read back are the UTM values of the sheet's corners."""
    text, _ = sheet_text
    corners = {}
    for name in ("SW", "SE", "NW", "NE"):
        m = re.search(rf"{name} corner (\S+)\s+(\S+)", text)
        assert m, f"{name} corner not printed"
        corners[name] = parse_position(f"{m.group(1)} {m.group(2)}")
    tr = Transformer.from_crs(4326, 32635, always_xy=True)
    e_sw, n_sw = tr.transform(corners["SW"].lon, corners["SW"].lat)
    e_ne, n_ne = tr.transform(corners["NE"].lon, corners["NE"].lat)
    step = float(re.search(r"grid (\d+(?:\.\d+)?) km", text).group(1)) * 1000
    eastings = np.arange(math.ceil(e_sw / step) * step, e_ne, step)
    northings = np.arange(math.ceil(n_sw / step) * step, n_ne, step)
    full_e = sorted({int(v) for v in re.findall(r"\b(\d{6})mE\b", text)})
    full_n = sorted({int(v) for v in re.findall(r"\b(\d{7})mN\b", text)})
    assert full_e[0] == eastings[0] and full_e[-1] == eastings[-1]
    assert full_n[0] == northings[0] and full_n[-1] == northings[-1]
    assert set(full_e) <= {int(v) for v in eastings} and set(full_n) <= {int(v) for v in northings}
    principal = set(re.findall(r"(?m)^\s*(\d\d)\s*$", text)) | set(re.findall(r"(?<![\d.])(\d\d)(?![\d.'°])", text))
    for v in list(eastings[1:-1]) + list(northings[1:-1]):
        if v % 100000:
            assert f"{int(v % 100000 // 1000):02d}" in principal
    # the MGRS 100 km squares of the corners (GEOTRANS via the mgrs library)
    m = mgrs.MGRS()
    squares = {m.toMGRS(p.lat, p.lon, MGRSPrecision=0) for p in corners.values()}
    squares = {s.decode() if isinstance(s, bytes) else s for s in squares}
    listed = re.search(r"MGRS ((?:\d+[A-Z] [A-Z]{2}(?:, [A-Z]{2})*(?:; )?)+)", text).group(1)
    got = {f"{gzd} {sq}" for part in listed.split("; ") for gzd, sqs in [part.split(" ", 1)] for sq in sqs.split(", ")}
    assert {f"{s[:3]} {s[3:]}" for s in squares} <= got
    assert "1:50 000" in text or "1:25 000" in text or "1:10 000" in text


def test_sheet_coordinate_box_and_declination(sheet_text):
    text, layers = sheet_text
    for kind in ("ipp", "clues", "landing_zones"):
        for f in layers[kind]["features"]:
            lon, lat = f["geometry"]["coordinates"]
            assert format_position(lon, lat, "utm") in text
            assert format_position(lon, lat, "mgrs") in text
    assert "Mănușă" in text
    assert "Magnetic declination 6.8° E" in text.replace("\n", " ")
    assert "grid convergence 2.0° W" in text.replace("\n", " ")
