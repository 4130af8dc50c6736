"""KML 2.2 (OGC 07-147r2) for Google Earth: the incident's layers, styled, one folder each.

Segments are filled by their probability of area (five classes, legend in the document's
description), assignments are outlined in blue with their number, clues, the IPP and landing
zones get distinct icons, tracks are lines. A ``.kmz`` path writes the same document zipped as
``doc.kml`` (what Google Earth writes).

    from carpathia.io.kml import write_kml
    write_kml("incident.kmz", {"segments": fc_segments, "ipp": fc_ipp, "clues": fc_clues})

Element order inside each element follows the OGC KML 2.2 schema (``ogckml22.xsd``), so strict
readers accept it. Icons are the ones built into Google Earth (``maps.google.com/mapfiles/kml``);
carpathia itself never fetches them.
"""

from __future__ import annotations

import html
import math
import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import shapely

from ._layers import NO_POA_COLOUR, POA_COLOURS, Layer, check_layers, feature_label, poa_class, poa_legend, poa_of
from .files import atomic_output, check_output, xml_text

__all__ = ["KML_NS", "kml_document", "write_kml"]

KML_NS = "http://www.opengis.net/kml/2.2"
_ICONS = "http://maps.google.com/mapfiles/kml/"
#: kind → (icon, icon colour, line colour, line width, fill colour or None); colours as #rrggbb.
_STYLES = {
    "ipp": (_ICONS + "shapes/star.png", "#00c853", "#00c853", 2.0, None),
    "clues": (_ICONS + "shapes/flag.png", "#ffd600", "#ffd600", 2.0, None),
    "landing_zones": (_ICONS + "shapes/heliport.png", "#ffffff", "#00b8d4", 2.0, None),
    "assignments": (_ICONS + "paddle/blu-blank.png", "#1565c0", "#1565c0", 3.0, None),
    "tracks": (_ICONS + "shapes/track.png", "#e040fb", "#e040fb", 2.5, None),
    "containment": (_ICONS + "pushpin/red-pushpin.png", "#c62828", "#c62828", 1.5, None),
    "segments": (_ICONS + "pushpin/wht-pushpin.png", "#ffffff", "#212121", 1.5, NO_POA_COLOUR),
    "other": (_ICONS + "pushpin/ylw-pushpin.png", "#ffeb3b", "#ff6f00", 2.0, "#ff6f00"),
}
_FILL_ALPHA = 0x8C  # 55 % opaque: the imagery stays visible under the POA fill


