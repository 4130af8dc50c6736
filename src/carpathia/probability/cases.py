"""Real lost-person cases (IPP and find location) for evaluating probability maps.

Reads a CSV of cases in the layout of MapScore's case list (``case_in/input_unsorted.csv`` in
GitHub ``ctwardy/mapscore``; ``../shared/data/lost_person/mapscore_arizona_cases.csv`` here)::

    Case_Name,IPP Lat,IPP Lon,Find Lat,Find Lot,Watershed,SubjectCategory,Eco Region,Terrain,Distance
    Arizona01,31.33446668,-109.81855,31.41008333,-109.8383333,1,Hiker,Dry,Mountainous,5.392022246

Headers are matched forgivingly: case, spaces, underscores and hyphens do not matter, and a few
spellings are accepted (``Find Lot``, as in MapScore's file, or ``Find Lon``; ``Category`` for
``SubjectCategory``). The name, the four coordinates and the category column are required;
``Eco Region`` and ``Terrain`` are optional; other columns are ignored. In particular the file's
``Distance`` column is not used: it is not kilometres (for most rows it is 69 x the Euclidean
distance in degrees, roughly statute miles without the cos(latitude) factor); every case's
distance is recomputed on the WGS84 ellipsoid from its coordinates.

Rows that cannot be used are skipped and reported with their line number and the reason, never
raised: blank, non-numeric, NaN or infinite coordinates, latitudes outside [-90, 90] or longitudes
outside [-180, 180], (0, 0) (a common placeholder for "unknown"), a wrong number of fields, and
duplicates. **Duplicate rule:** a row is a duplicate of an earlier loaded row when it has the same
case name (ignoring case and surrounding spaces), or the same IPP and find coordinates to 1e-7
degrees (about 1 cm), whatever its other fields say. Two independent incidents do not share both
points to eight decimals; in MapScore's Arizona file such rows are re-entries of one incident,
sometimes with the watershed left blank, the terrain class flipped or "Youth" for "Child". The first
row is kept and the skip reason names it and any field that differs. ``drop_duplicates=False``
keeps them (for a file that lists group members as separate cases). A blank category is kept as
``None`` so that the evaluator can fall back to its default category; blank eco region and
terrain likewise. Fully blank lines are ignored and not counted as rows.

References
----------
Sava, E., Twardy, C., Koester, R. & Sonwalkar, M. (2016). Evaluating lost person behavior models.
Transactions in GIS 20(1): 38-53. doi:10.1111/tgis.12143
Koester, R. J. (2008). Lost Person Behavior. dbS Productions (ISRID, the source of the cases).
Karney, C. F. F. (2013). Algorithms for geodesics. Journal of Geodesy 87: 43-55 (pyproj.Geod).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from os import PathLike
from pathlib import Path

from pyproj import Geod

from ..errors import DataFileError, FileNotFound

__all__ = ["Case", "Skipped", "load_cases"]


@dataclass(frozen=True, slots=True)
class Case:
    """One real case: where the subject was last seen (IPP) and where they were found.

    Attributes
    ----------
    name : str
        Case name from the file (``"row N"`` when the file leaves it blank).
    ipp_lon, ipp_lat, find_lon, find_lat : float
        WGS84 degrees.
    category : str or None
        Subject category as written (whitespace tidied), None when blank.
    eco_region, terrain : str or None
        As written, None when blank or when the file has no such column.
    distance_m : float
        Geodesic IPP-to-find distance on the WGS84 ellipsoid, metres (recomputed, never read).
    source_row : int
        Line number of the row in the file (the header is line 1).
    """

    name: str
    ipp_lon: float
    ipp_lat: float
    find_lon: float
    find_lat: float
    category: str | None
    eco_region: str | None
    terrain: str | None
    distance_m: float
    source_row: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row that was not loaded: its line number, case name (may be empty) and why."""

    row: int
    name: str
    reason: str


# field -> (name shown in messages, accepted headers after _norm)
_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Case_Name", ("casename", "name", "case", "caseid")),
    "ipp_lat": ("IPP Lat", ("ipplat", "ipplatitude")),
    "ipp_lon": ("IPP Lon", ("ipplon", "ipplong", "ipplng", "ipplongitude")),
    "find_lat": ("Find Lat", ("findlat", "findlatitude")),
    "find_lon": ("Find Lon", ("findlon", "findlot", "findlong", "findlng", "findlongitude")),
    "category": ("SubjectCategory", ("subjectcategory", "category", "subject", "subjectcat")),
    "eco_region": ("Eco Region", ("ecoregion", "ecoregiondomain")),
    "terrain": ("Terrain", ("terrain", "terraintype")),
}
_REQUIRED = ("name", "ipp_lat", "ipp_lon", "find_lat", "find_lon", "category")
_COORDS = (("ipp_lat", 90.0), ("ipp_lon", 180.0), ("find_lat", 90.0), ("find_lon", 180.0))
_DUP_DECIMALS = 7  # coordinates equal to 1e-7 degrees (about 1 cm) are the same point


@cache
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


def _text(value: str) -> str | None:
    tidy = " ".join(value.split())
    return tidy or None


def _column_map(header: list[str], path: Path) -> dict[str, int]:
    """Map each known field to its column index; refuse missing required or ambiguous columns."""
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        key = _norm(h)
        for field, (shown, aliases) in _COLUMNS.items():
            if key in aliases:
                if field in found:
                    raise DataFileError(
                        f"{path}: two columns mean {shown!r} ({header[found[field]]!r} and {h!r}); keep one"
                    )
                found[field] = i
    missing = [_COLUMNS[f][0] for f in _REQUIRED if f not in found]
    if missing:
        raise DataFileError(
            f"{path}: missing column(s) {', '.join(missing)}; the header has {', '.join(map(repr, header))}. "
            "A case file needs Case_Name, IPP Lat, IPP Lon, Find Lat, Find Lon (or Find Lot) and SubjectCategory."
        )
    return found


