"""Lost-person statistics: Koester's table, distance distributions, names, user categories, inference."""

from __future__ import annotations

import csv
import hashlib
import math
import warnings
from importlib import resources

import numpy as np
import pytest
from affine import Affine
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.interpolate import PchipInterpolator
from scipy.special import ndtri

import carpathia.subjects as subjects
from carpathia.errors import DataFileError, FileNotFound, InputError, OutsideTerrainError, UnknownNameError
from carpathia.subjects import (
    DistanceDistribution,
    FallbackCategoryWarning,
    SparseTerrainWarning,
    categories,
    infer_eco_region,
    infer_terrain_class,
    koester_table,
    load_categories,
    local_relief,
    profile,
    profile_at,
)
from carpathia.terrain import Terrain

MILE = 1609.344  # international mile, metres
PROBS = (0.25, 0.5, 0.75, 0.95)
CSV_NAME = "koester_distance_rings_miles.csv"


def _csv_rows() -> list[dict[str, str]]:
    """The shipped table read with the csv module only, independently of carpathia's loader."""
    text = resources.files("carpathia.subjects").joinpath("data", CSV_NAME).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


CSV_ROWS = _csv_rows()


def _first_row(category: str, eco: str | None, ter: str | None) -> dict[str, str]:
    """Reference first-match rule, written from the data's SOURCES.md description."""
    for r in CSV_ROWS:
        if r["category"] in (category, "*") and r["eco_region"] in (eco, "*") and r["terrain"] in (ter, "*"):
            return r
    raise AssertionError("the last row must match everything")


def _miles(r: dict[str, str]) -> list[float]:
    return [float(r[k]) for k in ("p25", "p50", "p75", "p95") if r[k]]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------------- the table
def test_every_csv_row_loads():
    rows = koester_table()
    assert len(CSV_ROWS) == 73
    assert len(rows) == len(CSV_ROWS)
    for mine, ref in zip(rows, CSV_ROWS, strict=True):
        assert (mine.category, mine.eco_region, mine.terrain_class) == (
            ref["category"],
            ref["eco_region"],
            ref["terrain"],
        )
        assert [v for v in mine.values if v is not None] == _miles(ref)
        assert mine.unit == "mi"
        assert mine.citation.startswith("Koester")
    assert (rows[-1].category, rows[-1].eco_region, rows[-1].terrain_class) == ("*", "*", "*")


# rows where IGT4SAR's transcription is wrong and the shipped table carries the value that both
# kilometre transcriptions of Lost Person Behavior give (issue 13 item 4; data/SOURCES.md)
CORRECTED = {
    "Child (1-3),Temperate,Mountainous": "0.1,0.2,0.4,2.8",
    "Angler,Temperate,*": "0.5,1.0,2.4,9.3",
    "Angler,*,*": "0.5,1.0,2.4,9.3",
}


def test_shipped_table_is_the_shared_file_with_the_corrections(shared):
    shipped = resources.files("carpathia.subjects").joinpath("data", CSV_NAME).read_bytes()
    mine = shipped.decode().splitlines()
    ref = (shared / "lost_person" / CSV_NAME).read_text().splitlines()
    assert len(mine) == len(ref)
    changed = {}
    for a, b in zip(mine, ref, strict=True):
        if a != b:
            key = ",".join(a.split(",")[:3])
            assert key == ",".join(b.split(",")[:3])
            changed[key] = ",".join(a.split(",")[3:])
    assert changed == CORRECTED
    sources = resources.files("carpathia.subjects").joinpath("data", "SOURCES.md").read_text(encoding="utf-8")
    assert hashlib.sha256(shipped).hexdigest() in sources
    assert "Koester" in sources and "ISRID" in sources and "IPP_EuclideanDistance2.py" in sources


def test_hiker_temperate_mountainous_in_metres():
    p = profile("Hiker", eco_region="Temperate", terrain_class="Mountainous")
    assert p.category == "Hiker" and not p.fell_back
    assert list(p.quantiles_m) == list(PROBS)
    np.testing.assert_allclose(
        list(p.quantiles_m.values()), [0.7 * MILE, 1.9 * MILE, 3.6 * MILE, 11.3 * MILE], rtol=1e-12
    )
    assert p.row.origin.endswith(f":{1 + CSV_ROWS.index(_first_row('Hiker', 'Temperate', 'Mountainous')) + 1}")
    assert "Koester" in p.citation and "ISRID" in p.citation


