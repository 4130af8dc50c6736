"""``carpathia map`` and ``carpathia evaluate``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from carpathia.errors import InputError, OutputExistsError

from ._common import (
    OVERWRITE_OPT,
    console,
    load_terrain,
    looks_like_path,
    parse_latlon,
    parse_numbers,
    print_json,
    show_position,
)

MULT_HELP = "Calibration: four factors on Koester's 25/50/75/95 % distances, e.g. 1.1,1.3,1.5,1.6."


def _multipliers(text: str | None) -> dict[float, float] | None:
    v = parse_numbers(text, 4, "--multipliers", "1.1,1.3,1.5,1.6", "(25,50,75,95 %)")
    if v is None:
        return None
    if not all(x > 0 for x in v):
        raise InputError(f"--multipliers must be positive factors, not {text!r}")
    return dict(zip((0.25, 0.5, 0.75, 0.95), v, strict=True))


def _out_dir(out: Path, overwrite: bool) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; --out takes a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(f"{out} exists and is not empty; pass --overwrite or choose another --out")
    return out


def map_cmd(
    region: str = typer.Option(..., "--region", help="Region name, saved terrain .npz, or DEM file."),
    ipp: str = typer.Option(..., "--ipp", help="Point last seen (IPP), any format (carpathia coords)."),
    category: str = typer.Option("hiker", "--category", help="Subject category (Koester), e.g. 'hiker', 'child 7-9'."),
    model: str = typer.Option("travel_time", "--model", help="rings, travel_time, mixture or agents."),
    hours: float = typer.Option(None, "--hours", help="Hours missing: bounds how far the subject can have walked."),
    eco_region: str = typer.Option(None, "--eco-region", help="Temperate, Dry or Urban (default Temperate)."),
    terrain_class: str = typer.Option(None, "--terrain-class", help="Mountainous or Flat (default: from relief)."),
    categories: Path = typer.Option(None, "--categories", help="TOML file of your own subject categories."),
    multipliers: str = typer.Option(None, "--multipliers", help=MULT_HELP),
    out: Path = typer.Option(..., "--out", help="Folder for poa.tif, poa.png and containment.geojson."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Probability map (POA) of where the subject is, from the IPP, category and terrain."""
    from carpathia.incident import Incident
    from carpathia.io.maps import render_probability
    from carpathia.probability.models import get_model

    lonlat = parse_latlon(ipp, "--ipp")
    fn = get_model(model)
    mult = _multipliers(multipliers)
    extra = ()
    if categories is not None:
        from carpathia.subjects import load_categories

        extra = tuple(load_categories(categories))
    _out_dir(out, overwrite)
    incident = Incident.create(
        ipp_lat=lonlat[1],
        ipp_lon=lonlat[0],
        category=category,
        hours_missing=hours,
        eco_region=_title(eco_region),
        terrain_class=_title(terrain_class),
    )
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("loading terrain", total=None)
        terrain = load_terrain(region)
        progress.update(task, description=f"{model} model")
        kwargs = {"categories": extra}
        if mult:
            kwargs["multipliers"] = mult
        pmap = fn(incident, terrain, **kwargs)
        # plan and update find the terrain from the map
        pmap.meta["region"] = str(Path(region).resolve()) if looks_like_path(region) else region
        progress.update(task, description="writing GeoTIFF, PNG, GeoJSON")
        out.mkdir(parents=True, exist_ok=True)
        files = [
            pmap.to_geotiff(out / "poa.tif", overwrite=True),
            pmap.to_geojson(out / "containment.geojson", overwrite=True),
            render_probability(
                pmap,
                terrain,
                out / "poa.png",
                ipp=incident.ipp,
                overwrite=True,
                title=f"{terrain.name}: where is the {pmap.meta.get('category', category)}?",
            ),
        ]
    _print_map_summary(pmap)
    for f in files:
        console.print(f"wrote {f}")


def _title(v: str | None) -> str | None:
    return v.strip().title() if v else None


def _print_map_summary(pmap) -> None:
    console.print(
        f"[bold]{pmap.meta.get('model')}[/bold] map for {pmap.meta.get('category')}: "
        f"{pmap.shape[1]} × {pmap.shape[0]} cells of {pmap.resolution:g} m; "
        f"rest of world {pmap.rest_of_world:.1%}"
    )
    for f in pmap.contours():
        p = f["properties"]
        console.print(f"  {p['level']:.0%} containment: {p['area_km2']:.1f} km²")
    top = pmap.top_cells(1)
    if top:
        c = top[0]
        console.print(f"  most probable cell: {show_position(c['lat'], c['lon'])} (p = {c['probability']:.2e})")


