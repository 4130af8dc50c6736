"""End to end: a real uvicorn server and headless Debian Chromium run the operational cycle.

create incident (click the IPP) → probability map → auto-segments → team → plan → upload a GPX
track → the map updates, in this page and, without reloading, in a second browser context
(server-sent events). Every request the browsers make is recorded: none may leave 127.0.0.1.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

from .conftest import BROWSER_TIMEOUT_MS, IPP_LAT, IPP_LON, LiveServer, lawnmower_gpx, wait_js

TIMEOUT_MS = BROWSER_TIMEOUT_MS


def test_operational_cycle_in_the_browser(browser, tmp_path):
    import httpx

    from carpathia.web import create_app

    app = create_app(db=tmp_path / "ws.db", tile_cache_dir=tmp_path / "tiles")
    urls: list[str] = []
    with LiveServer(app) as srv:
        ctx1 = browser.new_context(viewport={"width": 1280, "height": 800})
        ctx2 = browser.new_context(viewport={"width": 1280, "height": 800})
        for ctx in (ctx1, ctx2):
            ctx.on("request", lambda req: urls.append(req.url))
            ctx.set_default_timeout(TIMEOUT_MS)
        page = ctx1.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(srv.url + "/")
        wait_js(page, "document.getElementById('live').className === 'on'")

        # 1. create the incident by clicking the IPP on the map
        page.evaluate(f"map.setView([{IPP_LAT}, {IPP_LON}], 13)")
        page.click("#new-incident")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        form = page.locator("#new-form")
        form.locator("[name=name]").fill("Lost hiker on Mt Washington")
        form.locator("[name=last_seen]").fill("2024-01-13T15:30")
        form.locator("[name=radius_m]").fill("4000")
        page.click("#submit-incident")
        page.wait_for_selector("#incident-box:not([hidden])")
        iid = page.evaluate("state.incident")
        assert isinstance(iid, int)

        # a second browser opens the same incident and will only listen from now on
        other = ctx2.new_page()
        other.goto(f"{srv.url}/?incident={iid}")
        wait_js(other, "document.getElementById('live').className === 'on'")

        # 2. probability map, segments, a team, the plan
        page.click("#run-model")
        wait_js(page, "document.body.dataset.mapVersion === '1'")
        page.click("#auto-segment")
        wait_js(page, "Number(document.body.dataset.segments) > 0")
        page.fill("#team-name", "Grid 1")
        page.select_option("#team-resource", "grid-team")
        page.click("#add-team")
        wait_js(page, "document.getElementById('teams').children.length === 1")
        page.click("#plan")
        wait_js(page, "Number(document.body.dataset.assignments) > 0")
        wait_js(other, "Number(document.body.dataset.assignments) > 0")
        assert other.evaluate("document.body.dataset.mapVersion") == "1"

        # 3. debrief: upload the team's GPS track for assignment 101
        layers = httpx.get(f"{srv.url}/api/incidents/{iid}/layers", timeout=60).json()["layers"]
        seg = next(f for f in layers["assignments"]["features"] if f["properties"]["number"] == 101)
        track = tmp_path / "grid1.gpx"
        track.write_text(lawnmower_gpx(seg["geometry"]))
        page.select_option("#debrief-assignment", "101")
        page.set_input_files("#debrief-file", str(track))
        page.click("#debrief-submit")

        # 4. the map updates here and, without a reload, in the other browser
        for p in (page, other):
            wait_js(p, "document.body.dataset.mapVersion === '2'")
            wait_js(p, "document.body.dataset.tracks === '1'")
        assert other.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
        assert page.locator("#map-version").inner_text() == "2"
        page.wait_for_load_state("networkidle")
        # headless Chromium paints only damaged regions into screenshots: resize once to repaint all
        page.set_viewport_size({"width": 1281, "height": 800})
        page.set_viewport_size({"width": 1280, "height": 800})
        page.wait_for_timeout(1000)
        shot = tmp_path / "command-post.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
        if out := __import__("os").environ.get("CARPATHIA_E2E_SCREENSHOT"):
            shutil.copy(shot, out)
        assert not errors, errors
        ctx1.close()
        ctx2.close()

    hosts = {urlsplit(u).hostname for u in urls}
    assert urls and hosts == {"127.0.0.1"}, f"requests left localhost: {sorted(hosts)}"
    assert any("/tiles/incident/" in u for u in urls)
    assert any("/poa/2/" in u for u in urls), "the heat map of the new version was never fetched"
