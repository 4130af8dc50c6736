"""Wind chill index and frostbite time for exposed skin (Environment Canada / US NWS, 2001).

The index is the formula of the Joint Action Group for Temperature Indices (JAG/TI, 2001), used
by Environment Canada and the US National Weather Service::

    WCI = 13.12 + 0.6215 T − 11.37 V^0.16 + 0.3965 T V^0.16

with T the air temperature (°C) and V the wind at 10 m (km/h). It is defined for T ≤ 10 °C and
V ≥ 4.8 km/h (3 mph); outside, :func:`wind_chill` says so instead of extrapolating. Frostbite
classes for exposed skin are Environment Canada's (see :data:`FROSTBITE_CLASSES`)::

    from carpathia.survival import wind_chill
    wc = wind_chill(-20, 30)
    round(wc.value_c, 1), wc.frostbite.minutes      # (-32.6, (10, 30))

References
----------
Osczevski, R., Bluestein, M. (2005). The new wind chill equivalent temperature chart. Bulletin of
the American Meteorological Society 86(10):1453–1458.
Environment and Climate Change Canada. Wind chill index; frostbite risk table (canada.ca,
"Wind chill: the chilling facts").
US National Weather Service. Wind chill chart (2001), weather.gov/safety/cold-wind-chill-chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from carpathia.errors import InputError

from ._checks import number_in

__all__ = [
    "FROSTBITE_CLASSES",
    "WCI_MAX_TEMP_C",
    "WCI_MIN_WIND_KMH",
    "FrostbiteRisk",
    "WindChill",
    "frostbite_risk",
    "wind_chill",
    "wind_chill_index",
]

#: Warmest air temperature for which the index is defined, °C (JAG/TI 2001).
WCI_MAX_TEMP_C = 10.0
#: Lowest wind at 10 m for which the index is defined, km/h (3 mph, NWS; DOMAIN.md).
WCI_MIN_WIND_KMH = 4.8


@dataclass(frozen=True)
class FrostbiteRisk:
    """Environment Canada's frostbite class for exposed skin at a wind chill index.

    Attributes
    ----------
    minutes
        (shortest, longest) exposure before frostbite is likely, minutes. The coldest class
        ("under 2 minutes") is ``(0, 2)``.
    wci_range
        (warmest, coldest) wind chill index of the class, whole degrees; ``None`` for open.
    label
        The class in words.
    """

    minutes: tuple[int, int]
    wci_range: tuple[int, int | None]
    label: str


#: Environment Canada's frostbite classes, warmest first; an index warmer than −28 carries low risk.
FROSTBITE_CLASSES = (
    FrostbiteRisk((10, 30), (-28, -39), "frostbite possible in 10 to 30 minutes"),
    FrostbiteRisk((5, 10), (-40, -47), "frostbite possible in 5 to 10 minutes"),
    FrostbiteRisk((2, 5), (-48, -54), "frostbite possible in 2 to 5 minutes"),
    FrostbiteRisk((0, 2), (-55, None), "frostbite possible in under 2 minutes"),
)


@dataclass(frozen=True)
class WindChill:
    """A wind chill result that says whether the formula applied.

    Attributes
    ----------
    air_temp_c, wind_kmh
        The inputs (wind at 10 m).
    value_c
        The wind chill index (°C-like, unrounded), or ``None`` outside the formula's validity.
    valid
        Whether the inputs lie within the formula's validity.
    reason
        Why not, in words (``None`` when valid).
    frostbite
        The frostbite class, or ``None`` for low risk. Outside validity in calm air (wind below
        4.8 km/h, T ≤ 10 °C) it is the class at 4.8 km/h, an upper bound on the risk because the
        index falls as the wind rises; above 10 °C there is no frostbite risk.
    """

    air_temp_c: float
    wind_kmh: float
    value_c: float | None
    valid: bool
    reason: str | None
    frostbite: FrostbiteRisk | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: the index rounded to 0.1, frostbite minutes as a list or ``None``."""
        return {
            "wind_chill_c": None if self.value_c is None else round(self.value_c, 1),
            "wind_chill_valid": self.valid,
            "wind_chill_note": self.reason,
            "frostbite_minutes": None if self.frostbite is None else list(self.frostbite.minutes),
            "frostbite": None if self.frostbite is None else self.frostbite.label,
        }


def wind_chill_index(air_temp_c, wind_kmh):
    """The raw JAG/TI formula, element-wise on numbers or arrays, without any validity check.

    Parameters
    ----------
    air_temp_c
        Air temperature, °C.
    wind_kmh
        Wind at 10 m, km/h (non-negative).

    Returns
    -------
    float or numpy.ndarray
        13.12 + 0.6215 T − 11.37 V^0.16 + 0.3965 T V^0.16.

    Notes
    -----
    Use :func:`wind_chill` for a checked, single value; this is for grids and series whose
    validity the caller handles.
    """
    t = np.asarray(air_temp_c, dtype=float)
    v16 = np.power(np.asarray(wind_kmh, dtype=float), 0.16)
    out = 13.12 + 0.6215 * t - 11.37 * v16 + 0.3965 * t * v16
    return float(out) if out.ndim == 0 else out


def frostbite_risk(wci_c: float) -> FrostbiteRisk | None:
    """Environment Canada's frostbite class for a wind chill index, or ``None`` (low risk).

    Notes
    -----
    The classes are printed for whole degrees (−28 to −39, −40 to −47, −48 to −54, −55 and
    colder). The index is rounded to whole degrees first, with halves going to the colder class
    (the safer reading): −27.5 is in the 10–30 min class, −27.49 is not.
    """
    if not math.isfinite(wci_c):
        raise InputError(f"wind chill index must be a finite number, not {wci_c!r}")
    whole = math.ceil(wci_c - 0.5)
    risk = None
    for cls in FROSTBITE_CLASSES:
        if whole <= cls.wci_range[0]:
            risk = cls
    return risk


def wind_chill(air_temp_c: float, wind_kmh: float) -> WindChill:
    """Wind chill index and frostbite class, or a result that says the formula does not apply.

    Parameters
    ----------
    air_temp_c
        Air temperature, °C (−90 to 60).
    wind_kmh
        Wind at 10 m, km/h (0 to 410).

    Returns
    -------
    WindChill

    Raises
    ------
    InputError
        For values outside physical ranges (wind −5 km/h, air 90 °C).

    Notes
    -----
    Valid for T ≤ 10 °C and V ≥ 4.8 km/h. Outside, ``value_c`` is ``None`` and ``reason`` says
    why; nothing is extrapolated.

    References
    ----------
    Osczevski & Bluestein (2005); Environment Canada (see the module docstring).
    """
    t = number_in(air_temp_c, "air temperature", -90.0, 60.0, "°C")
    v = number_in(wind_kmh, "wind", 0.0, 410.0, "km/h")
    if t > WCI_MAX_TEMP_C:
        why = f"air at {t:g} °C is above {WCI_MAX_TEMP_C:g} °C, where the wind chill formula does not apply"
        return WindChill(t, v, None, False, why, None)
    if v < WCI_MIN_WIND_KMH:
        why = (
            f"wind {v:g} km/h is below {WCI_MIN_WIND_KMH:g} km/h, where the wind chill formula does not apply; "
            "frostbite class given for 4.8 km/h (an upper bound)"
        )
        return WindChill(t, v, None, False, why, frostbite_risk(wind_chill_index(t, WCI_MIN_WIND_KMH)))
    wci = wind_chill_index(t, v)
    return WindChill(t, v, wci, True, None, frostbite_risk(wci))
