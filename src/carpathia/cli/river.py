"""``carpathia river``: where a person who went into a river is now, and the plan to find them."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import OVERWRITE_OPT, console, load_terrain, parse_latlon


def river_cmd(
    region: str = typer.Option(..., "--region", help="Region name, saved terrain .npz, or DEM file."),
    pls: str = typer.Option(..., "--pls", help="Point last seen, any format (carpathia coords)."),
    time: str = typer.Option("", "--time", help="When the person went into the water, ISO 8601."),
    water_temp: float = typer.Option(..., "--water-temp", help="Water temperature, °C (0 to 30)."),
    hours: float = typer.Option(48.0, "--hours", help="Planning time: hours after entry into the water."),
    warming: float = typer.Option(0.0, "--warming", help="Water warming, °C per day (refloat by degree-days)."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    rivers: Path = typer.Option(None, "--rivers", help="River lines (GeoJSON, KML, GPX) instead of the region's."),
    lifejacket: bool = typer.Option(False, "--lifejacket", help="The person wore a lifejacket."),
    clothing: str = typer.Option("light", "--clothing", help="light or winter."),
    observed: str = typer.Option("unknown", "--observed", help="unknown, swimming, struggling or submerging."),
    witness_m: float = typer.Option(100.0, "--witness-uncertainty", help="Where along the river they went in, ± m."),
    velocity: float = typer.Option(None, "--velocity", help="Measured surface velocity, m/s (all reaches)."),
    discharge_ratio: float = typer.Option(None, "--discharge-ratio", help="Gauge discharge over mean discharge."),
    season: str = typer.Option("mean", "--season", help="mean, spring, summer, autumn or winter."),
    particles: int = typer.Option(100_000, "--particles", help="Number of drift particles."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    overwrite: bool = OVERWRITE_OPT,
) -> None:
    """River incident: survival clock, drift by river-km and bank, rescue catch points, search plan, hand-off."""
    from carpathia.io.files import check_output
    from carpathia.river import FlowSpec, RiverIncident, read_river_file, river_incident
    from carpathia.river.incident import _OUTPUTS

    lon, lat = parse_latlon(pls, "--pls")  # type: ignore[misc]
    flow = FlowSpec(velocity_m_s=velocity, discharge_ratio=discharge_ratio, season=season)
    # check the incident and the river file before the terrain is loaded
    RiverIncident(
        lon=lon,
        lat=lat,
        time=time,
        water_temp_c=water_temp,
        warming_c_per_day=warming,
        lifejacket=lifejacket,
        clothing=clothing,
        observed=observed,
        witness_uncertainty_m=witness_m,
    )
    if rivers is not None:
        read_river_file(rivers)
    if out.exists() and not out.is_dir():
        from carpathia.errors import InputError

        raise InputError(f"--out {out} is a file; give a folder")
    for name in _OUTPUTS:
        check_output(out / name, overwrite=overwrite)
    terrain = load_terrain(region)
    res = river_incident(
        terrain,
        lon=lon,
        lat=lat,
        time=time,
        water_temp_c=water_temp,
        hours=hours,
        warming_c_per_day=warming,
        lifejacket=lifejacket,
        clothing=clothing,
        observed=observed,
        witness_uncertainty_m=witness_m,
        river_file=rivers,
        flow=flow,
        n_particles=particles,
        seed=seed,
    )
    d = res.drift
    snap = res.drift.snap
    console.print(
        f"[bold]river incident[/bold] point last seen snapped {snap.distance_m:.0f} m to the "
        f"{snap.river or 'unnamed river'}, chainage {snap.chainage_km:.1f} km"
    )
    console.print(f"  survival clock   {res.clock_text()}")
    split = d.state_split()
    console.print(
        f"  at {res.hours:g} h         surface {split['surface']:.1%} (floating {split['floating']:.1%}, stranded "
        f"{split['stranded']:.1%}, refloated {split['refloated']:.1%}), bed {split['bed']:.1%}, snagged "
        f"{split['snagged']:.1%}, beyond the modelled reach {split['beyond']:.1%}"
    )
    top = sorted(d.table(), key=lambda r: -r["p_total"])[:5]
    for r in top:
        console.print(
            f"    {r['river'] or 'river'} km {r['chainage_km_start']:.1f} ({r['km_below_pls']:+.1f} km from PLS) "
            f"{r['kind']:<10} P {r['p_total']:.3f}  left {r['p_left']:.3f} right {r['p_right']:.3f} "
            f"channel {r['p_channel']:.3f} bed {r['p_bed']:.3f}"
        )
    for c in res.catch_points:
        console.print(
            f"  catch point      {c['catch']} at {c['km_below_pls']:+.1f} km: rescue possible: {c['rescue_possible']}"
        )
    if res.plan is not None:
        console.print(f"  search plan      POS {res.plan.pos:.3f} with {len(res.plan.assignments)} teams")
    for f in res.write(out, overwrite=overwrite):
        console.print(f"wrote {f}")
