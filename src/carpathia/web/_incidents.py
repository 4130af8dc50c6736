"""Incident routes: a thin JSON layer over :class:`carpathia.incident.Workspace`.

Every route opens the workspace of the server (one SQLite connection per worker thread), calls
one workspace method with the user of the request (for the audit log), and publishes an
``incident`` event so every open page reloads what changed. Long runs (models, automatic
segments, planning) are background jobs; uploads are read within the size limit into a
temporary folder, checked by the library's own readers and forgotten.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np
from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from carpathia.errors import CarpathiaError, InputError

from . import _incident_tiles
from ._common import TooLargeError, features_geojson
from ._forms import ClueIn, MapRun, NewIncident, PlanIn, TeamIn, WeatherIn

_TRACK_SUFFIXES = (".gpx", ".kml", ".geojson", ".json")
_SEGMENT_SUFFIXES = (".geojson", ".json", ".kml", ".gpx", ".gpkg")
_TRACK_FILE = File(..., description="GPS track: GPX, KML or GeoJSON.")
_SEGMENT_FILE = File(..., description="Segment polygons: GeoJSON, KML, GPX or GeoPackage.")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class _Workspaces:
    """One open :class:`~carpathia.incident.Workspace` per worker thread (SQLite connections
    belong to the thread that opened them); WAL lets them read while another writes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def get(self, user: str | tuple, session: str | None = None, client: str | None = None):
        """The thread's workspace, its changes recorded as ``user`` from ``session`` at ``client``
        (``user`` may be the whole ``(user, session, client)`` triple of :func:`_who`)."""
        from carpathia.incident.workspace import Workspace

        if isinstance(user, tuple):
            user, session, client = user
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = Workspace(self.path)
            self._local.ws = ws
        ws.user = user
        ws.store.session = f"web {session or '-'}"
        ws.store.client = client or "-"
        return ws


def _who(request: Request) -> tuple[str, str | None, str | None]:
    st = request.state
    return st.user, getattr(st, "session", None), getattr(st, "client", None)


