"""The result of a motion simulation: agent positions at snapshot times, and what they mean.

:class:`Simulation` turns the snapshots into a time-resolved probability map
(:meth:`~Simulation.probability_at`), distributions of straight-line distance and elevation change,
the share of incapacitated subjects (the search module treats them as unresponsive), and a sample
of tracks as GeoJSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carpathia.errors import InputError

from .agents import INCAPACITATED, OUTSIDE, STOPPED, SWEPT

__all__ = ["Simulation"]


@dataclass
class Simulation:
    """Agents' positions and states at snapshot times, with the run's metadata.

    Attributes
    ----------
    terrain
        The grid the agents walked.
    ipp_cr
        The IPP in continuous cell coordinates (col, row).
    times_h
        Snapshot times, hours since the start (float64, increasing).
    col, row
        float32 (snapshots, agents): continuous cell coordinates (see
        :data:`~carpathia.motion.agents.FIELDS`). Agents that left the grid keep the position
        where they left it.
    state
        uint8 (snapshots, agents): state bits (:data:`~carpathia.motion.agents.STATE_BITS`).
    walked
        float32 (snapshots, agents): seconds each agent had walked by the snapshot (empty when
        not kept).
    tracks
        float32 (n_tracks, track times, 2): (col, row) of the first agents at ``track_times_h``.
    track_times_h
        Hours of the track points.
    meta
        Seed, parameters, start time, darkness, weather, terrain: written into every map.
    """

    terrain: Any
    ipp_cr: tuple[float, float]
    times_h: np.ndarray
    col: np.ndarray
    row: np.ndarray
    state: np.ndarray
    tracks: np.ndarray
    track_times_h: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    walked: np.ndarray = field(default_factory=lambda: np.empty((0, 0), np.float32))

    @property
    def n_agents(self) -> int:
        return int(self.col.shape[1])

    def _index(self, hours: float) -> int:
        try:
            h = float(hours)
        except (TypeError, ValueError):
            raise InputError(f"hours must be a number, not {hours!r}") from None
        j = int(np.argmin(np.abs(self.times_h - h)))
        if abs(self.times_h[j] - h) > 1e-6 + 0.5 * self.meta.get("dt_s", 60.0) / 3600.0:
            have = ", ".join(f"{t:g}" for t in self.times_h)
            raise InputError(f"no snapshot at {h:g} h; this simulation kept {have} h (pass times= to simulate)")
        return j

    def positions(self, hours: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(col, row, state) of every agent at a snapshot time."""
        j = self._index(hours)
        return self.col[j], self.row[j], self.state[j]

    def xy(self, hours: float) -> tuple[np.ndarray, np.ndarray]:
        """Positions in the terrain's CRS, metres (float64)."""
        c, r, _ = self.positions(hours)
        t = self.terrain.transform
        return (t.c + t.a * c.astype(np.float64), t.f + t.e * r.astype(np.float64))

    def distances(self, hours: float) -> np.ndarray:
        """Straight-line distance of each agent from the IPP, metres (float64)."""
        c, r, _ = self.positions(hours)
        dc = c.astype(np.float64) - self.ipp_cr[0]
        dr = r.astype(np.float64) - self.ipp_cr[1]
        return np.hypot(dc, dr) * self.terrain.resolution

    def hours_walked(self, hours: float) -> np.ndarray:
        """Hours each agent had walked by a snapshot time (float64)."""
        j = self._index(hours)
        if self.walked.shape[:1] != self.times_h.shape:
            raise InputError("this simulation did not keep the time walked")
        return self.walked[j].astype(np.float64) / 3600.0

    def elevation_change(self, hours: float) -> np.ndarray:
        """Elevation at each agent's position minus the IPP's, metres; NaN off the grid."""
        c, r, st = self.positions(hours)
        h, w = self.terrain.shape
        ri = np.floor(r).astype(np.int64)
        ci = np.floor(c).astype(np.int64)
        ok = (ri >= 0) & (ri < h) & (ci >= 0) & (ci < w) & ((st & OUTSIDE) == 0)
        z = self.terrain.elevation
        z0 = float(z[int(self.ipp_cr[1]), int(self.ipp_cr[0])])
        out = np.full(c.shape, np.nan)
        out[ok] = z[ri[ok], ci[ok]] - z0
        return out

    def _fraction(self, hours: float, bit: int) -> float:
        _, _, st = self.positions(hours)
        return float(np.count_nonzero(st & bit)) / max(1, st.size)

    def incapacitated_fraction(self, hours: float) -> float:
        """Share of agents incapacitated (cold or swept) at a snapshot: unresponsive subjects."""
        return self._fraction(hours, INCAPACITATED)

    def swept_fraction(self, hours: float) -> float:
        """Share of agents swept in a river crossing by a snapshot."""
        return self._fraction(hours, SWEPT)

    def stopped_fraction(self, hours: float) -> float:
        """Share of agents that have stopped walking for good (budget spent) by a snapshot."""
        return self._fraction(hours, STOPPED)

    def outside_fraction(self, hours: float) -> float:
        """Share of agents that left the grid (the rest of the world) by a snapshot."""
        return self._fraction(hours, OUTSIDE)

    def probability_at(self, hours: float, *, smooth_m: float | str = 0.0, terrain=None):
        """Probability map of the agents' positions at a snapshot time.

        Parameters
        ----------
        hours
            A snapshot time of the run.
        smooth_m
            Gaussian kernel standard deviation in metres (0: the plain histogram); ``"auto"``
            picks Scott's rule on the agents' spread, σ · n^(−1/6), at least one cell.
        terrain
            Another grid in the same CRS to histogram onto (default: the simulation's own).

        Returns
        -------
        ProbabilityMap
            Cell shares of the agents on the grid; agents off it are the rest of the world; the
            map sums to 1. ``meta`` holds the run's metadata, the snapshot time and smoothing.

        Notes
        -----
        Smoothing wider than 3 cells is done on a grid coarser by a third of σ and interpolated
        back bilinearly (MapScore's 25-million-cell grids in a second).
        """
        from carpathia.probability import ProbabilityMap

        j = self._index(hours)
        target = self.terrain if terrain is None else terrain
        c, r, st = self.col[j].astype(np.float64), self.row[j].astype(np.float64), self.state[j]
        if target is not self.terrain:
            if target.crs != self.terrain.crs:
                raise InputError("the target grid must be in the simulation's CRS")
            x, y = self.xy(self.times_h[j])
            c, r = ~target.transform * (x, y)
        h, w = target.shape
        inside = ((st & OUTSIDE) == 0) & (r >= 0) & (r < h) & (c >= 0) & (c < w)
        n = max(1, st.size)
        row_mass = 1.0 - np.count_nonzero(inside) / n
        res = target.resolution
        sigma = self._bandwidth(c[inside], r[inside], res) if smooth_m == "auto" else _non_negative(smooth_m) / res
        weights = _density(r[inside], c[inside], (h, w), sigma)
        meta = {
            **self.meta,
            "hours": float(self.times_h[j]),
            "smooth_m": sigma * res,
            "agents_on_grid": int(inside.sum()),
        }
        if weights.sum() <= 0:
            return ProbabilityMap.from_weights(weights, target, rest_of_world=1.0, meta=meta)
        return ProbabilityMap.from_weights(weights, target, rest_of_world=row_mass, meta=meta)

    @staticmethod
    def _bandwidth(c: np.ndarray, r: np.ndarray, res: float) -> float:
        """Scott's rule in cells: robust spread × n^(−1/6) (2-D), at least one cell."""
        if c.size < 2:
            return 1.0
        spreads = []
        for v in (c, r):
            q75, q25 = np.percentile(v, [75, 25])
            sd = float(np.std(v))
            iqr = float(q75 - q25) / 1.349
            spreads.append(min(sd, iqr) if iqr > 0 else sd)
        return max(1.0, float(np.mean(spreads)) * c.size ** (-1.0 / 6.0))

    def tracks_geojson(self, n: int | None = None) -> dict[str, Any]:
        """The recorded tracks of the first ``n`` agents as a GeoJSON FeatureCollection (lon/lat)."""
        k = self.tracks.shape[0] if n is None else min(int(n), self.tracks.shape[0])
        t = self.terrain.transform
        feats = []
        for a in range(k):
            cr = self.tracks[a]
            ok = np.isfinite(cr[:, 0])
            x = t.c + t.a * cr[ok, 0].astype(np.float64)
            y = t.f + t.e * cr[ok, 1].astype(np.float64)
            lon, lat = self.terrain.to_lonlat_xy(x, y)
            coords = [[round(float(a_), 6), round(float(b_), 6)] for a_, b_ in zip(lon, lat, strict=True)]
            if len(coords) == 1:
                coords = coords * 2
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {
                        "agent": a,
                        "hours": [round(float(h), 4) for h in self.track_times_h[ok]],
                        "category": self.meta.get("category"),
                        "seed": self.meta.get("seed"),
                    },
                }
            )
        return {
            "type": "FeatureCollection",
            "features": feats,
            "properties": {"model": "agents", "seed": self.meta.get("seed")},
        }

    def summary(self, hours: float) -> dict[str, Any]:
        """Distance quantiles (m), elevation change and state shares at a snapshot, JSON-friendly."""
        d = self.distances(hours)
        dz = self.elevation_change(hours)
        q = {f"{round(p * 100)}": round(float(np.quantile(d, p)), 1) for p in (0.25, 0.5, 0.75, 0.95)}
        return {
            "hours": float(self.times_h[self._index(hours)]),
            "distance_quantiles_m": q,
            "median_elevation_change_m": None if np.isnan(dz).all() else round(float(np.nanmedian(dz)), 1),
            "uphill_share": None if np.isnan(dz).all() else round(float(np.nanmean(dz > 0)), 3),
            "incapacitated": round(self.incapacitated_fraction(hours), 4),
            "swept": round(self.swept_fraction(hours), 4),
            "stopped": round(self.stopped_fraction(hours), 4),
            "outside": round(self.outside_fraction(hours), 4),
        }


