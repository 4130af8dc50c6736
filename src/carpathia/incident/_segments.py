"""Segments of an incident: stored polygons, their label grid, POA table and Segments object.

A mixin of :class:`~carpathia.incident.Workspace` (it uses the workspace's store, terrain and
maps, ``incident_id`` and ``_tx``):
used only through Workspace, whose public methods these are.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from carpathia.errors import InputError

from ._common import Progress, _label_grid, _projected, step


class SegmentsMixin:
    """Segments: add, import, cut automatically, read, label grid, per-segment table."""

    def add_segments(self, incident: str | int | None, features: Sequence[Mapping[str, Any]], *, source: str) -> int:
        """Store segments: GeoJSON-like features (lon/lat polygons) with a ``label`` (or ``id``/``name``).

        Labels must be new to the incident and unique; every polygon must cover cells of the
        terrain. Returns the number stored.
        """
        import shapely

        iid = self.incident_id(incident)
        terrain = self.terrain(iid)
        have = {r["label"] for r in self.store.all("SELECT label FROM segments WHERE incident_id = ?", (iid,))}
        rows = []
        for k, f in enumerate(features):
            props = dict(f.get("properties") or {})
            label = next((props[key] for key in ("label", "id", "name") if props.get(key) not in (None, "")), None)
            label = str(label if label is not None else f"S{k + 1}").strip()
            props = {key: v for key, v in props.items() if key not in ("label", "id", "poa")}
            geom = shapely.geometry.shape(f["geometry"])
            if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
                raise InputError(f"segment {label!r} is a {geom.geom_type}; segments are polygons")
            if label in have:
                raise InputError(f"segment {label!r} exists in this incident; segment labels are unique")
            have.add(label)
            area = _projected(geom, terrain.crs).area
            rows.append((label, geom, area, props))
        if not rows:
            raise InputError("no segments to store")
        labels = _label_grid(terrain, [g for _, g, _, _ in rows])
        counts = np.bincount(labels[labels >= 0].ravel(), minlength=len(rows))
        empty = [rows[k][0] for k in np.flatnonzero(counts == 0)]
        if empty:
            raise InputError(f"segment(s) {', '.join(empty)} cover no cell of the incident's terrain")
        with self._tx("segments", iid, f"{len(rows)} segment(s) from {source}") as tx:
            for label, geom, area, props in rows:
                tx.insert(
                    "segments",
                    incident_id=iid,
                    label=label,
                    geometry=json.dumps(shapely.geometry.mapping(geom)),
                    area_m2=float(area),
                    attributes=json.dumps(props, default=str),
                )
        return len(rows)

    def import_segments(self, path: str | os.PathLike, incident: str | int | None = None) -> int:
        """Segments from a GeoJSON, KML, GPX or GeoPackage file of polygons (:func:`carpathia.search.read_segments`).

        Ids come from the file (``id``, ``segment``, ``name``, ``label`` …), else ``AA``, ``AB`` ….
        """
        from carpathia.search.segments import read_segments

        iid = self.incident_id(incident)
        segs = read_segments(path, self.terrain(iid))
        return self.add_segments(iid, segs.to_geojson()["features"], source=str(path))

    def auto_segments(
        self, incident: str | int | None = None, *, progress: Progress | None = None, **kwargs: Any
    ) -> int:
        """Automatic segments (``carpathia.search.segments.auto_segments``) from the current map.

        ``progress(fraction, message)``, when given, hears of each stage (map, cutting, storing).
        """
        try:
            from carpathia.search.segments import auto_segments
        except ImportError:
            raise InputError(
                "automatic segments need carpathia.search.segments, which this installation lacks; "
                "import segments from a file instead"
            ) from None
        iid = self.incident_id(incident)
        step(progress, 0.0, "reading the current map")
        terrain, pmap = self.terrain(iid), self.current_map(iid)
        step(progress, 0.1, "cutting segments along streams, ridges, trails and roads")
        segs = auto_segments(terrain, pmap, **kwargs)
        fc = segs.to_geojson()
        step(progress, 0.8, f"checking and storing {len(fc['features'])} segments")
        n = self.add_segments(iid, fc["features"], source="auto")
        step(progress, 1.0, f"{n} segments stored")
        return n

    def segments(self, incident: str | int | None = None) -> list[dict[str, Any]]:
        iid = self.incident_id(incident)
        rows = self.store.all("SELECT * FROM segments WHERE incident_id = ? ORDER BY id", (iid,))
        for r in rows:
            r["geometry"] = json.loads(r["geometry"])
            r["attributes"] = json.loads(r["attributes"] or "{}")
        return rows

    def segment_grid(self, incident: str | int | None = None) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """Label grid (segment index per cell, −1 = none; cell centres) and the segment rows."""
        import shapely

        iid = self.incident_id(incident)
        rows = self.segments(iid)
        if not rows:
            raise InputError("the incident has no segments; add them with 'carpathia incident segments'")
        grid = _label_grid(self.terrain(iid), [shapely.geometry.shape(r["geometry"]) for r in rows])
        return grid, rows

    def segments_object(self, incident: str | int | None = None, pmap=None):
        """The stored segments as a :class:`carpathia.search.Segments` on the incident's terrain.

        Geometry in the terrain's CRS, labels by cell centre, POA from ``pmap`` (default the
        current map), mean slope and dominant land cover from the terrain.
        """
        import shapely

        from carpathia.search import LANDCOVER_CLASSES
        from carpathia.search.segments import Segment, Segments

        iid = self.incident_id(incident)
        terrain = self.terrain(iid)
        grid, rows = self.segment_grid(iid)
        table = self.segment_table(iid, pmap, grid=grid)
        keep = grid >= 0
        n = len(rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            cells = np.bincount(grid[keep], minlength=n).astype(float)
            slope = np.bincount(grid[keep], weights=np.nan_to_num(terrain.slope()[keep]), minlength=n) / cells
        segs = []
        for k, r in enumerate(rows):
            lc = int(table["landcover"][k])
            segs.append(
                Segment(
                    id=r["label"],
                    geometry=_projected(shapely.geometry.shape(r["geometry"]), terrain.crs),
                    area_m2=float(r["area_m2"]),
                    poa=float(table["poa"][k]),
                    mean_slope_deg=float(slope[k]) if np.isfinite(slope[k]) else 0.0,
                    landcover=lc,
                    vegetation=LANDCOVER_CLASSES[lc],
                    travel_time_h=None,
                    bounded_by=tuple(r["attributes"].get("bounded_by") or ()),
                )
            )
        return Segments(segs, grid, terrain.transform, terrain.crs, meta={"source": "workspace"})

    def segment_table(self, incident: str | int | None = None, pmap=None, *, grid=None) -> dict[str, np.ndarray | list]:
        """Per segment: labels, ids, POA on ``pmap`` (default the current map), area and land cover."""
        iid = self.incident_id(incident)
        rows = self.segments(iid)
        if grid is None:
            grid, rows = self.segment_grid(iid)
        pmap = self.current_map(iid) if pmap is None else pmap
        n = len(rows)
        keep = grid >= 0
        poa = np.bincount(grid[keep], weights=pmap.cells[keep], minlength=n)
        lc_layer = self.terrain(iid).layers.get("landcover")
        landcover = np.zeros(n, np.int64)
        if lc_layer is not None:
            for k in range(n):
                codes = lc_layer[grid == k].astype(np.int64)
                landcover[k] = int(np.bincount(codes, minlength=5).argmax()) if codes.size else 0
        return {
            "labels": [r["label"] for r in rows],
            "ids": [r["id"] for r in rows],
            "poa": poa,
            "area_m2": np.array([r["area_m2"] for r in rows], float),
            "landcover": landcover,
            "grid": grid,
        }
