"""Region operations on label grids for :mod:`carpathia.search.segments` (private).

Labels are int64 grids, −1 for cells in no region. Connected components come from
``scipy.ndimage``; merging keeps a region adjacency table of shared boundary lengths.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.csgraph import connected_components

from ._kernels import largest_part

#: What a segment boundary can follow, in the order used to classify a boundary cell pair.
BOUNDARY_KINDS = ("road", "trail", "stream", "ridge", "contour", "cut", "area edge", "map edge")
#: Weight of a boundary edge on a stream, trail or road when choosing which neighbour a small
#: piece joins (carpathia's choice: such a feature is kept unless ten times shorter).
STRONG_WEIGHT = 0.1
#: Moment-of-inertia compactness below which a piece counts as a thin strip (carpathia's
#: choice, tuned on the White Mountains: a 2 × 1 rectangle scores 0.76, 3 × 1 0.57, 4 × 1 0.45).
THIN = 0.6
#: Largest angle between the mean downslope directions of two pieces on one hillside, degrees
#: (carpathia's choice).
SAME_SLOPE_DEG = 45.0


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


def _adjacency(
    lab: np.ndarray, strong: np.ndarray | None = None, *, strong_weight: float = STRONG_WEIGHT
) -> dict[int, dict[int, float]]:
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
        weight[(sa | sb)[keep]] = strong_weight
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


def split_large(lab: np.ndarray, hi_cells: float, z: np.ndarray | None = None, edges=None) -> np.ndarray:
    """Halve pieces above ``hi_cells`` (equal areas) until they fit.

    Each halving tries two lines: across the long axis (a straight cut) and, given elevations
    ``z``, along the contour at the piece's median elevation (upper and lower slope). The
    contour wins unless its halves are much less compact (:data:`CONTOUR_PREFERENCE`) or fall
    apart. ``edges`` = (horizontal, vertical) boolean grids of the cell edges on a contour
    split (shapes (h, w − 1) and (h − 1, w)), updated in place for the boundary report.
    """
    out = lab.copy()
    nxt = int(lab.max()) + 1 if lab.size else 0
    for v, sl in enumerate(ndimage.find_objects(lab + 1)):
        if sl is None:
            continue
        inside = lab[sl] == v
        rr, cc = np.nonzero(inside)
        if rr.size <= hi_cells:
            continue
        zz = None if z is None else np.asarray(z[sl], float)[rr, cc]
        parts: list[np.ndarray] = []
        contour_cuts: list[tuple[np.ndarray, np.ndarray]] = []
        stack = [np.arange(rr.size)]
        while stack:
            idx = stack.pop()
            if idx.size <= hi_cells:
                parts.append(idx)
                continue
            low, high, along = _halve(rr[idx], cc[idx], None if zz is None else zz[idx], inside.shape)
            if along:
                contour_cuts.append((idx[low], idx[high]))
            stack += [idx[high], idx[low]]
        view = out[sl]
        for k, idx in enumerate(parts):
            if k == 0:
                continue
            view[rr[idx], cc[idx]] = nxt
            nxt += 1
        if edges is not None:
            for a, b in contour_cuts:
                _mark_edges(edges, sl, rr, cc, a, b, inside.shape)
    return _compact(out)


#: A contour split is taken unless its halves' compactness falls below this share of the
#: straight cut's (carpathia's choice: a contour is a line a team can follow with an
#: altimeter, a straight cut is not).
CONTOUR_PREFERENCE = 0.7


def _halve(rr, cc, zz, shape) -> tuple[np.ndarray, np.ndarray, bool]:
    """Indices of the two halves of a piece, and whether the line between them is a contour."""
    half = rr.size // 2
    xy = np.column_stack([cc, -rr]).astype(float)
    xy -= xy.mean(axis=0)
    _, vecs = np.linalg.eigh(xy.T @ xy)
    axis = vecs[:, -1] * (1 if vecs[0, -1] > 0 or (vecs[0, -1] == 0 and vecs[1, -1] > 0) else -1)
    order = np.lexsort((cc, rr, np.round(xy @ axis, 9)))
    straight = (order[:half], order[half:])
    if zz is None or not np.all(np.isfinite(zz)):
        return *straight, False
    order = np.lexsort((cc, rr, zz))
    contour = (order[:half], order[half:])
    if _split_score(rr, cc, contour, shape) >= CONTOUR_PREFERENCE * _split_score(rr, cc, straight, shape):
        return *contour, True
    return *straight, False


def _split_score(rr, cc, halves, shape, *, whole: bool = False) -> float:
    """Compactness of the less compact half, times the share of each half in its largest 4-connected part.

    With ``whole``, 0 unless both halves are 4-connected.
    """
    score = 1.0
    for idx in halves:
        biggest = largest_part(rr[idx], cc[idx], shape[0], shape[1])
        if whole and biggest < idx.size:
            return 0.0
        x, y = cc[idx].astype(float), rr[idx].astype(float)
        c = _compactness1(float(idx.size), x.sum(), y.sum(), x @ x, y @ y)
        score = min(score, c * (biggest / idx.size) ** 2)
    return score


def _mark_edges(edges, sl, rr, cc, a, b, shape) -> None:
    side = np.zeros(shape, np.int8)
    side[rr[a], cc[a]] = 1
    side[rr[b], cc[b]] = 2
    horiz, vert = edges
    h_cut = side[:, :-1] * side[:, 1:] == 2
    v_cut = side[:-1, :] * side[1:, :] == 2
    r0, c0 = sl[0].start, sl[1].start
    horiz[r0 : r0 + shape[0], c0 : c0 + shape[1] - 1] |= h_cut
    vert[r0 : r0 + shape[0] - 1, c0 : c0 + shape[1]] |= v_cut


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
    contour = kinds.get("contour")
    for axis, (a_sl, b_sl) in enumerate(
        (
            ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
            ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
        )
    ):
        a, b = lab[a_sl], lab[b_sl]
        diff = a != b
        kind = np.full(a.shape, code["cut"], np.int64)
        if contour is not None:
            kind[contour[axis]] = code["contour"]
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


# ---------------------------------------------------------------------- compactness
def _moment_sums(lab: np.ndarray, n: int) -> np.ndarray:
    """Per label: cells, Σx, Σy, Σx², Σy² of the cell centres (x = column, y = row), float64 (n, 5)."""
    keep = lab >= 0
    rr, cc = np.nonzero(keep)
    idx = lab[keep]
    out = np.empty((n, 5))
    for k, v in enumerate((np.ones(idx.size), cc, rr, cc.astype(float) ** 2, rr.astype(float) ** 2)):
        out[:, k] = np.bincount(idx, weights=v, minlength=n)[:n]
    return out


def moment_compactness(sums: np.ndarray) -> np.ndarray:
    """Moment-of-inertia compactness A² / (2π I) of regions from their :func:`_moment_sums` rows.

    Li, Goodchild & Church (2013): the polar moment of inertia of a disc is the least of any
    shape of its area, so the index is 1 for a disc, 0.955 for a square, 0.45 for a 4 × 1
    rectangle and tends to 0 for a thin strip; it ignores a ragged raster outline and two
    regions' sums add, so a merge is scored in O(1). Each cell adds its own moment (1/6).
    """
    s = np.atleast_2d(sums)
    n = s[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        inertia = s[:, 3] - s[:, 1] ** 2 / n + s[:, 4] - s[:, 2] ** 2 / n + n / 6.0
        out = n**2 / (2.0 * np.pi * inertia)
    return np.where(n > 0, out, 0.0)


def _compactness1(n: float, sx: float, sy: float, sxx: float, syy: float) -> float:
    """:func:`moment_compactness` of one region from its five sums (plain floats, no numpy)."""
    if n <= 0:
        return 0.0
    return n * n / (2.0 * math.pi * (sxx - sx * sx / n + syy - sy * sy / n + n / 6.0))


def _slope_sums(lab: np.ndarray, n: int, east: np.ndarray, north: np.ndarray) -> np.ndarray:
    """Per label: the sum of the cells' unit downslope vectors (east, north), flat cells left out."""
    ok = (lab >= 0) & np.isfinite(east) & np.isfinite(north)
    out = np.zeros((n, 2))
    out[:, 0] = np.bincount(lab[ok], weights=east[ok], minlength=n)[:n]
    out[:, 1] = np.bincount(lab[ok], weights=north[ok], minlength=n)[:n]
    return out