def register(app: FastAPI, state) -> None:
    """Add the incident routes to ``app``."""
    spaces = _Workspaces(state.db)

    def ws_for(request: Request):
        return spaces.get(_who(request))

    def changed(iid: int, what: str, user: str, **extra: Any) -> None:
        state.bus.publish("incident", {"id": iid, "what": what, "user": user, **extra})

    def job(request: Request, iid: int, kind: str, fn) -> dict[str, Any]:
        user = request.state.user
        who = _who(request)

        def run(progress):
            progress(0.0, f"{kind} started")
            out = fn(spaces.get(who), progress)  # the workspace reports its stages through progress
            changed(iid, kind, user)
            return out

        return state.jobs.submit(kind, run, user=user, incident=iid).to_dict()

    # ------------------------------------------------------------------ reference data
    @app.get("/api/schema/incident", tags=["incidents"])
    def incident_schema() -> dict[str, Any]:
        """JSON schema of the new-incident form (the incident model of the library and CLI), with
        the known subject categories and regions as choices."""
        from carpathia.subjects import categories
        from carpathia.terrain import list_regions

        schema = NewIncident.model_json_schema()
        schema["properties"]["category"]["enum"] = categories()
        schema["properties"]["region"]["enum"] = [r.name for r in list_regions()]
        return schema

    @app.get("/api/resources", tags=["incidents"])
    def resources() -> list[dict[str, Any]]:
        """Resource types a team can be (sweep widths, speed, endurance)."""
        from carpathia.search.resources import default_resources

        return [dataclasses.asdict(r) for r in default_resources().values()]

    # ------------------------------------------------------------------ incidents
    @app.get("/api/incidents", tags=["incidents"])
    def incidents(request: Request) -> list[dict[str, Any]]:
        """Every incident of the workspace."""
        return ws_for(request).incidents()

    @app.post("/api/incidents", tags=["incidents"], status_code=201)
    def new_incident(request: Request, body: NewIncident) -> dict[str, Any]:  # type: ignore[valid-type]
        """Open an incident at the IPP (the terrain is cut from the region and stored)."""
        ws = ws_for(request)
        b = body.model_dump()
        iid = ws.new_incident(
            b["name"],
            ipp=(b["ipp_lon"], b["ipp_lat"]),
            last_seen=b["last_seen"],
            category=b["category"],
            region=b["region"],
            radius_m=b["radius_m"],
            subject=b["subject"],
            eco_region=b["eco_region"],
            terrain_class=b["terrain_class"],
            search_for=b["search_for"],
            notes=b["notes"],
        )
        changed(iid, "created", request.state.user)
        return _incident(ws, iid)

    @app.get("/api/incidents/{iid}", tags=["incidents"])
    def incident(request: Request, iid: int) -> Response:
        """One incident: its record, IPP, terrain bounds (and ``terrain_sha``, the checksum that
        the basemap tile URLs carry) and counts."""
        ws = ws_for(request)
        return Response(_cached_json(ws, _id(ws, iid), "incident", _incident), media_type="application/json")

    @app.get("/api/incidents/{iid}/layers", tags=["incidents"])
    def layers(request: Request, iid: int) -> Response:
        """Map layers as GeoJSON (lon/lat): IPP, segments with POA, assignments, tracks, clues,
        landing zones, containment contours of the current map; ``map_version`` and ``map_sha``
        (the checksum that the heat-map tile URLs carry)."""
        ws = ws_for(request)
        return Response(_cached_json(ws, _id(ws, iid), "layers", _build_layers), media_type="application/json")

    @app.get("/api/incidents/{iid}/features", tags=["incidents"])
    def features(request: Request, iid: int) -> dict[str, Any]:
        """Towns, peaks, rivers, lakes and borders on the incident's terrain (GeoJSON)."""
        ws = ws_for(request)
        return features_geojson(ws.terrain(_id(ws, iid)))

    @app.get("/api/incidents/{iid}/grid", tags=["incidents"])
    def grid(request: Request, iid: int, kind: str = "utm") -> dict[str, Any]:
        """The incident's labelled grid (``utm`` with its MGRS squares, or ``stereo70``) as GeoJSON
        lines in lon/lat (:func:`carpathia.io.grid.grid_geojson`)."""
        from carpathia.io.grid import grid_geojson

        ws = ws_for(request)
        return grid_geojson(ws.terrain(_id(ws, iid)), kind)

    _incident_tiles.register(app, state, spaces)

    @app.get("/api/incidents/{iid}/maps", tags=["incidents"])
    def maps(request: Request, iid: int) -> list[dict[str, Any]]:
        """Probability map versions, oldest first."""
        return ws_for(request).map_versions(iid)

    @app.post("/api/incidents/{iid}/map", tags=["jobs"], status_code=202)
    def run_map(request: Request, iid: int, body: MapRun) -> dict[str, Any]:
        """Run a probability model as a background job; its result is a new map version."""
        from carpathia.probability import get_model

        ws = ws_for(request)
        i = _id(ws, iid)
        get_model(body.model)  # unknown model: 404 now, not a failed job later
        return job(request, i, "map", lambda w, p: w.run_map(i, model=body.model, at=body.at, progress=p))

    # ------------------------------------------------------------------ segments, teams, plan
    @app.get("/api/incidents/{iid}/segments", tags=["incidents"])
    def segments(request: Request, iid: int) -> list[dict[str, Any]]:
        """Segments with their area and POA on the current map (null before any map)."""
        ws = ws_for(request)
        return _segments(ws, _id(ws, iid))

    @app.post("/api/incidents/{iid}/segments/auto", tags=["jobs"], status_code=202)
    def auto_segments(request: Request, iid: int) -> dict[str, Any]:
        """Cut segments automatically along natural boundaries (background job)."""
        ws = ws_for(request)
        i = _id(ws, iid)
        ws.current_map(i)  # no map yet: a clear 422 now
        return job(request, i, "segments", lambda w, p: {"segments": w.auto_segments(i, progress=p)})

    @app.post("/api/incidents/{iid}/segments", tags=["incidents"], status_code=201)
    async def import_segments(request: Request, iid: int, file: UploadFile = _SEGMENT_FILE) -> dict[str, Any]:
        """Import segments from an uploaded GeoJSON, KML, GPX or GeoPackage file of polygons."""
        data, name = await _read_upload(file, state.max_upload, _SEGMENT_SUFFIXES)
        return await _in_thread(_import_segments, spaces, _who(request), iid, data, name, changed)

    @app.get("/api/incidents/{iid}/teams", tags=["incidents"])
    def teams(request: Request, iid: int) -> list[dict[str, Any]]:
        """Teams of the incident."""
        return ws_for(request).teams(iid)

    @app.post("/api/incidents/{iid}/teams", tags=["incidents"], status_code=201)
    def add_team(request: Request, iid: int, body: TeamIn) -> dict[str, Any]:
        """Add a team of a resource type."""
        ws = ws_for(request)
        i = _id(ws, iid)
        tid = ws.add_team(body.name, body.resource, i, hours=body.hours, radio=body.radio)
        changed(i, "team", request.state.user)
        return {"team_id": tid}

    @app.post("/api/incidents/{iid}/plan", tags=["jobs"], status_code=202)
    def plan(request: Request, iid: int, body: PlanIn) -> dict[str, Any]:
        """Plan the next operational period (background job): assignments 101, 102 ..."""
        ws = ws_for(request)
        i = _id(ws, iid)
        if not ws.teams(i):
            raise InputError("no teams to plan with; add a team first")
        ws.segment_grid(i)  # no segments: a clear 422 now
        ws.current_map(i)
        return job(
            request,
            i,
            "plan",
            lambda w, p: dataclasses.asdict(
                w.plan(i, hours=body.hours, start=body.start, method=body.method, teams=body.teams, progress=p)
            ),
        )

    @app.get("/api/incidents/{iid}/assignments", tags=["incidents"])
    def assignments(request: Request, iid: int) -> list[dict[str, Any]]:
        """Assignments with period, segment, team and status."""
        return ws_for(request).assignments(iid)

    # ------------------------------------------------------------------ debrief, clues, weather
    @app.post("/api/incidents/{iid}/assignments/{number}/debrief", tags=["incidents"])
    async def debrief(
        request: Request,
        iid: int,
        number: int,
        file: UploadFile = _TRACK_FILE,
        found: Literal["no", "yes"] = Form("no"),
        time: str | None = Form(None),
    ) -> dict[str, Any]:
        """Debrief an assignment with its GPS track: coverage, POD and the Bayes update."""
        data, name = await _read_upload(file, state.max_upload, _TRACK_SUFFIXES)
        return await _in_thread(_debrief, spaces, _who(request), iid, number, data, name, found, time, changed)

    @app.get("/api/incidents/{iid}/clues", tags=["incidents"])
    def clues(request: Request, iid: int) -> list[dict[str, Any]]:
        """Clues, oldest first."""
        ws = ws_for(request)
        return ws.store.all("SELECT * FROM clues WHERE incident_id = ? ORDER BY id", (_id(ws, iid),))

    @app.post("/api/incidents/{iid}/clues", tags=["incidents"], status_code=201)
    def add_clue(request: Request, iid: int, body: ClueIn) -> dict[str, Any]:
        """Record a clue and update the map with it (new map version)."""
        ws = ws_for(request)
        i = _id(ws, iid)
        out = ws.add_clue(
            body.lon,
            body.lat,
            i,
            description=body.description,
            sigma_m=body.sigma_m,
            weight=body.weight,
            time=body.time,
        )
        changed(i, "clue", request.state.user)
        return out

    @app.post("/api/incidents/{iid}/weather", tags=["incidents"], status_code=201)
    def add_weather(request: Request, iid: int, body: WeatherIn) -> dict[str, Any]:
        """Record a weather observation."""
        ws = ws_for(request)
        i = _id(ws, iid)
        wid = ws.add_weather(
            body.air_temp_c,
            body.wind_kmh,
            i,
            time=body.time,
            precip_mm_h=body.precip_mm_h,
            snow_depth_m=body.snow_depth_m,
            source=body.source,
        )
        changed(i, "weather", request.state.user)
        return {"weather_id": wid}

    # ------------------------------------------------------------------ log, undo, status, exports
    @app.get("/api/incidents/{iid}/log", tags=["incidents"])
    def log(request: Request, iid: int, limit: int | None = None) -> list[dict[str, Any]]:
        """The audit log, oldest first (``limit``: the last entries only)."""
        rows = ws_for(request).log(iid, limit=limit)
        return [{k: v for k, v in r.items() if k != "changes"} for r in rows]

    @app.post("/api/incidents/{iid}/undo", tags=["incidents"])
    def undo(request: Request, iid: int) -> dict[str, Any]:
        """Undo the incident's last change (itself logged)."""
        ws = ws_for(request)
        i = _id(ws, iid)
        out = ws.undo(i)
        changed(i, "undo", request.state.user)
        return {k: v for k, v in out.items() if k != "changes"}

    @app.get("/api/incidents/{iid}/status", tags=["incidents"])
    def status(request: Request, iid: int) -> dict[str, Any]:
        """The incident's status report (as ``carpathia incident status``)."""
        st = ws_for(request).status(iid)
        return _jsonable(st.to_dict() if hasattr(st, "to_dict") else st)

    @app.get("/api/exports", tags=["incidents"])
    def export_formats() -> list[str]:
        """Export formats of the workspace (as ``carpathia incident export``)."""
        from carpathia.incident.report import EXPORT_FORMATS

        return list(EXPORT_FORMATS)

    @app.get("/api/incidents/{iid}/export/{fmt}", tags=["incidents"], response_class=FileResponse)
    def export(request: Request, iid: int, fmt: str) -> FileResponse:
        """Download an export: geojson, kml, gpx, gpkg, geotiff, png, or pdf (a zip of the
        assignment sheets of the latest period)."""
        from carpathia.incident.report import EXPORT_FORMATS

        if fmt not in EXPORT_FORMATS:
            raise InputError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
        ws = ws_for(request)
        i = _id(ws, iid)
        tmp = tempfile.TemporaryDirectory(prefix="carpathia-export-")
        try:
            target = Path(tmp.name) / _export_name(ws, i, fmt)
            ws.export(fmt, target, i)
            if target.is_dir():
                target = Path(shutil.make_archive(str(target), "zip", target))
        except BaseException:
            tmp.cleanup()
            raise
        return FileResponse(target, filename=target.name, background=BackgroundTask(tmp.cleanup))


