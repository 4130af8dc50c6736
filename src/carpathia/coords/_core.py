"""Shared parts of :mod:`carpathia.coords`: the Position record, errors, projections, the formatter."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from carpathia.errors import InputError

#: Output formats of :func:`format_position`.
FORMATS = ("decimal", "dms", "ddm", "utm", "mgrs", "stereo70")


#: Metres per degree of latitude on the mean Earth sphere (IUGG mean radius 6371008.8 m); used
#: only to turn the rounding of written degrees into a radius in metres.
_M_PER_DEG = 6371008.8 * math.pi / 180.0


_MAX_TEXT = 4000


class AmbiguousPositionError(InputError):
    """Text that reads as more than one position; ``candidates`` holds the readings."""

    def __init__(self, message: str, candidates: list[Position]):
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class Position:
    """A point in WGS 84 degrees, what it was read from and how sure the text is of it.

    Attributes
    ----------
    lon, lat : float
        Degrees east and north (WGS 84).
    uncertainty_m : float or None
        Radius in metres within which the text places the point (see module Notes); ``None``
        when the format states the uncertainty is unknown.
    source_format : str
        ``decimal``, ``dms``, ``ddm``, ``utm``, ``mgrs``, ``stereo70``, ``epsg:<code>``, ``geo``,
        ``google-maps``, ``apple-maps``, ``openstreetmap``.
    """

    lon: float
    lat: float
    uncertainty_m: float | None = None
    source_format: str = "decimal"

    def format(self, fmt: str = "decimal", **kw) -> str:
        """This point written in one of :data:`FORMATS`."""
        return format_position(self.lon, self.lat, fmt, **kw)

    @property
    def latlon(self) -> str:
        return format_position(self.lon, self.lat, "decimal")


_TRANSLATE = str.maketrans(
    {
        "\u2032": "'", "\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02b9": "'",
        "\u2033": '"', "\u201d": '"', "\u201c": '"', "\u02ba": '"', "\u201e": '"',
        "\u00ba": "°", "\u02da": "°", "\u2218": "°", "\u00b0": "°",
        "\u2212": "-", "\u2013": "-", "\u2010": "-",
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ", "\n": " ", "\r": " ",
        "\u200e": None, "\u200f": None, "\u200b": None, "\ufeff": None, "\u2066": None,
        "\u2067": None, "\u2068": None, "\u2069": None, "\u202a": None, "\u202c": None,
    }
)


def _clean(text: str) -> str:
    s = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    s = s.replace("''", '"')
    return re.sub(r" +", " ", s).strip()


def _show(p: Position) -> str:
    return format_position(p.lon, p.lat, "decimal")


def _same(a: Position, b: Position, tol_m: float = 1.0) -> bool:
    return _distance_m(a.lon, a.lat, b.lon, b.lat) <= tol_m


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on the mean sphere, metres (for tolerances, not for models)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(h)))


def _refuse_ambiguous(text: str, cands: list[Position], why: str) -> None:
    listed = "; ".join(f"{c.source_format} {_show(c)}" for c in cands)
    raise AmbiguousPositionError(f"{text!r} is ambiguous ({why}): it could be {listed}; {_HOW}", cands)


_HOW = "write it so it reads one way only (hemisphere letters, a zone with its band, X=/Y= labels)"


def _check_range(lat: float, lon: float, text: str) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        raise InputError(f"{text!r} is outside the globe (latitude {lat:g}, longitude {lon:g})")


_EXAMPLES = "e.g. LAT,LON 47.9178,24.32 · 47°55'04\"N 24°19'12\"E · 35T KP 99773 10629 · Stereo70 X=713418 Y=449294"


_BANDS = "CDEFGHJKLMNPQRSTUVWX"


def _band_limits(letter: str) -> tuple[float, float]:
    i = _BANDS.index(letter)
    lo = -80.0 + 8 * i
    return lo, (84.0 if letter == "X" else lo + 8)


@lru_cache(maxsize=256)
def _transformer(src: str, dst: str):
    """The best transformation PROJ holds offline (first of its ranked group; the same one
    ``Transformer.from_crs`` picks), whose ``accuracy`` is known before it is run."""
    from pyproj.transformer import TransformerGroup

    group = TransformerGroup(src, dst, always_xy=False)
    if not group.transformers:
        raise InputError(f"PROJ holds no transformation from {src} to {dst} offline")
    return group.transformers[0]


def _utm_epsg(zone: int, north: bool) -> str:
    return f"EPSG:{32600 + zone if north else 32700 + zone}"


@lru_cache(maxsize=64)
def _crs_info(code: str):
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(code)
    except CRSError:
        raise InputError(f"{code} is not a coordinate reference system PROJ knows offline") from None
    if len(crs.axis_info) < 2:
        raise InputError(f"{code} has no two horizontal axes")
    return crs


def _dms_parts(value: float, n: int, decimals: int) -> list[str]:
    """|value| split into n parts (D, M, S), the last with ``decimals`` digits, carried."""
    scale = 10**decimals * 60 ** (n - 1)
    units = round(abs(value) * scale)
    out = []
    if n == 3:
        sec_u = units % (60 * 10**decimals)
        rest = units // (60 * 10**decimals)
        out = [rest // 60, rest % 60, sec_u]
    elif n == 2:
        min_u = units % (60 * 10**decimals)
        out = [units // (60 * 10**decimals), min_u]
    txt = [str(out[0])] + [f"{x:02d}" for x in out[1:-1]]
    last = out[-1] / 10**decimals
    txt.append(f"{last:0{3 + decimals if decimals else 2}.{decimals}f}")
    return txt


def format_position(lon: float, lat: float, fmt: str = "decimal", *, precision: int | None = None) -> str:
    """Write a WGS 84 point as people read it.

    Parameters
    ----------
    lon, lat : float
        Degrees.
    fmt : str
        One of :data:`FORMATS`: ``decimal`` (``47.91778, 24.32000``, latitude first), ``dms``
        (``47°55'04.0"N 24°19'12.0"E``), ``ddm`` (``N47°55.067' E024°19.200'`` as GPS units
        print it), ``utm`` (``35T 299773 5310629``), ``mgrs`` (``35T KP 99773 10629``) or
        ``stereo70`` (``Stereo70 X=713418 Y=449294``, X north).
    precision : int, optional
        Decimals (decimal: 5, dms: 1, ddm: 3, utm/stereo70: 0) or MGRS digits per axis (5).
    """
    lon, lat = float(lon), float(lat)
    _check_range(lat, lon, f"{lat},{lon}")
    if fmt == "decimal":
        d = 5 if precision is None else precision
        return f"{round(lat, d) + 0.0:.{d}f}, {round(lon, d) + 0.0:.{d}f}"  # + 0.0: no "-0.00000"
    if fmt in ("dms", "ddm"):
        n = 3 if fmt == "dms" else 2
        d = (1 if fmt == "dms" else 3) if precision is None else precision
        la, lo = _dms_parts(lat, n, d), _dms_parts(lon, n, d)
        zero = _dms_parts(0.0, n, d)
        ns = "S" if lat < 0 and la != zero else "N"  # what rounds to 0 is written N, E
        ew = "W" if lon < 0 and lo != zero else "E"
        if fmt == "dms":
            return f"{la[0]}°{la[1]}'{la[2]}\"{ns} {lo[0]}°{lo[1]}'{lo[2]}\"{ew}"
        return f"{ns}{int(la[0]):02d}°{la[1]}' {ew}{int(lo[0]):03d}°{lo[1]}'"
    if fmt == "utm":
        if not -80 <= lat <= 84:
            raise InputError(f"{lat:g},{lon:g} is outside UTM (80 S to 84 N); use MGRS (UPS) or degrees")
        zone = _utm_zone(lon, lat)
        band = _BANDS[min(int((lat + 80) // 8), len(_BANDS) - 1)]
        north = _BANDS.index(band) >= _BANDS.index("N")  # the hemisphere the band letter says
        e, n = _transformer("EPSG:4326", _utm_epsg(zone, north)).transform(lat, lon)
        d = 0 if precision is None else precision
        # band S (32-40 N) also reads as "southern hemisphere": write the hemisphere, N, instead
        return f"{zone}{'N' if band == 'S' else band} {e:.{d}f} {n:.{d}f}"
    if fmt == "mgrs":
        import mgrs

        k = 5 if precision is None else precision
        if not 0 <= k <= 5:
            raise InputError(f"MGRS precision is 0-5 digits per axis, not {k}")
        ref = mgrs.MGRS().toMGRS(lat, lon, MGRSPrecision=k)
        if isinstance(ref, bytes):
            ref = ref.decode()
        head, digits = ref[: len(ref) - 2 * k], ref[len(ref) - 2 * k:]
        head = f"{head[:-2]} {head[-2:]}"
        return f"{head} {digits[:k]} {digits[k:]}".strip()
    if fmt == "stereo70":
        aou = _crs_info("EPSG:3844").area_of_use
        inside = aou is None or (aou.west - 0.5 <= lon <= aou.east + 0.5 and aou.south - 0.5 <= lat <= aou.north + 0.5)
        if not inside:
            raise InputError(f"{lat:g},{lon:g} is outside Romania, where Stereo 70 is defined; use another format")
        x, y = _transformer("EPSG:4326", "EPSG:3844").transform(lat, lon)
        d = 0 if precision is None else precision
        return f"Stereo70 X={x:.{d}f} Y={y:.{d}f}"
    raise InputError(f"unknown coordinate format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _utm_zone(lon: float, lat: float) -> int:
    zone = int((lon + 180) // 6) + 1
    zone = min(zone, 60)
    if 56 <= lat < 64 and 3 <= lon < 12:
        return 32  # Norway
    if 72 <= lat < 84 and lon >= 0:
        for z, (lo, hi) in {31: (0, 9), 33: (9, 21), 35: (21, 33), 37: (33, 42)}.items():
            if lo <= lon < hi:
                return z
    return zone
