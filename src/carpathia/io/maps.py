"""PNG maps: shaded relief with rivers, borders, towns, a scale bar, a north arrow and a
lon/lat graticule, in the terrain's own metric projection.

Matplotlib with the Agg backend; no tiles, no network.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .files import atomic_output

__all__ = ["base_map", "draw_base", "render_probability", "render_terrain"]

_NODATA_RGB = (0.86, 0.86, 0.86)
_WATER = "#2b7bba"


def _figure(terrain, max_inches: float = 10.0, extra_bottom: float = 0.0):
    """Figure and map axes; ``extra_bottom`` inches are kept free below the map (coordinate box)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    h, w = terrain.shape
    aspect = h / w
    fw = max_inches if aspect <= 1 else max_inches / aspect
    h0 = fw * aspect + 1.2
    fig = plt.figure(figsize=(fw + 1.6, h0 + extra_bottom))
    hh = h0 + extra_bottom
    ax = fig.add_axes((0.08, (0.08 * h0 + extra_bottom) / hh, 0.78, 0.84 * h0 / hh))
    return fig, ax


def shaded_relief(terrain) -> np.ndarray:
    """RGB image (float, 0–1) of elevation tinted and shaded by the hillshade."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    z = terrain.elevation
    valid = ~np.isnan(z)
    lo, hi = (float(np.nanpercentile(z, 1)), float(np.nanpercentile(z, 99.5))) if valid.any() else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    cmap = colormaps["gist_earth"]
    rgb = cmap(Normalize(lo - 0.15 * (hi - lo), hi)(np.where(valid, z, lo)))[..., :3]
    hs = np.nan_to_num(terrain.hillshade(), nan=1.0)
    shade = 0.45 + 0.55 * hs[..., None]
    rgb = np.clip(rgb * shade, 0, 1)
    rgb[~valid] = _NODATA_RGB
    return rgb


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _fmt_deg(v: float, pos: str, neg: str) -> str:
    hemi = pos if v >= 0 else neg
    a = abs(v)
    if abs(a - round(a)) < 1e-9:
        return f"{a:.0f}°{hemi}"
    return f"{a:.2f}".rstrip("0").rstrip(".") + f"°{hemi}"


def _graticule(ax, terrain, *, labels: bool = True) -> None:
    left, bottom, right, top = terrain.bounds
    w, s, e, n = terrain.lonlat_bounds
    lon_step, lat_step = _nice_step(e - w), _nice_step(n - s)
    xt, xl, yt, yl = [], [], [], []
    lats = np.linspace(s - lat_step, n + lat_step, 200)
    for lon in np.arange(math.floor(w / lon_step) * lon_step, e + lon_step, lon_step):
        x, y = terrain.to_xy(np.full_like(lats, lon), lats)
        ax.plot(x, y, color="k", lw=0.4, alpha=0.35 if labels else 0.25, ls="-" if labels else ":", zorder=3)
        if y.min() <= bottom <= y.max():
            xb = float(np.interp(bottom, y, x))
            if left <= xb <= right:
                xt.append(xb)
                xl.append(_fmt_deg(float(lon), "E", "W"))
    lons = np.linspace(w - lon_step, e + lon_step, 200)
    for lat in np.arange(math.floor(s / lat_step) * lat_step, n + lat_step, lat_step):
        x, y = terrain.to_xy(lons, np.full_like(lons, lat))
        ax.plot(x, y, color="k", lw=0.4, alpha=0.35 if labels else 0.25, ls="-" if labels else ":", zorder=3)
        order = np.argsort(x)
        if x.min() <= left <= x.max():
            yb = float(np.interp(left, x[order], y[order]))
            if bottom <= yb <= top:
                yt.append(yb)
                yl.append(_fmt_deg(float(lat), "N", "S"))
    if labels:
        ax.set_xticks(xt, xl, fontsize=8)
        ax.set_yticks(yt, yl, fontsize=8)
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)


def _scale_bar(ax, terrain) -> None:
    left, bottom, right, top = terrain.bounds
    span = right - left
    length = _nice_step(span / 1000.0, target=5) * 1000.0  # metres
    x0 = left + 0.04 * span
    y0 = bottom + 0.04 * (top - bottom)
    hgt = 0.012 * (top - bottom)
    ax.add_patch(_rect((x0 - 0.01 * span, y0 - 1.2 * hgt), length + 0.02 * span, 4.2 * hgt, "white", 0.75))
    for k in range(4):
        ax.add_patch(_rect((x0 + k * length / 4, y0), length / 4, hgt, "black" if k % 2 == 0 else "white", 1.0))
    ax.add_patch(_rect((x0, y0), length, hgt, "none", 1.0, edge="black"))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + 1.5 * hgt, label, ha="center", va="bottom", fontsize=8, zorder=11)


def _rect(xy, w, h, color, alpha, edge=None):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, facecolor=color, alpha=alpha, edgecolor=edge or "none", lw=0.8, zorder=10)


def _north_arrow(ax, terrain) -> None:
    """Arrow to true north at the map centre (grid convergence included)."""
    left, bottom, right, top = terrain.bounds
    cx, cy = (left + right) / 2, (top + bottom) / 2
    lon, lat = terrain.to_lonlat_xy(cx, cy)
    x2, y2 = terrain.to_xy(lon, lat + 0.01)
    ang = math.atan2(x2 - cx, y2 - cy)  # clockwise from grid north
    size = 0.07 * (top - bottom)
    bx, by = right - 0.07 * (right - left), top - 0.14 * (top - bottom)
    dx, dy = size * math.sin(ang), size * math.cos(ang)
    ax.annotate(
        "",
        xy=(bx + dx, by + dy),
        xytext=(bx, by),
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.6, "mutation_scale": 14},
        zorder=11,
    )
    ax.text(bx + 1.25 * dx, by + 1.25 * dy, "N", ha="center", va="center", fontsize=11, fontweight="bold", zorder=11)


def _xy_of(terrain, geom):
    import shapely

    coords = shapely.get_coordinates(geom)
    return terrain.to_xy(coords[:, 0], coords[:, 1])


def _lines(ax, terrain, features, **style) -> None:
    import shapely

    for f in features:
        for part in shapely.get_parts(f.geometry):
            g = part.exterior if part.geom_type == "Polygon" else part
            if g.geom_type not in ("LineString", "LinearRing"):
                continue
            x, y = _xy_of(terrain, g)
            ax.plot(x, y, **style)


def _points(ax, terrain, features, marker, color, size) -> None:
    left, bottom, right, top = terrain.bounds
    for f in features:
        if f.geometry.geom_type != "Point":
            continue
        x, y = terrain.to_xy(f.geometry.x, f.geometry.y)
        if not (left <= x <= right and bottom <= y <= top):
            continue
        ax.plot(x, y, marker=marker, color=color, markersize=size, markeredgecolor="white", zorder=8)
        name = f.properties.get("name")
        if name:
            ax.annotate(
                str(name),
                (x, y),
                parse_math=False,
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8,
                zorder=9,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.6, "lw": 0},
            )


def draw_base(ax, terrain) -> None:
    """Shaded relief, water, rivers, trails, roads, borders, towns and peaks on ``ax`` (map metres)."""
    from matplotlib.colors import to_rgba

    left, bottom, right, top = terrain.bounds
    ax.imshow(
        shaded_relief(terrain), extent=(left, right, bottom, top), origin="upper", interpolation="bilinear", zorder=1
    )
    water = terrain.layers.get("water")
    if water is not None and water.any():
        rgba = np.zeros((*water.shape, 4), np.float32)
        rgba[...] = to_rgba(_WATER)
        rgba[..., 3] = np.clip(water * 1.5, 0, 0.9)
        ax.imshow(rgba, extent=(left, right, bottom, top), origin="upper", interpolation="nearest", zorder=2)
    _lines(ax, terrain, terrain.features.get("lakes", []), color=_WATER, lw=0.8, zorder=4)
    _lines(
        ax,
        terrain,
        [f for f in terrain.features.get("rivers", []) if not f.properties.get("name")],
        color=_WATER,
        lw=0.6,
        alpha=0.8,
        zorder=4,
    )
    _lines(
        ax,
        terrain,
        [f for f in terrain.features.get("rivers", []) if f.properties.get("name")],
        color=_WATER,
        lw=1.4,
        zorder=5,
    )
    _lines(ax, terrain, terrain.features.get("trails", []), color="#b5532a", lw=0.9, ls="--", zorder=5)
    _lines(ax, terrain, terrain.features.get("roads", []), color="#7a1f1f", lw=1.1, zorder=5)
    _lines(ax, terrain, terrain.features.get("borders", []), color="#6a1b9a", lw=1.3, ls=(0, (6, 2, 1, 2)), zorder=6)
    _points(ax, terrain, terrain.features.get("towns", []), "o", "#222222", 5)
    _points(ax, terrain, terrain.features.get("peaks", []), "^", "#5d2e0c", 7)


def _corner_labels(ax, terrain) -> None:
    """Lon/lat of the map's four corners (DMS, carpathia.coords), outside the frame."""
    from carpathia.coords import format_position

    left, bottom, right, top = terrain.bounds
    for x, y, ha, va, dy in (
        (left, bottom, "left", "top", -16),
        (right, bottom, "right", "top", -16),
        (left, top, "left", "bottom", 14),
        (right, top, "right", "bottom", 14),
    ):
        lon, lat = terrain.to_lonlat_xy(x, y)
        ax.annotate(
            format_position(float(lon), float(lat), "dms", precision=0),
            (x, y),
            xytext=(0, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=6,
            color="#333333",
            annotation_clip=False,
            parse_math=False,
        )


def base_map(
    terrain,
    *,
    title: str | None = None,
    max_inches: float = 10.0,
    grids=("utm",),
    when=None,
    points=None,
    formats=None,
):
    """Figure and axes with the shaded relief and all vector context drawn; caller adds layers.

    ``grids``: the labelled grids (:data:`carpathia.io.grid.GRID_KINDS`), the first on the
    bottom and left edges (on all four if it is the only one), the second on top and right;
    empty for the lon/lat graticule's labels alone. ``when``: the date of the magnetic
    declination in the footer (default today). ``points``: (label, lon, lat) listed in a
    coordinate box under the map in ``formats`` (:func:`carpathia.io.grid.check_formats`).
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    from .grid import check_formats, coordinate_rows, declination, draw_grid_mpl, make_grid

    left, bottom, right, top = terrain.bounds
    clon, clat = terrain.to_lonlat_xy((left + right) / 2, (bottom + top) / 2)
    rows = []
    if points:
        fmts = check_formats(formats, float(clon), float(clat))
        rows = coordinate_rows(points, fmts)
    box_in = 0.17 * (len(rows) + 1) + 0.15 if rows else 0.0
    fig, ax = _figure(terrain, max_inches, box_in)
    draw_base(ax, terrain)
    _graticule(ax, terrain, labels=not grids)
    notes = []
    for k, kind in enumerate(grids):
        g = make_grid(terrain.bounds, terrain.crs, kind, target=9)
        sides = ("bottom", "left", "top", "right") if len(grids) == 1 else (("bottom", "left"), ("top", "right"))[k]
        draw_grid_mpl(ax, g, sides=sides, color=("#0d47a1", "#8e1b1b")[k % 2], dashed=k > 0)
        notes.append(f"{'Blue' if k == 0 else 'Red dashed'} grid: {g.step / 1000:g} km, {g.zone_text()}.")
    if grids:
        _corner_labels(ax, terrain)
    _scale_bar(ax, terrain)
    _north_arrow(ax, terrain)
    z = terrain.elevation
    if np.isfinite(z).any():
        lo, hi = float(np.nanpercentile(z, 1)), float(np.nanpercentile(z, 99.5))
        from matplotlib import colormaps

        sm = ScalarMappable(Normalize(lo - 0.15 * (hi - lo), hi), colormaps["gist_earth"])
        cax = fig.add_axes((0.91, 0.25, 0.015, 0.5))
        cb = fig.colorbar(sm, cax=cax)
        cb.set_label("elevation (m)", fontsize=8)
        cb.ax.tick_params(labelsize=7)
    ax.set_title(title or _default_title(terrain), fontsize=11, parse_math=False, pad=22 if grids else 6)
    note = terrain.meta.get("source", "")
    foot = f"{terrain.crs.to_string()}, {terrain.resolution:g} m cells. " + (f"Data: {note}" if note else "")
    if accuracy := terrain.accuracy_note():
        foot = f"{accuracy} {foot}"
    if np.isnan(z).any():
        foot += "  Grey: no elevation data."
    if rows:
        _coordinate_box(fig, rows, fmts, box_in)
    if grids:
        dec = declination(float(clon), float(clat), when, grid=grids[0])
        foot = " ".join(notes) + " " + dec.text() + ".\n" + foot
    fig.text(0.08, 0.012, _wrap(foot, 190), fontsize=6, color="#444444", va="bottom", parse_math=False)
    return fig, ax


def _coordinate_box(fig, rows, formats, box_in: float) -> None:
    """The coordinate box as a table under the map (its ``box_in`` inches of figure)."""
    from .grid import FORMAT_TITLES

    hh = fig.get_figheight()
    tax = fig.add_axes((0.08, (0.55 + 0.02) / hh, 0.84, (box_in - 0.1) / hh))
    tax.set_axis_off()
    table = tax.table(
        cellText=rows,
        colLabels=["Point", *(FORMAT_TITLES.get(f, f) for f in formats)],
        loc="upper left",
        cellLoc="left",
        colLoc="left",
        colWidths=[0.12] + [0.88 / len(formats)] * len(formats),
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    for (r, _), cell in table.get_celld().items():
        cell.set_height(1.0 / (len(rows) + 1))
        cell.set_linewidth(0.3)
        cell.get_text().set_parse_math(False)
        if r == 0:
            cell.set_facecolor("#eeeeee")


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _default_title(terrain) -> str:
    h, w = terrain.shape
    km = terrain.resolution / 1000
    return f"{terrain.name}: {w * km:.0f} × {h * km:.0f} km, {terrain.resolution:g} m cells"


def save_figure(fig, out: str | os.PathLike, *, overwrite: bool = False, dpi: int = 150) -> Path:
    """Save a figure to PNG atomically and close it."""
    import matplotlib.pyplot as plt

    try:
        with atomic_output(out, overwrite=overwrite) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return Path(out)


def render_terrain(
    terrain,
    out: str | os.PathLike,
    *,
    title: str | None = None,
    overwrite: bool = False,
    dpi: int = 150,
    decorate: Callable | None = None,
) -> Path:
    """Render a terrain to a PNG map (shaded relief, water, borders, towns, scale, north, graticule).

    ``decorate(fig, ax)`` may draw more layers before saving. The file is written atomically.
    """
    from .files import check_output

    check_output(out, overwrite=overwrite, suffixes=(".png",))
    fig, ax = base_map(terrain, title=title)
    if decorate is not None:
        decorate(fig, ax)
    return save_figure(fig, out, overwrite=overwrite, dpi=dpi)


def render_probability(
    pmap,
    terrain,
    out: str | os.PathLike,
    *,
    ipp: tuple[float, float] | None = None,
    title: str | None = None,
    levels=(0.25, 0.5, 0.75, 0.95),
    overwrite: bool = False,
    dpi: int = 150,
) -> Path:
    """PNG of a probability map over the shaded relief: heat map, containment contours, IPP.

    ``ipp`` is (lon, lat). Cells below one hundredth of the densest cell are left clear so the
    terrain stays readable.
    """
    from matplotlib import colormaps
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D

    from .files import check_output

    check_output(out, overwrite=overwrite, suffixes=(".png",))
    pmap.check_on(terrain)
    fig, ax = base_map(terrain, title=title)
    left, bottom, right, top = terrain.bounds
    p = pmap.cells
    vmax = float(p.max()) if p.size else 0.0
    handles = []
    if vmax > 0:
        shown = np.where(p >= vmax / 100.0, p, np.nan)
        ax.imshow(
            shown,
            extent=(left, right, bottom, top),
            origin="upper",
            cmap=colormaps["inferno_r"],
            norm=LogNorm(vmax / 100.0, vmax),
            alpha=0.55,
            interpolation="nearest",
            zorder=2.5,
        )
        h, w = p.shape
        xs = left + (np.arange(w) + 0.5) * terrain.resolution
        ys = top - (np.arange(h) + 0.5) * terrain.resolution
        styles = ["-", "--", "-.", ":"]
        colours = ["#7f0000", "#c62828", "#ef6c00", "#f9a825"]
        thresholds = pmap.containment_thresholds(levels)
        for k, level in enumerate(levels):
            t = thresholds[float(level)]
            if not math.isfinite(t):
                continue
            ax.contour(
                xs, ys, p, levels=[t], colors=[colours[k % 4]], linestyles=[styles[k % 4]], linewidths=1.4, zorder=7
            )
            handles.append(
                Line2D([], [], color=colours[k % 4], ls=styles[k % 4], lw=1.4, label=f"{level:.0%} containment")
            )
    if ipp is not None:
        x, y = terrain.to_xy(*ipp)
        ax.plot(x, y, marker="*", color="#00c853", markeredgecolor="black", markersize=15, zorder=12)
        handles.append(
            Line2D([], [], marker="*", color="#00c853", markeredgecolor="black", ls="", markersize=12, label="IPP")
        )
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.85).set_zorder(13)
    model = pmap.meta.get("model", "")
    fig.text(0.08, 0.05, f"model: {model}   rest of world: {pmap.rest_of_world:.1%}", fontsize=7, color="#333333")
    return save_figure(fig, out, overwrite=overwrite, dpi=dpi)
