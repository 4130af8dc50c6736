"""Region operations on label grids for :mod:`carpathia.search.segments` (private).

Labels are int64 grids, −1 for cells in no region. Connected components come from
``scipy.ndimage``; merging keeps a region adjacency table of shared boundary lengths.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.csgraph import connected_components

#: What a segment boundary can follow, in the order used to classify a boundary cell pair.
BOUNDARY_KINDS = ("road", "trail", "stream", "ridge", "cut", "area edge", "map edge")
#: Weight of a boundary edge on a stream, trail or road when choosing which neighbour a small
#: piece joins (carpathia's choice: such a feature is kept unless ten times shorter).
STRONG_WEIGHT = 0.1


def components(lab: np.ndarray) -> tuple[np.ndarray, int]:
    """Split each label (≥ 0) into its 4-connected pieces, numbered from 0 in scan order.

    One graph of the grid's cells, an edge between 4-neighbours of equal label, and its
    connected components (``scipy.sparse.csgraph``): O(cells), whatever the number of labels.
    """
    h, w = lab.shape
    idx = np.arange(h * w, dtype=np.int64).reshape(h, w)
    eh = (lab[:, :-1] == lab[:, 1:]) & (lab[:, :-1] >= 0)
    ev = (lab[:-1, :] == lab[1:, :]) & (lab[:-1, :] >= 0)
    rows = np.concatenate([idx[:, :-1][eh], idx[:-1, :][ev]])
    cols = np.concatenate([idx[:, 1:][eh], idx[1:, :][ev]])
    graph = sparse.csr_matrix((np.ones(rows.size, np.int8), (rows, cols)), shape=(h * w, h * w))
    _, comp = connected_components(graph, directed=False)
    comp = comp.reshape(h, w)
    keep = lab >= 0
    out = np.full(lab.shape, -1, np.int64)
    if not keep.any():
        return out, 0
    _, first, inv = np.unique(comp[keep], return_index=True, return_inverse=True)
    rank = np.empty(first.size, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    out[keep] = rank[inv.ravel()]
    return out, int(first.size)


def fill_from_nearest(pieces: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Give each cell of the area without a piece (streams, trails) the nearest piece's label."""
    missing = area & (pieces < 0)
    if not missing.any():
        return pieces
    _, (ri, ci) = ndimage.distance_transform_edt(pieces < 0, return_indices=True)
    out = pieces.copy()
    out[missing] = pieces[ri[missing], ci[missing]]
    return out


def _adjacency(lab: np.ndarray, strong: np.ndarray | None = None) -> dict[int, dict[int, float]]:
    """Shared boundary between 4-adjacent labels ≥ 0, in cell edges.

    With ``strong`` (cells on streams, trails, roads), an edge touching such a cell counts
    :data:`STRONG_WEIGHT`, so merges prefer to cross boundaries with no feature.
    """
    a = np.concatenate([lab[:, :-1].ravel(), lab[:-1, :].ravel()])
    b = np.concatenate([lab[:, 1:].ravel(), lab[1:, :].ravel()])
    keep = (a >= 0) & (b >= 0) & (a != b)
    weight = np.ones(int(keep.sum()))
    if strong is not None:
        sa = np.concatenate([strong[:, :-1].ravel(), strong[:-1, :].ravel()])
        sb = np.concatenate([strong[:, 1:].ravel(), strong[1:, :].ravel()])
        weight[(sa | sb)[keep]] = STRONG_WEIGHT
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    m = int(lab.max()) + 1
    keys, inv = np.unique(lo * m + hi, return_inverse=True)
    counts = np.bincount(inv, weights=weight, minlength=keys.size)
    adj: dict[int, dict[int, float]] = {}
    for key, cnt in zip(keys.tolist(), counts.tolist(), strict=True):
        i, j = divmod(key, m)
        adj.setdefault(i, {})[j] = cnt
        adj.setdefault(j, {})[i] = cnt
    return adj