def _kml_colour(hex_rgb: str, alpha: int = 0xFF) -> str:
    """KML colours are aabbggrr."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}"


def _sub(parent: ET.Element, tag: str, text=None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _style(doc: ET.Element, sid: str, icon: str, icon_col: str, line_col: str, width: float, fill: str | None) -> None:
    st = _sub(doc, "Style", id=sid)
    ist = _sub(st, "IconStyle")
    _sub(ist, "color", _kml_colour(icon_col))
    _sub(ist, "scale", "1.2" if sid in ("ipp", "landing_zones") else "1.0")
    _sub(_sub(ist, "Icon"), "href", icon)
    _sub(_sub(st, "LabelStyle"), "scale", "0.9")
    ls = _sub(st, "LineStyle")
    _sub(ls, "color", _kml_colour(line_col))
    _sub(ls, "width", f"{width:g}")
    ps = _sub(st, "PolyStyle")
    _sub(ps, "color", _kml_colour(fill or "#000000", _FILL_ALPHA if fill else 0))
    _sub(ps, "fill", "1" if fill else "0")
    _sub(ps, "outline", "1")


def _coords(xy) -> str:
    return " ".join(f"{x:.7f},{y:.7f}" for x, y in xy)


def _geometry(parent: ET.Element, geom: shapely.Geometry) -> None:
    kind = geom.geom_type
    if kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coords([(geom.x, geom.y)]))
    elif kind in ("LineString", "LinearRing"):
        ln = _sub(parent, "LineString")
        _sub(ln, "tessellate", "1")
        _sub(ln, "coordinates", _coords(shapely.get_coordinates(geom)))
    elif kind == "Polygon":
        pg = _sub(parent, "Polygon")
        _sub(pg, "tessellate", "1")
        ring = _sub(_sub(pg, "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", _coords(shapely.get_coordinates(geom.exterior)))
        for hole in geom.interiors:
            _sub(_sub(_sub(pg, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(shapely.get_coordinates(hole)))
    else:  # Multi* and GeometryCollection
        multi = _sub(parent, "MultiGeometry")
        for part in shapely.get_parts(geom):
            _geometry(multi, part)


def _description(kind: str, props: dict) -> str:
    rows = []
    poa = poa_of(props)
    if poa is not None:
        rows.append(("POA", f"{poa:.1%}"))
    for k, v in props.items():
        if v is None or k in ("poa", "name", "description", "styleUrl"):
            continue
        if isinstance(v, float) and math.isfinite(v) and k in ("pod", "expected_pod", "pos", "cumulative_pod"):
            v = f"{v:.1%}"
        rows.append((str(k), str(v)))
    text = html.escape(str(props.get("description") or ""))
    table = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return text + (f"<table>{table}</table>" if table else "")


def _placemark(folder: ET.Element, layer: Layer, k: int, geom, props: dict, poa_max: float) -> None:
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", feature_label(layer.kind, props, k))
    desc = _description(layer.kind, props)
    if desc:
        _sub(pm, "description", desc)
    when = props.get("time") or props.get("found_at")
    times = props.get("times")
    if isinstance(times, (list, tuple)) and times and all(isinstance(t, str) and t.strip() for t in times):
        span = _sub(pm, "TimeSpan")  # Google Earth's time slider replays the track
        _sub(span, "begin", times[0].strip())
        _sub(span, "end", times[-1].strip())
    elif isinstance(when, str) and when.strip():
        _sub(_sub(pm, "TimeStamp"), "when", when.strip())
    if layer.kind == "segments":
        c = poa_class(poa_of(props), poa_max)
        _sub(pm, "styleUrl", f"#poa{c}" if c >= 0 else "#segments")
    else:
        _sub(pm, "styleUrl", f"#{layer.kind}")
    data = [(str(key), v) for key, v in props.items() if v is not None and not isinstance(v, (dict, list))]
    if data:
        ed = _sub(pm, "ExtendedData")
        for key, v in data:
            _sub(_sub(ed, "Data", name=key), "value", v)
    _geometry(pm, geom)


def kml_document(layers: dict, *, name: str | None = None) -> str:
    """The KML 2.2 text for ``layers`` (name → GeoJSON FeatureCollection in lon/lat); see :func:`write_kml`."""
    checked = [layer for layer in check_layers(layers) if layer.features]
    root = ET.Element("kml", {"xmlns": KML_NS})
    doc = _sub(root, "Document")
    _sub(doc, "name", name or "carpathia incident")
    _sub(doc, "open", "1")
    seg_max = max((layer.poa_max() for layer in checked if layer.kind == "segments"), default=0.0)
    legend = "<b>Segments, probability of area (POA)</b><br/>" if seg_max > 0 else ""
    if seg_max > 0:
        legend += "".join(
            f'<span style="background:{c}">&#160;&#160;&#160;&#160;</span> {html.escape(t)}<br/>'
            for c, t in poa_legend(seg_max)
        )
    legend += "IPP: green star; clues: yellow flags; landing zones: H; assignments: blue; tracks: magenta."
    _sub(doc, "description", legend + "<br/>Made by carpathia.")
    for kind, (icon, icol, lcol, width, fill) in _STYLES.items():
        _style(doc, kind, icon, icol, lcol, width, fill)
    for k, colour in enumerate(POA_COLOURS):
        _style(doc, f"poa{k}", *_STYLES["segments"][:4], colour)
    for layer in checked:
        folder = _sub(doc, "Folder")
        _sub(folder, "name", layer.name)
        _sub(folder, "description", f"{len(layer.features)} feature(s), {layer.kind.replace('_', ' ')}")
        for k, (geom, props) in enumerate(layer.features):
            _placemark(folder, layer, k, geom, props, seg_max)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_kml(path: str | os.PathLike, layers: dict, *, name: str | None = None, overwrite: bool = False) -> Path:
    """Write the incident's layers as KML (``.kml``) or zipped KML (``.kmz``) for Google Earth.

    Parameters
    ----------
    path
        Output file, ``.kml`` or ``.kmz``.
    layers
        Layer name → GeoJSON FeatureCollection dict in WGS 84 lon/lat. One folder per non-empty
        layer, in the order given. Recognised names (styling): ``segments`` (filled by the
        ``poa`` property, 0–1), ``assignments``, ``clues``, ``ipp``, ``tracks``,
        ``landing_zones``, ``containment``.
    name
        Document name shown in Google Earth's Places panel.
    overwrite
        Replace an existing file.

    Raises
    ------
    InputError
        Bad layers or suffix. OutputExistsError: the file exists and ``overwrite`` is False.
    """
    p = check_output(path, overwrite=overwrite, suffixes=(".kml", ".kmz"))
    text = kml_document(layers, name=name)
    with atomic_output(p, overwrite=overwrite) as tmp:
        if p.suffix.lower() == ".kmz":
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
                z.writestr("doc.kml", text)
        else:
            tmp.write_text(text, encoding="utf-8")
    return p
