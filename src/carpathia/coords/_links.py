"""Map links (Google Maps, Apple Maps, OpenStreetMap) and ``geo:`` URIs (RFC 5870)."""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qs, unquote, unquote_plus, urlsplit

from carpathia.errors import InputError

from ._core import Position, _check_range, _clean
from ._degrees import _parse_angles

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
