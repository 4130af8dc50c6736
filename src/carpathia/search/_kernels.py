"""Numba kernels of the search package: drainage on a DEM for the automatic segments.

Arrays and numbers only; the public functions in :mod:`carpathia.search.segments` validate.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

_DR = np.array([-1, -1, -1, 0, 0, 1, 1, 1], np.int64)
_DC = np.array([-1, 0, 1, -1, 1, -1, 0, 1], np.int64)


@njit(cache=True, nogil=True)
def priority_flood(z, valid):
    """Drainage tree of a DEM by Priority-Flood (Barnes, Lehman & Mulla 2014).

    Cells on the grid edge or next to a no-data cell are the outlets. Cells are taken from a
    priority queue, lowest water level first (ties in insertion order, so the result is
    deterministic); each neighbour seen for the first time drains into the cell that reached it
    and enters the queue at ``max(z, level)``. Depressions fill to their spill point and drain
    through it; flats drain breadth-first towards their outlet.

    Returns ``(receiver, order)``: the flat index each cell drains into (−1 for outlets and
    no-data cells) and the cells in the order they left the queue (downstream before upstream).
    """
    h, w = z.shape
    n = h * w
    recv = np.full(n, -1, np.int64)
    order = np.empty(n, np.int64)
    seen = np.zeros(n, np.bool_)
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
    return recv, order[:m]


@njit(cache=True, nogil=True)
def accumulate(recv, order, width):
    """Upstream area in cells (the cell itself included) and the longest flow path to each cell.

    ``width`` is the number of columns (to tell diagonal steps, √2 cells long, from straight
    ones). Returns ``(area, length)``, both float64 in cells, summed from upstream down.
    """
    acc = np.zeros(recv.size, np.float64)
    length = np.zeros(recv.size, np.float64)
    for k in range(order.size):
        acc[order[k]] = 1.0
    diag = np.sqrt(2.0)
    for k in range(order.size - 1, -1, -1):
        i = order[k]
        j = recv[i]
        if j >= 0:
            acc[j] += acc[i]
            step = 1.0 if (i - j == 1 or j - i == 1 or i - j == width or j - i == width) else diag
            if length[i] + step > length[j]:
                length[j] = length[i] + step
    return acc, length


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
