"""Evaluation glue: calibration multipliers and cross-validation on a small grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carpathia.probability import load_cases
from carpathia.probability.evaluate import calibrate, evaluate


def test_calibrate_recovers_a_known_stretch():
    """Finds whose levels are uniform, placed at 1.5 × the profile's radius: multipliers ≈ 1.5."""
    q = {0.25: 100.0, 0.5: 200.0, 0.75: 400.0, 0.95: 800.0}
    levels = np.arange(1, 200) / 200
    radius = np.interp(levels, [0, 0.25, 0.5, 0.75, 0.95, 1.0], [0, 100, 200, 400, 800, 1200])
    m = calibrate([{"find_radius_m": 1.5 * r, "quantiles_m": q} for r in radius])
    for k in (0.25, 0.5, 0.75, 0.95):
        assert m[k] == pytest.approx(1.5, rel=0.03)


ARIZONA = ("lost_person", "mapscore_arizona_cases.csv")
LEVELS = ("25", "50", "75", "95")


@pytest.fixture(scope="module")
def cross_validated(shared):
    """All 114 Arizona cases on a coarse MapScore-like grid (20 km, 100 m cells), two-fold."""
    return evaluate(shared.joinpath(*ARIZONA), model="rings", cells=201, cell_m=100.0, cross_validate=True)


def test_cross_validation_scores_each_half_with_the_other_halfs_multipliers(shared, cross_validated):
    ev, cal = cross_validated, cross_validated.calibration
    assert ev.summary["n"] == cal["uncalibrated"]["n"] == 114
    assert len(cal["fold_multipliers"]) == 2 and set(cal["multipliers"]) == {"0.25", "0.5", "0.75", "0.95"}
    cases, _ = load_cases(shared.joinpath(*ARIZONA))
    scored = {r["case"] for r in ev.per_case}
    usable = [c.name for c in cases if c.name in scored]
    fold_of = {name: i % 2 for i, name in enumerate(usable)}
    for row in ev.per_case:
        # the map itself records the multipliers it applied: those fitted on the other fold
        fitted = cal["fold_multipliers"][fold_of[row["case"]]]
        assert row["multipliers"] == pytest.approx({k: float(v) for k, v in fitted.items()}), row["case"]
    assert cal["fold_multipliers"][0] != cal["fold_multipliers"][1]


def test_cross_validated_rings_hold_their_stated_share_better(cross_validated):
    """Out of sample, at every level, the calibrated rings' share of finds is nearer the stated
    share than the uncalibrated rings' (no allowance: multipliers that are fitted and not applied
    leave the shares unchanged and fail this)."""
    cv = cross_validated.summary["containment"]
    raw = cross_validated.calibration["uncalibrated"]["containment"]
    for level in LEVELS:
        q = int(level) / 100
        assert abs(cv[level] - q) < abs(raw[level] - q), (level, cv[level], raw[level])
    # the multipliers stretch the rings (Arizona finds lie beyond Koester's distances): more
    # finds inside each ring, not fewer
    assert all(cv[level] >= raw[level] for level in LEVELS) and cv["50"] > raw["50"]


@pytest.fixture(scope="module")
def by_model(shared):
    csv = shared.joinpath(*ARIZONA)
    return {m: evaluate(csv, model=m, cells=101, cell_m=200.0, limit=12) for m in ("rings", "travel_time", "mixture")}


@pytest.mark.parametrize("model", ["rings", "travel_time", "mixture"])
def test_every_model_scores_finds_by_their_distance(by_model, model):
    """On flat ground every model's map falls off with distance from the IPP, so MapScore's rank
    score of a find inside the grid is, to a cell, 1 − 2·(share of the grid nearer the IPP)
    = 1 − 2πd²/A for the disc of the find distance d (for travel time, an octagon of 2√2·d² to
    8(√2−1)·d² instead of πd²); a find off the grid scores 2·ROW − 1 (Sava et al. 2016)."""
    ev = by_model[model]
    cells, cell_m = 101, 200.0
    area = (cells * cell_m) ** 2
    half = cells // 2 * cell_m
    assert ev.summary["n"] == 12
    assert ev.summary["mean_score"] == pytest.approx(np.mean([r["score"] for r in ev.per_case]))
    n_inside = 0
    for r in ev.per_case:
        d = r["distance_m"]
        if not r["inside"]:
            assert r["score"] == pytest.approx(2 * r["rest_of_world"] - 1, abs=1e-9), r["case"]
            continue
        if d > half - 2 * cell_m:  # near the edge the disc is cut by the square
            continue
        n_inside += 1
        lo = hi = math.pi * d**2
        if model != "rings":
            # 8-neighbour travel: the cells nearer than the find fill an octagon through points at
            # its travel distance D (d <= D <= 1.0824 d), of area 2*sqrt(2)*D^2
            lo, hi = 2 * math.sqrt(2) * d**2, 8 * (math.sqrt(2) - 1) * d**2
        # a cell's worth of distance either way (the find cell's centre is within cell/sqrt2)
        slack = 2 * math.pi * d * cell_m / area * 2 + 2 / cells**2
        assert 1 - 2 * hi / area - slack <= r["score"] <= 1 - 2 * lo / area + slack, (r["case"], d, r["score"])
    assert n_inside >= 6
