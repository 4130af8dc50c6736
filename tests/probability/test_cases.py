"""Loading real cases: MapScore's Arizona file, and malformed files that must give clean errors or skips."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from carpathia.errors import DataFileError, FileNotFound
from carpathia.probability.cases import Case, load_cases

HEADER = "Case_Name,IPP Lat,IPP Lon,Find Lat,Find Lot,Watershed,SubjectCategory,Eco Region,Terrain,Distance\n"
GOOD = "Arizona01,31.33446668,-109.81855,31.41008333,-109.8383333,1,Hiker,Dry,Mountainous,5.392022246\n"


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float, r: float = 6371.0088) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def _write(tmp_path: Path, text: str, name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def arizona(shared):
    return load_cases(shared / "lost_person" / "mapscore_arizona_cases.csv")


def test_arizona_file_rows_all_accounted_for(arizona):
    cases, skipped = arizona
    assert len(cases) + len(skipped) == 131
    assert (len(cases), len(skipped)) == (114, 17)  # 17 re-entered incidents, nothing else wrong
    assert all(s.reason.startswith("duplicate of Arizona") and s.name for s in skipped)
    assert len({c.name for c in cases}) == len(cases)
    assert len({(c.ipp_lat, c.ipp_lon, c.find_lat, c.find_lon) for c in cases}) == len(cases)
    rows = {s.name: s for s in skipped}
    assert rows["Arizona130"].row == 131 and "Arizona01 (row 2)" in rows["Arizona130"].reason
    assert "'Youth' here, 'Child' kept" in rows["Arizona66"].reason


def test_arizona_cases_lie_in_arizona(arizona):
    for c in arizona[0]:
        for lat, lon in ((c.ipp_lat, c.ipp_lon), (c.find_lat, c.find_lon)):
            assert 31.33 <= lat <= 36.93 and -114.52 <= lon <= -109.06, c.name


def test_arizona_distances_recomputed_not_read(arizona):
    cases = {c.name: c for c in arizona[0]}
    a1 = cases["Arizona01"]
    assert a1.source_row == 2 and a1.category == "Hiker" and a1.terrain == "Mountainous"
    assert a1.distance_m / 1000 == pytest.approx(8.62, rel=0.005)  # SOURCES.md; the file says 5.39
    # on the ellipsoid, not a sphere: Vincenty's inverse on WGS84 gives 8592.70 m, haversine 8615 m
    assert a1.distance_m == pytest.approx(8592.70, abs=0.01)
    assert cases["Arizona72"].distance_m / 1000 == pytest.approx(369.8, rel=0.005)  # the file says 161.5
    for c in cases.values():
        assert c.distance_m / 1000 == pytest.approx(
            _haversine_km(c.ipp_lat, c.ipp_lon, c.find_lat, c.find_lon), rel=0.005, abs=1e-6
        )
    assert cases["Arizona33"].distance_m == 0.0
    last = cases["Arizona131"]  # blank category kept as None; "Flat " tidied
    assert last.category is None and last.terrain == "Flat" and last.eco_region == "Dry"


def test_arizona_keep_duplicates(shared):
    cases, skipped = load_cases(shared / "lost_person" / "mapscore_arizona_cases.csv", drop_duplicates=False)
    assert (len(cases), len(skipped)) == (131, 0)


def test_case_is_frozen():
    c = Case("x", 1.0, 2.0, 1.0, 2.0, None, None, None, 0.0, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.name = "y"  # type: ignore[misc]


def test_missing_file_folder_and_empty(tmp_path):
    with pytest.raises(FileNotFound, match="does not exist"):
        load_cases(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError):  # also the built-in
        load_cases(tmp_path / "nope.csv")
    with pytest.raises(DataFileError, match="folder"):
        load_cases(tmp_path)
    for text in ("", "\n\n  \n"):
        with pytest.raises(DataFileError, match="empty"):
            load_cases(_write(tmp_path, text))
    with pytest.raises(DataFileError, match="no case rows"):
        load_cases(_write(tmp_path, HEADER + "\n"))


def test_missing_columns_are_named(tmp_path):
    path = _write(tmp_path, "Case_Name,IPP Lat,IPP Lon,Find Lat,Terrain\nA,31,-110,31.1,Flat\n")
    with pytest.raises(DataFileError, match="missing column") as err:
        load_cases(path)
    assert "Find Lon" in str(err.value) and "SubjectCategory" in str(err.value)
    assert "IPP Lat," not in str(err.value).split("missing column(s)")[1].split(";")[0]
    twice = _write(tmp_path, "Case_Name,IPP Lat,IPP Lon,Find Lat,Find Lon,Find Lot,Category\n")
    with pytest.raises(DataFileError, match="two columns"):
        load_cases(twice)


def test_forgiving_headers(tmp_path):
    text = "\ufeff case name ; ipp_lat;IPP LON ; FIND-LAT ;find lon;category\nB;31.3;-110.2;31.31;-110.21;Child\n"
    cases, skipped = load_cases(_write(tmp_path, text))
    assert skipped == [] and cases[0].name == "B" and cases[0].category == "Child"
    assert cases[0].eco_region is None and cases[0].terrain is None  # optional columns absent


def test_bad_rows_are_skipped_with_reasons(tmp_path):
    rows = [
        GOOD,  # line 2
        "NaN1,nan,-110,31.1,-110.1,1,Hiker,Dry,Flat,1\n",  # 3
        "Inf1,31.5,inf,31.1,-110.1,1,Hiker,Dry,Flat,1\n",  # 4
        "Text1,31.5,-110,abc,-110.1,1,Hiker,Dry,Flat,1\n",  # 5
        "Blank1,31.5,-110,31.1,,1,Hiker,Dry,Flat,1\n",  # 6
        "Short1,31.5,-110,31.1\n",  # 7
        "Long1,31.5,-110,31.1,-110.1,1,Hiker,Dry,Flat,1,oops\n",  # 8
        "Range1,95,-110,31.1,-200,1,Hiker,Dry,Flat,1\n",  # 9
        "Zero1,0,0,31.1,-110.1,1,Hiker,Dry,Flat,1\n",  # 10
        "\n",  # 11: blank line, ignored
        "Arizona01,32,-111,32.1,-111.1,1,Hiker,Dry,Flat,1\n",  # 12: same name
        "Copy,31.33446668,-109.81855,31.41008333,-109.8383333,,Hunter,Dry,Flat,5\n",  # 13: same points
        ",32.5,-111.5,32.6,-111.6,1,,,,1,,\n",  # 14: no name, no category, blank extra fields
    ]
    cases, skipped = load_cases(_write(tmp_path, HEADER + "".join(rows)))
    assert [c.source_row for c in cases] == [2, 14]
    assert cases[1].name == "row 14" and cases[1].category is None
    reasons = {s.row: (s.name, s.reason) for s in skipped}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert "not a finite number" in reasons[3][1] and "IPP Lat" in reasons[3][1]
    assert "not a finite number" in reasons[4][1] and "IPP Lon" in reasons[4][1]
    assert "'abc' is not a number" in reasons[5][1]
    assert "Find Lon is blank" in reasons[6][1]
    assert "4 fields" in reasons[7][1] and reasons[7][0] == "Short1"
    assert "11 fields" in reasons[8][1]
    assert "IPP Lat 95 is out of range" in reasons[9][1] and "Find Lon -200" in reasons[9][1]
    assert "placeholder" in reasons[10][1]
    assert "same case name" in reasons[12][1]
    assert "same IPP and find" in reasons[13][1] and "'Hunter' here, 'Hiker' kept" in reasons[13][1]


def test_unreadable_files(tmp_path):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((HEADER + "Gen\xe8ve,45.6,25.6,45.7,25.7,1,Hiker,Temperate,Mountainous,1\n").encode("latin-1"))
    with pytest.raises(DataFileError, match="UTF-8"):
        load_cases(latin)
    with pytest.raises(DataFileError, match="line 2"):
        load_cases(_write(tmp_path, HEADER + 'Q,"31.3"x,-110,31.1,-110.1,1,Hiker,Dry,Flat,1\n'))
