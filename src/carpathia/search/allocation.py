"""Allocation of search effort: where to send whom in the next operational period.

Under the exponential (random-search) detection function, effort ``z`` on an area with POA
``p`` and effectiveness ``w`` (coverage per unit effort) finds the subject with probability
``p·(1 − exp(−w·z))``. Three problems are solved here:

- :func:`charnes_cooper`, one divisible resource: maximise ``Σ pᵢ(1 − exp(−wᵢzᵢ))`` subject to
  ``Σ zᵢ ≤ total``. The optimum is a water-filling. With ``λ`` the common marginal value,
  ``pᵢwᵢexp(−wᵢzᵢ) = λ`` on the searched areas and ``pᵢwᵢ ≤ λ`` elsewhere. It is found exactly,
  in closed form per active set, after a sort (O(n log n)).
- :func:`allocate_divisible`, several divisible resource types, ``Σᵢ tᵢⱼ ≤ Tⱼ`` (the problem of
  Washburn's algorithm). It is solved to a certified tolerance by outer approximation: tangent
  cuts of the concave detection function in a HiGHS linear programme, refined at each solution.
- :func:`allocate`, whole teams of several types, each with hours available, transit from base,
  the operational period, and widths by land cover. This is a mixed-integer programme over the
  same tangent outer approximation, solved exactly by HiGHS (``scipy.optimize.milp``), with cuts
  added at each solution until the approximation is exact at the optimum. The plan is never
  worse than the greedy marginal-gain baseline. It reports the MILP's certified upper bound and
  the continuous-relaxation (water-filling) bound, and the optimality gap to each.

References
----------
Koopman, B. O. (1946/1980). Search and Screening. Stone, L. D. (1975). Theory of Optimal
Search, Academic Press. Charnes, A. & Cooper, W. W. (1958). The theory of search: optimum
distribution of search effort. Management Science 5(1):44–50. Washburn, A. R. (1981). Search
and Detection, MAS/ORSA; Washburn, A. R. (1995), Finite method for a nonlinear allocation
problem, JOTA 85(3):705–726 (the algorithm in SORAL, github.com/ctwardy/soral).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from carpathia.errors import InputError

from .resources import Resource

__all__ = [
    "Assignment",
    "DivisibleAllocation",
    "Plan",
    "Team",
    "allocate",
    "allocate_divisible",
    "charnes_cooper",
    "probability_of_success",
]

_TOL = 1e-7  # relative gap at which the outer approximation stops (a bound is valid at any gap)


# ---------------------------------------------------------------------- one resource
def _vector(v, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.ndim != 1:
        raise InputError(f"{name} must be a 1-D array, not {a.ndim}-D")
    if not np.isfinite(a).all() or (a < 0).any():
        raise InputError(f"{name} must be finite and ≥ 0")
    return a


def charnes_cooper(poa, w, total: float) -> np.ndarray:
    """Optimal effort per area for one divisible resource (exact water-filling).

    Maximises ``Σ pᵢ(1 − exp(−wᵢzᵢ))`` subject to ``Σ zᵢ ≤ total`` and ``zᵢ ≥ 0``.

    Parameters
    ----------
    poa
        Probability (or any non-negative weight) of each area. The optimal ``z`` does not change
        when ``poa`` is scaled, so SORAL's unnormalised ``p = [8 4 1 2]`` and the normalised
        ``[8 4 1 2]/15`` give the same allocation.
    w
        Search effectiveness per unit effort in each area (scalar or array): coverage per unit
        of ``z``. For effort in hours, ``w = W·v·3600/A`` (1/h); for effort as swept area (m²),
        ``w = 1/A``.
    total
        Effort available, in the unit of ``z``.

    Returns
    -------
    numpy.ndarray
        Effort per area, float64, summing to ``total``. Areas with ``pᵢwᵢ = 0`` get 0 (as do
        those with ``wᵢ`` or ``pᵢwᵢ`` below 1e-300, which could take no finite effort), and so
        does every area when no area can be searched.

    Notes
    -----
    KKT: ``pᵢwᵢexp(−wᵢzᵢ) = λ`` where ``zᵢ > 0`` and ``pᵢwᵢ ≤ λ`` where ``zᵢ = 0``. Sorting by
    ``aᵢ = pᵢwᵢ`` (descending), the effort that brings λ down to ``a_{k+1}`` with the first ``k``
    areas active is ``E_k = Σ_{i≤k}(ln aᵢ − ln a_{k+1})/wᵢ``, non-decreasing in ``k``. The active
    count is the first ``k`` with ``E_k ≥ total``. Then
    ``ln λ = (Σ_{i≤k} ln(aᵢ)/wᵢ − total)/Σ_{i≤k} 1/wᵢ`` and ``zᵢ = (ln aᵢ − ln λ)/wᵢ``, in closed
    form and to machine precision. Cost: O(n log n) for the sort; memory O(n).

    References
    ----------
    Charnes, A. & Cooper, W. W. (1958). The theory of search: optimum distribution of search
    effort. Management Science 5(1):44–50. Stone, L. D. (1975). Theory of Optimal Search, ch. 2.
    """
    p = _vector(poa, "poa")
    ww = np.broadcast_to(np.asarray(w, dtype=float), p.shape)
    if not np.isfinite(ww).all() or (ww < 0).any():
        raise InputError("w must be finite and ≥ 0")
    t = float(total)
    if not (math.isfinite(t) and t >= 0):
        raise InputError(f"total effort must be finite and ≥ 0, not {total!r}")
    z = np.zeros(p.shape)
    with np.errstate(under="ignore"):
        a = p * ww
    # an area whose effectiveness is below ~1e-300 cannot take finite effort: it is not searched
    idx = np.flatnonzero((a > 1e-300) & (ww > 1e-300))
    if t == 0 or idx.size == 0:
        return z
    order = idx[np.argsort(-a[idx], kind="stable")]
    la = np.log(a[order])
    la -= la[0]  # logs relative to the best area: no cancellation when the a's are close
    iw = 1.0 / ww[order]
    s1 = np.cumsum(la * iw)
    s2 = np.cumsum(iw)
    need = s1[:-1] - la[1:] * s2[:-1]  # E_k for k = 1 .. n-1
    k = int(np.searchsorted(need, t, side="left")) + 1
    # zᵢ = (ln aᵢ − ln λ)/wᵢ with ln λ = (S1 − T)/S2, written so that T is never lost to rounding
    share = iw[:k] / s2[k - 1]
    zk = np.maximum((t + la[:k] * s2[k - 1] - s1[k - 1]) * share, 0.0)
    # one Newton step on ln λ puts back what rounding lost when the wᵢ differ by many orders
    zk = np.maximum(zk + (t - zk.sum()) * share, 0.0)
    z[order[:k]] = zk
    return z


def probability_of_success(poa, w, effort) -> float:
    """``Σ pᵢ(1 − exp(−wᵢzᵢ))``: the POS of an allocation (w and effort broadcast)."""
    p = _vector(poa, "poa")
    return float(np.sum(p * -np.expm1(-np.asarray(w, float) * np.asarray(effort, float))))


# ---------------------------------------------------------------------- outer approximation
def _tangent_rows(p_seg, pts):
    """Intercept and slope of the tangents of ``p(1 − e^{−C})`` at ``pts``: y ≤ a + b·C."""
    e = np.exp(-pts)
    return p_seg * (1.0 - e * (1.0 + pts)), p_seg * e


def _cut_rows(p, eff, cap, pair_seg, pts, subadditive):
    """Constraint rows ``y_s − b·Σ_{k∈s} eff_k v_k ≤ a`` for every tangent of every segment.

    Variables are ``[v_0 .. v_{K−1}, y_0 .. y_{S−1}]``. With ``subadditive``, one more row per
    segment: ``y_s ≤ Σ_{k∈s} p_s(1 − e^{−eff_k·cap_k})·v_k/cap_k``, which is exact when one pair
    of the segment is used and valid for several. It is not valid for fractional pairs.
    """
    n_pairs, n_seg = eff.size, p.size
    order = np.argsort(pair_seg, kind="stable")
    start = np.searchsorted(pair_seg[order], np.arange(n_seg + 1))
    rows, cols, vals, rhs = [], [], [], []
    r = 0
    for s in range(n_seg):
        a, b = _tangent_rows(p[s], pts[s])
        ks = order[start[s] : start[s + 1]]
        rr = r + np.arange(a.size)
        rows += [rr, np.repeat(rr, ks.size)]
        cols += [np.full(a.size, n_pairs + s), np.tile(ks, a.size)]
        vals += [np.ones(a.size), -(b[:, None] * eff[ks][None, :]).ravel()]
        rhs.append(a)
        r += a.size
    if subadditive:
        rows += [r + np.arange(n_seg), r + pair_seg]
        cols += [n_pairs + np.arange(n_seg), np.arange(n_pairs)]
        vals += [np.ones(n_seg), -p[pair_seg] * -np.expm1(-eff * cap) / cap]
        rhs.append(np.zeros(n_seg))
        r += n_seg
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_pairs + n_seg))
    return A, np.concatenate(rhs)


def _initial_points(eff, cap, pair_seg, n_seg):
    """Tangent points per segment: 0, each pair's full coverage, and all pairs together."""
    order = np.argsort(pair_seg, kind="stable")
    start = np.searchsorted(pair_seg[order], np.arange(n_seg + 1))
    full = eff * cap
    return [np.unique(np.r_[0.0, full[order[a:b]], full[order[a:b]].sum()]) for a, b in itertools.pairwise(start)]