def _non_negative(v) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(f"smooth_m must be metres >= 0 or 'auto', not {v!r}") from None
    if not (math.isfinite(x) and x >= 0):
        raise InputError(f"smooth_m must be metres >= 0 or 'auto', not {v!r}")
    return x


def _density(r: np.ndarray, c: np.ndarray, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Histogram of points on the grid, smoothed by a Gaussian of ``sigma`` cells."""
    from scipy import ndimage

    h, w = shape
    if sigma <= 0.5 or r.size == 0:
        idx = np.floor(r).astype(np.int64) * w + np.floor(c).astype(np.int64)
        hist = np.bincount(idx, minlength=h * w).astype(np.float64).reshape(h, w)
        return ndimage.gaussian_filter(hist, sigma, mode="constant") if sigma > 0 else hist
    block = max(1, int(sigma // 3))
    hb, wb = -(-h // block), -(-w // block)
    idx = (np.floor(r).astype(np.int64) // block) * wb + np.floor(c).astype(np.int64) // block
    coarse = np.bincount(idx, minlength=hb * wb).astype(np.float64).reshape(hb, wb)
    coarse = ndimage.gaussian_filter(coarse, sigma / block, mode="constant", truncate=4.0)
    if block == 1:
        return coarse
    fine = ndimage.zoom(coarse, block, order=1, grid_mode=True, mode="nearest")
    return np.clip(fine[:h, :w], 0.0, None)
