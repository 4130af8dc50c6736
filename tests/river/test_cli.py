"""carpathia river end to end, the demo hook, and bad input at the command line."""

from __future__ import annotations

import csv
import json
import sys

import pytest

from carpathia.terrain import Terrain
from tests.conftest import run_cli


def test_river_incident_near_sighet_writes_everything(tmp_path):
    from carpathia.river import river_incident

    t = Terrain.from_region("maramures")
    res = river_incident(t, lon=23.89, lat=47.93, time="2024-04-12T15:00", water_temp_c=6, hours=48, n_particles=5_000)
    assert res.drift.snap.river == "Tisza"
    assert res.phase == "recovery"  # 10 min without a lifejacket at 6 °C
    files = res.write(tmp_path)
    assert {f.name for f in files} == {
        "table.csv",
        "table.json",
        "map.png",
        "segments.geojson",
        "plan.json",
        "handoff.csv",
        "handoff.geojson",
        "summary.json",
    }
    table = json.loads((tmp_path / "table.json").read_text())
    assert sum(r["p_total"] for r in table["reaches"]) + table["beyond_modelled_reach"] == pytest.approx(1.0)
    rows = list(csv.DictReader((tmp_path / "handoff.csv").open()))
    assert rows and {"chainage_km_start", "lat", "lon", "bank_side"} <= set(rows[0])
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["assignments"] and plan["catch_points"]
    with pytest.raises(FileExistsError):
        res.write(tmp_path)


def test_lifejacket_in_warm_water_is_a_rescue():
    from carpathia.river import river_incident

    t = Terrain.from_region("maramures")
    res = river_incident(
        t, lon=23.89, lat=47.93, water_temp_c=12, hours=1, lifejacket=True, n_particles=5_000, teams=()
    )
    assert res.phase == "rescue" and res.plan is None
    assert "RESCUE" in res.clock_text()


def test_cli_river(tmp_path):  # ~11 s: a claim checked in the default run
    out = tmp_path / "out"
    r = run_cli(
        "river",
        "--region",
        "maramures",
        "--pls",
        "47.93,23.89",
        "--time",
        "2024-04-12T15:00",
        "--water-temp",
        "6",
        "--hours",
        "48",
        "--particles",
        "20000",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert "RECOVERY" in r.stdout and "survival" in r.stdout
    assert (out / "map.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--pls", "47.975,23.89", "--water-temp", "6"], "km from the nearest river"),
        (["--pls", "47.93,23.89", "--water-temp", "-2"], "water temperature"),
        (["--pls", "47.93,23.89", "--water-temp", "6", "--velocity", "40"], "m/s"),
    ],
)
def test_cli_bad_input(tmp_path, args, words):
    r = run_cli("river", "--region", "maramures", *args, "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert words in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_cli_river_file_without_lines(tmp_path):
    p = tmp_path / "pts.geojson"
    p.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [23.89, 47.93]}}
                ],
            }
        )
    )
    r = run_cli(
        "river",
        "--region",
        "maramures",
        "--pls",
        "47.93,23.89",
        "--water-temp",
        "6",
        "--rivers",
        str(p),
        "--out",
        str(tmp_path / "o"),
    )
    assert r.returncode == 2 and "no river lines" in r.stderr


def test_public_api_is_curated():
    import carpathia.river as mod

    public = {n for n in vars(mod) if not n.startswith("_") and not isinstance(getattr(mod, n), type(sys))}
    public -= {"annotations"}
    assert public <= set(mod.__all__)
    assert all(hasattr(mod, n) for n in mod.__all__)
