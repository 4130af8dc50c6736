"""The flagship demo on the bundled real data: what ``carpathia demo`` runs.

Each capability of carpathia adds its step here (:data:`_STEPS`, run for each scenario of
:data:`DEMO_SCENARIOS`): the terrain map; a travel-time probability map (GeoTIFF, PNG,
containment GeoJSON); the agent-based simulation in the scenario's weather; the survival clock
and the rescue options at the most probable cell; and, where the scenario names a base, the
incident workspace through a first operational period and one debrief with every export. Then
the river incident on the Tisza (:data:`RIVER_SCENARIO`) and ``summary.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from carpathia.errors import InputError, OutputExistsError

__all__ = ["DEMO_SCENARIOS", "DemoResult", "Scenario", "demo_steps", "run_demo"]


@dataclass(frozen=True)
class Scenario:
    """One demo incident on a bundled region."""

    region: str
    title: str
    ipp_lat: float
    ipp_lon: float
    category: str
    hours_missing: float
    radius_m: float  # the map window around the IPP
    weather: str  # a survival weather preset (carpathia.survival.PRESETS)
    clothing: str  # a clothing preset of the cold model
    last_seen: str  # ISO 8601 with zone: sets darkness in the motion model
    base: tuple[float, float] | None = None  # (lat, lon) of the command post: runs an operational period
    base_name: str = ""
    teams: tuple[tuple[str, str], ...] = ()  # (name, resource type) of the first period's teams


#: Teams of the White Mountains' first operational period: (name, resource type).
DEMO_TEAMS = (
    ("Hasty 1", "hasty-team"),
    ("Grid 1", "grid-team"),
    ("Grid 2", "grid-team"),
    ("K9 1", "dog-team"),
    ("Drone 1", "drone-thermal"),
)
#: Salvamont-sized teams for Maramureș: three Salvamont patrols of three rescuers (hasty-team),
#: one line of six (Salvamont with mountain gendarmes, grid-team) and an air-scent dog team of
#: two. No drone: it does not fly in the blizzard of the scenario.
SALVAMONT_TEAMS = (
    ("Salvamont 1", "hasty-team"),
    ("Salvamont 2", "hasty-team"),
    ("Salvamont 3", "hasty-team"),
    ("Linia 1", "grid-team"),
    ("K9 Maramureș", "dog-team"),
)

#: IPPs are named places: the summit of Mt Washington (shared/data/SOURCES.md), and Pop Ivan on
#: the Romanian–Ukrainian border ridge of the Maramureș mountains (the 100 m region's peak).
DEMO_SCENARIOS = (
    Scenario(
        "white-mountains",
        "Hiker overdue on the Presidential Range in snow and wind, last seen on the summit of Mt Washington",
        44.2708,
        -71.3033,
        "hiker",
        12.0,
        15_000,
        "presidential-winter",
        "winter",
        "2026-01-17T13:00:00-05:00",
        (44.2570, -71.2530),  # AMC Pinkham Notch Visitor Center, the usual base for the Presidentials
        "Pinkham Notch",
        DEMO_TEAMS,
    ),
    Scenario(
        "maramures",
        "Man walking over the border ridge from the Ukrainian side, lost for two days in a blizzard above the "
        "Tisza, last seen on Pop Ivan",
        47.9233,
        24.3181,
        "hiker",
        48.0,
        20_000,
        "carpathian-blizzard",
        "winter",
        "2026-01-10T15:00:00+02:00",
        # The village at the foot of Pop Ivan on the Romanian side (Ruscova valley), where the
        # road ends: the command post for this side of the massif.
        (47.8167, 24.4333),
        "Poienile de sub Munte",
        SALVAMONT_TEAMS,
    ),
)


@dataclass
class DemoResult:
    """Files written and figures measured by a demo run."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    regions: dict[str, dict] = field(default_factory=dict)
    maps: dict[str, dict] = field(default_factory=dict)
    survival: dict[str, dict] = field(default_factory=dict)
    rescue: dict[str, dict] = field(default_factory=dict)
    river: dict = field(default_factory=dict)
    operations: dict[str, dict] = field(default_factory=dict)
    motion: dict[str, dict] = field(default_factory=dict)
    pmaps: dict[str, object] = field(default_factory=dict, repr=False)


