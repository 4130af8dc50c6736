"""The simulation engine: agents leave the IPP and walk the terrain; positions are kept at snapshots.

``simulate(incident, terrain, *, n_agents, hours, dt_s=60, seed=0, weather=None)`` prepares the
grid (one 16-byte record per cell), the per-step clocks (darkness from the computed sun, weather),
the agents (:class:`~carpathia.motion.agents.Agents`) and runs the numba kernel
(:func:`carpathia.motion._kernels.advance`) between snapshot times, in parallel over agents.
Random numbers are counter-based, so the result depends on the seed only: not on the thread
count (``NUMBA_NUM_THREADS``), nor on ``chunks`` (the agents split into parts run one after
another, or on a Dask cluster with ``client=``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from carpathia.errors import InputError

from . import _kernels as K
from .agents import BYTES_PER_AGENT, Agents
from .params import MotionParams, budget_hours, motion_params
from .simulation import Simulation

__all__ = ["COLD_STEP_S", "MAX_AGENTS", "MAX_HOURS", "budget_scores", "initial_agents", "prepare_grid", "simulate"]

#: Most agents one call accepts (memory: 46 bytes each, plus 13 bytes per snapshot).
MAX_AGENTS = 100_000_000
#: Longest simulation, hours (10 days).
MAX_HOURS = 240.0
#: Interval of the per-agent cold step, s: the survival model's own step (carpathia.survival.cold.STEP_S,
#: within 1 % of a 1-minute step).
COLD_STEP_S = 300.0
_INIT_STEP = 1 << 41  # step number of the initial draws (apart from every walking step)
#: The terrain fit of the walking budgets (:func:`carpathia.motion.terrain_fit.fit_to_terrain`).
#: It runs pilot simulations, so it builds on this module and hands itself down when imported
#: (the package imports it): this module never imports ``terrain_fit``, the circle is gone.
_terrain_fitter: Callable | None = None


def _register_terrain_fitter(fn: Callable) -> None:
    global _terrain_fitter
    _terrain_fitter = fn


def prepare_grid(terrain, params: MotionParams, *, max_slope_deg: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The per-cell record the kernels read, and the heading to the nearest route.

    Returns
    -------
    grid : float32 array (h, w, 4)
        Day speed factor (0 impassable), dz/dx east, dz/dy north, cell kind (0 land, 1 route,
        2 river to cross). 16 bytes per cell.
    route_dir : float32 array (h, w) or (0, 0)
        Heading (radians clockwise from grid north) from a cell to the nearest route cell within
        ``params.route_reach_m``; NaN beyond it and on routes; empty when the terrain has no routes.

    Notes
    -----
    The gradient channels are the terrain's times ``params.grade_factor`` (the grade of the
    paths people take; 1 keeps the ground's). Speed factors are
    :func:`carpathia.travel.speed_factors` (Tobler's off-path 0.6, land cover, wading
    ``params.wade_factor`` in water), without snow and darkness (applied per step).
    Impassable: no elevation data, slope above ``max_slope_deg`` (default the travel
    model's resolution-aware cliff slope, :func:`carpathia.travel.speed.cliff_slope_deg`), lakes
    (cells more than half water without a river line). Rivers too wide to ford
    (:data:`carpathia.travel.speed.FORD_MAX_WIDTH_M`) or covering more than half a cell are
    crossed with a hazard. Routes: trails, roads, fordable streams, the banks of rivers, and
    ridge crests (:func:`ridge_cells`), the linear features lost people follow in Hashimoto et
    al.'s route travelling.
    """
    from scipy import ndimage

    from carpathia.travel import speed_factors
    from carpathia.travel.speed import FORD_MAX_WIDTH_M, WATER_FRACTION

    h, w = terrain.shape
    res = terrain.resolution
    f = speed_factors(terrain, water_factor=params.wade_factor)
    slope = np.asarray(terrain.slope())
    if max_slope_deg is None:
        from carpathia.travel.speed import cliff_slope_deg

        max_slope_deg = cliff_slope_deg(res)
    f[~(slope <= max_slope_deg)] = 0.0
    water = np.asarray(terrain.layer("water"))
    rw = np.asarray(terrain.layer("river_width"))
    river = (rw > FORD_MAX_WIDTH_M) | ((water > WATER_FRACTION) & (rw > 0))
    lake = (water > WATER_FRACTION) & ~(rw > 0)
    f[lake] = 0.0
    route = terrain.layer("trails").astype(bool) | terrain.layer("roads").astype(bool)
    route |= ((rw > 0) | (water > 0)) & ~river & ~lake  # fordable streams: walk along them
    if river.any():
        route |= ndimage.binary_dilation(river) & ~river
    route |= ridge_cells(terrain.elevation, res)
    route &= f > 0
    z = np.asarray(terrain.elevation, dtype=np.float64)
    dz_row, dz_col = np.gradient(z, res) if min(h, w) > 1 else (np.zeros_like(z), np.zeros_like(z))
    grid = np.empty((h, w, 4), np.float32)
    grid[..., 0] = f
    grid[..., 1] = np.nan_to_num(dz_col, nan=0.0) * params.grade_factor
    grid[..., 2] = np.nan_to_num(-dz_row, nan=0.0) * params.grade_factor
    kind = np.zeros((h, w), np.float32)
    kind[route] = K.KIND_ROUTE
    kind[river & (f > 0)] = K.KIND_RIVER
    grid[..., 3] = kind
    if not route.any():
        return grid, np.empty((0, 0), np.float32)
    dist, (ir, ic) = ndimage.distance_transform_edt(~route, return_indices=True)
    rr, cc = np.indices((h, w))
    route_dir = np.arctan2(ic - cc, -(ir - rr)).astype(np.float32)
    reach = max(params.route_reach_m, 1.5 * res) / res
    route_dir[(dist == 0) | (dist > reach)] = np.nan
    return grid, route_dir


