"""Coverage and probability of detection (POD), from planned effort and from real GPS tracks.

Coverage is swept area over searched area, ``C = W·L/A``: the sweep width W (m) times the
distance travelled L (m), over the area A (m²). Under Koopman's random-search model,
``POD = 1 − exp(−C)``. Coverage adds over passes, teams and periods, so the cumulative POD is
``1 − exp(−ΣC) = 1 − Π(1 − PODᵢ)``.

A GPS track becomes coverage cell by cell. Each leg between two fixes is a rectangle: the leg's
length times W, centred on the leg, with flat ends. The exact area of that rectangle inside
each grid cell (convex polygon clipping, no sampling), divided by the cell area, is added to
the cell. Because the rectangles are **summed** and not merged, a track that comes back over
ground it already searched counts twice there, as the coverage model wants. At a bend, the
overlap on the inside and the gap on the outside have equal areas. So the swept area of a track
is exactly its length × W, apart from what falls outside the grid.

Responsive and unresponsive subjects have different widths, so :class:`CoverageGrid` keeps two
coverage grids. When the terrain has a ``landcover`` layer, the width in each cell is the
resource's width for that cell's class: each class is swept as a corridor of its own width and
keeps its own cells.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from affine import Affine
from numba import njit
from pyproj import CRS as ProjCRS
from pyproj import Geod, Transformer

from carpathia.errors import FileNotFound, InputError, OutsideTerrainError, VectorFileError

from .resources import LANDCOVER_CLASSES, SUBJECTS, Resource

__all__ = [
    "CoverageGrid",
    "Track",
    "coverage_from_pod",
    "cumulative_pod",
    "effort_coverage",
    "planned_coverage",
    "pod",
    "read_tracks",
    "segment_pod",
    "sweep_corridor",
    "track_coverage",
]

_GEOD = Geod(ellps="WGS84")


# ---------------------------------------------------------------------- POD arithmetic
def pod(coverage):
    """Probability of detection for a coverage: ``1 − exp(−C)`` (Koopman's random search).

    Works on floats and arrays. Coverage must be finite and ≥ 0.

    References
    ----------
    Koopman, B. O. (1946, 1980). Search and Screening. OEG Report 56; Pergamon Press.
    """
    c = np.asarray(coverage, dtype=float)
    if not np.isfinite(c).all() or (c < 0).any():
        raise InputError("coverage must be finite and ≥ 0")
    out = -np.expm1(-c)
    return float(out) if out.ndim == 0 else out


def coverage_from_pod(p):
    """The coverage that gives POD ``p`` under random search: ``−ln(1 − p)`` (``p`` in [0, 1))."""
    a = np.asarray(p, dtype=float)
    if not np.isfinite(a).all() or (a < 0).any() or (a >= 1).any():
        raise InputError("a POD for coverage must be in [0, 1); POD 1 needs infinite coverage")
    out = -np.log1p(-a)
    return float(out) if out.ndim == 0 else out


def cumulative_pod(pods: Iterable):
    """Cumulative POD of several independent searches: ``1 − Π(1 − PODᵢ)``."""
    miss = None
    for p in pods:
        a = np.asarray(p, dtype=float)
        if not np.isfinite(a).all() or (a < 0).any() or (a > 1).any():
            raise InputError("every POD must be in [0, 1]")
        miss = (1.0 - a) if miss is None else miss * (1.0 - a)
    if miss is None:
        return 0.0
    out = 1.0 - miss
    return float(out) if np.ndim(out) == 0 else out


def planned_coverage(width_m, length_m, area_m2):
    """Coverage of a planned search, ``C = W·L/A`` (arrays broadcast: per segment or per cell)."""
    w, length, a = (np.asarray(v, dtype=float) for v in (width_m, length_m, area_m2))
    if not (np.isfinite(w).all() and np.isfinite(length).all() and np.isfinite(a).all()):
        raise InputError("width, length and area must be finite")
    if (w < 0).any() or (length < 0).any() or (a <= 0).any():
        raise InputError("width and length must be ≥ 0 and the area > 0")
    out = w * length / a
    return float(out) if out.ndim == 0 else out


def effort_coverage(
    resource: Resource,
    hours,
    area_m2,
    *,
    subject: str = "unresponsive",
    landcover=0,
    speed_factor=1.0,
):
    """Coverage a team of ``resource`` gives an area by searching it for ``hours``.

    ``C = W(landcover, subject) · v · f · 3600 · hours / A``, with ``v`` the resource's speed
    and ``f`` a speed factor for the terrain (1 on flat open ground). Arrays broadcast.
    """
    h, a, f = (np.asarray(v, dtype=float) for v in (hours, area_m2, speed_factor))
    if (h < 0).any() or (a <= 0).any() or (f < 0).any() or not np.isfinite(h * a * f).all():
        raise InputError("hours and speed factors must be ≥ 0 and areas > 0, all finite")
    w = np.asarray(resource.sweep_width(subject, np.asarray(landcover)), dtype=float)
    out = w * resource.speed_m_s * f * 3600.0 * h / a
    return float(out) if out.ndim == 0 else out


def segment_pod(pod_grid: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """POD per segment from a POD grid and a label grid (segment index per cell, −1 = none).

    With ``weights`` (the POA map's cells), the POD is POA-weighted: ``Σ POA·POD / Σ POA``. That
    is the POD a segment-level Bayes update must use. Without weights it is the area mean. A
    segment with no weight falls back to its area mean. Returns one value per label
    ``0..labels.max()``; labels with no cell get NaN.
    """
    p = np.asarray(pod_grid, dtype=float)
    lab = np.asarray(labels)
    if p.shape != lab.shape:
        raise InputError(f"POD grid {p.shape} and labels {lab.shape} must have the same shape")
    if not np.issubdtype(lab.dtype, np.integer):
        raise InputError("segment labels must be integers (−1 for cells in no segment)")
    keep = lab >= 0
    idx = lab[keep].ravel()
    n = int(idx.max()) + 1 if idx.size else 0
    pv = p[keep].ravel()
    count = np.bincount(idx, minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(idx, weights=pv, minlength=n) / count
        if weights is None:
            return mean
        w = np.asarray(weights, dtype=float)
        if w.shape != p.shape:
            raise InputError("weights must have the grid's shape")
        wv = w[keep].ravel()
        wsum = np.bincount(idx, weights=wv, minlength=n)
        weighted = np.bincount(idx, weights=wv * pv, minlength=n) / wsum
    return np.where(wsum > 0, weighted, mean)


# ---------------------------------------------------------------------- tracks
@dataclass(frozen=True, eq=False)
class Track:
    """One continuous GPS track (one GPX track segment) in lon/lat.

    Attributes
    ----------
    lon, lat
        Degrees, WGS 84, one value per fix, two fixes or more.
    time
        ``datetime64[s]`` per fix (UTC; NaT where the file gives none), or None.
    name, source
        Track name and the file it came from.
    """

    lon: np.ndarray
    lat: np.ndarray
    time: np.ndarray | None = None
    name: str = ""
    source: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        lon = np.asarray(self.lon, dtype=float)
        lat = np.asarray(self.lat, dtype=float)
        if lon.ndim != 1 or lon.shape != lat.shape:
            raise InputError("a track needs 1-D lon and lat arrays of the same length")
        if lon.size < 2:
            raise InputError(f"track {self.name!r} has {lon.size} point(s); a track needs at least two")
        _check_lonlat(lon, lat, f"track {self.name!r}", InputError)
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)
        if self.time is not None:
            t = np.asarray(self.time, dtype="datetime64[s]")
            if t.shape != lon.shape:
                raise InputError("a track's times must have one value per point")
            object.__setattr__(self, "time", t)

    @property
    def length_m(self) -> float:
        """Geodesic length on the WGS 84 ellipsoid, metres."""
        return float(_GEOD.line_length(self.lon, self.lat))

    @property
    def start(self) -> str | None:
        """Time of the first timed fix, ISO 8601 UTC, or None."""
        return _iso(self.time, 0)

    @property
    def end(self) -> str | None:
        """Time of the last timed fix, ISO 8601 UTC, or None."""
        return _iso(self.time, -1)

    @property
    def duration_h(self) -> float | None:
        """Hours between the first and the last timed fix, or None."""
        if self.time is None or np.isnat(self.time).all():
            return None
        t = self.time[~np.isnat(self.time)]
        return float((t[-1] - t[0]) / np.timedelta64(1, "s")) / 3600.0

    def thinned(self, min_step_m: float) -> Track:
        """A copy without fixes closer than ``min_step_m`` (geodesic) to the last fix kept.

        A GPS unit that logs every second while a team stands still records jitter, and that
        jitter adds length, so it adds coverage, where nobody searched. Thinning to a few metres
        removes it. The first and the last fixes are always kept.
        """
        if not (math.isfinite(min_step_m) and min_step_m >= 0):
            raise InputError(f"min_step_m must be ≥ 0 metres, not {min_step_m!r}")
        keep = [0]
        for k in range(1, self.lon.size):
            _, _, d = _GEOD.inv(self.lon[keep[-1]], self.lat[keep[-1]], self.lon[k], self.lat[k])
            if d >= min_step_m:
                keep.append(k)
        if keep[-1] != self.lon.size - 1:
            keep.append(self.lon.size - 1)
        if len(keep) < 2:
            keep = [0, self.lon.size - 1]
        idx = np.asarray(keep)
        time = None if self.time is None else self.time[idx]
        return Track(self.lon[idx], self.lat[idx], time, self.name, self.source, dict(self.meta))

    def __repr__(self) -> str:
        return f"<Track {self.name!r}: {self.lon.size} points, {self.length_m / 1000:.2f} km>"


def _iso(t, k) -> str | None:
    if t is None:
        return None
    ok = t[~np.isnat(t)]
    return None if ok.size == 0 else f"{ok[k]}Z"


def _check_lonlat(lon, lat, what: str, error: type[Exception]) -> None:
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise error(f"{what} has coordinates that are not numbers")
    bad = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        k = int(np.argmax(bad))
        raise error(
            f"{what} has coordinates ({lon[k]:.6g}, {lat[k]:.6g}) that are not longitude/latitude; "
            "the file's CRS is wrong or missing (GPX is always WGS 84 degrees)"
        )


def read_tracks(path: str | os.PathLike) -> list[Track]:
    """Read the GPS tracks of a file, in lon/lat, with their times where the file has them.

    GPX 1.0 and 1.1: every track segment (``<trkseg>``) becomes a :class:`Track`, with its name and
    point times. Segments of a single point are skipped, since they sweep nothing. Other vector
    formats (GeoJSON, KML, GeoPackage) give their lines as tracks without times.

    Raises
    ------
    FileNotFound
        No such file.
    VectorFileError
        The file is empty or malformed (broken XML), has no track (only waypoints or a planned
        route), has only single-point tracks, or has coordinates that are not lon/lat.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFound(f"{p}: no such file; check the path")
    if p.stat().st_size == 0:
        raise VectorFileError(f"{p} is empty (0 bytes)")
    if p.suffix.lower() == ".gpx":
        return _read_gpx(p)  # one GPX parser for the whole package: carpathia.io.geodata
    from carpathia.terrain.vectors import read_features

    tracks = []
    for k, f in enumerate(read_features(p, geometry_types=("LineString",))):
        parts = getattr(f.geometry, "geoms", [f.geometry])
        name = str(f.properties.get("name") or f"line {k + 1}")
        for j, part in enumerate(parts):
            xy = np.asarray(part.coords)[:, :2]
            if len(xy) < 2:
                continue
            _check_lonlat(xy[:, 0], xy[:, 1], f"{p} line {name!r}", VectorFileError)
            tracks.append(Track(xy[:, 0], xy[:, 1], None, name if len(parts) == 1 else f"{name} ({j + 1})", str(p)))
    if not tracks:
        raise VectorFileError(f"{p} holds no line with two or more points")
    return tracks


def _read_gpx(p: Path) -> list[Track]:
    from carpathia.io.geodata import read_geodata

    data = read_geodata(p)
    if not data.tracks:
        if data.routes:
            raise VectorFileError(
                f"{p} holds {len(data.routes)} route(s) but no track: a route is a plan, not where a team went; "
                "export the GPS unit's track log instead"
            )
        raise VectorFileError(f"{p} holds no track points")
    tracks = []
    for k, t in enumerate(data.tracks):
        if len(t.lon) < 2:
            continue
        times = t.utc()
        if times is not None and np.isnat(times).all():
            times = None
        tracks.append(Track(np.asarray(t.lon), np.asarray(t.lat), times, t.name or f"track {k + 1}", str(p)))
    if not tracks:
        raise VectorFileError(f"{p}: every track has a single point; a track needs at least two points")
    return tracks


# ---------------------------------------------------------------------- corridor kernel
@njit(cache=True, nogil=True, inline="always")
def _clip(px, py, n, axis, bound, keep_ge, ox, oy):
    """Sutherland–Hodgman: clip polygon (px, py)[:n] to coord[axis] ≥ bound (or ≤); returns size."""
    m = 0
    for k in range(n):
        k1 = k + 1 if k + 1 < n else 0
        cx, cy, nx, ny = px[k], py[k], px[k1], py[k1]
        cv = cx if axis == 0 else cy
        nv = nx if axis == 0 else ny
        cin = cv >= bound if keep_ge else cv <= bound
        nin = nv >= bound if keep_ge else nv <= bound
        if cin:
            ox[m] = cx
            oy[m] = cy
            m += 1
        if cin != nin:
            t = (bound - cv) / (nv - cv)
            ox[m] = cx + t * (nx - cx)
            oy[m] = cy + t * (ny - cy)
            m += 1
    return m


@njit(cache=True, nogil=True)
def _corridor_kernel(cols, rows, half_c, half_r, out):
    """Add the exact cell fractions of each leg's rectangle to ``out``; return the sum added.

    ``cols``, ``rows``: the line in fractional pixel coordinates. ``half_c``, ``half_r``: half the
    width in pixels along columns and rows (they differ only for non-square cells).
    """
    nr, nc = out.shape
    bx = np.empty((5, 16))
    by = np.empty((5, 16))
    added = 0.0
    for k in range(cols.size - 1):
        c0, r0, c1, r1 = cols[k], rows[k], cols[k + 1], rows[k + 1]
        # the normal is computed in metres (pixel deltas scaled back) so the rectangle is square-cornered
        dx = (c1 - c0) * half_r
        dy = (r1 - r0) * half_c
        length = math.hypot(dx, dy)
        if length == 0.0:
            continue
        oc = -dy / length * half_c
        orr = dx / length * half_r
        bx[0, 0], by[0, 0] = c0 + oc, r0 + orr
        bx[0, 1], by[0, 1] = c1 + oc, r1 + orr
        bx[0, 2], by[0, 2] = c1 - oc, r1 - orr
        bx[0, 3], by[0, 3] = c0 - oc, r0 - orr
        rlo = max(0, math.floor(min(by[0, 0], by[0, 1], by[0, 2], by[0, 3])))
        rhi = min(nr, math.ceil(max(by[0, 0], by[0, 1], by[0, 2], by[0, 3])))
        for r in range(rlo, rhi):
            m1 = _clip(bx[0], by[0], 4, 1, float(r), True, bx[1], by[1])
            m2 = _clip(bx[1], by[1], m1, 1, float(r + 1), False, bx[2], by[2])
            if m2 < 3:
                continue
            cmin = bx[2, 0]
            cmax = bx[2, 0]
            for q in range(1, m2):
                cmin = min(cmin, bx[2, q])
                cmax = max(cmax, bx[2, q])
            clo = max(0, math.floor(cmin))
            chi = min(nc, math.ceil(cmax))
            for c in range(clo, chi):
                m3 = _clip(bx[2], by[2], m2, 0, float(c), True, bx[3], by[3])
                m4 = _clip(bx[3], by[3], m3, 0, float(c + 1), False, bx[4], by[4])
                if m4 < 3:
                    continue
                s = 0.0
                for q in range(m4):
                    q1 = q + 1 if q + 1 < m4 else 0
                    s += bx[4, q] * by[4, q1] - bx[4, q1] * by[4, q]
                a = abs(s) * 0.5
                out[r, c] += a
                added += a
    return added


def _north_up(transform: Affine) -> None:
    if transform.b != 0 or transform.d != 0 or transform.a <= 0 or transform.e >= 0:
        raise InputError("coverage needs a north-up grid (no rotation, row 0 at the north)")


def sweep_corridor(x, y, width_m: float, transform: Affine, shape: tuple[int, int], *, out=None) -> np.ndarray:
    """Coverage of one continuous line swept with width ``width_m``, added to ``out``.

    Parameters
    ----------
    x, y
        The line's vertices in the grid's CRS (metres).
    width_m
        Sweep width W, metres.
    transform, shape
        The north-up grid.
    out
        A float64 grid to add to (default: a new zero grid).

    Returns
    -------
    numpy.ndarray
        float64 coverage per cell: swept area in the cell / cell area. Its sum × cell area is
        the corridor area inside the grid, which is length × W for a line inside it.

    Notes
    -----
    Exact polygon–cell intersection areas. Cost is about O(L·W / cell area + L / cell size) cell
    clips (numba), independent of the grid size. Memory: the output grid only.
    """
    _north_up(transform)
    if not (math.isfinite(width_m) and width_m >= 0):
        raise InputError(f"sweep width must be finite and ≥ 0 metres, not {width_m!r}")
    res_x, res_y = transform.a, -transform.e
    if out is None:
        out = np.zeros(shape, np.float64)
    elif out.shape != tuple(shape) or out.dtype != np.float64:
        raise InputError("out must be a float64 grid of the given shape")
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if width_m == 0 or x.size < 2:
        return out
    cols = (x - transform.c) / res_x
    rows = (transform.f - y) / res_y
    _corridor_kernel(cols, rows, 0.5 * width_m / res_x, 0.5 * width_m / res_y, out)
    return out


# ---------------------------------------------------------------------- coverage grid
class CoverageGrid:
    """Accumulated coverage per cell for responsive and unresponsive subjects.

    Coverage ``C`` per cell is swept area in the cell over the cell area, summed over passes,
    tracks, teams and periods. POD is ``1 − exp(−C)``. ``log`` keeps one record per track added:
    ``track``, ``source``, ``team``, ``resource``, ``points``, ``length_m`` (in the grid's CRS),
    ``start``, ``end``, ``swept_m2_responsive``, ``swept_m2_unresponsive`` and
    ``inside_fraction`` (the share of the corridor on the grid).

    Notes
    -----
    Two float64 grids: 16 bytes per cell (256 MB for 4000 × 4000).
    """

    def __init__(
        self,
        responsive: np.ndarray,
        unresponsive: np.ndarray,
        transform: Affine,
        crs,
        *,
        log: list[dict] | None = None,
    ) -> None:
        r = np.array(responsive, dtype=np.float64)
        u = np.array(unresponsive, dtype=np.float64)
        if r.ndim != 2 or r.shape != u.shape:
            raise InputError("coverage grids must be 2-D and of the same shape")
        for a in (r, u):
            if not np.isfinite(a).all() or (a < 0).any():
                raise InputError("coverage must be finite and ≥ 0")
        _north_up(transform)
        self.responsive = r
        self.unresponsive = u
        self.transform = transform
        self.crs = ProjCRS.from_user_input(crs)
        self.log: list[dict] = list(log or [])

    @classmethod
    def empty(cls, grid) -> CoverageGrid:
        """Zero coverage on the grid of ``grid`` (a Terrain, ProbabilityMap or CoverageGrid)."""
        _north_up(grid.transform)
        out = cls.__new__(cls)  # zeros need no validation
        out.responsive = np.zeros(grid.shape, np.float64)
        out.unresponsive = np.zeros(grid.shape, np.float64)
        out.transform = grid.transform
        out.crs = ProjCRS.from_user_input(grid.crs)
        out.log = []
        return out

    @property
    def shape(self) -> tuple[int, int]:
        return self.unresponsive.shape  # type: ignore[return-value]

    @property
    def cell_area_m2(self) -> float:
        return float(self.transform.a * -self.transform.e)

    def coverage(self, subject: str = "unresponsive") -> np.ndarray:
        """The coverage grid for ``subject`` (``"responsive"`` or ``"unresponsive"``)."""
        if subject not in SUBJECTS:
            raise InputError(f"subject must be 'responsive' or 'unresponsive', not {subject!r}")
        return self.responsive if subject == "responsive" else self.unresponsive

    def pod(self, subject: str = "unresponsive", *, p_responsive: float | None = None) -> np.ndarray:
        """POD per cell, ``1 − exp(−C)``, for ``subject``.

        With ``p_responsive`` (the probability that the subject is responsive), the mixture
        ``q·POD_responsive + (1 − q)·POD_unresponsive`` is returned instead.
        """
        if p_responsive is None:
            return -np.expm1(-self.coverage(subject))
        q = float(p_responsive)
        if not 0.0 <= q <= 1.0:
            raise InputError(f"p_responsive must be in [0, 1], not {p_responsive!r}")
        return q * -np.expm1(-self.responsive) + (1.0 - q) * -np.expm1(-self.unresponsive)

    def swept_area_m2(self, subject: str = "unresponsive") -> float:
        """Total swept area on the grid, Σ C × cell area (m²); repeated passes count again."""
        return float(self.coverage(subject).sum()) * self.cell_area_m2

    def segment_pod(self, labels: np.ndarray, *, subject: str = "unresponsive", weights=None) -> np.ndarray:
        """POD per segment (see :func:`segment_pod`)."""
        return segment_pod(self.pod(subject), labels, weights)

    def _check_same(self, other: CoverageGrid) -> None:
        if other.shape != self.shape or other.transform != self.transform or not self.crs.equals(other.crs):
            raise InputError("coverage grids must be on the same grid to add")

    def __iadd__(self, other: CoverageGrid) -> CoverageGrid:
        self._check_same(other)
        self.responsive += other.responsive
        self.unresponsive += other.unresponsive
        self.log.extend(other.log)
        return self

    def __add__(self, other: CoverageGrid) -> CoverageGrid:
        self._check_same(other)
        return CoverageGrid(
            self.responsive + other.responsive,
            self.unresponsive + other.unresponsive,
            self.transform,
            self.crs,
            log=[*self.log, *other.log],
        )

    def add_tracks(
        self,
        tracks: Track | Sequence[Track],
        resource: Resource | None = None,
        *,
        width_m: float | tuple[float, float] | None = None,
        landcover: np.ndarray | None = None,
        team: str | None = None,
    ) -> CoverageGrid:
        """Add the sweep corridors of ``tracks`` (in place) and return ``self``.

        Parameters
        ----------
        tracks
            One or more :class:`Track` (lon/lat), projected here to the grid's CRS.
        resource
            The resource that walked or flew them: its width per land-cover class and subject.
        width_m
            Instead of a resource: one width for both subjects, or ``(responsive, unresponsive)``.
        landcover
            Land-cover codes on the grid (0..4); default all ``unknown``.
        team
            A label for the log (team or assignment number).

        Raises
        ------
        OutsideTerrainError
            A track whose corridor misses the grid entirely. One that leaves the grid in part
            gives a warning, and the part outside is not counted.
        """
        tracks = [tracks] if isinstance(tracks, Track) else list(tracks)
        tables = _width_tables(resource, width_m)
        lc = None if landcover is None else np.asarray(landcover)
        if lc is not None and (lc.shape != self.shape or not np.issubdtype(lc.dtype, np.integer)):
            raise InputError("landcover must be an integer grid of the coverage grid's shape")
        if lc is not None and lc.size and (lc.min() < 0 or lc.max() >= len(LANDCOVER_CLASSES)):
            raise InputError(f"land-cover codes must be 0..4 ({', '.join(LANDCOVER_CLASSES)})")
        to_xy = Transformer.from_crs(ProjCRS.from_epsg(4326), self.crs, always_xy=True)
        pieces = []
        for t in tracks:  # everything is computed first, so a bad track leaves the grid unchanged
            if not isinstance(t, Track):
                raise InputError(f"expected Track objects, not {type(t).__name__}")
            x, y = to_xy.transform(t.lon, t.lat)
            pieces.append(self._sweep_one(t, np.asarray(x), np.asarray(y), tables, lc, resource, team))
        for (r0, r1, c0, c1), increments, record in pieces:
            for subject, inc in increments.items():
                self.coverage(subject)[r0:r1, c0:c1] += inc
            self.log.append(record)
        return self

    def _sweep_one(self, t: Track, x, y, tables, lc, resource, team):
        h, w = self.shape
        tr = self.transform
        widest = max(max(tab) for tab in tables.values())
        pad = 0.5 * widest + abs(tr.a)
        cols = (np.array([x.min() - pad, x.max() + pad]) - tr.c) / tr.a
        rows = (tr.f - np.array([y.max() + pad, y.min() - pad])) / -tr.e
        c0, c1 = max(0, math.floor(cols[0])), min(w, math.ceil(cols[1]))
        r0, r1 = max(0, math.floor(rows[0])), min(h, math.ceil(rows[1]))
        length = float(np.hypot(np.diff(x), np.diff(y)).sum())
        if c0 >= c1 or r0 >= r1:
            raise OutsideTerrainError(self._outside_message(t))
        win_tr = tr * Affine.translation(c0, r0)
        win_shape = (r1 - r0, c1 - c0)
        lc_win = np.zeros(win_shape, np.int64) if lc is None else lc[r0:r1, c0:c1]
        present = np.flatnonzero(np.bincount(lc_win.ravel().astype(np.int64), minlength=5)[:5])
        record = {
            "track": t.name,
            "source": t.source,
            "team": team,
            "resource": resource.key if resource is not None else None,
            "points": int(t.lon.size),
            "length_m": round(length, 2),
            "start": t.start,
            "end": t.end,
        }
        corridors: dict[float, np.ndarray] = {}  # one corridor per distinct width, shared by the subjects

        def corridor(wd: float) -> np.ndarray:
            if wd not in corridors:
                corridors[wd] = sweep_corridor(x, y, wd, win_tr, win_shape)
            return corridors[wd]

        increments = {}
        for subject, table in tables.items():
            widths = sorted({table[k] for k in present if table[k] > 0})
            inc = np.zeros(win_shape, np.float64)
            for wd in widths:
                if all(table[k] == wd for k in present):
                    inc += corridor(wd)
                else:
                    cls = np.isin(lc_win, [k for k in present if table[k] == wd])
                    inc[cls] += corridor(wd)[cls]
            increments[subject] = inc
            record[f"swept_m2_{subject}"] = round(float(inc.sum()) * self.cell_area_m2, 2)
        # the share of the corridor on the grid, judged on the narrowest one swept (or one cell wide)
        wd = min(corridors) if corridors else abs(tr.a)
        inside = float(corridor(wd).sum()) * self.cell_area_m2 / (length * wd) if length > 0 else 1.0
        if inside <= 0.0:
            raise OutsideTerrainError(self._outside_message(t))
        record["inside_fraction"] = round(min(1.0, inside), 6)
        if inside < 0.999:
            warnings.warn(
                f"track {t.name!r}: {100 * (1 - inside):.1f} % of its corridor lies outside the grid "
                "and is not counted",
                stacklevel=4,
            )
        return (r0, r1, c0, c1), increments, record

    def _outside_message(self, t: Track) -> str:
        to_ll = Transformer.from_crs(self.crs, ProjCRS.from_epsg(4326), always_xy=True)
        h, w = self.shape
        xs = [self.transform.c, self.transform.c + w * self.transform.a]
        ys = [self.transform.f, self.transform.f + h * self.transform.e]
        lo, la = to_ll.transform([xs[0], xs[1], xs[0], xs[1]], [ys[0], ys[0], ys[1], ys[1]])
        return (
            f"track {t.name!r} ({t.source or 'no file'}) lies outside the grid: track lat "
            f"{t.lat.min():.4f}..{t.lat.max():.4f}, lon {t.lon.min():.4f}..{t.lon.max():.4f}; grid lat "
            f"{min(la):.4f}..{max(la):.4f}, lon {min(lo):.4f}..{max(lo):.4f}; check the file or the map"
        )

    def __repr__(self) -> str:
        h, w = self.shape
        return f"<CoverageGrid {w}×{h} cells, {len(self.log)} track(s)>"


def _width_tables(resource: Resource | None, width_m) -> dict[str, tuple[float, ...]]:
    n = len(LANDCOVER_CLASSES)
    if (resource is None) == (width_m is None):
        raise InputError("give either a resource or width_m")
    if resource is not None:
        return {"responsive": tuple(resource.responsive_m), "unresponsive": tuple(resource.unresponsive_m)}
    pair = (width_m, width_m) if np.ndim(width_m) == 0 else tuple(width_m)
    if len(pair) != 2:
        raise InputError("width_m is one width or a (responsive, unresponsive) pair")
    for v in pair:
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise InputError(f"sweep width must be finite and ≥ 0 metres, not {v!r}")
    return {"responsive": (float(pair[0]),) * n, "unresponsive": (float(pair[1]),) * n}


def track_coverage(
    tracks: Track | Sequence[Track] | str | os.PathLike,
    grid,
    resource: Resource | None = None,
    *,
    width_m: float | tuple[float, float] | None = None,
    landcover: np.ndarray | None = None,
    team: str | None = None,
) -> CoverageGrid:
    """Coverage of GPS tracks on a grid, for responsive and unresponsive subjects.

    Parameters
    ----------
    tracks
        Tracks, or a GPX/GeoJSON/KML file to read them from (:func:`read_tracks`).
    grid
        A :class:`~carpathia.terrain.Terrain` (whose ``landcover`` layer then sets the width per
        cell), a :class:`~carpathia.probability.ProbabilityMap` or a :class:`CoverageGrid`.
    resource, width_m
        The resource type that made the tracks, or a fixed width (one, or a pair
        ``(responsive, unresponsive)``).
    landcover
        Land-cover codes overriding the terrain's layer.
    team
        A label for the log.

    Returns
    -------
    CoverageGrid

    Notes
    -----
    Each leg's rectangle (length × W, flat ends) is intersected exactly with the cells, and
    repeated passes add up (module docstring). GPS jitter while a team stands still adds length
    and so coverage: thin such tracks first with :meth:`Track.thinned` (a few metres). Cost: one
    numba pass per distinct width among the classes under the track, over the cells the corridor
    touches; memory: the two float64 grids plus a window around each track.

    References
    ----------
    Koopman, B. O. (1980). Search and Screening: General Principles with Historical
    Applications. Pergamon. Koester, R. J. et al. (2014), Wilderness & Environmental Medicine
    25(2), doi 10.1016/j.wem.2013.09.016 (sweep widths).
    """
    if isinstance(tracks, (str, os.PathLike)):
        tracks = read_tracks(tracks)
    if landcover is None and hasattr(grid, "layers") and "landcover" in getattr(grid, "layers", {}):
        landcover = grid.layers["landcover"]
    out = CoverageGrid.empty(grid)
    return out.add_tracks(tracks, resource, width_m=width_m, landcover=landcover, team=team)
