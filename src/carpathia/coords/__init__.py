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

import re

from carpathia.errors import InputError

from ._core import _M_PER_DEG as _M_PER_DEG  # re-exported: docs/SCIENCE.md names it here
from ._core import (
    _MAX_TEXT,
    FORMATS,
    AmbiguousPositionError,
    Position,
    _clean,
    _refuse_ambiguous,
    _same,
    format_position,
)
from ._degrees import _parse_angles
from ._grids import _parse_mgrs, _parse_projected, _parse_utm
from ._links import _parse_link

__all__ = [
    "FORMATS",
    "AmbiguousPositionError",
    "Position",
    "format_position",
    "parse_position",
]


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
