"""Weather input for the survival clock: hourly series, constants, presets, lapse rate.

A :class:`WeatherSeries` holds, for times in hours since the start of the exposure, the six
quantities the survival models use:

=================  ======  =================  ==============================================
field              unit    accepted range     note
=================  ======  =================  ==============================================
air_temp_c         °C      −90 to 60          required; Earth's records are −89.2 and 56.7
wind_kmh           km/h    0 to 410           required; at 10 m (record gust 408 km/h)
precip_mm_h        mm/h    0 to 500           default 0; water equivalent
snow_depth_m       m       0 to 15            default 0
cloud_fraction     —       0 to 1             default unknown (NaN)
water_temp_c       °C      −2 to 40           default unknown; sea water freezes at −1.9 °C
=================  ======  =================  ==============================================

Values outside these ranges are refused with :class:`~carpathia.errors.InputError` naming the
field and its range. Series come from CSV or JSON files (:func:`read_weather`), from constants
(:func:`constant_weather`) or from named presets (:data:`PRESETS`, :func:`weather_preset`).
Temperatures move with elevation by the standard lapse rate (:func:`lapse_rate_correct`,
:meth:`WeatherSeries.at_elevation`)::

    from carpathia.survival import weather_preset
    w = weather_preset("carpathian-blizzard").at_elevation(1500)
    w.at(0.0)["air_temp_c"]       # −11.75: 500 m lower than the preset's 2000 m

References
----------
ICAO (1993). Manual of the ICAO Standard Atmosphere, Doc 7488/3: 6.5 K/km below 11 km.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from carpathia.errors import DataFileError, FileNotFound, InputError, UnknownNameError

__all__ = [
    "FIELDS",
    "LAPSE_RATE_C_PER_KM",
    "PRESETS",
    "WeatherPreset",
    "WeatherSeries",
    "constant_weather",
    "lapse_rate_correct",
    "read_weather",
    "weather_preset",
]

#: Standard lapse rate of the ICAO standard atmosphere, °C per km of height.
LAPSE_RATE_C_PER_KM = 6.5

#: Fields of a weather record: name → (lowest, highest, unit, default; ``None`` = required).
FIELDS = MappingProxyType(
    {
        "air_temp_c": (-90.0, 60.0, "°C", None),
        "wind_kmh": (0.0, 410.0, "km/h", None),
        "precip_mm_h": (0.0, 500.0, "mm/h", 0.0),
        "snow_depth_m": (0.0, 15.0, "m", 0.0),
        "cloud_fraction": (0.0, 1.0, "(fraction)", math.nan),
        "water_temp_c": (-2.0, 40.0, "°C", math.nan),
    }
)
_TIME_COLUMNS = ("hour", "time")
_LABELS = {
    "air_temp_c": "air temperature",
    "wind_kmh": "wind at 10 m",
    "precip_mm_h": "precipitation",
    "snow_depth_m": "snow depth",
    "cloud_fraction": "cloud fraction",
    "water_temp_c": "water temperature",
}
_ELEVATION_RANGE = (-500.0, 9000.0)


def _value(raw: Any, name: str, where: str) -> float:
    lo, hi, unit, default = FIELDS[name]
    what = f"{_LABELS[name]} ({name}){where}"
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if default is None:
            raise InputError(f"{what} is missing; it is required ({unit}, {lo:g} to {hi:g})")
        return default
    try:
        v = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number of {unit}, not {raw!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"{what} must be from {lo:g} to {hi:g} {unit}, not {v:g}")
    return v


def _elevation(value: Any, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number of metres, not {value!r}") from None
    lo, hi = _ELEVATION_RANGE
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"{what} must be from {lo:g} to {hi:g} m, not {value!r}")
    return v


def lapse_rate_correct(
    air_temp_c, from_elevation_m: float, to_elevation_m: float, lapse_c_per_km: float = LAPSE_RATE_C_PER_KM
):
    """Move an air temperature from one elevation to another by a constant lapse rate.

    Parameters
    ----------
    air_temp_c
        Temperature at ``from_elevation_m``, °C (number or array).
    from_elevation_m, to_elevation_m
        Elevations of the station and of the place of interest, metres (−500 to 9000).
    lapse_c_per_km
        Cooling with height, °C per km; default 6.5 (ICAO standard atmosphere).

    Returns
    -------
    float or numpy.ndarray
        ``T − lapse · (to − from) / 1000``.

    Notes
    -----
    The standard rate is an average; inversions in valleys on clear winter nights can reverse
    it. Only air temperature is corrected: wind, precipitation and water temperature are kept.
    """
    z0 = _elevation(from_elevation_m, "station elevation")
    z1 = _elevation(to_elevation_m, "elevation")
    if not (math.isfinite(lapse_c_per_km) and 0.0 <= lapse_c_per_km <= 10.0):
        raise InputError(f"lapse rate must be 0 to 10 °C per km, not {lapse_c_per_km!r}")
    out = np.asarray(air_temp_c, dtype=float) - lapse_c_per_km * (z1 - z0) / 1000.0
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class WeatherSeries:
    """Weather at times since the start of the exposure, one array per field.

    Attributes
    ----------
    hours
        Times, hours, strictly increasing (float64, read-only).
    values
        Field name → array of the same length (see :data:`FIELDS`; NaN where unknown).
    station_elevation_m
        Elevation the temperatures belong to, metres, if known.
    source
        Where the series came from (file, preset or "constant").

    Notes
    -----
    Between records, values are interpolated linearly; before the first and after the last
    they are held. A one-record series is constant.
    """

    hours: np.ndarray
    values: Mapping[str, np.ndarray]
    station_elevation_m: float | None = None
    source: str = "constant"

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, Any]],
        *,
        station_elevation_m: float | None = None,
        source: str = "records",
    ) -> WeatherSeries:
        """Build a series from records (dicts with the fields and an ``hour`` or ``time`` key).

        Without ``hour``/``time`` keys the records are taken one hour apart from hour 0;
        ``time`` takes ISO 8601 timestamps, counted in hours from the first.
        """
        rows = list(records)
        if not rows:
            raise InputError(f"{source}: no weather records; give at least one")
        known = set(FIELDS) | set(_TIME_COLUMNS)
        for i, r in enumerate(rows):
            if not isinstance(r, Mapping):
                raise InputError(f"{source}: record {i + 1} is not a mapping of field names to values")
            extra = sorted(set(r) - known)
            if extra:
                names = ", ".join([*FIELDS, *_TIME_COLUMNS])
                raise InputError(f"{source}: unknown field {extra[0]!r} in record {i + 1}; known: {names}")
        hours = _times(rows, source)
        values = {}
        single = len(rows) == 1 and source == "constant"  # no "record 1" for a constant
        for name in FIELDS:
            col = [
                _value(r.get(name), name, "" if single else f" in {source} record {i + 1}") for i, r in enumerate(rows)
            ]
            values[name] = _readonly(np.asarray(col, dtype=float))
        z = None if station_elevation_m is None else _elevation(station_elevation_m, "station elevation")
        return cls(_readonly(hours), MappingProxyType(values), z, source)

    def __len__(self) -> int:
        return int(self.hours.shape[0])

    def interp(self, name: str, hours) -> np.ndarray:
        """Values of field ``name`` at the given hours (linear between records, held outside)."""
        if name not in FIELDS:
            raise UnknownNameError(f"unknown weather field {name!r}; known: {', '.join(FIELDS)}")
        return np.interp(np.asarray(hours, dtype=float), self.hours, self.values[name])

    def at(self, hour: float) -> dict[str, float]:
        """All fields at one time, as a dict."""
        return {name: float(self.interp(name, hour)) for name in FIELDS}

    def at_elevation(self, elevation_m: float, lapse_c_per_km: float = LAPSE_RATE_C_PER_KM) -> WeatherSeries:
        """The series with air temperature moved to ``elevation_m`` by the lapse rate."""
        if self.station_elevation_m is None:
            raise InputError(
                f"the weather ({self.source}) has no station elevation; give it (--station-elevation) "
                "to correct the temperature for elevation"
            )
        air = lapse_rate_correct(self.values["air_temp_c"], self.station_elevation_m, elevation_m, lapse_c_per_km)
        lo, hi, unit, _ = FIELDS["air_temp_c"]
        if np.any(air < lo) or np.any(air > hi):
            raise InputError(f"air temperature moved to {elevation_m:g} m leaves {lo:g} to {hi:g} {unit}")
        values = dict(self.values)
        values["air_temp_c"] = _readonly(np.atleast_1d(air).astype(float))
        z = _elevation(elevation_m, "elevation")
        return WeatherSeries(self.hours, MappingProxyType(values), z, f"{self.source} at {z:g} m")

    def records(self) -> list[dict[str, float | None]]:
        """The series as a list of JSON-friendly dicts (``None`` for unknown values)."""
        out = []
        for i, h in enumerate(self.hours):
            rec: dict[str, float | None] = {"hour": float(h)}
            for name in FIELDS:
                v = float(self.values[name][i])
                rec[name] = None if math.isnan(v) else v
            out.append(rec)
        return out


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _times(rows: list[Mapping[str, Any]], source: str) -> np.ndarray:
    has_hour = ["hour" in r for r in rows]
    has_time = ["time" in r for r in rows]
    if any(has_hour) and any(has_time):
        raise InputError(f"{source}: give either 'hour' or 'time' for the records, not both")
    if any(has_hour) or any(has_time):
        key = "hour" if any(has_hour) else "time"
        if not all(has_hour if key == "hour" else has_time):
            raise InputError(f"{source}: every record needs '{key}' when one has it")
        if key == "hour":
            hours = [_hour(r["hour"], i, source) for i, r in enumerate(rows)]
        else:
            stamps = [_stamp(r["time"], i, source) for i, r in enumerate(rows)]
            hours = [(s - stamps[0]).total_seconds() / 3600.0 for s in stamps]
    else:
        hours = [float(i) for i in range(len(rows))]
    arr = np.asarray(hours, dtype=float)
    if np.any(np.diff(arr) <= 0):
        i = int(np.flatnonzero(np.diff(arr) <= 0)[0])
        raise InputError(f"{source}: times must increase; record {i + 2} is not after record {i + 1}")
    return arr


def _hour(raw: Any, i: int, source: str) -> float:
    try:
        v = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{source}: hour of record {i + 1} must be a number, not {raw!r}") from None
    if not (math.isfinite(v) and 0.0 <= v <= 24.0 * 365):
        raise InputError(f"{source}: hour of record {i + 1} must be from 0 to 8760, not {raw!r}")
    return v


def _stamp(raw: Any, i: int, source: str) -> datetime:
    try:
        t = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        raise InputError(
            f"{source}: time of record {i + 1} must be ISO 8601 like 2024-01-15T06:00, not {raw!r}"
        ) from None
    return t


def read_weather(path: str | Path, *, station_elevation_m: float | None = None) -> WeatherSeries:
    """Read an hourly weather series from a CSV or JSON file.

    Parameters
    ----------
    path
        ``.csv``: a header row with field names (:data:`FIELDS`) and optionally ``hour`` or
        ``time``; lines starting with ``#`` are skipped. ``.json``: a list of records, or an
        object ``{"station_elevation_m": 1800, "records": [...]}``.
    station_elevation_m
        Elevation of the temperatures, metres (overrides the JSON's own).

    Returns
    -------
    WeatherSeries

    Raises
    ------
    FileNotFound
        The file does not exist.
    DataFileError
        The file is not CSV/JSON of that shape.
    InputError
        A value is missing, not a number or outside its physical range.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFound(f"{p}: no such weather file; check the path")
    suffix = p.suffix.lower()
    text = p.read_text(encoding="utf-8-sig")
    z = station_elevation_m
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(doc, Mapping):
            if "records" not in doc:
                raise DataFileError(f"{p}: a JSON object needs a 'records' list of weather records")
            z = doc.get("station_elevation_m") if z is None else z
            doc = doc["records"]
        if not isinstance(doc, list):
            raise DataFileError(f"{p}: JSON weather must be a list of records or an object with 'records'")
        return WeatherSeries.from_records(doc, station_elevation_m=z, source=p.name)
    if suffix == ".csv":
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines:
            raise DataFileError(f"{p}: empty CSV; it needs a header row and at least one record")
        reader = csv.DictReader(lines)
        if reader.fieldnames is None:
            raise DataFileError(f"{p}: no header row")
        rows = []
        for i, r in enumerate(reader):
            if None in r:  # DictReader files surplus cells under the key None
                raise DataFileError(f"{p}: record {i + 1} has more cells than the header")
            rows.append({k.strip(): v for k, v in r.items()})
        return WeatherSeries.from_records(rows, station_elevation_m=z, source=p.name)
    raise DataFileError(f"{p}: weather files must be .csv or .json, not {suffix or 'no suffix'}")


def constant_weather(
    air_temp_c: float,
    wind_kmh: float,
    *,
    precip_mm_h: float = 0.0,
    snow_depth_m: float = 0.0,
    cloud_fraction: float | None = None,
    water_temp_c: float | None = None,
    station_elevation_m: float | None = None,
) -> WeatherSeries:
    """A constant series (one record) from values, checked like any other."""
    rec = {
        "air_temp_c": air_temp_c,
        "wind_kmh": wind_kmh,
        "precip_mm_h": precip_mm_h,
        "snow_depth_m": snow_depth_m,
        "cloud_fraction": cloud_fraction,
        "water_temp_c": water_temp_c,
    }
    return WeatherSeries.from_records([rec], station_elevation_m=station_elevation_m, source="constant")


@dataclass(frozen=True)
class WeatherPreset:
    """A named constant weather: its values, station elevation (m) and where the numbers come from."""

    name: str
    values: Mapping[str, float]
    station_elevation_m: float
    description: str

    def series(self) -> WeatherSeries:
        """The preset as a one-record :class:`WeatherSeries`."""
        return WeatherSeries.from_records(
            [dict(self.values)], station_elevation_m=self.station_elevation_m, source=f"preset {self.name}"
        )


_PRESETS = (
    WeatherPreset(
        "carpathian-blizzard",
        MappingProxyType(
            {
                "air_temp_c": -15.0,
                "wind_kmh": 70.0,
                "precip_mm_h": 1.5,
                "snow_depth_m": 1.2,
                "cloud_fraction": 1.0,
                "water_temp_c": 0.5,
            }
        ),
        2000.0,
        "Illustrative: a winter storm on a Carpathian ridge near 2000 m (−15 °C, 70 km/h wind, snowing "
        "1.5 mm/h water equivalent on 1.2 m of snow, overcast, streams near freezing). Not a station "
        "record; chosen by carpathia to be a severe but ordinary winter day at that height.",
    ),
    WeatherPreset(
        "presidential-winter",
        MappingProxyType(
            {
                "air_temp_c": -18.0,
                "wind_kmh": 65.0,
                "precip_mm_h": 0.5,
                "snow_depth_m": 0.6,
                "cloud_fraction": 1.0,
                "water_temp_c": 0.5,
            }
        ),
        1917.0,
        "Illustrative: a winter day with blowing snow on the summit of Mt Washington (1917 m), of the "
        "order of the Mount Washington Observatory's January normals (mean temperature near −15 °C, mean "
        "wind near 70 km/h). Not a station record; chosen by carpathia.",
    ),
    WeatherPreset(
        "summer-night",
        MappingProxyType(
            {
                "air_temp_c": 6.0,
                "wind_kmh": 15.0,
                "precip_mm_h": 0.0,
                "snow_depth_m": 0.0,
                "cloud_fraction": 0.2,
                "water_temp_c": 10.0,
            }
        ),
        1800.0,
        "Illustrative: a clear summer night at about 1800 m (6 °C, light wind, dry, mountain streams at "
        "10 °C). Not a station record; chosen by carpathia.",
    ),
    WeatherPreset(
        "autumn-rain",
        MappingProxyType(
            {
                "air_temp_c": 3.0,
                "wind_kmh": 30.0,
                "precip_mm_h": 4.0,
                "snow_depth_m": 0.0,
                "cloud_fraction": 1.0,
                "water_temp_c": 6.0,
            }
        ),
        1200.0,
        "Illustrative: cold autumn rain at about 1200 m (3 °C, 30 km/h, 4 mm/h, overcast, rivers at 6 °C). "
        "Not a station record; chosen by carpathia.",
    ),
)
#: Named weather presets (illustrative, see each one's ``description``).
PRESETS = MappingProxyType({p.name: p for p in _PRESETS})


def weather_preset(name: str) -> WeatherSeries:
    """The named preset as a :class:`WeatherSeries` (see :data:`PRESETS`)."""
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    if key not in PRESETS:
        raise UnknownNameError(f"unknown weather preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[key].series()
