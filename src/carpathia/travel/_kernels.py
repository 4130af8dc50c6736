"""Numba kernels for travel-time fields and least-cost paths.

Kernels see only arrays, ints and floats, never a Python object. Grids are flat C-order views
of north-up 2-D arrays; a cell index is ``row * ncols + col`` and fits an int32 (the public
functions refuse grids of 2**31 cells or more).

Dijkstra's algorithm with an array-based binary min-heap and lazy deletion: a cell is pushed
again whenever its tentative time drops, and an entry popped with a time above the cell's
current one is stale and skipped. This needs no position map (no int32 per cell). The heap
holds only the front: keys (times, float64) and cell ids (int32) in two arrays, grown by
doubling. The result array itself holds the tentative times, so the only grid-sized allocation
is the float64 result.

Stencils (``neighbours``): 4 (rook moves), 8 (plus diagonals, scikit-image's fully connected
neighbourhood) and 16 (plus the eight knight moves (±1, ±2), (±2, ±1) of length √5 cells). A
knight move crosses two cells besides its ends: the orthogonal neighbour along its long axis and
the diagonal neighbour in its direction (for (1, 2): (0, 1) and (1, 1)); both must be passable.
Diagonal moves need no such check, as in scikit-image's ``MCP_Geometric``.

References: Dijkstra, E. W. (1959), Numerische Mathematik 1, 269-271. Wegener, I. (1993),
Bottom-up heapsort, Theoretical Computer Science 118(1), 81-98.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Tobler's hiking function, v = 6 exp(-3.5 |S + 0.05|) km/h (Tobler 1993, NCGIA technical report
# 93-1, "Three presentations on geographical analysis and modeling"); its constants live in
# speed.py and are passed in, so that one definition serves the vectorised and the kernel code.

# Moves of the 16-neighbour stencil: 4 rook moves, 4 diagonals, 8 knight moves; the 4- and
# 8-neighbour stencils are its first 4 and 8 entries.
_DR = (-1, 1, 0, 0, -1, -1, 1, 1, -1, -1, 1, 1, -2, -2, 2, 2)
_DC = (0, 0, -1, 1, -1, 1, -1, 1, -2, 2, -2, 2, -1, 1, -1, 1)


@njit(cache=True, nogil=True)
def stencil(neighbours, cellsize, ncols):
    """The moves of a 4-, 8- or 16-neighbour stencil on a grid of ``ncols`` columns.

    Returns row and column offsets, flat offsets, step lengths and half lengths (m), and the flat
    offsets of the two cells each knight move crosses (the orthogonal neighbour along its long
    axis, then the diagonal one; 0 for the other moves). Built with loops over constant tuples,
    which numba compiles much faster than array expressions.
    """
    k = 4 if neighbours == 4 else (8 if neighbours == 8 else 16)
    dr = np.empty(k, dtype=np.int64)
    dc = np.empty(k, dtype=np.int64)
    off = np.empty(k, dtype=np.int64)
    length = np.empty(k, dtype=np.float64)
    half = np.empty(k, dtype=np.float64)
    mid1 = np.zeros(k, dtype=np.int64)
    mid2 = np.zeros(k, dtype=np.int64)
    for m in range(k):
        r = _DR[m]
        c = _DC[m]
        dr[m] = r
        dc[m] = c
        off[m] = r * ncols + c
        a = r * cellsize
        b = c * cellsize
        length[m] = math.sqrt(a * a + b * b)  # as scikit-image computes it: costs agree to the bit
        half[m] = length[m] * 0.5
        if m >= 8:
            sr = 1 if r > 0 else -1
            sc = 1 if c > 0 else -1
            mid1[m] = sr * ncols if abs(r) == 2 else sc
            mid2[m] = sr * ncols + sc
    return dr, dc, off, length, half, mid1, mid2


@njit(cache=True, nogil=True, inline="always")
def _push(keys, vals, size, key, cell):
    """Insert (key, cell) into the heap of ``size`` entries; return the new size.

    The caller guarantees room for one more entry and the inf sentinel (``_grow``).
    """
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        pk = keys[parent]
        if pk <= key:
            break
        keys[pos] = pk
        vals[pos] = vals[parent]
        pos = parent
    keys[pos] = key
    vals[pos] = cell
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def _pop(keys, vals, size):
    """Remove the root (read ``keys[0]``, ``vals[0]`` first); return the new size.

    Bottom-up deletion (Wegener 1993): the hole left by the root sinks to a leaf along the
    smaller children (one comparison per level, written so that it compiles to a select rather
    than a branch), then the last entry is sifted up from there, usually by a level or two as it
    is large. Slots from ``size`` on hold the key inf, so a missing right child is never chosen.
    """
    size -= 1
    key = keys[size]
    cell = vals[size]
    keys[size] = np.inf
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        a = keys[child]
        b = keys[child + 1]
        child += b < a
        keys[pos] = min(a, b)
        vals[pos] = vals[child]
        pos = child
    while pos > 0:
        parent = (pos - 1) >> 1
        pk = keys[parent]
        if pk <= key:
            break
        keys[pos] = pk
        vals[pos] = vals[parent]
        pos = parent
    keys[pos] = key
    vals[pos] = cell
    return size


@njit(cache=True, nogil=True)
def _infs(n):
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = np.inf
    return out


@njit(cache=True, nogil=True)
def _new_heap(nr, nc):
    n = max(1024, 4 * (nr + nc))
    return _infs(n), np.zeros(n, dtype=np.int32)


@njit(cache=True, nogil=True)
def _grow(keys, vals):
    """The heap's arrays at twice the size, the new slots inf (loops: quicker to compile than slices)."""
    n = keys.size
    k2 = _infs(2 * n)
    v2 = np.zeros(2 * n, dtype=np.int32)
    for i in range(n):
        k2[i] = keys[i]
        v2[i] = vals[i]
    return k2, v2


