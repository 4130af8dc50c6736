"""Rescue logistics: helicopter landing zones near a find, hoist or stretcher carry-out.

A find is not a rescue: the incident commander must know where a helicopter can land (or must
hoist) and how long a stretcher carry-out takes, and to where::

    from carpathia.rescue import carry_out, landing_zones, rescue_options
    from carpathia.terrain import Terrain
    t = Terrain.from_region("white-mountains")
    lz = landing_zones(t, -71.3033, 44.2708)          # lon, lat: ranked candidates or "hoist required"
    c = carry_out(t, -71.3033, 44.2708, to=("roads", "towns", "lz"))
    c.minutes, c.destination, c.write_gpx("carry.gpx")
    rescue_options(t, -71.3033, 44.2708).to_dict()     # both, as ``carpathia rescue --json`` prints

Modules: :mod:`~carpathia.rescue.landing` (slope ≤ 7°, open land cover, clear 30 × 30 m patches,
topographic position and approach notes) and :mod:`~carpathia.rescue.evacuation` (stretcher speeds
on the travel-time engine, least-time path as GeoJSON and GPX 1.1).

References
----------
US Army FM 3-21.38, Pathfinder Operations (2006). Weiss, A. (2001), Topographic position and
landforms analysis. Ellerton, J., Gilbert, H. (2012), Emerg. Med. J. 29:56–59. Tobler, W. (1993),
NCGIA technical report 93-1.
"""

from .evacuation import (
    CARRY_MAX_SLOPE_DEG,
    CARRY_RADIUS_M,
    DESTINATIONS,
    LITTER_FACTOR,
    LOW_ANGLE_DEG,
    CarryOut,
    Destination,
    RescueOptions,
    carry_out,
    rescue_options,
)
from .landing import (
    HOIST_ADVISED_M,
    LZ_MAX_SLOPE_DEG,
    LZ_MIN_SIZE_M,
    LZ_RADIUS_M,
    OPEN_CLASSES,
    REGION_TREELINE_M,
    LandingZone,
    LandingZoneReport,
    landing_zones,
    lz_mask,
)

__all__ = [
    "CARRY_MAX_SLOPE_DEG",
    "CARRY_RADIUS_M",
    "DESTINATIONS",
    "HOIST_ADVISED_M",
    "LITTER_FACTOR",
    "LOW_ANGLE_DEG",
    "LZ_MAX_SLOPE_DEG",
    "LZ_MIN_SIZE_M",
    "LZ_RADIUS_M",
    "OPEN_CLASSES",
    "REGION_TREELINE_M",
    "CarryOut",
    "Destination",
    "LandingZone",
    "LandingZoneReport",
    "RescueOptions",
    "carry_out",
    "landing_zones",
    "lz_mask",
    "rescue_options",
]