def _prepare(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file; give a folder for the demo's outputs")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise OutputExistsError(f"{out_dir} exists and is not empty; pass --overwrite or choose another --out")
    out_dir.mkdir(parents=True, exist_ok=True)


def demo_steps() -> list[str]:
    """Names of the demo's steps, for progress bars."""
    steps = []
    for s in DEMO_SCENARIOS:
        steps += [f"{s.region}: {name}" for name, _ in _STEPS]
    return [*steps, "river incident on the Tisza", "summary"]


def _terrain_step(t, s: Scenario, out: Path, result: DemoResult) -> None:
    import numpy as np

    from carpathia.io.maps import render_terrain

    summary = t.summary()
    slope = t.slope()
    valid = ~np.isnan(slope)
    summary["slope_deg"] = {
        "mean": round(float(slope[valid].mean()), 2),
        "p95": round(float(np.percentile(slope[valid], 95)), 2),
        "share_over_30": round(float((slope[valid] > 30).mean()), 4),
    }
    result.files.append(render_terrain(t, out / f"{t.name}-terrain.png", overwrite=True))
    result.regions[t.name] = summary


def _incident(s: Scenario):
    from carpathia.incident import Incident

    return Incident.create(
        name=s.title,
        ipp_lat=s.ipp_lat,
        ipp_lon=s.ipp_lon,
        category=s.category,
        hours_missing=s.hours_missing,
        last_seen=s.last_seen,
    )


def _map_step(t, s: Scenario, out: Path, result: DemoResult) -> None:
    from carpathia.io.maps import render_probability
    from carpathia.probability.models import travel_time
    from carpathia.survival import weather_preset

    window = t.crop((s.ipp_lon, s.ipp_lat), s.radius_m)
    incident = _incident(s)
    snow = float(weather_preset(s.weather).values["snow_depth_m"][0])
    pmap = travel_time(incident, window, snow_depth_m=snow)
    pmap.meta["incident"] = s.title
    stem = f"{t.name}-poa"
    result.files += [
        pmap.to_geotiff(out / f"{stem}.tif", overwrite=True),
        pmap.to_geojson(out / f"{stem}-containment.geojson", overwrite=True),
        render_probability(
            pmap,
            window,
            out / f"{stem}.png",
            ipp=incident.ipp,
            overwrite=True,
            title=f"{s.title}\n{s.category}, {s.hours_missing:g} h missing: travel-time POA",
        ),
    ]
    top = pmap.top_cells(1)[0]
    result.pmaps[t.name] = pmap
    result.maps[t.name] = {
        "incident": s.title,
        "model": pmap.meta["model"],
        "profile": pmap.meta["profile"],
        "rest_of_world": round(pmap.rest_of_world, 4),
        "containment_km2": {f"{f['properties']['level']:.0%}": f["properties"]["area_km2"] for f in pmap.contours()},
        "most_probable_cell": {"lat": round(top["lat"], 5), "lon": round(top["lon"], 5)},
    }


def _survival_rescue_step(t, s: Scenario, out: Path, result: DemoResult) -> None:
    """The survival clock and the rescue options at the map's most probable cell (its elevation)."""
    from carpathia.rescue import rescue_options
    from carpathia.survival import survival_clock

    pmap = result.pmaps[t.name]
    top = pmap.top_cells(1)[0]
    lon, lat = top["lon"], top["lat"]
    clock = survival_clock(
        preset=s.weather,
        clothing=s.clothing,
        activity="resting",
        elevation_m=round(float(t.sample(lon, lat))),
        hours_missing=s.hours_missing,
    )
    result.survival[t.name] = {"weather": s.weather, "at": {"lat": round(lat, 5), "lon": round(lon, 5)}}
    result.survival[t.name].update(clock.to_dict())
    opts = rescue_options(t, lon, lat)
    result.rescue[t.name] = opts.to_dict()
    if opts.carry.minutes is not None:
        result.files.append(opts.carry.write_gpx(out / f"{t.name}-carry-out.gpx", overwrite=True))


@dataclass(frozen=True)
class RiverScenario:
    """The demo's river incident on the bundled ``maramures`` region."""

    title: str
    lat: float
    lon: float
    time: str
    water_temp_c: float
    hours: float
    particles: int


#: A man swept away while fording the Tisza at Sighetu Marmației, where the river is the border
#: with Ukraine; spring meltwater at 6 °C, planned two days on (recovery by then).
RIVER_SCENARIO = RiverScenario(
    "Man swept away fording the Tisza at Sighetu Marmatiei",
    47.93,
    23.89,
    "2026-03-14T17:30:00+02:00",
    6.0,
    48.0,
    20_000,
)


def _river_step(out: Path, result: DemoResult) -> None:
    from carpathia.river import river_incident
    from carpathia.terrain import Terrain

    r = RIVER_SCENARIO
    res = river_incident(
        Terrain.from_region("maramures"),
        lon=r.lon,
        lat=r.lat,
        time=r.time,
        water_temp_c=r.water_temp_c,
        hours=r.hours,
        n_particles=r.particles,
        name=r.title,
    )
    result.files += res.write(out / "tisza-river", overwrite=True)
    summary = res.summary()
    result.river = {
        "incident": r.title,
        "hours": r.hours,
        "phase": summary["phase"],
        "clock": summary["clock_text"],
        "snap": summary["drift"]["snap"],
        "state_split": summary["drift"]["state_split"],
        "plan_pos": summary["plan_pos"],
    }


#: Simulated subjects per demo scenario (``carpathia simulate`` defaults to 200,000).
DEMO_AGENTS = 20_000


def _motion_step(t, s: Scenario, out: Path, result: DemoResult) -> None:
    """The agent-based simulation in the scenario's weather: maps over time, spread, tracks."""
    from carpathia.motion import simulate
    from carpathia.motion.outputs import write_simulation
    from carpathia.survival import weather_preset

    window = t.crop((s.ipp_lon, s.ipp_lat), s.radius_m)
    incident = _incident(s)
    times = [s.hours_missing * f for f in (0.25, 0.5, 1.0)]
    sim = simulate(
        incident,
        window,
        n_agents=DEMO_AGENTS,
        hours=s.hours_missing,
        weather=weather_preset(s.weather),
        times=times,
        seed=0,
    )
    result.files += write_simulation(
        sim, window, out / f"{t.name}-agents", ipp=incident.ipp, title=t.name, smooth_m="auto"
    )
    last = sim.summary(s.hours_missing)
    result.motion[t.name] = {"agents": DEMO_AGENTS, "weather": s.weather, **last}


#: Length of the demo's operational period, hours (the usual 12 h period of a SAR incident).
DEMO_PERIOD_H = 12.0


def _operations_step(t, s: Scenario, out: Path, result: DemoResult) -> None:
    """The incident workspace: map, segments, a first period, one debrief, every field product."""
    import datetime as dt

    from carpathia.incident import Workspace
    from carpathia.incident.report import assignment_routes
    from carpathia.search import track_from_route
    from carpathia.survival import weather_preset

    if s.base is None:
        return
    folder = out / f"{t.name}-incident"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)  # the demo owns this folder (run_demo refuses a non-empty --out)
    folder.mkdir(parents=True)
    seen = dt.datetime.fromisoformat(s.last_seen)
    start = seen + dt.timedelta(hours=s.hours_missing)
    ws = Workspace(folder / "incident.db", user="carpathia demo")
    try:
        ws.new_incident(
            s.title,
            ipp=(s.ipp_lon, s.ipp_lat),
            last_seen=s.last_seen,
            category=s.category,
            terrain=t.crop((s.ipp_lon, s.ipp_lat), s.radius_m),
        )
        snow = float(weather_preset(s.weather).values["snow_depth_m"][0])
        ws.run_map(model="travel_time", at=start.isoformat(), snow_depth_m=snow)
        n_segments = ws.auto_segments()
        for name, resource in s.teams:
            ws.add_team(name, resource)
        period = ws.plan(hours=DEMO_PERIOD_H, start=start.isoformat(), base=(s.base[1], s.base[0]))
        # The debrief: the first team walked its planned sweep and found nothing.
        first = period.assignments[0]
        route = next(r for r in assignment_routes(ws) if r.name.startswith(str(first["number"])))
        team = next(tm for tm in ws.teams() if tm["name"] == first["team"])
        speed = json.loads(team["resource"])["speed_m_s"]
        track = track_from_route(route, speed_m_s=speed, start_time=start.isoformat(), name=first["team"])
        end = (start + dt.timedelta(hours=DEMO_PERIOD_H)).isoformat()
        ws.debrief(first["number"], [track], time=end)
        status = ws.status(at=end)
        files = []
        for fmt, name in (
            ("geojson", "incident.geojson"),
            ("kml", "incident.kml"),
            ("gpx", "incident.gpx"),
            ("gpkg", "incident.gpkg"),
            ("geotiff", "poa-after-debrief.tif"),
            ("png", "briefing.png"),
            ("pdf", "sheets"),
        ):
            files += ws.export(fmt, folder / name, overwrite=True)
        replay = ws.replay()
    finally:
        ws.close()
    result.files += [folder / "incident.db", *files]
    result.operations[t.name] = {
        "base": s.base_name,
        "teams": [list(tm) for tm in s.teams],
        "segments": n_segments,
        "period": {
            "number": period.number,
            "hours": period.hours,
            "pos": period.pos,
            "method": period.method,
            "assignments": period.assignments,
        },
        "debrief": {"assignment": first["number"], "team": first["team"], "track_km": round(track.length_m / 1000, 2)},
        "pos_so_far": status.pos_so_far,
        "hours_missing": status.hours_missing,
        "map_versions": status.map_version,
        "replay_ok": replay.ok,
    }


