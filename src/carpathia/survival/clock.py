"""The survival clock of an incident: everything ``carpathia survival`` prints, as one object.

:func:`survival_clock` gathers the weather (constants, a preset or a series, corrected for the
subject's elevation), the wind chill and frostbite class, the cold model's time to 30 °C core,
the time left given the hours missing, an optional immersion timeline, and short hints for the
incident commander. The CLI, the web app and the demo display it; none of them adds logic::

    from carpathia.survival import survival_clock
    c = survival_clock(air_temp_c=-12, wind_kmh=40, clothing="winter", hours_missing=3)
    c.to_dict()["hours_to_core_30c"], c.hints
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from carpathia.errors import InputError

from .cold import ColdPrediction, get_clothing, predict_cold_survival
from .immersion import ImmersionTimeline, immersion_timeline
from .urgency import TimeLeft, time_left
from .weather import WeatherSeries, constant_weather, weather_preset
from .windchill import WindChill, wind_chill

__all__ = ["HAZARD_PRECIP_MM_H", "HAZARD_WIND_KMH", "SurvivalClock", "survival_clock", "weather_factor"]

#: Precipitation from which the weather counts as hazardous now, mm/h: the lower bound of
#: "moderate" rain (AMS Glossary of Meteorology: 2.6–7.6 mm/h), carpathia's choice of threshold.
HAZARD_PRECIP_MM_H = 2.6
#: Wind from which the weather counts as hazardous now, km/h at 10 m: Beaufort force 8, gale.
HAZARD_WIND_KMH = 62.0


def weather_factor(chill: WindChill, now: dict[str, float], cold: ColdPrediction) -> str:
    """The urgency form's weather choice from the conditions now (carpathia's reading of the form).

    ``"hazardous-now"`` when exposed skin can freeze (any frostbite class), the pessimistic time
    to 30 °C core is under 24 h, precipitation reaches :data:`HAZARD_PRECIP_MM_H` or wind
    :data:`HAZARD_WIND_KMH`; otherwise ``"none"`` (a forecast, which this does not see, may
    still make it 1 or 2).
    """
    hazardous = (
        chill.frostbite is not None
        or cold.band_h[0] < 24.0
        or now["precip_mm_h"] >= HAZARD_PRECIP_MM_H
        or now["wind_kmh"] >= HAZARD_WIND_KMH
    )
    return "hazardous-now" if hazardous else "none"


@dataclass(frozen=True)
class SurvivalClock:
    """Weather now, wind chill, cold prediction, time left, immersion and hints for one subject."""

    weather: WeatherSeries
    now: dict[str, float]
    elevation_m: float | None
    wind_chill: WindChill
    cold: ColdPrediction
    weather_factor: str
    time_left: TimeLeft | None = None
    immersion: ImmersionTimeline | None = None
    hints: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: ``wind_chill_c``, ``frostbite_minutes``, ``hours_to_core_30c`` and the rest."""
        out: dict[str, Any] = {}
        out.update(self.wind_chill.to_dict())
        out.update(self.cold.to_dict())
        out.update(
            {
                "air_temp_c": round(self.now["air_temp_c"], 2),
                "wind_kmh": round(self.now["wind_kmh"], 1),
                "elevation_m": self.elevation_m,
                "weather_source": self.weather.source,
                "urgency_weather_factor": self.weather_factor,
                "time_left": None if self.time_left is None else self.time_left.to_dict(),
                "immersion": None if self.immersion is None else self.immersion.to_dict(),
                "hints": list(self.hints),
            }
        )
        return out


def _weather(air_temp_c, wind_kmh, weather, preset, station_elevation_m) -> WeatherSeries:
    if weather is not None and preset is not None:
        raise InputError("give a weather series or a preset, not both")
    if weather is not None:
        if air_temp_c is not None or wind_kmh is not None:
            raise InputError("a weather series already gives temperature and wind; drop --temp and --wind")
        return weather
    if preset is not None:
        series = weather_preset(preset)
        if air_temp_c is None and wind_kmh is None and station_elevation_m is None:
            return series
        values = series.at(0.0)
        z = series.station_elevation_m if station_elevation_m is None else station_elevation_m
        return constant_weather(
            values["air_temp_c"] if air_temp_c is None else air_temp_c,
            values["wind_kmh"] if wind_kmh is None else wind_kmh,
            precip_mm_h=values["precip_mm_h"],
            snow_depth_m=values["snow_depth_m"],
            cloud_fraction=None if math.isnan(values["cloud_fraction"]) else values["cloud_fraction"],
            water_temp_c=None if math.isnan(values["water_temp_c"]) else values["water_temp_c"],
            station_elevation_m=z,
        )
    if air_temp_c is None or wind_kmh is None:
        raise InputError("give the air temperature and the wind (--temp and --wind), or a --preset")
    return constant_weather(air_temp_c, wind_kmh, station_elevation_m=station_elevation_m)


