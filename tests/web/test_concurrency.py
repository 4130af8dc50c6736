"""Nothing lost: many writers, web and CLI at once, adding clues and debriefs to one incident.

Every Bayes update stands on the map version before it: each acknowledged clue or debrief must be in
the final map's update history, the versions must be consecutive, replay must rebuild every stored
map, and the audit log's chain and rows must verify. Before the fix, 12 simultaneous clues all
answered 201 and 11 were missing from the current map.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.incident.conftest import small_terrain, sweep_lonlat, write_track_gpx  # noqa: F401 - a fixture

from ._attack import cli, prepared_workspace
from .conftest import LiveServer

# points inside the incident's terrain (4 km around the IPP)
_LON0, _LAT0 = -71.30, 44.27


def _clue_point(k: int) -> tuple[float, float]:
    return _LON0 + 0.002 * ((k % 7) - 3), _LAT0 + 0.002 * ((k // 7) % 7 - 3)


def _track(tmp_path, db):
    from carpathia.incident import Workspace

    with Workspace(db, create=False) as ws:
        a = ws.assignment(101)
        seg = next(s for s in ws.segments() if s["id"] == a["segment_id"])
    lon, lat = sweep_lonlat(seg["geometry"], lanes=4)
    return write_track_gpx(tmp_path / "t.gpx", lon, lat)


def _storm(tmp_path, terrain, *, web_clues: int, cli_clues: int, web_debriefs: int, cli_debriefs: int) -> None:
    from carpathia.incident import Workspace
    from carpathia.incident._rasters import decode_map
    from carpathia.web import create_app

    db = prepared_workspace(tmp_path / "ws.db", terrain)
    gpx = _track(tmp_path, db)
    writers = web_clues + web_debriefs
    answers: list[tuple[str, int, str]] = []
    gate = threading.Barrier(writers)

    def web_clue(k: int, url: str) -> None:
        lon, lat = _clue_point(k)
        body = {"lat": lat, "lon": lon, "description": f"web clue {k}", "time": "2024-01-14T09:00Z"}
        with httpx.Client(base_url=url, timeout=600) as c:
            gate.wait()
            r = c.post("/api/incidents/1/clues", json=body)
        answers.append((f"web clue {k}", r.status_code, r.text))

    def web_debrief(k: int, url: str) -> None:
        with httpx.Client(base_url=url, timeout=600) as c:
            gate.wait()
            r = c.post(
                "/api/incidents/1/assignments/101/debrief",
                files={"file": ("t.gpx", gpx.read_bytes(), "application/gpx+xml")},
                data={"time": "2024-01-14T12:00Z"},
            )
        answers.append((f"web debrief {k}", r.status_code, r.text))

    with LiveServer(create_app(db=db)) as srv:
        procs = []
        for k in range(cli_clues):
            lon, lat = _clue_point(100 + k)
            procs.append(
                (
                    f"cli clue {k}",
                    cli(
                        "incident",
                        "clue",
                        "add",
                        f"{lat},{lon}",
                        "--description",
                        f"cli clue {k}",
                        "--time",
                        "2024-01-14T09:00Z",
                        "--db",
                        str(db),
                        "--user",
                        f"cli {k}",
                    ),
                )
            )
        for k in range(cli_debriefs):
            procs.append(
                (
                    f"cli debrief {k}",
                    cli(
                        "incident",
                        "debrief",
                        "101",
                        "--track",
                        str(gpx),
                        "--time",
                        "2024-01-14T12:00Z",
                        "--db",
                        str(db),
                        "--user",
                        f"cli {k}",
                    ),
                )
            )
        threads = [threading.Thread(target=web_clue, args=(k, srv.url)) for k in range(web_clues)]
        threads += [threading.Thread(target=web_debrief, args=(k, srv.url)) for k in range(web_debriefs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, p in procs:
            _out, err = p.communicate(timeout=600)
            answers.append((name, 201 if p.returncode == 0 else p.returncode, err))
    bad = [a for a in answers if a[1] not in (200, 201)]
    assert not bad, bad
    assert len(answers) == writers + cli_clues + cli_debriefs

    with Workspace(db, create=False) as ws:
        versions = ws.map_versions()
        n_updates = web_clues + cli_clues + web_debriefs + cli_debriefs
        assert [v["version"] for v in versions] == list(range(1, n_updates + 2))
        final = decode_map(ws.store.blob(versions[-1]["raster_sha"]))
        updates = final.meta["updates"]
        assert len(updates) == n_updates, f"{n_updates - len(updates)} acknowledged update(s) missing from the map"
        labels = {u.get("label") for u in updates}
        wanted = {f"web clue {k}" for k in range(web_clues)} | {f"cli clue {k}" for k in range(cli_clues)}
        assert wanted <= labels, sorted(wanted - labels)
        assert sum(u.get("label") == "assignment 101" for u in updates) == web_debriefs + cli_debriefs
        assert ws.store.count("clues") == web_clues + cli_clues
        assert ws.store.count("debriefs") == web_debriefs + cli_debriefs
        assert ws.store.integrity_check() == []
        assert ws.store.verify() == []
        rep = ws.replay()
        assert rep.ok, rep.to_text()


def test_twelve_web_clues_and_two_cli_clues_at_once_lose_nothing(tmp_path, small_terrain):  # noqa: F811
    _storm(tmp_path, small_terrain, web_clues=12, cli_clues=2, web_debriefs=0, cli_debriefs=0)


@pytest.mark.slow
def test_web_and_cli_clues_and_debriefs_at_once_lose_nothing(tmp_path, small_terrain):  # noqa: F811
    _storm(tmp_path, small_terrain, web_clues=24, cli_clues=4, web_debriefs=6, cli_debriefs=2)
