"""Files of a simulation: a POA map per time (GeoTIFF, PNG), the spread over time as a PNG strip
and an animated GIF, sample tracks (GeoJSON) and a summary (JSON). Used by ``carpathia simulate``
and the demo."""

from __future__ import annotations

import json
import os
from pathlib import Path

from carpathia.io.files import atomic_output

__all__ = ["time_label", "write_simulation"]


def time_label(h: float) -> str:
    """File-name label of a snapshot time: ``6h``, ``24h``, ``1_5h``."""
    return f"{h:g}h".replace(".", "_")


def write_simulation(
    sim, terrain, out: str | os.PathLike, *, ipp=None, title: str | None = None, smooth_m: float | str = 0.0
) -> list[Path]:
    """Write every file of ``sim`` into the folder ``out`` (created); returns the paths.

    Files: ``poa_<T>.tif`` and ``poa_<T>.png`` per snapshot time, ``spread.png`` and
    ``spread.gif``, ``tracks.geojson``, ``summary.json`` (meta and per-time summaries).
    ``title`` prefixes each map's title; ``smooth_m`` as :meth:`Simulation.probability_at`.
    The GeoTIFFs cover the whole grid; the pictures a window around ``ipp`` (lon, lat) that holds
    99 % of the agents at the last time, so a spread of a few hundred metres stays visible.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written, frames = [], []
    head = title or terrain.name
    view = _view(sim, terrain, ipp)
    for h in sim.times_h:
        pmap = sim.probability_at(h, smooth_m=smooth_m)
        stem = f"poa_{time_label(h)}"
        written.append(pmap.to_geotiff(out / f"{stem}.tif", overwrite=True))
        shown = pmap if view is terrain else sim.probability_at(h, smooth_m=smooth_m, terrain=view)
        png = shown.to_png(
            out / f"{stem}.png",
            view,
            ipp=ipp,
            title=f"{head}: {sim.meta['category']} after {h:g} h ({sim.n_agents:,} agents)",
            overwrite=True,
        )
        written.append(png)
        frames.append(png)
    written += _spread(frames, out)
    tracks_path = out / "tracks.geojson"
    with atomic_output(tracks_path, overwrite=True) as tmp:
        tmp.write_text(json.dumps(sim.tracks_geojson()), encoding="utf-8")
    written.append(tracks_path)
    summary = {"meta": sim.meta, "snapshots": [sim.summary(h) for h in sim.times_h]}
    with atomic_output(out / "summary.json", overwrite=True) as tmp:
        tmp.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    written.append(out / "summary.json")
    return written


def _view(sim, terrain, ipp, min_radius_m: float = 3000.0):
    """The window the pictures show: 99 % of the agents at the last time, with a margin."""
    import numpy as np

    if ipp is None:
        return terrain
    d99 = float(np.quantile(sim.distances(max(sim.times_h)), 0.99))
    radius = max(min_radius_m, 1.3 * d99 + 1000.0)
    left, bottom, right, top = terrain.bounds
    if 2 * radius >= min(right - left, top - bottom):
        return terrain
    return terrain.crop(ipp, radius)


def _spread(frames: list[Path], out: Path) -> list[Path]:
    """A PNG strip and an animated GIF of the maps over time (Pillow, matplotlib's own dependency)."""
    from PIL import Image

    imgs = [Image.open(f).convert("RGB") for f in frames]
    h = min(i.height for i in imgs)
    imgs = [i.resize((round(i.width * h / i.height), h)) for i in imgs]
    strip = Image.new("RGB", (sum(i.width for i in imgs), h), "white")
    x = 0
    for i in imgs:
        strip.paste(i, (x, 0))
        x += i.width
    scale = min(1.0, 2400 / strip.width)
    strip = strip.resize((round(strip.width * scale), round(strip.height * scale)))
    paths = [out / "spread.png", out / "spread.gif"]
    with atomic_output(paths[0], overwrite=True) as tmp:
        strip.save(tmp, format="PNG")
    with atomic_output(paths[1], overwrite=True) as tmp:
        imgs[0].save(tmp, format="GIF", save_all=True, append_images=imgs[1:], duration=900, loop=0)
    return paths