def _coordinate(raw: str, shown: str, limit: float) -> tuple[float | None, str | None]:
    """Parse one coordinate; return (value, None) or (None, reason)."""
    text = raw.strip()
    if not text:
        return None, f"{shown} is blank"
    try:
        value = float(text)
    except ValueError:
        return None, f"{shown} {text!r} is not a number"
    if not math.isfinite(value):
        return None, f"{shown} is {text!r}, not a finite number"
    if abs(value) > limit:
        return None, f"{shown} {value:g} is out of range [-{limit:g}, {limit:g}]"
    return value, None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Return (line number, fields) for every non-blank row, header first."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV") from exc
    except IsADirectoryError as exc:
        raise DataFileError(f"{path} is a folder; give the CSV file of cases") from exc
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    lines = text.splitlines(keepends=True)
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise DataFileError(f"{path} is empty; a case file needs a header row and one row per case")
    reader = csv.reader(lines, delimiter=_delimiter(first), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                rows.append((reader.line_num, fields))
    except csv.Error as exc:
        raise DataFileError(f"{path}, line {reader.line_num}: broken CSV ({exc}); check the quotes") from exc
    return rows


def load_cases(path: str | PathLike[str], *, drop_duplicates: bool = True) -> tuple[list[Case], list[Skipped]]:
    """Read a CSV of real cases; return the usable cases and the skipped rows with reasons.

    Parameters
    ----------
    path : str or path-like
        CSV file in MapScore's case layout (see the module docstring for columns and rules).
    drop_duplicates : bool
        Skip rows that repeat an earlier case's name or its IPP and find coordinates (default).

    Returns
    -------
    cases : list of Case
        In file order; ``distance_m`` recomputed geodesically (WGS84).
    skipped : list of Skipped
        Every data row not loaded, in file order, with a reason. ``len(cases) + len(skipped)`` is the
        number of non-blank data rows.

    Raises
    ------
    FileNotFound
        The path does not exist.
    DataFileError
        The file is empty, has no data rows, is not UTF-8 text, has broken quoting, or lacks a
        required column (the message names the missing ones).

    Notes
    -----
    The file is read whole (case files are small: 131 rows in MapScore's Arizona set); one geodesic
    inverse per case.

    References
    ----------
    Sava, Twardy, Koester & Sonwalkar (2016), Transactions in GIS 20(1):38-53, doi:10.1111/tgis.12143.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFound(f"case file {p} does not exist")
    rows = _read_rows(p)
    (_, header), data = rows[0], rows[1:]
    cols = _column_map(header, p)
    if not data:
        raise DataFileError(f"{p} has a header but no case rows")
    cases: list[Case] = []
    skipped: list[Skipped] = []
    by_name: dict[str, Case] = {}
    by_points: dict[tuple[float, ...], Case] = {}
    for line, fields in data:
        name = fields[cols["name"]].strip() if cols["name"] < len(fields) else ""
        if len(fields) < len(header) or any(f.strip() for f in fields[len(header) :]):
            reason = f"the row has {len(fields)} fields where the header has {len(header)}"
            skipped.append(Skipped(line, name, reason))
            continue
        name = name or f"row {line}"
        values: dict[str, float] = {}
        problems: list[str] = []
        for field, limit in _COORDS:
            value, problem = _coordinate(fields[cols[field]], _COLUMNS[field][0], limit)
            if value is None:
                problems.append(str(problem))
            else:
                values[field] = value
        for end in ("ipp", "find"):
            if not problems and values[f"{end}_lat"] == 0.0 and values[f"{end}_lon"] == 0.0:
                problems.append(f"{end.upper() if end == 'ipp' else 'find'} at (0, 0), a placeholder for unknown")
        if problems:
            skipped.append(Skipped(line, name, "; ".join(problems)))
            continue
        optional = {f: (_text(fields[cols[f]]) if f in cols else None) for f in ("category", "eco_region", "terrain")}
        points = tuple(round(values[f], _DUP_DECIMALS) for f, _ in _COORDS)
        if drop_duplicates:
            first = by_name.get(name.casefold())
            if first is not None:
                skipped.append(Skipped(line, name, f"duplicate of row {first.source_row}: the same case name"))
                continue
            first = by_points.get(points)
            if first is not None:
                differs = [
                    f"{_COLUMNS[f][0]} {optional[f]!r} here, {getattr(first, f)!r} kept"
                    for f in ("category", "eco_region", "terrain")
                    if optional[f] != getattr(first, f)
                ]
                reason = f"duplicate of {first.name} (row {first.source_row}): the same IPP and find coordinates"
                skipped.append(Skipped(line, name, reason + (f" ({'; '.join(differs)})" if differs else "")))
                continue
        _, _, dist = _geod().inv(values["ipp_lon"], values["ipp_lat"], values["find_lon"], values["find_lat"])
        case = Case(
            name=name,
            ipp_lon=values["ipp_lon"],
            ipp_lat=values["ipp_lat"],
            find_lon=values["find_lon"],
            find_lat=values["find_lat"],
            distance_m=float(dist),
            source_row=line,
            **optional,
        )
        cases.append(case)
        by_name.setdefault(name.casefold(), case)
        by_points.setdefault(points, case)
    return cases, skipped
