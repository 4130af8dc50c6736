#!/usr/bin/env python
"""Mutation check before a release: does the test suite notice small deliberate bugs?

Each mutation below is a one-line change a reviewer would try (a sign flipped, a constant off by
10 %, a fitted value or a coupling ignored) in a named function or constant. The script copies the
working tree (``src``, ``tests``, ``docs``, ``README.md``, ``pyproject.toml``) to a temporary
folder, checks that each mutation's tests pass there unmutated, then applies one mutation at a time,
runs the tests named for it (the default run, ``-m 'not slow'``, stopping at the first failure)
and puts the file back. A mutation is *killed* when a test fails (or the mutated code no longer
imports), *survived* when all pass, *stale* when its text is no longer in the source (the code
moved: update the mutation), and *no-baseline* when its tests fail even unmutated. The working
tree itself is never touched.

    python scripts/mutation_check.py                 # all mutations, a table and the score
    python scripts/mutation_check.py --list          # what would run
    python scripts/mutation_check.py --only rank-score-sign cv-multipliers-unused
    python scripts/mutation_check.py --json out.json

Exit status: 0 when every mutation is killed, 1 otherwise. Time: a few minutes per mutation on
two cores (the motion and survival tests dominate).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ("src", "tests", "docs", "README.md", "pyproject.toml")


@dataclass(frozen=True)
class Mutation:
    id: str
    what: str
    path: str  # relative to the repository root
    edits: tuple[tuple[str, str], ...]  # (exact text, replacement); each text must occur once
    tests: tuple[str, ...]


M = Mutation
MUTATIONS: tuple[Mutation, ...] = (
    # ---- formulas (issue 21: caught before, mostly by tests against outside sources)
    M(
        "bayes-update-sign",
        "search.bayes: unsuccessful search keeps c·(1+POD) instead of c·(1−POD)",
        "src/carpathia/search/bayes.py",
        (("            out[i, j] = c * (1.0 - v)\n", "            out[i, j] = c * (1.0 + v)\n"),),
        ("tests/search/test_bayes.py",),
    ),
    M(
        "pod-coverage-10pct",
        "search.coverage.pod: POD = 1 − exp(−1.1·C)",
        "src/carpathia/search/coverage.py",
        (("    out = -np.expm1(-c)\n", "    out = -np.expm1(-1.1 * c)\n"),),
        ("tests/search/test_coverage.py",),
    ),
    M(
        "tobler-decay-10pct",
        "travel.speed: Tobler's decay 3.5 → 3.85",
        "src/carpathia/travel/speed.py",
        (("TOBLER_DECAY = 3.5  # Tobler 1993", "TOBLER_DECAY = 3.85  # Tobler 1993"),),
        ("tests/travel",),
    ),
    M(
        "windchill-constant-10pct",
        "survival.windchill: 0.6215·T → 0.6837·T",
        "src/carpathia/survival/windchill.py",
        (("    out = 13.12 + 0.6215 * t - 11.37 * v16", "    out = 13.12 + 0.6837 * t - 11.37 * v16"),),
        ("tests/survival",),
    ),
    M(
        "rank-score-sign",
        "probability.scoring.rank_score: R = (r − 0.5)/0.5",
        "src/carpathia/probability/scoring.py",
        (("    return float((0.5 - r) / 0.5)", "    return float((r - 0.5) / 0.5)"),),
        ("tests/probability",),
    ),
    M(
        "rank-score-ties",
        "probability.scoring.rank_score: ties counted whole, not half",
        "src/carpathia/probability/scoring.py",
        (("        r = (n + 0.5 * m) / a.size", "        r = (n + m) / a.size"),),
        ("tests/probability",),
    ),
    # ---- fitted and coupled code (issue 21: seven of nine went unnoticed)
    M(
        "hiker-speed-calibration-10pct",
        "motion calibration: Temperate/Mountainous hiker walks 10 % slower (speed_scale 1.092 → 0.983)",
        "src/carpathia/motion/data/calibration.csv",
        (("Hiker,Temperate,Mountainous,1.092,", "Hiker,Temperate,Mountainous,0.983,"),),
        ("tests/motion/test_calibration.py",),
    ),
    M(
        "hours-cap-speed-10pct",
        "probability.models: hours-missing cap speed ×1.1",
        "src/carpathia/probability/models.py",
        (
            (
                "FLAT_OFFTRAIL_SPEED_MS = 6.0 * math.exp(-3.5 * 0.05) * 0.6 / 3.6\n",
                "FLAT_OFFTRAIL_SPEED_MS = 6.0 * math.exp(-3.5 * 0.05) * 0.6 / 3.6 * 1.1\n",
            ),
        ),
        ("tests/probability",),
    ),
    M(
        "river-velocity-10pct",
        "river.network: every reach's surface velocity range ×1.1 in the drift kernel",
        "src/carpathia/river/network.py",
        (
            (
                '"r_lo": np.array([r.velocity_m_s[0] for r in self.reaches], np.float64),',
                '"r_lo": 1.1 * np.array([r.velocity_m_s[0] for r in self.reaches], np.float64),',
            ),
            (
                '"r_hi": np.array([r.velocity_m_s[1] for r in self.reaches], np.float64),',
                '"r_hi": 1.1 * np.array([r.velocity_m_s[1] for r in self.reaches], np.float64),',
            ),
        ),
        ("tests/river",),
    ),
    M(
        "survival-band-5-95",
        "survival.urgency: the band's ends read as 5/95 % instead of 10/90 %",
        "src/carpathia/survival/urgency.py",
        (("_Z90 = 1.2815515655446004", "_Z90 = 1.6448536269514722"),),
        ("tests/survival",),
    ),
    M(
        "adams-prior-slope-10pct",
        "survival.urgency: the Adams et al. prior's fitted slope b ×1.1",
        "src/carpathia/survival/urgency.py",
        (('        "b": 0.053509,', '        "b": 0.058860,'),),
        ("tests/survival",),
    ),
    M(
        "wind-at-body-0.6",
        "survival.cold: wind at the body 2/3 → 0.6 of the 10 m wind",
        "src/carpathia/survival/cold.py",
        (("WIND_BODY_FACTOR = 2.0 / 3.0\n", "WIND_BODY_FACTOR = 0.6\n"),),
        ("tests/survival",),
    ),
    M(
        "cv-multipliers-unused",
        "probability.evaluate: cross-validation fits multipliers and never applies them",
        "src/carpathia/probability/evaluate.py",
        (
            (
                "cell_m=cell_m, dem=dem, multipliers=fold_mult[k], **model_kwargs",
                "cell_m=cell_m, dem=dem, **model_kwargs",
            ),
        ),
        ("tests/probability/test_evaluate.py",),
    ),
    M(
        "multipliers-ignored",
        "probability.models.scaled_distribution: calibration multipliers ignored",
        "src/carpathia/probability/models.py",
        (("    if not multipliers:\n        return dist\n", "    if True:\n        return dist\n"),),
        ("tests/probability",),
    ),
    M(
        "agents-incapacitation-30",
        "motion.params: agents incapacitated at 30 °C core instead of 32 °C",
        "src/carpathia/motion/params.py",
        (("    incapacitated_core_c: float = 32.0", "    incapacitated_core_c: float = 30.0"),),
        ("tests/motion",),
    ),
    M(
        "agents-tissue-insulation-0.9",
        "motion.engine: the agents' tissue insulation ×0.9",
        "src/carpathia/motion/engine.py",
        (("    P[K.P_TISSUE] = FITTED.tissue_insulation\n", "    P[K.P_TISSUE] = FITTED.tissue_insulation * 0.9\n"),),
        ("tests/motion",),
    ),
    M(
        "koester-tail-slope-10pct",
        "subjects.distribution: tail beyond the 95 % quantile 10 % steeper (thinner)",
        "src/carpathia/subjects/distribution.py",
        (("    d[0], d[-1] = delta[0], delta[-1]\n", "    d[0], d[-1] = delta[0], 1.1 * delta[-1]\n"),),
        ("tests/subjects",),
    ),
)


def _copy_tree(dst: Path) -> Path:
    repo = dst / "repo"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, repo / name)
    shared = ROOT.parent / "shared"
    if shared.exists():  # tests find ../shared/data beside the repository
        (dst / "shared").symlink_to(shared)
    return repo


def _pytest(repo: Path, tests: tuple[str, ...], timeout: float) -> tuple[int, str, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(repo / "src"), str(repo), env.get("PYTHONPATH", "")])
    env.pop("CI", None)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not slow", *tests]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "timed out", time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    failed = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]
    summary = (failed[0] if failed else "") + (" | " if failed else "") + (lines[-1] if lines else proc.stderr[-200:])
    return proc.returncode, summary, time.perf_counter() - t0


def _status(rc: int) -> str:
    if rc == 0:
        return "survived"
    if rc in (1, 2):  # a test failed, or the mutated code no longer imports (collection error)
        return "killed"
    return "error" if rc != 124 else "timeout"


def run(mutations, *, timeout: float) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="carpathia-mutation-") as tmp:
        repo = _copy_tree(Path(tmp))
        baseline: dict[tuple[str, ...], tuple[int, str]] = {}
        for m in mutations:
            if m.tests not in baseline:  # the same tests, unmutated, must pass for a verdict
                rc, summary, secs = _pytest(repo, m.tests, timeout)
                baseline[m.tests] = (rc, summary)
                print(f" baseline  {' '.join(m.tests):<30} {secs:6.0f} s  rc {rc}: {summary[:100]}", flush=True)
            path = repo / m.path
            original = path.read_text(encoding="utf-8")
            text = original
            stale = [old for old, _ in m.edits if text.count(old) != 1]
            if baseline[m.tests][0] != 0:
                res = {"id": m.id, "what": m.what, "status": "no-baseline", "detail": baseline[m.tests][1]}
            elif stale:
                res = {"id": m.id, "what": m.what, "status": "stale", "detail": f"not found once: {stale[0]!r}"}
            else:
                for old, new in m.edits:
                    text = text.replace(old, new)
                path.write_text(text, encoding="utf-8")
                try:
                    rc, summary, secs = _pytest(repo, m.tests, timeout)
                finally:
                    path.write_text(original, encoding="utf-8")
                res = {"id": m.id, "what": m.what, "status": _status(rc), "seconds": round(secs, 1), "detail": summary}
            results.append(res)
            print(f"{res['status']:>9}  {m.id:<30} {res.get('seconds', 0):6.0f} s  {res['detail'][:100]}", flush=True)
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", metavar="ID", help="run only these mutations")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per mutation run (default 900)")
    args = ap.parse_args(argv)
    chosen = MUTATIONS
    if args.only:
        known = {m.id for m in MUTATIONS}
        unknown = sorted(set(args.only) - known)
        if unknown:
            ap.error(f"unknown mutation {unknown[0]!r}; --list shows them")
        chosen = tuple(m for m in MUTATIONS if m.id in args.only)
    if args.list:
        for m in chosen:
            print(f"{m.id:<30} {m.what}  [{' '.join(m.tests)}]")
        return 0
    results = run(chosen, timeout=args.timeout)
    killed = sum(r["status"] == "killed" for r in results)
    print(f"mutation score: {killed}/{len(results)} killed", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"killed": killed, "total": len(results), "results": results}, indent=2))
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
