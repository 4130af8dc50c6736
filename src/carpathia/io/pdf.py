"""Printed assignment sheets in the style of the ICS 204 (Assignment List), with a segment map.

The ICS 204 is the form a field team leader carries: who the team is, where to search, how,
for how long, with what radio channels and hazards. carpathia's sheet holds the same blocks
(after FEMA's ICS Form 204, Assignment List) on one A4 page, with a map of the segment on the
shaded relief with a kilometre grid, the lon/lat graticule, a scale bar and a north arrow.

    from carpathia.io.pdf import assignment_sheet_pdf
    assignment_sheet_pdf("101.pdf", {"number": 101, "team": "Salvamont Borșa 1", "segment": "A1",
                                      "tactics": "hasty search of the trail", "hours": 4,
                                      "expected_pod": 0.63}, terrain=terrain, segment_lonlat=poly)

Text is set in DejaVu Sans (shipped with matplotlib, embedded in the PDF), so Romanian and
other accented names print correctly and stay extractable (``pdftotext``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import shapely
import shapely.errors
import shapely.geometry

from carpathia.errors import InputError, OutsideTerrainError

from .files import atomic_output, check_output

__all__ = ["SHEET_FIELDS", "assignment_sheet_pdf"]

#: Fields of the sheet in print order: key → label (after ICS 204 blocks 1–12).
SHEET_FIELDS = {
    "incident": "Incident name",
    "period": "Operational period",
    "number": "Assignment number",
    "segment": "Segment",
    "team": "Team",
    "resource": "Resource type",
    "leader": "Team leader",
    "members": "Team members",
    "tactics": "Tactics / work assignment",
    "hours": "Time in the field",
    "expected_pod": "Expected POD",
    "radio": "Communications (radio)",
    "hazards": "Special instructions / hazards",
    "notes": "Notes",
    "prepared_by": "Prepared by",
}


def _fonts() -> tuple[str, str]:
    from matplotlib import get_data_path
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "CarpathiaSans" not in pdfmetrics.getRegisteredFontNames():
        ttf = Path(get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("CarpathiaSans", str(ttf / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("CarpathiaSans-Bold", str(ttf / "DejaVuSans-Bold.ttf")))
    return "CarpathiaSans", "CarpathiaSans-Bold"


def _polygon(segment_lonlat) -> shapely.Geometry:
    g = segment_lonlat
    try:
        if isinstance(g, Mapping):
            g = shapely.geometry.shape(g.get("geometry", g) if g.get("type") == "Feature" else g)
        elif not isinstance(g, shapely.Geometry):
            g = shapely.Polygon(np.asarray(g, dtype=float)[:, :2])
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as exc:
        raise InputError(f"segment_lonlat must be a polygon: shapely, GeoJSON or a list of (lon, lat) ({exc})") from exc
    if g.geom_type not in ("Polygon", "MultiPolygon") or g.is_empty:
        raise InputError(f"segment_lonlat must be a Polygon or MultiPolygon in lon/lat, not {g.geom_type}")
    xy = shapely.get_coordinates(g)
    if not (np.isfinite(xy).all() and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()):
        raise InputError("segment_lonlat coordinates must be finite lon, lat in degrees")
    return g


def _value(key: str, v) -> str:
    if v is None or (isinstance(v, str) and not v.strip()):
        return "—"
    if key == "expected_pod":
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise InputError(f"expected_pod must be a probability between 0 and 1, not {v!r}") from None
        if not (0.0 <= f <= 1.0):
            raise InputError(f"expected_pod must be between 0 and 1, not {f!r}")
        return f"{f:.0%}"
    if key == "hours" and isinstance(v, (int, float)):
        if not math.isfinite(v) or v < 0:
            raise InputError(f"hours must be a non-negative number, not {v!r}")
        return f"{v:.1f} hours"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def _draw_segment(ax, terrain, segment) -> None:
    for part in shapely.get_parts(segment):
        px, py = terrain.to_xy(*shapely.get_coordinates(part.exterior).T)
        ax.plot(px, py, color="#0d47a1", lw=2.8, zorder=8)
        ax.plot(px, py, color="white", lw=0.8, ls="--", zorder=8.5)


#: Map scales an assignment sheet may print at (the largest that shows the segment is chosen).
SHEET_SCALES = (5000, 10000, 15000, 20000, 25000, 50000, 100000, 250000, 500000)


def sheet_extent(terrain, segment, width_mm: float, height_mm: float) -> tuple[tuple[float, ...], int]:
    """The map extent (terrain CRS) and scale of a sheet's map ``width_mm`` × ``height_mm``: the
    largest of :data:`SHEET_SCALES` at which the segment with a margin of a quarter of its size
    (at least 200 m) fits, centred on it."""
    w, s, e, n = terrain.lonlat_bounds
    c = segment.centroid
    if not (w <= c.x <= e and s <= c.y <= n):
        raise OutsideTerrainError(
            f"the segment (centre {c.y:.5f}, {c.x:.5f}) is outside the terrain ({s:.3f}..{n:.3f} N, {w:.3f}..{e:.3f} E)"
        )
    xy = shapely.get_coordinates(segment)
    x, y = terrain.to_xy(xy[:, 0], xy[:, 1])
    cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    margin = max(200.0, 0.25 * max(x.max() - x.min(), y.max() - y.min()))
    need_w, need_h = x.max() - x.min() + 2 * margin, y.max() - y.min() + 2 * margin
    scale = SHEET_SCALES[-1]
    for sc in SHEET_SCALES:
        if width_mm / 1000 * sc >= need_w and height_mm / 1000 * sc >= need_h:
            scale = sc
            break
    rx, ry = width_mm / 2000 * scale, height_mm / 2000 * scale
    return (cx - rx, cy - ry, cx + rx, cy + ry), scale


def assignment_sheet_pdf(
    path: str | os.PathLike,
    sheet: Mapping,
    *,
    terrain,
    segment_lonlat,
    pmap=None,
    layers: Mapping | None = None,
    formats=None,
    grids: Sequence[str] = ("utm",),
    when=None,
    overwrite: bool = False,
) -> Path:
    """Write one ICS-204-style assignment sheet (A4 PDF) with a map of the segment.

    Parameters
    ----------
    path
        Output ``.pdf``.
    sheet
        The assignment: ``number`` (required), ``incident``, ``period``, ``segment``, ``team``,
        ``resource``, ``leader``, ``members``, ``tactics``, ``hours`` (h), ``expected_pod``
        (0–1), ``radio``, ``hazards``, ``notes``, ``prepared_by``; other keys are printed too.
    terrain
        The incident's :class:`~carpathia.terrain.Terrain`; the map is cropped around the segment.
    segment_lonlat
        The segment polygon in lon/lat: shapely, a GeoJSON geometry or Feature, or (lon, lat) pairs.
    pmap
        Optional probability map on ``terrain``'s grid, drawn under the segment.
    layers
        Optional layers (as for :func:`~carpathia.io.export.write_kml`) drawn for context:
        clues, IPP, landing zones, tracks. Their points (IPP, landing zones, clues) are listed
        in a coordinate box.
    formats
        Coordinate formats of the box (:data:`carpathia.coords.FORMATS`, a list or
        ``"utm,mgrs"``); default UTM, MGRS, degrees and decimal minutes, and Stereo 70 in Romania.
    grids
        Labelled grids on the map (:data:`carpathia.io.grid.GRID_KINDS`): ``("utm",)`` (with the
        MGRS squares), ``("utm", "stereo70")``; the first gives the convergence.
    when
        Date of the magnetic declination (default today).
    overwrite
        Replace an existing file.

    Raises
    ------
    InputError
        No assignment number, an expected POD outside [0, 1], a segment that is not a polygon.
    OutsideTerrainError
        The segment is not on the terrain.

    Notes
    -----
    The map prints at the largest of :data:`SHEET_SCALES` that holds the segment with a margin
    (1:10 000 to 1:50 000 for most segments), 168 × 100 mm, with its grid labels, corner
    coordinates, scale bar and declination as text. About 1–2 s per sheet (the map image is
    drawn with matplotlib at 200 dpi); about 1 MB.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from ._collar import MapFrame, MapNotes, bare_map_png, coordinate_table, corner_text
    from ._layers import check_layers
    from .grid import check_formats, declination, layer_points, make_grid

    p = check_output(path, overwrite=overwrite, suffixes=(".pdf",))
    if not isinstance(sheet, Mapping):
        raise InputError("sheet must be a dict of the assignment's fields (number, team, segment ...)")
    number = sheet.get("number")
    if number is None or not str(number).strip():
        raise InputError("the assignment sheet needs a 'number' (e.g. 101)")
    segment = _polygon(segment_lonlat)
    values = {k: _value(k, sheet.get(k)) for k in SHEET_FIELDS}
    extra = {str(k): _value(str(k), v) for k, v in sheet.items() if k not in SHEET_FIELDS}
    seg_id = values["segment"] if values["segment"] != "—" else "segment"
    checked = check_layers(layers) if layers else []
    if pmap is not None:
        pmap.check_on(terrain)
    map_w_mm, map_h_mm = 168.0, 100.0
    extent, scale = sheet_extent(terrain, segment, map_w_mm, map_h_mm)
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    clon, clat = terrain.to_lonlat_xy(cx, cy)
    view = terrain.crop((float(clon), float(clat)), 0.75 * max(extent[2] - extent[0], extent[3] - extent[1]))
    fmts = check_formats(formats, float(clon), float(clat))
    png = bare_map_png(
        view, extent, round(map_w_mm / 25.4 * 200), round(map_h_mm / 25.4 * 200),
        pmap=pmap, layers=checked, decorate=lambda ax, t: _draw_segment(ax, t, segment),
    )
    step_target = max(3, round(map_w_mm / 22))  # grid lines about 2 cm apart or more
    grid_objs = [make_grid(extent, terrain.crs, g, target=step_target) for g in grids]
    dec = declination(float(clon), float(clat), when, grid=grids[0] if grids else "utm")
    points = layer_points(checked)

    regular, bold = _fonts()
    small = ParagraphStyle("s", fontName=regular, fontSize=9, leading=11)
    label = ParagraphStyle("l", fontName=bold, fontSize=9, leading=11)
    head = ParagraphStyle("h", fontName=bold, fontSize=16, leading=20)
    sub = ParagraphStyle("sub", fontName=regular, fontSize=9, leading=11, textColor=colors.HexColor("#444444"))

    def para(text, style=small):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    rows = [[para(SHEET_FIELDS[k], label), para(values[k])] for k in SHEET_FIELDS if k != "number"]
    rows += [[para(k, label), para(v)] for k, v in extra.items()]
    table = Table(rows, colWidths=[48 * mm, 132 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    tiny = ParagraphStyle("t", fontName=regular, fontSize=6.5, leading=8, textColor=colors.HexColor("#333333"))
    corners = corner_text(terrain.crs, extent)
    grid_note = "; ".join(f"{'blue' if k == 0 else 'red dashed'} grid {g.step / 1000:g} km, {g.zone_text()}"
                          for k, g in enumerate(grid_objs))
    story = [
        para(f"Assignment {number}   Team: {values['team']}", head),
        para(f"Assignment list (ICS 204 style) · {values['incident']} · period {values['period']}", sub),
        Spacer(1, 2 * mm),
        table,
        Spacer(1, 1 * mm),
        para(f"Segment {seg_id} (blue outline) · scale 1:{scale:,}".replace(",", " ") + f" · {grid_note}", tiny),
        MapFrame(png, extent, grid_objs, map_w_mm * mm, map_h_mm * mm, font=regular, bold=bold, pad=16),
        para("   ".join(f"{k} corner {v}" for k, v in corners), tiny),
        MapNotes(180 * mm, (extent[2] - extent[0]) / (map_w_mm * mm), scale, dec, font=regular),
    ]
    if points:
        story += [Spacer(1, 1 * mm), coordinate_table(points, fmts, font=regular, bold=bold, width=180 * mm)]
    story.append(
        para("Made by carpathia. Check the map against the ground; report clues with time and position.", sub)
    )
    if note := terrain.accuracy_note():
        story.append(para(note, sub))
    with atomic_output(p, overwrite=overwrite) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=12 * mm,
            bottomMargin=12 * mm,
            title=f"Assignment {number}",
            author="carpathia",
            subject=f"{values['incident']} assignment {number}, team {values['team']}",
        )
        doc.build(story)
    return p
