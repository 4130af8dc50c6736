"""Bad input: a clear carpathia error and nothing written (every table's row count unchanged)."""

from __future__ import annotations

import numpy as np
import pytest

from carpathia.errors import CarpathiaError, DataFileError, InputError, OutsideTerrainError, UnknownNameError
from carpathia.search import Track

from .conftest import IPP, counts, sweep_lonlat, write_track_gpx


@pytest.fixture
def planned(workspace):
    p = workspace.plan(hours=12, start="2024-01-14T06:00-05:00")
    return workspace, p.assignments[0]["number"]


def _unchanged(ws, fn, error, match):
    before = counts(ws)
    with pytest.raises(error, match=match) as info:
        fn()
    assert counts(ws) == before
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 400
    return info.value


def test_track_500_km_away(planned, tmp_path):
    ws, n = planned
    lon, lat = sweep_lonlat(
        {
            "type": "Polygon",
            "coordinates": [[[-65.0, 44.0], [-64.98, 44.0], [-64.98, 44.02], [-65.0, 44.02], [-65.0, 44.0]]],
        }
    )
    gpx = write_track_gpx(tmp_path / "far.gpx", lon, lat)  # about 500 km east, over the Bay of Fundy
    e = _unchanged(ws, lambda: ws.debrief(n, gpx), OutsideTerrainError, "outside the grid")
    assert isinstance(e, InputError)


def test_malformed_and_truncated_gpx(planned, tmp_path):
    ws, n = planned
    lon, lat = sweep_lonlat(
        {
            "type": "Polygon",
            "coordinates": [
                [[IPP[0], IPP[1]], [IPP[0] + 0.01, IPP[1]], [IPP[0] + 0.01, IPP[1] + 0.01], [IPP[0], IPP[1]]]
            ],
        }
    )
    good = write_track_gpx(tmp_path / "good.gpx", lon, lat)
    text = good.read_text()
    cut = tmp_path / "truncated.gpx"
    cut.write_text(text[: len(text) // 2])
    _unchanged(ws, lambda: ws.debrief(n, cut), DataFileError, "GPX|XML")
    bad = tmp_path / "garbage.gpx"
    bad.write_text("<gpx><trk><trkseg><trkpt lat='x' lon='y'></trkpt></trkseg></trk>")
    _unchanged(ws, lambda: ws.debrief(n, bad), DataFileError, "GPX|XML|track")
    empty = tmp_path / "empty.gpx"
    empty.write_text("")
    _unchanged(ws, lambda: ws.debrief(n, empty), DataFileError, "empty")


def test_duplicate_and_out_of_range_assignment_numbers(planned):
    ws, n = planned
    _unchanged(ws, lambda: ws.add_assignment(n, "S1", "Grid 1"), InputError, "exists")
    _unchanged(ws, lambda: ws.add_assignment(201, "S1", "Grid 1"), InputError, "numbered 101..199")
    _unchanged(ws, lambda: ws.add_assignment(150, "S99", "Grid 1"), UnknownNameError, "segment")
    ws.add_assignment(150, "S1", "Grid 1")
    assert ws.assignment(150)["period"] == 1


def test_unknown_incident_and_assignment(planned, tmp_path):
    ws, n = planned
    track = [Track(np.array([IPP[0], IPP[0] + 0.01]), np.array([IPP[1], IPP[1]]))]
    _unchanged(ws, lambda: ws.debrief(999, track), UnknownNameError, "no assignment 999")
    _unchanged(ws, lambda: ws.debrief(n, track, incident="Nobody"), UnknownNameError, "no incident 'Nobody'")
    _unchanged(ws, lambda: ws.debrief(n, track, found="maybe"), InputError, "--found")
    _unchanged(ws, lambda: ws.run_map("Nobody"), UnknownNameError, "known: 'Lost hiker'")


def test_bad_incident_fields(workspace, small_terrain):
    ws = workspace
    _unchanged(
        ws,
        lambda: ws.new_incident("B", ipp=IPP, last_seen="2024-01-13T15:30", terrain=small_terrain),
        InputError,
        "time zone",
    )
    _unchanged(
        ws,
        lambda: ws.new_incident("B", ipp=(-65.0, 44.0), last_seen="2024-01-13T15:30Z", terrain=small_terrain),
        OutsideTerrainError,
        "outside|off",
    )
    _unchanged(
        ws,
        lambda: ws.new_incident("Lost hiker", ipp=IPP, last_seen="2024-01-13T15:30Z", terrain=small_terrain),
        InputError,
        "exists",
    )
    _unchanged(ws, lambda: ws.run_map(at="2024-01-13T10:00-05:00"), InputError, "before the time last seen")
    _unchanged(ws, lambda: ws.add_team("Grid 1", "grid-team"), InputError, "exists")
    _unchanged(ws, lambda: ws.add_team("X", "submarine"), UnknownNameError, "submarine")
    _unchanged(ws, lambda: ws.add_clue(-65.0, 44.0), OutsideTerrainError, "off the map")
    _unchanged(ws, lambda: ws.add_weather(-300.0, 10.0), InputError, "air temperature")


def test_segments_that_miss_the_terrain_or_repeat_a_label(workspace):
    ws = workspace
    far = {"type": "Polygon", "coordinates": [[[-65.0, 44.0], [-64.9, 44.0], [-64.9, 44.1], [-65.0, 44.0]]]}
    _unchanged(
        ws,
        lambda: ws.add_segments(None, [{"geometry": far, "properties": {"label": "F"}}], source="t"),
        InputError,
        "cover no cell",
    )
    seg = ws.segments()[0]
    _unchanged(
        ws,
        lambda: ws.add_segments(None, [{"geometry": seg["geometry"], "properties": {"label": "S1"}}], source="t"),
        InputError,
        "exists",
    )


def test_nothing_to_undo_on_a_fresh_store(tmp_path):
    from carpathia.incident import Workspace

    with Workspace(tmp_path / "fresh.db") as ws, pytest.raises(CarpathiaError, match="no active incident"):
        ws.undo()
