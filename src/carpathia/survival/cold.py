"""Cold exposure on land: core temperature over time and the time to 30 °C core.

A heat-balance model in the spirit of Tikuisis's cold exposure survival model (CESM): one core
node, a quasi-steady shell (tissue, clothing, boundary air layer), metabolism by activity plus
shivering that rises as skin and core cool and tires with time. Survival ends when the core
reaches 30 °C (Tikuisis 1995). The equations are in the numba kernel
:func:`carpathia.survival._heat.core_step`; this module holds clothing and activity presets, the
fitted parameters, and the predictions::

    from carpathia.survival import predict_cold_survival
    p = predict_cold_survival(air_temp_c=-12, wind_kmh=40, clothing="winter", activity="resting")
    p.hours_to_core_30c, p.band_h        # central estimate and its low/high band, hours

In brief: dry heat loss ``Q = (Tc − Ta) / (R_tissue + I_T,r)`` (ISO 11079 clothing and air); metabolism
``M = activity + shivering(Tc, Tskin)`` with a shivering reserve that tires; respiratory loss;
``C_eff · dTc/dt = M − Q − respiration``. Wind at the body is 2/3 of the wind at 10 m; walking
adds its own 0.9 m/s to the air speed (an upper bound: the wind's direction is unknown); a
shelter means still air at the same air temperature; wet clothing keeps half its insulation.

Clothing scale: ISO 11079, not a fit
------------------------------------
Clothing and its boundary air layer follow ISO 11079:2007 (resultant total insulation for wind,
walking and air permeability; :func:`carpathia.survival._heat.resultant_insulation`), so a
preset's clo is intrinsic garment insulation as ISO 9920 tables give it. Checked against a table
the fit never saw: for the eight cases of ISO 11079 Annex F, Table F.1, the clothing at which
this model (no shivering) holds its core lies 0.6–1.1 clo below ISO's neutral requirement
(``tests/survival/test_cold.py``), as it should with ISO's minimal criterion 0.4–0.6 clo lower
and a vasoconstricted shell.

Fitted parameters (:data:`FITTED`) and what they were fitted to
-----------------------------------------------------------------
Four physiological parameters and the insulation of Tikuisis's "two layers of loose clothing
(1 mm each)" were fitted together (``scripts/fit_cold.py``) to the ten survival times of
Tikuisis (1995) (nude, 1 km/h wind: 1.8 / 2.5 / 4.1 / 9.0 / >24 h at −30 / −20 / −10 / 0 /
+10 °C; two layers, 5 km/h: 4.0 / 5.6 / 8.6 / 15.4 / >24 h at −50 … −10 °C; winds taken as at
the body), minimising squared log errors with scipy's ``differential_evolution`` (seed 1),
within published limits: tissue insulation at most 0.15 m²K/W and peak shivering at most 3.9 ×
resting metabolism in all (Eyolfson et al. 2001). Both end at their limits; the fit is within
7.5 % of every time (a fit check, not a prediction) and puts the two layers at 1.76 clo (the old
fit, on ISO 9920 factors held at 3 m/s and Gagge's still-air layer, at 2.91 clo; a garment table
gives about 1.0 clo for two ordinary layers, so about 1.8 × remains unexplained and the model is
on the long, optimistic side of Tikuisis for garment presets). Known disagreement: in water
(h_c = 100 W/m²/K) this physiology outlasts Hayward et al. (1975)'s curve by 1.7 × at 0 °C to
4.5 × at 15 °C; the immersion clock uses Hayward's curve itself (:mod:`.immersion`). Checks that
are not fitted: Table F.1 above and monotone responses (colder, windier, less clo, wet clothing
or lying never lengthen survival; a shelter never shortens it); see ``tests/survival``.

The band (pessimistic, central, optimistic) multiplies tissue insulation, peak shivering, the
shivering reserve and clothing by about one between-person standard deviation each; the
survival clock reads its ends as the 10 and 90 % quantiles of a lognormal time to 30 °C and
never prints a probability of survival below 1 %.

References
----------
Tikuisis, P. (1995). Predicting survival time for cold exposure. Int. J. Biometeorology 39:94–102.
Tikuisis, P., Giesbrecht, G. G. (1999). Prediction of shivering heat production from core and mean
skin temperatures. Eur. J. Appl. Physiol. 79:221–229.
Gagge, A. P., Fobelets, A. P., Berglund, L. G. (1986). A standard predictive index of human
response to the thermal environment. ASHRAE Transactions 92(2B):709–731.
ISO 9920:2007. Estimation of thermal insulation and water vapour resistance of a clothing ensemble.
ISO 11079:2007. Ergonomics of the thermal environment: determination and interpretation of cold
stress when using required clothing insulation (IREQ) and local cooling effects (Annex B, Table F.1).
ASHRAE Handbook of Fundamentals (2017), ch. 9, Table 4: metabolic rates of activities.
Osczevski, R., Bluestein, M. (2005). The new wind chill equivalent temperature chart. BAMS 86:1453.
Eyolfson, D. A., Tikuisis, P., Xu, X., et al. (2001). Measurement and prediction of peak shivering
intensity in humans. Eur. J. Appl. Physiol. 84:100–106.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from carpathia.errors import InputError, UnknownNameError

from ._checks import number_in
from ._heat import CORE_LETHAL_C, CORE_START_C, MET_W_M2, HeatParameters, body_heat_capacity, integrate

__all__ = [
    "ACTIVITIES",
    "CLOTHING",
    "FITTED",
    "STEP_S",
    "WET_INSULATION_FACTOR",
    "WIND_BODY_FACTOR",
    "Activity",
    "Body",
    "Clothing",
    "ColdPrediction",
    "core_temperature",
    "get_activity",
    "get_clothing",
    "predict_cold_survival",
]

#: Parameters fitted to Tikuisis (1995)'s table (see the module docstring for how).
FITTED = HeatParameters(
    tissue_insulation=0.1500,  # m²K/W, the vasoconstricted shell (fat, muscle, skin); at the fit's bound
    shiver_peak=168.49,  # W/m² above activity: 3.9 × rest in all, Eyolfson et al. 2001's largest; at the bound
    shiver_sustained=54.29,  # W/m²
    shiver_reserve=1.2594e6,  # J/m², ≈ 2.4 MJ for a 1.9 m² body
)
#: Wind at the body = wind at 10 m × 2/3 (Osczevski & Bluestein 2005, used for the wind chill index).
WIND_BODY_FACTOR = 2.0 / 3.0
#: Wet clothing keeps this fraction of its dry insulation: carpathia's assumption; manikin studies
#: find losses from a few per cent (damp underwear) to nearly all (soaked down), e.g. Textile
#: Research Journal, doi 10.1177/0040517515580527.
WET_INSULATION_FACTOR = 0.5
#: Integration step, seconds (explicit Euler; within 1 % of a 1-minute step, checked by a test).
STEP_S = 300.0
# Parameter multipliers of the (pessimistic, central, optimistic) scenarios of the band:
# carpathia's assumption, about one between-person standard deviation each: tissue insulation
# ±25 % (body fat 12–25 %), peak shivering ±20 % (Eyolfson et al. 2001: SD 16 % of the peak),
# shivering reserve ×0.5–1.5 (no data), clothing insulation ±20 %.
_BAND = {
    "tissue_insulation": (0.75, 1.0, 1.25),
    "shiver_peak": (0.8, 1.0, 1.2),
    "shiver_reserve": (0.5, 1.0, 1.5),
    "clo": (0.8, 1.0, 1.2),
}


@dataclass(frozen=True)
class Clothing:
    """A clothing preset: dry insulation in clo, and whether it is soaked."""

    name: str
    clo: float
    wet: bool
    source: str


@dataclass(frozen=True)
class Activity:
    """An activity: metabolic rate (W/m²) and walking speed (m/s), from the ASHRAE tables."""

    name: str
    met_w_m2: float
    walk_ms: float
    source: str


_CLOTHING = (
    Clothing("nude", 0.0, False, "Tikuisis 1995, nude condition"),
    Clothing("summer", 0.5, False, "ASHRAE 55 typical summer clothing, 0.5 clo"),
    Clothing("light", 1.0, False, "ASHRAE 55 typical winter indoor clothing (trousers, sweater), 1.0 clo"),
    Clothing("winter", 2.0, False, "insulated winter outfit; carpathia's assumption within ISO 9920's 1.5–2.5 clo"),
    Clothing("winter-wet", 2.0, True, "the winter outfit soaked (WET_INSULATION_FACTOR)"),
    Clothing("two-layers", 1.76, False, "Tikuisis 1995 'two layers of loose clothing'; fitted on the ISO 11079 scale"),
    Clothing("arctic", 3.5, False, "expedition down ensemble; carpathia's assumption (3–4 clo)"),
)
#: Clothing presets by name.
CLOTHING = MappingProxyType({c.name: c for c in _CLOTHING})

_ACTIVITIES = (
    Activity("lying", 0.8 * MET_W_M2, 0.0, "ASHRAE: reclining, 0.8 met"),
    Activity("resting", 1.0 * MET_W_M2, 0.0, "ASHRAE: seated, quiet, 1.0 met (Tikuisis 1995: sedentary)"),
    Activity("walking", 2.0 * MET_W_M2, 0.9, "ASHRAE: walking 0.9 m/s (3.2 km/h), 2.0 met"),
)
#: Activity presets by name.
ACTIVITIES = MappingProxyType({a.name: a for a in _ACTIVITIES})


@dataclass(frozen=True)
class Body:
    """The subject's body: mass (kg), height (m), body fat (%).

    Defaults: an average man, with the body fat of Tikuisis & Giesbrecht (1999)'s subjects
    (18.4 %, rounded); the fit of :data:`FITTED` used these defaults.
    """

    mass_kg: float = 75.0
    height_m: float = 1.75
    body_fat_pct: float = 18.0

    def __post_init__(self) -> None:
        for name, lo, hi in (("mass_kg", 5.0, 250.0), ("height_m", 0.5, 2.5), ("body_fat_pct", 3.0, 60.0)):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and lo <= v <= hi):
                raise InputError(f"body {name} must be a number from {lo:g} to {hi:g}, not {v!r}")


def get_clothing(clothing: str | float) -> Clothing:
    """A preset by name, or a :class:`Clothing` of that many clo (0 to 8) for a number."""
    if isinstance(clothing, int | float) and not isinstance(clothing, bool):
        if not (math.isfinite(clothing) and 0.0 <= clothing <= 8.0):
            raise InputError(f"clothing insulation must be 0 to 8 clo, not {clothing!r}")
        return Clothing(f"{float(clothing):g} clo", float(clothing), False, "given by the caller")
    key = str(clothing).strip().lower().replace("_", "-").replace(" ", "-")
    if key not in CLOTHING:
        raise UnknownNameError(f"unknown clothing {clothing!r}; choose one of {', '.join(CLOTHING)} or give --clo")
    return CLOTHING[key]


def get_activity(activity: str) -> Activity:
    """An activity preset by name (``lying``, ``resting``, ``walking``)."""
    key = str(activity).strip().lower()
    if key not in ACTIVITIES:
        raise UnknownNameError(f"unknown activity {activity!r}; choose one of {', '.join(ACTIVITIES)}")
    return ACTIVITIES[key]


@dataclass(frozen=True)
class ColdPrediction:
    """Predicted time to 30 °C core, with the band of the parameter scenarios.

    Attributes
    ----------
    hours_to_core_30c
        Central estimate, hours; ``math.inf`` when the core stays above 30 °C to the horizon.
    band_h
        (low, high): the pessimistic and optimistic scenarios, hours (``inf`` likewise).
    horizon_h
        How far the model was run, hours.
    times_h, core_c
        The central scenario's core temperature every step (°C), for plotting.
    inputs
        What was predicted for (temperatures, wind, clo, activity ...), JSON-friendly.
    """

    hours_to_core_30c: float
    band_h: tuple[float, float]
    horizon_h: float
    times_h: np.ndarray = field(repr=False)
    core_c: np.ndarray = field(repr=False)
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def beyond_horizon(self) -> bool:
        """True when the central scenario survives the whole horizon."""
        return math.isinf(self.hours_to_core_30c)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary: hours rounded to 0.1, ``None`` where beyond the horizon."""

        def h(x: float) -> float | None:
            return None if math.isinf(x) else round(x, 1)

        return {
            "hours_to_core_30c": h(self.hours_to_core_30c),
            "band_h": [h(self.band_h[0]), h(self.band_h[1])],
            "beyond_horizon": self.beyond_horizon,
            "horizon_h": self.horizon_h,
            **self.inputs,
        }


