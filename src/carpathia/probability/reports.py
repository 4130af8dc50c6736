"""Location reports change the map: a fix with its spread becomes the last known point.

:func:`report_likelihood` lays a :class:`~carpathia.location.LocationReport` on the grid: a
circular normal of the fix's standard deviation (its radius at its confidence, Rayleigh), a
rotated normal for an error ellipse, or a cell sector's geodesic wedge. :func:`report_map` grows
the map for a later time from that spread: the subject was somewhere in it at the time of the fix
and has moved since, for the hours between the fix and ``at``.

* ``rings``: the spread convolved (FFT) with the Koester distance kernel of those hours (capped
  at a flat off-trail walk, as :func:`~carpathia.probability.models.rings` does).
* ``travel_time`` (and any registered model): a mixture of the model's maps started from
  support points of the spread (blocks of cells aggregated until at most
  :data:`MAX_START_POINTS` remain), each weighted by the spread's mass in its block.

Notes
-----
Memory: a few grids of float64. Cost: ``rings`` one FFT convolution; other models up to
:data:`MAX_START_POINTS` runs of the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np

from carpathia.errors import InputError, OutsideTerrainError
from carpathia.location import LocationReport

from .models import FLAT_OFFTRAIL_SPEED_MS, _annulus_mass, _profile, get_model, register_model, scaled_distribution
from .probmap import ProbabilityMap

__all__ = [
    "DIRECTION_KAPPA",
    "DIRECTION_SHARE",
    "MAX_START_POINTS",
    "SECTOR_INSIDE",
    "VERIFICATION_WEIGHT",
    "report_likelihood",
    "report_map",
    "report_model",
]

#: Share of a cell sector's likelihood inside its wedge; the rest is spread over the full disc of
#: its range (back lobes, reflections, a neighbouring sector's overlap).
SECTOR_INSIDE = 0.95
#: Scenario weight of a report by its verification status, when the planner gives none: the map is
#: ``w`` x (grown from the report) + (1 - w) x (the model from the IPP), Mattson-style.
VERIFICATION_WEIGHT = {"confirmed": 1.0, "plausible": 0.8, "unverified": 0.5, "refuted": 0.0}
#: Share of a moving subject's displacement that keeps the phone's direction of travel: the
#: direction-travelling share of Hashimoto et al.'s (2022) best-fit hiker profile (55.9 %).
DIRECTION_SHARE = 0.559
#: Concentration (von Mises kappa) of the kept direction: a circular standard deviation of ~49 deg.
DIRECTION_KAPPA = 2.0
#: Most start points of a mixture map grown from a spread (each costs one run of the model).
MAX_START_POINTS = 16
#: Sub-samples per cell side for the ellipse and the wedge (partial cells at the edges).
_SUB = 4


def _cell_centres(terrain, sub: int = 1):
    """x, y (grid CRS) of the cell centres, or of ``sub`` x ``sub`` sub-samples per cell."""
    h, w = terrain.shape
    left, _, _, top = terrain.bounds
    res = terrain.resolution
    off = (np.arange(sub) + 0.5) / sub
    xs = left + (np.arange(w)[:, None] + off[None, :]).ravel() * res
    ys = top - (np.arange(h)[:, None] + off[None, :]).ravel() * res
    return xs, ys


def _fold(a: np.ndarray, sub: int) -> np.ndarray:
    """Mean over ``sub`` x ``sub`` blocks."""
    h, w = a.shape[0] // sub, a.shape[1] // sub
    return a.reshape(h, sub, w, sub).mean(axis=(1, 3))


def report_likelihood(report: LocationReport, terrain) -> tuple[np.ndarray, float]:
    """The report's position distribution on the grid: (cell probabilities, mass off the grid).

    A circle: the circular normal of per-axis sigma ``report.sigma_m`` integrated over each cell
    (error functions, exact for the grid's squares). An ellipse: the rotated normal, sampled
    4 x 4 per cell. A cell sector: :data:`SECTOR_INSIDE` uniform over the geodesic wedge (azimuths
    from true north, ranges on the ellipsoid), the rest uniform over the disc of its range.

    Raises
    ------
    InputError
        A report without an accuracy (nothing to spread) or one whose spread misses the grid.
    """
    res = terrain.resolution
    if report.sector is not None:
        cells = _sector(report, terrain)
    elif report.ellipse is not None:
        cells = _ellipse(report, terrain)
    else:
        sigma = report.sigma_m
        if sigma is None:
            raise InputError("a report without an accuracy has no spread; give its accuracy (radius in metres)")
        x0, y0 = terrain.to_xy(report.lon, report.lat)
        sigma = max(float(sigma), 1e-3)
        xs, ys = _cell_centres(terrain)
        from scipy.special import ndtr

        px = ndtr((xs + res / 2 - x0) / sigma) - ndtr((xs - res / 2 - x0) / sigma)
        py = ndtr((ys + res / 2 - y0) / sigma) - ndtr((ys - res / 2 - y0) / sigma)
        cells = py[:, None] * px[None, :]
    total = float(cells.sum())
    if total <= 1e-9:
        raise OutsideTerrainError(
            f"the report at {report.lat:.5f},{report.lon:.5f} and its spread lie outside the terrain"
        )
    return cells, max(0.0, 1.0 - total)


def _ellipse(report: LocationReport, terrain) -> np.ndarray:
    a, b, theta = report.ellipse  # type: ignore[misc]
    from carpathia.location import sigma_from_radius

    sa, sb = sigma_from_radius(a, report.confidence), sigma_from_radius(b, report.confidence)
    x0, y0 = terrain.to_xy(report.lon, report.lat)
    xs, ys = _cell_centres(terrain, _SUB)
    dx, dy = xs[None, :] - x0, ys[:, None] - y0
    t = math.radians(theta)  # clockwise from north: the major axis points (sin t, cos t)
    u = dx * math.sin(t) + dy * math.cos(t)
    v = dx * math.cos(t) - dy * math.sin(t)
    dens = np.exp(-0.5 * ((u / sa) ** 2 + (v / sb) ** 2)) / (2 * math.pi * sa * sb)
    return _fold(dens, _SUB) * terrain.resolution**2


def _sector(report: LocationReport, terrain) -> np.ndarray:
    from pyproj import Geod

    s = report.sector
    assert s is not None
    res = terrain.resolution
    xs, ys = _cell_centres(terrain, _SUB)
    xx, yy = np.meshgrid(xs, ys)
    lon, lat = terrain.to_lonlat_xy(xx, yy)
    az, _, dist = Geod(ellps="WGS84").inv(np.full(lon.shape, s.site_lon), np.full(lat.shape, s.site_lat), lon, lat)
    dist = np.asarray(dist)
    ring = (dist <= s.range_m) & (dist >= s.min_range_m)
    off = (np.asarray(az) - s.azimuth_deg + 180.0) % 360.0 - 180.0
    wedge = ring & (np.abs(off) <= s.beam_width_deg / 2.0)
    area_ring = math.pi * (s.range_m**2 - s.min_range_m**2)
    area_wedge = area_ring * min(s.beam_width_deg, 360.0) / 360.0
    cell = res * res / _SUB**2
    dens = np.where(wedge, SECTOR_INSIDE / area_wedge, 0.0) + np.where(ring, (1 - SECTOR_INSIDE) / area_ring, 0.0)
    return _fold(dens * cell, _SUB) * _SUB**2


def report_map(
    report: LocationReport,
    incident,
    terrain,
    *,
    at: datetime,
    model: str = "travel_time",
    categories: Sequence = (),
    multipliers: Mapping[float, float] | None = None,
) -> ProbabilityMap:
    """The map at ``at`` grown from the report's spread over the hours since its fix.

    Parameters
    ----------
    report : LocationReport
        The fix (with an accuracy, an ellipse or a sector).
    incident : carpathia.incident.Incident
        The subject (category, eco-region, terrain class) whose displacement the models draw.
    at : datetime
        Planning time, timezone-aware, at or after the fix.
    model : str
        ``rings`` (convolution), ``travel_time`` or another registered model (mixture).

    Returns
    -------
    ProbabilityMap
        ``meta["report"]`` names the report (source, time, position, accuracy).
    """
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise InputError("report_map needs the planning time with a timezone")
    hours = (at - report.time).total_seconds() / 3600.0
    if hours < -1e-9:
        raise InputError(f"the fix ({report.time.isoformat()}) is after the planning time ({at.isoformat()})")
    start, start_row = report_likelihood(report, terrain)
    meta = {
        "model": f"report+{model}",
        "report": {"source": report.source, "time": report.time.isoformat(), "lat": report.lat, "lon": report.lon,
                   "accuracy_m": report.accuracy_m, "confidence": report.confidence,
                   "sector": None if report.sector is None else [report.sector.azimuth_deg,
                                                                  report.sector.beam_width_deg, report.sector.range_m],
                   "verification": report.verification},
        "hours_since_fix": hours,
    }
    res = terrain.resolution
    if hours * 3600.0 * FLAT_OFFTRAIL_SPEED_MS < res / 2:  # not yet out of the cell: the spread itself
        return ProbabilityMap.from_weights(start, terrain, rest_of_world=start_row, meta=meta)
    if model == "rings":
        cells, lost = _convolve_rings(start, incident, terrain, hours, categories, multipliers)
        return ProbabilityMap.from_weights(cells, terrain, rest_of_world=min(1.0, start_row + lost), meta=meta)
    fn = get_model(model)
    points = _start_points(start, terrain)
    total = np.zeros(terrain.shape)
    row = start_row
    used = 0.0
    for (r, c), w in points:
        lon, lat = terrain.to_lonlat(r, c)
        inc = incident.model_copy(update={"ipp_lon": float(lon), "ipp_lat": float(lat)})
        try:
            kw = {"multipliers": multipliers} if multipliers else {}
            pm = fn(inc, terrain, hours=hours, categories=categories, **kw)
        except InputError:  # a start on an impassable cell: its mass goes to the others
            continue
        total += w * pm.cells
        row += w * pm.rest_of_world
        used += w
    if used <= 0:
        raise InputError("every start of the report's spread is impassable (water, cliff); check the report")
    scale = (1.0 - start_row) / used  # renormalise over the starts that could be used
    meta["start_points"] = len(points)
    return ProbabilityMap.from_weights(
        total * scale, terrain, rest_of_world=min(1.0, start_row + (row - start_row) * scale), meta=meta
    )


def _start_points(start: np.ndarray, terrain) -> list[tuple[tuple[int, int], float]]:
    """Support points of the spread: blocks of cells (side doubled until at most
    :data:`MAX_START_POINTS` blocks hold 99.9 % of its mass), each at its most probable cell."""
    h, w = start.shape
    total = float(start.sum())
    b = 1
    while True:
        hb, wb = -(-h // b), -(-w // b)
        pad = np.zeros((hb * b, wb * b))
        pad[:h, :w] = start
        blocks = pad.reshape(hb, b, wb, b).sum(axis=(1, 3))
        order = np.argsort(blocks, axis=None)[::-1]
        mass = blocks.ravel()[order]
        k = int(np.searchsorted(np.cumsum(mass), 0.999 * total) + 1)
        if k <= MAX_START_POINTS or b >= max(h, w):
            break
        b *= 2
    out = []
    for idx in order[:k]:
        bi, bj = divmod(int(idx), wb)
        sub = pad[bi * b:(bi + 1) * b, bj * b:(bj + 1) * b]
        ri, rj = np.unravel_index(int(np.argmax(sub)), sub.shape)
        r, c = bi * b + int(ri), bj * b + int(rj)
        if r < h and c < w and blocks[bi, bj] > 0:
            out.append(((r, c), float(blocks[bi, bj]) / total))
    return out


def _convolve_rings(start, incident, terrain, hours, categories, multipliers) -> tuple[np.ndarray, float]:
    """Spread (*) Koester ring kernel capped at a flat off-trail walk of ``hours``; returns the
    cells and the mass that fell off the grid."""
    from scipy.signal import fftconvolve

    prof = _profile(incident, terrain, categories)
    dist = scaled_distribution(prof.distance, multipliers)
    res = terrain.resolution
    dmax = FLAT_OFFTRAIL_SPEED_MS * hours * 3600.0
    h, w = start.shape
    n = int(min(math.ceil(dmax / res) + 1, max(h, w)))
    fmax = float(dist.cdf(dmax))
    if fmax <= 0:
        raise InputError(f"in {hours:g} h the subject cannot have left the fix; give a later time")

    def cdf(r):
        return np.minimum(dist.cdf(r), fmax) / fmax

    k = np.arange(-n, n + 1) * res
    d = np.sqrt(k[:, None] ** 2 + k[None, :] ** 2)
    kernel = _annulus_mass(d, cdf, res)
    kernel_mass = float(kernel.sum())
    out = np.clip(fftconvolve(start, kernel, mode="same"), 0.0, None)
    lost = max(0.0, float(start.sum()) * min(kernel_mass, 1.0) - float(out.sum())) + float(start.sum()) * max(
        0.0, 1.0 - kernel_mass
    )
    return out, lost


def report_model(
    incident,
    terrain,
    *,
    report: dict | None = None,
    base: str = "travel_time",
    weight: float | None = None,
    heading_deg: float | None = None,
    categories: Sequence = (),
    multipliers: Mapping[float, float] | None = None,
    hours: float | None = None,
) -> ProbabilityMap:
    """The registered model ``report``: :func:`report_map` of ``report`` (a
    :meth:`LocationReport.to_dict`, so a workspace can record it and replay the map) at the
    incident's planning time (``last_seen`` + ``hours_missing``).

    ``weight`` (0-1] is the report's scenario weight: the map is ``weight`` x the map grown from
    the report + (1 - weight) x the ``base`` model from the IPP (two scenarios, Mattson-style).
    Default :data:`VERIFICATION_WEIGHT` of the report's status (confirmed 1, plausible 0.8,
    unverified 0.5). ``heading_deg``, the phone's direction of travel from several fixes
    (:func:`carpathia.location.direction_of_travel`), tilts the grown map that way
    (:func:`with_heading`)."""
    from datetime import timedelta

    if report is None:
        raise InputError("the report model needs a location report (carpathia incident map --report ID)")
    if base == "report":
        raise InputError("a report map grows from another model: rings or travel_time")
    rep = LocationReport.from_dict({k: v for k, v in report.items() if k != "id"})
    if incident.last_seen is None or incident.hours_missing is None:
        raise InputError("the report model needs the incident's planning time (last seen and hours missing)")
    at = incident.last_seen + timedelta(hours=float(incident.hours_missing))
    if heading_deg is not None:
        pre = report_map(rep, incident, terrain, at=at, model=base, categories=categories, multipliers=multipliers)
        pmap = with_heading(pre, terrain, rep.lon, rep.lat, float(heading_deg))
    w = VERIFICATION_WEIGHT[rep.verification] if weight is None else float(weight)
    if not 0 < w <= 1:
        raise InputError(f"a report's scenario weight must be in (0, 1], not {w:g} (a refuted report moves nothing)")
    if heading_deg is None:
        pmap = report_map(rep, incident, terrain, at=at, model=base, categories=categories, multipliers=multipliers)
    meta = pmap.meta
    if w < 1:
        kw = {"multipliers": multipliers} if multipliers else {}
        ipp_map = get_model(base)(incident, terrain, categories=categories, **kw)
        pmap = pmap.blend([ipp_map], [w, 1 - w])
        meta["scenarios"] = [["report", w], ["ipp", 1 - w]]
    meta["weight"] = w
    if "id" in report:
        meta["report"]["id"] = report["id"]
    pmap.meta = meta
    return pmap


register_model("report", report_model)


def with_heading(pmap: ProbabilityMap, terrain, lon: float, lat: float, heading_deg: float) -> ProbabilityMap:
    """The map tilted towards a direction of travel from (lon, lat): each cell's probability times
    ``(1 - s) + s * 2 pi * vonMises(bearing; heading, kappa)`` (s = :data:`DIRECTION_SHARE`,
    kappa = :data:`DIRECTION_KAPPA`; the factor averages 1 over the circle), renormalised so the
    grid keeps its mass and the rest of the world is unchanged."""
    from pyproj import Geod
    from scipy.special import i0

    h, w = terrain.shape
    rr, cc = np.mgrid[0:h, 0:w]
    clon, clat = terrain.to_lonlat(rr.ravel(), cc.ravel())
    az, _, dist = Geod(ellps="WGS84").inv(np.full(clon.shape, lon), np.full(clat.shape, lat), clon, clat)
    theta = np.radians(np.asarray(az) - heading_deg).reshape(h, w)
    vm = np.exp(DIRECTION_KAPPA * np.cos(theta)) / i0(DIRECTION_KAPPA)  # 2 pi x the von Mises density
    factor = (1 - DIRECTION_SHARE) + DIRECTION_SHARE * vm
    factor[np.asarray(dist).reshape(h, w) < terrain.resolution / 2] = 1.0  # the fix's own cell has no bearing
    cells = pmap.cells * factor
    total = float(cells.sum())
    if total <= 0:
        return pmap
    out = ProbabilityMap.from_weights(cells, terrain, rest_of_world=pmap.rest_of_world, meta=dict(pmap.meta))
    out.meta["heading_deg"] = float(heading_deg)
    return out
