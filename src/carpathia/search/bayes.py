"""Bayesian updates of a probability map: after a search that found nothing, and after a clue.

Each update returns a new :class:`~carpathia.probability.ProbabilityMap`. The new map's
``meta["updates"]`` is the old list plus one record: what was done, when, with which
parameters, the hashes of the input map and of the data, and the probability mass that was
searched. The record makes the update auditable and replayable (:func:`replay`).
:class:`MapHistory` keeps the chain of maps so the last update can be undone exactly.

Unsuccessful search (cell level; Stone 1975, ch. 2)::

    POA'ᵢ = POAᵢ · (1 − PODᵢ) / (1 − Σⱼ POAⱼ · PODⱼ)        ROW' = ROW / (1 − Σⱼ POAⱼ · PODⱼ)

The rest of the world was not searched, so it rises as every unsearched cell does. With a single
searched segment of POA p and POD d this is the familiar ``p' = p(1 − d)/(1 − p·d)``.

Clue at (lon, lat), with spread σ and weight w (a likelihood kernel)::

    L(x) = 1 + w · exp(−d(x)² / (2σ²))          POA' ∝ POA · L,  ROW' ∝ ROW · 1

``1 + w`` is how much likelier the clue is if the subject is at the clue than if they are far
from it. ``σ`` (m) is the uncertainty of the subject's position given the clue: how far they may
have gone since, plus the clue's own location error. Outside the grid L = 1, the far-away
baseline.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numba import njit, prange
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from carpathia.errors import InputError, OutsideTerrainError
from carpathia.probability.probmap import ProbabilityMap

__all__ = ["MapHistory", "grid_hash", "prior_share", "replay", "update_clue", "update_unsuccessful"]

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_R31 = np.uint64(31)
_R33 = np.uint64(33)
_R29 = np.uint64(29)
_R32 = np.uint64(32)


# ---------------------------------------------------------------------- kernels
@njit(cache=True, nogil=True, inline="always")
def _mix(h, word):
    h = h ^ (word * _P2)
    h = (h << _R31) | (h >> _R33)
    return h * _P1


@njit(cache=True, nogil=True)
def _hash_row(bits, i):
    """Hash of row ``i``: four independent lanes (so the multiplies overlap), then folded."""
    nc = bits.shape[1]
    seed = _P3 ^ np.uint64(i)
    h0 = seed
    h1 = seed ^ _P1
    h2 = seed ^ _P2
    h3 = seed ^ _R31
    j = 0
    while j + 4 <= nc:
        h0 = _mix(h0, bits[i, j])
        h1 = _mix(h1, bits[i, j + 1])
        h2 = _mix(h2, bits[i, j + 2])
        h3 = _mix(h3, bits[i, j + 3])
        j += 4
    while j < nc:
        h0 = _mix(h0, bits[i, j])
        j += 1
    return _mix(_mix(_mix(h0, h1), h2), h3)


@njit(cache=True, nogil=True, parallel=True)
def _row_hashes(bits):
    """One 64-bit hash per row of a uint64 grid (the float64 bits), rows in parallel."""
    nr = bits.shape[0]
    out = np.empty(nr, np.uint64)
    for i in prange(nr):
        out[i] = _hash_row(bits, i)
    return out


@njit(cache=True, nogil=True)
def _fold(rows, a, b):
    h = _P3 ^ a ^ (b * _P1)
    for i in range(rows.size):
        h = _mix(h, rows[i])
    h = h ^ (h >> _R29)
    h = h * _P2
    return h ^ (h >> _R32)


#: Coverage below which POD is computed with ``expm1`` (exact for small coverage) instead of ``1 − exp``.
_EXPM1_BELOW = 0.01


@njit(cache=True, nogil=True)
def _keep_row_pod(cells, pod, out, i):
    """Row ``i``: ``out = POA·(1 − POD)``; returns Σ POA·POD, max POD, cells searched, bad values,
    Σ POA and the kept mass Σ POA·(1 − POD)."""
    s = 0.0
    mx = 0.0
    n = 0
    nb = 0
    tot = 0.0
    kept = 0.0
    for j in range(cells.shape[1]):
        c = cells[i, j]
        tot += c
        v = pod[i, j]
        if not (v >= 0.0 and v <= 1.0):
            nb += 1
            out[i, j] = c
        elif v > 0.0:
            s += c * v
            n += 1
            mx = max(mx, v)
            out[i, j] = c * (1.0 - v)
        else:
            out[i, j] = c
        kept += out[i, j]
    return s, mx, n, nb, tot, kept


@njit(cache=True, nogil=True)
def _keep_row_cov(cells, cov, out, i):
    """Row ``i``: ``out = POA·exp(−C)``, POD = 1 − exp(−C), one exponential per searched cell.

    ``exp`` is twice as fast as ``expm1``; below C = 0.01 ``expm1`` keeps POD's relative error
    at rounding, above it ``1 − exp(−C)`` loses at most two digits of sixteen.
    """
    s = 0.0
    mx = 0.0
    n = 0
    nb = 0
    tot = 0.0
    kept = 0.0
    for j in range(cells.shape[1]):
        c = cells[i, j]
        tot += c
        v = cov[i, j]
        if not (v >= 0.0 and v < math.inf):
            nb += 1
            out[i, j] = c
        elif v > 0.0:
            if v < _EXPM1_BELOW:
                e = math.expm1(-v)
                pd = -e
                e += 1.0
            else:
                e = math.exp(-v)
                pd = 1.0 - e
            s += c * pd
            n += 1
            mx = max(mx, pd)
            out[i, j] = c * e
        else:
            out[i, j] = c
        kept += out[i, j]
    return s, mx, n, nb, tot, kept


@njit(cache=True, nogil=True)
def _keep_row_two(cells, share, cov_r, cov_u, out, qout, i):
    """Row ``i`` of a two-state update: the subject in a cell is responsive with probability
    ``q`` (``share``) and is missed with ``q·exp(−C_r) + (1 − q)·exp(−C_u)``.

    ``out = POA·(q·e^(−C_r) + (1 − q)·e^(−C_u))`` and ``qout = q·e^(−C_r) / (q·e^(−C_r) + (1 − q)·e^(−C_u))``
    (the responsive share after the miss); returns as :func:`_keep_row_pod`. The share is kept as
    q, so where it comes within ~1e-7 of 1 the unresponsive part 1 − q keeps about nine digits;
    such cells have been searched down to a probability near 1e-12, where that is immaterial.
    """
    s = 0.0
    mx = 0.0
    n = 0
    nb = 0
    tot = 0.0
    kept = 0.0
    for j in range(cells.shape[1]):
        c = cells[i, j]
        tot += c
        q = share[i, j]
        a = cov_r[i, j]
        b = cov_u[i, j]
        out[i, j] = c
        qout[i, j] = q
        if not (a >= 0.0 and a < math.inf and b >= 0.0 and b < math.inf):
            nb += 1
        elif a > 0.0 or b > 0.0:
            # POD by expm1 (exact for small coverage), the miss by exp (exact for large coverage)
            pr = -math.expm1(-a)
            pu = -math.expm1(-b)
            pd = q * pr + (1.0 - q) * pu
            r = q * math.exp(-a)
            miss = r + (1.0 - q) * math.exp(-b)
            s += c * pd
            n += 1
            mx = max(mx, pd)
            out[i, j] = c * miss
            if miss > 0.0:
                qout[i, j] = r / miss
        kept += out[i, j]
    return s, mx, n, nb, tot, kept


@njit(cache=True, nogil=True, parallel=True)
def _two_state_pass(cells, share, cov_r, cov_u, out, qout):
    """:func:`_keep_row_two` over all rows in parallel; the sums of :func:`_search_pass` without hashes."""
    nr = cells.shape[0]
    mass = np.zeros(nr)
    peak = np.zeros(nr)
    count = np.zeros(nr, np.int64)
    bad = np.zeros(nr, np.int64)
    total = np.zeros(nr)
    kept = np.zeros(nr)
    for i in prange(nr):
        mass[i], peak[i], count[i], bad[i], total[i], kept[i] = _keep_row_two(cells, share, cov_r, cov_u, out, qout, i)
    top = peak.max() if nr > 0 else 0.0
    return mass.sum(), top, count.sum(), bad.sum(), total.sum(), kept.sum()


@njit(cache=True, nogil=True, parallel=True)
def _search_pass(cells, data, is_coverage, out):
    """One parallel pass: row hashes of both grids, the kept mass ``out = POA·(1 − POD)`` (not yet
    renormalised), Σ POA·POD, max POD, searched cells, bad values, Σ POA and the kept mass.

    ``data`` is a POD grid (in [0, 1]) or, with ``is_coverage``, a coverage grid (≥ 0).
    """
    nr = cells.shape[0]
    cb = cells.view(np.uint64)
    db = data.view(np.uint64)
    hc = np.empty(nr, np.uint64)
    hd = np.empty(nr, np.uint64)
    mass = np.zeros(nr)
    peak = np.zeros(nr)
    count = np.zeros(nr, np.int64)
    bad = np.zeros(nr, np.int64)
    total = np.zeros(nr)
    kept = np.zeros(nr)
    for i in prange(nr):
        hc[i] = _hash_row(cb, i)
        hd[i] = _hash_row(db, i)
        if is_coverage:
            mass[i], peak[i], count[i], bad[i], total[i], kept[i] = _keep_row_cov(cells, data, out, i)
        else:
            mass[i], peak[i], count[i], bad[i], total[i], kept[i] = _keep_row_pod(cells, data, out, i)
    top = peak.max() if nr > 0 else 0.0
    return hc, hd, mass.sum(), top, count.sum(), bad.sum(), total.sum(), kept.sum()


@njit(cache=True, nogil=True, parallel=True)
def _rescale(out, scale):
    """``out *= scale`` in place, rows in parallel (the renormalisation by the kept mass)."""
    nr, nc = out.shape
    for i in prange(nr):
        for j in range(nc):
            out[i, j] *= scale


def _readonly(a, dtype=np.float64) -> np.ndarray:
    """A C-contiguous read-only view (a copy only when needed), so each kernel compiles once."""
    v = np.ascontiguousarray(a, dtype=dtype).view()
    v.setflags(write=False)
    return v


def grid_hash(cells: np.ndarray, *extra: float) -> str:
    """A 64-bit fingerprint of a float64 grid (and optional floats, e.g. the ROW), as text.

    It identifies a grid so that a replayed update can be checked against its record. It is not
    a cryptographic hash. Bit-exact: ``-0.0`` and ``0.0`` differ, and the shape counts.
    """
    a = _readonly(cells)
    if a.ndim != 2:
        raise InputError("grid_hash takes a 2-D grid")
    rows = _row_hashes(a.view(np.uint64))
    return _text_hash(rows, a.shape, extra)


def _text_hash(rows: np.ndarray, shape, extra) -> str:
    ex = np.asarray([float(v) for v in extra], np.float64).view(np.uint64)
    allrows = np.concatenate([rows, ex]) if ex.size else rows
    h = _fold(allrows, np.uint64(shape[0]), np.uint64(shape[1]))
    return f"c64:{shape[0]}x{shape[1]}:{int(h):016x}"


# ---------------------------------------------------------------------- updates
def _now(time) -> str:
    if time is None:
        return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    if isinstance(time, _dt.datetime):
        t = time if time.tzinfo else time.replace(tzinfo=_dt.UTC)
        return t.astimezone(_dt.UTC).isoformat(timespec="seconds")
    return str(time)


def _wrap(
    pmap: ProbabilityMap, cells: np.ndarray, row: float, updates: list[dict], responsive: np.ndarray | None = None
) -> ProbabilityMap:
    """A map on ``pmap``'s grid from cells already normalised to ``1 − row`` (no second pass).

    The public constructor would copy, re-validate and renormalise 16 M cells (about 120 ms on a
    4000 × 4000 grid); the update kernels already guarantee finite, non-negative cells summing to
    ``1 − row`` to rounding. Tests check that this agrees with the constructor.
    """
    out = ProbabilityMap.__new__(ProbabilityMap)
    cells.setflags(write=False)
    out.cells = cells
    out.transform = pmap.transform
    out.crs = pmap.crs
    out.rest_of_world = float(min(1.0, max(0.0, row)))
    out.meta = {**pmap.meta, "updates": updates}
    share = pmap.responsive if responsive is None else responsive
    if share is not None:
        share.setflags(write=False)
        out.responsive = share
    return out


def update_unsuccessful(
    pmap: ProbabilityMap,
    pod_grid: np.ndarray | None = None,
    *,
    coverage: np.ndarray | None = None,
    responsive_coverage: np.ndarray | None = None,
    p_responsive: float | None = None,
    label: str | None = None,
    time: _dt.datetime | str | None = None,
    details: Mapping[str, Any] | None = None,
) -> ProbabilityMap:
    """The map after a search that did not find the subject.

    Parameters
    ----------
    pmap
        The map before the search.
    pod_grid
        POD per cell, in [0, 1], on the map's grid, or
    coverage
        coverage per cell (≥ 0), turned into ``POD = 1 − exp(−C)`` inside the kernel. Give
        exactly one of the two; for a :class:`~carpathia.search.CoverageGrid`, pass
        ``cov.pod(subject)`` or ``cov.coverage(subject)``.
    responsive_coverage
        Coverage per cell for a *responsive* subject (one who answers calls). With it,
        ``coverage`` is the unresponsive subject's coverage and the update keeps the two states
        apart: in cell *i* the subject is missed with ``qᵢ·exp(−C_r,i) + (1 − qᵢ)·exp(−C_u,i)``,
        where ``qᵢ`` is the responsive share of the map (:attr:`ProbabilityMap.responsive`), and
        the new map carries the posterior share ``qᵢ·exp(−C_r,i) / (that)``. Two debriefs of the
        same ground then equal one debrief of the summed coverages, as they must.
    p_responsive
        The prior responsive share for a two-state update of a map that does not track one yet
        (default the map's ``meta["p_responsive"]``, else 0: an unknown subject is treated as
        unresponsive). A map that already tracks its share refuses a different prior.
    label, time, details
        Recorded: what the search was (assignment, tracks), when (default now, UTC), and any
        small JSON-able facts (e.g. the coverage grid's track log).

    Returns
    -------
    ProbabilityMap
        ``POA' = POA·(1 − POD)/K`` and ``ROW' = ROW/K``, where ``K = Σ POA·(1 − POD) + ROW`` is
        the kept mass (``1 − Σ POA·POD`` in exact arithmetic; summed directly it stays accurate
        when almost everything was searched). The record is appended to ``meta["updates"]``.
        A one-state update leaves a tracked responsive share as it is (the same POD for both
        states says nothing about which state the subject is in).

    Raises
    ------
    InputError
        Wrong shape, PODs outside [0, 1] or negative coverage, or a search certain to have
        found the subject (``Σ POA·POD = 1``: nothing is left to update).

    Notes
    -----
    Two parallel numba passes over the grid: one hashes the map and the data, sums the searched
    mass and writes the kept mass ``POA·(1 − POD)`` (one exponential per searched cell), one
    renormalises it in place. Memory: the new map (8 bytes per cell); a
    float64 C-contiguous input is used without copying.

    References
    ----------
    Stone, L. D. (1975). Theory of Optimal Search. Academic Press (2nd ed. 1989, ORSA), ch. 2.
    Koopman, B. O. (1946/1980). Search and Screening.
    """
    if responsive_coverage is not None:
        if coverage is None or pod_grid is not None:
            raise InputError("a two-state update takes coverage (unresponsive) and responsive_coverage")
        return _update_two_state(pmap, coverage, responsive_coverage, p_responsive, label, time, details)
    if p_responsive is not None:
        raise InputError("p_responsive goes with responsive_coverage (a two-state update)")
    if (pod_grid is None) == (coverage is None):
        raise InputError("give either a POD grid or a coverage grid")
    is_cov = coverage is not None
    data = _readonly(coverage if is_cov else pod_grid)
    if data.shape != pmap.shape:
        raise InputError(f"the {'coverage' if is_cov else 'POD'} grid is {data.shape}, the map {pmap.shape}")
    cells = _readonly(pmap.cells)
    new = np.empty(cells.shape)  # numpy's allocator asks the kernel for huge pages; numba's would not
    hc, hd, mass, peak, searched, bad, grid_mass, kept = _search_pass(cells, data, is_cov, new)
    if bad:
        what = "coverage must be finite and ≥ 0" if is_cov else "POD must be in [0, 1]"
        raise InputError(f"{bad} cell(s) of the grid are invalid: {what}")
    remaining = _kept_mass(mass, kept, pmap.rest_of_world)
    if remaining <= 1e-12:
        raise InputError(
            "this search was certain to find the subject (Σ POA·POD = 1); the map cannot be updated: "
            "check the PODs or give the map a rest-of-world probability"
        )
    _rescale(new, 1.0 / remaining)
    row_after = pmap.rest_of_world / remaining
    record = {
        "kind": "unsuccessful-search",
        "time": _now(time),
        "label": label,
        "parameters": {"input": "coverage" if is_cov else "pod"},
        "input_hash": _text_hash(hc, cells.shape, (pmap.rest_of_world,)),
        "data_hash": _text_hash(hd, data.shape, ()),
        "mass_searched": float(mass),
        "pod": {
            "max": float(peak),
            "cells_searched": int(searched),
            "mean_over_map": float(mass / grid_mass) if grid_mass > 0 else 0.0,
        },
        "rest_of_world": [pmap.rest_of_world, row_after],
    }
    if details:
        record["details"] = dict(details)
    return _wrap(pmap, new, row_after, [*pmap.meta.get("updates", []), record])


def _kept_mass(searched: float, kept: float, row: float) -> float:
    """P(missed) = Σ POA·(1 − POD) + ROW, summed directly (accurate when almost all was searched);
    exactly 1 when nothing was searched (the map stays bit for bit) and never above 1 (so no
    unsearched cell falls by a rounding error)."""
    if searched == 0.0:
        return 1.0
    return min(1.0, kept + row)


def prior_share(pmap: ProbabilityMap, p_responsive: float | None = None) -> np.ndarray:
    """The responsive share per cell a two-state update starts from.

    The map's tracked share if it has one; else ``p_responsive``, else the map's
    ``meta["p_responsive"]``, else 0 (nothing known about the subject: unresponsive).
    """
    if pmap.responsive is not None:
        if p_responsive is not None:
            q0 = pmap.meta.get("p_responsive_prior")
            if q0 is None or not math.isclose(float(q0), float(p_responsive), rel_tol=0, abs_tol=1e-12):
                raise InputError(
                    f"this map already tracks the responsive share (prior {q0}) since an earlier debrief; "
                    f"leave p_responsive out (it was {p_responsive})"
                )
        return pmap.responsive
    q = p_responsive if p_responsive is not None else pmap.meta.get("p_responsive")
    q = 0.0 if q is None else float(q)
    if not (0.0 <= q <= 1.0):
        raise InputError(f"p_responsive must be in [0, 1], not {q!r}")
    return np.full(pmap.shape, q)


def _update_two_state(pmap, cov_u, cov_r, p_responsive, label, time, details) -> ProbabilityMap:
    """:func:`update_unsuccessful` with responsive and unresponsive coverage kept apart."""
    cu = _readonly(cov_u)
    cr = _readonly(cov_r)
    for g, what in ((cu, "coverage"), (cr, "responsive coverage")):
        if g.shape != pmap.shape:
            raise InputError(f"the {what} grid is {g.shape}, the map {pmap.shape}")
    share = _readonly(prior_share(pmap, p_responsive))
    cells = _readonly(pmap.cells)
    new = np.empty(cells.shape)
    qnew = np.empty(cells.shape)
    mass, peak, searched, bad, grid_mass, kept = _two_state_pass(cells, share, cr, cu, new, qnew)
    if bad:
        raise InputError(f"{bad} cell(s) of the coverage grids are invalid: coverage must be finite and ≥ 0")
    remaining = _kept_mass(mass, kept, pmap.rest_of_world)
    if remaining <= 1e-12:
        raise InputError(
            "this search was certain to find the subject (Σ POA·POD = 1); the map cannot be updated: "
            "check the coverage or give the map a rest-of-world probability"
        )
    _rescale(new, 1.0 / remaining)
    row_after = pmap.rest_of_world / remaining
    q0 = pmap.meta.get("p_responsive_prior")
    if pmap.responsive is None:
        q0 = float(share.flat[0]) if share.size else 0.0
    record = {
        "kind": "unsuccessful-search",
        "time": _now(time),
        "label": label,
        "parameters": {"input": "coverage", "states": "responsive+unresponsive", "p_responsive_prior": q0},
        "input_hash": grid_hash(cells, pmap.rest_of_world),
        "data_hash": grid_hash(cu),
        "responsive_hash": grid_hash(cr),
        "mass_searched": float(mass),
        "pod": {
            "max": float(peak),
            "cells_searched": int(searched),
            "mean_over_map": float(mass / grid_mass) if grid_mass > 0 else 0.0,
        },
        "responsive_share": {
            "before": float((cells * share).sum() / grid_mass) if grid_mass > 0 else q0,
            "after": float((new * qnew).sum() / (1.0 - row_after)) if row_after < 1.0 else q0,
        },
        "rest_of_world": [pmap.rest_of_world, row_after],
    }
    if details:
        record["details"] = dict(details)
    out = _wrap(pmap, new, row_after, [*pmap.meta.get("updates", []), record], responsive=qnew)
    out.meta["p_responsive_prior"] = q0
    return out


def update_clue(
    pmap: ProbabilityMap,
    lon: float,
    lat: float,
    *,
    sigma_m: float,
    weight: float,
    label: str | None = None,
    time: _dt.datetime | str | None = None,
) -> ProbabilityMap:
    """The map after a clue found at (lon, lat): a Gaussian likelihood kernel around it.

    Parameters
    ----------
    lon, lat
        Where the clue was found (degrees); it must lie on the grid.
    sigma_m
        Spread of the kernel (m): how far the subject may be from the clue.
    weight
        ``≥ 0``. At the clue the likelihood is ``1 + weight`` times the far-away baseline: 0
        changes nothing, 9 makes the clue's surroundings ten times likelier than far away.

    Returns
    -------
    ProbabilityMap
        ``POA' ∝ POA·(1 + weight·exp(−d²/2σ²))``, ROW with likelihood 1; the record is appended
        to ``meta["updates"]``.

    Notes
    -----
    The Gaussian is separable, so the kernel is an outer product of a row and a column vector:
    one pass over the grid, 8 bytes per cell for the result.
    """
    s = float(sigma_m)
    w = float(weight)
    if not (math.isfinite(s) and s > 0):
        raise InputError(f"sigma_m must be a positive distance in metres, not {sigma_m!r}")
    if not (math.isfinite(w) and w >= 0):
        raise InputError(f"weight must be ≥ 0 (0: the clue changes nothing), not {weight!r}")
    if pmap.cell_of(lon, lat) is None:
        raise OutsideTerrainError(
            f"the clue at {lat:.5f},{lon:.5f} (lat,lon) is off the map's grid; build a map that covers it"
        )
    x, y = Transformer.from_crs(ProjCRS.from_epsg(4326), ProjCRS.from_user_input(pmap.crs), always_xy=True).transform(
        lon, lat
    )
    h, wd = pmap.shape
    tr = pmap.transform
    xc = tr.c + (np.arange(wd) + 0.5) * tr.a
    yc = tr.f + (np.arange(h) + 0.5) * tr.e
    gx = np.exp(-((xc - x) ** 2) / (2 * s * s))
    gy = np.exp(-((yc - y) ** 2) / (2 * s * s))
    cells = pmap.cells * (1.0 + w * np.outer(gy, gx))
    total = float(cells.sum()) + pmap.rest_of_world
    row_after = pmap.rest_of_world / total
    record = {
        "kind": "clue",
        "time": _now(time),
        "label": label,
        "parameters": {"lon": float(lon), "lat": float(lat), "sigma_m": s, "weight": w},
        "input_hash": grid_hash(pmap.cells, pmap.rest_of_world),
        "mean_likelihood": total,
        "rest_of_world": [pmap.rest_of_world, row_after],
    }
    return ProbabilityMap(
        cells,
        pmap.transform,
        pmap.crs,
        rest_of_world=row_after,
        meta={**pmap.meta, "updates": [*pmap.meta.get("updates", []), record]},
        responsive=pmap.responsive,  # the clue's likelihood is the same for both states
    )


# ---------------------------------------------------------------------- history
def replay(
    initial: ProbabilityMap,
    records: Sequence[Mapping[str, Any]],
    data: Mapping[str, np.ndarray] | Sequence[np.ndarray] = (),
) -> ProbabilityMap:
    """Rebuild a map by applying recorded updates to ``initial``.

    ``records`` are the ``meta["updates"]`` entries to apply, in order; only those past the
    ones ``initial`` already carries are applied. ``data`` gives the POD or coverage grid of
    each unsuccessful search, by its ``data_hash`` (a mapping) or in order (a sequence; a
    two-state update takes its unresponsive, then its responsive coverage). Clue
    records carry all they need. Each step checks the map's hash against the record's
    ``input_hash``, so a replay that drifts from the record stops with an error.
    """
    done = len(initial.meta.get("updates", []))
    todo = list(records)[done:]
    by_hash = dict(data) if isinstance(data, Mapping) else None
    in_order = list(data) if by_hash is None else []
    m = initial
    for k, rec in enumerate(todo, start=done + 1):
        if grid_hash(m.cells, m.rest_of_world) != rec.get("input_hash"):
            raise InputError(f"replay diverged at update {k}: the map differs from the one the record was made on")
        if rec.get("kind") == "clue":
            p = rec["parameters"]
            m = update_clue(
                m,
                p["lon"],
                p["lat"],
                sigma_m=p["sigma_m"],
                weight=p["weight"],
                label=rec.get("label"),
                time=rec["time"],
            )
        elif rec.get("kind") == "unsuccessful-search":
            if by_hash is not None:
                if rec["data_hash"] not in by_hash:
                    raise InputError(f"replay needs the grid with hash {rec['data_hash']} for update {k}")
                grid = by_hash[rec["data_hash"]]
            else:
                if not in_order:
                    raise InputError(f"replay ran out of data grids at update {k}")
                grid = in_order.pop(0)
            key = "coverage" if rec["parameters"]["input"] == "coverage" else "pod_grid"
            extra: dict[str, Any] = {key: grid}
            if "responsive_hash" in rec:
                if by_hash is not None:
                    if rec["responsive_hash"] not in by_hash:
                        raise InputError(f"replay needs the grid with hash {rec['responsive_hash']} for update {k}")
                    extra["responsive_coverage"] = by_hash[rec["responsive_hash"]]
                else:
                    if not in_order:
                        raise InputError(f"replay ran out of data grids at update {k}")
                    extra["responsive_coverage"] = in_order.pop(0)
                if m.responsive is None:
                    extra["p_responsive"] = rec["parameters"]["p_responsive_prior"]
            m = update_unsuccessful(m, **extra, label=rec.get("label"), time=rec["time"], details=rec.get("details"))
            if m.meta["updates"][-1]["data_hash"] != rec["data_hash"]:
                raise InputError(f"replay: the data grid for update {k} is not the recorded one")
        else:
            raise InputError(f"update {k} has an unknown kind {rec.get('kind')!r}")
    return m


class MapHistory:
    """The chain of maps of an incident: every update appends a map, :meth:`undo` drops the last.

    Undo is exact: the previous map is kept, not recomputed by dividing by ``1 − POD`` (which is
    unstable, and impossible where POD = 1).

    Notes
    -----
    Holds every map: 8 bytes per cell per update (the incident store of issue 7 will keep them on
    disk instead).
    """

    def __init__(self, initial: ProbabilityMap) -> None:
        self._maps = [initial]

    @property
    def current(self) -> ProbabilityMap:
        return self._maps[-1]

    @property
    def initial(self) -> ProbabilityMap:
        return self._maps[0]

    @property
    def records(self) -> list[dict]:
        """The update records of the current map (all updates so far, oldest first)."""
        return list(self.current.meta.get("updates", []))

    def __len__(self) -> int:
        """Number of updates applied since the initial map."""
        return len(self._maps) - 1

    def unsuccessful(self, pod_grid=None, **kwargs) -> ProbabilityMap:
        """Apply :func:`update_unsuccessful` to the current map and keep the result."""
        self._maps.append(update_unsuccessful(self.current, pod_grid, **kwargs))
        return self.current

    def clue(self, lon: float, lat: float, **kwargs) -> ProbabilityMap:
        """Apply :func:`update_clue` to the current map and keep the result."""
        self._maps.append(update_clue(self.current, lon, lat, **kwargs))
        return self.current

    def undo(self) -> ProbabilityMap:
        """Drop the last update; return the map before it."""
        if len(self._maps) == 1:
            raise InputError("nothing to undo: the history holds only the initial map")
        self._maps.pop()
        return self.current

    def __repr__(self) -> str:
        return f"<MapHistory {len(self)} update(s), current {self.current!r}>"
