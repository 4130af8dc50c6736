"""The incident: who is missing, from where, since when; and the workspace that keeps the search.

from carpathia.incident import Incident, Workspace

:class:`Workspace` drives the operational cycle (new incident, map, segments, plan, debrief,
clues, status, exports) over a :class:`Store`, one SQLite file with an append-only audit log.
"""

from .model import Incident
from .report import EXPORT_FORMATS, IncidentStatus, ReplayReport
from .store import Store, default_db_path
from .workspace import CLUE_SIGMA_M, CLUE_WEIGHT, OperationalPeriod, Workspace, parse_time

__all__ = [
    "CLUE_SIGMA_M",
    "CLUE_WEIGHT",
    "EXPORT_FORMATS",
    "Incident",
    "IncidentStatus",
    "OperationalPeriod",
    "ReplayReport",
    "Store",
    "Workspace",
    "default_db_path",
    "parse_time",
]
