"""carpathia.coords: every format against a published value or an independent tool, refusals of
ambiguous text, and round trips through the formatter."""

from __future__ import annotations

import math

import mgrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from carpathia.coords import FORMATS, AmbiguousPositionError, Position, format_position, parse_position
from carpathia.errors import InputError


def dist_m(lon1, lat1, lon2, lat2) -> float:
    """Geodesic distance on WGS 84 (pyproj), metres."""
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]


# The point of the acceptance test: 47°55'04"N 24°19'12"E, near Borșa in Maramureș.
LAT = 47 + 55 / 60 + 4 / 3600
LON = 24 + 19 / 60 + 12 / 3600


def utm35(lon, lat):
    return Transformer.from_crs("EPSG:4326", "EPSG:32635", always_xy=True).transform(lon, lat)


@pytest.mark.parametrize(
    "text",
    [
        "47°55'04\"N 24°19'12\"E",
        "47° 55′ 04″ N, 24° 19′ 12″ E",  # primes as typed on a phone
        "47°55’04”N 24°19’12”E",  # typographic quotes
        "N 47°55'04\" E 24°19'12\"",
        "47 55 04 N 24 19 12 E",
        "47 55 04, 24 19 12",
        "475504N 0241912E",  # ICAO/aviation packed DDMMSS
        "24°19'12\"E 47°55'04\"N",  # longitude first: the letters say so
        "47º55'04''N 24º19'12''E",  # ordinal º and two apostrophes
    ],
)
def test_dms_forms_read_the_same_point(text):
    p = parse_position(text)
    assert p.source_format == "dms"
    assert dist_m(p.lon, p.lat, LON, LAT) < 0.01
    assert 10 < p.uncertainty_m < 25  # one second of arc is 31 m of latitude: rounding +-0.5 s


@pytest.mark.parametrize(
    "text, lat, lon",
    [
        ("N47 55.067 E024 19.200", 47 + 55.067 / 60, 24.32),  # Garmin hddd°mm.mmm'
        ("N47°55.067' E024°19.200'", 47 + 55.067 / 60, 24.32),
        ("47°55.067'N, 24°19.2'E", 47 + 55.067 / 60, 24.32),
        ("4755N02419E", 47 + 55 / 60, 24 + 19 / 60),  # aviation DDMM
        ("S33 51.5 E151 12.5", -(33 + 51.5 / 60), 151 + 12.5 / 60),
        ("33°51.5'S 151°12.5'E", -(33 + 51.5 / 60), 151 + 12.5 / 60),
    ],
)
def test_degrees_decimal_minutes(text, lat, lon):
    p = parse_position(text)
    assert p.source_format == "ddm"
    assert p.lat == pytest.approx(lat, abs=1e-9) and p.lon == pytest.approx(lon, abs=1e-9)


@pytest.mark.parametrize(
    "text, lat, lon",
    [
        ("47.93,23.89", 47.93, 23.89),
        ("47.93, 23.89", 47.93, 23.89),
        ("47.9177N 24.32E", 47.9177, 24.32),
        ("N47.9177 E24.32", 47.9177, 24.32),
        ("24.32E 47.9177N", 47.9177, 24.32),  # longitude first, letters decide
        ("E24.32, N47.9177", 47.9177, 24.32),
        ("47.9177 N, 24.32 V", 47.9177, -24.32),  # Romanian V(est) is west
        ("-33.8688, 151.2093", -33.8688, 151.2093),
        ("47,9177; 24,32", 47.9177, 24.32),  # decimal commas, as Romanian keyboards write them
        ("47,9177 24,32", 47.9177, 24.32),
        ("47.9177 24.32", 47.9177, 24.32),
        ("47.9177° N 24.32° E", 47.9177, 24.32),
    ],
)
def test_decimal_degrees(text, lat, lon):
    p = parse_position(text)
    assert p.source_format == "decimal"
    assert (p.lat, p.lon) == pytest.approx((lat, lon), abs=1e-12)


def test_decimal_uncertainty_is_the_rounding_of_the_last_digit():
    coarse, fine = parse_position("47.9, 24.3"), parse_position("47.91778, 24.32000")
    # half of 0.1 deg in latitude and in longitude (cos 47.9), combined: ~6.7 km; 5 decimals ~0.67 m
    half = 0.05 * 6371008.8 * math.pi / 180
    assert coarse.uncertainty_m == pytest.approx(math.hypot(half, half * math.cos(math.radians(47.9))))
    assert fine.uncertainty_m == pytest.approx(coarse.uncertainty_m / 1e4, rel=1e-3)


