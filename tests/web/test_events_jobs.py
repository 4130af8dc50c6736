"""Live updates (server-sent events) and background jobs."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

from carpathia.errors import InputError, UnknownNameError
from carpathia.web.events import EventBus
from carpathia.web.jobs import JobManager

from .conftest import NEW_INCIDENT, client_for


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_bus_delivers_events_published_from_other_threads_to_every_subscriber():
    bus = EventBus()

    async def main():
        async def collect():
            got = []
            async for chunk in bus.stream(limit=3):
                got.append(chunk)
            return "".join(got)

        tasks = [asyncio.create_task(collect()) for _ in range(3)]
        while bus.subscribers < 3:
            await asyncio.sleep(0.01)
        threads = [threading.Thread(target=bus.publish, args=("incident", {"id": k})) for k in range(3)]
        for t in threads:
            t.start()
        return await asyncio.wait_for(asyncio.gather(*tasks), 10)

    streams = asyncio.run(main())
    for text in streams:
        ev = _events(text)
        assert ev[0][0] == "hello"
        assert sorted(d["id"] for k, d in ev[1:] if k == "incident") == [0, 1, 2]
    assert bus.subscribers == 0


def test_sse_endpoint_streams_incident_changes(tmp_path):
    from carpathia.web import create_app

    app = create_app(db=tmp_path / "ws.db")
    c = client_for(app)
    bus = app.state.carpathia.bus
    stop = threading.Event()

    def write_when_listening():
        while bus.subscribers == 0 and not stop.is_set():
            time.sleep(0.01)
        client_for(app).post("/api/incidents", json=NEW_INCIDENT)

    t = threading.Thread(target=write_when_listening)
    t.start()
    with c.stream("GET", "/api/events?limit=1") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    stop.set()
    t.join(30)
    ev = _events(text)
    assert ev[0][0] == "hello" and ev[-1] == ("incident", {"id": 1, "what": "created", "user": ev[0][1]["user"]})


def test_jobs_report_progress_success_and_failure():
    bus = EventBus()
    jobs = JobManager(bus)

    def work(progress):
        for k in range(5):
            progress(k / 5, f"step {k}")
        return {"answer": 42}

    ok = jobs.wait(jobs.submit("demo", work, user="ana").id, 10)
    assert ok.status == "done" and ok.result == {"answer": 42} and ok.progress == 1.0 and ok.user == "ana"

    def bad_input(progress):
        raise InputError("the incident has no segments;\n add them first")

    failed = jobs.wait(jobs.submit("plan", bad_input, user="ana").id, 10)
    assert failed.status == "failed" and failed.error == "the incident has no segments; add them first"

    def bug(progress):
        raise ZeroDivisionError("oops")

    crashed = jobs.wait(jobs.submit("plan", bug, user="ana").id, 10)
    assert crashed.status == "failed" and crashed.error.startswith("internal error (ZeroDivisionError")
    assert [j.id for j in jobs.list()] == [1, 2, 3]
    with pytest.raises(UnknownNameError):
        jobs.get(99)
    jobs.shutdown()


def test_jobs_run_one_at_a_time():
    jobs = JobManager(EventBus())
    running, peak, lock = [0], [0], threading.Lock()

    def work(progress):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    ids = [jobs.submit("x", work, user="u").id for _ in range(4)]
    for i in ids:
        jobs.wait(i, 10)
    assert peak[0] == 1
    jobs.shutdown()
