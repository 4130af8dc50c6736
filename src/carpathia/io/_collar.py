"""A map on a PDF page with its collar, drawn in vector with reportlab: the map image placed at
an exact size, the grid lines over it, the grid labels in the margin as text (so ``pdftotext``
and a screen reader get them, and they stay sharp), corner coordinates, a scale bar a ruler can
check, a declination diagram and a coordinate box.

Used by the assignment sheets (:mod:`carpathia.io.pdf`) and the at-scale prints
(:mod:`carpathia.io.printmap`). Page units are PostScript points (1/72 inch).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from reportlab.platypus import Flowable

from .grid import FORMAT_TITLES, Declination, Grid

__all__ = [
    "MM",
    "MapFrame",
    "MapNotes",
    "bare_map_png",
    "bare_map_rgba",
    "coordinate_table",
    "corner_text",
    "draw_declination",
    "draw_map_frame",
    "draw_scale_bar",
]

#: Points per millimetre.
MM = 72.0 / 25.4
_GRID_COLOURS = ("#0d47a1", "#8e1b1b")


def bare_map_png(
    terrain,
    extent,
    width_px: int,
    height_px: int,
    *,
    pmap=None,
    layers=None,
    decorate=None,
    dpi: int = 200,
    transparent: bool = False,
) -> bytes:
    """PNG of the map alone (no axes, no margins) covering ``extent`` (left, bottom, right, top
    in the terrain's CRS) exactly, ``width_px`` × ``height_px``: relief, water, vector context,
    the POA and the incident's (checked) layers, then ``decorate(ax, terrain)``. Outside the
    terrain: light grey, or transparent with ``transparent``."""
    return _bare_map(terrain, extent, width_px, height_px, pmap, layers, decorate, dpi, transparent, png=True)


def bare_map_rgba(
    terrain, extent, width_px: int, height_px: int, *, pmap=None, layers=None, dpi: int = 150
) -> np.ndarray:
    """As :func:`bare_map_png` (transparent outside the terrain) but the pixels themselves,
    uint8 RGBA of shape (height_px, width_px, 4): no PNG encoded and decoded for large maps."""
    return _bare_map(terrain, extent, width_px, height_px, pmap, layers, None, dpi, True, png=False)


def _bare_map(terrain, extent, width_px, height_px, pmap, layers, decorate, dpi, transparent, *, png: bool):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ._draw import draw_layers, draw_probability
    from .maps import _NODATA_RGB, draw_base

    # a quarter pixel more: the canvas is the figure size times dpi, truncated or rounded
    fig = plt.figure(figsize=((width_px + 0.25) / dpi, (height_px + 0.25) / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_facecolor(_NODATA_RGB)
    fig.patch.set_facecolor(_NODATA_RGB)
    try:
        draw_base(ax, terrain)
        if pmap is not None:
            draw_probability(ax, terrain, pmap)
        if layers:
            draw_layers(ax, terrain, layers)
        if decorate is not None:
            decorate(ax, terrain)
        left, bottom, right, top = extent
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        if transparent:
            ax.set_facecolor("none")
            fig.patch.set_alpha(0.0)
        if not png:
            fig.canvas.draw()
            rgba = np.asarray(fig.canvas.buffer_rgba())
            if rgba.shape[:2] != (height_px, width_px):
                from carpathia.errors import CarpathiaError

                got = f"{rgba.shape[1]} × {rgba.shape[0]}"
                raise CarpathiaError(f"the map image came out {got} pixels, not {width_px} × {height_px}")
            return rgba.copy()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, transparent=transparent)
    finally:
        plt.close(fig)
    return buf.getvalue()


def draw_map_frame(
    c,
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    extent: Sequence[float],
    png: bytes,
    grids: Sequence[Grid],
    font: str,
    bold: str,
) -> None:
    """Draw the map image in the rectangle (x, y, w, h) (points) with the grids over it and
    their labels around it: the first grid below and left (and above and right if alone),
    the second above and right, in its own colour."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.utils import ImageReader

    left, bottom, right, top = extent
    sx, sy = w / (right - left), h / (top - bottom)

    def page(mx, my):
        return x + (np.asarray(mx) - left) * sx, y + (np.asarray(my) - bottom) * sy

    c.drawImage(ImageReader(io.BytesIO(png)), x, y, width=w, height=h)
    c.saveState()
    p = c.beginPath()
    p.rect(x, y, w, h)
    c.clipPath(p, stroke=0, fill=0)
    for k, g in enumerate(grids):
        colour = HexColor(_GRID_COLOURS[k % 2])
        c.setStrokeColor(colour)
        c.setDash([4, 2] if k else [])
        for ln in g.lines:
            px, py = page(ln.x, ln.y)
            c.setLineWidth(1.0 if ln.value % 100000.0 == 0 else 0.45)
            path = c.beginPath()
            path.moveTo(float(px[0]), float(py[0]))
            for a, b in zip(px[1:], py[1:], strict=True):
                path.lineTo(float(a), float(b))
            c.drawPath(path, stroke=1, fill=0)
        c.setFillColor(colour)
        c.setFont(bold, 9)
        for mx, my, text in g.square_labels():
            px, py = page(mx, my)
            c.drawCentredString(float(px), float(py), text)
    c.restoreState()
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.8)
    c.rect(x, y, w, h, stroke=1, fill=0)
    for k, g in enumerate(grids):
        sides = ("bottom", "left", "top", "right") if len(grids) == 1 else (("bottom", "left"), ("top", "right"))[k]
        colour = HexColor(_GRID_COLOURS[k % 2])
        for side in sides:
            for pos, text in g.edge_labels(side):
                _edge_label(c, side, pos, text, page, x, y, w, h, font, bold, colour, k > 0)


