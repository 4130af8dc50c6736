"""``carpathia incident ...``: the operational cycle over a workspace file (thin over carpathia.incident)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import OVERWRITE_OPT, parse_latlon, plain, print_json, show_position
from ._common import plain_console as console  # names come from the workspace: printed as text, never markup

app = typer.Typer(
    help="The incident workspace: new, map, segments, plan, debrief, clues, status, log, undo, export.",
    no_args_is_help=True,
)
segments_app = typer.Typer(help="Search segments: automatic or from a file.", no_args_is_help=True)
team_app = typer.Typer(help="Teams available to the incident.", no_args_is_help=True)
clue_app = typer.Typer(help="Clues found in the field.", no_args_is_help=True)
weather_app = typer.Typer(help="Weather observations (for the survival clock).", no_args_is_help=True)
assignment_app = typer.Typer(help="Assignments added by hand.", no_args_is_help=True)
app.add_typer(segments_app, name="segments")
app.add_typer(team_app, name="team")
app.add_typer(clue_app, name="clue")
app.add_typer(weather_app, name="weather")
app.add_typer(assignment_app, name="assignment")

DB_OPT = typer.Option(
    None, "--db", help="Workspace file (default $CARPATHIA_DB, else ./carpathia.db).", envvar="CARPATHIA_DB"
)
USER_OPT = typer.Option(None, "--user", help="Who makes the change, for the log (default $USER).")
INC_OPT = typer.Option(None, "--incident", "-i", help="Incident name or id (default: the only active one).")
JSON_OPT = typer.Option(False, "--json", help="Print JSON.")


def _ws(db: Path | None, user: str | None = None, *, create: bool = False):
    from carpathia.incident import Workspace, default_db_path

    return Workspace(db or default_db_path(), user=user, create=create)


# ---------------------------------------------------------------------- incidents
@app.command("new")
def new_cmd(
    name: str = typer.Argument(..., help="Incident name, e.g. 'Lost hiker Mt Washington'."),
    ipp: str = typer.Option(..., "--ipp", help="Initial planning point, any format (carpathia coords)."),
    last_seen: str = typer.Option(
        ..., "--last-seen", help="Time last seen, ISO 8601 with zone (2024-01-13T15:30-05:00)."
    ),
    category: str = typer.Option("hiker", "--category", help="Subject category (Koester), e.g. 'hiker', 'child 7-9'."),
    region: str = typer.Option(None, "--region", help="Region name (carpathia regions)."),
    dem: list[Path] = typer.Option(None, "--dem", help="DEM file(s) instead of a region."),
    crs: str = typer.Option(None, "--crs", help="CRS of a DEM that carries none."),
    radius: float = typer.Option(None, "--radius", help="Keep this many metres around the IPP (DEM default 15000)."),
    resolution: float = typer.Option(None, "--resolution", help="Cell size for a DEM, metres."),
    subject: str = typer.Option(None, "--subject", help="Subject's name or description."),
    search_for: str = typer.Option(
        "unresponsive", "--search-for", help="Plan for a 'responsive' or 'unresponsive' subject."
    ),
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Open a new incident in the workspace (created if missing)."""
    lonlat = parse_latlon(ipp, "--ipp")
    with _ws(db, user, create=True) as ws:
        ws.new_incident(
            name,
            ipp=lonlat,
            last_seen=last_seen,
            category=category,
            region=region,
            dem=list(dem) if dem else None,
            crs=crs,
            radius_m=radius,
            resolution=resolution,
            subject=subject,
            search_for=search_for,
        )
        t = ws.terrain(name)
        console.print(
            f"incident {name!r} opened in {ws.store.path}: {t.shape[1]} × {t.shape[0]} cells of {t.resolution:g} m"
        )


