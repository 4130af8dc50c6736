"""Reading DEM files: SRTM .hgt (1" and 3"), GeoTIFF with and without CRS, and bad files."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from carpathia.errors import CarpathiaError, DataFileError, FileNotFound, InputError, MissingCRSError
from carpathia.terrain import Terrain
from carpathia.terrain._io import open_dem
from tests.conftest import write_tif


def test_srtm3_tile_reads_mt_washington_exactly(hgt):
    src = open_dem(hgt)
    assert src.kind == "srtm3" and src.width == src.height == 1201
    z, t = src.read()
    # shared/data/SOURCES.md: max 1908 m at 44.2708 N, -71.3033 W; min 115 m; no voids
    assert np.nanmax(z) == 1908 and np.nanmin(z) == 115 and not np.isnan(z).any()
    r, c = np.unravel_index(np.nanargmax(z), z.shape)
    lon, lat = t @ (c + 0.5, r + 0.5)
    assert abs(lat - 44.2708) < 1 / 1200 and abs(lon + 71.3033) < 1 / 1200


def test_srtm1_tile_is_told_by_size(tmp_path):
    n = 3601
    z = (np.arange(n * n) % 3000).astype(">i2").reshape(n, n)
    z[100, 200] = -32768
    p = tmp_path / "S02E010.hgt"
    z.tofile(p)
    src = open_dem(p)
    assert src.kind == "srtm1"
    arr, t = src.read()
    assert np.isnan(arr[100, 200]) and arr[0, 1] == 1
    # first sample sits on the tile's north-west corner (10 E, 1 S)
    assert t @ (0.5, 0.5) == pytest.approx((10.0, -1.0))


def test_truncated_hgt(tmp_path, hgt):
    p = tmp_path / "N44W072.hgt"
    p.write_bytes(hgt.read_bytes()[:100_000])
    with pytest.raises(DataFileError, match="truncated"):
        open_dem(p)


def test_hgt_without_its_name(tmp_path, hgt):
    p = tmp_path / "mytile.hgt"
    p.write_bytes(hgt.read_bytes())
    with pytest.raises(DataFileError, match="keep its name"):
        open_dem(p)


def test_empty_file(tmp_path):
    p = tmp_path / "dem.tif"
    p.write_bytes(b"")
    with pytest.raises(DataFileError, match="empty"):
        open_dem(p)


def test_png_renamed_tif(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    png = tmp_path / "pic.png"
    plt.imsave(png, np.random.default_rng(0).random((20, 20)))
    p = tmp_path / "dem.tif"
    p.write_bytes(png.read_bytes())
    with pytest.raises(DataFileError, match="PNG picture"):
        open_dem(p)


def test_text_file_is_not_a_raster(tmp_path):
    p = tmp_path / "dem.tif"
    p.write_text("hello")
    with pytest.raises(DataFileError):
        open_dem(p)


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(FileNotFound):
        open_dem(tmp_path / "nope.tif")
    with pytest.raises(DataFileError, match="folder"):
        open_dem(tmp_path)


def test_geotiff_without_crs_needs_crs(romania_dem):
    with pytest.raises(MissingCRSError, match="EPSG:3844"):
        Terrain.from_dem(romania_dem)
    t = Terrain.from_dem(romania_dem, crs="EPSG:3844", center=(23.89, 47.93), radius_m=20_000, resolution=1000)
    # SOURCES.md: the Sighet cell holds 283 m (sampled in EPSG:3844); our grid resamples bilinearly
    assert abs(t.sample(23.89, 47.93) - 283) < 60


def test_crs_given_but_file_has_another(tmp_path):
    p = write_tif(
        tmp_path / "a.tif", np.ones((10, 10), np.float32), Affine(30, 0, 500000, 0, -30, 5300000), "EPSG:32634"
    )
    with pytest.raises(InputError, match="declares"):
        open_dem(p, crs="EPSG:3844")
    with pytest.raises(InputError, match="CRS"):
        open_dem(p, crs="not a crs")


def test_tif_without_georeferencing(tmp_path):
    p = write_tif(tmp_path / "a.tif", np.ones((10, 10), np.float32), Affine.identity(), None)
    with pytest.raises(DataFileError, match="georeferencing"):
        open_dem(p, crs="EPSG:4326")


def test_every_error_is_a_carpathia_error():
    for cls in (DataFileError, FileNotFound, InputError, MissingCRSError):
        assert issubclass(cls, CarpathiaError)
    assert issubclass(MissingCRSError, ValueError) and issubclass(FileNotFound, FileNotFoundError)
