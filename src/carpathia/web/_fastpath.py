"""Tiles already in memory, served without entering FastAPI.

A map page asks for dozens of tiles at every pan and zoom; once drawn, a tile is a few tens of
kB of PNG in a renderer's memory. Routing, dependency solving and the response classes of
FastAPI cost about a millisecond of CPU per request, ten times the work of handing the bytes
over, so :class:`FastTiles`, a pure ASGI middleware that runs after the authentication, answers
``GET /tiles/...`` from memory when it can and passes everything else (and every miss) on to
the application, whose routes render the tile, check the URL against the workspace and record
the renderer in the :class:`TileIndex` for the next time.

Caching in the browser: the page's tile URLs name the content (``?t=`` the terrain's checksum,
``?h=`` the map version's raster checksum), so those answers are immutable; the same URLs
without the checksum are revalidated each time (``no-cache``). Every tile carries an ``ETag``
and ``If-None-Match`` gets a body-less 304.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

__all__ = ["IMMUTABLE", "FastTiles", "TileIndex", "TileSource", "tile_response"]

#: Cache-Control of a tile whose URL names its content (a checksum in the query).
IMMUTABLE = "public, max-age=31536000, immutable"
#: Cache-Control of a region's basemap tile (the region does not change while the server runs).
REGION = "public, max-age=3600"
#: Cache-Control of a tile whose URL does not name its content: ask again, the ETag makes it cheap.
REVALIDATE = "no-cache"

_TILE = re.compile(r"^/tiles/(?:region/([^/]+)|incident/(\d+)(?:/poa/(\d+))?)/(\d+)/(\d+)/(\d+)\.png$")


@dataclass(frozen=True)
class TileSource:
    """A renderer (anything with ``cached(z, x, y) -> bytes | None``), the content tag of its
    tiles (ETag prefix) and the Cache-Control of its URL."""

    renderer: Any
    tag: str
    cache_control: str

    def etag(self, z: int, x: int, y: int) -> str:
        return f'"{self.tag}-{z}-{x}-{y}"'


def route_key(path: str, query: str) -> tuple | None:
    """What a tile URL names, as the :class:`TileIndex` key, and (z, x, y); None for other paths.

    Keys: ``("region", name)``, ``("incident", iid, t)``, ``("poa", iid, version, h)`` where
    ``t`` and ``h`` are the checksums given in the query ("" when none).
    """
    m = _TILE.match(path)
    if m is None:
        return None
    region, iid, version, z, x, y = m.groups()
    zxy = (int(z), int(x), int(y))
    if region is not None:
        return ("region", region), zxy
    if version is None:
        return ("incident", int(iid), _param(query, "t")), zxy
    return ("poa", int(iid), int(version), _param(query, "h")), zxy


def _param(query: str, name: str) -> str:
    for part in query.split("&"):
        k, _, v = part.partition("=")
        if k == name:
            return v
    return ""


class TileIndex:
    """Tile sources by what their URL names, filled by the routes after they checked the URL
    against the workspace; at most ``size`` entries (the oldest are forgotten)."""

    def __init__(self, size: int = 256) -> None:
        self._size = int(size)
        self._d: dict[tuple, TileSource] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> TileSource | None:
        return self._d.get(key)  # a dict read is atomic; writers hold the lock

    def put(self, key: tuple, source: TileSource) -> None:
        with self._lock:
            self._d.pop(key, None)
            self._d[key] = source
            while len(self._d) > self._size:
                self._d.pop(next(iter(self._d)))

    def drop(self, match) -> None:
        """Forget the entries whose key satisfies ``match(key)``."""
        with self._lock:
            for k in [k for k in self._d if match(k)]:
                del self._d[k]


def _headers(src: TileSource, z: int, x: int, y: int) -> dict[str, str]:
    return {"cache-control": src.cache_control, "etag": src.etag(z, x, y)}


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


def tile_response(png: bytes, src: TileSource, z: int, x: int, y: int, if_none_match: str | None) -> Response:
    """The answer of a tile route: the PNG, or 304 when the client holds this very tile."""
    headers = _headers(src, z, x, y)
    if _not_modified(if_none_match, headers["etag"]):
        return Response(status_code=304, headers=headers)
    return Response(png, media_type="image/png", headers=headers)


class FastTiles:
    """Pure ASGI middleware: ``GET``/``HEAD /tiles/...`` answered from memory when the tile is
    there, everything else passed on untouched."""

    def __init__(self, app, index: TileIndex) -> None:
        self.app = app
        self.index = index

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/tiles/") and scope["method"] in ("GET", "HEAD"):
            found = route_key(scope["path"], scope.get("query_string", b"").decode("latin-1"))
            if found is not None:
                key, (z, x, y) = found
                src = self.index.get(key)
                png = src.renderer.cached(z, x, y) if src is not None else None
                if png is not None:
                    await _send_tile(send, scope, src, png, z, x, y)
                    return
        await self.app(scope, receive, send)


async def _send_tile(send, scope, src: TileSource, png: bytes, z: int, x: int, y: int) -> None:
    etag = src.etag(z, x, y)
    inm = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"if-none-match"), None)
    headers = [(b"cache-control", src.cache_control.encode()), (b"etag", etag.encode())]
    if _not_modified(inm, etag):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [(b"content-type", b"image/png"), (b"content-length", str(len(png)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else png})
