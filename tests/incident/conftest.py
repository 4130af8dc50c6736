"""Helpers for the incident tests: a small real-terrain incident, segments, teams and GPS tracks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely.geometry as sg

IPP = (-71.30, 44.27)  # (lon, lat): the slopes west of Mt Washington, in the bundled white-mountains region
LAST_SEEN = "2024-01-13T15:30-05:00"
MAP_AT = "2024-01-13T21:30-05:00"
TABLES = (
    "incidents",
    "subjects",
    "ipps",
    "weather",
    "periods",
    "segments",
    "teams",
    "map_versions",
    "assignments",
    "debriefs",
    "tracks",
    "clues",
    "audit",
    "blobs",
)


def counts(ws) -> dict[str, int]:
    """Row count of every table: what 'nothing written' is checked against."""
    return {t: ws.store.count(t) for t in TABLES}


def segment_features(n: int = 3, d: float = 0.015) -> list[dict]:
    """An n × n block of square segments (d degrees) centred on the IPP, labelled S1 …"""
    feats = []
    k = 0
    half = (n - 1) / 2
    for i in range(n):
        for j in range(n):
            k += 1
            lon = IPP[0] + (i - half) * d
            lat = IPP[1] + (j - half) * d
            box = sg.box(lon - d / 2, lat - d / 2, lon + d / 2, lat + d / 2)
            feats.append({"type": "Feature", "geometry": sg.mapping(box), "properties": {"label": f"S{k}"}})
    return feats


def write_segments(path: Path, n: int = 3) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": segment_features(n)}))
    return path


def sweep_lonlat(polygon_geojson: dict, lanes: int = 8, inset: float = 0.001) -> tuple[np.ndarray, np.ndarray]:
    """A back-and-forth sweep (lon, lat) inside a lon/lat rectangle."""
    x0, y0, x1, y1 = sg.shape(polygon_geojson).bounds
    xs = np.linspace(x0 + inset, x1 - inset, lanes)
    lon = np.repeat(xs, 2)
    ends = np.array([y0 + inset, y1 - inset])
    lat = np.concatenate([ends if k % 2 == 0 else ends[::-1] for k in range(lanes)])
    return lon, lat


def write_track_gpx(path: Path, lon, lat, *, start="2024-01-14T08:00:00Z", name="team track") -> Path:
    """A timed GPX 1.1 track (one fix a minute)."""
    from carpathia.io.gpx import GpxLine, write_gpx

    t0 = np.datetime64(start.rstrip("Z"))
    times = [f"{t0 + np.timedelta64(60 * k, 's')}Z" for k in range(len(lon))]
    return write_gpx(path, tracks=[GpxLine(name, list(zip(lon, lat, strict=True)), times=times)], overwrite=True)


@pytest.fixture(scope="session")
def small_terrain():
    """A 4 km crop of the bundled white-mountains region around the IPP (91 × 91 cells of 90 m)."""
    from carpathia.terrain import Terrain

    return Terrain.from_region("white-mountains").crop(IPP, 4000)


def open_incident(path: Path, terrain, *, segments: bool = True, teams: bool = True, user: str = "planner"):
    """A workspace with one incident, its first map, 3 × 3 segments and three teams."""
    from carpathia.incident import Workspace

    ws = Workspace(path, user=user)
    ws.new_incident(
        "Lost hiker",
        ipp=IPP,
        last_seen=LAST_SEEN,
        category="hiker",
        terrain=terrain,
        terrain_class="Mountainous",
        eco_region="Temperate",
    )
    ws.run_map(at=MAP_AT)
    if segments:
        ws.add_segments(None, segment_features(), source="test")
    if teams:
        ws.add_team("Grid 1", "grid-team", radio="ch 3")
        ws.add_team("Hasty 1", "hasty-team")
        ws.add_team("K9 A", "dog-team")
    return ws


@pytest.fixture
def workspace(tmp_path, small_terrain):
    ws = open_incident(tmp_path / "ws.db", small_terrain)
    yield ws
    ws.close()
