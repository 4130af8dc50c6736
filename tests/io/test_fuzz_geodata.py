"""Fuzzing read_geodata: mutated GPX, KML, KMZ and GeoJSON give a clean CarpathiaError or a correct import.

Corpus-based: small seed files (tests/data) mutated by byte flips, truncation, deleted and
duplicated tags, bad numbers, odd encodings and zip damage, from a fixed seed. Nothing is
downloaded. A failure saves the offending file name and mutation in the assertion message.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carpathia.errors import CarpathiaError
from carpathia.io.geodata import GeoData, read_geodata

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = ("field-1_1.gpx", "field-1_0.gpx", "field.kml", "segments.geojson")
N_FILES = 1200

_TAG = re.compile(rb"<[^<>]{1,80}>")
_NUMBER = re.compile(rb"-?\d+\.\d+")
_BAD_NUMBERS = (b"nan", b"inf", b"-inf", b"1e999", b"", b"abc", b"91", b"-181", b"0x1A", b"1,5", b"--3", b"\xff")


def _kmz(kml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", kml)
    return buf.getvalue()


def _flip(data: bytes, rng) -> bytes:
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 6))):
        b[int(rng.integers(len(b)))] = int(rng.integers(256))
    return bytes(b)


def _truncate(data: bytes, rng) -> bytes:
    return data[: int(rng.integers(0, len(data)))]


def _tags(data: bytes) -> list[re.Match]:
    return list(_TAG.finditer(data))


def _delete_tag(data: bytes, rng) -> bytes:
    tags = _tags(data)
    m = tags[int(rng.integers(len(tags)))] if tags else None
    return data if m is None else data[: m.start()] + data[m.end() :]


def _duplicate_tag(data: bytes, rng) -> bytes:
    tags = _tags(data)
    m = tags[int(rng.integers(len(tags)))] if tags else None
    return data if m is None else data[: m.end()] + m.group() + data[m.end() :]


def _bad_number(data: bytes, rng) -> bytes:
    nums = list(_NUMBER.finditer(data))
    if not nums:
        return data
    m = nums[int(rng.integers(len(nums)))]
    return data[: m.start()] + _BAD_NUMBERS[int(rng.integers(len(_BAD_NUMBERS)))] + data[m.end() :]


def _swap_numbers(data: bytes, rng) -> bytes:
    """A plausible but wrong number: a big latitude, a negative elevation, many digits."""
    nums = list(_NUMBER.finditer(data))
    if not nums:
        return data
    m = nums[int(rng.integers(len(nums)))]
    new = f"{float(m.group()) * float(rng.choice([-1, 2, 10, 1e6, 1e-9])):.12g}".encode()
    return data[: m.start()] + new + data[m.end() :]


def _encoding(data: bytes, rng) -> bytes:
    text = data.decode("utf-8")
    k = int(rng.integers(6))
    if k == 0:
        return b"\xff\xfe" + text.encode("utf-16-le")  # UTF-16 with BOM, declaration still says UTF-8
    if k == 1:
        return text.replace("UTF-8", "ISO-8859-1").encode("latin-1", "replace")
    if k == 2:
        return text.replace("UTF-8", "EBCDIC-US").encode("utf-8")
    if k == 3:
        return text.replace("UTF-8", "no-such-codec").encode("utf-8")
    if k == 4:
        return text.encode("utf-16-be")  # no BOM at all
    return ("\ufeff" + text.replace("Team", "Échipa Șoim ")).encode("utf-8")


def _insert_junk(data: bytes, rng) -> bytes:
    junk = [
        b"<!DOCTYPE x>",
        b"]]>",
        b"<![CDATA[",
        b"&amp;",
        b"&bogus;",
        b"\x00",
        b"<trkpt>",
        b"<coordinates>",
        b"{",
        b"]",
        b'"',
        b"<!-- -->",
        b"<Placemark><Point><coordinates>1,2,3,4</coordinates></Point></Placemark>",
    ]
    at = int(rng.integers(len(data) + 1))
    return data[:at] + junk[int(rng.integers(len(junk)))] + data[at:]


MUTATIONS = (_flip, _truncate, _delete_tag, _duplicate_tag, _bad_number, _swap_numbers, _encoding, _insert_junk)


def _check_import(d: GeoData) -> None:
    """What an accepted file must satisfy: features, lon/lat in range, finite, parsable times."""
    assert len(d) > 0
    xy = d.coordinates()
    assert np.isfinite(xy).all()
    assert (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    for line in (*d.routes, *d.tracks):
        assert len(line.lon) >= 2 and len(line.lon) == len(line.lat)
        if line.times is not None:
            assert len(line.times) == len(line.lon)
            line.datetimes()
    for poly in d.polygons:
        assert poly.geometry.area > 0
    for w in d.waypoints:
        assert w.ele is None or math.isfinite(w.ele)


def test_thousand_mutated_files_give_clean_errors_or_correct_imports(tmp_path):
    rng = np.random.default_rng(20240105)
    seeds = [(name, (DATA / name).read_bytes()) for name in SEEDS]
    seeds.append(("field.kmz", _kmz((DATA / "field.kml").read_bytes())))
    outcomes = {"error": 0, "import": 0}
    failures = []
    for i in range(N_FILES):
        name, data = seeds[i % len(seeds)]
        mutate = MUTATIONS[int(rng.integers(len(MUTATIONS)))]
        zip_damage = mutate in (_flip, _truncate, _insert_junk) and rng.random() < 0.5
        if name.endswith(".kmz") and not zip_damage:  # damage the KML inside, or the zip itself
            kml = mutate((DATA / "field.kml").read_bytes(), rng)
            out, label = _kmz(kml), f"kmz({mutate.__name__})"
        else:
            out, label = mutate(data, rng), mutate.__name__
        p = tmp_path / f"{i:04d}{Path(name).suffix}"
        p.write_bytes(out)
        try:
            d = read_geodata(p)
        except CarpathiaError as exc:
            assert str(exc) and "\n" not in str(exc), (p, label, exc)
            outcomes["error"] += 1
            continue
        except Exception as exc:  # the point of the test: anything else is a bug
            failures.append(f"{p.name} ({name}, {label}): {type(exc).__name__}: {exc}")
            continue
        _check_import(d)
        outcomes["import"] += 1
    assert not failures, "\n".join(failures[:20])
    assert outcomes["error"] + outcomes["import"] == N_FILES
    assert outcomes["error"] > 200 and outcomes["import"] > 200, outcomes  # both paths really exercised


@settings(max_examples=150, deadline=None)
@given(lat=st.text(max_size=12), lon=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8)))
def test_any_coordinate_text_is_read_or_refused_cleanly(tmp_path_factory, lat, lon):
    attr = lambda v: str(v).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")  # noqa: E731
    gpx = f'<gpx version="1.1"><wpt lat="{attr(lat)}" lon="{attr(lon)}"/></gpx>'
    p = tmp_path_factory.mktemp("h") / "w.gpx"
    p.write_text(gpx, encoding="utf-8")
    try:
        d = read_geodata(p)
    except CarpathiaError:
        return
    _check_import(d)
    assert d.waypoints[0].lat == pytest.approx(float(lat))
