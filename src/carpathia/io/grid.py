"""Map grids a team navigates by: labelled UTM/MGRS (and Stereo 70) lines, corner coordinates,
coordinate boxes, magnetic declination and grid convergence.

Every map product draws the same grid from here: the briefing map and the PNG maps
(matplotlib, :func:`draw_grid_mpl`), the assignment sheets and the at-scale prints (reportlab,
:mod:`carpathia.io._collar`), the MBTiles. Grid lines are computed in the grid's own CRS and
carried into the map's CRS, so a UTM grid on a Stereo 70 map (or the reverse) is drawn where it
truly lies, curved if it must be.

Labels follow the topographic-map convention (US NGA / NATO series maps, the Romanian and
Ukrainian 1:25 000/1:50 000 series): the full value with its unit on the first and last line of
each edge (``299000mE``, ``5310000mN``) and the two *principal digits* (kilometres within the
100 km square, what an MGRS reference reads) on the others, with the MGRS 100 km square's
letters (``35T KP``) in the grid note. Every coordinate printed goes through
:func:`carpathia.coords.format_position`.

Magnetic declination is the World Magnetic Model's (NOAA NCEI / BGS, WMM2025, through the
``wmm-calculator`` package, which ships its coefficient file: no network), with the WMM error
model's uncertainty; grid convergence is PROJ's (``Proj.get_factors``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from pyproj import CRS, Proj, Transformer

from carpathia.coords import FORMATS, format_position
from carpathia.errors import InputError

__all__ = [
    "GRID_KINDS",
    "Declination",
    "Grid",
    "GridLine",
    "coordinate_rows",
    "declination",
    "default_formats",
    "grid_crs",
    "grid_geojson",
    "make_grid",
]

#: Grids carpathia draws: ``utm`` (with MGRS squares) and ``stereo70`` (EPSG:3844, Romania).
GRID_KINDS = ("utm", "stereo70")
#: Grid steps (metres) a map may use, finest first.
_STEPS = (100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 50000.0, 100000.0)
_STEREO70 = "EPSG:3844"


# ---------------------------------------------------------------------- CRS of a grid
def grid_crs(kind: str, lon: float, lat: float) -> CRS:
    """The CRS of a ``kind`` grid (:data:`GRID_KINDS`) at (lon, lat): the UTM zone there
    (the MGRS zone, Norway's and Svalbard's exceptions included), or Stereo 70."""
    if kind == "utm":
        # the zone carpathia.coords writes (its MGRS/UTM zone rules), read off its UTM text
        zone = int(format_position(lon, lat, "utm").split()[0].rstrip("CDEFGHJKLMNPQRSTUVWX"))
        return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
    if kind == "stereo70":
        return CRS.from_user_input(_STEREO70)
    raise InputError(f"grid must be one of {', '.join(GRID_KINDS)}, not {kind!r}")


def _same_crs(a, b) -> bool:
    return CRS.from_user_input(a).equals(CRS.from_user_input(b), ignore_axis_order=True)


# ---------------------------------------------------------------------- grid lines
@dataclass(frozen=True)
class GridLine:
    """One grid line in the map's CRS: ``axis`` ``E`` (constant easting) or ``N``; ``value`` in
    the grid's metres; ``x``, ``y`` its polyline in map metres; ``crossings`` the positions on the
    map edges it crosses, ``{"bottom": x, "top": x}`` or ``{"left": y, "right": y}``."""

    axis: str
    value: float
    x: np.ndarray
    y: np.ndarray
    crossings: dict[str, float]


@dataclass(frozen=True)
class Grid:
    """A labelled grid over a map extent. See :func:`make_grid`."""

    kind: str
    crs: CRS
    step: float
    bounds: tuple[float, float, float, float]
    lines: list[GridLine]
    #: MGRS grid zone and 100 km squares the map covers (``35T KP``), UTM grids only.
    squares: list[str] = field(default_factory=list)
    #: The map's CRS (the one ``bounds`` and the lines' x, y are in).
    map_crs: CRS | None = None

    def zone_text(self) -> str:
        """``UTM zone 35N (WGS 84), MGRS 35T KP`` or ``Stereo 70 (EPSG:3844)``."""
        if self.kind == "stereo70":
            return "Stereo 70 (EPSG:3844, Pulkovo 1942(58)), X north, Y east"
        epsg = self.crs.to_epsg() or 0
        zone, hemi = epsg % 100, "N" if epsg < 32700 else "S"
        by_gzd: dict[str, list[str]] = {}
        for ref in self.squares:
            gzd, letters = ref.split()
            by_gzd.setdefault(gzd, []).append(letters)
        sq = "; ".join(f"{g} {', '.join(v)}" for g, v in by_gzd.items())
        return f"UTM zone {zone}{hemi} (WGS 84, EPSG:{epsg})" + (f", MGRS {sq}" if sq else "")

    def label(self, line: GridLine, *, full: bool) -> str:
        """``299000mE`` (full) or the principal digits ``99``; Stereo 70 as ``X=713000``/``13``."""
        v = line.value
        if self.kind == "stereo70":
            name = "Y" if line.axis == "E" else "X"  # Stereo 70: X north, Y east
            return f"{name}={v:.0f}" if full else _principal(v, self.step)
        return f"{v:.0f}m{line.axis}" if full else _principal(v, self.step)

    def square_labels(self) -> list[tuple[float, float, str]]:
        """(x, y in map metres, ``KP``) at the centre of the visible part of each MGRS 100 km
        square the map spans (UTM grids), when the map holds more than one square."""
        if self.kind != "utm" or len(self.squares) < 2:
            return []
        import shapely
        import shapely.ops

        left, bottom, right, top = self.bounds
        frame = shapely.box(left, bottom, right, top)
        cuts = [ln for ln in self.lines if ln.value % 100000.0 == 0]
        parts = [frame]
        for ln in cuts:
            blade = shapely.LineString(np.column_stack([ln.x, ln.y]))
            parts = [g for p in parts for g in shapely.get_parts(shapely.ops.split(p, blade))]
        out = []
        to_ll = Transformer.from_crs(self.map_crs, 4326, always_xy=True)
        zone = (self.crs.to_epsg() or 0) % 100
        for p in parts:
            if p.area < 0.02 * frame.area:
                continue
            # a point of the part inside the grid's own zone: MGRS letters of another zone's
            # square would not match this grid's numbers
            x0, y0, x1, y1 = p.bounds
            cands = [
                p.representative_point(),
                *(
                    shapely.Point(x0 + (x1 - x0) * a, y0 + (y1 - y0) * b)
                    for a in (0.25, 0.5, 0.75)
                    for b in (0.25, 0.5, 0.75)
                ),
            ]
            for c in cands:
                if not p.contains(c):
                    continue
                lon, lat = to_ll.transform(c.x, c.y)
                ref = format_position(float(lon), float(lat), "mgrs", precision=0)
                if ref.startswith(f"{zone}"):
                    out.append((c.x, c.y, ref.split()[-1]))
                    break
        return out

    def edge_labels(self, edge: str) -> list[tuple[float, str]]:
        """(position along ``edge`` in map metres, text) of the lines crossing it: full values on
        the first and last (and 100 km lines), principal digits between."""
        hits = sorted((ln.crossings[edge], ln) for ln in self.lines if edge in ln.crossings)
        out = []
        for k, (pos, ln) in enumerate(hits):
            full = k in (0, len(hits) - 1) or (self.kind == "utm" and ln.value % 100000.0 == 0)
            out.append((pos, self.label(ln, full=full)))
        return out


def _principal(v: float, step: float) -> str:
    km = (v % 100000.0) / 1000.0
    return f"{km:02.0f}" if step >= 1000 else f"{km:04.1f}"


def nice_step(span_m: float, target: int = 6) -> float:
    """The grid step (m) giving about ``target`` lines over ``span_m``, from :data:`_STEPS`."""
    for s in _STEPS:
        if span_m / s <= target * 1.1:
            return s
    return _STEPS[-1]


def make_grid(
    bounds: Sequence[float],
    map_crs,
    kind: str = "utm",
    *,
    step: float | None = None,
    target: int = 6,
    samples: int = 64,
) -> Grid:
    """The ``kind`` grid over a map extent.

    Parameters
    ----------
    bounds
        (left, bottom, right, top) of the map in ``map_crs`` metres.
    map_crs
        The map's projected CRS (anything pyproj reads).
    kind
        ``utm`` (the UTM zone of the map's centre, MGRS squares listed) or ``stereo70``.
    step
        Grid spacing in metres; default the :data:`_STEPS` value giving about ``target`` lines
        across the map's longer side (1 km on a sheet of 4–6 km).
    """
    left, bottom, right, top = (float(b) for b in bounds)
    if not (right > left and top > bottom):
        raise InputError(f"map bounds {bounds!r} are empty")
    mcrs = CRS.from_user_input(map_crs)
    to_ll = Transformer.from_crs(mcrs, 4326, always_xy=True)
    clon, clat = to_ll.transform((left + right) / 2, (bottom + top) / 2)
    gcrs = grid_crs(kind, clon, clat)
    aou = gcrs.area_of_use
    if kind == "stereo70" and aou is not None and not (aou.west <= clon <= aou.east and aou.south <= clat <= aou.north):
        raise InputError(f"Stereo 70 is Romania's grid ({aou.name}); this map ({clat:.3f}, {clon:.3f}) is outside it")
    if step is None:
        step = nice_step(max(right - left, top - bottom), target)
    if not (math.isfinite(step) and step > 0):
        raise InputError(f"grid step must be a positive number of metres, not {step!r}")
    if max(right - left, top - bottom) / step > 400:
        raise InputError(f"a {step:g} m grid over a {max(right - left, top - bottom) / 1000:.0f} km map is too dense")
    same = _same_crs(mcrs, gcrs)
    fwd = None if same else Transformer.from_crs(mcrs, gcrs, always_xy=True)
    back = None if same else Transformer.from_crs(gcrs, mcrs, always_xy=True)
    # the map's frame in grid metres: the envelope of its densified edges
    t = np.linspace(0.0, 1.0, samples)
    ex = np.concatenate(
        [left + (right - left) * t, np.full_like(t, right), right - (right - left) * t, np.full_like(t, left)]
    )
    ey = np.concatenate(
        [np.full_like(t, bottom), bottom + (top - bottom) * t, np.full_like(t, top), top - (top - bottom) * t]
    )
    gx, gy = (ex, ey) if same else fwd.transform(ex, ey)
    lines: list[GridLine] = []
    for axis in ("E", "N"):
        lo, hi = (gx.min(), gx.max()) if axis == "E" else (gy.min(), gy.max())
        olo, ohi = (gy.min(), gy.max()) if axis == "E" else (gx.min(), gx.max())
        other = np.linspace(olo, ohi, samples)
        for v in np.arange(math.ceil(lo / step) * step, hi + 1e-6, step):
            gxs, gys = (np.full_like(other, v), other) if axis == "E" else (other, np.full_like(other, v))
            x, y = (gxs, gys) if same else back.transform(gxs, gys)
            crossings = _crossings(np.asarray(x), np.asarray(y), axis, (left, bottom, right, top))
            if crossings:
                lines.append(GridLine(axis, float(v), np.asarray(x), np.asarray(y), crossings))
    squares: list[str] = []
    if kind == "utm":
        xs = np.concatenate([ex, [(left + right) / 2]])
        ys = np.concatenate([ey, [(bottom + top) / 2]])
        lons, lats = to_ll.transform(xs, ys)
        # the squares of the frame's outline and of every 100 km line crossing (a square fully
        # inside a larger map is caught by the line crossings around it)
        pts = list(zip(lons, lats, strict=True))
        for ln in lines:
            if ln.value % 100000.0 == 0:
                lo_, la_ = to_ll.transform(ln.x, ln.y)
                pts += list(zip(lo_, la_, strict=True))
        for lo_, la_ in pts:
            sq = format_position(float(lo_), float(la_), "mgrs", precision=0)
            if sq not in squares:
                squares.append(sq)
    return Grid(kind, gcrs, float(step), (left, bottom, right, top), lines, squares, mcrs)


def _crossings(x: np.ndarray, y: np.ndarray, axis: str, bounds) -> dict[str, float]:
    """Where a grid line (polyline x, y) meets the edges it is labelled on."""
    left, bottom, right, top = bounds
    out: dict[str, float] = {}
    if axis == "E":  # runs south-north: crosses bottom and top
        for edge, yy in (("bottom", bottom), ("top", top)):
            order = np.argsort(y)
            if y.min() <= yy <= y.max():
                xv = float(np.interp(yy, y[order], x[order]))
                if left <= xv <= right:
                    out[edge] = xv
    else:
        for edge, xx in (("left", left), ("right", right)):
            order = np.argsort(x)
            if x.min() <= xx <= x.max():
                yv = float(np.interp(xx, x[order], y[order]))
                if bottom <= yv <= top:
                    out[edge] = yv
    return out


def grid_geojson(terrain, kind: str = "utm", *, step: float | None = None) -> dict:
    """The ``kind`` grid over a terrain as a GeoJSON FeatureCollection of lon/lat lines, for web
    maps: each line with ``axis`` (E or N), ``value`` (metres), ``label`` (principal digits, or
    the full value on 100 km lines) and ``full`` (``299000mE``); the collection's ``zone`` the
    grid's description. Default step 1 km up to 60 km of terrain, coarser beyond."""
    left, bottom, right, top = terrain.bounds
    if step is None:
        step = 1000.0 if max(right - left, top - bottom) <= 60000 else nice_step(max(right - left, top - bottom), 60)
    g = make_grid(terrain.bounds, terrain.crs, kind, step=step)
    to_ll = Transformer.from_crs(CRS.from_user_input(terrain.crs), 4326, always_xy=True)
    feats = []
    for ln in g.lines:
        lon, lat = to_ll.transform(ln.x, ln.y)
        keep = np.isfinite(lon) & np.isfinite(lat)
        coords = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon[keep], lat[keep], strict=True)]
        if len(coords) < 2:
            continue
        major = kind == "utm" and ln.value % 100000.0 == 0
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "axis": ln.axis,
                    "value": ln.value,
                    "label": g.label(ln, full=major),
                    "full": g.label(ln, full=True),
                    "major": major,
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats, "zone": g.zone_text(), "step": g.step}


