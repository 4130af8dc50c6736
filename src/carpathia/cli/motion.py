"""``carpathia simulate``: the agent-based motion model as time-resolved probability maps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from carpathia.errors import InputError

from ._common import OVERWRITE_OPT, console, load_terrain, parse_latlon


def _times(text: str | None, hours: float) -> list[float]:
    if not text:
        return [hours]
    out = []
    for part in text.replace(";", ",").split(","):
        try:
            t = float(part)
        except ValueError:
            raise InputError(f"--times must be hours separated by commas like 6,12,24, not {text!r}") from None
        if not 0 < t <= hours:
            raise InputError(f"--times {t:g} h is outside (0, {hours:g}] (the --hours simulated)")
        out.append(t)
    return sorted(set(out))


def _weather(text: str | None):
    if text is None:
        return None
    from carpathia.survival import PRESETS, read_weather, weather_preset

    if text.strip().lower().replace("_", "-") in PRESETS:
        return weather_preset(text)
    p = Path(text)
    if p.suffix or "/" in text:
        return read_weather(p)
    return weather_preset(text)  # unknown name: the preset lookup says what exists


def _start(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--start must be ISO 8601 like 2024-12-21T14:00-05:00, not {text!r}") from None


def simulate_cmd(
    region: str = typer.Option(..., "--region", help="Region name, saved terrain .npz, or DEM file."),
    ipp: str = typer.Option(..., "--ipp", help="Point last seen (IPP), any format (carpathia coords)."),
    category: str = typer.Option("hiker", "--category", help="Subject category (Koester), e.g. 'hiker', 'dementia'."),
    hours: float = typer.Option(24.0, "--hours", help="Hours to simulate (at most 240)."),
    agents: int = typer.Option(200_000, "--agents", help="Number of simulated subjects."),
    out: Path = typer.Option(..., "--out", help="Folder for the maps, the spread strip/GIF and the tracks."),
    times: str = typer.Option(None, "--times", help="Map times in hours, e.g. 6,12,24 (default: --hours)."),
    start: str = typer.Option(None, "--start", help="Time last seen, ISO 8601 (default: now, UTC); sets darkness."),
    weather: str = typer.Option(None, "--weather", help="Weather preset (carpathian-blizzard, ...) or CSV/JSON file."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same maps)."),
    dt: float = typer.Option(60.0, "--dt", help="Time step, seconds."),
    tracks: int = typer.Option(50, "--tracks", help="Number of sample tracks to write."),
    smooth: float = typer.Option(0.0, "--smooth", help="Smooth the maps by a Gaussian of this many metres."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """Simulate lost subjects walking the terrain: POA maps over time, spread strip and GIF, tracks."""
    from carpathia.incident import Incident
    from carpathia.motion import simulate
    from carpathia.motion.outputs import write_simulation

    from .probability import _out_dir

    lonlat = parse_latlon(ipp, "--ipp")
    if not 0 < hours <= 240:
        raise InputError(f"--hours must be more than 0 and at most 240, not {hours:g}")
    if agents < 1:
        raise InputError(f"--agents must be at least 1, not {agents}")
    if smooth < 0:
        raise InputError(f"--smooth must be metres >= 0, not {smooth:g}")
    when = _times(times, hours)
    t0 = _start(start)
    wx = _weather(weather)
    incident = Incident.create(ipp_lat=lonlat[1], ipp_lon=lonlat[0], category=category, last_seen=t0)
    _out_dir(out, overwrite)
    terrain = load_terrain(region)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f} %"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"simulating {agents:,} agents", total=1)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        sim = simulate(
            incident,
            terrain,
            n_agents=agents,
            hours=hours,
            dt_s=dt,
            seed=seed,
            weather=wx,
            times=when,
            n_tracks=min(tracks, agents),
            progress=step,
        )
        progress.update(task, description="writing maps")
        written = write_simulation(sim, terrain, out, ipp=incident.ipp, smooth_m=smooth)
    _print_summary(sim, start is None)
    for f in written:
        console.print(f"wrote {f}")


def _print_summary(sim, start_was_now: bool) -> None:
    m = sim.meta
    console.print(
        f"[bold]agents[/bold]: {m['n_agents']:,} {m['category']} agents, {m['hours']:g} h in steps of {m['dt_s']:g} s, "
        f"seed {m['seed']}; start {m['start']}{' (now)' if start_was_now else ''}; "
        f"{m['dark_hours']:.1f} h of darkness; weather {m['weather'] or 'none (no cold model)'}"
    )
    for h in sim.times_h:
        s = sim.summary(h)
        q = s["distance_quantiles_m"]
        console.print(
            f"  {h:g} h: distance 25/50/75/95 % {q['25'] / 1000:.2f}/{q['50'] / 1000:.2f}/{q['75'] / 1000:.2f}/"
            f"{q['95'] / 1000:.2f} km; incapacitated {s['incapacitated']:.1%}, swept {s['swept']:.1%}, "
            f"off the map {s['outside']:.1%}"
        )