def evaluate_cmd(
    cases: Path = typer.Argument(..., help="CSV of cases (MapScore columns: IPP Lat/Lon, Find Lat/Lon, ...)."),
    model: str = typer.Option("rings", "--model", help="rings, travel_time, mixture or agents."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    out: Path = typer.Option(None, "--out", help="Write per-case scores to this CSV."),
    cells: int = typer.Option(5001, "--cells", help="Grid size in cells (odd; MapScore: 5001)."),
    cell_size: float = typer.Option(5.0, "--cell-size", help="Cell size in metres (MapScore: 5)."),
    limit: int = typer.Option(None, "--limit", help="Score only the first N usable cases."),
    dem: list[Path] = typer.Option([], "--dem", help="DEM files; cases they cover use real terrain."),
    multipliers: str = typer.Option(None, "--multipliers", help=MULT_HELP),
    cross_validate: bool = typer.Option(
        False, "--cross-validate", help="Calibrate the rings on these cases (two-fold) and score out of sample."
    ),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Score a model on real finds with the MapScore protocol (rank score, log score, containment)."""
    from carpathia.io.files import atomic_output, check_output
    from carpathia.probability.evaluate import evaluate

    if out is not None:
        check_output(out, overwrite=overwrite, suffixes=(".csv",))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task(f"evaluating {model}", total=None)

        def step(i: int, n: int, name: str) -> None:
            progress.update(task, completed=i, total=n, description=f"evaluating {model}: {name}")

        kwargs = {}
        mult = _multipliers(multipliers)
        if mult:
            kwargs["multipliers"] = mult
        ev = evaluate(
            cases,
            model=model,
            cells=cells,
            cell_m=cell_size,
            dem=dem or None,
            limit=limit,
            on_case=step,
            cross_validate=cross_validate,
            **kwargs,
        )
    if out is not None:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["case", "category", "distance_m", "inside", "score", "log_score", "in25", "in50", "in75", "in95"])
        for r in ev.per_case:
            c = r["containment"]
            w.writerow(
                [
                    r["case"],
                    r["category"],
                    r["distance_m"],
                    r["inside"],
                    f"{r['score']:.6f}",
                    f"{r['log_score']:.6f}",
                    c["25"],
                    c["50"],
                    c["75"],
                    c["95"],
                ]
            )
        with atomic_output(out, overwrite=overwrite) as tmp:
            tmp.write_text(buf.getvalue(), encoding="utf-8")
    result = ev.to_dict()
    if as_json:
        print_json(result)
        return
    s = ev.summary
    console.print(
        f"[bold]{model}[/bold] on {s['n']} cases ({len(ev.skipped)} skipped), grid {cells} × {cells} of {cell_size:g} m"
    )
    console.print(f"  MapScore rank score  {s['mean_score']:.3f}  (95 % CI {s['ci_low']:.3f}–{s['ci_high']:.3f})")
    console.print(f"  mean log score       {s['mean_log_score']:.3f}")
    cont = ", ".join(f"{k} %: {v:.0%}" for k, v in s["containment"].items())
    console.print(f"  finds contained      {cont}")
    if ev.calibration:
        m = ", ".join(f"{float(k):.0%}: ×{v:.2f}" for k, v in ev.calibration["multipliers"].items())
        console.print(f"  calibrated (two-fold, out of sample); multipliers from all cases: {m}")
        u = ev.calibration["uncalibrated"]
        console.print(
            f"  uncalibrated: score {u['mean_score']:.3f}, log score {u['mean_log_score']:.3f}, contained "
            + ", ".join(f"{k} %: {v:.0%}" for k, v in u["containment"].items())
        )
    for sk in ev.skipped[:5]:
        console.print(f"  skipped row {sk.get('row')} {sk.get('name') or ''}: {sk.get('reason')}")
    if len(ev.skipped) > 5:
        console.print(f"  ... and {len(ev.skipped) - 5} more skipped rows (all listed with --json)")
    if out is not None:
        console.print(f"wrote {out}")
