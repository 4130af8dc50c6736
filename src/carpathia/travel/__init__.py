"""Travel: walking-speed surfaces (Tobler, vegetation, snow, darkness), travel-time fields, paths.

Dijkstra travel-time fields over a speed grid (the convention of scikit-image's
``MCP_Geometric``, 4, 8 or 16 neighbours) or over terrain with Tobler's direction-dependent
hiking function, in numba kernels; least-time paths traced back through them::

    from carpathia.terrain import Terrain
    from carpathia.travel import isotropic_speed, least_cost_path, travel_time
    t = Terrain.from_region("white-mountains")
    speed = isotropic_speed(t)                                  # m/s
    times = travel_time(speed, [(600, 400)], t.resolution)      # seconds
    path = least_cost_path(times, speed, t.resolution, (100, 100))
"""

from .engine import least_cost_path, least_cost_path_terrain, travel_time, travel_time_terrain
from .speed import OFF_TRAIL_FACTOR, isotropic_speed, speed_factors, tobler_speed

__all__ = [
    "OFF_TRAIL_FACTOR",
    "isotropic_speed",
    "least_cost_path",
    "least_cost_path_terrain",
    "speed_factors",
    "tobler_speed",
    "travel_time",
    "travel_time_terrain",
]
