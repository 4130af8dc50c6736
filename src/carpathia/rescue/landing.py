"""Helicopter landing-zone candidates from the terrain: gentle, open, dry, clear patches near a point.

A cell qualifies when its slope (Horn 1981, from the DEM) is at most 7°, its land cover is open or
unknown (or forest above the treeline, see below), it is not water, and it lies in a clear square
patch of at least 30 × 30 m, i.e. ``ceil(30 / resolution)`` cells a side, every one of which
qualifies. Adjacent (4-connected) qualifying cells form one candidate, reported with its position,
area, slope, elevation, distance from the query point and an approach note from its topographic
position. Where none lies within the search radius, the report says that a hoist is required::

    from carpathia.rescue import landing_zones
    from carpathia.terrain import Terrain
    t = Terrain.from_region("white-mountains")
    rep = landing_zones(t, -71.3033, 44.2708, radius_m=2000)      # lon, lat
    rep.hoist_required, rep.zones[0].distance_m, rep.zones[0].approach   # coarse grids: see rep.notes

With a helicopter type (:data:`HELICOPTERS`: H135, H145, IAR-330 Puma, Mi-17) the patch is the
EASA HEMS operating site for its D: 2D × 2D by day, 4D × 2D at night (either orientation).

References
----------
EASA, Regulation (EU) 965/2012 Air Operations, AMC1 SPA.HEMS.125(b)(4) (HEMS operating site
dimensions) and Annex I (definition of D).
US Army FM 3-21.38, Pathfinder Operations (2006): helicopter landing-zone selection (ground slope,
touchdown-point sizes, landing upslope).
Weiss, A. (2001). Topographic position and landforms analysis. Poster, ESRI User Conference.
Ellerton, J., Gilbert, H. (2012). Should helicopters have a hoist or 'long-line' capability to
perform mountain rescue in the UK? Emergency Medicine Journal 29(1):56–59.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import ndimage

from carpathia.errors import InputError, UnknownNameError

if TYPE_CHECKING:
    from carpathia.terrain import Terrain

__all__ = [
    "FLAT_SLOPE_DEG",
    "HELICOPTERS",
    "HEMS_DAY_FACTOR",
    "HEMS_NIGHT_FACTORS",
    "HOIST_ADVISED_M",
    "LZ_MAX_SLOPE_DEG",
    "LZ_MIN_SIZE_M",
    "LZ_RADIUS_M",
    "MAX_WATER_FRACTION",
    "OPEN_CLASSES",
    "REGION_TREELINE_M",
    "TPI_MIN_M",
    "TPI_RADIUS_M",
    "Helicopter",
    "LandingZone",
    "LandingZoneReport",
    "get_helicopter",
    "grid_window",
    "landing_zones",
    "lz_mask",
    "resolve_treeline",
    "site_dimensions",
]

#: Steepest ground slope for a landing, degrees. FM 3-21.38 (Pathfinder Operations), ground-slope
#: limits: 0–7° no limitation for any aircraft; 7–15° skid helicopters terminate at a hover and
#: wheeled ones land upslope on advisory; over 15° all terminate at a hover. A USMC planning rule
#: (I MEF ground-combat PQS) agrees: LZs steeper than 7° "require additional consideration".
LZ_MAX_SLOPE_DEG = 7.0
#: Side of the clear square patch, metres. FM 3-21.38 touchdown-point size 1 is a 25 m circle
#: (light helicopters: OH-58, UH-72A, the military EC145, a common mountain-rescue type); size 3
#: (UH-60) is 50 m. Rounding 25 m up to 30 m, one cell of a 1" (30 m) DEM, is carpathia's choice;
#: pass ``min_size_m=50`` for a UH-60 class helicopter.
LZ_MIN_SIZE_M = 30.0
#: EASA HEMS operating site, AMC1 SPA.HEMS.125(b)(4) (Regulation (EU) 965/2012, Part-SPA): by
#: day at least 2 D across; at night at least 4 D long and 2 D wide. D is "the largest dimension of
#: the helicopter when the rotors are turning" (Annex I definitions): rotor tip to tail-rotor tip.
HEMS_DAY_FACTOR = 2.0
HEMS_NIGHT_FACTORS = (4.0, 2.0)


@dataclass(frozen=True)
class Helicopter:
    """A helicopter type: main rotor diameter and D (largest dimension, rotors turning), metres."""

    name: str
    rotor_diameter_m: float
    d_m: float
    source: str


_HELICOPTERS = (
    Helicopter(
        "H135",
        10.2,
        12.16,
        "Airbus Helicopters H135 (EC135) technical data: main rotor 10.20 m, length rotors turning 12.16 m",
    ),
    Helicopter(
        "H145",
        11.0,
        13.64,
        "Airbus Helicopters H145 (BK117 D-2) technical data: main rotor 11.00 m, length rotors turning 13.64 m",
    ),
    Helicopter(
        "IAR-330",
        15.0,
        18.15,
        "Aerospatiale SA 330 Puma (IAR-330, built under licence by IAR Brasov): main rotor 15.00 m, length rotors "
        "turning 18.15 m (Jane's All the World's Aircraft)",
    ),
    Helicopter(
        "Mi-17",
        21.29,
        25.35,
        "Mil Mi-8MTV / Mi-17: main rotor 21.29 m, length rotors turning 25.35 m (Jane's All the World's Aircraft)",
    ),
)
#: Helicopter types flying rescue in Romania (SMURD/IGAv H135 and H145, Air Force IAR-330 Puma,
#: IGAv Mi-17), by name; ``EC135`` and ``Puma`` are aliases.
HELICOPTERS = MappingProxyType({h.name: h for h in _HELICOPTERS})
_ALIASES = {"EC135": "H135", "EC145": "H145", "BK117": "H145", "PUMA": "IAR-330", "SA330": "IAR-330", "MI-8": "Mi-17"}


def get_helicopter(name: str) -> Helicopter:
    """A preset of :data:`HELICOPTERS` by name (case-insensitive; EC135, Puma, Mi-8 accepted)."""
    key = str(name).strip().upper().replace(" ", "-").replace("_", "-")
    key = _ALIASES.get(key, key)
    for k, h in HELICOPTERS.items():
        if k.upper() == key:
            return h
    raise UnknownNameError(f"unknown helicopter {name!r}; choose one of {', '.join(HELICOPTERS)}")


def site_dimensions(helicopter: str | Helicopter, *, night: bool = False) -> tuple[float, float]:
    """(length, width) of a HEMS operating site in metres: 2D × 2D by day, 4D × 2D at night (EASA)."""
    h = helicopter if isinstance(helicopter, Helicopter) else get_helicopter(helicopter)
    if night:
        return HEMS_NIGHT_FACTORS[0] * h.d_m, HEMS_NIGHT_FACTORS[1] * h.d_m
    return HEMS_DAY_FACTOR * h.d_m, HEMS_DAY_FACTOR * h.d_m


#: Default search radius around the find, metres: carpathia's assumption (about 1.5 to 2 hours of
#: stretcher carry off trail). Beyond it, "hoist required".
LZ_RADIUS_M = 2000.0
#: Ellerton & Gilbert (2012) count a stretcher route of more than 400 m to a landing site among the
#: cases where a hoist or long-line shortens the rescue; beyond this the report advises a hoist.
HOIST_ADVISED_M = 400.0
#: Land-cover classes (carpathia.terrain.landcover) that may hold a landing: 0 unknown, 1 open.
#: Forest (2) is excluded (trees are obstacles, FM 3-21.38), so is urban (3: buildings and wires that
#: a 0.05° class cannot locate) and water (4).
OPEN_CLASSES = (0, 1)
_FOREST = 2
#: Most of a cell that rivers and lakes may cover (layer ``water``) for it still to count as dry
#: ground: carpathia's assumption (a 3 m stream through a 30 m cell; a coarse cell with a little
#: water keeps most of its area dry).
MAX_WATER_FRACTION = 0.1
#: Treeline elevations, metres, for regions whose land cover is too coarse to see the alpine zone
#: (MODIS MCD12C1 at 0.05° maps the whole Presidential Range as forest). A terrain's
#: ``meta["treeline_m"]`` takes precedence. White Mountains: the Mt Washington treeline is patchy
#: around 4,500 ft (Forest Society / NH Audubon, "Something Wild", 2023; other accounts give
#: 4,200–4,900 ft); 1370 m is carpathia's reading of it.
REGION_TREELINE_M: Mapping[str, float] = {"white-mountains": 1370.0}
#: Topographic position index (Weiss 2001): elevation minus the mean within this radius (a square
#: window), metres. Weiss shows small and large neighbourhoods; 500 m, the scale of a helicopter's
#: final approach, is carpathia's choice.
TPI_RADIUS_M = 500.0
#: Weiss's (2001) classes collapsed to four: ridge where TPI > +1 SD, valley where TPI < −1 SD,
#: otherwise flat where the mean slope within the window is ≤ 5° (Weiss's flat), else slope. The SD
#: is the window's; TPI_MIN_M floors it (carpathia's assumption: 10 m over 500 m is no ridge).
FLAT_SLOPE_DEG = 5.0
TPI_MIN_M = 10.0

_APPROACH = {
    "ridge": "ridge or summit: open to approaches from several sides but exposed to wind and turbulence; "
    "approach into the wind and expect down-draughts on the lee side",
    "valley": "valley floor: approach along the valley axis into the wind; expect wires, trees and rising "
    "ground on the sides, and cloud or shade lingering",
    "slope": "bench on a slope: approach along the contour or up the slope into the wind; land facing "
    "upslope, never downslope (FM 3-21.38)",
    "flat": "open flat ground: approach into the wind from any clear side",
}


@dataclass(frozen=True)
class LandingZone:
    """One landing-zone candidate: a 4-connected group of qualifying cells.

    ``lon``, ``lat`` (degrees) is the centre of its cell nearest to the query point, where to head
    for; ``distance_m`` and ``bearing_deg`` (clockwise from grid north, within a few degrees of true
    north in UTM) lead there from the query point. ``area_m2`` = ``cells`` × resolution² (a lower
    bound where ``truncated`` by the search window); ``slope_deg`` and ``max_slope_deg`` are the mean
    and steepest cell slopes, ``elevation_m`` the mean elevation. ``position`` is ``ridge``,
    ``valley``, ``slope`` or ``flat`` from the topographic position index ``tpi_m`` (metres above
    the mean within 500 m), with an ``approach`` note; ``landcover`` is ``open``, ``unknown`` or
    ``above treeline`` (mapped as forest, taken as open). ``cells_rc``: (row, col) of its cells.
    """

    lon: float
    lat: float
    distance_m: float
    bearing_deg: float
    centroid_lon: float
    centroid_lat: float
    area_m2: float
    cells: int
    slope_deg: float
    max_slope_deg: float
    elevation_m: float
    position: str
    tpi_m: float
    approach: str
    landcover: str
    truncated: bool = False
    warning: str = ""
    cells_rc: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.int64), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: ``lat``, ``lon``, ``slope_deg``, ``distance_m`` and the rest, rounded."""
        out = {"lat": round(self.lat, 6), "lon": round(self.lon, 6)}
        for f in fields(self)[2:-1]:  # all but lon, lat (above) and the cells
            v = getattr(self, f.name)
            out[f.name] = round(v, 6 if f.name.startswith("centroid") else 2) if isinstance(v, float) else v
        return out


