"""A hostile-input corpus against every route of a real server: never a 500, and a refusal writes nothing.

Path parameters, query parameters, JSON bodies field by field, uploads: the findings of issue 14
(paths for names, 30-digit ids, numeric tokens, digit names, $…$, control characters, markup) plus
fuzzed names (random Unicode, lone surrogates, very long). Hostile text that is valid data (a team
called ``<b>$x$</b>``) may be stored, as text; anything refused must leave the audit log unchanged.
"""

from __future__ import annotations

import json
import random
import re
import time

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.incident.conftest import small_terrain  # noqa: F401 - a fixture

from ._attack import prepared_workspace
from .conftest import NEW_INCIDENT, LiveServer

HOSTILE_TEXT = [
    "",
    " ",
    "1",
    "0",
    "-1",
    "9" * 30,
    "../../../../etc/passwd",
    "/etc/passwd",
    "ws.db",
    "..",
    "$\\alpha^{$",
    "[/bold][red]x",
    "\x1b[2J\x1b[31mred",
    "a\x00b",
    "\u202eevil",
    "\ud800",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "%00%2e%2e",
    "x" * 100_000,
    "🙂" * 50,
    "Robert'); DROP TABLE incidents;--",
]
HOSTILE_VALUES = [*HOSTILE_TEXT, None, 10**30, -(10**30), 1e308, -1e308, float("nan"), float("inf"), [], {}, True, 1.5]
PATH_IDS = ["0", "-1", "9" * 30, "1.5", "abc", "1;x", "%2e%2e", "1e3", " 1"]


