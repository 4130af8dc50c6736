"""Benchmark of the web command post: 50 concurrent clients fetching tiles and state.

Opens a workspace with one incident (white-mountains, a travel-time map, auto-segments), starts
``carpathia serve`` in its own process on a free port, renders every tile of the incident at
zooms 11-14 once (basemap and POA heat map: the cache is warm, as at a command post after the
first look), then lets N asyncio clients (httpx) fetch for S seconds, each request a random
tile (80 %) or the incident's state (20 %: its record or its map layers). Prints the number of
requests, errors, and p50/p95/max latency per kind. Goal (issue 8): zero errors, tiles < 100 ms
p95 from cache.

    python benchmarks/web.py [--seconds 30] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

IPP = (-71.3033, 44.2706)


def _tile_range(bounds, z):
    w, s, e, n = bounds
    size = 2**z

    def tx(lon):
        return int((lon + 180) / 360 * size)

    def ty(lat):
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size)

    return [(z, x, y) for x in range(tx(w), tx(e) + 1) for y in range(ty(n), ty(s) + 1)]


def _setup(db: Path) -> tuple[int, tuple[float, float, float, float]]:
    from carpathia.incident.workspace import Workspace

    with Workspace(db, user="benchmark") as ws:
        iid = ws.new_incident(
            "bench", ipp=IPP, last_seen="2024-01-13T15:30-05:00", region="white-mountains", radius_m=6000
        )
        ws.run_map(iid, at="2024-01-14T03:30-05:00")
        ws.auto_segments(iid)
        return iid, ws.terrain(iid).lonlat_bounds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _run(url: str, urls_tiles: list[str], urls_state: list[str], clients: int, seconds: float):
    import httpx

    lat: dict[str, list[float]] = {"tile": [], "state": []}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as c:
        # warm every tile once (rendering is measured separately from serving from cache)
        t0 = time.perf_counter()
        for k in range(0, len(urls_tiles), clients):
            rs = await asyncio.gather(*[c.get(u) for u in urls_tiles[k : k + clients]])
            errors += [f"warm {r.status_code} {r.url}" for r in rs if r.status_code != 200]
        warm = time.perf_counter() - t0
        end = time.perf_counter() + seconds

        async def client(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < end:
                kind = "tile" if rng.random() < 0.8 else "state"
                u = rng.choice(urls_tiles if kind == "tile" else urls_state)
                t = time.perf_counter()
                try:
                    r = await c.get(u)
                    ok = r.status_code == 200
                    await r.aread()
                except httpx.HTTPError as exc:
                    ok, r = False, exc
                lat[kind].append(time.perf_counter() - t)
                if not ok:
                    errors.append(f"{kind} {u}: {getattr(r, 'status_code', r)}")

        await asyncio.gather(*[client(k) for k in range(clients)])
    return lat, errors, warm


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="how long the clients run (default 30)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--zooms", default="11,12,13,14", help="tile zoom levels (default 11,12,13,14)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        iid, bounds = _setup(db)
        print(f"workspace ready in {time.perf_counter() - t0:.1f} s")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ)
        proc = subprocess.Popen(
            [sys.executable, "-m", "carpathia", "serve", "--db", str(db), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            env=env,
        )
        try:
            import httpx

            for _ in range(300):
                try:
                    httpx.get(f"{url}/api/info", timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            tiles = [t for z in map(int, args.zooms.split(",")) for t in _tile_range(bounds, z)]
            urls_tiles = [f"/tiles/incident/{iid}/{z}/{x}/{y}.png" for z, x, y in tiles]
            urls_tiles += [f"/tiles/incident/{iid}/poa/1/{z}/{x}/{y}.png" for z, x, y in tiles]
            urls_state = [f"/api/incidents/{iid}", f"/api/incidents/{iid}/layers"]
            httpx.get(f"{url}{urls_state[1]}", timeout=120)  # first layers call computes LZs etc.
            lat, errors, warm = asyncio.run(_run(url, urls_tiles, urls_state, args.clients, args.seconds))
        finally:
            proc.terminate()
            proc.wait(20)

    print(f"{len(urls_tiles)} tiles rendered (cold) in {warm:.1f} s")
    print(f"{args.clients} clients for {args.seconds:g} s against carpathia serve (separate process)")
    for kind, v in lat.items():
        if not v:
            continue
        a = np.asarray(v) * 1000
        print(
            f"  {kind:<5} {a.size:7d} requests  {a.size / args.seconds:7.0f}/s  "
            f"p50 {np.percentile(a, 50):6.1f} ms  p95 {np.percentile(a, 95):6.1f} ms  max {a.max():7.1f} ms"
        )
    print(f"  errors {len(errors)}")
    for e in errors[:10]:
        print("   ", e)
    tile_p95 = float(np.percentile(np.asarray(lat["tile"]) * 1000, 95)) if lat["tile"] else math.inf
    met = not errors and tile_p95 < 100
    print(f"goal: zero errors and tiles < 100 ms p95 from cache -> {'met' if met else 'NOT met'}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
