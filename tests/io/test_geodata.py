"""read_geodata: GPX 1.0/1.1, KML/KMZ, GeoJSON imports with their times, and clean refusals."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from carpathia.errors import FileNotFound, OutsideTerrainError, VectorFileError
from carpathia.io.geodata import GeoData, read_geodata

DATA = Path(__file__).resolve().parents[1] / "data"


def test_real_gpx_10_walk_imports_with_its_times(shared):
    """The real GPX 1.0 file: 1852 timestamped points (SOURCES.md), lat 45.284–45.292, lon 13.963–13.978."""
    d = read_geodata(shared / "gpx" / "setnjica-kod-karojbe.gpx")
    assert len(d.tracks) == 1 and not d.routes and not d.waypoints
    t = d.tracks[0]
    assert len(t.lon) == 1852
    assert t.times[0] == "2013-06-30T15:42:58Z"  # first trkpt, as written
    assert all(x is not None for x in t.times)
    w, s, e, n = d.bounds
    assert 45.284 <= s < n <= 45.292 and 13.962 <= w < e <= 13.978
    utc = t.utc()
    assert utc[0] == np.datetime64("2013-06-30T15:42:58") and (np.diff(utc) >= np.timedelta64(0, "s")).all()
    text = (shared / "gpx" / "setnjica-kod-karojbe.gpx").read_text()  # an independent reading: regexes
    eles = [float(v) for v in re.findall(r"<ele>([^<]+)</ele>", text)]
    assert t.ele.tolist() == eles and re.findall(r"<time>([^<]+)</time>", text) == list(t.times)


def test_gpx_11_waypoints_routes_track_segments_and_zones():
    d = read_geodata(DATA / "field-1_1.gpx")
    assert [w.name for w in d.waypoints] == ["Glove", "LZ 1"]
    glove = d.waypoints[0]
    assert (glove.lon, glove.lat, glove.ele) == (-71.3033, 44.2706, 1905.0)
    assert glove.time == "2024-01-05T11:20:00+02:00" and glove.properties["sym"] == "Flag, Blue"
    assert [r.name for r in d.routes] == ["Planned 101"] and len(d.routes[0].lon) == 3
    assert [t.name for t in d.tracks] == ["Team 3 (segment 1)", "Team 3 (segment 2)"]
    first = d.tracks[0]
    assert first.times[0] == "2024-01-05T10:00:00+02:00"  # the zone is kept as given
    dt = first.datetimes()[0]
    assert dt.utcoffset() == timedelta(hours=2)
    assert first.utc()[0] == np.datetime64("2024-01-05T08:00:00")  # 10:00 at +02:00 is 08:00 UTC
    assert d.tracks[1].ele is None and first.ele.tolist() == [1500, 1520, 1544]


def test_gpx_10_has_the_same_content_as_11():
    d = read_geodata(DATA / "field-1_0.gpx")
    assert len(d.waypoints) == 1 and len(d.routes) == 1 and len(d.tracks) == 1
    assert d.tracks[0].times[-1] == "2024-01-05T08:02:00Z"


def test_kml_points_lines_polygons_and_gx_track():
    d = read_geodata(DATA / "field.kml")
    (poly,) = d.polygons
    assert poly.name == "A1" and poly.properties == {"poa": "0.3"}
    assert len(poly.geometry.interiors) == 1 and poly.geometry.area == pytest.approx(1e-4 - 2e-6, rel=1e-9)
    assert [w.name for w in d.waypoints] == ["Clue: jacket", "Trail"]
    assert d.waypoints[0].time == "2024-01-05T12:00:00-05:00" and d.waypoints[0].ele == 1905.0
    trail, log = d.tracks
    assert trail.name == "Trail" and trail.times is None
    assert log.name == "Team 2 log" and log.times[2] == "2024-01-05T10:02:00+01:00"
    assert log.ele.tolist() == [1500, 1505, 1510]


def test_kmz_reads_like_its_kml(tmp_path):
    kmz = tmp_path / "field.kmz"
    with zipfile.ZipFile(kmz, "w") as z:
        z.writestr("files/readme.txt", "not the document")
        z.writestr("doc.kml", (DATA / "field.kml").read_bytes())
    a, b = read_geodata(kmz), read_geodata(DATA / "field.kml")
    assert len(a) == len(b) == 5
    assert a.to_geojson()["features"] == b.to_geojson()["features"]


def test_geojson_polygons_lines_points_and_coord_times():
    d = read_geodata(DATA / "segments.geojson")
    assert [p.name for p in d.polygons] == ["A1", "A2"] and d.polygons[0].properties["poa"] == 0.3
    assert d.tracks[0].times == ("2024-01-05T10:00:00Z", "2024-01-05T10:10:00Z")
    assert d.waypoints[0].name == "IPP"


def test_to_geojson_round_trip(tmp_path):
    d = read_geodata(DATA / "field-1_1.gpx")
    out = tmp_path / "back.geojson"
    import json

    out.write_text(json.dumps(d.to_geojson()))
    back = read_geodata(out)
    assert len(back.waypoints) == 2 and len(back.tracks) == 3  # the route comes back as a line
    assert back.tracks[1].times == d.tracks[0].times


def test_suffix_free_files_are_sniffed(tmp_path):
    p = tmp_path / "download"
    p.write_bytes((DATA / "field-1_0.gpx").read_bytes())
    assert isinstance(read_geodata(p), GeoData)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.gpx", b"", "empty"),
        ("cut.gpx", (DATA / "field-1_1.gpx").read_bytes()[:400], "not well-formed"),
        ("html.gpx", b"<html><body>404</body></html>", "neither GPX"),
        ("none.kml", b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "no waypoint"),
        ("none.gpx", b'<gpx version="1.1"><metadata/></gpx>', "no waypoint"),
        ("lat.gpx", b'<gpx><wpt lat="144.27" lon="-71.3"/></gpx>', "outside"),
        ("nan.gpx", b'<gpx><wpt lat="nan" lon="-71.3"/></gpx>', "finite"),
        ("abc.gpx", b'<gpx><wpt lat="4a" lon="-71.3"/></gpx>', "not a number"),
        ("nolat.gpx", b'<gpx><wpt lon="-71.3"/></gpx>', "not a number"),
        ("ele.gpx", b'<gpx><wpt lat="44" lon="-71.3"><ele>high</ele></wpt></gpx>', "elevation"),
        ("time.gpx", b'<gpx><wpt lat="44" lon="-71"><time>yesterday</time></wpt></gpx>', "ISO 8601"),
        ("coords.kml", b"<kml><Placemark><Point><coordinates>1;2</coordinates></Point></Placemark></kml>", "lon,lat"),
        ("bomb.gpx", b'<!DOCTYPE g [<!ENTITY a "aaaa">]><gpx>&a;</gpx>', "entities"),
        ("bad.kmz", b"PK\x03\x04 not really a zip", "KMZ"),
        ("bad.geojson", b'{"type": "FeatureCollection", "features": [', "not valid GeoJSON"),
        ("ring.geojson", b'{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}', "fewer than 3"),
        ("kind.geojson", b'{"type": "Circle", "coordinates": [0, 0]}', "not a GeoJSON geometry"),
        ("swap.geojson", b'{"type": "Point", "coordinates": [44.27, -171.3]}', "swapped"),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path, name, content, message):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(VectorFileError, match=message) as info:
        read_geodata(p)
    assert "\n" not in str(info.value) and str(p) in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFound):
        read_geodata(tmp_path / "nope.gpx")
    with pytest.raises(VectorFileError, match="folder"):
        read_geodata(tmp_path)


def test_kmz_without_a_document(tmp_path):
    kmz = tmp_path / "x.kmz"
    with zipfile.ZipFile(kmz, "w") as z:
        z.writestr("a.png", b"png")
    with pytest.raises(VectorFileError, match=r"doc\.kml"):
        read_geodata(kmz)


def test_within_refuses_a_track_500_km_away(white_mountains, shared):
    near = read_geodata(DATA / "field-1_1.gpx", within=white_mountains)  # Mt Washington: on the terrain
    assert len(near.tracks) == 2
    with pytest.raises(OutsideTerrainError, match=r"\d+ km outside the incident's terrain"):
        read_geodata(shared / "gpx" / "setnjica-kod-karojbe.gpx", within=white_mountains)  # Croatia
    box = white_mountains.lonlat_bounds
    lon = box[2] + 0.03  # ~2.4 km east of the edge: inside the 5 km tolerance, outside a 1 km one
    gpx = DATA.parent / "data" / "field-1_0.gpx"
    d = read_geodata(gpx)
    d.waypoints[0] = type(d.waypoints[0])(lon, 44.5)
    d.check_within(white_mountains)
    with pytest.raises(OutsideTerrainError):
        d.check_within(white_mountains, margin_m=1000)
    with pytest.raises(OutsideTerrainError, match="within="):
        d.check_within((1, 2, 0, 3))


def test_time_without_zone_stays_naive(tmp_path):
    p = tmp_path / "naive.gpx"
    p.write_text(
        '<gpx><trk><trkseg><trkpt lat="44" lon="-71"><time>2024-01-05T10:00:00</time></trkpt>'
        '<trkpt lat="44.1" lon="-71"><time>2024-01-05T10:00:30.5</time></trkpt></trkseg></trk></gpx>'
    )
    t = read_geodata(p).tracks[0]
    assert t.times == ("2024-01-05T10:00:00", "2024-01-05T10:00:30.5")
    assert t.datetimes()[0] == datetime(2024, 1, 5, 10) and t.datetimes()[0].tzinfo is None
    assert t.utc().tolist() == [datetime(2024, 1, 5, 10), datetime(2024, 1, 5, 10, 0, 30)]  # naive taken as UTC


def test_encrypted_kmz_is_refused(tmp_path):
    kmz = tmp_path / "locked.kmz"
    with zipfile.ZipFile(kmz, "w") as z:
        z.writestr("doc.kml", (DATA / "field.kml").read_bytes())
    raw = bytearray(kmz.read_bytes())
    raw[6] |= 1  # the "encrypted" flag, in the local header and the central directory
    raw[raw.find(b"PK\x01\x02") + 8] |= 1
    kmz.write_bytes(bytes(raw))
    with pytest.raises(VectorFileError, match="password"):
        read_geodata(kmz)
