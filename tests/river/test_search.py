"""River search: Bayes properties on reach segments, allocation, exports."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from carpathia.river import RiverIncident, RiverSearch, build_network, river_resources, simulate_drift
from carpathia.terrain import Feature


@pytest.fixture(scope="module")
def search():
    feats = [Feature(shapely.LineString([(22.0, 47.9), (23.0, 47.9)]), {"name": "T", "width_m": 50.0})]
    net = build_network(feats)
    inc = RiverIncident(lon=22.1, lat=47.9, water_temp_c=12.0, observed="unknown")
    return RiverSearch.from_drift(simulate_drift(net, inc, hours=6, n_particles=20_000, seed=11))


def test_poa_sums_to_one_with_beyond(search):
    assert search.poa.sum() + search.beyond == pytest.approx(1.0, abs=1e-12)
    assert search.poa.sum() == pytest.approx(search.drift.hist[-1].sum(), abs=1e-12)


def test_pod_zero_changes_nothing(search):
    ids = search.segment_ids[:10]
    new = search.update({i: 0.0 for i in ids})
    np.testing.assert_allclose(new.poa, search.poa, atol=1e-15)
    assert new.beyond == pytest.approx(search.beyond)


def test_unsuccessful_search_is_stones_formula(search):
    p = search.poa
    top = int(np.argmax(p))
    pod = 0.7
    new = search.update({search.segment_ids[top]: pod})
    denom = 1 - p[top] * pod
    expect = p / denom
    expect[top] = p[top] * (1 - pod) / denom
    np.testing.assert_allclose(new.poa, expect, rtol=1e-9, atol=1e-15)
    assert new.poa.sum() + new.beyond == pytest.approx(1.0, abs=1e-12)
    assert len(new.history) == 1


def test_pod_one_empties_the_segment(search):
    top = int(np.argmax(search.poa))
    new = search.update({top: 1.0})
    assert new.poa[top] == 0


def test_plan_uses_only_zones_a_resource_can_search(search):
    plan = search.plan([("Sonar", "side-scan-sonar"), ("Bank", "bank-team")])
    res = river_resources()
    for a in plan.assignments:
        zone = "LRCB".index(str(a.segment)[-1])
        assert res[a.resource].width(("left", "right", "channel", "bed")[zone]) > 0
    assert 0 < plan.pos <= search.poa.sum()


def test_pod_from_effort(search):
    i = int(np.argmax(search.poa))
    r = river_resources()["side-scan-sonar"]
    z = search.zones[i]
    expect = 1 - np.exp(-r.width(("left", "right", "channel", "bed")[z]) * r.speed_m_s * 3600 / search.areas_m2[i])
    assert search.pod_from_effort(i, r, 1.0) == pytest.approx(expect)


def test_handoff_exports(search):
    gj = json.loads(search.to_geojson(min_poa=1e-6))
    assert gj["features"] and {"segment", "chainage_km_start", "lat", "lon", "bank_side", "poa"} <= set(
        gj["features"][0]["properties"]
    )
    csv_text = search.to_csv(min_poa=1e-6)
    assert csv_text.splitlines()[0].startswith("segment,river,zone,bank_side")
    sides = {f["properties"]["bank_side"] for f in gj["features"]}
    assert sides <= {"channel", "bed", "left bank, N", "right bank, S"}  # flowing east: left is north
