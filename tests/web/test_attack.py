"""The command post attacked as a stranger on the LAN would: a real uvicorn server, the real SQLite file.

Each test names the finding of issue 14 it guards; each failed on the code before the fix.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
import subprocess
import sys
import time
from urllib.parse import quote

import httpx
import pytest

from tests.incident.conftest import small_terrain  # noqa: F401 - a fixture

from ._attack import count_in_fresh_process, prepared_workspace
from .conftest import NEW_INCIDENT, LiveServer, client_for, free_port

TOKEN = "correct horse battery"
WEATHER = {"air_temp_c": -4.0, "wind_kmh": 20.0, "time": "2024-01-14T06:00Z"}


# ---------------------------------------------------------------------- High 1: request strings never open files
def test_request_strings_never_open_the_workspace(tmp_path, small_terrain, monkeypatch):  # noqa: F811
    """A region named like the workspace file used to make the server np.load the SQLite file through
    its own descriptor; closing it dropped the process's POSIX locks, the next CLI command deleted the
    live -wal, and web writes answered 201 were gone at restart. Now: names only, 4xx, nothing lost."""
    prepared_workspace(tmp_path / "ws.db", small_terrain, plan=False)
    monkeypatch.chdir(tmp_path)  # as 'carpathia serve' run in the workspace's folder
    from carpathia.web import create_app

    with LiveServer(create_app(db="ws.db")) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        for _ in range(4):  # several worker threads open their connections to the workspace
            assert c.get("/api/incidents").status_code == 200
        r = c.get("/api/regions/ws.db/features")  # the request that used to open the SQLite file
        assert 400 <= r.status_code < 500
        # another process writes, then the server writes again: every acknowledged write survives
        r = subprocess.run(
            [
                *(sys.executable, "-m", "carpathia", "incident", "weather", "add"),
                *("--temp", "-2", "--wind", "5", "--time", "2024-01-14T05:00Z", "--db", "ws.db"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        for _ in range(3):
            assert c.post("/api/incidents/1/weather", json=WEATHER).status_code == 201
        assert (tmp_path / "ws.db-wal").exists(), "the live WAL was deleted under the running server"
        answers = {}
        for name in ("ws.db", "ws.db-wal", "no-such.db", str(tmp_path / "ws.db"), "../ws.db", "..", "WS"):
            r = c.get(f"/api/regions/{quote(name, safe='')}/features")
            assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
            answers[name] = (r.status_code, r.json()["error"].replace(name, "NAME"))
            t = c.get(f"/tiles/region/{quote(name, safe='')}/12/1234/1500.png")
            assert 400 <= t.status_code < 500, (name, t.status_code)
        # the answer does not tell whether such a file exists
        assert answers["ws.db"] == answers["no-such.db"]
        for region in ("ws.db", str(tmp_path / "ws.db"), "../ws.db"):
            r = c.post("/api/incidents", json={**NEW_INCIDENT, "name": f"via {region}", "region": region})
            assert r.status_code == 422, r.text
    assert count_in_fresh_process(tmp_path / "ws.db", "SELECT count(*) FROM weather") == 4


# ---------------------------------------------------------------------- Medium 4: DNS rebinding
def test_forged_host_is_refused_in_loopback_mode(tmp_path):
    from carpathia.web import create_app

    with LiveServer(create_app(db=tmp_path / "ws.db")) as srv, httpx.Client(timeout=30) as c:
        for host in (
            "attacker.example",
            "attacker.example:80",
            f"rebind.attacker.example:{srv.port}",
            "127.0.0.1.nip.io",
        ):
            r = c.get(f"{srv.url}/api/info", headers={"host": host})
            assert r.status_code == 421, (host, r.status_code)
            w = c.post(f"{srv.url}/api/incidents", json=NEW_INCIDENT, headers={"host": host})
            assert w.status_code == 421
        for host in (f"127.0.0.1:{srv.port}", f"localhost:{srv.port}", "localhost", f"[::1]:{srv.port}"):
            assert c.get(f"{srv.url}/api/info", headers={"host": host}).status_code == 200, host
    assert (
        not (tmp_path / "ws.db").exists()
        or count_in_fresh_process(tmp_path / "ws.db", "SELECT count(*) FROM incidents") == 0
    )


def test_the_host_given_to_serve_is_allowed(tmp_path):
    from carpathia.web import create_app

    app = create_app(db=tmp_path / "ws.db", host="cp.local")
    c = client_for(app, base_url="http://cp.local:8765")
    assert c.get("/api/info").status_code == 200
    assert client_for(app, base_url="http://evil.example").get("/api/info").status_code == 421


# ---------------------------------------------------------------------- Medium 5: ids are ids
def test_digit_names_cannot_take_over_ids(tmp_path, small_terrain):  # noqa: F811
    from carpathia.incident import Workspace
    from carpathia.web import create_app

    db = prepared_workspace(tmp_path / "ws.db", small_terrain, plan=False)
    with LiveServer(create_app(db=db)) as srv, httpx.Client(base_url=srv.url, timeout=120) as c:
        r = c.post("/api/incidents", json={**NEW_INCIDENT, "name": "1"})
        assert r.status_code == 422 and "digits" in r.json()["error"]
        assert c.get("/api/incidents/1").json()["name"] == "Lost hiker"
    # a workspace written before the fix may hold such a name: routes still answer by id
    with Workspace(db) as ws:
        ws.store.conn.execute("PRAGMA foreign_keys = OFF")
        ws.store.conn.execute(
            "INSERT INTO incidents (id, name, created, category, last_seen, region, terrain_sha) "
            "SELECT 7, '1', created, category, last_seen, region, terrain_sha FROM incidents WHERE id = 1"
        )
        assert ws.incident_id(1) == 1 and ws.incident_id("1") == 7 and ws.incident_id(7) == 7
    c2 = client_for(create_app(db=db))
    assert c2.get("/api/incidents/1").json()["id"] == 1


# ---------------------------------------------------------------------- Medium 7: guessing the token
def test_token_guessing_is_throttled_and_logged(tmp_path, caplog):
    from carpathia.web import create_app
    from carpathia.web.auth import FREE_FAILURES

    app = create_app(db=tmp_path / "ws.db", token=TOKEN)
    with LiveServer(app) as srv, httpx.Client(base_url=srv.url, timeout=30) as c:
        t0 = time.monotonic()
        codes = [c.post("/api/login", json={"token": f"guess-{k}", "user": "x"}).status_code for k in range(40)]
        codes += [c.get("/api/info", headers={"authorization": f"Bearer guess-{k}"}).status_code for k in range(40)]
        elapsed = time.monotonic() - t0
        assert codes[:FREE_FAILURES] == [401] * FREE_FAILURES
        assert set(codes[FREE_FAILURES:]) == {429}
        # while locked out even the right token is not tried: guessing gains nothing
        r = c.post("/api/login", json={"token": TOKEN, "user": "x"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        # tokens actually compared in all that time: the free ones plus at most one per wait
        tried = sum(1 for code in codes if code == 401)
        assert tried <= FREE_FAILURES + 1 + elapsed, (tried, elapsed)
    assert sum("wrong token" in r.getMessage() for r in caplog.records) >= FREE_FAILURES


def test_throttle_waits_double_and_success_resets():
    from carpathia.web.auth import FREE_FAILURES, Auth, Throttled

    now = [1000.0]
    auth = Auth(TOKEN, "server", clock=lambda: now[0])
    for _ in range(FREE_FAILURES):
        assert auth.login("wrong", "eve", "10.0.0.9") is None
    with pytest.raises(Throttled) as exc:
        auth.login(TOKEN, "eve", "10.0.0.9")
    assert exc.value.retry_after == pytest.approx(1.0)
    assert auth.login(TOKEN, "ann", "10.0.0.8") is not None  # another address is not held up
    now[0] += 1.01
    assert auth.login("wrong", "eve", "10.0.0.9") is None
    with pytest.raises(Throttled) as exc:
        auth.login(TOKEN, "eve", "10.0.0.9")
    assert exc.value.retry_after == pytest.approx(2.0)
    now[0] += 2.01
    assert auth.login(TOKEN, "eve", "10.0.0.9") is not None
    assert auth.login("wrong", "eve", "10.0.0.9") is None  # counting starts again after a success


def test_token_from_environment_or_file_not_the_command_line(tmp_path):
    secret = "from-a-file-not-ps-1234"
    (tmp_path / "token").write_text(secret + "\n")
    for how, extra_args, env in (
        ("file", ["--token-file", str(tmp_path / "token")], {}),
        ("env", [], {"CARPATHIA_TOKEN": secret}),
    ):
        port = free_port()
        e = dict(os.environ, CARPATHIA_DB=str(tmp_path / f"{how}.db"), **env)
        proc = subprocess.Popen(
            [sys.executable, "-m", "carpathia", "serve", "--host", "0.0.0.0", "--port", str(port), *extra_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=e,
        )
        try:
            url = f"http://127.0.0.1:{port}/api/info"
            for _ in range(600):
                try:
                    r = httpx.get(url, timeout=5)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert r.status_code == 401
            assert httpx.get(url, headers={"authorization": f"Bearer {secret}"}).status_code == 200, how
            with open(f"/proc/{proc.pid}/cmdline", "rb") as fh:
                assert secret.encode() not in fh.read()
        finally:
            proc.terminate()
            out = proc.communicate(timeout=30)[0]
        assert secret not in out  # a given token is never printed


# ---------------------------------------------------------------------- Low
def test_low_findings_answer_4xx(tmp_path, small_terrain):  # noqa: F811
    from carpathia.web import create_app

    db = prepared_workspace(tmp_path / "ws.db", small_terrain, plan=False)
    lan = create_app(db=db, token=TOKEN, max_upload_bytes=4096)
    with LiveServer(lan) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        auth = {"authorization": f"Bearer {TOKEN}"}
        big = "9" * 30
        for path in (
            f"/api/incidents/{big}",
            f"/api/incidents/{big}/layers",
            f"/api/jobs/{big}",
            f"/tiles/incident/{big}/12/1/1.png",
            f"/tiles/incident/1/poa/{big}/12/1/1.png",
        ):
            r = c.get(path, headers=auth)
            assert 400 <= r.status_code < 500, (path, r.status_code)
        r = c.post(f"/api/incidents/1/assignments/{big}/debrief", headers=auth, files={"file": ("t.gpx", b"<gpx/>")})
        assert 400 <= r.status_code < 500
        for body in ({"token": 12345678, "user": "x"}, {"token": ["a"], "user": "x"}, {"token": TOKEN, "user": 5}):
            assert c.post("/api/login", json=body).status_code in (401, 422)
        c.cookies.clear()

        def chunks():  # a well-formed upload without a length, larger than the limit
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="s.geojson"\r\n\r\n'
            for _ in range(64):
                yield b"x" * 1024
            yield b"\r\n--b--\r\n"

        r = c.post(
            "/api/incidents/1/segments",
            headers={**auth, "content-type": "multipart/form-data; boundary=b"},
            content=chunks(),
        )
        assert r.status_code == 413, (r.status_code, r.text)
        # every answer carries the security headers, refusals included
        for r in (c.get("/", headers=auth), c.get("/api/info"), c.get("/static/app.js", headers=auth)):
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
            assert "'unsafe-inline'" not in r.headers["content-security-policy"].split("script-src")[1].split(";")[0]
            assert r.headers["x-content-type-options"] == "nosniff"


def test_sessions_expire():
    from carpathia.web.auth import COOKIE, Auth

    now = [0.0]
    auth = Auth(TOKEN, "server", clock=lambda: now[0], idle_s=100, max_s=250)
    sid = auth.login(TOKEN, "ann", "10.0.0.8")
    now[0] = 90
    assert auth.identify({}, {COOKIE: sid})[0] == "ann"
    now[0] = 180  # used 90 s ago: still alive
    assert auth.identify({}, {COOKIE: sid})[0] == "ann"
    now[0] = 260  # past the absolute limit
    assert auth.identify({}, {COOKIE: sid}) is None
    sid = auth.login(TOKEN, "ann", "10.0.0.8")
    now[0] = 361  # idle too long
    assert auth.identify({}, {COOKIE: sid}) is None


def test_audit_rows_record_session_and_client(tmp_path, small_terrain):  # noqa: F811
    from carpathia.incident import Store
    from carpathia.web import create_app

    db = prepared_workspace(tmp_path / "ws.db", small_terrain, plan=False)
    with LiveServer(create_app(db=db, token=TOKEN)) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        assert c.post("/api/login", json={"token": TOKEN, "user": "Ann\x1b[31m (planning)"}).status_code == 200
        assert c.post("/api/incidents/1/weather", json=WEATHER).status_code == 201
        claimed = {"authorization": f"Bearer {TOKEN}", "x-carpathia-user": "Chief [/bold] Bob"}
        c.cookies.clear()
        assert c.post("/api/incidents/1/weather", json=WEATHER, headers=claimed).status_code == 201
    with Store(db, create=False) as s:
        rows = s.all("SELECT who, session, client FROM audit WHERE action = 'weather' ORDER BY id")
        cli_rows = s.all("SELECT session, client FROM audit WHERE action = 'team add'")
        assert s.verify() == []
    assert rows[0]["who"] == "Ann [31m (planning)" and rows[0]["session"].startswith("web s-")  # no escape code
    assert rows[0]["client"] == "127.0.0.1"
    assert rows[1]["who"] == "Chief [/bold] Bob" and rows[1]["session"] == "web bearer"
    assert all(r["session"].startswith("pid ") and r["client"] == "local" for r in cli_rows)


def test_tls_option_serves_https(tmp_path):
    openssl = subprocess.run(["which", "openssl"], capture_output=True, text=True).stdout.strip()
    if not openssl:
        from tests.conftest import need

        need(False, "openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    e = dict(os.environ, CARPATHIA_DB=str(tmp_path / "ws.db"), CARPATHIA_TOKEN=TOKEN)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carpathia",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--ssl-certfile",
            str(cert),
            "--ssl-keyfile",
            str(key),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=e,
    )
    try:
        url = f"https://127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.get(url + "/api/info", verify=False, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=str(cert)), timeout=30) as c:
            c.headers["host"] = "localhost"
            r = c.post("/api/login", json={"token": TOKEN, "user": "ann"})
            assert r.status_code == 200
            assert "secure" in r.headers["set-cookie"].lower() and "max-age" in r.headers["set-cookie"].lower()
        with socket.create_connection(("127.0.0.1", port)) as s:  # plain HTTP on the TLS port gets nothing useful
            s.sendall(b"GET /api/info HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert b"lan_mode" not in s.recv(4096)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_workspace_is_private(tmp_path):
    from carpathia.incident import Store

    old = os.umask(0o022)
    try:
        Store(tmp_path / "ws.db").close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "ws.db").stat().st_mode) == 0o600


def test_concurrent_same_name_answers_conflict_not_500(tmp_path, small_terrain):  # noqa: F811
    """Two teams of one name added at the same moment: one 201, the other a clear 4xx (was IntegrityError 500)."""
    import threading

    from carpathia.web import create_app

    db = prepared_workspace(tmp_path / "ws.db", small_terrain, plan=False)
    with LiveServer(create_app(db=db)) as srv:
        for round_ in range(4):
            codes: list[int] = []
            gate = threading.Barrier(6)

            def add(name=f"Twin {round_}", gate=gate, codes=codes):
                with httpx.Client(base_url=srv.url, timeout=60) as c:
                    gate.wait()
                    codes.append(
                        c.post("/api/incidents/1/teams", json={"name": name, "resource": "grid-team"}).status_code
                    )

            threads = [threading.Thread(target=add) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert codes.count(201) == 1 and all(c in (409, 422) for c in codes if c != 201), codes


def test_tile_cache_folder_never_comes_from_the_terrain_name(tmp_path, small_terrain):  # noqa: F811
    """A terrain's name (a DEM file name, an incident's region) used to name the tile cache folder."""
    from carpathia.terrain import Terrain
    from carpathia.web.tiles import TileRenderer

    t = Terrain(small_terrain.elevation, small_terrain.transform, small_terrain.crs, meta={"name": "../../x\n\"y"})
    r = TileRenderer(t, cache_dir=tmp_path / "cache")
    assert "/" not in r.key and ".." not in r.key and '"' not in r.key and "\n" not in r.key
    r.tile(13, 2470, 2985)
    assert all(p.resolve().is_relative_to(tmp_path / "cache") for p in tmp_path.rglob("*") if p.is_file())
