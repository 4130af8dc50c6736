"""Monte Carlo drift of a person (alive, or their body) along a river network.

Each particle is one possible history. States (Lagrangian, a struct of arrays):

- **floating** — moves with the reach's surface velocity ``v = lo + q·(hi − lo)`` (``q`` drawn
  once per particle: where in each reach's range this flow sits). Its lateral position
  ``y ∈ [−1, 1]`` (left to right bank, looking downstream) follows a random walk with the
  transverse mixing coefficient ``ε = α·d·u*`` (Fischer et al. 1979: ``α ≈ 0.6 ± 50 %`` in
  natural streams; depth ``d``; shear velocity ``u* = r·v``), plus a drift towards the outer bank
  in bends (secondary flow carries surface floats outwards, Rozovskii 1957) of ``b`` per radian
  of turn. At a bank it strands with probability ``p_strand`` per contact, else it is reflected.
  A person without a lifejacket goes under at ``t_sink`` (from the immersion clock of
  :func:`carpathia.survival.immersion_timeline` and what the witness saw).
- **on the bed** — stays where the near-bed current ``n·v`` is below ``u_crit``; slides at
  ``n·v − u_crit`` where it is above. Refloats after the time of
  :func:`carpathia.river.refloat.refloat_days` at the water temperature.
- **snagged** — held at a bridge, weir or strainer (catch point) with probability ``p_snag`` per
  passage; stays for the run.
- **stranded** — on the left or right bank; stays.
- **refloated** — floating again (it does not sink again).
- **beyond** — passed an outlet of the modelled network: the "beyond the modelled reach" term.

No other way out of the river exists in the model. Every parameter is drawn per particle from
the range in :class:`DriftParameters` (its ``sources`` say where each comes from). Particles move
in steps of at most ``step_m`` (and never across a reach end, a catch point, a sinking time or an
output time), so lateral mixing per metre does not depend on the velocity: doubling every
velocity doubles every floating distance.

References
----------
Fischer, H. B., List, E. J., Koh, R. C. Y., Imberger, J., Brooks, N. H. (1979). Mixing in Inland
and Coastal Waters. Academic Press (transverse mixing, ch. 5).
Rozovskii, I. L. (1957). Flow of Water in Bends of Open Channels. Academy of Sciences of the
Ukrainian SSR (English translation 1961).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carpathia.errors import InputError

from . import _kernels
from .intake import RiverIncident
from .network import ZONES, RiverNetwork, Snap
from .refloat import refloat_days

__all__ = ["STATES", "Drift", "DriftParameters", "simulate_drift"]

#: Particle states, in kernel order.
STATES = ("floating", "bed", "snagged", "stranded", "refloated", "beyond")
_PARAM_ORDER = ("p_strand", "p_snag", "mixing", "depth_m", "ustar_ratio", "bend_drift", "nearbed_ratio", "u_crit_m_s")


@dataclass(frozen=True)
class DriftParameters:
    """Ranges (low, high) of the per-particle parameters, each drawn uniformly per particle.

    Attributes
    ----------
    p_strand
        Probability of stranding at each bank contact (carpathia's assumption).
    p_snag
        Probability of being held at each catch point passed (carpathia's assumption).
    mixing
        α in ε = α·d·u* (Fischer et al. 1979: 0.6 ± 50 % in natural streams).
    depth_m
        Flow depth, m (carpathia's assumption for the Upper Tisza at mean flow).
    ustar_ratio
        u*/v, shear over mean velocity (0.05–0.1, typical of gravel-bed rivers; carpathia's assumption).
    bend_drift
        Lateral drift towards the outer bank per radian of turn, in half-widths (carpathia's
        assumption; the direction is Rozovskii 1957's secondary flow).
    nearbed_ratio
        Near-bed over mean velocity at a body's height on the bed (carpathia's assumption after the log law).
    u_crit_m_s
        Near-bed current that slides a body along the bed, m/s (carpathia's assumption: a drowned
        adult weighs a few kg in water; no published threshold found).
    refloat_quantile
        Place in the degree-day band (0: 115, 1: 174 °C·d), :mod:`~carpathia.river.refloat`.
    surface_fraction
        Of the immersion survival time, the range of time at the surface for each observation
        (see :data:`carpathia.river.intake.OBSERVED`).
    """

    p_strand: tuple[float, float] = (0.05, 0.3)
    p_snag: tuple[float, float] = (0.1, 0.5)
    mixing: tuple[float, float] = (0.3, 0.9)
    depth_m: tuple[float, float] = (0.5, 2.5)
    ustar_ratio: tuple[float, float] = (0.05, 0.1)
    bend_drift: tuple[float, float] = (0.2, 0.6)
    nearbed_ratio: tuple[float, float] = (0.4, 0.7)
    u_crit_m_s: tuple[float, float] = (0.3, 0.8)
    refloat_quantile: tuple[float, float] = (0.0, 1.0)
    sources: dict[str, str] = field(
        default_factory=lambda: {
            "p_strand": "carpathia's assumption",
            "p_snag": "carpathia's assumption",
            "mixing": "Fischer et al. 1979 (0.6 ± 50 % in natural streams)",
            "depth_m": "carpathia's assumption",
            "ustar_ratio": "carpathia's assumption (typical gravel-bed rivers)",
            "bend_drift": "direction: Rozovskii 1957; magnitude: carpathia's assumption",
            "nearbed_ratio": "carpathia's assumption (log-law velocity profile)",
            "u_crit_m_s": "carpathia's assumption (no published threshold found)",
            "refloat_quantile": "place in Mateus et al. 2014's 115-174 degC-day band (see carpathia.river.refloat)",
            "time_at_surface": "immersion clock (carpathia.survival.immersion_timeline) and the witness's observation",
        }
    )

    def __post_init__(self) -> None:
        for name in (*_PARAM_ORDER, "refloat_quantile"):
            lo, hi = (float(x) for x in getattr(self, name))
            if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
                raise InputError(
                    f"drift parameter {name} must be a range 0 <= low <= high, not {getattr(self, name)!r}"
                )
            if name in ("p_strand", "p_snag", "refloat_quantile") and hi > 1:
                raise InputError(f"drift parameter {name} is a probability; its range must lie in [0, 1]")
            object.__setattr__(self, name, (lo, hi))

    def replace(self, **changes) -> DriftParameters:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {n: list(getattr(self, n)) for n in (*_PARAM_ORDER, "refloat_quantile")} | {"sources": self.sources}


#: Shortest time at the surface of a person without a lifejacket, s: drowning victims can be at
#: the surface and on the bottom within seconds (Hunsucker & Davison, J. Search & Rescue).
SINK_MIN_S = 10.0
#: Longest time at the surface without a lifejacket at 10 °C, s: about 10 minutes of useful
#: movement before swim failure in cold water (Giesbrecht's 1-10-1).
SINK_MAX_AT_10C_S = 600.0


def sink_limit_s(water_temp_c: float) -> float:
    """Longest time (s) a person without a lifejacket keeps at the surface, continuous in temperature.

    ``SINK_MAX_AT_10C_S × H(T) / H(10 °C)`` with Hayward et al. (1975)'s cooling curve ``H``
    (held at its 20 °C value above): colder water fails the swimmer sooner, warmer water later,
    without the 10-minute-to-hours jump at 15 °C of the old rule. The scaling is carpathia's
    assumption; at 0–20 °C it gives about 6 to 24 minutes.
    """
    from carpathia.survival import hayward_survival_hours

    t = min(max(float(water_temp_c), 0.0), 20.0)
    return SINK_MAX_AT_10C_S * hayward_survival_hours(t) / hayward_survival_hours(10.0)


def _time_at_surface(incident: RiverIncident, n: int, rng: np.random.Generator) -> np.ndarray:
    """Seconds each particle stays at the surface before going under (inf with a lifejacket).

    Without a lifejacket drowning victims usually sink within seconds to minutes (Hunsucker &
    Davison): log-uniform from :data:`SINK_MIN_S` to :func:`sink_limit_s` (median about 1.3 min
    at 10 °C), unless the witness saw more: "submerging" 0–60 s, "struggling" 1–10 min,
    "swimming" from half to one and a half times the limit.
    """
    if incident.lifejacket:
        return np.full(n, np.inf)
    top = sink_limit_s(incident.water_temp_c)
    obs = incident.observed
    if obs == "submerging":
        return rng.uniform(0.0, 60.0, n)
    if obs == "struggling":
        return rng.uniform(60.0, 600.0, n)
    if obs == "swimming":
        return rng.uniform(0.5, 1.5, n) * top
    return np.exp(rng.uniform(math.log(SINK_MIN_S), math.log(max(top, SINK_MIN_S)), n))


@dataclass
class Drift:
    """Result of :func:`simulate_drift`.

    Attributes
    ----------
    network, incident, snap, params, seed, n_particles
        Inputs (``snap``: the point last seen on the river).
    hours
        Output times, hours after entry (``hours[-1]`` is the planning time).
    bins
        Reach id of each histogram bin (the reaches of the lines below the point last seen).
    hist
        (n_times, n_bins, 4) probability per reach and zone (left, right, channel, bed).
    beyond
        (n_times,) probability beyond the modelled reach (past an outlet).
    states
        (n_times, 6) probability per state (:data:`STATES`).
    line, s_m, y, state, travelled_m, weight
        Particles at the planning time (weights sum to 1 with the beyond mass included).
    start_s_m
        Starting positions along the snapped line, m.
    km_below
        Per bin: distance (km) along the river from the point last seen to the reach's middle.
    elapsed_s
        Wall-clock seconds of the kernel.
    """

    network: RiverNetwork
    incident: RiverIncident
    snap: Snap
    params: DriftParameters
    seed: int
    n_particles: int
    hours: np.ndarray
    bins: np.ndarray
    hist: np.ndarray
    beyond: np.ndarray
    states: np.ndarray
    line: np.ndarray
    s_m: np.ndarray
    y: np.ndarray
    state: np.ndarray
    travelled_m: np.ndarray
    weight: np.ndarray
    start_s_m: np.ndarray
    km_below: np.ndarray
    elapsed_s: float
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ queries
    def time_index(self, hours: float | None = None) -> int:
        if hours is None:
            return len(self.hours) - 1
        k = int(np.argmin(np.abs(self.hours - float(hours))))
        if abs(self.hours[k] - float(hours)) > 1e-6:
            raise InputError(f"no output at {hours} h; outputs run from {self.hours[0]:g} to {self.hours[-1]:g} h")
        return k

    def total(self, hours: float | None = None) -> float:
        """Sum of every reach, zone and the beyond term: 1 up to rounding."""
        k = self.time_index(hours)
        return float(self.hist[k].sum() + self.beyond[k])

    def state_split(self, hours: float | None = None) -> dict[str, float]:
        """Probability per state, plus ``surface`` (floating, refloated, stranded) and ``bed``."""
        k = self.time_index(hours)
        d = {n: float(self.states[k, i]) for i, n in enumerate(STATES)}
        d["surface"] = d["floating"] + d["refloated"] + d["stranded"]
        return d

    def table(self, hours: float | None = None, *, min_p: float = 0.0) -> list[dict[str, Any]]:
        """Probability per reach and zone at ``hours`` (default the planning time), upstream first."""
        k = self.time_index(hours)
        rows = []
        for b, rid in enumerate(self.bins):
            p = self.hist[k, b]
            if p.sum() <= min_p and self.km_below[b] < -2 * self.incident.witness_uncertainty_m / 1000 - 1:
                continue
            if p.sum() <= min_p and min_p > 0:
                continue
            r = self.network.reaches[int(rid)]
            rows.append(
                {
                    "reach": int(rid),
                    "river": r.river,
                    "chainage_km_start": round(r.chainage_km[0], 3),
                    "chainage_km_end": round(r.chainage_km[1], 3),
                    "km_below_pls": round(float(self.km_below[b]), 3),
                    "lat": round(r.lat, 6),
                    "lon": round(r.lon, 6),
                    "kind": r.kind,
                    "catch": r.catch,
                    **{f"p_{z}": float(p[i]) for i, z in enumerate(ZONES)},
                    "p_total": float(p.sum()),
                }
            )
        return rows

    def median_floating_distance_m(self) -> float:
        """Median distance travelled (m) by the particles floating at the planning time."""
        m = self.state == 0
        return float(np.median(self.travelled_m[m])) if m.any() else math.nan

    def reach_mass(self, hours: float | None = None) -> np.ndarray:
        """Probability per reach of the whole network (zones summed) at ``hours``."""
        k = self.time_index(hours)
        out = np.zeros(self.network.n_reaches)
        out[self.bins] = self.hist[k].sum(axis=1)
        return out

    def probability_map(self, terrain, hours: float | None = None):
        """A :class:`~carpathia.probability.ProbabilityMap` on ``terrain``'s grid.

        Each reach's probability is spread along the reach's line (points every 50 m); mass on
        reaches off the grid and beyond the modelled reach go to the rest of the world.
        """
        from carpathia.probability import ProbabilityMap

        k = self.time_index(hours)
        mass = self.reach_mass(hours)
        w = np.zeros(terrain.shape)
        off = float(self.beyond[k])
        h, wd = terrain.shape
        for rid in np.nonzero(mass > 0)[0]:
            r = self.network.reaches[int(rid)]
            g = self.network.reach_geometry(r)
            n = max(2, int(g.length // 50) + 1)
            import shapely

            pts = shapely.line_interpolate_point(g, np.linspace(0, g.length, n))
            col, row = ~terrain.transform * (shapely.get_x(pts), shapely.get_y(pts))
            rr, cc = np.floor(row).astype(int), np.floor(col).astype(int)
            ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < wd)
            np.add.at(w, (rr[ok], cc[ok]), mass[rid] / n)
            off += mass[rid] * (1 - ok.mean())
        total = w.sum() + off
        row_p = min(max(off / total, 0.0), 1.0) if total > 0 else 1.0
        meta = {
            "model": "river-drift",
            "hours": float(self.hours[k]),
            "seed": self.seed,
            "n_particles": self.n_particles,
        }
        return ProbabilityMap.from_weights(w, terrain, rest_of_world=row_p, meta=meta)

    def summary(self) -> dict[str, Any]:
        return {
            "n_particles": self.n_particles,
            "seed": self.seed,
            "hours": float(self.hours[-1]),
            "snap": dataclasses.asdict(self.snap),
            "state_split": self.state_split(),
            "beyond_modelled_reach": float(self.beyond[-1]),
            "median_floating_distance_km": round(self.median_floating_distance_m() / 1000, 3)
            if math.isfinite(self.median_floating_distance_m())
            else None,
            "elapsed_s": round(self.elapsed_s, 3),
            "parameters": self.params.to_dict(),
        }


def _km_below(network: RiverNetwork, snap: Snap, bins: np.ndarray) -> np.ndarray:
    base = {snap.line: -snap.s_m}
    lines = network.downstream_lines(snap.line)
    for a, b in itertools.pairwise(lines):
        base[b] = base[a] + network.lines[a].length - network.line_entry_m[a]
    out = np.empty(len(bins))
    for i, rid in enumerate(bins):
        r = network.reaches[int(rid)]
        out[i] = (base[r.line] + 0.5 * (r.s0_m + r.s1_m)) / 1000
    return out


def simulate_drift(
    network: RiverNetwork,
    incident: RiverIncident,
    *,
    hours: float = 48.0,
    n_particles: int = 100_000,
    seed: int = 0,
    params: DriftParameters | None = None,
    output_step_h: float = 1.0,
    step_m: float = 500.0,
    snap_max_m: float = 2000.0,
    weights: np.ndarray | None = None,
) -> Drift:
    """Drift particles from the point last seen for ``hours``.

    Parameters
    ----------
    network
        The river network (:func:`~carpathia.river.build_network`).
    incident
        The :class:`~carpathia.river.RiverIncident`.
    hours
        Forecast horizon after entry into the water, h (0 to 720); outputs every ``output_step_h``.
    n_particles
        Number of particles (each one possible history).
    seed
        Seed of the particle parameters and of the counter-based streams in the kernel.
    params
        Parameter ranges; default :class:`DriftParameters()`.
    step_m
        Longest step of a floating particle, m.
    snap_max_m
        A point last seen farther than this from every river line is refused.
    weights
        Optional prior weight per particle (used after a Bayes update); default equal.

    Returns
    -------
    Drift

    Notes
    -----
    Cost: one kernel pass, about (distance floated / ``step_m`` + reaches crossed + outputs)
    steps per particle, parallel over particle chunks; memory about 140 bytes per particle.
    Results do not depend on the thread count.
    """
    params = params or DriftParameters()
    h = float(hours)
    if not (math.isfinite(h) and 0 <= h <= 720):
        raise InputError(f"hours must be from 0 to 720, not {hours!r}")
    n = int(n_particles)
    if n < 1 or n > 50_000_000:
        raise InputError(f"number of particles must be 1 to 50,000,000, not {n_particles!r}")
    if not (output_step_h > 0 and step_m > 0):
        raise InputError("output step and step length must be positive")
    snap = network.snap(incident.lon, incident.lat, max_distance_m=snap_max_m)
    rng = np.random.default_rng(seed)
    length = network.lines[snap.line].length
    start = np.clip(snap.s_m + rng.normal(0.0, incident.witness_uncertainty_m, n), 0.0, np.nextafter(length, 0))
    line = np.full(n, snap.line, np.int32)
    s = start.copy()
    y = rng.uniform(-0.9, 0.9, n)
    state = np.zeros(n, np.int8)
    travelled = np.zeros(n)
    pf = np.empty((11, n))
    pf[0] = rng.uniform(0.0, 1.0, n)
    pf[1] = _time_at_surface(incident, n, rng)
    q = rng.uniform(*params.refloat_quantile, n)
    pf[2] = np.asarray(refloat_days(np.full(n, incident.water_temp_c), q, incident.warming_c_per_day)) * 86400.0
    for j, name in enumerate(_PARAM_ORDER):
        pf[3 + j] = rng.uniform(*getattr(params, name), n)
    w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, float)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
        raise InputError("weights must be one non-negative number per particle")
    lines_below = network.downstream_lines(snap.line)
    bins = np.array([r.id for r in network.reaches if r.line in lines_below], np.int64)
    r_bin = np.full(network.n_reaches, -1, np.int64)
    r_bin[bins] = np.arange(bins.size)
    a = network.kernel_arrays()
    net_f = np.ascontiguousarray(np.vstack([a["line_len"], a["line_entry"], a["line_rlen"]]))
    net_i = np.ascontiguousarray(np.vstack([a["line_down"], a["line_r0"], a["line_nr"]]).astype(np.int64))
    r_f = np.ascontiguousarray(np.vstack([a["r_lo"], a["r_hi"], a["r_catch"], a["r_turn"], a["r_width"]]))
    out_h = np.arange(0.0, h + 1e-9, output_step_h)
    if out_h[-1] < h - 1e-9:
        out_h = np.append(out_h, h)
    t0 = _time.perf_counter()
    hist, beyond, states = _kernels.drift(
        net_f,
        net_i,
        r_f,
        r_bin,
        int(bins.size),
        line,
        s,
        y,
        state,
        travelled,
        pf,
        w,
        out_h * 3600.0,
        float(step_m),
        np.uint64(seed & 0xFFFFFFFFFFFFFFFF),
        16,
    )
    elapsed = _time.perf_counter() - t0
    hist, beyond, states = hist.sum(axis=0), beyond.sum(axis=0), states.sum(axis=0)
    tot = w.sum()
    if tot > 0:
        hist, beyond, states = hist / tot, beyond / tot, states / tot
    return Drift(
        network=network,
        incident=incident,
        snap=snap,
        params=params,
        seed=int(seed),
        n_particles=n,
        hours=out_h,
        bins=bins,
        hist=hist,
        beyond=beyond,
        states=states,
        line=line,
        s_m=s,
        y=y,
        state=state,
        travelled_m=travelled,
        weight=w / tot if tot > 0 else w,
        start_s_m=start,
        km_below=_km_below(network, snap, bins),
        elapsed_s=elapsed,
        meta={"step_m": step_m, "output_step_h": output_step_h, "flow": network.flow.source},
    )
