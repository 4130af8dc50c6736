#!/usr/bin/env python
"""Build the regions bundled with carpathia from the project's shared data.

    python scripts/build_regions.py [--data ../shared/data] [--out src/carpathia/data/regions]

Reads only files listed in ``../shared/data/SOURCES.md`` and checks their sha256 first.
Writes ``white-mountains.npz`` and ``maramures.npz`` (the package never reads the shared
folder at run time). Licence notes for what is shipped are in
``src/carpathia/data/regions/SOURCES.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import shapely

from carpathia.terrain import Feature, Terrain
from carpathia.terrain.regions import describe

ROOT = Path(__file__).resolve().parents[1]

SHA256 = {
    "dem/N44W072.hgt": "893b68e241df5f8a8a89fe067c629b78591313f571c77ab610f65efe85b458fa",
    "dem/romania_dem_1km_epsg3844.tif": "aa01547c81aa14db1e2cbb528aad3d60c0de8ca3c920bb9d47668371b810153a",
    "landcover/MCD12C1.A2019001.006.2020220162300.tif": "a253c7643966d99580dacc890fedbe78417ca0dcb4c45845b41b838369c975ad",
    "vector/ne_10m_rivers_lake_centerlines_21.5-26.5E_46.5-49N.geojson": "ba9149f64d7b8dbe302e38b11e991e34cc1da25846b90104cb3306883c702ca2",
    "vector/ne_10m_rivers_europe_21.5-26.5E_46.5-49N.geojson": "91cb336e85fda7ee35f194b7934ea680afae28b1d9c99818b96bf700f14c087a",
    "vector/ne_10m_admin_0_boundary_lines_land_21.5-26.5E_46.5-49N.geojson": "2ec02951630e1485c77b6135f4f05e2795745dcc5532d352636850e85578ef28",
    "vector/ne_10m_populated_places_simple_21.5-26.5E_46.5-49N.geojson": "2015430acaa4859b8c1a707d2a5203bc87de2eed0170d91a2c8d9a2d3393b22c",
    "vector/ne_10m_geography_regions_elevation_points_21.5-26.5E_46.5-49N.geojson": "64ac4add1dd4583976f2683b31e23105a97b1dd468497ecdb44fe911fc0b6bba",
    "vector/ne_10m_lakes_europe_21.5-26.5E_46.5-49N.geojson": "49cc26167139ef0ba6ecacef5b2f74a15bcb0fa56b17c793c37285e09c839d9e",
    "vector/gshhg_f_rivers_21.5-26.5E_46.5-49N.geojson": "32c8ed5739d8c936f4304a6fdafa1bd1ec4048fb01a93624eeb6d524d63466a0",
}

# River widths in metres given to lines without a width. These are carpathia's assumptions
# (no survey of widths is at hand), chosen from the size classes of the sources: GSHHG/WDBII
# levels (1 permanent major … 4 minor, 5–7 intermittent) and the named Natural Earth rivers.
GSHHG_WIDTH_M = {1: 60.0, 2: 40.0, 3: 20.0, 4: 10.0, 5: 5.0, 6: 5.0, 7: 5.0}
TISZA_WIDTH_M = 80.0  # the Tisza along the border at Sighet (about 80-120 m between banks)
NAMED_RIVER_WIDTH_M = 30.0

MARAMURES_BBOX = (22.8, 47.3, 25.2, 48.3)
WHITE_MOUNTAINS_BBOX = (-71.93, 44.03, -71.07, 44.97)  # inside tile N44W072 after UTM projection


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_inputs(data: Path) -> None:
    for rel, digest in SHA256.items():
        got = _sha256(data / rel)
        if got != digest:
            sys.exit(f"{data / rel}: sha256 {got} differs from SOURCES.md ({digest})")


def _geojson(data: Path, rel: str) -> list[Feature]:
    obj = json.loads((data / rel).read_text(encoding="utf-8"))
    return [Feature.from_geojson(f) for f in obj["features"] if f.get("geometry")]


def _tisza_parts(data: Path) -> list[Feature]:
    """Natural Earth feature rivernum 330 is the Tisza (SOURCES.md); its third part is the Vișeu."""
    out = []
    for f in _geojson(data, "vector/ne_10m_rivers_lake_centerlines_21.5-26.5E_46.5-49N.geojson"):
        if f.properties.get("rivernum") != 330:
            continue
        for part in shapely.get_parts(f.geometry):
            x0, y0 = part.coords[0]
            x1, y1 = part.coords[-1]
            is_viseu = min(abs(x0 - 24.87) + abs(y0 - 47.74), abs(x1 - 24.87) + abs(y1 - 47.74)) < 0.05
            name = "Vișeu" if is_viseu else "Tisza"
            out.append(
                Feature(
                    part,
                    {
                        "name": name,
                        "source": "Natural Earth 10m rivers (rivernum 330)",
                        "width_m": NAMED_RIVER_WIDTH_M if is_viseu else TISZA_WIDTH_M,
                    },
                )
            )
    return out


def build_maramures(data: Path, out: Path) -> Path:
    t = Terrain.from_dem(
        data / "dem/romania_dem_1km_epsg3844.tif",
        crs="EPSG:3844",
        bounds=MARAMURES_BBOX,
        resolution=1000,
        name="maramures",
    )
    rivers = _tisza_parts(data)
    for f in _geojson(data, "vector/ne_10m_rivers_europe_21.5-26.5E_46.5-49N.geojson"):
        rivers.append(
            Feature(
                f.geometry,
                {
                    "name": f.properties.get("name"),
                    "source": "Natural Earth 10m rivers Europe",
                    "width_m": NAMED_RIVER_WIDTH_M,
                },
            )
        )
    for f in _geojson(data, "vector/gshhg_f_rivers_21.5-26.5E_46.5-49N.geojson"):
        level = int(f.properties.get("level", 4))
        rivers.append(
            Feature(
                f.geometry,
                {"level": level, "source": "GSHHG 2.3.7 WDBII rivers", "width_m": GSHHG_WIDTH_M.get(level, 10.0)},
            )
        )
    lakes = [
        Feature(f.geometry, {"name": f.properties.get("name"), "source": "Natural Earth 10m lakes"})
        for f in _geojson(data, "vector/ne_10m_lakes_europe_21.5-26.5E_46.5-49N.geojson")
    ]
    t.add_lines(rivers + lakes, "water", keep_features=False)
    t.add_features("rivers", rivers)
    t.add_features("lakes", lakes)
    t.add_features(
        "borders",
        [
            Feature(
                f.geometry,
                {
                    "name": f"{f.properties.get('adm0_left')}–{f.properties.get('adm0_right')}",
                    "source": "Natural Earth 10m admin-0 boundary lines",
                },
            )
            for f in _geojson(data, "vector/ne_10m_admin_0_boundary_lines_land_21.5-26.5E_46.5-49N.geojson")
        ],
    )
    towns = [
        Feature(f.geometry, {"name": f.properties.get("name"), "source": "Natural Earth 10m populated places"})
        for f in _geojson(data, "vector/ne_10m_populated_places_simple_21.5-26.5E_46.5-49N.geojson")
    ]
    # Not in Natural Earth's 10m places; position as given in shared/data/SOURCES.md.
    towns.append(Feature(shapely.Point(23.89, 47.93), {"name": "Sighetu Marmației", "source": "SOURCES.md (approx.)"}))
    t.add_features("towns", towns)
    peaks = [
        Feature(
            f.geometry,
            {
                "name": "Hoverla",
                "elevation_m": f.properties.get("elevation"),
                "source": "Natural Earth 10m elevation points",
            },
        )
        for f in _geojson(data, "vector/ne_10m_geography_regions_elevation_points_21.5-26.5E_46.5-49N.geojson")
    ]
    peaks.append(Feature(shapely.Point(24.32, 47.92), {"name": "Pop Ivan", "source": "SOURCES.md (approx.)"}))
    t.add_features("peaks", peaks)
    t.add_landcover(data / "landcover/MCD12C1.A2019001.006.2020220162300.tif")
    describe(
        t,
        source="Romania 1 km DEM (vladamihaesei/snow_clim, Apache-2.0), EPSG:3844; rivers, borders, towns: "
        "Natural Earth (public domain), GSHHG 2.3.7 (LGPL-3+); land cover: MODIS MCD12C1 2019 (NASA LP DAAC)",
        licence="Apache-2.0 (DEM); public domain (Natural Earth, MODIS); LGPL-3+ (GSHHG rivers)",
        notes="1 km cells: fine for regional views, too coarse for team-level segments; load your own 30 m DEM "
        "with 'carpathia region build --dem ... --name ...'. The DEM covers Romania only: no elevation north "
        "of the Ukrainian border.",
    )
    return t.save(out / "maramures.npz", overwrite=True)


def build_white_mountains(data: Path, out: Path) -> Path:
    t = Terrain.from_dem(data / "dem/N44W072.hgt", bounds=WHITE_MOUNTAINS_BBOX, resolution=90, name="white-mountains")
    # Position and surveyed height from shared/data/SOURCES.md (SRTM3 maximum cell).
    t.add_features(
        "peaks",
        [
            Feature(
                shapely.Point(-71.3033, 44.2708), {"name": "Mt Washington", "elevation_m": 1917, "source": "SOURCES.md"}
            )
        ],
    )
    t.add_landcover(data / "landcover/MCD12C1.A2019001.006.2020220162300.tif")
    describe(
        t,
        source="NASA SRTM3 tile N44W072 (public domain; via tkrajina/srtm.py, Apache-2.0); land cover: MODIS "
        "MCD12C1 2019 (NASA LP DAAC)",
        licence="public domain (SRTM, MODIS)",
        notes='SRTM 3" (about 90 m); no rivers, trails or towns bundled for this region',
    )
    return t.save(out / "white-mountains.npz", overwrite=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "carpathia" / "data" / "regions")
    args = ap.parse_args(argv)
    check_inputs(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    for fn in (build_white_mountains, build_maramures):
        p = fn(args.data, args.out)
        print(f"{p}  {p.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
