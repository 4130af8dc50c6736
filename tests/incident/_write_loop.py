"""Child process of the kill test: one kind of write again and again, killed by itself or its parent.

Usage: python _write_loop.py WORKSPACE.db TRACK.gpx KIND KILL_WRITE KILL_STATEMENT [MAX_WRITES]

KIND is debrief, clue, map, segments, team, weather or undo. With KILL_STATEMENT > 0 the process SIGKILLs itself
when its SQLite connection is about to run the KILL_STATEMENT-th statement counted from the start of
write number KILL_WRITE (0-based): a kill point in the write path that does not depend on how fast
the machine is. With 0 it runs until its parent kills it (or MAX_WRITES, default 5, are done).

Prints 'ready' once warmed up, then 'begin K' before and 'done K SECONDS' after each write.
"""

import os
import signal
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.incident.conftest

from carpathia.incident import Workspace


def warm_up(ws, gpx) -> None:
    """Run the computations once without writing, so numba's cached kernels are loaded before 'ready'."""
    from carpathia.incident._rasters import encode_coverage, encode_map
    from carpathia.search import read_tracks, track_coverage, update_clue, update_unsuccessful

    cov = track_coverage(read_tracks(gpx), ws.terrain(), width_m=50.0)
    m = ws.current_map()
    encode_map(update_unsuccessful(m, coverage=cov.unresponsive))
    encode_map(update_clue(m, -71.30, 44.27, sigma_m=500.0, weight=4.0))
    encode_coverage(cov)
    ws.segment_grid()


def write(ws, kind: str, gpx: str, k: int) -> None:
    if kind == "debrief":
        ws.debrief(101, gpx, time=f"2024-01-14T12:{k % 60:02d}:00Z")
    elif kind == "clue":
        ws.add_clue(-71.30 + 0.001 * (k % 5), 44.27, description=f"kill clue {k}", time="2024-01-14T09:00Z")
    elif kind == "map":
        ws.run_map(model="rings", at="2024-01-13T21:30-05:00")
    elif kind == "segments":
        from tests.incident.conftest import segment_features

        f = segment_features(1, d=0.004)[0]
        f["properties"]["label"] = f"K {uuid.uuid4().hex[:8]}"
        ws.add_segments(None, [f], source="kill test")
    elif kind == "team":
        ws.add_team(f"Team {uuid.uuid4().hex[:8]}", "hasty-team")
    elif kind == "weather":
        ws.add_weather(-3.0 - k, 10.0, time="2024-01-14T06:00Z", source="kill test")
    elif kind == "undo":
        ws.undo()
    else:
        raise SystemExit(f"unknown kind {kind}")


def main() -> None:
    db, gpx, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    kill_write, kill_statement = int(sys.argv[4]), int(sys.argv[5])
    max_writes = int(sys.argv[6]) if len(sys.argv) > 6 else 5
    ws = Workspace(db, user="kill-test", create=False)
    warm_up(ws, gpx)
    counter = {"armed": False, "n": 0}

    def trace(_sql: str) -> None:
        if counter["armed"]:
            counter["n"] += 1
            if counter["n"] >= kill_statement:
                os.kill(os.getpid(), signal.SIGKILL)

    if kill_statement > 0:
        ws.store.conn.set_trace_callback(trace)
    print("ready", flush=True)
    for k in range(max_writes):
        print(f"begin {k}", flush=True)
        if k == kill_write:
            counter["armed"] = True
        t0 = time.perf_counter()
        write(ws, kind, gpx, k)
        print(f"done {k} {time.perf_counter() - t0:.4f}", flush=True)


if __name__ == "__main__":
    main()
