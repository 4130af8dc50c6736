"""Stored XSS: hostile names from imported files and forms reach the page as text, in headless Chromium.

A segment label from an imported file used to run script on page load and post fake weather under
the viewer's login. Here every kind of stored name carries payloads; the page is opened, every
tooltip and popup is opened, and nothing may run: no flag set, no request made, no weather written.
The Content-Security-Policy is checked on its own too: an inline script injected into the page is
blocked by the browser.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.incident.conftest import segment_features, small_terrain  # noqa: F401 - a fixture

from ._attack import prepared_workspace
from .conftest import BROWSER_TIMEOUT_MS, LiveServer, wait_js

TIMEOUT_MS = BROWSER_TIMEOUT_MS
# each payload, if it ran, sets window.__pwned and posts weather (as the observed attack did)
RUN = (
    "window.__pwned=(window.__pwned||0)+1;fetch('/api/incidents/1/weather',{method:'POST',"
    "headers:{'content-type':'application/json'},body:JSON.stringify({air_temp_c:40,wind_kmh:0})})"
)
PAYLOADS = [
    f'<img src=x onerror="{RUN}">',
    f'<svg onload="{RUN}"></svg>',
    f"<script>{RUN}</script>",
    f'"><img src=x onerror="{RUN}">',
]


def _hostile_workspace(tmp_path, terrain) -> Path:
    from carpathia.incident import Workspace

    db = prepared_workspace(tmp_path / "ws.db", terrain, plan=False)
    feats = segment_features(2, d=0.02)
    for f, payload in zip(feats, PAYLOADS, strict=True):
        f["properties"]["label"] = payload
    (tmp_path / "hostile.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    with Workspace(db, user=PAYLOADS[0]) as ws:
        ws.import_segments(tmp_path / "hostile.geojson")
        for k, payload in enumerate(PAYLOADS):
            ws.add_team(f"{payload}{k}", "grid-team", radio=payload[:40])
        ws.plan(hours=12, start="2024-01-14T06:00-05:00", method="greedy")
        ws.add_clue(-71.30, 44.27, description=PAYLOADS[1])
    return db


def test_hostile_names_are_shown_as_text_in_chromium(browser, tmp_path, small_terrain):  # noqa: F811
    from carpathia.incident import Store
    from carpathia.web import create_app

    db = _hostile_workspace(tmp_path, small_terrain)
    with LiveServer(create_app(db=db)) as srv:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(TIMEOUT_MS)
        requests: list[str] = []
        ctx.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{srv.url}/?incident=1")
        wait_js(page, "Number(document.body.dataset.segments) === 13")
        wait_js(page, "Number(document.body.dataset.assignments) > 0")
        page.evaluate("map.setZoom(14)")  # segment labels become permanent tooltips
        page.evaluate(
            "for (const k of ['segments', 'assignments', 'clues']) layers[k].eachLayer((l) => {"
            " if (l.getTooltip()) l.openTooltip(); if (l.getPopup()) { l.openPopup(); } })"
        )
        page.wait_for_timeout(1500)
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"], svg[onload], #map script').length") == 0
        shown = page.evaluate("document.body.innerText")
        assert "<img src=x" in shown  # the label is there, as text
        team_items = page.evaluate("[...document.querySelectorAll('#teams li')].map((li) => li.textContent)")
        assert any("<svg onload=" in t for t in team_items)
        # the CSP itself: an inline script added to the page does not run
        page.evaluate(
            "const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
            "document.body.appendChild(s)"
        )
        assert page.evaluate("window.__inline") is None
        headers = httpx.get(srv.url + "/", timeout=30).headers
        ctx.close()
    assert not [r for r in requests if r.startswith("POST")], requests
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    with Store(db, create=False) as s:
        assert s.count("weather") == 0
    assert not errors, errors
