#!/usr/bin/env python
"""Where the 1 km and the 100 m Maramureș grids disagree on answers a planner acts on.

    python scripts/compare_home_grids.py [--json]

The demo's mountain incident (a hiker 48 h missing in the ``carpathian-blizzard`` weather, last
seen on Pop Ivan) on ``maramures`` (100 m, the SRTM reconstruction) and on ``maramures-1km``:
the travel-time POA map's 50 % and 95 % containment areas and most probable cell; at the IPP
(the same point on both grids) the grid's elevation, the landing-zone verdict and the stretcher
carry-out (time and destination), and the carry to a town when no helicopter can fly. The README quotes these figures.
"""

from __future__ import annotations

import argparse
import json

IPP = (24.3181, 47.9233)  # Pop Ivan (lon, lat)


def figures(region: str) -> dict:
    from carpathia.probability.models import travel_time
    from carpathia.rescue import carry_out, rescue_options
    from carpathia.subjects.incident import Incident
    from carpathia.survival import weather_preset
    from carpathia.terrain import Terrain

    t = Terrain.from_region(region)
    win = t.crop(IPP, 30_000)
    inc = Incident.create(ipp_lat=IPP[1], ipp_lon=IPP[0], category="hiker", last_seen="2026-01-10T15:00:00+02:00")
    snow = float(weather_preset("carpathian-blizzard").values["snow_depth_m"][0])
    pmap = travel_time(inc, win, hours=48.0, snow_depth_m=snow)
    areas = {f"{f['properties']['level']:.0%}": f["properties"]["area_km2"] for f in pmap.contours()}
    top = pmap.top_cells(1)[0]
    opts = rescue_options(t, *IPP).to_dict()
    carry = opts["carry_out"]
    dest = carry.get("destination") or {}
    ground = carry_out(t, *IPP, to=("roads", "towns")).to_dict()
    return {
        "region": region,
        "cell_m": t.resolution,
        "ipp_elevation_m": round(float(t.sample(*IPP))),
        "poa_50_km2": areas["50%"],
        "poa_95_km2": areas["95%"],
        "most_probable_cell": [round(top["lat"], 4), round(top["lon"], 4)],
        "landing": opts["verdict"],
        "carry_out": carry.get("duration") or carry.get("reason"),
        "carry_to": dest.get("name") or dest.get("kind"),
        # no helicopter in the blizzard: the stretcher carry to the nearest town the grid can see
        "carry_to_town": f"{ground.get('duration') or ground.get('reason')} to "
        f"{(ground.get('destination') or {}).get('name', '-')}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [figures("maramures"), figures("maramures-1km")]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for k in rows[0]:
        print(f"{k:20s} {rows[0][k]!s:60.60s} {rows[1][k]!s}")


if __name__ == "__main__":
    main()
