"""The operational cycle of an incident, kept in a :class:`~carpathia.incident.store.Store`.

One loop per operational period::

    from carpathia.incident import Workspace
    ws = Workspace("search.db", user="planning")
    ws.new_incident("Lost hiker", ipp=(-71.30, 44.27), last_seen="2024-01-13T15:30-05:00",
                    category="hiker", region="white-mountains", radius_m=6000)
    ws.run_map()                          # probability map version 1
    ws.import_segments("segments.geojson")
    ws.add_team("Grid 1", "grid-team")
    period = ws.plan(hours=12)            # assignments 101, 102 ...
    ws.debrief(101, "team1.gpx")          # coverage -> POD -> Bayes update -> map version 2
    ws.status().to_text()

Every change is one transaction with its audit row (:meth:`Store.transaction`); everything that
can fail (reading files, checking tracks against the terrain, the Bayes update, encoding the
rasters) is done before the transaction opens, so bad input writes nothing.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from carpathia.errors import InputError, UnknownNameError

from . import _rasters
from .model import Incident
from .store import Store, default_db_path, now_iso

__all__ = ["CLUE_SIGMA_M", "CLUE_WEIGHT", "OperationalPeriod", "Workspace", "parse_time"]

#: Default spread of a clue's likelihood kernel, metres. Not a published figure: carpathia's
#: assumption (a few hundred metres of movement plus the clue's location error); give your own.
CLUE_SIGMA_M = 500.0
#: Default clue weight: the clue's surroundings become 1 + 4 = 5 times likelier than far away.
#: Not a published figure: carpathia's assumption; give your own.
CLUE_WEIGHT = 4.0
#: Fixes closer than this to the last one kept are dropped before coverage (GPS jitter), metres.
#: carpathia's assumption: about a consumer GPS unit's horizontal error.
TRACK_THIN_M = 5.0
#: Assignments per operational period: numbers 100·n + 1 … 100·n + 99.
MAX_ASSIGNMENTS_PER_PERIOD = 99


def parse_time(value: str | _dt.datetime | None, what: str = "time") -> _dt.datetime:
    """An ISO 8601 time with a zone (``2024-01-13T15:30+02:00`` or ``…Z``); None gives now (UTC)."""
    if value is None:
        return _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    if isinstance(value, _dt.datetime):
        t = value
    else:
        try:
            t = _dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(f"{what} {value!r} is not an ISO 8601 time such as 2024-01-13T15:30+02:00") from None
    if t.tzinfo is None:
        raise InputError(f"{what} {value!s} has no time zone; add one, e.g. +02:00 or Z")
    return t


@dataclass(frozen=True)
class OperationalPeriod:
    """One planning cycle: its number, start (ISO with zone), length and assignments (dicts)."""

    number: int
    start: str
    hours: float
    assignments: list[dict[str, Any]] = field(default_factory=list)
    pos: float | None = None
    method: str | None = None

    def to_text(self) -> str:
        lines = [f"operational period {self.number}: from {self.start}, {self.hours:g} h"]
        for a in self.assignments:
            lines.append(
                f"  {a['number']}: segment {a['segment']:<8} {a['team']:<16} {a['search_h']:5.1f} h search, "
                f"expected POD {a['expected_pod']:.2f}, POS {a['expected_pos']:.4f}"
            )
        if self.pos is not None:
            lines.append(f"  planned POS {self.pos:.4f} ({self.method})")
        return "\n".join(lines)


class Workspace:
    """The operational cycle over one store (SQLite file) that may hold several incidents.

    Parameters
    ----------
    path
        The workspace file (default :func:`~carpathia.incident.store.default_db_path`).
    user
        Who makes the changes, for the audit log (default ``$USER``).
    create
        Create the file when missing.

    Notes
    -----
    Methods that act on one incident take ``incident`` (its name or id); None picks the only
    active incident of the workspace. Coordinates are (lon, lat) as in the rest of the API.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, user: str | None = None, create: bool = True):
        self.store = Store(path if path is not None else default_db_path(), create=create)
        self.user = user
        self._terrains: dict[str, Any] = {}

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tx(self, action: str, iid: int | None, summary: str):
        return self.store.transaction(action, who=self.user, incident_id=iid, summary=summary)

    # ------------------------------------------------------------------ incidents
    def new_incident(
        self,
        name: str,
        *,
        ipp: Sequence[float],
        last_seen: str | _dt.datetime,
        category: str = "hiker",
        region: str | None = None,
        dem: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
        terrain=None,
        radius_m: float | None = None,
        resolution: float | None = None,
        crs: str | None = None,
        subject: str | None = None,
        eco_region: str | None = None,
        terrain_class: str | None = None,
        search_for: str = "unresponsive",
        notes: str | None = None,
    ) -> int:
        """Open a new incident; returns its id.

        Give exactly one of ``region`` (a region name, see ``carpathia regions``), ``dem`` (DEM
        file(s), cut to ``radius_m`` around the IPP, default 15 km) or ``terrain`` (a Terrain).
        With a region, ``radius_m`` crops it around the IPP. The terrain is stored in the
        workspace, so the incident does not depend on files that may move.
        """
        name = str(name).strip()
        if not name:
            raise InputError("an incident needs a name")
        if self.store.one("SELECT id FROM incidents WHERE name = ?", (name,)):
            raise InputError(f"incident {name!r} exists in {self.store.path}; choose another name")
        if sum(x is not None for x in (region, dem, terrain)) != 1:
            raise InputError("give one of a region name or a DEM file for the incident's terrain")
        if search_for not in ("responsive", "unresponsive"):
            raise InputError(f"search for a 'responsive' or 'unresponsive' subject, not {search_for!r}")
        lon, lat = (float(v) for v in ipp)
        seen = parse_time(last_seen, "the time last seen")
        inc = Incident.create(
            name=name,
            ipp_lat=lat,
            ipp_lon=lon,
            category=category,
            last_seen=seen,
            eco_region=eco_region,
            terrain_class=terrain_class,
        )
        _check_category(inc)
        t, source, whole = _load_terrain(region, dem, terrain, (lon, lat), radius_m, resolution, crs)
        t.to_pixel(lon, lat)  # OutsideTerrainError names the grid when the IPP is off it
        if whole is not t and not t.meta.get("flat"):
            # a crop may be smaller than the 10 km disc of the ISRID class inference: infer on the whole region
            from carpathia.subjects import infer_eco_region, infer_terrain_class

            terrain_class = terrain_class or infer_terrain_class(whole, lon, lat)
            eco_region = eco_region or infer_eco_region(whole, lon, lat)
        data = _rasters.encode_terrain(t)
        point = json.dumps({"type": "Point", "coordinates": [lon, lat]})
        with self._tx("incident new", None, f"new incident {name!r}") as tx:
            sha = tx.put_blob("terrain", data)
            iid = tx.insert(
                "incidents",
                name=name,
                created=now_iso(),
                category=inc.category,
                last_seen=seen.isoformat(),
                eco_region=eco_region,
                terrain_class=terrain_class,
                region=source,
                terrain_sha=sha,
                search_for=search_for,
                notes=notes,
            )
            tx.incident_id = iid
            tx.insert("subjects", incident_id=iid, name=subject, category=inc.category, description=notes)
            tx.insert("ipps", incident_id=iid, kind="IPP", lat=lat, lon=lon, geometry=point, time=seen.isoformat())
        return iid

    def incident_id(self, incident: str | int | None = None) -> int:
        """The id of an incident given by name or id; None: the only active one (or the only one)."""
        if incident is None:
            rows = self.store.all("SELECT id, name FROM incidents WHERE status = 'active' ORDER BY id")
            if not rows:  # a workspace with one incident, found or suspended, still answers for it
                rows = self.store.all("SELECT id, name FROM incidents ORDER BY id")
                rows = rows if len(rows) == 1 else []
            if len(rows) == 1:
                return int(rows[0]["id"])
            if not rows:
                raise UnknownNameError(
                    f"{self.store.path} holds no active incident; start one with 'carpathia incident new'"
                )
            names = ", ".join(repr(r["name"]) for r in rows)
            raise InputError(f"{self.store.path} holds several active incidents ({names}); name one with --incident")
        row = self.store.one("SELECT id FROM incidents WHERE name = ?", (str(incident),))
        if row is None and str(incident).isdigit():
            row = self.store.one("SELECT id FROM incidents WHERE id = ?", (int(incident),))
        if row is None:
            known = ", ".join(repr(r["name"]) for r in self.store.all("SELECT name FROM incidents ORDER BY id"))
            raise UnknownNameError(f"no incident {incident!r} in {self.store.path}; known: {known or 'none'}")
        return int(row["id"])

    def incident_row(self, incident: str | int | None = None) -> dict[str, Any]:
        iid = self.incident_id(incident)
        row = self.store.one("SELECT * FROM incidents WHERE id = ?", (iid,))
        assert row is not None
        return row

    def incident(self, incident: str | int | None = None) -> Incident:
        """The incident as the models take it (IPP, category, time last seen, region)."""
        r = self.incident_row(incident)
        ipp = self.store.one("SELECT lat, lon FROM ipps WHERE incident_id = ? ORDER BY id LIMIT 1", (r["id"],))
        assert ipp is not None
        return Incident.create(
            name=r["name"],
            ipp_lat=ipp["lat"],
            ipp_lon=ipp["lon"],
            category=r["category"],
            last_seen=_dt.datetime.fromisoformat(r["last_seen"]),
            eco_region=r["eco_region"],
            terrain_class=r["terrain_class"],
            region=r["region"],
        )

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident: id, name, category, status, last seen, region, map versions, debriefs."""
        return self.store.all(
            "SELECT i.id, i.name, i.category, i.status, i.last_seen, i.region, "
            "(SELECT count(*) FROM map_versions m WHERE m.incident_id = i.id) AS map_versions, "
            "(SELECT count(*) FROM debriefs d WHERE d.incident_id = i.id) AS debriefs "
            "FROM incidents i ORDER BY i.id"
        )

    def terrain(self, incident: str | int | None = None):
        """The incident's terrain (read from the workspace once, then cached)."""
        sha = self.incident_row(incident)["terrain_sha"]
        if sha not in self._terrains:
            self._terrains[sha] = _rasters.decode_terrain(self.store.blob(sha))
        return self._terrains[sha]

    # ------------------------------------------------------------------ maps
    def run_map(
        self, incident: str | int | None = None, *, model: str = "travel_time", at=None, **kwargs: Any
    ) -> dict[str, Any]:
        """Run a model (:func:`carpathia.probability.get_model`) and store it as a new map version.

        ``at`` (ISO time with zone, default now) sets the hours missing. Extra keywords go to the
        model and must be JSON values (they are recorded so the map can be rebuilt). Returns the
        map version row.
        """
        from carpathia.probability import get_model

        iid = self.incident_id(incident)
        fn = get_model(model)
        when = parse_time(at, "--at")
        try:
            json.dumps(kwargs)
        except TypeError:
            raise InputError("model options must be plain numbers, text or lists to be recorded") from None
        pmap = fn(self.incident(iid).at(when), self.terrain(iid), **kwargs)
        run = {"model": model, "at": when.isoformat(), "kwargs": kwargs}
        return self._store_map(iid, pmap, "model", f"{model} map at {when.isoformat()}", run=run)

    def _store_map(self, iid: int, pmap, kind: str, summary: str, *, run: dict | None = None) -> dict[str, Any]:
        from carpathia.search import grid_hash

        meta = {**pmap.meta, **({"run": run} if run else {})}
        pmap.meta = meta
        data = _rasters.encode_map(pmap)
        with self._tx(f"map {kind}", iid, summary) as tx:
            version = self._next_version(tx, iid)
            mid = self._insert_map(tx, iid, version, kind, pmap, data, grid_hash(pmap.cells, pmap.rest_of_world))
        row = self.store.one("SELECT * FROM map_versions WHERE id = ?", (mid,))
        assert row is not None
        return row

    @staticmethod
    def _next_version(tx, iid: int) -> int:
        r = tx.execute("SELECT coalesce(max(version), 0) FROM map_versions WHERE incident_id = ?", (iid,)).fetchone()
        return int(r[0]) + 1

    @staticmethod
    def _insert_map(tx, iid, version, kind, pmap, data, ghash) -> int:
        sha = tx.put_blob("map", data)
        return tx.insert(
            "map_versions",
            incident_id=iid,
            version=version,
            created=now_iso(),
            kind=kind,
            raster_sha=sha,
            grid_hash=ghash,
            rest_of_world=float(pmap.rest_of_world),
            meta=json.dumps({k: v for k, v in pmap.meta.items() if k != "updates"}, default=str),
        )

    def map_versions(self, incident: str | int | None = None) -> list[dict[str, Any]]:
        iid = self.incident_id(incident)
        return self.store.all("SELECT * FROM map_versions WHERE incident_id = ? ORDER BY version", (iid,))

    def current_map(self, incident: str | int | None = None, version: int | None = None):
        """The latest probability map (or ``version``), read from the workspace."""
        iid = self.incident_id(incident)
        if version is None:
            row = self.store.one(
                "SELECT raster_sha FROM map_versions WHERE incident_id = ? ORDER BY version DESC LIMIT 1", (iid,)
            )
        else:
            row = self.store.one(
                "SELECT raster_sha FROM map_versions WHERE incident_id = ? AND version = ?", (iid, version)
            )
        if row is None:
            what = f"no map version {version}" if version is not None else "no probability map yet"
            raise InputError(f"incident {self.incident_row(iid)['name']!r} has {what}; run 'carpathia incident map'")
        return _rasters.decode_map(self.store.blob(row["raster_sha"]))

    # ------------------------------------------------------------------ segments
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

    def auto_segments(self, incident: str | int | None = None, **kwargs: Any) -> int:
        """Automatic segments (``carpathia.search.segments.auto_segments``) from the current map."""
        try:
            from carpathia.search.segments import auto_segments
        except ImportError:
            raise InputError(
                "automatic segments need carpathia.search.segments, which this installation lacks; "
                "import segments from a file instead"
            ) from None
        iid = self.incident_id(incident)
        segs = auto_segments(self.terrain(iid), self.current_map(iid), **kwargs)
        fc = segs.to_geojson()
        return self.add_segments(iid, fc["features"], source="auto")

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

    # ------------------------------------------------------------------ teams and weather
    def add_team(
        self,
        name: str,
        resource: str,
        incident: str | int | None = None,
        *,
        hours: float | None = None,
        radio: str | None = None,
        resources_file: str | os.PathLike | None = None,
    ) -> int:
        """Add a team of a resource type (``grid-team``, ``dog-team`` …; see :mod:`carpathia.search`)."""
        import dataclasses

        from carpathia.search import Team, get_resource, load_resources

        iid = self.incident_id(incident)
        table = load_resources(resources_file) if resources_file else None
        res = get_resource(resource, table)
        Team(str(name), res, hours)  # validates name and hours
        if self.store.one("SELECT id FROM teams WHERE incident_id = ? AND name = ?", (iid, str(name))):
            raise InputError(f"team {name!r} exists in this incident; team names are unique")
        with self._tx("team add", iid, f"team {name!r} ({res.key})") as tx:
            return tx.insert(
                "teams",
                incident_id=iid,
                name=str(name),
                resource_key=res.key,
                resource=json.dumps(dataclasses.asdict(res)),
                hours=hours,
                radio=radio,
            )

    def teams(self, incident: str | int | None = None) -> list[dict[str, Any]]:
        iid = self.incident_id(incident)
        return self.store.all("SELECT * FROM teams WHERE incident_id = ? ORDER BY id", (iid,))

    def add_weather(
        self,
        air_temp_c: float,
        wind_kmh: float,
        incident: str | int | None = None,
        *,
        time=None,
        precip_mm_h: float | None = None,
        snow_depth_m: float | None = None,
        source: str | None = None,
    ) -> int:
        """Record an observation of the weather (air temperature °C, wind km/h at 10 m)."""
        from carpathia.survival import wind_chill  # noqa: F401 - the survival clock needs it later

        iid = self.incident_id(incident)
        t = parse_time(time, "--time")
        vals = {"air temperature": air_temp_c, "wind": wind_kmh}
        for what, v in vals.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise InputError(f"{what} must be a number, not {v!r}")
        if not -80 <= air_temp_c <= 60 or not 0 <= wind_kmh <= 400:
            raise InputError("air temperature must be in -80..60 °C and wind in 0..400 km/h")
        with self._tx("weather", iid, f"weather {air_temp_c:g} °C, wind {wind_kmh:g} km/h") as tx:
            return tx.insert(
                "weather",
                incident_id=iid,
                time=t.isoformat(),
                air_temp_c=float(air_temp_c),
                wind_kmh=float(wind_kmh),
                precip_mm_h=precip_mm_h,
                snow_depth_m=snow_depth_m,
                source=source,
            )

    # ------------------------------------------------------------------ planning
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

    def plan(
        self,
        incident: str | int | None = None,
        *,
        hours: float = 12.0,
        start=None,
        method: str = "milp",
        teams: Sequence[str] | None = None,
        base: Sequence[float] | None = None,
    ) -> OperationalPeriod:
        """Plan the next operational period: allocate the teams to segments, number the assignments.

        Uses :func:`carpathia.search.plan_period` on the segments' POA in the current map, their
        areas, land cover and slope, for the incident's subject (responsive or unresponsive);
        with ``base`` (lon, lat of the command post) the teams' walk there and back is taken off
        their hours. The assignments are numbered ``100·period + 1, + 2 …``.
        """
        from carpathia.search import Resource, Team
        from carpathia.search.plan import plan_period

        iid = self.incident_id(incident)
        if not (isinstance(hours, (int, float)) and math.isfinite(hours) and hours > 0):
            raise InputError(f"the period's length must be > 0 hours, not {hours!r}")
        when = parse_time(start, "--start")
        rows = self.teams(iid)
        if teams is not None:
            wanted = set(teams)
            unknown = wanted - {r["name"] for r in rows}
            if unknown:
                raise UnknownNameError(f"unknown team(s) {', '.join(sorted(unknown))}; add them with 'incident team'")
            rows = [r for r in rows if r["name"] in wanted]
        if not rows:
            raise InputError("no teams to plan with; add them with 'carpathia incident team add'")
        team_objs = [Team(r["name"], Resource(**_resource_fields(r["resource"])), r["hours"]) for r in rows]
        pmap = self.current_map(iid)
        segments = self.segments_object(iid, pmap)
        plan = plan_period(
            pmap,
            segments,
            team_objs,
            terrain=self.terrain(iid),
            base=None if base is None else tuple(float(v) for v in base),
            period_h=float(hours),
            subject=self.incident_row(iid)["search_for"],
            method=method,
        )
        seg = {"labels": segments.ids, "ids": [r["id"] for r in self.segments(iid)]}
        if len(plan.assignments) > MAX_ASSIGNMENTS_PER_PERIOD:
            raise InputError(f"a period holds at most {MAX_ASSIGNMENTS_PER_PERIOD} assignments")
        seg_id = dict(zip(seg["labels"], seg["ids"], strict=True))
        team_id = {r["name"]: r["id"] for r in rows}
        number = self._next_period(iid)
        out = []
        with self._tx("plan", iid, f"period {number}: {len(plan.assignments)} assignment(s)") as tx:
            pid = tx.insert(
                "periods", incident_id=iid, number=number, start=when.isoformat(), hours=float(hours), created=now_iso()
            )
            for k, a in enumerate(plan.assignments, start=1):
                num = 100 * number + k
                tactics = f"search segment {a.segment} for {a.search_h:.1f} h ({a.resource})"
                tx.insert(
                    "assignments",
                    incident_id=iid,
                    period_id=pid,
                    number=num,
                    segment_id=seg_id[a.segment],
                    team_id=team_id[a.team],
                    tactics=tactics,
                    transit_h=a.transit_h,
                    search_h=a.search_h,
                    expected_pod=a.pod,
                    expected_pos=a.pos,
                )
                out.append(
                    {
                        "number": num,
                        "segment": a.segment,
                        "team": a.team,
                        "resource": a.resource,
                        "search_h": a.search_h,
                        "expected_pod": a.pod,
                        "expected_pos": a.pos,
                        "tactics": tactics,
                    }
                )
        return OperationalPeriod(number, when.isoformat(), float(hours), out, plan.pos, plan.method)

    def _next_period(self, iid: int) -> int:
        r = self.store.one("SELECT coalesce(max(number), 0) AS n FROM periods WHERE incident_id = ?", (iid,))
        return int(r["n"]) + 1 if r else 1

    def add_assignment(
        self,
        number: int,
        segment: str,
        team: str,
        incident: str | int | None = None,
        *,
        period: int | None = None,
        tactics: str | None = None,
        search_h: float | None = None,
    ) -> int:
        """Add one assignment by hand to period ``period`` (default the latest).

        The number must be ``100·period + k`` with ``k`` in 1..99 and unused in the incident.
        """
        iid = self.incident_id(incident)
        prow = (
            self.store.one("SELECT * FROM periods WHERE incident_id = ? ORDER BY number DESC LIMIT 1", (iid,))
            if period is None
            else self.store.one("SELECT * FROM periods WHERE incident_id = ? AND number = ?", (iid, int(period)))
        )
        if prow is None:
            raise InputError("no such operational period; plan one first ('carpathia incident plan')")
        n = int(number)
        p = int(prow["number"])
        if not 100 * p + 1 <= n <= 100 * p + MAX_ASSIGNMENTS_PER_PERIOD:
            raise InputError(f"assignments of period {p} are numbered {100 * p + 1}..{100 * p + 99}, not {n}")
        if self.store.one("SELECT id FROM assignments WHERE incident_id = ? AND number = ?", (iid, n)):
            raise InputError(f"assignment {n} exists in this incident; assignment numbers are unique")
        s = self.store.one("SELECT id FROM segments WHERE incident_id = ? AND label = ?", (iid, str(segment)))
        if s is None:
            raise UnknownNameError(f"no segment {segment!r} in this incident")
        t = self.store.one("SELECT id FROM teams WHERE incident_id = ? AND name = ?", (iid, str(team)))
        if t is None:
            raise UnknownNameError(f"no team {team!r} in this incident")
        with self._tx("assignment add", iid, f"assignment {n}: {team} to segment {segment}") as tx:
            return tx.insert(
                "assignments",
                incident_id=iid,
                period_id=prow["id"],
                number=n,
                segment_id=s["id"],
                team_id=t["id"],
                tactics=tactics,
                search_h=search_h,
            )

    def assignments(self, incident: str | int | None = None) -> list[dict[str, Any]]:
        """Assignments with their period, segment label and team."""
        iid = self.incident_id(incident)
        return self.store.all(
            "SELECT a.*, p.number AS period, s.label AS segment, t.name AS team, t.resource_key AS resource, "
            "t.radio AS radio FROM assignments a JOIN periods p ON p.id = a.period_id "
            "JOIN segments s ON s.id = a.segment_id JOIN teams t ON t.id = a.team_id "
            "WHERE a.incident_id = ? ORDER BY a.number",
            (iid,),
        )

    def assignment(self, number: int | str, incident: str | int | None = None) -> dict[str, Any]:
        iid = self.incident_id(incident)
        try:
            n = int(number)
        except (TypeError, ValueError):
            raise InputError(f"an assignment is a number such as 101, not {number!r}") from None
        for a in self.assignments(iid):
            if a["number"] == n:
                return a
        known = ", ".join(str(a["number"]) for a in self.assignments(iid))
        raise UnknownNameError(f"no assignment {n} in this incident; assignments: {known or 'none yet'}")

    # ------------------------------------------------------------------ debrief and clues
    def debrief(
        self,
        number: int | str,
        tracks,
        incident: str | int | None = None,
        *,
        found: str = "no",
        clue: Sequence[float] | None = None,
        clue_description: str | None = None,
        sigma_m: float = CLUE_SIGMA_M,
        weight: float = CLUE_WEIGHT,
        time=None,
        thin_m: float = TRACK_THIN_M,
    ) -> dict[str, Any]:
        """Debrief an assignment: its GPS tracks become coverage, POD and a Bayes update, in one transaction.

        Parameters
        ----------
        number
            The assignment (101 …).
        tracks
            A GPX/KML/GeoJSON file, or :class:`~carpathia.search.Track` objects.
        found
            ``"no"`` (the search did not find the subject: unsuccessful-search update) or
            ``"yes"`` (the subject was found: the incident's status becomes ``found``; no update).
        clue, clue_description, sigma_m, weight
            A clue found on the way (lon, lat): applied after the search update
            (:func:`carpathia.search.update_clue`; defaults :data:`CLUE_SIGMA_M`, :data:`CLUE_WEIGHT`).
        time
            When (ISO with zone; default now): recorded in the update.

        Returns
        -------
        dict
            ``debrief_id``, ``map_version``, ``segment_pod`` (POA-weighted POD of the assignment's
            segment), ``mass_searched`` (Σ POA·POD), ``tracks`` and ``length_m``.
        """
        from carpathia.search import Resource, Track, grid_hash, read_tracks, track_coverage, update_clue
        from carpathia.search import update_unsuccessful as unsuccessful

        iid = self.incident_id(incident)
        a = self.assignment(number, iid)
        if found not in ("no", "yes"):
            raise InputError(f"--found is 'no' or 'yes', not {found!r}")
        when = parse_time(time, "--time")
        trks = read_tracks(tracks) if isinstance(tracks, (str, os.PathLike)) else list(tracks)
        if not trks or not all(isinstance(t, Track) for t in trks):
            raise InputError("a debrief needs at least one track")
        trks = [t.thinned(thin_m) for t in trks]
        source = str(tracks) if isinstance(tracks, (str, os.PathLike)) else None
        terrain = self.terrain(iid)
        team = self.store.one("SELECT * FROM teams WHERE id = ?", (a["team_id"],))
        assert team is not None
        resource = Resource(**_resource_fields(team["resource"]))
        label = f"assignment {a['number']}"
        cov = track_coverage(trks, terrain, resource, team=str(a["number"]))  # off the grid: OutsideTerrainError
        subject = self.incident_row(iid)["search_for"]
        before = self.current_map(iid)
        grid, rows = self.segment_grid(iid)
        k = [r["id"] for r in rows].index(a["segment_id"])
        seg_pod = float(cov.segment_pod(grid, subject=subject, weights=before.cells)[k])
        new, mass = None, None
        if found == "no":
            new = unsuccessful(
                before,
                coverage=cov.coverage(subject),
                label=label,
                time=when,
                details={"assignment": int(a["number"]), "subject": subject},
            )
            mass = float(new.meta["updates"][-1]["mass_searched"])
        if clue is not None:
            clon, clat = (float(v) for v in clue)
            new = update_clue(new or before, clon, clat, sigma_m=sigma_m, weight=weight, label=label, time=when)
        map_bytes = None if new is None else _rasters.encode_map(new)
        cov_bytes = _rasters.encode_coverage(cov)
        track_rows = [_track_row(t, source) for t in trks]
        summary = f"debrief {a['number']} ({a['team']}, segment {a['segment']}): {len(trks)} track(s), found {found}"
        with self._tx("debrief", iid, summary) as tx:
            cov_sha = tx.put_blob("coverage", cov_bytes)
            mid, version = None, None
            if new is not None:
                version = self._next_version(tx, iid)
                kind = "debrief" if found == "no" else "clue"
                mid = self._insert_map(tx, iid, version, kind, new, map_bytes, grid_hash(new.cells, new.rest_of_world))
            did = tx.insert(
                "debriefs",
                incident_id=iid,
                assignment_id=a["id"],
                time=when.isoformat(),
                found=found,
                subject=subject,
                coverage_sha=cov_sha,
                segment_pod=seg_pod,
                mass_searched=mass,
                map_version_id=mid,
                details=json.dumps({"tracks": cov.log}, default=str),
            )
            for tr in track_rows:
                tx.insert("tracks", incident_id=iid, debrief_id=did, **tr)
            if clue is not None:
                tx.insert(
                    "clues",
                    incident_id=iid,
                    debrief_id=did,
                    time=when.isoformat(),
                    lat=clat,
                    lon=clon,
                    geometry=json.dumps({"type": "Point", "coordinates": [clon, clat]}),
                    description=clue_description,
                    sigma_m=float(sigma_m),
                    weight=float(weight),
                    map_version_id=mid,
                )
            if a["status"] != "debriefed":
                tx.update("assignments", a["id"], status="debriefed")
            if found == "yes":
                tx.update("incidents", iid, status="found")
        return {
            "debrief_id": did,
            "assignment": int(a["number"]),
            "map_version": version,
            "segment_pod": seg_pod,
            "mass_searched": mass,
            "tracks": len(trks),
            "length_m": float(sum(t.length_m for t in trks)),
            "found": found,
        }

    def add_clue(
        self,
        lon: float,
        lat: float,
        incident: str | int | None = None,
        *,
        description: str | None = None,
        sigma_m: float = CLUE_SIGMA_M,
        weight: float = CLUE_WEIGHT,
        time=None,
    ) -> dict[str, Any]:
        """Record a clue at (lon, lat) and update the map with it (a new map version)."""
        from carpathia.search import grid_hash, update_clue

        iid = self.incident_id(incident)
        when = parse_time(time, "--time")
        new = update_clue(
            self.current_map(iid), float(lon), float(lat), sigma_m=sigma_m, weight=weight, label=description, time=when
        )
        data = _rasters.encode_map(new)
        with self._tx("clue", iid, f"clue at {lat:.5f},{lon:.5f}: {description or ''}".strip()) as tx:
            version = self._next_version(tx, iid)
            mid = self._insert_map(tx, iid, version, "clue", new, data, grid_hash(new.cells, new.rest_of_world))
            cid = tx.insert(
                "clues",
                incident_id=iid,
                time=when.isoformat(),
                lat=float(lat),
                lon=float(lon),
                geometry=json.dumps({"type": "Point", "coordinates": [float(lon), float(lat)]}),
                description=description,
                sigma_m=float(sigma_m),
                weight=float(weight),
                map_version_id=mid,
            )
        return {"clue_id": cid, "map_version": version}

    # ------------------------------------------------------------------ log
    def log(self, incident: str | int | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The incident's audit log, oldest first."""
        return self.store.log(self.incident_id(incident), limit=limit)

    def undo(self, incident: str | int | None = None) -> dict[str, Any]:
        """Undo the incident's last change (itself logged)."""
        return self.store.undo(self.incident_id(incident), who=self.user)

    # reports live in report.py; these delegate
    def status(self, incident: str | int | None = None, *, at=None):
        from .report import incident_status

        return incident_status(self, incident, at=at)

    def replay(self, incident: str | int | None = None):
        from .report import replay_incident

        return replay_incident(self, incident)

    def layers(self, incident: str | int | None = None) -> dict[str, dict]:
        from .report import incident_layers

        return incident_layers(self, incident)

    def export(
        self, fmt: str, path: str | os.PathLike, incident: str | int | None = None, *, overwrite=False, assignment=None
    ):
        """Write the incident as ``fmt`` (see :func:`carpathia.incident.report.export_incident`)."""
        from .report import export_incident

        return export_incident(self, incident, fmt, path, overwrite=overwrite, assignment=assignment)

    def __repr__(self) -> str:
        return f"<Workspace {self.store.path}>"


# ---------------------------------------------------------------------- helpers
def _check_category(inc: Incident) -> None:
    """An unknown category warns (Koester's fallback row is used) when the incident is opened."""
    from carpathia.subjects import profile

    profile(inc.category)


def _load_terrain(region, dem, terrain, ipp, radius_m, resolution, crs):
    from carpathia.terrain import Terrain

    if terrain is not None:
        return terrain, str(terrain.name), terrain
    if region is not None:
        whole = Terrain.from_region(str(region))
        if resolution is not None:
            raise InputError("--resolution applies to DEM files; a region keeps its cells")
        t = whole if radius_m is None else whole.crop(ipp, float(radius_m))
        return t, str(region), whole
    paths = [dem] if isinstance(dem, (str, os.PathLike)) else list(dem)
    r = 15000.0 if radius_m is None else float(radius_m)
    t = Terrain.from_dem(paths, crs=crs, center=ipp, radius_m=r, resolution=resolution)
    return t, ", ".join(Path(p).name for p in paths), t


def _projected(geom, crs):
    from pyproj import CRS as ProjCRS

    from carpathia.terrain.vectors import to_crs

    return to_crs(np.array([geom], dtype=object), ProjCRS.from_epsg(4326), ProjCRS.from_user_input(crs))[0]


def _label_grid(terrain, geoms) -> np.ndarray:
    """Segment index per cell (by cell centre; a later segment wins where two overlap), −1 outside."""
    import rasterio.features

    shapes = [(_projected(g, terrain.crs), k) for k, g in enumerate(geoms)]
    return rasterio.features.rasterize(
        shapes, out_shape=terrain.shape, transform=terrain.transform, fill=-1, dtype="int32"
    )


def _resource_fields(text: str) -> dict[str, Any]:
    d = json.loads(text)
    d["unresponsive_m"] = tuple(d["unresponsive_m"])
    d["responsive_m"] = tuple(d["responsive_m"])
    return d


def _track_row(t, source: str | None) -> dict[str, Any]:
    coords = [[float(x), float(y)] for x, y in zip(t.lon, t.lat, strict=True)]
    times = None
    if t.time is not None:
        times = json.dumps([None if np.isnat(v) else f"{v}Z" for v in t.time])
    return {
        "name": t.name,
        "source": source or t.source or None,
        "geometry": json.dumps({"type": "LineString", "coordinates": coords}),
        "times": times,
        "length_m": float(t.length_m),
        "start": t.start,
        "end": t.end,
    }


def track_from_row(row: Mapping[str, Any]):
    """A stored track back as a :class:`~carpathia.search.Track` (same coordinates and times)."""
    from carpathia.search import Track

    xy = np.asarray(json.loads(row["geometry"])["coordinates"], dtype=float)
    times = None
    if row.get("times"):
        vals = json.loads(row["times"])
        times = np.array([np.datetime64("NaT") if v is None else np.datetime64(v.rstrip("Z")) for v in vals])
    return Track(xy[:, 0], xy[:, 1], times, row.get("name") or "", row.get("source") or "")
