"""Incident intake: who went into the river, where, when, in what water, and what was seen.

The point last seen is snapped to the river network; the witness's own uncertainty about where
along the river the person went in (``witness_uncertainty_m``, default 100 m: carpathia's
assumption for a bystander on a bank) spreads the particles' starting positions along the river.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any

from carpathia.errors import InputError, UnknownNameError

__all__ = ["OBSERVED", "RiverIncident"]

#: What the witness saw, and what it implies for the time the person stays at the surface.
OBSERVED = {
    "unknown": "not seen: time at the surface anywhere from 0 to 1.5 × the immersion survival time",
    "swimming": "seen swimming: at the surface for 0.5–1.5 × the immersion survival time",
    "struggling": "seen struggling: cold shock / swimming failure, under within 1–10 min",
    "submerging": "seen going under: on the bed within the first minute",
}
_CLOTHING = ("light", "winter")


@dataclass(frozen=True)
class RiverIncident:
    """A person in the river.

    Attributes
    ----------
    lon, lat
        Point last seen, degrees.
    time
        When the person went into the water (ISO 8601 text or datetime; naive = local).
    water_temp_c
        Water temperature, °C (0 to 30).
    warming_c_per_day
        How fast the water warms, °C per day (0 to 5; spring melt-out a few tenths): brings a
        sunken body's refloat forward (degree-days).
    lifejacket
        Whether they wore a lifejacket or buoyancy aid.
    clothing
        ``"light"`` or ``"winter"`` (for the immersion model).
    observed
        One of :data:`OBSERVED`.
    witness_uncertainty_m
        Standard deviation (m) of where along the river they went in.
    name
        Free text for the outputs.
    """

    lon: float
    lat: float
    time: str = ""
    water_temp_c: float = 10.0
    warming_c_per_day: float = 0.0
    lifejacket: bool = False
    clothing: str = "light"
    observed: str = "unknown"
    witness_uncertainty_m: float = 100.0
    name: str = "river incident"

    def __post_init__(self) -> None:
        for k in ("lon", "lat", "water_temp_c", "warming_c_per_day", "witness_uncertainty_m"):
            try:
                v = float(getattr(self, k))
            except (TypeError, ValueError):
                raise InputError(f"{k} must be a number, not {getattr(self, k)!r}") from None
            object.__setattr__(self, k, v)
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            raise InputError(f"point last seen {self.lat},{self.lon} is not LAT,LON in degrees")
        tw = self.water_temp_c
        if not math.isfinite(tw) or tw < 0.0 or tw > 30.0:
            raise InputError(
                f"water temperature must be from 0 to 30 °C (river water does not stay liquid below 0), not {tw:g}"
            )
        if not (math.isfinite(self.warming_c_per_day) and 0.0 <= self.warming_c_per_day <= 5.0):
            raise InputError(f"water warming must be 0 to 5 °C per day, not {self.warming_c_per_day:g}")
        w = self.witness_uncertainty_m
        if not (math.isfinite(w) and 0 <= w <= 20000):
            raise InputError(f"witness uncertainty must be 0 to 20000 m, not {w!r}")
        obs = str(self.observed).strip().lower()
        if obs not in OBSERVED:
            raise UnknownNameError(f"unknown observation {self.observed!r}; choose one of {', '.join(OBSERVED)}")
        object.__setattr__(self, "observed", obs)
        cl = str(self.clothing).strip().lower()
        if cl not in _CLOTHING:
            raise UnknownNameError(f"unknown clothing {self.clothing!r}; choose one of {', '.join(_CLOTHING)}")
        object.__setattr__(self, "clothing", cl)
        object.__setattr__(self, "lifejacket", bool(self.lifejacket))
        object.__setattr__(self, "time", _iso(self.time))

    def timeline(self):
        """The immersion timeline of :func:`carpathia.survival.immersion_timeline` for this person."""
        from carpathia.survival import immersion_timeline

        return immersion_timeline(self.water_temp_c, lifejacket=self.lifejacket, clothing=self.clothing)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _iso(t) -> str:
    if t in (None, ""):
        return ""
    if isinstance(t, _dt.datetime):
        return t.isoformat()
    try:
        return _dt.datetime.fromisoformat(str(t).strip().replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise InputError(f"time {t!r} is not ISO 8601; write it like 2024-04-12T15:30") from None
