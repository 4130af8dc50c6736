"""The agents' cold state is the survival model's: same heat balance, incapacitated at 32 °C core.

The motion model claims to run :func:`carpathia.survival._heat.core_step` for each agent with the
survival model's fitted parameters, wind at the body and clothing, and to incapacitate an agent
when its core falls below 32 °C (Swiss stage HT II, Brown et al. 2012). These tests tie the two
together beyond 1 h and 12 h: agents that stay put in constant weather must be incapacitated
when :func:`carpathia.survival.predict_cold_survival`'s core curve crosses 32 °C, not earlier and
not later (one 5-minute cold step of slack), at 7 h, 11 h and 24 h.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import LAT, LON, params

#: Moderate hypothermia begins at 32 °C core (Swiss staging HT II; Brown et al. 2012, NEJM 367:1930).
INCAPACITATED_CORE_C = 32.0


def _t32(air_c, wind_kmh, clothing, *, shelter=False):
    from carpathia.survival import predict_cold_survival

    p = predict_cold_survival(air_c, wind_kmh, clothing=clothing, activity="resting", shelter=shelter, horizon_h=72)
    i = int(np.argmax(p.core_c < INCAPACITATED_CORE_C))
    assert i > 0, "the survival model never reaches 32 °C here"
    c0, c1 = p.core_c[i - 1], p.core_c[i]
    return float(p.times_h[i - 1] + (c0 - INCAPACITATED_CORE_C) / (c0 - c1) * (p.times_h[i] - p.times_h[i - 1]))


def _incapacitated(air_c, wind_kmh, clothing, times, **param_changes):
    from carpathia.incident import Incident
    from carpathia.motion import simulate
    from carpathia.survival import constant_weather
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=2000, resolution=50)
    inc = Incident.create(ipp_lat=LAT, ipp_lon=LON, category="hiker")
    p = params(staying_put=1.0).replace(clothing=clothing, **param_changes)
    sim = simulate(
        inc,
        t,
        params=p,
        hours=max(times) + 0.5,
        n_agents=50,
        weather=constant_weather(air_c, wind_kmh),
        times=sorted(times),
        start="2026-01-10T12:00:00+02:00",
    )
    return [sim.incapacitated_fraction(x) for x in times]


@pytest.mark.parametrize(("air_c", "clothing"), [(-20.0, "light"), (-5.0, "summer"), (-20.0, "winter")])
def test_agents_are_incapacitated_when_the_survival_model_reaches_32c(air_c, clothing):
    t32 = _t32(air_c, 0.0, clothing)
    assert t32 > 6.0  # beyond the 1 h and 12 h the older tests looked at, up to a day
    before, after = _incapacitated(air_c, 0.0, clothing, [t32 - 0.2, t32 + 0.1])
    assert before == 0.0 and after == 1.0, (t32, before, after)


def test_stopped_agents_are_out_of_the_wind_like_the_survival_models_shelter():
    """Agents whose walking budget is spent at once shelter from a gale (carpathia's assumption)."""
    t32 = _t32(-20.0, 70.0, "light", shelter=True)
    exposed = _t32(-20.0, 70.0, "light")
    assert t32 > exposed + 1.0  # the shelter matters here
    from carpathia.incident import Incident
    from carpathia.motion import MotionParams, simulate
    from carpathia.survival import constant_weather
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=2000, resolution=50)
    inc = Incident.create(ipp_lat=LAT, ipp_lon=LON, category="hiker")
    p = MotionParams(rest_bout_s=0.0, budget_knots_h=(1e-4,) * 4, clothing="light").with_mixture(
        direction_travelling=1.0
    )
    sim = simulate(
        inc,
        t,
        params=p,
        hours=t32 + 0.5,
        n_agents=50,
        weather=constant_weather(-20.0, 70.0),
        times=[exposed + 0.5, t32 - 0.2, t32 + 0.1],
        start="2026-01-10T12:00:00+02:00",
    )
    assert sim.incapacitated_fraction(exposed + 0.5) == 0.0
    assert sim.incapacitated_fraction(t32 - 0.2) == 0.0
    assert sim.incapacitated_fraction(t32 + 0.1) == 1.0


def _t32_activity(air_c, wind_kmh, clothing, activity):
    from carpathia.survival import predict_cold_survival

    p = predict_cold_survival(air_c, wind_kmh, clothing=clothing, activity=activity, horizon_h=24)
    i = int(np.argmax(p.core_c < INCAPACITATED_CORE_C))
    c0, c1 = p.core_c[i - 1], p.core_c[i]
    return float(p.times_h[i - 1] + (c0 - INCAPACITATED_CORE_C) / (c0 - c1) * (p.times_h[i] - p.times_h[i - 1]))


def test_walking_agents_make_walking_heat_like_the_survival_models_walker():
    """Agents who keep walking (by day, no rests) cool as the survival model's 'walking' subject:
    2 met and 0.9 m/s of extra air speed, so later than those who stay put."""
    from carpathia.incident import Incident
    from carpathia.motion import simulate
    from carpathia.survival import constant_weather
    from carpathia.terrain import Terrain

    walk = _t32_activity(-25.0, 30.0, "summer", "walking")
    rest = _t32_activity(-25.0, 30.0, "summer", "resting")
    assert walk > rest + 0.5
    t = Terrain.flat((LON, LAT), radius_m=20000, resolution=50)
    inc = Incident.create(ipp_lat=LAT, ipp_lon=LON, category="hiker")
    p = params(direction_travelling=1.0).replace(clothing="summer")
    sim = simulate(
        inc, t, params=p, hours=walk + 0.5, n_agents=50, weather=constant_weather(-25.0, 30.0),
        times=[walk - 0.25, walk + 0.1], start="2026-06-21T11:00:00-04:00",
    )  # fmt: skip
    assert sim.incapacitated_fraction(walk - 0.25) == 0.0
    assert sim.incapacitated_fraction(walk + 0.1) == 1.0


def test_a_48_hour_maramures_blizzard_leaves_agents_alive_and_some_walking():
    """Issue 13 item 5: the demo's man lost 48 h on Pop Ivan; before, every agent was incapacitated."""
    from carpathia.demo import DEMO_SCENARIOS, _incident
    from carpathia.motion import simulate
    from carpathia.survival import weather_preset
    from carpathia.terrain import Terrain

    s = next(x for x in DEMO_SCENARIOS if x.region == "maramures")
    window = Terrain.from_region("maramures").crop((s.ipp_lon, s.ipp_lat), s.radius_m)
    sim = simulate(
        _incident(s), window, n_agents=2000, hours=48.0, weather=weather_preset(s.weather), times=[48.0], seed=0
    )
    last = sim.summary(48.0)
    assert last["incapacitated"] < 0.5, last
    assert last["stopped"] + last["incapacitated"] < 1.0, last  # some still walking at 48 h
