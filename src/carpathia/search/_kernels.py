"""Numba kernels of the search package: drainage on a DEM for the automatic segments.

Arrays and numbers only; the public functions in :mod:`carpathia.search.segments` validate.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

_DR = np.array([-1, -1, -1, 0, 0, 1, 1, 1], np.int64)
_DC = np.array([-1, 0, 1, -1, 1, -1, 0, 1], np.int64)
_SQRT2 = 1.4142135623730951
#: Contour lengths of Quinn, Beven, Chevallier & Planchon (1991), in cells.
_STRAIGHT_CONTOUR = 0.5
_DIAG_CONTOUR = 0.354


@njit(cache=True, nogil=True)
def priority_flood(z, valid):
    """Drainage tree of a DEM by Priority-Flood (Barnes, Lehman & Mulla 2014).

    Cells on the grid edge or next to a no-data cell are the outlets. Cells are taken from a
    priority queue, lowest water level first (ties in insertion order, so the result is
    deterministic); each neighbour seen for the first time drains into the cell that reached it
    and enters the queue at ``max(z, level)``. Depressions fill to their spill point and drain
    through it; flats drain breadth-first towards their outlet.

    Returns ``(receiver, order, level)``: the flat index each cell drains into (−1 for outlets
    and no-data cells), the cells in the order they left the queue (downstream before upstream,
    by non-decreasing level) and the filled surface (each cell's water level, float64).
    """
    h, w = z.shape
    n = h * w
    recv = np.full(n, -1, np.int64)
    order = np.empty(n, np.int64)
    seen = np.zeros(n, np.bool_)
    fill = np.zeros(n, np.float64)
    heap = [(0.0, np.int64(0), np.int64(0))]
    heap.pop()
    seq = np.int64(0)
    for r in range(h):
        for c in range(w):
            if not valid[r, c]:
                continue
            edge = r == 0 or c == 0 or r == h - 1 or c == w - 1
            if not edge:
                for k in range(8):
                    if not valid[r + _DR[k], c + _DC[k]]:
                        edge = True
                        break
            if edge:
                i = r * w + c
                seen[i] = True
                heapq.heappush(heap, (z[r, c], seq, np.int64(i)))
                seq += 1
    m = 0
    while len(heap) > 0:
        level, _, i = heapq.heappop(heap)
        fill[i] = level
        order[m] = i
        m += 1
        r = i // w
        c = i - r * w
        for k in range(8):
            rr = r + _DR[k]
            cc = c + _DC[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or not valid[rr, cc]:
                continue
            j = rr * w + cc
            if seen[j]:
                continue
            seen[j] = True
            recv[j] = i
            heapq.heappush(heap, (max(z[rr, cc], level), seq, np.int64(j)))
            seq += 1
    return recv, order[:m], fill


@njit(cache=True, nogil=True)
def steepest_receivers(fill, recv, valid):
    """D8 receivers by steepest descent on the filled surface (O'Callaghan & Mark 1984).

    Each cell drains to the neighbour with the largest drop per unit distance (a diagonal step
    is √2 long), so on a plane the flow line takes the nearest of the eight directions; a cell
    with no lower neighbour (a flat or a filled depression) keeps its Priority-Flood receiver.
    The receiver always left the Priority-Flood queue earlier, so ``order`` stays topological.
    """
    h, w = valid.shape
    out = recv.copy()
    for r in range(h):
        for c in range(w):
            if not valid[r, c]:
                continue
            i = r * w + c
            best = 0.0
            for k in range(8):
                rr = r + _DR[k]
                cc = c + _DC[k]
                if rr < 0 or cc < 0 or rr >= h or cc >= w or not valid[rr, cc]:
                    continue
                j = rr * w + cc
                drop = fill[i] - fill[j]
                if drop <= 0.0:
                    continue
                if _DR[k] != 0 and _DC[k] != 0:
                    drop /= _SQRT2
                if drop > best:
                    best = drop
                    out[i] = j
    return out


@njit(cache=True, nogil=True)
def accumulate_mfd(fill, d8, order, valid, channel):
    """Upstream area in cells by multiple flow directions, single direction in channels.

    Outside channels a cell shares its water among all lower neighbours in proportion to
    slope × contour length (Quinn, Beven, Chevallier & Planchon 1991: contour lengths 0.5 and
    0.354 of a cell for straight and diagonal neighbours), so on a plane flow spreads and the
    area grows with the length of slope above a cell, not with the length of a D8 flow line.
    A cell whose area reaches ``channel`` cells passes all of it to its D8 receiver, the
    channel-initiation rule of Quinn, Beven & Lamb (1995). Cells with no lower neighbour pass
    everything to their D8 receiver. Beside the grid's edge or no-data, the slope is taken to go
    on as it does across the cell, and the share that goes that way leaves the map (otherwise
    edge cells would gather the water of a plane into a false stream). Returns the area in
    cells (the cell itself included).
    """
    h, w = valid.shape
    acc = np.zeros(h * w, np.float64)
    for k in range(order.size):
        acc[order[k]] = 1.0
    share = np.zeros(8, np.float64)
    for k in range(order.size - 1, -1, -1):
        i = order[k]
        a = acc[i]
        if a < channel:
            r = i // w
            c = i - r * w
            total = 0.0
            for m in range(8):
                share[m] = 0.0
                rr = r + _DR[m]
                cc = c + _DC[m]
                if rr < 0 or cc < 0 or rr >= h or cc >= w or not valid[rr, cc]:
                    # off the grid the slope goes on as across the cell: water leaves the map
                    ro = r - _DR[m]
                    co = c - _DC[m]
                    if ro < 0 or co < 0 or ro >= h or co >= w or not valid[ro, co]:
                        continue
                    drop = fill[ro * w + co] - fill[i]
                else:
                    drop = fill[i] - fill[rr * w + cc]
                if drop <= 0.0:
                    continue
                if _DR[m] != 0 and _DC[m] != 0:
                    share[m] = drop / _SQRT2 * _DIAG_CONTOUR
                else:
                    share[m] = drop * _STRAIGHT_CONTOUR
                total += share[m]
            if total > 0.0:
                for m in range(8):
                    rr = r + _DR[m]
                    cc = c + _DC[m]
                    if share[m] > 0.0 and 0 <= rr < h and 0 <= cc < w and valid[rr, cc]:
                        acc[rr * w + cc] += a * share[m] / total
                continue
        j = d8[i]
        if j >= 0:
            acc[j] += a
    return acc


@njit(cache=True, nogil=True)
def link_catchments(recv, order, stream):
    """Label every cell with the stream link it drains into first.

    A link is a run of stream cells between a channel head or confluence and the next
    confluence or outlet. A cell off the network takes the label of the first stream cell
    downstream; cells that leave the grid before reaching a stream take the label of the
    outlet cell they leave by. Labels count from 1 in drainage order; −1 for no-data cells.
    """
    n = recv.size
    donors = np.zeros(n, np.int64)
    for k in range(order.size):
        i = order[k]
        j = recv[i]
        if stream[i] and j >= 0 and stream[j]:
            donors[j] += 1
    lab = np.full(n, -1, np.int64)
    nxt = 1
    for k in range(order.size):
        i = order[k]
        j = recv[i]
        if stream[i]:
            if j < 0 or not stream[j] or donors[j] >= 2:
                lab[i] = nxt
                nxt += 1
            else:
                lab[i] = lab[j]
        elif j < 0:  # an outlet off the network: its own small catchment
            lab[i] = nxt
            nxt += 1
        else:
            lab[i] = lab[j]
    return lab


@njit(cache=True, nogil=True)
def largest_part(rr, cc, h, w):
    """Cells in the largest 4-connected part of the cells (rr, cc) of an h × w window."""
    mark = np.zeros((h, w), np.int8)
    for k in range(rr.size):
        mark[rr[k], cc[k]] = 1
    stack = np.empty(rr.size, np.int64)
    best = 0
    for k in range(rr.size):
        if mark[rr[k], cc[k]] != 1:
            continue
        mark[rr[k], cc[k]] = 2
        stack[0] = rr[k] * w + cc[k]
        top = 1
        size = 0
        while top > 0:
            top -= 1
            i = stack[top]
            size += 1
            r = i // w
            c = i - r * w
            for d in range(4):
                r2 = r + (d == 0) - (d == 1)
                c2 = c + (d == 2) - (d == 3)
                if 0 <= r2 < h and 0 <= c2 < w and mark[r2, c2] == 1:
                    mark[r2, c2] = 2
                    stack[top] = r2 * w + c2
                    top += 1
        if size > best:
            best = size
    return best