@njit(cache=True, nogil=True)
def _seed(out, keys, vals, sources):
    """Put every source on the heap at time 0; returns the heap and its size."""
    size = 0
    for s in sources:
        if out[s] != 0.0:
            out[s] = 0.0
            if size + 2 > keys.size:  # room for the entry and the inf sentinel
                keys, vals = _grow(keys, vals)
            size = _push(keys, vals, size, 0.0, s)
    return keys, vals, size


@njit(cache=True, nogil=True)
def _clear_beyond(out, max_time):
    for i in range(out.size):
        if out[i] > max_time:
            out[i] = np.inf


@njit(cache=True, nogil=True)
def travel_time_iso(speed, sources, cellsize, neighbours, max_time):
    """Travel time (s) from the nearest source over an isotropic speed grid (m/s).

    A step between cells a and b of length L costs ``(L / 2) · (1/speed[a] + 1/speed[b])``, the
    formula of scikit-image's ``MCP_Geometric`` evaluated in the same order. Cells whose speed is
    not > 0 (0 or NaN) are impassable. ``sources`` are flat int32 indices of passable cells.
    Cells beyond ``max_time`` stay inf. Returns a flat float64 array.
    """
    nr, nc = speed.shape
    flat = speed.ravel()
    dr, dc, off, _, half, mid1, mid2 = stencil(neighbours, cellsize, nc)
    k = dr.size
    margin = 2 if k == 16 else 1
    out = _infs(nr * nc)
    keys, vals = _new_heap(nr, nc)
    keys, vals, size = _seed(out, keys, vals, sources)
    stopped = False
    while size > 0:
        d = keys[0]
        i = np.int64(vals[0])
        size = _pop(keys, vals, size)
        if d > out[i]:
            continue  # stale entry
        if d > max_time:
            stopped = True
            break
        if size + k + 1 > keys.size:  # room for this cell's pushes and the inf sentinel
            keys, vals = _grow(keys, vals)
        ci = 1.0 / flat[i]
        r = i // nc
        c = i - r * nc
        interior = r >= margin and r < nr - margin and c >= margin and c < nc - margin
        for m in range(k):
            if not interior:
                rr = r + dr[m]
                cc = c + dc[m]
                if rr < 0 or rr >= nr or cc < 0 or cc >= nc:
                    continue
            j = i + off[m]
            sj = flat[j]
            if not sj > 0.0:
                continue
            if m >= 8 and not (flat[i + mid1[m]] > 0.0 and flat[i + mid2[m]] > 0.0):
                continue
            nd = d + half[m] * (ci + 1.0 / sj)
            if nd < out[j]:
                out[j] = nd
                size = _push(keys, vals, size, nd, np.int32(j))
    if stopped:  # at max_time: tentative times beyond it are not final
        _clear_beyond(out, max_time)
    return out


