"""``carpathia demo``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._common import OVERWRITE_OPT, console
from .region import COARSE_NOTE


def demo_cmd(
    out: Path = typer.Option(Path("carpathia-demo"), "--out", help="Folder for the demo's outputs."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Run the flagship demo on the bundled real data and write its maps and summary."""
    from carpathia.demo import demo_steps, run_demo

    steps = demo_steps()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("carpathia demo", total=len(steps))

        def done(step: str) -> None:
            progress.update(task, advance=1, description=f"done: {step}")

        result = run_demo(out, overwrite=overwrite, on_step=done)
    table = Table(title="Bundled regions")
    for col in ("region", "size", "cell", "elevation (m)", "mean slope", "slope > 30°"):
        table.add_column(col)
    for name, s in result.regions.items():
        e = s["elevation"]
        table.add_row(
            name,
            f"{s['extent_km'][0]:.0f} × {s['extent_km'][1]:.0f} km",
            f"{s['resolution_m']:g} m",
            f"{e['min']:.0f} – {e['max']:.0f}",
            f"{s['slope_deg']['mean']:.1f}°",
            f"{100 * s['slope_deg']['share_over_30']:.1f} %",
        )
    console.print(table)
    for name, m in result.maps.items():
        c = m["containment_km2"]
        console.print(f"[bold]{name}[/bold]: {m['incident']}")
        console.print(
            f"  {m['model']} POA for {m['profile']['category']}: 50 % within {c['50%']:.1f} km², "
            f"95 % within {c['95%']:.1f} km²; rest of world {m['rest_of_world']:.1%}"
        )
        mo = result.motion.get(name)
        if mo:
            q = mo["distance_quantiles_m"]
            console.print(
                f"  {mo['agents']:,} simulated subjects in {mo['weather']} after {mo['hours']:g} h: median "
                f"{q['50'] / 1000:.1f} km from the IPP (95 % within {q['95'] / 1000:.1f} km), "
                f"{mo['incapacitated']:.0%} incapacitated by cold or water"
            )
        _print_clock(result.survival.get(name), result.rescue.get(name))
        ops = result.operations.get(name)
        if ops:
            teams = ", ".join(
                f"{a['team']} → {a['segment']} ({a['search_h']:.1f} h)" for a in ops["period"]["assignments"]
            )
            console.print(
                f"  first period from {ops['base']}: {ops['segments']} segments; {teams}; "
                f"expected POS {ops['period']['pos']:.2%}"
            )
    if result.river:
        r = result.river
        split = r["state_split"]
        snap = r["snap"]
        console.print(
            f"[bold]maramures, river[/bold]: {r['incident']} "
            f"(snapped to the {snap['river']} at km {snap['chainage_km']:.1f})"
        )
        console.print(f"  {r['clock']}")
        console.print(
            f"  after {r['hours']:g} h: on the bed {split['bed']:.0%}, snagged {split['snagged']:.0%}, "
            f"stranded {split['stranded']:.0%}; search plan POS {r['plan_pos']:.0%}"
        )
    console.print(COARSE_NOTE)
    console.print(f"Wrote {len(result.files)} files to {result.out_dir}/:")
    for f in result.files:
        console.print(f"  {f}")


def _print_clock(clock: dict | None, rescue: dict | None) -> None:
    if clock:
        frost = clock["frostbite"] or "frostbite risk low"
        core = clock["hours_to_core_30c"]
        left = clock["time_left"]
        console.print(
            f"  survival ({clock['weather_source']}, {clock['clothing']}, resting): wind chill "
            f"{clock['wind_chill_c']:.1f} °C, {frost}; core 30 °C in "
            + ("more than the horizon" if core is None else f"{core:.1f} h")
            + f"; P(alive) now {left['p_alive_text']} (the model's band; {left['rule']})"
        )
    if rescue:
        carry = rescue["carry_out"]
        where = rescue["query"]
        out = (
            f"carry-out {carry['duration']} to {carry['destination']['kind']}"
            if carry["minutes"] is not None
            else carry["reason"]
        )
        console.print(
            f"  rescue at the most probable cell {where['lat']:.4f},{where['lon']:.4f}: {rescue['verdict']}; {out}"
        )
