"""Request bodies of the incident routes: pydantic models, validated before the library is called.

The new-incident form is the library's (and the CLI's) incident schema, plus how to open it.
"""

from __future__ import annotations

import copy
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from carpathia.incident.model import Incident

__all__ = ["AutoSegments", "ClueIn", "MapRun", "NewIncident", "PlanIn", "TeamIn", "WeatherIn"]

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
    region=(
        str,
        Field(
            pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$",
            description="Terrain region name (see /api/regions); a name, never a path.",
        ),
    ),
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