def _oa(p, eff, pair_col, pair_seg, n_cols, col_budget, col_cap, integral, time_limit, max_iter=60):
    """Maximise ``Σ_s p_s(1 − exp(−Σ_{k∈s} eff_k v_k))`` by outer approximation (tangent cuts).

    ``v_k ∈ [0, col_cap_k]`` (integer with ``integral``); ``pair_col[k]`` is the resource (team or
    type) of pair ``k`` and ``pair_seg[k]`` its segment; ``Σ_{k∈j} v_k ≤ col_budget_j``. Each
    round solves the model with HiGHS, evaluates the true objective at the solution, and adds a
    tangent at every segment's coverage where the model overestimated. The rounds stop when the
    model is exact there. Returns (v, true value, upper bound, rounds).
    """
    n_pairs, n_seg = eff.size, p.size
    scale = 1e4 / max(float(p.sum()), 1e-300)  # HiGHS stops at an absolute gap of 1e-6: work in large units
    p = p * scale
    pts = _initial_points(eff, col_cap, pair_seg, n_seg)
    budget = sp.csr_matrix((np.ones(n_pairs), (pair_col, np.arange(n_pairs))), shape=(n_cols, n_pairs + n_seg))
    c = np.r_[np.zeros(n_pairs), -np.ones(n_seg)]
    bounds = Bounds(np.zeros(n_pairs + n_seg), np.r_[col_cap, p])
    integrality = np.r_[np.full(n_pairs, 1 if integral else 0), np.zeros(n_seg)]
    best_v, best_val, ub, rounds = None, -math.inf, math.inf, 0
    for rounds in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        cuts, rhs = _cut_rows(p, eff, col_cap, pair_seg, pts, integral)
        res = milp(
            c,
            constraints=[LinearConstraint(budget, -np.inf, col_budget), LinearConstraint(cuts, -np.inf, rhs)],
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": time_limit, "mip_rel_gap": 1e-9, "disp": False},
        )
        if res.x is None:
            break
        v = np.clip(res.x[:n_pairs], 0.0, col_cap)
        if integral:
            v = np.round(v)
        cov = np.bincount(pair_seg, weights=eff * v, minlength=n_seg)
        f = p * -np.expm1(-cov)
        val = float(f.sum())
        if val > best_val:
            best_v, best_val = v, val
        dual = getattr(res, "mip_dual_bound", None) if integral else None
        ub = min(ub, -float(dual) if dual is not None and np.isfinite(dual) else -float(res.fun))
        if ub - best_val <= _TOL * max(ub, 1e-300) or res.status != 0:
            break
        loose = np.flatnonzero(res.x[n_pairs:] - f > 1e-3 * _TOL * max(ub, 1e-300))
        added = 0
        for s in loose:
            if not np.isclose(pts[s], cov[s], rtol=1e-12, atol=1e-15).any():
                pts[s] = np.sort(np.append(pts[s], cov[s]))
                added += 1
        if added == 0:  # the model is exact at this solution: optimal within HiGHS's gap
            break
    return best_v, best_val / scale, max(ub, best_val) / scale, rounds


