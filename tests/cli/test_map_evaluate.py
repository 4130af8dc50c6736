"""`carpathia map` and `carpathia evaluate` driven as a user would."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import rasterio

from tests.conftest import run_cli

CASES_HEADER = "Case_Name,IPP Lat,IPP Lon,Find Lat,Find Lot,Watershed,SubjectCategory,Eco Region,Terrain,Distance\n"


def test_map_writes_geotiff_png_geojson(tmp_path):
    out = tmp_path / "m"
    proc = run_cli(
        "map",
        "--region",
        "maramures",
        "--ipp",
        "47.92,24.32",
        "--category",
        "hiker",
        "--model",
        "travel_time",
        "--hours",
        "24",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    with rasterio.open(out / "poa.tif") as ds:
        p = ds.read(1).astype(np.float64)
        row = float(ds.tags()["CARPATHIA_REST_OF_WORLD"])
        assert json.loads(ds.tags()["CARPATHIA_META"])["model"] == "travel_time"
    assert p.sum() + row == pytest.approx(1.0, abs=1e-5)
    fc = json.loads((out / "containment.geojson").read_text())
    assert [f["properties"]["level"] for f in fc["features"]] == [0.25, 0.5, 0.75, 0.95]
    assert (out / "poa.png").stat().st_size > 50_000
    assert "50% containment" in proc.stdout


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--ipp", "44.27,-71.30"], "outside the terrain"),
        (["--ipp", "nan,24.3"], "LAT,LON"),
        (["--ipp", "47.9"], "LAT,LON"),
        (["--model", "bayesian-magic"], "unknown model"),
        (["--hours", "-3"], "hours"),
        (["--category", ""], "category"),
    ],
)
def test_map_bad_input(tmp_path, args, expect):
    base = {"--region": "maramures", "--ipp": "47.92,24.32", "--category": "hiker", "--out": str(tmp_path / "o")}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = ["map"] + [x for kv in base.items() for x in kv]
    proc = run_cli(*argv)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error")]
    assert len(lines) == 1 and expect.lower() in lines[0].lower(), proc.stderr
    assert not (tmp_path / "o" / "poa.tif").exists()


def test_unknown_category_falls_back_with_a_warning(tmp_path):
    proc = run_cli(
        "map",
        "--region",
        "maramures",
        "--ipp",
        "47.92,24.32",
        "--category",
        "astronaut",
        "--model",
        "rings",
        "--out",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 0, proc.stderr
    warn = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert warn and "astronaut" in warn[0]


def test_evaluate_small_grid_with_bad_rows(tmp_path, shared):
    src = (shared / "lost_person" / "mapscore_arizona_cases.csv").read_text().splitlines()
    rows = [
        CASES_HEADER.strip(),
        *src[1:9],
        "BadNaN,nan,-111.2,31.4,-111.1,0,Hiker,Dry,Flat,1",
        "BadText,31.4,abc,31.4,-111.1,0,Hiker,Dry,Flat,1",
        "Short,31.4",
    ]
    f = tmp_path / "cases.csv"
    f.write_text("\n".join(rows) + "\n")
    out = tmp_path / "per_case.csv"
    proc = run_cli(
        "evaluate", str(f), "--model", "rings", "--json", "--cells", "501", "--cell-size", "50", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["n"] == 8
    assert {"n", "mean_score", "ci_low", "ci_high", "mean_log_score", "containment"} <= set(res)
    assert res["ci_low"] <= res["mean_score"] <= res["ci_high"]
    assert set(res["containment"]) == {"25", "50", "75", "95"}
    reasons = {s["name"]: s["reason"] for s in res["skipped"]}
    assert {"BadNaN", "BadText", "Short"} <= set(reasons)
    with open(out) as fh:
        assert len(list(csv.DictReader(fh))) == 8


def test_evaluate_bad_files(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    for args in (
        ["evaluate", str(empty)],
        ["evaluate", str(tmp_path / "none.csv")],
        ["evaluate", str(empty), "--cells", "500"],
    ):
        proc = run_cli(*args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1


def test_map_with_user_categories(tmp_path):
    toml = tmp_path / "cats.toml"
    toml.write_text('[[category]]\nname = "shepherd"\np25_km = 0.5\np50_km = 1.0\np75_km = 2.0\np95_km = 5.0\n')
    out = tmp_path / "m"
    proc = run_cli(
        "map",
        "--region",
        "maramures",
        "--ipp",
        "47.92,24.32",
        "--category",
        "shepherd",
        "--categories",
        str(toml),
        "--model",
        "rings",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr
    with rasterio.open(out / "poa.tif") as ds:
        meta = json.loads(ds.tags()["CARPATHIA_META"])
    assert meta["profile"]["quantiles_m"]["0.5"] == pytest.approx(1000.0)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[category]]\nname = "x"\np25_km = 3\np50_km = 1\np75_km = 2\np95_km = 5\n')
    proc = run_cli(
        "map",
        "--region",
        "maramures",
        "--ipp",
        "47.92,24.32",
        "--category",
        "x",
        "--categories",
        str(bad),
        "--out",
        str(tmp_path / "n"),
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
