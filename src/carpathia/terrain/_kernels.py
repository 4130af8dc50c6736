"""Numba kernels for the derived terrain layers.

Kernels see only arrays and floats, never a Python object. Grids are north-up: row 0 is the
northern edge, ``dx`` and ``dy`` are the positive cell sizes in metres. A cell whose 3 × 3
window holds a NaN gets NaN. Edge cells use the nearest row/column inside the grid (edge
replication), so every cell of a valid grid gets a value; interior cells match GDAL's
``gdaldem`` (Horn 1981 gradient), which the test-suite checks.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

_DEG = 180.0 / math.pi


@njit(cache=True, nogil=True, inline="always")
def _window(z, i, j, nr, nc):
    """Return the Horn gradient (dz/dx east, dz/dy north) at (i, j) times 8·cellsize.

    Returns NaN, NaN when a value of the window is NaN.
    """
    im = i - 1 if i > 0 else 0
    ip = i + 1 if i < nr - 1 else nr - 1
    jm = j - 1 if j > 0 else 0
    jp = j + 1 if j < nc - 1 else nc - 1
    a = z[im, jm]
    b = z[im, j]
    c = z[im, jp]
    d = z[i, jm]
    e = z[i, j]
    f = z[i, jp]
    g = z[ip, jm]
    h = z[ip, j]
    k = z[ip, jp]
    s = a + b + c + d + e + f + g + h + k
    if math.isnan(s):
        return math.nan, math.nan
    gx = (c + 2.0 * f + k) - (a + 2.0 * d + g)  # towards east
    gy = (a + 2.0 * b + c) - (g + 2.0 * h + k)  # towards north (row 0 is north)
    return gx, gy


@njit(cache=True, nogil=True, parallel=True)
def slope_deg(z, dx, dy):
    """Slope in degrees (Horn 1981), float32."""
    nr, nc = z.shape
    out = np.empty((nr, nc), dtype=np.float32)
    kx = 1.0 / (8.0 * dx)
    ky = 1.0 / (8.0 * dy)
    for i in prange(nr):
        for j in range(nc):
            gx, gy = _window(z, i, j, nr, nc)
            gx *= kx
            gy *= ky
            out[i, j] = math.atan(math.sqrt(gx * gx + gy * gy)) * _DEG
    return out


@njit(cache=True, nogil=True, parallel=True)
def aspect_deg(z, dx, dy):
    """Downslope direction in degrees clockwise from grid north, [0, 360); NaN where flat."""
    nr, nc = z.shape
    out = np.empty((nr, nc), dtype=np.float32)
    kx = 1.0 / (8.0 * dx)
    ky = 1.0 / (8.0 * dy)
    for i in prange(nr):
        for j in range(nc):
            gx, gy = _window(z, i, j, nr, nc)
            gx *= kx
            gy *= ky
            if gx == 0.0 and gy == 0.0:
                out[i, j] = math.nan
            else:
                a = math.atan2(-gx, -gy) * _DEG
                if a < 0.0:
                    a += 360.0
                if a >= 360.0:
                    a -= 360.0
                out[i, j] = a
    return out


@njit(cache=True, nogil=True, parallel=True)
def hillshade(z, dx, dy, azimuth_deg, altitude_deg, zfactor):
    """Cosine of the sun's incidence angle on the surface, clipped to [0, 1], float32.

    ``azimuth_deg`` is clockwise from grid north, ``altitude_deg`` above the horizon.
    ``gdaldem hillshade`` writes ``1 + 254 · value`` (and 1 where the value is 0).
    """
    nr, nc = z.shape
    out = np.empty((nr, nc), dtype=np.float32)
    az = azimuth_deg / _DEG
    alt = altitude_deg / _DEG
    lx = math.sin(az) * math.cos(alt)
    ly = math.cos(az) * math.cos(alt)
    lz = math.sin(alt)
    kx = zfactor / (8.0 * dx)
    ky = zfactor / (8.0 * dy)
    for i in prange(nr):
        for j in range(nc):
            gx, gy = _window(z, i, j, nr, nc)
            gx *= kx
            gy *= ky
            # surface normal (-gx, -gy, 1) / |.| dotted with the sun vector
            c = (lz - gx * lx - gy * ly) / math.sqrt(1.0 + gx * gx + gy * gy)
            if c < 0.0:
                c = 0.0
            out[i, j] = c
    return out


@njit(cache=True, nogil=True, parallel=True)
def ruggedness_riley(z):
    """Terrain ruggedness index of Riley, DeGloria & Elliot (1999), metres, float32.

    The square root of the sum of squared differences between a cell and its eight
    neighbours (``gdaldem TRI -alg Riley``).
    """
    nr, nc = z.shape
    out = np.empty((nr, nc), dtype=np.float32)
    for i in prange(nr):
        for j in range(nc):
            e = z[i, j]
            acc = 0.0
            for di in range(-1, 2):
                ii = min(max(i + di, 0), nr - 1)
                for dj in range(-1, 2):
                    jj = min(max(j + dj, 0), nc - 1)
                    d = z[ii, jj] - e
                    acc += d * d
            out[i, j] = math.sqrt(acc)
    return out
