#!/usr/bin/env python
"""Motion model throughput: agent-steps per second of the full model against a bare random walk.

    python benchmarks/motion.py [--agents 1000000] [--steps 1440] [--weather autumn-rain]

The full model: ``carpathia.motion.simulate`` of a lost hiker on the bundled ``white-mountains``
region (SRTM 90 m, 796 × 1184 cells), one-minute steps, darkness from the sun (start at
2024-10-12 15:00 local time, so the run crosses a night), the per-agent cold model driven by a
weather preset, one snapshot at the end, 20 recorded tracks. The time covers everything
``simulate`` does after compilation (grid preparation, sun, initial agents, kernel, snapshot).

The peer, measured in the same run: ``carpathia.motion._kernels.bare_walk``, a plain numba random
walk over the same grid record (uniform heading each step, Tobler speed on the slope along it,
impassable cells refused), the same counter-based random numbers, the same agents and steps:
the practical ceiling of this machine for one read of the grid per agent-step. Goal: the full
model at least 25 % of it. Agents that stop (walking budget spent, sheltering at night,
incapacitated) are cheaper than moving ones in the full model; the share of agent-steps that
moved is printed beside the figure. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=1440)
    ap.add_argument("--weather", default="autumn-rain", help="weather preset for the cold model ('none': off)")
    args = ap.parse_args()

    import numba

    from carpathia.incident import Incident
    from carpathia.motion import _kernels as K
    from carpathia.motion import prepare_grid, simulate
    from carpathia.motion.params import MotionParams
    from carpathia.terrain import Terrain

    terrain = Terrain.from_region("white-mountains")
    inc = Incident.create(ipp_lat=44.2571, ipp_lon=-71.2530, category="hiker", last_seen="2024-10-12T15:00:00-04:00")
    weather = None if args.weather == "none" else args.weather
    hours = args.steps / 60.0
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numba {numba.__version__} with {numba.get_num_threads()} threads"
    )
    print(
        f"white-mountains {terrain.shape[1]} x {terrain.shape[0]} cells of {terrain.resolution:g} m; "
        f"{args.agents:,} agents x {args.steps:,} one-minute steps"
    )

    # warm-up: compile (or load the cache of) both kernels
    simulate(inc, terrain, n_agents=1000, hours=0.5, weather=weather)
    grid, _ = prepare_grid(terrain, MotionParams())
    r0, c0 = terrain.to_pixel(*inc.ipp)
    K.bare_walk(
        np.full(10, c0 + 0.5, np.float32),
        np.full(10, r0 + 0.5, np.float32),
        grid,
        0,
        5,
        60.0,
        terrain.resolution,
        6.0 / 3.6,
    )

    t0 = time.perf_counter()
    sim = simulate(inc, terrain, n_agents=args.agents, hours=hours, weather=weather, seed=1)
    full = time.perf_counter() - t0
    steps = args.agents * args.steps
    moved = sim.meta["moved_agent_steps"] / steps

    col = np.full(args.agents, c0 + 0.5, np.float32)
    row = np.full(args.agents, r0 + 0.5, np.float32)
    t0 = time.perf_counter()
    K.bare_walk(col, row, grid, 1, args.steps, 60.0, terrain.resolution, 6.0 / 3.6)
    bare = time.perf_counter() - t0

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        f"full model : {steps / full / 1e6:8.1f} M agent-steps/s ({full:.1f} s; {moved:.0%} of agent-steps moved; "
        f"weather {weather})"
    )
    print(f"bare walk  : {steps / bare / 1e6:8.1f} M agent-steps/s ({bare:.1f} s)")
    print(f"ratio full/bare: {bare / full:.0%} (goal >= 25 %)")
    s = sim.summary(hours)
    print(
        f"at {hours:g} h: stopped {s['stopped']:.0%}, incapacitated {s['incapacitated']:.1%}, "
        f"off the map {s['outside']:.1%}; median distance {s['distance_quantiles_m']['50'] / 1000:.2f} km"
    )
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
