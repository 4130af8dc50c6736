"""Koester's lost-person distance statistics (ISRID) as subject profiles.

The table ships with the package (``data/koester_distance_rings_miles.csv``, see
``data/SOURCES.md``): straight-line distance from the initial planning point (IPP) to the find
location at the 25, 50, 75 and 95 % quantiles, in miles, by subject category, eco-region and
terrain class. :func:`profile` picks the row for a subject and returns a
:class:`SubjectProfile` whose :attr:`~SubjectProfile.distance` is a continuous
:class:`~carpathia.subjects.DistanceDistribution` in metres.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from types import MappingProxyType

from carpathia.errors import DataFileError, InputError

from . import _names
from .distribution import DistanceDistribution

__all__ = [
    "FALLBACK_CATEGORY",
    "KOESTER_CITATION",
    "MILE_M",
    "PROBABILITIES",
    "UNITS",
    "DistanceRow",
    "FallbackCategoryWarning",
    "SubjectProfile",
    "SubjectWarning",
    "categories",
    "koester_table",
    "profile",
]

#: Metres in an international mile (exact by definition: the 1959 international yard and pound
#: agreement, 1 yd = 0.9144 m, 1 mi = 1760 yd).
MILE_M = 1609.344
#: Distance units of tables and categories files, in metres per unit.
UNITS = {"m": 1.0, "km": 1000.0, "mi": MILE_M}
#: Cumulative probabilities of the tabulated quantiles (Koester 2008: 25, 50, 75, 95 %).
PROBABILITIES = (0.25, 0.5, 0.75, 0.95)
#: Canonical name of the table's last row (category ``*``), used for categories it does not list.
FALLBACK_CATEGORY = "Default"
#: Citation of the bundled table.
KOESTER_CITATION = (
    "Koester, R. J. (2008). Lost Person Behavior: A Search and Rescue Guide on Where to Look. "
    "dbS Productions. Distance-from-IPP statistics of the International Search & Rescue Incident "
    "Database (ISRID), as embedded in IGT4SAR (github.com/dferguso/IGT4SAR @ 18e222b, "
    "IPP_EuclideanDistance2.py)."
)

_TABLE = "koester_distance_rings_miles.csv"
_COLUMNS = ["category", "eco_region", "terrain", "p25", "p50", "p75", "p95"]
_FALLBACK_WORDS = frozenset({("*",), ("default",), ("unknown",), ("generic",), ("any",), ("other",)})


class SubjectWarning(UserWarning):
    """Base of the warnings :mod:`carpathia.subjects` issues."""


class FallbackCategoryWarning(SubjectWarning):
    """A subject category (or its eco-region/terrain) was not found; the fallback row was used."""


@dataclass(frozen=True)
class DistanceRow:
    """One row of a distance table, as written in its source.

    Attributes
    ----------
    category : str
        Category as spelled in the source (``"*"`` for the fallback row).
    eco_region, terrain_class : str
        ``"Temperate"``, ``"Dry"``, ``"Urban"`` / ``"Mountainous"``, ``"Flat"``, or ``"*"``
        for any.
    values : tuple of float or None
        Distances at :data:`PROBABILITIES` in ``unit``; None where the source gives none.
    unit : str
        ``"mi"``, ``"km"`` or ``"m"``.
    origin : str
        Where the row comes from: file name and line, or TOML file and entry.
    citation : str
        Who to credit.
    aliases : tuple of str
        Other names of the category (user categories only).
    """

    category: str
    eco_region: str
    terrain_class: str
    values: tuple[float | None, ...]
    unit: str
    origin: str
    citation: str
    aliases: tuple[str, ...] = ()

    @property
    def quantiles_m(self) -> dict[float, float]:
        """Tabulated quantiles in metres, probability -> distance (missing values left out)."""
        scale = UNITS[self.unit]
        return {p: v * scale for p, v in zip(PROBABILITIES, self.values, strict=True) if v is not None}

    def matches(self, eco_region: str | None, terrain_class: str | None) -> bool:
        """Whether the row applies; ``*`` matches anything, a None (unknown) matches only ``*``."""
        return self.eco_region in ("*", eco_region) and self.terrain_class in ("*", terrain_class)


@dataclass(frozen=True)
class SubjectProfile:
    """Distance statistics of one kind of lost person in one kind of place.

    Attributes
    ----------
    category : str
        Canonical category name (:data:`FALLBACK_CATEGORY` for the fallback row).
    eco_region, terrain_class : str or None
        The eco-region and terrain class the row was chosen for (None: not known).
    quantiles_m : Mapping[float, float]
        Tabulated distance quantiles in metres (probability -> metres), read-only.
    row : DistanceRow
        The table row used, with its origin (file and line).
    citation : str
        Source to cite with any map made from this profile.
    requested : str
        The category name as it was asked for.
    fell_back : bool
        True when the category (or its eco-region/terrain combination) was not found and the
        fallback row was used.
    notes : tuple of str
        Caveats: fallback, extrapolated quantiles, inferred eco-region or terrain class.

    Notes
    -----
    Distances are straight-line (Euclidean) from the IPP to the find location, in metres.
    """

    category: str
    eco_region: str | None
    terrain_class: str | None
    quantiles_m: Mapping[float, float] = field(hash=False)
    row: DistanceRow
    citation: str
    requested: str
    fell_back: bool = False
    notes: tuple[str, ...] = ()

    @cached_property
    def distance(self) -> DistanceDistribution:
        """Distance distribution through the tabulated quantiles exactly (method ``"pchip"``)."""
        return DistanceDistribution(self.quantiles_m)

    def distribution(self, method: str = "pchip") -> DistanceDistribution:
        """Distance distribution with another fitting method (``"pchip"`` or ``"lognormal"``)."""
        return self.distance if method == "pchip" else DistanceDistribution(self.quantiles_m, method)


@cache
def koester_table() -> tuple[DistanceRow, ...]:
    """Every row of Koester's distance table, in file order (the last row is the fallback).

    Raises
    ------
    DataFileError
        If the bundled file is damaged (a broken installation).

    References
    ----------
    Koester, R. J. (2008). Lost Person Behavior. dbS Productions; ISRID.
    """
    text = resources.files("carpathia.subjects").joinpath("data", _TABLE).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != _COLUMNS:
        raise DataFileError(f"bundled {_TABLE} has columns {header}, expected {_COLUMNS}; reinstall carpathia")
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(_COLUMNS):
            raise DataFileError(f"bundled {_TABLE} line {line}: {len(cells)} fields, expected {len(_COLUMNS)}")
        cat, eco, ter, *vals = (c.strip() for c in cells)
        try:
            values = tuple(float(v) if v else None for v in vals)
        except ValueError:
            raise DataFileError(f"bundled {_TABLE} line {line}: a distance is not a number: {vals}") from None
        if any(v is None for v in values[:3]):
            raise DataFileError(f"bundled {_TABLE} line {line}: only p95 may be empty: {vals}")
        rows.append(DistanceRow(cat, eco, ter, values, "mi", f"{_TABLE}:{line}", KOESTER_CITATION))
    if not rows or (rows[-1].category, rows[-1].eco_region, rows[-1].terrain_class) != ("*", "*", "*"):
        raise DataFileError(f"bundled {_TABLE} must end with the fallback row '*,*,*'; reinstall carpathia")
    return tuple(rows)


def categories(extra: Iterable[SubjectProfile | DistanceRow] = ()) -> list[str]:
    """Canonical names of the known categories: Koester's in table order, then user ones.

    Parameters
    ----------
    extra
        User categories (from :func:`~carpathia.subjects.load_categories`); those that only add
        rows to a built-in category are not listed twice.
    """
    names: dict[tuple[str, ...], str] = {}
    for row in (*koester_table()[:-1], *_rows_of(extra)):
        names.setdefault(_names.name_key(row.category), row.category)
    return list(names.values())


def profile(
    category: str,
    *,
    eco_region: str | None = None,
    terrain_class: str | None = None,
    warn: bool = True,
    extra: Iterable[SubjectProfile | DistanceRow] = (),
) -> SubjectProfile:
    """The distance statistics of a subject category in an eco-region and terrain class.

    Parameters
    ----------
    category
        Subject category, matched forgivingly: case, spaces, hyphens, underscores and dashes,
        brackets, plurals and word order do not matter ("Child (7-9)", "child 7–9", "hikers",
        "nordic skier"); a child's age picks its band ("child 5"); the aliases in
        :data:`~carpathia.subjects.CATEGORY_ALIASES` are understood ("mushroom picker",
        "ATV", "fisherman" ...). "default", "unknown", "other" or "*" ask for the fallback row.
    eco_region
        ``"Temperate"``, ``"Dry"`` or ``"Urban"`` (case-insensitive), or None when not known.
    terrain_class
        ``"Mountainous"`` or ``"Flat"``, or None when not known.

        With None, only rows that hold for any value (``*``) match; for a hiker that is the
        table's general row (0.4/1.1/2.0/6.1 mi). :func:`~carpathia.subjects.profile_at`
        infers both from the terrain around the IPP.
    warn
        Issue a :class:`FallbackCategoryWarning` when the fallback row is used.
    extra
        User categories (from :func:`~carpathia.subjects.load_categories`); their rows are
        tried before the built-in ones, in their file order, and may add rows to a built-in
        category (e.g. a Temperate/Flat hiker row).

    Returns
    -------
    SubjectProfile
        From the first row, in table order, whose category, eco-region and terrain class match;
        an unknown category gets the table's last (fallback) row and ``fell_back=True``.

    Raises
    ------
    InputError
        A blank category; the message lists the known categories.
    UnknownNameError
        An eco-region or terrain class that the table does not use (e.g. "Polar").

    References
    ----------
    Koester, R. J. (2008). Lost Person Behavior. dbS Productions. Statistics from the
    International Search & Rescue Incident Database (ISRID).
    """
    if not isinstance(category, str):
        raise InputError(f"subject category must be a string, not {type(category).__name__}")
    key = _names.name_key(category)
    user_rows = _rows_of(extra)
    known = categories(user_rows)
    if not key:
        raise InputError(f"subject category is empty; known categories: {', '.join(known)}")
    eco = _names.eco_region_name(eco_region)
    ter = _names.terrain_class_name(terrain_class)
    table = koester_table()
    rows = (*user_rows, *table)
    notes: list[str] = []

    if key in _FALLBACK_WORDS:
        return _make(table[-1], category, eco, ter, fell_back=False, notes=notes)
    key = _resolve(key, user_rows)
    matching = [r for r in rows if _names.name_key(r.category) == key]
    for row in matching:
        if row.matches(eco, ter):
            return _make(row, category, eco, ter, fell_back=False, notes=notes, name=_canonical(key, table, row))
    if matching:
        why = (
            f"category {category!r} has no row for eco-region {eco or 'unknown'} and terrain {ter or 'unknown'}; "
            f"used Koester's fallback row"
        )
    else:
        close = _names.suggest(category, known)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        why = f"unknown subject category {category!r}; used Koester's fallback row.{hint} Known: {', '.join(known)}"
    if warn:
        warnings.warn(why, FallbackCategoryWarning, stacklevel=2)
    return _make(table[-1], category, eco, ter, fell_back=True, notes=[why])


def _rows_of(extra: Iterable[SubjectProfile | DistanceRow]) -> tuple[DistanceRow, ...]:
    if isinstance(extra, (SubjectProfile, DistanceRow)):
        extra = [extra]
    out = []
    for item in extra:
        if isinstance(item, SubjectProfile):
            out.append(item.row)
        elif isinstance(item, DistanceRow):
            out.append(item)
        else:
            raise InputError(f"extra categories must be SubjectProfile or DistanceRow objects, not {item!r}")
    return tuple(out)


def _resolve(key: tuple[str, ...], user_rows: tuple[DistanceRow, ...]) -> tuple[str, ...]:
    """Map a key through user aliases, built-in aliases and child ages to a category key."""
    if any(_names.name_key(r.category) == key for r in (*user_rows, *koester_table())):
        return key
    for row in user_rows:
        if any(_names.name_key(a) == key for a in row.aliases):
            return _names.name_key(row.category)
    for alias, target in _alias_keys().items():
        if alias == key:
            return _names.name_key(target)
    band = _names.child_band(key)
    return _names.name_key(band) if band else key


@cache
def _alias_keys() -> dict[tuple[str, ...], str]:
    return {_names.name_key(a): t for a, t in _names.CATEGORY_ALIASES.items()}


def _canonical(key: tuple[str, ...], table: tuple[DistanceRow, ...], row: DistanceRow) -> str:
    """The built-in spelling of a category when it has one, else the row's own."""
    for r in table:
        if _names.name_key(r.category) == key:
            return r.category
    return row.category


def _make(
    row: DistanceRow,
    requested: str,
    eco: str | None,
    ter: str | None,
    *,
    fell_back: bool,
    notes: list[str],
    name: str | None = None,
) -> SubjectProfile:
    q = row.quantiles_m
    missing = [f"{p:.0%}" for p in PROBABILITIES if p not in q]
    if missing:
        notes = [
            *notes,
            f"{row.origin} gives no {', '.join(missing)} distance; beyond the last tabulated quantile the "
            "distribution is extrapolated (lognormal tail through the last two quantiles)",
        ]
    category = name or (FALLBACK_CATEGORY if row.category == "*" else row.category)
    return SubjectProfile(
        category=category,
        eco_region=eco,
        terrain_class=ter,
        quantiles_m=MappingProxyType(q),
        row=row,
        citation=row.citation,
        requested=requested,
        fell_back=fell_back,
        notes=tuple(notes),
    )