def test_corrected_rows_against_lost_person_behavior_in_km():
    """Child 1-3 temperate mountainous 0.2/0.3/0.6/4.5 km; Angler temperate flat 0.8/1.6/3.9/14.9 km."""
    child = profile("Child (1-3)", eco_region="Temperate", terrain_class="Mountainous")
    np.testing.assert_allclose(np.array(list(child.quantiles_m.values())) / 1000, [0.2, 0.3, 0.6, 4.5], atol=0.1)
    assert list(child.row.values) == [0.1, 0.2, 0.4, 2.8]
    for eco, ter in (("Temperate", "Flat"), ("Temperate", None), (None, None), ("Urban", "Flat")):
        angler = profile("Angler", eco_region=eco, terrain_class=ter)
        assert list(angler.row.values) == [0.5, 1.0, 2.4, 9.3], (eco, ter)
        km = np.array(list(angler.quantiles_m.values())) / 1000
        np.testing.assert_allclose(km, [0.8, 1.6, 3.9, 14.9], atol=0.1)


def test_first_match_wins():
    dry_flat = profile("hiker", eco_region="Dry", terrain_class="Flat")
    assert [v for v in dry_flat.row.values] == [0.8, 1.3, 4.1, 8.1]
    assert (dry_flat.row.eco_region, dry_flat.row.terrain_class) == ("Dry", "Flat")
    # no Temperate/Flat hiker row: whatever row the file gives first
    ref = _first_row("Hiker", "Temperate", "Flat")
    temp_flat = profile("hiker", eco_region="Temperate", terrain_class="Flat")
    assert list(temp_flat.row.values) == _miles(ref)
    assert (temp_flat.row.eco_region, temp_flat.row.terrain_class) == (ref["eco_region"], ref["terrain"])
    assert not temp_flat.fell_back


def test_first_match_on_every_combination_and_no_dead_rows():
    used = set()
    for cat in categories():
        for eco in ("Temperate", "Dry", "Urban", None):
            for ter in ("Mountainous", "Flat", None):
                ref = _first_row(cat, eco, ter)
                p = profile(cat, eco_region=eco, terrain_class=ter)
                assert p.category == cat
                assert (p.row.category, p.row.eco_region, p.row.terrain_class) == (
                    ref["category"],
                    ref["eco_region"],
                    ref["terrain"],
                )
                used.add(p.row.origin)
    # every category row is the answer somewhere (the fallback row serves unknown names)
    assert len(used) == len(CSV_ROWS) - 1


def test_abduction_without_p95_is_extrapolated_and_noted():
    p = profile("abduction")
    assert list(p.quantiles_m) == [0.25, 0.5, 0.75]
    assert any("95%" in n and "extrapolated" in n for n in p.notes)
    d = p.distance
    np.testing.assert_allclose(d.cdf(list(p.quantiles_m.values())), [0.25, 0.5, 0.75], atol=1e-12)
    assert d.ppf(0.95) > 12.0 * MILE


# ---------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("row", koester_table(), ids=lambda r: f"{r.category}|{r.eco_region}|{r.terrain_class}")
def test_default_distribution_reproduces_the_quantiles(row):
    q = row.quantiles_m
    d = DistanceDistribution(q)
    assert d.method == "pchip"
    np.testing.assert_allclose(d.cdf(list(q.values())), list(q), atol=1e-6, rtol=0)
    np.testing.assert_allclose(d.ppf(list(q)), list(q.values()), rtol=1e-9)
    for p, m in q.items():
        assert abs(d.cdf(m) - p) < 1e-6


