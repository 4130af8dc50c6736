"""Child process of the kill test: debrief assignment 101 again and again until the store holds N debriefs.

Usage: python _debrief_loop.py WORKSPACE.db TRACK.gpx N
Prints 'ready' once the workspace is open, then 'done K' after each committed debrief.
"""

import sys

from carpathia.incident import Workspace


def warm_up(ws, gpx) -> None:
    """Run the debrief's computations once without writing, so numba's cached kernels are loaded before 'ready'."""
    from carpathia.incident._rasters import encode_coverage, encode_map
    from carpathia.search import read_tracks, track_coverage, update_unsuccessful

    cov = track_coverage(read_tracks(gpx), ws.terrain(), width_m=50.0)
    encode_map(update_unsuccessful(ws.current_map(), coverage=cov.unresponsive))
    encode_coverage(cov)
    ws.segment_grid()


def main() -> None:
    db, gpx, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ws = Workspace(db, user="kill-test", create=False)
    warm_up(ws, gpx)
    print("ready", flush=True)
    k = ws.store.count("debriefs")
    while k < target:
        ws.debrief(101, gpx, time=f"2024-01-14T12:{k % 60:02d}:00Z")
        k = ws.store.count("debriefs")
        print(f"done {k}", flush=True)


if __name__ == "__main__":
    main()