# ---------------------------------------------------------------------- matplotlib
def draw_grid_mpl(
    ax,
    grid: Grid,
    *,
    sides: Sequence[str] = ("bottom", "left", "top", "right"),
    color: str = "#0d47a1",
    dashed: bool = False,
    fontsize: float = 7,
) -> None:
    """Draw ``grid`` on a matplotlib axes in map metres: thin lines (100 km lines thicker), the
    labels on ``sides`` as ticks (full values on the outer lines, principal digits between),
    the MGRS square letters inside each 100 km square in view."""
    left, bottom, right, top = grid.bounds
    for ln in grid.lines:
        major = ln.value % 100000.0 == 0
        ax.plot(
            ln.x,
            ln.y,
            color=color,
            lw=1.1 if major else 0.55,
            alpha=0.7 if major else 0.55,
            ls="--" if dashed else "-",
            zorder=3.6,
        )
    for x, y, text in grid.square_labels():
        ax.annotate(
            text,
            (x, y),
            ha="center",
            va="center",
            fontsize=fontsize + 2,
            color=color,
            alpha=0.8,
            fontweight="bold",
            zorder=3.7,
            annotation_clip=True,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.5, "lw": 0},
        )
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    axes = {}
    for side in sides:
        if side == "bottom":
            axes[side] = (ax, ax.xaxis)
        elif side == "left":
            axes[side] = (ax, ax.yaxis)
        elif side == "top":
            a = ax.secondary_xaxis("top")
            axes[side] = (a, a.xaxis)
        else:
            a = ax.secondary_yaxis("right")
            axes[side] = (a, a.yaxis)
    for side, (a, axis) in axes.items():
        labels = grid.edge_labels(side)
        setter = a.set_xticks if side in ("bottom", "top") else a.set_yticks
        setter([p for p, _ in labels], [t for _, t in labels], fontsize=fontsize)
        axis.set_tick_params(color=color, labelcolor=color if dashed else "black", length=4)
        if side in ("left", "right"):
            for t in axis.get_ticklabels():
                t.set_rotation(90)
                t.set_verticalalignment("center")


