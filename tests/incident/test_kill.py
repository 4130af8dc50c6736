"""Nothing lost: SIGKILL at random points of the write path leaves each write whole or absent.

A child process repeats one kind of write (debrief, clue, model map, segments, team, weather,
undo) and is killed in one of two ways, each independent of how fast the machine is:

* at a statement: it SIGKILLs itself when its SQLite connection is about to run the S-th statement
  of a chosen write (S drawn over the statements that write runs: the reads before the
  transaction, ``BEGIN IMMEDIATE``, each insert, the audit row, ``COMMIT``);
* in time: its parent measures the first write and SIGKILLs it at a random moment of the second
  (inside the commit's fsync too, which no statement boundary reaches).

After every kill the store must open, pass SQLite's integrity and foreign-key checks, have every
audited row exactly as its audit log says (:meth:`Store.verify`, so no write is half there), hold
consecutive map versions whose update history matches, and hold every write the child reported
done, plus at most the one in flight.
"""

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

CHILD = Path(__file__).with_name("_write_loop.py")
#: Statements each kind of write runs (reads included), measured: the kill point is drawn in 1..n.
STATEMENTS = {"debrief": 34, "clue": 15, "map": 16, "segments": 11, "team": 9, "weather": 8, "undo": 11}


def _prepare(tmp_path, terrain) -> tuple[Path, Path]:
    db = tmp_path / "kill.db"
    ws = open_incident(db, terrain)
    ws.plan(hours=12, start="2024-01-14T06:00-05:00", method="greedy")
    a = ws.assignment(101)
    seg = next(s for s in ws.segments() if s["id"] == a["segment_id"])
    lon, lat = sweep_lonlat(seg["geometry"], lanes=6)
    gpx = write_track_gpx(tmp_path / "t.gpx", lon, lat)
    ws.close()
    return db, gpx


def check_whole(db: Path) -> int:
    """The store is whole; returns the number of audit entries the child ('kill-test') wrote."""
    with Store(db, create=False) as s:
        assert s.integrity_check() == []
        assert s.verify() == []  # every audited row as its log says: no change half written
        versions = s.all("SELECT * FROM map_versions ORDER BY version")
        assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
        last = versions[-1]
        m = decode_map(s.blob(last["raster_sha"]))
        assert grid_hash(m.cells, m.rest_of_world) == last["grid_hash"]
        since_model = len(versions) - 1 - max(k for k, v in enumerate(versions) if v["kind"] == "model")
        assert len(m.meta.get("updates", [])) == since_model  # one update per debrief or clue version since
        for d in s.all("SELECT * FROM debriefs ORDER BY id"):
            assert s.one("SELECT count(*) AS n FROM tracks WHERE debrief_id = ?", (d["id"],))["n"] == 1
            assert s.one("SELECT id FROM map_versions WHERE id = ?", (d["map_version_id"],)) is not None
            s.blob(d["coverage_sha"])  # present and checksum ok
        return int(s.one("SELECT count(*) AS n FROM audit WHERE who = 'kill-test'")["n"])


def kill_round(db: Path, gpx: Path, kind: str, mode: str, rng: random.Random) -> bool:
    """One child killed during a ``kind`` write, at a statement or in time. True when it was killed."""
    before = check_whole(db)
    # at a statement: of write 0, drawn over its statements; in time: during write 1, after write 0 is measured
    args = ["0", str(rng.randint(1, STATEMENTS[kind]))] if mode == "statement" else ["1", "0"]
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(gpx), kind, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        if mode == "time":
            assert proc.stdout.readline().startswith("begin 0")
            first = proc.stdout.readline().split()  # done 0 SECONDS
            assert first[:2] == ["done", "0"], (first, proc.stderr.read())
            assert proc.stdout.readline().startswith("begin 1")
            time.sleep(rng.uniform(0.0, float(first[2])))
            os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    killed = proc.returncode == -signal.SIGKILL
    assert killed or proc.returncode == 0, err
    done = sum(line.startswith("done") for line in out.splitlines()) + (1 if mode == "time" else 0)
    now = check_whole(db)
    assert done <= now - before <= done + 1, (kind, mode, done, now - before)  # reported writes all there
    return killed


def test_sigkill_in_the_write_path_loses_nothing(tmp_path, small_terrain):
    """Fast form (default run): a debrief killed at a statement, then one killed in time."""
    db, gpx = _prepare(tmp_path, small_terrain)
    rng = random.Random(7)
    kills = sum(kill_round(db, gpx, "debrief", mode, rng) for mode in ("statement", "time"))
    assert kills >= 2
    with Workspace(db, create=False) as ws:
        assert ws.replay().ok


@pytest.mark.slow
def test_sigkill_during_every_kind_of_write(tmp_path, small_terrain):
    """Slow form: 21 kills over debriefs, clues, model maps, segments, teams, weather and undo, both ways."""
    db, gpx = _prepare(tmp_path, small_terrain)
    rng = random.Random(2024)
    kinds = list(STATEMENTS)
    kills = 0
    for k in range(21):
        kills += kill_round(db, gpx, kinds[k % len(kinds)], ("statement", "time")[(k // len(kinds)) % 2], rng)
    assert kills >= 10
    with Workspace(db, create=False) as ws:
        rep = ws.replay()
        assert rep.ok, rep.to_text()
        assert json.dumps(ws.status(at="2024-01-15T00:00Z").to_dict())
