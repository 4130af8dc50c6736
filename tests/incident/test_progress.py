"""Long workspace calls report their stages through ``progress(fraction, message)``."""

from __future__ import annotations

import pytest

from .conftest import MAP_AT, open_incident


def _recorder():
    calls: list[tuple[float, str]] = []
    return calls, lambda f, msg: calls.append((f, msg))


def _check(calls: list[tuple[float, str]], *expected: str) -> None:
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and all(0.0 <= f <= 1.0 for f in fractions)
    assert len(calls) >= 4  # stages, not just started/done
    text = " | ".join(m for _, m in calls)
    for e in expected:
        assert e in text, text


def test_run_map_reports_its_stages(workspace):
    calls, progress = _recorder()
    row = workspace.run_map(at=MAP_AT, progress=progress)
    assert row["version"] == 2
    _check(calls, "loading the terrain", "running the travel_time model", "map version 2 stored")


def test_model_with_its_own_progress_reports_within_the_model_stage(workspace, monkeypatch):
    from carpathia.probability import models

    real = models.MODELS["rings"]

    def rings_with_progress(incident, terrain, *, progress=None, **kw):
        progress(0.5, "half the agents")
        return real(incident, terrain, **kw)

    monkeypatch.setitem(models.MODELS, "rings", rings_with_progress)
    calls, progress = _recorder()
    workspace.run_map(model="rings", at=MAP_AT, progress=progress)
    assert (pytest.approx(0.1 + 0.75 * 0.5), "half the agents") in calls
    _check(calls, "running the rings model", "half the agents")
    # a model without the keyword is called without it (the travel_time test above), and the
    # recorded run holds no callback
    assert workspace.map_versions()[-1]["meta"].count("progress") == 0


def test_auto_segments_and_plan_report_their_stages(tmp_path, small_terrain):
    ws = open_incident(tmp_path / "ws.db", small_terrain, segments=False)
    try:
        calls, progress = _recorder()
        n = ws.auto_segments(progress=progress)
        assert n > 0
        _check(calls, "reading the current map", "cutting segments", f"{n} segments stored")
        calls, progress = _recorder()
        p = ws.plan(hours=12, start="2024-01-14T06:00-05:00", progress=progress)
        _check(calls, "allocating 3 team(s)", f"period 1: {len(p.assignments)} assignment(s)")
    finally:
        ws.close()
