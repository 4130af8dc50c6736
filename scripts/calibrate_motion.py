"""Fit the motion model's walking-time budgets to every row of Koester's distance table.

Writes src/carpathia/motion/data/calibration.csv (see carpathia.motion.calibrate for the method):

    python scripts/calibrate_motion.py                 # all rows, 20,000 agents per run
    python scripts/calibrate_motion.py --agents 5000 --only Hiker --out /tmp/cal.csv

Per row: one run without walking budgets gives each agent's distance at 24 h for any budget;
the budget knots (and speed factor) are fitted on it; rows whose quantiles sit closer together
than wandering allows get a lower wander factor (bisection, a run per try); a full simulation
with another seed measures the errors written to the file. About 15 minutes on two cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from carpathia.io.files import atomic_output
from carpathia.motion.calibrate import REFERENCE, fit_row
from carpathia.motion.params import CALIBRATION_HOURS
from carpathia.subjects import koester_table

OUT = Path(__file__).resolve().parents[1] / "src" / "carpathia" / "motion" / "data" / "calibration.csv"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=20000, help="agents per calibration run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default=None, help="fit only rows of this category (as spelled in the table)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    rows = [r for r in koester_table() if args.only is None or r.category == args.only]
    lines = [
        "# Walking-time budgets of carpathia.motion fitted to Koester's distance table by scripts/calibrate_motion.py",
        f"# reference: flat ground at {REFERENCE.lat} N {REFERENCE.lon} E, start {REFERENCE.start}, "
        f"dt {REFERENCE.dt_s:g} s, distances at {CALIBRATION_HOURS:g} h; {args.agents} agents a run, seed {args.seed}",
        "# t*_h: hours of walking at the 25/50/75/95 % ranks; wander: factor on random walking and heading noise;",
        "# err*_pct: simulated/tabulated distance - 1, in %, of a check run with seed + 1000",
        "category,eco_region,terrain,speed_scale,wander,t25_h,t50_h,t75_h,t95_h,err25_pct,err50_pct,err75_pct,err95_pct",
    ]
    worst = 0.0
    for row in rows:
        t0 = time.perf_counter()
        fit = fit_row(row, n_agents=args.agents, seed=args.seed)
        err = fit["errors"]
        worst = max(worst, float(np.nanmax(np.abs(err))))
        e = ",".join("" if np.isnan(x) else f"{100 * x:.1f}" for x in err)
        k = ",".join(f"{x:.5g}" for x in fit["knots"])
        cat = f'"{row.category}"' if "," in row.category else row.category
        lines.append(f"{cat},{row.eco_region},{row.terrain_class},{fit['speed_scale']:.4g},{fit['wander']:g},{k},{e}")
        print(
            f"{row.category:24s} {row.eco_region:9s} {row.terrain_class:11s} wander {fit['wander']:<4g} "
            f"errors % {e:28s} ({fit['iterations']} path runs, {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
    with atomic_output(args.out, overwrite=True) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}; worst error {100 * worst:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
