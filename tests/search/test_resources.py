"""Resource types: documented defaults, widths by land cover and subject, user TOML overrides."""

from __future__ import annotations

import numpy as np
import pytest

from carpathia.errors import DataFileError, FileNotFound, InputError, UnknownNameError
from carpathia.search import (
    LANDCOVER_CLASSES,
    Resource,
    default_resources,
    get_resource,
    load_resources,
    sweep_width_from_range,
)
from carpathia.terrain import landcover


def test_landcover_classes_follow_the_terrain_codes():
    for code, name in landcover.CLASS_NAMES.items():
        assert LANDCOVER_CLASSES[code] == name


def test_defaults_are_the_five_types_with_sources():
    res = default_resources()
    assert set(res) == {"hasty-team", "grid-team", "dog-team", "drone-thermal", "helicopter"}
    for r in res.values():
        assert r.source
        assert len(r.unresponsive_m) == len(r.responsive_m) == 5
        assert r.speed_m_s > 0 and r.endurance_h > 0 and r.team_size >= 1
        if r.kind == "ground":
            assert r.sweep_width("unresponsive", landcover.WATER) == 0.0  # ground teams do not search water
        # unknown land cover takes the cautious forest value
        assert r.unresponsive_m[landcover.UNKNOWN] == r.unresponsive_m[landcover.FOREST]


def test_published_values_are_where_the_sources_say():
    res = default_resources()
    # 1.645 x Rd (Koester et al. 2014) with Rd = 20 m in forest, one lane for a hasty team
    assert res["hasty-team"].sweep_width("unresponsive", landcover.FOREST) == pytest.approx(
        sweep_width_from_range(20.0), abs=0.2
    )
    assert res["grid-team"].sweep_width("unresponsive", landcover.FOREST) == pytest.approx(6 * 33.0)
    assert res["dog-team"].sweep_width("unresponsive", landcover.FOREST) == 95.0  # Chiacchia et al. 2015
    assert res["hasty-team"].sweep_width("responsive", landcover.FOREST) == 330.0  # 332 m shout range, rounded


def test_widths_by_landcover_array_and_rate():
    r = get_resource("grid-team")
    lc = np.array([[0, 1], [2, 4]], np.uint8)
    w = r.sweep_width("unresponsive", lc)
    assert w.shape == (2, 2)
    assert w[0, 1] == r.unresponsive_m[1] and w[1, 1] == 0.0
    assert r.sweep_rate("responsive", 1) == pytest.approx(r.responsive_m[1] * r.speed_m_s)
    assert np.allclose(r.sweep_width("responsive"), r.responsive_m)
    with pytest.raises(InputError):
        r.sweep_width("unconscious", 1)
    with pytest.raises(InputError):
        r.sweep_width("unresponsive", 7)


def test_sweep_width_from_range():
    assert sweep_width_from_range(10.0) == pytest.approx(16.45)
    assert sweep_width_from_range(10.0, "high") == pytest.approx(18.0)
    assert sweep_width_from_range(10.0, "medium") == pytest.approx(16.0)
    assert sweep_width_from_range(10.0, "low") == pytest.approx(11.0)
    assert np.allclose(sweep_width_from_range([0.0, 20.0]), [0.0, 32.9])
    with pytest.raises(InputError):
        sweep_width_from_range(10.0, "bright")
    with pytest.raises(InputError):
        sweep_width_from_range(-1.0)


def test_resource_validates():
    good = default_resources()["hasty-team"]
    with pytest.raises(InputError, match="speed_m_s"):
        good.replace(speed_m_s=0.0)
    with pytest.raises(InputError, match="kind"):
        good.replace(kind="boat")
    with pytest.raises(InputError, match="team_size"):
        good.replace(team_size=2.5)
    with pytest.raises(InputError, match="forest"):
        good.replace(unresponsive_m=(1.0, 1.0, -1.0, 1.0, 1.0))
    with pytest.raises(InputError, match="key"):
        Resource("Grid Team", "x", "ground", 1, 1.0, 1.0, (1.0,) * 5, (1.0,) * 5)


def test_user_file_overrides_and_adds(tmp_path):
    f = tmp_path / "teams.toml"
    f.write_text(
        """
[incident]
name = "ignored: other tables may share the file"

[resources.grid-team]
speed_m_s = 0.25
sweep_width_m.unresponsive = { forest = 150 }

[resources.ski-patrol]
name = "Ski patrol"
kind = "ground"
team_size = 2
speed_m_s = 1.5
endurance_h = 8.0
sweep_width_m.unresponsive = { unknown = 40.0, open = 120.0, forest = 40.0, urban = 40.0, water = 0.0 }
sweep_width_m.responsive = { unknown = 300.0, open = 300.0, forest = 300.0, urban = 100.0, water = 0.0 }
""",
        encoding="utf-8",
    )
    res = load_resources(f)
    grid = res["grid-team"]
    base = default_resources()["grid-team"]
    assert grid.speed_m_s == 0.25
    assert grid.unresponsive_m[landcover.FOREST] == 150.0
    assert grid.unresponsive_m[landcover.OPEN] == base.unresponsive_m[landcover.OPEN]  # untouched
    assert grid.responsive_m == base.responsive_m and grid.name == base.name
    ski = get_resource("ski-patrol", res)
    assert ski.sweep_width("unresponsive", landcover.OPEN) == 120.0
    assert ski.source == ""
    assert "ski-patrol" not in default_resources()  # the defaults are not changed


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[resources.grid-team]\nspeed = 1.0\n", "unknown field"),
        ("[resources.grid-team]\nspeed_m_s = -1.0\n", "speed_m_s"),
        ("[resources.grid-team]\nkind = 'boat'\n", "kind"),
        ("[resources.grid-team]\nteam_size = 0\n", "team_size"),
        ("[resources.grid-team]\nsweep_width_m.unresponsive = { forest = -5 }\n", "forest"),
        ("[resources.grid-team]\nsweep_width_m.unresponsive = { jungle = 5 }\n", "jungle"),
        ("[resources.grid-team]\nsweep_width_m.asleep = { forest = 5 }\n", "asleep"),
        ("[resources.grid-team]\nsweep_width_m.unresponsive = { forest = 'wide' }\n", "forest"),
        ("[resources.new-team]\nname = 'New'\n", "needs"),
        (
            "[resources.Bad_Key]\nname = 'x'\nkind = 'ground'\nteam_size = 1\nspeed_m_s = 1\nendurance_h = 1\n"
            "sweep_width_m.unresponsive = { unknown = 1, open = 1, forest = 1, urban = 1, water = 0 }\n"
            "sweep_width_m.responsive = { unknown = 1, open = 1, forest = 1, urban = 1, water = 0 }\n",
            "resource key",
        ),
        ("[other]\nx = 1\n", "no \\[resources"),
        ("[resources.grid-team\nspeed_m_s = 1\n", "not valid TOML"),
    ],
)
def test_bad_user_files(tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=match) as info:
        load_resources(f)
    assert str(f) in str(info.value)


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(FileNotFound):
        load_resources(tmp_path / "nope.toml")
    with pytest.raises(UnknownNameError, match="grid-team"):
        get_resource("submarine")
