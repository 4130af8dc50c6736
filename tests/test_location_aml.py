"""AML (ETSI TS 103 625) messages read into location reports, against the published examples and
the test vectors of public AML implementations."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from carpathia.errors import DataFileError, InputError
from carpathia.location import (
    W3C_CONFIDENCE,
    CellSector,
    LocationReport,
    parse_aml,
    read_aml_file,
    sigma_from_radius,
)

# The example message of the AML specification (BT/EENA, repeated in ETSI TS 103 625 and in the
# test suites of public AML parsers): Wi-Fi fix, 50 m at 90 %, 2013-07-17 14:19:35 UTC.
SPEC_V1 = ('A"ML=1;lt=+54.76397;lg=-0.18305;rd=50;top=20130717141935;lc=90;pm=W;si=123456789012345;'
           "ei=1234567890123456;mcc=234;mnc=30;ml=128")
GNSS_V1 = ('A"ML=1;lt=+55.74297;lg=-4.26880;rd=10;top=20130717175329;lc=95;pm=G;si=234302543446355;'
           "ei=356708041746734;mcc=234;mnc=30;ml=127")
ANDROID_V1 = ('A"ML=1;lt=48.82639;lg=-2.36619;rd=52;top=20191112112928;lc=68;pm=G;si=208201771948415;'
              "ei=353472104343540;mcc=208;mnc=20;ml=126")
HTTPS_V1 = ("v=1&device_number=%2B33611223344&location_latitude=0.85732&location_longitude=-4.26325"
            "&location_time=1604912121000&location_accuracy=10.4&location_source=GPS&location_certainty=83"
            "&hmac=f64c70eb238bb2")
HTTPS_V3 = ("v=3&device_number=+66858655102&location_latitude=55.85732&location_longitude=-4.26325"
            "&location_time=1374070775000&location_accuracy=10.4&location_source=GPS&location_certainty=83"
            "&location_altitude=0.0&location_floor=5&device_model=ABC+ABC+Detente+530&device_imei=354773072099116"
            "&device_imsi=520030858655102&device_os=AOS&cell_carrier=&cell_home_mcc=234&cell_home_mnc=15"
            "&cell_network_mcc=234&cell_network_mnc=15&cell_id=0213454321")


def test_the_specification_example():
    r = parse_aml(SPEC_V1)
    assert (r.lat, r.lon) == (54.76397, -0.18305)
    assert r.accuracy_m == 50.0 and r.confidence == 0.90
    assert r.time == datetime(2013, 7, 17, 14, 19, 35, tzinfo=UTC)
    assert r.time.timestamp() == 1374070775  # the Java reference parser's expected Date
    assert r.method == "wifi" and r.source == "aml"
    assert r.extra["mcc"] == "234" and "warning" not in r.extra  # ml=128 is the message's own length
    assert r.raw == SPEC_V1


@pytest.mark.parametrize(
    "text, lat, lon, rd, lc, method",
    [(GNSS_V1, 55.74297, -4.26880, 10, 0.95, "gnss"), (ANDROID_V1, 48.82639, -2.36619, 52, 0.68, "gnss")],
)
def test_more_sms_vectors(text, lat, lon, rd, lc, method):
    r = parse_aml(text)
    assert (r.lat, r.lon, r.accuracy_m, r.confidence, r.method) == (lat, lon, rd, lc, method)
    assert "warning" not in r.extra


def test_https_form():
    r = parse_aml(HTTPS_V1)
    assert (r.lat, r.lon, r.accuracy_m, r.confidence, r.method) == (0.85732, -4.26325, 10.4, 0.83, "gnss")
    assert r.time == datetime.fromtimestamp(1604912121, tz=UTC)
    assert r.extra["device_number"] == "+33611223344"
    r3 = parse_aml(HTTPS_V3)
    assert r3.altitude_m == 0.0 and r3.extra["location_floor"] == "5" and r3.time.timestamp() == 1374070775


def test_version_2_sms():
    r = parse_aml('A"ML=2;en=112;et=1374070775;lo=47.91778,24.32,15;lt=12;lc=68;lz=1450,20;ls=G;ei=353472104343540')
    assert (r.lat, r.lon, r.accuracy_m, r.altitude_m) == (47.91778, 24.32, 15.0, 1450.0)
    assert r.time.timestamp() == 1374070775 + 12 and r.method == "gnss"


def test_header_spellings():
    """Handsets and gateways write the header A"ML, AML or (one Android implementation) A""ML."""
    for head in ('A"ML=1', "AML=1", 'A""ML=1'):
        r = parse_aml(GNSS_V1.replace('A"ML=1', head))
        assert (r.lat, r.lon) == (55.74297, -4.26880)


def test_truncated_message_is_flagged():
    cut = SPEC_V1.replace(";si=123456789012345", "")
    assert "truncated" in parse_aml(cut).extra["warning"]


@pytest.mark.parametrize(
    "text, match",
    [
        ("hello", "not an AML message"),
        ('A"ML=3;lt=1;lg=2', "version 3"),
        (SPEC_V1.replace("pm=W", "pm=N"), "no location"),
        (SPEC_V1.replace("lt=+54.76397", "lt=abc"), "not a number"),
        (SPEC_V1.replace("top=20130717141935", "top=2013"), "YYYYMMDDhhmmss"),
        (SPEC_V1.replace("lc=90", "lc=140"), "percentage"),
        (SPEC_V1.replace("pm=W", "pm=Q"), "positioning method"),
        (SPEC_V1.replace("lt=+54.76397", "lt=+94.76397"), "off the globe"),
        (SPEC_V1 + ";lt=1", "twice"),
    ],
)
def test_bad_messages_are_refused(text, match):
    with pytest.raises(InputError, match=match) as e:
        parse_aml(text)
    assert "\n" not in str(e.value)


def test_file_of_messages(tmp_path):
    p = tmp_path / "aml.txt"
    p.write_text(f"# exported from the PSAP\n{SPEC_V1}\n\n{HTTPS_V1}\n", encoding="utf-8")
    assert [r.method for r in read_aml_file(p)] == ["wifi", "gnss"]
    p.write_text(f"{SPEC_V1}\nnot aml\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=":2:"):
        read_aml_file(p)


def test_sigma_from_radius_is_the_rayleigh_quantile():
    # P(r <= R) = 1 - exp(-R^2 / 2 s^2): the 39.35 % circle has radius sigma, the 95 % one 2.448 sigma
    assert sigma_from_radius(100.0, 1 - math.exp(-0.5)) == pytest.approx(100.0)
    assert sigma_from_radius(244.77, W3C_CONFIDENCE) == pytest.approx(100.0, rel=1e-4)
    assert parse_aml(SPEC_V1).sigma_m == pytest.approx(50 / math.sqrt(-2 * math.log(0.1)))


def test_report_validation():
    t = datetime(2026, 1, 13, 15, 30, tzinfo=UTC)
    with pytest.raises(InputError, match="timezone"):
        LocationReport(24.3, 47.9, datetime(2026, 1, 13))
    with pytest.raises(InputError, match="source"):
        LocationReport(24.3, 47.9, t, source="pigeon")
    with pytest.raises(InputError, match="needs the sector"):
        LocationReport(24.3, 47.9, t, source="cell-sector")
    with pytest.raises(InputError, match="beam width"):
        CellSector(24.3, 47.9, 120, 0, 3000)
    s = CellSector(24.3, 47.9, -30, 120, 3000)
    assert s.azimuth_deg == 330
    assert LocationReport(24.3, 47.9, t, source="cell-sector", sector=s).sector.range_m == 3000
