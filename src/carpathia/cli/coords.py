"""``carpathia coords``: read a position in any format, write it in all of them."""

from __future__ import annotations

import typer

from ._common import plain_console, print_json

EPILOG = (
    "Formats read: 47.9178,24.32 | 47.9178N 24.32E | 47°55'04\"N 24°19'12\"E | N47 55.067 E024 19.200 | "
    "475504N 0241912E | 35T 299773 5310629 | 35T KP 99773 10629 (MGRS/UTMREF, 0-10 digits) | "
    "Stereo70 X=713418 Y=449294 (X north) | EPSG:<code> with axis labels | geo:47.9178,24.32;u=30 | "
    "Google Maps, Apple Maps, OpenStreetMap links and WhatsApp/Telegram location messages. "
    "Text that reads two ways is refused with both readings."
)


def coords_cmd(
    text: str = typer.Argument(..., help="A position in any format (quote it)."),
    to: str = typer.Option(None, "--to", help="Print only this format: decimal, dms, ddm, utm, mgrs, stereo70."),
    as_json: bool = typer.Option(False, "--json", help="JSON with every format."),
) -> None:
    """Convert a position between formats (what a caller, a GPS or a map link gives)."""
    from carpathia.coords import FORMATS, format_position, parse_position
    from carpathia.errors import InputError

    p = parse_position(text, what="position")
    if to is not None:
        if to not in FORMATS:
            raise InputError(f"--to {to!r}: choose one of {', '.join(FORMATS)}")
        plain_console.print(format_position(p.lon, p.lat, to))
        return
    out = {"read_as": p.source_format, "lat": p.lat, "lon": p.lon, "uncertainty_m": p.uncertainty_m}
    for fmt in FORMATS:
        try:
            out[fmt] = format_position(p.lon, p.lat, fmt)
        except InputError:  # outside UTM (poles) or outside Stereo 70's Romania
            out[fmt] = None
        if fmt == "stereo70" and not (43.4 <= p.lat <= 48.3 and 20.2 <= p.lon <= 31.5):
            out[fmt] = None  # Stereo 70 is defined for Romania only
    if as_json:
        print_json(out)
        return
    unc = "unknown" if p.uncertainty_m is None else f"{p.uncertainty_m:.3g} m"
    plain_console.print(f"read as {p.source_format}; within {unc}")
    for fmt in FORMATS:
        if out[fmt] is not None:
            plain_console.print(f"  {fmt:9s} {out[fmt]}")
