"""The home region at 100 m, tested against the accuracy table of its source (shared/data/SOURCES.md).

The grid is a reconstruction of NASA SRTM 1" from published renders: peaks 10-50 m low, heights
within 1-2 % of relief, positions within 100-200 m. These tests hold the shipped region to that.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from carpathia.terrain import Terrain

#: Published heights (m) and positions (lat, lon) of the peaks the region names; the heights are
#: those of the source's accuracy table (shared/data/SOURCES.md), the positions those of
#: scripts/build_regions.py (each with its source there).
PEAKS = {
    "Hoverla": 2061,
    "Petros": 2020,
    "Pip Ivan": 2028,
    "Pop Ivan": 1937,
    "Farcău": 1957,
    "Toroiaga": 1930,
    "Pietrosul Rodnei": 2303,
}
# Ineu (2279 m, 47.528 N) is in the source grid but outside the UTM rectangle cut from it.


@pytest.fixture(scope="module")
def mm() -> Terrain:
    return Terrain.from_region("maramures")


def _disc(t: Terrain, lon: float, lat: float, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the cells whose centres lie within ``radius_m`` of (lon, lat)."""
    r, c = t.to_pixel(lon, lat)
    k = int(np.ceil(radius_m / t.resolution))
    rr, cc = np.mgrid[r - k : r + k + 1, c - k : c + k + 1]
    cx, cy = t.to_xy(lon, lat)
    x, y = t.transform * (cc + 0.5, rr + 0.5)
    inside = np.hypot(x - cx, y - cy) <= radius_m
    return rr[inside], cc[inside]


def test_grid_is_100m_utm35n_on_both_sides_of_the_border(mm):
    assert mm.resolution == 100 and mm.crs.to_epsg() == 32635
    assert not np.isnan(mm.elevation).any()
    # Rakhiv and Yasinia (UA) and Borșa (RO) are all on the grid, with valley heights
    towns = {f.properties["name"]: f for f in mm.features["towns"]}
    for name in ("Rakhiv", "Yasinia", "Tiachiv", "Sighetu Marmației", "Borșa", "Vișeu de Sus"):
        assert name in towns and towns[name].properties["source"]
    assert {f.properties.get("name") for f in mm.features["rivers"]} >= {"Tisza", "Vișeu"}
    assert mm.features["borders"]


@pytest.mark.parametrize("name", sorted(PEAKS))
def test_peak_heights_and_positions_match_the_accuracy_table(mm, name):
    """Highest cell within 1 km of each peak: within 60 m of the published height, within 1 km of it."""
    peak = next(f for f in mm.features["peaks"] if f.properties["name"] == name)
    assert peak.properties["elevation_m"] == PEAKS[name] and peak.properties["source"]
    lon, lat = peak.geometry.x, peak.geometry.y
    rr, cc = _disc(mm, lon, lat, 1000.0)
    z = mm.elevation[rr, cc]
    i = int(np.argmax(z))
    assert PEAKS[name] - 60 <= z[i] <= PEAKS[name] + 10, f"{name}: {z[i]:.0f} m for {PEAKS[name]} m"
    # the highest cell is a summit, not the rim of the 1 km disc climbing to something higher
    hx, hy = mm.transform * (cc[i] + 0.5, rr[i] + 0.5)
    px, py = mm.to_xy(lon, lat)
    assert np.hypot(hx - px, hy - py) < 900


def test_region_maximum_is_pietrosul_rodnei(mm):
    """`carpathia terrain info maramures`: maximum within 60 m of Pietrosul Rodnei's 2303 m."""
    info = mm.summary()
    assert info["resolution_m"] == 100
    assert 2303 - 60 <= info["elevation"]["max"] <= 2303
    r, c = np.unravel_index(np.argmax(mm.elevation), mm.shape)
    lon, lat = mm.to_lonlat(r, c)
    assert abs(lat - 47.594) < 0.02 and abs(lon - 24.635) < 0.03


@pytest.mark.parametrize(("town", "river_m"), [("Sighetu Marmației", 270), ("Rakhiv", 430)])
def test_tisza_valley_floor_heights(mm, town, river_m):
    """The Tisza at Sighet (~270 m) and at Rakhiv (~430 m): the grid's river within 30 m."""
    f = next(f for f in mm.features["towns"] if f.properties["name"] == town)
    tisza = shapely.union_all([r.geometry for r in mm.features["rivers"] if r.properties.get("name") == "Tisza"])
    # sample the Tisza line within 2 km of the town (about 0.027° of latitude)
    near = tisza.intersection(f.geometry.buffer(0.027))
    assert not near.is_empty, f"no Tisza near {town}"
    pts = [near.interpolate(d, normalized=True) for d in np.linspace(0, 1, 21)]
    z = np.array([mm.sample(p.x, p.y) for p in pts])
    # the line is Natural Earth's (1:10m), a few hundred metres off the channel: take the valley
    # floor under it as the lowest cell within 300 m of each sample
    floor = []
    for p in pts:
        rr, cc = _disc(mm, p.x, p.y, 300.0)
        floor.append(mm.elevation[rr, cc].min())
    assert abs(np.median(floor) - river_m) <= 30, (town, np.median(floor), np.median(z))