@pytest.mark.parametrize("method", ["pchip", "lognormal"])
@pytest.mark.parametrize("row", [0, 15, 33, 47, 62, 68, 72])
def test_cdf_monotone_pdf_positive_and_integrating_to_one(row, method):
    d = DistanceDistribution(koester_table()[row].quantiles_m, method)
    r = np.geomspace(1e-4, 1e10, 20001)  # wide: Abduction (row 0) spreads over ten decades
    c = d.cdf(r)
    assert np.all(np.diff(c) >= 0) and c[0] < 1e-6 and c[-1] > 0.999
    f = d.pdf(r)
    assert np.all(f >= 0) and np.all(np.isfinite(f))
    # the pdf is the derivative of the cdf (central differences in log space)
    h = 1e-5
    np.testing.assert_allclose(d.pdf(r) * r, (d.cdf(r * math.exp(h)) - d.cdf(r * math.exp(-h))) / (2 * h), atol=1e-7)
    knots = [math.log(m) for m in d.quantiles.values()]
    total, _ = quad(lambda u: d.pdf(math.exp(u)) * math.exp(u), -10, 25, points=knots, limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)
    assert d.cdf(0.0) == 0.0 and d.pdf(0.0) == 0.0 and d.cdf(np.inf) == 1.0


@settings(max_examples=200, deadline=None)
@given(row=st.integers(0, 72), d=st.floats(1.0, 500_000.0))
def test_ppf_inverts_cdf(row, d):
    dist = koester_table()[row]
    dd = DistanceDistribution(dist.quantiles_m)
    c = dd.cdf(d)
    assume(1e-9 < c < 1 - 1e-9)
    assert dd.ppf(c) == pytest.approx(d, rel=1e-6)


@settings(max_examples=200, deadline=None)
@given(row=st.integers(0, 72), q=st.floats(1e-6, 1 - 1e-6))
def test_cdf_inverts_ppf(row, q):
    dd = DistanceDistribution(koester_table()[row].quantiles_m)
    assert dd.cdf(dd.ppf(q)) == pytest.approx(q, abs=1e-9)


def test_pchip_interior_slopes_match_scipy():
    """Inside the tabulated range the curve is scipy's PCHIP in (ln d, probit) space."""
    q = profile("hiker", eco_region="Temperate", terrain_class="Mountainous").quantiles_m
    d = DistanceDistribution(q)
    x, z = np.log(list(q.values())), ndtri(list(q))
    ref = PchipInterpolator(x, z).derivative()(x[1:-1])
    m = np.array(list(q.values()))[1:-1]
    ours = d.pdf(m) * m / (np.exp(-0.5 * z[1:-1] ** 2) / math.sqrt(2 * math.pi))  # dz/dlnd = f·d/φ(z)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_lognormal_option_is_close_to_the_quartiles():
    """Documented tolerance: 0.05 in probability for the hiker rows, 0.28 (Angler, Dry) at worst."""
    p = profile("hiker", eco_region="Temperate", terrain_class="Mountainous")
    ln = p.distribution("lognormal")
    assert ln.method == "lognormal"
    miss = np.abs(ln.cdf(list(p.quantiles_m.values())) - np.array(PROBS))
    assert miss.max() < 0.05
    worst = max(
        np.abs(
            DistanceDistribution(r.quantiles_m, "lognormal").cdf(list(r.quantiles_m.values())) - list(r.quantiles_m)
        ).max()
        for r in koester_table()
    )
    assert 0.2 < worst < 0.28


def test_lognormal_fit_agrees_with_mapscore_hiker_fits(shared):
    """MapScore's own lognormal fits to ISRID hiker finds (ln km) against our fit to Koester's quartiles."""
    with open(shared / "lost_person" / "mapscore_lognorm_params.csv", newline="") as f:
        fits = {r[0]: (float(r[1]), float(r[2])) for r in list(csv.reader(f))[1:] if r and r[0].startswith("hiker")}
    cases = {
        "hiker Temp Mtn": ("Temperate", "Mountainous"),
        "hiker Dry Mtn": ("Dry", "Mountainous"),
        "hiker Dry Flat": ("Dry", "Flat"),
    }
    for name, (eco, ter) in cases.items():
        d = profile("hiker", eco_region=eco, terrain_class=ter).distribution("lognormal")
        mu_km, sd = fits[name]
        assert d.mu - math.log(1000.0) == pytest.approx(mu_km, abs=0.1), name
        assert d.sigma == pytest.approx(sd, abs=0.1), name


