"""Helpers shared by the parts of the workspace: times, projections, label grids, resources, progress."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from carpathia.errors import InputError

#: ``progress(fraction, message)``: how far a long call is (0..1) and what it is doing.
Progress = Callable[[float, str], None]


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


def step(progress: Progress | None, fraction: float, message: str) -> None:
    """Report a stage of a long call to ``progress`` when one was given."""
    if progress is not None:
        progress(float(fraction), message)


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
