"""Maps printed at scale: 1:25 000 or 1:50 000 on A4 or A3, tiled over several sheets, as a
geospatial PDF.

    from carpathia.io.printmap import print_map
    print_map("ops-25k.pdf", terrain=terrain, pmap=pmap, layers=layers, scale=25000, paper="A3")

Each sheet holds the map at exactly the scale asked (the map's rectangle on the page is its
ground extent divided by the scale), the labelled UTM grid (and Stereo 70 if asked), corner
coordinates, a scale bar a ruler can check (1 km = 40 mm at 1:25 000), the declination diagram,
a coordinate box of the IPP, landing zones and clues on that sheet, and an index of the sheets.
Sheets overlap by 10 mm so nothing falls in a gap between two pages.

Every page is georeferenced by the ISO 32000 geospatial extension (PDF 2.0, 12.9; Adobe's
extension level 3 to PDF 1.7): a viewport (``/VP``) over the map's rectangle with a ``/Measure``
dictionary of subtype ``/GEO`` that pairs the rectangle's corners (``/LPTS``) with their
latitude and longitude (``/GPTS``) and names the map's projected CRS (``/GCS`` with its EPSG
code and WKT). GDAL's PDF driver reads it (``gdalinfo`` shows the CRS and geotransform), as do
Avenza Maps and QGIS. Printing at "actual size" keeps the scale; "fit to page" does not, which
the sheet says in words next to the scale bar.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from carpathia.errors import InputError

from ._collar import MM
from .files import atomic_output, check_output

__all__ = ["PAPERS", "SCALES", "PrintLayout", "layout_sheets", "print_map"]

#: Paper sizes (portrait width, height in mm), ISO 216.
PAPERS = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
#: Scales offered for printing (the denominators of 1:N).
SCALES = (10000, 25000, 50000, 100000)
_MARGIN = 10.0  # mm: most printers cannot print the outer 4-6 mm
_PAD = 6.0  # mm around the map for the grid labels
_TOP = 20.0  # mm: title, grid note and legend (two rows)
_BOTTOM = 36.0  # mm: scale bar, declination, coordinate box, index
_OVERLAP = 10.0  # mm of map shared by neighbouring sheets


@dataclass(frozen=True)
class PrintLayout:
    """Where the sheets lie: page size (mm), map rectangle on the page (mm from the lower left),
    and each sheet's ground extent (left, bottom, right, top in the map's CRS) with its row and
    column in the series."""

    paper: str
    landscape: bool
    page_mm: tuple[float, float]
    map_mm: tuple[float, float, float, float]
    scale: int
    sheets: list[tuple[int, int, tuple[float, float, float, float]]]


def _check(scale, paper) -> tuple[int, str]:
    try:
        sc = int(scale)
    except (TypeError, ValueError):
        raise InputError(f"scale must be a whole number like 25000 (for 1:25 000), not {scale!r}") from None
    if sc < 1000 or sc > 1_000_000:
        raise InputError(f"scale 1:{sc} is outside 1:1000 to 1:1 000 000")
    p = str(paper).strip().upper()
    if p not in PAPERS:
        raise InputError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    return sc, p


def layout_sheets(extent, scale: int, paper: str = "A4", *, orientation: str = "auto") -> PrintLayout:
    """The sheets covering ``extent`` (left, bottom, right, top, metres) at 1:``scale`` on
    ``paper``: landscape or portrait (``auto``: whichever needs fewer sheets, landscape on a tie),
    overlapping by 10 mm, the series centred on the extent."""
    sc, p = _check(scale, paper)
    left, bottom, right, top = (float(v) for v in extent)
    if not (right > left and top > bottom):
        raise InputError(f"print extent {extent!r} is empty")
    options = []
    for land in (True, False):
        if orientation != "auto" and land != (orientation == "landscape"):
            continue
        pw, ph = PAPERS[p]
        if land:
            pw, ph = ph, pw
        mw = pw - 2 * _MARGIN - 2 * _PAD
        mh = ph - 2 * _MARGIN - 2 * _PAD - _TOP - _BOTTOM
        gw, gh = mw / 1000 * sc, mh / 1000 * sc  # ground metres per sheet
        ov = _OVERLAP / 1000 * sc
        cols = max(1, math.ceil((right - left - ov) / (gw - ov)))
        rows = max(1, math.ceil((top - bottom - ov) / (gh - ov)))
        options.append((cols * rows, not land, land, (pw, ph), (mw, mh), gw, gh, ov, cols, rows))
    if not options:
        raise InputError(f"orientation must be auto, landscape or portrait, not {orientation!r}")
    _, _, land, (pw, ph), (mw, mh), gw, gh, ov, cols, rows = min(options)
    total_w, total_h = cols * gw - (cols - 1) * ov, rows * gh - (rows - 1) * ov
    x0 = (left + right) / 2 - total_w / 2
    y1 = (bottom + top) / 2 + total_h / 2
    sheets = []
    for r in range(rows):
        for c in range(cols):
            sl = x0 + c * (gw - ov)
            st = y1 - r * (gh - ov)
            sheets.append((r, c, (sl, st - gh, sl + gw, st)))
    map_mm = (_MARGIN + _PAD, _MARGIN + _BOTTOM + _PAD, mw, mh)
    return PrintLayout(p, land, (pw, ph), map_mm, sc, sheets)


def _geo_viewport(bbox_pt, extent, crs):
    """The ISO 32000 ``/VP`` array for a map at ``bbox_pt`` (x0, y0, x1, y1) showing ``extent``."""
    from pyproj import CRS, Transformer
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFString

    left, bottom, right, top = extent
    tr = Transformer.from_crs(crs, 4326, always_xy=True)
    corners = [(left, bottom), (left, top), (right, top), (right, bottom)]
    lpts = [(0, 0), (0, 1), (1, 1), (1, 0)]
    gpts = []
    for x, y in corners:
        lon, lat = tr.transform(x, y)
        gpts += [f"{lat:.10f}", f"{lon:.10f}"]
    c = CRS.from_user_input(crs)
    gcs = {"Type": PDFName("PROJCS"), "WKT": PDFString(c.to_wkt("WKT1_GDAL"))}
    if c.to_epsg():
        gcs["EPSG"] = str(c.to_epsg())
    measure = PDFDictionary(
        {
            "Type": PDFName("Measure"),
            "Subtype": PDFName("GEO"),
            "Bounds": PDFArray(["0", "0", "0", "1", "1", "1", "1", "0"]),
            "GPTS": PDFArray(gpts),
            "LPTS": PDFArray([str(v) for pt in lpts for v in pt]),
            "GCS": PDFDictionary(gcs),
            "PDU": PDFArray([PDFName("M"), PDFName("SQM"), PDFName("DEG")]),
        }
    )
    vp = PDFDictionary(
        {
            "Type": PDFName("Viewport"),
            "BBox": PDFArray([f"{v:.4f}" for v in bbox_pt]),
            "Name": PDFString("map"),
            "Measure": measure,
        }
    )
    return PDFArray([vp])


def _canvas_class():
    from reportlab.pdfgen.canvas import Canvas

    class GeoCanvas(Canvas):
        """A reportlab canvas that writes a page's ``/VP`` (geospatial viewport) when set."""

        geo_vp = None

        def _setAnnotations(self, page):
            super()._setAnnotations(page)
            if self.geo_vp is not None:
                page.__NoDefault__ = [*page.__NoDefault__, "VP"]
                page.VP = self.geo_vp
                self.geo_vp = None

    return GeoCanvas


