"""Parameters of the motion model: behaviour mixtures, walking-time budgets, physical constants.

:class:`MotionParams` holds everything one simulated subject category needs; :func:`motion_params`
builds it for a subject profile from the package data (``data/behaviours.toml`` for the
behaviour mixtures, ``data/calibration.csv`` for the fitted walking-time budgets; sources in
``data/SOURCES.md``). Every default names its source; where nothing is published the value is
carpathia's assumption and says so.

Walking-time budget
-------------------
Each agent draws, once, how long it will walk in all before it stops for good (found where it
stopped: exhausted, injured, sheltering, or staying put to be found). Its logarithm is a
piecewise-linear function of the normal score of the agent's rank, through knots at 25, 50, 75
and 95 % (hours of walking, extended linearly beyond the end knots). The knots are fitted per
row of Koester's distance table so that straight-line distances at
:data:`CALIBRATION_HOURS` reproduce the table's quantiles (``scripts/calibrate_motion.py``).
Rows whose quantiles sit closer together than wandering allows also get a fitted ``wander``
factor below 1 (less random walking and heading noise: straighter paths).
"""

from __future__ import annotations

import csv
import math
import tomllib
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np

from carpathia.errors import InputError

from .agents import BEHAVIOURS

__all__ = [
    "CALIBRATION_HOURS",
    "CALIBRATION_LEVELS",
    "GENERIC_SPEED_MS",
    "MotionParams",
    "budget_hours",
    "calibration_table",
    "mixture_table",
    "motion_params",
]

#: Hours after the last sighting at which simulated distances are matched to Koester's table:
#: Mitchell (1985, 501 lost hikers) found that 92 % did not travel after the first 24 h, so by
#: then the straight-line distance is, for most subjects, the distance at which they are found.
CALIBRATION_HOURS = 24.0
#: Quantile levels of Koester's table (and of the budget knots).
CALIBRATION_LEVELS = (0.25, 0.5, 0.75, 0.95)
#: Effective straight-line speed used to turn a distance into walking hours where no fitted
#: budget exists (a user category): Tobler's flat-ground off-trail speed 0.84 m/s times 0.85,
#: the median ratio of the fitted knots (recomputed by the calibration script; see SOURCES.md).
GENERIC_SPEED_MS = 0.84 * 0.85


