"""``carpathia rescue``: the command in-process and as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from carpathia.cli.rescue import rescue_cmd
from carpathia.errors import OutputExistsError, OutsideTerrainError
from tests.conftest import run_cli

AT = "44.2708,-71.3033"  # Mt Washington summit cone, LAT,LON as the CLI takes it


def _registered() -> bool:
    proc = subprocess.run([sys.executable, "-m", "carpathia", "--help"], capture_output=True, text=True, timeout=120)
    # a command line of the help's "Commands:" list, not the word in "search-and-rescue"
    return proc.returncode == 0 and any(ln.split()[:1] == ["rescue"] for ln in proc.stdout.splitlines())


def test_rescue_is_a_command_of_the_cli():
    assert _registered(), "'carpathia rescue' is missing from 'carpathia --help'"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer()
    a.command("rescue")(rescue_cmd)
    a.command("other")(lambda: None)  # two commands, so typer keeps the sub-command name
    return a


# ---------------------------------------------------------------------- in-process, through typer
def test_json_has_ranked_landing_zones_and_carry_out(app):
    r = CliRunner().invoke(app, ["rescue", "--region", "white-mountains", "--at", AT, "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    lz = d["landing_zones"]
    assert lz and all({"lat", "lon", "slope_deg", "distance_m"} <= set(z) for z in lz)
    assert [z["distance_m"] for z in lz] == sorted(z["distance_m"] for z in lz)
    assert all(z["slope_deg"] <= 7 for z in lz)
    assert d["carry_out"]["minutes"] is not None and d["carry_out"]["destination"]["kind"] == "lz"


def test_text_output_and_files(app, tmp_path):
    gpx, gj = tmp_path / "c.gpx", tmp_path / "c.geojson"
    args = ["rescue", "--region", "white-mountains", "--at", "44.2590,-71.2870", "--gpx", str(gpx)]
    args += ["--geojson", str(gj)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "landing zone" in r.output and "carry-out" in r.output and "h " in r.output
    assert gpx.read_text(encoding="utf-8").startswith("<?xml") and json.loads(gj.read_text(encoding="utf-8"))
    r = CliRunner().invoke(app, args)
    assert isinstance(r.exception, OutputExistsError)  # refused before any work is done
    assert CliRunner().invoke(app, [*args, "--overwrite"]).exit_code == 0


def test_outside_the_terrain_is_a_carpathia_error(app):
    r = CliRunner().invoke(app, ["rescue", "--region", "white-mountains", "--at", "47.9,23.9"])
    assert isinstance(r.exception, OutsideTerrainError)


# ---------------------------------------------------------------------- the real command line
def test_cli_json():
    proc = run_cli("rescue", "--region", "white-mountains", "--at", AT, "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["landing_zones"][0]["distance_m"] < 100 and d["carry_out"]["destination"] is not None


@pytest.mark.parametrize(
    ("at", "words"),
    [("47.9,23.9", "outside the terrain"), ("banana", "LAT,LON"), ("95,10", "latitude first")],
)
def test_cli_bad_input_is_one_line_and_exit_2(at, words):
    proc = run_cli("rescue", "--region", "white-mountains", "--at", at)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
