"""Cold exposure on land: Tikuisis 1995's table, monotone responses, a check against water data."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carpathia.errors import InputError, UnknownNameError
from carpathia.survival import (
    CLOTHING,
    FITTED,
    WIND_BODY_FACTOR,
    Body,
    _heat,
    cold,
    constant_weather,
    core_temperature,
    get_clothing,
    hayward_survival_hours,
    predict_cold_survival,
)

# Tikuisis (1995), Int. J. Biometeorol. 39:94-102, abstract (DOMAIN.md): hours to 30 °C core.
# The table's winds are taken as winds at the body; the API takes wind at 10 m.
NUDE_1KMH = [(-30, 1.8), (-20, 2.5), (-10, 4.1), (0, 9.0), (10, None)]
TWO_LAYERS_5KMH = [(-50, 4.0), (-40, 5.6), (-30, 8.6), (-20, 15.4), (-10, None)]
TABLE = [("nude", 1.0, t, h) for t, h in NUDE_1KMH] + [("two-layers", 5.0, t, h) for t, h in TWO_LAYERS_5KMH]


def _hours(clothing, body_wind_kmh, t):
    p = predict_cold_survival(t, body_wind_kmh / WIND_BODY_FACTOR, clothing=clothing, activity="resting")
    return p.hours_to_core_30c


@pytest.mark.parametrize(("clothing", "wind", "t", "published"), TABLE)
def test_tikuisis_1995_within_20_percent(clothing, wind, t, published):
    """This checks the fit: FITTED was tuned to this table (see carpathia.survival.cold)."""
    hours = _hours(clothing, wind, t)
    if published is None:  # ">24 h": more than 24 h or beyond the horizon
        assert hours > 24.0
    else:
        assert abs(hours - published) / published <= 0.20, (hours, published)


def test_fit_check_is_tight():
    """Fit check (not a prediction): scripts/fit_cold.py reaches 7.5 % at worst (nude, −30 °C)."""
    errors = [abs(_hours(c, w, t) - h) / h for c, w, t, h in TABLE if h is not None]
    assert max(errors) < 0.08


def test_two_layers_sit_on_a_garment_scale_not_three_times_it():
    """Tikuisis's "two layers of loose clothing (1 mm each)" fitted on the ISO 11079 scale.

    Garment tables put two ordinary layers near 1 clo (ISO 9920 / ASHRAE 55: trousers, shirt,
    sweater and T-shirt 1.01 clo); the old fit put them at 2.91 clo. On the ISO 11079 clothing
    physics, with the physiology held to published limits, they come out at 1.76 clo.
    """
    assert 1.0 <= CLOTHING["two-layers"].clo <= 1.8


# ISO 11079:2007 Annex F, Table F.1 (as transcribed in pythermalcomfort's tests/test_ireq.py):
# air = radiant temperature °C, relative air speed m/s, metabolic rate W/m², and ICL_neutral, the
# intrinsic clothing insulation (clo) that keeps heat balance at neutral skin temperature and no
# shivering (RH 85 %, air permeability 8 l/m²s, walking speed 0.0052 (M − 58) m/s, at least 0.5).
ISO_11079_TABLE_F1 = [
    (0, 2, 90, 3.1),
    (0, 2, 145, 1.8),
    (-10, 2, 90, 4.4),
    (-10, 2, 145, 2.4),
    (-20, 2, 115, 4.2),
    (-20, 7, 115, 5.9),
    (-30, 2, 115, 5.0),
    (-30, 5, 175, 4.0),
]


def _balance_clo(air, v, met, walk):
    """Least clo at which the model, without shivering, holds a 37 °C core (bisection)."""
    cap = _heat.body_heat_capacity(75, 1.75)
    lo, hi = 0.0, 10.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        core = _heat.core_step(
            37.0, 0.0, air, air, v, mid, met, walk, cap, FITTED.tissue_insulation, 0.0, 0.0, 1.0, 18.0, 1.0
        )[0]
        lo, hi = (lo, mid) if core >= 37.0 - 1e-12 else (mid, hi)
    return hi


@pytest.mark.parametrize(("air", "v", "met", "icl_neutral"), ISO_11079_TABLE_F1)
def test_clothing_scale_against_iso_11079_table_f1(air, v, met, icl_neutral):
    """Not fitted: the model's balance clothing lies 0.4–1.2 clo below ISO 11079's neutral one.

    ISO 11079 asks for neutral skin temperature (35.7 − 0.0285 M); its minimal criterion lies about
    0.4–0.6 clo lower, and the model's vasoconstricted shell allows colder skin still, so the
    model needs somewhat less clothing than ISO's neutral value, never more, and not much less.
    The old model (ISO 9920 wind factor held at 3 m/s, Gagge boundary layer, the 2.91-clo fit)
    needed more than ISO's neutral clothing in all eight cases (by 0.03 to 2.3 clo).
    """
    walk = max(0.5, min(0.0052 * (met - 58.0), 1.2))
    got = _balance_clo(float(air), float(v), float(met), walk)
    assert icl_neutral - 1.2 <= got <= icl_neutral - 0.4, (got, icl_neutral)


def test_band_brackets_the_central_estimate():
    p = predict_cold_survival(-12, 40, clothing="winter", activity="resting")
    lo, hi = p.band_h
    assert lo < p.hours_to_core_30c < hi
    assert p.core_c[0] == 37.0 and p.core_c.shape == p.times_h.shape
    assert np.all(np.diff(p.core_c) <= 1e-12) and p.core_c[-1] <= 30.0 + 1e-9
    d = p.to_dict()
    assert d["hours_to_core_30c"] == round(p.hours_to_core_30c, 1) and d["beyond_horizon"] is False


def test_beyond_horizon_is_reported_not_invented():
    p = predict_cold_survival(8, 5, clothing="winter", horizon_h=12)
    assert p.beyond_horizon and math.isinf(p.hours_to_core_30c)
    assert p.to_dict()["hours_to_core_30c"] is None and p.to_dict()["horizon_h"] == 12


def test_step_size_converges():
    n = int(20 * 3600 / 60)
    args = dict(
        clo=np.array([1.0]),
        tissue_insulation=np.array([FITTED.tissue_insulation]),
        shiver_peak=np.array([FITTED.shiver_peak]),
        shiver_reserve=np.array([FITTED.shiver_reserve]),
        shiver_sustained=FITTED.shiver_sustained,
        body_fat_pct=18.0,
        met_w_m2=58.1,
        walk_ms=0.0,
        capacity=_heat.body_heat_capacity(75, 1.75),
    )
    fine, _ = _heat.integrate(np.full(n, -20.0), np.full(n, 3.0), dt_s=60.0, **args)
    coarse, _ = _heat.integrate(np.full(n // 5, -20.0), np.full(n // 5, 3.0), dt_s=cold.STEP_S, **args)
    assert abs(coarse[0] - fine[0]) / fine[0] < 0.01


def test_clothing_wind_factor_is_iso_11079_and_never_rises_with_wind():
    # ISO 11079 Annex B: 0.54 exp(-0.15 v - 0.22 w) p^0.075 - 0.06 ln p + 0.5, p = 8 l/m²s
    expect = 0.54 * math.exp(-0.15 * 5.0 - 0.22 * 0.5) * 8.0**0.075 - 0.06 * math.log(8.0) + 0.5
    assert _heat._clothing_wind_factor(5.0, 0.5) == pytest.approx(expect, rel=1e-12)
    factors = [_heat._clothing_wind_factor(v, 0.0) for v in np.linspace(0, 25, 301)]
    assert np.all(np.diff(factors) <= 0) and max(factors) <= 1.0


def test_wind_at_the_body_is_two_thirds_of_the_wind_at_10_m():
    """Osczevski & Bluestein (2005): the wind chill index takes 2/3 of the 10 m wind at the face."""
    n = int(48 * 3600 / cold.STEP_S)
    cap = _heat.body_heat_capacity(75, 1.75)
    hit, _ = _heat.integrate(
        np.full(n, -15.0),
        np.full(n, 30.0 * (2.0 / 3.0) / 3.6),
        np.array([2.0]),
        np.array([FITTED.tissue_insulation]),
        np.array([FITTED.shiver_peak]),
        np.array([FITTED.shiver_reserve]),
        FITTED.shiver_sustained,
        18.0,
        58.1,
        0.0,
        cap,
        cold.STEP_S,
    )
    got = predict_cold_survival(-15.0, 30.0, clothing="winter", activity="resting").hours_to_core_30c
    assert got == pytest.approx(hit[0], rel=1e-9)


def test_fast_enough():
    predict_cold_survival(-10, 20)  # compile or load the kernel
    t0 = time.perf_counter()
    for _ in range(10):
        predict_cold_survival(-5, 10, clothing="winter", horizon_h=72)
    assert (time.perf_counter() - t0) / 10 < 0.05


@pytest.mark.xfail(
    strict=True,
    reason="known disagreement: the physiology fitted to Tikuisis's land table on ISO 11079 clothing "
    "(tissue insulation and shivering at their published limits) outlasts Hayward's immersion curve "
    "by 1.7x at 0 °C to 4.5x at 15 °C; fitting both together leaves the nude land cases 30-40 % short "
    "(scripts/fit_cold.py --water). The immersion clock uses Hayward's curve itself.",
)
def test_water_boundary_layer_follows_hayward_roughly():
    """Not fitted: the land model with water's boundary layer against Hayward et al. (1975).

    Water is emulated through the convective coefficient alone (h_c = 100 W/m²/K, the order of
    magnitude for a person still in water: carpathia's assumption), light clothing as 0 clo.
    """
    v = -100.0  # immersion, h_c = 100 W/m²/K
    for tw in (0.0, 5.0, 10.0, 15.0):
        n = int(48 * 3600 / 60)
        hit, _ = _heat.integrate(
            np.full(n, tw),
            np.full(n, v),
            np.array([0.0]),
            np.array([FITTED.tissue_insulation]),
            np.array([FITTED.shiver_peak]),
            np.array([FITTED.shiver_reserve]),
            FITTED.shiver_sustained,
            18.0,
            58.1,
            0.0,
            _heat.body_heat_capacity(75, 1.75),
            60.0,
        )
        ratio = hit[0] / hayward_survival_hours(tw)
        assert 1 / 1.5 < ratio < 1.5, (tw, hit[0], ratio)


def _st(t, w, clo, activity="resting", **kw):
    p = predict_cold_survival(t, w, clothing=clo, activity=activity, horizon_h=48, **kw)
    return np.array([p.band_h[0], p.hours_to_core_30c, p.band_h[1]])


temps = st.floats(-50, 15, allow_nan=False)
winds = st.floats(0, 150, allow_nan=False)
clos = st.floats(0, 5, allow_nan=False)
acts = st.sampled_from(["lying", "resting", "walking"])


@settings(max_examples=60, deadline=None)
@given(temps, st.floats(0.1, 30), winds, clos, acts)
def test_colder_never_lengthens_survival(t, dt, w, clo, act):
    assert np.all(_st(t - dt, w, clo, act) <= _st(t, w, clo, act) + 1e-9)


@settings(max_examples=60, deadline=None)
@given(temps, winds, st.floats(0.1, 80), clos, acts)
def test_windier_never_lengthens_survival(t, w, dw, clo, act):
    assert np.all(_st(t, w + dw, clo, act) <= _st(t, w, clo, act) + 1e-9)


@settings(max_examples=60, deadline=None)
@given(temps, winds, clos, st.floats(0.05, 3), acts)
def test_more_clo_never_shortens_survival(t, w, clo, dclo, act):
    assert np.all(_st(t, w, clo + dclo, act) >= _st(t, w, clo, act) - 1e-9)


@settings(max_examples=40, deadline=None)
@given(temps, winds, st.floats(0.2, 5), acts)
def test_wet_never_helps_and_shelter_never_hurts(t, w, clo, act):
    dry = _st(t, w, clo, act)
    assert np.all(_st(t, w, clo, act, wet=True) <= dry + 1e-9)
    assert np.all(_st(t, w, clo, act, shelter=True) >= dry - 1e-9)


@settings(max_examples=40, deadline=None)
@given(temps, winds, clos)
def test_lying_never_outlasts_sitting(t, w, clo):
    assert np.all(_st(t, w, clo, "lying") <= _st(t, w, clo, "resting") + 1e-9)


def test_walking_keeps_a_clothed_subject_warmer_in_wind():
    # not a law of the model: in calm air walking makes its own wind (see the module docstring)
    assert _st(-12, 40, "winter", "walking")[1] > 1.5 * _st(-12, 40, "winter", "resting")[1]


def test_presets_and_bodies():
    assert get_clothing("nude").clo == 0 and get_clothing("two-layers").clo == CLOTHING["two-layers"].clo
    assert get_clothing(1.3).clo == 1.3 and get_clothing("Winter Wet").wet
    assert _st(-12, 40, "winter-wet")[1] == pytest.approx(_st(-12, 40, 1.0)[1])
    small = predict_cold_survival(-12, 40, clothing="winter", body=Body(mass_kg=40, height_m=1.45, body_fat_pct=15))
    assert small.hours_to_core_30c < _st(-12, 40, "winter")[1]


def test_weather_series_drives_the_model():
    blizzard = constant_weather(-20, 60)
    a = predict_cold_survival(weather=blizzard, clothing="winter").hours_to_core_30c
    assert a == pytest.approx(predict_cold_survival(-20, 60, clothing="winter").hours_to_core_30c)
    from carpathia.survival import WeatherSeries

    warming = WeatherSeries.from_records(
        [{"hour": 0, "air_temp_c": -20, "wind_kmh": 60}, {"hour": 3, "air_temp_c": 5, "wind_kmh": 5}]
    )
    assert predict_cold_survival(weather=warming, clothing="winter").hours_to_core_30c > a


def test_core_temperature_curve():
    assert core_temperature(0, -10, 20) == 37.0
    c1, c2 = core_temperature(0.5, -30, 20, clothing="light"), core_temperature(1.0, -30, 20, clothing="light")
    assert 30.0 < c2 < c1 < 37.0
    assert core_temperature(40, -30, 60, clothing="nude") == 30.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"air_temp_c": -10, "wind_kmh": -5}, InputError, "wind"),
        ({"air_temp_c": 90, "wind_kmh": 5}, InputError, "air temperature"),
        ({"air_temp_c": -10, "wind_kmh": 5, "clothing": "banana"}, UnknownNameError, "nude, summer"),
        ({"air_temp_c": -10, "wind_kmh": 5, "clothing": 12.0}, InputError, "0 to 8 clo"),
        ({"air_temp_c": -10, "wind_kmh": 5, "activity": "dancing"}, UnknownNameError, "resting"),
        ({"air_temp_c": -10}, InputError, "both needed"),
        ({"air_temp_c": -10, "wind_kmh": 5, "horizon_h": 0}, InputError, "horizon"),
    ],
)
def test_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        predict_cold_survival(**kwargs)


def test_bad_body():
    with pytest.raises(InputError, match="mass_kg"):
        Body(mass_kg=-3)
