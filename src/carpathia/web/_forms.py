"""Request bodies of the incident routes: pydantic models, validated before the library is called.

The new-incident form is the library's (and the CLI's) incident schema, plus how to open it.
"""

from __future__ import annotations

import copy
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from carpathia.incident.model import Incident

__all__ = ["AutoSegments", "ClueIn", "MapRun", "NewIncident", "PlanIn", "TeamIn", "WeatherIn"]

# The subject form is the incident schema the library and the CLI use, plus how to open it.
_SHARED = ("ipp_lat", "ipp_lon", "category", "eco_region", "terrain_class")


def _position_text(data, text_key: str, lat_key: str, lon_key: str):
    """A position typed in any format (``carpathia.coords``: DMS, MGRS, UTM, Stereo 70, ``geo:``,
    a map link) in ``text_key`` fills ``lat_key``/``lon_key``; bad or ambiguous text is a 422 with
    the parser's one line."""
    if not isinstance(data, dict) or data.get(text_key) is None:
        return data
    from carpathia.coords import parse_position

    text = data[text_key]
    if not isinstance(text, str) or len(text) > 2000:
        raise ValueError(f"{text_key} must be a position written as text")
    p = parse_position(text, what=text_key)  # InputError is a ValueError: pydantic reports it
    out = {k: v for k, v in data.items() if k != text_key}
    for key, value in ((lat_key, p.lat), (lon_key, p.lon)):
        if out.get(key) is not None and abs(float(out[key]) - value) > 1e-6:
            raise ValueError(f"{text_key} and {key} disagree; give one of them")
        out[key] = value
    return out


def _shared(name: str):
    field = copy.deepcopy(Incident.model_fields[name])  # a copy: the library's schema stays as it is
    return (field.annotation, field)


class _IppText(BaseModel):
    """``ipp``: the initial planning point as text in any format, instead of ipp_lat/ipp_lon."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _ipp(cls, data):
        return _position_text(data, "ipp", "ipp_lat", "ipp_lon")


NewIncident = create_model(
    "NewIncident",
    __base__=_IppText,
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
    ipp=(str | None, Field(None, max_length=2000, description="The IPP in any format (carpathia coords).")),
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
    position: str | None = Field(None, max_length=2000, description="lat/lon in any format (carpathia coords).")

    @model_validator(mode="before")
    @classmethod
    def _position(cls, data):
        return _position_text(data, "position", "lat", "lon")
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
