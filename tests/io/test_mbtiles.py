"""Offline tiles (issue 17 item 3): MBTiles 1.3 read back by SQLite, PIL and GDAL.

Tile numbers are checked against the Web Mercator tiling arithmetic (OSM's slippy-map formula,
x = (lon + 180) / 360 · 2^z, y from the Mercator latitude), computed here independently.
"""

from __future__ import annotations

import io
import math
import re
import sqlite3
import subprocess

import numpy as np
import pytest
from PIL import Image

from carpathia.errors import InputError
from carpathia.io.mbtiles import parse_zoom, write_mbtiles

from ..conftest import tool

LON, LAT = -71.3033, 44.2706


def _slippy(lon, lat, z, *, frac=False):
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return (x, y) if frac else (int(x), int(y))


def test_parse_zoom():
    assert parse_zoom("10-15") == (10, 15) and parse_zoom(14) == (14, 14) and parse_zoom((9, 12)) == (9, 12)
    for bad in ("15-10", "10-25", "a-b", "1-2-3"):
        with pytest.raises(InputError, match="zoom"):
            parse_zoom(bad)


@pytest.fixture(scope="module")
def tiles(tmp_path_factory, white_mountains):
    terrain = white_mountains.crop((LON, LAT), 5000)
    layers = {
        "ipp": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [LON, LAT]}}
            ],
        },
        "segments": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "A1", "poa": 0.4},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [[LON - 0.01, LAT - 0.01], [LON, LAT - 0.01], [LON, LAT], [LON - 0.01, LAT - 0.01]]
                        ],
                    },
                }
            ],
        },
    }
    x, y = terrain.to_xy(LON, LAT)
    out = tmp_path_factory.mktemp("tiles") / "i.mbtiles"
    write_mbtiles(out, terrain=terrain, layers=layers, zoom="11-14", extent=(x - 2500, y - 2000, x + 2500, y + 2000))
    return out


def test_every_zoom_of_the_range_has_the_tile_under_the_ipp(tiles):
    con = sqlite3.connect(tiles)
    meta = dict(con.execute("SELECT name, value FROM metadata"))
    assert meta["format"] == "png" and meta["minzoom"] == "11" and meta["maxzoom"] == "14"
    w, s, e, n = (float(v) for v in meta["bounds"].split(","))
    assert w < LON < e and s < LAT < n
    assert [r[0] for r in con.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY 1")] == [11, 12, 13, 14]
    for z in range(11, 15):
        x, y = _slippy(LON, LAT, z)
        row = con.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, 2**z - 1 - y),  # MBTiles rows count from the south
        ).fetchone()
        assert row is not None, z
        img = np.asarray(Image.open(io.BytesIO(row[0])).convert("RGBA"))
        fx, fy = _slippy(LON, LAT, z, frac=True)
        px, py = int((fx - x) * 256), int((fy - y) * 256)
        assert img.shape == (256, 256, 4) and img[py, px, 3] == 255  # the map is drawn under the IPP
    # no tile far outside the area
    far_x, _ = _slippy(LON + 1.0, LAT, 14)
    assert (
        con.execute("SELECT count(*) FROM tiles WHERE zoom_level = 14 AND tile_column = ?", (far_x,)).fetchone()[0] == 0
    )
    con.close()


def test_gdal_reads_crs_and_geotransform(tiles):
    info = subprocess.run([tool("gdalinfo"), str(tiles)], capture_output=True, text=True, check=True).stdout
    assert "Pseudo-Mercator" in info and "Origin =" in info
    px = float(re.search(r"Pixel Size = \(([\d.]+),", info).group(1))
    assert px == pytest.approx(2 * math.pi * 6378137 / 256 / 2**14, rel=1e-6)  # zoom 14


def test_too_large_an_area_for_the_zoom_is_refused(tmp_path, white_mountains):
    with pytest.raises(InputError, match="million pixels"):
        write_mbtiles(tmp_path / "x.mbtiles", terrain=white_mountains, zoom="10-18")
    assert not (tmp_path / "x.mbtiles").exists()


def test_drawing_in_bands_matches_drawing_at_once(tmp_path, white_mountains, monkeypatch):
    """Labels and markers that straddle a band's edge are drawn whole (the tiles match those of
    a single drawing but for antialiasing)."""
    from carpathia.io import mbtiles

    terrain = white_mountains.crop((LON, LAT), 3000)
    pts = [(LON + dx, LAT + dy) for dx in (-0.006, 0.0, 0.006) for dy in np.arange(-0.004, 0.004, 0.00037)]
    layers = {
        "clues": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": f"Clue {k}"},
                    "geometry": {"type": "Point", "coordinates": list(p)},
                }
                for k, p in enumerate(pts)
            ],
        }
    }
    x, y = terrain.to_xy(LON, LAT)
    ext = (x - 800, y - 600, x + 800, y + 600)

    def tiles(name):
        out = write_mbtiles(tmp_path / name, terrain=terrain, layers=layers, zoom=15, extent=ext)
        con = sqlite3.connect(out)
        got = {
            r[:3]: np.asarray(Image.open(io.BytesIO(r[3])).convert("RGBA")).astype(int)
            for r in con.execute("SELECT * FROM tiles")
        }
        con.close()
        return got

    once = tiles("once.mbtiles")
    monkeypatch.setattr(mbtiles, "_BAND_PIXELS", 20_000)  # bands of a few dozen rows
    banded = tiles("banded.mbtiles")
    assert once.keys() == banded.keys()
    assert max(int(np.abs(once[k] - banded[k]).max()) for k in once) <= 24