@njit(cache=True, nogil=True, inline="always")
def _tobler_step_time(length, dz, vmax, decay, offset):
    """Seconds to walk a step of horizontal ``length`` climbing ``dz`` at Tobler's speed."""
    s = dz / length
    v = vmax * math.exp(-decay * abs(s + offset))
    return length / v


@njit(cache=True, nogil=True)
def travel_time_tobler(z, factor, sources, cellsize, neighbours, tan_max, max_time, towards, vmax, decay, offset):
    """Travel time (s) over terrain: Tobler's speed on each step's slope times per-cell factors.

    A step from a to b of horizontal length L and slope S = (z[b] - z[a]) / L takes
    ``L / tobler(S) · (1/factor[a] + 1/factor[b]) / 2``; steps with |S| > ``tan_max`` are
    impassable, as are cells with NaN elevation or factor not > 0. With ``towards`` the walk
    goes from each cell to the nearest source (the slope of a relaxed edge is reversed).
    ``vmax`` is Tobler's top speed in m/s, ``decay`` and ``offset`` the 3.5 and 0.05 of his
    formula. Returns a flat float64 array.
    """
    nr, nc = z.shape
    zf = z.ravel()
    ff = factor.ravel()
    dr, dc, off, length, _, mid1, mid2 = stencil(neighbours, cellsize, nc)
    k = dr.size
    margin = 2 if k == 16 else 1
    out = _infs(nr * nc)
    keys, vals = _new_heap(nr, nc)
    keys, vals, size = _seed(out, keys, vals, sources)
    stopped = False
    while size > 0:
        d = keys[0]
        i = np.int64(vals[0])
        size = _pop(keys, vals, size)
        if d > out[i]:
            continue
        if d > max_time:
            stopped = True
            break
        if size + k + 1 > keys.size:
            keys, vals = _grow(keys, vals)
        gi = 1.0 / ff[i]
        zi = np.float64(zf[i])
        r = i // nc
        c = i - r * nc
        interior = r >= margin and r < nr - margin and c >= margin and c < nc - margin
        for m in range(k):
            if not interior:
                rr = r + dr[m]
                cc = c + dc[m]
                if rr < 0 or rr >= nr or cc < 0 or cc >= nc:
                    continue
            j = i + off[m]
            fj = ff[j]
            zj = np.float64(zf[j])
            if not fj > 0.0 or math.isnan(zj):
                continue
            if m >= 8:
                j1 = i + mid1[m]
                j2 = i + mid2[m]
                if not (ff[j1] > 0.0 and ff[j2] > 0.0) or math.isnan(zf[j1]) or math.isnan(zf[j2]):
                    continue
            dz = zi - zj if towards else zj - zi
            if abs(dz) > tan_max * length[m]:
                continue
            t = _tobler_step_time(length[m], dz, vmax, decay, offset)
            nd = d + t * 0.5 * (gi + 1.0 / fj)
            if nd < out[j]:
                out[j] = nd
                size = _push(keys, vals, size, nd, np.int32(j))
    if stopped:
        _clear_beyond(out, max_time)
    return out


