"""Target grids, mosaics, void filling and areas of interest."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from carpathia.errors import InputError, OutsideTerrainError
from carpathia.terrain import Terrain
from carpathia.terrain._grid import fill_small_voids, utm_crs_for
from tests.conftest import write_tif


def test_utm_zone_from_centre():
    assert utm_crs_for(23.89, 47.93).to_epsg() == 32634
    assert utm_crs_for(24.1, 47.93).to_epsg() == 32635
    assert utm_crs_for(-71.3, 44.27).to_epsg() == 32619
    assert utm_crs_for(-70.0, -33.0).to_epsg() == 32719


def test_center_radius_grid_is_centred_on_the_point(hgt):
    t = Terrain.from_dem(hgt, center=(-71.3033, 44.2708), radius_m=5000, resolution=90)
    h, w = t.shape
    assert h == w and h % 2 == 1 and h == 2 * round(5000 / 90) + 1
    assert t.to_pixel(-71.3033, 44.2708) == (h // 2, w // 2)
    lon, lat = t.to_lonlat(h // 2, w // 2)
    assert lon == pytest.approx(-71.3033, abs=1e-6) and lat == pytest.approx(44.2708, abs=1e-6)
    assert t.crs.to_epsg() == 32619


def test_bbox_grid_covers_box_and_is_snapped(hgt):
    t = Terrain.from_dem(hgt, bounds=(-71.5, 44.2, -71.2, 44.4), resolution=100)
    left, _, _, top = t.bounds
    assert left % 100 == 0 and top % 100 == 0
    w, s, e, n = t.lonlat_bounds
    assert w <= -71.5 and e >= -71.2 and s <= 44.2 and n >= 44.4
    assert not np.isnan(t.elevation).any()


def test_mosaic_of_two_halves_equals_the_whole(tmp_path, hgt):
    from carpathia.terrain._io import open_dem

    z, t = open_dem(hgt).read()
    west = write_tif(tmp_path / "w.tif", z[:, :601].copy(), t, "EPSG:4326")
    east = write_tif(tmp_path / "e.tif", z[:, 600:].copy(), t @ Affine.translation(600, 0), "EPSG:4326")
    box = (-71.6, 44.3, -71.4, 44.6)  # straddles the seam at -71.5
    whole = Terrain.from_dem(hgt, bounds=box, resolution=90)
    mosaic = Terrain.from_dem([west, east], bounds=box, resolution=90)
    assert mosaic.shape == whole.shape
    np.testing.assert_allclose(mosaic.elevation, whole.elevation, atol=1e-3)  # no seam


def test_small_voids_filled_large_and_edge_voids_kept():
    z = np.tile(np.arange(50, dtype=np.float32), (50, 1))
    z[20:23, 20:23] = np.nan  # small interior hole
    z[0:5, 0:5] = np.nan  # touches the edge: outside the data
    z[30:45, 30:45] = np.nan  # 225 cells: larger than the limit below
    out, n = fill_small_voids(z, max_cells=100)
    assert n == 9
    np.testing.assert_allclose(out[20:23, 20:23], np.tile(np.arange(20, 23), (3, 1)), atol=1.0)
    assert np.isnan(out[0:5, 0:5]).all() and np.isnan(out[30:45, 30:45]).all()


def test_void_in_srtm_is_filled(tmp_path, hgt):
    raw = np.fromfile(hgt, dtype=">i2").reshape(1201, 1201).copy()
    raw[500:503, 500:504] = -32768
    p = tmp_path / "N44W072.hgt"
    raw.tofile(p)
    t = Terrain.from_dem(p, bounds=(-71.7, 44.4, -71.4, 44.7), resolution=90)
    assert t.meta["voids_filled"] > 0 and not np.isnan(t.elevation).any()


@pytest.mark.parametrize("res", [0, -5, float("nan"), float("inf")])
def test_bad_resolution(hgt, res):
    with pytest.raises(InputError, match="resolution"):
        Terrain.from_dem(hgt, resolution=res)


def test_area_outside_the_data(hgt, romania_dem):
    with pytest.raises(OutsideTerrainError, match="outside"):
        Terrain.from_dem(hgt, bounds=(23.0, 47.0, 24.0, 48.0))
    with pytest.raises(OutsideTerrainError, match="outside"):
        Terrain.from_dem(hgt, center=(10.0, 10.0), radius_m=1000)
    # inside the DEM's rectangle but all no-data (the Black Sea, south-east of Constanța)
    with pytest.raises(OutsideTerrainError, match="no elevation data"):
        Terrain.from_dem(romania_dem, crs="EPSG:3844", center=(29.9, 43.6), radius_m=5000, resolution=1000)


def test_bad_areas(hgt):
    with pytest.raises(InputError):
        Terrain.from_dem(hgt, bounds=(-71.2, 44.2, -71.5, 44.4))  # west > east
    with pytest.raises(InputError):
        Terrain.from_dem(hgt, center=(-71.3, 44.27))  # no radius
    with pytest.raises(InputError, match="cells"):
        Terrain.from_dem(hgt, center=(-71.3, 44.27), radius_m=200_000, resolution=1)
    with pytest.raises(InputError):
        Terrain.from_dem(hgt, bounds=(-71.5, 44.2, -71.2, 44.4), center=(-71.3, 44.27), radius_m=10)


def test_flat_terrain():
    t = Terrain.flat((13.97, 45.29), radius_m=1000, resolution=10)
    assert t.shape == (201, 201) and float(t.slope().max()) == 0.0