def test_areal_density_and_ring_containment_on_flat_ground():
    d = profile("hiker", eco_region="Temperate", terrain_class="Mountainous").distance
    r = np.array([10.0, 500.0, 3000.0, 20000.0])
    np.testing.assert_allclose(d.areal_density(r), d.pdf(r) / (2 * np.pi * r))
    assert d.areal_density(0.0) == 0.0 and np.isfinite(d.areal_density(0.0))
    cell = 50.0
    r0 = cell / math.sqrt(math.pi)
    assert d.areal_density(0.0, cell_size=cell) == pytest.approx(d.cdf(r0) / (math.pi * r0**2))
    # a map of 50 m cells out to 60 km holds the Koester quartiles in its rings within 1 %
    n = 1201
    xy = (np.arange(n) - n // 2) * cell
    dist = np.hypot(xy[:, None], xy[None, :])
    mass = d.areal_density(dist, cell_size=cell) * cell * cell
    for p, q in d.quantiles.items():
        assert mass[dist <= q].sum() == pytest.approx(p, abs=0.01)
    with pytest.raises(InputError):
        d.areal_density(1.0, cell_size=0.0)


def test_sampling_uses_the_callers_generator():
    d = profile("dementia").distance
    a = d.sample(10_000, np.random.default_rng(7))
    b = d.sample(10_000, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert np.mean(a <= d.quantiles[0.5]) == pytest.approx(0.5, abs=0.02)
    with pytest.raises(InputError):
        d.sample(3, 7)


@pytest.mark.parametrize(
    "q",
    [{0.5: 100.0}, {0.25: 200.0, 0.5: 100.0}, {0.0: 1.0, 0.5: 2.0}, {0.25: -1.0, 0.5: 2.0}, {0.5: np.nan, 0.75: 2.0}],
)
def test_bad_quantiles_are_refused(q):
    with pytest.raises(InputError):
        DistanceDistribution(q)


def test_unknown_method_is_refused():
    with pytest.raises(InputError, match="lognormal"):
        DistanceDistribution({0.25: 1.0, 0.5: 2.0}, method="spline")


# ---------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Child (7-9)", "Child (7-9)"),
        ("child 7-9", "Child (7-9)"),
        ("child 7–9", "Child (7-9)"),
        ("CHILD_7_9", "Child (7-9)"),
        ("children 7 to 9 years", "Child (7-9)"),
        ("child 8", "Child (7-9)"),
        ("toddler", "Child (1-3)"),
        ("Hiker", "Hiker"),
        ("hikers", "Hiker"),
        ("  HIKER ", "Hiker"),
        ("Nordic skier", "Skier-Nordic"),
        ("skier, alpine", "Skier-Alpine"),
        ("horseback riders", "Horseback Rider"),
        ("ATV", "All Terrain Vehicle"),
        ("all-terrain vehicle", "All Terrain Vehicle"),
        ("mushroom pickers", "Gatherer"),
        ("Alzheimer's", "Dementia"),
        ("extreme sports", "Other (Extreme Sport)"),
        ("intellectual disability", "Mental Retardation"),
        ("mental_illness", "Mental Illness"),
        ("fisherman", "Angler"),
    ],
)
def test_forgiving_names(name, canonical):
    assert _quiet(profile, name).category == canonical


def test_categories_are_canonical_and_in_file_order():
    cats = categories()
    assert cats[0] == "Abduction" and cats[-1] == "Substance Abuse"
    assert cats == list(dict.fromkeys(r["category"] for r in CSV_ROWS if r["category"] != "*"))
    assert len(cats) == 28


def test_unknown_category_falls_back_with_a_warning():
    with pytest.warns(FallbackCategoryWarning, match="Hiker"):
        p = profile("hikr", eco_region="Temperate", terrain_class="Mountainous")
    assert p.fell_back and p.category == subjects.FALLBACK_CATEGORY and p.requested == "hikr"
    assert p.row == koester_table()[-1]
    assert p.notes and "fallback" in p.notes[0]
    quiet = _quiet(profile, "parachutist", warn=False)
    assert quiet.fell_back
    explicit = _quiet(profile, "default")
    assert explicit.row == koester_table()[-1] and not explicit.fell_back


@pytest.mark.parametrize("blank", ["", "   ", "()", "-_-"])
def test_blank_category_is_an_error_listing_the_known_ones(blank):
    with pytest.raises(InputError, match="Hiker"):
        profile(blank)


