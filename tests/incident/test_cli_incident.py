"""``carpathia incident ...`` end to end: the whole cycle in-process, and the error path in a real subprocess."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import SHARED, maybe_tool, need, run_cli

from .conftest import IPP, sweep_lonlat, write_segments, write_track_gpx


def cli(capsys, *args: str) -> tuple[int, str, str]:
    from carpathia.cli._main import main

    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_the_cycle_from_the_command_line(tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    base = ["--db", db]

    def ok(*args):
        code, out, err = cli(capsys, "incident", *args, *base)
        assert code == 0, err
        return out

    ok(
        "new",
        "Lost hiker",
        "--ipp",
        f"{IPP[1]},{IPP[0]}",
        "--last-seen",
        "2024-01-13T15:30-05:00",
        "--region",
        "white-mountains",
        "--radius",
        "4000",
        "--user",
        "alice",
    )
    assert "Lost hiker" in ok("list")
    ok("map", "--at", "2024-01-13T21:30-05:00")
    ok("segments", "import", str(write_segments(tmp_path / "segs.geojson")))
    ok("team", "add", "Grid 1", "--resource", "grid-team", "--radio", "ch 3")
    ok("team", "add", "K9 A", "--resource", "dog-team")
    ok("weather", "add", "--temp", "-8", "--wind", "30", "--time", "2024-01-13T20:00-05:00")
    plan = json.loads(ok("plan", "--hours", "12", "--start", "2024-01-14T06:00-05:00", "--json"))
    first = plan["assignments"][0]
    assert first["number"] == 101
    show = json.loads(ok("show", "--json"))
    seg = next(
        s
        for s in json.loads((tmp_path / "segs.geojson").read_text())["features"]
        if s["properties"]["label"] == first["segment"]
    )
    lon, lat = sweep_lonlat(seg["geometry"])
    gpx = write_track_gpx(tmp_path / "t101.gpx", lon, lat)
    r = json.loads(
        ok(
            "debrief",
            "101",
            "--track",
            str(gpx),
            "--clue",
            f"{IPP[1] + 0.002},{IPP[0]}",
            "--time",
            "2024-01-14T17:00-05:00",
            "--json",
            "--user",
            "bob",
        )
    )
    assert r["map_version"] == 2 and 0 < r["segment_pod"] < 1
    ok("clue", "add", f"{IPP[1]},{IPP[0] + 0.003}", "--description", "glove", "--time", "2024-01-14T18:00-05:00")
    st = json.loads(ok("status", "--at", "2024-01-14T20:00-05:00", "--json"))
    assert st["map_version"] == 3 and st["debriefs"] == 1 and st["hours_missing"] == pytest.approx(28.5)
    assert st["survival"]["air_temp_c"] == -8
    log = json.loads(ok("log", "--json"))
    assert [e["who"] for e in log][:1] == ["alice"] and "bob" in [e["who"] for e in log]
    assert ok("replay").strip().endswith("replay matches the stored maps")
    # exports
    out_geojson = tmp_path / "incident.geojson"
    ok("export", "--format", "geojson", "--out", str(out_geojson))
    fc = json.loads(out_geojson.read_text())
    layers = {f["properties"]["layer"] for f in fc["features"]}
    assert {"ipp", "segments", "assignments", "clues", "tracks"} <= layers
    ok("export", "--format", "geotiff", "--out", str(tmp_path / "poa.tif"))
    import rasterio

    with rasterio.open(tmp_path / "poa.tif") as ds:
        assert ds.crs is not None and ds.shape == (91, 91)
    gpx_out = tmp_path / "incident.gpx"
    ok("export", "--format", "gpx", "--out", str(gpx_out))
    assert gpx_out.stat().st_size > 0
    xsd = SHARED / "schemas" / "gpx-1.1.xsd"
    need(xsd.exists(), f"{xsd} not found")
    if maybe_tool("xmllint"):
        res = subprocess.run(["xmllint", "--noout", "--schema", str(xsd), str(gpx_out)], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
    # refuses to overwrite, then undo the last change (the clue)
    code, _, err = cli(capsys, "incident", "export", "--format", "geojson", "--out", str(out_geojson), *base)
    assert code == 2 and "--overwrite" in err
    assert "undo #" in ok("undo")
    assert json.loads(ok("status", "--json", "--at", "2024-01-14T20:00-05:00"))["map_version"] == 2
    assert show["teams"][0]["radio"] == "ch 3"


def test_errors_are_one_line_and_exit_2(tmp_path):
    db = str(tmp_path / "e.db")
    res = run_cli("incident", "status", "--db", db)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr


def test_bad_options_exit_2(tmp_path, capsys):
    db = str(tmp_path / "b.db")
    code, _, err = cli(
        capsys,
        "incident",
        "new",
        "X",
        "--ipp",
        "44.27,-71.30",
        "--last-seen",
        "2024-01-13T15:30",
        "--region",
        "white-mountains",
        "--radius",
        "3000",
        "--db",
        db,
    )
    assert code == 2 and "time zone" in err
    code, _, err = cli(
        capsys,
        "incident",
        "new",
        "X",
        "--ipp",
        "-71.30,44.27",
        "--last-seen",
        "2024-01-13T15:30Z",
        "--region",
        "white-mountains",
        "--db",
        db,
    )
    assert code == 2 and err.startswith("error:")
    code, _, err = cli(capsys, "incident", "debrief", "101", "--track", str(tmp_path / "none.gpx"), "--db", db)
    assert code == 2 and "no such file" in err


def test_real_gpx_walk_is_imported_with_its_times(tmp_path, small_terrain):
    """The shared GPX 1.0 walk, moved onto the incident's terrain, keeps its timestamps in the store."""
    need((SHARED / "gpx").is_dir(), "shared GPX folder missing")
    from carpathia.search import Track, read_tracks

    from .conftest import open_incident

    src = next((SHARED / "gpx").glob("*.gpx"))
    walk = read_tracks(src)[0]
    shift_lon = IPP[0] - float(walk.lon.mean())
    shift_lat = IPP[1] - float(walk.lat.mean())
    moved = Track(walk.lon + shift_lon, walk.lat + shift_lat, walk.time, walk.name, str(src))
    ws = open_incident(tmp_path / "g.db", small_terrain)
    ws.plan(hours=12, start="2024-01-14T06:00-05:00")
    ws.debrief(101, [moved], time="2024-01-14T17:00Z")
    row = ws.store.one("SELECT * FROM tracks")
    assert row["start"] is not None and row["start"].endswith("Z")
    assert row["start"] == moved.thinned(5.0).start
    assert ws.replay().ok
    ws.close()
