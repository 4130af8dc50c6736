"""Every export format of an incident, opened by GDAL where it is installed."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from carpathia.errors import InputError, OutputExistsError
from carpathia.incident import EXPORT_FORMATS

from ..conftest import maybe_tool
from .conftest import IPP, open_incident, sweep_lonlat


@pytest.fixture(scope="module")
def debriefed(tmp_path_factory, small_terrain):
    from carpathia.search import Track

    d = tmp_path_factory.mktemp("exports")
    ws = open_incident(d / "x.db", small_terrain)
    p = ws.plan(hours=12, start="2024-01-14T06:00-05:00")
    n = p.assignments[0]["number"]
    seg = next(s for s in ws.segments() if s["label"] == p.assignments[0]["segment"])
    lon, lat = sweep_lonlat(seg["geometry"])
    ws.debrief(n, [Track(lon, lat, None, "sweep")], time="2024-01-14T12:00Z", clue=(IPP[0], IPP[1] + 0.002))
    yield ws, d, len(p.assignments)
    ws.close()


def test_geojson_kml_gpx_gpkg_geotiff(debriefed):
    ws, d, _ = debriefed
    for fmt, name in (
        ("geojson", "i.geojson"),
        ("kml", "i.kml"),
        ("gpx", "i.gpx"),
        ("gpkg", "i.gpkg"),
        ("geotiff", "i.tif"),
    ):
        (path,) = ws.export(fmt, d / name)
        assert path.stat().st_size > 0, fmt
    fc = json.loads((d / "i.geojson").read_text())
    assert {f["properties"]["layer"] for f in fc["features"]} >= {"ipp", "segments", "tracks", "clues"}
    if maybe_tool("ogrinfo"):
        info = subprocess.run(["ogrinfo", "-so", "-al", str(d / "i.gpkg")], capture_output=True, text=True)
        assert info.returncode == 0 and "segments" in info.stdout and "4326" in info.stdout
    if maybe_tool("gdalinfo"):
        info = subprocess.run(["gdalinfo", str(d / "i.tif")], capture_output=True, text=True)
        assert info.returncode == 0 and "UTM zone 19N" in info.stdout


def test_one_pdf_sheet(debriefed):
    ws, d, _ = debriefed
    a = ws.assignments()[0]
    (sheet,) = ws.export("pdf", d / "one.pdf", assignment=a["number"])
    assert sheet.read_bytes()[:5] == b"%PDF-"
    if maybe_tool("pdftotext"):
        text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True).stdout
        assert str(a["number"]) in text and a["team"] in text


def test_pdf_sheets_and_briefing_png(debriefed):  # ~11 s: seconds, so in the default run
    ws, d, n_assignments = debriefed
    sheets = ws.export("pdf", d / "sheets")
    assert len(sheets) == n_assignments and all(p.suffix == ".pdf" and p.stat().st_size > 0 for p in sheets)
    if maybe_tool("pdftotext"):
        text = subprocess.run(["pdftotext", str(sheets[0]), "-"], capture_output=True, text=True).stdout
        a = ws.assignments()[0]
        assert str(a["number"]) in text and a["team"] in text
    (png,) = ws.export("png", d / "briefing.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_export_refusals(debriefed):
    ws, d, _ = debriefed
    assert set(EXPORT_FORMATS) == {"geojson", "kml", "gpx", "gpkg", "geotiff", "pdf", "png", "mbtiles"}
    (d / "exists.geojson").write_text("{}")
    with pytest.raises(OutputExistsError):
        ws.export("geojson", d / "exists.geojson")
    with pytest.raises(InputError, match="format"):
        ws.export("shp", d / "x.shp")
    with pytest.raises(InputError, match="end in"):
        ws.export("kml", d / "x.txt")


def test_gpx_export_carries_a_sweep_route_per_assignment(debriefed, shared):
    """Issue 5: search patterns reach the GPS units as GPX routes, lanes one sweep width apart."""
    from carpathia.incident.report import assignment_routes

    from ..conftest import need

    ws, d, n_assignments = debriefed
    routes = assignment_routes(ws)
    assert len(routes) == n_assignments and all(len(r.points) >= 4 for r in routes)
    (path,) = ws.export("gpx", d / "routes.gpx")
    text = path.read_text()
    assert text.count("<rte>") == n_assignments and routes[0].name.split()[0] in text
    xsd, exe = shared / "schemas" / "gpx-1.1.xsd", shutil.which("xmllint")
    need(exe is not None, "xmllint (libxml2-utils) is not installed")
    r = subprocess.run([exe, "--noout", "--schema", str(xsd), str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_sheet_and_briefing_map_carry_the_grid_and_the_coordinate_box(debriefed):
    """Issue 17 item 1: the IPP in the chosen formats, the UTM grid labelled, Stereo 70 refused
    outside Romania with one line."""
    from carpathia.coords import format_position
    from carpathia.incident.report import export_incident

    from ..conftest import tool

    ws, d, _ = debriefed
    a = ws.assignments()[0]
    (sheet,) = export_incident(ws, None, "pdf", d / "grid.pdf", assignment=a["number"], coords="dms,mgrs")
    text = subprocess.run([tool("pdftotext"), str(sheet), "-"], capture_output=True, text=True).stdout
    assert format_position(IPP[0], IPP[1], "dms") in text and format_position(IPP[0], IPP[1], "mgrs") in text
    assert "UTM zone 19N" in text and "mE" in text and "mN" in text and "Magnetic declination" in text
    (pdf,) = export_incident(ws, None, "png", d / "briefing-grid.pdf", coords="utm")
    text = subprocess.run([tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True).stdout
    assert format_position(IPP[0], IPP[1], "utm") in text and "UTM zone 19N" in text
    with pytest.raises(InputError, match="Stereo 70 is Romania's grid"):
        export_incident(ws, None, "png", d / "s70.png", grids="utm,stereo70")
    with pytest.raises(InputError, match="grids are"):
        export_incident(ws, None, "png", d / "bad.png", grids="osgb")
    with pytest.raises(InputError, match="coordinate formats"):
        export_incident(ws, None, "png", d / "bad.png", coords="what3words")
    assert not (d / "bad.png").exists() and not (d / "s70.png").exists()


def test_cli_prints_the_incident_at_1_to_25000_on_a3_as_a_geospatial_pdf(debriefed):
    """Issue 17 item 2 through the command line: one georeferenced PDF at the scale asked."""
    import re

    from ..conftest import run_cli, tool

    ws, d, _ = debriefed
    out = d / "ops-25k.pdf"
    res = run_cli(
        "incident", "export", "--db", str(ws.store.path), "--format", "pdf", "--scale", "25000", "--paper", "A3",
        "--out", str(out),
    )
    assert res.returncode == 0, res.stderr
    info = subprocess.run([tool("gdalinfo"), str(out)], capture_output=True, text=True, check=True).stdout
    assert "UTM zone 19N" in info and "Origin =" in info
    px = float(re.search(r"Pixel Size = \(([\d.]+),", info).group(1))
    assert px / (0.0254 / 150) == pytest.approx(25000, rel=0.005)
    bad = run_cli("incident", "export", "--db", str(ws.store.path), "--format", "pdf", "--scale", "25000",
                  "--paper", "B5", "--out", str(d / "b5.pdf"))
    assert bad.returncode == 2 and "paper must be one of A4, A3" in bad.stderr and "Traceback" not in bad.stderr
    assert not (d / "b5.pdf").exists()


def test_mbtiles_export_for_phones(debriefed):
    """Issue 17 item 3: the incident as MBTiles over a zoom range, opened by GDAL."""
    import sqlite3

    from carpathia.incident.report import export_incident

    from ..conftest import tool

    ws, d, _ = debriefed
    (path,) = export_incident(ws, None, "mbtiles", d / "i.mbtiles", zoom="12-14")
    con = sqlite3.connect(path)
    assert [r[0] for r in con.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY 1")] == [12, 13, 14]
    assert dict(con.execute("SELECT name, value FROM metadata"))["name"] == "Lost hiker"
    con.close()
    info = subprocess.run([tool("gdalinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pseudo-Mercator" in info and "Origin =" in info
    with pytest.raises(InputError, match="zoom"):
        export_incident(ws, None, "mbtiles", d / "bad.mbtiles", zoom="16-12")
    assert not (d / "bad.mbtiles").exists()
