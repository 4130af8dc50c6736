"""Calibration: simulated straight-line distances at 24 h on the flat reference reproduce Koester's quantiles.

The fitted walking budgets are package data (``data/calibration.csv``, written by
``scripts/calibrate_motion.py``); these tests rerun the reference simulation with another seed
and fewer agents and compare with the table.

These are *fit checks*: the knots were fitted to within 3 % (``FIT_TOLERANCE``) on a
20,000-agent sample and the script's independent check run found every row within 4.3 %; an
8000-agent rerun with another seed adds about 3 % of sampling noise at the 95 % level. So every
row must come back within :data:`FIT_CHECK` (8 %), far tighter than the 15 % the README once
claimed: a budget or speed 10 % off fails it.
"""

from __future__ import annotations

import numpy as np
import pytest

#: Fit check: every tabulated level of every row within 8 % on an independent 8000-agent run.
FIT_CHECK = 0.08
#: The errors the calibration script recorded (20,000 agents, seed 1000) are within 5 %.
RECORDED_CHECK = 5.0


def _rows():
    from carpathia.subjects import koester_table

    return {(r.category, r.eco_region, r.terrain_class): r for r in koester_table()}


def test_every_row_has_fitted_parameters():
    from carpathia.motion import calibration_table

    table = calibration_table()
    missing = [k for k in _rows() if k not in table]
    assert not missing, f"rows without fitted budgets (run scripts/calibrate_motion.py): {missing[:5]}"


def test_fit_check_every_row():
    # all 73 rows in the default run (about 20 s on two cores)
    from carpathia.motion.calibrate import check_row

    bad, worst = {}, 0.0
    for key, row in _rows().items():
        err = check_row(row, n_agents=8000, seed=99)
        worst = max(worst, float(np.nanmax(np.abs(err))))
        if np.nanmax(np.abs(err)) >= FIT_CHECK:
            bad["/".join(key)] = np.round(100 * err, 1).tolist()
    assert not bad, f"rows outside the ±{FIT_CHECK:.0%} fit check (worst {worst:.1%}): {bad}"


def test_recorded_errors_are_a_fit():
    from carpathia.motion import calibration_table

    errs = np.array([v["errors_pct"] for v in calibration_table().values()], dtype=float)
    assert np.nanmax(np.abs(errs)) < RECORDED_CHECK


#: Rows whose quantiles sit closer together than the mixture's wandering allows (the budgets
#: alone could not fit them): their fitted wander factor is below 1. Angler/Dry's 6.0/6.5/8.0 mi
#: at 50/75/95 %; toddlers in towns, 0.3/0.5/0.7 mi.
NARROW = [("Angler", "Dry", "*"), ("Child (1-3)", "Urban", "*")]


@pytest.mark.parametrize("key", NARROW, ids=lambda k: "/".join(k))
def test_narrow_rows_fit_with_less_wander(key):
    from carpathia.motion import calibration_table
    from carpathia.motion.calibrate import check_row

    assert calibration_table()[key]["wander"] < 1.0
    err = check_row(_rows()[key], n_agents=4000, seed=99)
    assert np.nanmax(np.abs(err)) < FIT_CHECK, dict(zip((25, 50, 75, 95), np.round(100 * err, 1), strict=True))


def test_wander_narrows_the_spread_at_equal_walking_time(incident):
    # the cause of those rows: hikers who all walk 8 h end at a spread of distances, wider the
    # more they wander; Angler/Dry's 75/50 % ratio (6.5/6.0 mi) is narrower than the full mixture's
    from carpathia.motion import MotionParams, simulate
    from carpathia.terrain import Terrain

    from .conftest import LAT, LON

    wide = Terrain.flat((LON, LAT), radius_m=30000, resolution=200)
    ratios = []
    for w in (1.0, 0.1):
        p = MotionParams(budget_knots_h=(8.0,) * 4, wander=w)
        sim = simulate(incident, wide, n_agents=2000, hours=12, params=p, seed=2, start="2024-06-21T08:00:00-04:00")
        assert sim.stopped_fraction(12) > 0.99
        q50, q75 = np.quantile(sim.distances(12), [0.5, 0.75])
        ratios.append(q75 / q50)
    assert ratios[0] > 6.5 / 6.0 + 0.05 > ratios[1] > 1.0, ratios


def test_wander_scales_random_walking_and_heading_noise():
    from carpathia.motion import MotionParams

    p = MotionParams(wander=0.5)
    m = np.array(p.mixture)
    expected = m * [0.5, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(p.effective_mixture, expected / expected.sum())
    assert p.effective_heading_noise_deg == pytest.approx(2.5)
    assert MotionParams(mixture=(1, 0, 0, 0, 0, 0), wander=0.0).effective_mixture[2] == 1.0
    from carpathia.errors import InputError

    with pytest.raises(InputError):
        MotionParams(wander=1.5)


def test_path_run_gives_the_distance_for_any_budget():
    # an agent's path does not depend on its budget: distances read off one run without budgets
    # match a full simulation with budgets, agent by agent, up to the snapshot interpolation
    from carpathia.motion import motion_params
    from carpathia.motion.calibrate import _profile_of, _targets, path_run, reference_run

    row = _rows()[("Hiker", "Temperate", "Mountainous")]
    p = motion_params(_profile_of(row))
    paths = path_run(p, n_agents=1500, seed=5)
    direct = reference_run(p, _targets(row), n_agents=1500, seed=5)
    read = paths.distances(p.budget_knots_h, p.speed_scale)
    assert np.median(np.abs(read - direct)) < 5.0  # metres
    assert np.quantile(np.abs(read - direct), 0.95) < 0.02 * np.median(direct)