def test_interpolated_strips_are_a_layer(mm):
    gaps = mm.layer("interpolated")
    assert gaps.dtype == bool and 0.015 < gaps.mean() < 0.04
    # the strips of the source's notes: 48.00-48.01 N, 24.00 E and 25.00 E
    for lon, lat in ((24.3, 48.005), (24.0, 47.8), (25.0, 47.8)):
        assert gaps[mm.to_pixel(lon, lat)], (lon, lat)
    for lon, lat in ((24.32, 47.92), (24.5, 48.16), (23.89, 47.93)):
        assert not gaps[mm.to_pixel(lon, lat)], (lon, lat)


def _sums_in_sources(text: str) -> dict[str, str]:
    """``{relative path: sha256}`` from shared/data/SOURCES.md (headings and tables)."""
    out: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^#+ .*?`([^`]+\.[a-z0-9]+)`", line)
        if m:
            current = m.group(1)
        m = re.search(r"sha256:\*\*\s*`([0-9a-f]{64})`", line)
        if m and current:
            out[current] = m.group(1)
        m = re.match(r"^\|\s*`([^`]+)`.*`([0-9a-f]{64})`\s*\|", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_inputs_of_the_region_match_sources(mm, shared):
    """The shipped region records the sha256 of each input; each equals the one SOURCES.md gives."""
    recorded = mm.meta["inputs_sha256"]
    assert "dem/maramures_border_recon_0.001deg.tif" in recorded
    listed = _sums_in_sources((shared / "SOURCES.md").read_text(encoding="utf-8"))
    checked = 0
    for rel, digest in recorded.items():
        if rel in listed:
            assert listed[rel] == digest, rel
            checked += 1
    # every input but the gap mask (which SOURCES.md names without a sum) is listed there
    assert checked == len(recorded) - 1
    assert mm.meta["reconstruction"]["peaks"] == "10-50 m low"


def test_products_on_interpolated_cells_carry_a_warning(mm):
    """Segments and landing zones over the interpolated strips say so; elsewhere they do not."""
    from carpathia.rescue import landing_zones
    from carpathia.search import auto_segments

    # A 3 km window astride the 24.00 E strip, in the hills north of Sighet
    win = mm.crop((24.0, 47.85), 3000)
    segs = auto_segments(win)
    warned = [s for s in segs if s.warning]
    assert warned and all("interpolated" in s.warning for s in warned)
    assert all(s.interpolated_share == 0 for s in segs if not s.warning)
    props = {f["id"]: f["properties"] for f in segs.to_geojson()["features"]}
    assert all("warning" in props[s.id] for s in warned)
    # A flat patch marked interpolated: every landing zone on it is flagged; unmarked, none is
    flat = Terrain.flat((24.0, 47.85), 600, 30)
    assert all(not z.warning for z in landing_zones(flat, 24.0, 47.85).zones)
    flat.set_layer("interpolated", np.ones(flat.shape, bool))
    zones = landing_zones(flat, 24.0, 47.85).zones
    assert zones and all("interpolated" in z.warning for z in zones)
    assert "interpolated" in zones[0].to_dict()["warning"]
    assert mm.accuracy_note().startswith("DEM: a reconstruction") and flat.accuracy_note() == ""


def test_sheets_and_maps_say_the_dem_is_a_reconstruction(mm, tmp_path):
    """The assignment sheet (pdftotext) and the map footer of a maramures product name the source's limits."""
    import subprocess

    from carpathia.io.export import assignment_sheet_pdf
    from carpathia.io.maps import base_map
    from tests.conftest import tool

    win = mm.crop((24.3181, 47.9233), 2000)
    fig, _ = base_map(win)
    footer = " ".join(t.get_text() for t in fig.texts)
    assert "reconstruction of NASA SRTM" in footer and "peaks 10-50 m low" in footer
    seg = shapely.Point(24.3181, 47.9233).buffer(0.004)
    out = assignment_sheet_pdf(
        tmp_path / "a.pdf", {"number": 101, "team": "Salvamont 1"}, terrain=win, segment_lonlat=seg
    )
    text = subprocess.run([tool("pdftotext"), str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "reconstruction of NASA SRTM" in " ".join(text.split())
