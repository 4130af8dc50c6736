"""Calibration of the walking-time budgets against Koester's distance table.

For a row of the table (category, eco-region, terrain) agents with that category's behaviour
mixture walk a flat, featureless reference grid from a reference IPP and start time
(:data:`REFERENCE`); their straight-line distances from the IPP at
:data:`~carpathia.motion.params.CALIBRATION_HOURS` are compared with the row's 25/50/75/95 %
distances. An agent's path does not depend on its walking budget, so one run without budgets
(:func:`path_run`) gives each agent's distance for any budget, and the knots are fitted on it by
fixed-point iterations, knot × (target / simulated)^0.8 (:func:`fit_knots`).

At a given walking time, agents whose paths wander (random walking, heading noise) end at a
spread of distances; where a row's quantiles sit closer together than that spread (Angler/Dry:
6.0/6.5/8.0 mi at 50/75/95 %; toddlers in towns: 0.3/0.5/0.7 mi), no budget can fit them, and
the row gets a fitted wander factor below 1 (:func:`fit_row`). ``scripts/calibrate_motion.py``
runs it for every row and writes ``data/calibration.csv``; :func:`check_row` measures the error
of the packaged values with a full simulation (the tests call it).

Why a flat reference: Koester's distances pool finds over all kinds of ground in an eco-region
and terrain class, and the agents' speed on a given mountain then follows from that mountain's
slopes; the budget is what the statistics fix.
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass

import numpy as np

from .params import CALIBRATION_HOURS, CALIBRATION_LEVELS, MotionParams, budget_hours, motion_params

__all__ = [
    "FIT_TOLERANCE",
    "REFERENCE",
    "WANDER_STEPS",
    "Paths",
    "Reference",
    "check_row",
    "fit_knots",
    "fit_row",
    "path_run",
    "reference_run",
]

#: Walking speed on the flat reference ground: Tobler on the flat × off-path 0.6, m/s.
_FLAT_SPEED = 6.0 * math.exp(-3.5 * 0.05) / 3.6 * 0.6
#: Above this many hours of straight walking for the 95 % distance, a row gets a mode-of-travel
#: speed factor (carpathia's assumption: nobody walks more than about 10 h of net progress a day).
MAX_WALK_HOURS = 10.0


@dataclass(frozen=True)
class Reference:
    """The reference incident of the calibration: place, start time (local summer morning)."""

    lon: float = -71.30
    lat: float = 44.27
    start: str = "2024-06-21T08:00:00-04:00"
    dt_s: float = 60.0


#: The reference incident (White Mountains, New Hampshire; midsummer, 08:00 local time).
REFERENCE = Reference()


def _profile_of(row):
    """A minimal profile (category, row, quantiles) for one row of Koester's table."""
    category = "Default" if row.category == "*" else row.category
    return types.SimpleNamespace(category=category, row=row, quantiles_m=row.quantiles_m)


def _targets(row) -> np.ndarray:
    from carpathia.subjects import DistanceDistribution

    q = row.quantiles_m
    d = DistanceDistribution(dict(q))
    return np.array([q.get(p, float(d.ppf(p))) for p in CALIBRATION_LEVELS], dtype=float)


def _flat_run(params: MotionParams, *, radius_m: float, resolution: float, n_agents: int, seed: int, **kw):
    """A run of the calibration time on the flat reference grid (no tracks)."""
    from carpathia.subjects.incident import Incident
    from carpathia.terrain import Terrain

    from .engine import simulate

    terrain = Terrain.flat((REFERENCE.lon, REFERENCE.lat), radius_m=radius_m, resolution=resolution)
    inc = Incident.create(ipp_lat=REFERENCE.lat, ipp_lon=REFERENCE.lon, category=params.category)
    return simulate(
        inc,
        terrain,
        n_agents=n_agents,
        hours=CALIBRATION_HOURS,
        dt_s=REFERENCE.dt_s,
        seed=seed,
        params=params,
        start=REFERENCE.start,
        n_tracks=0,
        **kw,
    )


def reference_run(params: MotionParams, targets_m: np.ndarray, *, n_agents: int, seed: int) -> np.ndarray:
    """Straight-line distances (m) at the calibration time on the flat reference grid."""
    radius = 2.5 * float(targets_m[-1]) + 2000.0
    sim = _flat_run(params, radius_m=radius, resolution=max(25.0, radius / 400.0), n_agents=n_agents, seed=seed)
    return sim.distances(CALIBRATION_HOURS)


