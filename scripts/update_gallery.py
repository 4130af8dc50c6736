#!/usr/bin/env python
"""Refresh the README gallery (docs/gallery/) from a fresh run of the demo.

python scripts/update_gallery.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from carpathia.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    gallery = ROOT / "docs" / "gallery"
    gallery.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_demo(Path(tmp) / "demo")
        for f in result.files:
            if f.suffix == ".png":
                shutil.copyfile(f, gallery / f.name)
                print(gallery / f.name)


if __name__ == "__main__":
    main()
