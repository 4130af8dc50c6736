"""Cold-water immersion: the 1-10-1 phases and survival time against water temperature.

Three things kill in cold water, in this order (Golden & Tipton's stages; Giesbrecht's "1-10-1"):
**cold shock** (gasping, hyperventilation; about 1 minute), **swimming failure** (arms and hands
cool and stop working; about 10 minutes of useful movement), **hypothermia** (about 1 hour or more
to unconsciousness). :func:`immersion_timeline` puts numbers on the three phases for a water
temperature; the river model and the motion model's river-crossing hazard call it::

    from carpathia.survival import immersion_timeline
    tl = immersion_timeline(6.0, lifejacket=True)
    tl.cold_shock_min, tl.movement_min, tl.unconscious_h    # 1.0, 10.0, 2.3

Survival curve
--------------
The hypothermia phase follows Hayward, Eckerson & Collis (1975): from the cooling rates of
lightly clothed adults holding still in calm sea water with a lifejacket, the time for the core
to reach 30 °C (taken as unconsciousness and, in the water, death) is

    t (min) = 15 + 7.2 / (0.0785 − 0.0034 · Tw)

(a 15-minute delay, then a 7.2 °C fall at the measured rate 0.0785 − 0.0034 Tw °C/min). It runs
to infinity at 23.1 °C; carpathia uses it up to 20 °C, from 0 °C down to −2 °C (sea ice) it is
marked extrapolated. Posture changes the cooling rate (Hayward et al. 1975 as summarised in
their Sea Grant booklet): swimming or treading water cools 35 % faster, the HELP posture and
the huddle give about 1.5 times the survival time, "drownproofing" (head in the water) cools
about 80 % faster.

The band beside the curve is the U.S. Coast Guard's table of expected survival time by water
temperature (:data:`USCG_TABLE`). Between 4.4 and 21 °C Hayward's curve lies inside it (a test
checks this); colder than 4.4 °C Hayward's 1.8–2.1 h is longer than the table's 30–90 min, and
planners should read the shorter figure.

Not modelled: flowing water and waves (they cool faster; a river is worse than Hayward's calm
sea), heavier clothing or immersion suits (treated as light clothing: pessimistic), children.

References
----------
Hayward, J. S., Eckerson, J. D., Collis, M. L. (1975). Thermal balance and survival time prediction
of man in cold water. Can. J. Physiol. Pharmacol. 53:21–32.
Hayward, J. S., Collis, M. L., Eckerson, J. D. (1976). Man in Cold Water. Pacific Sea Grant
Advisory Program, Pasgap 12.
Giesbrecht, G. G. (2000s). "1-10-1" cold water principle (Cold Water Boot Camp, coldwaterbootcamp.com).
Tipton, M. J. (1989). The initial responses to cold-water immersion in man. Clin. Sci. 77:581–588.
Brooks, C. J. (2001). Survival in Cold Waters. Transport Canada TP 13822 (cold shock below 25 °C).
U.S. Coast Guard cold-water survival table, as reproduced e.g. by the U.S. Search and Rescue Task
Force (ussartf.org/cold_water_survival.htm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from carpathia.errors import InputError, UnknownNameError

__all__ = [
    "COLD_SHOCK_BELOW_C",
    "HAYWARD_RANGE_C",
    "MOVEMENT_BELOW_C",
    "POSTURES",
    "USCG_TABLE",
    "ImmersionTimeline",
    "hayward_survival_hours",
    "immersion_timeline",
    "uscg_band",
]

#: Cold shock occurs in water colder than this, °C (Tipton 1989; Brooks 2001).
COLD_SHOCK_BELOW_C = 25.0
#: The 10-minute movement window of 1-10-1 is applied in water colder than this, °C: carpathia's
#: assumption (1-10-1 is taught for ice water; above 15 °C cooling does not end swimming within 10 min).
MOVEMENT_BELOW_C = 15.0
#: Water temperatures where carpathia uses Hayward's curve, °C (below 0 marked extrapolated).
HAYWARD_RANGE_C = (-2.0, 20.0)
#: Posture → factor on Hayward's cooling rate (Hayward et al. 1975/1976; see the module docstring).
POSTURES = MappingProxyType(
    {
        "still": 1.0,  # holding still with a lifejacket: Hayward's own condition
        "help": 1.0 / 1.5,  # Heat Escape Lessening Posture: about 1.5 × the survival time
        "huddle": 1.0 / 1.5,  # a group huddle: about the same as HELP
        "swimming": 1.35,  # cools 35 % faster
        "treading": 1.35,  # treading water: about as swimming
        "drownproofing": 1.8,  # head dipped between breaths: about 80 % faster
    }
)
_NEEDS_LIFEJACKET = ("still", "help", "huddle")
_CLOTHING = ("light", "winter")


@dataclass(frozen=True)
class _UscgRow:
    below_c: float
    unconscious_h: tuple[float, float]
    survival_h: tuple[float, float]


#: U.S. Coast Guard table: rows (water colder than ``below_c`` °C, exhaustion or unconsciousness
#: hours, expected survival hours); converted from its °F rows (32.5, 40, 50, 60, 70, 80 °F).
USCG_TABLE = (
    _UscgRow(0.3, (0.0, 0.25), (0.25, 0.75)),
    _UscgRow(4.4, (0.25, 0.5), (0.5, 1.5)),
    _UscgRow(10.0, (0.5, 1.0), (1.0, 3.0)),
    _UscgRow(15.6, (1.0, 2.0), (1.0, 6.0)),
    _UscgRow(21.1, (2.0, 7.0), (2.0, 40.0)),
    _UscgRow(26.7, (3.0, 12.0), (3.0, math.inf)),
    _UscgRow(math.inf, (math.inf, math.inf), (math.inf, math.inf)),
)


def hayward_survival_hours(water_temp_c):
    """Hayward et al. (1975)'s predicted hours to 30 °C core, element-wise, no range check.

    Returns ``inf`` at and above 23.09 °C, where the formula's cooling rate reaches zero.
    Use :func:`immersion_timeline` for a checked value with posture and phases.
    """
    t = np.asarray(water_temp_c, dtype=float)
    rate = 0.0785 - 0.0034 * t
    with np.errstate(divide="ignore"):
        out = np.where(rate > 0, (15.0 + 7.2 / np.where(rate > 0, rate, 1.0)) / 60.0, np.inf)
    return float(out) if out.ndim == 0 else out


def uscg_band(water_temp_c: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The U.S. Coast Guard row for a water temperature: (unconsciousness h, survival h) ranges."""
    for row in USCG_TABLE:
        if water_temp_c < row.below_c:
            return row.unconscious_h, row.survival_h
    raise AssertionError("unreachable: the last row is open")  # pragma: no cover


