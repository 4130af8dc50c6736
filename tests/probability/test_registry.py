"""The model registry runs one way: probability lists the models, motion registers ``agents``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from carpathia.errors import InputError, UnknownNameError
from carpathia.probability import MODELS, get_model, register_model, rings


def test_probability_does_not_import_motion():
    code = (
        "import sys, carpathia.probability as p\n"
        "assert 'carpathia.motion' not in sys.modules, 'probability imported motion'\n"
        "assert list(p.MODELS)[:4] == ['rings', 'travel_time', 'mixture', 'agents']\n"
        "assert 'carpathia.motion' not in sys.modules, 'listing the models imported motion'\n"
        "f = p.get_model('agents')\n"
        "assert f.__module__ == 'carpathia.motion.model' and 'carpathia.motion' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_agents_is_the_motion_model_and_names_are_forgiving():
    from carpathia.motion.model import agents

    assert get_model("agents") is agents is MODELS["agents"]
    assert get_model(" Travel-Time ") is MODELS["travel_time"]
    assert len(MODELS) >= 4 and "agents" in MODELS and "banana" not in MODELS
    with pytest.raises(UnknownNameError, match="unknown model 'banana'; choose one of") as err:
        get_model("banana")
    assert all(name in str(err.value) for name in ("rings", "travel_time", "mixture", "agents"))


def test_register_model(monkeypatch):
    monkeypatch.setattr(MODELS, "_models", dict(MODELS._models))

    def ring_copy(incident, terrain, **kw):
        return rings(incident, terrain, **kw)

    register_model("Ring-Copy", ring_copy)
    assert get_model("ring_copy") is ring_copy and "ring_copy" in list(MODELS)
    with pytest.raises(InputError, match="callable"):
        register_model("x", 3)