@dataclass(frozen=True)
class DivisibleAllocation:
    """Result of :func:`allocate_divisible`: effort per area × type, its POS and an upper bound."""

    effort: np.ndarray
    pos: float
    bound: float
    iterations: int


def allocate_divisible(poa, w, available) -> DivisibleAllocation:
    """Optimal divisible effort of several resource types (the problem Washburn's algorithm solves).

    Maximises ``Σᵢ pᵢ(1 − exp(−Σⱼ wᵢⱼtᵢⱼ))`` subject to ``Σᵢ tᵢⱼ ≤ Tⱼ`` and ``tᵢⱼ ≥ 0``.

    Parameters
    ----------
    poa
        POA of each area (n).
    w
        Effectiveness of each type in each area (n × m), coverage per unit effort.
    available
        Effort of each type (m).

    Returns
    -------
    DivisibleAllocation
        ``effort`` (n × m), ``pos``, and ``bound`` ≥ the optimum; ``bound − pos`` ≤ 1e-9 × bound
        when it converged.

    Notes
    -----
    Outer approximation: the concave ``pᵢ(1 − e^{−C})`` is replaced by the minimum of its
    tangents, which gives a linear programme (HiGHS). Tangents are added at each solution's
    coverages until the linear objective (an upper bound) meets the true value of the solution.
    With one type, it equals :func:`charnes_cooper`.

    References
    ----------
    Washburn, A. R. (1995). Finite method for a nonlinear allocation problem. JOTA
    85(3):705–726. Kelley, J. E. (1960). The cutting-plane method for solving convex programs.
    """
    p = _vector(poa, "poa")
    ww = np.asarray(w, dtype=float)
    if ww.ndim == 1:
        ww = ww[:, None]
    tt = np.atleast_1d(np.asarray(available, dtype=float))
    if ww.shape != (p.size, tt.size):
        raise InputError(f"w must be (areas, types) = ({p.size}, {tt.size}), not {ww.shape}")
    if not np.isfinite(ww).all() or (ww < 0).any() or not np.isfinite(tt).all() or (tt < 0).any():
        raise InputError("w and the available effort must be finite and ≥ 0")
    seg, typ = np.nonzero((ww > 0) & (p[:, None] > 0) & (tt[None, :] > 0))
    effort = np.zeros(ww.shape)
    if seg.size == 0:
        return DivisibleAllocation(effort, 0.0, 0.0, 0)
    used, inv = np.unique(seg, return_inverse=True)
    # variables: fraction of type j's effort put into area i, in [0, 1]
    eff = ww[seg, typ] * tt[typ]
    v, val, ub, it = _oa(p[used], eff, typ, inv, tt.size, np.ones(tt.size), np.ones(seg.size), False, None, 60)
    effort[seg, typ] = v * tt[typ]
    polished = _polish(p, ww, tt, effort)
    if polished is not None:
        t2, mu = polished
        val2 = float(np.sum(p * -np.expm1(-(ww * t2).sum(axis=1))))
        if val2 >= val - _TOL * max(abs(val), 1e-300):
            effort, val = t2, val2
            ub = min(ub, _dual_bound(p, ww, tt, mu))
    return DivisibleAllocation(effort, val, max(ub, val), it)