@dataclass(frozen=True)
class ImmersionTimeline:
    """The phases of an immersion at one water temperature.

    Attributes
    ----------
    water_temp_c, lifejacket, posture, clothing
        The inputs.
    cold_shock_min
        Duration of the cold shock (gasping, no breath control), minutes; ``None`` above 25 °C.
    movement_min
        Useful movement before swimming failure, minutes (1-10-1); ``None`` where cooling does
        not end it within the first 10 minutes (water of 15 °C or warmer).
    unconscious_h
        Hours to 30 °C core (unconsciousness) by Hayward's curve and the posture; ``None`` above
        20 °C (hypothermia is then not what limits the first half-day).
    survival_h
        Expected survival: with a lifejacket, ``unconscious_h``; without, the movement window
        (drowning at swimming failure) where it applies, else ``unconscious_h``.
    band_h, unconscious_band_h
        The U.S. Coast Guard table's expected survival and exhaustion/unconsciousness ranges.
    extrapolated
        True below 0 °C, outside the curve's drawn range.
    notes
        Caveats in words.
    """

    water_temp_c: float
    lifejacket: bool
    posture: str
    clothing: str
    cold_shock_min: float | None
    movement_min: float | None
    unconscious_h: float | None
    survival_h: float | None
    band_h: tuple[float, float]
    unconscious_band_h: tuple[float, float]
    extrapolated: bool
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly (infinite hours as ``None``)."""

        def h(x: float | None) -> float | None:
            return None if x is None or math.isinf(x) else round(x, 2)

        return {
            "water_temp_c": self.water_temp_c,
            "lifejacket": self.lifejacket,
            "posture": self.posture,
            "clothing": self.clothing,
            "cold_shock_min": self.cold_shock_min,
            "movement_min": self.movement_min,
            "unconscious_h": h(self.unconscious_h),
            "survival_h": h(self.survival_h),
            "band_h": [h(x) for x in self.band_h],
            "unconscious_band_h": [h(x) for x in self.unconscious_band_h],
            "extrapolated": self.extrapolated,
            "notes": list(self.notes),
        }


def immersion_timeline(
    water_temp_c: float,
    *,
    lifejacket: bool = False,
    posture: str | None = None,
    clothing: str = "light",
) -> ImmersionTimeline:
    """Cold shock, swimming failure and hypothermia times for a person in water.

    Parameters
    ----------
    water_temp_c
        Water temperature, °C (−2 to 40).
    lifejacket
        Whether the person floats without effort (lifejacket or buoyancy aid).
    posture
        One of :data:`POSTURES`; default ``"still"`` with a lifejacket, ``"treading"`` without.
        ``still``, ``help`` and ``huddle`` need a lifejacket.
    clothing
        ``"light"`` (Hayward's condition) or ``"winter"`` (treated as light, noted: wet winter
        clothes insulate a little, which this does not credit).

    Returns
    -------
    ImmersionTimeline

    Raises
    ------
    InputError, UnknownNameError
        Temperature outside −2 to 40 °C, an unknown posture or clothing, or a floating posture
        without a lifejacket.

    Notes
    -----
    Times are for an average adult in calm water; see the module docstring for the curve, the
    band and what is not modelled.

    References
    ----------
    Hayward, Eckerson & Collis (1975); Giesbrecht's 1-10-1; U.S. Coast Guard table.
    """
    try:
        tw = float(water_temp_c)
    except (TypeError, ValueError):
        raise InputError(f"water temperature must be a number of °C, not {water_temp_c!r}") from None
    if not (math.isfinite(tw) and -2.0 <= tw <= 40.0):
        raise InputError(f"water temperature must be from -2 to 40 °C, not {water_temp_c!r}")
    lifejacket = bool(lifejacket)
    post = (posture or ("still" if lifejacket else "treading")).strip().lower()
    if post not in POSTURES:
        raise UnknownNameError(f"unknown posture {posture!r}; choose one of {', '.join(POSTURES)}")
    if post in _NEEDS_LIFEJACKET and not lifejacket:
        raise InputError(f"posture {post!r} needs a lifejacket; without one use 'treading' or 'swimming'")
    cl = str(clothing).strip().lower()
    if cl not in _CLOTHING:
        raise UnknownNameError(f"unknown immersion clothing {clothing!r}; choose one of {', '.join(_CLOTHING)}")

    notes = ["calm water: a river's current and waves cool faster than this"]
    if cl == "winter":
        notes.append("winter clothing treated as light clothing (pessimistic)")
    shock = 1.0 if tw < COLD_SHOCK_BELOW_C else None
    movement = 10.0 if tw < MOVEMENT_BELOW_C else None
    if tw <= HAYWARD_RANGE_C[1]:
        base_min = hayward_survival_hours(tw) * 60.0
        unconscious = (15.0 + (base_min - 15.0) / POSTURES[post]) / 60.0
    else:
        unconscious = None
        notes.append("above 20 °C Hayward's curve does not apply; hypothermia is slow (see band_h)")
    if lifejacket or movement is None:
        survival = unconscious
    else:
        survival = movement / 60.0
        notes.append("no lifejacket: drowning is likely once swimming fails")
    lo_hi_unc, lo_hi_surv = uscg_band(tw)
    if tw < 4.4:
        notes.append("colder than 4.4 °C Hayward's curve is longer than the Coast Guard table: plan on band_h")
    return ImmersionTimeline(
        water_temp_c=tw,
        lifejacket=lifejacket,
        posture=post,
        clothing=cl,
        cold_shock_min=shock,
        movement_min=movement,
        unconscious_h=unconscious,
        survival_h=survival,
        band_h=lo_hi_surv,
        unconscious_band_h=lo_hi_unc,
        extrapolated=tw < 0.0,
        notes=tuple(notes),
    )
