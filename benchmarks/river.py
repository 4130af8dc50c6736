#!/usr/bin/env python
"""River drift: 1,000,000 particles over 72 h on the bundled Tisza network (``maramures``).

    python benchmarks/river.py [--particles 1000000] [--hours 72] [--repeat 3]

Two incidents at Sighetu Marmației (47.93 N, 23.89 E), water 6 °C:

1. **no lifejacket** (the default of ``carpathia river``): most particles sink within minutes
   and stay on the bed or slide; the cheap case.
2. **lifejacket**: every particle floats until it strands, snags or leaves the modelled reach;
   the expensive case (about one step per 500 m floated).

The time is the drift kernel alone (``Drift.elapsed_s``: numba, parallel over particle chunks,
hourly histograms), median of ``--repeat`` runs after a warm-up that compiles it; the whole
``simulate_drift`` call (sampling the per-particle parameters with numpy) is printed beside it.
Goal: under 10 s on a 2-core machine. Peer: the University of Liège's WOLF drowning module needs
about 1 h of computation per drowning-day with 16 cores and 10,000 Monte Carlo runs (published on
wolf.hece.uliege.be); it is a 2-D hydrodynamic model and cannot run here, so its figure is quoted,
not measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=1_000_000)
    ap.add_argument("--hours", type=float, default=72.0)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    from carpathia.river import RiverIncident, simulate_drift, terrain_network
    from carpathia.terrain import Terrain

    t = Terrain.from_region("maramures")
    t0 = time.perf_counter()
    net = terrain_network(t)
    print(
        f"network: {net.summary()['reaches']} reaches, {net.summary()['length_km']} km, "
        f"built in {time.perf_counter() - t0:.2f} s"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')}"
    )
    simulate_drift(net, RiverIncident(lon=23.89, lat=47.93, water_temp_c=6), hours=1, n_particles=1000)  # compile
    for label, lj in (("no lifejacket", False), ("lifejacket", True)):
        inc = RiverIncident(lon=23.89, lat=47.93, water_temp_c=6, lifejacket=lj)
        kernel, whole = [], []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            d = simulate_drift(net, inc, hours=a.hours, n_particles=a.particles, seed=0)
            whole.append(time.perf_counter() - t0)
            kernel.append(d.elapsed_s)
        k, w = statistics.median(kernel), statistics.median(whole)
        split = d.state_split()
        print(
            f"{label:>14}: {a.particles:,} particles x {a.hours:g} h: kernel {k:.2f} s, whole call {w:.2f} s "
            f"(goal < 10 s: {'met' if w < 10 else 'NOT met'}); mass {d.total():.12f}; "
            f"bed {split['bed']:.3f}, stranded {split['stranded']:.3f}, snagged {split['snagged']:.3f}, "
            f"beyond {split['beyond']:.3f}"
        )
    print("peer (quoted, not run): WOLF drowning module, ~1 h per drowning-day on 16 cores, 10,000 runs")


if __name__ == "__main__":
    main()
