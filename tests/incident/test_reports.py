"""Location reports on an incident: stored, audited, undoable, listed at the CLI and exported
(GPX waypoints, KML, GeoPackage) with their uncertainty areas (issue 15 item 2)."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from carpathia.errors import InputError
from carpathia.location import CellSector, LocationReport, parse_aml, report_area
from tests.conftest import run_cli

from .conftest import IPP, LAST_SEEN, counts

FIX = datetime(2024, 1, 13, 22, 10, tzinfo=UTC)


def _aml_at(lon: float, lat: float) -> str:
    """An AML v1 SMS at the point, with its own length in ml= (as handsets send it)."""
    body = f'A"ML=1;lt={lat:+.5f};lg={lon:+.5f};rd=150;top=20240113221000;lc=68;pm=G;si=310150123456789;' \
           "ei=356708041746734;mcc=310;mnc=150;ml="
    n = len(body) + 3
    return body + str(n)


def test_add_list_verify_undo_and_audit(workspace):
    ws = workspace
    before = counts(ws)
    r1 = ws.add_report(parse_aml(_aml_at(*IPP)), source_format="aml")["report_id"]
    r2 = ws.add_report(
        LocationReport(IPP[0] + 0.01, IPP[1] + 0.005, FIX, source="relative", accuracy_m=2000,
                       notes="his sister: 'near the hut'"),
        source_format="decimal",
    )["report_id"]
    sector = CellSector(IPP[0] - 0.02, IPP[1], 80, 120, 3500)
    r3 = ws.add_report(LocationReport(sector.site_lon, sector.site_lat, FIX, source="cell-sector", sector=sector))[
        "report_id"
    ]
    rows = ws.reports()
    assert [r["id"] for r in rows] == [r1, r2, r3] or sorted(r["id"] for r in rows) == [r1, r2, r3]
    aml = next(r for r in rows if r["id"] == r1)
    assert aml["source"] == "aml" and aml["accuracy_m"] == 150 and aml["method"] == "gnss" and aml["confidence"] == 0.68
    assert aml["extra"]["mcc"] == "310" and aml["on_terrain"] is True
    assert next(r for r in rows if r["id"] == r3)["sector"]["azimuth_deg"] == 80
    # objects round-trip through the table
    objs = ws.report_objects()
    assert objs[-1].sector == sector
    assert any(o.notes == "his sister: 'near the hut'" for o in objs)

    ws.set_report_verification(r2, "refuted", note="sister called back: wrong valley")
    row = next(r for r in ws.reports() if r["id"] == r2)
    assert row["verification"] == "refuted" and "wrong valley" in row["notes"]
    log = ws.log()
    assert [e["action"] for e in log[-4:]] == ["report add", "report add", "report add", "report verify"]
    assert ws.store.verify() == []  # the hash chain and every reports row match the log

    ws.undo()  # the verification
    assert next(r for r in ws.reports() if r["id"] == r2)["verification"] == "unverified"
    ws.undo()
    ws.undo()
    ws.undo()
    assert ws.reports() == [] and counts(ws) == before | {"audit": before["audit"] + 8}
    assert ws.store.verify() == []


def test_bad_reports_write_nothing(workspace):
    ws = workspace
    before = counts(ws)
    with pytest.raises(InputError):
        ws.set_report_verification(999, "confirmed")
    with pytest.raises(InputError, match="verification"):
        ws.set_report_verification(1, "probably")
    with pytest.raises(InputError):
        ws.add_report({"lat": 1})  # type: ignore[arg-type]
    assert counts(ws) == before


def test_report_area_geometry():
    from pyproj import Geod
    from shapely.geometry import Point, shape

    geod = Geod(ellps="WGS84")
    r = LocationReport(24.32, 47.9178, FIX, accuracy_m=150)
    ring = report_area(r)["coordinates"][0]
    d = [geod.inv(24.32, 47.9178, x, y)[2] for x, y in ring]
    assert min(d) == pytest.approx(150, abs=1e-6) and max(d) == pytest.approx(150, abs=1e-6)
    s = CellSector(24.32, 47.9178, 90, 60, 3000, 500)
    wedge = shape(report_area(LocationReport(24.32, 47.9178, FIX, source="cell-sector", sector=s)))
    inside = geod.fwd(24.32, 47.9178, 100, 2000)  # 10 deg off the axis, 2 km out
    outside_az = geod.fwd(24.32, 47.9178, 135, 2000)  # beyond the half width
    outside_near = geod.fwd(24.32, 47.9178, 90, 300)  # inside min range
    assert wedge.contains(Point(inside[:2]))
    assert not wedge.contains(Point(outside_az[:2])) and not wedge.contains(Point(outside_near[:2]))
    assert report_area(LocationReport(24.32, 47.9178, FIX)) is None  # accuracy unknown: no area
    ell = report_area(LocationReport(24.32, 47.9178, FIX, ellipse=(300, 100, 0)))["coordinates"][0]
    north = max(geod.inv(24.32, 47.9178, x, y)[2] for x, y in ell if abs(x - 24.32) < 1e-5)
    assert north == pytest.approx(300, rel=1e-6)  # the major axis points north (orientation 0)
    assert math.isclose(len(ell), 73)


def test_exports_carry_reports(workspace, tmp_path):
    from carpathia.incident.report import export_incident

    ws = workspace
    ws.add_report(parse_aml(_aml_at(*IPP)))
    sector = CellSector(IPP[0] - 0.02, IPP[1], 80, 120, 3500)
    ws.add_report(LocationReport(sector.site_lon, sector.site_lat, FIX, source="cell-sector", sector=sector))

    gpx = export_incident(ws, None, "gpx", tmp_path / "i.gpx")[0]
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    root = ET.parse(gpx).getroot()
    names = [w.findtext("g:name", namespaces=ns) for w in root.findall("g:wpt", ns)]
    assert any(n.startswith("R1") for n in names) and any(n.startswith("R2") for n in names)
    wpt = next(w for w in root.findall("g:wpt", ns) if w.findtext("g:name", namespaces=ns).startswith("R1"))
    assert float(wpt.get("lat")) == pytest.approx(IPP[1], abs=1e-5)
    assert wpt.findtext("g:time", namespaces=ns).startswith("2024-01-13T22:10:00")
    assert "150 m" in wpt.findtext("g:desc", namespaces=ns)
    assert any((t.findtext("g:name", namespaces=ns) or "").startswith("R2 area") for t in root.findall("g:trk", ns))

    kml = export_incident(ws, None, "kml", tmp_path / "i.kml")[0]
    text = kml.read_text(encoding="utf-8")
    assert "R1 aml" in text and "R2 area" in text

    import pyogrio

    gpkg = export_incident(ws, None, "gpkg", tmp_path / "i.gpkg")[0]
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"reports", "report_areas"} <= layers
    _meta, _fids, _geoms, fields = pyogrio.raw.read(gpkg, layer="reports")
    names = list(_meta["fields"])
    assert sorted(fields[names.index("source")]) == ["aml", "cell-sector"]

    gj = export_incident(ws, None, "geojson", tmp_path / "i.geojson")[0]
    feats = json.loads(gj.read_text())["features"]
    assert sum(f["properties"]["layer"] == "report_areas" for f in feats) == 2


def test_cli_report_add_and_list(tmp_path, small_terrain):
    from carpathia.incident import Workspace

    db = tmp_path / "ws.db"
    with Workspace(db, user="t") as ws:
        ws.new_incident("Lost hiker", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
    aml_file = tmp_path / "aml.txt"
    aml_file.write_text(_aml_at(*IPP) + "\n", encoding="utf-8")
    p = run_cli("incident", "report", "add", "--db", str(db), "--aml-file", str(aml_file))
    assert p.returncode == 0, p.stderr
    import mgrs

    ref = mgrs.MGRS().toMGRS(IPP[1] + 0.003, IPP[0], MGRSPrecision=3)  # 100 m square
    p = run_cli("incident", "report", "add", ref, "--db", str(db), "--source", "relative", "--time",
                "2024-01-13T23:00-05:00", "--battery", "12", "--notes", "wife on the phone")
    assert p.returncode == 0, p.stderr
    p = run_cli("incident", "report", "add", "44.27,-71.32", "--db", str(db), "--source", "cell-sector",
                "--azimuth", "80", "--beam-width", "120", "--range", "3500")
    assert p.returncode == 0, p.stderr
    p = run_cli("incident", "reports", "--db", str(db), "--json")
    rows = json.loads(p.stdout)
    assert [r["source"] for r in rows] == ["aml", "relative", "cell-sector"]
    rel = rows[1]
    assert rel["source_format"] == "mgrs" and rel["accuracy_m"] == pytest.approx(100 / math.sqrt(2))
    assert rel["battery_pct"] == 12 and rel["verification"] == "unverified"
    assert rows[0]["verification"] == "plausible"  # AML: the handset's own fix
    p = run_cli("incident", "reports", "--db", str(db), "--coords", "mgrs")
    assert p.returncode == 0 and "19T" in p.stdout and "sector 80°/120° to 3500 m" in p.stdout
    p = run_cli("incident", "report", "verify", "2", "confirmed", "--db", str(db), "--note", "seen by a shepherd")
    assert p.returncode == 0, p.stderr
    p = run_cli("incident", "map", "--report", "1", "--at", "2024-01-14T04:10Z", "--db", str(db))
    assert p.returncode == 0 and "from report 1" in p.stdout, p.stderr
    # bad input: one line, exit 2, nothing written
    for args in (["--source", "cell-sector", "44.27,-71.32"], ["--aml", "A\"ML=1;lt=abc"], ["nowhere"],
                 ["44.27,-71.3", "--aml", "x"], ["44.27,-71.3", "--battery", "140"]):
        p = run_cli("incident", "report", "add", "--db", str(db), *args)
        assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, (args, p.stderr)
    with Workspace(db) as ws:
        assert len(ws.reports()) == 3 and ws.store.verify() == []


def test_a_map_grown_from_a_report_is_a_replayable_version(workspace):
    ws = workspace
    rid = ws.add_report(LocationReport(IPP[0] + 0.01, IPP[1] + 0.005, FIX, source="aml", accuracy_m=150))["report_id"]
    v = ws.map_from_report(rid, at="2024-01-14T04:10+00:00")
    meta = json.loads(v["meta"])
    assert meta["report"]["id"] == rid and meta["hours_since_fix"] == pytest.approx(6.0)
    assert meta["run"]["model"] == "report" and meta["run"]["kwargs"]["base"] == "travel_time"
    assert ws.replay().ok  # the version is rebuilt bit for bit from the recorded report
    ws.set_report_verification(rid, "refuted")
    with pytest.raises(InputError, match="refuted"):
        ws.map_from_report(rid)


def test_two_moving_fixes_tilt_the_workspace_map(workspace):
    from pyproj import Geod

    ws = workspace
    a = LocationReport(IPP[0], IPP[1], FIX, source="aml", accuracy_m=40, verification="plausible")
    lon, lat, _ = Geod(ellps="WGS84").fwd(IPP[0], IPP[1], 0.0, 900.0)  # 900 m north in 40 min
    ws.add_report(a)
    rid = ws.add_report(a.with_(lon=float(lon), lat=float(lat), time=FIX + timedelta(minutes=40)))["report_id"]
    v = ws.map_from_report(rid, at="2024-01-14T01:00+00:00")
    run = json.loads(v["meta"])["run"]
    heading = run["kwargs"]["heading_deg"]
    assert min(heading, 360.0 - heading) == pytest.approx(0.0, abs=0.01)  # due north
    assert ws.replay().ok
