"""Benchmark of the web command post: 50 concurrent clients fetching tiles and state.

Opens a workspace with one incident (white-mountains, a travel-time map, auto-segments), starts
``carpathia serve`` in its own process on a free port, renders every tile of the incident at
zooms 11-14 once (basemap and POA heat map: the cache is warm, as at a command post after the
first look), then lets N clients fetch for S seconds over keep-alive connections, each request
a random tile (80 %) or the incident's state (20 %: its record or its map layers), with no
pause between requests (a closed loop: each client's latency is about N / throughput). The tile
URLs are the page's own (with the terrain and map checksums that make them cacheable).

Prints the number of requests, errors, p50/p95/max latency per kind, the server's CPU time per
request (from ``/proc``: the figure that does not depend on how loaded the machine is), the
client's CPU time, and the load average. Goal (issue 8): zero errors, tiles < 100 ms p95 from
cache.

The default client is a minimal HTTP/1.1 keep-alive GET over asyncio streams, so that the load
generator costs less CPU than the server it measures (both share this machine's cores);
``--client httpx`` uses httpx.AsyncClient instead (about 2 ms of client CPU per request here).

    python benchmarks/web.py [--seconds 30] [--clients 50] [--client raw|httpx]
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
    from carpathia.incident import Workspace

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


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _RawConnection:
    """One keep-alive HTTP/1.1 connection that GETs and reads a Content-Length body."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = dict(h.lower().split(": ", 1) for h in head[1:] if ": " in h)
        if "content-length" not in headers:
            raise OSError(f"no content-length in the answer to {path}")
        await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _warm(url: str, urls_tiles: list[str], clients: int) -> tuple[float, list[str]]:
    """Fetch every tile once (rendering is measured apart from serving from cache)."""
    import httpx

    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as c:
        t0 = time.perf_counter()
        for k in range(0, len(urls_tiles), clients):
            rs = await asyncio.gather(*[c.get(u) for u in urls_tiles[k : k + clients]])
            errors += [f"warm {r.status_code} {r.url}" for r in rs if r.status_code != 200]
    return time.perf_counter() - t0, errors


async def _run(url: str, urls_tiles: list[str], urls_state: list[str], clients: int, seconds: float, kind: str):
    import httpx

    lat: dict[str, list[float]] = {"tile": [], "state": []}
    errors: list[str] = []
    host, port = url.split("//")[1].split(":")
    end = time.perf_counter() + seconds

    async def client(seed: int) -> None:
        rng = random.Random(seed)
        if kind == "httpx":
            conn = httpx.AsyncClient(base_url=url, timeout=30)

            async def get(u: str) -> int:
                r = await conn.get(u)
                await r.aread()
                return r.status_code

        else:
            conn = _RawConnection(host, int(port))
            get = conn.get
        try:
            while time.perf_counter() < end:
                what = "tile" if rng.random() < 0.8 else "state"
                u = rng.choice(urls_tiles if what == "tile" else urls_state)
                t = time.perf_counter()
                try:
                    code = await asyncio.wait_for(get(u), 30)
                except (OSError, TimeoutError, asyncio.IncompleteReadError, httpx.HTTPError) as exc:
                    code = f"{type(exc).__name__}: {exc}"
                lat[what].append(time.perf_counter() - t)
                if code != 200:
                    errors.append(f"{what} {u}: {code}")
        finally:
            await (conn.aclose() if kind == "httpx" else conn.close())

    await asyncio.gather(*[client(k) for k in range(clients)])
    return lat, errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="how long the clients run (default 30)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--zooms", default="11,12,13,14", help="tile zoom levels (default 11,12,13,14)")
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw", help="load generator (default raw)")
    args = ap.parse_args(argv)

    import httpx

    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        iid, bounds = _setup(db)
        print(f"workspace ready in {time.perf_counter() - t0:.1f} s")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "carpathia", "serve", "--db", str(db), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            env=dict(os.environ),
        )
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{url}/api/info", timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            urls_state = [f"/api/incidents/{iid}", f"/api/incidents/{iid}/layers"]
            inc = httpx.get(f"{url}{urls_state[0]}", timeout=120).json()
            lay = httpx.get(f"{url}{urls_state[1]}", timeout=120).json()  # the first call computes LZs etc.
            # the page's tile URLs: checksums of the terrain and the map when the server gives them
            t_q = f"?t={inc['terrain_sha'][:16]}" if inc.get("terrain_sha") else ""
            h_q = f"?h={lay['map_sha'][:16]}" if lay.get("map_sha") else ""
            tiles = [t for z in map(int, args.zooms.split(",")) for t in _tile_range(bounds, z)]
            urls_tiles = [f"/tiles/incident/{iid}/{z}/{x}/{y}.png{t_q}" for z, x, y in tiles]
            urls_tiles += [f"/tiles/incident/{iid}/poa/{lay['map_version']}/{z}/{x}/{y}.png{h_q}" for z, x, y in tiles]
            warm, errors = asyncio.run(_warm(url, urls_tiles, args.clients))
            cpu0, proc0 = _cpu_s(proc.pid), time.process_time()
            lat, errs = asyncio.run(_run(url, urls_tiles, urls_state, args.clients, args.seconds, args.client))
            errors += errs
            server_cpu, client_cpu = _cpu_s(proc.pid) - cpu0, time.process_time() - proc0
        finally:
            proc.terminate()
            proc.wait(20)

    n = sum(len(v) for v in lat.values())
    print(f"{len(urls_tiles)} tiles rendered (cold) in {warm:.1f} s")
    print(f"{args.clients} clients ({args.client}) for {args.seconds:g} s against carpathia serve (separate process)")
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
    print(
        f"  CPU per request: server {1000 * server_cpu / max(n, 1):.2f} ms, "
        f"client {1000 * client_cpu / max(n, 1):.2f} ms"
    )
    load1 = os.getloadavg()
    print(f"  load average (1 min) {load0[0]:.1f} before, {load1[0]:.1f} after, {os.cpu_count()} CPUs")
    tile_p95 = float(np.percentile(np.asarray(lat["tile"]) * 1000, 95)) if lat["tile"] else math.inf
    met = not errors and tile_p95 < 100
    print(f"goal: zero errors and tiles < 100 ms p95 from cache -> {'met' if met else 'NOT met'}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
