"""Reading field data: GPX 1.0 and 1.1, KML and KMZ, GeoJSON, into one plain structure.

What comes back from the field is a team's GPS track log, a route someone planned in Google
Earth, the clue waypoints a searcher marked, or segment polygons drawn in QGIS or CalTopo.
:func:`read_geodata` reads them all into a :class:`GeoData` of waypoints, routes, tracks and
polygons in lon/lat (WGS 84):

    from carpathia.io.geodata import read_geodata
    data = read_geodata("team-3.gpx", within=terrain)     # refuses a file 500 km away
    for t in data.tracks:
        print(t.name, len(t.lon), t.times[0])               # "2013-06-30T15:42:58Z", zone as given

The XML formats are parsed with the standard library (expat): every file a GPS unit, Google
Earth or gpxpy writes is small, the times must keep the zone they were written with (GDAL's
drivers convert them), and a bad file must give one clear error. Anything the reader cannot
use raises :class:`~carpathia.errors.VectorFileError` (a ``DataFileError``, ``ValueError``)
whose message names the file, the feature and what to fix; a coordinate far from the incident
raises :class:`~carpathia.errors.OutsideTerrainError`. No other exception escapes (a fuzz test
of mutated files checks this).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import shapely

from carpathia.errors import FileNotFound, OutsideTerrainError, VectorFileError

__all__ = ["GeoData", "GeoLine", "GeoPoint", "GeoPolygon", "read_geodata"]

#: Largest file read (bytes), and largest ``doc.kml`` unpacked from a KMZ: far above any GPS log.
MAX_BYTES = 256 * 1024 * 1024
#: Default tolerance of :func:`read_geodata`'s ``within`` check: coordinates up to this far
#: outside the terrain are accepted (a team that walked off the map edge). carpathia's assumption.
WITHIN_MARGIN_M = 5000.0
_M_PER_DEG = 111_195.0  # mean Earth radius 6371.0 km × π / 180
# What zipfile raises on a damaged or unusual archive (RuntimeError: encrypted; zlib.error: bad data).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError)


@dataclass(frozen=True)
class GeoPoint:
    """A waypoint: lon, lat (degrees, WGS 84), elevation (m) or None, time as written, name."""

    lon: float
    lat: float
    ele: float | None = None
    time: str | None = None
    name: str = ""
    desc: str = ""
    properties: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GeoLine:
    """A route or track: vertices in lon/lat (degrees), elevations (m, NaN where missing), times.

    ``times`` holds one ISO 8601 string per vertex exactly as the file wrote it (zone kept:
    ``Z``, ``+02:00`` or none), None where a vertex has no time; ``times`` is None when no vertex
    has one.
    """

    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray | None = None
    times: tuple[str | None, ...] | None = None
    name: str = ""
    desc: str = ""
    properties: dict = field(default_factory=dict)

    def datetimes(self) -> list[datetime | None]:
        """The times as :class:`datetime` objects (aware when the file gave a zone, else naive)."""
        return [None if t is None else _parse_time(t) for t in (self.times or (None,) * len(self.lon))]

    def utc(self) -> np.ndarray | None:
        """Times as ``datetime64[s]`` in UTC (NaT where missing; a time without zone is taken as UTC)."""
        if self.times is None:
            return None
        if all(t is None or t.endswith(("Z", "z")) for t in self.times):  # the usual case: vectorised
            plain = [("NaT" if t is None else t[:-1]) for t in self.times]
            try:
                return np.array(plain, dtype="datetime64[us]").astype("datetime64[s]")
            except ValueError:
                pass  # numpy reads fewer ISO forms than datetime (e.g. a week date): go one by one
        out = np.full(len(self.lon), np.datetime64("NaT"), dtype="datetime64[s]")
        for k, d in enumerate(self.datetimes()):
            if d is None:
                continue
            try:
                if d.tzinfo is not None:
                    d = d.astimezone(UTC).replace(tzinfo=None)
            except OverflowError:  # year 1 at +05:00: before datetime's range in UTC; leave NaT
                continue
            out[k] = np.datetime64(d.replace(microsecond=0), "s")
        return out

    @property
    def geometry(self) -> shapely.LineString:
        return shapely.LineString(np.column_stack([self.lon, self.lat]))


@dataclass(frozen=True)
class GeoPolygon:
    """A polygon in lon/lat (shapely, degrees) with its name and properties (``id``, ``poa`` ...)."""

    geometry: shapely.Polygon
    name: str = ""
    desc: str = ""
    properties: dict = field(default_factory=dict)


@dataclass
class GeoData:
    """Everything read from one file, in lon/lat (WGS 84) degrees.

    Attributes
    ----------
    waypoints
        Points: GPX waypoints, KML and GeoJSON points.
    routes
        Planned lines: GPX routes (``rte``).
    tracks
        Lines travelled: GPX track segments (one :class:`GeoLine` per ``trkseg``, with times),
        KML ``LineString`` and ``gx:Track``, GeoJSON lines.
    polygons
        KML and GeoJSON polygons (multi-polygons split into parts).
    source
        The path read.
    """

    waypoints: list[GeoPoint] = field(default_factory=list)
    routes: list[GeoLine] = field(default_factory=list)
    tracks: list[GeoLine] = field(default_factory=list)
    polygons: list[GeoPolygon] = field(default_factory=list)
    source: str = ""

    def __len__(self) -> int:
        return len(self.waypoints) + len(self.routes) + len(self.tracks) + len(self.polygons)

    def coordinates(self) -> np.ndarray:
        """Every vertex as an (n, 2) array of lon, lat."""
        parts = [np.array([[p.lon, p.lat] for p in self.waypoints]).reshape(-1, 2)]
        parts += [np.column_stack([ln.lon, ln.lat]) for ln in (*self.routes, *self.tracks)]
        parts += [shapely.get_coordinates(p.geometry) for p in self.polygons]
        return np.concatenate(parts) if parts else np.empty((0, 2))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of every vertex, degrees."""
        xy = self.coordinates()
        return (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))

    def check_within(self, area, *, margin_m: float = WITHIN_MARGIN_M) -> None:
        """Raise :class:`OutsideTerrainError` if a vertex lies more than ``margin_m`` outside ``area``.

        ``area`` is a :class:`~carpathia.terrain.Terrain` (its lon/lat bounds are used) or
        ``(west, south, east, north)`` in degrees. Distances are on a sphere, to a few per cent.
        """
        w, s, e, n = _area_bounds(area)
        xy = self.coordinates()
        lat0 = np.clip(xy[:, 1], s, n)
        dlon = np.maximum(w - xy[:, 0], 0) + np.maximum(xy[:, 0] - e, 0)
        dlat = np.maximum(s - xy[:, 1], 0) + np.maximum(xy[:, 1] - n, 0)
        dist = _M_PER_DEG * np.hypot(dlat, dlon * np.cos(np.radians(lat0)))
        k = int(np.argmax(dist))
        if dist[k] > margin_m:
            raise OutsideTerrainError(
                f"{self.source or 'the data'}: point ({xy[k, 1]:.5f}, {xy[k, 0]:.5f}) lat, lon lies "
                f"{dist[k] / 1000:.0f} km outside the incident's terrain "
                f"({s:.3f}..{n:.3f} N, {w:.3f}..{e:.3f} E); check that this is the right file"
            )

    def to_geojson(self) -> dict:
        """A GeoJSON FeatureCollection; each feature's ``kind`` is waypoint, route, track or polygon."""
        feats = []
        for p in self.waypoints:
            props = {**p.properties, "kind": "waypoint", "name": p.name, "time": p.time, "ele": p.ele}
            feats.append(_feature({"type": "Point", "coordinates": [p.lon, p.lat]}, props))
        for kind, lines in (("route", self.routes), ("track", self.tracks)):
            for ln in lines:
                props = {**ln.properties, "kind": kind, "name": ln.name}
                if ln.times is not None:
                    props["times"] = list(ln.times)
                coords = np.column_stack([ln.lon, ln.lat]).tolist()
                feats.append(_feature({"type": "LineString", "coordinates": coords}, props))
        for pg in self.polygons:
            feats.append(_feature(shapely.geometry.mapping(pg.geometry), {**pg.properties, "kind": "polygon"}))
        return {"type": "FeatureCollection", "features": feats}


