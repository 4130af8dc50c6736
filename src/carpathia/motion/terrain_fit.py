"""Terrain fit of the walking budgets: a short pilot run on the incident's own ground.

Why
---
The walking-time budgets of ``data/calibration.csv`` are fitted on flat, featureless ground
(:mod:`carpathia.motion.calibrate`), but Koester's rows are straight-line distances measured on
the ground of their class: a *mountainous* row is what lost people covered in mountains. Slopes
(Tobler), cliffs, winding routes and drainages shorten an agent's straight-line progress on a
real mountain three to five fold against the flat reference (issue 13 item 1: hikers from Mt
Washington's summit reached a median of 0.8 km at 24 h where the row says 3.1 km). Terrain
varies from one IPP to the next, so the budgets are rescaled for each run on its own ground.

Method
------
1. **Pilot**: agents with the run's parameters walk from the IPP on the run's terrain for
   :data:`~carpathia.motion.params.CALIBRATION_HOURS`, on the calibration's clock
   (:func:`pilot_start`: the reference's date and local solar time, at the IPP's longitude),
   without weather (Koester's distances pool all seasons; snow and cold act on top in the run
   itself), and with budgets of :data:`REACH` times the starting knots (unlimited above the
   75 % rank). An agent's path does not depend on its budget, so the pilot gives each agent's
   distance at 24 h for any budget within that reach (:class:`~.calibrate.Paths`).
2. **Knots**: the four budget knots are fitted on the pilot to the row's 25/50/75/95 %
   distances by the calibration's fixed-point iteration, with the ground and speed held (on
   real ground a faster walker does not retrace a stretched copy of its path, unlike on the
   flat reference), the widest knot at most the hours the pilot's agents could walk
   (:func:`fit_knots_on_terrain`).
3. **Ease**: where even the widest budget leaves the widest tabulated level short, the ground
   is too slow for the row: an *ease* ``u`` is searched on smaller pilots (bisection once
   bracketed). ``u`` up to :data:`SPEED_FIRST` (2) is the speed factor over the flat
   calibration's, with the ground's full slope; from 2 to 3 it lowers the grade factor from 1
   to 0 (:attr:`~.params.MotionParams.grade_factor`: how much of the ground's slope the agents
   feel), the last resort; beyond 3 it raises the speed factor again (``u − 1`` times). Where
   a level overshoots with its knot already down on the one below, the ground is too fast and
   ``u`` goes down. A final pilot of :data:`PILOT_AGENTS` at the best ``u`` gives the knots.

The grade and speed factors are calibration factors for the straight-line progress the model
loses on real ground (no trails in the grid, off-path walking everywhere, land cover, routes
along streams and crests), recorded with the run, not physiological speeds. Measured on hikers
(temperate, mountainous) from three start points on ``white-mountains`` and three on
``maramures`` (seed 7): speed 2 × the flat calibration's at every point, grade factor 1 at Mt
Washington's summit and Crawford Notch, 0.5 at Pinkham Notch, 0 at the three Maramureș points.

The pilot's seed is derived from the run's seed (:func:`pilot_seed`), so a run is
reproducible; fits are cached per (terrain, IPP cell, parameters, targets, seed). The fit,
its errors on the final pilot, every pilot's factors and error, and the cost are recorded in
the run's ``meta["terrain_fit"]`` and so in every map.

On flat, featureless ground the flat calibration is the fit itself; no pilot is run.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from .calibrate import MAX_WALK_HOURS, REFERENCE, Paths, _fill_blank, _path_times
from .engine import _register_terrain_fitter
from .params import CALIBRATION_HOURS, CALIBRATION_LEVELS, MotionParams

__all__ = [
    "MAX_PILOTS",
    "PILOT_AGENTS",
    "PILOT_TOLERANCE",
    "featureless",
    "fit_knots_on_terrain",
    "fit_to_terrain",
    "pilot_seed",
    "pilot_start",
]

#: Agents of the final pilot run (carpathia's choice: the 95 % distance of 3000
#: agents has a sampling error of about 4-5 %, inside the 15 % the runs are checked to).
PILOT_AGENTS = 3000
#: Agents of the pilots that only search the speed factor (their knots are not kept).
SEARCH_AGENTS = 1500
#: A pilot's fit is accepted when every tabulated level is within this of the row.
PILOT_TOLERANCE = 0.03
#: Most pilot runs per fit: the first, speed-search pilots, the final one.
MAX_PILOTS = 6
#: Ease of the first pilot: the ground's full grade, the flat calibration's speed.
START_EASE = 1.0
#: The speed factor is raised first, up to this many times the flat calibration's, before the
#: grade factor is lowered (agents that feel the slope are the model; a lower grade is the last
#: resort). carpathia's choice.
SPEED_FIRST = 2.0
#: A pilot's agents ranked below 75 % walk at most this many times the starting knots.
REACH = 3.0
#: Assumed growth of the widest distance with the speed factor (d ∝ speed^0.7) for the first
#: speed step, until two pilots measure it: distance grows less than speed, as the widest
#: budgets are then walked over steeper, more winding ground (measured 0.5–0.9 on the White
#: Mountains).
SPEED_EXPONENT = 0.7
#: Fits kept in memory (per process).
CACHE_SIZE = 32
_CACHE: OrderedDict[tuple, tuple[MotionParams, dict[str, Any]]] = OrderedDict()


def featureless(terrain) -> bool:
    """True for a grid of one elevation and no layers (the calibration's own reference ground)."""
    z = terrain.elevation
    if not np.isfinite(z).all() or float(np.ptp(z)) != 0.0:
        return False
    return all(not np.any(v) for v in terrain.layers.values())


def pilot_start(lon: float) -> datetime:
    """Start of a pilot at longitude ``lon``: the calibration reference's date and local solar time.

    The reference starts at 08:00 EDT at 71.30° W (07:15 local mean solar time, midsummer); a
    pilot at another longitude starts at the same local mean solar time, in UTC.
    """
    ref = datetime.fromisoformat(REFERENCE.start).astimezone(UTC)
    return ref - timedelta(hours=(lon - REFERENCE.lon) / 15.0)


def pilot_seed(seed: int) -> int:
    """Seed of the pilot of a run with ``seed``: a hash of it, apart from the run's own streams."""
    h = hashlib.blake2b(f"carpathia.motion.pilot:{int(seed)}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "little") >> 1


def _targets(profile) -> tuple[np.ndarray, np.ndarray]:
    """The profile's distances (m) at 25/50/75/95 % (blank levels from its distribution) and which it tabulates."""
    from carpathia.subjects import DistanceDistribution

    q = dict(profile.quantiles_m)
    d = DistanceDistribution(q)
    t = np.array([q.get(p, float(d.ppf(p))) for p in CALIBRATION_LEVELS], dtype=float)
    have = np.array([p in q for p in CALIBRATION_LEVELS])
    return t, have


def fit_knots_on_terrain(
    paths: Paths,
    targets_m: np.ndarray,
    have: np.ndarray,
    init_knots,
    *,
    cap_h: float | np.ndarray = MAX_WALK_HOURS,
    tol: float = 0.005,
    max_iter: int = 200,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Budget knots (h) fitted on a pilot with the speed held; (worst error, knots, quantiles m).

    Fixed-point iterations ``t_k ← t_k · (target_k / simulated_k)^0.8`` from ``init_knots``,
    knots non-decreasing, tabulated knots at most ``cap_h`` (hours, or one per level); blank levels continue the fitted
    ones (as in the calibration). Returns the best iterate.
    """
    knots = np.maximum.accumulate(np.clip(np.asarray(init_knots, float), 1e-4, cap_h))
    best = (math.inf, knots, np.zeros(len(CALIBRATION_LEVELS)))
    since = 0
    for _ in range(max_iter):
        full = _fill_blank(knots, have)
        q = np.maximum(np.quantile(paths.distances(full), CALIBRATION_LEVELS), 1e-3)
        worst = float(np.max(np.abs(np.where(have, q / targets_m - 1.0, 0.0))))
        since += 1
        if worst < best[0]:
            since = 0 if worst < best[0] - 1e-3 else since
            best = (worst, full, q)
        if worst < tol or since > 30:
            break
        ratio = np.where(have, (targets_m / q) ** 0.8, 1.0)
        knots = np.maximum.accumulate(np.clip(knots * ratio, 1e-4, cap_h))
    return best


def _pilot_paths(params: MotionParams, incident, terrain, *, seed: int, n_agents: int, prepared, reach) -> Paths:
    """A pilot: agents walk with budgets ``reach`` (h at 25/50/75 %; above 75 % unlimited)."""
    from .engine import budget_scores, simulate

    free = params.replace(budget_knots_h=(*(float(r) for r in reach[:-1]), 1e4))
    sim = simulate(
        incident,
        terrain,
        n_agents=n_agents,
        hours=CALIBRATION_HOURS,
        seed=seed,
        params=free,
        start=pilot_start(incident.ipp[0]),
        n_tracks=0,
        times=_path_times(),
        terrain_fit=False,
        prepared=prepared,
    )
    walked = np.zeros((sim.times_h.size + 1, sim.n_agents), np.float32)
    dist = np.zeros_like(walked)
    walked[1:] = sim.walked / np.float32(3600.0)
    for j, t in enumerate(sim.times_h):
        dist[j + 1] = sim.distances(t)
    return Paths(walked_h=walked, dist_m=dist, scores=budget_scores(seed, 0, sim.n_agents))


def _terrain_key(terrain) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(terrain.elevation).view(np.uint8))
    for name in sorted(terrain.layers):
        h.update(name.encode())
        h.update(np.ascontiguousarray(terrain.layers[name]).view(np.uint8))
    h.update(repr((tuple(terrain.transform), str(terrain.crs), terrain.shape)).encode())
    return h.hexdigest()


def fit_to_terrain(
    params: MotionParams,
    profile,
    incident,
    terrain,
    *,
    seed: int,
    n_agents: int = PILOT_AGENTS,
    prepared=None,
) -> tuple[MotionParams, dict[str, Any]]:
    """Parameters whose 24 h straight-line distances on ``terrain`` from the IPP match ``profile``'s row.

    Parameters
    ----------
    params
        The flat-calibrated parameters of the profile's row (:func:`~.params.motion_params`).
    profile
        The subject profile (its ``quantiles_m`` are the targets).
    incident, terrain
        The IPP and the ground.
    seed
        The run's seed; the pilot's is derived from it (:func:`pilot_seed`).
    n_agents
        Agents per pilot.
    prepared
        The grid of :func:`~.engine.prepare_grid` for these parameters, to reuse.

    Returns
    -------
    (MotionParams, dict)
        Parameters with the fitted knots and speed factor, and the record for ``meta["terrain_fit"]``.
    """
    targets, have = _targets(profile)
    if featureless(terrain):
        return params, {
            "method": "none: flat featureless ground is the calibration's own reference",
            "targets_m": [round(float(t), 1) for t in targets],
        }
    r0, c0 = terrain.to_pixel(*incident.ipp)
    key = (
        _terrain_key(terrain),
        int(r0),
        int(c0),
        repr(sorted(params.to_dict().items())),
        tuple(np.round(targets, 3)),
        tuple(have),
        int(seed),
        int(n_agents),
    )
    if key in _CACHE:
        _CACHE.move_to_end(key)
        p, info = _CACHE[key]
        return p, {**info, "cached": True}
    t0 = time.perf_counter()
    pseed = pilot_seed(seed)
    top = int(np.flatnonzero(have)[-1])
    runs: list[dict[str, Any]] = []

    base_grade = params.grade_factor

    def knob(u: float) -> tuple[float, float]:
        """Grade factor and speed factor of ease ``u``: the speed is ``u`` times the flat calibration's
        up to SPEED_FIRST, then the grade falls from 1 to 0 over the next unit, then the speed rises
        again (``u − 1`` times the flat calibration's)."""
        flat = float(params.speed_scale)
        if u <= SPEED_FIRST:
            return float(base_grade), flat * u
        if u <= SPEED_FIRST + 1.0:
            return float(base_grade) * (SPEED_FIRST + 1.0 - u), flat * SPEED_FIRST
        return 0.0, flat * (u - 1.0)

    def pilot(u: float, agents: int, init) -> dict[str, Any]:
        grade, speed = knob(u)
        grid = prepared
        if prepared is not None and grade != base_grade:
            from .engine import prepare_grid, regrade

            p = params.replace(grade_factor=grade)
            grid = (
                (regrade(prepared[0], base_grade, grade), prepared[1]) if base_grade > 0 else prepare_grid(terrain, p)
            )
        # agents ranked below 75 % walk at most REACH times the starting knots (a cheaper
        # pilot: stopped agents cost nothing); the fit keeps the knots within that reach
        reach = np.maximum.accumulate(REACH * np.maximum(np.asarray(init, float), 1e-3))
        paths = _pilot_paths(
            params.replace(grade_factor=grade, speed_scale=speed),
            incident,
            terrain,
            seed=pseed,
            n_agents=agents,
            prepared=grid,
            reach=reach,
        )
        cap = float(paths.walked_h[-1].max()) + 1e-3  # a longer budget walks the whole time
        caps = np.maximum.accumulate(np.r_[reach[:-1], max(cap, reach[-2])])
        worst, knots, q = fit_knots_on_terrain(paths, targets, have, init, cap_h=caps)
        err = np.where(have, q / targets - 1.0, 0.0)
        floor = np.r_[knots[0] <= 2e-4, knots[1:] <= knots[:-1] * (1.0 + 1e-3)]
        run = {"ease": u, "grade_factor": grade, "speed_scale": speed, "agents": agents}
        run.update(worst=worst, knots=knots, q=q)
        # too slow: the widest level short with its knot at the cap; too fast: a level too far
        # with its knot down on the one below (the spread at equal walking time is too wide)
        run["slow"] = float(knots[top]) >= 0.98 * caps[top] and err[top] < -PILOT_TOLERANCE
        run["fast"] = not run["slow"] and bool(np.any((err > PILOT_TOLERANCE) & floor))
        runs.append(run)
        return run

    run = pilot(START_EASE, SEARCH_AGENTS, params.budget_knots_h)
    if run["worst"] >= PILOT_TOLERANCE and (run["slow"] or run["fast"]):
        # search the ease on smaller pilots: bisection once bracketed, else a step outwards
        lo = run if run["slow"] else None
        hi = run if run["fast"] else None
        while len(runs) < MAX_PILOTS - 1:
            if lo is not None and hi is not None:
                u = 0.5 * (lo["ease"] + hi["ease"])
            elif hi is not None:
                u = 0.5 * hi["ease"]
            else:  # a step outwards: more speed (d ∝ speed^SPEED_EXPONENT) up to SPEED_FIRST, then less
                # grade in half steps, then more speed again
                gain = float(targets[top] / lo["q"][top]) ** (1.0 / SPEED_EXPONENT)
                if lo["ease"] < SPEED_FIRST:
                    u = min(lo["ease"] * gain, SPEED_FIRST)
                elif lo["ease"] < SPEED_FIRST + 1.0:
                    u = min(lo["ease"] + 0.5, SPEED_FIRST + 1.0)
                else:
                    u = 1.0 + (lo["ease"] - 1.0) * gain
            run = pilot(u, SEARCH_AGENTS, run["knots"])
            if run["worst"] < PILOT_TOLERANCE or not (run["slow"] or run["fast"]):
                break
            if run["slow"]:
                lo = run
            else:
                hi = run
    chosen = min(runs, key=lambda r: r["worst"])
    best = pilot(chosen["ease"], n_agents, chosen["knots"])  # the final pilot, at full size
    fitted = params.replace(
        budget_knots_h=tuple(float(k) for k in best["knots"]),
        speed_scale=float(best["speed_scale"]),
        grade_factor=float(best["grade_factor"]),
        budget_source=f"{params.budget_source}; rescaled on this terrain by a pilot run (terrain_fit)",
    )
    info = {
        "method": "pilot: budget knots (and speed factor where the ground is slower) fitted on this terrain",
        "pilot_agents": int(n_agents),
        "search_agents": SEARCH_AGENTS,
        "pilot_seed": pseed,
        "pilot_start": pilot_start(incident.ipp[0]).isoformat(),
        "pilots": len(runs),
        "pilot_history": [
            {
                "speed_scale": round(r["speed_scale"], 4),
                "agents": r["agents"],
                "worst_error_pct": round(100 * r["worst"], 2),
            }
            for r in runs
        ],
        "targets_m": [round(float(t), 1) for t in targets],
        "pilot_quantiles_m": [round(float(x), 1) for x in best["q"]],
        "pilot_errors_pct": [
            round(100.0 * float(x / t - 1.0), 2) if h else None
            for x, t, h in zip(best["q"], targets, have, strict=True)
        ],
        "flat_knots_h": [float(k) for k in params.budget_knots_h],
        "flat_speed_scale": float(params.speed_scale),
        "knots_h": [round(float(k), 5) for k in best["knots"]],
        "speed_scale": round(float(best["speed_scale"]), 5),
        "grade_factor": round(float(best["grade_factor"]), 5),
        "seconds": round(time.perf_counter() - t0, 3),
        "cached": False,
    }
    _CACHE[key] = (fitted, info)
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return fitted, info


_register_terrain_fitter(fit_to_terrain)