@dataclass(frozen=True)
class LandingZoneReport:
    """Landing-zone candidates near a point, ranked by distance, with the criteria used."""

    lon: float
    lat: float
    radius_m: float
    max_slope_deg: float
    min_size_m: float
    patch_cells: int
    resolution_m: float
    treeline_m: float | None
    zones: tuple[LandingZone, ...]
    notes: tuple[str, ...] = ()
    min_length_m: float | None = None
    helicopter: str | None = None
    night: bool = False

    @property
    def hoist_required(self) -> bool:
        """True when no candidate lies within ``radius_m``."""
        return not self.zones

    @property
    def hoist_advised(self) -> bool:
        """True when the nearest candidate is farther than :data:`HOIST_ADVISED_M` (or none)."""
        return not self.zones or self.zones[0].distance_m > HOIST_ADVISED_M

    @property
    def verdict(self) -> str:
        """One line for the incident commander."""
        if self.hoist_required:
            return f"hoist required: no landing zone within {self.radius_m / 1000:g} km"
        z = self.zones[0]
        v = f"nearest landing zone {z.distance_m:.0f} m away ({z.position}, {z.slope_deg:.1f}°, {z.area_m2:,.0f} m²)"
        if self.hoist_advised:
            v += f"; a hoist or long-line is advised (more than {HOIST_ADVISED_M:.0f} m to carry)"
        return v

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": {"lat": round(self.lat, 6), "lon": round(self.lon, 6)},
            "radius_m": self.radius_m,
            "criteria": {
                "max_slope_deg": self.max_slope_deg,
                "min_size_m": self.min_size_m,
                "min_length_m": self.min_length_m if self.min_length_m is not None else self.min_size_m,
                "helicopter": self.helicopter,
                "night": self.night,
                "patch_cells": self.patch_cells,
                "resolution_m": self.resolution_m,
                "landcover": "open or unknown" + ("" if self.treeline_m is None else ", or forest above treeline"),
                "treeline_m": self.treeline_m,
                "max_water_fraction": MAX_WATER_FRACTION,
            },
            "hoist_required": self.hoist_required,
            "hoist_advised": self.hoist_advised,
            "verdict": self.verdict,
            "landing_zones": [z.to_dict() for z in self.zones],
            "notes": list(self.notes),
        }


