"""The FastAPI application of the command post: a JSON layer over the library, nothing more.

``create_app(db=...)`` builds the app; ``carpathia serve`` runs it with uvicorn. Every error
the library raises on purpose becomes a 4xx JSON answer ``{"error": "..."}`` whose message says
what to fix; anything else is a bug and answers 500 with the exception's name (and the
traceback in the server log). The interactive API docs need assets from a CDN, so they are off;
the OpenAPI schema is at ``/openapi.json``.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from carpathia import __version__
from carpathia.errors import (
    CarpathiaError,
    DataFileError,
    FileNotFound,
    InputError,
    OutputExistsError,
    UnknownNameError,
)

from ._common import TooLargeError, features_geojson
from ._fastpath import REGION, FastTiles, TileIndex, TileSource, tile_response
from .auth import COOKIE, Auth, AuthMiddleware, Throttled, client_address, login_error_page, parse_login
from .events import EventBus
from .jobs import JobManager
from .tiles import ProbabilityTiles, TileRenderer

__all__ = ["DEFAULT_MAX_UPLOAD", "TooLargeError", "create_app"]

STATIC = Path(__file__).parent / "static"
#: Largest upload accepted (GPX tracks, segment files), bytes. A day's GPX track at one point a
#: second is about 5 MB; carpathia's choice.
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
#: Probability maps whose heat-map tiles are kept in memory (a map version is a few MB of cells).
_HEAT_MAPS = 16
_log = logging.getLogger("carpathia.web")


def _status(exc: CarpathiaError) -> int:
    from carpathia.incident.store import ConflictError

    for cls, code in (
        (TooLargeError, 413),
        (ConflictError, 409),
        (UnknownNameError, 404),
        (FileNotFound, 404),
        (OutputExistsError, 409),
        (InputError, 422),
        (DataFileError, 422),
    ):
        if isinstance(exc, cls):
            return code
    return 400


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class _State:
    """What the routes share: auth, events, jobs, tile renderers, the workspace path."""

    def __init__(self, db: Path | None, auth: Auth, tile_cache_dir: Path | None, max_upload: int) -> None:
        self.db = db
        self.auth = auth
        self.bus = EventBus()
        self.jobs = JobManager(self.bus)
        self.tile_cache_dir = tile_cache_dir
        self.max_upload = max_upload
        self.tiles = TileIndex()
        self._renderers: dict[str, TileRenderer] = {}
        self._heat: OrderedDict[str, ProbabilityTiles] = OrderedDict()
        self._lock = threading.Lock()

    def renderer(self, key: str, load_terrain) -> TileRenderer:
        """The tile renderer for a terrain (made once, by ``load_terrain()``)."""
        with self._lock:
            r = self._renderers.get(key)
        if r is None:
            r = TileRenderer(load_terrain(), cache_dir=self.tile_cache_dir)
            with self._lock:
                r = self._renderers.setdefault(key, r)
        return r

    def heat(self, sha: str, load_map) -> ProbabilityTiles:
        """The heat-map tiles of the map stored under checksum ``sha`` (the last 16 are kept)."""
        with self._lock:
            r = self._heat.get(sha)
            if r is not None:
                self._heat.move_to_end(sha)
                return r
        r = ProbabilityTiles(load_map())
        with self._lock:
            r = self._heat.setdefault(sha, r)
            while len(self._heat) > _HEAT_MAPS:
                self._heat.popitem(last=False)
        return r


class _BodyLimit:
    """Refuse request bodies over the limit (HTTP 413): at once when the length is declared, and
    when a chunked body without a length grows past it (whatever the route then made of the cut)."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mib = self.limit / 2**20
        too_large = JSONResponse({"error": f"the upload is larger than the server's limit of {mib:.0f} MiB"}, 413)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            if length.isdigit():
                await too_large(scope, receive, send)
            else:
                await JSONResponse({"error": "the Content-Length header is not a number"}, 400)(scope, receive, send)
            return
        seen = 0
        over = False
        started = False
        inner = receive

        async def receive():  # a body without content-length is cut off at the limit
            nonlocal seen, over
            message = await inner()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                over = True
                raise TooLargeError(f"the upload is larger than the server's limit of {mib:.0f} MiB")
            return message

        async def guarded_send(message) -> None:
            nonlocal started
            if over and not started:
                return  # the route's answer to a cut body is replaced by the 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except TooLargeError:
            if not over:
                raise
        if over and not started:
            await too_large(scope, receive, send)


