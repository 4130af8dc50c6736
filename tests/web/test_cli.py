"""carpathia serve: refuses what it cannot do with one line and exit 2; prints a LAN token once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from tests.conftest import run_cli

from .conftest import free_port


def test_short_token_and_bad_port_are_refused():
    for args, words in (
        (["--token", "abc"], "at least"),
        (["--port", "0"], "--port"),
        (["--max-upload-mb", "0"], "positive"),
        (["--host", "no-such-host.invalid"], "not an address"),
    ):
        r = run_cli("serve", *args)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_port_in_use_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = run_cli("serve", "--port", str(s.getsockname()[1]))
    assert r.returncode == 2 and "pick another --port" in r.stderr


def test_lan_mode_makes_and_prints_a_token(tmp_path):
    port = free_port()
    env = dict(os.environ, CARPATHIA_DB=str(tmp_path / "ws.db"))
    env.pop("CARPATHIA_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "carpathia", "serve", "--host", "0.0.0.0", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = []
        end = time.monotonic() + 60
        while time.monotonic() < end and not any("token" in line for line in lines):
            lines.append(proc.stdout.readline())
        token_line = next(line for line in lines if "token" in line)
        token = token_line.split("token", 1)[1].split()[0]
        assert len(token) >= 20
        import httpx

        url = f"http://127.0.0.1:{port}/api/info"
        for _ in range(100):
            try:
                r = httpx.get(url)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert r.status_code == 401
        assert httpx.get(url, headers={"authorization": f"Bearer {token}"}).json()["lan_mode"] is True
    finally:
        proc.terminate()
        proc.wait(20)
