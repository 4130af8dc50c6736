"""Forgiving matching of subject-category, eco-region and terrain-class names.

A name is reduced to a key: Unicode-normalised (NFKC), case-folded, every dash, underscore,
slash, comma, full stop and bracket turned into a space, filler words (``age``, ``years``,
``old``, ``to`` ...) dropped, a plural ``s`` cut from words longer than three letters (not
``ss``), ``children`` read as ``child``, and the words sorted. So "Child (7-9)", "child 7-9",
"child 7–9", "CHILD_7_9" and "children 7 to 9 years" share one key, as do "Skier-Nordic" and
"nordic skiers". Keys are compared exactly; there is no fuzzy matching (a near miss falls back
with a warning that suggests close names).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache

__all__ = [
    "CATEGORY_ALIASES",
    "ECO_REGIONS",
    "TERRAIN_CLASSES",
    "child_band",
    "eco_region_name",
    "name_key",
    "suggest",
    "terrain_class_name",
]

#: Eco-regions of Koester's distance table (the Bailey ecoregion domains the table
#: distinguishes, plus Urban).
ECO_REGIONS = ("Temperate", "Dry", "Urban")
#: Terrain classes of Koester's distance table.
TERRAIN_CLASSES = ("Mountainous", "Flat")

#: Other names for the table's categories, chosen by carpathia (common words for the same
#: subjects; Koester's category descriptions). Keys are matched through :func:`name_key`, so
#: case, plurals and word order do not matter.
CATEGORY_ALIASES: dict[str, str] = {
    "abducted": "Abduction",
    "kidnapping": "Abduction",
    "kidnapped": "Abduction",
    "plane crash": "Aircraft",
    "aircraft crash": "Aircraft",
    "pilot": "Aircraft",
    "fisherman": "Angler",
    "fishermen": "Angler",
    "fisher": "Angler",
    "fishing": "Angler",
    "atv": "All Terrain Vehicle",
    "quad bike": "All Terrain Vehicle",
    "quad": "All Terrain Vehicle",
    "autism": "Autistic",
    "autistic child": "Autistic",
    "camping": "Camper",
    "toddler": "Child (1-3)",
    "mountaineer": "Climber",
    "alpinist": "Climber",
    "climbing": "Climber",
    "alzheimer": "Dementia",
    "alzheimers": "Dementia",
    "alzheimer's": "Dementia",
    "suicidal": "Despondent",
    "forager": "Gatherer",
    "mushroom picker": "Gatherer",
    "mushroom gatherer": "Gatherer",
    "berry picker": "Gatherer",
    "hiking": "Hiker",
    "walker": "Hiker",
    "backpacker": "Hiker",
    "trekker": "Hiker",
    "tourist hiker": "Hiker",
    "horse rider": "Horseback Rider",
    "equestrian": "Horseback Rider",
    "horseback": "Horseback Rider",
    "hunting": "Hunter",
    "mentally ill": "Mental Illness",
    "psychiatric": "Mental Illness",
    "intellectual disability": "Mental Retardation",
    "developmental disability": "Mental Retardation",
    "learning disability": "Mental Retardation",
    "mountain bike": "Mountain Biker",
    "mtb": "Mountain Biker",
    "mountain biking": "Mountain Biker",
    "extreme sport": "Other (Extreme Sport)",
    "jogger": "Runner",
    "trail runner": "Runner",
    "running": "Runner",
    "alpine skier": "Skier-Alpine",
    "downhill skier": "Skier-Alpine",
    "nordic skier": "Skier-Nordic",
    "cross country skier": "Skier-Nordic",
    "xc skier": "Skier-Nordic",
    "snowboard": "Snowboarder",
    "snowboarding": "Snowboarder",
    "snowmobile": "Snowmobiler",
    "intoxicated": "Substance Abuse",
    "drunk": "Substance Abuse",
}

# age bands of the table's child categories: (lowest age, highest age, canonical name)
_CHILD_BANDS = ((1, 3, "Child (1-3)"), (4, 6, "Child (4-6)"), (7, 9, "Child (7-9)"), (10, 12, "Child (10-12)"))
_CHILD_BANDS += ((13, 15, "Child (13-15)"),)

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−_/\\,.;:()\[\]{}\"`]+")
_FILLER = frozenset(
    {"a", "an", "the", "of", "to", "and", "age", "aged", "year", "years", "yr", "yrs", "old", "yo", "y"}
)
_IRREGULAR = {"children": "child", "kids": "child", "kid": "child", "men": "man", "women": "woman"}

_ECO = {
    "temperate": "Temperate",
    "temp": "Temperate",
    "humid temperate": "Temperate",
    "dry": "Dry",
    "arid": "Dry",
    "desert": "Dry",
    "urban": "Urban",
    "city": "Urban",
    "town": "Urban",
}
_TERRAIN = {
    "mountainous": "Mountainous",
    "mountain": "Mountainous",
    "mtn": "Mountainous",
    "mnt": "Mountainous",
    "flat": "Flat",
    "flatland": "Flat",
    "lowland": "Flat",
    "plain": "Flat",
}
_ANY = frozenset({"*", "any", "all"})


def _word(w: str) -> str:
    w = _IRREGULAR.get(w, w)
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


@cache
def name_key(name: str) -> tuple[str, ...]:
    """The matching key of a category name: normalised words, sorted (empty for a blank name)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    words = (_word(w) for w in _SEPARATORS.split(text) if w)
    return tuple(sorted(w for w in words if w and w not in _FILLER))


def child_band(key: tuple[str, ...]) -> str | None:
    """Canonical child category for a key such as ``("5", "child")`` (one age, 1 to 15), else None."""
    if "child" not in key or len(key) != 2:
        return None
    others = [w for w in key if w != "child"]
    if len(others) != 1 or not others[0].isdigit():
        return None
    age = int(others[0])
    for lo, hi, name in _CHILD_BANDS:
        if lo <= age <= hi:
            return name
    return None


def _lookup(value: str | None, table: dict[str, str], valid: tuple[str, ...], what: str) -> str | None:
    from carpathia.errors import UnknownNameError

    if value is None:
        return None
    if not isinstance(value, str):
        raise UnknownNameError(f"{what} must be a string such as {valid[0]!r}, not {value!r}")
    key = " ".join(w for w in _SEPARATORS.split(unicodedata.normalize("NFKC", value).casefold()) if w)
    if key in _ANY:
        return None
    found = table.get(key) or table.get(_word(key))
    if found is None:
        raise UnknownNameError(
            f"unknown {what} {value!r}: Koester's table knows {', '.join(valid)} (or None / '*' when it is not known)"
        )
    return found


def eco_region_name(value: str | None) -> str | None:
    """Canonical eco-region ("Temperate", "Dry", "Urban") or None for unknown / ``"*"``.

    Raises :class:`~carpathia.errors.UnknownNameError` for a value the table does not use
    (e.g. "Polar").
    """
    return _lookup(value, _ECO, ECO_REGIONS, "eco-region")


def terrain_class_name(value: str | None) -> str | None:
    """Canonical terrain class ("Mountainous", "Flat") or None for unknown / ``"*"``."""
    return _lookup(value, _TERRAIN, TERRAIN_CLASSES, "terrain class")


def suggest(name: str, known: list[str], n: int = 3) -> list[str]:
    """Up to ``n`` known names that look like ``name`` (for error and warning messages)."""
    target = " ".join(name_key(name))
    keyed = {" ".join(name_key(k)): k for k in known}
    return [keyed[m] for m in difflib.get_close_matches(target, list(keyed), n=n, cutoff=0.6)]
