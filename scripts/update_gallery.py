#!/usr/bin/env python
"""Refresh the README gallery (docs/gallery/) from a fresh run of the demo.

python scripts/update_gallery.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

from carpathia.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
#: The demo's pictures shown in the README, by name or "<folder>/<name>" inside the demo's output.
SHOWN = ("-terrain.png", "-poa.png", "-agents/spread.png", "-incident/briefing.png", "tisza-river/map.png")


def _gallery_name(f: Path, demo: Path) -> str | None:
    rel = f.relative_to(demo).as_posix()
    if not any(rel.endswith(k) for k in SHOWN):
        return None
    return rel.replace("/", "-")


def main() -> None:
    gallery = ROOT / "docs" / "gallery"
    gallery.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        result = run_demo(demo)
        for f in result.files:
            name = _gallery_name(f, demo)
            if name is None:
                continue
            # 256-colour palette: a third of the size, indistinguishable at README scale
            with Image.open(f) as im:
                im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(gallery / name, optimize=True)
            print(gallery / name)


if __name__ == "__main__":
    main()
