"""The survival clock and the ``survival`` command, in process (a local typer app and main())."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from carpathia.cli.survival import survival_cmd
from carpathia.errors import InputError, UnknownNameError
from carpathia.survival import survival_clock

JSON_KEYS = {"wind_chill_c", "frostbite_minutes", "hours_to_core_30c", "band_h", "beyond_horizon", "hints"}


def test_clock_for_the_issue_example():
    c = survival_clock(air_temp_c=-12, wind_kmh=40, clothing="winter", activity="resting")
    d = c.to_dict()
    assert set(d) >= JSON_KEYS
    assert d["wind_chill_c"] == round(c.wind_chill.value_c, 1) and d["frostbite_minutes"] is None
    assert d["hours_to_core_30c"] == round(c.cold.hours_to_core_30c, 1) > 1
    assert d["urgency_weather_factor"] == "hazardous-now"


def test_clock_with_preset_elevation_and_hours():
    c = survival_clock(preset="carpathian-blizzard", elevation_m=1500, hours_missing=4, water_temp_c=3)
    assert c.now["air_temp_c"] == pytest.approx(-11.75) and c.elevation_m == 1500
    assert c.time_left is not None and c.immersion is not None and c.immersion.movement_min == 10
    over = survival_clock(preset="summer-night", air_temp_c=-2.0)  # a value overrides the preset's
    assert over.now["air_temp_c"] == -2.0 and over.now["wind_kmh"] == 15.0
    with pytest.raises(InputError, match="station-elevation"):
        survival_clock(air_temp_c=-5, wind_kmh=10, elevation_m=1500)
    with pytest.raises(InputError, match="--temp and --wind"):
        survival_clock(air_temp_c=-5)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("survival")(survival_cmd)

    @app.callback()
    def _root() -> None:
        """Local test app."""

    return app


def _invoke(*args: str):
    return CliRunner().invoke(_app(), ["survival", *args])


def test_cli_text():
    res = _invoke("--temp", "-12", "--wind", "40", "--clothing", "winter", "--activity", "resting")
    assert res.exit_code == 0, res.output
    assert "wind chill" in res.output and "core to 30 °C" in res.output and "band" in res.output


def test_cli_json_keys_and_frostbite_range():
    res = _invoke("--temp", "-30", "--wind", "30", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert set(d) >= JSON_KEYS
    assert d["frostbite_minutes"] == [5, 10] and d["wind_chill_c"] == pytest.approx(-45.6, abs=0.05)
    calm = json.loads(_invoke("--temp", "5", "--wind", "10", "--json", "--clothing", "light").output)
    assert calm["frostbite_minutes"] is None and calm["wind_chill_c"] is not None


def test_cli_options_reach_the_model(tmp_path):
    wet = json.loads(_invoke("--temp", "-5", "--wind", "20", "--wet", "--json").output)
    dry = json.loads(_invoke("--temp", "-5", "--wind", "20", "--json").output)
    assert wet["wet"] and wet["hours_to_core_30c"] < (dry["hours_to_core_30c"] or 1e9)
    sheltered = json.loads(_invoke("--temp", "-5", "--wind", "20", "--shelter", "--json").output)
    assert sheltered["shelter"] and (sheltered["hours_to_core_30c"] or 1e9) >= (dry["hours_to_core_30c"] or 1e9)
    clo = json.loads(_invoke("--temp", "-5", "--wind", "20", "--clo", "0.8", "--json").output)
    assert clo["clo"] == 0.8
    lower = json.loads(
        _invoke("--temp", "-5", "--wind", "20", "--elevation", "2500", "--station-elevation", "1500", "--json").output
    )
    assert lower["air_temp_c"] == pytest.approx(-11.5)
    p = tmp_path / "w.csv"
    p.write_text("hour,air_temp_c,wind_kmh\n0,-8,30\n6,-14,50\n", encoding="utf-8")
    series = json.loads(_invoke("--weather", str(p), "--hours-missing", "3", "--json").output)
    assert series["air_temp_c"] == -11.0 and series["time_left"]["hours_left"] is not None
    water = _invoke("--preset", "autumn-rain", "--water-temp", "6", "--lifejacket")
    assert water.exit_code == 0 and "in the water" in water.output


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("--temp", "-12", "--wind", "-5"), InputError, "wind at 10 m .* 0 to 410 km/h"),
        (("--temp", "90", "--wind", "5"), InputError, "air temperature .* -90 to 60"),
        (("--temp", "-5", "--wind", "5", "--clothing", "banana"), UnknownNameError, "choose one of nude"),
        (("--temp", "-5", "--wind", "5", "--clothing", "nude", "--clo", "1"), InputError, "not both"),
        (
            (
                "--preset",
                "monsoon",
            ),
            UnknownNameError,
            "carpathian-blizzard",
        ),
        (("--temp", "-5", "--wind", "5", "--activity", "dancing"), UnknownNameError, "resting"),
    ],
)
def test_cli_bad_input_raises_carpathia_errors(args, error, match):
    res = _invoke(*args)
    assert isinstance(res.exception, error), res.output
    assert "\n" not in str(res.exception)
    with pytest.raises(error, match=match):
        raise res.exception


@pytest.fixture
def main_with_survival():
    """The real entry point, with ``survival`` registered as the lead will register it."""
    from carpathia.cli import _main

    names = [c.name for c in _main.app.registered_commands]
    added = "survival" not in names
    if added:
        _main.app.command("survival")(survival_cmd)
    yield _main.main
    if added:
        _main.app.registered_commands.pop()


@pytest.mark.parametrize(
    "args",
    [
        ("--temp", "-12", "--wind", "-5"),
        ("--temp", "90", "--wind", "5"),
        ("--temp", "-5", "--wind", "5", "--clothing", "banana"),
    ],
)
def test_main_turns_bad_input_into_one_line_and_exit_2(main_with_survival, capsys, args):
    with pytest.raises(SystemExit) as exc:
        main_with_survival(["survival", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err


def test_main_json(main_with_survival, capsys):
    with pytest.raises(SystemExit) as exc:
        main_with_survival(["survival", "--temp", "-12", "--wind", "40", "--json"])
    assert exc.value.code == 0
    assert set(json.loads(capsys.readouterr().out)) >= JSON_KEYS
