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

The class is assembled from parts, one module each: incidents and maps here, segments in
``_segments``, teams, periods and assignments in ``_periods``, debriefs and clues in
``_debrief``, location reports (phones, relatives, cell sectors) in ``_reports``, status reports
and exports in :mod:`~carpathia.incident.report`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import inspect
import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carpathia.errors import InputError, UnknownNameError

from . import _rasters
from ._common import Progress, parse_time, step
from ._common import _resource_fields as _resource_fields  # re-exported (older imports)
from ._debrief import CLUE_SIGMA_M, CLUE_WEIGHT, DebriefMixin
from ._debrief import TRACK_THIN_M as TRACK_THIN_M
from ._debrief import track_from_row as track_from_row
from ._periods import MAX_ASSIGNMENTS_PER_PERIOD as MAX_ASSIGNMENTS_PER_PERIOD
from ._periods import OperationalPeriod, PeriodsMixin
from ._reports import ReportsMixin
from ._segments import SegmentsMixin
from .model import Incident
from .store import ConflictError, Store, default_db_path, now_iso

#: Largest row id SQLite stores (a bigger number cannot name a row).
_MAX_ID = 2**63 - 1

__all__ = ["CLUE_SIGMA_M", "CLUE_WEIGHT", "OperationalPeriod", "Workspace", "parse_time"]


class Workspace(SegmentsMixin, PeriodsMixin, DebriefMixin, ReportsMixin):
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
        self.store.session = f"pid {os.getpid()}@{socket.gethostname()}"
        self.store.client = "local"
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
        if name.isdigit():
            raise InputError(f"incident name {name!r} is all digits, which would read as an incident id; add a word")
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
        if isinstance(incident, int) and not isinstance(incident, bool):
            # an id (the web's routes, the API): never a name, so an incident named "1" cannot answer for id 1
            row = None
            if 0 < incident <= _MAX_ID:
                row = self.store.one("SELECT id FROM incidents WHERE id = ?", (incident,))
            if row is None:
                raise UnknownNameError(f"no incident with id {incident} in {self.store.path}")
            return int(row["id"])
        row = self.store.one("SELECT id FROM incidents WHERE name = ?", (str(incident),))
        if row is None and str(incident).isdigit() and 0 < int(incident) <= _MAX_ID:
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
        self,
        incident: str | int | None = None,
        *,
        model: str = "travel_time",
        at=None,
        progress: Progress | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Run a model (:func:`carpathia.probability.get_model`) and store it as a new map version.

        ``at`` (ISO time with zone, default now) sets the hours missing. Extra keywords go to the
        model and must be JSON values (they are recorded so the map can be rebuilt). Returns the
        map version row. ``progress(fraction, message)``, when given, hears of each stage (terrain,
        model, storing); a model that takes a ``progress(fraction, message)`` keyword of its own
        reports through it between 0.1 and 0.85.
        """
        from carpathia.probability import get_model

        iid = self.incident_id(incident)
        fn = get_model(model)
        when = parse_time(at, "--at")
        try:
            json.dumps(kwargs)
        except TypeError:
            raise InputError("model options must be plain numbers, text or lists to be recorded") from None
        step(progress, 0.0, "loading the terrain")
        terrain = self.terrain(iid)
        step(progress, 0.1, f"running the {model} model")
        extra = {}
        if progress is not None and "progress" in inspect.signature(fn).parameters:
            extra["progress"] = lambda f, msg="": progress(0.1 + 0.75 * min(max(float(f), 0.0), 1.0), msg)
        pmap = fn(self.incident(iid).at(when), terrain, **kwargs, **extra)
        step(progress, 0.85, "storing the map version")
        run = {"model": model, "at": when.isoformat(), "kwargs": kwargs}
        row = self._store_map(iid, pmap, "model", f"{model} map at {when.isoformat()}", run=run)
        step(progress, 1.0, f"map version {row['version']} stored")
        return row

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

    @contextlib.contextmanager
    def _map_update(self, iid: int, action: str, summary: str, compute):
        """A Bayes update written as a new map version on top of the latest one, never beside it.

        ``compute(before)`` derives the update from a map (it must not write). It runs first on
        the latest version outside the write lock; then, inside ``BEGIN IMMEDIATE``, the base is
        checked again: when another writer (this server, another server, the CLI) stored a
        version meanwhile, ``compute`` runs again on that one while the lock is held, so no
        acknowledged update is ever lost. Yields ``(tx, result, base_row)``.
        """
        base = self._latest_map_row(self.store.conn, iid)
        if base is None:
            name = self.incident_row(iid)["name"]
            raise InputError(f"incident {name!r} has no probability map yet; run 'carpathia incident map'")
        result = compute(_rasters.decode_map(self.store.blob(base["raster_sha"])))
        with self._tx(action, iid, summary) as tx:
            now = self._latest_map_row(tx, iid)
            if now is None:
                raise ConflictError("the incident's map was undone a moment ago; nothing was written, reload and retry")
            if now["id"] != base["id"] or now["raster_sha"] != base["raster_sha"]:
                base = now
                result = compute(_rasters.decode_map(self.store.blob(now["raster_sha"])))
            yield tx, result, base

    @staticmethod
    def _latest_map_row(db, iid: int) -> dict[str, Any] | None:
        r = db.execute(
            "SELECT id, version, raster_sha FROM map_versions WHERE incident_id = ? ORDER BY version DESC LIMIT 1",
            (iid,),
        ).fetchone()
        return None if r is None else dict(r)

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
        from carpathia.terrain.regions import region_by_name

        whole = region_by_name(str(region))  # a name only: a request string never becomes a path
        if resolution is not None:
            raise InputError("--resolution applies to DEM files; a region keeps its cells")
        t = whole if radius_m is None else whole.crop(ipp, float(radius_m))
        return t, str(region), whole
    paths = [dem] if isinstance(dem, (str, os.PathLike)) else list(dem)
    r = 15000.0 if radius_m is None else float(radius_m)
    t = Terrain.from_dem(paths, crs=crs, center=ipp, radius_m=r, resolution=resolution)
    return t, ", ".join(Path(p).name for p in paths), t
