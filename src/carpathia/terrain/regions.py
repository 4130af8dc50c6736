"""Named regions: terrain grids saved to one file each, bundled with the package or built by users.

Bundled regions live in ``carpathia/data/regions`` (built by ``scripts/build_regions.py``
from the project's shared data, with their sources and licences in ``SOURCES.md`` there).
User regions live in ``$CARPATHIA_HOME/regions`` (default ``~/.local/share/carpathia/regions``,
or ``$XDG_DATA_HOME/carpathia/regions``).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from carpathia.errors import DataFileError, InputError, UnknownNameError

from .core import Terrain, _register_region_loader

__all__ = [
    "RegionInfo",
    "bundled_region_dir",
    "list_regions",
    "load_region",
    "region_by_name",
    "region_path",
    "user_region_dir",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def bundled_region_dir() -> Path:
    """Folder of the regions shipped in the package."""
    return Path(str(resources.files("carpathia") / "data" / "regions"))


def user_region_dir() -> Path:
    """Folder where ``carpathia region build`` saves regions."""
    home = os.environ.get("CARPATHIA_HOME")
    if home:
        return Path(home) / "regions"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "carpathia" / "regions"


def check_name(name: str) -> str:
    """A region name: lower-case letters, digits, '-' and '_'."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(f"region name {name!r} must be lower-case letters, digits, '-' or '_' (e.g. rodna-30m)")
    return name


@dataclass(frozen=True)
class RegionInfo:
    """What ``carpathia regions`` lists, read from a region file's header only."""

    name: str
    path: Path
    bundled: bool
    shape: tuple[int, int]
    resolution_m: float
    bounds_lonlat: tuple[float, float, float, float]
    crs: str
    source: str
    licence: str
    notes: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "bundled": self.bundled,
            "shape": list(self.shape),
            "resolution_m": self.resolution_m,
            "bounds_lonlat": list(self.bounds_lonlat),
            "crs": self.crs,
            "source": self.source,
            "licence": self.licence,
            "notes": self.notes,
        }


def _info(path: Path, bundled: bool) -> RegionInfo:
    try:
        with np.load(path, allow_pickle=False) as npz:
            header = json.loads(str(npz["header"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise DataFileError(f"{path} is not a readable region file ({exc})") from exc
    meta = header.get("meta", {})
    t = header["transform"]
    shape = tuple(meta.get("shape", (0, 0)))
    return RegionInfo(
        name=path.stem,
        path=path,
        bundled=bundled,
        shape=shape,
        resolution_m=float(t[0]),
        bounds_lonlat=tuple(meta.get("bounds_lonlat", (0, 0, 0, 0))),
        crs=str(meta.get("crs_name", "")),
        source=str(meta.get("source", "")),
        licence=str(meta.get("licence", "")),
        notes=str(meta.get("notes", "")),
    )


def list_regions() -> list[RegionInfo]:
    """Bundled regions first, then user regions (a user region may not shadow a bundled one)."""
    out = []
    seen = set()
    for folder, bundled in ((bundled_region_dir(), True), (user_region_dir(), False)):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.npz")):
            if p.stem in seen:
                continue
            seen.add(p.stem)
            out.append(_info(p, bundled))
    return out


def region_path(name: str) -> Path:
    """Path of the region file called ``name``."""
    for folder in (bundled_region_dir(), user_region_dir()):
        p = folder / f"{name}.npz"
        if p.is_file():
            return p
    known = ", ".join(r.name for r in list_regions()) or "none"
    raise UnknownNameError(
        f"no region called {name!r} (known: {known}); build one with 'carpathia region build --dem FILE --name {name}'"
    )


def load_region(name_or_path: str | os.PathLike) -> Terrain:
    """Load a region by name, or a saved terrain ``.npz`` by path."""
    p = Path(name_or_path)
    if p.suffix == ".npz" or p.exists():
        return Terrain.load(p)
    return Terrain.load(region_path(str(name_or_path)))


_register_region_loader(load_region)


def region_by_name(name: str) -> Terrain:
    """Load a region by its name only (the region-name pattern; never a path): for names that
    come from requests and forms, so that no request string opens a file of its choosing."""
    return Terrain.load(region_path(check_name(name)))


def describe(terrain: Terrain, *, source: str, licence: str, notes: str = "") -> None:
    """Fill the header fields that :func:`list_regions` shows."""
    terrain.meta.update(
        {
            "shape": list(terrain.shape),
            "bounds_lonlat": [round(v, 5) for v in terrain.lonlat_bounds],
            "crs_name": terrain.crs.to_string(),
            "source": source,
            "licence": licence,
            "notes": notes,
        }
    )