#: The demo's steps for each scenario, in order (the name shows in the progress bar).
_STEPS: tuple[tuple[str, Callable], ...] = (
    ("terrain", _terrain_step),
    ("probability map", _map_step),
    ("simulated subjects", _motion_step),
    ("survival clock and rescue", _survival_rescue_step),
    ("operational period and debrief", _operations_step),
)


def run_demo(
    out_dir: str | os.PathLike = "carpathia-demo",
    *,
    overwrite: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the demo into ``out_dir``; ``on_step(name)`` is called as each step finishes."""
    from carpathia.io.files import atomic_output
    from carpathia.terrain import Terrain

    out = Path(out_dir)
    _prepare(out, overwrite)
    result = DemoResult(out)
    for s in DEMO_SCENARIOS:
        t = Terrain.from_region(s.region)
        for name, step in _STEPS:
            step(t, s, out, result)
            if on_step:
                on_step(f"{s.region}: {name}")
    _river_step(out, result)
    if on_step:
        on_step("river incident on the Tisza")
    summary_path = out / "summary.json"
    with atomic_output(summary_path, overwrite=True) as tmp:
        tmp.write_text(
            json.dumps(
                {
                    "regions": result.regions,
                    "maps": result.maps,
                    "motion": result.motion,
                    "survival": result.survival,
                    "rescue": result.rescue,
                    "operations": result.operations,
                    "river": result.river,
                },
                indent=2,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    result.files.append(summary_path)
    if on_step:
        on_step("summary")
    return result
