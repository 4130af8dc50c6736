"""Walking speeds: Tobler's published values, and the per-cell factors with their sources."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from hypothesis import given
from hypothesis import strategies as st

from carpathia.errors import InputError
from carpathia.terrain import Terrain
from carpathia.travel import isotropic_speed, speed_factors, tobler_speed, travel_time
from carpathia.travel import speed as sp

KMH = 1 / 3.6


# Tobler (1993): v = 6 exp(-3.5 |S + 0.05|) km/h; the figures are worked out by hand
@pytest.mark.parametrize(
    ("slope", "kmh"),
    [
        (0.0, 5.0364),  # 6 e^-0.175, the flat
        (0.10, 3.5494),  # 6 e^-0.525, 10 % up
        (-0.10, 5.0364),  # 6 e^-0.175, 10 % down: as fast as the flat
        (0.30, 1.7626),  # 6 e^-1.225
        (-0.30, 2.5012),  # 6 e^-0.875
        (-0.05, 6.0),  # the top speed
    ],
)
def test_tobler_published_values(slope, kmh):
    assert tobler_speed(slope) == pytest.approx(kmh * KMH, abs=5e-4 * KMH)
    assert tobler_speed(slope) == pytest.approx(6.0 * math.exp(-3.5 * abs(slope + 0.05)) * KMH, rel=1e-12)


@given(st.floats(-3.0, 3.0))
def test_tobler_peaks_at_a_five_percent_descent_and_is_symmetric_about_it(x):
    top = tobler_speed(-0.05)
    assert top == pytest.approx(6.0 * KMH, rel=1e-12)
    assert tobler_speed(x) <= top
    assert tobler_speed(-0.05 + x) == pytest.approx(tobler_speed(-0.05 - x), rel=1e-12)


def test_tobler_is_vectorised():
    s = np.array([[0.0, 0.1], [-0.3, 0.3]])
    v = tobler_speed(s)
    assert v.shape == (2, 2) and v.dtype == np.float64
    assert v[0, 1] == tobler_speed(0.1)
    assert isinstance(tobler_speed(0.0), float)


def _terrain(z, **layers) -> Terrain:
    return Terrain(
        np.asarray(z, np.float32), Affine(30.0, 0, 500000.0, 0, -30.0, 4900000.0), "EPSG:32619", layers=layers
    )


def _layers(shape=(2, 5)):
    trails = np.zeros(shape, bool)
    roads = np.zeros(shape, bool)
    lc = np.full(shape, 1, np.uint8)  # open
    water = np.zeros(shape, np.float32)
    trails[0, 0] = True
    roads[0, 1] = True
    lc[0, 2] = 2  # forest, off path
    lc[0, 3] = 3  # urban
    lc[1, 0] = 2  # forest under a trail
    trails[1, 0] = True
    water[1, 1] = 0.8  # river
    water[1, 2] = 0.4  # a bank: less than half water
    lc[1, 3] = 4  # wetland class
    return {"trails": trails, "roads": roads, "landcover": lc, "water": water}


def test_speed_factors_by_path_and_land_cover():
    t = _terrain(np.zeros((2, 5)), **_layers())
    f = speed_factors(t)
    assert f.dtype == np.float32 and f.shape == (2, 5)
    expected = [
        [1.0, 1.0, 0.6 * 0.8, 1.0, 0.6],  # trail, road, forest off path, urban, open off path
        [1.0, 0.0, 0.6, 0.6 * 0.5, 0.6],  # forest under a trail, river, bank, wetland, open
    ]
    np.testing.assert_allclose(f, expected, rtol=1e-6)
    assert sp.OFF_TRAIL_FACTOR == 0.6 and sp.FOREST_FACTOR == 0.8


def test_speed_factors_options():
    t = _terrain(np.zeros((2, 5)), **_layers())
    base = speed_factors(t)
    np.testing.assert_allclose(speed_factors(t, off_trail=False)[0, 4], 1.0)
    assert speed_factors(t, water_factor=0.05)[1, 1] == pytest.approx(0.05)
    assert speed_factors(t, landcover_factors={2: 0.5})[0, 2] == pytest.approx(0.6 * 0.5)
    night = speed_factors(t, night=True)
    # FM 21-18: road 3.2 / 4 km/h, cross-country 1.6 / 2.5 km/h
    assert night[0, 0] == pytest.approx(base[0, 0] * 0.8) and night[0, 1] == pytest.approx(base[0, 1] * 0.8)
    assert night[0, 4] == pytest.approx(base[0, 4] * 0.64)


@pytest.mark.parametrize(
    ("depth", "hard", "factor"),
    [
        (0.0, False, 1.0),
        (0.61, False, 0.1),  # FM 31-70: no mobility on foot from 61 cm
        (1.5, False, 0.1),
        (0.305, False, 0.55),  # half-way on the (assumed) linear ramp
        (0.5, True, 0.75),  # FM 31-70: hard-packed, about 25 % slower
        (0.0, True, 1.0),
    ],
)
def test_snow_factor(depth, hard, factor):
    t = _terrain(np.zeros((2, 5)), trails=np.ones((2, 5), bool))
    f = speed_factors(t, snow_depth_m=depth, hard_packed_snow=hard)
    np.testing.assert_allclose(f, factor, rtol=1e-6)


def test_snow_depth_grid_and_no_data():
    z = np.zeros((2, 5))
    z[1, 4] = np.nan
    t = _terrain(z, trails=np.ones((2, 5), bool))
    depth = np.zeros((2, 5))
    depth[0, 0] = 1.0
    f = speed_factors(t, snow_depth_m=depth)
    assert f[0, 0] == pytest.approx(0.1) and f[0, 1] == 1.0 and f[1, 4] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"snow_depth_m": -0.1}, "snow_depth_m"),
        ({"snow_depth_m": np.zeros((3, 3))}, "shape"),
        ({"water_factor": -1.0}, "water_factor"),
        ({"water_factor": "x"}, "water_factor"),
        ({"landcover_factors": {300: 1.0}}, "uint8"),
        ({"landcover_factors": {2: float("nan")}}, "landcover_factors"),
    ],
)
def test_speed_factors_validation(kwargs, match):
    t = _terrain(np.zeros((2, 5)))
    with pytest.raises(InputError, match=match):
        speed_factors(t, **kwargs)


def test_isotropic_speed_on_flat_and_sloping_ground():
    t = _terrain(np.zeros((6, 6)), trails=np.ones((6, 6), bool))
    np.testing.assert_allclose(isotropic_speed(t), tobler_speed(0.0), rtol=1e-6)
    g = 0.2
    plane = _terrain(np.tile(g * 30.0 * np.arange(6), (6, 1)), trails=np.ones((6, 6), bool))
    v = isotropic_speed(plane)[:, 1:-1]  # Horn's slope halves at the east and west edges
    round_trip = 2.0 / (1.0 / tobler_speed(g) + 1.0 / tobler_speed(-g))
    np.testing.assert_allclose(v, round_trip, rtol=1e-5)
    assert tobler_speed(g) < round_trip < tobler_speed(-g)
    cliff = _terrain(np.tile(1.3 * 30.0 * np.arange(6), (6, 1)), trails=np.ones((6, 6), bool))
    assert np.all(isotropic_speed(cliff)[:, 1:-1] == 0.0)  # 52.4° > 50° (IGT4SAR, at 30 m cells)
    assert np.all(isotropic_speed(cliff, max_slope_deg=55) > 0.0)
    steep = _terrain(np.tile(1.1 * 30.0 * np.arange(6), (6, 1)), trails=np.ones((6, 6), bool))
    assert np.all(isotropic_speed(steep)[:, 1:-1] > 0.0)  # 47.7° < 50°
    assert np.all(isotropic_speed(steep, max_slope_deg=45)[:, 1:-1] == 0.0)
    with pytest.raises(InputError, match="max_slope_deg"):
        isotropic_speed(t, max_slope_deg=-3)


def test_isotropic_speed_of_a_real_region_feeds_travel_time(white_mountains):
    t = white_mountains
    v = isotropic_speed(t, night=True)
    assert v.shape == t.shape and v.dtype == np.float32
    assert np.all(v >= 0) and v.max() <= 6.0 * KMH
    assert np.mean(v > 0) > 0.95
    r, c = t.to_pixel(-71.3033, 44.2706)  # Mt Washington summit
    times = travel_time(v, [(r, c)], t.resolution, max_time=6 * 3600.0)
    reached = np.isfinite(times)
    assert 0.001 < reached.mean() < 0.5  # a night's six hours cover a few km, not the region
