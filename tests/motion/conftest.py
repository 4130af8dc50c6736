"""Small grids and incidents for the motion tests."""

from __future__ import annotations

import numpy as np
import pytest

LON, LAT = -71.30, 44.27


@pytest.fixture(scope="module")
def flat():
    from carpathia.terrain import Terrain

    return Terrain.flat((LON, LAT), radius_m=5000, resolution=50)


@pytest.fixture(scope="module")
def incident():
    from carpathia.incident import Incident

    return Incident.create(ipp_lat=LAT, ipp_lon=LON, category="hiker")


def params(**mixture):
    """Parameters with a given mixture, no rests, and budgets far beyond any test's hours."""
    from carpathia.motion import MotionParams

    return MotionParams(rest_bout_s=0.0, budget_knots_h=(1000.0, 1000.0, 1000.0, 1000.0)).with_mixture(**mixture)


def tilted(grade: float = 0.1, radius_m: float = 5000, res: float = 50):
    """A plane rising eastwards at ``grade`` (m/m)."""
    from carpathia.terrain import Terrain

    t = Terrain.flat((LON, LAT), radius_m=radius_m, resolution=res)
    h, w = t.shape
    z = (np.arange(w, dtype=np.float64) * res * grade)[None, :].repeat(h, axis=0)
    return Terrain(z.astype(np.float32), t.transform, t.crs, meta={"name": "tilted"})
