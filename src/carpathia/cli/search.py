"""``carpathia plan`` (segments, allocation, routes for one period) and ``carpathia update`` (debrief)."""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
import warnings
from pathlib import Path

import typer

from carpathia.errors import DataFileError, InputError

from ._common import OVERWRITE_OPT, console, load_terrain, parse_latlon

REGION_HELP = "Region name, saved terrain .npz or DEM the map was made on (default: the one in the map's metadata)."
TEAM_HELP = "Teams as RESOURCE[:COUNT[:HOURS]], e.g. --team grid-team:2 --team dog-team:1 (repeat the option)."
RES_HELP = "TOML file of resource types ([resources.*]) and optionally teams ([teams] grid-team = 2)."


def _out_dir(out: Path, overwrite: bool) -> Path:
    from .probability import _out_dir as check

    return check(out, overwrite)


def _map_and_terrain(map_path: Path, region: str | None, *, required: bool = True):
    from carpathia.probability import ProbabilityMap

    pmap = ProbabilityMap.from_geotiff(map_path)
    source = region or pmap.meta.get("region")
    if source is None:
        if required:
            raise InputError(
                f"{map_path} does not name the region it was made on; give --region (name, .npz or DEM file)"
            )
        return pmap, None
    terrain = load_terrain(str(source))
    pmap.check_on(terrain)
    pmap.meta["region"] = str(source)
    return pmap, terrain


def _teams(specs: list[str], resources_path: Path | None):
    from carpathia.search import load_resources, parse_team, teams_from_counts

    table = load_resources(resources_path)
    counts: dict[str, dict] = {}
    if resources_path is not None:
        raw = tomllib.loads(Path(resources_path).read_text(encoding="utf-8"))
        given = raw.get("teams", {})
        if not isinstance(given, dict):
            raise DataFileError(f"{resources_path}: [teams] must be a table like grid-team = 2")
        for key, spec in given.items():
            counts[key] = dict(spec) if isinstance(spec, dict) else {"count": spec}
    for text in specs:
        key, count, hours = parse_team(text)
        counts[key] = {"count": count, **({"hours": hours} if hours is not None else {})}
    if not counts:
        raise InputError("no teams: give --team grid-team:2 (repeatable) or a [teams] table in --resources")
    return teams_from_counts(counts, table), table


