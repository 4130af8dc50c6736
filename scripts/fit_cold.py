"""Fit the cold model's physiological parameters to Tikuisis (1995)'s ten survival times.

Run: ``python scripts/fit_cold.py [--fix-clo CLO]``. Prints the fitted parameters and each case's
hours. The clothing and air layer follow ISO 11079 (:mod:`carpathia.survival._heat`); the fit
adjusts tissue insulation, peak and sustained shivering, the shivering reserve, and the
effective insulation of Tikuisis's "two layers of loose clothing" (unless ``--fix-clo``).
Objective: sum of squared log errors, with a penalty where a ">24 h" case ends before 26 h
(scipy ``differential_evolution``, seed 1).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy.optimize import differential_evolution

from carpathia.survival import _heat

NUDE_1KMH = [(-30, 1.8), (-20, 2.5), (-10, 4.1), (0, 9.0), (10, None)]
TWO_LAYERS_5KMH = [(-50, 4.0), (-40, 5.6), (-30, 8.6), (-20, 15.4), (-10, None)]
CAPACITY = _heat.body_heat_capacity(75.0, 1.75)
STEP_S = 300.0
# Peak shivering above rest: at most 3.9 × resting metabolism in all (Eyolfson et al. 2001), W/m².
PEAK_MAX = (3.9 - 1.0) * 58.1
# Largest tissue insulation allowed, m²K/W (about 1 clo): carpathia's bound, the order of the
# maximal tissue insulation reported for vasoconstricted average men in cold water (not a fitted value).
TISSUE_MAX = 0.15
N = int(30 * 3600 / STEP_S)


def hours(x, clo, wind_kmh, t):
    tissue, peak, sustained, reserve = x[:4]
    hit, _ = _heat.integrate(
        np.full(N, float(t)),
        np.full(N, wind_kmh / 3.6),
        np.array([clo]),
        np.array([tissue]),
        np.array([peak]),
        np.array([reserve * 1e6]),
        sustained,
        18.0,
        58.1,
        0.0,
        CAPACITY,
        STEP_S,
    )
    return float(hit[0])


def water_hours(x, t):
    """Hours to 30 °C core immersed (h_c = 100 W/m²/K), light clothing as 0 clo."""
    tissue, peak, sustained, reserve = x[:4]
    n = int(48 * 3600 / STEP_S)
    hit, _ = _heat.integrate(
        np.full(n, float(t)),
        np.full(n, -100.0),
        np.array([0.0]),
        np.array([tissue]),
        np.array([peak]),
        np.array([reserve * 1e6]),
        sustained,
        18.0,
        58.1,
        0.0,
        CAPACITY,
        STEP_S,
    )
    return float(hit[0])


def loss(x, fix_clo, water=False):
    clo = fix_clo if fix_clo is not None else x[4]
    err = 0.0
    if water:
        from carpathia.survival import hayward_survival_hours

        for t in (0.0, 5.0, 10.0, 15.0):
            err += math.log(min(water_hours(x, t), 1e3) / hayward_survival_hours(t)) ** 2
    for clothing, wind, table in ((0.0, 1.0, NUDE_1KMH), (clo, 5.0, TWO_LAYERS_5KMH)):
        for t, h in table:
            got = hours(x, clothing, wind, t)
            if h is None:
                err += 0.0 if got > 26.0 else (math.log(26.0 / min(got, 26.0))) ** 2 * 4
            else:
                err += math.log(min(got, 1e3) / h) ** 2
    return err


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fix-clo", type=float, default=None)
    ap.add_argument("--water", action="store_true", help="also fit Hayward et al. 1975's immersion curve")
    a = ap.parse_args()
    bounds = [(0.03, TISSUE_MAX), (40.0, PEAK_MAX), (10.0, 80.0), (0.2, 8.0)]
    if a.fix_clo is None:
        bounds.append((0.3, 4.0))
    r = differential_evolution(loss, bounds, args=(a.fix_clo, a.water), seed=1, tol=1e-8, maxiter=300, polish=True)
    x = r.x
    clo = a.fix_clo if a.fix_clo is not None else x[4]
    print(f"loss {r.fun:.5f}")
    print(
        f"tissue_insulation={x[0]:.4f} shiver_peak={x[1]:.2f} shiver_sustained={x[2]:.2f} "
        f"shiver_reserve={x[3]:.4f}e6 two_layers_clo={clo:.3f}"
    )
    for clothing, wind, table in ((0.0, 1.0, NUDE_1KMH), (clo, 5.0, TWO_LAYERS_5KMH)):
        for t, h in table:
            print(f"  clo {clothing:.2f} {t:+4d} °C: {hours(x, clothing, wind, t):6.2f} h (Tikuisis {h})")


if __name__ == "__main__":
    main()
