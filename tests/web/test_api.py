"""Every endpoint of the JSON API through FastAPI's TestClient, with the bad input a command post
will meet: malformed GPX, an IPP off the terrain, unknown incidents. Bad input is a 4xx with a
clear one-line message, never a 500."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from .conftest import MAP_AT, NEW_INCIDENT, client_for, lawnmower_gpx, wait_job


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """One incident taken through map, segments, a team and a plan through the API."""
    from carpathia.web import create_app

    app = create_app(db=tmp_path_factory.mktemp("web") / "ws.db")
    c = client_for(app)
    r = c.post("/api/incidents", json=NEW_INCIDENT)
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    r = c.post(f"/api/incidents/{iid}/map", json={"model": "travel_time", "at": MAP_AT})
    assert r.status_code == 202, r.text
    wait_job(app, r.json())
    wait_job(app, c.post(f"/api/incidents/{iid}/segments/auto").json())
    assert c.post(f"/api/incidents/{iid}/teams", json={"name": "Grid 1", "resource": "grid-team"}).status_code == 201
    plan = wait_job(app, c.post(f"/api/incidents/{iid}/plan", json={"hours": 12}).json())
    return app, c, iid, plan


def _error(r, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert "\n" not in body["error"] and body["error"]
    return body["error"]


def test_workflow_endpoints(cycle):
    _app, c, iid, plan = cycle
    assert plan["result"]["number"] == 1 and plan["result"]["assignments"][0]["number"] == 101
    inc = c.get(f"/api/incidents/{iid}").json()
    assert inc["name"] == "Lost hiker" and inc["map_version"] == 1
    assert inc["counts"]["segments"] > 0 and inc["counts"]["assignments"] >= 1
    w, s, e, n = inc["bounds_lonlat"]
    assert w < NEW_INCIDENT["ipp_lon"] < e and s < NEW_INCIDENT["ipp_lat"] < n
    assert [i["id"] for i in c.get("/api/incidents").json()] == [iid]
    segs = c.get(f"/api/incidents/{iid}/segments").json()
    assert sum(s["poa"] for s in segs) == pytest.approx(
        1 - c.get(f"/api/incidents/{iid}/maps").json()[0]["rest_of_world"], abs=1e-6
    )
    lay = c.get(f"/api/incidents/{iid}/layers").json()
    assert lay["map_version"] == 1
    assert {"ipp", "segments", "assignments", "tracks", "clues", "contours", "landing_zones"} <= set(lay["layers"])
    assert [f["properties"]["level"] for f in lay["layers"]["contours"]["features"]] == [0.25, 0.5, 0.75, 0.95]
    assert c.get(f"/api/incidents/{iid}/teams").json()[0]["resource_key"] == "grid-team"
    assert c.get(f"/api/incidents/{iid}/assignments").json()[0]["number"] == 101
    feats = c.get(f"/api/incidents/{iid}/features").json()
    assert any(f["properties"]["name"] == "Mt Washington" for f in feats["features"])
    assert c.get(f"/api/jobs/{plan['id']}").json()["status"] == "done"
    assert len(c.get("/api/jobs").json()) == 3


def test_tiles_of_incident_and_probability(cycle):
    _app, c, iid, _ = cycle
    # z13 tile over the IPP on Mt Washington
    base = c.get(f"/tiles/incident/{iid}/13/2474/2970.png")
    heat = c.get(f"/tiles/incident/{iid}/poa/1/13/2474/2970.png")
    for r in (base, heat):
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        im = Image.open(io.BytesIO(r.content))
        assert im.size == (256, 256) and im.mode == "RGBA"
    assert c.get(f"/tiles/incident/{iid}/poa/9/13/2474/2970.png").status_code == 422  # no such version
    far = Image.open(io.BytesIO(c.get(f"/tiles/incident/{iid}/13/0/0.png").content))
    assert far.getextrema()[3] == (0, 0)  # off the terrain: transparent


def test_debrief_clue_log_undo(cycle):
    _app, c, iid, _ = cycle
    seg = next(f for f in c.get(f"/api/incidents/{iid}/layers").json()["layers"]["assignments"]["features"])
    gpx = lawnmower_gpx(seg["geometry"]).encode()
    r = c.post(
        f"/api/incidents/{iid}/assignments/101/debrief",
        files={"file": ("grid1.gpx", gpx, "application/gpx+xml")},
        data={"found": "no", "time": "2024-01-14T12:00-05:00"},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["map_version"] == 2 and 0 < out["segment_pod"] < 1 and out["tracks"] == 1
    tracks = c.get(f"/api/incidents/{iid}/layers").json()["layers"]["tracks"]["features"]
    assert len(tracks) == 1 and tracks[0]["properties"]["assignment"] == 101
    r = c.post(f"/api/incidents/{iid}/clues", json={"lat": 44.275, "lon": -71.30, "description": "glove"})
    assert r.status_code == 201 and r.json()["map_version"] == 3
    assert len(c.get(f"/api/incidents/{iid}/clues").json()) == 1
    r = c.post(f"/api/incidents/{iid}/weather", json={"air_temp_c": -12, "wind_kmh": 40})
    assert r.status_code == 201
    log = c.get(f"/api/incidents/{iid}/log").json()
    assert log[-1]["action"] == "weather" and all("changes" not in e for e in log)
    r = c.post(f"/api/incidents/{iid}/undo")
    assert r.status_code == 200 and r.json()["undoes"] == log[-1]["id"]
    st = c.get(f"/api/incidents/{iid}/status")
    assert st.status_code == 200 and st.json()["map_version"] == 3


@pytest.mark.parametrize("fmt", ["geojson", "kml", "gpx", "geotiff"])
def test_exports_download(cycle, fmt):
    _app, c, iid, _ = cycle
    assert fmt in c.get("/api/exports").json()
    r = c.get(f"/api/incidents/{iid}/export/{fmt}")
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"] and len(r.content) > 1000


def test_bad_input_is_4xx_with_a_message(cycle):
    _app, c, iid, _ = cycle
    # malformed GPX, wrong file kind, empty file
    bad = c.post(
        f"/api/incidents/{iid}/assignments/101/debrief", files={"file": ("t.gpx", b"<gpx><trk><trkseg>", "text/xml")}
    )
    assert "t.gpx" in _error(bad, 422) and "/tmp" not in bad.json()["error"]
    assert ".gpx" in _error(
        c.post(f"/api/incidents/{iid}/assignments/101/debrief", files={"file": ("t.exe", b"MZ")}), 422
    )
    assert "empty" in _error(
        c.post(f"/api/incidents/{iid}/assignments/101/debrief", files={"file": ("t.gpx", b"")}), 422
    )
    assert "file" in _error(c.post(f"/api/incidents/{iid}/assignments/101/debrief"), 422)
    # a track off the terrain
    off = lawnmower_gpx({"type": "Polygon", "coordinates": [[[10, 45], [10.01, 45], [10.01, 45.01], [10, 45]]]})
    r = c.post(f"/api/incidents/{iid}/assignments/101/debrief", files={"file": ("far.gpx", off.encode())})
    assert r.status_code == 422, r.text
    # IPP outside the terrain, no zone on the time, unknown region / category, bad latitude
    far = dict(NEW_INCIDENT, name="Far", ipp_lat=47.0)
    assert "outside the terrain" in _error(c.post("/api/incidents", json=far), 422)
    assert "zone" in _error(
        c.post("/api/incidents", json=dict(NEW_INCIDENT, name="X", last_seen="2024-01-13T15:30")), 422
    )
    assert "region" in _error(c.post("/api/incidents", json=dict(NEW_INCIDENT, name="X", region="atlantis")), 404)
    assert "ipp_lat" in _error(c.post("/api/incidents", json=dict(NEW_INCIDENT, name="X", ipp_lat=144)), 422)
    assert "exists" in _error(c.post("/api/incidents", json=NEW_INCIDENT), 422)
    assert _error(c.post("/api/incidents", content=b"{not json", headers={"content-type": "application/json"}), 422)
    # unknown incident, assignment, job, model, team resource, export format, page
    for path in (f"/api/incidents/{iid + 41}", f"/api/incidents/{iid + 41}/layers", "/api/jobs/999", "/nowhere"):
        _error(c.get(path), 404)
    assert "999" in _error(
        c.post(f"/api/incidents/{iid}/assignments/999/debrief", files={"file": ("t.gpx", b"<gpx/>")}), 404
    )
    assert _error(c.post(f"/api/incidents/{iid + 41}/clues", json={"lat": 44.27, "lon": -71.3}), 404)
    assert _error(c.post(f"/api/incidents/{iid}/map", json={"model": "crystal-ball"}), 404)
    assert _error(c.post(f"/api/incidents/{iid}/teams", json={"name": "T", "resource": "unicorn"}), 404)
    assert "format" in _error(c.get(f"/api/incidents/{iid}/export/docx"), 422)
    assert "off the map" in _error(c.post(f"/api/incidents/{iid}/clues", json={"lat": 46.3, "lon": -71.3}), 422)
    assert _error(c.post(f"/api/incidents/{iid}/plan", json={"hours": -1}), 422)
    assert _error(c.get("/tiles/region/white-mountains/25/0/0.png"), 422)
    assert _error(c.get("/tiles/region/white-mountains/2/9/0.png"), 422)


def test_steps_out_of_order_are_4xx(client):
    r = client.post("/api/incidents", json=NEW_INCIDENT)
    iid = r.json()["id"]
    assert "map" in _error(client.post(f"/api/incidents/{iid}/segments/auto"), 422)
    assert "team" in _error(client.post(f"/api/incidents/{iid}/plan", json={}), 422)
    assert client.get(f"/api/incidents/{iid}/segments").json() == []
    assert client.get(f"/api/incidents/{iid}/layers").json()["map_version"] is None


def test_segment_import_and_upload_limit(tmp_path):
    import json

    from carpathia.web import create_app

    app = create_app(db=tmp_path / "ws.db", max_upload_bytes=4096)
    c = client_for(app)
    iid = c.post("/api/incidents", json=NEW_INCIDENT).json()["id"]
    lon, lat = NEW_INCIDENT["ipp_lon"], NEW_INCIDENT["ipp_lat"]
    square = [[lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.01], [lon - 0.01, lat - 0.01]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"label": "A1"}, "geometry": {"type": "Polygon", "coordinates": [square]}}
        ],
    }
    r = c.post(f"/api/incidents/{iid}/segments", files={"file": ("segs.geojson", json.dumps(fc).encode())})
    assert r.status_code == 201 and r.json() == {"segments": 1}
    assert [s["label"] for s in c.get(f"/api/incidents/{iid}/segments").json()] == ["A1"]
    big = c.post(f"/api/incidents/{iid}/segments", files={"file": ("big.geojson", b" " * 10_000)})
    assert "limit" in _error(big, 413)
    huge = c.post(f"/api/incidents/{iid}/segments", files={"file": ("huge.geojson", b" " * 2_000_000)})
    assert huge.status_code == 413


def test_reference_endpoints(client):
    schema = client.get("/api/schema/incident").json()
    assert {"name", "ipp_lat", "ipp_lon", "last_seen", "region"} <= set(schema["required"])
    assert "hiker" in [c.lower() for c in schema["properties"]["category"]["enum"]]
    assert "white-mountains" in schema["properties"]["region"]["enum"]
    assert "grid-team" in [r["key"] for r in client.get("/api/resources").json()]
    assert "travel_time" in client.get("/api/models").json()
    regions = {r["name"]: r for r in client.get("/api/regions").json()}
    assert "white-mountains" in regions and "path" not in regions["white-mountains"]
    feats = client.get("/api/regions/maramures/features").json()["features"]
    assert {"rivers", "towns", "borders"} <= {f["properties"]["kind"] for f in feats}
    assert client.get("/api/regions/atlantis/features").status_code == 404
    info = client.get("/api/info").json()
    assert info["lan_mode"] is False and info["user"]
    page = client.get("/")
    assert page.status_code == 200 and "/static/vendor/leaflet/leaflet.js" in page.text
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


def test_no_cdn_and_no_docs_page(client):
    """The command post is offline: no page or asset names a host, and the CDN-based docs are off."""
    from carpathia.web.app import STATIC

    for p in STATIC.rglob("*"):
        if p.suffix in (".html", ".js", ".css") and "vendor" not in p.parts:
            text = p.read_text()
            assert "http://" not in text and "https://" not in text and "//cdn" not in text, p
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    schema = client.get("/openapi.json").json()
    assert "/api/incidents/{iid}/assignments/{number}/debrief" in schema["paths"]
    assert (STATIC / "vendor" / "leaflet" / "LICENSE").exists()
    assert "1.9.4" in (STATIC / "vendor" / "VENDORED.md").read_text()


def test_internal_errors_are_500_json_without_traceback(app, client, monkeypatch):
    from carpathia.incident import workspace

    def boom(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(workspace.Workspace, "incidents", boom)
    r = client.get("/api/incidents")
    assert r.status_code == 500 and r.json()["error"] == "internal error (RuntimeError); see the server log"
