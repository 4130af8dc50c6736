"""Walking speeds: Tobler's hiking function and per-cell factors from a terrain's layers.

Every constant names its source. Where no published number fits, the value is carpathia's
assumption and says so; change it with the keyword arguments rather than trusting it blindly::

    from carpathia.terrain import Terrain
    from carpathia.travel import isotropic_speed, speed_factors, tobler_speed
    t = Terrain.from_region("white-mountains")
    tobler_speed(0.0)                         # 1.399 m/s on the flat
    f = speed_factors(t, night=True)          # per-cell multipliers, float32
    v = isotropic_speed(t, night=True)        # m/s, for travel_time()
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from carpathia.errors import InputError

if TYPE_CHECKING:
    from carpathia.terrain import Terrain

__all__ = [
    "CLIFF_REF_RESOLUTION_M",
    "CLIFF_SLOPE_DEG",
    "FORD_MAX_WIDTH_M",
    "FOREST_FACTOR",
    "LANDCOVER_FACTORS",
    "NIGHT_FACTOR_CROSS_COUNTRY",
    "NIGHT_FACTOR_ROAD",
    "OFF_TRAIL_FACTOR",
    "SLOPE_SCALE_EXPONENT",
    "SNOW_DEEP_FACTOR",
    "SNOW_DEEP_M",
    "SNOW_HARD_PACKED_FACTOR",
    "TOBLER_DECAY",
    "TOBLER_MAX_KMH",
    "TOBLER_OFFSET",
    "WATER_FRACTION",
    "cliff_slope_deg",
    "isotropic_speed",
    "speed_factors",
    "tobler_speed",
]

# Tobler, W. (1993). Three presentations on geographical analysis and modeling: non-isotropic
# geographic modeling. NCGIA technical report 93-1: v = 6 exp(-3.5 |S + 0.05|) km/h, S = dh/dx.
TOBLER_MAX_KMH = 6.0  # Tobler 1993: top speed, reached at S = -0.05 (a gentle descent)
TOBLER_DECAY = 3.5  # Tobler 1993
TOBLER_OFFSET = 0.05  # Tobler 1993
# Tobler 1993: "off path travel, multiply by 0.6". Cross-check: US Army FM 21-18 (Foot Marches,
# 1990) march rates, cross-country 2.5 km/h against road 4 km/h by day, a ratio of 0.625.
OFF_TRAIL_FACTOR = 0.6

# US Army FM 21-18 (Foot Marches, 1990), normal march rates: road 4 km/h by day, 3.2 by night;
# cross-country 2.5 km/h by day, 1.6 by night.
NIGHT_FACTOR_ROAD = 3.2 / 4.0  # 0.8
NIGHT_FACTOR_CROSS_COUNTRY = 1.6 / 2.5  # 0.64

# US Army FM 31-70 (Basic Cold Weather Manual, 1968): in snow 61 cm (24 in) deep or more there
# is almost no mobility on foot without skis or snowshoes.
SNOW_DEEP_M = 0.61
SNOW_DEEP_FACTOR = 0.1  # carpathia's assumption: FM 31-70's "almost no mobility" as 10 % speed
# Hard-packed snow: carpathia's assumption, 25 % slower. Not a figure of FM 31-70: the often
# quoted "about 25 % slower on hard-packed snow" traces to a snowshoeing guide (DOMAIN.md).
SNOW_HARD_PACKED_FACTOR = 0.75

# Cliffs: IGT4SAR's cost-distance model makes slopes of 50° or more impassable
# (dferguso/IGT4SAR, CostDistanceModel.py: maxSlope = "50", impedance 99 where slope >= 50),
# on the fine DEMs it was used with; carpathia takes 50° at 30 m cells. A coarser DEM smooths
# slopes: a cell's slope is the mean gradient over about two cells, so a cliff band narrower
# than that shows as a gentler slope, and a fixed 50° (or 45°) barrier vanishes at 90 m and
# 1 km. carpathia keeps the barrier's share of the ground instead: it assumes the steep tail
# of the slope distribution scales as tan S(L) ∝ L^−b with cell size L, so the threshold at L is
# atan(tan 50° · (L / 30 m)^−b). b = 0.38 is fitted on the SRTM3 tile N44W072 (White Mountains):
# block means to 180–990 m give b = 0.34 / 0.36 / 0.41 for the 99 / 99.9 / 99.99 % slope
# quantiles (tests/travel/test_cliffs.py repeats the fit). Thresholds: 50° at 30 m and finer,
# 38° at 90 m, 37° at 100 m, 18° at 1 km.
CLIFF_SLOPE_DEG = 50.0
CLIFF_REF_RESOLUTION_M = 30.0
SLOPE_SCALE_EXPONENT = 0.38


def cliff_slope_deg(resolution_m: float) -> float:
    """Slope (degrees) above which a cell of ``resolution_m`` metres counts as a cliff (see above)."""
    try:
        res = float(resolution_m)
    except (TypeError, ValueError):
        raise InputError(f"resolution must be a number of metres, not {resolution_m!r}") from None
    if not (math.isfinite(res) and res > 0):
        raise InputError(f"resolution must be positive metres, not {resolution_m!r}")
    ratio = max(res / CLIFF_REF_RESOLUTION_M, 1.0)
    return math.degrees(math.atan(math.tan(math.radians(CLIFF_SLOPE_DEG)) * ratio**-SLOPE_SCALE_EXPONENT))


# Land cover (classes of carpathia.terrain.landcover), off trails and roads only.
# Forest: carpathia's assumption, informed by the IOF's International Specification for
# Orienteering Maps (ISOM 2017-2): typical open forest (symbol 405) is run at 80-100 % of normal
# speed, "vegetation: slow running" (406) at 60-80 %; MODIS forest mixes both, we take 0.8.
FOREST_FACTOR = 0.8
LANDCOVER_FACTORS: Mapping[int, float] = {
    0: 1.0,  # unknown: no information, treated as open
    1: 1.0,  # open: the reference of Tobler's off-path factor
    2: FOREST_FACTOR,  # forest: see above
    3: 1.0,  # urban: carpathia's assumption, streets count as paths (no off-trail factor either)
    4: 0.5,  # water class (wetlands, coarse lakes): carpathia's assumption, ISOM 2017-2 "walk" 20-60 %
}
_URBAN = 3
# A cell more than half covered by rivers or lakes (Terrain.layer("water")) is water.
WATER_FRACTION = 0.5
# A river line wider than this is not waded: its cells (Terrain.layer("river_width")) are water
# whatever fraction of the cell it covers, so a narrow river still cuts a coarse grid.
# carpathia's assumption (knee-deep fords of small streams are crossed; 10 m rivers in spate
# are where people drown); set ford_max_width_m to change it.
FORD_MAX_WIDTH_M = 10.0


def tobler_speed(slope: float | np.ndarray) -> float | np.ndarray:
    """Tobler's hiking speed, in m/s, on a signed slope (dz/dx: positive uphill).

    Parameters
    ----------
    slope : float or array
        Rise over horizontal run along the direction of travel (0.1 is a 10 % climb, −0.1 a
        10 % descent); not degrees.

    Returns
    -------
    float or numpy.ndarray
        ``6 · exp(−3.5 · |slope + 0.05|)`` km/h converted to m/s: 1.667 m/s at slope −0.05,
        1.399 m/s (5.036 km/h) on the flat. A float for a scalar, else float64 of the same shape.

    References
    ----------
    Tobler, W. (1993). Three presentations on geographical analysis and modeling: non-isotropic
    geographic modeling. NCGIA technical report 93-1, University of California, Santa Barbara.
    """
    s = np.asarray(slope, dtype=np.float64)
    v = TOBLER_MAX_KMH / 3.6 * np.exp(-TOBLER_DECAY * np.abs(s + TOBLER_OFFSET))
    return float(v) if v.ndim == 0 else v


def _round_trip_speed(gradient: np.ndarray) -> np.ndarray:
    """Harmonic mean of Tobler's speed up and down a gradient (its magnitude), m/s."""
    g = np.abs(np.asarray(gradient, dtype=np.float64))
    return 2.0 / (1.0 / tobler_speed(g) + 1.0 / tobler_speed(-g))


