"""Scoring a probability map against a real find: MapScore's rank score, a log score, containment.

Functions take a 2-D array of cell probabilities ``p`` (any non-negative numbers; it need not sum
to 1, the rest of the world may hold the remainder) and the find cell ``(row, col)``; ``None`` or an
index off the array (such as ``(-1, -1)``) is a find outside the grid, as in MapScore. Each is a
few numpy passes (only :func:`containment_thresholds` sorts): well under a second at 5001 x 5001.

Conventions, checked against MapScore's own code (GitHub ``ctwardy/mapscore``,
``framework/models.py``, ``Test.rate``):

* ``n`` counts the cells strictly more probable than the find cell and ``m`` the cells exactly as
  probable, **the find cell itself included** (``m >= 1``); ``N`` counts all cells. r = (n + m/2)/N
  and R = (0.5 - r)/0.5. A uniform map gives n = 0, m = N, R = 0; a map whose single maximum is
  the find cell gives n = 0, m = 1, R = 1 - 1/N.
* A find outside the grid scores r = 1 - ROW (the searchers are assumed to clear the grid before
  the rest of the world). When the map leaves no rest-of-world probability, MapScore assumes the
  conventional split ROW = 5 %, grid 95 %, so r = 0.95 and R = -0.9.

The rank score sees only the order of the cells, so every radially decreasing map scores the same
on a given case. :func:`log_score` (a proper scoring rule) and :func:`containment` tell distance
models apart; :func:`summarise` reports means with percentile-bootstrap intervals.

References
----------
Sava, E., Twardy, C., Koester, R. & Sonwalkar, M. (2016). Evaluating lost person behavior models.
Transactions in GIS 20(1): 38-53. doi:10.1111/tgis.12143
Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and estimation.
Journal of the American Statistical Association 102(477): 359-378 (the logarithmic score).
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError

__all__ = [
    "DEFAULT_LEVELS",
    "LOG_FLOOR",
    "MAPSCORE_ROW",
    "bootstrap_ci",
    "containment",
    "containment_threshold",
    "containment_thresholds",
    "level_key",
    "log_score",
    "rank_score",
    "score_case",
    "summarise",
]

DEFAULT_LEVELS: tuple[float, ...] = (0.25, 0.5, 0.75, 0.95)
"""Containment levels reported by the evaluation (fractions of the total probability)."""

MAPSCORE_ROW = 0.05
"""Rest-of-world probability MapScore assumes for a map that leaves none (gives R = -0.9)."""

LOG_FLOOR = 1e-6
"""Default floor on the likelihood ratio of :func:`log_score`: no case scores below ln(1e-6) = -13.8."""

_ROW_EPS = 1e-9  # an inferred rest of world below this is rounding, not a choice: the map leaves none
_RTOL = 1e-9  # relative tolerance of "the cumulative probability reaches the level"
_CHUNK = 1 << 20  # cells per block in the chunked cumulative sum and the bootstrap


def _as_map(p: ArrayLike) -> np.ndarray:
    """Return ``p`` as a 2-D numeric array, checked finite and non-negative (two passes, no copy)."""
    a = np.asarray(p)
    if a.ndim != 2 or a.size == 0:
        raise InputError(f"a probability map must be a non-empty 2-D array; got shape {a.shape}")
    if a.dtype == np.bool_ or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise InputError(f"a probability map must hold numbers; got dtype {a.dtype}")
    lo, hi = a.min(), a.max()
    if np.issubdtype(a.dtype, np.floating) and not (np.isfinite(lo) and np.isfinite(hi)):
        raise InputError("the probability map holds NaN or infinite values; fill or mask them before scoring")
    if lo < 0:
        raise InputError(f"the probability map holds negative values (minimum {lo}); probabilities are >= 0")
    return a


def _find_index(shape: tuple[int, ...], find_rc: Sequence[int] | None) -> tuple[int, int] | None:
    """Return ``(row, col)`` as ints, or None for a find outside the grid (None or off the array)."""
    if find_rc is None:
        return None
    try:
        r, c = (operator.index(v) for v in find_rc)
    except (TypeError, ValueError) as exc:
        raise InputError(f"the find cell must be a (row, col) pair of integers or None; got {find_rc!r}") from exc
    if 0 <= r < shape[0] and 0 <= c < shape[1]:
        return r, c
    return None


def _rest_of_world(rest_of_world: float) -> float:
    row = float(rest_of_world)
    if not 0.0 <= row <= 1.0:
        raise InputError(f"rest_of_world must be a probability in [0, 1]; got {rest_of_world!r}")
    return row


def _levels(levels: Iterable[float]) -> tuple[float, ...]:
    out = tuple(float(v) for v in levels)
    if not out or not all(0.0 < v <= 1.0 for v in out):
        raise InputError(f"containment levels must be fractions in (0, 1]; got {levels!r}")
    return out


def _grid_mass(a: np.ndarray, row: float) -> float:
    """Sum of ``a`` (float64), refusing a grid with no probability while the grid should hold some."""
    total = float(a.sum(dtype=np.float64))
    if total <= 0.0 and row < 1.0:
        raise InputError("the probability map is all zero although the rest of world leaves the grid some mass")
    return total


def rank_score(p: ArrayLike, find_rc: Sequence[int] | None, *, rest_of_world: float | None = None) -> float:
    """MapScore's rank score R of a map for one find, in [-1, 1].

    Parameters
    ----------
    p : array_like, 2-D
        Cell probabilities (or any values in the same order: only the order matters inside the grid).
    find_rc : (int, int) or None
        Row and column of the find cell; None, or an index off the array, for a find outside the grid.
    rest_of_world : float or None
        Probability outside the grid (ROW). None infers it as MapScore does, as ``1 - p.sum()`` when
        that lies in (1e-9, 1], else none. Used only for a find outside the grid.

    Returns
    -------
    float
        R = (0.5 - r)/0.5 with r = (n + m/2)/N: n cells strictly more probable than the find cell,
        m cells exactly as probable **including the find cell itself**, N cells in all. A find
        outside the grid gets r = 1 - ROW, with ROW = 0.05 (:data:`MAPSCORE_ROW`) when the map leaves
        none, so R = -0.9. Uniform map: 0; single maximum at the find: 1 - 1/N.

    Notes
    -----
    Ties are exact equality of the stored values: MapScore's maps were 8-bit grey images (256
    levels, many ties); pass a quantised array to reproduce that. MapScore's code substitutes 5 %
    only when ``1 - sum`` falls outside [0, 1] (always, for its 0-255 images); a map that leaves
    exactly 0 gets 5 % here too, as MapScore's documentation states. Cost: three passes, two
    boolean temporaries of N bytes (25 MB at 5001 x 5001).

    References
    ----------
    Sava, Twardy, Koester & Sonwalkar (2016), Transactions in GIS 20(1):38-53, doi:10.1111/tgis.12143.
    """
    a = _as_map(p)
    idx = _find_index(a.shape, find_rc)
    if idx is None:
        if rest_of_world is None:
            row = 1.0 - float(a.sum(dtype=np.float64))
            row = row if _ROW_EPS < row <= 1.0 else 0.0
        else:
            row = _rest_of_world(rest_of_world)
        r = 1.0 - (row if row > 0.0 else MAPSCORE_ROW)
    else:
        v = a[idx]
        n = np.count_nonzero(a > v)
        m = np.count_nonzero(a == v)  # the find cell is one of them
        r = (n + 0.5 * m) / a.size
    return float((0.5 - r) / 0.5)


def log_score(
    p: ArrayLike,
    find_rc: Sequence[int] | None,
    *,
    rest_of_world: float = 0.0,
    outside_reference: float = MAPSCORE_ROW,
    floor: float = LOG_FLOOR,
) -> float:
    """Log score of a map for one find, relative to a uniform map: 0 = no better than uniform.

    Parameters
    ----------
    p : array_like, 2-D
        Cell probabilities; rescaled so that the grid holds ``1 - rest_of_world``.
    find_rc : (int, int) or None
        Row and column of the find cell; None, or an index off the array, for a find outside the grid.
    rest_of_world : float
        The map's probability outside the grid (ROW), in [0, 1].
    outside_reference : float
        ROW of the reference map, used for a find outside the grid (default 5 %, MapScore's split).
    floor : float
        Floor on the likelihood ratio, so that a zero probability at the find gives ln(floor)
        instead of minus infinity (default 1e-6: at worst -13.8 per case).

    Returns
    -------
    float
        Inside the grid: ln(q_find * N), q the rescaled map and N the number of cells, i.e. the
        log ratio of the map's probability at the find to a uniform map's 1/N (a map twice as dense
        as uniform at the find scores ln 2). Outside: ln(ROW / outside_reference). Never below
        ln(floor).

    Notes
    -----
    The outcomes are the N cells and "outside". The score is ln q(x) - c(x) with c(x) = ln(1/N)
    inside and ln(outside_reference) outside: the offset depends only on the outcome, never on the
    map, so the rule stays strictly proper (Gneiting & Raftery 2007) and two models differ on a
    case by exactly their log likelihood ratio. The offsets only set the zero (uniform map, find
    inside; 5 % left outside, find outside). The floor keeps one zero-probability find from making
    the mean -inf; :func:`score_case` records when it bit. Cost: one pass (a float64 sum).

    References
    ----------
    Gneiting & Raftery (2007), JASA 102:359-378; Sava, Twardy, Koester & Sonwalkar (2016),
    Transactions in GIS 20(1):38-53, doi:10.1111/tgis.12143.
    """
    a = _as_map(p)
    idx = _find_index(a.shape, find_rc)
    row = _rest_of_world(rest_of_world)
    if not 0.0 < outside_reference < 1.0:
        raise InputError(f"outside_reference must lie in (0, 1); got {outside_reference!r}")
    if not 0.0 < floor <= 1.0:
        raise InputError(f"floor must lie in (0, 1]; got {floor!r}")
    if idx is None:
        ratio = row / outside_reference
    else:
        total = _grid_mass(a, row)
        ratio = float(a[idx]) / total * (1.0 - row) * a.size if total > 0.0 else 0.0
    return math.log(max(ratio, floor))


def containment(
    p: ArrayLike,
    find_rc: Sequence[int] | None,
    levels: Iterable[float] = DEFAULT_LEVELS,
    *,
    rest_of_world: float = 0.0,
) -> dict[float, bool]:
    """Whether the find lies in the most-probable region holding each level of probability.

    The region for a level is the smallest set of most-probable cells whose cumulative probability
    reaches the level, with every cell tied at the threshold included (the set ``p >= t`` for
    ``t = containment_threshold(p, level)``).

    Parameters
    ----------
    p : array_like, 2-D
        Cell probabilities; rescaled so that the grid holds ``1 - rest_of_world``.
    find_rc : (int, int) or None
        Row and column of the find cell; None, or an index off the array, for a find outside.
    levels : iterable of float
        Fractions of the total probability (grid + rest of world), each in (0, 1].
    rest_of_world : float
        Probability outside the grid, in [0, 1].

    Returns
    -------
    dict of float to bool
        For each level, True if the find cell is in the region. A find outside the grid is never
        contained. A level the grid cannot reach (above ``1 - rest_of_world``) makes the region the
        whole grid, so any find inside the grid is contained.

    Notes
    -----
    No sort: the find is in the region exactly when the cells strictly more probable than it hold
    less than the level (if they reach it, they are the region). "Reach" allows a relative rounding
    tolerance of 1e-9. Cost: two passes, one boolean temporary of N bytes.

    References
    ----------
    Sava, Twardy, Koester & Sonwalkar (2016), Transactions in GIS 20(1):38-53, doi:10.1111/tgis.12143.
    """
    a = _as_map(p)
    lv = _levels(levels)
    idx = _find_index(a.shape, find_rc)
    row = _rest_of_world(rest_of_world)
    if idx is None:
        return dict.fromkeys(lv, False)
    total = _grid_mass(a, row)
    if total <= 0.0:  # everything is outside: no level is reachable in the grid
        return dict.fromkeys(lv, True)
    v = a[idx]
    above = float(np.sum(a, where=a > v, dtype=np.float64))
    scale = total / (1.0 - row)  # map units per unit of probability
    return {level: above < level * scale * (1.0 - _RTOL) for level in lv}


def containment_thresholds(
    p: ArrayLike, levels: Iterable[float] = DEFAULT_LEVELS, *, rest_of_world: float = 0.0
) -> dict[float, float]:
    """Threshold values of the containment regions: the region of a level is ``p >= threshold``.

    Parameters
    ----------
    p : array_like, 2-D
        Cell probabilities; rescaled so that the grid holds ``1 - rest_of_world``.
    levels : iterable of float
        Fractions of the total probability, each in (0, 1].
    rest_of_world : float
        Probability outside the grid, in [0, 1].

    Returns
    -------
    dict of float to float
        For each level, the value (in the units of ``p``) of the least probable cell of the smallest
        set of most-probable cells reaching the level; ties at it are in the region. A level the
        grid cannot reach gives the map's minimum (the whole grid). Use it to draw contours.

    Notes
    -----
    Sorts one flattened copy of the map in its own dtype: 8 bytes a cell for float64 (200 MB at
    5001 x 5001), 4 for float32; pass a float32 map to halve that. The cumulative sum runs in float64
    over blocks of 2**20 cells, so it adds only 8 MB. Cost: O(N log N), about 1-2 s at 25 M cells.

    References
    ----------
    Sava, Twardy, Koester & Sonwalkar (2016), Transactions in GIS 20(1):38-53, doi:10.1111/tgis.12143.
    """
    a = _as_map(p)
    lv = _levels(levels)
    row = _rest_of_world(rest_of_world)
    total = _grid_mass(a, row)
    s = np.sort(a, axis=None)[::-1]  # one copy, most probable first
    if total <= 0.0:
        return dict.fromkeys(lv, s[-1].item())
    scale = total / (1.0 - row)
    pending = sorted(lv)
    out: dict[float, float] = {}
    run = 0.0
    for start in range(0, s.size, _CHUNK):
        block = s[start : start + _CHUNK]
        cum = np.cumsum(block, dtype=np.float64)
        cum += run
        while pending and cum[-1] >= pending[0] * scale * (1.0 - _RTOL):
            level = pending.pop(0)
            k = int(np.searchsorted(cum, level * scale * (1.0 - _RTOL), side="left"))
            out[level] = block[k].item()
        run = float(cum[-1])
        if not pending:
            break
    for level in pending:  # unreachable in the grid: the whole grid
        out[level] = s[-1].item()
    return {level: out[level] for level in lv}


def containment_threshold(p: ArrayLike, level: float, *, rest_of_world: float = 0.0) -> float:
    """Threshold value of one containment region; see :func:`containment_thresholds`."""
    return containment_thresholds(p, (level,), rest_of_world=rest_of_world)[float(level)]


def bootstrap_ci(values: ArrayLike, *, n_boot: int = 10_000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean.

    Parameters
    ----------
    values : array_like, 1-D
        Per-case figures; must be finite.
    n_boot : int
        Number of resamples.
    level : float
        Coverage of the interval, in (0, 1).
    seed : int
        Seed of the run's own ``numpy.random.Generator`` (global random state is never used).

    Returns
    -------
    (float, float)
        The (1 - level)/2 and (1 + level)/2 quantiles of the resampled means; (nan, nan) for no
        values. The same values and seed give the same interval.

    Notes
    -----
    Resamples are drawn in blocks of about 2**20 indices (8 MB, whatever ``n_boot`` and n).
    Cost: O(n_boot x n).

    References
    ----------
    Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13 (percentile interval).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(x)):
        raise InputError("bootstrap_ci needs finite values; found NaN or infinity")
    if int(n_boot) < 1 or not 0.0 < level < 1.0:
        raise InputError(f"need n_boot >= 1 and 0 < level < 1; got n_boot={n_boot!r}, level={level!r}")
    if x.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = np.empty(int(n_boot))
    block = max(1, _CHUNK // x.size)
    for start in range(0, means.size, block):
        stop = min(start + block, means.size)
        means[start:stop] = x[rng.integers(0, x.size, size=(stop - start, x.size))].mean(axis=1)
    low, high = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(low), float(high)


def level_key(level: float) -> str:
    """Key of a containment level in :func:`summarise`'s output: 0.25 -> ``"25"``, 0.975 -> ``"97.5"``."""
    return f"{round(100.0 * level, 6):g}"


def _level_of(key: float | str) -> float:
    """A containment key as a fraction: numbers are fractions, strings percentages ("25" -> 0.25)."""
    return float(key) / 100.0 if isinstance(key, str) else float(key)


def score_case(
    p: ArrayLike,
    find_rc: Sequence[int] | None,
    *,
    rest_of_world: float = 0.0,
    levels: Iterable[float] = DEFAULT_LEVELS,
    outside_reference: float = MAPSCORE_ROW,
    floor: float = LOG_FLOOR,
) -> dict[str, Any]:
    """All figures for one case, as the dict :func:`summarise` takes.

    Returns
    -------
    dict
        ``score`` (:func:`rank_score`), ``log_score`` (:func:`log_score`), ``log_floored`` (True when
        the floor bit), ``containment`` (:func:`containment`, level -> bool) and ``outside`` (True
        for a find outside the grid).
    """
    a = _as_map(p)
    outside = _find_index(a.shape, find_rc) is None
    ls = log_score(a, find_rc, rest_of_world=rest_of_world, outside_reference=outside_reference, floor=floor)
    return {
        "score": rank_score(a, find_rc, rest_of_world=rest_of_world),
        "log_score": ls,
        "log_floored": ls <= math.log(floor),
        "containment": containment(a, find_rc, levels, rest_of_world=rest_of_world),
        "outside": outside,
    }


def summarise(
    per_case: Sequence[dict[str, Any]], *, n_boot: int = 10_000, level: float = 0.95, seed: int = 0
) -> dict[str, Any]:
    """Overall figures of an evaluation: means with bootstrap intervals, containment, outside finds.

    Parameters
    ----------
    per_case : sequence of dict
        One dict per case with ``score``, ``log_score``, ``containment`` and ``outside`` (or its
        negation ``inside``), as :func:`score_case` makes them. ``containment`` maps each level to a
        bool, the same levels in every case, keyed by the fraction (0.25) or by the percentage as a
        string ("25"). ``log_floored`` is optional; when absent, a log score at ln(:data:`LOG_FLOOR`)
        counts as floored.
    n_boot, level, seed
        Passed to :func:`bootstrap_ci`. Both intervals use the same seed, hence the same resampled
        cases (a paired bootstrap).

    Returns
    -------
    dict
        ``n``; ``mean_score``, ``ci_low``, ``ci_high`` (rank score); ``mean_log_score``,
        ``log_ci_low``, ``log_ci_high``; ``containment``: fraction of cases contained at each level,
        keyed by the percentage as a string (``"25"``, ``"50"``, ``"75"``, ``"95"``; see
        :func:`level_key`), so that the dict is ready for JSON; ``outside``: the number of finds
        outside the grid; ``log_floored``: the number of log scores held at the floor. With no cases
        the means and bounds are None.
    """
    n = len(per_case)
    floor = math.log(LOG_FLOOR) + 1e-12
    try:
        scores = np.array([float(c["score"]) for c in per_case])
        logs = np.array([float(c["log_score"]) for c in per_case])
        contained = [{_level_of(k): bool(v) for k, v in c["containment"].items()} for c in per_case]
        outside = sum(bool(c["outside"]) if "outside" in c else not c["inside"] for c in per_case)
        floored = sum(bool(c.get("log_floored", float(c["log_score"]) <= floor)) for c in per_case)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"each case needs score, log_score, containment and outside; {exc!r}") from exc
    levels = sorted(contained[0]) if contained else list(DEFAULT_LEVELS)
    if any(sorted(c) != levels for c in contained):
        raise InputError("every case must report containment at the same levels")

    def _stats(x: np.ndarray) -> tuple[float | None, float | None, float | None]:
        if x.size == 0:
            return None, None, None
        low, high = bootstrap_ci(x, n_boot=n_boot, level=level, seed=seed)
        return float(x.mean()), low, high

    mean, lo, hi = _stats(scores)
    lmean, llo, lhi = _stats(logs)
    return {
        "n": n,
        "mean_score": mean,
        "ci_low": lo,
        "ci_high": hi,
        "mean_log_score": lmean,
        "log_ci_low": llo,
        "log_ci_high": lhi,
        "containment": {level_key(v): (sum(c[v] for c in contained) / n if n else None) for v in levels},
        "outside": outside,
        "log_floored": floored,
    }
