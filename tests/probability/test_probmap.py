"""ProbabilityMap: always sums to 1, containment, contours, sampling, files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from carpathia.errors import InputError, OutputExistsError
from carpathia.probability.models import mattson
from carpathia.probability.probmap import ProbabilityMap
from carpathia.terrain import Terrain


@pytest.fixture(scope="module")
def flat():
    return Terrain.flat((24.0, 47.9), radius_m=1000, resolution=100)  # 21 × 21


@settings(max_examples=200, deadline=None)
@given(
    w=arrays(np.float64, (7, 9), elements=st.floats(0, 1e6, allow_nan=False, allow_infinity=False)),
    row=st.floats(0, 1),
)
def test_every_map_sums_to_one(w, row):
    t = Terrain.flat((24.0, 47.9), radius_m=400, resolution=100)  # 9 × 9
    w = np.resize(w, t.shape)
    if w.sum() <= 0:
        w[4, 4] = 1.0
    m = ProbabilityMap.from_weights(w, t, rest_of_world=row)
    assert m.total == pytest.approx(1.0, abs=1e-12)
    assert m.normalised().total == pytest.approx(1.0, abs=1e-12)
    other = ProbabilityMap.uniform(t, rest_of_world=0.1)
    assert m.blend([other], [0.3, 0.7]).total == pytest.approx(1.0, abs=1e-12)


def test_bad_weights(flat):
    with pytest.raises(InputError):
        ProbabilityMap.from_weights(-np.ones(flat.shape), flat)
    with pytest.raises(InputError):
        ProbabilityMap.from_weights(np.full(flat.shape, np.nan), flat)
    with pytest.raises(InputError):
        ProbabilityMap.from_weights(np.zeros(flat.shape), flat)
    with pytest.raises(InputError):
        ProbabilityMap.from_weights(np.ones(flat.shape), flat, rest_of_world=1.5)
    with pytest.raises(InputError):
        ProbabilityMap.from_weights(np.ones((3, 3)), flat)


def test_containment_on_a_known_map(flat):
    w = np.zeros(flat.shape)
    w[0, 0], w[0, 1], w[0, 2], w[0, 3] = 0.4, 0.3, 0.2, 0.1
    m = ProbabilityMap.from_weights(w, flat)
    assert m.containment_threshold(0.25) == pytest.approx(0.4)
    assert m.containment_threshold(0.5) == pytest.approx(0.3)
    assert m.containment_threshold(0.75) == pytest.approx(0.2)
    assert m.containment_threshold(0.95) == pytest.approx(0.1)
    assert m.containment_mask(0.7).sum() == 2
    top = m.top_cells(2)
    assert [(c["row"], c["col"]) for c in top] == [(0, 0), (0, 1)]


def test_contours_hold_their_level(flat):
    d = np.hypot(*np.indices(flat.shape) - 10.0)
    m = ProbabilityMap.from_weights(np.exp(-d / 3), flat)
    feats = m.contours()
    assert [f["properties"]["level"] for f in feats] == [0.25, 0.5, 0.75, 0.95]
    for f in feats:
        assert f["properties"]["probability"] >= f["properties"]["level"] - 1e-9
        g = shapely.geometry.shape(f["geometry"])
        assert g.is_valid and not g.is_empty
        assert m.sum_in(g) == pytest.approx(f["properties"]["probability"], abs=1e-6)
    areas = [f["properties"]["area_km2"] for f in feats]
    assert areas == sorted(areas)


def test_sampling_follows_the_map(flat):
    w = np.zeros(flat.shape)
    w[5, 5], w[15, 15] = 0.8, 0.2
    m = ProbabilityMap.from_weights(w, flat)
    pts = m.sample(4000, seed=1)
    cells = [m.cell_of(lo, la) for lo, la in pts]
    share = np.mean([c == (5, 5) for c in cells])
    assert share == pytest.approx(0.8, abs=0.03)
    assert set(cells) <= {(5, 5), (15, 15)}
    np.testing.assert_array_equal(pts, m.sample(4000, seed=1))


def test_geotiff_roundtrip_keeps_metadata(tmp_path, flat):
    m = ProbabilityMap.from_weights(
        np.arange(441.0).reshape(21, 21), flat, rest_of_world=0.2, meta={"model": "test", "seed": 7}
    )
    p = m.to_geotiff(tmp_path / "m.tif")
    with rasterio.open(p) as ds:
        assert ds.dtypes[0] == "float32" and ds.crs == flat.crs
        assert json.loads(ds.tags()["CARPATHIA_META"])["seed"] == 7
    back = ProbabilityMap.from_geotiff(p)
    assert back.rest_of_world == pytest.approx(0.2)
    np.testing.assert_allclose(back.cells, m.cells, rtol=1e-6)
    with pytest.raises(OutputExistsError):
        m.to_geotiff(p)
    gj = m.to_geojson(tmp_path / "c.geojson")
    assert len(json.loads(gj.read_text())["features"]) == 4


def test_mattson_consensus(flat):
    x0, y0 = flat.to_xy(24.0, 47.9)
    # boxes on cell edges (the IPP is a cell centre, cells are 100 m)
    west = shapely.box(x0 - 1050, y0 - 1050, x0 - 50, y0 + 1050)
    east = shapely.box(x0 - 50, y0 - 1050, x0 + 1050, y0 + 1050)

    def ll(g):
        lon, lat = flat.to_lonlat_xy(*np.asarray(g.exterior.coords).T)
        return shapely.Polygon(np.column_stack([lon, lat]))

    # two planners: 60/30/10 and 20/60/20 (west, east, rest of world)
    m = mattson(flat, [ll(west), ll(east)], [[60, 30, 10], [20, 60, 20]])
    assert m.rest_of_world == pytest.approx(0.15)
    assert m.sum_in(ll(west)) == pytest.approx(0.40, abs=0.005)
    assert m.sum_in(ll(east)) == pytest.approx(0.45, abs=0.005)
    with pytest.raises(InputError):
        mattson(flat, [ll(west)], [[1, 2, 3]])


def test_png(tmp_path, flat):
    m = ProbabilityMap.from_weights(np.exp(-np.hypot(*np.indices(flat.shape) - 10.0) / 3), flat)
    p = m.to_png(tmp_path / "m.png", flat, ipp=(24.0, 47.9))
    assert p.read_bytes()[:4] == b"\x89PNG"
    other = Terrain.flat((24.5, 47.9), radius_m=1000, resolution=100)
    with pytest.raises(Exception, match="grid"):
        m.to_png(tmp_path / "n.png", other)
    assert not (tmp_path / "n.png").exists()
