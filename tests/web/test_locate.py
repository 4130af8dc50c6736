"""The locate-me link (issue 15 item 5): issued by the team, opened once on the lost person's phone,
sends the browser's position as a report; its security properties, through the API and end to end
in headless Chromium with geolocation emulation (grant, refusal, expired and reused links)."""

from __future__ import annotations

import time

import pytest

from .conftest import IPP_LAT, IPP_LON, NEW_INCIDENT, LiveServer, client_for, wait_js

TOKEN = "team-secret-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def served(tmp_path):
    """An app that requires the team token, with one incident."""
    from carpathia.web import create_app

    app = create_app(db=tmp_path / "ws.db", token=TOKEN)
    c = client_for(app)
    r = c.post("/api/incidents", json=NEW_INCIDENT, headers=AUTH)
    assert r.status_code == 201, r.text
    return app, c, r.json()["id"]


def _reports(app, iid):
    from carpathia.incident import Workspace

    with Workspace(app.state.carpathia.db) as ws:
        return ws.reports(iid)


def _page_nonce(html: str) -> str:
    import re

    return re.search(r'data-nonce="([^"]+)"', html).group(1)


def test_the_link_is_issued_by_the_team_and_opened_once(served):
    app, c, iid = served
    assert c.post(f"/api/incidents/{iid}/locate-links", json={}).status_code == 401  # the team token is needed
    r = c.post(f"/api/incidents/{iid}/locate-links", json={"minutes": 60}, headers=AUTH)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["path"].startswith("/locate/") and len(link["path"]) > len("/locate/") + 30
    page = c.get(link["path"])  # no team token: the phone has none
    assert page.status_code == 200 and "Send your location" in page.text
    assert NEW_INCIDENT["name"] not in page.text and "white-mountains" not in page.text  # nothing of the incident
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    nonce = _page_nonce(page.text)
    fix = {"nonce": nonce, "lat": IPP_LAT + 0.003, "lon": IPP_LON, "accuracy": 35.0, "battery": 23}
    r = c.post(link["path"] + "/fix", json=fix)
    assert r.status_code == 201, r.text
    assert "id" not in r.json() and set(r.json()) == {"ok", "received"}  # the phone learns nothing
    (rep,) = _reports(app, iid)
    assert (rep["source"], rep["accuracy_m"], rep["confidence"], rep["battery_pct"]) == ("locate-me", 35.0, 0.95, 23)
    assert rep["lat"] == pytest.approx(IPP_LAT + 0.003) and rep["verification"] == "plausible"
    # the command post's map layers carry the report and its 35 m circle (drawn by app.js)
    lay = c.get(f"/api/incidents/{iid}/layers", headers=AUTH).json()["layers"]
    assert [f["properties"]["source"] for f in lay["reports"]["features"]] == ["locate-me"]
    assert lay["report_areas"]["features"][0]["geometry"]["type"] == "Polygon"
    # the same link opened again (another phone, a forwarded SMS) is refused
    assert c.get(link["path"]).status_code == 410
    # too soon after the last fix: rate-limited; a forged nonce: refused
    assert c.post(link["path"] + "/fix", json=fix).status_code == 429
    assert c.post(link["path"] + "/fix", json={**fix, "nonce": "x" * 24}).status_code == 403
    assert len(_reports(app, iid)) == 1
    # the open prefix reaches nothing else
    for path in ("/api/incidents", f"/api/incidents/{iid}", f"/api/incidents/{iid}/reports", "/"):
        assert c.get(path).status_code == 401, path
    assert c.get("/locate/../api/incidents").status_code in (401, 404)