# ---------------------------------------------------------------------- declination
@dataclass(frozen=True)
class Declination:
    """Magnetic declination and grid convergence at a place and date (degrees, east positive).

    ``grid_magnetic`` is the angle from grid north to magnetic north (declination minus
    convergence): add it to a magnetic bearing to get a grid bearing.
    """

    lon: float
    lat: float
    when: date
    declination_deg: float
    uncertainty_deg: float
    annual_change_deg: float
    convergence_deg: float
    grid: str
    model: str

    @property
    def grid_magnetic_deg(self) -> float:
        return self.declination_deg - self.convergence_deg

    def text(self) -> str:
        """One line for a map's margin."""
        return (
            f"Magnetic declination {_ew(self.declination_deg)} ± {self.uncertainty_deg:.1f}° "
            f"on {self.when.isoformat()} ({self.model}), changing {self.annual_change_deg * 60:+.0f}′/year; "
            f"grid convergence {_ew(self.convergence_deg)} ({self.grid}); "
            f"grid–magnetic angle {_ew(self.grid_magnetic_deg)}: grid bearing = magnetic bearing "
            f"{'+' if self.grid_magnetic_deg >= 0 else '−'} {abs(self.grid_magnetic_deg):.1f}°"
        )


def _ew(deg: float) -> str:
    return f"{abs(deg):.1f}° {'E' if deg >= 0 else 'W'}"


