"""Urgency form, the Adams et al. (2007) prior and time left."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from carpathia.errors import InputError, UnknownNameError
from carpathia.survival import (
    ADAMS_2007,
    URGENCY_FACTORS,
    age_choice,
    predict_cold_survival,
    survivability_prior,
    time_left,
    urgency_rating,
)

FACTORS = list(URGENCY_FACTORS)


def test_seven_factors_rated_one_to_three():
    assert FACTORS == ["age", "medical", "subjects", "experience", "weather", "equipment", "terrain"]
    for choices in URGENCY_FACTORS.values():
        for lo, hi in choices.values():
            assert 1 <= lo <= hi <= 3


@pytest.mark.parametrize(
    ("ratings", "category"),
    [
        ([1] * 7, "emergency"),
        ([1, 1, 1, 2, 2, 2, 2], "emergency"),  # 11
        ([2, 2, 2, 2, 2, 1, 1], "emergency"),  # 12 but factors at 1: still urgent
        ([2, 2, 2, 2, 2, 2, 3], "measured"),  # 15
        ([2, 2, 2, 2, 3, 3, 2], "evaluate"),  # 16
        ([3] * 7, "evaluate"),
    ],
)
def test_totals_and_categories(ratings, category):
    r = urgency_rating(**dict(zip(FACTORS, ratings, strict=True)))
    assert r.total == sum(ratings)
    expected = "emergency" if r.total <= 11 else "measured" if r.total <= 15 else "evaluate"
    assert r.category == expected
    assert r.any_one == (1 in ratings)
    assert r.urgent == (category == "emergency" or 1 in ratings)
    assert r.to_dict()["total"] == r.total


def test_choices_take_the_more_urgent_end():
    r = urgency_rating(
        age="very-old",
        medical="injured or ill",
        subjects="more_than_one",
        experience="experienced-knows-area",
        weather="hazardous-within-8h",
        equipment="adequate",
        terrain="few-hazards",
    )
    assert r.ratings == {
        "age": 1,
        "medical": 1,
        "subjects": 2,
        "experience": 3,
        "weather": 1,
        "equipment": 3,
        "terrain": 2,
    }
    assert urgency_rating(age=72.0).choices["age"] == "very-old"
    assert [age_choice(a) for a in (4, 12.9, 13, 64, 65)] == ["very-young"] * 2 + ["other"] * 2 + ["very-old"]


def test_bad_form_entries():
    with pytest.raises(UnknownNameError, match="adequate"):
        urgency_rating(equipment="banana")
    with pytest.raises(InputError, match="1, 2 or 3"):
        urgency_rating(terrain=4)
    with pytest.raises(InputError, match="0 to 120"):
        age_choice(-3)


def test_fit_check_adams_constants_reproduce_the_counts_they_were_fitted_to():
    """Fit check, not validation: a and b were solved from these two survival shares (pooled
    cohorts, exponential find times), so this only proves the stored constants are the solution
    (residuals ~1e-5; a or b off by 10 % moves them by 0.004 to 0.08). Adams et al. publish no
    further counts by search time that the fit left out, so there is no out-of-sample check."""
    n, died = ADAMS_2007["subjects"], ADAMS_2007["died"]
    late, late_alive = ADAMS_2007["missing_at_50h"], ADAMS_2007["alive_after_50h"]
    early, early_alive = n - late, (n - died) - late_alive
    lam = -math.log(late / n) / 50.0  # exponential find times, 98.75 % by 50 h
    first = quad(lambda t: lam * math.exp(-lam * t) * survivability_prior(t), 0, 50)[0] / (1 - late / n)
    after = quad(lambda t: lam * math.exp(-lam * (t - 50)) * survivability_prior(t), 50, 2000)[0]
    assert first == pytest.approx(early_alive / early, abs=1e-4)  # 3078 / 3246 = 0.948
    assert after == pytest.approx(late_alive / late, abs=1e-4)  # 24 / 41 = 0.585


def test_adams_prior_shape():
    p = survivability_prior(np.array([0.0, 24.0, 51.0, 72.0, 120.0]))
    assert np.all(np.diff(p) < 0) and 0.96 < p[0] < 0.99 and 0.6 < p[2] < 0.8
    with pytest.raises(InputError):
        survivability_prior(-1.0)


def test_time_left():
    p = predict_cold_survival(-12, 40, clothing="winter")
    early = time_left(p, 1.0)
    assert early.hours_left == pytest.approx(p.hours_to_core_30c - 1.0)
    assert early.hours_left_band[0] < early.hours_left < early.hours_left_band[1]
    assert early.p_alive == min(early.p_alive_prior, early.p_alive_cold)
    later = time_left(p, p.hours_to_core_30c)
    assert later.hours_left == 0.0 and later.p_alive_cold == pytest.approx(0.5, abs=1e-6)
    assert later.p_alive < early.p_alive
    assert any("already reached" in h for h in later.hints)
    d = later.to_dict()
    assert set(d) >= {"hours_left", "hours_left_band", "p_alive", "hints"}


def test_time_left_beyond_the_horizon_and_late():
    mild = predict_cold_survival(8, 5, clothing="winter", horizon_h=24)
    tl = time_left(mild, 60)
    assert math.isinf(tl.hours_left) and tl.p_alive_cold == 1.0 and tl.p_alive == tl.p_alive_prior
    assert tl.to_dict()["hours_left"] is None
    assert any("51 h" in h for h in tl.hints)
    with pytest.raises(InputError, match="hours missing"):
        time_left(mild, -2)
