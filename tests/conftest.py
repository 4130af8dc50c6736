"""Shared fixtures. Tests may read the project's shared data (../shared/data); the package never does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CARPATHIA_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = bool(os.environ.get("CI"))


def need(condition: bool, why: str) -> None:
    """Skip when a resource is missing on a developer's machine; fail in CI, where it must exist."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (CI must provide it)")
    pytest.skip(why)


#: External programs the tests use, and the Debian package that provides each (.ci/run installs them).
TOOLS = {
    "gdaldem": "gdal-bin",
    "gdalinfo": "gdal-bin",
    "ogrinfo": "gdal-bin",
    "xmllint": "libxml2-utils",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
    "chromium": "chromium",
}


def tool(name: str) -> str:
    """Path of an external program the whole test needs: skipped without it on a developer's
    machine, failed in CI (through :func:`need`)."""
    exe = shutil.which(name)
    need(exe is not None, f"{name} (Debian {TOOLS.get(name, name)}) is not installed")
    return exe


def maybe_tool(name: str) -> str | None:
    """Path of an external program for one extra check inside a test: None without it on a
    developer's machine (the test skips that check), a failure in CI."""
    exe = shutil.which(name)
    if exe is None and IN_CI:
        pytest.fail(f"{name} (Debian {TOOLS.get(name, name)}) is not installed (CI must provide it)")
    return exe


@pytest.fixture(scope="session")
def shared() -> Path:
    need(SHARED.is_dir(), f"shared data folder {SHARED} not found")
    return SHARED


@pytest.fixture(scope="session")
def hgt(shared) -> Path:
    return shared / "dem" / "N44W072.hgt"


@pytest.fixture(scope="session")
def romania_dem(shared) -> Path:
    return shared / "dem" / "romania_dem_1km_epsg3844.tif"


@pytest.fixture(scope="session")
def gdaldem() -> str:
    return tool("gdaldem")


@pytest.fixture(scope="session")
def white_mountains():
    from carpathia.terrain import Terrain

    return Terrain.from_region("white-mountains")


def write_tif(path: Path, z: np.ndarray, transform, crs, nodata=np.nan) -> Path:
    profile = dict(
        driver="GTiff",
        height=z.shape[0],
        width=z.shape[1],
        count=1,
        dtype=str(z.dtype),
        transform=transform,
        nodata=nodata,
    )
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(z, 1)
    return path


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess."""
    e = dict(os.environ)
    e.pop("CARPATHIA_DEBUG", None)
    if env:
        e.update(env)
    return subprocess.run(
        [sys.executable, "-m", "carpathia", *args], capture_output=True, text=True, cwd=cwd, env=e, timeout=600
    )