def landing_zones(
    terrain: Terrain,
    lon: float,
    lat: float,
    *,
    radius_m: float = LZ_RADIUS_M,
    max_slope_deg: float = LZ_MAX_SLOPE_DEG,
    min_size_m: float = LZ_MIN_SIZE_M,
    treeline_m: float | str | None = "auto",
    helicopter: str | None = None,
    night: bool = False,
) -> LandingZoneReport:
    """Helicopter landing-zone candidates within ``radius_m`` of (lon, lat), nearest first.

    Parameters
    ----------
    terrain : Terrain
        Uses its elevation, slope, and layers ``landcover`` and ``water`` (absent: unknown, dry).
    lon, lat : float
        Query point (the find), degrees.
    radius_m : float
        Search radius, metres (:data:`LZ_RADIUS_M`); a candidate counts if its nearest cell does.
    max_slope_deg : float
        Steepest cell slope, degrees (:data:`LZ_MAX_SLOPE_DEG`, FM 3-21.38).
    min_size_m : float
        Side of the clear square patch, metres (:data:`LZ_MIN_SIZE_M`), when no ``helicopter``
        is named; at night the patch is twice as long (4 × 2 half-sides, as EASA's 4D × 2D).
    helicopter : str, optional
        A preset of :data:`HELICOPTERS`: the patch is EASA's HEMS operating site for its D,
        2D × 2D by day, 4D × 2D at ``night`` (:func:`site_dimensions`).
    night : bool
        Night operations: a 4D × 2D site (either orientation).
    treeline_m : float, "auto" or None
        Forest cells at or above this elevation count as open (coarse land cover cannot see the
        alpine zone). "auto": ``terrain.meta["treeline_m"]``, else :data:`REGION_TREELINE_M` by
        region name, else none. None: no override.

    Returns
    -------
    LandingZoneReport
        ``zones`` ranked by distance; ``hoist_required`` when there is none.

    Raises
    ------
    OutsideTerrainError
        The point is off the grid.
    InputError
        A radius, slope or size that is not a positive number.

    Notes
    -----
    Units: metres, degrees; distances run from the query point to cell centres in the grid's CRS.
    Cost: a window of radius ``radius_m`` + 500 m (for the topographic position) is analysed with
    vectorised numpy/scipy passes (box sums, ``ndimage.label``): a few bytes per window cell.
    """
    radius = _positive(radius_m, "radius_m")
    slope_max = _positive(max_slope_deg, "max_slope_deg")
    if slope_max >= 90:
        raise InputError(f"max_slope_deg must be below 90 degrees, not {max_slope_deg!r}")
    size = _positive(min_size_m, "min_size_m")
    heli = None
    if helicopter is not None:
        heli = get_helicopter(helicopter)
        length, size = site_dimensions(heli, night=bool(night))
    else:
        length = size * (HEMS_NIGHT_FACTORS[0] / HEMS_NIGHT_FACTORS[1] if night else 1.0)
    row, col = terrain.to_pixel(lon, lat)
    res = terrain.resolution
    treeline = resolve_treeline(terrain, treeline_m)
    k = max(1, math.ceil(size / res - 1e-9))
    margin = TPI_RADIUS_M + max(1, math.ceil(length / res - 1e-9)) * res
    r0, r1, c0, c1 = grid_window(terrain, row, col, radius + margin)
    sl = (slice(r0, r1), slice(c0, c1))
    z = terrain.elevation[sl].astype(np.float64)
    slope = np.asarray(terrain.slope()[sl], dtype=np.float64)
    lc = np.asarray(terrain.layer("landcover")[sl])
    mask = lz_mask(
        terrain, (r0, r1, c0, c1), max_slope_deg=slope_max, min_size_m=size, min_length_m=length, treeline=treeline
    )
    labels, n = ndimage.label(mask)
    zones: list[LandingZone] = []
    if n:
        zones = _describe(terrain, labels, n, z, slope, lc, (r0, c0), (row, col), (lon, lat), treeline, radius)
    notes = _notes(terrain, res, size, k, treeline, zones, radius)
    if heli is not None or night:
        what = f"{heli.name} (D = {heli.d_m:g} m)" if heli is not None else "the given patch size"
        notes.append(
            f"{'night' if night else 'day'} HEMS site for {what}: at least {length:g} × {size:g} m clear "
            "(EASA AMC1 SPA.HEMS.125(b)(4): 2D by day, 4D × 2D at night)"
        )
    return LandingZoneReport(
        lon=float(lon),
        lat=float(lat),
        radius_m=radius,
        max_slope_deg=slope_max,
        min_size_m=size,
        patch_cells=k,
        resolution_m=res,
        treeline_m=treeline,
        zones=tuple(zones),
        notes=tuple(notes),
        min_length_m=length,
        helicopter=None if heli is None else heli.name,
        night=bool(night),
    )


