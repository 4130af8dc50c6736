"""Who searches where: resources and sweep widths, coverage and POD from plans and GPS tracks,
Bayesian updates of the probability map, and optimal allocation of effort.

from carpathia.search import charnes_cooper, allocate, track_coverage, update_unsuccessful
"""

from .allocation import (
    Assignment,
    DivisibleAllocation,
    Plan,
    Team,
    allocate,
    allocate_divisible,
    charnes_cooper,
    probability_of_success,
)
from .bayes import MapHistory, grid_hash, replay, update_clue, update_unsuccessful
from .coverage import (
    CoverageGrid,
    Track,
    coverage_from_pod,
    cumulative_pod,
    effort_coverage,
    planned_coverage,
    pod,
    read_tracks,
    segment_pod,
    sweep_corridor,
    track_coverage,
)
from .resources import (
    LANDCOVER_CLASSES,
    SUBJECTS,
    Resource,
    default_resources,
    get_resource,
    load_resources,
    sweep_width_from_range,
)

__all__ = [
    "LANDCOVER_CLASSES",
    "SUBJECTS",
    "Assignment",
    "CoverageGrid",
    "DivisibleAllocation",
    "MapHistory",
    "Plan",
    "Resource",
    "Team",
    "Track",
    "allocate",
    "allocate_divisible",
    "charnes_cooper",
    "coverage_from_pod",
    "cumulative_pod",
    "default_resources",
    "effort_coverage",
    "get_resource",
    "grid_hash",
    "load_resources",
    "planned_coverage",
    "pod",
    "probability_of_success",
    "read_tracks",
    "replay",
    "segment_pod",
    "sweep_corridor",
    "sweep_width_from_range",
    "track_coverage",
    "update_clue",
    "update_unsuccessful",
]
