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


def main() -> None:
    gallery = ROOT / "docs" / "gallery"
    gallery.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_demo(Path(tmp) / "demo")
        for f in result.files:
            if f.suffix == ".png":
                # 256-colour palette: a third of the size, indistinguishable at README scale
                with Image.open(f) as im:
                    im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
                        gallery / f.name, optimize=True
                    )
                print(gallery / f.name)


if __name__ == "__main__":
    main()
