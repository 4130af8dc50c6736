"""``carpathia terrain info|render``."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import (
    BBOX_OPT,
    CENTER_OPT,
    CRS_OPT,
    OVERWRITE_OPT,
    RADIUS_OPT,
    RES_OPT,
    console,
    load_terrain,
    print_json,
)

app = typer.Typer(help="Inspect and render terrain (a region name, a saved .npz, or DEM files).", no_args_is_help=True)

SOURCE_ARG = typer.Argument(..., help="Region name (see 'carpathia regions'), saved terrain .npz, or DEM file.")


@app.command("info")
def info_cmd(
    source: str = SOURCE_ARG,
    crs: str = CRS_OPT,
    bbox: str = BBOX_OPT,
    center: str = CENTER_OPT,
    radius: float = RADIUS_OPT,
    resolution: float = RES_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """CRS, size, resolution and elevation range of a terrain."""
    t = load_terrain(source, crs=crs, bbox=bbox, center=center, radius=radius, resolution=resolution)
    s = t.summary()
    if as_json:
        print_json(s)
        return
    e = s["elevation"]
    w, so, ea, n = s["bounds_lonlat"]
    console.print(f"[bold]{s['name']}[/bold]")
    console.print(f"  CRS          {s['crs']}")
    console.print(
        f"  size         {s['shape'][1]} × {s['shape'][0]} cells ({s['extent_km'][0]} × {s['extent_km'][1]} km)"
    )
    console.print(f"  resolution   {s['resolution_m']:g} m")
    console.print(f"  extent       lat {so:.4f}..{n:.4f}, lon {w:.4f}..{ea:.4f}")
    if e["min"] is not None:
        console.print(f"  elevation    min {e['min']:.0f} m, max {e['max']:.0f} m, mean {e['mean']:.0f} m")
    console.print(f"  no data      {100 * s['no_data_fraction']:.1f} % of cells")
    console.print(f"  layers       {', '.join(s['layers']) or 'none'}")
    if s["notes"]:
        console.print(f"  note         {s['notes']}")


@app.command("render")
def render_cmd(
    source: str = SOURCE_ARG,
    out: Path = typer.Option(..., "--out", help="PNG file to write."),
    crs: str = CRS_OPT,
    bbox: str = BBOX_OPT,
    center: str = CENTER_OPT,
    radius: float = RADIUS_OPT,
    resolution: float = RES_OPT,
    trails: list[Path] = typer.Option([], "--trails", help="Trail lines (GeoJSON/KML/GPX) to draw; repeatable."),
    roads: list[Path] = typer.Option([], "--roads", help="Road lines (GeoJSON/KML/GPX) to draw; repeatable."),
    title: str = typer.Option(None, "--title", help="Map title."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Shaded-relief map with rivers, borders, towns, scale bar, north arrow and lon/lat ticks."""
    from carpathia.io.files import check_output
    from carpathia.io.maps import render_terrain

    check_output(out, overwrite=overwrite, suffixes=(".png",))
    t = load_terrain(source, crs=crs, bbox=bbox, center=center, radius=radius, resolution=resolution)
    for p in trails:
        t.add_lines(p, "trails")
    for p in roads:
        t.add_lines(p, "roads")
    path = render_terrain(t, out, title=title, overwrite=overwrite)
    console.print(f"wrote {path}")