def _dual_bound(p, w, T, mu) -> float:
    """Lagrangian bound ``Σⱼ μⱼTⱼ + Σᵢ hᵢ(minⱼ μⱼ/wᵢⱼ)``, valid for any ``μ ≥ 0``.

    ``hᵢ(c) = max_C pᵢ(1 − e^{−C}) − c·C = pᵢ − c − c·ln(pᵢ/c)`` for ``c < pᵢ``, else 0: each
    area buys coverage at the cheapest price among the types (a water-filling per price vector).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        price = np.where(w > 0, mu[None, :] / w, np.inf).min(axis=1)
        h = np.where(price < p, p - price - price * np.log(np.where(price > 0, p / price, 1.0)), 0.0)
    h = np.where(price <= 0, p, h)
    return float(np.dot(mu, T) + h.sum())


def _polish(p, w, T, t0):
    """Solve the KKT system exactly on the support of ``t0``; None if it is not optimal there.

    On the support S: ``yᵢ + ln μⱼ = ln(pᵢwᵢⱼ)``, ``yᵢ = Σⱼ wᵢⱼtᵢⱼ`` and ``Σᵢ tᵢⱼ = Tⱼ``: a square
    linear system in (y, ln μ, t). The result must have ``t ≥ 0`` and be dual feasible
    (``pᵢwᵢⱼe^{−yᵢ} ≤ μⱼ`` for every pair).
    """
    pairs = np.argwhere(t0 > 1e-9 * max(float(T.max()), 1e-300))
    if pairs.size == 0:
        return None
    areas, ai = np.unique(pairs[:, 0], return_inverse=True)
    types, ti = np.unique(pairs[:, 1], return_inverse=True)
    na, nt, ns = areas.size, types.size, len(pairs)
    nvar = na + nt + ns
    A = np.zeros((ns + na + nt, nvar))
    b = np.zeros(ns + na + nt)
    k = np.arange(ns)
    A[k, ai] = 1.0
    A[k, na + ti] = 1.0
    b[:ns] = np.log(p[pairs[:, 0]] * w[pairs[:, 0], pairs[:, 1]])
    A[ns + np.arange(na), np.arange(na)] = 1.0
    A[ns + ai, na + nt + k] = -w[pairs[:, 0], pairs[:, 1]]
    A[ns + na + ti, na + nt + k] = 1.0
    b[ns + na :] = T[types]
    sol, *_ = np.linalg.lstsq(A, b, rcond=None)
    if not np.allclose(A @ sol, b, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(b).max()))):
        return None
    t = np.zeros_like(t0)
    t[pairs[:, 0], pairs[:, 1]] = sol[na + nt :]
    if (t < -1e-9 * max(float(T.max()), 1e-300)).any():
        return None
    t = np.clip(t, 0.0, None)
    y = (w * t).sum(axis=1)
    marginal = p[:, None] * w * np.exp(-y)[:, None]
    mu = marginal.max(axis=0)  # types off the support: the least price that keeps them idle
    mu[types] = np.exp(sol[na : na + nt])
    if (marginal > mu[None, :] * (1 + 1e-7) + 1e-300).any():
        return None
    return t, mu


# ---------------------------------------------------------------------- whole teams
@dataclass(frozen=True)
class Team:
    """One team available for the period.

    Attributes
    ----------
    name
        Call sign ("Grid 1", "K9 Bravo").
    resource
        Its resource type (widths, speed, endurance).
    hours
        Hours available in the period, transit included; default the resource's endurance.
    """

    name: str
    resource: Resource
    hours: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("a team needs a name")
        if not isinstance(self.resource, Resource):
            raise InputError(f"team {self.name!r}: resource must be a Resource, not {type(self.resource).__name__}")
        if self.hours is not None and not (math.isfinite(self.hours) and self.hours >= 0):
            raise InputError(f"team {self.name!r}: hours must be ≥ 0, not {self.hours!r}")


@dataclass(frozen=True)
class Assignment:
    """One row of a plan: a team sent to a segment for the period.

    Attributes
    ----------
    segment, team, resource
        Segment id, team name and resource key.
    transit_h, search_h
        One-way transit from base and the hours left to search (h).
    coverage, pod
        The team's own coverage of the segment and its POD, ``1 − exp(−coverage)``.
    segment_pod
        The segment's POD with every team sent there.
    pos
        POS gained, ``POA·segment_pod``, shared among the segment's teams in proportion to
        their coverage; the rows add up to the plan's POS.
    """

    segment: object
    team: str
    resource: str
    transit_h: float
    search_h: float
    coverage: float
    pod: float
    segment_pod: float
    pos: float


@dataclass
class Plan:
    """An allocation of whole teams to segments for one period.

    Attributes
    ----------
    assignments
        One :class:`Assignment` per team sent, by segment then team.
    pos
        Probability of success of the plan, ``Σ pᵢ(1 − exp(−Cᵢ))``.
    bound
        Certified upper bound on the best whole-team plan (MILP dual bound, or the relaxation).
    relaxation_bound
        Upper bound from the continuous relaxation (teams divisible across segments).
    method
        ``"milp"`` or ``"greedy"``; ``greedy_pos`` is the greedy baseline's POS.
    idle
        Teams not sent (no segment where they add anything: transit too long, zero width).
    segment_coverage, segment_pod
        Planned coverage and POD per segment (all segments, in input order).
    """

    assignments: list[Assignment]
    pos: float
    bound: float
    relaxation_bound: float
    method: str
    greedy_pos: float
    idle: list[str] = field(default_factory=list)
    segment_coverage: np.ndarray = field(default_factory=lambda: np.zeros(0))
    segment_pod: np.ndarray = field(default_factory=lambda: np.zeros(0))
    iterations: int = 0

    @property
    def gap(self) -> float:
        """Optimality gap to the certified bound, ``(bound − pos)/bound``."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.pos) / self.bound)

    @property
    def relaxation_gap(self) -> float:
        """Gap to the continuous-relaxation (water-filling) bound."""
        rb = self.relaxation_bound
        return 0.0 if rb <= 0 else max(0.0, (rb - self.pos) / rb)

    def table(self) -> list[dict]:
        """The assignments as rows of plain values (segment, team, hours, expected POD, POS)."""
        return [dict(vars(a)) for a in self.assignments]

    def to_text(self) -> str:
        """A fixed-width table of the assignments with the totals."""
        head = f"{'segment':>8} {'team':<16} {'resource':<14} {'transit h':>9} {'search h':>8} "
        head += f"{'coverage':>8} {'POD':>6} {'seg POD':>7} {'POS':>8}"
        lines = [head]
        for a in self.assignments:
            lines.append(
                f"{a.segment!s:>8} {a.team:<16.16} {a.resource:<14.14} {a.transit_h:9.2f} {a.search_h:8.2f} "
                f"{a.coverage:8.3f} {a.pod:6.3f} {a.segment_pod:7.3f} {a.pos:8.5f}"
            )
        lines.append(
            f"POS {self.pos:.5f} ({self.method}); bound {self.bound:.5f}, gap {100 * self.gap:.3f} %; "
            f"relaxation bound {self.relaxation_bound:.5f}; greedy {self.greedy_pos:.5f}"
        )
        if self.idle:
            lines.append(f"idle: {', '.join(self.idle)}")
        return "\n".join(lines)