def _edge_label(c, side, pos, text, page, x, y, w, h, font, bold, colour, coloured: bool) -> None:
    full = not text.replace(".", "").isdigit()
    size = 6.0 if full else 8.0
    c.setFillColor(colour if coloured else (0, 0, 0))
    c.setStrokeColor(colour)
    c.setLineWidth(0.5)
    c.setFont(font if full else bold, size)
    if side in ("bottom", "top"):
        px = float(page(pos, 0)[0])
        y0, y1 = (y, y - 3) if side == "bottom" else (y + h, y + h + 3)
        c.line(px, y0, px, y1)
        ty = y - 3 - size if side == "bottom" else y + h + 4.5
        c.drawCentredString(px, ty, text)
    else:
        py = float(page(0, pos)[1])
        x0, x1 = (x, x - 3) if side == "left" else (x + w, x + w + 3)
        c.line(x0, py, x1, py)
        c.saveState()
        c.translate(x - 4.5 if side == "left" else x + w + 4.5 + size * 0.75, py)
        c.rotate(90)
        c.drawCentredString(0, 0, text)
        c.restoreState()


def corner_text(terrain_crs, extent, fmt: str = "dms") -> list[tuple[str, str]]:
    """(corner name, position) of the map's SW, SE, NW and NE corners, written by
    :func:`carpathia.coords.format_position`."""
    from pyproj import Transformer

    from carpathia.coords import format_position

    left, bottom, right, top = extent
    tr = Transformer.from_crs(terrain_crs, 4326, always_xy=True)
    out = []
    for name, mx, my in (("SW", left, bottom), ("SE", right, bottom), ("NW", left, top), ("NE", right, top)):
        lon, lat = tr.transform(mx, my)
        out.append((name, format_position(float(lon), float(lat), fmt)))
    return out


def _nice_length(max_m: float) -> float:
    for m in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000, 100000):
        if m > max_m:
            break
        best = m
    return float(best)


