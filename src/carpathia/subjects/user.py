"""User-defined subject categories from a TOML file.

A team with its own statistics (a regional study, a category Koester does not list, such as
shepherds in the Carpathians) writes them as::

    [[category]]
    name = "shepherd"
    eco_region = "Temperate"        # optional: Temperate, Dry, Urban or "*" (default "*")
    terrain = "Mountainous"         # optional: Mountainous, Flat or "*" (default "*")
    p25_km = 1.2                    # distances at 25, 50, 75 and 95 %
    p50_km = 2.6
    p75_km = 4.9
    p95_km = 12.0
    aliases = ["cioban", "herder"]  # optional
    source = "Salvamont Maramureș case log 2015-2024"   # optional citation

    [[category]]
    name = "hiker"                  # adds a row to a built-in category
    eco_region = "Temperate"
    terrain = "Flat"
    unit = "mi"                     # bare p25 ... p95 need a unit: "km", "mi" or "m"
    p25 = 0.5
    p50 = 1.2
    p75 = 2.4
    p95 = 7.0

Entries are tried in file order, before Koester's rows, by
:func:`~carpathia.subjects.profile` (``extra=load_categories(path)``).
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

from carpathia.errors import DataFileError, FileNotFound, UnknownNameError

from . import _names
from .statistics import PROBABILITIES, UNITS, DistanceRow, SubjectProfile, _make

__all__ = ["load_categories"]

_QUANTILE_KEYS = ("p25", "p50", "p75", "p95")
_OPTIONAL = {"name", "eco_region", "terrain", "unit", "aliases", "source"}


def load_categories(path: str | os.PathLike) -> list[SubjectProfile]:
    """Read user-defined subject categories from a TOML file.

    Parameters
    ----------
    path
        A TOML file with one ``[[category]]`` table per row (format in the module docstring):
        ``name``, optional ``eco_region`` and ``terrain``, and the 25/50/75/95 % distances as
        ``p25_km`` ... (or ``_mi``, ``_m``), or as bare ``p25`` ... with ``unit``.

    Returns
    -------
    list of SubjectProfile
        One per entry, in file order; pass them to :func:`~carpathia.subjects.profile` as
        ``extra=``.

    Raises
    ------
    FileNotFound
        The file does not exist.
    DataFileError
        Not TOML, no ``[[category]]``, or an entry with a missing, unknown or bad field; the
        message names the file, the entry and the field.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFound(f"categories file {p} does not exist")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{p} is not a valid TOML file: {exc}") from None
    unknown = sorted(set(doc) - {"category"})
    if unknown:
        raise DataFileError(f"{p}: unknown top-level key(s) {', '.join(unknown)}; expected [[category]] tables")
    entries = doc.get("category")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise DataFileError(f"{p} defines no categories; write one [[category]] table per category")
    profiles = []
    for i, entry in enumerate(entries, start=1):
        row = _row(entry, f"{p.name}: [[category]] #{i}")
        eco = None if row.eco_region == "*" else row.eco_region
        ter = None if row.terrain_class == "*" else row.terrain_class
        profiles.append(_make(row, row.category, eco, ter, fell_back=False, notes=[]))
    return profiles


def _row(entry: dict, where: str) -> DistanceRow:
    name = entry.get("name")
    if not isinstance(name, str) or not _names.name_key(name):
        raise DataFileError(f"{where}: field 'name' is missing or blank")
    where = f"{where} ({name!r})"
    bad = sorted(k for k in entry if k not in _OPTIONAL and not _is_quantile_key(k))
    if bad:
        raise DataFileError(
            f"{where}: unknown field(s) {', '.join(bad)}; "
            "use name, eco_region, terrain, p25_km ... p95_km (or _mi, _m, or p25 ... with unit), aliases, source"
        )
    try:
        eco = _names.eco_region_name(_text(entry, "eco_region", where)) or "*"
        ter = _names.terrain_class_name(_text(entry, "terrain", where)) or "*"
    except UnknownNameError as exc:
        raise DataFileError(f"{where}: {exc}") from None
    values, unit = _quantiles(entry, where)
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and _names.name_key(a) for a in aliases):
        raise DataFileError(f"{where}: field 'aliases' must be a list of non-blank strings")
    source = entry.get("source", "user-defined")
    if not isinstance(source, str):
        raise DataFileError(f"{where}: field 'source' must be a string")
    return DistanceRow(name.strip(), eco, ter, values, unit, where, source, tuple(aliases))


def _is_quantile_key(k: str) -> bool:
    base, _, unit = k.partition("_")
    return base in _QUANTILE_KEYS and (unit == "" or unit in UNITS)


def _text(entry: dict, key: str, where: str) -> str | None:
    v = entry.get(key)
    if v is not None and not isinstance(v, str):
        raise DataFileError(f"{where}: field {key!r} must be a string, not {v!r}")
    return v


def _quantiles(entry: dict, where: str) -> tuple[tuple[float, ...], str]:
    suffixed = {k for k in entry if "_" in k and _is_quantile_key(k)}
    bare = {k for k in entry if k in _QUANTILE_KEYS}
    units = {k.partition("_")[2] for k in suffixed}
    if suffixed and (bare or "unit" in entry or len(units) > 1):
        raise DataFileError(f"{where}: give all distances in one unit, either p25_km ... or p25 ... with unit")
    if suffixed:
        (unit,) = units
        keys = [f"{b}_{unit}" for b in _QUANTILE_KEYS]
    else:
        unit = entry.get("unit")
        if unit is None:
            raise DataFileError(f"{where}: field 'p25_km' is missing (or give p25 ... p95 with unit = \"km\")")
        if unit not in UNITS:
            raise DataFileError(f"{where}: field 'unit' must be one of {', '.join(UNITS)}, not {unit!r}")
        keys = list(_QUANTILE_KEYS)
    values = []
    for key in keys:
        if key not in entry:
            raise DataFileError(f"{where}: field {key!r} is missing (distances at 25, 50, 75 and 95 % are needed)")
        v = entry[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise DataFileError(f"{where}: field {key!r} must be a positive number of {unit}, not {v!r}")
        values.append(float(v))
    for i in range(1, len(keys)):
        (k0, v0), (k1, v1) = (keys[i - 1], values[i - 1]), (keys[i], values[i])
        if v1 <= v0:
            raise DataFileError(
                f"{where}: field {k1!r} ({v1:g}) must be larger than {k0!r} ({v0:g}); "
                f"distances must increase from {PROBABILITIES[0]:.0%} to {PROBABILITIES[-1]:.0%}"
            )
    return tuple(values), unit