def regrade(grid: np.ndarray, old: float, new: float) -> np.ndarray:
    """A copy of a :func:`prepare_grid` record prepared with grade factor ``old`` (> 0), for ``new``."""
    out = grid.copy()
    out[..., 1:3] *= np.float32(new / old)
    return out


#: A ridge cell stands at least this far above the mean elevation within RIDGE_RADIUS_M, m.
#: carpathia's assumption (a crest a walker sees as one), not a published figure.
RIDGE_RELIEF_M = 15.0
#: Radius of the neighbourhood for the ridge relief, m (at least one cell). carpathia's assumption.
RIDGE_RADIUS_M = 300.0


def ridge_cells(elevation: np.ndarray, resolution: float) -> np.ndarray:
    """Boolean grid of ridge crests: higher than both neighbours across the cell in at least three
    of the four grid directions (so a crest line, not a slope or a valley), and at least
    :data:`RIDGE_RELIEF_M` above the mean elevation within :data:`RIDGE_RADIUS_M`.

    The crest test is the classic profile test of Peucker & Douglas (1975, "Detection of
    surface-specific points by local parallel processing of discrete terrain elevation data",
    Computer Graphics and Image Processing 4); the relief threshold keeps small bumps out.
    """
    from scipy import ndimage

    z = np.asarray(elevation, dtype=np.float64)
    h, w = z.shape
    out = np.zeros((h, w), bool)
    if h < 3 or w < 3:
        return out
    valid = np.isfinite(z)
    zf = np.where(valid, z, -np.inf)
    core = zf[1:-1, 1:-1]
    crest = np.zeros(core.shape, np.int8)
    for (r1, c1), (r2, c2) in (((0, 1), (2, 1)), ((1, 0), (1, 2)), ((0, 0), (2, 2)), ((0, 2), (2, 0))):
        a = zf[r1 : r1 + h - 2, c1 : c1 + w - 2]
        b = zf[r2 : r2 + h - 2, c2 : c2 + w - 2]
        crest += (core > a) & (core > b)
    k = max(1, round(RIDGE_RADIUS_M / resolution))
    mean = ndimage.uniform_filter(np.where(valid, z, np.nanmean(z) if valid.any() else 0.0), size=2 * k + 1)
    out[1:-1, 1:-1] = (crest >= 3) & (core - mean[1:-1, 1:-1] >= RIDGE_RELIEF_M)
    return out & valid


