"""Field products opened by real clients: ogrinfo/gdalinfo (GDAL), xmllint (GPX 1.1 XSD), poppler (PDF)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree as ET

import numpy as np
import pytest
import rasterio

from carpathia.errors import InputError, OutputExistsError, OutsideTerrainError
from carpathia.io.export import assignment_sheet_pdf, briefing_map, write_gpkg, write_gpx_layers, write_kml
from carpathia.io.geodata import read_geodata
from carpathia.probability import ProbabilityMap

from ..conftest import maybe_tool, need, tool

LON, LAT = -71.3033, 44.2706  # Mt Washington summit


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def feat(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def square(x0, y0, d=0.01):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}


def point(x, y):
    return {"type": "Point", "coordinates": [x, y]}


@pytest.fixture(scope="module")
def layers():
    return {
        "segments": fc(
            feat(square(LON - 0.01, LAT - 0.01), id="A1", poa=0.30),
            feat(square(LON, LAT - 0.01), id="A2", poa=0.12),
            feat(square(LON - 0.01, LAT), id="B1", poa=0.02),
            feat(square(LON, LAT), id="B2"),  # not rated yet
        ),
        "assignments": fc(feat(square(LON - 0.01, LAT - 0.01), number=101, segment="A1", team="Borșa 1")),
        "clues": fc(
            feat(point(LON + 0.002, LAT + 0.001), name="Glove", time="2024-01-05T10:00:00+02:00"),
            feat(point(LON + 0.003, LAT + 0.002), name="Glove"),  # same name: must stay two waypoints
        ),
        "ipp": fc(feat(point(LON, LAT), name="IPP Vișeu")),
        "tracks": fc(
            feat(
                {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.004, LAT + 0.003]]},
                name="T1",
                times=["2024-01-05T10:00:00+02:00", "2024-01-05 10:05:00+02:00"],
            )
        ),
        "landing_zones": fc(feat(point(LON + 0.02, LAT + 0.015), name="LZ 1", slope_deg=3.5, area_m2=8100)),
        "notes": fc(),  # empty layers are left out of the files
    }


@pytest.fixture(scope="module")
def terrain(white_mountains):
    return white_mountains.crop((LON, LAT), 6000)


@pytest.fixture(scope="module")
def pmap(terrain):
    r, c = terrain.to_pixel(LON, LAT)
    yy, xx = np.mgrid[: terrain.shape[0], : terrain.shape[1]]
    w = np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / 200.0)
    return ProbabilityMap.from_weights(w, terrain, rest_of_world=0.05, meta={"model": "test", "seed": 0})


def _run(*args) -> str:
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _ogrinfo() -> str:
    return tool("ogrinfo")


def _layer_names(ogr_out: str) -> list[str]:
    return re.findall(r"^\d+: (\w+)", ogr_out, flags=re.M)


# ---------------------------------------------------------------------- KML
KML = "{http://www.opengis.net/kml/2.2}"
# Child order inside each element, from the OGC KML 2.2 schema (ogckml22.xsd), for the elements written.
SCHEMA_ORDER = {
    "Document": ["name", "open", "description", "Style", "Folder"],
    "Folder": ["name", "description", "Placemark"],
    "Placemark": [
        "name",
        "description",
        "TimeStamp",
        "TimeSpan",
        "styleUrl",
        "ExtendedData",
        "Point",
        "LineString",
        "Polygon",
        "MultiGeometry",
    ],
    "Style": ["IconStyle", "LabelStyle", "LineStyle", "PolyStyle"],
    "IconStyle": ["color", "scale", "Icon"],
    "LineStyle": ["color", "width"],
    "PolyStyle": ["color", "fill", "outline"],
    "Polygon": ["tessellate", "outerBoundaryIs", "innerBoundaryIs"],
    "LineString": ["tessellate", "coordinates"],
}


def _check_kml_structure(root: ET.Element) -> None:
    assert root.tag == KML + "kml"
    for el in root.iter():
        assert el.tag.startswith(KML), f"{el.tag} is outside the KML 2.2 namespace"
        tag = el.tag.removeprefix(KML)
        order = SCHEMA_ORDER.get(tag)
        if order:
            kids = [c.tag.removeprefix(KML) for c in el]
            assert set(kids) <= set(order), (tag, kids)
            assert [order.index(k) for k in kids] == sorted(order.index(k) for k in kids), (tag, kids)
        if tag == "color":
            assert re.fullmatch(r"[0-9a-f]{8}", el.text)  # aabbggrr
        if tag == "coordinates":
            for tup in el.text.split():
                lon, lat = map(float, tup.split(","))
                assert -180 <= lon <= 180 and -90 <= lat <= 90
    styles = {s.get("id") for s in root.iter(KML + "Style")}
    for url in root.iter(KML + "styleUrl"):
        assert url.text.startswith("#") and url.text[1:] in styles


def test_kml_is_ogc_kml_22_with_one_folder_per_layer(tmp_path, layers):
    out = write_kml(tmp_path / "incident.kml", layers, name="Pop Ivan")
    root = ET.parse(out).getroot()
    _check_kml_structure(root)
    (doc,) = root.findall(KML + "Document")
    folders = [f.findtext(KML + "name") for f in doc.findall(KML + "Folder")]
    assert folders == ["segments", "assignments", "clues", "ipp", "tracks", "landing_zones"]
    assert "POA" in doc.findtext(KML + "description")  # the legend
    seg = doc.find(KML + "Folder")
    styles = {pm.findtext(KML + "name"): pm.findtext(KML + "styleUrl") for pm in seg.iter(KML + "Placemark")}
    assert styles == {"A1": "#poa4", "A2": "#poa2", "B1": "#poa0", "B2": "#segments"}  # POA 30/12/2 % of max 30 %
    icons = {s.get("id"): s.findtext(f"{KML}IconStyle/{KML}Icon/{KML}href") for s in doc.iter(KML + "Style")}
    assert len({icons["ipp"], icons["clues"], icons["landing_zones"]}) == 3
    track = next(pm for pm in doc.iter(KML + "Placemark") if pm.findtext(KML + "name") == "T1")
    assert track.findtext(f"{KML}TimeSpan/{KML}begin") == "2024-01-05T10:00:00+02:00"


def test_kml_and_kmz_open_in_gdal_with_their_layers_and_wgs84(tmp_path, layers):
    exe = _ogrinfo()
    kml = write_kml(tmp_path / "incident.kml", layers)
    kmz = write_kml(tmp_path / "incident.kmz", layers)
    with zipfile.ZipFile(kmz) as z:
        assert z.namelist() == ["doc.kml"] and z.read("doc.kml") == kml.read_bytes()
    for path in (kml, kmz):
        names = _layer_names(_run(exe, "-ro", "-so", str(path)))
        assert names == ["segments", "assignments", "clues", "ipp", "tracks", "landing_zones"]
        info = _run(exe, "-ro", "-so", str(path), "segments")
        assert "Feature Count: 4" in info and 'ID["EPSG",4326]' in info


def test_kml_reads_back(tmp_path, layers):
    d = read_geodata(write_kml(tmp_path / "incident.kmz", layers))
    assert len(d.polygons) == 5 and len(d.waypoints) == 4 and len(d.tracks) == 1
    assert d.waypoints[0].time == "2024-01-05T10:00:00+02:00"


# ---------------------------------------------------------------------- GPX
def test_gpx_validates_against_the_official_11_schema(tmp_path, layers, shared):
    xsd = shared / "schemas" / "gpx-1.1.xsd"
    exe = shutil.which("xmllint")
    need(exe is not None and xsd.exists(), "xmllint (libxml2-utils) and the GPX 1.1 XSD are needed")
    out = write_gpx_layers(tmp_path / "field.gpx", layers)
    r = subprocess.run([exe, "--noout", "--schema", str(xsd), str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d = read_geodata(out)
    names = [w.name for w in d.waypoints]
    assert names == ["Glove", "Glove 2", "IPP Viseu", "LZ 1"]  # unique, plain ASCII
    assert [w.properties["sym"] for w in d.waypoints] == ["Flag, Blue", "Flag, Blue", "Flag, Red", "Heliport"]
    tracks = {t.name: t for t in d.tracks}
    assert set(tracks) == {"SEG A1", "SEG A2", "SEG B1", "SEG B2", "ASG 101 A1", "T1"}
    a1 = tracks["SEG A1"]
    assert (a1.lon[0], a1.lat[0]) == (a1.lon[-1], a1.lat[-1]) and len(a1.lon) == 5  # closed boundary
    assert tracks["T1"].times == ("2024-01-05T10:00:00+02:00", "2024-01-05T10:05:00+02:00")  # as xsd:dateTime
    assert d.waypoints[0].time == "2024-01-05T10:00:00+02:00"


def test_gpx_opens_in_gdal(tmp_path, layers):
    out = write_gpx_layers(tmp_path / "field.gpx", layers)
    info = _run(_ogrinfo(), "-ro", "-so", "-al", str(out))
    assert re.search(r"Layer name: waypoints\n.*?Feature Count: 4", info, flags=re.S)
    assert re.search(r"Layer name: tracks\n.*?Feature Count: 6", info, flags=re.S)


# ---------------------------------------------------------------------- GeoPackage
def test_gpkg_layers_crs_and_probability_raster(tmp_path, layers, pmap):
    exe = _ogrinfo()
    gdalinfo = tool("gdalinfo")
    out = write_gpkg(tmp_path / "incident.gpkg", layers, pmap=pmap)
    r = subprocess.run([exe, "-ro", "-so", str(out)], capture_output=True, text=True)
    assert r.returncode == 0 and "Warning" not in r.stderr, r.stderr
    names = _layer_names(r.stdout)
    assert names == ["segments", "assignments", "clues", "ipp", "tracks", "landing_zones", "containment"]
    seg = _run(exe, "-ro", "-so", str(out), "segments")
    assert "Feature Count: 4" in seg and 'ID["EPSG",4326]' in seg and re.search(r"poa: Real", seg)
    lz = _run(exe, "-ro", "-so", str(out), "landing_zones")
    assert re.search(r"area_m2: Integer64", lz) and re.search(r"slope_deg: Real", lz)
    info = _run(gdalinfo, str(out))
    h, w = pmap.shape
    assert f"Size is {w}, {h}" in info and "Type=Float32" in info and "UTM zone 19N" in info
    assert "CARPATHIA_REST_OF_WORLD=0.05" in info
    with rasterio.open(out) as ds:
        cells = ds.read(1)
        assert ds.transform.almost_equals(pmap.transform)
    np.testing.assert_allclose(cells, pmap.cells, rtol=1e-6, atol=1e-12)


def test_gpkg_vectors_in_a_given_crs(tmp_path, layers):
    out = write_gpkg(tmp_path / "utm.gpkg", layers, crs="EPSG:32619")
    info = _run(_ogrinfo(), "-ro", "-so", str(out), "ipp")
    assert 'ID["EPSG",32619]' in info
    x = float(re.search(r"Extent: \(([\d.]+),", info).group(1))
    assert 300_000 < x < 320_000  # Mt Washington's UTM 19N easting, ~316 km
    with pytest.raises(InputError, match="coordinate reference system"):
        write_gpkg(tmp_path / "bad.gpkg", layers, crs="EPSG:999999")
    assert not (tmp_path / "bad.gpkg").exists()


# ---------------------------------------------------------------------- PDF and maps
SHEET = {
    "number": 101,
    "incident": "Pop Ivan",
    "period": "1: 2024-01-05 08:00–20:00",
    "segment": "A1",
    "team": "Salvamont Borșa 1",
    "resource": "ground team (4)",
    "tactics": "Sweep the trail corridor, 20 m spacing",
    "hours": 4,
    "expected_pod": 0.63,
    "radio": "Ch 3 (146.520 MHz)",
    "hazards": "Cornices on the east ridge",
    "callsign": "BORSA-1",
}


def test_assignment_sheet_renders_and_its_text_shows_number_and_team(tmp_path, layers, terrain, pmap):
    need(shutil.which("pdftoppm") is not None, "pdftoppm (Debian poppler-utils) is not installed")
    seg = layers["segments"]["features"][0]["geometry"]
    out = assignment_sheet_pdf(
        tmp_path / "101.pdf",
        SHEET,
        terrain=terrain,
        segment_lonlat=seg,
        pmap=pmap,
        layers={"clues": layers["clues"], "ipp": layers["ipp"]},
    )
    text = _run("pdftotext", str(out), "-")
    assert "Assignment 101" in text and "Salvamont Borșa 1" in text
    for value in ("63%", "4.0 hours", "Ch 3 (146.520 MHz)", "Cornices on the east ridge", "BORSA-1"):
        assert value in text
    _run("pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page"))
    import matplotlib.image

    img = matplotlib.image.imread(tmp_path / "page-1.png")
    assert img.shape[0] > img.shape[1] > 300  # one A4 portrait page
    assert img[..., :3].std() > 0.05  # not blank: text, table and map


def test_assignment_sheet_refusals(tmp_path, terrain):
    seg = square(LON - 0.01, LAT - 0.01)
    cases = [
        ({"team": "x"}, seg, InputError, "number"),
        ({**SHEET, "expected_pod": 1.5}, seg, InputError, "between 0 and 1"),
        (SHEET, {"type": "Point", "coordinates": [LON, LAT]}, InputError, "Polygon"),
        (SHEET, square(24.3, 47.9), OutsideTerrainError, "outside the terrain"),
    ]
    for sheet, geom, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            assignment_sheet_pdf(tmp_path / "x.pdf", sheet, terrain=terrain, segment_lonlat=geom)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_briefing_map_png_and_pdf(tmp_path, layers, terrain, pmap, suffix):
    out = briefing_map(
        tmp_path / f"briefing{suffix}", terrain=terrain, pmap=pmap, layers=layers, title="Pop Ivan", dpi=60
    )
    head = out.read_bytes()[:8]
    assert head.startswith(b"\x89PNG" if suffix == ".png" else b"%PDF")
    if suffix == ".pdf" and maybe_tool("pdftoppm"):
        _run("pdftoppm", "-r", "20", "-png", str(out), str(tmp_path / "b"))


def test_writers_refuse_overwrite_and_bad_layers_and_leave_nothing(tmp_path, layers, terrain, pmap):
    out = write_kml(tmp_path / "a.kml", layers)
    before = out.read_bytes()
    with pytest.raises(OutputExistsError):
        write_kml(out, {"ipp": layers["ipp"]})
    assert out.read_bytes() == before
    write_kml(out, {"ipp": layers["ipp"]}, overwrite=True)
    assert out.read_bytes() != before
    bad = {"ipp": fc(feat(point(LON, 95.0)))}
    for fn, name in ((write_kml, "b.kml"), (write_gpx_layers, "b.gpx"), (write_gpkg, "b.gpkg")):
        with pytest.raises(InputError, match="lon, lat"):
            fn(tmp_path / name, bad)
        with pytest.raises(InputError, match="FeatureCollection"):
            fn(tmp_path / name, {"ipp": [1, 2]})
        with pytest.raises(InputError, match="every layer is empty"):
            fn(tmp_path / name, {"ipp": fc()})
    with pytest.raises(InputError, match=r"\.kml or \.kmz"):
        write_kml(tmp_path / "c.json", layers)
    other = ProbabilityMap.uniform(terrain.crop((LON, LAT), 2000))
    with pytest.raises(OutsideTerrainError):
        briefing_map(tmp_path / "d.png", terrain=terrain, pmap=other)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.kml"]
