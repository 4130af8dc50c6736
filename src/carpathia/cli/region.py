"""``carpathia regions`` and ``carpathia region build``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ._common import (
    BBOX_OPT,
    CENTER_OPT,
    CRS_OPT,
    OVERWRITE_OPT,
    RADIUS_OPT,
    RES_OPT,
    console,
    parse_latlon,
    parse_numbers,
    print_json,
)

app = typer.Typer(help="Build regions from your own DEM and vector data.", no_args_is_help=True)

COARSE_NOTE = (
    "maramures is 100 m from a RECONSTRUCTION of SRTM (peaks 10-50 m low, positions 100-200 m): fit for team "
    "segments, not for a landing approach; maramures-1km is the regional picture. A team's own 30 m DEM is "
    "better still: carpathia region build --dem FILE.tif --name NAME"
)


def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")) -> None:
    """List the bundled and user-built regions: extent, resolution, source."""
    from carpathia.terrain.regions import list_regions, user_region_dir

    regions = list_regions()
    if as_json:
        print_json([r.to_dict() for r in regions])
        return
    table = Table(title="carpathia regions")
    for col in ("name", "kind", "cell", "size", "latitude", "longitude"):
        table.add_column(col, no_wrap=True)
    for r in regions:
        w, s, e, n = r.bounds_lonlat
        h, wd = r.shape
        km = r.resolution_m / 1000
        table.add_row(
            r.name,
            "bundled" if r.bundled else "user",
            f"{r.resolution_m:g} m",
            f"{wd * km:.0f} × {h * km:.0f} km",
            f"{s:.2f} .. {n:.2f}",
            f"{w:.2f} .. {e:.2f}",
        )
    console.print(table)
    for r in regions:
        console.print(f"[bold]{r.name}[/bold]: {r.source}. {r.notes}")
    console.print(COARSE_NOTE)
    console.print(f"User regions are kept in {user_region_dir()} (set CARPATHIA_HOME to move them).")


@app.command("build")
def build_cmd(
    dem: list[Path] = typer.Option(..., "--dem", help="DEM file (.hgt or GeoTIFF); repeat to mosaic tiles."),
    name: str = typer.Option(..., "--name", help="Region name: lower-case letters, digits, '-'."),
    crs: str = CRS_OPT,
    bbox: str = BBOX_OPT,
    center: str = CENTER_OPT,
    radius: float = RADIUS_OPT,
    resolution: float = RES_OPT,
    rivers: list[Path] = typer.Option([], "--rivers", help="River/lake lines or polygons; repeatable."),
    river_width: float = typer.Option(
        20.0, "--river-width", help="Width of river lines without a width_m property, m."
    ),
    trails: list[Path] = typer.Option([], "--trails", help="Trail lines (GeoJSON/KML/GPX); repeatable."),
    roads: list[Path] = typer.Option([], "--roads", help="Road lines (GeoJSON/KML/GPX); repeatable."),
    landcover: Path = typer.Option(None, "--landcover", help="IGBP land-cover raster (MODIS MCD12)."),
    out: Path = typer.Option(None, "--out", help="Region file to write (default: the user region folder)."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Build a region from your own DEM (e.g. a 30 m Copernicus tile) and save it."""
    from carpathia.terrain.build import build_region

    path, t = build_region(
        dem,
        name,
        crs=crs,
        bounds=parse_numbers(bbox, 4, "--bbox", "23.5,47.6,24.5,48.1", "WEST,SOUTH,EAST,NORTH"),
        center=parse_latlon(center),
        radius_m=radius,
        resolution=resolution,
        rivers=rivers,
        river_width_m=river_width,
        trails=trails,
        roads=roads,
        landcover=landcover,
        out=out,
        overwrite=overwrite,
    )
    h, w = t.shape
    console.print(f"wrote {path}: {w} × {h} cells of {t.resolution:g} m, {t.crs.to_string()}")
