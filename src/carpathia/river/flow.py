"""Flow per reach: mean surface velocity and its range, from user input, a gauge, or defaults.

Defaults (``data/flow.toml``): three flow classes chosen from the reach's gradient along the DEM,
each with a velocity range — the Upper Tisza figures of carpathia issue #9: steep upper reach
("run") 1–3 m/s, shallows ("riffle") 0.7–2.5 m/s, pools 0.2–0.6 m/s. The gradient thresholds
between classes (2.5 and 0.8 m/km) are carpathia's assumptions; a reach without elevation data
is a "run" (the upper reaches lack DEM cover in the bundled region).

A gauge reading or the season scales the defaults by hydraulic geometry: at a station, mean
velocity grows with discharge as ``v ∝ Q^m`` with ``m = 0.34`` (Leopold & Maddock 1953, mean of
their at-a-station exponents). The season's discharge ratios Q/Q_mean are carpathia's assumptions.
A measured velocity (``velocity_m_s``) replaces the defaults on every reach.

References
----------
Leopold, L. B., Maddock, T. (1953). The hydraulic geometry of stream channels and some
physiographic implications. USGS Professional Paper 252.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from carpathia.errors import InputError, UnknownNameError

__all__ = ["FLOW_CLASSES", "FlowSpec", "flow_defaults"]

FLOW_CLASSES = ("run", "riffle", "pool")


@lru_cache(maxsize=1)
def flow_defaults() -> dict[str, Any]:
    """The packaged defaults (``data/flow.toml``) as a dict."""
    text = (Path(__file__).parent / "data" / "flow.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _max_velocity() -> float:
    return float(flow_defaults()["limits"]["max_velocity_m_s"])


def check_velocity(v: float, what: str = "velocity") -> float:
    """A velocity in m/s, 0 to the plausible maximum, or a clear error."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number of m/s, not {v!r}") from None
    vmax = _max_velocity()
    if not math.isfinite(x) or x < 0 or x > vmax:
        raise InputError(
            f"{what} must be from 0 to {vmax:g} m/s (no river flows faster), not {v!r}; "
            "give the surface current in metres per second"
        )
    return x


@dataclass(frozen=True)
class FlowSpec:
    """How fast the river flows.

    Attributes
    ----------
    velocity_m_s
        Measured mean surface velocity (m/s) applied to every reach; ``None``: defaults by class.
    velocity_range_m_s
        (low, high) m/s around the measured velocity; default ±25 % (carpathia's assumption).
    discharge_ratio
        Gauge discharge over the mean discharge, Q/Q_mean (scales the defaults by ``ratio^0.34``).
    season
        ``mean``, ``spring``, ``summer``, ``autumn`` or ``winter`` (used when no gauge ratio).
    """

    velocity_m_s: float | None = None
    velocity_range_m_s: tuple[float, float] | None = None
    discharge_ratio: float | None = None
    season: str = "mean"

    def __post_init__(self) -> None:
        if self.velocity_m_s is not None:
            object.__setattr__(self, "velocity_m_s", check_velocity(self.velocity_m_s))
        if self.velocity_range_m_s is not None:
            lo, hi = (check_velocity(x, "velocity range") for x in self.velocity_range_m_s)
            if lo > hi:
                raise InputError(f"velocity range low {lo:g} is above high {hi:g} m/s")
            object.__setattr__(self, "velocity_range_m_s", (lo, hi))
        if self.discharge_ratio is not None:
            r = float(self.discharge_ratio)
            if not (math.isfinite(r) and 0 < r <= 50):
                raise InputError(f"discharge ratio Q/Q_mean must be in (0, 50], not {self.discharge_ratio!r}")
        seasons = flow_defaults()["seasons"]
        if str(self.season).lower() not in seasons:
            raise UnknownNameError(f"unknown season {self.season!r}; choose one of {', '.join(seasons)}")

    @property
    def factor(self) -> float:
        """Multiplier of the default velocities: ``(Q/Q_mean)^0.34`` (Leopold & Maddock 1953)."""
        d = flow_defaults()
        ratio = self.discharge_ratio if self.discharge_ratio is not None else d["seasons"][self.season.lower()]
        return float(ratio) ** float(d["hydraulic_geometry"]["velocity_exponent"])

    def velocity_range(self, flow_class: str) -> tuple[float, float]:
        """(low, high) surface velocity, m/s, for a reach of ``flow_class``."""
        if self.velocity_m_s is not None:
            if self.velocity_range_m_s is not None:
                return self.velocity_range_m_s
            return 0.75 * self.velocity_m_s, 1.25 * self.velocity_m_s
        lo, hi = flow_defaults()["classes"][flow_class]["velocity_m_s"]
        f = self.factor
        vmax = _max_velocity()
        return min(lo * f, vmax), min(hi * f, vmax)

    @property
    def source(self) -> str:
        if self.velocity_m_s is not None:
            return f"measured {self.velocity_m_s:g} m/s"
        how = (
            f"gauge Q/Q_mean {self.discharge_ratio:g}" if self.discharge_ratio is not None else f"season {self.season}"
        )
        return f"defaults by flow class (issue #9 Tisza figures) x {self.factor:.2f} ({how}; Leopold & Maddock 1953)"


def flow_class(gradient_m_per_km: float) -> str:
    """Flow class of a reach from its gradient (m/km); NaN (no DEM) gives ``run``."""
    if not math.isfinite(gradient_m_per_km):
        return "run"
    classes = flow_defaults()["classes"]
    for name in FLOW_CLASSES:
        if gradient_m_per_km >= classes[name]["min_gradient_m_per_km"]:
            return name
    return "pool"
