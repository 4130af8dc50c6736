"""Cold-water immersion: Hayward et al. (1975)'s curve, the Coast Guard band, 1-10-1."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carpathia.errors import InputError, UnknownNameError
from carpathia.survival import POSTURES, hayward_survival_hours, immersion_timeline, uscg_band

# Hayward, Eckerson & Collis (1975): t(min) = 15 + 7.2 / (0.0785 - 0.0034 Tw), worked by hand.
HAYWARD_H = {0.0: 106.72 / 60, 5.0: 132.07 / 60, 10.0: 176.80 / 60, 15.0: 276.82 / 60, 20.0: 700.71 / 60}


@pytest.mark.parametrize(("tw", "hours"), HAYWARD_H.items())
def test_follows_haywards_curve(tw, hours):
    tl = immersion_timeline(tw, lifejacket=True)
    assert tl.posture == "still" and tl.unconscious_h == pytest.approx(hours, abs=1e-3)
    assert tl.survival_h == tl.unconscious_h


def test_pasgap_summary_at_10c():
    # "an average lightly clothed person in 10 °C water with a standard lifejacket: 2.5 to 3 hours"
    assert 2.5 <= immersion_timeline(10.0, lifejacket=True).survival_h <= 3.0


@pytest.mark.parametrize("tw", np.arange(4.4, 20.01, 0.2))
def test_curve_lies_within_the_coast_guard_band_from_4_4_c(tw):
    lo, hi = immersion_timeline(float(tw), lifejacket=True).band_h
    assert lo <= hayward_survival_hours(tw) <= hi


def test_colder_than_4_4_c_the_band_is_shorter_and_we_say_so():
    tl = immersion_timeline(2.0, lifejacket=True)
    assert tl.unconscious_h > tl.band_h[1] == 1.5
    assert any("band_h" in n for n in tl.notes)


@pytest.mark.parametrize("tw", [0.0, 2.0, 5.0, 8.0, 10.0])
def test_one_ten_one(tw):
    tl = immersion_timeline(tw, lifejacket=True)
    assert tl.cold_shock_min == 1.0
    assert tl.movement_min == 10.0
    assert 1.0 <= tl.unconscious_h <= 3.0  # "about an hour" or more to unconsciousness


def test_warm_water():
    tl = immersion_timeline(22.0, lifejacket=True)
    assert tl.unconscious_h is None and tl.movement_min is None and tl.cold_shock_min == 1.0
    assert tl.band_h == (3.0, math.inf)
    tl = immersion_timeline(28.0)
    assert tl.cold_shock_min is None and tl.band_h == (math.inf, math.inf)
    assert tl.to_dict()["band_h"] == [None, None]
    assert uscg_band(28.0)[1] == (math.inf, math.inf)


def test_postures():
    still = immersion_timeline(8.0, lifejacket=True).survival_h
    help_ = immersion_timeline(8.0, lifejacket=True, posture="help").survival_h
    huddle = immersion_timeline(8.0, lifejacket=True, posture="huddle").survival_h
    swim = immersion_timeline(8.0, lifejacket=True, posture="swimming").survival_h
    drown = immersion_timeline(8.0, lifejacket=True, posture="drownproofing").survival_h
    assert drown < swim < still < help_ == huddle
    # swimming cools 35 % faster: the time after the first 15 minutes shrinks by 1.35
    assert (swim - 0.25) * 1.35 == pytest.approx(still - 0.25)
    assert set(POSTURES) >= {"still", "help", "huddle", "swimming", "treading"}


def test_without_a_lifejacket_drowning_comes_first_in_cold_water():
    tl = immersion_timeline(5.0)
    assert tl.posture == "treading" and tl.survival_h == pytest.approx(10 / 60)
    assert tl.unconscious_h < immersion_timeline(5.0, lifejacket=True).unconscious_h
    warm = immersion_timeline(17.0)
    assert warm.survival_h == warm.unconscious_h > 1.0


def test_below_zero_is_marked_extrapolated():
    tl = immersion_timeline(-1.5, lifejacket=True)
    assert tl.extrapolated and tl.unconscious_h < immersion_timeline(0.0, lifejacket=True).unconscious_h


def test_vectorised_curve():
    out = hayward_survival_hours(np.array([0.0, 10.0, 23.5]))
    assert out[0] == pytest.approx(HAYWARD_H[0.0], abs=1e-3) and math.isinf(out[2])


@given(st.floats(-2, 19.9), st.floats(0.01, 5))
def test_colder_water_never_lengthens(tw, dt):
    a = immersion_timeline(tw, lifejacket=True).unconscious_h
    b = immersion_timeline(min(tw + dt, 20.0), lifejacket=True).unconscious_h
    assert a <= b


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"water_temp_c": -5}, InputError, "-2 to 40"),
        ({"water_temp_c": 50}, InputError, "-2 to 40"),
        ({"water_temp_c": "ice"}, InputError, "number"),
        ({"water_temp_c": 5, "posture": "help"}, InputError, "lifejacket"),
        ({"water_temp_c": 5, "posture": "floating"}, UnknownNameError, "still"),
        ({"water_temp_c": 5, "clothing": "banana"}, UnknownNameError, "light"),
    ],
)
def test_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        immersion_timeline(**kwargs)
