"""Nothing lost: SIGKILL at random points during debrief imports leaves each debrief whole or absent."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carpathia.incident import Store, Workspace
from carpathia.incident._rasters import decode_map
from carpathia.search import grid_hash

from .conftest import open_incident, sweep_lonlat, write_track_gpx

CHILD = Path(__file__).with_name("_debrief_loop.py")


def _prepare(tmp_path, terrain) -> tuple[Path, Path]:
    db = tmp_path / "kill.db"
    ws = open_incident(db, terrain)
    ws.plan(hours=12, start="2024-01-14T06:00-05:00")
    a = ws.assignment(101)
    seg = next(s for s in ws.segments() if s["id"] == a["segment_id"])
    lon, lat = sweep_lonlat(seg["geometry"], lanes=6)
    gpx = write_track_gpx(tmp_path / "t.gpx", lon, lat)
    ws.close()
    return db, gpx


def check_whole(db: Path) -> int:
    """The store opens, passes integrity and foreign-key checks, and every debrief is whole. Returns their count."""
    with Store(db, create=False) as s:
        assert s.integrity_check() == []
        debriefs = s.all("SELECT * FROM debriefs ORDER BY id")
        audit = [e for e in s.log() if e["action"] == "debrief"]
        assert len(audit) == len(debriefs)
        logged = {ch["id"] for e in audit for ch in e["changes"] if ch["table"] == "debriefs"}
        assert logged == {d["id"] for d in debriefs}
        versions = s.all("SELECT * FROM map_versions ORDER BY version")
        assert len(versions) == 1 + len(debriefs)
        assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
        for d in debriefs:
            assert s.count("tracks") >= 1
            assert s.one("SELECT count(*) AS n FROM tracks WHERE debrief_id = ?", (d["id"],))["n"] == 1
            assert s.one("SELECT id FROM map_versions WHERE id = ?", (d["map_version_id"],)) is not None
            s.blob(d["coverage_sha"])  # present and checksum ok
        last = versions[-1]
        m = decode_map(s.blob(last["raster_sha"]))
        assert grid_hash(m.cells, m.rest_of_world) == last["grid_hash"]
        assert len(m.meta.get("updates", [])) == len(debriefs)
        return len(debriefs)


def run_kills(db: Path, gpx: Path, target: int, seed: int, max_delay_s: float, rounds: int | None = None) -> int:
    """Start the debrief loop, SIGKILL it after a random delay, check the store; until ``target`` or ``rounds``."""
    rng = random.Random(seed)
    kills = 0
    done = check_whole(db)
    while done < target and (rounds is None or kills < rounds):
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(db), str(gpx), str(target)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.0, max_delay_s))
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        out, err = proc.communicate(timeout=60)
        reported = [int(line.split()[1]) for line in out.splitlines() if line.startswith("done")]
        if not killed:
            assert proc.returncode == 0, err
        now = check_whole(db)
        last = reported[-1] if reported else done
        assert last <= now <= last + 1  # at most the one in flight when killed, and never less than reported
        done = now
    return kills


def test_sigkill_during_debriefs_loses_nothing(tmp_path, small_terrain):
    db, gpx = _prepare(tmp_path, small_terrain)
    kills = run_kills(db, gpx, target=1000, seed=7, max_delay_s=0.8, rounds=2)
    assert kills == 2
    with Workspace(db, create=False) as ws:
        assert ws.replay().ok


@pytest.mark.slow
def test_sigkill_during_100_debriefs(tmp_path, small_terrain):
    db, gpx = _prepare(tmp_path, small_terrain)
    kills = run_kills(db, gpx, target=100, seed=2024, max_delay_s=1.5)
    assert kills >= 10
    with Workspace(db, create=False) as ws:
        assert ws.replay().ok
        assert json.dumps(ws.status(at="2024-01-15T00:00Z").to_dict())