def speed_factors(
    terrain: Terrain,
    *,
    snow_depth_m: float | np.ndarray | None = None,
    hard_packed_snow: bool = False,
    night: bool = False,
    off_trail: bool = True,
    water_factor: float = 0.0,
    ford_max_width_m: float = FORD_MAX_WIDTH_M,
    landcover_factors: Mapping[int, float] | None = None,
) -> np.ndarray:
    """Per-cell multipliers of walking speed from a terrain's layers, weather and daylight.

    Parameters
    ----------
    terrain : Terrain
        Uses the layers ``trails``, ``roads`` (bool), ``landcover`` (uint8 classes) and
        ``water`` (fraction); a missing layer counts as empty (``Terrain.layer``).
    snow_depth_m : float or array, optional
        Snow depth in metres (a scalar or a grid of the terrain's shape).
    hard_packed_snow : bool
        The snow is hard-packed (walk on top of it): 0.75 whatever its depth.
    night : bool
        Walking in darkness: 0.8 on trails and roads, 0.64 elsewhere.
    off_trail : bool
        Apply Tobler's off-path factor 0.6 away from trails and roads (default). Turn it off
        when :func:`~carpathia.travel.travel_time_terrain` gets a ``trails`` mask instead.
    water_factor : float
        Factor of water cells (water fraction > 0.5): 0 (default) makes rivers and lakes
        barriers; a small positive value makes them crossable at high cost (0.05: twenty times
        slower than the bank).
    ford_max_width_m : float
        Cells crossed by a river line wider than this (layer ``river_width``) are water too,
        even when the river covers little of the cell (:data:`FORD_MAX_WIDTH_M`).
    landcover_factors : mapping, optional
        Replaces entries of :data:`LANDCOVER_FACTORS` (class → factor).

    Returns
    -------
    numpy.ndarray
        float32 grid of the terrain's shape, 0 where impassable (water, no elevation data).

    Notes
    -----
    The factor is the product of:

    - path: 1 on ``trails``, ``roads`` and urban cells; 0.6 elsewhere (Tobler 1993);
    - land cover, off paths only: open 1, forest 0.8, water class (wetland) 0.5, urban 1,
      unknown 1 (:data:`LANDCOVER_FACTORS`; forest and wetland are carpathia's assumptions);
    - snow: soft snow falls linearly from 1 at no snow to 0.1 at 0.61 m and stays 0.1 deeper
      (FM 31-70's limit; the 0.1 and the linear ramp are carpathia's assumptions);
      hard-packed snow 0.75 (carpathia's assumption, not in FM 31-70);
    - darkness: FM 21-18 night/day march rates, 3.2/4 = 0.8 on roads and trails,
      1.6/2.5 = 0.64 cross-country;

    then water cells get ``water_factor`` and cells without elevation 0. Cost: a few
    vectorised passes over the grid, float32 (4 bytes per cell) out.

    References
    ----------
    Tobler, W. (1993). NCGIA technical report 93-1. US Army FM 21-18, Foot Marches (1990).
    US Army FM 31-70, Basic Cold Weather Manual (1968). International Orienteering Federation,
    ISOM 2017-2.
    """
    shape = terrain.shape
    on_path = terrain.layer("trails").astype(bool) | terrain.layer("roads").astype(bool)
    lc = np.asarray(terrain.layer("landcover"))
    on_path |= lc == _URBAN
    table = dict(LANDCOVER_FACTORS)
    for k, v in (landcover_factors or {}).items():
        table[int(k)] = _factor_value(v, f"landcover_factors[{k}]")
    lut = np.ones(256, np.float32)
    for k, v in table.items():
        if not 0 <= k < 256:
            raise InputError(f"land-cover class {k} is not a uint8 class")
        lut[k] = v
    off = np.where(on_path, np.float32(1.0), lut[lc.astype(np.uint8)])
    if off_trail:
        off = np.where(on_path, off, off * np.float32(OFF_TRAIL_FACTOR))
    f = off.astype(np.float32)
    if snow_depth_m is not None:
        f *= _snow_factor(snow_depth_m, hard_packed_snow, shape)
    if night:
        f *= np.where(on_path, np.float32(NIGHT_FACTOR_ROAD), np.float32(NIGHT_FACTOR_CROSS_COUNTRY))
    wf = _factor_value(water_factor, "water_factor")
    water = np.asarray(terrain.layer("water")) > WATER_FRACTION
    water |= np.asarray(terrain.layer("river_width")) > float(ford_max_width_m)
    f[water] = wf
    f[np.isnan(terrain.elevation)] = 0.0
    return f


