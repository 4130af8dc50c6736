"""Drift acceptance: mass, zero velocity, doubling velocity, staying in the river, clock, refloat."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from carpathia.errors import InputError
from carpathia.river import (
    MATEUS_2014_ADD,
    REFLOAT_TABLE,
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
    """No lifejacket, 8 °C, seen swimming: under between 0.5 and 1.5 x the 1-10-1 movement window."""
    inc = _inc(observed="swimming")
    tl = inc.timeline()
    ref = immersion_timeline(8.0, lifejacket=False)
    assert tl == ref and tl.survival_h == pytest.approx(10 / 60)
    d = simulate_drift(net, inc, hours=1, n_particles=5_000, seed=6, output_step_h=1 / 60)
    k_early, k_late = d.time_index(4 / 60), d.time_index(16 / 60)
    assert d.states[k_early, 1] == 0  # nobody under before 5 min
    assert d.states[k_late, 0] == 0  # everybody under after 15 min
    assert d.states[d.time_index(10 / 60), 1] == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("row", REFLOAT_TABLE)
def test_refloat_reproduces_the_table(row):
    t, lo, hi = row
    assert refloat_days(t, 0.0) == pytest.approx(lo)
    assert refloat_days(t, 1.0) == pytest.approx(hi)


def test_refloat_cold_water_and_mateus_check():
    assert refloat_days(3.0) == np.inf  # colder than 40 °F: not until the water warms
    lo, hi = refloat_add(15.0, 0.0), refloat_add(15.0, 1.0)
    assert MATEUS_2014_ADD[0] <= lo < hi <= MATEUS_2014_ADD[1]  # 104-191 °C·d at 14.5-16 °C
    with pytest.raises(InputError):
        refloat_days(-1.0)


def test_bodies_refloat_in_warm_water(net):
    inc = _inc(water_temp_c=26.7, observed="submerging")
    d = simulate_drift(net, inc, hours=72, n_particles=5_000, seed=7, params=DriftParameters(u_crit_m_s=(5, 5)))
    # 1-2 days at 80 °F: all refloated by 48 h after sinking (within the first minute)
    assert d.states[d.time_index(23), 4] == 0
    assert d.states[d.time_index(49), 1] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("temp", [-0.5, -5, 31])
def test_bad_water_temperature(temp):
    with pytest.raises(InputError, match="water temperature"):
        RiverIncident(lon=23.89, lat=47.93, water_temp_c=temp)
