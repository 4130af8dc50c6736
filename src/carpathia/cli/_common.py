"""Options and helpers shared by the commands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from carpathia.errors import FileNotFound, InputError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

# C0/C1 control characters (terminal escapes among them) and bidirectional overrides; tab and newline stay
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: object) -> str:
    """Text from a workspace or a file, safe for a terminal: control characters (escape codes,
    bidirectional overrides) shown as ``\\xNN`` / ``\\uNNNN`` instead of acted upon."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}", str(text))


class _PlainConsole:
    """``print`` for lines that carry names from a workspace: no Rich markup (a team called
    ``[/bold]`` is printed, not parsed), no emoji codes, control characters escaped."""

    def print(self, text: object = "", **kw) -> None:
        console.print(plain(text), markup=False, emoji=False, **kw)


plain_console = _PlainConsole()

CRS_OPT = typer.Option(None, "--crs", help="CRS of a raster that carries none, e.g. EPSG:3844.")
BBOX_OPT = typer.Option(None, "--bbox", help="Area of interest WEST,SOUTH,EAST,NORTH in degrees.")
CENTER_OPT = typer.Option(None, "--center", help="Centre of the area (with --radius), any format (carpathia coords).")
RADIUS_OPT = typer.Option(None, "--radius", help="Radius of the area around --center, metres.")
RES_OPT = typer.Option(None, "--resolution", help="Cell size in metres (default: the DEM's).")
OVERWRITE_OPT = typer.Option(False, "--overwrite", help="Replace outputs that exist.")


def parse_numbers(text: str | None, n: int, what: str, example: str, form: str = "") -> tuple[float, ...] | None:
    """'47.9,24.1' → (47.9, 24.1); a clear error for anything else."""
    if text is None:
        return None
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        vals = ()
    if len(vals) != n:
        form = f" {form}" if form else ""
        raise InputError(f"{what} must be {n} comma-separated numbers{form} like {example}, not {text!r}")
    return vals


def parse_latlon(text: str | None, what: str = "--center") -> tuple[float, float] | None:
    """A position in any format :mod:`carpathia.coords` reads (``47.93,23.89``, DMS, MGRS, UTM,
    Stereo 70, ``geo:``, a map link) → (lon, lat) for the Python API (which is x-first)."""
    p = parse_position_opt(text, what)
    return None if p is None else (p.lon, p.lat)


def parse_position_opt(text: str | None, what: str):
    """The :class:`carpathia.coords.Position` of an option, or None when it was not given."""
    if text is None:
        return None
    from carpathia.coords import parse_position

    return parse_position(str(text), what=what)


def show_position(lat: float, lon: float) -> str:
    """A position for the terminal in the format ``$CARPATHIA_COORDS`` names (decimal, dms, ddm,
    utm, mgrs, stereo70; default decimal), so a team reads every command's output in its grid."""
    import os

    from carpathia.coords import FORMATS, format_position

    fmt = os.environ.get("CARPATHIA_COORDS", "decimal").strip().lower() or "decimal"
    if fmt not in FORMATS:
        raise InputError(f"CARPATHIA_COORDS={fmt!r}: choose one of {', '.join(FORMATS)}")
    try:
        return format_position(lon, lat, fmt)
    except InputError:  # outside UTM's latitudes: degrees instead
        return format_position(lon, lat, "decimal")


def looks_like_path(text: str) -> bool:
    return any(c in text for c in "/\\") or Path(text).suffix != ""


def load_terrain(
    source: str,
    *,
    crs: str | None = None,
    bbox: str | None = None,
    center: str | None = None,
    radius: float | None = None,
    resolution: float | None = None,
):
    """A region name, a saved terrain (.npz) or DEM file(s) → Terrain."""
    from carpathia.terrain import Terrain
    from carpathia.terrain.regions import region_path

    bounds = parse_numbers(bbox, 4, "--bbox", "23.5,47.6,24.5,48.1", "WEST,SOUTH,EAST,NORTH")
    ctr = parse_latlon(center)
    p = Path(source)
    if p.exists() and p.suffix == ".npz":
        terrain = Terrain.load(p)
        _refuse_crop(bounds, ctr, radius, resolution, source)
        return terrain
    if p.exists():
        return Terrain.from_dem(p, crs=crs, bounds=bounds, center=ctr, radius_m=radius, resolution=resolution)
    if looks_like_path(source):
        raise FileNotFound(f"{source}: no such file; check the path, or give a region name (carpathia regions)")
    terrain = Terrain.load(region_path(source))
    _refuse_crop(bounds, ctr, radius, resolution, source)
    return terrain


def _refuse_crop(bounds, ctr, radius, resolution, source) -> None:
    if bounds is not None or ctr is not None or radius is not None or resolution is not None:
        raise InputError(
            f"{source} is a built region; --bbox/--center/--radius/--resolution apply to DEM files "
            "(build a new region with 'carpathia region build')"
        )


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False))
