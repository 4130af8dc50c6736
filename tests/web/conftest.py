"""Fixtures for the web command post: an app on a fresh workspace, a real server, GPX tracks."""

from __future__ import annotations

import socket
import threading
import time
import warnings

import numpy as np
import pytest

# Mt Washington's summit area in the bundled white-mountains region; a 4 km crop keeps it quick.
IPP_LAT, IPP_LON = 44.2706, -71.3033
NEW_INCIDENT = {
    "name": "Lost hiker",
    "ipp_lat": IPP_LAT,
    "ipp_lon": IPP_LON,
    "last_seen": "2024-01-13T15:30-05:00",
    "category": "hiker",
    "region": "white-mountains",
    "radius_m": 4000,
}
MAP_AT = "2024-01-14T03:30-05:00"


def client_for(app, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note on httpx versions
        from fastapi.testclient import TestClient

    kw.setdefault("base_url", "http://127.0.0.1")  # a loopback server answers only to its own names
    return TestClient(app, raise_server_exceptions=False, **kw)


@pytest.fixture
def app(tmp_path):
    from carpathia.web import create_app

    return create_app(db=tmp_path / "ws.db")


@pytest.fixture
def client(app):
    return client_for(app)


def wait_job(app, job: dict, timeout: float = 120.0) -> dict:
    done = app.state.carpathia.jobs.wait(job["id"], timeout)
    assert done.status == "done", done.error
    return done.to_dict()


def lawnmower_gpx(geometry: dict, *, legs: int = 8, name: str = "team track") -> str:
    """A GPX 1.1 track sweeping a polygon's bounding box in parallel legs, one fix a minute."""
    import shapely

    w, s, e, n = shapely.geometry.shape(geometry).bounds
    pts = []
    for k, lat in enumerate(np.linspace(s, n, legs)):
        lons = np.linspace(w, e, 15)
        pts += [(lon, lat) for lon in (lons[::-1] if k % 2 else lons)]
    fixes = "".join(
        f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><time>2024-01-14T{7 + i // 60:02d}:{i % 60:02d}:00Z</time></trkpt>'
        for i, (lon, lat) in enumerate(pts)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="carpathia tests" '
        f'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>{name}</name><trkseg>{fixes}</trkseg></trk></gpx>\n'
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app in a thread on 127.0.0.1 and a free port."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        end = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > end:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def wait_js(page, expression: str, timeout_s: float = 120.0) -> None:
    """Wait until ``expression`` is truthy in the page. Playwright's ``wait_for_function`` compiles
    its predicate with eval, which the page's Content-Security-Policy (rightly) refuses; a plain
    evaluation through the DevTools protocol is not a page script and is allowed."""
    end = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


#: Debian's Chromium, driven by playwright (never a downloaded browser), with the flags that keep
#: it off the network (the machine's closed network refuses its background connections).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the module's tests (skipped on a laptop without it, failed in CI)."""
    from pathlib import Path

    from tests.conftest import need

    need(Path(CHROMIUM).exists(), f"{CHROMIUM} (Debian package chromium) is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Python playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()
