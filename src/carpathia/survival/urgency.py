"""Search urgency: the classic urgency rating form, the Adams et al. prior, and "time left".

Three tools for the first hour of an incident:

- :func:`urgency_rating`: the search urgency rating form taught in NASAR's search management
  courses (seven factors rated 1 to 3, the lower the more urgent; see :data:`URGENCY_FACTORS`);
- :func:`survivability_prior`: the probability that a subject found after t hours is alive,
  a curve built from the counts of Adams et al. (2007);
- :func:`time_left`: the cold model's time to 30 °C core set against the hours missing, with
  the probability of a live find now.

The form
--------
Factors and ratings as printed on the NASAR "Search Urgency Rating" form (Hill, ed., Managing
the Lost Person Incident, NASAR; Cooper, Fundamentals of Search and Rescue, NASAR 2005) and
reproduced in the Ontario Search and Rescue Volunteer Association's team-leader notes: subject
age, medical condition, number of subjects, experience, weather, equipment, terrain. Where the
form gives a range (1–2) carpathia takes the more urgent end unless the caller passes a number.
Total 7–11: emergency response; 12–15: measured response; 16–21: evaluate and investigate; and
if any factor is rated 1 the search may need an emergency response whatever the total. The
thresholds are those commonly printed on the NASAR form; check them against your team's sheet.

References
----------
Adams, A. L., Schmidt, T. A., Newgard, C. D., et al. (2007). Search is a time-critical event: when
search and rescue missions may become futile. Wilderness Environ. Med. 18(2):95–101; and the
authors' reply (Wilderness Environ. Med. 2008, doi 10.1580/07-WEME-LE-163.1).
Hill, K. (ed.) (1997). Managing the Lost Person Incident. NASAR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.special import ndtr

from carpathia.errors import InputError, UnknownNameError

__all__ = [
    "ADAMS_2007",
    "SEARCH_RULE",
    "URGENCY_FACTORS",
    "TimeLeft",
    "UrgencyRating",
    "age_choice",
    "survivability_prior",
    "time_left",
    "urgency_rating",
]

#: Factor → choice → (most urgent, least urgent) rating, as on the NASAR form.
URGENCY_FACTORS = MappingProxyType(
    {
        "age": MappingProxyType({"very-young": (1, 1), "very-old": (1, 1), "other": (2, 3)}),
        "medical": MappingProxyType({"injured-or-ill": (1, 2), "healthy": (3, 3), "known-fatality": (3, 3)}),
        "subjects": MappingProxyType({"one-alone": (1, 1), "group-young-or-old": (1, 2), "more-than-one": (2, 3)}),
        "experience": MappingProxyType(
            {
                "inexperienced-unfamiliar": (1, 1),
                "inexperienced-knows-area": (1, 2),
                "experienced-unfamiliar": (2, 2),
                "experienced-knows-area": (3, 3),
            }
        ),
        "weather": MappingProxyType(
            {"hazardous-now": (1, 1), "hazardous-within-8h": (1, 2), "hazardous-after-8h": (2, 2), "none": (3, 3)}
        ),
        "equipment": MappingProxyType({"inadequate": (1, 1), "questionable": (1, 2), "adequate": (3, 3)}),
        "terrain": MappingProxyType({"hazardous": (1, 1), "moderate": (1, 2), "few-hazards": (2, 3)}),
    }
)
_CATEGORIES = ((11, "emergency", "emergency response"), (15, "measured", "measured response"))
_EVALUATE = ("evaluate", "evaluate and investigate")
#: Ages for "very young" (below) and "very old" (at or above): carpathia's assumption; the form
#: leaves them to the planner's judgement.
_VERY_YOUNG_BELOW, _VERY_OLD_FROM = 13, 65

#: Counts of Adams et al. (2007) and their reply: Oregon 1997–2003, derivation + validation cohorts.
ADAMS_2007 = MappingProxyType(
    {
        "subjects": 1509 + 1778,  # victims in the two cohorts
        "died": 70 + 115,
        "missing_at_50h": 41,  # still missing at the end of the 50th hour (1.2 % of all)
        "alive_after_50h": 24,  # of those 41, found alive later
        # Logistic P(alive | found at t) = 1 / (1 + exp(−(a − b t))), fitted by carpathia (below).
        "a": 3.6320,
        "b": 0.053509,  # per hour
    }
)


#: What every survival estimate carpathia prints ends with (DOMAIN.md; NASAR search management).
SEARCH_RULE = (
    "survival estimates set urgency; they never justify ending a search "
    "(people have lived far beyond such estimates: men lost five days in Maramures blizzards)"
)
#: Smallest probability of a live find carpathia prints: below it the output says "under 1 %",
#: never 0 (a model's tail is not evidence that survival is impossible).
P_FLOOR = 0.01


def survivability_prior(hours):
    """Probability that a subject found after ``hours`` of search is found alive (Adams et al. 2007).

    Parameters
    ----------
    hours
        Hours of search: since the report that started the search, not since the subject was
        last seen (Adams et al. counted search time). Number or array, ≥ 0.

    Returns
    -------
    float or numpy.ndarray
        ``1 / (1 + exp(−(3.632 − 0.05351 t)))``: 0.974 at 0 h, 0.91 at 24 h, 0.71 at 51 h,
        0.45 at 72 h, 0.06 at 120 h.

    Notes
    -----
    The paper gives two bins, not a curve. Of 3,287 subjects 185 died; 41 were still missing at
    50 h and 24 of them were found alive. So P(alive | found by 50 h) = 3,078 / 3,246 = 0.948 and
    P(alive | found after 50 h) = 24 / 41 = 0.585. carpathia fits a logistic in t whose averages
    over the two bins equal these, weighting t by an exponential find-time density with 98.75 %
    of finds by 50 h (3,246 of 3,287; median find 7.9 h). The exponential shape is carpathia's
    assumption (the paper gives no find-time distribution); it also puts the late finds at 50 h
    plus 11.4 h on average, which sets the slope. The prior carries every cause of death in
    Oregon's searches, of all seasons.

    References
    ----------
    Adams et al. (2007), Wilderness Environ. Med. 18:95–101, and the authors' 2008 reply.
    """
    t = np.asarray(hours, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise InputError("hours of search must be finite and not negative")
    z = ADAMS_2007["a"] - ADAMS_2007["b"] * t
    out = 1.0 / (1.0 + np.exp(-z))
    return float(out) if out.ndim == 0 else out


def age_choice(age_years: float) -> str:
    """The form's age choice for an age: ``very-young`` below 13, ``very-old`` from 65, else ``other``."""
    try:
        a = float(age_years)
    except (TypeError, ValueError):
        raise InputError(f"age must be a number of years, not {age_years!r}") from None
    if not (math.isfinite(a) and 0 <= a <= 120):
        raise InputError(f"age must be 0 to 120 years, not {age_years!r}")
    if a < _VERY_YOUNG_BELOW:
        return "very-young"
    return "very-old" if a >= _VERY_OLD_FROM else "other"


