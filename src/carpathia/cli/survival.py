"""``carpathia survival``: the survival clock (wind chill, frostbite, hours to 30 °C core, urgency)."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from carpathia.errors import InputError

from ._common import console, print_json


def _hours(x: float) -> str:
    return "beyond the horizon" if math.isinf(x) else f"{x:.1f} h"


def survival_cmd(
    temp: float = typer.Option(None, "--temp", help="Air temperature, °C (overrides the preset's)."),
    wind: float = typer.Option(None, "--wind", help="Wind at 10 m, km/h (overrides the preset's)."),
    preset: str = typer.Option(None, "--preset", help="Weather preset: carpathian-blizzard, summer-night, ..."),
    weather: Path = typer.Option(None, "--weather", help="Hourly weather series, CSV or JSON."),
    clothing: str = typer.Option(
        None, "--clothing", help="nude, summer, light, winter (default), winter-wet, two-layers, arctic."
    ),
    clo: float = typer.Option(None, "--clo", help="Clothing insulation in clo (instead of --clothing)."),
    activity: str = typer.Option("resting", "--activity", help="lying, resting or walking."),
    wet: bool = typer.Option(False, "--wet", help="Clothing soaked (half its insulation)."),
    shelter: bool = typer.Option(False, "--shelter", help="Out of the wind (windbreak, snow trench, tent)."),
    elevation: float = typer.Option(None, "--elevation", help="Subject's elevation, m: moves the temperature."),
    station_elevation: float = typer.Option(None, "--station-elevation", help="Elevation of the weather, m."),
    hours_missing: float = typer.Option(None, "--hours-missing", help="Hours since the subject went missing."),
    hours_searching: float = typer.Option(
        None, "--hours-searching", help="Hours since the report (search time; default --hours-missing)."
    ),
    water_temp: float = typer.Option(None, "--water-temp", help="Water temperature, °C: adds the immersion clock."),
    lifejacket: bool = typer.Option(False, "--lifejacket", help="For --water-temp: the subject floats."),
    horizon: float = typer.Option(48.0, "--horizon", help="Hours to simulate (0.5 to 240)."),
    as_json: bool = typer.Option(False, "--json", help="Print the clock as JSON."),
) -> None:
    """The survival clock: wind chill, frostbite time, hours to 30 °C core with its band, urgency hints."""
    from carpathia.survival import read_weather, survival_clock

    if clo is not None and clothing is not None:
        raise InputError("give --clothing or --clo, not both")
    series = None if weather is None else read_weather(weather, station_elevation_m=station_elevation)
    clock = survival_clock(
        air_temp_c=temp,
        wind_kmh=wind,
        weather=series,
        preset=preset,
        clothing=clo if clo is not None else (clothing or "winter"),
        activity=activity,
        wet=wet,
        shelter=shelter,
        elevation_m=elevation,
        station_elevation_m=None if series is not None else station_elevation,
        hours_missing=hours_missing,
        hours_searching=hours_searching,
        water_temp_c=water_temp,
        lifejacket=lifejacket,
        horizon_h=horizon,
    )
    if as_json:
        print_json(clock.to_dict())
        return
    _print_clock(clock)


def _print_clock(clock) -> None:
    now, cold, wc = clock.now, clock.cold, clock.wind_chill
    where = f" at {clock.elevation_m:g} m" if clock.elevation_m is not None else ""
    inputs = cold.inputs
    wet = ", wet" if inputs["wet"] else ""
    shelter = ", sheltered" if inputs["shelter"] else ""
    console.print(
        f"[bold]survival clock[/bold]{where}: air {now['air_temp_c']:.1f} °C, wind {now['wind_kmh']:.0f} km/h at 10 m "
        f"({clock.weather.source}); {inputs['clothing']} ({inputs['clo']:g} clo{wet}), {inputs['activity']}{shelter}"
    )
    if wc.value_c is None:
        console.print(f"  wind chill       n/a: {wc.reason}")
    else:
        console.print(f"  wind chill       {wc.value_c:.1f}")
    console.print(f"  frostbite        {wc.frostbite.label if wc.frostbite else 'low risk for exposed skin'}")
    lo, hi = cold.band_h
    console.print(
        f"  core to 30 °C    {_hours(cold.hours_to_core_30c)} (band {_hours(lo)} to {_hours(hi)}; "
        f"horizon {cold.horizon_h:g} h)"
    )
    left = clock.time_left
    if left is not None:
        a, b = left.hours_left_band
        console.print(
            f"  time left        {_hours(left.hours_left)} after {left.hours_missing:g} h missing "
            f"(band {_hours(a)} to {_hours(b)}); P(alive) {left.p_alive_text}"
        )
    im = clock.immersion
    if im is not None:
        unc = "n/a above 20 °C" if im.unconscious_h is None else f"{im.unconscious_h:.1f} h"
        console.print(
            f"  in the water     {im.water_temp_c:g} °C: cold shock {im.cold_shock_min or 0:g} min, movement "
            f"{'not limited by cold' if im.movement_min is None else f'{im.movement_min:g} min'}, "
            f"unconscious {unc}"
        )
    for h in clock.hints:
        console.print(f"  - {h}")