def _fuzzed_names(n: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    alphabet = [chr(c) for c in (*range(0, 0x80), *range(0x80, 0x250), 0x202E, 0x2066, 0xFEFF, 0xFFFF, 0x1F600)]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def _body(route_path: str) -> dict | None:
    bodies = {
        "/api/incidents": {**NEW_INCIDENT, "name": "Corpus incident"},
        "/api/incidents/{iid}/map": {"model": "rings", "at": "2024-01-14T03:30-05:00"},
        "/api/incidents/{iid}/teams": {"name": "Corpus team", "resource": "grid-team"},
        "/api/incidents/{iid}/plan": {"hours": 12, "method": "greedy"},
        "/api/incidents/{iid}/clues": {"lat": 44.27, "lon": -71.30, "time": "2024-01-14T09:00Z"},
        "/api/incidents/{iid}/weather": {"air_temp_c": -4, "wind_kmh": 20, "time": "2024-01-14T06:00Z"},
        "/api/login": {"token": "x", "user": "x"},
    }
    return bodies.get(route_path)


def _audit_count(c: httpx.Client) -> int:
    """Audit entries of every incident, once no background job (map, segments, plan) is left to write."""
    for _ in range(3000):
        if all(j["status"] in ("done", "failed") for j in c.get("/api/jobs").json()):
            break
        time.sleep(0.1)
    return sum(len(c.get(f"/api/incidents/{i['id']}/log").json()) for i in c.get("/api/incidents").json())


@pytest.fixture(scope="module")
def server(tmp_path_factory, small_terrain):  # noqa: F811
    from carpathia.web import create_app

    tmp = tmp_path_factory.mktemp("corpus")
    db = prepared_workspace(tmp / "ws.db", small_terrain)
    app = create_app(db=db, max_upload_bytes=64 * 1024)
    with LiveServer(app) as srv:
        yield app, srv


def _send(c: httpx.Client, method: str, path: str, **kw) -> httpx.Response:
    if "json" in kw:  # NaN, inf and lone surrogates as a browser or script could send them
        kw["content"] = json.dumps(kw.pop("json"), allow_nan=True).encode("utf-8", "surrogatepass")
        kw.setdefault("headers", {})["content-type"] = "application/json"
    return c.request(method, path, **kw)


def _check(c: httpx.Client, r: httpx.Response, before: int, what) -> None:
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert _audit_count(c) == before, (what, r.status_code, "a refused request wrote something")


def test_path_and_query_parameters(server):
    app, srv = server
    with httpx.Client(base_url=srv.url, timeout=120) as c:
        for route in app.routes:
            if not isinstance(route, APIRoute) or "{" not in route.path:
                continue
            for method in sorted(route.methods - {"HEAD"}):
                for bad in PATH_IDS:
                    path = re.sub(r"\{(\w+)\}", lambda m, bad=bad: "1" if m[1] in ("z", "x", "y") else bad, route.path)
                    before = _audit_count(c)
                    r = _send(c, method, path, json=_body(route.path) or {})
                    _check(c, r, before, (method, path))
        for path in (
            "/api/incidents/1/log?limit=-1",
            f"/api/incidents/1/log?limit={'9' * 30}",
            "/api/events?limit=-5",
            f"/tiles/incident/1/12/1/1.png?t={'z' * 20}",
            "/tiles/incident/1/poa/1/12/1/1.png?h=../../x",
            "/tiles/incident/1/99/1/1.png",
            "/tiles/region/white-mountains/99/0/0.png",
            "/api/incidents/1/export/..%2f..%2fx",
            "/api/regions/%2e%2e/features",
            "/static/..%2f..%2fapp.py",
        ):
            before = _audit_count(c)
            _check(c, c.get(path), before, path)


_FAST = ["/api/incidents/{iid}/teams", "/api/incidents/{iid}/clues", "/api/incidents/{iid}/weather", "/api/login"]
_SLOW = ["/api/incidents", "/api/incidents/{iid}/plan", "/api/incidents/{iid}/map"]


@pytest.mark.parametrize("route_path", [*_FAST, *(pytest.param(p, marks=pytest.mark.slow) for p in _SLOW)])
def test_json_bodies_field_by_field(server, route_path):
    _app, srv = server
    base = _body(route_path)
    path = route_path.replace("{iid}", "1")
    with httpx.Client(base_url=srv.url, timeout=300) as c:
        for field in [*base, "unexpected"]:
            values = HOSTILE_VALUES + (_fuzzed_names(12) if field in ("name", "description", "user") else [])
            for v in values:
                before = _audit_count(c)
                r = _send(c, "POST", path, json={**base, field: v})
                _check(c, r, before, (path, field, repr(v)[:40]))
        for raw in (b"", b"{", b"[]", b"null", b'{"a":' * 5000, b"\xff\xfe", json.dumps(base).encode() * 2):
            before = _audit_count(c)
            r = c.post(path, content=raw, headers={"content-type": "application/json"})
            _check(c, r, before, (path, raw[:20]))


def test_uploads(server):
    _app, srv = server
    feature = {
        "type": "Feature",
        "properties": {"label": "S"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[-71.31, 44.26], [-71.29, 44.26], [-71.29, 44.28], [-71.31, 44.26]]],
        },
    }
    files = [
        ("../../x.geojson", b"{}"),
        ("x.exe", b"MZ"),
        ("s.geojson", b"\x00" * 100),
        ("s.geojson", b"not json"),
        ("s.geojson", json.dumps({"type": "FeatureCollection", "features": [feature] * 3}).encode()),
        ("s.geojson", b"x" * (70 * 1024)),
        ("s.gpx", b"<?xml version='1.0'?><!DOCTYPE g [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><gpx>&e;</gpx>"),
        ("s.kml", b"<kml><Document><Placemark><name>$x$</name></Placemark></Document></kml>"),
        ("\x1b[31m.gpx", b"<gpx/>"),
        ("", b""),
    ]
    with httpx.Client(base_url=srv.url, timeout=300) as c:
        for name, data in files:
            for path, extra in (
                ("/api/incidents/1/segments", {}),
                ("/api/incidents/1/assignments/101/debrief", {"found": "no"}),
                ("/api/incidents/1/assignments/101/debrief", {"found": "maybe", "time": "\x00"}),
            ):
                before = _audit_count(c)
                r = c.post(path, files={"file": (name, data)}, data=extra)
                _check(c, r, before, (path, name, data[:20]))
                assert r.status_code >= 400 or path.endswith("segments"), (path, name)