@dataclass(frozen=True)
class MotionParams:
    """Behaviour and physics of one subject category; defaults name their sources.

    Attributes
    ----------
    category
        Subject category (canonical Koester name) the parameters belong to.
    mixture
        Share of behaviour bouts in each of :data:`~carpathia.motion.agents.BEHAVIOURS`
        (random walking, route travelling, direction travelling, staying put, view enhancing,
        backtracking); normalised.
    mixture_source
        Where the mixture comes from.
    budget_knots_h
        Walking-time budget: hours of walking at the 25/50/75/95 % ranks (see module docstring).
    budget_source
        Where the knots come from (fitted row, or the generic rule).
    speed_scale
        Mode-of-travel factor on walking speed (1 on foot; above 1 for rows of Koester's table
        whose distances need skis, bikes or vehicles; fitted).
    wander
        Factor (0 to 1) on the share of random walking and on the heading noise: how much the
        path wanders. 1 keeps the mixture as published or assumed; fitted per row of Koester's
        table (``data/calibration.csv``) where the row's quantiles sit closer together than the
        mixture's wandering allows (at a given walking time a wandering path ends at a spread of
        distances; see :mod:`carpathia.motion.calibrate`). Carpathia's fitted parameter, not a
        published one.
    grade_factor
        Factor (0 to 1) on the terrain's gradient where the agents feel it (Tobler's slope along
        the heading, the fall line of view enhancing and drainage following): how much of the
        ground's grade the paths people take keep. 1 on the grid as it is. Carpathia's
        calibration parameter, not a published one: set per run by the terrain fit
        (:mod:`carpathia.motion.terrain_fit`) together with ``speed_scale`` so that the run's
        24 h distances match Koester's row on its own ground. Cliffs (the slope barrier) are
        unaffected.
    bout_mean_s
        Mean duration of a behaviour bout (exponential), s. Carpathia's assumption: 20 min.
        Hashimoto et al. (2022) redraw the behaviour at every step and get persistence from
        velocity smoothing (α = 0.55); bouts play that part here.
    heading_noise_deg
        Standard deviation of the heading change of direction travelling per minute, degrees.
        Carpathia's assumption (5°/min): people hold a course where sun or landmarks guide them
        and drift into circles without (Souman et al. 2009).
    walk_bout_s, rest_bout_s
        March-and-halt rhythm: 50 min walking, 10 min rest (US Army FM 21-18, Foot Marches,
        1990: a 10-minute halt every 50 minutes of marching).
    night_walk_prob
        Probability that an agent walks on through a night (else it shelters until sunrise):
        0.35, Mitchell (1985): 30–40 % of lost hikers travelled at night.
    night_factor_route, night_factor_off
        Speed factors in darkness on routes and off them: FM 21-18 night/day march rates
        (3.2/4 = 0.8 on roads, 1.6/2.5 = 0.64 cross-country), as :mod:`carpathia.travel.speed`.
    darkness_elevation_deg
        Dark when the sun's centre is below this elevation: −0.833°, sunset (NOAA, Meeus).
    crossing_prob
        Probability that an agent facing an unfordable river attempts to cross (else it turns
        back). Carpathia's assumption: 0.2; no published rate.
    swept_prob
        Probability that a crossing attempt ends with the agent swept (incapacitated, recorded).
        Carpathia's assumption: 0.1; Jonkman & Penning-Rowsell (2008) show people lose their
        footing above a depth × velocity of about 0.6–1.3 m²/s, which rivers too wide to ford
        often exceed, but give no per-crossing rate.
    wade_factor
        Speed factor while in a river cell (wading). Carpathia's assumption: 0.2.
    route_reach_m
        An agent in route-travelling mode heads for a trail, road or stream bank within this
        distance. Carpathia's assumption: 200 m (at least 1.5 cells).
    incapacitated_core_c
        Core temperature below which an agent can no longer walk or respond: 32 °C, the start
        of moderate hypothermia (Swiss stage HT II: impaired consciousness, shivering stops;
        Brown et al. 2012, NEJM 367:1930).
    clothing
        Clothing preset of :mod:`carpathia.survival` for the cold model (default "winter").
    """

    category: str = "Hiker"
    mixture: tuple[float, ...] = (0.054, 0.377, 0.559, 0.003, 0.006, 0.0)
    mixture_source: str = "Hashimoto et al. 2022, best-fit hiker profile"
    budget_knots_h: tuple[float, ...] = (0.6, 1.8, 3.6, 10.0)
    budget_source: str = "illustrative"
    speed_scale: float = 1.0
    wander: float = 1.0
    grade_factor: float = 1.0
    bout_mean_s: float = 1200.0
    heading_noise_deg: float = 5.0
    walk_bout_s: float = 3000.0
    rest_bout_s: float = 600.0
    night_walk_prob: float = 0.35
    night_factor_route: float = 0.8
    night_factor_off: float = 0.64
    darkness_elevation_deg: float = -0.833
    crossing_prob: float = 0.2
    swept_prob: float = 0.1
    wade_factor: float = 0.2
    route_reach_m: float = 200.0
    incapacitated_core_c: float = 32.0
    clothing: str = "winter"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        m = np.asarray(self.mixture, dtype=float)
        if m.shape != (len(BEHAVIOURS),) or not np.isfinite(m).all() or (m < 0).any() or m.sum() <= 0:
            raise InputError(f"mixture must be {len(BEHAVIOURS)} non-negative shares ({', '.join(BEHAVIOURS)})")
        object.__setattr__(self, "mixture", tuple(float(x) for x in m / m.sum()))
        k = np.asarray(self.budget_knots_h, dtype=float)
        if k.shape != (len(CALIBRATION_LEVELS),) or not (k > 0).all() or not np.isfinite(k).all():
            raise InputError("budget_knots_h must be four positive hours (25/50/75/95 % ranks)")
        if (np.diff(k) < 0).any():
            raise InputError("budget_knots_h must not decrease")
        for name in ("night_walk_prob", "crossing_prob", "swept_prob", "wander", "grade_factor"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"{name} must be a probability in [0, 1], not {v!r}")
        for name in ("speed_scale", "bout_mean_s", "walk_bout_s", "route_reach_m", "night_factor_route"):
            v = getattr(self, name)
            if not v > 0:
                raise InputError(f"{name} must be positive, not {v!r}")
        for name in ("rest_bout_s", "heading_noise_deg", "night_factor_off", "wade_factor"):
            v = getattr(self, name)
            if not v >= 0:
                raise InputError(f"{name} must be >= 0, not {v!r}")

    @property
    def effective_mixture(self) -> tuple[float, ...]:
        """The mixture the agents draw from: random walking × :attr:`wander`, renormalised."""
        m = np.asarray(self.mixture, dtype=float)
        m[0] *= self.wander
        if m.sum() <= 0:  # a pure random walk with no wander left: hold a bearing instead
            m[2] = 1.0
        return tuple(float(x) for x in m / m.sum())

    @property
    def effective_heading_noise_deg(self) -> float:
        """Heading noise of direction travelling the agents use: ``heading_noise_deg`` × :attr:`wander`."""
        return self.heading_noise_deg * self.wander

    def with_multipliers(self, multipliers, *, max_walk_hours: float = 10.0) -> MotionParams:
        """A copy whose straight-line distance quantiles are multiplied (a calibration).

        ``multipliers`` maps levels (0.25, 0.5, 0.75, 0.95; numbers or their text) to positive
        factors; levels not given keep 1. Each budget knot is multiplied by its level's factor
        (distance grows about in proportion to the time walked for the directed walking that
        dominates the mixtures: carpathia's approximation) and the knots are kept from
        decreasing; where the widest knot then exceeds ``max_walk_hours`` (the calibration's
        :data:`carpathia.motion.calibrate.MAX_WALK_HOURS`) the excess goes into the speed factor,
        as in the calibration. ``None`` or empty returns ``self``.
        """
        if not multipliers:
            return self
        given = {}
        for k, m in multipliers.items():
            try:
                q, m = float(k), float(m)
            except (TypeError, ValueError):
                raise InputError(f"calibration multipliers must map levels to numbers, not {k!r}: {m!r}") from None
            if not any(math.isclose(q, lv) for lv in CALIBRATION_LEVELS):
                raise InputError(f"multipliers apply at the 25/50/75/95 % levels, not at {q:g}")
            if not (math.isfinite(m) and m > 0):
                raise InputError(f"calibration multiplier for {q:.0%} must be a positive number, not {m!r}")
            given[min(CALIBRATION_LEVELS, key=lambda lv, q=q: abs(lv - q))] = m
        factors = [given.get(q, 1.0) for q in CALIBRATION_LEVELS]
        knots = np.maximum.accumulate(np.asarray(self.budget_knots_h) * np.asarray(factors))
        scale = self.speed_scale
        cap = max(max_walk_hours, float(self.budget_knots_h[-1]))
        if float(knots[-1]) > cap:
            f = float(knots[-1]) / cap
            scale *= f
            knots = knots / f
        return replace(
            self,
            budget_knots_h=tuple(float(k) for k in knots),
            speed_scale=float(scale),
            budget_source=f"{self.budget_source}, distances × {', '.join(f'{m:g}' for m in factors)}",
        )

    def with_mixture(self, **shares: float) -> MotionParams:
        """A copy with the given behaviours' shares (by name) and the others 0."""
        unknown = sorted(set(shares) - set(BEHAVIOURS))
        if unknown:
            raise InputError(f"unknown behaviour {unknown[0]!r}; known: {', '.join(BEHAVIOURS)}")
        return replace(self, mixture=tuple(float(shares.get(b, 0.0)) for b in BEHAVIOURS), mixture_source="given")

    def replace(self, **changes) -> MotionParams:
        """A copy with some fields changed (validated)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly parameters (for metadata)."""
        d = asdict(self)
        d["mixture"] = dict(zip(BEHAVIOURS, self.mixture, strict=True))
        d["budget_knots_h"] = dict(zip(CALIBRATION_LEVELS, self.budget_knots_h, strict=True))
        d.pop("extra")
        return d


