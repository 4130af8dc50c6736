"""Tiles from memory without FastAPI, their HTTP caching (ETag, 304, immutable URLs), and job
progress reported to the page."""

from __future__ import annotations

import pytest

from carpathia.web._fastpath import route_key

from .conftest import MAP_AT, NEW_INCIDENT, client_for, wait_job

TOKEN = "correct horse battery"
TILE = "13/2474/2970"  # z13 over the IPP on Mt Washington


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    """An incident with one map, made through the API; the map job's events recorded."""
    from carpathia.web import create_app

    app = create_app(db=tmp_path_factory.mktemp("fast") / "ws.db")
    bus = app.state.carpathia.bus
    events: list[tuple[str, dict]] = []
    publish = bus.publish
    bus.publish = lambda kind, data: (events.append((kind, dict(data))), publish(kind, data))[1]
    c = client_for(app)
    iid = c.post("/api/incidents", json=NEW_INCIDENT).json()["id"]
    wait_job(app, c.post(f"/api/incidents/{iid}/map", json={"model": "travel_time", "at": MAP_AT}).json())
    return app, c, iid, events


def _urls(c, iid):
    t = c.get(f"/api/incidents/{iid}").json()["terrain_sha"][:16]
    lay = c.get(f"/api/incidents/{iid}/layers").json()
    h = lay["map_sha"][:16]
    return f"/tiles/incident/{iid}/{TILE}.png?t={t}", f"/tiles/incident/{iid}/poa/{lay['map_version']}/{TILE}.png?h={h}"


def test_route_key_names_what_the_url_names():
    assert route_key("/tiles/region/maramures/8/146/90.png", "") == (("region", "maramures"), (8, 146, 90))
    assert route_key("/tiles/incident/3/13/1/2.png", "t=abc&x=1") == (("incident", 3, "abc"), (13, 1, 2))
    assert route_key("/tiles/incident/3/poa/2/13/1/2.png", "") == (("poa", 3, 2, ""), (13, 1, 2))
    assert route_key("/tiles/incident/3/poa/x/13/1/2.png", "") is None
    assert route_key("/api/incidents/3", "") is None


def test_cached_tiles_are_served_without_the_workspace(mapped, monkeypatch):
    from carpathia.incident import Workspace

    _app, c, iid, _ = mapped
    for url in _urls(c, iid):
        first = c.get(url)
        assert first.status_code == 200 and first.headers["content-type"] == "image/png"
        assert first.headers["cache-control"] == "public, max-age=31536000, immutable"

        def no_db(*a, **k):
            raise AssertionError("the workspace was read for a tile in memory")

        with monkeypatch.context() as m:
            m.setattr(Workspace, "incident_id", no_db)
            again = c.get(url)
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        assert int(again.headers["content-length"]) == len(first.content)
        assert c.head(url).status_code == 200


def test_etag_gives_304_and_urls_without_checksum_are_revalidated(mapped):
    _app, c, iid, _ = mapped
    base, heat = _urls(c, iid)
    for url in (base, heat, base.split("?")[0], heat.split("?")[0]):
        r = c.get(url)
        assert r.status_code == 200, url
        if "?" not in url:
            assert r.headers["cache-control"] == "no-cache"
        etag = r.headers["etag"]
        same = c.get(url, headers={"if-none-match": etag})
        assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
        assert c.get(url, headers={"if-none-match": '"other"'}).status_code == 200
    # the same tile from the URL with and without checksum is the same content, the same ETag
    assert c.get(base).headers["etag"] == c.get(base.split("?")[0]).headers["etag"]


def test_checksums_that_do_not_match_are_refused(mapped):
    _app, c, iid, _ = mapped
    _, heat = _urls(c, iid)
    r = c.get(f"/tiles/incident/{iid}/{TILE}.png?t={'0' * 16}")
    assert r.status_code == 404 and "reload the page" in r.json()["error"]
    assert c.get(heat.replace("?h=", "?h=f00d")).status_code in (404, 422)
    assert c.get(f"/tiles/incident/{iid}/{TILE}.png?t=abc").status_code == 422  # too short to name content


def test_an_undone_map_version_that_comes_back_changed_gets_new_tile_urls(tmp_path):
    from carpathia.web import create_app

    app = create_app(db=tmp_path / "ws.db")
    c = client_for(app)
    iid = c.post("/api/incidents", json=NEW_INCIDENT).json()["id"]
    wait_job(app, c.post(f"/api/incidents/{iid}/map", json={"model": "travel_time", "at": MAP_AT}).json())
    _, old = _urls(c, iid)
    before = c.get(old).content
    assert c.post(f"/api/incidents/{iid}/undo").status_code == 200
    wait_job(app, c.post(f"/api/incidents/{iid}/map", json={"model": "rings", "at": MAP_AT}).json())
    _, new = _urls(c, iid)
    assert new.split("?")[0] == old.split("?")[0] and new != old  # version 1 again, another map
    after = c.get(new)
    assert after.status_code == 200 and after.content != before  # not the old map's tile from memory
    assert c.get(new.split("?")[0]).content == after.content
    # an old URL names the old content: from memory it is that content, never the new map's
    assert c.get(old).content == before


def test_lan_mode_still_refuses_tiles_in_memory_without_the_token(tmp_path):
    from carpathia.web import create_app

    app = create_app(db=tmp_path / "ws.db", token=TOKEN)
    c = client_for(app)
    auth = {"authorization": f"Bearer {TOKEN}"}
    url = "/tiles/region/white-mountains/8/75/93.png"
    assert c.get(url, headers=auth).status_code == 200  # now in memory
    assert c.get(url).status_code == 401
    assert c.get(url, headers={"authorization": "Bearer wrong-token"}).status_code == 401


def test_map_job_reports_its_stages_to_the_page(mapped):
    _app, _c, _iid, events = mapped
    jobs = [d for kind, d in events if kind == "job" and d["kind"] == "map"]
    running = [(d["progress"], d["message"]) for d in jobs if d["status"] == "running"]
    messages = [m for _, m in running]
    assert "running the travel_time model" in messages and "storing the map version" in messages
    assert any(0 < p < 1 for p, _ in running)
    assert [p for p, _ in running] == sorted(p for p, _ in running)
    assert jobs[-1]["status"] == "done" and jobs[-1]["progress"] == 1.0
