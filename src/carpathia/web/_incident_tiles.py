"""Tile routes of an incident: its basemap and the heat map of each map version.

These are the slow path: they check the URL against the workspace (the checksum in ``?t=`` or
``?h=`` must be the content's), render the tile or take it from the renderer's cache, and record
the renderer in the server's :class:`~carpathia.web._fastpath.TileIndex`, from which the next
request for a tile in memory is answered before FastAPI is entered.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from carpathia.errors import InputError, UnknownNameError
from carpathia.incident._rasters import decode_map

from ._fastpath import IMMUTABLE, REVALIDATE, TileSource, tile_response


def register(app: FastAPI, state, spaces) -> None:
    """Add the incident tile routes to ``app`` (``spaces``: the per-thread workspaces)."""

    @app.get(
        "/tiles/incident/{iid}/{z}/{x}/{y}.png",
        tags=["incidents"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}, 304: {"description": "the client's copy is current"}},
    )
    async def incident_tile(request: Request, iid: int, z: int, x: int, y: int, t: str = "") -> Response:
        """Basemap tile drawn from the incident's stored terrain. ``t``: the terrain's checksum
        (``terrain_sha`` of the incident, 16 characters or more) makes the tile cacheable for
        good. Tiles already drawn are served from memory before this route (see ``_fastpath``)."""
        png, src = await run_in_threadpool(_incident_tile, request.state.user, iid, t, z, x, y)
        return tile_response(png, src, z, x, y, request.headers.get("if-none-match"))

    def _incident_tile(user: str, iid: int, t: str, z: int, x: int, y: int) -> tuple[bytes, TileSource]:
        ws = spaces.get(user)
        i = _id(ws, iid)
        sha = ws.incident_row(i)["terrain_sha"]
        _check_sum(t, sha, "t", f"incident {iid} has another terrain than t={t}; reload the page")
        r = state.renderer(f"terrain:{sha}", lambda: ws.terrain(i))
        src = TileSource(r, r.key, IMMUTABLE if t else REVALIDATE)
        png = r.tile(z, x, y)
        if t:
            state.tiles.put(("incident", iid, t), src)
        return png, src

    @app.get(
        "/tiles/incident/{iid}/poa/{version}/{z}/{x}/{y}.png",
        tags=["incidents"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}, 304: {"description": "the client's copy is current"}},
    )
    async def poa_tile(request: Request, iid: int, version: int, z: int, x: int, y: int, h: str = "") -> Response:
        """Probability heat-map tile of one map version (log colour scale, three decades). ``h``:
        the map's checksum (``map_sha`` of the layers, 16 characters or more) makes the tile
        cacheable for good (an undone version number can come back with another map)."""
        png, src = await run_in_threadpool(_poa_tile, request.state.user, iid, version, h, z, x, y)
        return tile_response(png, src, z, x, y, request.headers.get("if-none-match"))

    def _poa_tile(user: str, iid: int, version: int, h: str, z: int, x: int, y: int) -> tuple[bytes, TileSource]:
        ws = spaces.get(user)
        i = _id(ws, iid)
        row = ws.store.one("SELECT raster_sha FROM map_versions WHERE incident_id = ? AND version = ?", (i, version))
        if row is None:
            ws.current_map(i, version)  # raises the library's error: no such version
        sha = row["raster_sha"]
        _check_sum(h, sha, "h", f"map version {version} of incident {iid} is not the one of h={h}; reload the page")
        r = state.heat(sha, lambda: decode_map(ws.store.blob(sha)))
        src = TileSource(r, f"{sha[:16]}-p1", IMMUTABLE if h else REVALIDATE)
        png = r.tile(z, x, y)
        if h:
            state.tiles.put(("poa", iid, version, h), src)
        return png, src


def _id(ws, iid: int) -> int:
    return ws.incident_id(iid)


#: Shortest checksum prefix a tile URL may give (64 bits).
_MIN_SUM = 16


def _check_sum(given: str, sha: str, name: str, stale: str) -> None:
    """A tile URL's checksum must be a prefix of the content's (404 when it names older content)."""
    if not given:
        return
    if len(given) < _MIN_SUM or not re.fullmatch(r"[0-9a-f]+", given):
        raise InputError(f"{name} must be {_MIN_SUM} or more hex digits of the checksum the API gives, not {given!r}")
    if not sha.startswith(given):
        raise UnknownNameError(stale)
