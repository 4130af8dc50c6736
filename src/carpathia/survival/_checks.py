"""Input checks shared by the survival modules."""

from __future__ import annotations

import math
from typing import Any

from carpathia.errors import InputError


def number_in(value: Any, name: str, lo: float, hi: float, unit: str) -> float:
    """``value`` as a float in [lo, hi]; otherwise an InputError naming ``name`` and the range."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number of {unit}, not {value!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"{name} must be from {lo:g} to {hi:g} {unit}, not {value!r}")
    return v
