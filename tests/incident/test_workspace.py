"""The operational cycle: three periods with debriefs replay to the stored maps; Koopman and Bayes exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Transformer

from carpathia.search import grid_hash

from .conftest import IPP, MAP_AT, open_incident, sweep_lonlat

LINE_TEAM_TOML = """
[resources.line-90]
name = "One-cell line"
kind = "ground"
team_size = 1
speed_m_s = 0.5
endurance_h = 12.0
source = "test: a 90 m corridor, one cell of the grid"
sweep_width_m.unresponsive = { unknown = 90.0, open = 90.0, forest = 90.0, urban = 90.0, water = 90.0 }
sweep_width_m.responsive = { unknown = 90.0, open = 90.0, forest = 90.0, urban = 90.0, water = 90.0 }
"""


def _sweep_tracks(ws, number, *, lanes=8):
    from carpathia.search import Track

    a = ws.assignment(number)
    seg = next(s for s in ws.segments() if s["id"] == a["segment_id"])
    lon, lat = sweep_lonlat(seg["geometry"], lanes=lanes)
    return [Track(lon, lat, None, f"{number} track")]


def test_three_operational_periods_replay_to_the_stored_maps(workspace):
    ws = workspace
    ws.add_weather(-8.0, 35.0, time="2024-01-13T18:00-05:00")
    for period in (1, 2, 3):
        p = ws.plan(hours=12, start=f"2024-01-{13 + period}T06:00-05:00")
        assert p.number == period
        numbers = [a["number"] for a in p.assignments]
        assert numbers == list(range(100 * period + 1, 100 * period + 1 + len(numbers)))
        for k, n in enumerate(numbers):
            clue = (IPP[0] + 0.004, IPP[1] + 0.003) if (period, k) == (2, 0) else None
            r = ws.debrief(n, _sweep_tracks(ws, n), time=f"2024-01-{13 + period}T17:{k:02d}-05:00", clue=clue)
            assert 0 < r["segment_pod"] < 1 and 0 < r["mass_searched"] < 1
        if period == 3:
            ws.add_clue(IPP[0] - 0.005, IPP[1], description="glove", time="2024-01-16T18:00-05:00")
    versions = ws.map_versions()
    debriefs = ws.store.count("debriefs")
    assert len(versions) == 1 + debriefs + 1  # model, one per debrief, the last clue
    assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
    rep = ws.replay()
    assert rep.ok, rep.to_text()
    assert rep.final_hash == versions[-1]["grid_hash"]
    current = ws.current_map()
    assert grid_hash(current.cells, current.rest_of_world) == versions[-1]["grid_hash"]
    assert math.isclose(current.total, 1.0, abs_tol=1e-12)
    # unsuccessful searches raise the rest of the world
    assert current.rest_of_world > versions[0]["rest_of_world"]
    actions = [e["action"] for e in ws.log()]
    assert actions.count("debrief") == debriefs and actions.count("plan") == 3 and actions.count("clue") == 1
    st = ws.status(at="2024-01-16T20:00-05:00")
    assert st.periods == 3 and st.debriefs == debriefs and st.map_version == len(versions)
    assert st.hours_missing == pytest.approx(3 * 24 + 4.5)
    m = [d["mass_searched"] for d in ws.store.all("SELECT mass_searched FROM debriefs ORDER BY id")]
    assert st.pos_so_far == pytest.approx(1 - np.prod([1 - x for x in m]), rel=1e-12)
    searched = [s for s in st.segments if s["searches"]]
    assert searched and all(0 < s["cumulative_pod"] < 1 for s in searched)
    assert all(0 <= s["cumulative_pod"] < 1 for s in st.segments)  # tracks may spill into unassigned neighbours
    assert sum(s["poa"] for s in st.segments) < 1 - current.rest_of_world + 1e-9
    assert st.survival is not None and st.survival["hours_to_core_30c"] > 0
    text = st.to_text(top=2)
    assert "POS so far" in text
    best = sorted(st.segments, key=lambda s: -s["poa"])
    labels = {s["label"] for s in st.segments}
    rows = [ln.split()[0] for ln in text.splitlines() if ln.startswith("  ") and ln.split()[0] in labels]
    assert rows == [best[0]["label"], best[1]["label"]]  # most probable first, the rest summarised
    assert f"{len(best) - 2} more segment(s)" in text


def test_debrief_is_koopman_then_bayes_cell_by_cell(tmp_path, small_terrain):
    """A 90 m corridor along one row of 90 m cells gives coverage 1 there: POD = 1 − e⁻¹ (Koopman)."""
    ws = open_incident(tmp_path / "k.db", small_terrain, teams=False)
    toml = tmp_path / "line.toml"
    toml.write_text(LINE_TEAM_TOML)
    ws.add_team("Line", "line-90", resources_file=toml)
    p = ws.plan(hours=6, start="2024-01-14T06:00-05:00")
    before = ws.current_map()
    t = ws.terrain()
    r0, c0, c1 = 40, 20, 60
    tr = t.transform
    y = tr.f + (r0 + 0.5) * tr.e
    xs = [tr.c + c0 * tr.a, tr.c + (c1 + 1) * tr.a]
    lon, lat = Transformer.from_crs(t.crs, "EPSG:4326", always_xy=True).transform(xs, [y, y])
    from carpathia.search import Track

    r = ws.debrief(p.assignments[0]["number"], [Track(np.array(lon), np.array(lat))], time="2024-01-14T12:00Z")
    after = ws.current_map()
    pod = -math.expm1(-1.0)
    covered = np.zeros(t.shape, bool)
    covered[r0, c0 : c1 + 1] = True
    mass = float((before.cells[covered] * pod).sum())
    assert r["mass_searched"] == pytest.approx(mass, rel=1e-9)
    expected = np.where(covered, before.cells * (1 - pod), before.cells) / (1 - mass)
    np.testing.assert_allclose(after.cells, expected, rtol=1e-9, atol=1e-15)
    assert after.rest_of_world == pytest.approx(before.rest_of_world / (1 - mass), rel=1e-9)
    ws.close()


def test_undo_a_debrief_restores_the_map_and_the_assignment(workspace):
    ws = workspace
    p = ws.plan(hours=12, start="2024-01-14T06:00-05:00")
    n = p.assignments[0]["number"]
    v_before = ws.map_versions()[-1]
    ws.debrief(n, _sweep_tracks(ws, n), time="2024-01-14T12:00Z")
    assert ws.assignment(n)["status"] == "debriefed"
    u = ws.undo()
    assert u["summary"].startswith("undo #") and f"debrief {n}" in u["summary"]
    assert ws.map_versions()[-1] == v_before
    assert ws.assignment(n)["status"] == "planned"
    assert ws.store.count("debriefs") == ws.store.count("tracks") == 0
    assert ws.replay().ok
    # debriefing again after the undo works and gets the same map as the first time
    ws.debrief(n, _sweep_tracks(ws, n), time="2024-01-14T12:00Z")
    assert ws.replay().ok


def test_found_yes_closes_the_incident_without_an_update(workspace):
    ws = workspace
    p = ws.plan(hours=12, start="2024-01-14T06:00-05:00")
    n = p.assignments[0]["number"]
    versions = len(ws.map_versions())
    r = ws.debrief(n, _sweep_tracks(ws, n), found="yes", time="2024-01-14T12:00Z")
    assert r["map_version"] is None and len(ws.map_versions()) == versions
    assert ws.incident_row()["status"] == "found"
    assert ws.incidents()[0]["status"] == "found"


def test_layers_are_lonlat_feature_collections(workspace):
    ws = workspace
    p = ws.plan(hours=12, start="2024-01-14T06:00-05:00")
    n = p.assignments[0]["number"]
    ws.debrief(n, _sweep_tracks(ws, n), time="2024-01-14T12:00Z", clue=(IPP[0], IPP[1] + 0.002))
    layers = ws.layers()
    assert set(layers) >= {"ipp", "segments", "assignments", "clues", "tracks", "landing_zones"}
    assert len(layers["segments"]["features"]) == 9
    assert len(layers["assignments"]["features"]) == len(p.assignments)
    assert len(layers["tracks"]["features"]) == 1 and len(layers["clues"]["features"]) == 1
    assert layers["ipp"]["features"][0]["geometry"]["coordinates"] == list(IPP)
    poa = [f["properties"]["poa"] for f in layers["segments"]["features"]]
    assert all(0 <= v <= 1 for v in poa)


def test_segments_object_round_trip(workspace):
    grid, rows = workspace.segment_grid()
    assert grid.dtype == np.int32 and grid.shape == workspace.terrain().shape
    assert set(np.unique(grid)) == {-1, *range(len(rows))}


def test_automatic_segments_are_stored_and_planned(tmp_path, small_terrain):
    ws = open_incident(tmp_path / "a.db", small_terrain, segments=False)
    n = ws.auto_segments()
    assert n >= 2
    seg = ws.segments_object()
    assert len(seg) == n and seg.labels.shape == small_terrain.shape
    assert 0 < seg.poa.sum() <= 1
    p = ws.plan(hours=12, start="2024-01-14T06:00-05:00", base=(IPP[0] - 0.01, IPP[1]))
    assert p.assignments and all(a["segment"] in seg.ids for a in p.assignments)
    ws.close()


def _agents_incident(path, terrain):
    ws = open_incident(path, terrain, teams=False)
    ws.add_team("Hasty 1", "hasty-team")
    ws.run_map(model="agents", at=MAP_AT, n_agents=2000, seed=3)
    return ws


def test_two_debriefs_of_the_same_ground_equal_one_debrief_of_both(tmp_path, small_terrain):
    """Issue 13 items 2-3 in the workspace: the agents map's responsive share (hiker 0.8 × conscious)
    is carried through each debrief per cell, so debriefing a track twice equals one debrief of it
    twice over; replay rebuilds both two-state versions."""
    from carpathia.subjects import responsive_share

    a = _agents_incident(tmp_path / "a.db", small_terrain)
    b = _agents_incident(tmp_path / "b.db", small_terrain)
    first = a.current_map()
    q = first.meta["p_responsive"]
    assert q == pytest.approx(responsive_share("hiker").share * (1 - first.meta["incapacitated_fraction"]))
    n = a.plan(hours=6, start="2024-01-14T06:00-05:00").assignments[0]["number"]
    assert b.plan(hours=6, start="2024-01-14T06:00-05:00").assignments[0]["number"] == n
    trk = _sweep_tracks(a, n, lanes=4)
    r1 = a.debrief(n, trk, time="2024-01-14T12:00Z")
    r2 = a.debrief(n, trk, time="2024-01-14T13:00Z")
    rb = b.debrief(n, trk + trk, time="2024-01-14T12:00Z")
    two, one = a.current_map(), b.current_map()
    np.testing.assert_allclose(two.cells, one.cells, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(two.responsive, one.responsive, rtol=1e-9, atol=1e-12)
    assert (1 - r1["mass_searched"]) * (1 - r2["mass_searched"]) == pytest.approx(1 - rb["mass_searched"], rel=1e-9)
    assert r2["segment_pod"] < r1["segment_pod"]  # after a miss a responsive subject is less likely there
    subjects = {d["subject"] for d in a.store.all("SELECT subject FROM debriefs")}
    assert subjects == {"responsive+unresponsive"}
    rep = a.replay()
    assert rep.ok, rep.to_text()
    a.close()
    b.close()