def lz_mask(
    terrain: Terrain,
    bounds: tuple[int, int, int, int] | None = None,
    *,
    max_slope_deg: float = LZ_MAX_SLOPE_DEG,
    min_size_m: float = LZ_MIN_SIZE_M,
    treeline: float | None = None,
    min_length_m: float | None = None,
) -> np.ndarray:
    """Boolean mask of landing-zone cells within ``bounds`` = (row0, row1, col0, col1) of the grid.

    A cell is True when it lies in a clear ``k × k`` patch (k = ceil(min_size_m / resolution)),
    or a ``kl × k`` one in either orientation when ``min_length_m`` is longer (a night site), of
    cells each with slope ≤ ``max_slope_deg``, land cover in :data:`OPEN_CLASSES` (or forest at or
    above ``treeline``), water fraction ≤ :data:`MAX_WATER_FRACTION` and elevation data. The
    slope is the whole grid's (no edge effects at the window's border). Cost O(window cells).
    """
    r0, r1, c0, c1 = bounds if bounds is not None else (0, terrain.shape[0], 0, terrain.shape[1])
    sl = (slice(r0, r1), slice(c0, c1))
    z = terrain.elevation[sl]
    slope = np.asarray(terrain.slope()[sl])
    lc = np.asarray(terrain.layer("landcover")[sl])
    water = np.asarray(terrain.layer("water")[sl], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(z) & (slope <= max_slope_deg)
        cover = np.isin(lc, OPEN_CLASSES)
        if treeline is not None:
            cover |= (lc == _FOREST) & (z >= treeline)
        ok &= cover & (water <= MAX_WATER_FRACTION)
    k = max(1, math.ceil(float(min_size_m) / terrain.resolution - 1e-9))
    kl = k if min_length_m is None else max(k, math.ceil(float(min_length_m) / terrain.resolution - 1e-9))
    if kl == k:
        return _clear_patches(ok, k)
    return _clear_patches(ok, kl, k) | _clear_patches(ok, k, kl)


def resolve_treeline(terrain: Terrain, treeline_m: float | str | None) -> float | None:
    """The treeline elevation to use: a number, ``"auto"`` (terrain metadata, then the region table) or None."""
    if treeline_m is None:
        return None
    if treeline_m == "auto":
        v = terrain.meta.get("treeline_m", REGION_TREELINE_M.get(terrain.name))
        return None if v is None else float(v)
    try:
        v = float(treeline_m)
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v):
        raise InputError(f"treeline_m must be a finite number of metres, 'auto' or None, not {treeline_m!r}")
    return v