@njit(cache=True, nogil=True)
def _append(path, n, i):
    """Store ``i`` at ``path[n]``, doubling the array when it is full; returns the array."""
    if n == path.size:
        p2 = np.empty(2 * n, dtype=np.int64)
        for q in range(n):
            p2[q] = path[q]
        path = p2
    path[n] = i
    return path


@njit(cache=True, nogil=True)
def trace_iso(times, speed, cellsize, neighbours, target):
    """Back-trace from flat cell ``target`` to a source (time 0) by steepest descent.

    At each cell x the predecessor is the neighbour p with times[p] < times[x] that minimises
    ``times[p] + step_cost(p, x)`` under the step costs of :func:`travel_time_iso`. Returns the
    flat indices from the target back to the source; the last one has time > 0 if the trace
    got stuck (times inconsistent with the speed grid).
    """
    nr, nc = speed.shape
    tf = times.ravel()
    flat = speed.ravel()
    dr, dc, off, _, half, mid1, mid2 = stencil(neighbours, cellsize, nc)
    k = dr.size
    path = np.empty(64, dtype=np.int64)
    n = 0
    i = target
    while True:
        path = _append(path, n, i)
        n += 1
        ti = tf[i]
        if not ti > 0.0:
            break
        ci = 1.0 / flat[i]
        r = i // nc
        c = i - r * nc
        best = np.inf
        bj = -1
        for m in range(k):
            rr = r + dr[m]
            cc = c + dc[m]
            if rr < 0 or rr >= nr or cc < 0 or cc >= nc:
                continue
            j = i + off[m]
            sj = flat[j]
            tj = tf[j]
            if not sj > 0.0 or not tj < ti:
                continue
            if m >= 8:
                j1 = i + mid1[m]
                j2 = i + mid2[m]
                if not (flat[j1] > 0.0 and flat[j2] > 0.0):
                    continue
            v = tj + half[m] * (1.0 / sj + ci)
            if v < best:
                best = v
                bj = j
        if bj < 0:
            break
        i = bj
    return path[:n]


@njit(cache=True, nogil=True)
def trace_tobler(times, z, factor, cellsize, neighbours, tan_max, towards, vmax, decay, offset, target):
    """Back-trace of :func:`travel_time_tobler`, as :func:`trace_iso` with directed step costs.

    Without ``towards`` the walker came from the predecessor p to x (slope z[x] - z[p]); with
    ``towards`` the walker goes from x on to p (slope z[p] - z[x]).
    """
    nr, nc = z.shape
    tf = times.ravel()
    zf = z.ravel()
    ff = factor.ravel()
    dr, dc, off, length, _, mid1, mid2 = stencil(neighbours, cellsize, nc)
    k = dr.size
    path = np.empty(64, dtype=np.int64)
    n = 0
    i = target
    while True:
        path = _append(path, n, i)
        n += 1
        ti = tf[i]
        if not ti > 0.0:
            break
        gi = 1.0 / ff[i]
        zi = np.float64(zf[i])
        r = i // nc
        c = i - r * nc
        best = np.inf
        bj = -1
        for m in range(k):
            rr = r + dr[m]
            cc = c + dc[m]
            if rr < 0 or rr >= nr or cc < 0 or cc >= nc:
                continue
            j = i + off[m]
            fj = ff[j]
            zj = np.float64(zf[j])
            tj = tf[j]
            if not fj > 0.0 or math.isnan(zj) or not tj < ti:
                continue
            if m >= 8:
                j1 = i + mid1[m]
                j2 = i + mid2[m]
                if not (ff[j1] > 0.0 and ff[j2] > 0.0) or math.isnan(zf[j1]) or math.isnan(zf[j2]):
                    continue
            dz = zj - zi if towards else zi - zj
            if abs(dz) > tan_max * length[m]:
                continue
            t = _tobler_step_time(length[m], dz, vmax, decay, offset)
            v = tj + t * 0.5 * (1.0 / fj + gi)
            if v < best:
                best = v
                bj = j
        if bj < 0:
            break
        i = bj
    return path[:n]
