"""Issue 13 item 8: the cliff barrier is sourced (IGT4SAR's 50°) and keeps its share on coarse DEMs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from carpathia.travel.speed import (
    CLIFF_REF_RESOLUTION_M,
    CLIFF_SLOPE_DEG,
    SLOPE_SCALE_EXPONENT,
    cliff_slope_deg,
)
from tests.conftest import need

HGT = Path(__file__).resolve().parents[3] / "shared" / "data" / "dem" / "N44W072.hgt"


def test_igt4sar_threshold_on_fine_dems():
    # dferguso/IGT4SAR CostDistanceModel.py: maxSlope = "50"; slope >= 50 gets impedance 99
    assert CLIFF_SLOPE_DEG == 50.0
    assert cliff_slope_deg(30.0) == pytest.approx(50.0) and cliff_slope_deg(10.0) == pytest.approx(50.0)
    assert cliff_slope_deg(90.0) == pytest.approx(38.2, abs=0.2)
    assert cliff_slope_deg(1000.0) == pytest.approx(17.5, abs=0.3)


def _slopes(z, dx, dy):
    p = np.pad(z, 1, mode="edge")
    gx = ((p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])) / (8 * dx)
    gy = ((p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])) / (8 * dy)
    return np.degrees(np.arctan(np.hypot(gx, gy)))[1:-1, 1:-1]


@pytest.fixture(scope="module")
def srtm():
    need(HGT.exists(), "shared/data/dem/N44W072.hgt not present")
    z = np.fromfile(HGT, ">i2").reshape(1201, 1201).astype(float)
    dy = 3 / 3600 * 111320.0
    return z[:1200, :1200], dy * np.cos(np.radians(44.5)), dy


def _block(z, k):
    n = z.shape[0] // k * k
    return z[:n, :n].reshape(n // k, k, n // k, k).mean(axis=(1, 3))


def test_slope_scaling_exponent_is_fitted_on_the_white_mountains(srtm):
    """tan S_q(L) ∝ L^-b for the steep tail: b from 90 m to 990 m block means within 0.34-0.41."""
    z, dx, dy = srtm
    for q in (99.0, 99.9, 99.99):
        fine = np.tan(np.radians(np.percentile(_slopes(z, dx, dy), q)))
        coarse = np.tan(np.radians(np.percentile(_slopes(_block(z, 11), 11 * dx, 11 * dy), q)))
        b = np.log(fine / coarse) / np.log(11.0)
        assert abs(b - SLOPE_SCALE_EXPONENT) < 0.05, (q, b)


def test_barrier_keeps_its_share_of_the_ground_at_coarse_resolution(srtm):
    """A fixed 45° barrier blocks 0.006 % of the 90 m cells and nothing at 1 km; this one about the same share."""
    z, dx, dy = srtm
    fine = _slopes(z, dx, dy)
    coarse = _slopes(_block(z, 11), 11 * dx, 11 * dy)
    assert (coarse >= 45.0).mean() == 0.0  # the old barrier vanishes at 1 km
    share_90 = (fine >= cliff_slope_deg(90.0)).mean()
    share_1k = (coarse >= cliff_slope_deg(990.0)).mean()
    assert share_90 > 0 and share_1k > 0
    assert 1 / 3 < share_1k / share_90 < 3, (share_90, share_1k)
    assert CLIFF_REF_RESOLUTION_M == 30.0
