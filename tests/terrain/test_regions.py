"""Bundled and user regions: contents, file format, rebuilding from the shared data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from carpathia.errors import DataFileError, OutputExistsError, UnknownNameError
from carpathia.terrain import Terrain, list_regions
from carpathia.terrain.regions import bundled_region_dir
from tests.conftest import ROOT


def test_bundled_regions_are_listed_with_sources():
    regions = {r.name: r for r in list_regions()}
    assert {"white-mountains", "maramures", "maramures-1km"} <= set(regions)
    mm = regions["maramures"]
    assert mm.resolution_m == 100 and mm.bundled and "RECONSTRUCTION" in mm.notes and "30 m" in mm.notes
    assert "reconstructed" in mm.source
    w, s, e, n = mm.bounds_lonlat
    # both sides of the border: the Tisza plain to Rodna (S), Chornohora and Svydovets (N)
    assert w <= 23.31 and e >= 25.29 and s <= 47.51 and n >= 48.49
    km = regions["maramures-1km"]
    assert km.resolution_m == 1000 and "1 km" in km.notes
    w, s, e, n = km.bounds_lonlat
    assert w <= 22.8 and e >= 25.2 and s <= 47.3 and n >= 48.3
    assert regions["white-mountains"].resolution_m == 90
    assert all(r.source and r.licence for r in regions.values())
    assert (bundled_region_dir() / "SOURCES.md").is_file()


def test_bundled_files_are_small():
    for p in bundled_region_dir().glob("*.npz"):
        assert p.stat().st_size < 20e6


def test_maramures_1km_has_the_tisza_towns_and_border():
    t = Terrain.from_region("maramures-1km")
    names = {f.properties.get("name") for f in t.features["rivers"]}
    assert {"Tisza", "Vișeu"} <= names
    assert "Sighetu Marmației" in {f.properties.get("name") for f in t.features["towns"]}
    assert t.features["borders"]
    water = t.layer("water")
    # the Tisza passes Sighet: some water within 2 km of the town
    r, c = t.to_pixel(23.89, 47.93)
    assert water[r - 2 : r + 3, c - 2 : c + 3].sum() > 0.05
    # the DEM stops at the Ukrainian border: north of it is no data, south of it valid
    assert np.isnan(t.elevation[0]).any() and t.valid[t.to_pixel(23.89, 47.6)]
    # SOURCES.md: Sighet cell 283 m in the 1 km grid (ours is bilinearly resampled to UTM)
    assert abs(t.sample(23.89, 47.93) - 283) < 60


def test_save_load_roundtrip(tmp_path):
    t = Terrain.from_region("maramures-1km")
    p = t.save(tmp_path / "m.npz")
    u = Terrain.load(p)
    np.testing.assert_array_equal(u.elevation, t.elevation)
    np.testing.assert_array_equal(u.layer("water"), t.layer("water"))
    assert u.transform == t.transform and u.crs == t.crs and u.meta == t.meta
    assert len(u.features["rivers"]) == len(t.features["rivers"])
    with pytest.raises(OutputExistsError):
        t.save(p)
    assert list(tmp_path.iterdir()) == [p]  # no temporary file left behind


def test_unknown_region_and_bad_file(tmp_path):
    with pytest.raises(UnknownNameError, match="region build"):
        Terrain.from_region("atlantis")
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DataFileError):
        Terrain.load(bad)


def test_bundled_regions_rebuild_identically(tmp_path, shared):
    """The shipped files are exactly what scripts/build_regions.py makes from ../shared/data."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_regions.py"), "--data", str(shared), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ("white-mountains", "maramures", "maramures-1km"):
        new, old = Terrain.load(tmp_path / f"{name}.npz"), Terrain.from_region(name)
        np.testing.assert_array_equal(new.elevation, old.elevation)
        for k in old.layers:
            np.testing.assert_array_equal(new.layers[k], old.layers[k])
        assert new.meta == old.meta
