"""When a drowned body that sank comes back to the surface: accumulated degree-days.

A body on the river bed refloats when decomposition gases make it buoyant again. Decomposition
follows accumulated degree-days (ADD: the sum over days of the mean water temperature above
0 °C), so a body refloats when the ADD since it sank reaches a threshold, whatever the path of
the temperature: a river that warms in spring brings the day forward, cold water delays it for
a long but finite time (at 1 °C, about four months), and water at 0 °C adds nothing.

The threshold: Mateus, Pinto & Vieira (2014) followed six victims of one drowning accident to
their refloat and found 115–174 °C·d (104–191 °C·d with the water temperature at the limits of
its measured range). carpathia draws each body's threshold uniformly in 115–174 °C·d (its place
is the quantile ``u``); :data:`MATEUS_2014_ADD_LIMITS` is the wider range for what-if runs.
Heaton et al. (2010), 187 bodies from UK rivers and canals, support ADD as the clock of
decomposition in water (their total aquatic decomposition score grows with log ADD); carpathia
takes no number from them.

Replaced: the public-safety dive teams' table (40 °F: 14–20 days … 80 °F: 1–2 days, "below 40 °F
bodies do not surface") implies 62–88 °C·d just above 4.4 °C and never refloats below it; both
disagree with Mateus et al.

References
----------
Mateus, M., Pinto, L., Vieira, R. (2014). Study on the postmortem submersion interval and
accumulated degree days for a multiple drowning accident. Forensic Sci. Int. 238:e15–e19.
doi:10.1016/j.forsciint.2014.02.026.
Heaton, V., Lagden, A., Moffatt, C., Simmons, T. (2010). Predicting the postmortem submersion
interval for human remains recovered from U.K. waterways. J. Forensic Sci. 55(2):302–307.
"""

from __future__ import annotations

import math

import numpy as np

from carpathia.errors import InputError

__all__ = ["MATEUS_2014_ADD", "MATEUS_2014_ADD_LIMITS", "refloat_add", "refloat_days"]

#: Mateus et al. (2014): ADD (°C·d) at refloat of six drowning victims, the range of their estimates.
MATEUS_2014_ADD = (115.0, 174.0)
#: The same with the water temperature at the limits of its range (Mateus et al. 2014).
MATEUS_2014_ADD_LIMITS = (104.0, 191.0)


def _check_temp(water_temp_c) -> np.ndarray:
    t = np.asarray(water_temp_c, dtype=float)
    if not np.isfinite(t).all() or (t < 0).any() or (t > 40).any():
        raise InputError(f"water temperature must be from 0 to 40 °C, not {water_temp_c!r}")
    return t


def refloat_add(quantile=0.5):
    """The ADD threshold (°C·d) at ``quantile`` of Mateus et al.'s 115–174 °C·d (uniform)."""
    q = np.asarray(quantile, dtype=float)
    if not np.isfinite(q).all() or (q < 0).any() or (q > 1).any():
        raise InputError(f"refloat quantile must be in [0, 1], not {quantile!r}")
    lo, hi = MATEUS_2014_ADD
    out = lo + q * (hi - lo)
    return float(out) if out.ndim == 0 else out


def refloat_days(water_temp_c, quantile=0.5, warming_c_per_day=0.0, max_temp_c=25.0):
    """Days from sinking to refloating, for water at ``water_temp_c`` that warms linearly.

    Parameters
    ----------
    water_temp_c
        Water temperature when the body sank, °C (0 to 40), scalar or array.
    quantile
        Place in the ADD band, 0 (115 °C·d) to 1 (174 °C·d); scalar or array.
    warming_c_per_day
        How fast the water warms, °C per day (spring melt-out: a few tenths), up to
        ``max_temp_c``; 0 for constant water.

    Returns
    -------
    float or numpy.ndarray
        Days until the ADD (∫ max(T, 0) dt) reaches the threshold; ``inf`` only where the water
        stays at 0 °C.
    """
    t0 = _check_temp(water_temp_c)
    r = float(warming_c_per_day)
    if not (math.isfinite(r) and 0.0 <= r <= 5.0):
        raise InputError(f"warming must be 0 to 5 °C per day, not {warming_c_per_day!r}")
    add = np.asarray(refloat_add(quantile), dtype=float)
    t0, add = np.broadcast_arrays(t0, add)
    tmax = max(float(max_temp_c), float(np.max(t0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        if r == 0.0:
            days = np.where(t0 > 0, add / np.where(t0 > 0, t0, 1.0), np.inf)
        else:
            ramp_days = (tmax - t0) / r  # until the water reaches tmax
            ramp_add = t0 * ramp_days + 0.5 * r * ramp_days**2
            on_ramp = (-t0 + np.sqrt(t0 * t0 + 2.0 * r * add)) / r
            days = np.where(add <= ramp_add, on_ramp, ramp_days + (add - ramp_add) / tmax)
    return float(days) if np.ndim(days) == 0 else days