@dataclass(frozen=True)
class UrgencyRating:
    """A filled-in urgency form.

    Attributes
    ----------
    ratings
        Factor → rating (1 most urgent, 3 least).
    choices
        Factor → the choice given (or ``"rated N"`` for a number).
    total
        Sum of the seven ratings, 7 to 21.
    category
        ``"emergency"`` (7–11), ``"measured"`` (12–15) or ``"evaluate"`` (16–21).
    response
        The category in the form's words.
    any_one
        Whether any factor is rated 1 (the form: consider an emergency response regardless).
    """

    ratings: dict[str, int]
    choices: dict[str, str]
    total: int
    category: str
    response: str
    any_one: bool

    @property
    def urgent(self) -> bool:
        """Emergency response by the total or by a factor rated 1."""
        return self.category == "emergency" or self.any_one

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly."""
        return {
            "ratings": dict(self.ratings),
            "choices": dict(self.choices),
            "total": self.total,
            "category": self.category,
            "response": self.response,
            "any_factor_rated_1": self.any_one,
            "urgent": self.urgent,
        }


def _rate(factor: str, value: str | int) -> tuple[int, str]:
    table = URGENCY_FACTORS[factor]
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        if value not in (1, 2, 3):
            raise InputError(f"{factor} rating must be 1, 2 or 3, not {value!r}")
        return int(value), f"rated {int(value)}"
    key = str(value).strip().lower().replace("_", "-").replace(" ", "-")
    if key not in table:
        raise UnknownNameError(f"unknown {factor} {value!r}; choose one of {', '.join(table)} or a rating 1-3")
    return table[key][0], key


def urgency_rating(
    *,
    age: str | int | float = "other",
    medical: str | int = "healthy",
    subjects: str | int = "one-alone",
    experience: str | int = "inexperienced-unfamiliar",
    weather: str | int = "none",
    equipment: str | int = "questionable",
    terrain: str | int = "moderate",
) -> UrgencyRating:
    """Fill in the search urgency form.

    Parameters
    ----------
    age
        A choice of ``URGENCY_FACTORS["age"]``, a rating 1–3 (int), or an age in years (float,
        mapped by :func:`age_choice`).
    medical, subjects, experience, weather, equipment, terrain
        A choice of :data:`URGENCY_FACTORS` for that factor, or a rating 1–3. The defaults
        describe an unknown lone subject: ratings of what is not known lean urgent.

    Returns
    -------
    UrgencyRating

    Notes
    -----
    For a range on the form (e.g. "questionable equipment: 1–2") the more urgent rating is
    taken; pass the number to choose otherwise.
    """
    if isinstance(age, float):
        age = age_choice(age)
    given = {
        "age": age,
        "medical": medical,
        "subjects": subjects,
        "experience": experience,
        "weather": weather,
        "equipment": equipment,
        "terrain": terrain,
    }
    ratings, choices = {}, {}
    for factor, value in given.items():
        ratings[factor], choices[factor] = _rate(factor, value)
    total = sum(ratings.values())
    category, response = _EVALUATE
    for upto, cat, words in _CATEGORIES:
        if total <= upto:
            category, response = cat, words
            break
    return UrgencyRating(ratings, choices, total, category, response, any(r == 1 for r in ratings.values()))


@dataclass(frozen=True)
class TimeLeft:
    """The survival clock for an incident.

    Attributes
    ----------
    hours_missing
        Hours since the subject went missing (taken as the start of the cold exposure).
    hours_searching
        Hours since the search began (the report): the clock of the Adams et al. prior.
    hours_to_core_30c, band_h
        The cold model's central time to 30 °C core and its (pessimistic, optimistic) band.
    hours_left, hours_left_band
        Those minus ``hours_missing``, floored at 0 (``inf`` beyond the model's horizon).
    p_alive_prior
        :func:`survivability_prior` at ``hours_searching``.
    p_alive_cold
        Probability that the core is still above 30 °C (see :func:`time_left`).
    p_alive
        The lower of the two (what sets urgency).
    p_alive_band
        (lower, higher) of the two estimates, each at least :data:`P_FLOOR`: the model's band.
    hints
        Short sentences for the incident commander.
    """

    hours_missing: float
    hours_searching: float
    hours_to_core_30c: float
    band_h: tuple[float, float]
    hours_left: float
    hours_left_band: tuple[float, float]
    p_alive_prior: float
    p_alive_cold: float
    p_alive: float
    p_alive_band: tuple[float, float] = (P_FLOOR, 1.0)
    hints: tuple[str, ...] = field(default=())

    @property
    def p_alive_text(self) -> str:
        """The band in words, never "0 %": e.g. ``"12–74 %"`` or ``"under 1 %–74 %"``."""
        lo, hi = (_pct(x) for x in self.p_alive_band)
        return lo if lo == hi else f"{lo}–{hi}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly (``None`` for hours beyond the horizon)."""

        def h(x: float) -> float | None:
            return None if math.isinf(x) else round(x, 1)

        return {
            "hours_missing": self.hours_missing,
            "hours_searching": self.hours_searching,
            "hours_left": h(self.hours_left),
            "hours_left_band": [h(x) for x in self.hours_left_band],
            "p_alive_prior": round(self.p_alive_prior, 3),
            "p_alive_cold": round(self.p_alive_cold, 3),
            "p_alive": round(self.p_alive, 3),
            "p_alive_band": [round(x, 3) for x in self.p_alive_band],
            "p_alive_text": self.p_alive_text,
            "rule": SEARCH_RULE,
            "hints": list(self.hints),
        }


_Z90 = 1.2815515655446004  # standard normal 90 % quantile: the band's ends are read as 10 and 90 %


def _pct(p: float) -> str:
    return "under 1 %" if p < P_FLOOR + 1e-12 else f"{p:.0%}".replace("%", " %")


def _p_core_above(t: float, central: float, low: float, high: float, horizon: float = math.inf) -> float:
    if t <= 0:
        return 1.0
    if math.isinf(central):
        # the central scenario outlasts the horizon: its median is at least the horizon. With a
        # finite pessimistic end the lognormal through (low at 10 %, horizon at 50 %) gives a lower
        # bound; with none, nothing in the model says the core reaches 30 °C.
        if not (math.isfinite(low) and low > 0 and math.isfinite(horizon) and horizon > low):
            return 1.0
        sigma = (math.log(horizon) - math.log(low)) / _Z90
        return float(ndtr((math.log(horizon) - math.log(t)) / sigma))
    logs = [math.log(x) for x in (low, high) if math.isfinite(x) and x > 0]
    spreads = [abs(math.log(central) - x) / _Z90 for x in logs]
    sigma = max(max(spreads, default=0.0), 0.05)
    return float(ndtr(-(math.log(t) - math.log(central)) / sigma))


def time_left(prediction, hours_missing: float, hours_searching: float | None = None) -> TimeLeft:
    """Combine a cold prediction with the hours missing and the Adams et al. prior.

    Parameters
    ----------
    prediction
        A :class:`~carpathia.survival.ColdPrediction` for the subject's conditions.
    hours_missing
        Hours since the subject went missing, ≥ 0 (the cold exposure's clock).
    hours_searching
        Hours since the report that started the search (the prior's clock, Adams et al. counted
        search time); default ``hours_missing``, which can only understate the prior.

    Returns
    -------
    TimeLeft

    Notes
    -----
    The exposure is taken to start when the subject went missing. The probability that the core
    is still above 30 °C treats the time to 30 °C as lognormal with the central estimate as
    median and the band's ends as its 10 and 90 % quantiles (the wider side sets σ; at least
    0.05); where the central estimate lies beyond the model's horizon the horizon stands in for
    the median (a lower bound), and with no finite end at all the probability is 1. The
    probability of a live find is the lower of that and the Adams prior: both estimate the same
    thing from different evidence, and the prior already contains cold deaths, so multiplying
    them would count the cold twice. The
    band ``p_alive_band`` is the pair of estimates (the lower first), each floored at
    :data:`P_FLOOR`: the output states a band and :data:`SEARCH_RULE`, never that survival is
    impossible.
    """
    try:
        t = float(hours_missing)
    except (TypeError, ValueError):
        raise InputError(f"hours missing must be a number, not {hours_missing!r}") from None
    if not (math.isfinite(t) and 0.0 <= t <= 24.0 * 60):
        raise InputError(f"hours missing must be from 0 to 1440, not {hours_missing!r}")
    ts = t
    if hours_searching is not None:
        try:
            ts = float(hours_searching)
        except (TypeError, ValueError):
            raise InputError(f"hours of search must be a number, not {hours_searching!r}") from None
        if not (math.isfinite(ts) and 0.0 <= ts <= t):
            raise InputError(f"hours of search must be from 0 to the hours missing ({t:g}), not {hours_searching!r}")
    central = prediction.hours_to_core_30c
    low, high = prediction.band_h
    left = max(central - t, 0.0)
    band = (max(low - t, 0.0), max(high - t, 0.0))
    prior = survivability_prior(ts)
    cold = _p_core_above(t, central, low, high, float(getattr(prediction, "horizon_h", math.inf)))
    p_band = (max(min(prior, cold), P_FLOOR), max(prior, cold, P_FLOOR))
    hints = []
    if math.isfinite(low) and band[0] == 0.0:
        hints.append(
            "the pessimistic scenario has already reached 30 °C core: every hour counts, and people outlive the "
            "model (shelter, movement, a body the model does not describe)"
        )
    elif band[0] < 6.0:
        hints.append(
            f"under 6 h to 30 °C core in the pessimistic scenario ({band[0]:.1f} h): commit fast resources now"
        )
    elif band[0] < 24.0:
        hints.append(f"less than a day to 30 °C core in the pessimistic scenario ({band[0]:.1f} h)")
    if math.isinf(central):
        hints.append(
            f"the core stays above 30 °C beyond the {prediction.horizon_h:g} h horizon in the central scenario"
        )
    if ts > 51.0:
        hints.append(
            "past 51 h of search: Adams et al. found 99 % of survivors sooner, yet 24 of 41 still missing at 50 h lived"
        )
    hints.append(f"P(alive) band {_pct(p_band[0])} to {_pct(p_band[1])}: {SEARCH_RULE}")
    return TimeLeft(t, ts, central, (low, high), left, band, prior, cold, min(prior, cold), p_band, tuple(hints))
