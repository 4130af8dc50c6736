"""The web command post: ``carpathia serve``, an offline map application over the incident workspace.

::

    from carpathia.web import create_app
    app = create_app(db="incident.db")          # FastAPI app; run it with uvicorn

The JSON API has no logic of its own: it calls :mod:`carpathia.incident` and the library. The
map page uses Leaflet, vendored in ``static/vendor`` (version and licence in VENDORED.md), over
basemap tiles drawn from the DEM (:class:`~carpathia.web.tiles.TileRenderer`).
"""

from .app import DEFAULT_MAX_UPLOAD, create_app
from .auth import is_loopback, resolve_token
from .tiles import TileRenderer

__all__ = ["DEFAULT_MAX_UPLOAD", "TileRenderer", "create_app", "is_loopback", "resolve_token"]
