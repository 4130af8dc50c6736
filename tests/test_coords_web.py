"""The web API's position fields read the same text as the CLI (carpathia.coords)."""

from __future__ import annotations

import pytest

from tests.web.conftest import IPP_LAT, IPP_LON, NEW_INCIDENT, client_for


@pytest.fixture
def client(tmp_path):
    from carpathia.web import create_app

    return client_for(create_app(db=tmp_path / "ws.db"))


def _mgrs(lat, lon):
    import mgrs

    return mgrs.MGRS().toMGRS(lat, lon, MGRSPrecision=5)


def test_new_incident_and_clue_take_any_format(client):
    body = {k: v for k, v in NEW_INCIDENT.items() if k not in ("ipp_lat", "ipp_lon")}
    body["ipp"] = _mgrs(IPP_LAT, IPP_LON)
    r = client.post("/api/incidents", json=body)
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    ipp = client.get(f"/api/incidents/{iid}").json()["ipp"]
    assert (ipp["lat"], ipp["lon"]) == pytest.approx((IPP_LAT, IPP_LON), abs=2e-5)  # a 1 m square

    # the clue form (a clue needs a map first; its body model is what reads the text)
    from carpathia.web._forms import ClueIn

    clue = ClueIn.model_validate({"position": "geo:44.2712,-71.3040;u=10", "description": "glove"})
    assert (clue.lat, clue.lon) == (44.2712, -71.3040)


def test_ambiguous_or_bad_text_is_a_422_with_one_line(client):
    body = {k: v for k, v in NEW_INCIDENT.items() if k not in ("ipp_lat", "ipp_lon")}
    for text, words in (("geo:44.27,-71.30 or geo:44.1,-71.2", "ambiguous"), ("banana", "not a position")):
        body["ipp"] = text
        r = client.post("/api/incidents", json=body)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert words in err and "\n" not in err
    body.update(ipp="44.2706,-71.3033", ipp_lat=10.0, ipp_lon=10.0)
    r = client.post("/api/incidents", json=body)
    assert r.status_code == 422 and "disagree" in r.json()["error"]
