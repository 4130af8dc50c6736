"""Probability-of-area models: functions from (incident, terrain) to a :class:`ProbabilityMap`.

- :func:`rings`: Koester's straight-line distance statistics around the IPP.
- :func:`travel_time`: the same quantiles laid over a travel-time field from the IPP, so the
  rings bend around cliffs, rivers and hard ground.
- :func:`mixture`: a weighted blend of models; :func:`mattson`: the classical Mattson
  consensus of planners' weighted regions.
- ``agents``: the agent-based motion model, defined in :mod:`carpathia.motion.model` and
  registered here on first use (:class:`ModelRegistry`); this package never imports ``motion``.

Every model returns a normalised map whose ``meta`` records the model, its parameters and
the subject profile used.

References
----------
Koester, R. J. (2008). Lost Person Behavior. dbS Productions (ISRID statistics).
Mattson, R. J. (1976). Establishing search priorities. In Search Theory and Applications.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, MutableMapping, Sequence

import numpy as np

from carpathia.errors import InputError, UnknownNameError

from .probmap import ProbabilityMap

__all__ = [
    "MODELS",
    "ModelRegistry",
    "get_model",
    "mattson",
    "mixture",
    "register_model",
    "rings",
    "scaled_distribution",
    "travel_time",
]

#: Flat-ground walking speed used to turn hours into distance: Tobler's hiking function at
#: zero slope, 6·exp(−3.5·0.05) km/h (Tobler 1993), times his off-path factor 0.6.
FLAT_OFFTRAIL_SPEED_MS = 6.0 * math.exp(-3.5 * 0.05) * 0.6 / 3.6


def _profile(incident, terrain, categories=()):
    """The subject profile; on real terrain the ISRID terrain class (and urban eco-region) is
    inferred from the grid around the IPP when the incident does not give it. ``categories``
    are user-defined profiles (:func:`carpathia.subjects.load_categories`), tried first."""
    from carpathia.subjects import profile, profile_at

    if terrain.meta.get("flat"):
        return profile(
            incident.category,
            eco_region=incident.eco_region or "Temperate",
            terrain_class=incident.terrain_class or "Flat",
            extra=categories,
        )
    return profile_at(
        incident.category,
        terrain,
        *incident.ipp,
        eco_region=incident.eco_region,
        terrain_class=incident.terrain_class,
        extra=categories,
    )


def scaled_distribution(dist, multipliers: Mapping[float, float] | None):
    """The distance distribution with each quantile multiplied (a calibration), or ``dist``.

    ``multipliers`` maps probability levels (0.25, 0.5, 0.75, 0.95) to factors; levels not
    given keep factor 1. Scaled quantiles are forced to increase.
    """
    if not multipliers:
        return dist
    from carpathia.subjects import DistanceDistribution

    qs = dict(dist.quantiles)
    out = {}
    last = 0.0
    for q in sorted(qs):
        m = float(multipliers.get(q, multipliers.get(str(q), 1.0)))
        if not (math.isfinite(m) and m > 0):
            raise InputError(f"calibration multiplier for {q:.0%} must be a positive number, not {m!r}")
        v = max(qs[q] * m, last * (1 + 1e-9))
        out[q] = v
        last = v
    return DistanceDistribution(out, method=dist.method)


def _annulus_mass(rho: np.ndarray, cdf: Callable, res: float) -> np.ndarray:
    """Probability of a cell at effective radius ``rho`` from a radial distance distribution.

    The cell gets the mean areal density of the annulus ``[rho − res/2, rho + res/2]`` times
    its area: ``(F(ρ+) − F(ρ−)) · res² / (π (ρ+² − ρ−²))``. Near the IPP this stays finite
    (the IPP cell holds F(res/2) scaled to its square), far out it equals f(ρ)/(2πρ)·res².
    """
    out = np.zeros(np.shape(rho))
    ok = np.isfinite(rho)
    r = np.asarray(rho)[ok]
    if r.size > _TABULATE_CELLS:
        # smooth in ρ: tabulate on res/8 steps and interpolate (MapScore grids have 25 M cells)
        grid = np.arange(0.0, float(r.max()) + res, res / 8.0)
        out[ok] = np.interp(r, grid, _annulus_mass_exact(grid, cdf, res))
    else:
        out[ok] = _annulus_mass_exact(r, cdf, res)
    return out


#: Above this many cells :func:`_annulus_mass` interpolates a table instead of evaluating the
#: distribution at every cell.
_TABULATE_CELLS = 1_000_000


def _annulus_mass_exact(r: np.ndarray, cdf: Callable, res: float) -> np.ndarray:
    lo = np.maximum(r - res / 2.0, 0.0)
    hi = r + res / 2.0
    mass = cdf(hi) - cdf(lo)
    return np.clip(mass * (res * res) / (np.pi * (hi * hi - lo * lo)), 0.0, None)


def _finish(weights: np.ndarray, terrain, meta: dict, *, whole: bool = False) -> ProbabilityMap:
    """Weights that are already probabilities: what is missing from 1 is the rest of the world.

    With ``whole`` the subject is known to be on the grid, so the weights are normalised and
    the rest of the world is 0.
    """
    s = float(weights.sum())
    if s <= 0:
        raise InputError("the model puts no probability on this grid; is the IPP inside the terrain?")
    row = 0.0 if whole else max(0.0, 1.0 - s)
    return ProbabilityMap.from_weights(weights, terrain, rest_of_world=row, meta=meta)


def _edge_distance(terrain, x0: float, y0: float) -> float:
    """Distance from (x0, y0) to the nearest edge of the grid, metres."""
    left, bottom, right, top = terrain.bounds
    return float(min(x0 - left, right - x0, y0 - bottom, top - y0))


def _ipp_xy(incident, terrain):
    terrain.to_pixel(*incident.ipp)  # raises OutsideTerrainError with a clear message
    return terrain.to_xy(*incident.ipp)


def _distance_grid(terrain, x0: float, y0: float) -> np.ndarray:
    h, w = terrain.shape
    left, _, _, top = terrain.bounds
    res = terrain.resolution
    xs = (left + (np.arange(w) + 0.5) * res - x0).astype(np.float64)
    ys = (top - (np.arange(h) + 0.5) * res - y0).astype(np.float64)
    return np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2)


def _hours_cap(incident, hours: float | None) -> float | None:
    h = hours if hours is not None else incident.hours_missing
    if h is None:
        return None
    if not math.isfinite(h) or h <= 0:
        raise InputError(f"hours must be a positive number, not {h!r}")
    return float(h)


def rings(
    incident,
    terrain,
    *,
    hours: float | None = None,
    categories: Sequence = (),
    multipliers: Mapping[float, float] | None = None,
) -> ProbabilityMap:
    """Koester distance rings: probability falls with straight-line distance from the IPP.

    Each cell gets the probability that the straight-line IPP-to-find distance falls in its
    annulus, spread evenly around the ring (so the disc of radius d holds F(d)). Mass beyond
    the grid is the rest of the world. With ``hours`` (default: the incident's hours missing),
    distances beyond what a walker covers in that time on flat ground off trail
    (:data:`FLAT_OFFTRAIL_SPEED_MS`) are excluded and the distribution is conditioned on them.

    References
    ----------
    Koester (2008), Lost Person Behavior; ISRID distance-from-IPP table.
    """
    prof = _profile(incident, terrain, categories)
    dist = scaled_distribution(prof.distance, multipliers)
    x0, y0 = _ipp_xy(incident, terrain)
    d = _distance_grid(terrain, x0, y0)
    res = terrain.resolution
    cap = _hours_cap(incident, hours)
    meta = {
        "model": "rings",
        "category": prof.category,
        "profile": _profile_meta(prof),
        "hours": cap,
        "multipliers": _mult_meta(multipliers),
    }
    if cap is not None:
        dmax = FLAT_OFFTRAIL_SPEED_MS * cap * 3600.0
        fmax = float(dist.cdf(dmax))
        if fmax <= 0:
            raise InputError(f"in {cap:g} h the subject cannot have left the IPP cell; give more hours")

        def cdf(r):
            return np.minimum(dist.cdf(r), fmax) / fmax

        w = _annulus_mass(d, cdf, res)
        meta["max_distance_m"] = dmax
        if dmax <= _edge_distance(terrain, x0, y0):
            return _finish(w, terrain, meta, whole=True)  # the subject cannot be off the grid
    else:
        w = _annulus_mass(d, dist.cdf, res)
    return _finish(w, terrain, meta)


def _mult_meta(multipliers) -> dict | None:
    return {str(float(k)): float(v) for k, v in multipliers.items()} if multipliers else None


def _profile_meta(prof) -> dict:
    q = getattr(prof, "quantiles_m", None)
    return {
        "category": getattr(prof, "category", None),
        "eco_region": getattr(prof, "eco_region", None),
        "terrain_class": getattr(prof, "terrain_class", None),
        "fell_back": getattr(prof, "fell_back", False),
        "quantiles_m": dict(q) if q is not None else None,
    }


def _effective_radius(times: np.ndarray, terrain) -> tuple[np.ndarray, dict]:
    """Equal-area effective radius of each cell from its travel time.

    ρ(t) = sqrt(area{T ≤ t} / π): the cost-distance contour through a cell encloses the same
    area as a straight-line ring of radius ρ. Once contours reach the grid's edge their area is
    truncated, so beyond the first edge time ρ grows in proportion to t (constant effective
    speed). Unreachable cells get ρ = inf.
    """
    res = terrain.resolution
    finite = np.isfinite(times)
    edge = np.zeros_like(times, dtype=bool)
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
    edge_times = times[edge & finite]
    t_edge = float(edge_times.min()) if edge_times.size else math.inf
    t = times[finite]
    rho_t = _rho_exact(t, res) if t.size <= _EXACT_SORT_CELLS else _rho_binned(t, res)
    if math.isfinite(t_edge) and t_edge > 0:
        at_edge = t >= t_edge
        rho_edge = float(rho_t[~at_edge].max()) if (~at_edge).any() else float(res / math.sqrt(math.pi))
        rho_t = np.where(at_edge, rho_edge * t / t_edge, rho_t)
        v_eff = rho_edge / t_edge
    else:
        tmax = float(t.max()) if t.size else 0.0
        v_eff = float(rho_t.max() / tmax) if tmax > 0 else math.nan
    rho = np.full(times.shape, np.inf)
    rho[finite] = rho_t
    return rho, {"edge_time_s": t_edge, "effective_speed_ms": v_eff}


#: Up to this many reachable cells the equal-area radius is computed by an exact sort;
#: beyond, by a 2^18-bin histogram of travel times (O(N); radius error below 0.1 %).
_EXACT_SORT_CELLS = 4_000_000


def _rho_exact(t: np.ndarray, res: float) -> np.ndarray:
    order = np.argsort(t, kind="stable")
    ts = t[order]
    # ties share the area of their whole group (the contour encloses all of them): for each
    # position, the count at the end of its tie group
    last_of_group = np.r_[ts[1:] != ts[:-1], True]
    count = np.arange(1, ts.size + 1, dtype=np.float64)
    group_count = np.minimum.accumulate(np.where(last_of_group, count, np.inf)[::-1])[::-1]
    out = np.empty(ts.size)
    out[order] = np.sqrt(group_count * res * res / np.pi)
    return out


def _rho_binned(t: np.ndarray, res: float, bins: int = 1 << 18) -> np.ndarray:
    tmax = float(t.max())
    if tmax <= 0:
        return np.full(t.size, res / math.sqrt(math.pi))
    k = np.minimum((t * (bins / tmax)).astype(np.int64), bins - 1)
    counts = np.bincount(k, minlength=bins).astype(np.float64)
    upper = np.sqrt(np.cumsum(counts) * res * res / np.pi)  # radius enclosing bins 0..k
    lower = np.r_[0.0, upper[:-1]]
    frac = t * (bins / tmax) - k  # position inside the bin
    return lower[k] + frac * (upper[k] - lower[k])


def travel_time(
    incident,
    terrain,
    *,
    hours: float | None = None,
    neighbours: int = 8,
    snow_depth_m: float | None = None,
    categories: Sequence = (),
    multipliers: Mapping[float, float] | None = None,
) -> ProbabilityMap:
    """Koester's quantiles laid over travel time from the IPP instead of straight distance.

    A travel-time field is computed from the IPP over the terrain (Tobler's hiking function on
    the slope of each step, off-trail and land-cover factors, water and slopes over 45° as
    barriers; :mod:`carpathia.travel`). Cells are then ranked by travel time and given
    effective radii by equal area (:func:`_effective_radius`): the contour that holds q of the
    probability encloses the same area as Koester's q ring, but follows the easy ground. On
    flat, uniform ground this is the rings model (up to the 8-neighbour stencil).

    Calibration: equal area keeps the searched area of each containment ring as in ISRID and
    needs no fitted constant. On top, ``multipliers`` (level → factor on that Koester quantile)
    recalibrate the rings to a team's own finds: :func:`carpathia.probability.evaluate.calibrate`
    fits them so the rings hold their stated fraction of finds (cross-validated; the README gives
    the figures on the Arizona MapScore cases). The published WiSAR cost-distance multipliers
    (1.05/1.35/1.80 at 25/50/75 %) were fitted to another tool's travel-time units and are not
    the default; they can be passed here.
    """
    from carpathia import travel

    prof = _profile(incident, terrain, categories)
    dist = scaled_distribution(prof.distance, multipliers)
    r0, c0 = terrain.to_pixel(*incident.ipp)
    res = terrain.resolution
    factors = travel.speed_factors(terrain, snow_depth_m=snow_depth_m)
    if not factors[r0, c0] > 0:
        raise InputError("the IPP falls on an impassable cell (water, cliff or no elevation data); move it")
    times = _uniform_times(terrain, factors, (r0, c0), neighbours)
    if times is None:
        times = travel.travel_time_terrain(
            terrain.elevation, res, [(r0, c0)], speed_factor=factors, neighbours=neighbours
        )
    cap = _hours_cap(incident, hours)
    if cap is not None:
        times = np.where(times <= cap * 3600.0, times, np.inf)
    rho, info = _effective_radius(times, terrain)
    meta = {
        "model": "travel_time",
        "multipliers": _mult_meta(multipliers),
        "category": prof.category,
        "profile": _profile_meta(prof),
        "hours": cap,
        "neighbours": neighbours,
        "snow_depth_m": snow_depth_m,
        "calibration": "equal-area",
        **info,
    }
    if cap is not None:
        rho_max = float(np.nanmax(np.where(np.isfinite(rho), rho, np.nan)))
        fmax = float(dist.cdf(rho_max + res / 2.0))

        def cdf(r):
            return np.minimum(dist.cdf(r), fmax) / fmax

        w = _annulus_mass(rho, cdf, res)
        if not math.isfinite(info["edge_time_s"]):
            return _finish(w, terrain, meta, whole=True)  # every cell in reach is on the grid
    else:
        w = _annulus_mass(rho, dist.cdf, res)
    return _finish(w, terrain, meta)


def _uniform_times(terrain, factors: np.ndarray, source: tuple[int, int], neighbours: int) -> np.ndarray | None:
    """Closed form of the 8-neighbour travel time on level ground of uniform speed, else None.

    On such a grid Dijkstra's shortest path is the octile distance
    ``max(|dr|, |dc|) + (√2 − 1)·min(|dr|, |dc|)`` cells (tested against the engine), so
    MapScore's 25-million-cell flat grids need no graph search.
    """
    from carpathia.travel import tobler_speed

    z = terrain.elevation
    if neighbours != 8 or not np.isfinite(z).all() or float(np.ptp(z)) != 0.0 or float(np.ptp(factors)) != 0.0:
        return None
    v = float(tobler_speed(0.0)) * float(factors.flat[0])
    if v <= 0:
        return None
    h, w = terrain.shape
    dr = np.abs(np.arange(h, dtype=np.float64) - source[0])[:, None]
    dc = np.abs(np.arange(w, dtype=np.float64) - source[1])[None, :]
    octile = np.maximum(dr, dc) + (math.sqrt(2.0) - 1.0) * np.minimum(dr, dc)
    return octile * (terrain.resolution / v)


def mixture(
    incident, terrain, *, models: Sequence[tuple[str, float]] = (("rings", 0.5), ("travel_time", 0.5)), **kwargs
) -> ProbabilityMap:
    """Weighted blend of models, e.g. ``models=[("rings", 0.3), ("travel_time", 0.7)]``."""
    if not models:
        raise InputError("a mixture needs at least one (model, weight) pair")
    maps = [get_model(name)(incident, terrain, **kwargs) for name, _ in models]
    out = maps[0].blend(maps[1:], [w for _, w in models])
    out.meta.update(
        {
            "model": "mixture",
            "components": [[n, float(w)] for n, w in models],
            "hours": kwargs.get("hours"),
            # every component used the same subject profile
            "category": maps[0].meta.get("category"),
            "profile": maps[0].meta.get("profile"),
        }
    )
    return out


def mattson(
    terrain, regions: Sequence, assessments: Sequence[Sequence[float]], *, rest_of_world: bool = True
) -> ProbabilityMap:
    """Mattson consensus: planners give each region (and the rest of the world) a share.

    Parameters
    ----------
    regions
        Polygons in lon/lat (shapely or :class:`~carpathia.terrain.Feature`).
    assessments
        One row per planner: a weight per region, plus a last weight for the rest of the world
        when ``rest_of_world`` is true. Rows are normalised to 1 and averaged; each region's
        share is spread evenly over its area on the grid (cells partly inside get their part).
    """
    from carpathia.terrain.vectors import Feature, rasterize_fraction

    feats = [r if isinstance(r, Feature) else Feature(r) for r in regions]
    a = np.asarray(assessments, dtype=float)
    n = len(feats) + (1 if rest_of_world else 0)
    if a.ndim != 2 or a.shape[1] != n or a.shape[0] == 0:
        extra = " + rest of world" if rest_of_world else ""
        raise InputError(f"each planner gives {n} weights ({len(feats)} regions{extra})")
    if (a < 0).any() or not np.isfinite(a).all() or (a.sum(axis=1) <= 0).any():
        raise InputError("planners' weights must be non-negative with a positive total")
    consensus = (a / a.sum(axis=1, keepdims=True)).mean(axis=0)
    w = np.zeros(terrain.shape)
    for share, f in zip(consensus[: len(feats)], feats, strict=True):
        frac = rasterize_fraction([f], terrain.transform, terrain.shape, terrain.crs)
        if frac.sum() <= 0:
            raise InputError(f"region {f.properties.get('name', '')!r} does not overlap the terrain")
        w += share * frac / frac.sum()
    row = float(consensus[-1]) if rest_of_world else 0.0
    meta = {"model": "mattson", "consensus": [float(v) for v in consensus], "planners": int(a.shape[0])}
    return ProbabilityMap.from_weights(w, terrain, rest_of_world=row, meta=meta)


class ModelRegistry(MutableMapping):
    """Name → model function. Models in this package are entered here; a model defined in a
    package above ``probability`` (``agents``, in :mod:`carpathia.motion`) registers itself with
    :func:`register_model` when its module is imported, and its name is listed in advance with
    the module that provides it, so that looking it up imports that module first. ``probability``
    itself never imports ``motion``: the dependency runs one way."""

    def __init__(self, models: Mapping[str, Callable[..., ProbabilityMap]], provided_by: Mapping[str, str]):
        self._models = dict(models)
        self._provided_by = dict(provided_by)

    def _resolve(self, key: str) -> None:
        if key not in self._models and key in self._provided_by:
            import importlib

            importlib.import_module(self._provided_by[key])

    def __getitem__(self, key: str) -> Callable[..., ProbabilityMap]:
        self._resolve(key)
        return self._models[key]

    def __setitem__(self, key: str, fn: Callable[..., ProbabilityMap]) -> None:
        self._models[key] = fn

    def __delitem__(self, key: str) -> None:
        del self._models[key]

    def __contains__(self, key: object) -> bool:
        return key in self._models or key in self._provided_by

    def __iter__(self):
        yield from self._models
        yield from (k for k in self._provided_by if k not in self._models)

    def __len__(self) -> int:
        return len(self._models.keys() | self._provided_by.keys())


MODELS: ModelRegistry = ModelRegistry(
    {"rings": rings, "travel_time": travel_time, "mixture": mixture},
    provided_by={"agents": "carpathia.motion.model", "report": "carpathia.probability.reports"},
)


def register_model(name: str, fn: Callable[..., ProbabilityMap]) -> None:
    """Enter a model function under ``name`` (the signature every model has:
    ``fn(incident, terrain, **kwargs) -> ProbabilityMap``); ``get_model`` then finds it."""
    if not callable(fn):
        raise InputError(f"model {name!r} must be callable")
    MODELS[str(name).strip().lower().replace("-", "_")] = fn


def __getattr__(name: str):
    # ``carpathia.probability.models.agents`` moved to ``carpathia.motion.model.agents``.
    if name == "agents":
        return MODELS["agents"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_model(name: str) -> Callable[..., ProbabilityMap]:
    """A model by name (``rings``, ``travel_time``, ``mixture``, ``agents``); '-' and '_' are interchangeable."""
    key = str(name).strip().lower().replace("-", "_")
    if key not in MODELS:
        raise UnknownNameError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[key]
