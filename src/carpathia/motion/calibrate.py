"""Calibration of the walking-time budgets against Koester's distance table.

For a row of the table (category, eco-region, terrain) agents with that category's behaviour
mixture walk a flat, featureless reference grid from a reference IPP and start time
(:data:`REFERENCE`); their straight-line distances from the IPP at
:data:`~carpathia.motion.params.CALIBRATION_HOURS` are compared with the row's 25/50/75/95 %
distances, and each budget knot is multiplied by target / simulated until all agree
(:func:`fit_row`). ``scripts/calibrate_motion.py`` runs it for every row and writes
``data/calibration.csv``; :func:`check_row` measures the error of the packaged values (the
tests call it).

Why a flat reference: Koester's distances pool finds over all kinds of ground in an eco-region
and terrain class, and the agents' speed on a given mountain then follows from that mountain's
slopes; the budget is what the statistics fix.
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass

import numpy as np

from .params import CALIBRATION_HOURS, CALIBRATION_LEVELS, MotionParams, motion_params

__all__ = ["REFERENCE", "Reference", "check_row", "fit_row", "reference_run"]

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


def reference_run(params: MotionParams, targets_m: np.ndarray, *, n_agents: int, seed: int) -> np.ndarray:
    """Straight-line distances (m) at the calibration time on the flat reference grid."""
    from carpathia.incident import Incident
    from carpathia.terrain import Terrain

    from .engine import simulate

    radius = 2.5 * float(targets_m[-1]) + 2000.0
    res = max(25.0, radius / 400.0)
    terrain = Terrain.flat((REFERENCE.lon, REFERENCE.lat), radius_m=radius, resolution=res)
    inc = Incident.create(ipp_lat=REFERENCE.lat, ipp_lon=REFERENCE.lon, category=params.category)
    sim = simulate(
        inc,
        terrain,
        n_agents=n_agents,
        hours=CALIBRATION_HOURS,
        dt_s=REFERENCE.dt_s,
        seed=seed,
        params=params,
        start=REFERENCE.start,
        n_tracks=0,
    )
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


def fit_row(row, *, n_agents: int = 30000, seed: int = 0, tol: float = 0.025, max_iter: int = 10) -> dict:
    """Fit the budget knots (hours) and speed factor of one row; returns them with the errors.

    Starts from distance / flat speed and multiplies each knot by tabulated / simulated
    distance at its level until every tabulated level is within ``tol`` (or ``max_iter`` runs);
    knots are kept non-decreasing. A level the table leaves blank is not fitted: its knot
    continues the last two log-linearly. Where the widest knot would exceed
    :data:`MAX_WALK_HOURS` of walking, the excess goes into the speed factor instead (a mode of
    travel faster than walking). The errors reported are of a last run with another seed.
    """
    prof = _profile_of(row)
    base = motion_params(prof)
    t = _targets(row)
    have = np.array([lv in row.quantiles_m for lv in CALIBRATION_LEVELS])
    scale = 1.0
    knots = np.maximum.accumulate(np.maximum(t / _FLAT_SPEED / 3600.0, 1e-3))
    for it in range(max_iter):
        knots = _fill_blank(knots, have)
        p = base.replace(budget_knots_h=tuple(knots), speed_scale=scale)
        d = reference_run(p, t, n_agents=n_agents, seed=seed + it)
        sim_q = np.maximum(np.quantile(d, CALIBRATION_LEVELS), 1.0)
        ratio = np.where(have, t / sim_q, 1.0)
        if np.all(np.abs(ratio - 1.0) < tol):
            break
        knots = np.maximum.accumulate(np.clip(knots * ratio, 1e-4, 1e3))
        top = float(knots[have][-1])
        if top > MAX_WALK_HOURS:
            scale *= top / MAX_WALK_HOURS
            knots = knots * (MAX_WALK_HOURS / top)
    knots = _fill_blank(knots, have)
    p = base.replace(budget_knots_h=tuple(knots), speed_scale=scale)
    err = check_row(row, n_agents=n_agents, seed=seed + 1000, params=p)
    return {"knots": tuple(float(k) for k in knots), "speed_scale": float(scale), "errors": err, "iterations": it + 1}


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
