"""Terrain: real elevation data as a metric grid with the layers a search planner needs.

Read SRTM ``.hgt`` tiles and GeoTIFFs, crop, reproject to UTM, fill small voids, derive
slope / aspect / hillshade / ruggedness, rasterise rivers, trails and land cover, and save or
load named regions::

    from carpathia.terrain import Terrain
    t = Terrain.from_region("white-mountains")
    t.slope()           # degrees, float32
    t.to_pixel(-71.3033, 44.2706)
"""

from .core import Terrain
from .landcover import CLASS_NAMES
from .regions import RegionInfo, list_regions, load_region, user_region_dir
from .vectors import Feature, read_features

__all__ = [
    "CLASS_NAMES",
    "Feature",
    "RegionInfo",
    "Terrain",
    "list_regions",
    "load_region",
    "read_features",
    "user_region_dir",
]
