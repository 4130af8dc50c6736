"""Land cover: IGBP classes (MODIS MCD12) mapped to the four classes a search planner uses.

The IGBP legend is that of the MODIS land-cover product (Friedl & Sulla-Menashe,
MCD12 User Guide, collection 6, table 3); the grouping into open / forest / urban / water is
carpathia's, chosen for walking speed and detectability: tree cover above 30 % (IGBP 1–5
forests, 8 woody savanna) and closed shrubland (6) count as forest; savanna, grassland,
cropland, mosaics, barren and snow count as open; wetlands and water bodies as water.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CLASS_NAMES", "FOREST", "IGBP_NAMES", "OPEN", "UNKNOWN", "URBAN", "WATER", "from_igbp"]

UNKNOWN, OPEN, FOREST, URBAN, WATER = 0, 1, 2, 3, 4
CLASS_NAMES = {UNKNOWN: "unknown", OPEN: "open", FOREST: "forest", URBAN: "urban", WATER: "water"}

IGBP_NAMES = {
    0: "water bodies",  # MCD12C1 uses 0 for water
    1: "evergreen needleleaf forest",
    2: "evergreen broadleaf forest",
    3: "deciduous needleleaf forest",
    4: "deciduous broadleaf forest",
    5: "mixed forest",
    6: "closed shrubland",
    7: "open shrubland",
    8: "woody savanna",
    9: "savanna",
    10: "grassland",
    11: "permanent wetland",
    12: "cropland",
    13: "urban and built-up",
    14: "cropland/natural vegetation mosaic",
    15: "snow and ice",
    16: "barren",
    17: "water bodies",
}

_IGBP_TO_CLASS = np.zeros(256, dtype=np.uint8)
for _code, _cls in {
    0: WATER,
    1: FOREST,
    2: FOREST,
    3: FOREST,
    4: FOREST,
    5: FOREST,
    6: FOREST,
    7: OPEN,
    8: FOREST,
    9: OPEN,
    10: OPEN,
    11: WATER,
    12: OPEN,
    13: URBAN,
    14: OPEN,
    15: OPEN,
    16: OPEN,
    17: WATER,
}.items():
    _IGBP_TO_CLASS[_code] = _cls


def from_igbp(igbp: np.ndarray, nodata: int | None = 255) -> np.ndarray:
    """Map an array of IGBP codes to carpathia classes (uint8); no-data becomes UNKNOWN."""
    codes = np.asarray(igbp)
    out = _IGBP_TO_CLASS[np.clip(codes, 0, 255).astype(np.uint8)]
    if nodata is not None:
        out = np.where(codes == nodata, UNKNOWN, out).astype(np.uint8)
    return out
