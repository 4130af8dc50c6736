#!/usr/bin/env python
"""Build the regions bundled with carpathia from the project's shared data.

    python scripts/build_regions.py [--data ../shared/data] [--out src/carpathia/data/regions]

Reads only files listed in ``../shared/data/SOURCES.md`` and checks their sha256 first.
Writes ``white-mountains.npz``, ``maramures.npz`` (100 m, both sides of the border, from the
SRTM reconstruction) and ``maramures-1km.npz`` (the package never reads the shared
folder at run time). Licence notes for what is shipped are in
``src/carpathia/data/regions/SOURCES.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import rasterio
import rasterio.warp
import shapely
from affine import Affine
from rasterio.enums import Resampling

from carpathia.terrain import Feature, Terrain
from carpathia.terrain.regions import describe

ROOT = Path(__file__).resolve().parents[1]

SHA256 = {
    "dem/N44W072.hgt": "893b68e241df5f8a8a89fe067c629b78591313f571c77ab610f65efe85b458fa",
    "dem/romania_dem_1km_epsg3844.tif": "aa01547c81aa14db1e2cbb528aad3d60c0de8ca3c920bb9d47668371b810153a",
    "dem/maramures_border_recon_0.001deg.tif": "0f14414d022b58555a66e8709a56e110725fe2e29462dbf72eabb86522cfa5bc",
    # The gap mask's sum is not in SOURCES.md (it names the file beside the DEM); this is the
    # sum of the copy the region was built from, recorded in our regions' SOURCES.md.
    "dem/maramures_border_recon_0.001deg_gapmask.tif": "ecec8f4bb3948e478ee7238053c4fbf1fff5b43af90fcaecf42ed76645e5c6a0",
    "landcover/MCD12C1.A2019001.006.2020220162300.tif": "a253c7643966d99580dacc890fedbe78417ca0dcb4c45845b41b838369c975ad",
    "vector/ne_10m_rivers_lake_centerlines_21.5-26.5E_46.5-49N.geojson": "ba9149f64d7b8dbe302e38b11e991e34cc1da25846b90104cb3306883c702ca2",
    "vector/ne_10m_rivers_europe_21.5-26.5E_46.5-49N.geojson": "91cb336e85fda7ee35f194b7934ea680afae28b1d9c99818b96bf700f14c087a",
    "vector/ne_10m_admin_0_boundary_lines_land_21.5-26.5E_46.5-49N.geojson": "2ec02951630e1485c77b6135f4f05e2795745dcc5532d352636850e85578ef28",
    "vector/ne_10m_populated_places_simple_21.5-26.5E_46.5-49N.geojson": "2015430acaa4859b8c1a707d2a5203bc87de2eed0170d91a2c8d9a2d3393b22c",
    "vector/ne_10m_lakes_europe_21.5-26.5E_46.5-49N.geojson": "49cc26167139ef0ba6ecacef5b2f74a15bcb0fa56b17c793c37285e09c839d9e",
    "vector/gshhg_f_rivers_21.5-26.5E_46.5-49N.geojson": "32c8ed5739d8c936f4304a6fdafa1bd1ec4048fb01a93624eeb6d524d63466a0",
}

# River widths in metres given to lines without a width. These are carpathia's assumptions
# (no survey of widths is at hand), chosen from the size classes of the sources: GSHHG/WDBII
# levels (1 permanent major … 4 minor, 5–7 intermittent) and the named Natural Earth rivers.
GSHHG_WIDTH_M = {1: 60.0, 2: 40.0, 3: 20.0, 4: 10.0, 5: 5.0, 6: 5.0, 7: 5.0}
TISZA_WIDTH_M = 80.0  # the Tisza along the border at Sighet (about 80-120 m between banks)
NAMED_RIVER_WIDTH_M = 30.0

MARAMURES_BBOX = (22.8, 47.3, 25.2, 48.3)  # the 1 km regional grid (maramures-1km)
# The 100 m home region: the reconstruction's box (23.2995-25.3005 E, 47.4995-48.5005 N) less a
# margin so that the UTM 35N rectangle cut from it lies wholly inside the data.
MARAMURES_100M_BBOX = (23.30, 47.50, 25.30, 48.50)

RECON_NOTE = (
    '100 m cells, UTM 35N, both sides of the Romania-Ukraine border. The DEM is a RECONSTRUCTION of NASA SRTM 1" '
    "from published 8-bit renders, not an original tile: peaks read 10-50 m low, heights +-1-2 % of relief, "
    "positions 100-200 m; cells in the interpolated strips at 48.00 N, 24.00 E and 25.00 E (layer "
    "'interpolated', 2.8 % of the source) are smooth guesses. Load a team's own 30 m DEM when one is at hand."
)
RECON_ACCURACY = {
    "kind": 'a reconstruction of NASA SRTM 1" from 8-bit renders',
    "peaks": "10-50 m low",
    "vertical": "+-1-2 % of relief",
    "horizontal_m": [100, 200],
    "interpolated_layer": "interpolated",
}

# Towns not in Natural Earth's 10 m places inside the box: name, country, lat, lon, source of
# the position (the coordinates the article's infobox gives, WGS84, read in 2026; rounded).
TOWNS = [
    ("Sighetu Marmației", "RO", 47.9286, 23.8925, "Wikipedia (en), 'Sighetu Marmației' infobox"),
    ("Vișeu de Sus", "RO", 47.7111, 24.4247, "Wikipedia (en), 'Vișeu de Sus' infobox"),
    ("Borșa", "RO", 47.6553, 24.6631, "Wikipedia (en), 'Borșa' infobox"),
    ("Poienile de sub Munte", "RO", 47.8167, 24.4333, "Wikipedia (en), 'Poienile de sub Munte' infobox"),
    ("Rakhiv", "UA", 48.0556, 24.2053, "Wikipedia (it), 'Rachiv' infobox 48°03′20″N 24°12′19″E"),
    ("Yasinia", "UA", 48.2692, 24.3650, "Wikipedia (en), 'Yasinia' infobox"),
    ("Tiachiv", "UA", 48.0114, 23.5722, "Wikipedia (en), 'Tiachiv' infobox"),
    ("Solotvyno", "UA", 47.9597, 23.8711, "Wikipedia (en), 'Solotvyno' infobox"),
    ("Dilove", "UA", 47.9342, 24.1917, "rakhiv.com, the Centre of Europe sign 47°56′03″N 24°11′30″E"),
]

# Peaks: name, country, lat, lon, published height (m), source of position and height.
PEAKS = [
    ("Hoverla", "UA", 48.1606, 24.5003, 2061, "Wikipedia (en), 'Hoverla' infobox; 2061 m also rakhiv.com"),
    ("Petros", "UA", 48.1717, 24.4217, 2020, "Wikipedia (en), 'Petros (Chornohora)' infobox; 2020 m rakhiv.com"),
    ("Pip Ivan", "UA", 48.0469, 24.6275, 2028, "Wikipedia (en), 'Pip Ivan (Chornohora)' infobox; SOURCES.md 2028 m"),
    ("Pop Ivan", "RO/UA", 47.9233, 24.3181, 1937, "Wikipedia (en), 'Pip Ivan Marmaroskyi' infobox; SOURCES.md 1937 m"),
    ("Farcău", "RO", 47.9253, 24.4486, 1957, "Wikipedia (ro), 'Vârful Farcău'; 1957 m as in SOURCES.md"),
    ("Toroiaga", "RO", 47.73, 24.72, 1930, "shared/data/SOURCES.md accuracy table (47.73 N 24.72 E, 1930 m)"),
    ("Pietrosul Rodnei", "RO", 47.5944, 24.6347, 2303, "Wikipedia (en), 'Pietrosul Rodnei' infobox; 2303 m"),
    # Ineu (Rodna, 2279 m, 47.528 N 24.886 E) lies in the source but just outside the UTM
    # rectangle cut from it, so the region does not name it.
]
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


def build_maramures_1km(data: Path, out: Path) -> Path:
    t = Terrain.from_dem(
        data / "dem/romania_dem_1km_epsg3844.tif",
        crs="EPSG:3844",
        bounds=MARAMURES_BBOX,
        resolution=1000,
        name="maramures-1km",
    )
    _add_maramures_vectors(t, data)
    t.add_landcover(data / "landcover/MCD12C1.A2019001.006.2020220162300.tif")
    describe(
        t,
        source="Romania 1 km DEM (vladamihaesei/snow_clim, Apache-2.0), EPSG:3844; rivers, borders, towns: "
        "Natural Earth (public domain), GSHHG 2.3.7 (LGPL-3+); land cover: MODIS MCD12C1 2019 (NASA LP DAAC)",
        licence="Apache-2.0 (DEM); public domain (Natural Earth, MODIS); LGPL-3+ (GSHHG rivers)",
        notes="1 km cells: the regional picture only, too coarse for team-level segments (peaks read up to 500 m "
        "low: Pop Ivan 1449 m for 1937 m); use 'maramures' (100 m, both sides of the border) for planning. The DEM "
        "covers Romania only: no elevation north of the Ukrainian border.",
    )
    return t.save(out / "maramures-1km.npz", overwrite=True)


def _add_maramures_vectors(t: Terrain, data: Path) -> None:
    """Rivers (as water and as features), lakes, the border, towns and peaks of Maramureș."""
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
    towns += [
        Feature(shapely.Point(lon, lat), {"name": n, "country": c, "source": src}) for n, c, lat, lon, src in TOWNS
    ]
    t.add_features("towns", towns)
    peaks = [
        Feature(
            shapely.Point(lon, lat),
            {"name": n, "country": c, "elevation_m": h, "source": src},
        )
        for n, c, lat, lon, h, src in PEAKS
    ]
    t.add_features("peaks", peaks)


def build_maramures(data: Path, out: Path) -> Path:
    """The home region at 100 m over both sides of the border, from the SRTM reconstruction."""
    dem = data / "dem/maramures_border_recon_0.001deg.tif"
    t = Terrain.from_dem(dem, bounds=MARAMURES_100M_BBOX, resolution=100, dst_crs="EPSG:32635", name="maramures")
    t = _inner_rectangle(t)
    # The gap mask marks the cells of the source grid that were interpolated across seams; a
    # grid cell counts as interpolated when any source cell under it was (nearest at 100 m).
    with rasterio.open(data / "dem/maramures_border_recon_0.001deg_gapmask.tif") as ds:
        gaps = ds.read(1)
        interp = np.zeros(t.shape, np.uint8)
        rasterio.warp.reproject(
            gaps,
            interp,
            src_transform=ds.transform,
            src_crs=ds.crs,
            dst_transform=t.transform,
            dst_crs=t.crs,
            resampling=Resampling.max,
        )
    t.set_layer("interpolated", interp > 0)
    _add_maramures_vectors(t, data)
    t.add_landcover(data / "landcover/MCD12C1.A2019001.006.2020220162300.tif")
    describe(
        t,
        source="SRTM (NASA); reconstructed from igeomap renders (MIT); rivers, border: Natural Earth, GSHHG 2.3.7; "
        "towns, peaks: see SOURCES.md; land cover: MODIS MCD12C1 2019",
        licence="public domain (SRTM, Natural Earth, MODIS); MIT (igeomap renders); LGPL-3+ (GSHHG rivers)",
        notes=RECON_NOTE,
    )
    t.meta["reconstruction"] = RECON_ACCURACY
    # MODIS at 0.05° maps the ridges as forest; above the treeline they are alpine meadow
    # (polonynas). Closed spruce forest ends at 1491-1609 m in the Chornohora (Ukrainian Wikipedia,
    # "Варіант верхньої межі лісу в Українських Карпатах"); 1550 m, the middle, is carpathia's reading.
    t.meta["treeline_m"] = 1550.0
    t.meta["inputs_sha256"] = {
        k: v for k, v in SHA256.items() if k.startswith(("dem/maramures", "vector/", "landcover/"))
    }
    return t.save(out / "maramures.npz", overwrite=True)


def _inner_rectangle(t: Terrain) -> Terrain:
    """Trim the no-data wedges that a lon/lat box leaves at the corners of a UTM grid."""
    valid = ~np.isnan(t.elevation)
    r0, r1, c0, c1 = 0, valid.shape[0], 0, valid.shape[1]
    # Greedy: drop the edge row or column with the most no-data cells until none is left (the
    # data's outline is a slightly rotated rectangle, so this keeps nearly all of it).
    while True:
        w = valid[r0:r1, c0:c1]
        gaps = {"top": (~w[0]).sum(), "bottom": (~w[-1]).sum(), "left": (~w[:, 0]).sum(), "right": (~w[:, -1]).sum()}
        side = max(gaps, key=gaps.get)
        if gaps[side] == 0:
            break
        if side == "top":
            r0 += 1
        elif side == "bottom":
            r1 -= 1
        elif side == "left":
            c0 += 1
        else:
            c1 -= 1
    z = t.elevation[r0:r1, c0:c1]
    if np.isnan(z).any():
        sys.exit("the region's inner rectangle still has no-data cells")
    meta = dict(t.meta, no_data_fraction=0.0)
    return Terrain(z, t.transform * Affine.translation(c0, r0), t.crs, meta=meta)


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
    for fn in (build_white_mountains, build_maramures, build_maramures_1km):
        p = fn(args.data, args.out)
        print(f"{p}  {p.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
