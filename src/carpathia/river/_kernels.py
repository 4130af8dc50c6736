"""Numba kernel of the river drift: one particle's life along the network, particles in parallel.

Arrays and floats only. Random numbers are counter-based (a SplitMix64 hash of seed, particle
and draw number), so a particle's path does not depend on the thread count or chunking.
States: 0 floating, 1 on the bed, 2 snagged, 3 stranded, 4 refloated, 5 beyond the network.
Zones: 0 left bank, 1 right bank, 2 channel, 3 bed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from carpathia._rng import DRAW, GOLDEN, S11, TO_UNIT, mix64

FLOATING, BED, SNAGGED, STRANDED, REFLOATED, BEYOND = 0, 1, 2, 3, 4, 5
N_STATES = 6
N_ZONES = 4


@njit(cache=True, nogil=True, inline="always")
def _u01(seed, pid, k):
    """Uniform in (0, 1) from (seed, particle, draw): SplitMix64 finaliser."""
    z = mix64(seed + np.uint64(pid) * GOLDEN + np.uint64(k) * DRAW)
    return (float(z >> S11) + 0.5) * TO_UNIT


@njit(cache=True, nogil=True, inline="always")
def _zone(st, yy):
    if st == BED:
        return 3
    if st == STRANDED or (st == SNAGGED and abs(yy) >= 0.5):
        return 0 if yy < 0.0 else 1
    return 2


@njit(cache=True, nogil=True)
def _rest(k, st, ln, ss, yy, w, line_nr, line_rlen, line_r0, r_bin, hist, beyond, states):
    """Record a particle that no longer moves at every output time from ``k`` on."""
    nk = states.shape[0]
    if st == BEYOND:
        for kk in range(k, nk):
            beyond[kk] += w
            states[kk, st] += w
        return
    j = min(int((ss + 1e-7) / line_rlen[ln]), line_nr[ln] - 1)
    b = r_bin[line_r0[ln] + j]
    z = _zone(st, yy)
    for kk in range(k, nk):
        if b >= 0:
            hist[kk, b, z] += w
        else:
            beyond[kk] += w
        states[kk, st] += w


@njit(cache=True, nogil=True)
def _one(
    i, net_f, net_i, r_f, r_bin, line, s, y, state, travelled, pf, weight, out_t, step_m, seed, hist, beyond, states
):
    line_len = net_f[0]
    line_entry = net_f[1]
    line_rlen = net_f[2]
    line_down = net_i[0]
    line_r0 = net_i[1]
    line_nr = net_i[2]
    r_lo = r_f[0]
    r_hi = r_f[1]
    r_catch = r_f[2]
    r_turn = r_f[3]
    r_width = r_f[4]
    vq, t_sink, refloat_s, p_strand, p_snag = pf[0, i], pf[1, i], pf[2, i], pf[3, i], pf[4, i]
    mix, depth, ustar, bend, nearbed, ucrit = pf[5, i], pf[6, i], pf[7, i], pf[8, i], pf[9, i], pf[10, i]
    ln = line[i]
    ss = s[i]
    yy = y[i]
    st = state[i]
    tr = 0.0
    w = weight[i]
    t = 0.0
    t_up = refloat_s if st == BED else math.inf
    k = 0
    ctr = 0
    nk = out_t.size
    while True:
        while k < nk and out_t[k] <= t + 1e-9:
            if st == BEYOND:
                beyond[k] += w
            else:
                nr = line_nr[ln]
                j = min(int((ss + 1e-7) / line_rlen[ln]), nr - 1)
                b = r_bin[line_r0[ln] + j]
                if b >= 0:
                    hist[k, b, _zone(st, yy)] += w
                else:
                    beyond[k] += w
            states[k, st] += w
            k += 1
        if k >= nk:
            break
        tn = out_t[k]
        if st in (STRANDED, SNAGGED, BEYOND):
            _rest(k, st, ln, ss, yy, w, line_nr, line_rlen, line_r0, r_bin, hist, beyond, states)
            break
        nr = line_nr[ln]
        rl = line_rlen[ln]
        j = min(int((ss + 1e-7) / rl), nr - 1)
        r = line_r0[ln] + j
        rend = (j + 1) * rl if j < nr - 1 else line_len[ln]
        v = r_lo[r] + vq * (r_hi[r] - r_lo[r])
        dx = 0.0
        if st == BED:
            if t >= t_up - 1e-9:
                st = REFLOATED
                yy = 1.6 * _u01(seed, i, ctr) - 0.8
                ctr += 1
                continue
            tl = min(tn, t_up)
            vb = nearbed * v - ucrit
            if vb <= 0.0:
                if t_up > out_t[nk - 1]:  # stays on the bed for the rest of the run
                    _rest(k, st, ln, ss, yy, w, line_nr, line_rlen, line_r0, r_bin, hist, beyond, states)
                    break
                t = tl
                continue
            dx = min(rend - ss, vb * (tl - t))
            dt = dx / vb
        else:
            tl = tn
            if st == FLOATING and t_sink < tl:
                tl = t_sink
            if v <= 0.0:
                t = tl
            else:
                dx = min(step_m, rend - ss, v * (tl - t))
                dt = dx / v
                half = 0.5 * r_width[r]
                sig = math.sqrt(2.0 * mix * depth * ustar * v * dt) / half
                u1 = _u01(seed, i, ctr)
                u2 = _u01(seed, i, ctr + 1)
                ctr += 2
                yy += bend * r_turn[r] * dx + sig * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
                if abs(yy) >= 1.0:
                    side = 1.0 if yy > 0.0 else -1.0
                    if _u01(seed, i, ctr) < p_strand:
                        st = STRANDED
                        yy = side
                    else:
                        yy = 2.0 * side - yy
                        if abs(yy) > 1.0:
                            yy = side * 0.999
                    ctr += 1
        if dx > 0.0:
            cs = r_catch[r]
            if cs == cs and ss < cs and cs <= ss + dx and st != STRANDED:
                if _u01(seed, i, ctr) < p_snag:
                    frac = (cs - ss) / dx
                    dt *= frac
                    dx = cs - ss
                    st = SNAGGED
                ctr += 1
            ss += dx
            tr += dx
            t += dt
            if st != SNAGGED and ss >= line_len[ln] - 1e-7:
                nxt = line_down[ln]
                if nxt < 0:
                    st = BEYOND
                    ss = line_len[ln]
                else:
                    ss = line_entry[ln]
                    ln = nxt
        if st == FLOATING and t >= t_sink - 1e-9:
            st = BED
            t_up = t + refloat_s
    line[i] = ln
    s[i] = ss
    y[i] = yy
    state[i] = st
    travelled[i] = tr


@njit(cache=True, nogil=True, parallel=True)
def drift(net_f, net_i, r_f, r_bin, nbins, line, s, y, state, travelled, pf, weight, out_t, step_m, seed, nchunk):
    """Advance every particle to the last output time; weighted histograms at each output time.

    Returns ``hist`` (nchunk, n_out, nbins, 4), ``beyond`` (nchunk, n_out) and ``states``
    (nchunk, n_out, 6); particle arrays are updated in place to the last output time.
    """
    n = line.size
    nk = out_t.size
    hist = np.zeros((nchunk, nk, nbins, N_ZONES))
    beyond = np.zeros((nchunk, nk))
    states = np.zeros((nchunk, nk, N_STATES))
    for c in prange(nchunk):
        a = c * n // nchunk
        b = (c + 1) * n // nchunk
        for i in range(a, b):
            _one(
                i,
                net_f,
                net_i,
                r_f,
                r_bin,
                line,
                s,
                y,
                state,
                travelled,
                pf,
                weight,
                out_t,
                step_m,
                seed,
                hist[c],
                beyond[c],
                states[c],
            )
    return hist, beyond, states