def print_map(
    path: str | os.PathLike,
    *,
    terrain,
    pmap=None,
    layers: Mapping[str, Mapping] | None = None,
    scale: int = 25000,
    paper: str = "A4",
    orientation: str = "auto",
    extent: Sequence[float] | None = None,
    grids: Sequence[str] = ("utm",),
    formats=None,
    title: str | None = None,
    when=None,
    dpi: int = 200,
    max_sheets: int = 40,
    overwrite: bool = False,
) -> Path:
    """Write a map series at 1:``scale`` on ``paper`` (A4, A3) as one geospatial PDF.

    Parameters
    ----------
    path
        Output ``.pdf``.
    terrain, pmap, layers
        The terrain (the map's CRS and relief), the probability map, the incident's layers (as
        for :func:`~carpathia.io.export.briefing_map`).
    scale
        Denominator: 25000 prints 1:25 000 (1 km = 40 mm), 50000 prints 1:50 000.
    extent
        (left, bottom, right, top) in the terrain's CRS to cover; default the layers and the 95 %
        containment area with a margin (the briefing map's view), else the whole terrain.
    grids, formats, when
        Labelled grids, coordinate formats of the box, date of the declination.
    dpi
        Resolution of the map image (the relief, POA and layers); grid, labels and scale bar
        are vector.
    max_sheets
        Refuse a series longer than this (a smaller scale or a larger paper prints fewer).

    Notes
    -----
    About 2 s and 2 MB per A4 sheet, 4 s and 4 MB per A3 sheet at 200 dpi.
    """
    from reportlab.lib.colors import HexColor

    from ._collar import bare_map_png, coordinate_table, corner_text, draw_declination, draw_map_frame, draw_scale_bar
    from ._layers import check_layers
    from .export import _zoomed
    from .grid import check_formats, declination, layer_points, make_grid
    from .pdf import _fonts

    out = check_output(path, overwrite=overwrite, suffixes=(".pdf",))
    sc, _ = _check(scale, paper)
    checked = check_layers(layers) if layers else []
    if pmap is not None:
        pmap.check_on(terrain)
    if extent is None:
        extent = _zoomed(terrain, checked, pmap).bounds
    lay = layout_sheets(extent, sc, paper, orientation=orientation)
    n = len(lay.sheets)
    if n > max_sheets:
        raise InputError(
            f"the area needs {n} sheets of {lay.paper} at 1:{sc}; print at a smaller scale or on A3, "
            f"or raise max_sheets ({max_sheets})"
        )
    left, bottom, right, top = terrain.bounds
    clon, clat = terrain.to_lonlat_xy((left + right) / 2, (bottom + top) / 2)
    fmts = check_formats(formats, float(clon), float(clat))
    font, bold = _fonts()
    pw, ph = lay.page_mm
    mx, my, mw, mh = (v * MM for v in lay.map_mm)
    points = layer_points(checked, limit=1000)
    ratio = f"1:{sc:,}".replace(",", " ")
    name = title or terrain.name
    canvas_cls = _canvas_class()
    with atomic_output(out, overwrite=overwrite) as tmp:
        size = (pw * MM, ph * MM)
        c = canvas_cls(str(tmp), pagesize=size, pageCompression=1)
        c.setTitle(f"{name}, {ratio}")
        c.setAuthor("carpathia")
        c.setSubject(f"{n} sheet(s) at {ratio} on {lay.paper}; georeferenced (ISO 32000 geospatial PDF)")
        for k, (r, col, ext) in enumerate(lay.sheets):
            ecx, ecy = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
            elon, elat = terrain.to_lonlat_xy(ecx, ecy)
            view = _view(terrain, ext)
            png = bare_map_png(
                view,
                ext,
                round(mw / 72 * dpi),
                round(mh / 72 * dpi),
                pmap=pmap,
                layers=checked,
                dpi=dpi,
            )
            target = max(3, round(lay.map_mm[2] / 30))
            grid_objs = [make_grid(ext, terrain.crs, g, target=target) for g in grids]
            draw_map_frame(c, mx, my, mw, mh, extent=ext, png=png, grids=grid_objs, font=font, bold=bold)
            c.geo_vp = _geo_viewport((mx, my, mx + mw, my + mh), ext, terrain.crs)
            # title band
            c.setFillColorRGB(0, 0, 0)
            c.setFont(bold, 11)
            top_y = (ph - _MARGIN) * MM
            c.drawString(_MARGIN * MM, top_y - 11, name)
            c.setFont(font, 8)
            c.drawRightString(
                (pw - _MARGIN) * MM,
                top_y - 10,
                f"sheet {k + 1} of {n} (row {r + 1}, column {col + 1}) · {ratio} · {lay.paper}",
            )
            c.setFont(font, 6.5)
            if grid_objs:
                note = "; ".join(f"grid {g.step / 1000:g} km, {g.zone_text()}" for g in grid_objs)
                c.drawString(_MARGIN * MM, top_y - 20, note)
            _draw_legend(c, _MARGIN * MM, top_y - 31, (pw - _MARGIN) * MM, checked, pmap, font)
            corners = corner_text(terrain.crs, ext)
            c.drawString(mx, my - _PAD * MM - 8, "   ".join(f"{a} corner {b}" for a, b in corners))
            # bottom band: scale bar, declination, coordinate box, index
            base = _MARGIN * MM
            draw_scale_bar(c, base + 4, base + 22 * MM, sc * 0.0254 / 72, 70 * MM, font=font, denominator=sc)
            dec = declination(float(elon), float(elat), when, grid=grids[0] if grids else "utm")
            draw_declination(c, base + 88 * MM, base + 10 * MM, dec, font=font, size=28)
            from reportlab.lib.styles import ParagraphStyle
            from reportlab.platypus import Paragraph

            para = Paragraph(dec.text(), ParagraphStyle("d", fontName=font, fontSize=6, leading=7.2))
            _, phh = para.wrap(62 * MM, 30 * MM)
            para.drawOn(c, base, base + 17 * MM - phh)
            inside = [(lab, lo, la) for lab, lo, la in points if _in(terrain, ext, lo, la)][:5]
            idx_w = 34 * MM
            if inside:
                table_w = (pw - 2 * _MARGIN) * MM - 100 * MM - idx_w - 4 * MM
                tbl = coordinate_table(inside, fmts, font=font, bold=bold, width=table_w)
                _, th = tbl.wrap(table_w, 30 * MM)
                tbl.drawOn(c, base + 100 * MM, base + 30 * MM - th)
            _draw_index(c, lay, k, (pw - _MARGIN) * MM - idx_w, base + 2 * MM, idx_w, 26 * MM, font, HexColor)
            c.showPage()
        c.save()
    return out


