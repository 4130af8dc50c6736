"""Coordinates at the command line: every position option reads every format, and the same point
in four formats gives the same map (issue 15, acceptance)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from carpathia.cli._main import main
from tests.conftest import run_cli

# 47°55'04"N 24°19'12"E, below Pietrosul Rodnei in the 100 m Maramureș region
DMS = "47°55'04\"N 24°19'12\"E"
DECIMAL = f"{47 + 55 / 60 + 4 / 3600:.6f},{24 + 19 / 60 + 12 / 3600:.6f}"


def _in_process(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(argv)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def _references() -> dict[str, str]:
    """The MGRS and Stereo 70 references of the point, from the mgrs library and pyproj."""
    import mgrs
    from pyproj import Transformer

    lat, lon = (float(v) for v in DECIMAL.split(","))
    ref = mgrs.MGRS().toMGRS(lat, lon, MGRSPrecision=5)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3844").transform(lat, lon)
    return {"mgrs": ref, "stereo70": f"Stereo70 X={x:.0f} Y={y:.0f}"}


def test_the_same_point_in_four_formats_gives_the_same_map(tmp_path, capsys):
    refs = _references()
    inputs = {"decimal": DECIMAL, "dms": DMS, **refs}
    maps = {}
    for name, text in inputs.items():
        out = tmp_path / name
        code, stdout, err = _in_process(
            ["map", "--region", "maramures", "--ipp", text, "--hours", "1", "--out", str(out)], capsys
        )
        assert code == 0, (name, err)
        with rasterio.open(out / "poa.tif") as src:
            maps[name] = src.read(1)
        assert "most probable cell" in stdout
    base = maps["decimal"]
    assert base.sum() > 0.5  # a real map, not an empty grid
    for name, arr in maps.items():
        np.testing.assert_array_equal(arr, base, err_msg=f"--ipp in {name} form gave another map")


def test_coords_command_converts_and_refuses(capsys):
    code, out, _ = _in_process(["coords", DMS, "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["read_as"] == "dms" and d["mgrs"].replace(" ", "")[:9] == "35TKP9977"
    assert d["stereo70"].startswith("Stereo70 X=7134")
    code, out, _ = _in_process(["coords", "35T KP 99773 10638", "--to", "dms"], capsys)
    assert code == 0 and out.strip() == "47°55'04.0\"N 24°19'12.0\"E"


def test_an_ambiguous_ipp_is_one_line_and_exit_2(tmp_path):
    proc = run_cli("map", "--region", "maramures", "--ipp", "Stereo70 713418 449294", "--out", str(tmp_path / "m"))
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "ambiguous" in lines[0]
    assert "47.91778, 24.32000" in lines[0]  # the candidates are listed
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "m").exists()  # nothing half-written


def test_every_position_option_goes_through_the_one_parser():
    """No command reads LAT,LON by itself: every position option is parsed by
    cli._common.parse_latlon (which is carpathia.coords.parse_position)."""
    from pathlib import Path

    import carpathia.cli as cli_pkg
    from carpathia.cli._common import parse_latlon

    for f in Path(cli_pkg.__file__).parent.glob("*.py"):
        text = f.read_text(encoding="utf-8")
        assert '"LAT,LON"' not in text.replace("_common.py", ""), f.name
    assert parse_latlon("35T KP 99773 10638", "--at") == pytest.approx((24.32, 47.917778), abs=2e-5)
    assert parse_latlon("47.93,23.89") == (23.89, 47.93)
    assert parse_latlon(None) is None


def test_outputs_follow_carpathia_coords(monkeypatch):
    from carpathia.cli._common import show_position
    from carpathia.errors import InputError

    lat, lon = (float(v) for v in DECIMAL.split(","))
    monkeypatch.setenv("CARPATHIA_COORDS", "mgrs")
    assert show_position(lat, lon).replace(" ", "") == _references()["mgrs"]
    monkeypatch.setenv("CARPATHIA_COORDS", "stereo70")
    assert show_position(lat, lon) == _references()["stereo70"]
    assert show_position(44.27, -71.30) == "44.27000, -71.30000"  # Stereo 70 is Romania's: degrees elsewhere
    monkeypatch.setenv("CARPATHIA_COORDS", "w3w")
    with pytest.raises(InputError, match="CARPATHIA_COORDS"):
        show_position(lat, lon)
