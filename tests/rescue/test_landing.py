"""Landing-zone candidates: the 7° limit, clear 30 m patches, land cover, ranking, position, hoist."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from carpathia.errors import InputError, OutsideTerrainError
from carpathia.rescue import LZ_MAX_SLOPE_DEG, landing_zones, lz_mask
from carpathia.terrain import Terrain

SUMMIT = (-71.3033, 44.2708)  # Mt Washington summit cone, lon first
RES = 10.0
T10 = Affine(RES, 0, 500000, 0, -RES, 5300000)


# ---------------------------------------------------------------------- the bundled White Mountains
@pytest.mark.parametrize("where", [SUMMIT, (-71.45, 44.15), (-71.20, 44.35)])
def test_no_candidate_on_a_cell_steeper_than_7_degrees(white_mountains, where):
    t = white_mountains
    rep = landing_zones(t, *where, radius_m=12000)
    slope = t.slope()
    for z in rep.zones:
        rr, cc = z.cells_rc[:, 0], z.cells_rc[:, 1]
        assert len(rr) == z.cells > 0
        assert np.all(slope[rr, cc] <= LZ_MAX_SLOPE_DEG), z
        assert z.max_slope_deg <= LZ_MAX_SLOPE_DEG
        # MODIS maps the whole region as forest: only the alpine zone above the treeline qualifies
        assert np.all(t.elevation[rr, cc] >= rep.treeline_m)
    # nothing is missed: every landing-zone cell of the whole grid within the radius is in a candidate
    every = lz_mask(t, treeline=rep.treeline_m)
    fx, fy = t.to_xy(*where)
    rr, cc = np.nonzero(every)
    x = t.transform.c + (cc + 0.5) * t.resolution
    y = t.transform.f - (rr + 0.5) * t.resolution
    inside = {(int(r), int(c)) for r, c, d in zip(rr, cc, np.hypot(x - fx, y - fy), strict=True) if d <= 12000}
    reported = {(int(r), int(c)) for z in rep.zones for r, c in z.cells_rc}
    assert inside and inside <= reported


def test_summit_cone_gives_a_ranked_list(white_mountains):
    rep = landing_zones(white_mountains, *SUMMIT, radius_m=2000)
    assert not rep.hoist_required and len(rep.zones) >= 3
    d = [z.distance_m for z in rep.zones]
    assert d == sorted(d) and d[-1] <= 2000
    wider = landing_zones(white_mountains, *SUMMIT, radius_m=5000)
    assert len(wider.zones) > len(rep.zones)
    assert [z.distance_m for z in wider.zones][: len(d)] == pytest.approx(d)
    first = rep.to_dict()["landing_zones"][0]
    assert {"lat", "lon", "slope_deg", "distance_m", "area_m2", "elevation_m", "approach"} <= set(first)
    assert rep.zones[0].position == "ridge"  # the summit stands 100 m above the mean within 500 m
    assert any("overstates" in n for n in rep.notes)  # 90 m cells: one cell stands for a 30 m patch


def test_forest_land_cover_without_treeline_means_hoist(white_mountains):
    rep = landing_zones(white_mountains, *SUMMIT, radius_m=2000, treeline_m=None)
    assert rep.hoist_required and rep.zones == ()
    assert rep.verdict.startswith("hoist required") and rep.to_dict()["hoist_required"] is True


# ---------------------------------------------------------------------- a synthetic grid where the answer is known
def _patch(z, lc, water, r, c, n, cover=1):
    water[r : r + n, c : c + n] = 0.0
    lc[r : r + n, c : c + n] = cover


def _synthetic():
    n = 90
    z = np.full((n, n), 500.0)
    lc = np.ones((n, n), np.uint8)
    water = np.ones((n, n), np.float32)  # everything is lake except the patches
    _patch(z, lc, water, 5, 5, 4)  # A: 40 × 40 m, flat, open -> qualifies
    _patch(z, lc, water, 5, 20, 2)  # B: 20 × 20 m -> too small
    _patch(z, lc, water, 5, 35, 4, cover=2)  # C: forest -> no
    _patch(z, lc, water, 5, 50, 3)  # E: exactly 30 × 30 m -> qualifies
    cols = np.arange(n) * RES
    z[30:60, 10:40] = 500 + math.tan(math.radians(10)) * cols[None, 10:40]  # a 10° plane
    _patch(z, lc, water, 40, 20, 4)  # D: on the 10° plane -> no
    z[30:60, 50:80] = 500 + math.tan(math.radians(6)) * cols[None, 50:80]  # a 6° plane
    _patch(z, lc, water, 40, 60, 4)  # F: on the 6° plane -> qualifies
    t = Terrain(z, T10, "EPSG:32634")
    t.set_layer("landcover", lc)
    t.set_layer("water", water)
    return t


def _block(r, c, n):
    return {(r + i, c + j) for i in range(n) for j in range(n)}


def test_synthetic_patches_qualify_exactly_as_designed():
    t = _synthetic()
    assert np.allclose(t.slope()[41:43, 21:23], 10.0, atol=1e-3)  # D's plane
    assert np.allclose(t.slope()[41:43, 61:63], 6.0, atol=1e-3)  # F's plane
    got = {tuple(rc) for rc in np.argwhere(lz_mask(t))}
    assert got == _block(5, 5, 4) | _block(5, 50, 3) | _block(40, 60, 4)
    lon, lat = t.to_lonlat(7, 7)
    rep = landing_zones(t, lon, lat, radius_m=2000, treeline_m=None)
    assert [z.cells for z in rep.zones] == [16, 9, 16]
    a = rep.zones[0]
    assert a.area_m2 == pytest.approx(1600.0) and a.slope_deg == pytest.approx(0.0, abs=1e-6)
    clon, clat = t.to_lonlat_xy(500000 + 7 * RES, 5300000 - 7 * RES)  # centre of the 4 × 4 block
    assert (a.centroid_lon, a.centroid_lat) == pytest.approx((clon, clat), abs=1e-7)
    assert a.distance_m == pytest.approx(0.0, abs=1e-6) and a.landcover == "open"
    assert rep.zones[1].distance_m == pytest.approx(43 * RES, abs=1e-6)  # E: its nearest cell is (7, 50)
    assert rep.patch_cells == 3 and not rep.hoist_advised


def test_a_larger_touchdown_point_drops_the_small_patches():
    t = _synthetic()
    assert lz_mask(t, min_size_m=40).sum() == 32  # A and F only
    assert lz_mask(t, min_size_m=41).sum() == 0
    assert lz_mask(t, max_slope_deg=12).sum() == 16 + 9 + 16 + 16  # D joins


def test_steep_ground_means_hoist_required():
    n = 60
    z = 500 + math.tan(math.radians(20)) * np.arange(n)[None, :] * RES * np.ones((n, 1))
    t = Terrain(z, T10, "EPSG:32634")
    lon, lat = t.to_lonlat(30, 30)
    rep = landing_zones(t, lon, lat, radius_m=300)
    assert rep.hoist_required and rep.hoist_advised and "hoist required" in rep.verdict
    assert any("no landing zone within 0.3 km" in n for n in rep.notes)


@pytest.mark.parametrize(("sign", "expected"), [(-1, "ridge"), (1, "valley")])
def test_topographic_position_ridge_and_valley(sign, expected):
    n = 201
    x = np.abs(np.arange(n) - n // 2) * RES
    walls = np.maximum(x - 30.0, 0.0) * 0.3  # a 60 m wide flat strip between 16.7° flanks
    z = np.tile(1000.0 + sign * walls, (n, 1))
    t = Terrain(z, T10, "EPSG:32634")
    lon, lat = t.to_lonlat(n // 2, n // 2)
    rep = landing_zones(t, lon, lat, radius_m=200)
    assert rep.zones and rep.zones[0].position == expected
    assert rep.zones[0].approach.startswith(expected)


def test_a_flat_coarse_grid_is_one_big_flat_zone_with_warnings():
    t = Terrain.flat((24.0, 47.9), 3000, 90)
    rep = landing_zones(t, 24.0, 47.9, radius_m=1000)
    assert len(rep.zones) == 1 and rep.zones[0].position == "flat" and rep.zones[0].landcover == "unknown"
    assert rep.patch_cells == 1
    assert any("no land-cover layer" in n for n in rep.notes) and any("overstates" in n for n in rep.notes)


def test_bad_input():
    t = _synthetic()
    lon, lat = t.to_lonlat(7, 7)
    with pytest.raises(OutsideTerrainError, match="outside the terrain"):
        landing_zones(t, 30.0, 10.0)
    for kw in ({"radius_m": -1}, {"radius_m": float("nan")}, {"min_size_m": 0}, {"max_slope_deg": 95}):
        with pytest.raises(InputError):
            landing_zones(t, lon, lat, **kw)
    with pytest.raises(InputError, match="treeline"):
        landing_zones(t, lon, lat, treeline_m="banana")
