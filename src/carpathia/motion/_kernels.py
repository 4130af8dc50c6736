"""Numba kernels of the motion model: counter-based random numbers, the agent step, a bare walk.

Kernels see arrays and numbers only. Randomness is counter-based: every draw is a hash of
(seed, agent id, step, draw number) through the SplitMix64 finaliser (Steele, Lea & Flood 2014),
so an agent's stream does not depend on which thread runs it, on the thread count, or on how
the agents are split into chunks.

Grid record (``grid``, float32, shape (h, w, 4)), 16 bytes per cell read once per step:
0 speed factor by day (0 = impassable), 1 dz/dx (east, m/m), 2 dz/dy (north, m/m), 3 kind
(0 land, 1 route: trail, road, stream bank; 2 river to cross).

References
----------
Steele, G. L., Lea, D., Flood, C. H. (2014). Fast splittable pseudorandom number generators.
OOPSLA '14, 453-472 (SplitMix64).
Tobler, W. (1993). NCGIA technical report 93-1 (hiking function).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from carpathia._rng import DRAW as _DRAW
from carpathia._rng import GOLDEN as _GOLDEN
from carpathia._rng import S11 as _S11
from carpathia._rng import TO_UNIT as _TO_UNIT
from carpathia._rng import mix64 as _mix
from carpathia.survival._heat import core_step

# behaviour codes (agents.BEHAVIOURS)
RANDOM_WALK, ROUTE, DIRECTION, STAY, VIEW, BACKTRACK = 0, 1, 2, 3, 4, 5
# state bits (agents.STATE_BITS)
RESTING, SHELTERING, STOPPED, INCAPACITATED, SWEPT, WET, OUTSIDE, WALKING = 1, 2, 4, 8, 16, 32, 64, 128
# cell kinds (grid channel 3)
KIND_LAND, KIND_ROUTE, KIND_RIVER = 0, 1, 2

# indices of the packed parameter vector (engine._pack_params)
P_DT = 0  # step, s
P_RES = 1  # cell size, m
P_VMAX = 2  # Tobler's top speed, m/s
P_SPEED_SCALE = 3  # mode-of-travel factor
P_NOISE = 4  # heading noise of direction travelling per step, rad (standard deviation)
P_BOUT = 5  # mean behaviour bout, s
P_WALK_BOUT = 6  # walking between rests, s
P_REST_BOUT = 7  # rest, s
P_NIGHT_WALK = 8  # probability of walking through a night
P_NIGHT_ROUTE = 9  # speed factor at night on routes
P_NIGHT_OFF = 10  # speed factor at night off routes
P_CROSS = 11  # probability of attempting a river crossing
P_SWEPT = 12  # probability of being swept in a crossing
P_INCAP_C = 13  # core temperature below which an agent is incapacitated, °C
P_RELIEF = 14  # gradient below which the ground counts as level (m/m)
P_COLD_EVERY = 15  # cold step every this many steps (0: no cold model)
P_CLO = 16  # clothing insulation, clo
P_WET_FACTOR = 17  # insulation kept when wet
P_MET_WALK = 18  # W/m²
P_MET_REST = 19  # W/m²
P_WALK_MS = 20  # walking air speed for the cold model, m/s
P_CAPACITY = 21  # body heat capacity, J/(m² K)
P_TISSUE = 22
P_SHIVER_PEAK = 23
P_SHIVER_SUS = 24
P_SHIVER_RES = 25
P_FAT = 26
P_WIND_BODY = 27  # wind at the body / wind at 10 m
P_LAPSE = 28  # °C per m
P_Z_STATION = 29  # m, NaN: no lapse correction
P_IPP_COL = 30
P_IPP_ROW = 31
P_SUBSTEP = 32  # longest sub-step, cells
P_NTRACK = 33  # agents with recorded tracks (ids 0 .. n-1)
P_TRACK_EVERY = 34  # record every this many steps
N_PARAMS = 35

_TWO_PI = 2.0 * math.pi
#: Grade (m/m) of a rise ahead that an agent following the drainage walks over rather than turn:
#: the humps and closed pits of a DEM's valley floor are not where a walker stops. carpathia's
#: assumption (10 %, a gentle climb), not a published figure.
CLIMB_ON = 0.10
#: Step numbers of the per-night draws are offset by this, to keep their streams apart.
NIGHT_STREAM = 1 << 40
#: Draw numbers used at initialisation (engine.initial_agents).
INIT_HEADING, INIT_BUDGET = 0, 1


@njit(cache=True, nogil=True, inline="always")
def agent_key(seed, agent):
    """The random-stream key of one agent (uint64)."""
    return _mix(_mix(np.uint64(seed) + _GOLDEN) ^ (np.uint64(agent) * _GOLDEN))


@njit(cache=True, nogil=True, inline="always")
def uniform(key, step, draw):
    """A uniform number in [0, 1) from (agent key, step, draw): SplitMix64, 53 bits."""
    z = _mix(key + np.uint64(step) * _GOLDEN + np.uint64(draw) * _DRAW)
    return np.float64(z >> _S11) * _TO_UNIT


@njit(cache=True, nogil=True, parallel=True)
def uniforms(seed, a0, n, step, draw):
    """``uniform`` for agents a0 .. a0 + n − 1 at one (step, draw): float64 array."""
    out = np.empty(n)
    for i in prange(n):
        out[i] = uniform(agent_key(seed, a0 + i), step, draw)
    return out


@njit(cache=True, nogil=True, inline="always")
def _wrap(a):
    """Angle to [−π, π)."""
    return a - _TWO_PI * math.floor((a + math.pi) / _TWO_PI)


@njit(cache=True, nogil=True)
def _route_heading(grid, elev, ri, ci, c, r, heading):
    """Heading onward along a route: to the centre of the route neighbour most in line with ``heading``.

    Only neighbours within 100° of ``heading`` count, so the route is followed in the direction
    of travel, never back the way the agent came; of two equally aligned (arriving across a
    route) the lower is taken (carpathia's tie-break: lost hikers tend downhill, Koester 2008).
    The heading aims at the neighbour's centre from the agent's position (``c``, ``r``, cells),
    so an agent walking a curving or diagonal route stays on it instead of drifting off its
    side. NaN where the route ends ahead (a dead end).
    """
    h, w = grid.shape[0], grid.shape[1]
    best = 1.75  # rad, about 100°
    bz = math.inf
    br, bc = -1, -1
    for dr in range(-1, 2):
        for dc in range(-1, 2):
            if dr == 0 and dc == 0:
                continue
            r2, c2 = ri + dr, ci + dc
            if r2 < 0 or r2 >= h or c2 < 0 or c2 >= w:
                continue
            if grid[r2, c2, 3] != KIND_ROUTE or grid[r2, c2, 0] <= 0.0:
                continue
            a = math.atan2(float(dc), float(-dr))
            d = abs(_wrap(a - heading))
            z = elev[r2, c2]
            if d < best - 1e-9 or (d < best + 1e-9 and z < bz):
                best = d
                bz = z
                br, bc = r2, c2
    if br < 0:
        return math.nan
    return math.atan2(bc + 0.5 - c, -(br + 0.5 - r))


@njit(cache=True, nogil=True, inline="always")
def _downhill(gx, gy, heading):
    """Heading down the drainage that keeps making progress: half-way from ``heading`` to the fall line.

    Turning only half-way each step (never more than 90°) damps the flip of the fall line across
    a valley floor or a crest: an agent that crosses the valley axis turns along it and follows
    it down instead of bouncing from side to side, and on an even slope the heading converges
    on the fall line within a few steps. Where the fall line is exactly behind, or behind a rise
    ahead gentler than :data:`CLIMB_ON` (a closed pit or a hump of the DEM's valley floor, where
    turning would circle for ever), the bearing is held. Carpathia's rule for Hashimoto et al.'s
    (2022) "no route in reach: follow the drainage".
    """
    sh = math.sin(heading)
    ch = math.cos(heading)
    rise = gx * sh + gy * ch
    if 0.0 < rise < CLIMB_ON:  # a low rise ahead (a hump on a valley floor, a pit's rim): walk over it
        return heading
    g = math.sqrt(gx * gx + gy * gy)
    ex = sh - gx / g
    ny = ch - gy / g
    if ex * ex + ny * ny < 1e-12:
        return heading
    return math.atan2(ex, ny)


@njit(cache=True, nogil=True, parallel=True)
def advance(
    col,
    row,
    heading,
    behaviour,
    state,
    timer,
    fatigue,
    rest_left,
    walked,
    budget,
    core,
    reserve,
    surface,
    grid,
    elev,
    route_dir,
    mix_cum,
    P,
    sun_up,
    night_idx,
    air_c,
    wind_kmh,
    snow_factor,
    seed,
    a0,
    s0,
    s1,
    track,
):
    """Advance agents a0 .. a0 + n − 1 (global ids) from step s0 to s1, in place.

    Returns the number of agent-steps in which an agent moved (for the benchmark).
    """
    n = col.shape[0]
    h, w = grid.shape[0], grid.shape[1]
    dt = P[P_DT]
    res = P[P_RES]
    cold_every = int(P[P_COLD_EVERY])
    ntrack = int(P[P_NTRACK])
    track_every = int(P[P_TRACK_EVERY])
    has_routes = route_dir.shape[0] == h and route_dir.shape[1] == w
    moved_steps = np.zeros(n, np.int64)
    for i in prange(n):
        g = a0 + i
        key = agent_key(seed, g)
        c = np.float64(col[i])
        r = np.float64(row[i])
        hd = np.float64(heading[i])
        b = np.int64(behaviour[i])
        st = np.int64(state[i])
        tm = np.float64(timer[i])
        fat = np.float64(fatigue[i])
        rl = np.float64(rest_left[i])
        wk = np.float64(walked[i])
        bud = np.float64(budget[i])
        cr = np.float64(core[i])
        rs = np.float64(reserve[i])
        sf = np.float64(surface[i])
        moving = (st & WALKING) != 0  # walked in the last step (kept across kernel calls)
        nmoved = 0
        for s in range(s0, s1):
            if (st & (INCAPACITATED | OUTSIDE)) == 0:
                ri = int(r)
                ci = int(c)
                # ---- cold: one heat-balance step every cold_every steps (issue 6 coupling)
                if cold_every > 0 and s % cold_every == 0:
                    air = air_c[s]
                    zst = P[P_Z_STATION]
                    if zst == zst:
                        air -= P[P_LAPSE] * (elev[ri, ci] - zst)
                    wv = P[P_WALK_MS] if moving else 0.0
                    # out of the wind while sheltering for the night or once stopped for good (a subject
                    # who stops in a storm gets into the lee of rocks, trees or snow: carpathia's
                    # assumption, the survival model's shelter=True)
                    wb = 0.0 if (st & (SHELTERING | STOPPED)) else wind_kmh[s] / 3.6 * P[P_WIND_BODY]
                    clo = P[P_CLO] * (P[P_WET_FACTOR] if (st & WET) else 1.0)
                    met = P[P_MET_WALK] if moving else P[P_MET_REST]
                    cr, rs, sf, _sk = core_step(
                        cr,
                        rs,
                        sf,
                        air,
                        wb + wv,
                        clo,
                        met,
                        wv,
                        P[P_CAPACITY],
                        P[P_TISSUE],
                        P[P_SHIVER_PEAK],
                        P[P_SHIVER_SUS],
                        P[P_SHIVER_RES],
                        P[P_FAT],
                        cold_every * dt,
                    )
                    if cr < P[P_INCAP_C]:
                        st |= INCAPACITATED
                moving = False
                st &= ~WALKING
                go = (st & (STOPPED | INCAPACITATED)) == 0
                # ---- darkness: each night an agent walks on (probability P_NIGHT_WALK) or shelters
                night = 1.0
                kind = grid[ri, ci, 3]
                gx = grid[ri, ci, 1]
                gy = grid[ri, ci, 2]
                if go:
                    if sun_up[s] == 0:
                        if uniform(key, NIGHT_STREAM + night_idx[s], 0) >= P[P_NIGHT_WALK]:
                            st |= SHELTERING
                            go = False
                        else:
                            night = P[P_NIGHT_ROUTE] if kind == KIND_ROUTE else P[P_NIGHT_OFF]
                    else:
                        st &= ~SHELTERING
                # ---- rest bouts
                if go:
                    if rl > 0.0:
                        rl -= dt
                        st |= RESTING
                        go = False
                    else:
                        st &= ~RESTING
                # ---- behaviour: a bout ends, the next behaviour is drawn from the mixture
                if go:
                    tm -= dt
                    fresh = False  # a new behaviour began this step
                    if tm <= 0.0:
                        u = uniform(key, s, 1)
                        nb = 0
                        while nb < 5 and u >= mix_cum[nb]:
                            nb += 1
                        fresh = nb != b
                        b = nb
                        tm = -P[P_BOUT] * math.log(1.0 - uniform(key, s, 2))
                    relief = abs(gx) + abs(gy) > P[P_RELIEF]
                    if b == RANDOM_WALK:
                        hd = _TWO_PI * uniform(key, s, 3)
                    elif b == DIRECTION:
                        hd += P[P_NOISE] * (uniform(key, s, 3) + uniform(key, s, 4) + uniform(key, s, 5) - 1.5) * 2.0
                    elif b == STAY:
                        go = False
                    elif b == VIEW:
                        if relief:
                            hd = math.atan2(gx, gy)  # up the fall line
                        else:
                            go = False  # on a top, or nothing higher: look around
                    elif b == BACKTRACK:
                        dx = P[P_IPP_COL] - c
                        dy = r - P[P_IPP_ROW]
                        if dx * dx + dy * dy < 1.0:
                            go = False
                        else:
                            hd = math.atan2(dx, dy)
                    else:  # ROUTE
                        a = math.nan
                        if kind == KIND_ROUTE:
                            a = _route_heading(grid, elev, ri, ci, c, r, hd)  # onward along it
                        elif has_routes:
                            a = route_dir[ri, ci]  # head for the nearest route in reach
                            if a == a and not fresh and abs(_wrap(a - hd)) > 0.5 * math.pi:
                                # a route behind: walk on, not back to the end of the segment just left
                                a = math.nan
                        if a == a:
                            hd = a
                        elif relief:
                            hd = _downhill(gx, gy, hd)  # no route in reach: follow the drainage down
                        else:  # featureless ground: hold the bearing
                            hd += (
                                P[P_NOISE] * (uniform(key, s, 3) + uniform(key, s, 4) + uniform(key, s, 5) - 1.5) * 2.0
                            )
                # ---- walk: Tobler on the slope along the heading, in sub-steps of at most P_SUBSTEP cells
                if go:
                    sh = math.sin(hd)
                    ch = math.cos(hd)
                    slope = gx * sh + gy * ch
                    v = P[P_VMAX] * math.exp(-3.5 * abs(slope + 0.05)) * grid[ri, ci, 0] * night
                    v *= snow_factor[s] * P[P_SPEED_SCALE]
                    length = v * dt / res
                    if wk + dt > bud:  # the walking budget ends within this step
                        length *= max(bud - wk, 0.0) / dt
                    nsub = max(1, math.ceil(length / P[P_SUBSTEP]))
                    step = length / nsub
                    for _k in range(nsub):
                        nc = c + step * sh
                        nr = r - step * ch
                        if nc < 0.0 or nr < 0.0 or nc >= w or nr >= h:
                            c = nc
                            r = nr
                            st |= OUTSIDE
                            break
                        r2 = int(nr)
                        c2 = int(nc)
                        if grid[r2, c2, 0] <= 0.0:  # impassable: turn away
                            hd = hd + math.pi + (uniform(key, s, 6) - 0.5) * math.pi
                            break
                        if grid[r2, c2, 3] == KIND_RIVER and grid[int(r), int(c), 3] != KIND_RIVER:
                            if uniform(key, s, 7) >= P[P_CROSS]:  # refuses the crossing
                                hd = hd + math.pi + (uniform(key, s, 6) - 0.5) * math.pi
                                break
                            st |= WET
                            if uniform(key, s, 8) < P[P_SWEPT]:
                                c = nc
                                r = nr
                                st |= SWEPT | INCAPACITATED
                                break
                        c = nc
                        r = nr
                    moving = True
                    st |= WALKING
                    nmoved += 1
                    wk += dt
                    fat += dt
                    if wk >= bud:
                        st |= STOPPED
                    if fat >= P[P_WALK_BOUT]:
                        fat = 0.0
                        rl = P[P_REST_BOUT]
            if g < ntrack and (s + 1) % track_every == 0:
                k = (s + 1) // track_every
                if k < track.shape[1]:
                    track[g, k, 0] = c
                    track[g, k, 1] = r
        col[i] = c
        row[i] = r
        heading[i] = _wrap(hd)
        behaviour[i] = np.uint8(b)
        state[i] = np.uint8(st)
        timer[i] = tm
        fatigue[i] = fat
        rest_left[i] = rl
        walked[i] = wk
        core[i] = cr
        reserve[i] = rs
        surface[i] = sf
        moved_steps[i] = nmoved
    return moved_steps.sum()


@njit(cache=True, nogil=True, parallel=True)
def bare_walk(col, row, grid, seed, nsteps, dt, res, vmax):
    """The practical ceiling: a plain random walk with the same grid reads as :func:`advance`.

    Each step: read the cell record, draw a heading, Tobler speed on the slope along it, read the
    target cell and move unless it is impassable or off the grid.
    """
    n = col.shape[0]
    h, w = grid.shape[0], grid.shape[1]
    for i in prange(n):
        key = agent_key(seed, i)
        c = np.float64(col[i])
        r = np.float64(row[i])
        for s in range(nsteps):
            ri = int(r)
            ci = int(c)
            hd = _TWO_PI * uniform(key, s, 0)
            sh = math.sin(hd)
            ch = math.cos(hd)
            slope = grid[ri, ci, 1] * sh + grid[ri, ci, 2] * ch
            length = vmax * math.exp(-3.5 * abs(slope + 0.05)) * grid[ri, ci, 0] * dt / res
            nc = c + length * sh
            nr = r - length * ch
            if 0.0 <= nc < w and 0.0 <= nr < h and grid[int(nr), int(nc), 0] > 0.0:
                c = nc
                r = nr
        col[i] = c
        row[i] = r
