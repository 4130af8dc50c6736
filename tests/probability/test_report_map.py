"""Reports change the map (issue 15 item 4), on the white-mountains region: a fix with accuracy r
at time t is the last known point with a spread, the map for later grows from it; a cell sector
is a geodesic wedge likelihood."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from carpathia.location import CellSector, LocationReport
from carpathia.probability import get_model, rings
from carpathia.probability.reports import SECTOR_INSIDE, report_likelihood, report_map

IPP = (-71.30, 44.27)
FIX = datetime(2024, 1, 13, 22, 0, tzinfo=UTC)
LAST_SEEN = datetime(2024, 1, 13, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def terrain():
    from carpathia.terrain import Terrain

    return Terrain.from_region("white-mountains").crop(IPP, 6000)


@pytest.fixture(scope="module")
def incident():
    from carpathia.incident import Incident

    return Incident.create(ipp_lat=IPP[1], ipp_lon=IPP[0], category="hiker", last_seen=LAST_SEEN,
                           terrain_class="Mountainous", eco_region="Temperate")


def _centroid_m(pm, terrain, lon, lat) -> float:
    """Distance (m) from (lon, lat) to the map's probability-weighted centroid."""
    h, w = pm.cells.shape
    left, _, _, top = terrain.bounds
    res = terrain.resolution
    xs = left + (np.arange(w) + 0.5) * res
    ys = top - (np.arange(h) + 0.5) * res
    p = pm.cells / pm.cells.sum()
    cx, cy = float((p.sum(axis=0) * xs).sum()), float((p.sum(axis=1) * ys).sum())
    x0, y0 = terrain.to_xy(lon, lat)
    return math.hypot(cx - x0, cy - y0)


def _area_km2(pm, level: float) -> float:
    return next(c["properties"]["area_km2"] for c in pm.contours((level,)))


def _within(terrain, lon, lat, radius_m) -> np.ndarray:
    h, w = terrain.shape
    left, _, _, top = terrain.bounds
    res = terrain.resolution
    x0, y0 = terrain.to_xy(lon, lat)
    xs = left + (np.arange(w) + 0.5) * res - x0
    ys = top - (np.arange(h) + 0.5) * res - y0
    return np.hypot(xs[None, :], ys[:, None]) <= radius_m


def test_the_spread_holds_its_confidence(terrain):
    """A 68 % radius of 600 m: 68 % of the spread within 600 m (to the grid's 90 m cells)."""
    rep = LocationReport(IPP[0] + 0.02, IPP[1] + 0.01, FIX, source="aml", accuracy_m=600, confidence=0.68)
    cells, off = report_likelihood(rep, terrain)
    assert off < 1e-6 and cells.sum() == pytest.approx(1.0, abs=1e-6)
    inside = cells[_within(terrain, rep.lon, rep.lat, 600)].sum()
    assert inside == pytest.approx(0.68, abs=0.03)


@pytest.mark.parametrize("model", ["travel_time", "rings"])
def test_a_150m_fix_6h_ago_moves_and_widens_the_map(terrain, incident, model):
    """The acceptance case: a fix 2 km from the IPP, 150 m accuracy, 6 h before planning."""
    rep = LocationReport(IPP[0] + 0.02, IPP[1] + 0.01, FIX, source="aml", accuracy_m=150, confidence=0.68)
    at = FIX + timedelta(hours=6)
    base = get_model(model)(incident.at(at), terrain)
    now = report_map(rep, incident, terrain, at=at, model=model)
    assert now.meta["report"]["accuracy_m"] == 150 and now.meta["hours_since_fix"] == pytest.approx(6.0)
    # moved: the map's centre of mass is near the fix, not near the IPP
    assert _centroid_m(now, terrain, rep.lon, rep.lat) < 0.5 * _centroid_m(now, terrain, *IPP)
    assert _centroid_m(base, terrain, *IPP) < _centroid_m(base, terrain, rep.lon, rep.lat)
    # widened from the fix's spread: at the fix it is the 150 m disc, 6 h later kilometres wide
    at_fix = report_map(rep, incident, terrain, at=FIX, model=model)
    one_h = report_map(rep, incident, terrain, at=FIX + timedelta(hours=1), model=model)
    assert _area_km2(at_fix, 0.5) < 0.1
    assert _area_km2(at_fix, 0.5) < _area_km2(one_h, 0.5) < _area_km2(now, 0.5)
    assert _area_km2(now, 0.5) > 1.0
    # at the fix, the 150 m circle holds about the fix's 68 %
    assert at_fix.cells[_within(terrain, rep.lon, rep.lat, 150)].sum() == pytest.approx(0.68, abs=0.1)
    # the map for 6 h after the fix is narrower than the map from the IPP for 12.5 h missing
    assert _area_km2(now, 0.5) < _area_km2(base, 0.5)


