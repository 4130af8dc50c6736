"""Coordinates in every format a search hears them in: one parser, one formatter.

:func:`parse_position` reads a position written the way people pass them on, and returns a
:class:`Position` in WGS 84 degrees with the radius its text allows:

=============  ==============================================================================
decimal        ``47.91778, 24.32``; ``47.91778N 24.32E``; ``N47.91778 E24.32``; ``24.32E
               47.91778N`` (letters fix the order); ``-33.9, 151.2``; ``47,9177; 24,32``
               (decimal commas). Without letters the order is latitude, longitude (ISO 6709);
               ``151.2, -33.9`` is refused with the longitude-first reading shown.
dms / ddm      ``47°55'04"N 24°19'12"E``, ``47 55 04.2 N, 24 19 12 E``, ``N47 55.067
               E024 19.200`` (GPS units), ``475504N 0241912E`` and ``4755N02419E`` (aviation),
               typographic quotes and primes as phones type them.
utm            ``35T 299773 5310629``, ``35N 299773mE 5310629mN``, ``UTM 35 E=299773 N=5310629``.
mgrs           ``35TKP9977310629``, ``35T KP 997 106``, ``UTMREF 32U NV 12345 67890``;
               0-10 digits: the square's centre with the radius of its corners.
stereo70       ``Stereo70 X=713418 Y=449294`` (X north, Y east, EPSG:3844), ``EPSG:3844 ...``
epsg           ``EPSG:31700 X=... Y=...``: any CRS pyproj knows, numbers labelled by its axes.
geo            ``geo:47.91778,24.32;u=35`` (RFC 5870; ``u`` is the uncertainty in metres).
link           Google Maps, Apple Maps and OpenStreetMap links, also inside a WhatsApp or
               Telegram message (``location: https://maps.google.com/?q=...``).
=============  ==============================================================================

Anything that can be read two ways is refused with the readings listed
(:class:`AmbiguousPositionError`): ``35S`` (latitude band S, or the southern hemisphere?), a
German ``O`` (Ost) that is a French/Spanish/Romance ``O`` (west), an unlabelled Stereo 70 pair
whose two orders both fall in Romania, several different positions in one message.

:func:`format_position` writes ``decimal``, ``dms``, ``ddm``, ``utm``, ``mgrs`` and
``stereo70``; every output reads back through :func:`parse_position` to within the radius the
parser gives it.

Notes
-----
``uncertainty_m`` is the radius (metres) around ``(lon, lat)`` inside which the text places the
point: the stated uncertainty (``geo:`` ``u=``), the half-diagonal of an MGRS square, or the
rounding of the last digit written, combined with the accuracy of the datum transformation
(Stereo 70 sits on Pulkovo 1942(58); the best transformation PROJ holds offline is good to about
3 m). ``None`` where the format says the uncertainty is unknown (a ``geo:`` URI without ``u``).
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, unquote_plus, urlsplit

from carpathia.errors import InputError

__all__ = [
    "FORMATS",
    "AmbiguousPositionError",
    "Position",
    "format_position",
    "parse_position",
]

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


# --------------------------------------------------------------------------------------------
# text clean-up
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# the public parser
# --------------------------------------------------------------------------------------------


def parse_position(text: str, *, what: str = "position") -> Position:
    """Read one position from text in any of the formats of the module docstring.

    Parameters
    ----------
    text : str
        What was typed, pasted or read over the radio.
    what : str
        Name of the field, for error messages (``--ipp``).

    Returns
    -------
    Position

    Raises
    ------
    AmbiguousPositionError
        The text reads as more than one position; the message lists them.
    InputError
        The text is no position carpathia can read, or lies off the globe.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{what}: give a position, e.g. 47.9178,24.32 or 35T KP 99773 10629")
    if len(text) > _MAX_TEXT:
        raise InputError(f"{what}: {len(text)} characters is too long for a position")
    s = _clean(text)
    try:
        return _parse(s)
    except AmbiguousPositionError:
        raise
    except InputError as e:
        msg = str(e)
        raise InputError(msg if msg.startswith(what) else f"{what}: {msg}") from None


