"""Building a named region from a team's own data (``carpathia region build``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .core import Terrain
from .regions import check_name, describe, user_region_dir

__all__ = ["DEFAULT_RIVER_WIDTH_M", "build_region"]

#: Width given to river lines that carry no width of their own. carpathia's assumption for a
#: mountain river (Vișeu-sized); pass the real width when it is known.
DEFAULT_RIVER_WIDTH_M = 20.0


def build_region(
    dems: Sequence[str | os.PathLike],
    name: str,
    *,
    crs: object | None = None,
    bounds: Sequence[float] | None = None,
    center: Sequence[float] | None = None,
    radius_m: float | None = None,
    resolution: float | None = None,
    rivers: Sequence[str | os.PathLike] = (),
    river_width_m: float = DEFAULT_RIVER_WIDTH_M,
    trails: Sequence[str | os.PathLike] = (),
    roads: Sequence[str | os.PathLike] = (),
    landcover: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> tuple[Path, Terrain]:
    """Make a terrain from DEM files and vector layers and save it as a region.

    Every input is read and checked before anything is written; the region file is written
    atomically to ``out`` (default: the user region folder, ``NAME.npz``).
    """
    check_name(name)
    target = Path(out) if out is not None else user_region_dir() / f"{name}.npz"
    if target.exists() and not overwrite:
        from carpathia.errors import OutputExistsError

        raise OutputExistsError(f"{target} exists; pass --overwrite to replace it")
    t = Terrain.from_dem(
        dems, crs=crs, bounds=bounds, center=center, radius_m=radius_m, resolution=resolution, name=name
    )
    for path in rivers:
        t.add_lines(path, "water", width_m=river_width_m)
    for path in trails:
        t.add_lines(path, "trails")
    for path in roads:
        t.add_lines(path, "roads")
    if landcover is not None:
        t.add_landcover(landcover)
    describe(
        t,
        source="; ".join(Path(p).name for p in dems),
        licence="as the user's data",
        notes=f"built by 'carpathia region build' at {t.resolution:g} m",
    )
    return t.save(target, overwrite=overwrite), t