@app.command("list")
def list_cmd(db: Path = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Incidents in the workspace."""
    with _ws(db) as ws:
        rows = ws.incidents()
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            plain(
                f"{r['id']:>3}  {r['name']:<28} {r['category']:<12} {r['status']:<9} last seen {r['last_seen']}  "
                f"{r['map_versions']} map(s), {r['debriefs']} debrief(s)"
            )
        )


@app.command("show")
def show_cmd(incident: str = INC_OPT, db: Path = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """The incident's record, teams, segments and assignments."""
    with _ws(db) as ws:
        row = ws.incident_row(incident)
        inc = ws.incident(row["id"])
        out = {
            **{k: v for k, v in row.items() if k != "terrain_sha"},
            "ipp": {"lat": inc.ipp_lat, "lon": inc.ipp_lon},
            "teams": [{k: t[k] for k in ("name", "resource_key", "hours", "radio")} for t in ws.teams(row["id"])],
            "segments": [{"label": s["label"], "area_km2": s["area_m2"] / 1e6} for s in ws.segments(row["id"])],
            "assignments": [
                {k: a[k] for k in ("number", "period", "segment", "team", "status", "expected_pod")}
                for a in ws.assignments(row["id"])
            ],
            "map_versions": [
                {k: v[k] for k in ("version", "kind", "created", "rest_of_world", "grid_hash")}
                for v in ws.map_versions(row["id"])
            ],
        }
    if as_json:
        print_json(out)
        return
    console.print(
        f"{out['name']} ({out['category']}, {out['status']}): IPP {show_position(inc.ipp_lat, inc.ipp_lon)}, "
        f"last seen {out['last_seen']}, terrain {out['region']}"
    )
    console.print(f"teams: {', '.join(t['name'] + ' (' + t['resource_key'] + ')' for t in out['teams']) or 'none'}")
    console.print(f"segments: {', '.join(s['label'] for s in out['segments']) or 'none'}")
    for a in out["assignments"]:
        console.print(f"  {a['number']}: {a['team']} → segment {a['segment']} ({a['status']})")
    for v in out["map_versions"]:
        console.print(f"  map v{v['version']} {v['kind']:<8} {v['created']}  ROW {v['rest_of_world']:.1%}")


@app.command("map")
def map_cmd(
    model: str = typer.Option("travel_time", "--model", help="rings, travel_time, mixture or agents."),
    at: str = typer.Option(None, "--at", help="Planning time, ISO with zone (default now): sets hours missing."),
    report: int = typer.Option(
        None, "--report", help="Grow the map from this location report's spread (carpathia incident reports)."
    ),
    weight: float = typer.Option(
        None, "--weight", help="With --report: its scenario weight against the IPP map, 0-1 (default by status)."
    ),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Run a probability model and store it as a new map version."""
    with _ws(db, user) as ws:
        if report is not None:
            v = ws.map_from_report(report, incident, at=at, model=model, weight=weight)
        else:
            v = ws.run_map(incident, model=model, at=at)
    src = f" from report {report}" if report is not None else ""
    console.print(f"map version {v['version']} ({model}{src}), rest of world {v['rest_of_world']:.1%}")


# ---------------------------------------------------------------------- segments and teams
@segments_app.command("auto")
def segments_auto_cmd(incident: str = INC_OPT, db: Path = DB_OPT, user: str = USER_OPT) -> None:
    """Automatic segments from the terrain and the current map."""
    with _ws(db, user) as ws:
        n = ws.auto_segments(incident)
    console.print(f"{n} segment(s) stored")


@segments_app.command("import")
def segments_import_cmd(
    path: Path = typer.Argument(..., help="GeoJSON, KML, GPX or GeoPackage of polygons."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Segments from a file of polygons (label from 'label', 'id' or 'name')."""
    with _ws(db, user) as ws:
        n = ws.import_segments(path, incident)
    console.print(f"{n} segment(s) stored")


@team_app.command("add")
def team_add_cmd(
    name: str = typer.Argument(..., help="Call sign, e.g. 'Grid 1'."),
    resource: str = typer.Option(..., "--resource", help="Resource type: hasty-team, grid-team, dog-team ..."),
    hours: float = typer.Option(None, "--hours", help="Hours available per period (default the type's endurance)."),
    radio: str = typer.Option(None, "--radio", help="Radio channel or call sign."),
    resources_file: Path = typer.Option(None, "--resources", help="Your own resources TOML."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Add a team."""
    with _ws(db, user) as ws:
        ws.add_team(name, resource, incident, hours=hours, radio=radio, resources_file=resources_file)
    console.print(f"team {name!r} added")


@team_app.command("list")
def team_list_cmd(incident: str = INC_OPT, db: Path = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Teams of the incident."""
    with _ws(db) as ws:
        rows = [{k: t[k] for k in ("name", "resource_key", "hours", "radio")} for t in ws.teams(incident)]
    if as_json:
        print_json(rows)
        return
    for t in rows:
        console.print(f"{t['name']:<16} {t['resource_key']:<14} {t['hours'] or '':>5} {t['radio'] or ''}")


@weather_app.command("add")
def weather_add_cmd(
    temp: float = typer.Option(..., "--temp", help="Air temperature, °C."),
    wind: float = typer.Option(..., "--wind", help="Wind at 10 m, km/h."),
    time: str = typer.Option(None, "--time", help="Observation time, ISO with zone (default now)."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Record the weather."""
    with _ws(db, user) as ws:
        ws.add_weather(temp, wind, incident, time=time)
    console.print("weather recorded")


# ---------------------------------------------------------------------- cycle
@app.command("plan")
def plan_cmd(
    hours: float = typer.Option(12.0, "--hours", help="Length of the operational period, hours."),
    start: str = typer.Option(None, "--start", help="Start of the period, ISO with zone (default now)."),
    method: str = typer.Option("milp", "--method", help="milp (optimal) or greedy."),
    base: str = typer.Option(
        None, "--base", help="Command post (any format, carpathia coords): teams walk from there and back."
    ),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Plan the next operational period: teams to segments, numbered assignments."""
    base_ll = parse_latlon(base, "--base")
    with _ws(db, user) as ws:
        period = ws.plan(incident, hours=hours, start=start, method=method, base=base_ll)
    if as_json:
        print_json(
            {
                "number": period.number,
                "start": period.start,
                "hours": period.hours,
                "pos": period.pos,
                "assignments": period.assignments,
            }
        )
        return
    console.print(period.to_text())


@assignment_app.command("add")
def assignment_add_cmd(
    number: int = typer.Argument(..., help="Assignment number, e.g. 104 (period 1)."),
    segment: str = typer.Option(..., "--segment", help="Segment label."),
    team: str = typer.Option(..., "--team", help="Team name."),
    period: int = typer.Option(None, "--period", help="Operational period (default the latest)."),
    tactics: str = typer.Option(None, "--tactics", help="What to do."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Add an assignment by hand."""
    with _ws(db, user) as ws:
        ws.add_assignment(number, segment, team, incident, period=period, tactics=tactics)
    console.print(f"assignment {number} added")


@app.command("debrief")
def debrief_cmd(
    assignment: int = typer.Argument(..., help="Assignment number, e.g. 101."),
    track: list[Path] = typer.Option(..., "--track", help="GPS track file(s): GPX, KML or GeoJSON."),
    clue: str = typer.Option(None, "--clue", help="A clue found on the way (any format, carpathia coords)."),
    found: str = typer.Option("no", "--found", help="'no' (unsuccessful search) or 'yes' (subject found)."),
    time: str = typer.Option(None, "--time", help="Debrief time, ISO with zone (default now)."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Debrief an assignment: tracks → coverage → POD → Bayes update → new map version (one transaction)."""
    from carpathia.search import read_tracks

    clue_ll = parse_latlon(clue, "--clue")
    tracks = [t for p in track for t in read_tracks(p)]
    with _ws(db, user) as ws:
        r = ws.debrief(assignment, tracks, incident, found=found, clue=clue_ll, time=time)
    if as_json:
        print_json(r)
        return
    console.print(
        f"debrief of {r['assignment']}: {r['tracks']} track(s), {r['length_m'] / 1000:.2f} km; "
        f"segment POD {r['segment_pod']:.1%}; map version {r['map_version']}"
    )


@clue_app.command("add")
def clue_add_cmd(
    at: str = typer.Argument(..., help="Where: a position in any format (carpathia coords)."),
    description: str = typer.Option(None, "--description", help="What was found."),
    sigma: float = typer.Option(None, "--sigma", help="Spread of the clue's effect, metres (default 500)."),
    weight: float = typer.Option(None, "--weight", help="How much likelier near the clue, ≥ 0 (default 4)."),
    time: str = typer.Option(None, "--time", help="When, ISO with zone (default now)."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """Record a clue and update the map with it."""
    from carpathia.incident import CLUE_SIGMA_M, CLUE_WEIGHT

    lon, lat = parse_latlon(at, "clue position")
    with _ws(db, user) as ws:
        r = ws.add_clue(
            lon,
            lat,
            incident,
            description=description,
            sigma_m=CLUE_SIGMA_M if sigma is None else sigma,
            weight=CLUE_WEIGHT if weight is None else weight,
            time=time,
        )
    console.print(f"clue recorded; map version {r['map_version']}")


@app.command("status")
def status_cmd(
    at: str = typer.Option(None, "--at", help="Time of the report, ISO with zone (default now)."),
    show_all: bool = typer.Option(False, "--all", help="List every segment (default: the 25 most probable)."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """POA and cumulative POD by segment (most probable first), POS so far, time missing, survival clock."""
    with _ws(db) as ws:
        st = ws.status(incident, at=at)
    if as_json:
        print_json(st.to_dict())
        return
    console.print(st.to_text(top=None if show_all else 25))


@app.command("log")
def log_cmd(
    limit: int = typer.Option(None, "--limit", help="Only the last N entries."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """The audit log: when, who, what."""
    with _ws(db) as ws:
        rows = ws.log(incident, limit=limit)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        mark = f" (undone by #{r['undone_by']})" if r["undone_by"] else ""
        typer.echo(plain(f"#{r['id']:<4} {r['time']}  {r['who']:<12} {r['summary']}{mark}"))


@app.command("undo")
def undo_cmd(incident: str = INC_OPT, db: Path = DB_OPT, user: str = USER_OPT) -> None:
    """Undo the incident's last change (the undo itself is logged)."""
    with _ws(db, user) as ws:
        r = ws.undo(incident)
    console.print(r["summary"])


@app.command("replay")
def replay_cmd(incident: str = INC_OPT, db: Path = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Rebuild every map version from the log's inputs and compare with the stored maps."""
    from carpathia.errors import DataFileError

    with _ws(db) as ws:
        rep = ws.replay(incident)
    if as_json:
        print_json({"ok": rep.ok, "versions": rep.versions})
    else:
        console.print(rep.to_text())
    if not rep.ok:
        raise DataFileError("the stored maps or the audit log differ from their replay; the workspace may be damaged")


@app.command("verify")
def verify_cmd(db: Path = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Check the workspace: SQLite integrity, the audit log's hash chain, every row against the log.

    Prints the head of the chain (last entry and its hash): note it in the paper log now and
    then; a history rewritten since, even with its hashes recomputed, no longer ends there.
    """
    from carpathia.errors import DataFileError

    with _ws(db) as ws:
        problems = ws.store.integrity_check() + ws.store.verify()
        head = ws.store.head()
        entries = ws.store.count("audit")
    if as_json:
        print_json({"ok": not problems, "problems": problems, "entries": entries, "head": head})
    else:
        for p in problems:
            console.print(p)
        if head is not None:
            console.print(f"audit log: {entries} entries, head #{head[0]} {head[1]}")
        if not problems:
            console.print("workspace intact: integrity ok, hash chain unbroken, every row as the log records it")
    if problems:
        raise DataFileError(f"{len(problems)} problem(s) in {ws.store.path}; see above")


@app.command("export")
def export_cmd(
    fmt: str = typer.Option(..., "--format", help="geojson, kml, gpx, gpkg, geotiff, pdf, png or mbtiles."),
    out: Path = typer.Option(
        ..., "--out", help="Output file (pdf: a folder, one sheet per assignment; with --scale one .pdf)."
    ),
    assignment: int = typer.Option(None, "--assignment", help="pdf: only this assignment's sheet, --out FILE.pdf."),
    coords: str = typer.Option(
        None,
        "--coords",
        help="pdf, png: coordinate box formats, e.g. 'utm,mgrs,dms' (decimal, dms, ddm, utm, mgrs, stereo70); "
        "default utm,mgrs,ddm (+stereo70 in Romania).",
    ),
    grid: str = typer.Option(
        "utm", "--grid", help="pdf, png: labelled grids, 'utm' (with MGRS squares) or 'utm,stereo70'."
    ),
    scale: int = typer.Option(
        None, "--scale", help="pdf: print the area at exactly 1:SCALE (25000, 50000) into one tiled, georeferenced PDF."
    ),
    paper: str = typer.Option("A4", "--paper", help="pdf --scale: paper size, A4 or A3."),
    zoom: str = typer.Option("10-15", "--zoom", help="mbtiles: zoom range, e.g. 10-15 (15: about 3 m per pixel)."),
    incident: str = INC_OPT,
    db: Path = DB_OPT,
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Write the incident for the field and for other tools."""
    from carpathia.incident.report import export_incident

    with _ws(db) as ws:
        files = export_incident(
            ws, incident, fmt, out, overwrite=overwrite, assignment=assignment, coords=coords, grids=grid,
            scale=scale, paper=paper, zoom=zoom,
        )
    for f in files:
        console.print(f"wrote {f}")