def test_utm_published_cn_tower():
    """Wikipedia, 'Universal Transverse Mercator coordinate system': the CN Tower at
    43°38'33.24"N 79°23'13.7"W is 17T 630084 4833438."""
    a = parse_position("17T 630084 4833438")
    b = parse_position("43°38'33.24\"N 79°23'13.7\"W")
    assert a.source_format == "utm"
    assert dist_m(a.lon, a.lat, b.lon, b.lat) < 2.0  # 0.1 s of longitude is 2.2 m; 1 m rounding in UTM


@pytest.mark.parametrize(
    "text",
    ["35T 299773 5310629", "35N 299773 5310629", "35T 299773mE 5310629mN", "UTM 35T E=299773 N=5310629",
     "35T N 5310629 E 299773", "utm 35t 299773 5310629", "35T 5310629 299773"],
)
def test_utm_forms_against_pyproj(text):
    p = parse_position(text)
    lon, lat = Transformer.from_crs("EPSG:32635", "EPSG:4326", always_xy=True).transform(299773, 5310629)
    assert p.source_format == "utm"
    assert dist_m(p.lon, p.lat, lon, lat) < 1e-3
    assert p.uncertainty_m == pytest.approx(math.sqrt(0.5))


@pytest.mark.parametrize("digits", [0, 1, 2, 3, 4, 5])
def test_mgrs_precision_is_the_square_and_its_centre(digits):
    """The MGRS reference names a square of side 10^(5-k) m; the parser gives its centre, checked
    against pyproj's UTM inverse of the square's south-west corner plus half a side."""
    e, n = utm35(LON, LAT)
    side = 10.0 ** (5 - digits)
    ref = mgrs.MGRS().toMGRS(LAT, LON, MGRSPrecision=digits)
    p = parse_position(ref)
    sw_e, sw_n = math.floor(e / side) * side, math.floor(n / side) * side
    to_ll = Transformer.from_crs("EPSG:32635", "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(sw_e + side / 2, sw_n + side / 2)
    assert p.source_format == "mgrs"
    assert dist_m(p.lon, p.lat, lon, lat) < 1.0
    assert p.uncertainty_m == pytest.approx(side / math.sqrt(2))
    assert dist_m(p.lon, p.lat, LON, LAT) <= p.uncertainty_m * 1.001


@pytest.mark.parametrize(
    "text", ["35TKP9977310629", "35T KP 99773 10629", "35t kp 99773 10629", "MGRS 35TKP 99773 10629",
             "UTMREF 35T KP 99773 10629", "35TKP 9977310629"]
)
def test_mgrs_spellings(text):
    p = parse_position(text)
    lon, lat = Transformer.from_crs("EPSG:32635", "EPSG:4326", always_xy=True).transform(299773.5, 5310629.5)
    assert dist_m(p.lon, p.lat, lon, lat) < 1.0


def test_stereo70_origin_is_46n_25e_on_pulkovo_1958():
    """EPSG:3844 (Stereo 70): the natural origin 46°N 25°E of Pulkovo 1942(58) has X = Y = 500000 m
    (EPSG dataset). pyproj carries that point to WGS 84 through its own datum path."""
    p = parse_position("Stereo70 X=500000 Y=500000")
    lat, lon = Transformer.from_crs("EPSG:4179", "EPSG:4326").transform(46.0, 25.0)
    assert p.source_format == "stereo70"
    assert dist_m(p.lon, p.lat, lon, lat) < 1.0
    # the datum shift between Pulkovo 1942(58) and WGS 84 is ~100 m here: a parser that skipped it fails
    assert dist_m(p.lon, p.lat, 25.0, 46.0) > 50
    assert 3.0 <= p.uncertainty_m < 4.0  # PROJ's best offline transformation is good to 3 m


@pytest.mark.parametrize(
    "text", ["Stereo70 X=713418 Y=449294", "stereo 70 Y=449294 X=713418", "EPSG:3844 X: 713418, Y: 449294",
             "Stereo70: N=713418 E=449294", "Stereo70 713418 N 449294 E"]
)
def test_stereo70_spellings(text):
    p = parse_position(text)
    lat, lon = Transformer.from_crs("EPSG:3844", "EPSG:4326").transform(713418, 449294)
    assert dist_m(p.lon, p.lat, lon, lat) < 1e-3
    assert dist_m(p.lon, p.lat, LON, LAT) < 2.0


def test_a_user_named_epsg_code():
    # EPSG:31700 is Romania's older Stereo 1930-style Dealul Piscului 1970 / Stereo 70 predecessor's
    # successor; any projected CRS works: UTM 34N here, axes E, N
    p = parse_position("EPSG:32634 E=746000 N=5314000")
    lat, lon = Transformer.from_crs("EPSG:32634", "EPSG:4326").transform(746000, 5314000)
    assert p.source_format == "epsg:32634"
    assert dist_m(p.lon, p.lat, lon, lat) < 1e-3
    with pytest.raises(InputError, match="not a coordinate reference system"):
        parse_position("EPSG:99999 1 2")


@pytest.mark.parametrize(
    "text, lat, lon, u",
    [  # RFC 5870 section 6 examples
        ("geo:13.4125,103.8667", 13.4125, 103.8667, None),
        ("geo:48.2010,16.3695,183", 48.2010, 16.3695, None),
        ("geo:48.198634,16.371648;crs=wgs84;u=40", 48.198634, 16.371648, 40.0),
        ("GEO:48.198634,16.371648;U=40", 48.198634, 16.371648, 40.0),
        ("geo:0,0?q=47.9177,24.32(Stana)", 47.9177, 24.32, None),  # Android's intent form
    ],
)
def test_geo_uri_rfc5870(text, lat, lon, u):
    p = parse_position(text)
    assert (p.lat, p.lon, p.uncertainty_m, p.source_format) == (pytest.approx(lat), pytest.approx(lon), u, "geo")


def test_geo_uri_refusals():
    with pytest.raises(InputError, match="crs"):
        parse_position("geo:47,24;crs=nad27")
    with pytest.raises(InputError, match="u="):
        parse_position("geo:47,24;u=-3")
    with pytest.raises(InputError, match="outside the globe"):
        parse_position("geo:95,24")


@pytest.mark.parametrize(
    "text, fmt",
    [
        # Google Maps URLs documentation (developers.google.com/maps/documentation/urls)
        ("https://www.google.com/maps/search/?api=1&query=47.5951518%2C-122.3316393", "google-maps"),
        ("https://www.google.com/maps/@?api=1&map_action=map&center=47.5951518%2C-122.3316393&zoom=12", "google-maps"),
        ("https://www.google.com/maps/place/47%C2%B035'42.5%22N+122%C2%B019'53.9%22W/@47.5951,-122.33,17z/"
         "data=!3m1!4b1!4m4!3m3!8m2!3d47.5951518!4d-122.3316393", "google-maps"),
        ("https://maps.google.com/?q=47.5951518,-122.3316393", "google-maps"),
        # Apple Map Links documentation: ll is the pin
        ("http://maps.apple.com/?ll=47.5951518,-122.3316393&q=Pin", "apple-maps"),
        ("https://maps.apple.com/place?coordinate=47.5951518,-122.3316393&name=Pin", "apple-maps"),
        ("https://www.openstreetmap.org/?mlat=47.5951518&mlon=-122.3316393#map=17/47.59/-122.33", "openstreetmap"),
        ("https://www.openstreetmap.org/#map=19/47.5951518/-122.3316393", "openstreetmap"),
        # a WhatsApp location as an exported chat holds it (left-to-right mark included), a Telegram one
        ("12/05/2026, 14:32 - Ion: \u200elocation: https://maps.google.com/?q=47.5951518,-122.3316393", "google-maps"),
        ("📍 Location: https://maps.google.com/maps?q=47.5951518,-122.3316393&ll=47.5951518,-122.3316393&z=16",
         "google-maps"),
    ],
)
def test_map_links(text, fmt):
    p = parse_position(text)
    assert p.source_format == fmt
    assert (p.lat, p.lon) == pytest.approx((47.5951518, -122.3316393), abs=1e-4 if "#map=17" in text else 1e-7)


def test_links_without_coordinates_are_refused_with_what_to_do():
    with pytest.raises(InputError, match="short link"):
        parse_position("https://maps.app.goo.gl/XyZ123")
    with pytest.raises(InputError, match="no coordinates"):
        parse_position("https://www.google.com/maps/place/Pop+Ivan")


@pytest.mark.parametrize(
    "text, n",
    [
        ("47.9N 24.3O", 2),  # O: Ost (German, east) or Oeste/Ouest/Ovest (west)
        ("35S 345678 3900000", 2),  # latitude band S (32-40 N) or the southern hemisphere
        ("Stereo70 713418 449294", 2),  # both orders lie in Romania
        ("geo:47.1,24.1 or https://maps.google.com/?q=47.2,24.2", 2),  # two positions in one message
    ],
)
def test_ambiguous_text_is_refused_with_the_candidates(text, n):
    with pytest.raises(AmbiguousPositionError) as e:
        parse_position(text)
    assert len(e.value.candidates) == n
    assert "ambiguous" in str(e.value) and "\n" not in str(e.value)
    assert isinstance(e.value, InputError)


def test_unlabelled_stereo70_lists_both_readings():
    with pytest.raises(AmbiguousPositionError) as e:
        parse_position("Stereo70 713418 449294")
    near = [c for c in e.value.candidates if dist_m(c.lon, c.lat, LON, LAT) < 5]
    assert len(near) == 1  # one of the two readings is the Maramureș point


def test_35s_reads_once_when_only_one_reading_fits():
    # northing 5310629 in band S would be 48 N, outside 32-40 N: only the southern hemisphere fits
    p = parse_position("35S 299773 5310629")
    assert p.lat < 0


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "give a position"),
        ("hello", "not a position"),
        ("47.9", "two coordinates"),
        ("91.5, 181", "outside the globe"),
        ("151.2093, -33.8688", "latitude first.*33°52'07.7\"S 151°12'33.5\"E"),  # swapped: shown, not guessed
        ("47°65'N 24°19'E", "60 or more"),
        ("47.5°30'N 24°E", "only the last"),
        ("47,9177,24,32", "decimal marks and separators"),
        ("-47.9N 24.3E", "minus sign and a hemisphere"),
        ("47.9N 24.3N", "two latitudes"),
        ("35TKP99", "outside band T"),
        ("35T KP 9977 106", "same number of digits"),
        ("35TKP997", "even number of digits"),
        ("UTM 299773 5310629", "zone"),
        ("35T 99773 5310629", "outside a UTM zone"),
        ("Stereo70 X=100 Y=100", "outside the area"),
    ],
)
def test_bad_text_is_one_clear_line(text, match):
    with pytest.raises(InputError, match=match) as e:
        parse_position(text, what="--ipp")
    assert "\n" not in str(e.value)