def test_expired_unknown_and_guessed_tokens(served):
    app, c, iid = served
    links = app.state.carpathia.locate_links
    path = c.post(f"/api/incidents/{iid}/locate-links", json={"minutes": 5}, headers=AUTH).json()["path"]
    start = time.time()
    links.clock = lambda: start + 6 * 60  # six minutes later
    assert c.get(path).status_code == 410
    links.clock = time.time
    assert c.get("/locate/" + "A" * 32).status_code == 404
    for k in range(25):  # guessing: throttled after 20 wrong tokens from one address
        r = c.get(f"/locate/guess{k:027d}")
    assert r.status_code == 429
    assert c.post(f"/api/incidents/{iid}/locate-links", json={"minutes": 0}, headers=AUTH).status_code == 422
    assert c.post("/api/incidents/999/locate-links", json={}, headers=AUTH).status_code in (404, 422)


# ---------------------------------------------------------------------------------------------
# end to end in Chromium
# ---------------------------------------------------------------------------------------------


def test_locate_me_end_to_end_in_chromium(browser, served):
    import httpx

    app, _c, iid = served
    with LiveServer(app) as srv:

        def issue(minutes=30):
            r = httpx.post(
                f"{srv.url}/api/incidents/{iid}/locate-links",
                json={"minutes": minutes},
                headers={**AUTH, "Origin": srv.url},
            )
            assert r.status_code == 201, r.text
            return srv.url + r.json()["path"]

        # the phone allows location: its position, accuracy and battery arrive as a report
        url = issue()
        where = {"latitude": IPP_LAT + 0.004, "longitude": IPP_LON - 0.002, "accuracy": 42}
        ctx = browser.new_context(geolocation=where, permissions=["geolocation"])
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        wait_js(page, "document.getElementById('status').textContent.startsWith('Location sent')", 60)
        reps = _reports(app, iid)
        assert len(reps) == 1 and reps[0]["source"] == "locate-me"
        assert (reps[0]["lat"], reps[0]["lon"]) == (pytest.approx(where["latitude"]), pytest.approx(where["longitude"]))
        assert reps[0]["accuracy_m"] == pytest.approx(42)
        assert not errors, errors
        # the command post draws the report and its accuracy circle on the map
        post = browser.new_context(extra_http_headers=AUTH)
        cp = post.new_page()
        cp.goto(srv.url + "/")
        wait_js(cp, f"!!document.querySelector('#incident-select option[value=\"{iid}\"]')", 60)
        cp.select_option("#incident-select", str(iid))
        wait_js(cp, "document.body.dataset.reports === '1'", 60)
        wait_js(cp, "document.querySelectorAll('path[fill=\"#7b1fa2\"]').length >= 2", 30)  # marker + circle
        # the team issues a further link from the page itself
        cp.click("text=6 · Locate-me link")
        cp.click("#locate-link")
        wait_js(cp, "document.getElementById('locate-url').value.includes('/locate/')", 30)
        assert cp.input_value("#locate-url").startswith(srv.url + "/locate/")
        post.close()
        # the same link in a second browser (a forwarded SMS): refused, nothing sent
        other = browser.new_context(geolocation=where, permissions=["geolocation"])
        p2 = other.new_page()
        resp = p2.goto(url)
        assert resp.status == 410 and "already opened" in p2.content()
        other.close()
        ctx.close()

        # the phone refuses location: the page says so and nothing is recorded
        url = issue()
        ctx = browser.new_context()  # no permission granted: geolocation is denied in headless Chromium
        page = ctx.new_page()
        page.goto(url)
        wait_js(page, "document.getElementById('status').textContent.startsWith('Location refused')", 60)
        ctx.close()
        assert len(_reports(app, iid)) == 1

        # an expired link: the page tells the person to call the team
        url = issue(minutes=1)
        links = app.state.carpathia.locate_links
        start = time.time()
        links.clock = lambda: start + 120
        ctx = browser.new_context(geolocation=where, permissions=["geolocation"])
        page = ctx.new_page()
        resp = page.goto(url)
        assert resp.status == 410 and "expired" in page.content()
        ctx.close()
        links.clock = time.time
        assert len(_reports(app, iid)) == 1
