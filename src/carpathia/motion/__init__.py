"""Motion: an agent-based model of lost subjects walking real terrain (Hashimoto et al. 2022).

Many simulated subjects leave the IPP and move over the terrain with the behaviours lost people
show (random walking, route travelling, direction travelling, staying put, view enhancing,
backtracking), at Tobler's speed on the local slope, slowed by vegetation, snow and darkness
(the sun computed for the incident's place and date), resting, stopping for the night, turned
back by cliffs and lakes, crossing rivers at a risk, and cooling by the survival model's heat
balance until some are incapacitated. Their positions at any time form a time-resolved
probability map::

    from carpathia.incident import Incident
    from carpathia.motion import simulate
    from carpathia.terrain import Terrain

    t = Terrain.from_region("white-mountains")
    inc = Incident.create(ipp_lat=44.2706, ipp_lon=-71.3033, category="hiker",
                          last_seen="2024-01-13T15:00:00-05:00")
    sim = simulate(inc, t, n_agents=100_000, hours=24, times=[6, 12, 24],
                   weather="carpathian-blizzard", seed=1)
    sim.probability_at(12)              # ProbabilityMap at 12 h
    sim.incapacitated_fraction(24)      # share unresponsive (cold, swept)
    sim.tracks_geojson(10)              # a sample of tracks, lon/lat

Modules: :mod:`~carpathia.motion.agents` (struct of arrays, 46 bytes per agent),
:mod:`~carpathia.motion.params` (behaviour mixtures, fitted walking budgets, sourced constants),
:mod:`~carpathia.motion.sun` (NOAA/Meeus solar elevation), :mod:`~carpathia.motion.engine`
(:func:`simulate`), :mod:`~carpathia.motion.simulation` (:class:`Simulation`),
:mod:`~carpathia.motion.model` (the ``agents`` POA model), :mod:`~carpathia.motion.calibrate`.

References
----------
Hashimoto, A., Heintzman, L., Koester, R., Abaid, N. (2022). An agent-based model reveals lost
person behavior based on data from wilderness search and rescue. Sci. Rep. 12:5873.
Tobler, W. (1993). NCGIA technical report 93-1. Koester, R. J. (2008). Lost Person Behavior.
Mitchell, B. (1985). Lost hikers (501 cases), as quoted in Lost Person Behavior.
"""

from .agents import BEHAVIOURS, BYTES_PER_AGENT, FIELDS, STATE_BITS, Agents
from .engine import prepare_grid, simulate
from .model import agents_map
from .params import CALIBRATION_HOURS, MotionParams, calibration_table, mixture_table, motion_params
from .simulation import Simulation
from .sun import solar_elevation
from .terrain_fit import fit_to_terrain as _fit_to_terrain  # noqa: F401  (registers with the engine)

__all__ = [
    "BEHAVIOURS",
    "BYTES_PER_AGENT",
    "CALIBRATION_HOURS",
    "FIELDS",
    "STATE_BITS",
    "Agents",
    "MotionParams",
    "Simulation",
    "agents_map",
    "calibration_table",
    "mixture_table",
    "motion_params",
    "prepare_grid",
    "simulate",
    "solar_elevation",
]
