#!/usr/bin/env python
"""Slope + hillshade on a 4000 × 4000 grid: carpathia's numba kernels against GDAL's gdaldem.

    python benchmarks/terrain.py [--size 4000] [--repeat 5]

The grid is real terrain: the bundled SRTM3 tile (White Mountains) resampled to about 18 m and cut
to size. gdaldem (Debian gdal-bin, single-threaded C++) reads a GeoTIFF and writes one per
layer to /dev/shm; we time it as a whole command, and carpathia both in memory and with the
same GeoTIFF reading and writing. Figures are medians; the ratio is carpathia / gdaldem
(below 1.0: carpathia is faster). Both run in the same process run, on the same machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import rasterio
from _timing import median_time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    gdaldem = shutil.which("gdaldem")
    if gdaldem is None:
        sys.exit("gdaldem not found: apt-get install gdal-bin")

    import numba

    from carpathia.terrain import Terrain, _kernels
    from carpathia.terrain.regions import bundled_region_dir

    base = Terrain.load(bundled_region_dir() / "white-mountains.npz")
    n = args.size
    # upsample the 90 m grid (bilinear) to 20 m or finer and take an n × n window
    from scipy import ndimage

    zoom = max(4.5, 1.01 * n / min(base.shape))
    z = ndimage.zoom(base.elevation, zoom, order=1)[:n, :n].astype(np.float32)
    if z.shape != (n, n):
        sys.exit(f"grid too small for --size {n}")
    from affine import Affine

    res = round(base.resolution / zoom, 3)
    t = Terrain(z, Affine(res, 0, base.transform.c, 0, -res, base.transform.f), base.crs)
    tmp = Path(tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    src = tmp / "dem.tif"
    profile = dict(driver="GTiff", height=n, width=n, count=1, dtype="float32", crs=t.crs, transform=t.transform)
    with rasterio.open(src, "w", **profile) as ds:
        ds.write(z, 1)

    def ours() -> None:
        _kernels.slope_deg(z, res, res)
        _kernels.hillshade(z, res, res, 315.0, 45.0, 1.0)

    def ours_with_files() -> None:
        with rasterio.open(src) as ds:
            a = ds.read(1)
        s = _kernels.slope_deg(a, res, res)
        h = _kernels.hillshade(a, res, res, 315.0, 45.0, 1.0)
        for name, arr in (("s", s), ("h", (1 + 254 * h).astype(np.uint8))):
            with rasterio.open(tmp / f"ours_{name}.tif", "w", **{**profile, "dtype": str(arr.dtype)}) as ds:
                ds.write(arr, 1)

    def gdal() -> None:
        subprocess.run([gdaldem, "slope", str(src), str(tmp / "s.tif"), "-q"], check=True)
        subprocess.run([gdaldem, "hillshade", str(src), str(tmp / "h.tif"), "-q"], check=True)

    ours()  # compile (or load the numba cache) outside the timing
    threads = numba.get_num_threads()
    t_gdal = median_time(gdal, args.repeat)[0]
    t_ours = median_time(ours, args.repeat)[0]
    t_files = median_time(ours_with_files, args.repeat)[0]
    numba.set_num_threads(1)
    t_one = median_time(ours, args.repeat)[0]
    numba.set_num_threads(threads)

    with rasterio.open(tmp / "s.tif") as ds:
        g = ds.read(1)[1:-1, 1:-1]
    diff = np.abs(_kernels.slope_deg(z, res, res)[1:-1, 1:-1] - g)
    shutil.rmtree(tmp)
    print(f"grid: {n} x {n} cells of {res:g} m (White Mountains SRTM3, resampled); median of {args.repeat}")
    print(f"gdaldem slope + hillshade (GeoTIFF in/out, 1 thread): {t_gdal:8.3f} s")
    print(f"carpathia slope + hillshade, in memory, {threads} threads: {t_ours:8.3f} s   ratio {t_ours / t_gdal:.3f}")
    print(f"carpathia slope + hillshade, in memory, 1 thread:   {t_one:8.3f} s   ratio {t_one / t_gdal:.3f}")
    print(f"carpathia with GeoTIFF in/out, {threads} threads:     {t_files:8.3f} s   ratio {t_files / t_gdal:.3f}")
    print(f"slope agreement with gdaldem: max |diff| {diff.max():.2e} deg")


if __name__ == "__main__":
    main()