def test_bad_eco_region_or_terrain_is_an_unknown_name():
    with pytest.raises(UnknownNameError, match="Temperate, Dry, Urban"):
        profile("hiker", eco_region="Polar")
    with pytest.raises(UnknownNameError, match="Mountainous, Flat"):
        profile("hiker", terrain_class="steep")
    assert profile("hiker", eco_region="dry", terrain_class="mountains").row.values == (1.0, 2.0, 4.0, 11.9)


# ---------------------------------------------------------------------------- user categories
GOOD_TOML = """
[[category]]
name = "shepherd"
eco_region = "Temperate"
terrain = "Mountainous"
aliases = ["cioban"]
source = "test log"
p25_km = 1.0
p50_km = 2.5
p75_km = 5.0
p95_km = 12.0

[[category]]
name = "Hikers"
eco_region = "temperate"
terrain = "flat"
unit = "mi"
p25 = 0.5
p50 = 1.2
p75 = 2.4
p95 = 7.0
"""


def _write(tmp_path, text, name="cats.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_categories_from_toml(tmp_path):
    extra = load_categories(_write(tmp_path, GOOD_TOML))
    assert [p.category for p in extra] == ["shepherd", "Hikers"]
    assert list(extra[0].quantiles_m.values()) == [1000.0, 2500.0, 5000.0, 12000.0]
    np.testing.assert_allclose(list(extra[1].quantiles_m.values()), [0.5 * MILE, 1.2 * MILE, 2.4 * MILE, 7.0 * MILE])
    s = _quiet(profile, "Cioban", eco_region="Temperate", terrain_class="Mountainous", extra=extra)
    assert s.category == "shepherd" and s.citation == "test log" and s.row.origin.startswith("cats.toml")
    # a user row takes precedence over Koester's for its combination, and only for it
    h = _quiet(profile, "hiker", eco_region="Temperate", terrain_class="Flat", extra=extra)
    assert h.category == "Hiker" and h.row.values == (0.5, 1.2, 2.4, 7.0)
    assert _quiet(profile, "hiker", eco_region="Dry", terrain_class="Flat", extra=extra).row.values == (
        0.8,
        1.3,
        4.1,
        8.1,
    )
    assert categories(extra)[-1] == "shepherd" and categories(extra).count("Hiker") == 1
    # a user category with no row for the asked combination falls back, with a warning
    with pytest.warns(FallbackCategoryWarning, match="no row"):
        assert profile("shepherd", eco_region="Dry", extra=extra).fell_back


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[[category]]\nname = "x"\np25_km = 1\np75_km = 3\np95_km = 4\n', "p50_km"),
        ('[[category]]\nname = "x"\np25_km = 1\np50_km = 2\np75_km = 1.5\np95_km = 4\n', "p75_km"),
        ("[[category]]\np25_km = 1\np50_km = 2\np75_km = 3\np95_km = 4\n", "name"),
        ('[[category]]\nname = "x"\np25 = 1\np50 = 2\np75 = 3\np95 = 4\n', "unit"),
        ('[[category]]\nname = "x"\nunit = "ft"\np25 = 1\np50 = 2\np75 = 3\np95 = 4\n', "unit"),
        ('[[category]]\nname = "x"\np25_km = 1\np50_mi = 2\np75_km = 3\np95_km = 4\n', "one unit"),
        ('[[category]]\nname = "x"\np25_km = 1\np50_km = 2\np57_km = 3\np95_km = 4\n', "p57_km"),
        ('[[category]]\nname = "x"\np25_km = 0\np50_km = 2\np75_km = 3\np95_km = 4\n', "p25_km"),
        ('[[category]]\nname = "x"\np25_km = "1"\np50_km = 2\np75_km = 3\np95_km = 4\n', "p25_km"),
        ('[[category]]\nname = "x"\neco_region = "Polar"\np25_km = 1\np50_km = 2\np75_km = 3\np95_km = 4\n', "Polar"),
        ("this is not = = toml\n", "not a valid TOML"),
        ("", "no categories"),
        ('title = "x"\n', "top-level"),
    ],
)
def test_bad_category_files_name_the_problem(tmp_path, text, match):
    with pytest.raises(DataFileError, match=match):
        load_categories(_write(tmp_path, text))


def test_missing_category_file(tmp_path):
    with pytest.raises(FileNotFound):
        load_categories(tmp_path / "nope.toml")


