"""Pieces that the app and its route modules share, kept below both so that no route module
imports the app that registers it."""

from __future__ import annotations

from typing import Any

from carpathia.errors import InputError

__all__ = ["TooLargeError", "features_geojson"]


class TooLargeError(InputError):
    """An upload or request body over the server's limit (HTTP 413)."""


def features_geojson(terrain) -> dict[str, Any]:
    """The terrain's named features (towns, peaks, rivers, lakes, borders) as a GeoJSON
    FeatureCollection, each feature's kind in ``properties["kind"]``."""
    feats = []
    for kind, items in terrain.features.items():
        for f in items:
            g = f.to_geojson()
            g.setdefault("properties", {})["kind"] = kind
            feats.append(g)
    return {"type": "FeatureCollection", "features": feats}
