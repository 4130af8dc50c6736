#!/usr/bin/env python
"""The home region at 100 m: is planning on ``maramures`` still interactive?

    python benchmarks/home_region.py [--agents 200000] [--hours 48] [--repeat 3]

Three figures on the bundled ``maramures`` region (100 m, UTM 35N, 1457 × 1063 cells), each with
its peer measured in the same run, on the same grid:

1. **Travel-time map**: the ``travel_time`` POA map (``carpathia map``) of a hiker 48 h missing
   from Pop Ivan, the demo's incident, over the whole region (1.55 M cells): Tobler speeds with
   the terrain's factors, the 8-neighbour travel-time field, Koester's quantiles laid over it.
   Peer: scikit-image's ``MCP_Geometric(...).find_costs`` on the same speed grid (the
   travel-time field alone). Goal: the map under 2 s.
2. **Agents**: ``carpathia.motion.simulate`` of ``--agents`` hikers for ``--hours`` from Pop Ivan
   in the ``carpathian-blizzard`` weather (cold model on), on a 30 km window. Peer: the bare numba
   walk ``carpathia.motion._kernels.bare_walk`` with the same agents and steps (the ceiling of one
   grid read per agent-step).
3. **Auto-segmentation** of a 40 × 40 km box at 100 m around Pop Ivan with the POA map.
   Peer: ``skimage.segmentation.watershed`` of the same elevation from its regional minima (a
   plain drainage partition with none of carpathia's cuts, merges and attributes).

Times are medians of ``--repeat`` runs after a warm-up that compiles the kernels (the agents run
once: it is the long one). The machine is shared: read the ratios.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from _timing import median_time

IPP = (24.3181, 47.9233)  # Pop Ivan (lon, lat), the demo's incident


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=200_000)
    ap.add_argument("--hours", type=float, default=48.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import numba
    from skimage.graph import MCP_Geometric
    from skimage.morphology import local_minima
    from skimage.segmentation import watershed

    from carpathia.motion import _kernels as K
    from carpathia.motion import prepare_grid, simulate
    from carpathia.motion.params import MotionParams
    from carpathia.probability.models import travel_time
    from carpathia.search import auto_segments
    from carpathia.subjects.incident import Incident
    from carpathia.survival import weather_preset
    from carpathia.terrain import Terrain
    from carpathia.travel import isotropic_speed

    t = Terrain.from_region("maramures")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numba {numba.__version__} with {numba.get_num_threads()} threads"
    )
    print(f"maramures: {t.shape[1]} x {t.shape[0]} cells of {t.resolution:g} m ({t.elevation.size / 1e6:.2f} M cells)")
    inc = Incident.create(ipp_lat=IPP[1], ipp_lon=IPP[0], category="hiker", last_seen="2026-01-10T15:00:00+02:00")

    weather = weather_preset("carpathian-blizzard")

    # 1. travel-time map over the whole region, and the peer on the same speeds
    def poa():
        return travel_time(inc, t, hours=48.0, snow_depth_m=float(weather.values["snow_depth_m"][0]))

    poa()  # warm-up
    t_map, pmap = median_time(poa, args.repeat)
    speed = isotropic_speed(t)  # Tobler on each cell's slope with the same factors (m/s)
    cost = np.where(speed > 0, 1.0 / np.maximum(speed, 1e-9), np.inf)
    r0, c0 = t.to_pixel(*IPP)

    def peer_tt():
        m = MCP_Geometric(cost, fully_connected=True, sampling=(t.resolution, t.resolution))
        return m.find_costs([(r0, c0)])

    t_peer, _ = median_time(peer_tt, args.repeat)
    print(
        f"travel-time POA map, whole region : {t_map:6.2f} s (goal < 2 s); scikit-image find_costs alone "
        f"{t_peer:6.2f} s; ratio {t_peer / t_map:.2f}"
    )

    # 2. agents
    win = t.crop(IPP, 30_000)
    simulate(inc, win, n_agents=1000, hours=0.5, weather=weather)  # warm-up
    t0 = time.perf_counter()
    sim = simulate(inc, win, n_agents=args.agents, hours=args.hours, weather=weather, seed=1)
    t_sim = time.perf_counter() - t0
    steps = round(args.hours * 60)
    grid, _ = prepare_grid(win, MotionParams())
    rr, cc = win.to_pixel(*IPP)
    col = np.full(args.agents, cc + 0.5, np.float32)
    row = np.full(args.agents, rr + 0.5, np.float32)
    K.bare_walk(col[:10].copy(), row[:10].copy(), grid, 0, 5, 60.0, win.resolution, 6.0 / 3.6)
    t0 = time.perf_counter()
    K.bare_walk(col, row, grid, 1, steps, 60.0, win.resolution, 6.0 / 3.6)
    t_bare = time.perf_counter() - t0
    q = sim.summary(args.hours)["distance_quantiles_m"]
    print(
        f"agents {args.agents:,} x {args.hours:g} h on {win.shape[1]} x {win.shape[0]} cells: {t_sim:6.1f} s "
        f"(median {q['50'] / 1000:.2f} km, 95 % {q['95'] / 1000:.2f} km); bare walk {t_bare:6.1f} s; "
        f"full/bare {t_bare / t_sim:.0%}"
    )

    # 3. auto-segmentation of a 40 x 40 km box
    box = t.crop(IPP, 20_000)
    bmap = travel_time(inc, box, hours=48.0)
    t_seg, segs = median_time(lambda: auto_segments(box, bmap), max(1, args.repeat - 1))

    def peer_ws():
        z = np.nan_to_num(box.elevation, nan=float(np.nanmax(box.elevation)))
        markers = np.cumsum(local_minima(z)).reshape(z.shape) * local_minima(z)
        return watershed(z, markers)

    t_ws, ws = median_time(peer_ws, args.repeat)
    print(
        f"auto-segmentation {box.shape[1]} x {box.shape[0]} cells ({box.shape[1] / 10:.0f} x "
        f"{box.shape[0] / 10:.0f} km): {t_seg:6.1f} s for {len(segs)} segments "
        f"(median {np.median([s.area_km2 for s in segs]):.2f} km²); skimage watershed {t_ws:6.2f} s "
        f"for {int(ws.max())} basins; ratio {t_ws / t_seg:.2f}"
    )
    print(f"POA map: 50 % within {pmap.contours()[1]['properties']['area_km2']:.1f} km²")


if __name__ == "__main__":
    main()
