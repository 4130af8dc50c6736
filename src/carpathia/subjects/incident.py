"""The incident description every model takes: IPP, time, subject, conditions.

It lives in the subjects package, below every model, so that ``probability`` and
``motion`` can take an :class:`Incident` without importing the workspace and its store
(:mod:`carpathia.incident` re-exports it). One pydantic schema serves the Python API, the CLI,
the web forms and TOML scenario files. Coordinates are named (``ipp_lat``, ``ipp_lon``) so that
no caller has to remember an order.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from carpathia.errors import InputError

__all__ = ["EcoRegion", "Incident", "TerrainClass"]

EcoRegion = Literal["Temperate", "Dry", "Urban"]
TerrainClass = Literal["Mountainous", "Flat"]


class Incident(BaseModel):
    """A lost-person incident as the planning section first writes it down.

    Attributes
    ----------
    ipp_lat, ipp_lon
        Initial planning point (point last seen or last known point), degrees WGS 84.
    category
        Subject category as in Koester's Lost Person Behavior ("hiker", "child 7-9" ...).
    last_seen
        When the subject was last seen (timezone-aware preferred).
    hours_missing
        Hours since ``last_seen`` at planning time; bounds how far the subject can have walked.
    eco_region, terrain_class
        ISRID eco-region and terrain; inferred from the terrain when not given.
    region
        Where the terrain came from: a region name or a DEM file (recorded by the workspace).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "incident"
    ipp_lat: float = Field(ge=-90, le=90)
    ipp_lon: float = Field(ge=-180, le=180)
    category: str = "hiker"
    last_seen: datetime | None = None
    hours_missing: float | None = Field(default=None, ge=0, le=24 * 60)
    eco_region: EcoRegion | None = None
    terrain_class: TerrainClass | None = None
    region: str | None = None

    @field_validator("ipp_lat", "ipp_lon")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number of degrees")
        return v

    @property
    def ipp(self) -> tuple[float, float]:
        """(lon, lat): x first, as the rest of the Python API."""
        return (self.ipp_lon, self.ipp_lat)

    def at(self, when: datetime) -> Incident:
        """A copy with ``hours_missing`` set to the hours from ``last_seen`` to ``when`` (both with zones).

        Raises :class:`~carpathia.errors.InputError` without ``last_seen``, for a time without a
        zone, or for a time before ``last_seen``.
        """
        if self.last_seen is None:
            raise InputError(f"incident {self.name!r} has no time last seen")
        if when.tzinfo is None or self.last_seen.tzinfo is None:
            raise InputError("times need a zone, e.g. 2024-01-13T15:30+02:00 or ...Z")
        hours = (when - self.last_seen).total_seconds() / 3600.0
        if hours < 0:
            raise InputError(f"{when.isoformat()} is before the time last seen {self.last_seen.isoformat()}")
        return self.model_copy(update={"hours_missing": min(hours, 24.0 * 60.0)})

    @classmethod
    def create(cls, **fields) -> Incident:
        """Like the constructor, but a bad field raises :class:`~carpathia.errors.InputError`."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ())) or "incident"
            raise InputError(f"incident field {where}: {err.get('msg')} (got {err.get('input')!r})") from None
