"""A continuous distribution of the straight-line distance from the IPP to the find location.

Koester's tables give four quantiles (25, 50, 75 and 95 %) and nothing in between. A
probability map needs the whole curve: :class:`DistanceDistribution` fits one through the
tabulated quantiles, either exactly (``"pchip"``, the default) or as a least-squares lognormal
(``"lognormal"``). Distances are in metres throughout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from scipy.special import ndtr, ndtri

from carpathia.errors import InputError

__all__ = ["METHODS", "DistanceDistribution"]

#: Fitting methods of :class:`DistanceDistribution`; the first is the default.
METHODS = ("pchip", "lognormal")

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_BISECTIONS = 54  # halvings of a segment in ppf: 2**-54 of its width is below float64 resolution


class DistanceDistribution:
    """Distribution of the straight-line distance from the IPP to where the subject is found.

    Parameters
    ----------
    quantiles
        Mapping of cumulative probability (strictly between 0 and 1) to distance in metres,
        e.g. ``{0.25: 1127.0, 0.5: 3058.0, 0.75: 5794.0, 0.95: 18186.0}``. At least two
        quantiles; distances must be positive, finite and increase with the probability.
    method
        ``"pchip"`` (default): a monotone curve through every given quantile exactly.
        ``"lognormal"``: a lognormal fitted by least squares; it passes near, not through, them.

    Attributes
    ----------
    quantiles : Mapping[float, float]
        The quantiles the distribution was fitted to (probability -> metres), read-only.
    method : str
        ``"pchip"`` or ``"lognormal"``.
    mu, sigma : float
        Least-squares lognormal parameters (mean and standard deviation of the natural log of
        the distance in metres), computed for both methods.

    Notes
    -----
    Distances are in metres; ``pdf`` is per metre of distance; :meth:`areal_density` is per
    square metre. All methods take scalars or arrays and work element-wise with numpy.

    *pchip.* The curve is fitted in probit-log space: x = ln d against z = Φ⁻¹(F), where Φ is
    the standard normal CDF. A lognormal distribution is a straight line there, so this is a
    lognormal locally bent to pass exactly through every tabulated quantile. Between the
    quantiles z(x) is a monotone piecewise cubic Hermite curve (PCHIP, Fritsch & Butland
    1984, with the interior slopes of scipy's ``PchipInterpolator``); below the first and beyond
    the last quantile it continues as a straight line with the slope of the nearest segment,
    i.e. as the lognormal through the two outermost quantiles on that side. The slope is
    continuous at every knot, so the pdf is continuous. The curve passes through (0, 0):
    F(d) → 0 as d → 0 because z → −∞ as ln d → −∞. With two quantiles it is the lognormal
    through both.

    *lognormal.* ln q_i = μ + σ z_i fitted by ordinary least squares over the tabulated
    quantiles q_i and their normal scores z_i = Φ⁻¹(p_i). Across the 73 rows of Koester's table
    the largest miss of the fitted CDF at the tabulated quantiles is 0.05 (in probability) for
    the median row, 0.04 for the Temperate/Mountainous hiker and 0.27 for the worst row (Angler,
    Dry: 2.0/6.0/6.5/8.0 mi); the tests hold it to these figures. It is an option for smooth
    models, not the default.

    A row without a 95 % value (Koester's Abduction) has three quantiles; the distribution is
    fitted to them and extrapolated beyond, so use ``ppf(0.95)`` rather than ``quantiles[0.95]``.

    ``ppf`` inverts the pchip curve by bisection on the bracketing segment's cubic (54 halvings,
    full float64 precision); ``cdf`` and ``pdf`` are closed-form. Cost (numpy, one core): about
    0.3 µs per distance for ``cdf`` and ``pdf``, about 1 µs for ``ppf``; memory a few arrays of
    the input's size.

    References
    ----------
    Koester, R. J. (2008). Lost Person Behavior: A Search and Rescue Guide on Where to Look — for
    Land, Air and Water. dbS Productions. Distance tables from the International Search & Rescue
    Incident Database (ISRID).
    Fritsch, F. N. & Butland, J. (1984). A method for constructing local monotone piecewise
    cubic interpolants. SIAM J. Sci. Stat. Comput. 5(2), 300–304.
    """

    def __init__(self, quantiles: Mapping[float, float], method: str = "pchip") -> None:
        if method not in METHODS:
            raise InputError(f"distance distribution method must be one of {', '.join(METHODS)}, not {method!r}")
        p, q = _check_quantiles(quantiles)
        self.method = method
        self.quantiles: Mapping[float, float] = MappingProxyType(dict(zip(p.tolist(), q.tolist(), strict=True)))
        self._x = np.log(q)  # knots: ln metres
        self._z = ndtri(p)  # knots: normal scores
        self.sigma, self.mu = (float(v) for v in np.polyfit(self._z, self._x, 1))
        self._d = _hermite_slopes(self._x, self._z)

    # ------------------------------------------------------------------ distribution functions
    def cdf(self, d):
        """P(distance ≤ d); ``d`` in metres (scalar or array). 0 for d ≤ 0."""
        d = np.asarray(d, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log(np.where(d > 0, d, np.nan))
            out = ndtr(self._score(x)[0])
        out = np.where(d > 0, out, 0.0)
        out = np.where(np.isnan(d), np.nan, out)
        return _scalar(out)

    def sf(self, d):
        """P(distance > d) = 1 − cdf(d), computed without cancellation in the far tail."""
        d = np.asarray(d, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log(np.where(d > 0, d, np.nan))
            out = ndtr(-self._score(x)[0])
        out = np.where(d > 0, out, 1.0)
        out = np.where(np.isnan(d), np.nan, out)
        return _scalar(out)

    def pdf(self, d):
        """Probability density per metre of distance at ``d`` metres; 0 for d ≤ 0 and d = ∞."""
        d = np.asarray(d, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pos = (d > 0) & np.isfinite(d)
            x = np.log(np.where(pos, d, 1.0))
            z, dz = self._score(x)
            out = np.exp(-0.5 * z * z) / _SQRT_2PI * dz / np.where(pos, d, 1.0)
        out = np.where(pos, out, 0.0)
        out = np.where(np.isnan(d), np.nan, out)
        return _scalar(out)

    def ppf(self, q):
        """Distance in metres below which the subject is found with probability ``q``.

        ``ppf(0)`` is 0, ``ppf(1)`` is infinite, ``q`` outside [0, 1] gives NaN.
        """
        q = np.asarray(q, dtype=float)
        with np.errstate(invalid="ignore"):
            z = ndtri(q)
        x = self.mu + self.sigma * z if self.method == "lognormal" else self._invert(z)
        with np.errstate(over="ignore"):
            return _scalar(np.exp(x))

    def areal_density(self, d, *, cell_size: float | None = None):
        """Probability per square metre at ``d`` metres from the IPP, for a radially symmetric map.

        A ring of radius d and width δ has area 2πd·δ and holds pdf(d)·δ of the probability, so
        the density per unit area is pdf(d) / (2πd).

        Parameters
        ----------
        d
            Distance from the IPP in metres (scalar or array; the sign is ignored).
        cell_size
            Side of a square map cell in metres. When given, every point closer to the IPP than
            r₀ = cell_size / √π (the radius of a disc with the area of one cell) gets the mean
            density over that disc, cdf(r₀) / (πr₀²): the cell holding the IPP then carries about
            the probability of the innermost cell-sized disc instead of a point value.

        Notes
        -----
        Units: m⁻². Without ``cell_size`` the value at d = 0 is the limit of pdf(d)/(2πd) as
        d → 0, which is 0 for both methods (their lower tails are lognormal, whose density
        vanishes faster than any power of d); it is computed without dividing by zero. Koester's
        quantiles say nothing about the first tens of metres, so neither value reflects the
        finds made at the IPP itself; a map model that wants them must add them explicitly.
        """
        r = np.abs(np.asarray(d, dtype=float))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(self.pdf(r), dtype=float) / (2.0 * np.pi * r)
        out = np.where(r > 0, out, 0.0)
        out = np.where(np.isnan(r), np.nan, out)
        if cell_size is not None:
            if not (isinstance(cell_size, (int, float)) and math.isfinite(cell_size) and cell_size > 0):
                raise InputError(f"cell_size must be a positive number of metres, not {cell_size!r}")
            r0 = float(cell_size) / math.sqrt(math.pi)
            out = np.where(r < r0, float(self.cdf(r0)) / (math.pi * r0 * r0), out)
        return _scalar(out)

    def sample(self, size: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Draw distances in metres by inverse transform with the caller's generator ``rng``."""
        if not isinstance(rng, np.random.Generator):
            raise InputError("sample needs a numpy Generator, e.g. numpy.random.default_rng(seed)")
        return np.asarray(self.ppf(rng.random(size)), dtype=float)

    @property
    def median(self) -> float:
        """Median distance in metres."""
        return float(self.ppf(0.5))

    def __repr__(self) -> str:
        qs = ", ".join(f"{p:g}: {m:.0f} m" for p, m in self.quantiles.items())
        return f"DistanceDistribution({{{qs}}}, method={self.method!r})"

    # ------------------------------------------------------------------ internals
    def _score(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normal score z(x) and dz/dx at log-distances x (NaN stays NaN)."""
        if self.method == "lognormal":
            return (x - self.mu) / self.sigma, np.full_like(x, 1.0 / self.sigma)
        xk, zk, dk = self._x, self._z, self._d
        i = np.clip(np.searchsorted(xk, x, side="right") - 1, 0, len(xk) - 2)
        h = xk[i + 1] - xk[i]
        t = (x - xk[i]) / h
        t2, t3 = t * t, t * t * t
        z = (
            (2 * t3 - 3 * t2 + 1) * zk[i]
            + (t3 - 2 * t2 + t) * h * dk[i]
            + (-2 * t3 + 3 * t2) * zk[i + 1]
            + (t3 - t2) * h * dk[i + 1]
        )
        dz = (6 * t2 - 6 * t) / h * (zk[i] - zk[i + 1]) + (3 * t2 - 4 * t + 1) * dk[i] + (3 * t2 - 2 * t) * dk[i + 1]
        below, above = x < xk[0], x > xk[-1]
        z = np.where(below, zk[0] + dk[0] * (x - xk[0]), z)
        z = np.where(above, zk[-1] + dk[-1] * (x - xk[-1]), z)
        dz = np.where(below, dk[0], np.where(above, dk[-1], dz))
        return z, dz

    def _invert(self, z: np.ndarray) -> np.ndarray:
        """Log-distance x with z(x) = z for the pchip curve (linear tails solved directly)."""
        xk, zk, dk = self._x, self._z, self._d
        z = np.asarray(z, dtype=float)
        i = np.clip(np.searchsorted(zk, z, side="right") - 1, 0, len(zk) - 2)
        h = xk[i + 1] - xk[i]
        # the segment's cubic in t = (x - x_i) / h, monotone increasing on [0, 1]
        c0, c1 = zk[i], h * dk[i]
        c2 = 3 * (zk[i + 1] - zk[i]) - h * (2 * dk[i] + dk[i + 1])
        c3 = 2 * (zk[i] - zk[i + 1]) + h * (dk[i] + dk[i + 1])
        lo, hi = np.zeros_like(h), np.ones_like(h)
        for _ in range(_BISECTIONS):
            t = 0.5 * (lo + hi)
            go_up = ((c3 * t + c2) * t + c1) * t + c0 < z
            lo = np.where(go_up, t, lo)
            hi = np.where(go_up, hi, t)
        x = xk[i] + 0.5 * (lo + hi) * h
        x = np.where(z == zk[i], xk[i], x)  # a tabulated quantile comes back exactly
        with np.errstate(invalid="ignore"):
            x = np.where(z < zk[0], xk[0] + (z - zk[0]) / dk[0], x)
            x = np.where(z > zk[-1], xk[-1] + (z - zk[-1]) / dk[-1], x)
        return np.where(np.isnan(z), np.nan, x)


def _check_quantiles(quantiles: Mapping[float, float]) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(quantiles, Mapping):
        raise InputError("quantiles must be a mapping of probability to distance in metres, e.g. {0.5: 1800.0}")
    try:
        items = sorted((float(p), float(m)) for p, m in quantiles.items())
    except (TypeError, ValueError):
        raise InputError(f"quantiles must map numbers to numbers, got {dict(quantiles)!r}") from None
    if len(items) < 2:
        raise InputError(f"a distance distribution needs at least two quantiles, got {len(items)}")
    p = np.array([a for a, _ in items])
    q = np.array([b for _, b in items])
    if not np.all((p > 0) & (p < 1)):
        raise InputError(f"quantile probabilities must lie strictly between 0 and 1, got {p.tolist()}")
    if not np.all(np.isfinite(q) & (q > 0)):
        raise InputError(f"quantile distances must be positive finite metres, got {q.tolist()}")
    if np.any(np.diff(q) <= 0):
        raise InputError(f"quantile distances must increase with the probability, got {q.tolist()} m")
    return p, q


def _hermite_slopes(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Knot slopes: Fritsch–Butland weighted harmonic means inside, the end secants at both ends."""
    h = np.diff(x)
    delta = np.diff(z) / h  # all > 0: x and z both increase
    d = np.empty_like(x)
    d[0], d[-1] = delta[0], delta[-1]
    if len(x) > 2:
        w1 = 2 * h[1:] + h[:-1]
        w2 = h[1:] + 2 * h[:-1]
        d[1:-1] = (w1 + w2) / (w1 / delta[:-1] + w2 / delta[1:])
    return d


def _scalar(a: np.ndarray):
    return float(a) if np.ndim(a) == 0 else a
