"""The workspace and the CLI under hostile names and files; the audit log's guarantees.

Names with mathtext, XML-forbidden controls, Rich markup and terminal escapes; ids reused after
undo; history rewritten behind the triggers' back; a tiny GeoTIFF that declares a huge raster.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from carpathia.errors import InputError
from carpathia.incident import Store, Workspace
from carpathia.incident._schema import MIGRATIONS
from tests.conftest import run_cli

from .conftest import IPP, LAST_SEEN, MAP_AT, open_incident, segment_features

HOSTILE = "Echipa $\\alpha^{$ [/bold] \x1b[31mred\x07\x00 \u202eevil"


# ---------------------------------------------------------------------- names in exports and on the terminal
def test_hostile_names_export_and_print(tmp_path, small_terrain):
    db = tmp_path / "ws.db"
    ws = open_incident(db, small_terrain)
    feats = segment_features(2, d=0.01)
    for k, f in enumerate(feats):
        f["properties"]["label"] = f"{HOSTILE} {k}"
    (tmp_path / "s.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    ws.import_segments(tmp_path / "s.geojson")
    ws.add_team(HOSTILE, "grid-team", radio="$x$")
    ws.plan(hours=12, start="2024-01-14T06:00-05:00", method="greedy")
    ws.add_clue(IPP[0], IPP[1], description=HOSTILE, time="2024-01-14T09:00Z")
    ws.close()
    for fmt, name in (
        ("png", "m.png"),
        ("pdf", "sheets"),
        ("kml", "m.kml"),
        ("gpx", "m.gpx"),
        ("geojson", "m.geojson"),
    ):
        r = run_cli("incident", "export", "--format", fmt, "--out", str(tmp_path / name), "--db", str(db))
        assert r.returncode == 0, (fmt, r.stderr)
    assert (tmp_path / "m.png").stat().st_size > 10_000
    assert list((tmp_path / "sheets").glob("*.pdf"))
    for name in ("m.kml", "m.gpx"):
        root = ET.parse(tmp_path / name).getroot()  # well-formed XML
        assert "[/bold]" in ET.tostring(root, encoding="unicode")
    for args in (("show",), ("list",), ("log",), ("status",), ("team", "list")):
        r = run_cli("incident", *args, "--db", str(db))
        assert r.returncode == 0, (args, r.stderr)
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\u202e" not in r.stdout, args
    show = run_cli("incident", "show", "--db", str(db)).stdout
    assert "[/bold]" in show and "\\x1b[31mred" in show
    # an error message naming a hostile value is one clean line too
    r = run_cli("incident", "show", "--incident", "no \x1b[2J such", "--db", str(db))
    assert r.returncode == 2 and "\x1b" not in r.stderr and "\\x1b" in r.stderr


def test_digit_names_are_refused(tmp_path, small_terrain):
    with Workspace(tmp_path / "ws.db") as ws:
        with pytest.raises(InputError, match="digits"):
            ws.new_incident("42", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
        iid = ws.new_incident("Lost 42", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
        assert ws.incident_id(iid) == iid and ws.incident_id(str(iid)) == iid
        for bad in (0, -1, 2**63, 10**30):
            with pytest.raises(InputError):
                ws.incident_id(bad)


# ---------------------------------------------------------------------- ids never reused, history tamper-evident
def test_ids_are_not_reused_after_undo(tmp_path, small_terrain):
    with Workspace(tmp_path / "ws.db") as ws:
        a = ws.new_incident("A", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
        b = ws.new_incident("B", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
        ws.undo(b)
        c = ws.new_incident("C", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
        assert c not in (a, b)
        assert [e["action"] for e in ws.log(c)] == ["incident new"]  # no inherited history
        t1 = ws.add_team("T1", "grid-team", a)
        ws.undo(a)
        assert ws.add_team("T2", "grid-team", a) != t1


def test_migration_from_schema_1_keeps_data_and_seeds_ids(tmp_path, small_terrain):
    db = tmp_path / "v1.db"
    s = Store(db, migrations=MIGRATIONS[:1])
    ws = Workspace.__new__(Workspace)  # a schema-1 workspace as the previous release wrote it
    ws.store, ws.user, ws._terrains = s, "old", {}
    a = ws.new_incident("A", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
    b = ws.new_incident("B", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
    ws.run_map(a, at=MAP_AT)
    ws.undo(b)
    assert s.schema_version == 1
    s.close()
    with Workspace(db) as ws2:
        assert ws2.store.schema_version == len(MIGRATIONS)
        assert ws2.store.verify() == []  # the old history is chained and matches the rows
        assert ws2.incident_row("A")["id"] == a
        c = ws2.new_incident("C", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
        assert c > b  # b's id was undone before the migration and is still never given again
        assert ws2.replay(a).ok
        sql = ws2.store.one("SELECT sql FROM sqlite_master WHERE name = 'incidents'")["sql"]
        assert "AUTOINCREMENT" in sql


def test_rewritten_history_is_detected(tmp_path, small_terrain):
    db = tmp_path / "ws.db"
    open_incident(db, small_terrain).close()
    r = run_cli("incident", "verify", "--db", str(db))
    assert r.returncode == 0 and "head #" in r.stdout, r.stderr
    with Store(db) as s:
        head = s.head()
        n = s.count("audit")
    # someone with the file drops the trigger and rewrites who made a change
    c = sqlite3.connect(db)
    c.execute("DROP TRIGGER audit_append_only_update")
    c.execute("UPDATE audit SET who = 'somebody else' WHERE id = 2")
    c.commit()
    c.close()
    r = run_cli("incident", "verify", "--db", str(db))
    assert r.returncode == 2 and "entry 2" in r.stdout and "rewritten" in r.stdout
    with Workspace(db) as ws:
        assert not ws.replay().ok  # replay reports it too
    # a row changed around the log, and an entry removed
    c = sqlite3.connect(db)
    c.execute("UPDATE audit SET who = 'planner' WHERE id = 2")  # put back (hash ok again)
    c.execute("UPDATE teams SET name = 'Ghost team' WHERE id = 1")
    c.execute("DROP TRIGGER audit_append_only_delete")
    c.execute("DELETE FROM audit WHERE id = 3")
    c.commit()
    c.close()
    with Store(db) as s:
        problems = s.verify()
        assert s.head() == head and s.count("audit") == n - 1
    assert any("teams row 1 differs" in p for p in problems)
    assert any("entry 4" in p and "removed" in p for p in problems)


# ---------------------------------------------------------------------- files
def test_tiny_geotiff_declaring_a_huge_raster_is_refused_before_reading(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    p = tmp_path / "huge.tif"
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        width=100_000,
        height=50_000,
        count=1,
        dtype="float32",
        crs="EPSG:32619",
        transform=from_origin(300_000, 4_900_000, 0.01, 0.01),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        SPARSE_OK=True,
        nodata=-9999,
    ) as ds:
        ds.write(np.full((512, 512), 500, np.float32), 1, window=rasterio.windows.Window(0, 0, 512, 512))
    assert p.stat().st_size < 400_000
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30));"
        "from carpathia.cli import main; sys.argv = ['carpathia', 'terrain', 'info', sys.argv[1]]; main()"
    )
    r = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr  # a clear refusal, not a MemoryError
    assert "100,000 × 50,000" in r.stderr and "Traceback" not in r.stderr


def test_impossible_hgt_name_and_output_below_a_file_exit_2(tmp_path, hgt):
    bad = tmp_path / "N99E999.hgt"
    bad.write_bytes(hgt.read_bytes())
    r = run_cli("terrain", "info", str(bad))
    assert r.returncode == 2 and "N99E999" in r.stderr, r.stderr
    (tmp_path / "afile").write_text("x")
    r = run_cli("terrain", "render", str(hgt), "--out", str(tmp_path / "afile" / "x.png"))
    assert r.returncode == 2 and "is a file" in r.stderr, r.stderr
    r = run_cli("incident", "list", "--db", str(tmp_path / "afile" / "ws.db"))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr


def test_pdf_sheet_zip_names_are_safe(tmp_path, small_terrain):
    """The web export of sheets names its zip from the incident name through a safe pattern."""
    from carpathia.web._incidents import _export_name

    with Workspace(tmp_path / "ws.db") as ws:
        iid = ws.new_incident("../../etc/$x$ \x1b", ipp=IPP, last_seen=LAST_SEEN, terrain=small_terrain)
        name = _export_name(ws, iid, "pdf")
    assert "/" not in name and "\x1b" not in name and not name.startswith(".")
