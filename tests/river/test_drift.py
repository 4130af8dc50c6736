"""Drift acceptance: mass, zero velocity, doubling velocity, staying in the river, clock, refloat."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from carpathia.errors import InputError
from carpathia.river import (
    MATEUS_2014_ADD,
    MATEUS_2014_ADD_LIMITS,
    DriftParameters,
    FlowSpec,
    RiverIncident,
    build_network,
    refloat_add,
    refloat_days,
    simulate_drift,
)
from carpathia.survival import immersion_timeline
from carpathia.terrain import Feature

# a straight 300 km river with a bend and a bridge, no DEM
_COORDS = [(22.0, 47.9), (23.0, 47.9), (23.05, 47.95), (25.0, 47.95)]


def _net(**flow):
    feats = [
        Feature(shapely.LineString(_COORDS), {"name": "Test", "width_m": 60.0}),
        Feature(shapely.Point(23.6, 47.95), {"type": "bridge", "name": "B"}),
    ]
    return build_network(feats, flow=FlowSpec(**flow) if flow else None)


@pytest.fixture(scope="module")
def net():
    return _net(velocity_m_s=1.0)


def _inc(**kw):
    return RiverIncident(**{"lon": 22.2, "lat": 47.9, "water_temp_c": 8.0, **kw})


def test_mass_is_conserved_at_every_hour(net):
    d = simulate_drift(net, _inc(lifejacket=True), hours=72, n_particles=20_000, seed=1)
    tot = d.hist.sum(axis=(1, 2)) + d.beyond
    np.testing.assert_allclose(tot, 1.0, atol=1e-9)
    np.testing.assert_allclose(d.states.sum(axis=1), 1.0, atol=1e-9)
    assert d.beyond[-1] > 0  # 1 m/s for 72 h is 259 km: some pass the outlet
    assert np.all(np.diff(d.beyond) >= -1e-12)


def test_zero_velocity_moves_nothing():
    net0 = _net(velocity_m_s=0.0)
    d = simulate_drift(net0, _inc(lifejacket=True), hours=48, n_particles=5_000, seed=2)
    np.testing.assert_array_equal(d.s_m, d.start_s_m)
    assert np.all(d.travelled_m == 0)
    np.testing.assert_array_equal(d.hist[0], d.hist[-1])
    assert d.state_split()["stranded"] == 0


def test_doubling_velocity_doubles_median_floating_distance():
    p = DriftParameters(p_snag=(0.0, 0.0))
    inc = _inc(lifejacket=True)
    d1 = simulate_drift(_net(velocity_m_s=0.5), inc, hours=24, n_particles=20_000, seed=3, params=p)
    d2 = simulate_drift(_net(velocity_m_s=1.0), inc, hours=24, n_particles=20_000, seed=3, params=p)
    m1, m2 = d1.median_floating_distance_m(), d2.median_floating_distance_m()
    assert m2 / m1 == pytest.approx(2.0, rel=0.03)


def test_median_floating_distance_is_velocity_times_time():
    """Absolute, not a ratio: at a measured 0.5 m/s a float travels 0.5 × 86 400 m in 24 h."""
    p = DriftParameters(p_snag=(0.0, 0.0), p_strand=(0.0, 0.0))
    d = simulate_drift(_net(velocity_m_s=0.5), _inc(lifejacket=True), hours=24, n_particles=20_000, seed=3, params=p)
    assert d.median_floating_distance_m() == pytest.approx(0.5 * 24 * 3600, rel=0.02)


def test_particles_leave_the_river_only_by_stranding(net):
    d = simulate_drift(net, _inc(lifejacket=True), hours=72, n_particles=20_000, seed=4)
    on = d.state != 5
    length = net.lines[0].length
    assert np.all((d.s_m[on] >= 0) & (d.s_m[on] <= length))
    assert np.all(np.abs(d.y) <= 1.0)
    at_bank = np.abs(d.y) == 1.0
    assert np.all(d.state[at_bank] == 3)  # on a bank only by a modelled stranding
    assert d.state_split()["stranded"] > 0.1
    # without stranding nobody reaches a bank
    d0 = simulate_drift(
        net, _inc(lifejacket=True), hours=24, n_particles=5_000, seed=4, params=DriftParameters(p_strand=(0, 0))
    )
    assert d0.state_split()["stranded"] == 0 and np.all(np.abs(d0.y) < 1.0)


def test_same_seed_same_result_and_bridge_snags(net):
    a = simulate_drift(net, _inc(), hours=12, n_particles=3_000, seed=5)
    b = simulate_drift(net, _inc(), hours=12, n_particles=3_000, seed=5)
    np.testing.assert_array_equal(a.hist, b.hist)
    d = simulate_drift(net, _inc(lifejacket=True), hours=24, n_particles=5_000, seed=5)
    assert d.state_split()["snagged"] > 0
    rows = d.table()
    snag_reach = [r for r in rows if r["catch"]]
    assert snag_reach and snag_reach[0]["p_total"] > 0


def test_immersion_clock_sets_the_time_at_the_surface(net):
    """No lifejacket, 8 °C, seen swimming: under between 0.5 and 1.5 x the swim-failure limit."""
    from carpathia.river.drift import sink_limit_s

    inc = _inc(observed="swimming")
    assert inc.timeline() == immersion_timeline(8.0, lifejacket=False)
    lim_h = sink_limit_s(8.0) / 3600.0
    assert 6 / 60 < lim_h < 10 / 60  # below the 10 minutes of the 1-10-1 rule at 10 °C
    d = simulate_drift(net, inc, hours=1, n_particles=5_000, seed=6, output_step_h=1 / 120)
    k = lambda h: d.time_index(round(h * 120) / 120)  # noqa: E731 (output every 30 s)
    assert d.states[k(0.5 * lim_h - 1 / 120), 1] == 0  # nobody under before half the limit
    assert d.states[k(1.5 * lim_h + 1 / 120), 0] == 0  # everybody under after 1.5 x
    assert d.states[k(lim_h), 1] == pytest.approx(0.5, abs=0.05)


def test_refloat_degree_days_are_mateus_2014():
    """Mateus, Pinto & Vieira (2014): 115-174 °C·d at refloat (104-191 at the limits)."""
    assert MATEUS_2014_ADD == (115.0, 174.0) and MATEUS_2014_ADD_LIMITS == (104.0, 191.0)
    assert refloat_add(0.0) == 115.0 and refloat_add(1.0) == 174.0
    for t in (1.0, 4.0, 15.0, 25.0):  # constant water: days x temperature = the threshold
        assert refloat_days(t, 0.0) * t == pytest.approx(115.0) and refloat_days(t, 1.0) * t == pytest.approx(174.0)


def test_refloat_in_cold_water_is_long_but_finite():
    """The dive teams' table never refloated below 4.4 °C; degree-days do, late."""
    assert np.isfinite(refloat_days(1.0)) and refloat_days(1.0) > 100
    assert refloat_days(3.0) > refloat_days(4.4) > refloat_days(5.0)
    assert refloat_days(0.0) == np.inf  # water at 0 °C adds no degree-days
    with pytest.raises(InputError):
        refloat_days(-1.0)