def check_row(row, *, n_agents: int = 4000, seed: int = 12345, params: MotionParams | None = None) -> np.ndarray:
    """Relative errors (simulated / tabulated − 1) at 25/50/75/95 % with the packaged parameters.

    Levels the table leaves blank come back NaN.
    """
    p = params or motion_params(_profile_of(row))
    t = _targets(row)
    d = reference_run(p, t, n_agents=n_agents, seed=seed)
    err = np.quantile(d, CALIBRATION_LEVELS) / t - 1.0
    have = row.quantiles_m
    return np.array([e if lv in have else np.nan for e, lv in zip(err, CALIBRATION_LEVELS, strict=True)])


#: Wander factors tried, largest first, for a row the mixture as given cannot fit.
WANDER_STEPS = (1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08, 0.05, 0.02, 0.0)
#: A fit on the path sample is accepted when every tabulated level is within this.
FIT_TOLERANCE = 0.03


def _path_times() -> np.ndarray:
    """Snapshot times of a path run, hours: each minute to 1 h, each 2 min to 3 h, each 5 min to 24 h."""
    minutes = np.r_[np.arange(1, 61), np.arange(62, 181, 2), np.arange(185, CALIBRATION_HOURS * 60 + 1, 5)]
    return minutes / 60.0


@dataclass(frozen=True)
class Paths:
    """Agents walking without a budget on the reference ground: distance against hours walked.

    An agent's path does not depend on its walking budget (the budget only says where along the
    path it stops: :func:`~carpathia.motion.engine.budget_scores`), so one run without budgets
    gives each agent's distance at the calibration time for any budget: its distance when it
    had walked that long, or at the calibration time if it had not.

    Attributes
    ----------
    walked_h, dist_m
        float32 (snapshots + 1, agents): hours walked and straight-line distance (m) at each
        snapshot, from a first row of zeros (the start).
    scores
        float64 (agents,): normal scores of the agents' budget ranks.
    """

    walked_h: np.ndarray
    dist_m: np.ndarray
    scores: np.ndarray

    def distances(self, knots_h, speed_scale: float = 1.0) -> np.ndarray:
        """Straight-line distances (m) at the calibration time with these budget knots and speed factor.

        Positions between snapshots are interpolated linearly in the time walked. On the flat,
        featureless reference ground a speed factor stretches every path alike.
        """
        budget = budget_hours(knots_h, self.scores)
        w, d = self.walked_h, self.dist_m
        s = w.shape[0]
        k = np.clip(np.count_nonzero(w < budget[None, :], axis=0), 1, s - 1)
        idx = np.arange(w.shape[1])
        w0, w1 = w[k - 1, idx], w[k, idx]
        f = np.clip((budget - w0) / np.maximum(w1 - w0, 1e-9), 0.0, 1.0)
        out = d[k - 1, idx] + f * (d[k, idx] - d[k - 1, idx])
        return out * speed_scale


def path_run(params: MotionParams, *, n_agents: int, seed: int) -> Paths:
    """Walk ``n_agents`` without a budget for the calibration time on the flat reference grid."""
    from .engine import budget_scores

    radius = _FLAT_SPEED * CALIBRATION_HOURS * 3600.0 + 2000.0  # nobody walks off it
    free = params.replace(budget_knots_h=(1e4,) * len(CALIBRATION_LEVELS), speed_scale=1.0)
    sim = _flat_run(free, radius_m=radius, resolution=radius / 400.0, n_agents=n_agents, seed=seed, times=_path_times())
    n = sim.n_agents
    walked = np.zeros((sim.times_h.size + 1, n), np.float32)
    dist = np.zeros_like(walked)
    walked[1:] = sim.walked / np.float32(3600.0)
    for j, t in enumerate(sim.times_h):
        dist[j + 1] = sim.distances(t)
    return Paths(walked_h=walked, dist_m=dist, scores=budget_scores(seed, 0, n))