def _when(when) -> date:
    if when is None:
        return datetime.now().astimezone().date()
    if isinstance(when, datetime):
        return when.date()
    if isinstance(when, date):
        return when
    try:
        return datetime.fromisoformat(str(when)).date()
    except ValueError:
        raise InputError(f"date {when!r} is not an ISO 8601 date (2026-12-07)") from None


def declination(lon: float, lat: float, when=None, *, alt_m: float = 0.0, grid: str = "utm") -> Declination:
    """Magnetic declination (World Magnetic Model) and grid convergence at (lon, lat) on ``when``.

    Parameters
    ----------
    lon, lat
        Degrees (WGS 84).
    when
        A date, datetime or ISO string; default today. WMM2025 covers 2024-11-13 to 2030-01-01;
        a date outside it is refused (the model is not valid there).
    alt_m
        Height above the ellipsoid, metres.
    grid
        ``utm`` or ``stereo70``: the grid whose convergence is given.

    Notes
    -----
    Declination and its secular variation from NOAA NCEI's ``wmm-calculator`` (WMM2025
    coefficients shipped with it). Uncertainty from the WMM2025 error model shipped with it:
    ``sqrt(D_OFFSET² + (D_COEF / H)²)`` degrees with ``H`` the horizontal intensity in nT
    (WMM2025 technical report, Table 5: 0.26°, 5417 nT·°). Convergence: PROJ's
    ``meridian_convergence`` for the grid's projection, the angle from true north to grid
    north, positive when grid north lies east of true north.

    References
    ----------
    Chulliat, A. et al. (2025) The US/UK World Magnetic Model for 2025-2030: Technical Report.
    NOAA NCEI. doi:10.25923/pvc0-9z20
    """
    from wmm import uncertainty as wmm_uncertainty
    from wmm import wmm_calc

    d = _when(when)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"declination needs lon, lat in degrees, not {lon!r}, {lat!r}")
    model = wmm_calc()
    try:
        model.setup_time(d.year, d.month, d.day)
    except ValueError as exc:
        raise InputError(f"the World Magnetic Model in use does not cover {d.isoformat()} ({exc})") from None
    model.setup_env(lat, lon, alt_m / 1000.0, unit="km")
    out = model.get_all()
    dec = float(np.ravel(out["dec"])[0])
    ddec = float(np.ravel(out["ddec"])[0])
    h = float(np.ravel(out["h"])[0])
    err = wmm_uncertainty.err_model
    unc = math.hypot(err["D_OFFSET"], err["D_COEF"] / h) if h > 0 else 180.0
    gcrs = grid_crs(grid, lon, lat)
    conv = float(Proj(gcrs).get_factors(lon, lat).meridian_convergence)
    name = "UTM" if grid == "utm" else "Stereo 70"
    return Declination(lon, lat, d, dec, unc, ddec, conv, name, _model_name())


