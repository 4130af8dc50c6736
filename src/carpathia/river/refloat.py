"""When a drowned body that sank comes back to the surface: the refloat relation.

A body on the river bed refloats when decomposition gases make it buoyant again. The time this
takes falls steeply with water temperature. carpathia uses the body-float table of public-safety
dive teams (water temperature → days to surface), quoted in US dive-recovery training material:

    ======  =======  ==============
    °F      °C       days to surface
    ======  =======  ==============
    40      4.4      14–20
    50      10.0     10–14
    60      15.6     7–10
    70      21.1     3–7
    80      26.7     1–2
    ======  =======  ==============

with the note that victims drowned in water colder than 40 °F (4.4 °C) do not surface until the
water warms. The original author of the table is not named where it is reproduced; carpathia
checks it against a published case series: Mateus, Pinto & Vieira (2014) found accumulated
degree-days (ADD, the sum of mean daily water temperatures) of 104–191 °C·d before six drowning
victims refloated in water of 14.5–16 °C; the table gives 110–155 °C·d at 15 °C.

The relation: between tabulated rows, the log of the lower and upper days is interpolated
linearly in temperature; a body's place in the band is a quantile ``u`` in [0, 1] (sampled per
particle: ``days = lo + u·(hi − lo)``). Above 26.7 °C the ADD of the last row is held constant
(``days ∝ 1/T``). Below 4.4 °C nothing refloats (``inf``). Equivalent ADD = days × T.

References
----------
Mateus, M., Pinto, L., Vieira, R. (2014). Study on the postmortem submersion interval and
accumulated degree days for a multiple drowning accident. Forensic Sci. Int. 238:e15–e19.
doi:10.1016/j.forsciint.2014.02.026.
"""

from __future__ import annotations

import math

import numpy as np

from carpathia.errors import InputError

__all__ = ["MATEUS_2014_ADD", "REFLOAT_TABLE", "refloat_add", "refloat_days"]

#: (water °C, fewest days, most days) to refloat, from the dive teams' °F table (40–80 °F).
REFLOAT_TABLE = (
    (40.0, 14.0, 20.0),
    (50.0, 10.0, 14.0),
    (60.0, 7.0, 10.0),
    (70.0, 3.0, 7.0),
    (80.0, 1.0, 2.0),
)
REFLOAT_TABLE = tuple(((f - 32.0) * 5.0 / 9.0, lo, hi) for f, lo, hi in REFLOAT_TABLE)
#: Mateus et al. (2014): ADD range (°C·d) at refloat for six victims in 14.5–16 °C water.
MATEUS_2014_ADD = (104.0, 191.0)

_T = np.array([r[0] for r in REFLOAT_TABLE])
_LO = np.log([r[1] for r in REFLOAT_TABLE])
_HI = np.log([r[2] for r in REFLOAT_TABLE])


def _check_temp(water_temp_c) -> np.ndarray:
    t = np.asarray(water_temp_c, dtype=float)
    if not np.isfinite(t).all() or (t < 0).any() or (t > 40).any():
        raise InputError(f"water temperature must be from 0 to 40 °C, not {water_temp_c!r}")
    return t


def refloat_days(water_temp_c, quantile=0.5):
    """Days from sinking to refloating at a constant water temperature.

    Parameters
    ----------
    water_temp_c
        Water temperature, °C (0 to 40), scalar or array.
    quantile
        Place in the table's band, 0 (fewest days) to 1 (most days); scalar or array.

    Returns
    -------
    float or numpy.ndarray
        Days; ``inf`` below 4.4 °C (no refloat until the water warms).
    """
    t = _check_temp(water_temp_c)
    q = np.asarray(quantile, dtype=float)
    if not np.isfinite(q).all() or (q < 0).any() or (q > 1).any():
        raise InputError(f"refloat quantile must be in [0, 1], not {quantile!r}")
    tc = np.clip(t, _T[0], _T[-1])
    lo = np.exp(np.interp(tc, _T, _LO))
    hi = np.exp(np.interp(tc, _T, _HI))
    days = lo + q * (hi - lo)
    warm = t > _T[-1]
    days = np.where(warm, days * _T[-1] / np.where(warm, t, 1.0), days)
    days = np.where(t < _T[0] - 1e-9, math.inf, days)
    return float(days) if days.ndim == 0 else days


def refloat_add(water_temp_c, quantile=0.5):
    """Accumulated degree-days (°C·d) at refloat implied by :func:`refloat_days`."""
    t = _check_temp(water_temp_c)
    return refloat_days(t, quantile) * t