def draw_scale_bar(
    c, x: float, y: float, metres_per_pt: float, max_width: float, *, font: str, denominator: float | None = None
) -> float:
    """A scale bar at (x, y): alternating black and white blocks, the left block split in
    tenths, labelled in metres or km; the ratio (``1:25 000``) and, at a true print scale,
    the ruler check (``1 km = 40.0 mm``). Returns its height in points."""
    length = _nice_length(max_width * metres_per_pt * 0.8)
    wpt = length / metres_per_pt
    n = 5 if f"{length:g}".startswith(("25", "5")) else 4  # blocks of a round length: 500 m, 250 m, 1 km
    block = wpt / n
    hgt = 4.0
    c.setLineWidth(0.5)
    c.setStrokeColorRGB(0, 0, 0)
    sub = block / 5  # the left block in fifths (two-tenths of a block each)
    for k in range(5):
        c.setFillColorRGB(*((0, 0, 0) if k % 2 == 0 else (1, 1, 1)))
        c.rect(x + k * sub, y, sub, hgt / 2, stroke=1, fill=1)
        c.setFillColorRGB(*((1, 1, 1) if k % 2 == 0 else (0, 0, 0)))
        c.rect(x + k * sub, y + hgt / 2, sub, hgt / 2, stroke=1, fill=1)
    for k in range(1, n):
        c.setFillColorRGB(*((0, 0, 0) if k % 2 == 0 else (1, 1, 1)))
        c.rect(x + k * block, y, block, hgt, stroke=1, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(font, 6.5)

    def lab(m):
        return f"{m / 1000:g} km" if length >= 2000 else f"{m:g} m"

    c.drawCentredString(x, y + hgt + 2, "0")
    c.drawCentredString(x + block, y + hgt + 2, lab(length / n))
    c.drawCentredString(x + wpt, y + hgt + 2, lab(length))
    if n == 4:
        c.drawCentredString(x + 2 * block, y + hgt + 2, lab(length / 2))
    note = f"1:{_thousands(denominator)}" if denominator else ""
    if denominator:
        mm_per_km = 1e6 / denominator
        note += f"   1 km = {mm_per_km:.1f} mm on paper (print at 100 %, not fit to page)"
    else:
        note += f"about 1:{_thousands(metres_per_pt / (0.0254 / 72))} as printed on the page size"
    c.drawString(x, y - 8, note)
    return hgt + 18


def _thousands(v: float) -> str:
    return f"{round(v):,}".replace(",", " ")


def draw_declination(c, x: float, y: float, dec: Declination, *, font: str, size: float = 36.0) -> None:
    """The three norths at (x, y), angles as they are (not exaggerated): true north (star),
    grid north (GN), magnetic north (MN, half arrow); values in the text beside it."""

    order = sorted([(0.0, "★"), (dec.convergence_deg, "GN"), (dec.declination_deg, "MN")])
    c.setStrokeColorRGB(0, 0, 0)
    c.setFillColorRGB(0, 0, 0)
    c.setLineWidth(0.6)
    c.setFont(font, 6.5)
    for k, (angle_deg, label) in enumerate(order):
        a = math.radians(angle_deg)
        ex, ey = x + size * math.sin(a), y + size * math.cos(a)
        c.line(x, y, ex, ey)
        if label == "MN":  # half arrow head
            c.line(ex, ey, ex - 4 * math.sin(a) + 2.5 * math.cos(a), ey - 4 * math.cos(a) - 2.5 * math.sin(a))
        # labels spread left to right in the order of the rays, so close angles stay readable
        c.drawCentredString(ex + (k - 1) * 9, ey + 3, label)


def coordinate_table(points, formats: Sequence[str], *, font: str, bold: str, width: float):
    """A platypus Table of (label, coordinates in each format) for the IPP, LZs and clues."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    from .grid import coordinate_rows

    cell = ParagraphStyle("c", fontName=font, fontSize=7.5, leading=9)
    head = ParagraphStyle("h", fontName=bold, fontSize=7.5, leading=9)

    def para(t, st=cell):
        from xml.sax.saxutils import escape

        return Paragraph(escape(str(t)), st)

    rows = [[para("Point", head), *(para(FORMAT_TITLES.get(f, f), head) for f in formats)]]
    rows += [[para(v) for v in r] for r in coordinate_rows(points, formats)]
    first = min(0.16 * width, 70.0)
    rest = (width - first) / max(1, len(formats))
    t = Table(rows, colWidths=[first] + [rest] * len(formats), repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t


class MapFrame(Flowable):
    """A platypus flowable: the map image in a ``w`` × ``h`` point frame with its grids and
    labelled margins of ``pad`` points (:func:`draw_map_frame`)."""

    def __init__(self, png: bytes, extent, grids, w: float, h: float, *, font: str, bold: str, pad: float = 16.0):
        super().__init__()
        self.png, self.extent, self.grids = png, tuple(extent), list(grids)
        self.mw, self.mh, self.font, self.bold, self.pad = w, h, font, bold, pad

    def wrap(self, aw, ah):
        return self.mw + 2 * self.pad, self.mh + 2 * self.pad

    def draw(self):
        draw_map_frame(
            self.canv,
            self.pad,
            self.pad,
            self.mw,
            self.mh,
            extent=self.extent,
            png=self.png,
            grids=self.grids,
            font=self.font,
            bold=self.bold,
        )


class MapNotes(Flowable):
    """A platypus flowable: the scale bar with its ratio, the declination diagram and its text."""

    def __init__(self, width: float, metres_per_pt: float, scale: float | None, dec: Declination, *, font: str):
        super().__init__()
        self.width, self.mpp, self.scale, self.dec, self.font = width, metres_per_pt, scale, dec, font

    def wrap(self, aw, ah):
        return self.width, 46

    def draw(self):
        from xml.sax.saxutils import escape

        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        draw_scale_bar(self.canv, 6, 26, self.mpp, 0.40 * self.width, font=self.font, denominator=self.scale)
        draw_declination(self.canv, 0.535 * self.width, 4, self.dec, font=self.font, size=30)
        para = Paragraph(escape(self.dec.text()), ParagraphStyle("d", fontName=self.font, fontSize=6.5, leading=8))
        pw = 0.40 * self.width
        _, ph = para.wrap(pw, 46)
        para.drawOn(self.canv, self.width - pw, 44 - ph)