def _in(terrain, ext, lon, lat) -> bool:
    x, y = terrain.to_xy(lon, lat)
    return ext[0] <= x <= ext[2] and ext[1] <= y <= ext[3]


def _view(terrain, ext):
    """The terrain cropped to a sheet (with a margin), or the whole terrain if it is small."""
    left, bottom, right, top = terrain.bounds
    if (right - left) * (top - bottom) <= 4 * (ext[2] - ext[0]) * (ext[3] - ext[1]):
        return terrain
    cx, cy = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    cx, cy = min(max(cx, left), right - 1e-6), min(max(cy, bottom), top - 1e-6)
    lon, lat = terrain.to_lonlat_xy(cx, cy)
    return terrain.crop((float(lon), float(lat)), 0.6 * max(ext[2] - ext[0], ext[3] - ext[1]) + 2 * terrain.resolution)


def _draw_legend(c, x0: float, y0: float, max_x: float, layers, pmap, font: str) -> None:
    """Legend entries for what the map shows (segments by POA class, the POA heat map and
    containment lines, assignments, tracks, IPP, clues, landing zones), in rows from (x0, y0)
    that wrap at ``max_x``."""
    from reportlab.lib.colors import HexColor

    from ._draw import _LEVEL_STYLES, _LINES, _POINTS
    from ._layers import POA_COLOURS

    kinds = {ly.kind for ly in layers if ly.features}
    dashes = {0.25: [], 0.5: [4, 2], 0.75: [4, 1.5, 1, 1.5], 0.95: [1, 1.5]}

    def swatches(x, y):
        for k, colour in enumerate(POA_COLOURS):
            c.setFillColor(HexColor(colour))
            c.setStrokeColorRGB(0.13, 0.13, 0.13)
            c.setLineWidth(0.5)
            c.rect(x + 7 * k, y - 0.5, 7, 6, stroke=1, fill=1)

    def lines(specs):
        def draw(x, y):
            for k, (colour, dash, width) in enumerate(specs):
                c.setStrokeColor(HexColor(colour))
                c.setLineWidth(width)
                c.setDash(dash)
                c.line(x + 19 * k, y + 2.5, x + 19 * k + 16, y + 2.5)
            c.setDash([])

        return draw

    def marker(kind):
        def draw(x, y):
            face = _POINTS[kind][1]
            c.setFillColor(HexColor(face))
            c.setStrokeColorRGB(0, 0, 0)
            c.setLineWidth(0.5)
            if kind == "landing_zones":
                c.setFont(font, 8)
                c.setFillColor(HexColor("#00838f"))
                c.drawString(x, y, "H")
            elif kind == "clues":
                p = c.beginPath()
                p.moveTo(x + 3, y - 0.5)
                p.lineTo(x + 6, y + 2.5)
                p.lineTo(x + 3, y + 5.5)
                p.lineTo(x, y + 2.5)
                p.close()
                c.drawPath(p, stroke=1, fill=1)
            else:
                c.circle(x + 3, y + 2.5, 2.8, stroke=1, fill=1)

        return draw

    entries = []  # (symbol width, draw, label)
    if "segments" in kinds:
        entries.append((38, swatches, "segments, POA low to high"))
    if pmap is not None:
        specs = [(colour, dashes.get(lvl, []), 1.1) for lvl, (colour, _) in _LEVEL_STYLES.items()]
        entries.append((19 * len(specs), lines(specs), "25/50/75/95 % containment; shading: POA per cell"))
    for kind, label in (("assignments", "assignment"), ("tracks", "GPS track")):
        if kind in kinds:
            colour, _, width, _ = _LINES[kind]
            entries.append((19, lines([(colour, [5, 2] if kind == "assignments" else [], min(width, 1.6))]), label))
    for kind, label in (("ipp", "IPP"), ("clues", "clue"), ("landing_zones", "landing zone")):
        if kind in kinds:
            entries.append((9, marker(kind), label))
    x, y = x0, y0
    for width, draw, label in entries:
        full = width + 2 + c.stringWidth(label, font, 6.5)
        if x > x0 and x + full > max_x:
            x, y = x0, y - 9
        draw(x, y)
        c.setFont(font, 6.5)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(x + width + 2, y, label)
        x += full + 4 * MM


def _draw_index(c, lay: PrintLayout, current: int, x, y, w, h, font, hexcolor) -> None:
    """The sheets of the series as small rectangles, this one filled."""
    rows = max(r for r, _, _ in lay.sheets) + 1
    cols = max(col for _, col, _ in lay.sheets) + 1
    cw = min(w / cols, h / rows * (lay.map_mm[2] / lay.map_mm[3]))
    ch = cw * lay.map_mm[3] / lay.map_mm[2]
    c.setFont(font, 6)
    c.setFillColorRGB(0, 0, 0)
    c.drawString(x, y + rows * ch + 3, "sheets")
    for k, (r, col, _) in enumerate(lay.sheets):
        bx, by = x + col * cw, y + (rows - 1 - r) * ch
        c.setFillColor(hexcolor("#1565c0") if k == current else hexcolor("#ffffff"))
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.4)
        c.rect(bx, by, cw, ch, stroke=1, fill=1)
        c.setFillColorRGB(1, 1, 1) if k == current else c.setFillColorRGB(0, 0, 0)
        c.drawCentredString(bx + cw / 2, by + ch / 2 - 2, str(k + 1))
