"""Incident layers as the exporters see them: checked GeoJSON in lon/lat, with a kind and labels.

Every exporter (KML, GPX, GeoPackage, maps) takes ``layers``: a dict from a layer name to a
GeoJSON FeatureCollection dict in WGS 84 lon/lat. The name tells the kind of layer, and the
kind decides the styling: ``segments`` (polygons coloured by their ``poa`` property),
``assignments``, ``clues``, ``ipp``, ``tracks``, ``landing_zones``, ``containment``; any other
name is drawn plainly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.errors
import shapely.geometry

from carpathia.errors import InputError

__all__ = [
    "KINDS",
    "NO_POA_COLOUR",
    "POA_COLOURS",
    "Layer",
    "check_layers",
    "feature_label",
    "kind_of",
    "poa_class",
    "poa_legend",
    "poa_of",
]

_ALIASES = {
    "segments": ("segments", "segment", "search_segments"),
    "assignments": ("assignments", "assignment"),
    "clues": ("clues", "clue"),
    "ipp": ("ipp", "ipps", "pls", "lkp"),
    "tracks": ("tracks", "track", "gps_tracks"),
    "landing_zones": ("landing_zones", "landing_zone", "lz", "lzs"),
    "containment": ("containment", "contours"),
}
KINDS = (*_ALIASES, "other")

#: Five POA classes, ColorBrewer "YlOrRd" (Brewer, C. A., colorbrewer2.org), light = least likely.
POA_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_POA_COLOUR = "#9e9e9e"


@dataclass
class Layer:
    """A checked layer: its name, its kind and its features as (shapely geometry, properties)."""

    name: str
    kind: str
    features: list[tuple[shapely.Geometry, dict]]

    def poa_max(self) -> float:
        vals = [poa_of(p) for _, p in self.features]
        vals = [v for v in vals if v is not None]
        return max(vals) if vals else 0.0


def kind_of(name: str) -> str:
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    for kind, names in _ALIASES.items():
        if key in names:
            return kind
    return "other"


def poa_of(props: dict) -> float | None:
    v = props.get("poa")
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f >= 0 else None


def poa_class(poa: float | None, poa_max: float) -> int:
    """Class 0–4 of ``poa`` in five equal steps up to ``poa_max``; −1 without a POA."""
    if poa is None or poa_max <= 0:
        return -1
    return min(4, int(5 * poa / poa_max))


def poa_legend(poa_max: float) -> list[tuple[str, str]]:
    """(colour, "POA a–b %") per class, for the legends."""
    step = poa_max / 5
    return [(POA_COLOURS[k], f"POA {100 * k * step:.1f}–{100 * (k + 1) * step:.1f} %") for k in range(5)]


def feature_label(kind: str, props: dict, index: int) -> str:
    """Short display name: segment id, assignment number, clue or LZ name, "IPP" ..."""

    def first(*keys):
        for k in keys:
            v = props.get(k)
            if v is not None and str(v).strip():
                return str(v).strip()
        return None

    if kind == "segments":
        return first("id", "segment", "segment_id", "name") or f"Segment {index + 1}"
    if kind == "assignments":
        num = first("number", "assignment", "id")
        seg = first("segment", "segment_id")
        return " ".join(x for x in (num, seg) if x) or f"Assignment {index + 1}"
    if kind == "clues":
        return first("name", "id") or f"Clue {index + 1}"
    if kind == "ipp":
        return first("name") or ("IPP" if index == 0 else f"IPP {index + 1}")
    if kind == "landing_zones":
        return first("name", "id") or f"LZ {index + 1}"
    if kind == "containment":
        lvl = props.get("level")
        return f"{float(lvl):.0%} containment" if isinstance(lvl, (int, float)) else f"Area {index + 1}"
    return first("name", "id", "number") or f"{kind.replace('_', ' ').title()} {index + 1}"


def _geometry(name: str, k: int, obj) -> shapely.Geometry | None:
    if not isinstance(obj, Mapping):
        raise InputError(f"layer {name!r} feature {k + 1} is not a GeoJSON Feature object")
    g = obj.get("geometry")
    if g is None:
        return None
    try:
        geom = shapely.geometry.shape(g)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as exc:
        raise InputError(f"layer {name!r} feature {k + 1}: not a GeoJSON geometry ({exc})") from exc
    if geom.is_empty:
        return None
    xy = shapely.get_coordinates(geom)
    if not (np.isfinite(xy).all() and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()):
        raise InputError(
            f"layer {name!r} feature {k + 1}: coordinates must be finite lon, lat in degrees (WGS 84), within ±180, ±90"
        )
    return geom


def check_layers(layers: Mapping[str, Mapping]) -> list[Layer]:
    """Check ``layers`` (name → FeatureCollection in lon/lat) and return them as :class:`Layer`.

    Features without geometry are dropped; a layer left empty is kept (with no features).

    Raises
    ------
    InputError
        Not a dict of FeatureCollections; a feature whose geometry is not GeoJSON or whose
        coordinates are not lon/lat; two names that differ only in case.
    """
    if not isinstance(layers, Mapping):
        raise InputError("layers must be a dict of layer name → GeoJSON FeatureCollection")
    out, seen = [], set()
    for name, fc in layers.items():
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"layer name {name!r} must be a non-empty string")
        if name.lower() in seen:
            raise InputError(f"two layers are named {name!r} (names are compared without case); rename one")
        seen.add(name.lower())
        if (
            not isinstance(fc, Mapping)
            or fc.get("type") != "FeatureCollection"
            or not isinstance(fc.get("features"), list)
        ):
            raise InputError(f"layer {name!r} must be a GeoJSON FeatureCollection with a 'features' list")
        feats = []
        for k, f in enumerate(fc["features"]):
            geom = _geometry(name, k, f)
            if geom is not None:
                props = f.get("properties") or {}
                if not isinstance(props, Mapping):
                    raise InputError(f"layer {name!r} feature {k + 1}: properties must be an object")
                feats.append((geom, dict(props)))
        out.append(Layer(name, kind_of(name), feats))
    if not any(layer.features for layer in out):
        raise InputError("nothing to export: every layer is empty")
    return out
