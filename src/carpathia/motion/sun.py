"""Where the sun is: solar elevation from date, time and place (NOAA's solar calculator, after Meeus).

The motion model needs to know when it is dark at the incident's place and date; it computes it
rather than assuming a night length::

    from datetime import datetime, timezone
    from carpathia.motion.sun import solar_elevation
    solar_elevation(-71.30, 44.27, datetime(2024, 12, 21, 17, 0, tzinfo=timezone.utc))  # ≈ 22.2°

The equations are those of the NOAA Global Monitoring Laboratory's solar calculator spreadsheet
(NOAA_Solar_Calculations_day.xls), which implements the low-precision solar coordinates of Meeus
(1998): accurate to about 0.01° in declination and a few seconds in the equation of time for
dates between 1800 and 2100; plenty for day and night.

References
----------
Meeus, J. (1998). Astronomical Algorithms, 2nd ed. Willmann-Bell. Chapters 22, 25 (solar
coordinates, low accuracy) and 28 (equation of time).
NOAA Global Monitoring Laboratory, Solar Calculation Details,
https://gml.noaa.gov/grad/solcalc/calcdetails.html (spreadsheet NOAA_Solar_Calculations_day.xls).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from carpathia.errors import InputError

__all__ = ["SUNRISE_ELEVATION_DEG", "julian_day", "solar_elevation", "solar_position", "to_utc"]

#: Elevation of the sun's centre at sunrise and sunset, degrees: the upper limb on the horizon
#: with standard refraction (34′) and the solar semi-diameter (16′); NOAA and Meeus (ch. 15).
SUNRISE_ELEVATION_DEG = -0.833

_J2000 = 2451545.0
_UNIX_EPOCH_JD = 2440587.5


def to_utc(when: datetime) -> datetime:
    """A timezone-aware datetime in UTC; a naive one is taken to be UTC already."""
    if not isinstance(when, datetime):
        raise InputError(f"a time must be a datetime (ISO 8601, e.g. 2024-12-21T14:00+00:00), not {when!r}")
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def julian_day(when: datetime | np.ndarray) -> np.ndarray | float:
    """Julian day (UTC) of a datetime, or of an array of POSIX seconds."""
    if isinstance(when, datetime):
        return to_utc(when).timestamp() / 86400.0 + _UNIX_EPOCH_JD
    return np.asarray(when, dtype=np.float64) / 86400.0 + _UNIX_EPOCH_JD


def solar_position(jd) -> tuple[np.ndarray, np.ndarray]:
    """Solar declination (degrees) and equation of time (minutes) at Julian day(s) ``jd`` (UTC).

    NOAA's spreadsheet formulas (Meeus 1998, ch. 25 and 28): geometric mean longitude and
    anomaly, equation of centre, apparent longitude, corrected obliquity.
    """
    jc = (np.asarray(jd, dtype=np.float64) - _J2000) / 36525.0
    l0 = np.mod(280.46646 + jc * (36000.76983 + jc * 0.0003032), 360.0)
    m = 357.52911 + jc * (35999.05029 - 0.0001537 * jc)
    e = 0.016708634 - jc * (0.000042037 + 0.0000001267 * jc)
    mr = np.radians(m)
    c = (
        np.sin(mr) * (1.914602 - jc * (0.004817 + 0.000014 * jc))
        + np.sin(2 * mr) * (0.019993 - 0.000101 * jc)
        + np.sin(3 * mr) * 0.000289
    )
    omega = np.radians(125.04 - 1934.136 * jc)
    app_long = l0 + c - 0.00569 - 0.00478 * np.sin(omega)
    mean_obliq = 23.0 + (26.0 + (21.448 - jc * (46.815 + jc * (0.00059 - jc * 0.001813))) / 60.0) / 60.0
    obliq = np.radians(mean_obliq + 0.00256 * np.cos(omega))
    decl = np.degrees(np.arcsin(np.sin(obliq) * np.sin(np.radians(app_long))))
    y = np.tan(obliq / 2.0) ** 2
    l0r = np.radians(l0)
    eot = 4.0 * np.degrees(
        y * np.sin(2 * l0r)
        - 2 * e * np.sin(mr)
        + 4 * e * y * np.sin(mr) * np.cos(2 * l0r)
        - 0.5 * y * y * np.sin(4 * l0r)
        - 1.25 * e * e * np.sin(2 * mr)
    )
    return decl, eot


def solar_elevation(lon: float, lat: float, when) -> float | np.ndarray:
    """Geometric elevation of the sun's centre above the horizon, degrees (no refraction).

    Parameters
    ----------
    lon, lat
        Place, degrees (east and north positive).
    when
        A datetime (naive = UTC), or an array of POSIX seconds (UTC).

    Returns
    -------
    float or numpy.ndarray
        Degrees; below :data:`SUNRISE_ELEVATION_DEG` (−0.833°) the sun has set.

    Notes
    -----
    True solar time = UTC minutes + equation of time + 4 × longitude; hour angle = true solar
    time / 4 − 180°; cos(zenith) = sin φ sin δ + cos φ cos δ cos H (NOAA's spreadsheet).
    About 40 floating-point operations per time.
    """
    if not (-180.0 <= float(lon) <= 180.0 and -90.0 <= float(lat) <= 90.0):
        raise InputError(f"place {lat!r},{lon!r} is not LAT,LON in degrees")
    scalar = isinstance(when, datetime)
    secs = np.asarray(to_utc(when).timestamp() if scalar else when, dtype=np.float64)
    decl, eot = solar_position(julian_day(secs))
    minutes = np.mod(secs, 86400.0) / 60.0
    tst = np.mod(minutes + eot + 4.0 * float(lon), 1440.0)
    ha = np.radians(tst / 4.0 - 180.0)
    phi = np.radians(float(lat))
    d = np.radians(decl)
    cz = np.clip(np.sin(phi) * np.sin(d) + np.cos(phi) * np.cos(d) * np.cos(ha), -1.0, 1.0)
    elev = 90.0 - np.degrees(np.arccos(cz))
    return float(elev) if scalar or np.ndim(elev) == 0 else elev
