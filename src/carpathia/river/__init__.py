"""River incidents: where a person who went into a river is now, and how to search for them.

    from carpathia.terrain import Terrain
    from carpathia.river import river_incident

    t = Terrain.from_region("maramures")
    inc = river_incident(t, lon=23.89, lat=47.93, time="2024-04-12T15:00", water_temp_c=6, hours=48)
    inc.write("out/")

Modules: :mod:`~carpathia.river.network` (lines to a directed network of reaches with chainage,
type, catch points), :mod:`~carpathia.river.flow` (velocities per reach),
:mod:`~carpathia.river.intake` (the incident), :mod:`~carpathia.river.refloat` (refloat relation),
:mod:`~carpathia.river.drift` (Monte Carlo drift particles), :mod:`~carpathia.river.search`
(reach × bank segments, river resources, allocation, Bayes update, hand-off export),
:mod:`~carpathia.river.incident` (all of it together).
"""

from .drift import STATES, Drift, DriftParameters, simulate_drift
from .flow import FLOW_CLASSES, FlowSpec, flow_defaults
from .incident import RiverIncidentResult, river_incident
from .intake import OBSERVED, RiverIncident
from .network import KINDS, ZONES, Reach, RiverNetwork, Snap, build_network, read_river_file, terrain_network
from .refloat import MATEUS_2014_ADD, MATEUS_2014_ADD_LIMITS, refloat_add, refloat_days
from .search import RiverResource, RiverSearch, river_resources

__all__ = [
    "FLOW_CLASSES",
    "KINDS",
    "MATEUS_2014_ADD",
    "MATEUS_2014_ADD_LIMITS",
    "OBSERVED",
    "STATES",
    "ZONES",
    "Drift",
    "DriftParameters",
    "FlowSpec",
    "Reach",
    "RiverIncident",
    "RiverIncidentResult",
    "RiverNetwork",
    "RiverResource",
    "RiverSearch",
    "Snap",
    "build_network",
    "flow_defaults",
    "read_river_file",
    "refloat_add",
    "refloat_days",
    "river_incident",
    "river_resources",
    "simulate_drift",
    "terrain_network",
]