def _one_hillside(a, b, cells_a: float, cells_b: float, cos_max: float) -> bool:
    """Whether two pieces with downslope sums ``a``, ``b`` may lie on one hillside.

    Only pieces that both face one way (mean resultant length above 0.3, carpathia's choice)
    can be told apart: then their mean directions must differ by less than ``arccos(cos_max)``.
    """
    na, nb = math.hypot(*a), math.hypot(*b)
    if na <= 0.3 * cells_a or nb <= 0.3 * cells_b:
        return True
    return a[0] * b[0] + a[1] * b[1] >= cos_max * na * nb


def merge_compact(
    lab: np.ndarray,
    hi_cells: float,
    *,
    strong: np.ndarray,
    east: np.ndarray,
    north: np.ndarray,
    thin: float = THIN,
    max_turn_deg: float = SAME_SLOPE_DEG,
) -> np.ndarray:
    """Join thin pieces to neighbours on the same hillside where the union is more compact.

    Two 4-adjacent pieces merge when the union fits ``hi_cells``, most of their shared boundary
    follows no stream, trail or road (``strong``), their mean downslope directions (unit vectors
    ``east``, ``north`` per cell, NaN where flat) differ by at most ``max_turn_deg`` (one
    hillside: the divide between them is a D8 flow line, not a ridge), and either the thinner
    of the two has a :func:`moment_compactness` below ``thin`` and the union is more compact
    than it, or the union is more compact than both. The pair that gains most merges first.
    """
    n = int(lab.max()) + 1 if lab.size else 0
    if n <= 1:
        return lab
    mom = _moment_sums(lab, n).tolist()
    vec = _slope_sums(lab, n, east, north).tolist()
    raw = _adjacency(lab)
    weak = _adjacency(lab, strong, strong_weight=0.0)
    cos_max = math.cos(math.radians(max_turn_deg))
    comp = [_compactness1(*m) for m in mom]

    def gain(i: int, j: int) -> float | None:
        mi, mj = mom[i], mom[j]
        if mi[0] + mj[0] > hi_cells or weak[i].get(j, 0.0) < 0.5 * raw[i][j]:
            return None
        if not _one_hillside(vec[i], vec[j], mi[0], mj[0], cos_max):
            return None
        cu = _compactness1(*(a + b for a, b in zip(mi, mj, strict=True)))
        lo_c, hi_c = min(comp[i], comp[j]), max(comp[i], comp[j])
        if cu > hi_c or (lo_c < thin and cu > lo_c):
            return cu - lo_c
        return None

    heap = []
    for i, nb in raw.items():
        for j in nb:
            if i < j and (g := gain(i, j)) is not None:
                heap.append((-g, i, j))
    heapq.heapify(heap)
    parent = np.arange(n)
    alive = np.ones(n, bool)
    stamp = np.zeros(n, np.int64)
    stamps = {}
    while heap:
        _, i, j = heapq.heappop(heap)
        if not (alive[i] and alive[j]) or stamps.get((i, j), (0, 0)) != (stamp[i], stamp[j]):
            continue
        g = gain(i, j)
        if g is None:
            continue
        if mom[j][0] > mom[i][0]:
            i, j = j, i  # j joins the larger i
        parent[j] = i
        alive[j] = False
        mom[i] = [a + b for a, b in zip(mom[i], mom[j], strict=True)]
        vec[i] = [a + b for a, b in zip(vec[i], vec[j], strict=True)]
        comp[i] = _compactness1(*mom[i])
        stamp[i] += 1
        for table in (raw, weak):
            for k, cnt in table[j].items():
                if k == i:
                    continue
                table[i][k] = table[i].get(k, 0.0) + cnt
                table[k][i] = table[k].get(i, 0.0) + cnt
                del table[k][j]
            table[i].pop(j, None)
            table[j] = {}
        for k in raw[i]:
            g = gain(i, k)
            if g is not None:
                a, b = min(i, k), max(i, k)
                stamps[(a, b)] = (stamp[a], stamp[b])
                heapq.heappush(heap, (-g, a, b))
    return _merge(lab, parent)


