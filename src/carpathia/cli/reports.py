"""``carpathia incident report add|verify`` and ``carpathia incident reports``: where the caller is."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import parse_position_opt, plain, print_json, show_position
from ._common import plain_console as console
from .incident import DB_OPT, INC_OPT, JSON_OPT, USER_OPT, _ws

report_app = typer.Typer(
    help="Location reports: AML/112 fixes, shared pins, relatives' words, cell sectors, beacons.",
    no_args_is_help=True,
)

SOURCE_HELP = "aml, locate-me, shared-pin, relative, cell-sector, police-trace, plb or verbal."


@report_app.command("add")
def report_add_cmd(
    position: str = typer.Argument(
        None, help="Where (a cell sector: its site), any format (carpathia coords); not with --aml."
    ),
    source: str = typer.Option("verbal", "--source", help=SOURCE_HELP),
    time: str = typer.Option(None, "--time", help="Time of the fix, ISO 8601 with zone (default now)."),
    accuracy: float = typer.Option(
        None, "--accuracy", help="Radius in metres at --confidence (default: what the position's text allows)."
    ),
    confidence: float = typer.Option(
        None, "--confidence", help="Chance the phone is inside --accuracy, 0-1 (default 0.95 locate-me, else 0.68)."
    ),
    ellipse: str = typer.Option(None, "--ellipse", help="Error ellipse SEMI_MAJOR,SEMI_MINOR,ORIENTATION (m, m, deg)."),
    azimuth: float = typer.Option(None, "--azimuth", help="Cell sector: centre of the beam, degrees from north."),
    beam_width: float = typer.Option(None, "--beam-width", help="Cell sector: full width of the beam, degrees."),
    range_m: float = typer.Option(None, "--range", help="Cell sector: outer radius, metres (timing advance)."),
    min_range: float = typer.Option(0.0, "--min-range", help="Cell sector: inner radius, metres."),
    method: str = typer.Option(None, "--method", help="Positioning method: gnss, wifi, cell, hybrid, unknown."),
    battery: float = typer.Option(None, "--battery", help="Battery left, percent."),
    verification: str = typer.Option(
        None, "--verification", help="confirmed, plausible, unverified or refuted (default unverified; AML plausible)."
    ),
    notes: str = typer.Option(None, "--notes", help="Who said what, how it was checked."),
    aml: str = typer.Option(None, "--aml", help='An AML message as received: A"ML=1;lt=...  or  v=1&location_...'),
    aml_file: Path = typer.Option(None, "--aml-file", help="A text file of AML messages, one per line."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Record a location report on the incident (audited; 'carpathia incident undo' takes it back)."""
    from carpathia.errors import InputError
    from carpathia.incident import parse_time
    from carpathia.location import (
        ANDROID_CONFIDENCE,
        W3C_CONFIDENCE,
        CellSector,
        LocationReport,
        parse_aml,
        read_aml_file,
    )

    given_aml = [x for x in (aml, aml_file) if x is not None]
    if len(given_aml) > 1 or (given_aml and position is not None):
        raise InputError("give the position, --aml or --aml-file: one of them")
    kw = {"notes": notes or ""}
    if verification is not None:
        kw["verification"] = verification
    if given_aml:
        reports = [parse_aml(aml, **kw)] if aml is not None else read_aml_file(aml_file, **kw)
        fmt = "aml"
    else:
        if position is None:
            raise InputError("give the report's position (any format), or --aml / --aml-file")
        p = parse_position_opt(position, "position")
        sector = None
        if source == "cell-sector" or azimuth is not None:
            missing = [n for n, v in (("--azimuth", azimuth), ("--beam-width", beam_width), ("--range", range_m))
                       if v is None]
            if missing:
                raise InputError(f"a cell sector needs {', '.join(missing)}")
            sector = CellSector(p.lon, p.lat, azimuth, beam_width, range_m, min_range)
            source = "cell-sector"
        ell = None
        if ellipse is not None:
            from ._common import parse_numbers

            ell = parse_numbers(ellipse, 3, "--ellipse", "120,40,35", "SEMI_MAJOR,SEMI_MINOR,ORIENTATION")
        default_conf = W3C_CONFIDENCE if source == "locate-me" else ANDROID_CONFIDENCE
        conf = confidence if confidence is not None else default_conf
        acc = accuracy if accuracy is not None else (None if sector is not None else p.uncertainty_m)
        reports = [
            LocationReport(
                lon=p.lon, lat=p.lat, time=parse_time(time, "--time"), source=source, accuracy_m=acc,
                confidence=conf, ellipse=ell, sector=sector, method=method, battery_pct=battery, **kw,
            )
        ]
        fmt = p.source_format
    ids = []
    with _ws(db, user) as ws:
        for r in reports:
            ids.append(ws.add_report(r, incident, source_format=fmt)["report_id"])
    if as_json:
        print_json({"report_ids": ids})
        return
    for rid, r in zip(ids, reports, strict=True):
        warn = f"; warning: {r.extra['warning']}" if r.extra.get("warning") else ""
        where = show_position(r.lat, r.lon)
        console.print(f"report {rid} recorded: {r.source} at {where} ({r.time.isoformat()}){warn}")


@report_app.command("verify")
def report_verify_cmd(
    report_id: int = typer.Argument(..., help="Report id (carpathia incident reports)."),
    status: str = typer.Argument(..., help="confirmed, plausible, unverified or refuted."),
    note: str = typer.Option(None, "--note", help="How it was checked."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Change a report's verification status (audited, undoable)."""
    with _ws(db, user) as ws:
        ws.set_report_verification(report_id, status, incident, note=note)
    console.print(f"report {report_id}: {status}")


def reports_cmd(
    coords: str = typer.Option(
        None, "--coords", help="Show positions as decimal, dms, ddm, utm, mgrs, stereo70 (default $CARPATHIA_COORDS)."
    ),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """The incident's location reports, oldest fix first: source, time, position, accuracy, status."""
    import datetime as dt

    from carpathia.coords import FORMATS, format_position
    from carpathia.errors import InputError

    if coords is not None and coords not in FORMATS:
        raise InputError(f"--coords {coords!r}: choose one of {', '.join(FORMATS)}")
    with _ws(db) as ws:
        rows = ws.reports(incident)
    now = dt.datetime.now(dt.UTC)
    for r in rows:
        pos = show_position(r["lat"], r["lon"]) if coords is None else None
        r["position"] = pos or format_position(r["lon"], r["lat"], coords)
        r["age_h"] = round((now - dt.datetime.fromisoformat(r["time"])).total_seconds() / 3600, 2)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no location reports")
        return
    for r in rows:
        if r["sector"]:
            s = r["sector"]
            acc = f"sector {s['azimuth_deg']:.0f}°/{s['beam_width_deg']:.0f}° to {s['range_m']:.0f} m"
        elif r["accuracy_m"] is not None:
            acc = f"±{r['accuracy_m']:.0f} m @{r['confidence']:.0%}"
        else:
            acc = "± ?"
        extra = [x for x in (r["method"], f"battery {r['battery_pct']:.0f}%" if r["battery_pct"] is not None else None,
                             None if r.get("on_terrain", True) else "OFF THE TERRAIN") if x]
        console.print(
            f"{r['id']:>4}  {r['time']}  ({r['age_h']:.1f} h ago)  {r['source']:<12} {r['position']}  {acc}  "
            f"[{r['verification']}]{'  ' + ', '.join(extra) if extra else ''}"
        )
        if r["notes"]:
            console.print(f"      {plain(r['notes'])}")
