"""LAN mode: without the token every request is refused; with it, changes carry the user's name."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Mount, Route

from carpathia.errors import InputError
from carpathia.web import create_app, is_loopback, resolve_token

from .conftest import NEW_INCIDENT, client_for

TOKEN = "correct horse battery"


@pytest.fixture
def lan(tmp_path):
    return create_app(db=tmp_path / "ws.db", token=TOKEN)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path).replace("{path:path}", "x")


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("::", False),
        ("command-post.local", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_resolve_token():
    assert resolve_token("127.0.0.1", None) == (None, False)
    token, generated = resolve_token("0.0.0.0", None)
    assert generated and len(token) >= 20
    assert resolve_token("0.0.0.0", None)[0] != token  # fresh each time
    assert resolve_token("0.0.0.0", TOKEN) == (TOKEN, False)
    assert resolve_token("127.0.0.1", TOKEN) == (TOKEN, False)
    with pytest.raises(InputError, match="at least"):
        resolve_token("0.0.0.0", "short")


def test_every_endpoint_is_401_without_the_token(lan):
    c = client_for(lan)
    checked = 0
    open_routes: set[str] = set()
    for route in lan.routes:
        if isinstance(route, Mount):
            paths, methods = [route.path + "/vendor/leaflet/leaflet.js", route.path + "/app.js"], {"GET"}
        elif isinstance(route, Route):
            paths, methods = [_concrete(route.path)], route.methods or {"GET"}
        else:
            continue
        if isinstance(route, Route) and route.path.startswith("/locate/"):
            open_routes.add(route.path)  # the locate-me page checks its own one-time token (test_locate.py)
            continue
        for path in paths:
            for method in sorted(methods - {"HEAD"}):
                for headers in ({}, {"authorization": "Bearer wrong-token"}, {"authorization": TOKEN}):
                    lan.state.carpathia.auth._failures.clear()  # the guessing throttle has its own test
                    r = c.request(method, path, headers=headers)
                    assert r.status_code == 401, (method, path, headers, r.status_code)
                    checked += 1
    assert checked > 80
    # the only routes open without the token: the locate-me page, its script and its two posts
    assert open_routes == {"/locate/app.js", "/locate/{token}", "/locate/{token}/fix", "/locate/{token}/refused"}
    # a browser gets the login form with the 401, a script gets JSON
    html = c.get("/", headers={"accept": "text/html"})
    assert html.status_code == 401 and "<form" in html.text and "token" in html.text
    assert "Bearer" in c.get("/api/info").json()["error"]


def test_bearer_token_and_login_cookie(lan):
    c = client_for(lan)
    ok = c.get("/api/info", headers={"authorization": f"Bearer {TOKEN}", "x-carpathia-user": "radio"})
    assert ok.status_code == 200 and ok.json()["user"] == "radio" and ok.json()["lan_mode"] is True
    # the login form: a wrong token is refused, the right one sets the cookie and goes to the map
    bad = c.post("/api/login", data={"user": "Ana", "token": "nope"}, follow_redirects=False)
    assert bad.status_code == 401 and "Wrong token" in bad.text
    assert c.post("/api/login", json={"user": "Ana", "token": "nope"}).status_code == 401
    assert c.post("/api/login", json={"user": " ", "token": TOKEN}).status_code == 422
    r = c.post("/api/login", data={"user": "Ana Pop", "token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    assert c.get("/api/info").json()["user"] == "Ana Pop"
    assert c.get("/").status_code == 200
    # writes are logged with the name given at login
    iid = c.post("/api/incidents", json=NEW_INCIDENT).json()["id"]
    assert c.post(f"/api/incidents/{iid}/weather", json={"air_temp_c": -5, "wind_kmh": 20}).status_code == 201
    assert {e["who"] for e in c.get(f"/api/incidents/{iid}/log").json()} == {"Ana Pop"}
    assert c.post("/api/logout").status_code == 200
    c.cookies.clear()
    assert c.get("/api/info").status_code == 401


def test_cross_origin_writes_are_refused(tmp_path):
    c = client_for(create_app(db=tmp_path / "ws.db"))
    r = c.post("/api/incidents", json=NEW_INCIDENT, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]
    assert c.post("/api/incidents", json=NEW_INCIDENT, headers={"origin": "http://127.0.0.1"}).status_code == 201


def test_loopback_mode_needs_no_token(client):
    assert client.get("/api/info").status_code == 200
    assert client.get("/api/info", headers={"x-carpathia-user": "planner"}).json()["user"] == "planner"
