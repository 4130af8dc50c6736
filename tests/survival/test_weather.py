"""Weather input: files, constants, presets, range checks, lapse rate."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from carpathia.errors import DataFileError, FileNotFound, InputError, UnknownNameError
from carpathia.survival import (
    FIELDS,
    PRESETS,
    WeatherSeries,
    constant_weather,
    lapse_rate_correct,
    read_weather,
    weather_preset,
)


def test_lapse_rate_icao():
    assert lapse_rate_correct(-15.0, 2000, 1500) == pytest.approx(-11.75)
    assert lapse_rate_correct(10.0, 0, 1000) == pytest.approx(3.5)
    assert np.allclose(lapse_rate_correct(np.array([0.0, 5.0]), 500, 1500), [-6.5, -1.5])
    with pytest.raises(InputError, match="elevation"):
        lapse_rate_correct(0.0, 0, 20000)


def test_presets_are_documented_and_in_range():
    assert {"carpathian-blizzard", "summer-night"} <= set(PRESETS)
    for name, p in PRESETS.items():
        assert "llustrative" in p.description and p.station_elevation_m > 0
        w = weather_preset(name)
        assert len(w) == 1 and w.source == f"preset {name}"
        for field, (lo, hi, _, _) in FIELDS.items():
            assert lo <= p.values[field] <= hi
    blizzard = weather_preset("Carpathian Blizzard").at(0)
    assert blizzard["air_temp_c"] < -10 and blizzard["wind_kmh"] > 50
    assert weather_preset("summer-night").at(0)["air_temp_c"] > 0
    with pytest.raises(UnknownNameError, match="carpathian-blizzard"):
        weather_preset("monsoon")


def test_preset_at_elevation():
    w = weather_preset("carpathian-blizzard").at_elevation(1500)
    assert w.at(0)["air_temp_c"] == pytest.approx(-11.75)
    assert w.at(0)["wind_kmh"] == 70.0 and w.station_elevation_m == 1500
    assert weather_preset("carpathian-blizzard").at(0)["air_temp_c"] == -15.0  # original untouched
    with pytest.raises(InputError, match="station-elevation"):
        constant_weather(-5, 10).at_elevation(1000)


@pytest.mark.parametrize(
    ("kwargs", "field", "range_text"),
    [
        ({"wind_kmh": -5}, "wind", "0 to 410"),
        ({"air_temp_c": 90}, "air temperature", "-90 to 60"),
        ({"precip_mm_h": -1}, "precipitation", "0 to 500"),
        ({"snow_depth_m": 40}, "snow depth", "0 to 15"),
        ({"cloud_fraction": 1.5}, "cloud fraction", "0 to 1"),
        ({"water_temp_c": -5}, "water temperature", "-2 to 40"),
        ({"air_temp_c": math.inf}, "air temperature", "-90 to 60"),
    ],
)
def test_values_outside_physical_ranges_are_refused(kwargs, field, range_text):
    base = {"air_temp_c": -5.0, "wind_kmh": 10.0}
    base.update(kwargs)
    with pytest.raises(InputError, match=field) as exc:
        constant_weather(**base)
    assert range_text in str(exc.value)


def test_csv_with_hours(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text(
        "# station at 1800 m\nhour,air_temp_c,wind_kmh,precip_mm_h,water_temp_c\n0,-5,20,0,4\n2,-9,40,1.5,\n",
        encoding="utf-8",
    )
    w = read_weather(p, station_elevation_m=1800)
    assert len(w) == 2 and list(w.hours) == [0.0, 2.0]
    assert w.at(1.0)["air_temp_c"] == pytest.approx(-7.0)  # linear between records
    assert w.at(10.0)["wind_kmh"] == 40.0  # held after the end
    assert w.at(0)["snow_depth_m"] == 0.0 and math.isnan(w.at(0)["cloud_fraction"])
    assert math.isnan(w.values["water_temp_c"][1])
    with pytest.raises(ValueError):
        w.hours[0] = 5.0  # read-only
    assert w.records()[1]["water_temp_c"] is None


def test_csv_with_iso_times_and_without_times(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("time,air_temp_c,wind_kmh\n2024-01-15T06:00,-3,10\n2024-01-15T09:30,-6,30\n", encoding="utf-8")
    assert list(read_weather(p).hours) == [0.0, 3.5]
    q = tmp_path / "h.csv"
    q.write_text("air_temp_c,wind_kmh\n-3,10\n-4,12\n-5,14\n", encoding="utf-8")
    assert list(read_weather(q).hours) == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("air_temp_c,wind_kmh\n-3,-5\n", InputError, "0 to 410"),
        ("air_temp_c,wind_kmh\n90,5\n", InputError, "-90 to 60"),
        ("air_temp_c,wind_kmh\ncold,5\n", InputError, "must be a number"),
        ("air_temp_c,wind_kmh,gust\n-3,5,9\n", InputError, "unknown field 'gust'"),
        ("air_temp_c\n-3\n", InputError, "wind at 10 m .* is missing"),
        ("hour,air_temp_c,wind_kmh\n2,-3,5\n1,-3,5\n", InputError, "increase"),
        ("hour,air_temp_c,wind_kmh\n0,-3,5,7\n", DataFileError, "more cells"),
        ("# nothing\n", DataFileError, "empty"),
        ("time,air_temp_c,wind_kmh\nyesterday,-3,5\n", InputError, "ISO 8601"),
    ],
)
def test_bad_csv(tmp_path, text, error, match):
    p = tmp_path / "bad.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=match):
        read_weather(p)


def test_json_forms(tmp_path):
    recs = [{"hour": 0, "air_temp_c": -2, "wind_kmh": 15}, {"hour": 1, "air_temp_c": -4, "wind_kmh": 25}]
    a = tmp_path / "a.json"
    a.write_text(json.dumps(recs), encoding="utf-8")
    assert read_weather(a).at(0.5)["air_temp_c"] == pytest.approx(-3.0)
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"station_elevation_m": 1200, "records": recs}), encoding="utf-8")
    w = read_weather(b)
    assert w.station_elevation_m == 1200
    assert w.at_elevation(1700).at(0)["air_temp_c"] == pytest.approx(-5.25)
    c = tmp_path / "c.json"
    c.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match="JSON"):
        read_weather(c)
    d = tmp_path / "d.json"
    d.write_text(json.dumps({"rows": recs}), encoding="utf-8")
    with pytest.raises(DataFileError, match="records"):
        read_weather(d)


def test_files_that_are_not_weather(tmp_path):
    with pytest.raises(FileNotFound):
        read_weather(tmp_path / "missing.csv")
    p = tmp_path / "w.txt"
    p.write_text("x", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"\.csv or \.json"):
        read_weather(p)
    with pytest.raises(InputError, match="no weather records"):
        WeatherSeries.from_records([])
