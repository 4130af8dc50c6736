"""Maps printed at scale as geospatial PDF (issue 17 item 2).

The scale is measured from the PDF's own geometry: the viewport's rectangle on the page (points,
1/72 inch) against the ground distance between the latitude/longitude its /GPTS gives for the
rectangle's corners (projected by pyproj into the map's UTM zone); and again from GDAL's reading
of the page (pixel size in metres at its rendering DPI).
"""

from __future__ import annotations

import re
import subprocess

import pytest
from pyproj import Transformer

from carpathia.errors import InputError
from carpathia.io.printmap import PAPERS, layout_sheets, print_map

from ..conftest import tool

LON, LAT = -71.3033, 44.2706


def test_layout_puts_the_ground_on_the_page_at_scale():
    lay = layout_sheets((0, 0, 5000, 3000), 25000, "A4")
    _, _, mw, mh = lay.map_mm
    for _, _, (left, bottom, right, top) in lay.sheets:
        assert (right - left) / (mw / 1000) == pytest.approx(25000)
        assert (top - bottom) / (mh / 1000) == pytest.approx(25000)
    # A4 landscape: 297 - 2*10 - 2*6 = 265 mm -> 6.625 km wide, one sheet covers 5 km x 3 km
    assert lay.landscape and len(lay.sheets) == 1 and mw == pytest.approx(265.0)
    big = layout_sheets((0, 0, 20000, 12000), 25000, "A4")
    assert len(big.sheets) > 4
    # neighbours share 10 mm of map (250 m at 1:25 000) and the series covers the area
    (_, _, a), (_, _, b) = big.sheets[0], big.sheets[1]
    assert a[2] - b[0] == pytest.approx(250.0)
    assert min(s[2][0] for s in big.sheets) <= 0 and max(s[2][2] for s in big.sheets) >= 20000
    assert min(s[2][1] for s in big.sheets) <= 0 and max(s[2][3] for s in big.sheets) >= 12000
    a3 = layout_sheets((0, 0, 20000, 12000), 25000, "A3")
    assert len(a3.sheets) < len(big.sheets)
    assert len(layout_sheets((0, 0, 20000, 12000), 50000, "A4").sheets) < len(big.sheets)
    assert PAPERS["A3"] == (297.0, 420.0)


def test_layout_refusals():
    with pytest.raises(InputError, match="paper"):
        layout_sheets((0, 0, 1, 1), 25000, "Letter")
    with pytest.raises(InputError, match="scale"):
        layout_sheets((0, 0, 1, 1), "1:25k", "A4")
    with pytest.raises(InputError, match="empty"):
        layout_sheets((0, 0, 0, 1), 25000, "A4")


@pytest.fixture(scope="module")
def printed(tmp_path_factory, white_mountains):
    layers = {
        "ipp": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "IPP"},
                    "geometry": {"type": "Point", "coordinates": [LON, LAT]},
                }
            ],
        },
    }
    terrain = white_mountains.crop((LON, LAT), 9000)
    x, y = terrain.to_xy(LON, LAT)
    out = tmp_path_factory.mktemp("print") / "ops-25k.pdf"
    print_map(
        out,
        terrain=terrain,
        layers=layers,
        scale=25000,
        paper="A4",
        extent=(x - 4000, y - 2500, x + 4000, y + 2500),
        dpi=60,
        when="2026-12-07",
        title="Lost hiker",
    )
    return out


def _viewports(pdf: bytes):
    out = []
    for m in re.finditer(rb"/BBox \[ ([-\d. ]+) \].*?/GPTS \[ ([-\d.\s]+) \]", pdf, re.S):
        bbox = [float(v) for v in m.group(1).split()]
        gpts = [float(v) for v in m.group(2).split()]
        out.append((bbox, gpts))
    return out


def test_printed_scale_from_the_pdf_geometry_is_1_to_25000(printed):
    """Acceptance (issue 17): 1:25 000 within 0.5 %, measured from the PDF's own geometry."""
    vps = _viewports(printed.read_bytes())
    assert len(vps) == 2  # two A4 sheets for 8 km x 5 km
    utm = Transformer.from_crs(4326, 32619, always_xy=True)
    for bbox, gpts in vps:
        lat, lon = gpts[0::2], gpts[1::2]  # corners (0,0), (0,1), (1,1), (1,0) of the viewport
        xs, ys = utm.transform(lon, lat)
        ground_w, ground_h = xs[3] - xs[0], ys[1] - ys[0]
        paper_w, paper_h = (bbox[2] - bbox[0]) * 0.0254 / 72, (bbox[3] - bbox[1]) * 0.0254 / 72
        assert ground_w / paper_w == pytest.approx(25000, rel=0.005)
        assert ground_h / paper_h == pytest.approx(25000, rel=0.005)


def test_gdal_reads_crs_and_geotransform_of_every_sheet(printed):
    exe = tool("gdalinfo")
    for page in (1, 2):
        info = subprocess.run([exe, f"PDF:{page}:{printed}"], capture_output=True, text=True, check=True).stdout
        assert "UTM zone 19N" in info and "Origin =" in info
        px = float(re.search(r"Pixel Size = \(([\d.]+),", info).group(1))
        dpi = 150  # GDAL's default rendering resolution of a PDF
        assert px / (0.0254 / dpi) == pytest.approx(25000, rel=0.005)


def test_sheet_text_says_scale_ruler_check_and_series(printed):
    text = subprocess.run([tool("pdftotext"), str(printed), "-"], capture_output=True, text=True, check=True).stdout
    assert "1:25 000" in text and "1 km = 40.0 mm on paper" in text
    assert "sheet 1 of 2" in text and "sheet 2 of 2" in text
    assert "Magnetic declination" in text and "UTM zone 19N" in text and "mE" in text


def test_too_many_sheets_is_refused_before_writing(tmp_path, white_mountains):
    with pytest.raises(InputError, match="sheets"):
        print_map(tmp_path / "x.pdf", terrain=white_mountains, scale=10000, paper="A4", max_sheets=3)
    assert not (tmp_path / "x.pdf").exists()