def _clock(n_steps: int, dt: float, start: datetime | None, lonlat, threshold: float):
    """Per-step daylight flag (uint8) and night number (int64) from the sun at the IPP."""
    if start is None:
        return np.ones(n_steps, np.uint8), np.zeros(n_steps, np.int64)
    from .sun import solar_elevation, to_utc

    t0 = to_utc(start).timestamp()
    secs = t0 + (np.arange(n_steps) + 0.5) * dt
    up = (solar_elevation(lonlat[0], lonlat[1], secs) >= threshold).astype(np.uint8)
    night_start = (up == 0) & np.r_[True, up[:-1] == 1]
    return up, np.cumsum(night_start).astype(np.int64)


def _weather_arrays(weather, n_steps: int, dt: float):
    """Air temperature (°C), wind at 10 m (km/h) and snow speed factor at each step's middle."""
    from carpathia.travel.speed import SNOW_DEEP_FACTOR, SNOW_DEEP_M

    if weather is None:
        z = np.zeros(n_steps)
        return z, z, np.ones(n_steps), math.nan
    mid_h = (np.arange(n_steps) + 0.5) * dt / 3600.0
    snow = weather.interp("snow_depth_m", mid_h)
    factor = 1.0 - (1.0 - SNOW_DEEP_FACTOR) * np.minimum(snow / SNOW_DEEP_M, 1.0)
    z = weather.station_elevation_m
    return (
        weather.interp("air_temp_c", mid_h),
        weather.interp("wind_kmh", mid_h),
        factor,
        math.nan if z is None else float(z),
    )


def _pack_params(params: MotionParams, *, dt: float, res: float, ipp_cr, cold: bool, z_station: float, ntrack, every):
    from carpathia.survival import ACTIVITIES, FITTED, WET_INSULATION_FACTOR, WIND_BODY_FACTOR, Body, get_clothing
    from carpathia.survival._heat import body_heat_capacity
    from carpathia.survival.weather import LAPSE_RATE_C_PER_KM
    from carpathia.travel.speed import TOBLER_MAX_KMH

    body = Body()
    cl = get_clothing(params.clothing)
    P = np.zeros(K.N_PARAMS)
    P[K.P_DT] = dt
    P[K.P_RES] = res
    P[K.P_VMAX] = TOBLER_MAX_KMH / 3.6
    P[K.P_SPEED_SCALE] = params.speed_scale
    P[K.P_NOISE] = math.radians(params.effective_heading_noise_deg) * math.sqrt(dt / 60.0)
    P[K.P_BOUT] = params.bout_mean_s
    P[K.P_WALK_BOUT] = params.walk_bout_s
    P[K.P_REST_BOUT] = params.rest_bout_s
    P[K.P_NIGHT_WALK] = params.night_walk_prob
    P[K.P_NIGHT_ROUTE] = params.night_factor_route
    P[K.P_NIGHT_OFF] = params.night_factor_off
    P[K.P_CROSS] = params.crossing_prob
    P[K.P_SWEPT] = params.swept_prob
    P[K.P_INCAP_C] = params.incapacitated_core_c
    P[K.P_RELIEF] = 0.01  # 1 % grade: below it the ground counts as level (carpathia's choice)
    P[K.P_COLD_EVERY] = max(1, round(COLD_STEP_S / dt)) if cold else 0
    P[K.P_CLO] = cl.clo * (WET_INSULATION_FACTOR if cl.wet else 1.0)
    P[K.P_WET_FACTOR] = WET_INSULATION_FACTOR
    P[K.P_MET_WALK] = ACTIVITIES["walking"].met_w_m2
    P[K.P_MET_REST] = ACTIVITIES["resting"].met_w_m2
    P[K.P_WALK_MS] = ACTIVITIES["walking"].walk_ms
    P[K.P_CAPACITY] = body_heat_capacity(body.mass_kg, body.height_m)
    P[K.P_TISSUE] = FITTED.tissue_insulation
    P[K.P_SHIVER_PEAK] = FITTED.shiver_peak
    P[K.P_SHIVER_SUS] = FITTED.shiver_sustained
    P[K.P_SHIVER_RES] = FITTED.shiver_reserve
    P[K.P_FAT] = body.body_fat_pct
    P[K.P_WIND_BODY] = WIND_BODY_FACTOR
    P[K.P_LAPSE] = LAPSE_RATE_C_PER_KM / 1000.0
    P[K.P_Z_STATION] = z_station
    P[K.P_IPP_COL], P[K.P_IPP_ROW] = ipp_cr
    P[K.P_SUBSTEP] = 0.5
    P[K.P_NTRACK] = ntrack
    P[K.P_TRACK_EVERY] = every
    return P


