"""Basemap and probability tiles: Web Mercator geometry, resampling against the terrain, caching."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from carpathia.errors import InputError
from carpathia.web.tiles import ProbabilityTiles, TileRenderer, _grid_coords, contour_interval, tile_bounds

_MERC = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _rgba(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.fixture(scope="module")
def renderer(white_mountains):
    return TileRenderer(white_mountains)


def test_tile_bounds_match_the_xyz_scheme():
    o = 20037508.342789244
    assert tile_bounds(0, 0, 0) == pytest.approx((-o, -o, o, o))
    assert tile_bounds(1, 1, 0) == pytest.approx((0, 0, o, o))
    # the tile named by the usual lon/lat -> tile formula contains the point
    lon, lat = -71.3033, 44.2706
    x, y = _tile_of(lon, lat, 13)
    left, bottom, right, top = tile_bounds(13, x, y)
    (w, e), (s, n) = _MERC.transform([left, right], [bottom, top])
    assert w <= lon < e and s <= lat < n


def test_contour_interval_grows_with_the_ground_pixel():
    steps = [contour_interval(z, 44.3) for z in range(6, 17)]
    assert steps == sorted(steps, reverse=True)
    assert contour_interval(16, 44.3) == 10 and contour_interval(6, 44.3) == 1000


def test_pixels_land_on_the_right_terrain_cells(white_mountains):
    """Each tile pixel's centre, projected by hand, falls in the cell the resampler reads."""
    t = white_mountains
    z, (x, y) = 12, _tile_of(-71.3033, 44.2706, 12)
    left, _, right, top = tile_bounds(z, x, y)
    px = (right - left) / 256
    rows, cols = _grid_coords(Transformer.from_crs("EPSG:3857", t.crs, always_xy=True), t.transform, left, top, px)
    for i, j in [(0, 0), (17, 200), (128, 128), (255, 3), (250, 250)]:
        lon, lat = _MERC.transform(left + (j + 0.5) * px, top - (i + 0.5) * px)
        r, c = t.to_pixel(lon, lat)
        x_, y_ = t.to_xy(lon, lat)
        cf, rf = ~t.transform * (x_, y_)
        assert rows[i, j] + 0.5 == pytest.approx(rf, abs=0.02) and cols[i, j] + 0.5 == pytest.approx(cf, abs=0.02)
        assert (math.floor(rows[i, j] + 0.5), math.floor(cols[i, j] + 0.5)) == (r, c)


def test_summit_tile_is_drawn_and_brightest_on_top(renderer, white_mountains):
    z, (x, y) = 11, _tile_of(-71.3033, 44.2706, 11)
    img = _rgba(renderer.render(z, x, y))
    assert img.shape == (256, 256, 4) and (img[..., 3] == 255).all()
    assert len(np.unique(img[..., :3].reshape(-1, 3), axis=0)) > 500  # relief, not a flat fill
    # gist_earth runs to white at the top: the summit pixel is among the brightest of the tile
    left, _, right, top = tile_bounds(z, x, y)
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    mx, my = to_merc.transform(-71.3033, 44.2706)
    j, i = int((mx - left) / (right - left) * 256), int((top - my) / (right - left) * 256)
    brightness = img[..., :3].astype(int).sum(axis=2)
    assert brightness[max(i - 2, 0) : i + 3, max(j - 2, 0) : j + 3].max() >= np.percentile(brightness, 95)


def test_tiles_off_the_terrain_are_transparent_and_bad_tiles_refused(renderer):
    img = _rgba(renderer.render(10, 0, 0))
    assert (img[..., 3] == 0).all()
    for bad in [(-1, 0, 0), (19, 0, 0), (3, 8, 0), (3, 0, -1)]:
        with pytest.raises(InputError):
            renderer.tile(*bad)


def test_rivers_and_borders_are_drawn(tmp_path):
    from carpathia.terrain import Terrain

    t = Terrain.from_region("maramures")
    r = TileRenderer(t)
    img = _rgba(r.render(8, *_tile_of(23.9, 47.9, 8)))
    water = (img[..., 0] == 43) & (img[..., 1] == 123) & (img[..., 2] == 186)
    border = (img[..., 0] == 150) & (img[..., 1] == 40) & (img[..., 2] == 140)
    assert water.sum() > 100 and border.sum() > 50


def test_memory_and_disk_cache(white_mountains, tmp_path, monkeypatch):
    key = (12, *_tile_of(-71.3033, 44.2706, 12))
    first = TileRenderer(white_mountains, cache_dir=tmp_path)
    png = first.tile(*key)
    assert first.tile(*key) is png  # memory
    files = list(tmp_path.rglob("*.png"))
    assert len(files) == 1 and files[0].read_bytes() == png and not list(tmp_path.rglob(".tile.*"))
    second = TileRenderer(white_mountains, cache_dir=tmp_path)
    monkeypatch.setattr(second, "render", lambda *a: pytest.fail("rendered again despite the disk cache"))
    assert second.tile(*key) == png


def test_probability_tiles_colour_the_peak_and_hide_empty_cells(white_mountains):
    from carpathia.probability import ProbabilityMap

    t = white_mountains
    r0, c0 = t.to_pixel(-71.3033, 44.2706)
    w = np.zeros(t.shape)
    w[r0 - 5 : r0 + 6, c0 - 5 : c0 + 6] = 1e-6
    w[r0, c0] = 1.0
    tiles = ProbabilityTiles(ProbabilityMap.from_weights(w, t))
    z, (x, y) = 13, _tile_of(-71.3033, 44.2706, 13)
    img = _rgba(tiles.tile(z, x, y))
    lit = img[..., 3] > 0
    # the peak cell (90 m, about 6.5 pixels at z13) is drawn; the 1e-6 ring is below three decades: clear
    assert 20 < lit.sum() < 150
    assert tiles.tile(z, x, y) is tiles.tile(z, x, y)
