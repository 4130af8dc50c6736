"""Issue 13 item 8: EASA HEMS operating sites, 2D by day and 4D × 2D at night, for Romania's types."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from affine import Affine
from typer.testing import CliRunner

from carpathia.errors import UnknownNameError
from carpathia.rescue import landing_zones, lz_mask
from carpathia.rescue.landing import HELICOPTERS, get_helicopter, site_dimensions
from carpathia.terrain import Terrain

# Rotor diameters and D (largest dimension, rotors turning) from the manufacturers' data / Jane's.
PUBLISHED = {"H135": (10.2, 12.16), "H145": (11.0, 13.64), "IAR-330": (15.0, 18.15), "Mi-17": (21.29, 25.35)}


def test_presets_for_the_types_flying_rescue_in_romania():
    assert set(HELICOPTERS) == set(PUBLISHED)
    for name, (rotor, d) in PUBLISHED.items():
        h = HELICOPTERS[name]
        assert (h.rotor_diameter_m, h.d_m) == (rotor, d) and h.d_m > h.rotor_diameter_m and h.source
    assert get_helicopter("ec135").name == "H135" and get_helicopter("Puma").name == "IAR-330"
    with pytest.raises(UnknownNameError, match="helicopter"):
        get_helicopter("Chinook")


def test_easa_site_is_2d_by_day_and_4d_by_2d_at_night():
    """EASA AMC1 SPA.HEMS.125(b)(4): at least 2D by day; 4D long and 2D wide at night."""
    d = HELICOPTERS["H145"].d_m
    assert site_dimensions("H145") == pytest.approx((2 * d, 2 * d))
    assert site_dimensions("H145", night=True) == pytest.approx((4 * d, 2 * d))


RES = 10.0


def _strip(rows, cols):
    """Flat open ground with one dry clear rectangle of rows × cols cells (10 m), lake elsewhere."""
    n = 140
    z = np.full((n, n), 500.0)
    water = np.ones((n, n), np.float32)
    water[20 : 20 + rows, 20 : 20 + cols] = 0.0
    t = Terrain(z, Affine(RES, 0, 500000, 0, -RES, 5300000), "EPSG:32634")
    t.set_layer("landcover", np.ones((n, n), np.uint8))
    t.set_layer("water", water)
    return t


def test_a_day_site_for_an_h135_is_too_short_at_night():
    d = HELICOPTERS["H135"].d_m  # 12.16 m: 2D = 24.3 m (3 cells), 4D = 48.6 m (5 cells)
    t = _strip(3, 5)  # 30 × 50 m
    lon, lat = t.to_lonlat(21, 21)
    day = landing_zones(t, lon, lat, radius_m=500, treeline_m=None, helicopter="H135")
    night = landing_zones(t, lon, lat, radius_m=500, treeline_m=None, helicopter="H135", night=True)
    assert day.zones and night.zones  # 3 × 5 cells hold 24.3 × 48.6 m in the long direction
    assert night.min_length_m == pytest.approx(4 * d) and night.min_size_m == pytest.approx(2 * d)
    t2 = _strip(3, 4)  # 30 × 40 m: enough by day, too short at night
    day2 = landing_zones(t2, lon, lat, radius_m=500, treeline_m=None, helicopter="H135")
    night2 = landing_zones(t2, lon, lat, radius_m=500, treeline_m=None, helicopter="H135", night=True)
    assert day2.zones and not night2.zones and night2.hoist_required
    t3 = _strip(5, 3)  # the other orientation works too
    assert landing_zones(t3, lon, lat, radius_m=500, treeline_m=None, helicopter="H135", night=True).zones


def test_a_mi17_needs_a_bigger_site_than_an_h135():
    t = _strip(6, 6)  # 60 × 60 m: 2D of an H135 (24 m) fits, of a Mi-17 (50.7 m) fits, 4D of a Mi-17 not
    assert lz_mask(t, min_size_m=2 * HELICOPTERS["Mi-17"].d_m).sum() == 36
    assert lz_mask(t, min_size_m=2 * HELICOPTERS["Mi-17"].d_m, min_length_m=4 * HELICOPTERS["Mi-17"].d_m).sum() == 0
    assert math.ceil(4 * HELICOPTERS["Mi-17"].d_m / RES) == 11


def test_cli_night_and_helicopter():
    from carpathia.cli._main import app

    args = ["rescue", "--region", "white-mountains", "--at", "44.2708,-71.3033", "--json"]
    day = json.loads(CliRunner().invoke(app, [*args, "--helicopter", "H145"]).output)
    night = json.loads(CliRunner().invoke(app, [*args, "--helicopter", "H145", "--night"]).output)
    d = HELICOPTERS["H145"].d_m
    assert day["landing_criteria"]["min_size_m"] == pytest.approx(2 * d)
    assert night["landing_criteria"]["min_length_m"] == pytest.approx(4 * d) and night["landing_criteria"]["night"]
    assert len(night["landing_zones"]) <= len(day["landing_zones"])
    bad = CliRunner().invoke(app, [*args, "--helicopter", "Chinook"])
    assert bad.exit_code != 0
