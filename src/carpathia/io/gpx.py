"""GPX 1.1 writer: waypoints, routes and tracks for field GPS units.

GPX 1.1 (Topografix, https://www.topografix.com/GPX/1/1/) is what Garmin and every other
handheld reads. Element order inside ``<gpx>`` follows the schema (metadata, wpt, rte, trk);
names are kept short and plain ASCII-safe by :func:`gps_name` because older units truncate
at 14 characters and mangle accents.

    from carpathia.io.gpx import GpxPoint, GpxLine, gpx_document, write_gpx
    write_gpx("seg-AB.gpx", routes=[GpxLine("101 AB", [(24.31, 47.92), (24.32, 47.93)])])
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from carpathia.errors import InputError

from .files import atomic_output, xml_text

__all__ = ["GPX_NS", "GpxLine", "GpxPoint", "gps_name", "gpx_document", "write_gpx"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
#: Characters a Garmin waypoint name keeps (older units: 14; we allow more, trimmed by the caller).
GPS_NAME_MAX = 30


def gps_name(text: str, limit: int = GPS_NAME_MAX) -> str:
    """``text`` without accents or control characters, at most ``limit`` characters ("Vișeu" → "Viseu")."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    plain = " ".join("".join(c for c in plain if c.isprintable()).split())
    return plain[:limit]


@dataclass(frozen=True)
class GpxPoint:
    """A waypoint: lon, lat in degrees (WGS 84), optional elevation (m), name, description, symbol."""

    lon: float
    lat: float
    name: str | None = None
    desc: str | None = None
    ele: float | None = None
    sym: str | None = None
    time: str | None = None  #: ISO 8601 with zone (UTC "Z" preferred by the schema)


@dataclass(frozen=True)
class GpxLine:
    """A route or track: a name and a list of (lon, lat) or (lon, lat, ele) vertices."""

    name: str
    points: Sequence[Sequence[float]]
    desc: str | None = None
    times: Sequence[str] | None = None  #: one ISO time per vertex (tracks only)
    extra: dict = field(default_factory=dict)


def _check_lonlat(lon: float, lat: float, what: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"{what}: ({lon!r}, {lat!r}) is not a longitude, latitude in degrees")


def _text(parent: ET.Element, tag: str, text: str | None) -> None:
    if text:
        ET.SubElement(parent, tag).text = xml_text(text)


def _pt(parent: ET.Element, tag: str, lon, lat, ele=None, name=None, desc=None, sym=None, time=None) -> None:
    _check_lonlat(float(lon), float(lat), tag)
    el = ET.SubElement(parent, tag, {"lat": f"{float(lat):.7f}", "lon": f"{float(lon):.7f}"})
    if ele is not None and math.isfinite(float(ele)):
        _text(el, "ele", f"{float(ele):.1f}")
    _text(el, "time", time)  # schema order: ele, time, ..., name, ..., desc, ..., sym
    _text(el, "name", gps_name(name) if name else None)
    _text(el, "desc", desc)
    _text(el, "sym", sym)


def _vertices(line: GpxLine, kind: str) -> list:
    pts = [tuple(map(float, p)) for p in line.points]
    if len(pts) < 2:
        raise InputError(f"GPX {kind} {line.name!r} needs at least two points, it has {len(pts)}")
    if line.times is not None and len(line.times) != len(pts):
        raise InputError(f"GPX {kind} {line.name!r}: {len(line.times)} times for {len(pts)} points")
    return pts


def gpx_document(
    *,
    waypoints: Sequence[GpxPoint] = (),
    routes: Sequence[GpxLine] = (),
    tracks: Sequence[GpxLine] = (),
    name: str | None = None,
    desc: str | None = None,
    time: str | None = None,
) -> str:
    """A GPX 1.1 document (text) with the given waypoints, routes (``rte``) and tracks (``trk``)."""
    if not (waypoints or routes or tracks):
        raise InputError("a GPX file needs at least one waypoint, route or track")
    root = ET.Element("gpx", {"xmlns": GPX_NS, "version": "1.1", "creator": "carpathia"})
    if name or desc or time:
        meta = ET.SubElement(root, "metadata")
        _text(meta, "name", name)
        _text(meta, "desc", desc)
        _text(meta, "time", time)
    for w in waypoints:
        _pt(root, "wpt", w.lon, w.lat, w.ele, w.name, w.desc, w.sym, w.time)
    for r in routes:
        pts = _vertices(r, "route")
        rte = ET.SubElement(root, "rte")
        _text(rte, "name", gps_name(r.name))
        _text(rte, "desc", r.desc)
        for p in pts:
            _pt(rte, "rtept", p[0], p[1], p[2] if len(p) > 2 else None)
    for t in tracks:
        pts = _vertices(t, "track")
        trk = ET.SubElement(root, "trk")
        _text(trk, "name", gps_name(t.name))
        _text(trk, "desc", t.desc)
        seg = ET.SubElement(trk, "trkseg")
        for i, p in enumerate(pts):
            _pt(seg, "trkpt", p[0], p[1], p[2] if len(p) > 2 else None, time=None if t.times is None else t.times[i])
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")  # plain tags under a default xmlns: no ns0 prefixes
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_gpx(path: str | os.PathLike, *, overwrite: bool = False, **content) -> Path:
    """Write :func:`gpx_document` (same keywords) atomically; refuses an existing file unless ``overwrite``."""
    text = gpx_document(**content)
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