def _model_name() -> str:
    from importlib.resources import files

    try:
        head = (files("wmm") / "coefs" / "WMM.COF").read_text().split("\n", 1)[0].split()
        return head[1]  # "WMM-2025"
    except (OSError, IndexError):
        return "WMM"


# ---------------------------------------------------------------------- coordinate box
def default_formats(lon: float, lat: float) -> tuple[str, ...]:
    """Formats a team there reads: UTM, MGRS and degrees-decimal-minutes (GPS units); Stereo 70
    too inside Romania (EPSG:3844's area of use)."""
    out = ("utm", "mgrs", "ddm")
    aou = CRS.from_user_input(_STEREO70).area_of_use
    if aou is not None and aou.west <= lon <= aou.east and aou.south <= lat <= aou.north:
        out = (*out, "stereo70")
    return out


def check_formats(formats: Iterable[str] | str | None, lon: float, lat: float) -> tuple[str, ...]:
    """``formats`` (a list or ``"utm,mgrs"``) checked against :data:`carpathia.coords.FORMATS`."""
    if formats is None:
        return default_formats(lon, lat)
    items = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
    items = [f for f in items if f]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise InputError(f"coordinate formats must be among {', '.join(FORMATS)}, not {', '.join(bad) or 'none'}")
    return tuple(dict.fromkeys(items))