def isotropic_speed(terrain: Terrain, *, max_slope_deg: float | None = None, **factors) -> np.ndarray:
    """A per-cell walking speed (m/s) for :func:`~carpathia.travel.travel_time`.

    Parameters
    ----------
    terrain : Terrain
        Its slope (Horn 1981, degrees) and layers are used.
    max_slope_deg : float
        Cells steeper than this get speed 0 (impassable); default :func:`cliff_slope_deg` at the
        terrain's resolution (50° at 30 m, 38° at 90 m, 18° at 1 km).
    **factors
        Passed to :func:`speed_factors` (``snow_depth_m``, ``night``, ``water_factor`` ...).

    Returns
    -------
    numpy.ndarray
        float32 m/s; 0 where impassable.

    Notes
    -----
    A direction-free speed needs a choice: the cell's gradient g = tan(slope) is the fall line,
    walked half up and half down, so the speed is the harmonic mean of Tobler's speeds at +g
    and −g (the average speed of a round trip), times :func:`speed_factors`. On the flat it is
    Tobler's 5.036 km/h. Using the fall-line gradient is conservative: a walker who contours
    sees a gentler slope. For direction-dependent travel use
    :func:`~carpathia.travel.travel_time_terrain`.

    References
    ----------
    Tobler, W. (1993). NCGIA technical report 93-1. Horn, B. K. P. (1981). Hill shading and the
    reflectance map. Proceedings of the IEEE 69(1), 14-47.
    """
    if max_slope_deg is None:
        max_slope_deg = cliff_slope_deg(terrain.resolution)
    try:
        a = float(max_slope_deg)
    except (TypeError, ValueError):
        raise InputError(f"max_slope_deg must be a number of degrees, not {max_slope_deg!r}") from None
    if not 0 < a <= 90:
        raise InputError(f"max_slope_deg must be in (0, 90] degrees, not {max_slope_deg!r}")
    slope = np.asarray(terrain.slope(), dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        v = _round_trip_speed(np.tan(np.radians(slope)))
        v[~(slope <= a)] = 0.0  # too steep, or no data
    return (v * speed_factors(terrain, **factors)).astype(np.float32)


def _factor_value(v: object, what: str) -> float:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, not {v!r}") from None
    if not math.isfinite(x) or x < 0:
        raise InputError(f"{what} must be a finite number >= 0, not {v!r}")
    return x


def _snow_factor(depth: object, hard_packed: bool, shape: tuple[int, ...]) -> np.ndarray:
    d = np.asarray(depth, dtype=np.float64)
    if d.ndim != 0 and d.shape != shape:
        raise InputError(f"snow_depth_m has shape {d.shape}, the terrain {shape}")
    if np.any(np.isnan(d)) or np.any(d < 0) or np.any(np.isinf(d)):
        raise InputError("snow_depth_m must be finite metres >= 0")
    if hard_packed:
        f = np.where(d > 0, SNOW_HARD_PACKED_FACTOR, 1.0)
    else:
        f = 1.0 - (1.0 - SNOW_DEEP_FACTOR) * np.minimum(d / SNOW_DEEP_M, 1.0)
    return np.broadcast_to(f, shape).astype(np.float32)
