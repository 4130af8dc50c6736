"""Simulated subjects as a struct of arrays: one array per variable, declared dtype and unit.

No per-agent Python objects: every variable of every agent lives in one contiguous numpy array
(OpenDrift's ``LagrangianArray`` pattern), and the numba kernels of :mod:`._kernels` read and
write them in place. :data:`FIELDS` declares each variable with its dtype and unit;
:data:`BYTES_PER_AGENT` is their total (46 bytes, within the 64-byte goal)::

    from carpathia.motion import Agents
    a = Agents.create(1000, col=10.5, row=20.5)
    a.nbytes / len(a)              # 46.0
    Agents.describe()["heading"]   # ('float32', 'radians clockwise from grid north')

Codes
-----
Behaviours (Hashimoto et al. 2022's six; :data:`BEHAVIOURS`): 0 random walking, 1 route
travelling, 2 direction travelling, 3 staying put, 4 view enhancing, 5 backtracking.

State bits (``state``, :data:`STATE_BITS`): 1 resting (a rest bout), 2 sheltering (stopped for
the night), 4 stopped (the agent's walking time is spent: it stays where it is), 8 incapacitated
(cold or swept; no longer moves, unresponsive to searchers), 16 swept (carried off while crossing
a river), 32 wet (clothing soaked in a crossing), 64 outside (left the grid: rest of the world),
128 walking (moved in its last step: the cold model gives it walking metabolism and air speed).

References
----------
Hashimoto, A., Heintzman, L., Koester, R., Abaid, N. (2022). An agent-based model reveals lost
person behavior based on data from wilderness search and rescue. Scientific Reports 12:5873.
doi:10.1038/s41598-022-09502-4
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np

from carpathia.errors import InputError

__all__ = [
    "BEHAVIOURS",
    "BYTES_PER_AGENT",
    "FIELDS",
    "INCAPACITATED",
    "OUTSIDE",
    "RESTING",
    "SHELTERING",
    "STATE_BITS",
    "STOPPED",
    "SWEPT",
    "WALKING",
    "WET",
    "Agents",
]

#: Behaviour codes, in the order of Hashimoto et al. (2022).
BEHAVIOURS = (
    "random_walking",
    "route_travelling",
    "direction_travelling",
    "staying_put",
    "view_enhancing",
    "backtracking",
)

RESTING = 1
SHELTERING = 2
STOPPED = 4
INCAPACITATED = 8
SWEPT = 16
WET = 32
OUTSIDE = 64
WALKING = 128
#: State bit → name.
STATE_BITS = MappingProxyType(
    {
        RESTING: "resting",
        SHELTERING: "sheltering",
        STOPPED: "stopped",
        INCAPACITATED: "incapacitated",
        SWEPT: "swept",
        WET: "wet",
        OUTSIDE: "outside",
        WALKING: "walking",
    }
)

#: Variable → (dtype, unit). Positions are continuous cell coordinates: cell (r, c) spans
#: ``row ∈ [r, r + 1)``, ``col ∈ [c, c + 1)``; metres are ``col × resolution`` east and
#: ``row × resolution`` south of the grid's north-west corner.
FIELDS = MappingProxyType(
    {
        "col": ("float32", "cells east of the grid's west edge"),
        "row": ("float32", "cells south of the grid's north edge"),
        "heading": ("float32", "radians clockwise from grid north"),
        "behaviour": ("uint8", "code of BEHAVIOURS"),
        "state": ("uint8", "bits of STATE_BITS"),
        "timer": ("float32", "seconds left in the current behaviour bout"),
        "fatigue": ("float32", "seconds walked since the last rest"),
        "rest_left": ("float32", "seconds left in the current rest bout"),
        "walked": ("float32", "seconds walked in all"),
        "budget": ("float32", "seconds of walking before the agent stops for good"),
        "core": ("float32", "core temperature, degrees C"),
        "reserve": ("float32", "shivering reserve left, J per m2 of body surface"),
        "surface": ("float32", "outer surface temperature of the last cold step, degrees C"),
    }
)
#: Memory of one agent, bytes (the sum of :data:`FIELDS`' item sizes).
BYTES_PER_AGENT = sum(np.dtype(dt).itemsize for dt, _ in FIELDS.values())


@dataclass
class Agents:
    """The state of n simulated subjects, one numpy array per variable (see :data:`FIELDS`)."""

    col: np.ndarray
    row: np.ndarray
    heading: np.ndarray
    behaviour: np.ndarray
    state: np.ndarray
    timer: np.ndarray
    fatigue: np.ndarray
    rest_left: np.ndarray
    walked: np.ndarray
    budget: np.ndarray
    core: np.ndarray
    reserve: np.ndarray
    surface: np.ndarray

    def __post_init__(self) -> None:
        n = None
        for f in fields(self):
            a = getattr(self, f.name)
            dt = FIELDS[f.name][0]
            if not isinstance(a, np.ndarray) or a.dtype != np.dtype(dt) or a.ndim != 1:
                raise InputError(f"Agents.{f.name} must be a 1-D {dt} array")
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise InputError(f"Agents.{f.name} has {a.shape[0]} agents, the others {n}")

    @classmethod
    def create(
        cls,
        n: int,
        *,
        col: float,
        row: float,
        heading: np.ndarray | float = 0.0,
        budget: np.ndarray | float = np.inf,
        core_c: float = 37.0,
        reserve: float = 0.0,
    ) -> Agents:
        """n agents at one place (cell coordinates), walking, with full timers to draw."""
        if int(n) != n or n < 0:
            raise InputError(f"the number of agents must be a whole number >= 0, not {n!r}")
        n = int(n)

        def full(name, value):
            return np.full(n, value, dtype=FIELDS[name][0])

        return cls(
            col=full("col", col),
            row=full("row", row),
            heading=np.broadcast_to(np.asarray(heading, np.float32), (n,)).copy(),
            behaviour=full("behaviour", 0),
            state=full("state", 0),
            timer=full("timer", 0.0),
            fatigue=full("fatigue", 0.0),
            rest_left=full("rest_left", 0.0),
            walked=full("walked", 0.0),
            budget=np.broadcast_to(np.asarray(budget, np.float32), (n,)).copy(),
            core=full("core", core_c),
            reserve=full("reserve", reserve),
            surface=full("surface", 0.0),
        )

    def __len__(self) -> int:
        return int(self.col.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory of all the arrays, bytes."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays in :data:`FIELDS` order (the kernels' argument order)."""
        return tuple(getattr(self, name) for name in FIELDS)

    @staticmethod
    def describe() -> dict[str, tuple[str, str]]:
        """Variable → (dtype, unit)."""
        return dict(FIELDS)
