"""Search resource types: sweep widths by land cover and subject, speed, team size, endurance.

Defaults come from ``data/resources.toml``, where every number has its source or is marked as
carpathia's assumption (``data/SOURCES.md``). A team's own TOML file overrides any field, in
the same layout::

    [resources.grid-team]
    speed_m_s = 0.25                                   # only this field changes
    sweep_width_m.unresponsive = { forest = 150.0 }    # and one width

    [resources.ski-patrol]                             # a new type gives every field
    name = "Ski patrol"
    kind = "ground"                                    # "ground" or "air"
    team_size = 2
    speed_m_s = 1.5
    endurance_h = 8.0
    source = "our 2023 detection experiment"
    sweep_width_m.unresponsive = { unknown = 40.0, open = 120.0, forest = 40.0, urban = 40.0, water = 0.0 }
    sweep_width_m.responsive = { unknown = 300.0, open = 300.0, forest = 300.0, urban = 100.0, water = 0.0 }

Sweep widths are per **team**: the width of the corridor the whole team sweeps along its one GPS
track. For a line of searchers abreast it is the sum of their own widths.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources as _pkg
from pathlib import Path
from typing import Any

import numpy as np

from carpathia.errors import DataFileError, FileNotFound, InputError, UnknownNameError

__all__ = [
    "LANDCOVER_CLASSES",
    "SUBJECTS",
    "Resource",
    "default_resources",
    "get_resource",
    "load_resources",
    "sweep_width_from_range",
]

#: Land-cover classes, in the order of the codes of :mod:`carpathia.terrain.landcover` (0..4).
LANDCOVER_CLASSES = ("unknown", "open", "forest", "urban", "water")
#: Subject states with their own sweep widths.
SUBJECTS = ("responsive", "unresponsive")
_KINDS = ("ground", "air")
_FIELDS = ("name", "kind", "team_size", "speed_m_s", "endurance_h", "source", "sweep_width_m")
_KEY = re.compile(r"^[a-z][a-z0-9-]*$")
#: Koester et al. (2014): W ≈ factor × Rd, by visibility class of the search object.
_RD_FACTORS = {None: 1.645, "high": 1.8, "medium": 1.6, "low": 1.1}


@dataclass(frozen=True)
class Resource:
    """A type of search resource (hasty team, grid team, dog team, drone, helicopter ...).

    Attributes
    ----------
    key
        Short identifier, lowercase with hyphens (``"grid-team"``).
    name
        Name for people (``"Grid team"``).
    kind
        ``"ground"`` or ``"air"``.
    team_size
        People in the team (paperwork; the width already counts the lanes).
    speed_m_s
        Search speed on flat open ground, m/s (ground) or ground speed (air).
    endurance_h
        Hours the team can search in one operational period.
    unresponsive_m, responsive_m
        Team sweep widths in metres for each class of :data:`LANDCOVER_CLASSES`.
    source
        Where the numbers come from.
    """

    key: str
    name: str
    kind: str
    team_size: int
    speed_m_s: float
    endurance_h: float
    unresponsive_m: tuple[float, ...]
    responsive_m: tuple[float, ...]
    source: str = ""

    def __post_init__(self) -> None:
        _check_resource(self, where=f"resource {self.key!r}", error=InputError)

    def sweep_width(self, subject: str = "unresponsive", landcover=None) -> np.ndarray | float:
        """Team sweep width (m) for ``subject``.

        ``landcover`` is ``None`` (the whole table, one value per class, as an array), a class
        code 0..4 (a float) or an array of codes (an array of widths of the same shape).
        """
        table = np.asarray(self.responsive_m if _subject(subject) == "responsive" else self.unresponsive_m, float)
        if landcover is None:
            return table.copy()
        codes = np.asarray(landcover)
        if codes.size and (not np.issubdtype(codes.dtype, np.integer) or codes.min() < 0 or codes.max() > 4):
            raise InputError(f"land-cover codes must be integers 0..4 ({', '.join(LANDCOVER_CLASSES)})")
        out = table[codes]
        return float(out) if out.ndim == 0 else out

    def sweep_rate(self, subject: str = "unresponsive", landcover=None) -> np.ndarray | float:
        """Swept area per second, W × speed (m²/s), for ``subject`` in ``landcover``."""
        return self.sweep_width(subject, landcover) * self.speed_m_s

    def replace(self, **changes: Any) -> Resource:
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)


def _subject(subject: str) -> str:
    if subject not in SUBJECTS:
        raise InputError(f"subject must be 'responsive' or 'unresponsive', not {subject!r}")
    return subject


def _check_resource(r: Resource, *, where: str, error: type[Exception]) -> None:
    if not isinstance(r.key, str) or not _KEY.match(r.key):
        raise error(f"{where}: a resource key is lowercase letters, digits and hyphens, like 'grid-team'")
    if r.kind not in _KINDS:
        raise error(f"{where}: kind must be 'ground' or 'air', not {r.kind!r}")
    if isinstance(r.team_size, bool) or not isinstance(r.team_size, int) or r.team_size < 1:
        raise error(f"{where}: team_size must be a whole number of people, 1 or more, not {r.team_size!r}")
    for field, value in (("speed_m_s", r.speed_m_s), ("endurance_h", r.endurance_h)):
        if not _number(value) or not value > 0:
            raise error(f"{where}: {field} must be a positive number, not {value!r}")
    for subject, table in (("unresponsive", r.unresponsive_m), ("responsive", r.responsive_m)):
        if len(table) != len(LANDCOVER_CLASSES):
            raise error(f"{where}: give a {subject} sweep width for each of {', '.join(LANDCOVER_CLASSES)}")
        for cls, v in zip(LANDCOVER_CLASSES, table, strict=True):
            if not _number(v) or v < 0:
                raise error(f"{where}: sweep_width_m.{subject}.{cls} must be a number ≥ 0 (metres), not {v!r}")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def sweep_width_from_range(detection_range_m, visibility: str | None = None):
    """Effective sweep width from the average maximum detection range Rd (Koester et al. 2014).

    ``W = 1.645 × Rd`` on average; with a ``visibility`` class of the search object, the
    field factors 1.8 (``"high"``), 1.6 (``"medium"``) or 1.1 (``"low"``).

    References
    ----------
    Koester, R. J. et al. (2014). Use of the visual range of detection to estimate effective sweep
    width for land search and rescue based on 10 detection experiments in North America.
    Wilderness & Environmental Medicine 25(2), doi 10.1016/j.wem.2013.09.016.
    """
    if visibility not in _RD_FACTORS:
        raise InputError(f"visibility must be 'high', 'medium', 'low' or None, not {visibility!r}")
    rd = np.asarray(detection_range_m, float)
    if not np.isfinite(rd).all() or (rd < 0).any():
        raise InputError("detection ranges must be finite and ≥ 0 metres")
    w = _RD_FACTORS[visibility] * rd
    return float(w) if w.ndim == 0 else w


# ---------------------------------------------------------------------- loading
@functools.cache
def _defaults() -> tuple[Resource, ...]:
    text = _pkg.files("carpathia.search").joinpath("data/resources.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    where = "built-in resources.toml"
    return tuple(_build(key, entry, base=None, where=where) for key, entry in raw["resources"].items())


def default_resources() -> dict[str, Resource]:
    """The built-in resource types, by key (see ``data/SOURCES.md`` for every number)."""
    return {r.key: r for r in _defaults()}


def load_resources(path: str | os.PathLike | None = None) -> dict[str, Resource]:
    """The built-in resource types overridden and extended by a user TOML file.

    Parameters
    ----------
    path
        A TOML file with ``[resources.<key>]`` tables (layout in the module docstring), or
        ``None`` for the defaults. A table for a built-in key changes only the fields it gives;
        a new key must give every field. Other top-level tables are ignored, so the resources
        can live in a scenario file.

    Raises
    ------
    FileNotFound
        The path does not exist.
    DataFileError
        Not TOML, no ``[resources.*]`` table, an unknown field, or a value out of range. The
        message names the file, the table and the field.
    """
    out = default_resources()
    if path is None:
        return out
    p = Path(path)
    if not p.exists():
        raise FileNotFound(f"{p}: no such file; check the path")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{p} is not valid TOML ({exc})") from exc
    tables = raw.get("resources")
    if not isinstance(tables, dict) or not tables:
        raise DataFileError(f"{p} has no [resources.<key>] table; write e.g. [resources.grid-team]")
    for key, entry in tables.items():
        where = f"{p} [resources.{key}]"
        if not isinstance(entry, dict):
            raise DataFileError(f"{where} must be a table of fields")
        out[key] = _build(key, entry, base=out.get(key), where=where)
    return out


def get_resource(key: str, resources: Mapping[str, Resource] | None = None) -> Resource:
    """The resource type ``key`` from ``resources`` (default: the built-in ones)."""
    table = default_resources() if resources is None else resources
    if key not in table:
        raise UnknownNameError(f"unknown resource {key!r}; known: {', '.join(sorted(table))}")
    return table[key]


def _build(key: str, entry: dict, *, base: Resource | None, where: str) -> Resource:
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise DataFileError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(_FIELDS)}")
    if base is None:
        missing = [f for f in _FIELDS if f not in entry and f != "source"]
        if missing:
            raise DataFileError(f"{where}: a new resource type needs {', '.join(missing)}")
    widths = entry.get("sweep_width_m", {})
    if not isinstance(widths, dict):
        raise DataFileError(f"{where}: sweep_width_m must be a table with 'responsive' and 'unresponsive'")
    bad = sorted(set(widths) - set(SUBJECTS))
    if bad:
        raise DataFileError(f"{where}: sweep_width_m has {', '.join(bad)}; use 'responsive' and 'unresponsive'")
    tables = {}
    for subject in SUBJECTS:
        given = widths.get(subject, {})
        if not isinstance(given, dict):
            raise DataFileError(f"{where}: sweep_width_m.{subject} must be a table of widths by land cover")
        bad = sorted(set(given) - set(LANDCOVER_CLASSES))
        if bad:
            raise DataFileError(
                f"{where}: sweep_width_m.{subject} has unknown class(es) {', '.join(bad)}; "
                f"classes are {', '.join(LANDCOVER_CLASSES)}"
            )
        old = getattr(base, f"{subject}_m") if base is not None else None
        if old is None and set(given) != set(LANDCOVER_CLASSES):
            missing = [c for c in LANDCOVER_CLASSES if c not in given]
            raise DataFileError(f"{where}: sweep_width_m.{subject} lacks {', '.join(missing)}")
        values = (given.get(c, old[i] if old else None) for i, c in enumerate(LANDCOVER_CLASSES))
        tables[subject] = tuple(float(v) if _number(v) else v for v in values)
    fields = {f: entry[f] for f in ("name", "kind", "team_size", "speed_m_s", "endurance_h", "source") if f in entry}
    if isinstance(fields.get("team_size"), float) and float(fields["team_size"]).is_integer():
        fields["team_size"] = int(fields["team_size"])
    try:
        if base is None:
            r = Resource(
                key=key,
                unresponsive_m=tables["unresponsive"],
                responsive_m=tables["responsive"],
                **{"source": "", **fields},
            )
        else:
            r = dataclasses.replace(
                base, unresponsive_m=tables["unresponsive"], responsive_m=tables["responsive"], **fields
            )
    except InputError as exc:
        raise DataFileError(f"{where}: {str(exc).split(': ', 1)[-1]}") from exc
    if not isinstance(r.name, str) or not r.name.strip():
        raise DataFileError(f"{where}: name must be a non-empty string")
    if not isinstance(r.source, str):
        raise DataFileError(f"{where}: source must be a string")
    return r
