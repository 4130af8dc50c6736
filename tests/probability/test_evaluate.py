"""Evaluation glue: calibration multipliers and cross-validation on a small grid."""

from __future__ import annotations

import numpy as np
import pytest

from carpathia.probability.evaluate import calibrate, evaluate


def test_calibrate_recovers_a_known_stretch():
    """Finds whose levels are uniform, placed at 1.5 × the profile's radius: multipliers ≈ 1.5."""
    q = {0.25: 100.0, 0.5: 200.0, 0.75: 400.0, 0.95: 800.0}
    levels = np.arange(1, 200) / 200
    radius = np.interp(levels, [0, 0.25, 0.5, 0.75, 0.95, 1.0], [0, 100, 200, 400, 800, 1200])
    m = calibrate([{"find_radius_m": 1.5 * r, "quantiles_m": q} for r in radius])
    for k in (0.25, 0.5, 0.75, 0.95):
        assert m[k] == pytest.approx(1.5, rel=0.03)


def test_cross_validation_on_real_cases(shared):
    ev = evaluate(
        shared / "lost_person" / "mapscore_arizona_cases.csv",
        model="rings",
        cells=201,
        cell_m=100.0,
        limit=30,
        cross_validate=True,
    )
    cal = ev.calibration
    assert ev.summary["n"] == 30 and cal["uncalibrated"]["n"] == 30
    assert len(cal["fold_multipliers"]) == 2 and set(cal["multipliers"]) == {"0.25", "0.5", "0.75", "0.95"}
    assert all(v > 0 for v in cal["multipliers"].values())
    # calibrated rings hold closer to their stated share of finds at 50 % than uncalibrated ones
    assert abs(ev.summary["containment"]["50"] - 0.5) <= abs(cal["uncalibrated"]["containment"]["50"] - 0.5) + 0.1


@pytest.mark.parametrize("model", ["rings", "travel_time", "mixture"])
def test_every_model_evaluates(shared, model):
    ev = evaluate(shared / "lost_person" / "mapscore_arizona_cases.csv", model=model, cells=101, cell_m=200.0, limit=5)
    assert ev.summary["n"] == 5 and -1 <= ev.summary["mean_score"] <= 1