# ---------------------------------------------------------------------- helpers
def _id(ws, iid: int) -> int:
    return ws.incident_id(iid)


def _incident(ws, iid: int) -> dict[str, Any]:
    i = _id(ws, iid)
    row = dict(ws.incident_row(i))
    ipp = ws.store.one("SELECT lat, lon, kind FROM ipps WHERE incident_id = ? ORDER BY id LIMIT 1", (i,))
    t = ws.terrain(i)
    versions = ws.map_versions(i)
    row.update(
        ipp=ipp,
        bounds_lonlat=list(t.lonlat_bounds),
        resolution_m=t.resolution,
        map_version=versions[-1]["version"] if versions else None,
        counts={k: ws.store.count(k, i) for k in ("segments", "teams", "assignments", "debriefs", "tracks", "clues")},
    )
    return row


def _segments(ws, iid: int) -> list[dict[str, Any]]:
    rows = ws.segments(iid)
    if not rows or not ws.map_versions(iid):
        return [{**r, "poa": None} for r in rows]
    table = ws.segment_table(iid)
    poa = dict(zip(table["ids"], np.asarray(table["poa"], float).tolist(), strict=True))
    return [{**r, "poa": poa.get(r["id"])} for r in rows]


_JSON: dict[tuple, bytes] = {}
_JSON_LOCK = threading.Lock()
_JSON_KEEP = 64