def budget_hours(knots_h, z: np.ndarray) -> np.ndarray:
    """Walking budget (hours) at normal scores ``z``: log-linear through the knots, extended."""
    zk = _normal_scores()
    lk = np.log(np.asarray(knots_h, dtype=float))
    z = np.asarray(z, dtype=float)
    out = np.interp(z, zk, lk)
    lo = z < zk[0]
    hi = z > zk[-1]
    out[lo] = lk[0] + (z[lo] - zk[0]) * (lk[1] - lk[0]) / (zk[1] - zk[0])
    out[hi] = lk[-1] + (z[hi] - zk[-1]) * (lk[-1] - lk[-2]) / (zk[-1] - zk[-2])
    return np.exp(out)


@cache
def _normal_scores() -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(np.asarray(CALIBRATION_LEVELS))


@cache
def mixture_table() -> dict[str, tuple[tuple[float, ...], str]]:
    """Category → (mixture, source) from ``data/behaviours.toml``; key ``""`` is the default."""
    text = resources.files("carpathia.motion").joinpath("data/behaviours.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)

    def entry(d):
        return tuple(float(d.get(b, 0.0)) for b in BEHAVIOURS), str(d["source"])

    out = {"": entry(data["default"])}
    for name, d in data.get("categories", {}).items():
        out[name] = entry(d)
    return MappingProxyType(out)


@cache
def calibration_table() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(category, eco_region, terrain) as in Koester's table → fitted row of ``data/calibration.csv``."""
    path = resources.files("carpathia.motion").joinpath("data/calibration.csv")
    if not path.is_file():
        return MappingProxyType({})
    out = {}
    with path.open(encoding="utf-8") as fh:
        for rec in csv.DictReader(line for line in fh if not line.startswith("#")):
            key = (rec["category"], rec["eco_region"], rec["terrain"])
            out[key] = {
                "knots": tuple(float(rec[f"t{round(q * 100)}_h"]) for q in CALIBRATION_LEVELS),
                "speed_scale": float(rec["speed_scale"]),
                "wander": float(rec.get("wander") or 1.0),
                "errors_pct": tuple(
                    float(rec[f"err{round(q * 100)}_pct"]) if rec[f"err{round(q * 100)}_pct"] else math.nan
                    for q in CALIBRATION_LEVELS
                ),
            }
    return MappingProxyType(out)


def motion_params(profile, **overrides) -> MotionParams:
    """Motion parameters for a :class:`~carpathia.subjects.SubjectProfile` (package data).

    The behaviour mixture is the category's (else the default hiker fit); the walking budget is
    the fitted one of the profile's Koester row, else a generic rule from its distances
    (:data:`GENERIC_SPEED_MS`). Keyword arguments replace fields.
    """
    row = profile.row
    mixtures = mixture_table()
    mix, msrc = mixtures.get(profile.category, mixtures[""])
    fitted = calibration_table().get((row.category, row.eco_region, row.terrain_class))
    if fitted is not None:
        knots, scale, wander = fitted["knots"], fitted["speed_scale"], fitted["wander"]
        bsrc = f"fitted to Koester's row {row.category}/{row.eco_region}/{row.terrain_class} (data/calibration.csv)"
    else:
        knots, scale = _generic_knots(profile.quantiles_m)
        wander = 1.0
        bsrc = "generic: Koester distances / GENERIC_SPEED_MS (no fitted row)"
    p = MotionParams(
        category=profile.category,
        mixture=mix,
        mixture_source=msrc,
        budget_knots_h=knots,
        budget_source=bsrc,
        speed_scale=scale,
        wander=wander,
    )
    return replace(p, **overrides) if overrides else p


def _generic_knots(quantiles_m) -> tuple[tuple[float, ...], float]:
    from carpathia.subjects import DistanceDistribution

    d = DistanceDistribution(dict(quantiles_m))
    dist = np.asarray(d.ppf(np.asarray(CALIBRATION_LEVELS)), dtype=float)
    hours = dist / GENERIC_SPEED_MS / 3600.0
    scale = max(1.0, float(hours[-1]) / 10.0)
    hours = np.maximum.accumulate(np.maximum(hours / scale, 1e-3))
    return tuple(float(h) for h in hours), scale