def budget_scores(seed: int, a0: int, a1: int) -> np.ndarray:
    """Normal scores of agents a0 .. a1 − 1's walking-budget ranks (counter-based, float64).

    Agent ``i``'s walking budget is :func:`~carpathia.motion.params.budget_hours` at its score;
    the draw is apart from every draw of the walk, so an agent's path does not depend on its
    budget (the budget only says where along the path it stops).
    """
    from scipy.special import ndtri

    u = K.uniforms(seed, a0, a1 - a0, _INIT_STEP, K.INIT_BUDGET)
    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))


def initial_agents(setup: dict[str, Any], a0: int, a1: int) -> Agents:
    """Agents a0 .. a1 − 1 at the IPP: random heading, walking budget by rank (counter-based)."""
    n = a1 - a0
    seed = setup["seed"]
    u_head = K.uniforms(seed, a0, n, _INIT_STEP, K.INIT_HEADING)
    budget = budget_hours(setup["knots_h"], budget_scores(seed, a0, a1)) * 3600.0
    from carpathia.survival import FITTED

    col, row = setup["ipp_cr"]
    return Agents.create(
        n,
        col=col,
        row=row,
        heading=(2.0 * math.pi * u_head).astype(np.float32),
        budget=budget.astype(np.float32),
        reserve=FITTED.shiver_reserve,
    )


def _run_chunk(setup: dict[str, Any], a0: int, a1: int, progress: Callable[[int], None] | None = None):
    """Simulate agents a0 .. a1 − 1; snapshots and tracks (a pure function of its arguments)."""
    agents = initial_agents(setup, a0, a1)
    n = a1 - a0
    snaps = setup["snap_steps"]
    k = len(snaps)
    col = np.empty((k, n), np.float32)
    row = np.empty((k, n), np.float32)
    state = np.empty((k, n), np.uint8)
    walked = np.empty((k, n), np.float32)
    track = setup["track_template"].copy()
    arrays = agents.arrays()
    s = 0
    moved = 0
    bounds = sorted({*snaps, *range(0, snaps[-1], setup["progress_every"])} - {0})
    j = 0
    for s1 in bounds:
        moved += int(
            K.advance(
                *arrays,
                setup["grid"],
                setup["elev"],
                setup["route_dir"],
                setup["mix_cum"],
                setup["P"],
                setup["sun_up"],
                setup["night_idx"],
                setup["air_c"],
                setup["wind_kmh"],
                setup["snow_factor"],
                setup["seed"],
                a0,
                s,
                s1,
                track,
            )
        )
        s = s1
        while j < k and snaps[j] == s:
            col[j], row[j], state[j], walked[j] = agents.col, agents.row, agents.state, agents.walked
            j += 1
        if progress is not None:
            progress(s)
    lo, hi = min(a0, track.shape[0]), min(a1, track.shape[0])
    return {"col": col, "row": row, "state": state, "walked": walked, "track": track[lo:hi], "moved": moved}