def survival_clock(
    *,
    air_temp_c: float | None = None,
    wind_kmh: float | None = None,
    weather: WeatherSeries | None = None,
    preset: str | None = None,
    clothing: str | float = "winter",
    activity: str = "resting",
    wet: bool = False,
    shelter: bool = False,
    elevation_m: float | None = None,
    station_elevation_m: float | None = None,
    hours_missing: float | None = None,
    hours_searching: float | None = None,
    water_temp_c: float | None = None,
    lifejacket: bool = False,
    horizon_h: float = 48.0,
) -> SurvivalClock:
    """Build the survival clock for one subject.

    Parameters
    ----------
    air_temp_c, wind_kmh
        Constant air temperature (°C) and wind at 10 m (km/h); with ``preset`` they override
        the preset's values.
    weather, preset
        A :class:`WeatherSeries` or a preset name (:data:`~carpathia.survival.PRESETS`).
    clothing, activity, wet, shelter, horizon_h
        As :func:`~carpathia.survival.predict_cold_survival`.
    elevation_m, station_elevation_m
        Move the air temperature from the station's elevation (given, or the preset's) to the
        subject's by the standard lapse rate.
    hours_missing
        Hours since the subject went missing: adds :func:`~carpathia.survival.time_left` and reads
        the weather at that hour of the series; the model then runs at least 24 h past it.
    hours_searching
        Hours since the report (the Adams et al. prior counts search time); default
        ``hours_missing``.
    water_temp_c, lifejacket
        Adds an :func:`~carpathia.survival.immersion_timeline` (for a river or lake).

    Returns
    -------
    SurvivalClock
    """
    series = _weather(air_temp_c, wind_kmh, weather, preset, station_elevation_m)
    if elevation_m is not None:
        if series.station_elevation_m is None:
            raise InputError("--elevation needs the weather's own elevation: give --station-elevation too")
        series = series.at_elevation(elevation_m)
    get_clothing(clothing)  # fail on a bad clothing name before anything else is computed
    t_now = 0.0 if hours_missing is None else float(hours_missing)
    now = series.at(t_now)
    chill = wind_chill(now["air_temp_c"], now["wind_kmh"])
    # run the model at least a day past the hours missing (bad values are time_left's to refuse)
    ok_missing = isinstance(hours_missing, int | float) and 0 <= hours_missing <= 240
    if ok_missing and isinstance(horizon_h, int | float) and math.isfinite(horizon_h):
        horizon_h = max(float(horizon_h), min(240.0, float(hours_missing) + 24.0))
    kwargs = {"clothing": clothing, "activity": activity, "wet": wet, "shelter": shelter, "horizon_h": horizon_h}
    if len(series) == 1:
        cold = predict_cold_survival(now["air_temp_c"], now["wind_kmh"], **kwargs)
    else:
        cold = predict_cold_survival(weather=series, **kwargs)
    if hours_searching is not None and hours_missing is None:
        raise InputError("--hours-searching needs --hours-missing")
    left = None if hours_missing is None else time_left(cold, hours_missing, hours_searching)
    immersion = None if water_temp_c is None else immersion_timeline(water_temp_c, lifejacket=lifejacket)
    factor = weather_factor(chill, now, cold)

    hints = []
    if chill.frostbite is not None:
        lo, hi = chill.frostbite.minutes
        span = f"{lo}-{hi} min" if lo else f"under {hi} min"
        hints.append(f"exposed skin can freeze in {span}")
    if left is not None:
        hints.extend(left.hints)
    elif math.isfinite(cold.band_h[0]) and cold.band_h[0] < 6.0:
        hints.append(f"under 6 h to 30 °C core in the pessimistic scenario ({cold.band_h[0]:.1f} h)")
    if factor == "hazardous-now":
        hints.append("urgency form: weather rates 1 (hazardous now); any factor at 1 calls for an emergency response")
    if immersion is not None and immersion.movement_min is not None:
        hints.append(
            f"in the water: about {immersion.cold_shock_min:g} min of cold shock, {immersion.movement_min:g} min of "
            "useful movement (1-10-1)"
        )
    return SurvivalClock(
        weather=series,
        now=now,
        elevation_m=None if elevation_m is None else float(elevation_m),
        wind_chill=chill,
        cold=cold,
        weather_factor=factor,
        time_left=left,
        immersion=immersion,
        hints=tuple(hints),
    )