# ---------------------------------------------------------------------------------------------
# the formatter and round trips
# ---------------------------------------------------------------------------------------------


def test_formatter_outputs():
    assert format_position(LON, LAT, "decimal") == "47.91778, 24.32000"
    assert format_position(LON, LAT, "dms") == "47°55'04.0\"N 24°19'12.0\"E"
    assert format_position(LON, LAT, "ddm") == "N47°55.067' E024°19.200'"
    e, n = utm35(LON, LAT)
    assert format_position(LON, LAT, "utm") == f"35T {e:.0f} {n:.0f}"
    ref = mgrs.MGRS().toMGRS(LAT, LON, MGRSPrecision=5)
    assert format_position(LON, LAT, "mgrs").replace(" ", "") == ref
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3844").transform(LAT, LON)
    assert format_position(LON, LAT, "stereo70") == f"Stereo70 X={x:.0f} Y={y:.0f}"
    assert format_position(-70.5, -33.25, "dms") == "33°15'00.0\"S 70°30'00.0\"W"
    assert format_position(LON, LAT, "mgrs", precision=2) == "35T KP 99 10"
    # band S (32-40 N) would also read as the southern hemisphere: the formatter writes N there
    assert format_position(3.0, 35.0, "utm").startswith("31N ")
    assert parse_position(format_position(3.0, 35.0, "utm")).lat == pytest.approx(35.0, abs=1e-5)
    with pytest.raises(InputError, match="unknown coordinate format"):
        format_position(LON, LAT, "w3w")
    with pytest.raises(InputError, match="outside Romania"):
        format_position(-71.3, 44.27, "stereo70")