def _incident_profile(incident, terrain):
    """The subject profile of an incident on a terrain (Koester row; terrain class inferred from relief)."""
    import warnings

    from carpathia.subjects import profile_at

    lon, lat = incident.ipp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # terrain-class notes; the category fallback is in meta
        return profile_at(
            incident.category,
            terrain,
            lon,
            lat,
            eco_region=getattr(incident, "eco_region", None),
            terrain_class=getattr(incident, "terrain_class", None),
        )


def _check_int(v, what: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer | float) or int(v) != v or not lo <= v <= hi:
        raise InputError(f"{what} must be a whole number from {lo:,} to {hi:,}, not {v!r}")
    return int(v)


def _check_float(v, what: str, lo: float, hi: float, unit: str) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number of {unit}, not {v!r}") from None
    if not (math.isfinite(x) and lo < x <= hi):
        raise InputError(f"{what} must be more than {lo:g} and at most {hi:g} {unit}, not {v!r}")
    return x


def _start_time(start, incident) -> datetime | None:
    if start is None:
        return getattr(incident, "last_seen", None)
    if isinstance(start, str):
        try:
            return datetime.fromisoformat(start)
        except ValueError:
            raise InputError(f"start time {start!r} is not ISO 8601 (e.g. 2024-12-21T14:00+00:00)") from None
    if not isinstance(start, datetime):
        raise InputError(f"start must be a datetime or ISO 8601 text, not {start!r}")
    return start


def _weather(weather):
    if weather is None:
        return None
    if isinstance(weather, str):
        from carpathia.survival import weather_preset

        return weather_preset(weather)
    if not hasattr(weather, "interp"):
        raise InputError("weather must be a WeatherSeries or the name of a preset")
    return weather


def _snapshot_steps(times, hours: float, dt: float) -> tuple[list[int], list[float]]:
    ts = [hours] if times is None else [float(t) for t in np.atleast_1d(np.asarray(times, dtype=float))]
    for t in ts:
        if not (math.isfinite(t) and 0 < t <= hours + 1e-9):
            raise InputError(f"snapshot time {t!r} h must be within (0, {hours:g}] hours")
    steps = sorted({max(1, round(t * 3600.0 / dt)) for t in [*ts, hours]})
    return steps, [s * dt / 3600.0 for s in steps]


