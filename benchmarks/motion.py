#!/usr/bin/env python
"""Motion model throughput: agent-steps per second of the full model against a bare random walk.

    python benchmarks/motion.py [--agents 1000000] [--steps 1440] [--scenario moving|typical]

The full model: ``carpathia.motion.simulate`` of lost hikers on the bundled ``white-mountains``
region (SRTM 90 m), one-minute steps, darkness from the sun, the per-agent cold model driven by
a weather preset (a heat-balance step every 5 minutes), one snapshot at the end, 20 recorded
tracks. The time covers everything ``simulate`` does after compilation (grid preparation, sun,
initial agents, kernel, snapshot).

Scenarios (``--scenario``):

- ``moving`` (default): the costly case, where most agents keep moving for the whole run: a
  midsummer start at 06:00 local time, hikers (Hashimoto et al. 2022's mixture) whose walking
  budget outlasts the run and who all walk on through the night (only the 10-minute rests of
  every hour, staying put and reaching a top stop them), weather ``summer-night`` (cold model
  on, nobody incapacitated).
- ``typical``: the calibrated hiker of Koester's table, last seen on an autumn afternoon
  (2024-10-12 15:00 local), weather ``autumn-rain``: most agents have stopped (budget spent,
  sheltering for the night) for much of the run, and stopped agents are cheap.

The terrain fit (issue 13 item 1), timed on its own in the same run: the pilot runs that fit
the hiker's walking budgets to Koester's mountain row on this terrain from this IPP
(:func:`carpathia.motion.terrain_fit.fit_to_terrain`, cache cleared), which ``simulate`` and the
``agents`` map run before a simulation with the package's parameters; the ratio is given with
and without it. It is a fixed cost per (terrain, IPP, category, seed), not per agent.

The peer, measured in the same run: ``carpathia.motion._kernels.bare_walk``, a plain numba random
walk over the same grid record (uniform heading each step, Tobler speed on the slope along it,
impassable cells refused), the same counter-based random numbers, the same agents and steps:
the practical ceiling of this machine for one read of the grid per agent-step. Goal: the full
model at least 25 % of it. The share of agent-steps in which an agent moved is printed beside
the figure. Peak memory is the process's maximum resident set size.
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
    ap.add_argument("--scenario", choices=("moving", "typical"), default="moving", help="see the module docstring")
    args = ap.parse_args()

    import numba

    from carpathia.incident import Incident
    from carpathia.motion import _kernels as K
    from carpathia.motion import motion_params, prepare_grid, simulate
    from carpathia.motion.params import MotionParams
    from carpathia.subjects import profile_at
    from carpathia.terrain import Terrain

    terrain = Terrain.from_region("white-mountains")
    lat, lon = 44.2571, -71.2530
    if args.scenario == "moving":
        start, weather = "2024-06-21T06:00:00-04:00", "summer-night"
        inc = Incident.create(ipp_lat=lat, ipp_lon=lon, category="hiker", last_seen=start)
        params = motion_params(profile_at("hiker", terrain, lon, lat)).replace(
            budget_knots_h=(100.0,) * 4, night_walk_prob=1.0
        )
    else:
        start, weather = "2024-10-12T15:00:00-04:00", "autumn-rain"
        inc = Incident.create(ipp_lat=lat, ipp_lon=lon, category="hiker", last_seen=start)
        params = None
    hours = args.steps / 60.0
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numba {numba.__version__} with {numba.get_num_threads()} threads"
    )
    print(
        f"white-mountains {terrain.shape[1]} x {terrain.shape[0]} cells of {terrain.resolution:g} m; "
        f"{args.agents:,} agents x {args.steps:,} one-minute steps; scenario {args.scenario} (start {start})"
    )

    # warm-up: compile (or load the cache of) both kernels
    simulate(inc, terrain, n_agents=1000, hours=0.5, weather=weather, params=params)
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
    sim = simulate(inc, terrain, n_agents=args.agents, hours=hours, weather=weather, seed=1, params=params)
    full = time.perf_counter() - t0
    steps = args.agents * args.steps
    moved = sim.meta["moved_agent_steps"] / steps

    col = np.full(args.agents, c0 + 0.5, np.float32)
    row = np.full(args.agents, r0 + 0.5, np.float32)
    t0 = time.perf_counter()
    K.bare_walk(col, row, grid, 1, args.steps, 60.0, terrain.resolution, 6.0 / 3.6)
    bare = time.perf_counter() - t0

    from carpathia.motion import terrain_fit

    terrain_fit._CACHE.clear()
    prof = profile_at("hiker", terrain, lon, lat)
    t0 = time.perf_counter()
    _, fit = terrain_fit.fit_to_terrain(motion_params(prof), prof, inc, terrain, seed=1)
    fit_s = time.perf_counter() - t0

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        f"full model : {steps / full / 1e6:8.1f} M agent-steps/s ({full:.1f} s; {moved:.1%} of agent-steps moved; "
        f"weather {weather}, cold model on)"
    )
    print(f"bare walk  : {steps / bare / 1e6:8.1f} M agent-steps/s ({bare:.1f} s)")
    print(
        f"terrain fit: {fit_s:.1f} s ({fit['pilots']} pilots of {terrain_fit.SEARCH_AGENTS:,}-"
        f"{terrain_fit.PILOT_AGENTS:,} agents; grade factor {fit['grade_factor']:g}, speed factor "
        f"{fit['speed_scale']:.2f}; pilot errors % {fit['pilot_errors_pct']})"
    )
    if params is None:  # the typical run picked the package parameters: its time includes a fit
        print(f"ratio full/bare: {bare / full:.0%} (goal >= 25 %), the terrain fit included")
    else:
        print(f"ratio full/bare: {bare / full:.0%} (goal >= 25 %); with the terrain fit {bare / (full + fit_s):.0%}")
    s = sim.summary(hours)
    print(
        f"at {hours:g} h: stopped {s['stopped']:.0%}, incapacitated {s['incapacitated']:.1%}, "
        f"off the map {s['outside']:.1%}; median distance {s['distance_quantiles_m']['50'] / 1000:.2f} km"
    )
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
