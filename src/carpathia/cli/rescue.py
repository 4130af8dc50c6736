"""``carpathia rescue``: landing zones near a find, hoist or not, and the stretcher carry-out."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import OVERWRITE_OPT, console, load_terrain, parse_latlon, print_json, show_position

_SHOWN = 10  # landing zones listed in the text output (--json lists all)


def rescue_cmd(
    region: str = typer.Option(..., "--region", help="Region name, saved terrain .npz, or DEM file."),
    at: str = typer.Option(..., "--at", help="Where the subject was found, any format (carpathia coords)."),
    radius: float = typer.Option(2000.0, "--radius", help="Search radius for landing zones, metres."),
    min_size: float = typer.Option(30.0, "--min-size", help="Side of the clear touchdown patch, m (UH-60: 50)."),
    treeline: float = typer.Option(None, "--treeline", help="Forest at or above this elevation (m) is open."),
    helicopter: str = typer.Option(
        None, "--helicopter", help="H135 (EC135), H145, IAR-330 (Puma) or Mi-17: sizes the HEMS site from its D."
    ),
    night: bool = typer.Option(False, "--night", help="Night: 4D × 2D landing sites (EASA), night carry speeds."),
    as_json: bool = typer.Option(False, "--json", help="Print the options as JSON."),
    gpx: Path = typer.Option(None, "--gpx", help="Write the carry-out route as GPX 1.1."),
    geojson: Path = typer.Option(None, "--geojson", help="Write the carry-out path as GeoJSON."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Rescue options at a find: helicopter landing zones (or hoist) and stretcher carry-out time."""
    from carpathia.io.files import check_output
    from carpathia.rescue import rescue_options

    lon, lat = parse_latlon(at, "--at")  # type: ignore[misc]
    if gpx is not None:
        check_output(gpx, overwrite=overwrite, suffixes=(".gpx",))
    if geojson is not None:
        check_output(geojson, overwrite=overwrite, suffixes=(".geojson", ".json"))
    if helicopter is not None:
        from carpathia.rescue.landing import get_helicopter

        get_helicopter(helicopter)  # an unknown type fails before the terrain is loaded
    terrain = load_terrain(region)
    opts = rescue_options(
        terrain,
        lon,
        lat,
        radius_m=radius,
        min_size_m=min_size,
        treeline_m="auto" if treeline is None else treeline,
        helicopter=helicopter,
        night=night,
    )
    written = []
    if gpx is not None:
        written.append(opts.carry.write_gpx(gpx, overwrite=overwrite))
    if geojson is not None:
        written.append(opts.carry.write_geojson(geojson, overwrite=overwrite))
    if as_json:
        print_json(opts.to_dict())
        return
    _print_options(opts)
    for f in written:
        console.print(f"wrote {f}")


def _print_options(opts) -> None:
    lz = opts.landing
    console.print(
        f"[bold]rescue options[/bold] at {show_position(opts.lat, opts.lon)} ({opts.elevation_m:.0f} m) on "
        f"{opts.terrain_name} ({opts.resolution_m:g} m cells)"
    )
    console.print(f"  helicopter       {lz.verdict}")
    if lz.zones:
        console.print(f"  landing zones within {lz.radius_m / 1000:g} km, nearest first ({len(lz.zones)}):")
        for i, z in enumerate(lz.zones[:_SHOWN], 1):
            console.print(
                f"    {i:>2}. {z.distance_m:>6.0f} m at {z.bearing_deg:>3.0f}°  {show_position(z.lat, z.lon)}  "
                f"slope {z.slope_deg:4.1f}° (max {z.max_slope_deg:.1f}°)  {z.area_m2:>9,.0f} m²  "
                f"{z.elevation_m:>5.0f} m  {z.position}"
            )
        if len(lz.zones) > _SHOWN:
            console.print(f"    ... and {len(lz.zones) - _SHOWN} more (all listed with --json)")
        console.print(f"  approach (1.)    {lz.zones[0].approach}")
    console.print(f"  carry-out        {opts.carry.summary()}")
    if opts.carry.note:
        console.print(f"  note             {opts.carry.note}")
    for kind, c in opts.by_kind.items():
        console.print(f"    to {kind:<6}      {c.summary()}")
    if opts.carry.minutes is not None and opts.carry.low_angle_m > 0:
        console.print(
            f"  steep ground     {opts.carry.low_angle_m:.0f} m of the route is steeper than 15°: belay the stretcher"
        )
    for n in lz.notes:
        console.print(f"  - {n}")