# ---------------------------------------------------------------------------- eco-region and terrain class
def _synthetic(z: np.ndarray, landcover: np.ndarray | None = None) -> Terrain:
    layers = {"landcover": landcover} if landcover is not None else None
    return Terrain(z.astype(np.float32), Affine(30, 0, 500000, 0, -30, 5300000), "EPSG:32634", layers=layers)


def _centre(t: Terrain) -> tuple[float, float]:
    h, w = t.shape
    return t.to_lonlat(h // 2, w // 2)


def test_flat_plane_is_flat_and_a_cone_is_mountainous():
    n = 201  # 6 km square of 30 m cells
    flat = _synthetic(np.full((n, n), 250.0))
    lon, lat = _centre(flat)
    assert _quiet(infer_terrain_class, flat, lon, lat, radius_m=3000) == "Flat"
    assert _quiet(local_relief, flat, lon, lat, 3000) == 0.0
    k = (np.arange(n) - n // 2) * 30.0
    cone = _synthetic(np.clip(1000.0 * (1 - np.hypot(k[:, None], k[None, :]) / 3000.0), 0, None))
    assert _quiet(local_relief, cone, lon, lat, 3000) == pytest.approx(1000.0)
    assert _quiet(infer_terrain_class, cone, lon, lat, radius_m=3000) == "Mountainous"
    # a gentle 200 m rise is below the 300 m threshold (Kapos et al. 2000)
    low = _synthetic(0.2 * np.asarray(cone.elevation))
    assert _quiet(infer_terrain_class, low, lon, lat, radius_m=3000) == "Flat"
    assert _quiet(infer_terrain_class, low, lon, lat, radius_m=3000, threshold_m=150) == "Mountainous"


def test_relief_ignores_nan_and_warns_when_the_disc_is_mostly_empty():
    n = 201
    z = np.full((n, n), 100.0)
    z[0, 0] = np.nan
    t = _synthetic(z)
    lon, lat = _centre(t)
    assert _quiet(local_relief, t, lon, lat, 3000) == 0.0
    with pytest.warns(SparseTerrainWarning):
        infer_terrain_class(t, lon, lat)  # 10 km disc on a 6 km grid
    with pytest.raises(OutsideTerrainError):
        local_relief(t, 0.0, 0.0)
    with pytest.raises(InputError):
        local_relief(t, lon, lat, radius_m=-1)


def test_pop_ivan_in_maramures_is_mountainous():
    m = Terrain.from_region("maramures")
    m.to_pixel(24.32, 47.92)  # inside the bundled grid
    assert local_relief(m, 24.32, 47.92) > 300.0
    assert infer_terrain_class(m, 24.32, 47.92) == "Mountainous"
    p = profile_at("hiker", m, 24.32, 47.92)
    assert (p.eco_region, p.terrain_class) == ("Temperate", "Mountainous")
    assert p.row.values == (0.7, 1.9, 3.6, 11.3)
    assert any("relief" in n for n in p.notes)


def test_eco_region_from_land_cover_and_climate():
    n = 201
    z = np.zeros((n, n))
    t = _synthetic(z)
    lon, lat = _centre(t)
    assert infer_eco_region(t, lon, lat) == "Temperate"  # no land cover at all
    assert infer_eco_region(t, lon, lat, climate="Dry") == "Dry"
    town = np.full((n, n), 3, np.uint8)  # carpathia.terrain.landcover.URBAN
    urban = _synthetic(z, town)
    assert infer_eco_region(urban, lon, lat) == "Urban"
    assert infer_eco_region(urban, lon, lat, climate="Dry") == "Urban"
    forest = _synthetic(z, np.full((n, n), 2, np.uint8))
    assert infer_eco_region(forest, lon, lat) == "Temperate"
    with pytest.raises(InputError):
        infer_eco_region(t, lon, lat, climate="Urban")
    p = _quiet(profile_at, "child 2", urban, lon, lat, terrain_class="Flat")
    assert p.category == "Child (1-3)" and p.row.eco_region == "Urban"


# ---------------------------------------------------------------------------- package hygiene
def test_public_api_is_curated_and_documented():
    assert set(subjects.__all__) == {
        "CATEGORY_ALIASES",
        "ECO_REGIONS",
        "FALLBACK_CATEGORY",
        "KOESTER_CITATION",
        "METHODS",
        "MILE_M",
        "MOUNTAIN_RELIEF_M",
        "PROBABILITIES",
        "RELIEF_RADIUS_M",
        "TERRAIN_CLASSES",
        "URBAN_RADIUS_M",
        "URBAN_SHARE",
        "DistanceDistribution",
        "DistanceRow",
        "ResponsiveShare",
        "FallbackCategoryWarning",
        "SparseTerrainWarning",
        "SubjectProfile",
        "SubjectWarning",
        "categories",
        "infer_eco_region",
        "infer_terrain_class",
        "koester_table",
        "load_categories",
        "local_relief",
        "profile",
        "profile_at",
        "responsive_share",
        "responsive_table",
    }
    for name in subjects.__all__:
        obj = getattr(subjects, name)
        if callable(obj):
            assert obj.__doc__, name
    assert subjects.MILE_M == MILE
    assert all(subjects.CATEGORY_ALIASES[a] in categories() for a in subjects.CATEGORY_ALIASES)


# ---------------------------------------------------------------------------- the tails (issue 21)
def _line_through(p1, d1, p2, d2):
    """The lognormal through two quantiles: probit z is linear in ln d."""
    z1, z2 = ndtri(p1), ndtri(p2)
    x1, x2 = math.log(d1), math.log(d2)
    slope = (z2 - z1) / (x2 - x1)
    return lambda d: z1 + slope * (np.log(d) - x1), lambda p: np.exp(x1 + (ndtri(p) - z1) / slope)


def test_tails_are_the_lognormal_through_the_two_outermost_quantiles():
    """Documented in DistanceDistribution: beyond the last (below the first) tabulated quantile the
    curve is the lognormal through the two outermost quantiles on that side, for every row."""
    from scipy.special import ndtr

    for row in koester_table():
        q = row.quantiles_m
        d = DistanceDistribution(q)
        ps, ds = list(q), list(q.values())
        hi_z, hi_ppf = _line_through(ps[-2], ds[-2], ps[-1], ds[-1])
        far = ds[-1] * np.array([1.01, 1.5, 3.0, 10.0])
        np.testing.assert_allclose(d.cdf(far), ndtr(hi_z(far)), rtol=1e-12, err_msg=row.origin)
        np.testing.assert_allclose(d.sf(far), ndtr(-hi_z(far)), rtol=1e-9, err_msg=row.origin)
        top = np.array([ps[-1] + 0.5 * (1 - ps[-1]), 0.99, 0.999])
        np.testing.assert_allclose(d.ppf(top), hi_ppf(top), rtol=1e-9, err_msg=row.origin)
        lo_z, lo_ppf = _line_through(ps[0], ds[0], ps[1], ds[1])
        near = ds[0] * np.array([0.99, 0.5, 0.1])
        np.testing.assert_allclose(d.cdf(near), ndtr(lo_z(near)), rtol=1e-12, err_msg=row.origin)
        np.testing.assert_allclose(d.ppf([0.01, 0.1]), lo_ppf(np.array([0.01, 0.1])), rtol=1e-9, err_msg=row.origin)
        # the pdf is continuous where the tail starts
        eps = 1e-9 * ds[-1]
        assert d.pdf(ds[-1] - eps) == pytest.approx(d.pdf(ds[-1] + eps), rel=1e-5), row.origin


def test_tail_figures_in_the_documentation():
    """Hiker, temperate, mountainous: 99 % within 40.6 km (the lognormal through 5.8 and 18.2 km);
    Abduction (no 95 % value): the tail through 1.5 and 12.0 mi puts 95 % at about 240 mi (SOURCES.md)."""
    h = profile("hiker", eco_region="Temperate", terrain_class="Mountainous").distance
    _, ppf = _line_through(0.75, 3.6 * MILE, 0.95, 11.3 * MILE)
    assert h.ppf(0.99) == pytest.approx(float(ppf(np.array(0.99))), rel=1e-9)
    assert h.ppf(0.99) / 1000 == pytest.approx(40.6, abs=0.05)
    a = profile("abduction").distance
    assert a.ppf(0.95) / MILE == pytest.approx(240, abs=1.5)
