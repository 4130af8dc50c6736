"""Incident routes: a thin JSON layer over :class:`carpathia.incident.Workspace`.

Every route opens the workspace of the server (one SQLite connection per worker thread), calls
one workspace method with the user of the request (for the audit log), and publishes an
``incident`` event so every open page reloads what changed. Long runs (models, automatic
segments, planning) are background jobs; uploads are read within the size limit into a
temporary folder, checked by the library's own readers and forgotten.
"""

from __future__ import annotations

import copy
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
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from carpathia.errors import CarpathiaError, InputError
from carpathia.incident.model import Incident

from .tiles import ProbabilityTiles

# The subject form is the incident schema the library and the CLI use, plus how to open it.
_SHARED = ("ipp_lat", "ipp_lon", "category", "eco_region", "terrain_class")


def _shared(name: str):
    field = copy.deepcopy(Incident.model_fields[name])  # a copy: the library's schema stays as it is
    return (field.annotation, field)


NewIncident = create_model(
    "NewIncident",
    __config__=ConfigDict(extra="forbid"),
    name=(str, Field(min_length=1, max_length=120, description="Incident name, unique in the workspace.")),
    **{k: _shared(k) for k in _SHARED},
    last_seen=(str, Field(description="When last seen, ISO 8601 with zone (2024-01-13T15:30+02:00).")),
    region=(str, Field(description="Terrain region name (see /api/regions).")),
    radius_m=(float | None, Field(None, gt=0, le=100_000, description="Crop the region to this radius, m.")),
    subject=(str | None, Field(None, max_length=200, description="The missing person's name.")),
    search_for=(Literal["responsive", "unresponsive"], "unresponsive"),
    notes=(str | None, Field(None, max_length=4000)),
)


class MapRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field("travel_time", description="Probability model (see carpathia map --help).")
    at: str | None = Field(None, description="Planning time, ISO 8601 with zone; default now.")


