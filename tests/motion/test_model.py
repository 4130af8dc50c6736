"""The ``agents`` POA model: calibration multipliers and the responsive share for the search module."""

from __future__ import annotations

import numpy as np
import pytest

from carpathia.errors import InputError

from .conftest import LAT, LON, params


def test_multipliers_scale_the_distance_quantiles(flat, incident):
    from carpathia.motion import MotionParams, simulate

    base = MotionParams(budget_knots_h=(0.1, 0.25, 0.5, 0.9)).with_mixture(direction_travelling=1.0)
    m = {0.25: 1.5, 0.5: 1.5, 0.75: 1.5, 0.95: 1.5}
    q = []
    for p in (base, base.with_multipliers(m)):
        sim = simulate(incident, flat, n_agents=3000, hours=3, params=p, seed=1, start="2024-06-21T08:00:00-04:00")
        assert sim.outside_fraction(3) < 0.02  # within the 5 km grid
        q.append(np.quantile(sim.distances(3), [0.25, 0.5, 0.75, 0.95]))
    np.testing.assert_allclose(q[1] / q[0], 1.5, rtol=0.05)


def test_multipliers_keep_knots_increasing_and_cap_walking_time():
    from carpathia.motion import MotionParams

    p = MotionParams(budget_knots_h=(0.5, 1.0, 2.0, 8.0))
    assert p.with_multipliers(None) is p
    q = p.with_multipliers({"0.25": 3.0, "0.5": 1.0})
    assert q.budget_knots_h == pytest.approx((1.5, 1.5, 2.0, 8.0))
    far = p.with_multipliers({0.95: 2.0})  # 16 h of walking: the excess over 10 h goes into speed
    assert far.budget_knots_h[-1] == pytest.approx(10.0) and far.speed_scale == pytest.approx(1.6)
    for bad in ({0.5: 0.0}, {0.5: "x"}, {0.3: 1.2}, {"half": 1.0}):
        with pytest.raises(InputError):
            p.with_multipliers(bad)


def test_agents_model_applies_multipliers(incident):
    from carpathia.probability import get_model
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=6000, resolution=50)
    model = get_model("agents")
    plain = model(incident, t, hours=6.0, n_agents=3000, seed=2)
    wide = model(incident, t, hours=6.0, n_agents=3000, seed=2, multipliers={0.25: 2, 0.5: 2, 0.75: 2, 0.95: 2})
    assert wide.meta["multipliers"] == {"0.25": 2.0, "0.5": 2.0, "0.75": 2.0, "0.95": 2.0}
    assert plain.meta["multipliers"] is None
    r = _distance_grid(t)
    mean_r = [float((pm.cells * r).sum() / pm.cells.sum()) for pm in (plain, wide)]
    assert mean_r[1] > 1.3 * mean_r[0] and wide.rest_of_world > plain.rest_of_world


def _distance_grid(t):
    h, w = t.shape
    r0, c0 = t.to_pixel(LON, LAT)
    rr, cc = np.indices((h, w))
    return np.hypot(rr - r0, cc - c0) * t.resolution


def test_map_carries_the_responsive_share(incident):
    # issue 6 coupling: incapacitated subjects are unresponsive, so the search module needs the share;
    # issue 13 item 2: answering is also behavioural, so the category's share multiplies it
    from carpathia.incident import Incident
    from carpathia.motion import agents_map
    from carpathia.subjects import responsive_share
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=3000, resolution=50)
    # nude: the blizzard preset moved to the flat grid's 0 m is about −2 °C, where summer clothing
    # now outlasts 5 h (ISO 11079 clothing, issue 13 item 5)
    p = params(staying_put=0.5, random_walking=0.5).replace(clothing="nude")
    behaviour = responsive_share(incident.category).share
    assert 0.0 < behaviour < 1.0
    cold = agents_map(incident, t, hours=5.0, n_agents=400, params=p, weather="carpathian-blizzard", seed=1)
    incap = cold.meta["incapacitated_fraction"]
    assert 0.0 < incap <= 1.0
    assert cold.meta["p_responsive"] == pytest.approx(behaviour * (1.0 - incap))
    assert cold.meta["responsive_behavioural"] == behaviour
    mild = agents_map(incident, t, hours=5.0, n_agents=400, params=p.replace(clothing="winter"), weather="summer-night")
    assert mild.meta["incapacitated_fraction"] == 0.0 and mild.meta["p_responsive"] == behaviour
    # a subject with dementia answers shouts 1 % of the time (dbS Productions' Alzheimer's profile),
    # not at the full conscious share as before; an unknown category is planned as unresponsive
    for cat, share in (("dementia", 0.01), ("yeti hunter", 0.0)):
        other = Incident.create(ipp_lat=LAT, ipp_lon=LON, category=cat)
        dry = agents_map(other, t, hours=2.0, n_agents=200, params=p)
        assert dry.meta["incapacitated_fraction"] == 0.0 and dry.meta["p_responsive"] == share
