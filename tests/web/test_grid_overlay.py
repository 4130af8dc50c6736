"""The web map's grid overlay (issue 17 item 1): the UTM grid as labelled GeoJSON lines."""

from __future__ import annotations

import pytest
from pyproj import Transformer

from .conftest import NEW_INCIDENT, client_for


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from carpathia.web import create_app

    app = create_app(db=tmp_path_factory.mktemp("web-grid") / "ws.db")
    c = client_for(app)
    r = c.post("/api/incidents", json=NEW_INCIDENT)
    assert r.status_code == 201, r.text
    return c, r.json()["id"]


def test_grid_lines_lie_on_their_utm_values(client):
    c, iid = client
    r = c.get(f"/api/incidents/{iid}/grid")
    assert r.status_code == 200, r.text
    fc = r.json()
    assert fc["step"] == 1000 and "UTM zone 19N" in fc["zone"] and "MGRS 19T" in fc["zone"]
    to_utm = Transformer.from_crs(4326, 32619, always_xy=True)
    easting = [f for f in fc["features"] if f["properties"]["axis"] == "E"]
    northing = [f for f in fc["features"] if f["properties"]["axis"] == "N"]
    assert len(easting) > 3 and len(northing) > 3
    for f in easting[:3] + northing[:3]:
        p = f["properties"]
        for lon, lat in f["geometry"]["coordinates"][:: max(1, len(f["geometry"]["coordinates"]) // 4)]:
            e, n = to_utm.transform(lon, lat)
            assert (e if p["axis"] == "E" else n) == pytest.approx(p["value"], abs=0.5)
        assert p["full"] == f"{p['value']:.0f}m{p['axis']}"
        assert p["label"] == f"{int(p['value'] % 100000 // 1000):02d}" or p["major"]


def test_grid_kind_outside_its_area_is_a_422(client):
    c, iid = client
    r = c.get(f"/api/incidents/{iid}/grid", params={"kind": "stereo70"})
    assert r.status_code == 422 and "Stereo 70" in r.json()["error"]
    r = c.get(f"/api/incidents/{iid}/grid", params={"kind": "<script>"})
    assert r.status_code == 422 and "\n" not in r.json()["error"]


def test_grid_overlay_in_the_browser(browser, tmp_path):
    """The page draws the grid with its labels as text (no page errors under the CSP); the
    screenshot is kept as an artefact when CARPATHIA_GRID_SCREENSHOT names a file."""
    import os
    import shutil

    from carpathia.web import create_app

    from .conftest import LiveServer, wait_js

    app = create_app(db=tmp_path / "ws.db", tile_cache_dir=tmp_path / "tiles")
    c = client_for(app)
    iid = c.post("/api/incidents", json=NEW_INCIDENT).json()["id"]
    fc = c.get(f"/api/incidents/{iid}/grid").json()
    with LiveServer(app) as srv:
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{srv.url}/?incident={iid}")
        wait_js(page, "state.incident !== null && layers.grid.getLayers().length > 0")
        page.evaluate("layers.grid.addTo(map); map.setZoom(14)")
        page.wait_for_timeout(1500)
        labels = page.evaluate("Array.from(document.querySelectorAll('.grid-label')).map((e) => e.textContent)")
        expected = {f["properties"]["label"] for f in fc["features"]}
        assert labels and set(labels) <= expected
        shot = tmp_path / "grid-overlay.png"
        page.screenshot(path=str(shot))
        if out := os.environ.get("CARPATHIA_GRID_SCREENSHOT"):
            shutil.copy(shot, out)
        assert not errors, errors
        page.close()