def _series(air_temp_c, wind_kmh, weather, horizon_h: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Air temperature (°C) and 10 m wind (km/h) at the middle of every step."""
    if weather is None:
        t = number_in(air_temp_c, "air temperature", -90.0, 60.0, "°C")
        v = number_in(wind_kmh, "wind", 0.0, 410.0, "km/h")
        return np.full(n, t), np.full(n, v)
    mid_h = (np.arange(n) + 0.5) * (horizon_h / n)
    return weather.interp("air_temp_c", mid_h), weather.interp("wind_kmh", mid_h)


def _run(air, wind_kmh, *, clothing, activity, wet, shelter, body, params, scenarios, dt_s):
    """Integrate the chosen band scenarios (0 pessimistic, 1 central, 2 optimistic)."""
    idx = list(scenarios)
    mult = {k: np.asarray(v, dtype=float)[idx] for k, v in _BAND.items()}
    clo = clothing.clo * (WET_INSULATION_FACTOR if (wet or clothing.wet) else 1.0) * mult["clo"]
    wind_ms = np.zeros_like(air) if shelter else np.asarray(wind_kmh, dtype=float) * (WIND_BODY_FACTOR / 3.6)
    return integrate(
        np.ascontiguousarray(air, dtype=float),
        wind_ms + activity.walk_ms,  # walking moves the body through the air
        clo,
        params.tissue_insulation * mult["tissue_insulation"],
        params.shiver_peak * mult["shiver_peak"],
        params.shiver_reserve * mult["shiver_reserve"],
        float(params.shiver_sustained),
        float(body.body_fat_pct),
        float(activity.met_w_m2),
        float(activity.walk_ms),
        body_heat_capacity(body.mass_kg, body.height_m),
        float(dt_s),
    )


def predict_cold_survival(
    air_temp_c: float | None = None,
    wind_kmh: float | None = None,
    *,
    clothing: str | float = "winter",
    activity: str = "resting",
    wet: bool = False,
    shelter: bool = False,
    body: Body | None = None,
    weather=None,
    horizon_h: float = 48.0,
    params: HeatParameters = FITTED,
) -> ColdPrediction:
    """Predict the hours until the core reaches 30 °C, with a band from parameter ranges.

    Parameters
    ----------
    air_temp_c, wind_kmh
        Constant air temperature (°C) and wind at 10 m (km/h); or give ``weather``.
    clothing
        A preset name (:data:`CLOTHING`) or insulation in clo.
    activity
        ``"lying"``, ``"resting"`` (sedentary, as in Tikuisis 1995) or ``"walking"``
        (kept up for the whole horizon).
    wet
        Clothing soaked: insulation × :data:`WET_INSULATION_FACTOR`.
    shelter
        Out of the wind (a windbreak, snow trench, tent): still air at the body, same air
        temperature.
    body
        :class:`Body`; default 75 kg, 1.75 m, 18 % fat.
    weather
        A :class:`~carpathia.survival.WeatherSeries`; its air temperature and wind are
        interpolated to each step (held beyond its ends). Excludes the constants.
    horizon_h
        Hours to simulate (0.5 to 240).
    params
        Physiological parameters; default :data:`FITTED`.

    Returns
    -------
    ColdPrediction

    Notes
    -----
    Three scenarios run together (pessimistic, central, optimistic; multipliers on tissue
    insulation, peak shivering, shivering reserve and clothing, see ``_BAND``); the band is
    the spread of those, a what-if range, not a confidence interval. Explicit Euler with
    :data:`STEP_S` = 5 min in a numba kernel: well under a millisecond for 48 h once compiled
    (the first call in a fresh install compiles it, a few seconds; later runs load the cache).

    References
    ----------
    Tikuisis (1995), Int. J. Biometeorology 39:94–102 (see the module docstring).
    """
    if weather is not None and (air_temp_c is not None or wind_kmh is not None):
        raise InputError("give either constant air temperature and wind or a weather series, not both")
    if weather is None and (air_temp_c is None or wind_kmh is None):
        raise InputError("air temperature and wind are both needed (or a weather series)")
    horizon_h = number_in(horizon_h, "horizon", 0.5, 240.0, "hours")
    cl = get_clothing(clothing)
    act = get_activity(activity)
    body = body or Body()
    n = max(1, math.ceil(horizon_h * 3600.0 / STEP_S))
    air, wind = _series(air_temp_c, wind_kmh, weather, horizon_h, n)
    hit, trace = _run(
        air,
        wind,
        clothing=cl,
        activity=act,
        wet=bool(wet),
        shelter=bool(shelter),
        body=body,
        params=params,
        scenarios=(0, 1, 2),
        dt_s=horizon_h * 3600.0 / n,
    )
    inputs = {
        "air_temp_c": None if weather is not None else float(air[0]),
        "wind_kmh": None if weather is not None else float(wind[0]),
        "clothing": cl.name,
        "clo": cl.clo,
        "wet": bool(wet or cl.wet),
        "activity": act.name,
        "shelter": bool(shelter),
    }
    steps_h = np.arange(trace.shape[0]) * (horizon_h / n)
    return ColdPrediction(
        hours_to_core_30c=float(hit[1]),
        band_h=(float(hit[0]), float(hit[2])),
        horizon_h=horizon_h,
        times_h=steps_h,
        core_c=trace[:, 1].copy(),
        inputs=inputs,
    )


def core_temperature(
    hours: float,
    air_temp_c: float,
    wind_kmh: float,
    *,
    clothing: str | float = "winter",
    activity: str = "resting",
    wet: bool = False,
    shelter: bool = False,
    body: Body | None = None,
) -> float:
    """Central-scenario core temperature (°C) after ``hours`` of constant exposure.

    A convenience over :func:`predict_cold_survival`; the curve stops at 30 °C (the model's end
    point), so a value of 30.0 means "at or below 30 °C".
    """
    hours = number_in(hours, "hours", 0.0, 240.0, "hours")
    if hours == 0.0:
        return CORE_START_C
    p = predict_cold_survival(
        air_temp_c,
        wind_kmh,
        clothing=clothing,
        activity=activity,
        wet=wet,
        shelter=shelter,
        body=body,
        horizon_h=max(hours, 0.5),
    )
    if hours >= p.times_h[-1]:
        return max(float(p.core_c[-1]), CORE_LETHAL_C)
    return max(float(np.interp(hours, p.times_h, p.core_c)), CORE_LETHAL_C)