def coordinate_rows(points: Iterable[tuple[str, float, float]], formats: Sequence[str]) -> list[list[str]]:
    """Rows of a coordinate box: the label then the point in each format (``format_position``)."""
    rows = []
    for label, lon, lat in points:
        rows.append([str(label), *(format_position(lon, lat, f) for f in formats)])
    return rows


#: Column titles of the coordinate box.
FORMAT_TITLES = {
    "decimal": "Lat, lon (WGS 84)",
    "dms": "DMS (WGS 84)",
    "ddm": "Deg, dec. min (WGS 84)",
    "utm": "UTM (WGS 84)",
    "mgrs": "MGRS",
    "stereo70": "Stereo 70",
}


def layer_points(layers, *, limit: int = 12) -> list[tuple[str, float, float]]:
    """(label, lon, lat) of the IPP, landing zones and clues in checked layers, in that order."""
    from ._layers import feature_label

    order = {"ipp": 0, "landing_zones": 1, "clues": 2}
    out = []
    for layer in sorted((ly for ly in layers if ly.kind in order), key=lambda ly: order[ly.kind]):
        for k, (geom, props) in enumerate(layer.features):
            if geom.geom_type != "Point":
                continue
            out.append((feature_label(layer.kind, props, k), float(geom.x), float(geom.y)))
    return out[:limit]
