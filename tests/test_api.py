"""Package hygiene: curated public names, nothing heavy at import."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = [
    "carpathia",
    "carpathia.errors",
    "carpathia.terrain",
    "carpathia.subjects",
    "carpathia.travel",
    "carpathia.probability",
    "carpathia.incident",
    "carpathia.io",
    "carpathia.survival",
    "carpathia.search",
    "carpathia.rescue",
    "carpathia.river",
    "carpathia.web",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_curated(name):
    mod = importlib.import_module(name)
    exported = mod.__all__
    assert len(exported) == len(set(exported)), "duplicates in __all__"
    for n in exported:
        assert hasattr(mod, n), f"{name}.__all__ names {n}, which does not exist"
    public = {n for n in vars(mod) if not n.startswith("_") and not isinstance(getattr(mod, n), type(sys))}
    public -= {"annotations"}
    missing = {n for n in public if getattr(getattr(mod, n), "__module__", name).startswith(name)} - set(exported)
    assert not missing, f"public names not in {name}.__all__: {sorted(missing)}"


def test_import_is_light():
    code = "import sys, carpathia; print(' '.join(m for m in ('numba', 'matplotlib', 'rasterio') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_errors_are_builtins_too():
    from carpathia import errors

    for n in errors.__all__:
        cls = getattr(errors, n)
        assert issubclass(cls, errors.CarpathiaError)