def test_seconds_carry_into_minutes():
    assert format_position(0.0, 10 + 59 / 60 + 59.99 / 3600, "dms").startswith("11°00'00.0\"N")


WORLD = st.tuples(st.floats(-179.999, 179.999), st.floats(-79.9, 83.9))


@settings(max_examples=150, deadline=None)
@given(WORLD, st.sampled_from(["decimal", "dms", "ddm", "utm", "mgrs"]))
def test_round_trip_lands_within_the_stated_radius(pt, fmt):
    lon, lat = pt
    text = format_position(lon, lat, fmt)
    p = parse_position(text)
    assert dist_m(p.lon, p.lat, lon, lat) <= p.uncertainty_m + 1e-3, text
    assert p.uncertainty_m < 2.5  # 0.05 s of arc at the equator is 1.5 m per axis


@settings(max_examples=60, deadline=None)
@given(st.floats(20.5, 29.5), st.floats(43.8, 48.1))
def test_stereo70_round_trip(lon, lat):
    p = parse_position(format_position(lon, lat, "stereo70"))
    assert dist_m(p.lon, p.lat, lon, lat) <= 1.0  # 0.5 m rounding per axis; the transformation is exact both ways


@settings(max_examples=100, deadline=None)
@given(WORLD)
def test_parse_is_stable_under_reformatting(pt):
    """Parsing a formatted point and formatting it again gives the same text."""
    lon, lat = pt
    for fmt in ("decimal", "dms", "ddm"):
        text = format_position(lon, lat, fmt)
        p = parse_position(text)
        assert format_position(p.lon, p.lat, fmt) == text


def test_position_is_frozen_and_formats_itself():
    p = parse_position("35T KP 99773 10629")
    assert isinstance(p, Position)
    with pytest.raises(AttributeError):
        p.lat = 0  # type: ignore[misc]
    assert p.format("mgrs") == "35T KP 99773 10629"
    assert set(FORMATS) == {"decimal", "dms", "ddm", "utm", "mgrs", "stereo70"}