def test_a_wider_fix_gives_a_wider_map(terrain, incident):
    at = FIX + timedelta(hours=1)
    tight = LocationReport(IPP[0] + 0.02, IPP[1] + 0.01, FIX, accuracy_m=20)
    loose = tight.with_(accuracy_m=1500)
    a = report_map(tight, incident, terrain, at=at, model="travel_time")
    b = report_map(loose, incident, terrain, at=at, model="travel_time")
    assert _area_km2(b, 0.5) > 1.5 * _area_km2(a, 0.5)
    assert b.meta["start_points"] > a.meta["start_points"]


def test_rings_from_a_tight_fix_equal_the_rings_model(terrain, incident):
    """The convolution with a near-point spread is the rings model run from that point."""
    r, c = terrain.shape[0] // 2 + 7, terrain.shape[1] // 2 - 5
    lon, lat = terrain.to_lonlat(r, c)  # a cell centre
    rep = LocationReport(float(lon), float(lat), FIX, accuracy_m=0.5)
    at = FIX + timedelta(hours=3)
    conv = report_map(rep, incident, terrain, at=at, model="rings")
    direct = rings(incident.model_copy(update={"ipp_lon": float(lon), "ipp_lat": float(lat)}), terrain, hours=3.0)
    assert conv.rest_of_world == pytest.approx(direct.rest_of_world, abs=2e-3)
    assert np.abs(conv.cells - direct.cells).sum() < 0.01


def test_a_cell_sector_puts_95_percent_inside_its_geodesic_wedge(terrain):
    from shapely import contains_xy
    from shapely.geometry import shape

    from carpathia.location import report_area

    s = CellSector(IPP[0] - 0.01, IPP[1] - 0.005, 60, 120, 3000)
    rep = LocationReport(s.site_lon, s.site_lat, FIX, source="cell-sector", sector=s)
    cells, off = report_likelihood(rep, terrain)
    assert off < 0.01
    wedge = shape(report_area(rep, n=720))  # the geodesic polygon, an independent geometry
    h, w = terrain.shape
    rr, cc = np.mgrid[0:h, 0:w]
    lon, lat = terrain.to_lonlat(rr.ravel(), cc.ravel())
    inside = contains_xy(wedge, np.asarray(lon), np.asarray(lat)).reshape(h, w)
    share = cells[inside].sum() / cells.sum()
    assert share >= 0.95  # cells whose centre lies in the wedge (the edge cells half out count as out)
    # with each cell weighted by the share of its square the wedge covers (shapely, in the grid's
    # metres), the inside share is what the model builds: 95 % plus the wedge's part of the spill
    import shapely
    from shapely.geometry import Polygon

    xy = np.array([terrain.to_xy(x, y) for x, y in wedge.exterior.coords])
    wedge_xy = Polygon(xy)
    left, _, _, top = terrain.bounds
    res = terrain.resolution
    x0 = left + cc.ravel() * res
    y1 = top - rr.ravel() * res
    boxes = shapely.box(x0, y1 - res, x0 + res, y1)
    frac = (shapely.area(shapely.intersection(boxes, wedge_xy)) / res**2).reshape(h, w)
    spill = (1 - SECTOR_INSIDE) / (math.pi * 3000**2) * res**2
    in_mass = np.clip(cells - spill * (1 - frac), 0, None) * (frac > 0)
    assert in_mass.sum() / cells.sum() == pytest.approx(SECTOR_INSIDE + (1 - SECTOR_INSIDE) * 120 / 360, abs=0.005)
    # cells the wedge does not touch get only the spill: far less than the front
    back = cells[frac == 0].max()
    assert back == pytest.approx(spill, rel=0.05) and back < 0.05 * cells[inside].max()


