"""Travel-time fields and least-cost paths on a grid: isotropic speeds, and Tobler on terrain.

Both engines are Dijkstra's algorithm on the cell graph of a 4-, 8- or 16-neighbour stencil, in a
numba kernel with an array-based binary heap (:mod:`carpathia.travel._kernels`). The isotropic
engine reproduces scikit-image's ``MCP_Geometric`` cell for cell; the terrain engine prices each
step by Tobler's hiking function on the slope of that step, so it is direction-dependent
(uphill is slower than downhill)::

    from carpathia.travel import travel_time, least_cost_path
    t = travel_time(speed, [(120, 80)], cellsize=30.0)        # seconds, inf where unreachable
    path = least_cost_path(t, speed, 30.0, (10, 15))          # (k, 2) rows and columns
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from carpathia.errors import InputError, OutsideTerrainError

from . import _kernels
from .speed import OFF_TRAIL_FACTOR, TOBLER_DECAY, TOBLER_MAX_KMH, TOBLER_OFFSET, cliff_slope_deg

__all__ = ["least_cost_path", "least_cost_path_terrain", "travel_time", "travel_time_terrain"]

_MAX_CELLS = 2**31 - 1  # cell ids are int32 in the kernels
_STENCILS = (4, 8, 16)
_TOBLER_VMAX = TOBLER_MAX_KMH / 3.6  # m/s


def travel_time(
    speed: np.ndarray,
    sources: Sequence[tuple[int, int]] | np.ndarray,
    cellsize: float,
    *,
    neighbours: int = 8,
    max_time: float | None = None,
) -> np.ndarray:
    """Least travel time from the nearest source to every cell over an isotropic speed grid.

    Parameters
    ----------
    speed : numpy.ndarray
        2-D grid of walking speeds in m/s. 0 or NaN marks an impassable cell; negative or
        infinite speeds are refused. float32 and float64 grids are used without a copy.
    sources : sequence of (row, col), or int array of shape (n, 2)
        Starting cells (a single ``(row, col)`` pair is accepted too). They must lie on the grid
        and be passable; each starts at time 0.
    cellsize : float
        Side of a (square) cell in metres.
    neighbours : {4, 8, 16}
        Stencil: rook moves; plus diagonals (the default); plus knight moves.
    max_time : float, optional
        Stop once every cell reachable within this many seconds is final; cells beyond stay inf.

    Returns
    -------
    numpy.ndarray
        float64 seconds, the shape of ``speed``; 0 at the sources, inf where unreachable.

    Raises
    ------
    InputError
        Bad shape or values of ``speed``, ``cellsize``, ``neighbours`` or ``max_time``; a source
        on an impassable cell; no source.
    OutsideTerrainError
        A source outside the grid.

    Notes
    -----
    A step of length L between cells a and b costs ``L/2 · (1/speed[a] + 1/speed[b])``: half
    of the step is walked in each cell. This is the convention of scikit-image's
    ``MCP_Geometric`` (with ``fully_connected=True`` for 8 neighbours, ``False`` for 4, and
    ``sampling=(cellsize, cellsize)``), and the results agree with it cell for cell (the test
    suite checks 1e-6 relative; in practice they agree to rounding).

    A knight move (16 neighbours, length √5 · cellsize) likewise costs half its length times
    the sum of its two end cells' 1/speed: the two cells it crosses on the way (the orthogonal
    neighbour along its long axis and the diagonal one, e.g. (0, 1) and (1, 1) for a move by
    (1, 2)) must be passable but their speed does not enter the cost. So a barrier line one
    cell thick and 4-connected (a river row, say) stops knight moves too. As in scikit-image, a
    diagonal move may pass between two impassable cells that touch only at a corner: draw
    barriers 4-connected.

    Discretisation: on a uniform grid the time is the stencil's chamfer distance divided by the
    speed. It overestimates the straight-line distance by at most 1/cos(22.5°) − 1 = 8.24 % with
    8 neighbours (the octile distance), 1/cos(13.28°) − 1 = 2.75 % with 16 and √2 − 1 = 41 %
    with 4 (largest half-angle between adjacent stencil directions).

    Cost and memory: O(N log F) time for N cells and a front of F cells. Memory is the float64
    result (8 bytes per cell), which also holds the tentative times, plus the heap (12 bytes
    per front entry, grown by doubling); a float32 speed grid is not copied. A 4000 × 4000
    grid needs about 130 MB besides its speed grid (``benchmarks/travel_time.py``).

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs. Numerische
    Mathematik 1, 269–271.
    scikit-image, ``skimage.graph.MCP_Geometric`` (van der Walt et al. 2014, PeerJ 2:e453).
    """
    spd = _speed_grid(speed)
    cs = _cellsize(cellsize)
    k = _neighbours(neighbours)
    limit = _max_time(max_time)
    src = _sources(sources, spd.shape, lambda r, c: spd[r, c] > 0, "speed 0 or NaN")
    out = _kernels.travel_time_iso(spd, src, cs, k, limit)
    return out.reshape(spd.shape)


def least_cost_path(
    times: np.ndarray,
    speed: np.ndarray,
    cellsize: float,
    target: tuple[int, int],
    *,
    neighbours: int = 8,
) -> np.ndarray:
    """The least-time path from the nearest source to ``target`` through a travel-time field.

    Parameters
    ----------
    times : numpy.ndarray
        A field from :func:`travel_time` on the same ``speed``, ``cellsize`` and ``neighbours``.
    speed, cellsize, neighbours
        As given to :func:`travel_time`.
    target : (row, col)
        Where the path ends.

    Returns
    -------
    numpy.ndarray
        int64 array of shape (k, 2): (row, col) of each cell from the source to the target.

    Raises
    ------
    OutsideTerrainError
        ``target`` is outside the grid.
    InputError
        ``target`` is unreachable (time inf), or ``times`` does not match the speed grid.

    Notes
    -----
    Steepest descent consistent with the step costs: from each cell x the trace moves to the
    neighbour p, earlier than x, that minimises ``times[p] + cost(p, x)``; on the field Dijkstra
    computed that is a predecessor on a least-time path, so the path's summed step costs equal
    ``times[target]`` (to rounding). Cost O(k · stencil); no grid-sized memory.
    """
    spd = _speed_grid(speed)
    t = _times(times, spd.shape)
    cs = _cellsize(cellsize)
    k = _neighbours(neighbours)
    i = _target(target, spd.shape, t)
    path = _kernels.trace_iso(t, spd, cs, k, i)
    return _finish_path(path, t, spd.shape, reverse=True)


def travel_time_terrain(
    elevation: np.ndarray,
    cellsize: float,
    sources: Sequence[tuple[int, int]] | np.ndarray,
    *,
    speed_factor: np.ndarray | None = None,
    trails: np.ndarray | None = None,
    neighbours: int = 8,
    max_slope_deg: float | None = None,
    max_time: float | None = None,
    to_sources: bool = False,
) -> np.ndarray:
    """Walking time over terrain from the nearest source, by Tobler's hiking function per step.

    Parameters
    ----------
    elevation : numpy.ndarray
        2-D elevations in metres (``Terrain.elevation``); NaN cells are impassable.
    cellsize : float
        Cell side in metres (``Terrain.resolution``).
    sources : sequence of (row, col), or int array of shape (n, 2)
        Starting cells, on the grid and passable.
    speed_factor : numpy.ndarray, optional
        Per-cell multiplier of Tobler's speed (for example :func:`carpathia.travel.speed_factors`
        of the terrain: vegetation, snow, night, water); 0 or NaN is impassable. Default 1.
    trails : numpy.ndarray of bool, optional
        Where given, cells where it is False get Tobler's off-path factor 0.6 on top of
        ``speed_factor``. :func:`~carpathia.travel.speed_factors` already applies it: pass its
        result *or* a trails mask, not both for the same effect.
    neighbours : {4, 8, 16}
        Stencil, as in :func:`travel_time`.
    max_slope_deg : float, optional
        Steps steeper than this (up or down) are impassable; default
        :func:`~carpathia.travel.speed.cliff_slope_deg` at ``cellsize`` (50° at 30 m, 38° at 90 m).
    max_time : float, optional
        Stop at this many seconds; cells beyond stay inf.
    to_sources : bool
        False (default): time to walk from the sources to each cell. True: time to walk from each
        cell to the nearest source (for example to the nearest road, for a carry-out).

    Returns
    -------
    numpy.ndarray
        float64 seconds, 0 at the sources, inf where unreachable.

    Notes
    -----
    A step from cell a to cell b of horizontal length L has slope S = (z_b − z_a) / L and takes
    ``L / v(S) · (1/f_a + 1/f_b) / 2`` seconds, where v is Tobler's speed
    6 · exp(−3.5 · |S + 0.05|) km/h and f the cells' factors: half the step in each cell, the
    convention of :func:`travel_time`. On flat ground the result equals :func:`travel_time` with
    ``speed = v(0) · f``. A knight move's slope is taken between its end cells; its two crossed
    cells must be passable (see :func:`travel_time`).

    Cost and memory as :func:`travel_time`, plus one ``exp`` per examined step.

    References
    ----------
    Tobler, W. (1993). Three presentations on geographical analysis and modeling: non-isotropic
    geographic modeling. NCGIA technical report 93-1, University of California, Santa Barbara.
    """
    z = _elevation(elevation)
    cs = _cellsize(cellsize)
    k = _neighbours(neighbours)
    limit = _max_time(max_time)
    f = _factor(speed_factor, trails, z.shape)
    tan_max = _tan_max(max_slope_deg, cs)
    why = "factor 0 or NaN, or no elevation"
    src = _sources(sources, z.shape, lambda r, c: (f[r, c] > 0) & ~np.isnan(z[r, c]), why)
    out = _kernels.travel_time_tobler(
        z, f, src, cs, k, tan_max, limit, bool(to_sources), _TOBLER_VMAX, TOBLER_DECAY, TOBLER_OFFSET
    )
    return out.reshape(z.shape)


def least_cost_path_terrain(
    times: np.ndarray,
    elevation: np.ndarray,
    cellsize: float,
    target: tuple[int, int],
    *,
    speed_factor: np.ndarray | None = None,
    trails: np.ndarray | None = None,
    neighbours: int = 8,
    max_slope_deg: float | None = None,
    to_sources: bool = False,
) -> np.ndarray:
    """The least-time walk through a field of :func:`travel_time_terrain`, in walking order.

    Parameters are those given to :func:`travel_time_terrain`, plus ``target`` (row, col).
    Returns an int64 (k, 2) array of (row, col): from the source to ``target``, or with
    ``to_sources`` from ``target`` to the nearest source. Raises as :func:`least_cost_path`.

    Notes
    -----
    Steepest descent with the same directed step costs as the field, so the summed step times
    equal ``times[target]`` to rounding.
    """
    z = _elevation(elevation)
    t = _times(times, z.shape)
    cs = _cellsize(cellsize)
    k = _neighbours(neighbours)
    f = _factor(speed_factor, trails, z.shape)
    tan_max = _tan_max(max_slope_deg, cs)
    i = _target(target, z.shape, t)
    path = _kernels.trace_tobler(
        t, z, f, cs, k, tan_max, bool(to_sources), _TOBLER_VMAX, TOBLER_DECAY, TOBLER_OFFSET, i
    )
    return _finish_path(path, t, z.shape, reverse=not to_sources)


# ---------------------------------------------------------------------- validation
def _grid(a: object, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"{what} must be a non-empty 2-D grid, not an array of shape {arr.shape}")
    if arr.size > _MAX_CELLS:
        raise InputError(f"{what} has {arr.size} cells; at most {_MAX_CELLS} are supported: use a coarser grid")
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{what} must hold real numbers, not {arr.dtype}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return np.ascontiguousarray(arr)


def _speed_grid(speed: object) -> np.ndarray:
    s = _grid(speed, "speed")
    with np.errstate(invalid="ignore"):
        if np.any(s < 0):
            raise InputError("speed has negative values; use 0 (or NaN) for impassable cells")
    if np.any(np.isinf(s)):
        raise InputError("speed has infinite values; speeds must be finite m/s")
    return s


def _elevation(elevation: object) -> np.ndarray:
    z = _grid(elevation, "elevation")
    if np.any(np.isinf(z)):
        raise InputError("elevation has infinite values; use NaN for no data")
    return z


def _factor(speed_factor: object, trails: object, shape: tuple[int, ...]) -> np.ndarray:
    if speed_factor is None:
        f = np.ones(shape, np.float32)
    else:
        f = _grid(speed_factor, "speed_factor")
        if f.shape != shape:
            raise InputError(f"speed_factor has shape {f.shape}, the elevation {shape}")
        with np.errstate(invalid="ignore"):
            if np.any(f < 0) or np.any(np.isinf(f)):
                raise InputError("speed_factor must be finite and >= 0 (0 or NaN for impassable)")
    if trails is not None:
        tr = np.asarray(trails)
        if tr.shape != shape:
            raise InputError(f"trails has shape {tr.shape}, the elevation {shape}")
        f64 = f.astype(np.float64)  # so that 0.6 stays 0.6 on a float32 factor grid
        f = np.where(tr.astype(bool), f64, f64 * OFF_TRAIL_FACTOR)
    return np.ascontiguousarray(f)


def _times(times: object, shape: tuple[int, ...]) -> np.ndarray:
    t = np.ascontiguousarray(np.asarray(times, dtype=np.float64))
    if t.shape != shape:
        raise InputError(f"times has shape {t.shape}, the grid {shape}: pass the field computed on this grid")
    return t


def _cellsize(cellsize: object) -> float:
    try:
        cs = float(cellsize)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"cellsize must be a number of metres, not {cellsize!r}") from None
    if not math.isfinite(cs) or cs <= 0:
        raise InputError(f"cellsize must be a positive number of metres, not {cellsize!r}")
    return cs


def _neighbours(neighbours: object) -> int:
    if isinstance(neighbours, bool) or neighbours not in _STENCILS:
        raise InputError(f"neighbours must be 4, 8 or 16, not {neighbours!r}")
    return int(neighbours)  # type: ignore[call-overload]


def _max_time(max_time: object) -> float:
    if max_time is None:
        return math.inf
    try:
        m = float(max_time)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"max_time must be a number of seconds, not {max_time!r}") from None
    if math.isnan(m) or m < 0:
        raise InputError(f"max_time must be >= 0 seconds, not {max_time!r}")
    return m


def _tan_max(max_slope_deg: object, cell_m: float = 30.0) -> float:
    if max_slope_deg is None:
        max_slope_deg = cliff_slope_deg(cell_m)
    try:
        a = float(max_slope_deg)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"max_slope_deg must be a number of degrees, not {max_slope_deg!r}") from None
    if not 0 < a <= 90:
        raise InputError(f"max_slope_deg must be in (0, 90] degrees, not {max_slope_deg!r}")
    return math.inf if a == 90 else math.tan(math.radians(a))


def _cells(points: object, what: str) -> np.ndarray:
    """(n, 2) int64 array of (row, col) from a pair, a list of pairs or an array."""
    try:
        a = np.asarray(points)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be (row, col) pairs") from None
    if a.size == 0:
        raise InputError(f"no {what} given: need at least one (row, col)")
    if a.ndim == 1 and a.shape[0] == 2:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != 2:
        raise InputError(f"{what} must be (row, col) pairs or an (n, 2) array, not shape {a.shape}")
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        return a.astype(np.int64)
    raise InputError(f"{what} must be integer (row, col) cell indices, not {a.dtype} values")


def _sources(
    sources: object, shape: tuple[int, ...], passable: Callable[[np.ndarray, np.ndarray], np.ndarray], why: str
) -> np.ndarray:
    """Flat int32 cell ids of the sources; ``passable(rows, cols)`` tells which cells can be used."""
    rc = _cells(sources, "sources")
    nr, nc = shape
    out = (rc[:, 0] < 0) | (rc[:, 0] >= nr) | (rc[:, 1] < 0) | (rc[:, 1] >= nc)
    if np.any(out):
        r, c = rc[np.argmax(out)]
        raise OutsideTerrainError(f"source ({r}, {c}) is outside the grid of {nr} × {nc} cells")
    bad = ~passable(rc[:, 0], rc[:, 1])
    if np.any(bad):
        r, c = rc[np.argmax(bad)]
        raise InputError(f"source ({r}, {c}) is on an impassable cell ({why}); move it to a passable one")
    return (rc[:, 0] * nc + rc[:, 1]).astype(np.int32)


def _target(target: object, shape: tuple[int, ...], times: np.ndarray) -> int:
    rc = _cells(target, "target")
    if rc.shape[0] != 1:
        raise InputError(f"target must be one (row, col), not {rc.shape[0]} of them")
    r, c = (int(v) for v in rc[0])
    nr, nc = shape
    if not (0 <= r < nr and 0 <= c < nc):
        raise OutsideTerrainError(f"target ({r}, {c}) is outside the grid of {nr} × {nc} cells")
    if not np.isfinite(times[r, c]):
        raise InputError(f"target ({r}, {c}) is unreachable from the sources (travel time inf)")
    return r * nc + c


def _finish_path(path: np.ndarray, times: np.ndarray, shape: tuple[int, ...], *, reverse: bool) -> np.ndarray:
    last = int(path[-1])
    if times.ravel()[last] != 0.0:
        r, c = divmod(last, shape[1])
        raise InputError(
            f"the path got stuck at ({r}, {c}): times does not match this grid; "
            "pass the field computed with the same speed, cellsize and neighbours"
        )
    rc = np.stack(np.divmod(path, shape[1]), axis=1).astype(np.int64)
    return rc[::-1].copy() if reverse else rc
