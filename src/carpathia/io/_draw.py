"""Drawing incident layers and the probability map onto a :func:`~carpathia.io.maps.base_map` axes.

Shared by the briefing map and the assignment sheet's segment map. Everything is drawn in the
terrain's own projected CRS; features arrive in lon/lat.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ._layers import NO_POA_COLOUR, POA_COLOURS, Layer, feature_label, poa_class, poa_legend, poa_of

__all__ = ["draw_layers", "draw_probability", "save_any"]

_LEVEL_STYLES = {0.25: ("#7f0000", "-"), 0.5: ("#c62828", "--"), 0.75: ("#ef6c00", "-."), 0.95: ("#f9a825", ":")}
_POINTS = {  # kind → marker, face colour, size, label
    "ipp": ("*", "#00c853", 16, "IPP"),
    "clues": ("D", "#ffd600", 8, "clue"),
    "landing_zones": ("$H$", "#00b8d4", 12, "landing zone"),
    "other": ("o", "#ff6f00", 6, None),
}
_LINES = {"tracks": ("#e040fb", "-", 1.6, "GPS track"), "assignments": ("#1565c0", "--", 2.0, "assignment")}


def _xy(terrain, geom) -> tuple[np.ndarray, np.ndarray]:
    c = shapely.get_coordinates(geom)
    return terrain.to_xy(c[:, 0], c[:, 1])


def draw_probability(ax, terrain, pmap, levels=(0.25, 0.5, 0.75, 0.95)) -> list:
    """POA heat map (log scale, cells under 1 % of the peak clear) and containment lines; legend handles."""
    from matplotlib import colormaps
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D

    p = pmap.cells
    vmax = float(p.max()) if p.size else 0.0
    if vmax <= 0:
        return []
    h, w = p.shape
    left, top = pmap.transform.c, pmap.transform.f
    res = pmap.resolution
    extent = (left, left + w * res, top - h * res, top)
    shown = np.where(p >= vmax / 100.0, p, np.nan)
    ax.imshow(
        shown,
        extent=extent,
        origin="upper",
        cmap=colormaps["inferno_r"],
        norm=LogNorm(vmax / 100.0, vmax),
        alpha=0.5,
        interpolation="nearest",
        zorder=2.5,
    )
    xs = left + (np.arange(w) + 0.5) * res
    ys = top - (np.arange(h) + 0.5) * res
    handles = []
    thresholds = pmap.containment_thresholds(levels)
    for level in levels:
        t = thresholds[float(level)]
        colour, ls = _LEVEL_STYLES.get(float(level), ("#c62828", "-"))
        if math.isfinite(t) and np.nanmin(p) < t:
            ax.contour(xs, ys, p, levels=[t], colors=[colour], linestyles=[ls], linewidths=1.2, zorder=6)
            handles.append(Line2D([], [], color=colour, ls=ls, lw=1.2, label=f"{level:.0%} containment"))
    return handles


def draw_layers(ax, terrain, layers: list[Layer], *, label_segments: bool = True) -> list:
    """Draw checked layers (segments filled by POA, assignments, tracks, points); legend handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    handles: list = []
    seg_max = max((ly.poa_max() for ly in layers if ly.kind == "segments"), default=0.0)
    left, bottom, right, top = terrain.bounds
    for layer in layers:
        kind = layer.kind
        for k, (geom, props) in enumerate(layer.features):
            label = feature_label(kind, props, k)
            for part in shapely.get_parts(geom):
                gt = part.geom_type
                if gt == "Polygon":
                    x, y = _xy(terrain, part.exterior)
                    if kind == "segments":
                        c = poa_class(poa_of(props), seg_max)
                        face = POA_COLOURS[c] if c >= 0 else NO_POA_COLOUR
                        ax.add_patch(
                            Polygon(np.column_stack([x, y]), fc=face, ec="#212121", lw=1.0, alpha=0.45, zorder=4)
                        )
                        ax.plot(x, y, color="#212121", lw=1.0, zorder=4.5)
                    else:
                        colour, ls, lw, _ = _LINES.get(kind, ("#ff6f00", "-", 1.4, None))
                        ax.plot(x, y, color=colour, ls=ls, lw=lw, zorder=5)
                elif gt in ("LineString", "LinearRing"):
                    colour, ls, lw, _ = _LINES.get(kind, ("#ff6f00", "-", 1.4, None))
                    x, y = _xy(terrain, part)
                    ax.plot(x, y, color=colour, ls=ls, lw=lw, zorder=5)
                elif gt == "Point":
                    marker, face, size, _ = _POINTS.get(kind, _POINTS["other"])
                    x, y = terrain.to_xy(part.x, part.y)
                    ax.plot(x, y, marker=marker, color=face, markeredgecolor="black", markersize=size, ls="", zorder=9)
                    if kind != "ipp" and left <= x <= right and bottom <= y <= top:
                        ax.annotate(
                            label,
                            (x, y),
                            xytext=(5, 4),
                            textcoords="offset points",
                            fontsize=7,
                            zorder=10,
                            parse_math=False,  # a name with $...$ is text, not mathtext
                        )
            if kind in ("segments", "assignments") and geom.geom_type in ("Polygon", "MultiPolygon") and label_segments:
                rp = geom.representative_point()
                x, y = terrain.to_xy(rp.x, rp.y)
                text = label
                poa = poa_of(props)
                if kind == "segments" and poa is not None:
                    text += f"\n{poa:.1%}"
                ax.annotate(
                    text,
                    (x, y),
                    parse_math=False,
                    ha="center",
                    va="center",
                    fontsize=8 if kind == "segments" else 7,
                    fontweight="bold",
                    color="#1565c0" if kind == "assignments" else "black",
                    xytext=(0, -14) if kind == "assignments" else (0, 0),
                    textcoords="offset points",
                    zorder=10,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.65, "lw": 0},
                )
        if not layer.features:
            continue
        if kind == "segments" and seg_max > 0:
            handles += [Patch(fc=c, ec="#212121", alpha=0.6, label=t) for c, t in poa_legend(seg_max)]
        elif kind in _LINES:
            colour, ls, lw, text = _LINES[kind]
            handles.append(Line2D([], [], color=colour, ls=ls, lw=lw, label=text))
        elif kind in _POINTS and _POINTS[kind][3]:
            marker, face, size, text = _POINTS[kind]
            handles.append(
                Line2D([], [], marker=marker, color=face, markeredgecolor="black", ls="", markersize=8, label=text)
            )
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    return handles


def save_any(fig, out, *, overwrite: bool, dpi: int = 150) -> None:
    """Save a figure atomically as PNG or PDF (by suffix) and close it."""
    from pathlib import Path

    import matplotlib.pyplot as plt

    from .files import atomic_output

    fmt = Path(out).suffix.lower().lstrip(".")
    try:
        with atomic_output(out, overwrite=overwrite) as tmp:
            fig.savefig(tmp, dpi=dpi, format=fmt)
    finally:
        plt.close(fig)