def test_a_fix_after_the_planning_time_or_off_the_grid_is_refused(terrain, incident):
    from carpathia.errors import InputError

    rep = LocationReport(IPP[0], IPP[1], FIX, accuracy_m=100)
    with pytest.raises(InputError, match="after the planning time"):
        report_map(rep, incident, terrain, at=FIX - timedelta(hours=1))
    with pytest.raises(InputError, match="outside the terrain"):
        report_likelihood(rep.with_(lon=-70.0), terrain)
    with pytest.raises(InputError, match="accuracy"):
        report_likelihood(rep.with_(accuracy_m=None), terrain)


def test_an_unverified_report_is_a_weighted_scenario(terrain, incident):
    """Mattson-style: w x (map from the report) + (1 - w) x (map from the IPP); w from the status."""
    from carpathia.errors import InputError
    from carpathia.probability.reports import VERIFICATION_WEIGHT, report_model

    at = FIX + timedelta(hours=2)
    inc = incident.at(at)
    rep = LocationReport(IPP[0] + 0.02, IPP[1] + 0.01, FIX, source="relative", accuracy_m=300)
    from_report = report_map(rep, incident, terrain, at=at)
    from_ipp = get_model("travel_time")(inc, terrain)
    blended = report_model(inc, terrain, report=rep.to_dict())  # unverified: 0.5
    assert blended.meta["weight"] == VERIFICATION_WEIGHT["unverified"] == 0.5
    expected = 0.5 * from_report.cells + 0.5 * from_ipp.cells
    assert np.abs(blended.cells - expected).max() < 1e-12
    confirmed = report_model(inc, terrain, report=rep.with_(verification="confirmed").to_dict())
    assert np.abs(confirmed.cells - from_report.cells).max() < 1e-12
    light = report_model(inc, terrain, report=rep.to_dict(), weight=0.2)
    near_fix = _within(terrain, rep.lon, rep.lat, 1000)
    assert light.cells[near_fix].sum() < blended.cells[near_fix].sum() < confirmed.cells[near_fix].sum()
    with pytest.raises(InputError, match="refuted"):
        report_model(inc, terrain, report=rep.with_(verification="refuted").to_dict())


def test_fixes_of_a_moving_phone_give_a_direction_that_tilts_the_map(terrain, incident):
    from pyproj import Geod

    from carpathia.location import direction_of_travel
    from carpathia.probability.reports import DIRECTION_SHARE, report_model

    geod = Geod(ellps="WGS84")
    a = LocationReport(IPP[0], IPP[1], FIX, source="aml", accuracy_m=50, verification="confirmed")
    lon_b, lat_b, _ = geod.fwd(IPP[0], IPP[1], 90.0, 1200.0)  # 1.2 km due east in an hour
    b = a.with_(lon=float(lon_b), lat=float(lat_b), time=FIX + timedelta(hours=1))
    bearing, speed = direction_of_travel([b, a])
    assert bearing == pytest.approx(90.0, abs=0.01) and speed == pytest.approx(1200 / 3600, rel=1e-6)
    # two fixes of a phone lying still differ by their noise only: no direction
    lon_c, lat_c, _ = geod.fwd(IPP[0], IPP[1], 90.0, 100.0)
    assert direction_of_travel([a, a.with_(lon=float(lon_c), lat=float(lat_c), time=FIX + timedelta(hours=1),
                                           accuracy_m=150)]) is None
    assert direction_of_travel([a]) is None
    at = b.time + timedelta(hours=2)
    inc = incident.at(at)
    plain = report_model(inc, terrain, report=b.to_dict())
    tilted = report_model(inc, terrain, report=b.to_dict(), heading_deg=bearing)
    assert tilted.meta["heading_deg"] == bearing
    assert tilted.cells.sum() + tilted.rest_of_world == pytest.approx(1.0)
    h, w = terrain.shape
    rr, cc = np.mgrid[0:h, 0:w]
    clon, _ = terrain.to_lonlat(rr.ravel(), cc.ravel())
    east = (np.asarray(clon).reshape(h, w) > b.lon)
    assert tilted.cells[east].sum() > plain.cells[east].sum() + 0.1
    # straight ahead against straight behind: the von Mises factors' ratio, whatever the normalisation
    from scipy.special import i0

    ok = plain.cells > 1e-12
    ratio = tilted.cells[ok] / plain.cells[ok]
    s_, k = DIRECTION_SHARE, 2.0
    expected = ((1 - s_) + s_ * np.exp(k) / i0(k)) / ((1 - s_) + s_ * np.exp(-k) / i0(k))
    assert ratio.max() / ratio.min() == pytest.approx(expected, rel=0.02)