def grid_window(terrain: Terrain, row: int, col: int, radius_m: float) -> tuple[int, int, int, int]:
    """(row0, row1, col0, col1) of the square window of ``radius_m`` around a cell, clipped to the grid."""
    k = max(1, math.ceil(radius_m / terrain.resolution))
    h, w = terrain.shape
    return max(0, row - k), min(h, row + k + 1), max(0, col - k), min(w, col + k + 1)


# ---------------------------------------------------------------------- internals
def _clear_patches(ok: np.ndarray, k: int, kc: int | None = None) -> np.ndarray:
    """Cells covered by at least one k × kc window (rows × columns) whose cells are all True."""
    kc = k if kc is None else kc
    if k == 1 and kc == 1:
        return ok.copy()
    h, w = ok.shape
    if h < k or w < kc:
        return np.zeros_like(ok, dtype=bool)
    full = _box_sums(ok.astype(np.int32), k, kc) == k * kc  # top-left corners of clear windows
    padded = np.zeros((h + k - 1, w + kc - 1), np.int32)
    padded[k - 1 : k - 1 + full.shape[0], kc - 1 : kc - 1 + full.shape[1]] = full
    return _box_sums(padded, k, kc) > 0


def _box_sums(a: np.ndarray, k: int, kc: int | None = None) -> np.ndarray:
    """Sums of every k × kc window of ``a`` (valid windows only), from an integral image."""
    kc = k if kc is None else kc
    s = np.zeros((a.shape[0] + 1, a.shape[1] + 1), np.int64)
    s[1:, 1:] = a.cumsum(0).cumsum(1)
    return s[k:, kc:] - s[:-k, kc:] - s[k:, :-kc] + s[:-k, :-kc]


