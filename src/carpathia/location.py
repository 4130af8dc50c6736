"""Location reports: where a phone, a relative, a cell sector or a beacon says the subject was.

A :class:`LocationReport` is one fix: a point (WGS 84), when it was taken, how far off it may be
(a radius at a stated confidence, an ellipse, or a cell sector: site, azimuth, beam width,
range), the battery, the notes and a verification status. :func:`parse_aml` reads Advanced
Mobile Location messages (ETSI TS 103 625) in their SMS form
(``A"ML=1;lt=+54.76397;lg=-0.18305;rd=50;top=20130717141935;lc=90;pm=W;...;ml=128``, version 1,
and the version-2 form ``A"ML=2;...;lo=lat,lon,acc;...``) and in their HTTPS form
(``v=1&location_latitude=...&location_accuracy=...&location_source=GPS&location_certainty=83``).

The accuracy of a phone fix is a radius *at a confidence*: AML carries it (``lc``, percent);
Android's ``Location.getAccuracy`` is the 68 % radius; the W3C Geolocation API's ``accuracy`` is
the 95 % radius. :func:`sigma_from_radius` turns any of them into the standard deviation of a
circular normal error (a Rayleigh radial distribution), which the maps use.

Notes
-----
Pure Python over the standard library and :mod:`carpathia.coords`; no I/O except
:func:`read_aml_file`.

References
----------
ETSI TS 103 625 V1.1.1 (2019-12), *Emergency Communications (EMTEL); Transporting Handset
Location to PSAPs for Emergency Calls - Advanced Mobile Location*, clauses 5 (SMS) and 6 (HTTPS).
W3C Geolocation API (2022), ``GeolocationCoordinates.accuracy``: "the accuracy level of the
latitude and longitude coordinates in meters (e.g., 65 meters) ... with a 95 % confidence level".
Android ``android.location.Location#getAccuracy``: "the radius of 68% confidence".
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

from carpathia.errors import DataFileError, FileNotFound, InputError

__all__ = [
    "AML_METHODS",
    "ANDROID_CONFIDENCE",
    "MOVE_SIGNIFICANCE",
    "SOURCES",
    "VERIFICATION",
    "W3C_CONFIDENCE",
    "CellSector",
    "LocationReport",
    "direction_of_travel",
    "parse_aml",
    "read_aml_file",
    "report_area",
    "sigma_from_radius",
]

#: Where a report comes from (issue 15): the AML/112 handset fix, the team's locate-me link, a
#: pin shared in a messenger, a relative's word, a cell sector from the operator, a police trace,
#: a PLB or satellite messenger, something said on the radio or phone.
SOURCES = ("aml", "locate-me", "shared-pin", "relative", "cell-sector", "police-trace", "plb", "verbal")

#: How far the team trusts a report.
VERIFICATION = ("confirmed", "plausible", "unverified", "refuted")

#: AML positioning methods (``pm`` in SMS v1, ``ls`` in v2, ``location_source`` over HTTPS).
AML_METHODS = {"G": "gnss", "W": "wifi", "C": "cell", "N": "none", "U": "unknown", "F": "fused", "H": "hybrid"}
_HTTPS_METHODS = {"GPS": "gnss", "GNSS": "gnss", "WIFI": "wifi", "CELL": "cell", "HYBRID": "hybrid",
                  "FUSED": "fused", "NETWORK": "cell", "UNKNOWN": "unknown"}

#: Confidence of the W3C Geolocation API's ``accuracy`` radius (the locate-me page), fraction.
W3C_CONFIDENCE = 0.95
#: Confidence of Android's ``Location.getAccuracy`` radius (phones' shared pins), fraction.
ANDROID_CONFIDENCE = 0.68


def sigma_from_radius(radius_m: float, confidence: float) -> float:
    """Standard deviation (m, per axis) of a circular normal error whose ``confidence`` circle
    has radius ``radius_m``: P(r <= R) = 1 - exp(-R^2 / 2 sigma^2) (Rayleigh), so
    sigma = R / sqrt(-2 ln(1 - confidence)). 68 % -> R / 1.51; 95 % -> R / 2.45."""
    if not (radius_m >= 0 and math.isfinite(radius_m)):
        raise InputError(f"accuracy radius {radius_m!r} must be a number of metres >= 0")
    if not 0 < confidence < 1:
        raise InputError(f"confidence {confidence!r} must be between 0 and 1 (a fraction)")
    return radius_m / math.sqrt(-2.0 * math.log(1.0 - confidence))


@dataclass(frozen=True)
class CellSector:
    """A serving cell's sector: the site, the direction it faces, its width and its reach."""

    site_lon: float
    site_lat: float
    azimuth_deg: float  #: centre of the beam, degrees clockwise from true north
    beam_width_deg: float  #: full width of the sector (typically 60-120 for a 3-sector site)
    range_m: float  #: outer radius (timing advance or the operator's estimate)
    min_range_m: float = 0.0  #: inner radius (a timing-advance band), 0 for a full wedge

    def __post_init__(self):
        for name in ("site_lon", "site_lat", "azimuth_deg", "beam_width_deg", "range_m", "min_range_m"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not math.isfinite(v):
                raise InputError(f"cell sector {name} must be a number, not {v!r}")
        if not (-90 <= self.site_lat <= 90 and -180 <= self.site_lon <= 180):
            raise InputError("cell sector site is off the globe")
        if not 0 < self.beam_width_deg <= 360:
            raise InputError(f"beam width {self.beam_width_deg:g} deg must be in (0, 360]")
        if not 0 <= self.min_range_m < self.range_m <= 100_000:
            raise InputError(f"sector range must satisfy 0 <= min {self.min_range_m:g} < range {self.range_m:g} "
                             "<= 100000 m")
        object.__setattr__(self, "azimuth_deg", float(self.azimuth_deg) % 360.0)


@dataclass(frozen=True)
class LocationReport:
    """One location report on an incident.

    Attributes
    ----------
    lon, lat : float
        WGS 84 degrees. For a cell sector, the site.
    time : datetime
        When the fix was taken (timezone-aware).
    source : str
        One of :data:`SOURCES`.
    accuracy_m : float or None
        Radius (m) of the ``confidence`` circle; None when unknown.
    confidence : float
        Probability that the subject's phone lies within ``accuracy_m`` (fraction).
    ellipse : tuple (semi_major_m, semi_minor_m, orientation_deg) or None
        An error ellipse at ``confidence`` instead of a circle (orientation of the major axis,
        degrees clockwise from north).
    sector : CellSector or None
        For ``cell-sector`` reports.
    method : str or None
        Positioning method: gnss, wifi, cell, hybrid, fused, none, unknown.
    battery_pct, altitude_m : float or None
    verification : str
        One of :data:`VERIFICATION`.
    notes, raw : str
        Free text; the message the report was read from.
    extra : dict
        Fields of the message carpathia does not model (IMEI, IMSI, network codes ...).
    """

    lon: float
    lat: float
    time: datetime
    source: str = "verbal"
    accuracy_m: float | None = None
    confidence: float = ANDROID_CONFIDENCE
    ellipse: tuple[float, float, float] | None = None
    sector: CellSector | None = None
    method: str | None = None
    battery_pct: float | None = None
    altitude_m: float | None = None
    verification: str = "unverified"
    notes: str = ""
    raw: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not (isinstance(self.lat, int | float) and isinstance(self.lon, int | float)
                and -90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise InputError(f"report position {self.lat!r},{self.lon!r} is off the globe")
        if not isinstance(self.time, datetime) or self.time.tzinfo is None:
            raise InputError("a report's time needs a timezone (ISO 8601 with offset, e.g. 2026-01-13T15:30+02:00)")
        if self.source not in SOURCES:
            raise InputError(f"report source {self.source!r}: choose one of {', '.join(SOURCES)}")
        if self.verification not in VERIFICATION:
            raise InputError(f"verification {self.verification!r}: choose one of {', '.join(VERIFICATION)}")
        if self.accuracy_m is not None and not (math.isfinite(self.accuracy_m) and 0 <= self.accuracy_m <= 1e6):
            raise InputError(f"accuracy {self.accuracy_m!r} m must be between 0 and 1000000")
        if not 0 < self.confidence < 1:
            raise InputError(f"confidence {self.confidence!r} must be between 0 and 1 (exclusive)")
        if self.ellipse is not None:
            a, b, _ = self.ellipse
            if not (0 < b <= a <= 1e6):
                raise InputError("an error ellipse needs 0 < semi-minor <= semi-major <= 1000000 m")
        if self.source == "cell-sector" and self.sector is None:
            raise InputError("a cell-sector report needs the sector (site, azimuth, beam width, range)")
        if self.battery_pct is not None and not 0 <= self.battery_pct <= 100:
            raise InputError(f"battery {self.battery_pct!r} % must be between 0 and 100")

    @property
    def sigma_m(self) -> float | None:
        """Per-axis standard deviation of the fix (m) from its radius and confidence; for an
        ellipse, the geometric mean of its axes; None when the accuracy is unknown."""
        if self.ellipse is not None:
            a, b, _ = self.ellipse
            return sigma_from_radius(math.sqrt(a * b), self.confidence)
        if self.accuracy_m is None:
            return None
        return sigma_from_radius(self.accuracy_m, self.confidence)

    def with_(self, **kw) -> LocationReport:
        return replace(self, **kw)

    def to_dict(self) -> dict:
        """Plain JSON values (the time as ISO 8601); :meth:`from_dict` reads it back."""
        d = asdict(self)
        d["time"] = self.time.isoformat()
        if self.ellipse is not None:
            d["ellipse"] = list(self.ellipse)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> LocationReport:
        """The report of :meth:`to_dict` (unknown keys refused)."""
        if not isinstance(d, dict):
            raise InputError("a location report must be a JSON object")
        known = {f for f in cls.__dataclass_fields__}
        bad = sorted(set(d) - known)
        if bad:
            raise InputError(f"unknown location report field(s): {', '.join(bad)}")
        kw = dict(d)
        try:
            kw["time"] = datetime.fromisoformat(str(kw["time"]))
        except (KeyError, ValueError):
            raise InputError("a location report needs its time of fix, ISO 8601 with zone") from None
        if kw.get("sector") is not None:
            kw["sector"] = CellSector(**kw["sector"])
        if kw.get("ellipse") is not None:
            kw["ellipse"] = tuple(float(v) for v in kw["ellipse"])
        return cls(**kw)


# --------------------------------------------------------------------------------------------
# AML
# --------------------------------------------------------------------------------------------

_SMS_HEAD = re.compile(r'^\s*A"*ML\s*=\s*(\d+)\s*;', re.IGNORECASE)  # A"ML, AML, A""ML (seen in handsets)


def parse_aml(text: str, *, verification: str = "plausible", notes: str = "") -> LocationReport:
    """Read one AML message (SMS v1/v2 text or the HTTPS form body) into a report.

    Parameters
    ----------
    text : str
        The message as received, pasted or exported; surrounding whitespace is ignored.
    verification : str
        Status given to the report (AML is the handset's own fix: ``plausible`` by default).

    Raises
    ------
    InputError
        Not an AML message, a version carpathia does not read, a message without a location
        (``pm=N``), or a field that cannot be read.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("AML: empty message")
    if len(text) > 8000:
        raise InputError(f"AML: {len(text)} characters is too long for one message")
    s = text.strip()
    m = _SMS_HEAD.match(s)
    if m:
        version = int(m.group(1))
        if version == 1:
            return _sms_v1(s, verification, notes)
        if version == 2:
            return _sms_v2(s, verification, notes)
        raise InputError(f"AML: version {version} is not one carpathia reads (1, 2)")
    if "location_latitude=" in s:
        return _https(s, verification, notes)
    raise InputError('not an AML message: expected A"ML=1;lt=...;lg=... (SMS) or '
                     "v=1&location_latitude=... (HTTPS)")


def _fields(s: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in s.split(";"):
        if not part.strip():
            continue
        k, sep, v = part.partition("=")
        if not sep:
            raise InputError(f"AML: {part.strip()!r} is not key=value")
        key = k.strip().lower().replace('"', "")
        if key in out:
            raise InputError(f"AML: field {key} appears twice")
        out[key] = v.strip()
    return out


def _num(d: dict[str, str], key: str, what: str, *, required: bool = False) -> float | None:
    v = d.get(key)
    if v is None or v == "" or v.upper() == "N":
        if required:
            raise InputError(f"AML: no {what} ({key}=)")
        return None
    try:
        x = float(v)
    except ValueError:
        raise InputError(f"AML: {key}={v!r} is not a number ({what})") from None
    if not math.isfinite(x):
        raise InputError(f"AML: {key}={v!r} is not a finite number ({what})")
    return x


def _confidence(d: dict[str, str], key: str) -> float:
    lc = _num(d, key, "level of confidence")
    if lc is None:
        return ANDROID_CONFIDENCE  # carpathia assumption: a handset radius without lc is the 68 % one
    if not 0 < lc < 100:
        raise InputError(f"AML: {key}={lc:g} must be a percentage between 0 and 100")
    return lc / 100.0


def _method(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    c = code.strip().upper()
    if c in AML_METHODS:
        return AML_METHODS[c]
    if c in _HTTPS_METHODS:
        return _HTTPS_METHODS[c]
    raise InputError(f"AML: positioning method {code!r} is not G, W, C, N (or GPS, WIFI, CELL, HYBRID)")


def _no_location(method: str | None, raw: str) -> None:
    if method == "none":
        raise InputError("AML: the handset sent no location (pm=N); record the call as a verbal report")


def _extra(d: dict[str, str], known: set[str]) -> dict:
    return {k: v for k, v in d.items() if k not in known}


def _sms_v1(s: str, verification: str, notes: str) -> LocationReport:
    d = _fields(s)
    method = _method(d.get("pm"))
    _no_location(method, s)
    lat = _num(d, "lt", "latitude", required=True)
    lon = _num(d, "lg", "longitude", required=True)
    top = d.get("top")
    if not top or not re.fullmatch(r"\d{14}", top):
        raise InputError(f"AML: time of positioning top={top!r} must be YYYYMMDDhhmmss (UTC)")
    try:
        when = datetime.strptime(top, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"AML: top={top} is not a date and time") from None
    ml = d.get("ml")
    extra = _extra(d, {"aml", "lt", "lg", "rd", "top", "lc", "pm"})
    if ml is not None:
        if not ml.isdigit():
            raise InputError(f"AML: message length ml={ml!r} is not a number")
        if int(ml) != len(s):
            extra["warning"] = f"message length ml={ml} but {len(s)} characters arrived (truncated or edited?)"
    return LocationReport(
        lon=float(lon),  # type: ignore[arg-type]
        lat=float(lat),  # type: ignore[arg-type]
        time=when,
        source="aml",
        accuracy_m=_num(d, "rd", "radius"),
        confidence=_confidence(d, "lc"),
        method=method,
        verification=verification,
        notes=notes,
        raw=s,
        extra=extra,
    )


def _sms_v2(s: str, verification: str, notes: str) -> LocationReport:
    d = _fields(s)
    method = _method(d.get("ls"))
    _no_location(method, s)
    lo = d.get("lo")
    if not lo:
        raise InputError("AML v2: no location (lo=latitude,longitude,accuracy)")
    parts = [p.strip() for p in lo.split(",")]
    if len(parts) < 2:
        raise InputError(f"AML v2: lo={lo!r} is not latitude,longitude[,accuracy]")
    try:
        lat, lon = float(parts[0]), float(parts[1])
        acc = float(parts[2]) if len(parts) > 2 and parts[2] not in ("", "N") else None
    except ValueError:
        raise InputError(f"AML v2: lo={lo!r} is not numbers") from None
    et = _num(d, "et", "time of the call", required=True)
    lt = _num(d, "lt", "age of the fix") or 0.0
    when = datetime.fromtimestamp(et + lt, tz=UTC)  # type: ignore[operator]
    alt = None
    if d.get("lz"):
        try:
            alt = float(d["lz"].split(",")[0])
        except ValueError:
            alt = None
    return LocationReport(
        lon=lon, lat=lat, time=when, source="aml", accuracy_m=acc, confidence=_confidence(d, "lc"),
        method=method, altitude_m=alt, verification=verification, notes=notes, raw=s,
        extra=_extra(d, {"aml", "lo", "et", "lt", "lc", "ls", "lz"}),
    )


def _https(s: str, verification: str, notes: str) -> LocationReport:
    try:
        pairs = parse_qs(s.strip(), keep_blank_values=True, strict_parsing=False)
        q = {k.lower(): v[0].strip() for k, v in pairs.items()}
    except ValueError:
        raise InputError("AML HTTPS: the body is not form-encoded key=value&...") from None
    method = _method(q.get("location_source"))
    _no_location(method, s)
    lat = _num(q, "location_latitude", "latitude", required=True)
    lon = _num(q, "location_longitude", "longitude", required=True)
    t = _num(q, "location_time", "time of positioning (ms since 1970)", required=True)
    when = datetime.fromtimestamp(t / 1000.0, tz=UTC)  # type: ignore[operator]
    return LocationReport(
        lon=float(lon), lat=float(lat), time=when, source="aml",  # type: ignore[arg-type]
        accuracy_m=_num(q, "location_accuracy", "accuracy"),
        confidence=_confidence(q, "location_certainty"),
        method=method,
        altitude_m=_num(q, "location_altitude", "altitude"),
        verification=verification, notes=notes, raw=s,
        extra=_extra(q, {"location_latitude", "location_longitude", "location_time", "location_accuracy",
                         "location_certainty", "location_source", "location_altitude"}),
    )


def read_aml_file(path: str | Path, **kw) -> list[LocationReport]:
    """Every AML message in a text file, one per line (SMS or HTTPS bodies; blank lines and
    ``#`` comments skipped). A line that is not AML is an error naming the line."""
    p = Path(path)
    if not p.exists():
        raise FileNotFound(f"{p}: no such file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, IsADirectoryError) as e:
        raise DataFileError(f"{p}: not a UTF-8 text file of AML messages ({type(e).__name__})") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            out.append(parse_aml(line, **kw))
        except InputError as e:
            raise DataFileError(f"{p}:{n}: {e}") from None
    if not out:
        raise DataFileError(f"{p}: no AML message in the file")
    return out


# --------------------------------------------------------------------------------------------
# the area a report draws on the map
# --------------------------------------------------------------------------------------------


def report_area(report: LocationReport, *, n: int = 72) -> dict | None:
    """The report's uncertainty as a GeoJSON Polygon in lon/lat (geodesic on WGS 84): the
    ``confidence`` circle of radius ``accuracy_m``, the error ellipse, or the cell sector's wedge
    (site, azimuth +- half the beam width, from ``min_range_m`` to ``range_m``). None when the
    accuracy is unknown."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")

    def ring(lon0, lat0, azimuths, dists):
        lons, lats, _ = geod.fwd([lon0] * len(azimuths), [lat0] * len(azimuths), azimuths, dists)
        return [[float(x), float(y)] for x, y in zip(lons, lats, strict=True)]

    if report.sector is not None:
        s = report.sector
        if s.beam_width_deg >= 360:
            az = [360.0 * k / n for k in range(n)]
            outer = ring(s.site_lon, s.site_lat, az, [s.range_m] * n)
            outer.append(outer[0])
            holes = []
            if s.min_range_m > 0:
                inner = ring(s.site_lon, s.site_lat, az[::-1], [s.min_range_m] * n)
                holes = [[*inner, inner[0]]]
            return {"type": "Polygon", "coordinates": [outer, *holes]}
        k = max(8, int(n * s.beam_width_deg / 360) + 2)
        az = [s.azimuth_deg - s.beam_width_deg / 2 + s.beam_width_deg * i / (k - 1) for i in range(k)]
        outer = ring(s.site_lon, s.site_lat, az, [s.range_m] * k)
        if s.min_range_m > 0:
            inner = ring(s.site_lon, s.site_lat, az[::-1], [s.min_range_m] * k)
            pts = [*outer, *inner, outer[0]]
        else:
            pts = [[s.site_lon, s.site_lat], *outer, [s.site_lon, s.site_lat]]
        return {"type": "Polygon", "coordinates": [pts]}
    if report.ellipse is not None:
        a, b, theta = report.ellipse
        az, dist = [], []
        for i in range(n):
            t = 2 * math.pi * i / n
            x, y = a * math.cos(t), b * math.sin(t)  # along / across the major axis
            az.append(theta + math.degrees(math.atan2(y, x)))
            dist.append(math.hypot(x, y))
        pts = ring(report.lon, report.lat, az, dist)
        return {"type": "Polygon", "coordinates": [[*pts, pts[0]]]}
    if report.accuracy_m is None or report.accuracy_m <= 0:
        return None
    pts = ring(report.lon, report.lat, [360.0 * i / n for i in range(n)], [report.accuracy_m] * n)
    return {"type": "Polygon", "coordinates": [[*pts, pts[0]]]}


#: Two fixes show a move when they lie further apart than this many combined standard deviations.
MOVE_SIGNIFICANCE = 2.0


def direction_of_travel(reports, *, significance: float = MOVE_SIGNIFICANCE) -> tuple[float, float] | None:
    """Bearing (degrees from true north) and speed (m/s) of a moving phone from its fixes.

    Uses the earliest and the latest fix with a known accuracy (refuted reports and cell
    sectors left out). The move counts only when the distance between them exceeds
    ``significance`` times their combined standard deviation (two fixes of a phone lying still
    differ by their noise); otherwise None.
    """
    from pyproj import Geod

    fixes = sorted((r for r in reports if r.verification != "refuted" and r.sector is None and r.sigma_m is not None),
                   key=lambda r: r.time)
    if len(fixes) < 2:
        return None
    a, b = fixes[0], fixes[-1]
    dt = (b.time - a.time).total_seconds()
    if dt <= 0:
        return None
    az, _, dist = Geod(ellps="WGS84").inv(a.lon, a.lat, b.lon, b.lat)
    noise = math.hypot(a.sigma_m, b.sigma_m)  # type: ignore[arg-type]
    if dist <= significance * noise:
        return None
    return float(az) % 360.0, float(dist) / dt