def _cached_json(ws, iid: int, what: str, build) -> bytes:
    """``build(ws, iid)`` as JSON bytes, recomputed only when the incident's audit log has grown
    (every change is logged, by this server or any other process on the same workspace)."""
    last = ws.store.one("SELECT max(id) AS m FROM audit WHERE incident_id = ?", (iid,))
    key = (str(ws.store.path), iid, what, last["m"] if last else None)
    with _JSON_LOCK:
        hit = _JSON.get(key)
    if hit is not None:
        return hit
    out = json.dumps(_jsonable(build(ws, iid)), ensure_ascii=False, default=str).encode()
    with _JSON_LOCK:
        while len(_JSON) >= _JSON_KEEP:
            _JSON.pop(next(iter(_JSON)))
        _JSON[key] = out
    return out


def _build_layers(ws, iid: int) -> dict[str, Any]:
    layers = ws.layers(iid)
    versions = ws.map_versions(iid)
    contours = ws.current_map(iid).contours() if versions else []
    layers["contours"] = {"type": "FeatureCollection", "features": contours}
    last = versions[-1] if versions else {}
    return {"map_version": last.get("version"), "map_sha": last.get("raster_sha"), "layers": layers}


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


_SUFFIX = {"geotiff": ".tif", "pdf": "-sheets"}