def _team_dual(mu, p, E):
    """Lagrangian dual of the relaxation (teams divisible) and its gradient, at team prices ``mu``.

    ``D(μ) = Σⱼ μⱼ + Σᵢ hᵢ(cᵢ)``, ``cᵢ = minⱼ μⱼ/Eⱼᵢ``: each segment buys coverage from its
    cheapest team and water-fills to ``Cᵢ = ln(pᵢ/cᵢ)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(E > 0, mu[:, None] / np.where(E > 0, E, 1.0), np.inf)
    j = np.argmin(ratio, axis=0)
    c = ratio[j, np.arange(p.size)]
    buy = np.flatnonzero(c < p)
    cb = np.maximum(c[buy], 1e-300)
    C = np.log(p[buy] / cb)
    h = p[buy] - cb - cb * C
    grad = np.ones(mu.size)
    np.subtract.at(grad, j[buy], C / E[j[buy], buy])
    return float(mu.sum() + h.sum()), grad


def _relaxation_bound(p, eff, pair_team, pair_seg, n_team, rounds: int = 3) -> float:
    """Continuous-relaxation (water-filling) bound on the best whole-team plan.

    Teams become divisible across their candidate segments. Each round solves one HiGHS linear
    programme over the tangent outer approximation, which gives an upper bound. Its team prices
    ``μ`` (the duals of the budget rows) then give the exact Lagrangian bound ``D(μ)``. A tangent
    is added at each segment's coverage before the next round. Every value is a valid bound, so
    the least is returned.
    """
    n_pairs, n_seg = eff.size, p.size
    scale = 1e4 / max(float(p.sum()), 1e-300)
    ps = p * scale
    ones = np.ones(n_pairs)
    pts = _initial_points(eff, ones, pair_seg, n_seg)
    budget = sp.csr_matrix((ones, (pair_team, np.arange(n_pairs))), shape=(n_team, n_pairs + n_seg))
    E = np.zeros((n_team, n_seg))
    E[pair_team, pair_seg] = eff
    cost = np.r_[np.zeros(n_pairs), -np.ones(n_seg)]
    box = np.column_stack([np.zeros(n_pairs + n_seg), np.r_[ones, ps]])
    best = math.inf
    for _ in range(rounds):
        cuts, rhs = _cut_rows(ps, eff, ones, pair_seg, pts, False)
        res = linprog(
            cost, A_ub=sp.vstack([budget, cuts]).tocsr(), b_ub=np.r_[np.ones(n_team), rhs], bounds=box, method="highs"
        )
        if res.status != 0:
            break
        mu = np.maximum(-res.ineqlin.marginals[:n_team], 0.0)
        best = min(best, -float(res.fun), _team_dual(mu, ps, E)[0])
        cov = np.bincount(pair_seg, weights=eff * res.x[:n_pairs], minlength=n_seg)
        true = float(np.sum(ps * -np.expm1(-cov)))
        if best - true <= 1e-6 * best:
            break
        for s in range(n_seg):
            if not np.isclose(pts[s], cov[s], rtol=1e-9, atol=1e-12).any():
                pts[s] = np.sort(np.append(pts[s], cov[s]))
    return best / scale


def _greedy(p, E):
    """Greedy marginal gain: repeatedly send the (team, segment) pair adding the most POS."""
    n_team, n_seg = E.shape
    gain0 = -np.expm1(-E)
    left = p.copy()  # p·exp(−C), the POA still undetected in each segment
    choice = np.full(n_team, -1)
    free = np.ones(n_team, bool)
    for _ in range(n_team):
        gains = np.where(free[:, None], gain0 * left[None, :], -1.0)
        k = int(np.argmax(gains))
        j, i = divmod(k, n_seg)
        if gains[j, i] <= 0:
            break
        choice[j] = i
        free[j] = False
        left[i] *= math.exp(-E[j, i])
    return choice


def _value(p, E, choice):
    cov = np.zeros(p.size)
    sent = choice >= 0
    np.add.at(cov, choice[sent], E[np.flatnonzero(sent), choice[sent]])
    return float(np.sum(p * -np.expm1(-cov))), cov


def _broadcast(v, shape, name):
    a = np.asarray(v, dtype=float)
    try:
        a = np.broadcast_to(a, shape)
    except ValueError:
        raise InputError(f"{name} must broadcast to (teams, segments) = {shape}, not {a.shape}") from None
    if not np.isfinite(a).all() or (a < 0).any():
        raise InputError(f"{name} must be finite and ≥ 0")
    return a


def allocate(
    poa,
    teams: Sequence[Team],
    *,
    areas_m2,
    landcover=None,
    transit_h=0.0,
    period_h: float = 12.0,
    subject: str = "unresponsive",
    speed_factor=1.0,
    segment_ids: Sequence | None = None,
    method: str = "milp",
    time_limit_s: float = 30.0,
) -> Plan:
    """Send whole teams to segments to maximise the probability of success in one period.

    Parameters
    ----------
    poa
        POA of each segment (the map summed over it), n values.
    teams
        The teams available: each goes to one segment or stays idle; several may share one.
    areas_m2
        Area of each segment, m².
    landcover
        Land-cover class (0..4) of each segment, for the sweep widths; default unknown.
    transit_h
        One-way transit time from base, hours: a scalar, per segment (n), or per team and
        segment (teams × n). A team searches ``min(hours, period_h) − 2·transit`` hours.
    period_h
        Length of the operational period, hours.
    subject
        ``"unresponsive"`` or ``"responsive"``: which widths to plan with.
    speed_factor
        Terrain factor on each team's speed per segment (broadcast like ``transit_h``).
    segment_ids
        Labels for the table (default 0..n−1).
    method
        ``"milp"`` (exact; default) or ``"greedy"`` (baseline).
    time_limit_s
        Limit for each HiGHS solve. If it runs out, the plan carries the bound proved so far.

    Returns
    -------
    Plan
        Assignments, POS, certified bound and gap, relaxation bound, greedy POS.

    Notes
    -----
    Team ``j`` in segment ``i`` gives coverage
    ``Eⱼᵢ = Wⱼ(landcoverᵢ) · vⱼ · fⱼᵢ · 3600 · hⱼᵢ / Aᵢ``. The MILP maximises
    ``Σᵢ yᵢ`` with ``yᵢ ≤ pᵢ(1 − e^{−c}(1 + Cᵢ − c))`` for tangent points ``c``,
    ``Cᵢ = Σⱼ Eⱼᵢxⱼᵢ``, ``Σᵢ xⱼᵢ ≤ 1`` and binary ``x``. Tangents are added at the solution's
    ``Cᵢ`` until ``Σ yᵢ`` equals the true POS, and the MILP's dual bound then certifies the
    plan. Each team needs only its ``T`` best segments by solo gain (``T`` = number of teams).
    If it sits elsewhere, one of those ``T`` has no other team, and moving there gains at least
    as much. So the MILP has at most ``T²`` binaries whatever the number of segments. The
    subadditivity row ``yᵢ ≤ Σⱼ pᵢ(1 − e^{−Eⱼᵢ})xⱼᵢ``, exact for one team, keeps the root
    relaxation tight. Greedy is O(T²·n). With 30 teams × 2,000 segments the whole call (MILP,
    greedy and the relaxation bound) took 0.4–0.5 s on a 16-core Xeon (``benchmarks/search.py``).
    Memory is O(T·n) for the coverage matrix.

    References
    ----------
    Stone, L. D. (1975). Theory of Optimal Search. Washburn, A. R. (1981). Search and Detection.
    Duran, M. A. & Grossmann, I. E. (1986). An outer-approximation algorithm for a class of
    mixed-integer nonlinear programs. Mathematical Programming 36:307–339.
    """
    p = _vector(poa, "poa")
    n = p.size
    areas = np.broadcast_to(np.asarray(areas_m2, dtype=float), (n,))
    if not np.isfinite(areas).all() or (areas <= 0).any():
        raise InputError("segment areas must be finite and > 0 m²")
    teams = list(teams)
    if not teams:
        raise InputError("give at least one team")
    names = [t.name if isinstance(t, Team) else None for t in teams]
    if None in names:
        raise InputError("teams must be Team objects")
    if len(set(names)) != len(names):
        raise InputError("team names must be unique")
    if method not in ("milp", "greedy"):
        raise InputError(f"method must be 'milp' or 'greedy', not {method!r}")
    if not (math.isfinite(period_h) and period_h > 0):
        raise InputError(f"period_h must be > 0 hours, not {period_h!r}")
    lc = np.zeros(n, np.int64) if landcover is None else np.broadcast_to(np.asarray(landcover), (n,))
    ids = list(range(n)) if segment_ids is None else list(segment_ids)
    if len(ids) != n:
        raise InputError(f"give {n} segment ids, not {len(ids)}")
    shape = (len(teams), n)
    transit = _broadcast(transit_h, shape, "transit_h")
    factor = _broadcast(speed_factor, shape, "speed_factor")
    avail = np.array([min(t.resource.endurance_h if t.hours is None else t.hours, period_h) for t in teams])
    hours = np.clip(avail[:, None] - 2.0 * transit, 0.0, None)
    widths = np.stack([np.asarray(t.resource.sweep_width(subject, lc), float) for t in teams])
    speeds = np.array([t.resource.speed_m_s for t in teams])
    E = widths * speeds[:, None] * factor * 3600.0 * hours / areas[None, :]

    choice_g = _greedy(p, E)
    pos_g, _ = _value(p, E, choice_g)
    choice, iterations = choice_g, 0
    bound = relax = math.inf
    # candidate pairs: each team's T best segments by solo gain (enough for an optimum, see Notes)
    solo = p[None, :] * -np.expm1(-E)
    T = len(teams)
    pj, ps = [], []
    for j in range(T):
        pos_idx = np.flatnonzero(solo[j] > 0)
        if pos_idx.size > T:
            pos_idx = pos_idx[np.argpartition(-solo[j, pos_idx], T - 1)[:T]]
        pj.append(np.full(pos_idx.size, j))
        ps.append(pos_idx)
    pair_team = np.concatenate(pj).astype(np.int64)
    pair_seg_full = np.concatenate(ps).astype(np.int64)
    if pair_team.size == 0:
        bound = relax = 0.0
    else:
        segs, pair_seg = np.unique(pair_seg_full, return_inverse=True)
        eff = E[pair_team, pair_seg_full]
        ones_t, ones_k = np.ones(T), np.ones(pair_team.size)
        relax = _relaxation_bound(p[segs], eff, pair_team, pair_seg, T)
        bound = relax
        if method == "milp":
            v, val, ub, iterations = _oa(p[segs], eff, pair_team, pair_seg, T, ones_t, ones_k, True, time_limit_s)
            bound = min(ub, relax)
            if v is not None and val > pos_g:
                choice = np.full(T, -1)
                sent = np.flatnonzero(v > 0.5)
                choice[pair_team[sent]] = pair_seg_full[sent]
    pos, cov = _value(p, E, choice)
    bound = max(bound, pos)
    relax = max(relax, pos)
    seg_pod = -np.expm1(-cov)
    rows = []
    for j in np.argsort(choice, kind="stable"):
        i = choice[j]
        if i < 0:
            continue
        share = E[j, i] / cov[i] if cov[i] > 0 else 0.0
        rows.append(
            Assignment(
                segment=ids[i],
                team=teams[j].name,
                resource=teams[j].resource.key,
                transit_h=float(transit[j, i]),
                search_h=float(hours[j, i]),
                coverage=float(E[j, i]),
                pod=float(-math.expm1(-E[j, i])),
                segment_pod=float(seg_pod[i]),
                pos=float(p[i] * seg_pod[i] * share),
            )
        )
    return Plan(
        assignments=rows,
        pos=pos,
        bound=float(bound),
        relaxation_bound=float(relax),
        method=method,
        greedy_pos=pos_g,
        idle=[teams[j].name for j in range(T) if choice[j] < 0],
        segment_coverage=cov,
        segment_pod=seg_pod,
        iterations=iterations,
    )
