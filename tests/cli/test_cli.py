"""The command line, driven as a user would: real subprocesses, real files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from affine import Affine

from tests.conftest import run_cli, write_tif


def _one_clean_line(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_info_json_of_a_region():
    proc = run_cli("terrain", "info", "white-mountains", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["crs"] == "EPSG:32619" and info["shape"] == [1184, 796] and info["resolution_m"] == 90
    assert set(info["elevation"]) == {"min", "max", "mean"}
    assert 1890 < info["elevation"]["max"] <= 1908 and info["elevation"]["min"] > 100


def test_info_of_a_dem_file_with_an_area(hgt):
    proc = run_cli(
        "terrain", "info", str(hgt), "--center", "44.2708,-71.3033", "--radius", "3000", "--resolution", "30", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["shape"] == [201, 201] and info["resolution_m"] == 30
    text = run_cli("terrain", "info", "maramures")
    assert text.returncode == 0 and "EPSG:32635" in text.stdout and "100 m" in text.stdout
    assert "RECONSTRUCTION" in text.stdout


def test_regions_lists_all_and_says_maramures_is_a_reconstruction():
    proc = run_cli("regions")
    assert proc.returncode == 0
    assert "white-mountains" in proc.stdout and "maramures-1km" in proc.stdout
    text = " ".join(proc.stdout.split())
    assert "RECONSTRUCTION of SRTM" in text and "peaks 10-50 m low" in text and "region build" in text
    data = json.loads(run_cli("regions", "--json").stdout)
    assert {r["name"] for r in data} >= {"white-mountains", "maramures", "maramures-1km"}
    mm = next(r for r in data if r["name"] == "maramures")
    assert mm["resolution_m"] == 100 and "reconstructed" in mm["source"]


def test_render_and_refuse_to_overwrite(tmp_path):
    out = tmp_path / "m.png"
    proc = run_cli("terrain", "render", "maramures", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 100_000
    mtime = out.stat().st_mtime_ns
    line = _one_clean_line(run_cli("terrain", "render", "maramures", "--out", str(out)))
    assert "--overwrite" in line and out.stat().st_mtime_ns == mtime
    assert run_cli("terrain", "render", "maramures", "--out", str(out), "--overwrite").returncode == 0


def test_region_build_then_use(tmp_path, hgt, shared):
    env = {"CARPATHIA_HOME": str(tmp_path / "home")}
    gpx = shared / "gpx" / "setnjica-kod-karojbe.gpx"
    proc = run_cli(
        "region",
        "build",
        "--dem",
        str(hgt),
        "--name",
        "presidential",
        "--bbox",
        "-71.45,44.2,-71.2,44.35",
        "--resolution",
        "60",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "home" / "regions" / "presidential.npz").is_file()
    listed = run_cli("regions", env=env)
    assert "presidential" in listed.stdout and "user" in listed.stdout
    info = json.loads(run_cli("terrain", "info", "presidential", "--json", env=env).stdout)
    assert info["resolution_m"] == 60
    # trails from a GPX file far away: clear error, nothing written
    bad = run_cli(
        "region",
        "build",
        "--dem",
        str(hgt),
        "--name",
        "p2",
        "--bbox",
        "-71.45,44.2,-71.2,44.35",
        "--trails",
        str(tmp_path / "missing.gpx"),
        env=env,
    )
    _one_clean_line(bad)
    assert not (tmp_path / "home" / "regions" / "p2.npz").exists()
    assert gpx.exists()


def test_demo_writes_maps_and_summary(tmp_path):
    out = tmp_path / "demo"
    proc = run_cli("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for name in (
        "white-mountains-terrain.png",
        "maramures-terrain.png",
        "summary.json",
        "white-mountains-poa.tif",
        "maramures-poa.png",
        "maramures-poa-containment.geojson",
    ):
        assert (out / name).is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["regions"]["maramures"]["resolution_m"] == 100  # issue 20: the home region at 100 m
    assert "reconstruction" in summary["regions"]["maramures"]["accuracy"]
    assert np.isfinite(summary["regions"]["maramures"]["slope_deg"]["mean"])
    assert "RECONSTRUCTION" in proc.stdout
    for region in ("white-mountains", "maramures"):  # issue 6: survival clock and rescue at the most probable cell
        clock = summary["survival"][region]
        assert clock["wind_chill_c"] < -20 and 0 < clock["hours_to_core_30c"] < 48
        assert clock["time_left"]["hours_missing"] > 0
        rescue = summary["rescue"][region]
        top = summary["maps"][region]["most_probable_cell"]
        assert (rescue["query"]["lat"], rescue["query"]["lon"]) == pytest.approx((top["lat"], top["lon"]), abs=1e-4)
        assert "landing_zones" in rescue and "carry_out" in rescue
    assert summary["rescue"]["white-mountains"]["landing_zones"]  # the summit cone has benches under 7°
    # 100 m cells see the open ridge of Pop Ivan (the 1 km grid said "hoist required")
    assert summary["rescue"]["maramures"]["landing_zones"]
    assert "survival" in proc.stdout and "rescue at the most probable cell" in proc.stdout
    mm = summary["operations"]["maramures"]  # issue 20: the home scenario with Salvamont-sized teams
    assert mm["base"] == "Poienile de sub Munte" and mm["segments"] >= 50
    assert {a["team"] for a in mm["period"]["assignments"]} <= {t for t, _ in mm["teams"]}
    assert (out / "maramures-incident" / "sheets" / "assignment-101.pdf").is_file()
    ops = summary["operations"]["white-mountains"]  # issues 5 and 7: a first period, a debrief, every export
    assert ops["segments"] >= 5 and len(ops["period"]["assignments"]) >= 3 and 0 < ops["period"]["pos"] < 1
    assert [a["number"] for a in ops["period"]["assignments"]][:2] == [101, 102]
    assert ops["map_versions"] == 2 and ops["replay_ok"] and 0 < ops["pos_so_far"] < 1
    inc = out / "white-mountains-incident"
    for name in ("incident.db", "incident.geojson", "incident.kml", "incident.gpx", "incident.gpkg"):
        assert (inc / name).stat().st_size > 0
    assert (inc / "poa-after-debrief.tif").is_file() and (inc / "briefing.png").is_file()
    assert (inc / "sheets" / "assignment-101.pdf").read_bytes().startswith(b"%PDF")
    river = summary["river"]  # issue 9: the Tisza incident near Sighetu Marmației
    assert river["snap"]["river"] == "Tisza" and river["snap"]["distance_m"] < 500
    assert sum(v for k, v in river["state_split"].items() if k != "surface") == pytest.approx(1.0, abs=1e-6)
    assert (out / "tisza-river" / "handoff.csv").is_file() and (out / "tisza-river" / "map.png").is_file()
    _one_clean_line(run_cli("demo", "--out", str(out)))  # exists: needs --overwrite


@pytest.fixture
def bad_files(tmp_path, hgt):
    truncated = tmp_path / "N44W072.hgt"
    truncated.write_bytes(hgt.read_bytes()[:5000])
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    png = tmp_path / "pic.png"
    plt.imsave(png, np.zeros((8, 8)))
    renamed = tmp_path / "photo.tif"
    renamed.write_bytes(png.read_bytes())
    nocrs = write_tif(
        tmp_path / "nocrs.tif", np.ones((20, 20), np.float32), Affine(1000, 0, 400000, 0, -1000, 600000), None
    )
    return {"truncated": truncated, "empty": empty, "renamed": renamed, "nocrs": nocrs}


@pytest.mark.parametrize(
    ("case", "args", "expect"),
    [
        ("truncated .hgt", ["terrain", "info", "{truncated}"], "truncated"),
        ("empty file", ["terrain", "info", "{empty}"], "empty"),
        ("PNG renamed .tif", ["terrain", "info", "{renamed}"], "PNG"),
        ("GeoTIFF without CRS", ["terrain", "info", "{nocrs}"], "--crs"),
        ("area outside the data", ["terrain", "info", "{hgt}", "--bbox", "23,47,24,48"], "outside"),
        ("resolution 0", ["terrain", "info", "{hgt}", "--resolution", "0"], "resolution"),
        ("resolution -5", ["terrain", "info", "{hgt}", "--resolution", "-5"], "resolution"),
        ("no such path", ["terrain", "info", "/no/such/dem.tif"], "no such file"),
        ("unknown region", ["terrain", "info", "atlantis"], "region"),
        ("bad centre", ["terrain", "info", "{hgt}", "--center", "44.2", "--radius", "100"], "LAT,LON"),
        ("radius without centre", ["terrain", "info", "{hgt}", "--radius", "100"], "centre"),
        ("render to .jpg", ["terrain", "render", "maramures", "--out", "{tmp}/x.jpg"], ".png"),
        ("bad region name", ["region", "build", "--dem", "{hgt}", "--name", "Bad Name!"], "region name"),
        ("crop a built region", ["terrain", "info", "maramures", "--resolution", "30"], "built region"),
        ("not a number", ["terrain", "info", "{hgt}", "--resolution", "abc"], "resolution"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(case, args, expect, bad_files, hgt, tmp_path):
    paths = {k: str(v) for k, v in bad_files.items()} | {"hgt": str(hgt), "tmp": str(tmp_path)}
    before = set(tmp_path.rglob("*"))
    line = _one_clean_line(run_cli(*[a.format(**paths) for a in args]))
    assert expect.lower() in line.lower(), line
    assert set(tmp_path.rglob("*")) == before  # nothing written


def test_no_args_prints_help():
    proc = run_cli()
    assert proc.returncode == 0 and "terrain" in proc.stdout and "demo" in proc.stdout
    assert run_cli("--version").stdout.startswith("carpathia ")
