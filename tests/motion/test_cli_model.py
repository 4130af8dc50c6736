"""``carpathia simulate`` end to end, and the ``agents`` model in ``carpathia evaluate``."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED, need, run_cli


def test_simulate_writes_maps_strip_gif_and_tracks(tmp_path):
    out = tmp_path / "sim"
    r = run_cli(
        "simulate", "--region", "white-mountains", "--ipp", "44.2571,-71.2530", "--category", "hiker",
        "--hours", "3", "--agents", "3000", "--times", "1,3", "--start", "2024-01-13T15:00:00-05:00",
        "--weather", "carpathian-blizzard", "--tracks", "10", "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    for name in ("poa_1h.tif", "poa_1h.png", "poa_3h.tif", "poa_3h.png", "spread.png", "spread.gif", "tracks.geojson"):
        assert (out / name).stat().st_size > 0, name
    fc = json.loads((out / "tracks.geojson").read_text())
    assert len(fc["features"]) == 10
    summary = json.loads((out / "summary.json").read_text())
    assert summary["meta"]["seed"] == 0 and len(summary["snapshots"]) == 2
    from carpathia.probability import ProbabilityMap

    pmap = ProbabilityMap.from_geotiff(out / "poa_3h.tif")
    assert pmap.total == pytest.approx(1.0) and pmap.meta["model"] == "agents"
    again = run_cli("simulate", "--region", "white-mountains", "--ipp", "44.2571,-71.2530", "--out", str(out))
    assert again.returncode == 2 and "--overwrite" in again.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--ipp", "10,10"),
        ("--ipp", "44.2571,-71.2530", "--agents", "0"),
        ("--ipp", "44.2571,-71.2530", "--times", "30"),
        ("--ipp", "44.2571,-71.2530", "--start", "soon"),
        ("--ipp", "44.2571,-71.2530", "--weather", "monsoon"),
    ],
)
def test_simulate_bad_input_is_one_line(tmp_path, args):
    r = run_cli("simulate", "--region", "white-mountains", "--hours", "2", "--out", str(tmp_path / "x"), *args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_agents_model_evaluates():
    csv = SHARED / "lost_person" / "mapscore_arizona_cases.csv"
    need(csv.exists(), f"{csv} not found")
    from carpathia.probability.evaluate import evaluate

    ev = evaluate(csv, model="agents", limit=3, cells=1001, cell_m=5.0, n_agents=3000)
    assert len(ev.per_case) == 3
    for c in ev.per_case:
        assert -1.0 <= c["score"] <= 1.0
    assert ev.summary["n"] == 3
