"""Who searches where: segments, resources and sweep widths, coverage and POD from plans and GPS
tracks, Bayesian updates of the probability map, optimal allocation of effort, and search patterns.

from carpathia.search import charnes_cooper, allocate, track_coverage, update_unsuccessful
from carpathia.search import auto_segments, plan_period, plan_routes, debrief
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
from .patterns import plan_routes, route_bearing, sweep_route, track_from_route
from .plan import (
    Debrief,
    assignment_number,
    debrief,
    number_assignments,
    parse_team,
    plan_period,
    segment_speed_factors,
    segment_transit_h,
    teams_from_counts,
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
from .segments import BOUNDARY_KINDS, Segment, Segments, auto_segments, read_segments, segment_ids

__all__ = [
    "BOUNDARY_KINDS",
    "LANDCOVER_CLASSES",
    "SUBJECTS",
    "Assignment",
    "CoverageGrid",
    "Debrief",
    "DivisibleAllocation",
    "MapHistory",
    "Plan",
    "Resource",
    "Segment",
    "Segments",
    "Team",
    "Track",
    "allocate",
    "allocate_divisible",
    "assignment_number",
    "auto_segments",
    "charnes_cooper",
    "coverage_from_pod",
    "cumulative_pod",
    "debrief",
    "default_resources",
    "effort_coverage",
    "get_resource",
    "grid_hash",
    "load_resources",
    "number_assignments",
    "parse_team",
    "plan_period",
    "plan_routes",
    "planned_coverage",
    "pod",
    "probability_of_success",
    "read_segments",
    "read_tracks",
    "replay",
    "route_bearing",
    "segment_ids",
    "segment_pod",
    "segment_speed_factors",
    "segment_transit_h",
    "sweep_corridor",
    "sweep_route",
    "sweep_width_from_range",
    "teams_from_counts",
    "track_coverage",
    "track_from_route",
    "update_clue",
    "update_unsuccessful",
]
