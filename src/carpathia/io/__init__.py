"""Inputs and outputs: files written atomically, maps, field products (KML, GPX, GeoPackage, PDF) and imports."""

from .export import assignment_sheet_pdf, briefing_map, write_gpkg, write_gpx_layers, write_kml
from .files import atomic_output, check_output
from .geodata import GeoData, GeoLine, GeoPoint, GeoPolygon, read_geodata
from .maps import render_terrain

__all__ = [
    "GeoData",
    "GeoLine",
    "GeoPoint",
    "GeoPolygon",
    "assignment_sheet_pdf",
    "atomic_output",
    "briefing_map",
    "check_output",
    "read_geodata",
    "render_terrain",
    "write_gpkg",
    "write_gpx_layers",
    "write_kml",
]
