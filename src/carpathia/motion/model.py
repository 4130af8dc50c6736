"""The ``agents`` probability model: the motion simulation as a POA map for any planner's grid.

:func:`agents_map` runs :func:`~carpathia.motion.simulate` and histograms the agents at the
hours missing onto the grid, smoothed by a Gaussian kernel (Scott's rule by default). On a flat,
featureless grid of fine cells (MapScore's 5001 × 5001 cells of 5 m) the agents walk a coarser
copy of the same ground (:data:`PROXY_RESOLUTION_M`; nothing on it varies from cell to cell, so
only the cost changes) and are histogrammed onto the fine grid.

Calibration multipliers (level → factor on Koester's distance quantile, as the ``rings`` and
``travel_time`` models take them; ``carpathia evaluate --cross-validate`` fits them) scale the
walking budgets (:meth:`~carpathia.motion.MotionParams.with_multipliers`). The map's ``meta``
carries the share of simulated subjects incapacitated at the map's time (cold, swept in a
crossing) and its complement ``p_responsive``: the search module treats incapacitated subjects
as unresponsive (smaller sweep widths).
"""

from __future__ import annotations

import numpy as np

from carpathia.probability.models import _profile, _profile_meta, register_model

from .params import CALIBRATION_HOURS

__all__ = ["DEFAULT_MODEL_AGENTS", "PROXY_RESOLUTION_M", "agents", "agents_map"]

#: Agents per map in :func:`agents_map` (about 1 s per 24 h map on two cores).
DEFAULT_MODEL_AGENTS = 20_000
#: Cell size of the walking grid that stands in for a featureless grid of finer cells, m.
PROXY_RESOLUTION_M = 25.0


def _featureless(terrain) -> bool:
    z = terrain.elevation
    if not np.isfinite(z).all() or float(np.ptp(z)) != 0.0:
        return False
    return all(not np.any(v) for v in terrain.layers.values())


def agents_map(
    incident,
    terrain,
    *,
    hours: float | None = None,
    n_agents: int = DEFAULT_MODEL_AGENTS,
    dt_s: float = 60.0,
    seed: int = 0,
    smooth_m: float | str = "auto",
    weather=None,
    params=None,
    profile=None,
    multipliers=None,
):
    """POA map from the agent-based motion model at ``hours`` (default: hours missing, else 24 h).

    Parameters
    ----------
    incident, terrain
        As every model (:mod:`carpathia.probability.models`).
    hours
        Hours since the last sighting; default the incident's ``hours_missing``, else
        :data:`~carpathia.motion.params.CALIBRATION_HOURS` (24 h, the calibration time).
    n_agents, dt_s, seed, weather
        Passed to :func:`~carpathia.motion.simulate`.
    params
        Motion parameters, used as they are. Default: the package's for the profile's Koester
        row, fitted to this terrain from the IPP by a pilot run
        (:func:`~carpathia.motion.terrain_fit.fit_to_terrain`; ``meta["terrain_fit"]``).
    smooth_m
        Kernel width in metres, or ``"auto"`` (Scott's rule).
    profile
        The subject profile to take the motion parameters from (default: from the incident).
    multipliers
        Level (0.25, 0.5, 0.75, 0.95) → factor on the straight-line distance quantiles (a
        calibration; :meth:`~carpathia.motion.MotionParams.with_multipliers`), or None.

    Returns
    -------
    ProbabilityMap
        ``meta["model"] == "agents"`` with the seed, agent count and simulation parameters;
        ``meta["incapacitated_fraction"]``: the share of agents incapacitated (cold, swept) at
        ``hours``; ``meta["responsive_behavioural"]``: the category's behavioural responsive
        share (:func:`carpathia.subjects.responsive_share`); ``meta["p_responsive"]`` = that
        share × (1 − the incapacitated share), for the search module's sweep widths;
        ``meta["multipliers"]`` as given.
    """
    from carpathia.terrain import Terrain

    from .engine import simulate
    from .params import motion_params

    h = float(hours if hours is not None else (incident.hours_missing or CALIBRATION_HOURS))
    package = params is None  # the package's flat calibration: fitted to the terrain below
    walk = terrain
    if _featureless(terrain) and terrain.resolution < PROXY_RESOLUTION_M:
        x0, y0 = terrain.to_xy(*incident.ipp)
        left, bottom, right, top = terrain.bounds
        radius = max(x0 - left, right - x0, y0 - bottom, top - y0)
        walk = Terrain.flat(
            incident.ipp,
            radius_m=radius,
            resolution=PROXY_RESOLUTION_M,
            elevation=float(terrain.elevation.flat[0]),
            dst_crs=terrain.crs,
        )
        walk.meta["flat"] = terrain.meta.get("flat", False)
    fit_info = None
    if package:  # issue 13 item 1: the row's distances on this ground (a pilot run), then multipliers
        from .engine import _incident_profile
        from .terrain_fit import fit_to_terrain

        prof = profile if profile is not None else _incident_profile(incident, walk)
        params, fit_info = fit_to_terrain(motion_params(prof), prof, incident, walk, seed=seed)
    if multipliers:
        params = params.with_multipliers(multipliers)
    sim = simulate(
        incident,
        walk,
        n_agents=n_agents,
        hours=h,
        dt_s=dt_s,
        seed=seed,
        weather=weather,
        params=params,
        terrain_fit=False,
    )
    pmap = sim.probability_at(h, smooth_m=smooth_m, terrain=None if walk is terrain else terrain)
    incap = sim.incapacitated_fraction(h)
    # issue 13 item 2: answering searchers is mostly behavioural (dementia 1 %); unknown: 0
    from carpathia.subjects import responsive_share

    behaviour = responsive_share(profile.category if profile is not None else incident.category)
    pmap.meta.update(
        {
            "model": "agents",
            "walk_grid_m": walk.resolution,
            "terrain_fit": fit_info,
            "incapacitated_fraction": incap,
            "responsive_behavioural": behaviour.share,
            "p_responsive": behaviour.share * (1.0 - incap),
            "multipliers": {str(float(k)): float(v) for k, v in multipliers.items()} if multipliers else None,
        }
    )
    return pmap


def agents(incident, terrain, *, hours: float | None = None, categories=(), **kwargs):
    """The ``agents`` POA model (registered in :data:`carpathia.probability.MODELS`): simulated
    subjects' positions at ``hours`` (default: hours missing, else 24 h) as a smoothed histogram.
    Keywords ``n_agents``, ``dt_s``, ``seed``, ``smooth_m``, ``weather`` go to the simulation;
    ``multipliers`` (level → factor on Koester's quantiles, as
    :func:`~carpathia.probability.rings`) scale the walking budgets; ``categories`` are
    user-defined profiles tried first. ``meta["p_responsive"]`` is the category's behavioural
    responsive share times the share of simulated subjects not incapacitated."""
    prof = _profile(incident, terrain, categories)
    pmap = agents_map(incident, terrain, hours=hours, profile=prof, **kwargs)
    pmap.meta.update({"category": prof.category, "profile": _profile_meta(prof)})
    return pmap


register_model("agents", agents)