def _focal_mean(a: np.ndarray, size: int) -> np.ndarray:
    valid = np.isfinite(a)
    num = ndimage.uniform_filter(np.where(valid, a, 0.0), size, mode="constant", cval=0.0)
    den = ndimage.uniform_filter(valid.astype(np.float64), size, mode="constant", cval=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-9, num / den, np.nan)


def _describe(terrain, labels, n, z, slope, lc, origin, find_rc, find_lonlat, treeline, radius):
    r0, c0 = origin
    res = terrain.resolution
    idx = np.arange(1, n + 1)
    fx, fy = terrain.to_xy(*find_lonlat)
    rr, cc = np.nonzero(labels)
    x = terrain.transform.c + (c0 + cc + 0.5) * res
    y = terrain.transform.f - (r0 + rr + 0.5) * res
    dist = np.full(labels.shape, np.inf)
    dist[rr, cc] = np.hypot(x - fx, y - fy)
    near = np.asarray(ndimage.minimum(dist, labels, idx), dtype=np.float64)
    keep = np.nonzero(near <= radius)[0]
    if keep.size == 0:
        return []
    size = 2 * max(1, round(TPI_RADIUS_M / res)) + 1
    tpi = z - _focal_mean(z, size)
    around = _focal_mean(slope, size)
    sd = max(float(np.nanstd(tpi)) if np.isfinite(tpi).any() else 0.0, TPI_MIN_M)
    lab_k = idx[keep]
    pos = ndimage.minimum_position(dist, labels, lab_k)
    com = ndimage.center_of_mass(np.ones_like(z), labels, lab_k)
    counts = ndimage.sum_labels(np.ones_like(z), labels, lab_k)
    stats = {
        "slope": ndimage.mean(slope, labels, lab_k),
        "slope_max": ndimage.maximum(slope, labels, lab_k),
        "z": ndimage.mean(z, labels, lab_k),
        "tpi": ndimage.mean(np.nan_to_num(tpi), labels, lab_k),
        "around": ndimage.mean(np.nan_to_num(around), labels, lab_k),
        "open": ndimage.sum_labels((lc == 1).astype(np.float64), labels, lab_k),
        "alpine": ndimage.sum_labels((lc == _FOREST).astype(np.float64), labels, lab_k),
    }
    edge = _edge_labels(labels, origin, terrain.shape)
    order = np.argsort(labels[rr, cc], kind="stable")
    groups = np.split(order, np.cumsum(np.bincount(labels[rr, cc], minlength=n + 1)[1:])[:-1])
    zones = []
    for j, lab in enumerate(lab_k):
        pr, pc = pos[j]
        lon, lat = terrain.to_lonlat(r0 + pr, c0 + pc)
        clon, clat = terrain.to_lonlat(r0 + com[j][0], c0 + com[j][1])
        px = terrain.transform.c + (c0 + pc + 0.5) * res
        py = terrain.transform.f - (r0 + pr + 0.5) * res
        t = float(stats["tpi"][j])
        position = _position(t, float(stats["around"][j]), sd)
        cells = int(counts[j])
        cover = "above treeline" if stats["alpine"][j] > 0 else ("open" if stats["open"][j] > cells / 2 else "unknown")
        g = groups[lab - 1]
        zones.append(
            LandingZone(
                lon=lon,
                lat=lat,
                distance_m=float(near[lab - 1]),
                bearing_deg=math.degrees(math.atan2(px - fx, py - fy)) % 360.0,
                centroid_lon=clon,
                centroid_lat=clat,
                area_m2=cells * res * res,
                cells=cells,
                slope_deg=float(stats["slope"][j]),
                max_slope_deg=float(stats["slope_max"][j]),
                elevation_m=float(stats["z"][j]),
                position=position,
                tpi_m=t,
                approach=_APPROACH[position],
                landcover=cover,
                truncated=bool(lab in edge),
                warning=_interpolated_warning(terrain, rr[g] + r0, cc[g] + c0),
                cells_rc=np.stack([rr[g] + r0, cc[g] + c0], axis=1).astype(np.int64),
            )
        )
    zones.sort(key=lambda zn: (zn.distance_m, -zn.area_m2))
    return zones


