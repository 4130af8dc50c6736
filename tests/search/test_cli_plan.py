"""`carpathia plan` and `carpathia update` end to end (few subprocesses: each costs seconds)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import warnings

import pytest

from carpathia.io.gpx import GpxLine, write_gpx
from carpathia.search import track_from_route
from carpathia.search.coverage import read_tracks
from tests.conftest import SHARED, need, run_cli


def _main(*args: str) -> int:
    """The real command line, in this process (the imports are paid once); its exit status."""
    from carpathia.cli._main import main

    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return exc.value.code


@pytest.fixture(scope="module")
def incident(tmp_path_factory, white_mountains):
    from carpathia.incident import Incident
    from carpathia.probability.models import get_model

    d = tmp_path_factory.mktemp("plan")
    ipp = (-71.30, 44.27)
    t = white_mountains.crop(ipp, 4000)
    region = t.save(d / "crop.npz")
    inc = Incident.create(ipp_lat=ipp[1], ipp_lon=ipp[0], category="hiker")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a 4 km crop is 'sparse terrain' for the profile: expected
        pmap = get_model("rings")(inc, t)
    pmap.meta["region"] = str(region)
    pmap.to_geotiff(d / "poa.tif")
    (d / "res.toml").write_text("[resources.grid-team]\nspeed_m_s = 0.4\n\n[teams]\ngrid-team = 2\n", encoding="utf-8")
    return d


def test_plan_then_update(incident):
    d = incident
    code = _main("plan", "--map", str(d / "poa.tif"), "--resources", str(d / "res.toml"), "--team", "dog-team:1:6",
                 "--hours", "6", "--base", "44.262,-71.28", "--out", str(d / "p1"))  # fmt: skip
    assert code == 0
    out = d / "p1"
    assert {p.name for p in out.iterdir()} == {"plan.csv", "plan.json", "segments.geojson", "routes.gpx", "plan.png"}
    plan = json.loads((out / "plan.json").read_text())
    rows = list(csv.DictReader((out / "plan.csv").open()))
    assert [int(x["assignment"]) for x in rows] == list(range(101, 101 + len(rows)))
    assert {x["team"] for x in rows} | set(plan["idle"]) == {"Grid 1", "Grid 2", "Air-scent 1"}
    assert 0 < plan["pos"] <= plan["bound"] + 1e-12 and plan["period_h"] == 6
    segs = json.loads((out / "segments.geojson").read_text())
    assert {x["segment"] for x in rows} <= {f["properties"]["id"] for f in segs["features"]}
    xsd = SHARED / "schemas" / "gpx-1.1.xsd"
    exe = shutil.which("xmllint")
    need(exe is not None and xsd.exists(), "xmllint or the GPX 1.1 schema is missing")
    proc = subprocess.run(
        [exe, "--noout", "--schema", str(xsd), str(out / "routes.gpx")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr

    # the first team walks its route and finds nothing: the debrief
    from carpathia.terrain.vectors import read_features

    first = read_features(out / "routes.gpx", geometry_types=("LineString",))[0]
    trk = track_from_route(list(first.geometry.coords), speed_m_s=0.4, start_time="2024-05-01T08:00:00Z")
    times = [f"{t}Z" for t in trk.time]
    write_gpx(d / "t101.gpx", tracks=[GpxLine("101", list(zip(trk.lon, trk.lat, strict=True)), times=times)])
    assert read_tracks(d / "t101.gpx")[0].duration_h > 0
    code = _main("update", "--map", str(d / "poa.tif"), "--track", str(d / "t101.gpx"), "--resource", "grid-team",
                 "--label", "101", "--out", str(d / "u1"))  # fmt: skip
    assert code == 0
    rec = json.loads((d / "u1" / "update.json").read_text())
    assert 0 < rec["pos"] < 1 and rec["update"]["label"] == "101"
    assert rec["rest_of_world"][1] > rec["rest_of_world"][0]
    assert (d / "u1" / "poa.tif").exists() and (d / "u1" / "poa.png").exists()

    # issue 13 item 3: with a responsive share, update after update equals one update of both tracks
    import numpy as np

    from carpathia.probability import ProbabilityMap

    t101, common = str(d / "t101.gpx"), ("--resource", "hasty-team", "--overwrite")
    assert _main("update", "--map", str(d / "poa.tif"), "--track", t101, "--p-responsive", "0.5", *common,
                 "--out", str(d / "r1")) == 0  # fmt: skip
    assert _main("update", "--map", str(d / "r1" / "poa.tif"), "--track", t101, *common, "--out", str(d / "r2")) == 0
    assert _main("update", "--map", str(d / "poa.tif"), "--track", t101, "--track", t101, "--p-responsive", "0.5",
                 *common, "--out", str(d / "r12")) == 0  # fmt: skip
    two, one = (ProbabilityMap.from_geotiff(d / k / "poa.tif") for k in ("r2", "r12"))
    np.testing.assert_allclose(two.cells, one.cells, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(two.responsive, one.responsive, rtol=1e-9, atol=1e-12)
    r1, r2 = (json.loads((d / k / "update.json").read_text())["update"] for k in ("r1", "r2"))
    assert r2["responsive_share"]["before"] == pytest.approx(r1["responsive_share"]["after"], rel=1e-9)
    assert r1["responsive_share"]["after"] < 0.5 and r2["details"]["p_responsive"] == 0.5


def test_plan_bad_input_is_one_line(incident):
    d = incident
    r = run_cli("plan", "--map", str(d / "poa.tif"), "--team", "grid team", "--out", str(d / "bad"))
    assert r.returncode == 2
    assert r.stderr.startswith("error: --team") and "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (d / "bad").exists()