_URL = re.compile(r"(?i)\b(?:https?://|www\.|maps\.google\.|maps\.apple\.com|maps\.app\.goo\.gl|geo:)[^\s<>]*")


def _parse(s: str) -> Position:
    links = _URL.findall(s)
    if links:
        found: list[Position] = []
        for link in links:
            p = _parse_link(link.rstrip(".,;!?"))
            if p is not None and not any(_same(p, q) for q in found):
                found.append(p)
        if len(found) > 1:
            _refuse_ambiguous(s, found, "the message holds several different positions")
        if found:
            return found[0]
        raise InputError(f"{s!r}: the link carries no coordinates (only a place name or a short link); "
                         "open it and copy the coordinates")
    up = s.upper()
    m = re.match(r"^(?:MGRS|UTMREF)\b[:\s]*(.*)$", up)
    if m:
        return _parse_mgrs(m.group(1), s, required=True)  # type: ignore[return-value]
    m = re.match(r"^STEREO\s*-?\s*70\b[:\s]*(.*)$", up)
    if m:
        return _parse_projected("EPSG:3844", m.group(1), s, "stereo70")
    m = re.match(r"^(EPSG|ESRI|IGNF)\s*:\s*(\w+)\b[:\s,]*(.*)$", up)
    if m:
        code = f"{m.group(1)}:{m.group(2)}"
        fmt = "stereo70" if code == "EPSG:3844" else code.lower()
        return _parse_projected(code, m.group(3), s, fmt)
    m = re.match(r"^UTM\b[:\s]*(?:ZONE\b)?\s*(.*)$", up)
    if m:
        return _parse_utm(m.group(1), s, required=True)  # type: ignore[return-value]
    p = _parse_mgrs(up, s, required=False)
    if p is not None:
        return p
    p = _parse_utm(up, s, required=False)
    if p is not None:
        return p
    return _parse_angles(s)