#: Content-Security-Policy of every answer: scripts and everything else from this server only, no
#: inline script, never framed. Inline styles stay allowed (Leaflet positions its panes with them).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class _SecurityHeaders:
    """The outermost layer: every answer (fast tiles, refusals and errors included) carries the CSP,
    ``nosniff`` and the no-framing headers."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


#: Host names a loopback server answers to (and the ``--host`` it was started with).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _host_name(value: str) -> str:
    v = value.strip().lower()
    if v.startswith("["):
        return v[1 : v.find("]")] if "]" in v else v
    return v.rsplit(":", 1)[0] if v.count(":") == 1 else v


class _HostGuard:
    """Refuse requests whose ``Host`` header is not one of this server's names (HTTP 421): a page
    on another site that rebinds its DNS name to 127.0.0.1 sends its own name and is refused."""

    def __init__(self, app, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
            if _host_name(host) not in self.allowed:
                _log.warning("refused Host %r from %s", host[:100], client_address(scope))
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                resp = JSONResponse({"error": "this server answers only to its own address (Host header refused)"}, 421)
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    db: str | Path | None = None,
    token: str | None = None,
    *,
    user: str | None = None,
    tile_cache_dir: str | Path | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
    host: str | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """The command-post web application.

    Parameters
    ----------
    db
        Incident workspace (SQLite file); created on first write. None: the library's default
        (``$CARPATHIA_DB`` or ``./carpathia.db``).
    token
        Shared secret required from every client (``Authorization: Bearer``, or the login form
        that sets a session cookie); None lets every request through (loopback only: the CLI
        refuses to bind elsewhere without one).
    user
        Name written in the log for changes from clients that gave none (default: the
        operating-system user running the server).
    tile_cache_dir
        Folder for rendered basemap tiles; None keeps them in memory only.
    max_upload_bytes
        Largest request body accepted (uploads), bytes.
    host
        The address the server listens on. Without a token (loopback mode) only requests whose
        ``Host`` is ``localhost``, ``127.0.0.1``, ``[::1]`` or this address are answered (DNS
        rebinding); with a token the token guards every request and any ``Host`` is accepted.
    secure_cookies
        Mark the session cookie ``Secure`` (the server runs behind TLS).
    """
    from carpathia.incident.store import default_db_path, whoami

    if max_upload_bytes <= 0:
        raise InputError("max_upload_bytes must be positive")
    state = _State(
        Path(db) if db is not None else default_db_path(),
        Auth(token, whoami(user)),
        Path(tile_cache_dir) if tile_cache_dir is not None else None,
        int(max_upload_bytes),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        state.bus.close()
        state.jobs.shutdown()

    app = FastAPI(
        title="carpathia command post",
        version=__version__,
        description="Offline search-and-rescue planning: the incident workspace over HTTP.",
        docs_url=None,  # Swagger UI and ReDoc load their assets from a CDN: off, the post is offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.carpathia = state
    state.secure_cookies = bool(secure_cookies)
    _errors(app)
    _routes(app, state)
    from . import _incidents

    _incidents.register(app, state)
    from . import _locate

    _locate.register(app, state)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # the last added runs first: authentication, then tiles from memory, then the body limit
    app.add_middleware(_BodyLimit, limit=state.max_upload + 1024 * 1024)
    app.add_middleware(FastTiles, index=state.tiles)
    app.add_middleware(AuthMiddleware, auth=state.auth)
    if token is None:
        allowed = {*LOOPBACK_HOSTS, *([_host_name(host)] if host else [])}
        app.add_middleware(_HostGuard, allowed=frozenset(allowed))
    app.add_middleware(_SecurityHeaders)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(CarpathiaError)
    async def _carpathia(request: Request, exc: CarpathiaError) -> JSONResponse:
        return JSONResponse({"error": _one_line(exc), "type": type(exc).__name__}, status_code=_status(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        msg = _text(f"{where}: {first.get('msg', 'invalid')}")
        return JSONResponse({"error": msg, "detail": _plain(errs)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        text = exc.detail
        if exc.status_code == 404 and text == "Not Found":
            text = f"no such page: {request.url.path}"
        return JSONResponse({"error": _one_line(text)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Throttled)
    async def _throttled(request: Request, exc: Throttled) -> JSONResponse:
        wait = str(int(exc.retry_after) + 1)
        return JSONResponse({"error": str(exc)}, status_code=429, headers={"retry-after": wait})

    @app.exception_handler(UnicodeEncodeError)
    async def _surrogate(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        # an unpaired surrogate (\ud800 in JSON) cannot be stored as UTF-8; nothing was written
        return JSONResponse({"error": "the request holds text that is not valid Unicode (an unpaired surrogate)"}, 422)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return JSONResponse({"error": "a number in the request is out of range"}, status_code=422)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the server log"}, status_code=500)


def _text(v: str) -> str:
    """Text that can go into a JSON answer: an unpaired surrogate from the request becomes U+FFFD."""
    return v.encode("utf-8", "replace").decode("utf-8")


def _plain(errs: list[dict]) -> list[dict]:
    def plain(v):
        if isinstance(v, tuple | list):
            return [plain(x) for x in v]
        if (isinstance(v, float) and v != v) or v in (float("inf"), float("-inf")):
            return str(v)
        if isinstance(v, str):
            return _text(v)
        return v if isinstance(v, int | float | type(None)) else _text(str(v))

    return [{k: plain(v) for k, v in e.items() if k != "ctx"} for e in errs]


def _routes(app: FastAPI, state: _State) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    @app.get("/api/info", tags=["server"])
    def info(request: Request) -> dict[str, Any]:
        """Server version, the user this client is logged in as, LAN mode, workspace path."""
        return {
            "version": __version__,
            "user": request.state.user,
            "lan_mode": state.auth.required,
            "db": str(state.db),
            "max_upload_bytes": state.max_upload,
        }

    @app.post("/api/login", tags=["server"], response_model=None)
    async def login(request: Request) -> Response:
        """Log in with the server's token and a user name (form or JSON ``{token, user}``);
        sets the session cookie. A form post is redirected to the map page."""
        ctype = request.headers.get("content-type", "")
        is_form = not ctype.startswith("application/json")
        token, name = parse_login(await request.body(), ctype)
        client = client_address(request.scope)
        try:
            sid = state.auth.login(token, name, client)
        except Throttled as exc:
            if not is_form:
                raise
            page = login_error_page(str(exc))
            return Response(page, 429, media_type="text/html", headers={"retry-after": str(int(exc.retry_after) + 1)})
        if sid is None:
            if is_form:
                return Response(login_error_page("Wrong token."), 401, media_type="text/html")
            return JSONResponse({"error": "wrong token; use the one printed when the server started"}, 401)
        s = state.auth.session(sid)
        user = s.user if s is not None else None
        resp: Response = RedirectResponse("/", 303) if is_form else JSONResponse({"user": user})
        resp.set_cookie(
            COOKIE,
            sid,
            httponly=True,
            samesite="strict",
            secure=state.secure_cookies,
            max_age=int(state.auth.max_s),
        )
        return resp

    @app.post("/api/logout", tags=["server"])
    def logout(request: Request) -> JSONResponse:
        """End this browser's session."""
        state.auth.logout(request.cookies.get(COOKIE))
        resp = JSONResponse({"ok": True})
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/api/regions", tags=["terrain"])
    def regions() -> list[dict[str, Any]]:
        """Terrain regions this server knows (bundled and the user's)."""
        from carpathia.terrain import list_regions

        return [{k: v for k, v in r.to_dict().items() if k != "path"} for r in list_regions()]

    @app.get("/api/models", tags=["terrain"])
    def models() -> list[str]:
        """Probability models a map can be made with."""
        from carpathia.probability import MODELS

        return list(MODELS)

    @app.get("/api/regions/{name}/features", tags=["terrain"])
    def region_features(name: str) -> dict[str, Any]:
        """Towns, peaks, rivers, lakes and borders of a region as a GeoJSON FeatureCollection
        (lon/lat); each feature's ``kind`` property says which."""
        return features_geojson(_region_terrain(name))

    @app.get(
        "/tiles/region/{name}/{z}/{x}/{y}.png",
        tags=["terrain"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    async def region_tile(request: Request, name: str, z: int, x: int, y: int) -> Response:
        """Basemap tile (Web Mercator XYZ) drawn from a region's DEM: relief, contours, water, borders.
        Tiles already drawn are served from memory before this route (see ``_fastpath``)."""
        r = await run_in_threadpool(state.renderer, f"region:{name}", lambda: _region_terrain(name))
        png = await run_in_threadpool(r.tile, z, x, y)
        src = TileSource(r, r.key, REGION)
        state.tiles.put(("region", name), src)
        return tile_response(png, src, z, x, y, request.headers.get("if-none-match"))

    @app.get("/api/events", tags=["server"], response_class=StreamingResponse)
    async def events(request: Request, limit: int | None = None) -> StreamingResponse:
        """Server-sent events: ``hello`` on connection, then ``job`` (progress) and ``incident``
        (something changed: reload it) to every open page. ``limit`` ends the stream after that
        many events (for scripts and tests)."""
        hello = {"user": request.state.user, "version": __version__}
        return StreamingResponse(
            state.bus.stream(limit=limit, hello=hello),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    @app.get("/api/jobs", tags=["jobs"])
    def jobs() -> list[dict[str, Any]]:
        """Background jobs, oldest first, with status and progress."""
        return [j.to_dict() for j in state.jobs.list()]

    @app.get("/api/jobs/{job_id}", tags=["jobs"])
    def job(job_id: int) -> dict[str, Any]:
        """One background job."""
        return state.jobs.get(job_id).to_dict()


_TERRAINS: dict[str, Any] = {}
_TERRAINS_LOCK = threading.Lock()


def _region_terrain(name: str):
    """A region's terrain by its name only (a request string never becomes a path), loaded once
    per process (read-only afterwards)."""
    from carpathia.terrain.regions import region_by_name

    with _TERRAINS_LOCK:
        t = _TERRAINS.get(name)
    if t is None:
        t = region_by_name(name)
        with _TERRAINS_LOCK:
            t = _TERRAINS.setdefault(name, t)
    return t