def _export_name(ws, iid: int, fmt: str) -> str:
    base = _SAFE_NAME.sub("-", ws.incident_row(iid)["name"]).strip("-.") or "incident"
    return base + _SUFFIX.get(fmt, f".{fmt}")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


async def _read_upload(file: UploadFile, limit: int, suffixes: tuple[str, ...]) -> tuple[bytes, str]:
    """The bytes and a safe file name of an upload, refused when too large or of the wrong kind."""
    name = _SAFE_NAME.sub("_", Path(file.filename or "upload").name) or "upload"
    if Path(name).suffix.lower() not in suffixes:
        raise InputError(f"{name}: upload a file ending in {', '.join(suffixes)}")
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise TooLargeError(f"{name} is larger than the server's upload limit of {limit / 2**20:.0f} MiB")
    if not data:
        raise InputError(f"{name} is empty (0 bytes)")
    return data, name


async def _in_thread(fn, *args):

    return await run_in_threadpool(fn, *args)


def _with_file(data: bytes, name: str, fn):
    """Call ``fn(path)`` on the upload written to a temporary folder; errors name the upload, not
    the temporary path."""
    with tempfile.TemporaryDirectory(prefix="carpathia-upload-") as tmp:
        p = Path(tmp) / name
        p.write_bytes(data)
        try:
            return fn(p)
        except CarpathiaError as exc:
            msg = str(exc).replace(str(p), name).replace(f"{tmp}/", "")
            raise type(exc)(msg) from None


def _import_segments(spaces, who, iid, data, name, changed) -> dict[str, Any]:
    ws = spaces.get(who)
    i = _id(ws, iid)
    n = _with_file(data, name, lambda p: ws.import_segments(p, i))
    changed(i, "segments", who[0])
    return {"segments": n}


def _debrief(spaces, who, iid, number, data, name, found, time, changed) -> dict[str, Any]:
    from carpathia.search import read_tracks

    ws = spaces.get(who)
    i = _id(ws, iid)
    ws.assignment(number, i)  # unknown assignment: 404 before the file is read
    tracks = _with_file(data, name, read_tracks)
    tracks = [dataclasses.replace(t, source=name) for t in tracks]
    out = ws.debrief(number, tracks, i, found=found, time=time)
    changed(i, "debrief", who[0], assignment=int(number))
    return out
