"""``carpathia survival`` as a user runs it: real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import run_cli


def _registered() -> bool:
    proc = subprocess.run([sys.executable, "-m", "carpathia", "--help"], capture_output=True, text=True, timeout=120)
    return proc.returncode == 0 and "survival" in proc.stdout


def test_survival_is_a_command_of_the_cli():
    assert _registered(), "'carpathia survival' is missing from 'carpathia --help'"


def test_issue_example_prints_the_clock():
    proc = run_cli("survival", "--temp", "-12", "--wind", "40", "--clothing", "winter", "--activity", "resting")
    assert proc.returncode == 0, proc.stderr
    assert "wind chill" in proc.stdout and "core to 30 °C" in proc.stdout


def test_json_keys():
    proc = run_cli("survival", "--temp", "-20", "--wind", "30", "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert {"wind_chill_c", "frostbite_minutes", "hours_to_core_30c"} <= set(d)
    assert d["wind_chill_c"] == -32.6 and d["frostbite_minutes"] == [10, 30]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--temp", "-12", "--wind", "-5"), "0 to 410"),
        (("--temp", "90", "--wind", "5"), "-90 to 60"),
        (("--temp", "-5", "--wind", "5", "--clothing", "banana"), "choose one of"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, words):
    proc = run_cli("survival", *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
