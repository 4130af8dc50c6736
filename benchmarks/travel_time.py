#!/usr/bin/env python
"""8-neighbour travel time on a 4000 × 4000 grid: carpathia's numba Dijkstra against scikit-image.

    python benchmarks/travel_time.py [--size 4000] [--repeat 3] [--field terrain|random]

The speed grid (``--field terrain``, the default) is real-ish: ``isotropic_speed`` of the bundled
White Mountains region (SRTM3, 90 m: Tobler's speed on each cell's slope, × 0.6 off trail × 0.8
forest) resampled bilinearly with ``scipy.ndimage.zoom`` to about 18 m cells and cut to
size × size; ``--field random`` is a seeded log-normal field of independent cells. One source in
the middle. The peer is scikit-image's
``MCP_Geometric(costs, fully_connected=True, sampling=(cellsize, cellsize)).find_costs`` on
``costs = 1 / speed`` (inf where the speed is 0), the same step cost. Times are medians of
``--repeat`` runs after a warm-up that compiles the kernel; the ratio is scikit-image / carpathia
(above 1: carpathia is faster), against ``find_costs`` alone and against construction plus
``find_costs``. Peak memory is measured in a fresh subprocess that loads the speed grid and runs
carpathia once: its peak resident set (VmHWM of /proc/self/status, everything included), and the
peak of the call alone (VmHWM reset through /proc/self/clear_refs just before it). ru_maxrss is
not used: on Linux it carries the parent's peak into a child across fork and exec, so it would
report the benchmark's own arrays. tracemalloc would miss numba's allocations. Both tools run in
the same process run, on the same machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _timing import median_time


def _terrain_field(n: int) -> tuple[np.ndarray, float]:
    from scipy import ndimage

    from carpathia.terrain import Terrain
    from carpathia.travel import isotropic_speed

    t = Terrain.from_region("white-mountains")
    v = isotropic_speed(t)
    zoom = 1.001 * n / min(v.shape)
    big = ndimage.zoom(v, zoom, order=1)[:n, :n]
    if big.shape != (n, n):
        sys.exit(f"grid too small for --size {n}")
    return np.ascontiguousarray(big, dtype=np.float32), t.resolution / zoom


def _random_field(n: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(20240601)
    return rng.lognormal(np.log(1.0), 0.5, (n, n)).astype(np.float32), 20.0


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def _child(path: str, cellsize: float, row: int, col: int) -> None:
    """Measure the peak memory of one carpathia run in this fresh process (called with --child).

    Prints, in KiB: the peak RSS before the call (VmHWM: Python, numba, the speed grid, loading
    the compiled kernel), the RSS just before the call, and the peak RSS during the call (VmHWM
    after resetting it through /proc/self/clear_refs; -1 where the kernel refuses the reset and
    the first figure then covers the whole process); then the result's size in bytes.
    """
    from carpathia.travel import travel_time

    speed = np.load(path)
    travel_time(np.ones((8, 8), np.float32), [(4, 4)], 1.0)  # compile (or load the cache)
    start = _status_kib("VmHWM")
    before = _status_kib("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM, the peak RSS, to the current RSS (Linux >= 4.0)
        reset = True
    except OSError:
        reset = False
    out = travel_time(speed, [(row, col)], cellsize)
    during = _status_kib("VmHWM")
    if not reset:
        start, during = during, -1
    print(f"{start} {before} {during} {out.nbytes}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--field", choices=("terrain", "random"), default="terrain")
    ap.add_argument("--child", nargs=4, metavar=("NPY", "CELLSIZE", "ROW", "COL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        p, cs, r, c = args.child
        _child(p, float(cs), int(r), int(c))
        return

    import numba
    import skimage
    from skimage.graph import MCP_Geometric

    from carpathia.travel import travel_time

    n = args.size
    speed, cs = _terrain_field(n) if args.field == "terrain" else _random_field(n)
    src = (n // 2, n // 2)
    cpu = _cpu_name()
    print(f"machine: {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"numpy {np.__version__}, numba {numba.__version__}, scikit-image {skimage.__version__}")
    print(
        f"grid: {n} x {n} {args.field} speed field, cell {cs:.2f} m, "
        f"speed {np.nanmin(speed):.3f}..{np.nanmax(speed):.3f} m/s, {np.mean(~(speed > 0)):.2%} impassable; "
        f"source {src}; median of {args.repeat}"
    )

    travel_time(np.ones((8, 8), np.float32), [(4, 4)], 1.0)  # compile, excluded from the timing
    t_ours, ours = median_time(lambda: travel_time(speed, [src], cs), args.repeat)

    with np.errstate(divide="ignore"):
        costs = np.where(speed > 0, 1.0 / speed.astype(np.float64), np.inf)
    t_init, mcp = median_time(lambda: MCP_Geometric(costs, fully_connected=True, sampling=(cs, cs)), args.repeat)
    t_find, res = median_time(lambda: mcp.find_costs([src]), args.repeat)
    ref = res[0]

    same_reach = bool(np.array_equal(np.isfinite(ours), np.isfinite(ref)))
    fin = np.isfinite(ref) & (ref > 0)
    rel = float(np.max(np.abs(ours[fin] - ref[fin]) / ref[fin])) if fin.any() else 0.0
    print(f"carpathia travel_time:              {t_ours:8.3f} s")
    print(f"scikit-image find_costs:            {t_find:8.3f} s  (construction {t_init:.3f} s more)")
    print(f"ratio scikit-image / carpathia:     {t_find / t_ours:8.2f} x (find_costs only)")
    print(f"                                    {(t_init + t_find) / t_ours:8.2f} x (construction + find_costs)")
    print(
        f"max relative difference:            {rel:.3e} over {int(fin.sum())} cells; same reachable cells: {same_reach}"
    )

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "speed.npy"
        np.save(path, speed)
        cmd = [sys.executable, __file__, "--child", str(path), repr(cs), str(src[0]), str(src[1])]
        run = subprocess.run(cmd, capture_output=True, text=True, check=True)
        start, before, during, nbytes = (int(x) for x in run.stdout.split())
    mib = 2**10
    peak = max(start, during)
    print(
        f"peak memory of a fresh process (VmHWM: Python, numba, the {speed.nbytes / 2**20:.0f} MiB speed grid, "
        f"the compiled kernel and the run): {peak / mib:.0f} MiB"
    )
    if during >= 0:
        print(
            f"peak memory during the call (VmHWM reset before it): {(during - before) / mib:.0f} MiB above the "
            f"{before / mib:.0f} MiB before it (the float64 result is {nbytes / 2**20:.0f} MiB of it)"
        )
    fast = t_find / t_ours >= 2
    small = peak < 2**20
    equal = rel <= 1e-6 and same_reach
    print(f"goals: equal within 1e-6: {equal}; >= 2x faster than find_costs: {fast}; < 1 GB: {small}")
    ok = equal and small
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
