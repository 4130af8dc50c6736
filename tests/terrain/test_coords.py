"""lon/lat ↔ pixel conversions."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carpathia.errors import OutsideTerrainError
from carpathia.terrain import Terrain


@pytest.fixture(scope="module")
def maramures():
    return Terrain.from_region("maramures")


def _roundtrip_ok(t: Terrain, lon: float, lat: float) -> None:
    r, c = t.to_pixel(lon, lat)
    lon2, lat2 = t.to_lonlat(r, c)
    x, y = t.to_xy(lon, lat)
    x2, y2 = t.to_xy(lon2, lat2)
    half = t.resolution / 2 + 1e-6
    assert abs(x2 - x) <= half and abs(y2 - y) <= half


@pytest.mark.parametrize("region", ["white-mountains", "maramures"])
@settings(max_examples=300, deadline=None)
@given(fx=st.floats(1e-7, 1.0 - 1e-7), fy=st.floats(1e-7, 1.0 - 1e-7))
def test_roundtrip_within_half_a_cell(region, fx, fy):
    t = _region(region)
    left, bottom, right, top = t.bounds
    lon, lat = t.to_lonlat_xy(left + fx * (right - left), top - fy * (top - bottom))
    _roundtrip_ok(t, lon, lat)


@functools.cache
def _region(name: str) -> Terrain:
    return Terrain.from_region(name)


def test_vectorised_and_outside(white_mountains):
    t = white_mountains
    rows, _ = t.to_pixel(np.array([-71.3033, -71.5]), np.array([44.2708, 44.5]))
    assert rows.shape == (2,) and (rows >= 0).all()
    with pytest.raises(OutsideTerrainError, match="outside the terrain"):
        t.to_pixel(24.0, 47.9)
    r, c = t.to_pixel(np.array([24.0, -71.5]), np.array([47.9, 44.5]), strict=False)
    assert r[0] == -1 and c[0] == -1 and r[1] >= 0
    with pytest.raises(OutsideTerrainError):
        t.to_pixel(float("nan"), 44.5)