def simulate(
    incident,
    terrain,
    *,
    n_agents: int,
    hours: float,
    dt_s: float = 60.0,
    seed: int = 0,
    weather=None,
    params: MotionParams | None = None,
    times: Sequence[float] | None = None,
    start: datetime | str | None = None,
    n_tracks: int = 20,
    track_every: int = 1,
    chunks: int = 1,
    client=None,
    progress: Callable[[int, int], None] | None = None,
    terrain_fit: bool | None = None,
    prepared: tuple[np.ndarray, np.ndarray] | None = None,
) -> Simulation:
    """Simulate ``n_agents`` lost subjects leaving the IPP for ``hours`` over ``terrain``.

    Parameters
    ----------
    incident : Incident
        IPP, subject category (parameters from :func:`~carpathia.motion.motion_params`), and
        ``last_seen`` (the start time, for darkness) unless ``start`` is given.
    terrain : Terrain
        The grid the agents walk; must contain the IPP.
    n_agents : int
        Number of agents (1 to 100 million; 46 bytes each plus 13 bytes per snapshot).
    hours : float
        Hours to simulate (at most 240).
    dt_s : float
        Time step, seconds (1 to 600; default 60, the step the model was calibrated with).
    seed : int
        Seed of the counter-based random streams; the same seed gives the same result.
    weather : WeatherSeries or str, optional
        Weather (or a preset name of :mod:`carpathia.survival`): snow depth slows walking
        (FM 31-70, as :mod:`carpathia.travel`), air temperature (moved to each agent's elevation
        by the lapse rate when the series has a station elevation) and wind drive each agent's
        core temperature (:func:`carpathia.survival._heat.core_step` every 5 min); below
        ``params.incapacitated_core_c`` the agent is incapacitated. Without weather no cold.
    params : MotionParams, optional
        Behaviour and physics; default: the package data for the incident's category.
    times : sequence of float, optional
        Snapshot times, hours (default: only ``hours``); positions are kept only there.
    start : datetime or ISO text, optional
        Time of the last sighting (default ``incident.last_seen``; naive = UTC). Without any,
        darkness is not modelled (daylight throughout) and ``meta["darkness"]`` says so.
    n_tracks, track_every
        Agents 0 .. n_tracks − 1 have their positions recorded every ``track_every`` steps.
    chunks, client
        Split the agents into ``chunks`` parts; with a ``dask.distributed.Client`` they run on
        its workers, else one after another. The result is the same as in one part.
    progress : callable, optional
        ``progress(steps_done, steps_total)``, called between kernel calls (not with Dask).
    terrain_fit : bool, optional
        Rescale the walking budgets so that the 24 h straight-line distances on this terrain
        from this IPP match the subject's Koester row (a pilot run:
        :func:`~carpathia.motion.terrain_fit.fit_to_terrain`; recorded in
        ``meta["terrain_fit"]``). Default: when ``params`` is not given (the package's
        flat-ground calibration of the incident's row); given parameters are used as they are.
    prepared : (grid, route_dir), optional
        :func:`prepare_grid` of this terrain for these parameters, to reuse between runs.

    Returns
    -------
    Simulation

    Notes
    -----
    Cost: about 20–60 ns per agent-step on one core once compiled (the first call in a fresh
    install compiles the kernel: tens of seconds; later calls load numba's cache). Memory:
    46 bytes per agent, 13 per agent and snapshot, 16 per grid cell.
    """
    n_agents = _check_int(n_agents, "the number of agents", 1, MAX_AGENTS)
    hours = _check_float(hours, "hours", 0.0, MAX_HOURS, "hours")
    dt = _check_float(dt_s, "the time step", 0.0, 600.0, "seconds")
    if dt < 1.0:
        raise InputError(f"the time step must be at least 1 second, not {dt_s!r}")
    seed = _check_int(seed, "seed", 0, 2**63 - 1)
    chunks = _check_int(chunks, "chunks", 1, max(1, n_agents))
    n_tracks = min(_check_int(n_tracks, "n_tracks", 0, 100_000), n_agents)
    track_every = _check_int(track_every, "track_every", 1, 1_000_000)
    start_t = _start_time(start, incident)
    wx = _weather(weather)
    lon, lat = incident.ipp
    r0, c0 = terrain.to_pixel(lon, lat)
    if params is None:
        prof = _incident_profile(incident, terrain)
        params = motion_params(prof)
        fit = True if terrain_fit is None else bool(terrain_fit)
    elif not isinstance(params, MotionParams):
        raise InputError("params must be a MotionParams (carpathia.motion.motion_params)")
    else:
        fit = bool(terrain_fit)
        prof = _incident_profile(incident, terrain) if fit else None
    grid, route_dir = prepare_grid(terrain, params) if prepared is None else prepared
    if not grid[r0, c0, 0] > 0:
        raise InputError("the IPP falls on an impassable cell (water, cliff or no elevation data); move it")
    fit_info = None
    if fit:
        if _terrain_fitter is None:  # carpathia.motion imports terrain_fit, so never in practice
            raise InputError("carpathia.motion.terrain_fit is not imported; the terrain fit is unavailable")
        graded = params.grade_factor
        params, fit_info = _terrain_fitter(params, prof, incident, terrain, seed=seed, prepared=(grid, route_dir))
        if params.grade_factor != graded:
            grid = regrade(grid, graded, params.grade_factor) if graded > 0 else prepare_grid(terrain, params)[0]
    x, y = terrain.to_xy(lon, lat)
    col_f, row_f = ~terrain.transform * (x, y)
    n_steps = max(1, round(hours * 3600.0 / dt))
    snap_steps, snap_hours = _snapshot_steps(times, hours, dt)
    sun_up, night_idx = _clock(n_steps, dt, start_t, (lon, lat), params.darkness_elevation_deg)
    air, wind, snowf, z_station = _weather_arrays(wx, n_steps, dt)
    n_track_times = n_steps // track_every + 1
    track = np.full((n_tracks, n_track_times, 2), np.nan, np.float32)
    track[:, 0, 0], track[:, 0, 1] = col_f, row_f
    setup = {
        "seed": seed,
        "knots_h": params.budget_knots_h,
        "ipp_cr": (float(col_f), float(row_f)),
        "grid": grid,
        "elev": np.nan_to_num(terrain.elevation.astype(np.float32), nan=0.0),
        "route_dir": route_dir,
        "mix_cum": np.cumsum(params.effective_mixture),
        "P": _pack_params(
            params,
            dt=dt,
            res=terrain.resolution,
            ipp_cr=(col_f, row_f),
            cold=wx is not None,
            z_station=z_station,
            ntrack=n_tracks,
            every=track_every,
        ),
        "sun_up": sun_up,
        "night_idx": night_idx,
        "air_c": np.ascontiguousarray(air, dtype=np.float64),
        "wind_kmh": np.ascontiguousarray(wind, dtype=np.float64),
        "snow_factor": np.ascontiguousarray(snowf, dtype=np.float64),
        "snap_steps": snap_steps,
        "track_template": track,
        "progress_every": max(1, n_steps // 50),
    }
    setup["mix_cum"][-1] = 1.0
    edges = np.linspace(0, n_agents, chunks + 1).round().astype(int)
    parts = list(itertools.pairwise(edges))
    parts = [(int(a), int(b)) for a, b in parts if b > a]
    if client is not None:
        results = _run_dask(client, setup, parts)
    else:
        results = []
        for i, (a, b) in enumerate(parts):
            cb = None
            if progress is not None:

                def cb(s, i=i):
                    progress(round((i * n_steps + s) / len(parts)), n_steps)

            results.append(_run_chunk(setup, a, b, cb))
    tracks = np.concatenate([r["track"] for r in results], axis=0) if results else track
    meta = {
        "model": "agents",
        "category": params.category,
        "seed": seed,
        "n_agents": n_agents,
        "hours": hours,
        "dt_s": dt,
        "start": start_t.isoformat() if start_t is not None else None,
        "darkness": (
            f"sun below {params.darkness_elevation_deg:g} deg at the IPP (NOAA/Meeus)"
            if start_t is not None
            else "not modelled: no start time (daylight throughout)"
        ),
        "dark_hours": float((sun_up == 0).sum() * dt / 3600.0),
        "weather": getattr(wx, "source", None),
        "cold_model": wx is not None,
        "params": params.to_dict(),
        "terrain": terrain.name,
        "chunks": len(parts),
        "dask": client is not None,
        "bytes_per_agent": BYTES_PER_AGENT,
        "moved_agent_steps": int(sum(r["moved"] for r in results)),
        "terrain_fit": fit_info,
    }
    return Simulation(
        terrain=terrain,
        ipp_cr=(float(col_f), float(row_f)),
        times_h=np.asarray(snap_hours),
        col=np.concatenate([r["col"] for r in results], axis=1),
        row=np.concatenate([r["row"] for r in results], axis=1),
        state=np.concatenate([r["state"] for r in results], axis=1),
        walked=np.concatenate([r["walked"] for r in results], axis=1),
        tracks=tracks,
        track_times_h=np.arange(n_track_times) * track_every * dt / 3600.0,
        meta=meta,
    )


def _run_dask(client, setup: dict[str, Any], parts: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Run the chunks on a ``dask.distributed`` client (dask is imported only here)."""
    [shared] = client.scatter([setup], broadcast=True)
    futures = [client.submit(_run_chunk, shared, a, b, pure=False) for a, b in parts]
    return client.gather(futures)
