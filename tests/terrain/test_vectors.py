"""Rasterising rivers, lakes, trails and land cover onto the grid."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from carpathia.errors import FileNotFound, InputError, VectorFileError
from carpathia.terrain import Feature, Terrain, read_features
from carpathia.terrain.landcover import FOREST, OPEN, UNKNOWN, URBAN, WATER, from_igbp


@pytest.fixture
def flat():
    return Terrain.flat((24.0, 47.9), radius_m=3000, resolution=50)


def _line_east(t: Terrain, length_m: float) -> Feature:
    x0, y0 = t.to_xy(24.0, 47.9)
    lon, lat = t.to_lonlat_xy(np.array([x0 - length_m / 2, x0 + length_m / 2]), np.array([y0 + 7.0, y0 + 7.0]))
    return Feature(shapely.LineString(np.column_stack([lon, lat])), {})


@pytest.mark.parametrize("width", [8.0, 25.0, 120.0])
def test_river_area_is_length_times_width(flat, width):
    n = flat.add_lines([_line_east(flat, 4000.0)], "water", width_m=width)
    assert n == 1
    area = float(flat.layer("water").sum()) * flat.resolution**2
    assert area == pytest.approx(4000.0 * width, rel=0.03)
    assert flat.layer("water").max() <= 1.0


def test_width_from_feature_property_wins(flat):
    f = _line_east(flat, 2000.0)
    f.properties["width_m"] = 40.0
    flat.add_lines([f], "water", width_m=5.0)
    assert float(flat.layer("water").sum()) * 2500 == pytest.approx(2000 * 40, rel=0.03)


def test_lake_polygon_fraction(flat):
    x0, y0 = flat.to_xy(24.0, 47.9)
    square = shapely.box(x0 - 510, y0 - 510, x0 + 510, y0 + 510)
    lon, lat = flat.to_lonlat_xy(*np.asarray(square.exterior.coords).T)
    flat.add_lines([Feature(shapely.Polygon(np.column_stack([lon, lat])), {})], "water")
    assert float(flat.layer("water").sum()) * 2500 == pytest.approx(1020 * 1020, rel=0.02)


def test_water_lines_need_a_width(flat):
    with pytest.raises(InputError, match="width"):
        flat.add_lines([_line_east(flat, 100.0)], "water")
    with pytest.raises(InputError, match="width"):
        flat.add_lines([_line_east(flat, 100.0)], "water", width_m=-3)
    with pytest.raises(InputError, match="layer"):
        flat.add_lines([_line_east(flat, 100.0)], "rivers")


def test_real_gpx_10_track_as_trail(shared):
    gpx = shared / "gpx" / "setnjica-kod-karojbe.gpx"
    feats = read_features(gpx, geometry_types=("LineString",))
    assert len(feats) >= 1
    t = Terrain.flat((13.9705, 45.288), radius_m=1500, resolution=10)
    t.add_lines(gpx, "trails")
    cells = int(t.layer("trails").sum())
    from carpathia.terrain.vectors import to_crs

    length = sum(to_crs(f.geometry, "EPSG:4326", t.crs).length for f in feats)
    # a line touches between length/res and about 2·length/res cells
    assert length / 10 * 0.8 < cells < 2.5 * length / 10
    assert "trails" in t.features


def test_kml_and_geojson_lines(tmp_path, flat):
    kml = tmp_path / "trail.kml"
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<Placemark><name>path</name><LineString><coordinates>23.99,47.9 24.01,47.9</coordinates></LineString>"
        "</Placemark></Document></kml>"
    )
    assert flat.add_lines(kml, "roads") == 1 and flat.layer("roads").sum() > 20
    gj = tmp_path / "t.geojson"
    gj.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "LineString", "coordinates": [[24, 47.89], [24, 47.91]]},
                    }
                ],
            }
        )
    )
    assert flat.add_lines(gj, "trails") == 1


def test_bad_vector_files(tmp_path, flat):
    pts = tmp_path / "points.geojson"
    pts.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [24, 47.9]}}
                ],
            }
        )
    )
    with pytest.raises(VectorFileError, match="LineString"):
        flat.add_lines(pts, "trails")
    bad = tmp_path / "bad.gpx"
    bad.write_text("<gpx><trk><trkseg><trkpt lat='1'")
    with pytest.raises(VectorFileError):
        flat.add_lines(bad, "trails")
    empty = tmp_path / "empty.kml"
    empty.write_text("")
    with pytest.raises(VectorFileError, match="empty"):
        flat.add_lines(empty, "trails")
    with pytest.raises(FileNotFound):
        flat.add_lines(tmp_path / "none.gpx", "trails")


def test_igbp_mapping():
    codes = np.array([0, 1, 4, 5, 8, 9, 10, 12, 13, 17, 255])
    assert from_igbp(codes).tolist() == [WATER, FOREST, FOREST, FOREST, FOREST, OPEN, OPEN, OPEN, URBAN, WATER, UNKNOWN]


def test_bundled_landcover_matches_sources(shared):
    """SOURCES.md: Sighet is MODIS class 13 (urban), Pop Ivan and Farcău 4 (forest)."""
    t = Terrain.from_region("maramures")
    lc = t.layer("landcover")
    assert lc[t.to_pixel(24.32, 47.92)] == FOREST
    assert set(np.unique(lc)) <= {UNKNOWN, OPEN, FOREST, URBAN, WATER}
    assert (lc == FOREST).mean() > 0.2
