"""Package hygiene of carpathia.survival: a curated __all__, no numba at ``import carpathia``."""

from __future__ import annotations

import sys

import carpathia.survival as survival


def test_all_is_curated():
    exported = survival.__all__
    assert len(exported) == len(set(exported))
    for name in exported:
        assert hasattr(survival, name), name
    public = {
        n
        for n in vars(survival)
        if not n.startswith("_") and not isinstance(getattr(survival, n), type(sys)) and n != "annotations"
    }
    mine = {n for n in public if str(getattr(getattr(survival, n), "__module__", "carpathia")).startswith("carpathia")}
    assert mine <= set(exported), sorted(mine - set(exported))


def test_every_public_function_has_a_numpy_docstring():
    for name in survival.__all__:
        obj = getattr(survival, name)
        if callable(obj) and getattr(obj, "__module__", "").startswith("carpathia.survival"):
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name
