"""POA models: Koester rings, travel-time rings, mixtures, on flat ground and real terrain."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from carpathia.errors import OutsideTerrainError, UnknownNameError
from carpathia.incident import Incident
from carpathia.probability.models import (
    FLAT_OFFTRAIL_SPEED_MS,
    _distance_grid,
    _uniform_times,
    get_model,
    mixture,
    rings,
    travel_time,
)
from carpathia.subjects import FallbackCategoryWarning, profile
from carpathia.terrain import Feature, Terrain
from carpathia.travel import speed_factors, travel_time_terrain

LON, LAT = 24.0, 47.9


def _incident(category="hiker", **kw):
    return Incident.create(ipp_lat=LAT, ipp_lon=LON, category=category, **kw)


@pytest.mark.parametrize(
    ("category", "eco", "terr", "radius", "res"),
    [
        ("hiker", "Temperate", "Mountainous", 12_500, 25),  # 0.7/1.9/3.6 mi inside the grid
        ("child 1-3", "Temperate", "Mountainous", 2_000, 10),  # 0.1/0.2/0.6 mi
        ("dementia", "Temperate", "Mountainous", 4_000, 10),  # 0.2/0.5/1.2 mi
    ],
)
def test_ring_containment_equals_koester_quartiles(category, eco, terr, radius, res):
    t = Terrain.flat((LON, LAT), radius_m=radius, resolution=res)
    m = rings(_incident(category, eco_region=eco, terrain_class=terr), t)
    prof = profile(category, eco_region=eco, terrain_class=terr)
    d = _distance_grid(t, *t.to_xy(LON, LAT))
    for q, dq in prof.quantiles_m.items():
        if dq < radius:  # the ring lies inside the grid
            assert m.cells[d <= dq].sum() == pytest.approx(q, abs=0.01), (category, q)
    # what the grid cannot hold is the rest of the world
    assert m.rest_of_world == pytest.approx(1 - prof.distance.cdf(radius * 1.13), abs=0.03)
    assert m.total == pytest.approx(1.0, abs=1e-12)


def test_travel_time_on_flat_ground_is_close_to_rings():
    t = Terrain.flat((LON, LAT), radius_m=8000, resolution=40)
    inc = _incident(eco_region="Temperate", terrain_class="Mountainous")
    a, b = rings(inc, t), travel_time(inc, t)
    d = _distance_grid(t, *t.to_xy(LON, LAT))
    for dq in (1126.5, 3057.8, 5793.6):  # hiker quartiles in metres
        # the 8-neighbour stencil squares the circles a little; containment stays within 3 %
        assert b.cells[d <= dq].sum() == pytest.approx(a.cells[d <= dq].sum(), abs=0.03)
    assert b.meta["calibration"] == "equal-area"


def test_closed_form_equals_engine_on_flat_ground():
    t = Terrain.flat((LON, LAT), radius_m=2000, resolution=50)
    f = speed_factors(t)
    a = _uniform_times(t, f, (40, 40), 8)
    b = travel_time_terrain(t.elevation, 50, [(40, 40)], speed_factor=f)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    t.elevation[0, 0] = 1.0  # not level any more: no closed form
    assert _uniform_times(t, f, (40, 40), 8) is None


@settings(max_examples=25, deadline=None)
@given(
    dx=st.floats(-900, 900),
    dy=st.floats(-900, 900),
    category=st.sampled_from(["hiker", "child 7-9", "dementia", "hunter", "skier nordic", "climber"]),
    model=st.sampled_from(["rings", "travel_time"]),
)
def test_every_model_map_sums_to_one(dx, dy, category, model):
    t = Terrain.flat((LON, LAT), radius_m=1000, resolution=50)
    x0, y0 = t.to_xy(LON, LAT)
    lon, lat = t.to_lonlat_xy(x0 + dx, y0 + dy)
    inc = Incident.create(ipp_lat=lat, ipp_lon=lon, category=category)
    m = get_model(model)(inc, t)
    assert m.total == pytest.approx(1.0, abs=1e-9)
    assert (m.cells >= 0).all() and 0 <= m.rest_of_world <= 1


def _river_terrain(gap: bool) -> Terrain:
    """Flat 6 km square with a 30 m river running east-west 1 km north of the IPP."""
    t = Terrain.flat((LON, LAT), radius_m=3000, resolution=50)
    x0, y0 = t.to_xy(LON, LAT)
    y = y0 + 1000
    parts = (
        [[(x0 - 3500, y), (x0 + 3500, y)]]
        if not gap
        else [[(x0 - 3500, y), (x0 - 150, y)], [(x0 + 150, y), (x0 + 3500, y)]]
    )
    feats = []
    for p in parts:
        lon, lat = t.to_lonlat_xy(*np.asarray(p).T)
        feats.append(Feature(shapely.LineString(np.column_stack([lon, lat])), {"width_m": 30.0}))
    t.add_lines(feats, "water")
    return t


def test_a_barrier_river_is_not_crossed():
    t = _river_terrain(gap=False)
    m = travel_time(_incident(eco_region="Temperate", terrain_class="Flat"), t)
    r_river = t.to_pixel(*t.to_lonlat_xy(*(np.add(t.to_xy(LON, LAT), (0, 1000)))))[0]
    assert m.cells[: r_river - 1].sum() == 0.0  # nothing north of the river
    assert m.cells[r_river + 1 :].sum() == pytest.approx(m.cells.sum())


def test_a_river_is_crossed_only_at_the_gap():
    t = _river_terrain(gap=True)
    inc = _incident(eco_region="Temperate", terrain_class="Flat")
    m = travel_time(inc, t)
    r0, c0 = t.to_pixel(LON, LAT)
    north = m.cells[: r0 - 22]  # beyond the river (20 cells north of the IPP)
    assert north.sum() > 0.01
    # 1.5 km north and 2 km east, the subject must go round by the gap: less probable than the
    # mirror cell on the IPP's side of the river, while straight through the gap they match
    assert m.cells[r0 - 30, c0 + 40] < 0.8 * m.cells[r0 + 30, c0 + 40]
    assert m.cells[r0 - 30, c0] == pytest.approx(m.cells[r0 + 30, c0], rel=0.15)
    # rings ignore the river
    ring = rings(inc, t)
    assert ring.cells[r0 - 30, c0 + 10] == pytest.approx(ring.cells[r0 + 30, c0 + 10], rel=1e-9)


def test_hours_bound_the_distance():
    t = Terrain.flat((LON, LAT), radius_m=6000, resolution=50)
    m = rings(_incident(hours_missing=1.0), t)
    d = _distance_grid(t, *t.to_xy(LON, LAT))
    # from the source, not the code's constant: Tobler (1993) on the flat, 6·exp(-3.5·0.05) =
    # 5.037 km/h, times his off-path 3/5 = 3.022 km in one hour
    dmax = 6.0 * 0.8394570 * 0.6 * 1000.0
    assert pytest.approx(dmax, rel=1e-6) == FLAT_OFFTRAIL_SPEED_MS * 3600
    assert m.meta["max_distance_m"] == pytest.approx(3022.0, abs=0.1)
    assert m.cells[d > dmax + 50].sum() == pytest.approx(0.0, abs=1e-12)
    assert m.cells[(d > dmax - 300) & (d < dmax - 50)].sum() > 0.0  # and the bound is not shorter
    assert m.rest_of_world == pytest.approx(0.0, abs=1e-9) and m.total == pytest.approx(1.0)
    tt = travel_time(_incident(), t, hours=1.0)
    assert tt.cells[d > dmax * 1.09 + 50].sum() == pytest.approx(0.0, abs=1e-12)


def test_mixture_is_the_weighted_sum():
    t = Terrain.flat((LON, LAT), radius_m=2000, resolution=50)
    inc = _incident()
    a, b = rings(inc, t), travel_time(inc, t)
    m = mixture(inc, t, models=[("rings", 1.0), ("travel_time", 3.0)])
    np.testing.assert_allclose(m.cells, 0.25 * a.cells + 0.75 * b.cells, atol=1e-15)
    assert m.meta["components"] == [["rings", 1.0], ["travel_time", 3.0]]


def test_bad_inputs():
    t = Terrain.flat((LON, LAT), radius_m=1000, resolution=50)
    with pytest.raises(OutsideTerrainError):
        rings(Incident.create(ipp_lat=10.0, ipp_lon=10.0), t)
    with pytest.raises(UnknownNameError):
        get_model("gaussian")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = rings(_incident("space tourist"), t)
    assert any(issubclass(x.category, FallbackCategoryWarning) for x in w)
    assert m.meta["profile"]["fell_back"] is True


def test_real_terrain_maps(white_mountains):
    t = white_mountains.crop((-71.3033, 44.2708), 12_000)
    inc = Incident.create(ipp_lat=44.2708, ipp_lon=-71.3033, category="hiker")
    m = travel_time(inc, t)
    assert m.meta["profile"]["terrain_class"] == "Mountainous"  # inferred from relief
    assert m.total == pytest.approx(1.0)
    # the summit cell (the IPP) is among the most probable few cells
    r, c = t.to_pixel(-71.3033, 44.2708)
    assert m.cells[r, c] >= np.quantile(m.cells, 0.99)


def test_multipliers_scale_the_quantiles():
    from carpathia.probability.models import scaled_distribution

    d = profile("hiker", eco_region="Temperate", terrain_class="Mountainous").distance
    assert scaled_distribution(d, None) is d
    s = scaled_distribution(d, {0.25: 2.0, 0.5: 2.0, 0.75: 2.0, 0.95: 2.0})
    for q, v in d.quantiles.items():
        assert s.ppf(q) == pytest.approx(2 * v, rel=1e-9)
    with pytest.raises(Exception, match="multiplier"):
        scaled_distribution(d, {0.5: -1.0})
    t = Terrain.flat((LON, LAT), radius_m=12_500, resolution=25)
    inc = _incident(eco_region="Temperate", terrain_class="Mountainous")
    m = rings(inc, t, multipliers={0.5: 1.5})
    dd = _distance_grid(t, *t.to_xy(LON, LAT))
    assert m.cells[dd <= 1.5 * d.quantiles[0.5]].sum() == pytest.approx(0.5, abs=0.01)
