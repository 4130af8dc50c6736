"""Helpers of the attack and concurrency tests: a prepared workspace, a real server, the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

IPP_LATLON = "44.27,-71.30"


def prepared_workspace(path: Path, terrain, *, plan: bool = True) -> Path:
    """A workspace file with one incident, its first map, 3 × 3 segments, three teams and (with
    ``plan``) a planned period: assignments 101 …"""
    from tests.incident.conftest import open_incident

    ws = open_incident(path, terrain)
    if plan:
        ws.plan(hours=12, start="2024-01-14T06:00-05:00", method="greedy")
    ws.close()
    return path


def cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """Start the real command line (not waiting for it)."""
    e = dict(os.environ)
    e.pop("CARPATHIA_DEBUG", None)
    e.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "carpathia", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=e,
    )


def count_in_fresh_process(db: Path, sql: str) -> int:
    """``sql``'s single number, read by a new Python process: what a restarted server would see."""
    code = f"import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute({sql!r}).fetchone()[0])"
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())