def _merge(lab: np.ndarray, parent: np.ndarray) -> np.ndarray:
    root = parent.copy()
    for k in range(root.size):  # resolve chains (each merge points at a live piece)
        r = k
        while root[r] != r:
            r = root[r]
        root[k] = r
    out = np.where(lab >= 0, root[np.maximum(lab, 0)], -1)
    return _compact(out)


def _compact(lab: np.ndarray) -> np.ndarray:
    used = np.unique(lab[lab >= 0])
    lut = np.full(int(lab.max()) + 1 if lab.size and lab.max() >= 0 else 1, -1, np.int64)
    lut[used] = np.arange(used.size)
    return np.where(lab >= 0, lut[np.maximum(lab, 0)], -1)


def merge_small(lab: np.ndarray, lo_cells: float, hi_cells: float, *, allow_over: bool, strong=None) -> np.ndarray:
    """Join pieces below ``lo_cells`` to the neighbour with the longest shared boundary, smallest first.

    With ``allow_over`` any neighbour may take it (the union is split again later); otherwise
    only one that keeps the union within ``hi_cells``. Ties go to the larger neighbour.
    """
    n = int(lab.max()) + 1 if lab.size else 0
    if n <= 1:
        return lab
    size = np.bincount(lab[lab >= 0], minlength=n).astype(float)
    adj = _adjacency(lab, strong)
    parent = np.arange(n)
    heap = [(size[i], i) for i in range(n) if size[i] < lo_cells]
    heapq.heapify(heap)
    while heap:
        s, i = heapq.heappop(heap)
        if parent[i] != i or s != size[i] or size[i] >= lo_cells:
            continue
        nbrs = adj.get(i, {})
        fits = [j for j in nbrs if size[i] + size[j] <= hi_cells]
        pool = list(nbrs) if allow_over else fits
        if not pool:
            continue
        j = max(pool, key=lambda k: (nbrs[k], size[k], -k))  # ties: into the larger piece
        parent[i] = j
        size[j] += size[i]
        for k, cnt in nbrs.items():
            if k == j:
                continue
            adj[j][k] = adj[j].get(k, 0) + cnt
            adj[k][j] = adj[k].get(j, 0) + cnt
            del adj[k][i]
        del adj[j][i]
        adj[i] = {}
        if size[j] < lo_cells:
            heapq.heappush(heap, (size[j], j))
    return _merge(lab, parent)


def split_large(lab: np.ndarray, hi_cells: float) -> np.ndarray:
    """Halve pieces above ``hi_cells`` along their long axis (equal areas) until they fit."""
    out = lab.copy()
    nxt = int(lab.max()) + 1 if lab.size else 0
    for v, sl in enumerate(ndimage.find_objects(lab + 1)):
        if sl is None:
            continue
        rr, cc = np.nonzero(lab[sl] == v)
        if rr.size <= hi_cells:
            continue
        parts: list[np.ndarray] = []
        stack = [np.arange(rr.size)]
        while stack:
            idx = stack.pop()
            if idx.size <= hi_cells:
                parts.append(idx)
                continue
            xy = np.column_stack([cc[idx], -rr[idx]]).astype(float)
            xy -= xy.mean(axis=0)
            _, vecs = np.linalg.eigh(xy.T @ xy)
            axis = vecs[:, -1] * (1 if vecs[0, -1] > 0 or (vecs[0, -1] == 0 and vecs[1, -1] > 0) else -1)
            proj = np.round(xy @ axis, 9)
            order = np.lexsort((cc[idx], rr[idx], proj))
            half = idx.size // 2
            stack += [idx[order[half:]], idx[order[:half]]]
        view = out[sl]
        for k, idx in enumerate(parts):
            if k == 0:
                continue
            view[rr[idx], cc[idx]] = nxt
            nxt += 1
    return _compact(out)


