"""Inputs and outputs: files written atomically, PNG maps (GeoTIFF, GeoJSON, KML, GPX, PDF to come)."""

from .files import atomic_output, check_output
from .maps import render_terrain

__all__ = ["atomic_output", "check_output", "render_terrain"]
