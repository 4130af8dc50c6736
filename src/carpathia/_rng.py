"""Counter-based random numbers for the numba kernels (motion agents, river particles).

SplitMix64's finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators", OOPSLA) turns any 64-bit counter into a well-mixed word, so each draw is a pure
function of (seed, agent or particle, step, draw): results do not depend on the thread count
or on how the work is split.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: 2⁶⁴/φ, SplitMix64's increment (the Weyl sequence step).
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: A second odd constant, to keep draw numbers apart from step numbers.
DRAW = np.uint64(0xD1B54A32D192ED03)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
S11 = np.uint64(11)
#: 2⁻⁵³: the top 53 bits of a word as a float in [0, 1).
TO_UNIT = 1.0 / 9007199254740992.0


@njit(cache=True, nogil=True, inline="always")
def mix64(z):
    """SplitMix64's finaliser of a uint64."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)
