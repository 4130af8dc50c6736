"""Solar position against Meeus (1998)'s worked examples and the solar-noon geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from carpathia.errors import InputError
from carpathia.motion.sun import julian_day, solar_elevation, solar_position


def test_declination_meeus_example_25a():
    # Meeus, Astronomical Algorithms, example 25.a: 1992 October 13.0 TD, apparent δ = −7°47′06″
    decl, _ = solar_position(julian_day(datetime(1992, 10, 13, tzinfo=UTC)))
    assert float(decl) == pytest.approx(-7.78507, abs=0.01)


def test_equation_of_time_meeus_example_28a():
    # Meeus, example 28.a: 1992 October 13.0, E = +13 min 42.6 s
    _, eot = solar_position(julian_day(datetime(1992, 10, 13, tzinfo=UTC)))
    assert float(eot) == pytest.approx(13.71, abs=0.02)


def test_solar_noon_elevation_at_the_winter_solstice():
    # highest sun on 2024-12-21 at 44.27 N: 90 − 44.27 − 23.44 = 22.29°
    lon, lat = -71.30, 44.27
    t0 = datetime(2024, 12, 21, 14, 0, tzinfo=UTC)
    secs = t0.timestamp() + np.arange(0, 6 * 3600, 60.0)
    assert float(solar_elevation(lon, lat, secs).max()) == pytest.approx(22.29, abs=0.05)


def test_night_and_day_and_naive_is_utc():
    t = datetime(2024, 12, 21, 5, 0)  # 00:00 EST: midnight in New Hampshire
    assert solar_elevation(-71.3, 44.27, t) < -60
    assert solar_elevation(-71.3, 44.27, t.replace(tzinfo=UTC)) == solar_elevation(-71.3, 44.27, t)
    assert solar_elevation(-71.3, 44.27, t + timedelta(hours=12)) > 15


def test_bad_place():
    with pytest.raises(InputError):
        solar_elevation(200.0, 44.0, datetime(2024, 1, 1))
