"""The flagship demo on the bundled real data: what ``carpathia demo`` runs.

Each capability of carpathia adds its step here. Today: both bundled regions, loaded,
summarised and rendered as shaded-relief maps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from carpathia.errors import InputError, OutputExistsError

__all__ = ["DEMO_REGIONS", "DemoResult", "demo_steps", "run_demo"]

DEMO_REGIONS = ("white-mountains", "maramures")


@dataclass
class DemoResult:
    """Files written and figures measured by a demo run."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    regions: dict[str, dict] = field(default_factory=dict)


def _prepare(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file; give a folder for the demo's outputs")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise OutputExistsError(f"{out_dir} exists and is not empty; pass --overwrite or choose another --out")
    out_dir.mkdir(parents=True, exist_ok=True)


def demo_steps() -> list[str]:
    """Names of the demo's steps, for progress bars."""
    return [f"region {name}" for name in DEMO_REGIONS] + ["summary"]


def run_demo(
    out_dir: str | os.PathLike = "carpathia-demo",
    *,
    overwrite: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the demo into ``out_dir``; ``on_step(name)`` is called as each step finishes."""
    import numpy as np

    from carpathia.io.maps import render_terrain
    from carpathia.terrain import Terrain

    out = Path(out_dir)
    _prepare(out, overwrite)
    result = DemoResult(out)
    for name in DEMO_REGIONS:
        t = Terrain.from_region(name)
        summary = t.summary()
        slope = t.slope()
        valid = ~np.isnan(slope)
        summary["slope_deg"] = {
            "mean": round(float(slope[valid].mean()), 2),
            "p95": round(float(np.percentile(slope[valid], 95)), 2),
            "share_over_30": round(float((slope[valid] > 30).mean()), 4),
        }
        result.files.append(render_terrain(t, out / f"{name}-terrain.png", overwrite=True))
        result.regions[name] = summary
        if on_step:
            on_step(f"region {name}")
    summary_path = out / "summary.json"
    from carpathia.io.files import atomic_output

    with atomic_output(summary_path, overwrite=True) as tmp:
        tmp.write_text(json.dumps({"regions": result.regions}, indent=2, ensure_ascii=False), encoding="utf-8")
    result.files.append(summary_path)
    if on_step:
        on_step("summary")
    return result
