"""Survival: weather, wind chill and frostbite, cold exposure, immersion, urgency.

The survival clock of an incident: how long the subject can last in this cold, wind or water,
which sets the pace of the search::

    from carpathia.survival import predict_cold_survival, time_left, weather_preset, wind_chill

    w = weather_preset("carpathian-blizzard").at_elevation(1700)
    now = w.at(0.0)
    wind_chill(now["air_temp_c"], now["wind_kmh"]).frostbite      # minutes for exposed skin
    p = predict_cold_survival(weather=w, clothing="winter", activity="resting")
    time_left(p, hours_missing=6).hours_left_band                  # pessimistic, optimistic

Modules: :mod:`~carpathia.survival.weather` (series, presets, lapse rate),
:mod:`~carpathia.survival.windchill` (JAG/TI index, Environment Canada frostbite classes),
:mod:`~carpathia.survival.cold` (heat-balance core temperature, fitted to Tikuisis 1995),
:mod:`~carpathia.survival.immersion` (1-10-1 phases, Hayward et al. 1975 curve),
:mod:`~carpathia.survival.urgency` (NASAR urgency form, Adams et al. 2007 prior, time left),
:mod:`~carpathia.survival.clock` (all of it for one subject: what ``carpathia survival`` prints).
``_heat.step_core`` is the vectorised heat-balance step, for per-agent cold states.

References
----------
Tikuisis, P. (1995). Predicting survival time for cold exposure. Int. J. Biometeorol. 39:94–102.
Hayward, J. S., Eckerson, J. D., Collis, M. L. (1975). Can. J. Physiol. Pharmacol. 53:21–32.
Adams, A. L., et al. (2007). Search is a time-critical event. Wilderness Environ. Med. 18:95–101.
Osczevski, R., Bluestein, M. (2005). The new wind chill equivalent temperature chart. BAMS 86:1453.
"""

from ._heat import HeatParameters
from .clock import SurvivalClock, survival_clock
from .cold import (
    ACTIVITIES,
    CLOTHING,
    FITTED,
    WET_INSULATION_FACTOR,
    WIND_BODY_FACTOR,
    Activity,
    Body,
    Clothing,
    ColdPrediction,
    core_temperature,
    get_activity,
    get_clothing,
    predict_cold_survival,
)
from .immersion import POSTURES, USCG_TABLE, ImmersionTimeline, hayward_survival_hours, immersion_timeline, uscg_band
from .urgency import (
    ADAMS_2007,
    URGENCY_FACTORS,
    TimeLeft,
    UrgencyRating,
    age_choice,
    survivability_prior,
    time_left,
    urgency_rating,
)
from .weather import (
    FIELDS,
    LAPSE_RATE_C_PER_KM,
    PRESETS,
    WeatherPreset,
    WeatherSeries,
    constant_weather,
    lapse_rate_correct,
    read_weather,
    weather_preset,
)
from .windchill import FROSTBITE_CLASSES, FrostbiteRisk, WindChill, frostbite_risk, wind_chill, wind_chill_index

__all__ = [
    "ACTIVITIES",
    "ADAMS_2007",
    "CLOTHING",
    "FIELDS",
    "FITTED",
    "FROSTBITE_CLASSES",
    "LAPSE_RATE_C_PER_KM",
    "POSTURES",
    "PRESETS",
    "URGENCY_FACTORS",
    "USCG_TABLE",
    "WET_INSULATION_FACTOR",
    "WIND_BODY_FACTOR",
    "Activity",
    "Body",
    "Clothing",
    "ColdPrediction",
    "FrostbiteRisk",
    "HeatParameters",
    "ImmersionTimeline",
    "SurvivalClock",
    "TimeLeft",
    "UrgencyRating",
    "WeatherPreset",
    "WeatherSeries",
    "WindChill",
    "age_choice",
    "constant_weather",
    "core_temperature",
    "frostbite_risk",
    "get_activity",
    "get_clothing",
    "hayward_survival_hours",
    "immersion_timeline",
    "lapse_rate_correct",
    "predict_cold_survival",
    "read_weather",
    "survivability_prior",
    "survival_clock",
    "time_left",
    "urgency_rating",
    "uscg_band",
    "weather_preset",
    "wind_chill",
    "wind_chill_index",
]