def reshape_thin(
    lab: np.ndarray,
    lo_cells: float,
    hi_cells: float,
    *,
    z: np.ndarray,
    edges,
    strong: np.ndarray,
    east: np.ndarray,
    north: np.ndarray,
    thin: float = THIN,
    max_turn_deg: float = SAME_SLOPE_DEG,
) -> np.ndarray:
    """Redraw the line between each thin piece and a neighbour too large to merge with.

    For a piece with :func:`moment_compactness` below ``thin``, each of the two neighbours it
    shares most boundary with, if on the same hillside across a boundary with no stream, trail
    or road, is pooled with it and the pool
    halved again as in :func:`split_large` (a contour or a straight cut); the neighbour whose
    pool gives the most compact pair of halves is taken if both halves are more compact than
    the thin piece was and both keep at least ``lo_cells``. Thinnest pieces first.
    """
    out = lab.copy()
    n = int(out.max()) + 1 if out.size else 0
    if n <= 1:
        return out
    mom = _moment_sums(out, n)
    comp = moment_compactness(mom)
    raw = _adjacency(out)
    weak = _adjacency(out, strong, strong_weight=0.0)
    vec = _slope_sums(out, n, east, north)
    boxes = list(ndimage.find_objects(out + 1))
    cos_max = math.cos(math.radians(max_turn_deg))
    done = np.zeros(n, bool)
    for i in np.argsort(comp, kind="stable"):
        if comp[i] >= thin:
            break
        if done[i]:
            continue
        best = None
        nbrs = raw.get(int(i), {})
        for j in sorted(nbrs, key=lambda k: (-nbrs[k], k))[:2]:  # a strip's long sides
            size = mom[i, 0] + mom[j, 0]
            if done[j] or weak[i].get(j, 0.0) < 0.5 * raw[i][j] or not 2 * lo_cells <= size <= 2 * math.floor(hi_cells):
                continue
            if not _one_hillside(vec[i], vec[j], mom[i, 0], mom[j, 0], cos_max):
                continue
            sl = tuple(
                slice(min(p.start, q.start), max(p.stop, q.stop)) for p, q in zip(boxes[i], boxes[j], strict=True)
            )
            view = out[sl]
            rr, cc = np.nonzero((view == i) | (view == j))
            low, high, along = _halve(rr, cc, np.asarray(z[sl], float)[rr, cc], view.shape)
            score = _split_score(rr, cc, (low, high), view.shape, whole=True)
            if score > comp[i] and (best is None or score > best[0]):
                best = (score, j, sl, rr, cc, low, high, along)
        if best is None:
            continue
        _, j, sl, rr, cc, low, high, along = best
        view = out[sl]
        view[rr[low], cc[low]] = i
        view[rr[high], cc[high]] = j
        if along:
            _mark_edges(edges, sl, rr, cc, low, high, view.shape)
        done[i] = done[j] = True  # their neighbours' tables are stale now; one move each
    return out
