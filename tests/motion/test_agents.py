"""The struct of arrays and the public API of carpathia.motion."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

from carpathia.errors import InputError


def test_bytes_per_agent_within_goal():
    from carpathia.motion import BYTES_PER_AGENT, FIELDS, Agents

    assert BYTES_PER_AGENT <= 64
    a = Agents.create(1000, col=3.5, row=4.5)
    assert a.nbytes == 1000 * BYTES_PER_AGENT
    for name, (dt, unit) in FIELDS.items():
        assert getattr(a, name).dtype == np.dtype(dt)
        assert unit


def test_agents_refuse_wrong_dtype():
    from carpathia.motion import Agents

    a = Agents.create(3, col=0.5, row=0.5)
    with pytest.raises(InputError):
        Agents(**{**a.__dict__, "col": np.zeros(3)})


def test_all_is_curated():
    mod = importlib.import_module("carpathia.motion")
    exported = mod.__all__
    assert len(exported) == len(set(exported))
    for n in exported:
        assert hasattr(mod, n)
    public = {n for n in vars(mod) if not n.startswith("_") and not isinstance(getattr(mod, n), type(sys))}
    public -= {"annotations"}
    missing = {
        n for n in public if getattr(getattr(mod, n), "__module__", "carpathia.motion").startswith("carpathia.motion")
    }
    assert not missing - set(exported)


def test_mixtures_have_sources_and_sum_to_one():
    from carpathia.motion import mixture_table

    table = mixture_table()
    assert "Hiker" in table
    mix, src = table["Hiker"]
    assert mix == pytest.approx((0.054, 0.377, 0.559, 0.003, 0.006, 0.0))  # Hashimoto et al. 2022, best_EdL
    assert "Hashimoto" in src
    for m, s in table.values():
        assert sum(m) == pytest.approx(1.0, abs=2e-3) and s  # published shares are rounded (99.9 %)


def test_params_validation():
    from carpathia.motion import MotionParams

    with pytest.raises(InputError):
        MotionParams(mixture=(1, 0, 0))
    with pytest.raises(InputError):
        MotionParams(night_walk_prob=1.5)
    with pytest.raises(InputError):
        MotionParams().with_mixture(flying=1.0)