def plan_cmd(
    map_path: Path = typer.Option(..., "--map", help="Probability map GeoTIFF (from carpathia map or update)."),
    region: str = typer.Option(None, "--region", help=REGION_HELP),
    segments: str = typer.Option("auto", "--segments", help="'auto' (cut along streams, ridges, trails) or a file."),
    resources: Path = typer.Option(None, "--resources", help=RES_HELP),
    team: list[str] = typer.Option([], "--team", help=TEAM_HELP),
    hours: float = typer.Option(12.0, "--hours", help="Length of the operational period, hours."),
    base: str = typer.Option(
        None, "--base", help="Base (staging area), any format (carpathia coords): transit times and route starts."
    ),
    period: int = typer.Option(1, "--period", help="Operational period number (assignments 101…, 201…)."),
    subject: str = typer.Option("unresponsive", "--subject", help="'unresponsive' or 'responsive' subject."),
    level: float = typer.Option(0.95, "--level", help="Containment level the automatic segments cover."),
    method: str = typer.Option("milp", "--method", help="'milp' (exact) or 'greedy'."),
    out: Path = typer.Option(..., "--out", help="Folder for plan.csv/.json, segments.geojson, routes.gpx, plan.png."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Plan one operational period: segments, the best allocation of teams, GPX routes and a map."""
    from carpathia.io.gpx import write_gpx
    from carpathia.search import auto_segments, number_assignments, plan_period, plan_routes, read_segments

    if not (math.isfinite(hours) and hours > 0):
        raise InputError(f"--hours must be a positive period length, not {hours!r}")
    if period < 1:
        raise InputError(f"--period must be 1 or more, not {period}")
    if subject not in ("unresponsive", "responsive"):
        raise InputError(f"--subject must be 'unresponsive' or 'responsive', not {subject!r}")
    lonlat = parse_latlon(base, "--base")
    teams, table = _teams(team, resources)
    _out_dir(out, overwrite)
    pmap, terrain = _map_and_terrain(map_path, region)
    if segments.strip().lower() == "auto":
        segs = auto_segments(terrain, pmap, level=level, base=lonlat)
    else:
        segs = read_segments(segments, terrain, pmap, base=lonlat)
    plan = plan_period(pmap, segs, teams, terrain=terrain, base=lonlat, period_h=hours, subject=subject, method=method)
    numbers = number_assignments(plan, period)
    routes = plan_routes(plan, segs, terrain, resources=table, period=period, subject=subject, base=lonlat)
    out.mkdir(parents=True, exist_ok=True)
    rows = _plan_rows(plan, segs, numbers)
    files = [
        _write_text(out / "plan.csv", _csv(rows)),
        _write_text(out / "plan.json", json.dumps(_plan_json(plan, segs, rows, hours, period, subject, lonlat))),
        segs.write_geojson(out / "segments.geojson", overwrite=True),
    ]
    if routes:
        files.append(write_gpx(out / "routes.gpx", routes=routes, overwrite=True, name=f"period {period} routes"))
    files.append(_plan_png(out / "plan.png", terrain, pmap, segs, plan, numbers, routes, lonlat))
    console.print(plan.to_text())
    console.print(f"{len(segs)} segments, {len(plan.assignments)} assignments, POS {plan.pos:.1%}")
    for f in files:
        console.print(f"wrote {f}")


def _plan_rows(plan, segs, numbers) -> list[dict]:
    rows = []
    for num, a in zip(numbers, plan.assignments, strict=True):
        s = segs[str(a.segment)]
        rows.append(
            {
                "assignment": num,
                "segment": s.id,
                "team": a.team,
                "resource": a.resource,
                "transit_h": round(a.transit_h, 3),
                "search_h": round(a.search_h, 3),
                "coverage": round(a.coverage, 4),
                "pod": round(a.pod, 4),
                "segment_pod": round(a.segment_pod, 4),
                "pos": a.pos,
                "poa": s.poa,
                "area_km2": round(s.area_km2, 4),
                "vegetation": s.vegetation,
            }
        )
    return rows


def _plan_json(plan, segs, rows, hours, period, subject, base) -> dict:
    return {
        "period": period,
        "period_h": hours,
        "subject": subject,
        "base": None if base is None else {"lon": base[0], "lat": base[1]},
        "method": plan.method,
        "pos": plan.pos,
        "bound": plan.bound,
        "gap": plan.gap,
        "relaxation_bound": plan.relaxation_bound,
        "greedy_pos": plan.greedy_pos,
        "idle": plan.idle,
        "assignments": rows,
        "segments": {"count": len(segs), "poa_total": float(segs.poa.sum()), **json.loads(json.dumps(segs.meta))},
    }


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    else:
        buf.write("assignment,segment,team,resource\n")
    return buf.getvalue()


def _write_text(path: Path, text: str) -> Path:
    from carpathia.io.files import atomic_output

    with atomic_output(path, overwrite=True) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _plan_png(path, terrain, pmap, segs, plan, numbers, routes, base) -> Path:
    """Segments over the relief around the search area, assigned ones filled and numbered, routes drawn."""
    import numpy as np
    import shapely
    from matplotlib.collections import LineCollection
    from matplotlib.colors import LogNorm

    from carpathia.io.maps import render_terrain

    left, bottom, right, top = shapely.union_all([s.geometry.envelope for s in segs]).bounds
    cx, cy = (left + right) / 2, (bottom + top) / 2
    radius = max(right - left, top - bottom) / 2 + 10 * terrain.resolution
    view = terrain.crop(terrain.to_lonlat_xy(cx, cy), radius)
    sub_l, sub_b, sub_r, sub_t = view.bounds
    to_xy = terrain.to_xy
    assigned = {str(a.segment): num for num, a in zip(numbers, plan.assignments, strict=True)}

    def decorate(fig, ax):
        cells = pmap.cells
        vmax = float(cells.max())
        if vmax > 0:
            L, B, R, T = terrain.bounds
            shown = np.where(cells >= vmax / 100, cells, np.nan)
            ax.imshow(shown, extent=(L, R, B, T), origin="upper", cmap="inferno_r", norm=LogNorm(vmax / 100, vmax),
                      alpha=0.45, interpolation="nearest", zorder=2.5)  # fmt: skip
        rings = []
        for s in segs:
            for poly in getattr(s.geometry, "geoms", [s.geometry]):
                rings.append(np.asarray(poly.exterior.coords))
        ax.add_collection(LineCollection(rings, colors="#1a237e", linewidths=0.4, alpha=0.7, zorder=8))
        for sid in assigned:
            g = segs[sid].geometry
            for poly in getattr(g, "geoms", [g]):
                x, y = poly.exterior.xy
                ax.fill(x, y, color="#00b8d4", alpha=0.35, zorder=8.5)
            p = g.representative_point()
            ax.annotate(f"{sid}", (p.x, p.y), fontsize=6, ha="center", color="#0d47a1", zorder=11)
        for r in routes:
            xy = np.array([to_xy(lo, la) for lo, la, *_ in r.points])
            ax.plot(xy[:, 0], xy[:, 1], color="#d50000", lw=0.8, zorder=10)
        if base is not None:
            bx, by = to_xy(*base)
            ax.plot(bx, by, marker="s", color="#ffd600", markeredgecolor="black", markersize=8, zorder=12)
        ax.set_xlim(sub_l, sub_r)
        ax.set_ylim(sub_b, sub_t)

    title = f"{terrain.name}: period plan, {len(assigned)} segments assigned, POS {plan.pos:.1%}"
    return render_terrain(view, path, title=title, overwrite=True, decorate=decorate)


def update_cmd(
    map_path: Path = typer.Option(..., "--map", help="Probability map GeoTIFF before the search."),
    track: list[Path] = typer.Option(..., "--track", help="GPS track file (GPX, GeoJSON, KML); repeat for more."),
    resource: str = typer.Option(..., "--resource", help="Resource type that made the tracks, e.g. grid-team."),
    resources: Path = typer.Option(None, "--resources", help="TOML file of resource types (overrides)."),
    region: str = typer.Option(None, "--region", help=REGION_HELP + " Needed for land cover and the PNG."),
    subject: str = typer.Option(
        "auto",
        "--subject",
        help="'unresponsive', 'responsive', or 'auto': the map's responsive share (the agents model sets it; "
        "the map tracks it per cell after each debrief), else unresponsive.",
    ),
    p_responsive: float = typer.Option(
        None,
        "--p-responsive",
        help="Prior probability that the subject responds, for a map that does not track it yet: responsive and "
        "unresponsive coverage are kept apart through the update.",
    ),
    label: str = typer.Option(None, "--label", help="What the search was, e.g. the assignment number 101."),
    out: Path = typer.Option(..., "--out", help="Folder for poa.tif, poa.png and update.json."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Debrief: GPS tracks of a search that found nothing → coverage → POD → Bayes update of the map.

    The map is written as float64 (the next update starts from its exact bits); a tracked
    responsive share goes with it as band 2, so `update` after `update` equals one update with
    all the tracks.
    """
    from carpathia.io.maps import render_probability
    from carpathia.search import debrief, get_resource, load_resources

    if subject not in ("unresponsive", "responsive", "auto"):
        raise InputError(f"--subject must be 'unresponsive', 'responsive' or 'auto', not {subject!r}")
    res = get_resource(resource, load_resources(resources))
    _out_dir(out, overwrite)
    pmap, terrain = _map_and_terrain(map_path, region, required=False)
    result = debrief(
        pmap, [str(t) for t in track], res, terrain=terrain, subject=subject, p_responsive=p_responsive, label=label
    )
    out.mkdir(parents=True, exist_ok=True)
    new = result.map
    record = {
        "map_before": str(map_path),
        "resource": res.key,
        "pos": result.pos,
        "rest_of_world": [pmap.rest_of_world, new.rest_of_world],
        "swept_km2": {
            "unresponsive": result.coverage.swept_area_m2("unresponsive") / 1e6,
            "responsive": result.coverage.swept_area_m2("responsive") / 1e6,
        },
        "update": result.record,
    }
    files = [new.to_geotiff(out / "poa.tif", overwrite=True, dtype="float64")]
    if terrain is not None:
        title = f"{terrain.name}: after {label or 'the search'} (POS {result.pos:.1%})"
        files.append(render_probability(new, terrain, out / "poa.png", title=title, overwrite=True))
    else:
        warnings.warn("no region known for this map: no PNG written (give --region)", stacklevel=1)
    files.append(_write_text(out / "update.json", json.dumps(record, indent=2, default=str)))
    for t in result.coverage.log:
        swept = t["swept_m2_unresponsive"] / 1e6
        console.print(f"track {t['track']!r}: {t['length_m'] / 1000:.2f} km, {swept:.3f} km² swept")
    console.print(
        f"POS of this search {result.pos:.2%}; rest of world {pmap.rest_of_world:.2%} → {new.rest_of_world:.2%}"
    )
    share = result.record.get("responsive_share")
    if share:
        console.print(f"responsive share of the subject {share['before']:.1%} → {share['after']:.1%}")
    for f in files:
        console.print(f"wrote {f}")