def _interpolated_warning(terrain: Terrain, rows: np.ndarray, cols: np.ndarray) -> str:
    """A warning when any cell of a zone lies on DEM cells its source interpolated."""
    gaps = terrain.layers.get("interpolated")
    if gaps is None or not np.asarray(gaps, bool)[rows, cols].any():
        return ""
    return "on interpolated DEM cells: its slope is a smooth guess; reconnoitre before landing"


def _position(tpi: float, around_slope: float, sd: float) -> str:
    if abs(tpi) > sd:
        return "ridge" if tpi > 0 else "valley"
    return "flat" if around_slope <= FLAT_SLOPE_DEG else "slope"


def _edge_labels(labels: np.ndarray, origin: tuple[int, int], shape: tuple[int, int]) -> set[int]:
    """Labels touching a window edge that is not the grid's edge (their area is cut off)."""
    (r0, c0), (h, w) = origin, labels.shape
    sides = [
        (r0 > 0, labels[0]),
        (r0 + h < shape[0], labels[-1]),
        (c0 > 0, labels[:, 0]),
        (c0 + w < shape[1], labels[:, -1]),
    ]
    return {int(v) for cut, side in sides if cut for v in np.unique(side)} - {0}


def _notes(terrain, res, size, k, treeline, zones, radius) -> list[str]:
    notes = [
        f"slope ≤ {LZ_MAX_SLOPE_DEG:g}° is read from the DEM; obstacles (wires, trees, rocks, loose snow) "
        "are not in the data: confirm every landing zone from the air"
    ]
    if res > size:
        notes.append(
            f"{res:g} m cells: one cell ({res * res:,.0f} m²) stands for a {size:g} × {size:g} m touchdown patch; "
            "trees, boulders, wires and buildings smaller than a cell are invisible, so a coarse grid overstates "
            "landing zones"
        )
    else:
        notes.append(f"a clear patch is {k} × {k} cells of {res:g} m (at least {size:g} × {size:g} m)")
    if "landcover" not in terrain.layers:
        notes.append("no land-cover layer: every gentle, dry cell counts (land cover unknown)")
    if treeline is not None:
        notes.append(f"land cover mapped as forest counts as open at or above the treeline, {treeline:g} m")
    if not zones:
        notes.append(
            f"no landing zone within {radius / 1000:g} km: hoist (winch) or carry to a landing site further away"
        )
    elif zones[0].distance_m > HOIST_ADVISED_M:
        notes.append(
            f"the nearest landing zone is more than {HOIST_ADVISED_M:.0f} m away: a hoist or long-line shortens "
            "the rescue (Ellerton & Gilbert 2012)"
        )
    return notes


def _positive(v: object, what: str) -> float:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, not {v!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise InputError(f"{what} must be a positive finite number, not {v!r}")
    return x
