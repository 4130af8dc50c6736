"""Subjects: lost-person statistics (Koester, ISRID) as distance distributions.

Pick a subject's profile and get a continuous distribution of the straight-line distance from
the initial planning point (IPP) to where such subjects are found, in metres::

    from carpathia.subjects import profile
    p = profile("hiker", eco_region="Temperate", terrain_class="Mountainous")
    p.quantiles_m            # {0.25: 1126.5, 0.5: 3057.8, 0.75: 5793.6, 0.95: 18185.6}
    p.distance.cdf(5000.0)   # probability of a find within 5 km
    p.distance.areal_density(d, cell_size=30.0)   # per m², for a ring map

Every row of Koester's distance table ships as package data with its citation
(``data/SOURCES.md``); user categories come from a TOML file (:func:`load_categories`);
eco-region and terrain class can be inferred from the terrain around the IPP
(:func:`profile_at`).

References
----------
Koester, R. J. (2008). Lost Person Behavior: A Search and Rescue Guide on Where to Look.
dbS Productions. Statistics of the International Search & Rescue Incident Database (ISRID).
"""

from ._names import CATEGORY_ALIASES, ECO_REGIONS, TERRAIN_CLASSES
from .distribution import METHODS, DistanceDistribution
from .environment import (
    MOUNTAIN_RELIEF_M,
    RELIEF_RADIUS_M,
    URBAN_RADIUS_M,
    URBAN_SHARE,
    SparseTerrainWarning,
    infer_eco_region,
    infer_terrain_class,
    local_relief,
    profile_at,
)
from .responsiveness import ResponsiveShare, responsive_share, responsive_table
from .statistics import (
    FALLBACK_CATEGORY,
    KOESTER_CITATION,
    MILE_M,
    PROBABILITIES,
    DistanceRow,
    FallbackCategoryWarning,
    SubjectProfile,
    SubjectWarning,
    categories,
    koester_table,
    profile,
)
from .user import load_categories

__all__ = [
    "CATEGORY_ALIASES",
    "ECO_REGIONS",
    "FALLBACK_CATEGORY",
    "KOESTER_CITATION",
    "METHODS",
    "MILE_M",
    "MOUNTAIN_RELIEF_M",
    "PROBABILITIES",
    "RELIEF_RADIUS_M",
    "TERRAIN_CLASSES",
    "URBAN_RADIUS_M",
    "URBAN_SHARE",
    "DistanceDistribution",
    "DistanceRow",
    "FallbackCategoryWarning",
    "ResponsiveShare",
    "SparseTerrainWarning",
    "SubjectProfile",
    "SubjectWarning",
    "categories",
    "infer_eco_region",
    "infer_terrain_class",
    "koester_table",
    "load_categories",
    "local_relief",
    "profile",
    "profile_at",
    "responsive_share",
    "responsive_table",
]