def test_refloat_follows_a_river_that_warms():
    """2 °C water warming 0.3 °C a day: the ADD integral T0 t + r t²/2 reaches the threshold."""
    days = refloat_days(2.0, 0.5, warming_c_per_day=0.3)
    add = 2.0 * days + 0.5 * 0.3 * days**2
    assert add == pytest.approx(144.5) and days < refloat_days(2.0, 0.5) / 2
    capped = refloat_days(20.0, 0.5, warming_c_per_day=1.0, max_temp_c=22.0)  # 2 days of ramp, then 22 °C
    assert 2 * 20 + 0.5 * 1.0 * 4 + (capped - 2) * 22 == pytest.approx(144.5)


def test_bodies_refloat_by_degree_days_in_the_drift(net):
    inc = _inc(water_temp_c=25.0, observed="submerging")
    d = simulate_drift(net, inc, hours=8 * 24, n_particles=5_000, seed=7, params=DriftParameters(u_crit_m_s=(5, 5)))
    # 115/25 = 4.6 days to 174/25 = 6.96 days after sinking (within the first minute)
    assert d.states[d.time_index(4.5 * 24), 4] == 0
    assert d.states[d.time_index(7 * 24 + 1), 1] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("temp", [2.0, 10.0, 15.0, 18.0, 25.0])
def test_without_a_lifejacket_victims_sink_within_seconds_to_minutes(temp):
    """Hunsucker & Davison: drowning victims usually sink within seconds to minutes, in any season."""
    from carpathia.river.drift import _time_at_surface

    t = _time_at_surface(_inc(water_temp_c=temp), 20_000, np.random.default_rng(1))
    assert np.median(t) < 5 * 60 and np.quantile(t, 0.95) < 40 * 60 and t.min() >= 10.0


def test_time_at_the_surface_is_continuous_in_water_temperature():
    """No jump at 15 °C (the old rule: 10 min below, Hayward's 3.5 h above)."""
    from carpathia.river.drift import sink_limit_s

    temps = np.linspace(0.0, 30.0, 601)
    lim = np.array([sink_limit_s(t) for t in temps])
    assert np.all(np.diff(lim) >= 0) and np.max(np.diff(lim)) < 0.02 * lim.max()
    assert sink_limit_s(14.99) == pytest.approx(sink_limit_s(15.01), rel=0.01)
    assert sink_limit_s(10.0) == pytest.approx(600.0)


@pytest.mark.parametrize("temp", [-0.5, -5, 31])
def test_bad_water_temperature(temp):
    with pytest.raises(InputError, match="water temperature"):
        RiverIncident(lon=23.89, lat=47.93, water_temp_c=temp)