def merge_fragments(lab: np.ndarray, strong=None) -> np.ndarray:
    """Make every label one 4-connected piece: stray fragments join their longest-bordered neighbour."""
    comp, n = components(lab)
    if n == 0:
        return lab
    size = np.bincount(comp[comp >= 0], minlength=n)
    owner = np.full(n, -1, np.int64)
    owner[comp[comp >= 0]] = lab[comp >= 0]
    best = np.full(int(lab.max()) + 1, -1, np.int64)  # the largest component of each label stays
    for k in np.lexsort((np.arange(n), -size)):
        if best[owner[k]] < 0:
            best[owner[k]] = k
    stray = [k for k in range(n) if best[owner[k]] != k]
    if not stray:
        return lab
    adj = _adjacency(comp, strong)
    parent = np.arange(n)
    for k in sorted(stray, key=lambda k: (size[k], k)):
        nbrs = adj.get(k, {})
        if nbrs:
            j = max(nbrs, key=lambda m: (nbrs[m], -m))
            parent[k] = j
            for m, cnt in nbrs.items():
                if m != j:
                    adj[j][m] = adj[j].get(m, 0) + cnt
                    adj[m][j] = adj[m].get(j, 0) + cnt
                    del adj[m][k]
            del adj[j][k]
            adj[k] = {}
    root = parent.copy()
    for k in range(n):
        r = k
        while root[r] != r:
            r = root[r]
        root[k] = r
    # a fragment takes the label of the component it joined; a lone fragment gets a label of its own
    label_of = owner.copy()
    nxt = int(lab.max()) + 1
    for k in stray:
        if root[k] == k:
            label_of[k] = nxt
            nxt += 1
    out_lab = np.where(comp >= 0, label_of[root[np.maximum(comp, 0)]], -1)
    return _compact(out_lab)


def reading_order(lab: np.ndarray) -> tuple[np.ndarray, int]:
    flat = lab.ravel()
    keep = np.flatnonzero(flat >= 0)
    vals, first = np.unique(flat[keep], return_index=True)
    rank = np.empty(vals.size, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(vals.size)
    lut = np.full(int(vals.max()) + 1 if vals.size else 1, -1, np.int64)
    lut[vals] = rank
    out = np.where(lab >= 0, lut[np.maximum(lab, 0)], -1).astype(np.int32)
    return out, int(vals.size)


def boundaries(labels: np.ndarray, n: int, kinds: dict, res: float) -> list[list[tuple[str, float]]]:
    """Boundary length of each segment along each kind of :data:`BOUNDARY_KINDS`, most first."""
    counts = np.zeros((n, len(BOUNDARY_KINDS)), np.float64)
    code = {k: i for i, k in enumerate(BOUNDARY_KINDS)}
    lab = labels.astype(np.int64)
    for a_sl, b_sl in (
        ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
        ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
    ):
        a, b = lab[a_sl], lab[b_sl]
        diff = a != b
        kind = np.full(a.shape, code["cut"], np.int64)
        kind[kinds["link"][a_sl] != kinds["link"][b_sl]] = code["ridge"]
        for name in ("stream", "trail", "road"):  # later wins: road > trail > stream
            g = kinds[name]
            kind[g[a_sl] | g[b_sl]] = code[name]
        for side, other_sl, other in ((a, b_sl, b), (b, a_sl, a)):
            m = diff & (side >= 0)
            outside = other < 0
            edge_kind = np.where(kinds["valid"][other_sl], code["area edge"], code["map edge"])
            k = np.where(outside, edge_kind, kind)
            np.add.at(counts, (side[m], k[m]), 1.0)
    for border in (lab[0, :], lab[-1, :], lab[:, 0], lab[:, -1]):
        m = border >= 0
        np.add.at(counts, (border[m], code["map edge"]), 1.0)
    counts *= res
    out = []
    for k in range(n):
        row = [(BOUNDARY_KINDS[j], counts[k, j]) for j in np.argsort(-counts[k], kind="stable") if counts[k, j] > 0]
        out.append(row)
    return out