def fit_knots(paths: Paths, targets_m: np.ndarray, have: np.ndarray, *, tol: float = 0.005, max_iter: int = 300):
    """Fit budget knots (h) and speed factor to the targets on a path sample; (worst error, knots, scale).

    Fixed-point iterations ``t_k ← t_k · (target_k / simulated_k)^0.8``, knots kept
    non-decreasing; where the widest tabulated knot exceeds :data:`MAX_WALK_HOURS`, the excess
    goes into the speed factor (and back out when it falls below). Blank levels are not fitted
    (:func:`_fill_blank`). Returns the best iterate (after ``max_iter`` iterations, or 40
    without improvement).
    """
    knots = np.maximum.accumulate(np.maximum(targets_m / _FLAT_SPEED / 3600.0, 1e-3))
    scale = 1.0
    best = (math.inf, knots, scale)
    since = 0
    for _ in range(max_iter):
        full = _fill_blank(knots, have)
        q = np.maximum(np.quantile(paths.distances(full, scale), CALIBRATION_LEVELS), 1e-3)
        worst = float(np.max(np.abs(np.where(have, q / targets_m - 1.0, 0.0))))
        since += 1
        if worst < best[0]:
            since = 0 if worst < best[0] - 1e-3 else since
            best = (worst, full, scale)
        if worst < tol or since > 40:  # converged, or stuck
            break
        ratio = np.where(have, (targets_m / q) ** 0.8, 1.0)
        knots = np.maximum.accumulate(np.clip(knots * ratio, 1e-4, 1e3))
        top = float(knots[have][-1])
        if top > MAX_WALK_HOURS or scale > 1.0:
            f = max(top / MAX_WALK_HOURS, 1.0 / scale)
            scale *= f
            knots = knots / f
    return best


def fit_row(row, *, n_agents: int = 20000, seed: int = 0, check_agents: int | None = None) -> dict:
    """Fit the budget knots (hours), speed factor and wander of one row; returns them with the errors.

    One run without budgets on the reference ground gives every agent's distance at the
    calibration time as a function of its walking budget (:func:`path_run`); the knots are
    fitted on it (:func:`fit_knots`). A row whose quantiles sit closer together than the
    mixture's wandering spreads agents of equal walking time (Angler/Dry: 6.0/6.5/8.0 mi at
    50/75/95 %) cannot be fitted by budgets alone: its wander factor is lowered, by bisection
    over :data:`WANDER_STEPS`, to the largest that fits within :data:`FIT_TOLERANCE` (else the
    best fit is kept).
    The errors reported are of a full simulation with another seed (:func:`check_row`).
    """
    prof = _profile_of(row)
    base = motion_params(prof).replace(wander=1.0, speed_scale=1.0)
    t = _targets(row)
    have = np.array([lv in row.quantiles_m for lv in CALIBRATION_LEVELS])
    tried = {}

    def attempt(i):
        if i not in tried:
            paths = path_run(base.replace(wander=WANDER_STEPS[i]), n_agents=n_agents, seed=seed)
            tried[i] = (*fit_knots(paths, t, have), WANDER_STEPS[i])
        return tried[i][0] < FIT_TOLERANCE

    # less wander narrows the spread at a given walking time: bisect for the largest that fits
    if not attempt(0):
        lo, hi = 0, len(WANDER_STEPS) - 1  # lo fails; hi is the straightest
        if attempt(hi):
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (lo, mid) if attempt(mid) else (mid, hi)
    fits = [v for v in tried.values() if v[0] < FIT_TOLERANCE]
    worst, knots, scale, w = max(fits, key=lambda v: v[3]) if fits else min(tried.values(), key=lambda v: v[0])
    runs = len(tried)
    p = base.replace(budget_knots_h=tuple(float(k) for k in knots), speed_scale=float(scale), wander=w)
    err = check_row(row, n_agents=check_agents or n_agents, seed=seed + 1000, params=p)
    return {
        "knots": p.budget_knots_h,
        "speed_scale": p.speed_scale,
        "wander": w,
        "fit_error": worst,
        "errors": err,
        "iterations": runs,
    }


def _fill_blank(knots: np.ndarray, have: np.ndarray) -> np.ndarray:
    """Knots of blank levels continue the fitted ones log-linearly in the normal score."""
    from .params import _normal_scores

    z = _normal_scores()
    out = knots.copy()
    idx = np.flatnonzero(have)
    for i in np.flatnonzero(~have):
        lo, hi = (idx[-2], idx[-1]) if i > idx[-1] else (idx[0], idx[1])
        slope = (np.log(out[hi]) - np.log(out[lo])) / (z[hi] - z[lo])
        ref = hi if i > idx[-1] else lo
        out[i] = float(np.exp(np.log(out[ref]) + slope * (z[i] - z[ref])))
    return np.maximum.accumulate(out)
