"""GPX 1.1 writer: schema-valid output, Garmin-safe names, clean refusals."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from carpathia.errors import InputError, OutputExistsError
from carpathia.io.gpx import GpxLine, GpxPoint, gps_name, gpx_document, write_gpx
from carpathia.search import read_tracks

from ..conftest import need


def _sample(tmp_path):
    return write_gpx(
        tmp_path / "a.gpx",
        name="Incident Pop Ivan",
        waypoints=[GpxPoint(24.32, 47.92, "IPP Pop Ivan", desc="last seen", ele=1937.0, sym="Flag, Red")],
        routes=[GpxLine("101 Vișeu sweep", [(24.30, 47.90, 1200.0), (24.31, 47.91)])],
        tracks=[GpxLine("Grid 1", [(24.30, 47.90), (24.31, 47.91)], times=["2026-01-05T10:00:00Z"] * 2)],
    )


def test_validates_against_the_gpx_11_schema(tmp_path, shared):
    xsd = shared / "schemas" / "gpx-1.1.xsd"
    exe = shutil.which("xmllint")
    need(exe is not None and xsd.exists(), "xmllint (libxml2-utils) and the GPX 1.1 XSD are needed")
    out = _sample(tmp_path)
    r = subprocess.run([exe, "--noout", "--schema", str(xsd), str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_reads_back_as_track_and_route(tmp_path):
    tracks = read_tracks(_sample(tmp_path))
    assert len(tracks) >= 1
    assert any(t.name == "Grid 1" for t in tracks)


def test_gps_names_drop_accents_and_length():
    assert gps_name("Vișeu de Sus – Baia Borșa") == "Viseu de Sus  Baia Borsa".replace("  ", " ")
    assert len(gps_name("x" * 100)) == 30


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "at least one"),
        ({"routes": [GpxLine("r", [(24.0, 47.0)])]}, "two points"),
        ({"waypoints": [GpxPoint(240.0, 47.0)]}, "longitude"),
        ({"tracks": [GpxLine("t", [(24.0, 47.0), (24.1, 47.1)], times=["x"])]}, "times"),
    ],
)
def test_bad_content_is_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        gpx_document(**kwargs)


def test_no_overwrite_and_nothing_half_written(tmp_path):
    out = _sample(tmp_path)
    with pytest.raises(OutputExistsError):
        _sample(tmp_path)
    with pytest.raises(InputError):
        write_gpx(tmp_path / "b.gpx", routes=[GpxLine("r", [(24.0, 47.0)])])
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