def _feature(geometry: dict, properties: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _area_bounds(area) -> tuple[float, float, float, float]:
    box = getattr(area, "lonlat_bounds", area)
    try:
        w, s, e, n = (float(v) for v in box)
    except (TypeError, ValueError) as exc:
        raise OutsideTerrainError("within= takes a Terrain or (west, south, east, north) in degrees") from exc
    if not (w < e and s < n):
        raise OutsideTerrainError(f"within=({w}, {s}, {e}, {n}) is not (west, south, east, north)")
    return w, s, e, n


# ---------------------------------------------------------------------- entry point
def read_geodata(path: str | os.PathLike, *, within=None, margin_m: float = WITHIN_MARGIN_M) -> GeoData:
    """Read the waypoints, routes, tracks and polygons of a GPX, KML, KMZ or GeoJSON file.

    Parameters
    ----------
    path
        ``.gpx`` (1.0 or 1.1), ``.kml``, ``.kmz`` or ``.geojson``/``.json``; another suffix is
        recognised by the file's first bytes.
    within
        A :class:`~carpathia.terrain.Terrain` or ``(west, south, east, north)`` in degrees: refuse
        the file if any coordinate lies more than ``margin_m`` metres outside it.
    margin_m
        Tolerance of the ``within`` check, metres (default 5 km, carpathia's assumption).

    Returns
    -------
    GeoData
        At least one feature. Times are kept as written (ISO 8601, zone as given).

    Raises
    ------
    FileNotFound
        No such file.
    VectorFileError
        Empty, truncated or malformed file, a file without any feature, a coordinate that is
        not a longitude/latitude (out of range, NaN, not a number), an unreadable time.
    OutsideTerrainError
        With ``within``: a coordinate far from the terrain.

    Notes
    -----
    Memory and time are linear in the file size; the whole file is read into memory (at most
    256 MB, and 256 MB unpacked from a KMZ).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFound(f"{p}: no such file; check the path")
    if p.is_dir():
        raise VectorFileError(f"{p} is a folder; give a GPX, KML, KMZ or GeoJSON file")
    size = p.stat().st_size
    if size == 0:
        raise VectorFileError(f"{p} is empty (0 bytes)")
    if size > MAX_BYTES:
        raise VectorFileError(f"{p} is {size / 2**20:.0f} MB; carpathia reads vector files up to 256 MB")
    data = p.read_bytes()
    kind = _kind(p, data)
    if kind == "kmz":
        data, kind = _unzip_kml(p, data), "kml"
    out = GeoData(source=str(p))
    if kind == "geojson":
        _read_geojson(p, data, out)
    else:
        root = _parse_xml(p, data)
        tag = _local(root.tag)
        if tag == "gpx":
            _read_gpx(p, root, out)
        elif tag == "kml":
            _read_kml(p, root, out)
        else:
            raise VectorFileError(f"{p}: an XML file whose root is <{tag}>, neither GPX (<gpx>) nor KML (<kml>)")
    if not len(out):
        raise VectorFileError(f"{p} holds no waypoint, route, track or polygon; check that it is the right file")
    if within is not None:
        out.check_within(within, margin_m=margin_m)
    return out


def _kind(p: Path, data: bytes) -> str:
    suffix = p.suffix.lower()
    if suffix in (".gpx", ".kml"):
        return "xml"
    if suffix == ".kmz" or data[:4] == b"PK\x03\x04":
        return "kmz"
    if suffix in (".geojson", ".json"):
        return "geojson"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "geojson"
    return "xml"


def _unzip_kml(p: Path, data: bytes) -> bytes:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [i for i in z.infolist() if i.filename.lower().endswith(".kml") and not i.is_dir()]
            if not names:
                raise VectorFileError(f"{p}: a KMZ must hold a .kml document (doc.kml); this one holds none")
            doc = next((i for i in names if i.filename.lower() == "doc.kml"), names[0])  # Google's rule: the first
            if doc.file_size > MAX_BYTES:
                raise VectorFileError(f"{p}: {doc.filename} unpacks to {doc.file_size} bytes; too large")
            with z.open(doc) as fh:
                text = fh.read(MAX_BYTES + 1)
    except VectorFileError:
        raise
    except _ZIP_ERRORS as exc:
        raise VectorFileError(f"{p} is not a readable KMZ (zip) file: {exc}; re-export it from Google Earth") from exc
    if len(text) > MAX_BYTES:
        raise VectorFileError(f"{p}: the KML inside unpacks to more than 256 MB")
    if not text:
        raise VectorFileError(f"{p}: the KML inside the KMZ is empty")
    return text


# ---------------------------------------------------------------------- XML helpers
def _parse_xml(p: Path, data: bytes) -> ET.Element:
    # Entity declarations have no place in GPX or KML and are how XML bombs work: refuse them.
    if b"<!ENTITY" in data or b"<\x00!\x00E\x00N\x00T\x00I\x00T\x00Y" in data:
        raise VectorFileError(f"{p} declares XML entities; GPX and KML files do not, so it is refused")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise VectorFileError(f"{p} is not well-formed XML ({exc}); the file may be truncated or damaged") from exc
    except (ValueError, LookupError, UnicodeError) as exc:  # an encoding Python or expat cannot decode
        raise VectorFileError(f"{p}: cannot decode the XML ({exc}); save it as UTF-8") from exc


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: ET.Element, name: str) -> Iterator[ET.Element]:
    return (c for c in el if _local(c.tag) == name)


def _child_text(el: ET.Element, name: str) -> str:
    for c in _children(el, name):
        return "".join(c.itertext()).strip()
    return ""


def _number(p: Path, text, where: str, what: str) -> float:
    try:
        v = float(text)
    except (TypeError, ValueError, OverflowError):
        raise VectorFileError(f"{p}: {where} has {what} {text!r}, which is not a number") from None
    if not math.isfinite(v):
        raise VectorFileError(f"{p}: {where} has {what} {text!r}; it must be a finite number")
    return v


def _lonlat(p: Path, lon, lat, where: str) -> tuple[float, float]:
    x = _number(p, lon, where, "longitude")
    y = _number(p, lat, where, "latitude")
    if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
        raise VectorFileError(
            f"{p}: {where} has longitude {x:g}, latitude {y:g}: outside ±180°, ±90°; are lon and lat swapped?"
        )
    return x, y


def _parse_time(text: str) -> datetime:
    t = text.strip()
    if t.endswith(("z", "Z")):
        t = t[:-1] + "+00:00"
    return datetime.fromisoformat(t)


def _time(p: Path, text: str, where: str) -> str | None:
    t = text.strip()
    if not t:
        return None
    try:
        _parse_time(t)
    except ValueError:
        raise VectorFileError(f"{p}: {where} has time {t!r}, not an ISO 8601 time like 2024-01-05T10:00:00Z") from None
    return t


# ---------------------------------------------------------------------- GPX
def _gpx_point(p: Path, el: ET.Element, where: str) -> tuple[float, float, float, str | None]:
    lon, lat = _lonlat(p, el.get("lon"), el.get("lat"), where)
    ele_text = _child_text(el, "ele")
    ele = _number(p, ele_text, where, "elevation") if ele_text else math.nan
    return lon, lat, ele, _time(p, _child_text(el, "time"), where)


def _gpx_line(p: Path, pts: Sequence[ET.Element], name: str, desc: str, where: str) -> GeoLine | None:
    rows = [_gpx_point(p, el, f"{where} point {k + 1}") for k, el in enumerate(pts)]
    if len(rows) < 2:
        return None  # a single fix sweeps nothing and draws nothing
    lon, lat, ele = (np.array([r[i] for r in rows], dtype=float) for i in range(3))
    times = tuple(r[3] for r in rows)
    return GeoLine(
        lon,
        lat,
        None if np.isnan(ele).all() else ele,
        None if all(t is None for t in times) else times,
        name,
        desc,
    )


def _read_gpx(p: Path, root: ET.Element, out: GeoData) -> None:
    """GPX 1.0 and 1.1 (and namespace-less files): same element names, only the namespace differs."""
    for k, w in enumerate(_children(root, "wpt")):
        name = _child_text(w, "name")
        where = f"waypoint {name or k + 1!r}"
        lon, lat, ele, t = _gpx_point(p, w, where)
        props = {"sym": _child_text(w, "sym"), "type": _child_text(w, "type")}
        out.waypoints.append(
            GeoPoint(lon, lat, None if math.isnan(ele) else ele, t, name, _child_text(w, "desc"), props)
        )
    for k, r in enumerate(_children(root, "rte")):
        name = _child_text(r, "name") or f"route {k + 1}"
        line = _gpx_line(p, list(_children(r, "rtept")), name, _child_text(r, "desc"), f"route {name!r}")
        if line is not None:
            out.routes.append(line)
    for k, t in enumerate(_children(root, "trk")):
        name = _child_text(t, "name") or f"track {k + 1}"
        segs = list(_children(t, "trkseg"))
        for j, s in enumerate(segs):
            label = name if len(segs) == 1 else f"{name} (segment {j + 1})"
            line = _gpx_line(p, list(_children(s, "trkpt")), label, _child_text(t, "desc"), f"track {label!r}")
            if line is not None:
                out.tracks.append(line)


# ---------------------------------------------------------------------- KML
def _kml_coords(p: Path, text: str, where: str) -> np.ndarray:
    rows = []
    for k, tup in enumerate(text.split()):
        parts = tup.split(",")
        if len(parts) < 2 or len(parts) > 3:
            raise VectorFileError(f"{p}: {where} vertex {k + 1} is {tup!r}, not lon,lat[,alt]")
        lon, lat = _lonlat(p, parts[0], parts[1], f"{where} vertex {k + 1}")
        alt = _number(p, parts[2], f"{where} vertex {k + 1}", "altitude") if len(parts) == 3 else math.nan
        rows.append((lon, lat, alt))
    return np.array(rows, dtype=float).reshape(-1, 3)


def _ring(p: Path, el: ET.Element | None, where: str) -> np.ndarray | None:
    if el is None:
        return None
    for ring in el.iter():
        if _local(ring.tag) == "LinearRing":
            xyz = _kml_coords(p, _child_text(ring, "coordinates"), where)
            if len(xyz) < 3:
                raise VectorFileError(f"{p}: {where} has a ring of {len(xyz)} vertices; a polygon needs 3 or more")
            return xyz[:, :2]
    return None


def _polygon(p: Path, xy_outer: np.ndarray, holes: list[np.ndarray], where: str) -> shapely.Polygon:
    poly = shapely.Polygon(xy_outer, holes)
    if poly.is_empty or not poly.area > 0:
        raise VectorFileError(f"{p}: {where} is a polygon without area; check its coordinates")
    return poly


def _kml_geometries(el: ET.Element) -> Iterator[ET.Element]:
    for c in el:
        tag = _local(c.tag)
        if tag == "MultiGeometry" or tag == "MultiTrack":
            yield from _kml_geometries(c)
        elif tag in ("Point", "LineString", "LinearRing", "Polygon", "Track"):
            yield c


def _read_kml(p: Path, root: ET.Element, out: GeoData) -> None:
    for k, pm in enumerate(el for el in root.iter() if _local(el.tag) == "Placemark"):
        name = _child_text(pm, "name")
        desc = _child_text(pm, "description")
        where = f"placemark {name or k + 1!r}"
        props = _kml_extended_data(pm)
        stamp = next((el for el in pm.iter() if _local(el.tag) == "TimeStamp"), None)
        when = _time(p, _child_text(stamp, "when"), where) if stamp is not None else None
        for g in _kml_geometries(pm):
            tag = _local(g.tag)
            if tag == "Point":
                xyz = _kml_coords(p, _child_text(g, "coordinates"), where)
                if len(xyz) != 1:
                    raise VectorFileError(f"{p}: {where} is a Point with {len(xyz)} coordinates")
                ele = None if math.isnan(xyz[0, 2]) else float(xyz[0, 2])
                out.waypoints.append(GeoPoint(float(xyz[0, 0]), float(xyz[0, 1]), ele, when, name, desc, props))
            elif tag in ("LineString", "LinearRing"):
                xyz = _kml_coords(p, _child_text(g, "coordinates"), where)
                if len(xyz) >= 2:
                    ele = None if np.isnan(xyz[:, 2]).all() else xyz[:, 2].copy()
                    out.tracks.append(GeoLine(xyz[:, 0].copy(), xyz[:, 1].copy(), ele, None, name, desc, props))
            elif tag == "Track":
                line = _kml_track(p, g, name, desc, props, where)
                if line is not None:
                    out.tracks.append(line)
            else:  # Polygon
                outer = _ring(p, next(_children(g, "outerBoundaryIs"), None), where)
                if outer is None:
                    raise VectorFileError(f"{p}: {where} is a Polygon without an outer boundary")
                holes = [_ring(p, h, where) for h in _children(g, "innerBoundaryIs")]
                poly = _polygon(p, outer, [h for h in holes if h is not None], where)
                out.polygons.append(GeoPolygon(poly, name, desc, props))


def _kml_track(p: Path, g: ET.Element, name: str, desc: str, props: dict, where: str) -> GeoLine | None:
    """``gx:Track``: parallel ``when`` and ``gx:coord`` ("lon lat alt", spaces) lists."""
    whens = [_time(p, "".join(w.itertext()), where) for w in _children(g, "when")]
    rows = []
    for k, c in enumerate(_children(g, "coord")):
        parts = "".join(c.itertext()).split()
        if len(parts) not in (2, 3):
            raise VectorFileError(f"{p}: {where} gx:coord {k + 1} is {' '.join(parts)!r}, not 'lon lat alt'")
        lon, lat = _lonlat(p, parts[0], parts[1], f"{where} gx:coord {k + 1}")
        alt = _number(p, parts[2], f"{where} gx:coord {k + 1}", "altitude") if len(parts) == 3 else math.nan
        rows.append((lon, lat, alt))
    if whens and len(whens) != len(rows):
        raise VectorFileError(f"{p}: {where} is a gx:Track with {len(whens)} <when> for {len(rows)} <gx:coord>")
    if len(rows) < 2:
        return None
    xyz = np.array(rows, dtype=float)
    times = tuple(whens) if whens and any(t is not None for t in whens) else None
    ele = None if np.isnan(xyz[:, 2]).all() else xyz[:, 2].copy()
    return GeoLine(xyz[:, 0].copy(), xyz[:, 1].copy(), ele, times, name, desc, props)


def _kml_extended_data(pm: ET.Element) -> dict:
    props: dict = {}
    for ed in _children(pm, "ExtendedData"):
        for el in ed.iter():
            tag = _local(el.tag)
            if tag in ("Data", "SimpleData") and el.get("name"):
                value = _child_text(el, "value") if tag == "Data" else "".join(el.itertext()).strip()
                props[el.get("name")] = value
    return props


# ---------------------------------------------------------------------- GeoJSON
def _read_geojson(p: Path, data: bytes, out: GeoData) -> None:
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise VectorFileError(f"{p} is not valid GeoJSON ({exc}); the file may be truncated") from exc
    if not isinstance(obj, dict) or "type" not in obj:
        raise VectorFileError(f"{p}: a GeoJSON file is an object with a 'type' (FeatureCollection, Feature ...)")
    if obj.get("type") == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise VectorFileError(f"{p}: the FeatureCollection has no 'features' list")
    elif obj.get("type") == "Feature":
        feats = [obj]
    else:
        feats = [{"type": "Feature", "properties": {}, "geometry": obj}]
    for k, f in enumerate(feats):
        if not isinstance(f, dict):
            raise VectorFileError(f"{p}: feature {k + 1} is not a GeoJSON object")
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            raise VectorFileError(f"{p}: feature {k + 1} has properties that are not an object")
        name = str(props.get("name") or props.get("id") or "")
        where = f"feature {name or k + 1!r}"
        if f.get("geometry") is not None:
            _geojson_geometry(p, f["geometry"], props, name, where, out)


def _array(p: Path, coords, where: str, depth: int) -> np.ndarray:
    try:
        a = np.asarray(coords, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise VectorFileError(f"{p}: {where} has coordinates that are not numbers") from None
    if a.ndim != depth or a.shape[-1] not in (2, 3) or (depth > 1 and a.shape[0] == 0):
        raise VectorFileError(f"{p}: {where} has coordinates of the wrong shape {a.shape}")
    flat = a.reshape(-1, a.shape[-1])
    for lon, lat in flat[:, :2]:
        _lonlat(p, lon, lat, where)
    return a


def _geojson_geometry(p: Path, g, props: dict, name: str, where: str, out: GeoData) -> None:
    if not isinstance(g, dict):
        raise VectorFileError(f"{p}: {where} has a geometry that is not a GeoJSON object")
    kind, coords = g.get("type"), g.get("coordinates")
    desc = str(props.get("description") or props.get("desc") or "")
    if kind == "GeometryCollection":
        for sub in g.get("geometries") or []:
            _geojson_geometry(p, sub, props, name, where, out)
    elif kind in ("Point", "MultiPoint"):
        a = _array(p, coords, where, 1 if kind == "Point" else 2)
        a = a.reshape(-1, a.shape[-1])
        for row in a:
            ele = float(row[2]) if len(row) == 3 else None
            out.waypoints.append(GeoPoint(float(row[0]), float(row[1]), ele, _props_time(p, props), name, desc, props))
    elif kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else (coords if isinstance(coords, list) else [None])
        for part in lines:
            a = _array(p, part, where, 2)
            if len(a) >= 2:
                times = _props_times(p, props, len(a), where) if len(lines) == 1 else None
                ele = a[:, 2].copy() if a.shape[1] == 3 else None
                out.tracks.append(GeoLine(a[:, 0].copy(), a[:, 1].copy(), ele, times, name, desc, props))
    elif kind in ("Polygon", "MultiPolygon"):
        polys = [coords] if kind == "Polygon" else (coords if isinstance(coords, list) else [None])
        for part in polys:
            if not isinstance(part, list) or not part:
                raise VectorFileError(f"{p}: {where} is a polygon without rings")
            rings = [_array(p, r, where, 2)[:, :2] for r in part]
            if any(len(r) < 3 for r in rings):
                raise VectorFileError(f"{p}: {where} has a ring of fewer than 3 vertices")
            out.polygons.append(GeoPolygon(_polygon(p, rings[0], rings[1:], where), name, desc, props))
    else:
        raise VectorFileError(f"{p}: {where} has geometry type {kind!r}, not a GeoJSON geometry")


def _props_time(p: Path, props: dict) -> str | None:
    t = props.get("time")
    return _time(p, t, "a feature") if isinstance(t, str) else None


def _props_times(p: Path, props: dict, n: int, where: str) -> tuple[str | None, ...] | None:
    """Per-vertex times from ``times`` (carpathia) or ``coordTimes`` (togeojson, CalTopo)."""
    raw = props.get("times", props.get("coordTimes"))
    if not isinstance(raw, list) or len(raw) != n:
        return None
    times = tuple(_time(p, t, where) if isinstance(t, str) else None for t in raw)
    return times if any(t is not None for t in times) else None