class AutoSegments(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    resource: str = Field(description="Resource type key (see /api/resources).")
    hours: float | None = Field(None, gt=0, le=48)
    radio: str | None = Field(None, max_length=40)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hours: float = Field(12.0, gt=0, le=48, description="Length of the operational period, h.")
    start: str | None = Field(None, description="Start, ISO 8601 with zone; default now.")
    method: Literal["milp", "greedy"] = "milp"
    teams: list[str] | None = None


class ClueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    description: str | None = Field(None, max_length=1000)
    sigma_m: float = Field(500.0, gt=0, le=50_000)
    weight: float = Field(4.0, gt=0, le=1000)
    time: str | None = None


class WeatherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    air_temp_c: float
    wind_kmh: float
    time: str | None = None
    precip_mm_h: float | None = None
    snow_depth_m: float | None = None
    source: str | None = Field(None, max_length=200)


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

    def get(self, user: str):
        from carpathia.incident.workspace import Workspace

        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = Workspace(self.path)
            self._local.ws = ws
        ws.user = user
        return ws


def register(app: FastAPI, state) -> None:
    """Add the incident routes to ``app``."""
    spaces = _Workspaces(state.db)
    heat: dict[tuple[int, int], ProbabilityTiles] = {}
    terrain_of: dict[int, str] = {}  # incident id -> its terrain blob, once looked up
    heat_lock = threading.Lock()

    def ws_for(request: Request):
        return spaces.get(request.state.user)

    def changed(iid: int, what: str, user: str, **extra: Any) -> None:
        state.bus.publish("incident", {"id": iid, "what": what, "user": user, **extra})

    def job(request: Request, iid: int, kind: str, fn) -> dict[str, Any]:
        user = request.state.user

        def run(progress):
            progress(0.05, f"{kind} started")
            out = fn(spaces.get(user))
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
    def incident(request: Request, iid: int) -> dict[str, Any]:
        """One incident: its record, IPP, terrain bounds and counts."""
        return _incident(ws_for(request), iid)

    @app.get("/api/incidents/{iid}/layers", tags=["incidents"])
    def layers(request: Request, iid: int) -> Response:
        """Map layers as GeoJSON (lon/lat): IPP, segments with POA, assignments, tracks, clues,
        landing zones, containment contours of the current map; ``map_version``."""
        ws = ws_for(request)
        return Response(_layers(ws, _id(ws, iid)), media_type="application/json")

    @app.get("/api/incidents/{iid}/features", tags=["incidents"])
    def features(request: Request, iid: int) -> dict[str, Any]:
        """Towns, peaks, rivers, lakes and borders on the incident's terrain (GeoJSON)."""
        from .app import _features_geojson

        ws = ws_for(request)
        return _features_geojson(ws.terrain(_id(ws, iid)))

    @app.get(
        "/tiles/incident/{iid}/{z}/{x}/{y}.png",
        tags=["incidents"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    async def incident_tile(request: Request, iid: int, z: int, x: int, y: int) -> Response:
        """Basemap tile drawn from the incident's stored terrain."""
        sha = terrain_of.get(iid)
        hit = state.cached_tile(f"terrain:{sha}", z, x, y) if sha else None
        if hit is None:
            hit = await run_in_threadpool(_incident_tile, request.state.user, iid, z, x, y)
        return Response(hit, media_type="image/png", headers={"cache-control": "public, max-age=3600"})

    def _incident_tile(user: str, iid: int, z: int, x: int, y: int) -> bytes:
        ws = spaces.get(user)
        i = _id(ws, iid)
        sha = ws.incident_row(i)["terrain_sha"]
        terrain_of[iid] = sha
        return state.renderer(f"terrain:{sha}", lambda: ws.terrain(i)).tile(z, x, y)

    @app.get(
        "/tiles/incident/{iid}/poa/{version}/{z}/{x}/{y}.png",
        tags=["incidents"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    async def poa_tile(request: Request, iid: int, version: int, z: int, x: int, y: int) -> Response:
        """Probability heat-map tile of one map version (log colour scale, three decades)."""
        with heat_lock:
            r = heat.get((iid, version))
        hit = r.cached(z, x, y) if r is not None else None
        if hit is None:
            hit = await run_in_threadpool(_poa_tile, request.state.user, iid, version, z, x, y)
        return Response(hit, media_type="image/png", headers={"cache-control": "public, max-age=86400"})

    def _poa_tile(user: str, iid: int, version: int, z: int, x: int, y: int) -> bytes:
        ws = spaces.get(user)
        i = _id(ws, iid)
        with heat_lock:
            r = heat.get((iid, version))
        if r is None:
            r = ProbabilityTiles(ws.current_map(i, version))
            with heat_lock:
                if len(heat) >= 16:
                    heat.pop(next(iter(heat)))
                r = heat.setdefault((iid, version), r)
        return r.tile(z, x, y)

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
        return job(request, i, "map", lambda w: w.run_map(i, model=body.model, at=body.at))

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
        return job(request, i, "segments", lambda w: {"segments": w.auto_segments(i)})

    @app.post("/api/incidents/{iid}/segments", tags=["incidents"], status_code=201)
    async def import_segments(request: Request, iid: int, file: UploadFile = _SEGMENT_FILE) -> dict[str, Any]:
        """Import segments from an uploaded GeoJSON, KML, GPX or GeoPackage file of polygons."""
        data, name = await _read_upload(file, state.max_upload, _SEGMENT_SUFFIXES)
        return await _in_thread(_import_segments, spaces, request.state.user, iid, data, name, changed)

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
            lambda w: dataclasses.asdict(
                w.plan(i, hours=body.hours, start=body.start, method=body.method, teams=body.teams)
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
        return await _in_thread(_debrief, spaces, request.state.user, iid, number, data, name, found, time, changed)

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


_LAYERS: dict[tuple, bytes] = {}
_LAYERS_LOCK = threading.Lock()


def _layers(ws, iid: int) -> bytes:
    """The incident's layers as JSON bytes, recomputed only when the audit log has grown (every
    change is logged)."""
    last = ws.store.one("SELECT max(id) AS m FROM audit WHERE incident_id = ?", (iid,))
    key = (str(ws.store.path), iid, last["m"] if last else None)
    with _LAYERS_LOCK:
        hit = _LAYERS.get(key)
    if hit is not None:
        return hit
    out = json.dumps(_jsonable(_build_layers(ws, iid)), ensure_ascii=False, default=str).encode()
    with _LAYERS_LOCK:
        if len(_LAYERS) >= 32:
            _LAYERS.pop(next(iter(_LAYERS)))
        _LAYERS[key] = out
    return out


def _build_layers(ws, iid: int) -> dict[str, Any]:
    layers = ws.layers(iid)
    versions = ws.map_versions(iid)
    contours = ws.current_map(iid).contours() if versions else []
    layers["contours"] = {"type": "FeatureCollection", "features": contours}
    return {"map_version": versions[-1]["version"] if versions else None, "layers": layers}


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


_SUFFIX = {"geotiff": ".tif", "pdf": "-sheets"}


def _export_name(ws, iid: int, fmt: str) -> str:
    base = _SAFE_NAME.sub("-", ws.incident_row(iid)["name"]).strip("-") or "incident"
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
    from .app import TooLargeError

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
    from starlette.concurrency import run_in_threadpool

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


def _import_segments(spaces, user, iid, data, name, changed) -> dict[str, Any]:
    ws = spaces.get(user)
    i = _id(ws, iid)
    n = _with_file(data, name, lambda p: ws.import_segments(p, i))
    changed(i, "segments", user)
    return {"segments": n}


def _debrief(spaces, user, iid, number, data, name, found, time, changed) -> dict[str, Any]:
    from carpathia.search import read_tracks

    ws = spaces.get(user)
    i = _id(ws, iid)
    ws.assignment(number, i)  # unknown assignment: 404 before the file is read
    tracks = _with_file(data, name, read_tracks)
    tracks = [dataclasses.replace(t, source=name) for t in tracks]
    out = ws.debrief(number, tracks, i, found=found, time=time)
    changed(i, "debrief", user, assignment=int(number))
    return out