# --------------------------------------------------------------------------------------------
# degrees: decimal, DMS, DDM, aviation
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<num>[+-]?\d+(?:\.\d*)?|[+-]?\.\d+)|(?P<mark>[°'\"])|(?P<word>[A-Za-z]+)|(?P<sep>[,;/])|(?P<bad>\S))"
)
_HEM = {"N": ("lat", 1), "S": ("lat", -1), "E": ("lon", 1), "W": ("lon", -1), "V": ("lon", -1),
        "O": ("lon", 0), "NORTH": ("lat", 1), "SOUTH": ("lat", -1), "EAST": ("lon", 1),
        "WEST": ("lon", -1), "NORD": ("lat", 1), "SUD": ("lat", -1), "EST": ("lon", 1), "VEST": ("lon", -1)}
_DEG_WORDS = {"DEG", "D", "GRAD", "GRADE", "H"}
_MIN_WORDS = {"M", "MIN"}
_SEC_WORDS = {"SEC"}


def _decimal_commas(s: str) -> str:
    """``47,9177 24,32`` and ``47,9177; 24,32`` use the comma as decimal mark; ``47.9,24.1``
    and ``47,24`` use it between numbers. ``47,9177,24,32`` could be either and is refused."""
    if "." in s or "," not in s:
        return s
    inner = re.findall(r"\d,\d", s)
    commas = s.count(",")
    if len(inner) != commas:
        return s  # some comma stands between numbers with a space: separators
    if ";" in s or re.search(r"\d,\d+\s+\S", s):
        return re.sub(r"(?<=\d),(?=\d)", ".", s)
    if commas > 1:
        raise InputError(f"{s!r}: commas are both decimal marks and separators here; write 47.9177, 24.32 "
                         "or 47,9177; 24,32")
    return s


def _parse_angles(s: str) -> Position:
    s2 = _decimal_commas(s)
    toks: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(s2):
        kind = m.lastgroup
        val = m.group(kind)  # type: ignore[arg-type]
        if kind == "bad":
            raise InputError(f"{s!r} is not a position carpathia can read (unexpected {val!r})")
        if kind == "word":
            w = val.upper()
            # letters glued to a number: N47, 47N, 24E, E024
            if w in _HEM or w in _DEG_WORDS or w in _MIN_WORDS or w in _SEC_WORDS:
                toks.append(("hem" if w in _HEM else "mark", w))
                continue
            raise InputError(f"{s!r} is not a position carpathia can read ({val!r}); {_EXAMPLES}")
        toks.append((kind, val))  # type: ignore[arg-type]
    # words as marks
    toks = [("mark", {"D": "°", "DEG": "°", "GRAD": "°", "GRADE": "°", "H": "°", "M": "'", "MIN": "'",
                      "S": '"', "SEC": '"'}[v]) if k == "mark" and v not in "°'\"" else (k, v) for k, v in toks]
    halves = _split_halves(toks, s)
    vals = []
    for half in halves:
        vals.append(_one_angle(half, s))
    (a_ax, a_val, a_step, a_fmt), (b_ax, b_val, b_step, b_fmt) = vals
    fmt = max(a_fmt, b_fmt, key=("decimal", "ddm", "dms").index)
    if "O" in (a_ax, b_ax):
        other = b_val if a_ax == "O" else a_val
        lon = a_val if a_ax == "O" else b_val
        if lon != 0:
            cands = [_angles_position(other, x, a_step, b_step, "decimal") for x in (lon, -lon)]
            _refuse_ambiguous(s, cands, "'O' is east in German (Ost) and west in French, Spanish, Italian (Ouest, "
                              "Oeste, Ovest); write E or W")
        a_ax, b_ax = ("lon", b_ax) if a_ax == "O" else (a_ax, "lon")
    if a_ax and b_ax:
        if a_ax == b_ax:
            raise InputError(f"{s!r} gives two {'latitudes' if a_ax == 'lat' else 'longitudes'}")
        lat, lon = (a_val, b_val) if a_ax == "lat" else (b_val, a_val)
        lat_step, lon_step = (a_step, b_step) if a_ax == "lat" else (b_step, a_step)
    elif a_ax or b_ax:
        ax = a_ax or b_ax
        first_is = ax if a_ax else ("lon" if ax == "lat" else "lat")
        lat, lon = (a_val, b_val) if first_is == "lat" else (b_val, a_val)
        lat_step, lon_step = (a_step, b_step) if first_is == "lat" else (b_step, a_step)
    elif abs(a_val) > 90 >= abs(b_val):
        swapped = _angles_position(b_val, a_val, b_step, a_step, fmt)
        raise InputError(
            f"{s!r} is not LAT,LON: latitude first, and {a_val:g} is beyond 90; if longitude came first, "
            f"write it with letters ({_show(swapped)} is {format_position(swapped.lon, swapped.lat, 'dms')})"
        )
    else:
        lat, lon, lat_step, lon_step = a_val, b_val, a_step, b_step
    _check_range(lat, lon, s)
    return _angles_position(lat, lon, lat_step, lon_step, fmt)


def _angles_position(lat: float, lon: float, lat_step: float, lon_step: float, fmt: str) -> Position:
    """The point with the radius of its rounding: half a step of the last digit on each axis."""
    unc = 0.5 * math.hypot(lat_step * _M_PER_DEG, lon_step * _M_PER_DEG * math.cos(math.radians(lat)))
    return Position(lon, lat, unc, fmt)


_EXAMPLES = "e.g. LAT,LON 47.9178,24.32 · 47°55'04\"N 24°19'12\"E · 35T KP 99773 10629 · Stereo70 X=713418 Y=449294"


def _split_halves(toks: list[tuple[str, str]], s: str) -> list[list[tuple[str, str]]]:
    """Two groups of tokens, one per angle."""
    hems = [i for i, (k, _) in enumerate(toks) if k == "hem"]
    seps = [i for i, (k, _) in enumerate(toks) if k == "sep"]
    nums = [i for i, (k, _) in enumerate(toks) if k == "num"]
    if len(nums) < 2:
        raise InputError(f"{s!r} is not a position carpathia can read: it needs two coordinates; {_EXAMPLES}")
    if len(seps) > 1:
        raise InputError(f"{s!r} has {len(seps)} separators; give two coordinates, e.g. 47.9178, 24.32")
    if len(hems) > 2:
        raise InputError(f"{s!r} has {len(hems)} hemisphere letters; give one per coordinate")
    lead, close = toks[0][0] == "hem", toks[-1][0] == "hem"
    if seps:
        cut = seps[0]
    elif len(hems) == 2 and lead and not close:  # N47 55 E24 19: letters lead
        cut = hems[1]
    elif len(hems) == 2 and not lead:  # 47 55 N 24 19 E (letters close), 47N E24
        cut = hems[0] + 1
    else:
        inner = toks[1:-1] if len(hems) == 2 else toks
        halves = _split_unmarked(inner, s)
        if len(hems) == 2:
            halves = [[toks[0], *halves[0]], [*halves[1], toks[-1]]]
        return halves
    return [toks[:cut], toks[cut + (1 if seps else 0):]]


def _after_first_angle(toks, degs) -> int:
    # the second angle starts at the number before the second degree mark (or its leading letter)
    i = degs[1] - 1
    while i > 0 and toks[i - 1][0] == "hem":
        i -= 1
    return i


def _split_unmarked(toks, s):
    degs = [i for i, (k, v) in enumerate(toks) if k == "mark" and v == "°"]
    nums = [i for i, (k, _) in enumerate(toks) if k == "num"]
    if len(degs) == 2:
        cut = _after_first_angle(toks, degs)
        return [toks[:cut], toks[cut:]]
    if len(nums) in (2, 4, 6) and not any(k == "mark" for k, _ in toks):
        cut = nums[len(nums) // 2]
        return [toks[:cut], toks[cut:]]
    raise InputError(f"{s!r}: cannot tell where the latitude ends; put a comma between the two coordinates")


def _one_angle(half, s) -> tuple[str | None, float, float, str]:
    """(axis or None, signed degrees, step of the last digit in degrees, format)."""
    hem = [v for k, v in half if k == "hem"]
    if len(hem) > 1:
        raise InputError(f"{s!r}: two hemisphere letters in one coordinate")
    parts: list[tuple[str, str | None]] = []  # (number text, mark after it)
    for i, (k, v) in enumerate(half):
        if k == "num":
            mark = half[i + 1][1] if i + 1 < len(half) and half[i + 1][0] == "mark" else None
            parts.append((v, mark))
        elif k == "mark" and (i == 0 or half[i - 1][0] != "num"):
            raise InputError(f"{s!r}: a {v} mark with no number before it")
    if len(parts) > 3:
        raise InputError(f"{s!r}: more than degrees, minutes and seconds in one coordinate")
    nums = [p[0] for p in parts]
    fmt = ("decimal", "ddm", "dms")[len(nums) - 1]
    if len(nums) == 1 and hem and parts[0][1] is None and re.fullmatch(r"[+-]?\d{4,7}(\.\d+)?", nums[0]):
        nums, fmt = _unpack_aviation(nums[0], _HEM[hem[0]][0], s)
    if len(nums) == 1 and parts[0][1] in ("'", '"'):
        raise InputError(f"{s!r}: a coordinate starts with minutes or seconds")
    marks = [p[1] for p in parts]
    expect = ["°", "'", '"']
    for j, mk in enumerate(marks[: len(nums)]):
        if mk is not None and mk != expect[j] and not (j == 0 and mk == "°"):
            raise InputError(f"{s!r}: {nums[j]}{mk} is out of place (degrees ° then minutes ' then seconds \")")
    vals = [float(x) for x in nums]
    neg = nums[0].startswith("-")
    if any(x.startswith(("-", "+")) for x in nums[1:]):
        raise InputError(f"{s!r}: only the degrees may carry a sign")
    if any("." in x for x in nums[:-1]):
        raise InputError(f"{s!r}: only the last of degrees, minutes, seconds may have decimals")
    for j, x in enumerate(vals[1:], 1):
        if x >= 60:
            raise InputError(f"{s!r}: {nums[j]} {'minutes' if j == 1 else 'seconds'} is 60 or more")
    deg = abs(vals[0]) + sum(x / 60**j for j, x in enumerate(vals[1:], 1))
    last = nums[-1]
    decimals = len(last.split(".")[1]) if "." in last else 0
    step = 10.0**-decimals / 60 ** (len(nums) - 1)
    axis = None
    if hem:
        axis, sign = _HEM[hem[0]]
        if neg:
            raise InputError(f"{s!r}: a minus sign and a hemisphere letter together; give one of them")
        if sign == 0:
            return "O", deg, step, fmt  # east or west: decided (refused) with both readings in hand
        deg *= sign
    elif neg:
        deg = -deg
    return axis, deg, step, fmt


def _unpack_aviation(num: str, axis: str, s: str) -> tuple[list[str], str]:
    """``475504`` → 47 55 04 (DDMMSS), ``0241912`` → 024 19 12, ``4755`` → 47 55 (DDMM)."""
    whole, _, frac = num.lstrip("+").partition(".")
    dd = 2 if axis == "lat" else 3
    n = len(whole) - dd
    if n not in (2, 4):
        raise InputError(f"{s!r}: {num} is not packed {'DDMMSS' if axis == 'lat' else 'DDDMMSS'} or "
                         f"{'DDMM' if axis == 'lat' else 'DDDMM'} (aviation form)")
    out = [whole[:dd], whole[dd:dd + 2]] + ([whole[dd + 2:]] if n == 4 else [])
    if frac:
        out[-1] += "." + frac
    return out, ("dms" if n == 4 else "ddm")


# --------------------------------------------------------------------------------------------
# UTM and MGRS
# --------------------------------------------------------------------------------------------

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


def _utm_to_lonlat(zone: int, north: bool, e: float, n: float) -> tuple[float, float]:
    lat, lon = _transformer(_utm_epsg(zone, north), "EPSG:4326").transform(e, n)
    return lon, lat


def _numbers_labelled(rest: str, labels: set[str], s: str) -> list[tuple[str | None, str]]:
    """Two numbers with optional labels, before (``E=299773 N=5310629``, ``X: 713418``) or after
    them (``299773mE 5310629mN``, ``713418 N 449294 E``)."""
    raw = re.findall(r"[A-Z]+|[+-]?\d+(?:\.\d+)?|\S", rest.upper())
    toks: list[tuple[str, str]] = []
    for t in raw:
        if t in (",", ";", ":", "=", "/", "M"):
            continue
        if re.fullmatch(r"[+-]?\d+(?:\.\d+)?", t):
            toks.append(("num", t))
            continue
        lab = t[1:] if t in ("ME", "MN") else t
        if lab not in labels:
            raise InputError(f"{s!r}: {t!r} is not a coordinate label ({', '.join(sorted(labels))})")
        toks.append(("lab", lab))
    out: list[tuple[str | None, str]] = []
    prefix = bool(toks) and toks[0][0] == "lab"
    i = 0
    while i < len(toks):
        kind, val = toks[i]
        if prefix and kind == "lab":
            if i + 1 >= len(toks) or toks[i + 1][0] != "num":
                raise InputError(f"{s!r}: label {val} with no number after it")
            out.append((val, toks[i + 1][1]))
            i += 2
        elif kind == "num":
            lab = toks[i + 1][1] if not prefix and i + 1 < len(toks) and toks[i + 1][0] == "lab" else None
            out.append((lab, val))
            i += 2 if lab else 1
        else:
            raise InputError(f"{s!r}: label {val} out of place; put labels all before or all after the numbers")
    if len(out) != 2:
        raise InputError(f"{s!r}: give two numbers (easting and northing), found {len(out)}")
    return out


def _metric_step(txt: str) -> float:
    return 10.0 ** -(len(txt.split(".")[1])) if "." in txt else 1.0


def _parse_utm(up: str, s: str, *, required: bool) -> Position | None:
    m = re.match(r"^(\d{1,2})\s*([C-HJ-NP-X])?(?=[\s,;:]|$)[\s,;:]*(.+)$", up)
    if not m:
        if required:
            raise InputError(f"{s!r}: UTM needs the zone, e.g. 35T 299773 5310629")
        return None
    zone = int(m.group(1))
    letter = m.group(2)
    rest = m.group(3)
    if not required and (letter is None or not re.search(r"\d{6}", rest)):
        return None  # no band and no 6-digit easting: degrees, not UTM
    if not 1 <= zone <= 60:
        raise InputError(f"{s!r}: UTM zone {zone} does not exist (1-60)")
    pairs = _numbers_labelled(rest, {"E", "N"}, s)
    (la, a), (lb, b) = pairs
    if la == "N" or lb == "E":
        a, b = b, a
    e, n = float(a), float(b)
    if la is None and lb is None and e >= 1_000_000 > n:
        e, n = n, e  # northing written first: the 7-digit one can only be a northing
    if not 100_000 <= e <= 900_000 or not 0 <= n <= 10_000_000:
        raise InputError(f"{s!r}: easting {e:g} or northing {n:g} is outside a UTM zone "
                         "(easting 100000-900000 m, northing 0-10000000 m)")
    unc = 0.5 * math.hypot(_metric_step(a), _metric_step(b))
    readings: list[tuple[bool, str]] = []
    if letter is None:
        raise InputError(f"{s!r}: give the latitude band or hemisphere after the zone (35T, 35N or 35S)")
    if letter in ("N", "S"):
        readings.append((letter == "N", "hemisphere"))
    readings.append((_BANDS.index(letter) >= _BANDS.index("N"), "band"))
    cands = []
    for north, kind in readings:
        lon, lat = _utm_to_lonlat(zone, north, e, n)
        if kind == "band":
            lo, hi = _band_limits(letter)
            if not lo - 0.5 <= lat <= hi + 0.5:
                continue
        p = Position(lon, lat, unc, "utm")
        if not any(_same(p, q) for q in cands):
            cands.append(p)
    if not cands:
        lon, lat = _utm_to_lonlat(zone, _BANDS.index(letter) >= _BANDS.index("N"), e, n)
        raise InputError(f"{s!r}: northing {n:g} lies at latitude {lat:.2f}, outside band {letter} "
                         f"({_band_limits(letter)[0]:g} to {_band_limits(letter)[1]:g} deg)")
    if len(cands) > 1:
        _refuse_ambiguous(s, cands, f"'{letter}' is latitude band {letter} and the "
                          f"{'northern' if letter == 'N' else 'southern'} hemisphere")
    return cands[0]


def _parse_mgrs(up: str, s: str, *, required: bool) -> Position | None:
    compact = re.sub(r"[\s,;:]", "", up)
    m = re.fullmatch(r"(\d{1,2})([C-HJ-NP-X])([A-HJ-NP-Z])([A-HJ-NP-V])(\d*)", compact) or \
        re.fullmatch(r"()([ABYZ])([A-HJ-NP-Z])([A-HJ-NP-Z])(\d*)", compact)
    if not m:
        if required:
            raise InputError(f"{s!r} is not an MGRS reference like 35T KP 99773 10629")
        return None
    zone, band, c1, c2, digits = m.groups()
    groups = re.findall(r"\d+", up[up.find(c2, len(zone) + 2) + 1:] if zone else up)
    if len(groups) == 2 and len(groups[0]) != len(groups[1]):
        raise InputError(f"{s!r}: MGRS easting and northing need the same number of digits")
    if len(digits) % 2 or len(digits) > 10:
        raise InputError(f"{s!r}: an MGRS reference has an even number of digits, 0-10 ({len(digits)} here)")
    k = len(digits) // 2
    size = 10.0 ** (5 - k)  # metres: 100 km ... 1 m
    centre = f"{zone}{band}{c1}{c2}{digits}"
    unc = size / math.sqrt(2)  # the mgrs library returns the square's centre; its corners lie s/sqrt(2) away
    import mgrs

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            lat, lon = mgrs.MGRS().toLatLon(centre)
        except Exception as e:  # mgrs raises a bare MGRSError(Exception)
            if type(e).__name__ != "MGRSError":
                raise
            raise InputError(f"{s!r} is not a valid MGRS reference (square {c1}{c2} does not exist "
                             f"in zone {zone}{band})") from None
    if zone and any("Latitude" in str(w.message) for w in caught):
        lo, hi = _band_limits(band)
        slack = size / _M_PER_DEG + 0.01
        if not lo - slack <= lat <= hi + slack:
            raise InputError(f"{s!r}: this reference lies at latitude {lat:.2f}, outside band {band} "
                             f"({lo:g} to {hi:g}); check the band letter and the square")
    _check_range(lat, lon, s)
    return Position(float(lon), float(lat), unc, "mgrs")


# --------------------------------------------------------------------------------------------
# projected systems: Stereo 70 and any EPSG code
# --------------------------------------------------------------------------------------------


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


def _parse_projected(code: str, rest: str, s: str, fmt: str) -> Position:
    crs = _crs_info(code)
    axes = crs.axis_info[:2]
    labels = {a.abbrev.upper() for a in axes} | {"E", "N", "X", "Y"}

    def axis_of(label: str) -> int:
        for i, a in enumerate(axes):
            if a.abbrev.upper() == label:
                return i
        for i, a in enumerate(axes):
            if (label, a.direction) in (("E", "east"), ("N", "north")):
                return i
        raise InputError(f"{s!r}: {label} is not an axis of {code} (axes: "
                         f"{', '.join(f'{a.abbrev} {a.direction}' for a in axes)})")

    pairs = _numbers_labelled(rest, labels, s)
    (la, a), (lb, b) = pairs
    orders: list[tuple[str, str]]
    if la and lb:
        ia, ib = axis_of(la), axis_of(lb)
        if ia == ib:
            raise InputError(f"{s!r}: both numbers are labelled for the {axes[ia].direction} axis")
        orders = [(a, b) if ia == 0 else (b, a)]
    elif la or lb:
        ia = axis_of(la) if la else 1 - axis_of(lb)  # type: ignore[arg-type]
        orders = [(a, b) if ia == 0 else (b, a)]
    else:
        orders = [(a, b), (b, a)]
    tr = _transformer(crs.to_string(), "EPSG:4326")
    aou = crs.area_of_use
    rounding = 0.5 * math.hypot(_metric_step(a), _metric_step(b))
    acc = tr.accuracy if tr.accuracy and tr.accuracy > 0 else 0.0  # metres, PROJ's figure for the datum path
    cands: list[Position] = []
    for u, v in orders:
        lat, lon = tr.transform(float(u), float(v))
        unc = math.hypot(rounding, acc)
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            continue
        if aou is not None and not (aou.west - 0.5 <= lon <= aou.east + 0.5
                                                          and aou.south - 0.5 <= lat <= aou.north + 0.5):
            continue
        cands.append(Position(float(lon), float(lat), unc, fmt))
    if not cands:
        where = f" ({aou.name})" if aou is not None else ""
        raise InputError(f"{s!r} lies outside the area where {code} is used{where}")
    if len(cands) > 1:
        names = "/".join(a.abbrev for a in axes)
        _refuse_ambiguous(s, cands, f"both orders of the unlabelled numbers fall inside {aou.name if aou else code}; "
                          f"label them {axes[0].abbrev}= ({axes[0].direction}) and {axes[1].abbrev}= "
                          f"({axes[1].direction}), axes {names}")
    return cands[0]


# --------------------------------------------------------------------------------------------
# links and geo: URIs
# --------------------------------------------------------------------------------------------

_PAIR = re.compile(r"^\s*(?:loc:)?\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*$")
_SHORT_HOSTS = ("goo.gl", "maps.app.goo.gl", "g.co", "maps.apple", "w3w.co")


def _pair(text: str, fmt: str, unc: float | None = -1.0) -> Position | None:
    m = _PAIR.match(text)
    if not m:
        return None
    p = _parse_angles(f"{m.group(1)}, {m.group(2)}")
    lat, lon = float(m.group(1)), float(m.group(2))
    _check_range(lat, lon, text)
    return Position(lon, lat, p.uncertainty_m if unc == -1.0 else unc, fmt)


def _parse_link(link: str) -> Position | None:
    if link.lower().startswith("geo:"):
        return _parse_geo(link)
    url = link if "://" in link else "https://" + link
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _SHORT_HOSTS or (host.endswith(("openstreetmap.org", "osm.org")) and parts.path.startswith("/go/")):
        raise InputError(f"{link!r} is a short link; carpathia reads coordinates, not short codes (offline): "
                         "open it on a phone and send the coordinates it shows")
    q = {k.lower(): v[0] for k, v in parse_qs(parts.query, keep_blank_values=False).items()}
    path = unquote(parts.path)
    if "google." in host or host.startswith("maps.google") or host == "g.page":
        m = re.search(r"!3d([+-]?\d+(?:\.\d+)?)!4d([+-]?\d+(?:\.\d+)?)", unquote(url))
        if m:
            return _pair(f"{m.group(1)},{m.group(2)}", "google-maps")
        for key in ("q", "query", "ll", "destination", "daddr", "center", "sll"):
            if key in q:
                p = _pair(q[key], "google-maps")
                if p is None:
                    try:
                        p = _parse_angles(_clean(unquote_plus(q[key])))
                        p = Position(p.lon, p.lat, p.uncertainty_m, "google-maps")
                    except InputError:
                        p = None
                if p is not None:
                    return p
        m = re.search(r"/(?:place|search|dir)/([^/@]+)", path)
        if m:
            try:
                p = _parse_angles(_clean(unquote_plus(m.group(1))))
                return Position(p.lon, p.lat, p.uncertainty_m, "google-maps")
            except InputError:
                pass
        m = re.search(r"@([+-]?\d+(?:\.\d+)?),([+-]?\d+(?:\.\d+)?)", path)
        if m:
            return _pair(f"{m.group(1)},{m.group(2)}", "google-maps")
        return None
    if host.endswith("maps.apple.com") or host == "maps.apple":
        for key in ("coordinate", "ll", "q", "daddr", "sll", "center"):
            if key in q and (p := _pair(q[key], "apple-maps")) is not None:
                return p
        return None
    if host.endswith("openstreetmap.org") or host.endswith("osm.org"):
        if "mlat" in q and "mlon" in q:
            return _pair(f"{q['mlat']},{q['mlon']}", "openstreetmap")
        m = re.search(r"map=\d+(?:\.\d+)?/([+-]?\d+(?:\.\d+)?)/([+-]?\d+(?:\.\d+)?)", parts.fragment)
        if m:
            return _pair(f"{m.group(1)},{m.group(2)}", "openstreetmap")
        if "lat" in q and "lon" in q:
            return _pair(f"{q['lat']},{q['lon']}", "openstreetmap")
        return None
    for la, lo in (("lat", "lon"), ("lat", "lng"), ("latitude", "longitude")):
        if la in q and lo in q:
            return _pair(f"{q[la]},{q[lo]}", "link")
    for key in ("ll", "q"):
        if key in q and (p := _pair(q[key], "link")) is not None:
            return p
    return None


def _parse_geo(uri: str) -> Position:
    """RFC 5870 ``geo:lat,lon[,alt][;crs=wgs84][;u=metres]``; Android's ``geo:0,0?q=lat,lon(label)``."""
    body = uri[4:]
    body, _, query = body.partition("?")
    coords, *params = body.split(";")
    nums = coords.split(",")
    if len(nums) not in (2, 3):
        raise InputError(f"{uri!r}: a geo: URI holds latitude,longitude[,altitude]")
    try:
        lat, lon = float(nums[0]), float(nums[1])
    except ValueError:
        raise InputError(f"{uri!r}: latitude and longitude must be numbers") from None
    unc: float | None = None
    for prm in params:
        k, _, v = prm.partition("=")
        k = k.strip().lower()
        if k == "crs" and v.strip().lower() != "wgs84":
            raise InputError(f"{uri!r}: crs={v} is not one carpathia reads (RFC 5870 defines wgs84)")
        if k == "u":
            try:
                unc = float(v)
            except ValueError:
                raise InputError(f"{uri!r}: u={v} is not a number of metres") from None
            if not (math.isfinite(unc) and unc >= 0):
                raise InputError(f"{uri!r}: u={v} must be zero or more metres")
    if query:
        qd = {k.lower(): val[0] for k, val in parse_qs(query).items()}
        if "q" in qd:
            m = re.match(r"^\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)", qd["q"])
            if m and (lat, lon) == (0.0, 0.0):
                lat, lon = float(m.group(1)), float(m.group(2))
    _check_range(lat, lon, uri)
    if abs(lat) == 90:
        lon = 0.0  # RFC 5870 3.4.2: the longitude of a pole is meaningless
    return Position(lon, lat, unc, "geo")


# --------------------------------------------------------------------------------------------
# the formatter
# --------------------------------------------------------------------------------------------


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
