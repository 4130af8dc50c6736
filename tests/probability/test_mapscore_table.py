"""The README's MapScore table, reproduced (slow: minutes per row on the full 5001 × 5001 grid).

Each row of the table in README.md ("How good are the maps? MapScore on real finds") is parsed
and recomputed with the command the README gives (``carpathia evaluate CASES --model MODEL``,
``--cross-validate`` for the calibrated rows; the Python call underneath). The recomputed figures
must lie inside the row's stated 95 % intervals and match its printed values to the digits shown
(a looser band than rounding only where noted), so that the README cannot drift from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carpathia.probability import evaluate

README = Path(__file__).resolve().parents[2] / "README.md"
ARIZONA = ("lost_person", "mapscore_arizona_cases.csv")
LEVELS = ("25", "50", "75", "95")

_ROW = re.compile(
    r"^\| `(?P<model>\w+)`(?P<label>[^|]*)\| (?P<r>[\d.]+) \((?P<rlo>[\d.]+)–(?P<rhi>[\d.]+)\) "
    r"\| (?P<log>[\d.]+) \((?P<loglo>[\d.]+)–(?P<loghi>[\d.]+)\) "
    r"\| (?P<c25>\d+)% / (?P<c50>\d+)% / (?P<c75>\d+)% / (?P<c95>\d+)% \|$"
)


def readme_rows() -> list[dict]:
    rows = []
    for line in README.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        row = m.groupdict()
        row["calibrated"] = "calibrated" in row["label"]
        mult = re.search(r"×([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+)", row["label"])
        row["multipliers"] = [float(v) for v in mult.groups()] if mult else None
        rows.append(row)
    return rows


def test_the_readme_table_is_found():
    rows = readme_rows()
    assert {r["model"] for r in rows} >= {"rings", "travel_time", "mixture", "agents"}
    assert any(r["calibrated"] for r in rows)
    assert all(r["multipliers"] for r in rows if r["calibrated"])


@pytest.mark.slow
@pytest.mark.parametrize("row", readme_rows(), ids=lambda r: r["model"] + ("-calibrated" if r["calibrated"] else ""))
def test_readme_mapscore_row_is_reproduced(shared, row):
    ev = evaluate(shared.joinpath(*ARIZONA), model=row["model"], cross_validate=row["calibrated"])
    s = ev.summary
    assert s["n"] == 114
    # inside the stated 95 % intervals
    assert float(row["rlo"]) <= s["mean_score"] <= float(row["rhi"])
    assert float(row["loglo"]) <= s["mean_log_score"] <= float(row["loghi"])
    # the printed figures, to the digits printed
    assert s["mean_score"] == pytest.approx(float(row["r"]), abs=0.0005 + 1e-9)
    assert s["mean_log_score"] == pytest.approx(float(row["log"]), abs=0.0005 + 1e-9)
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((float(row["rlo"]), float(row["rhi"])), abs=0.005 + 1e-9)
    for level in LEVELS:
        assert 100 * s["containment"][level] == pytest.approx(float(row[f"c{level}"]), abs=0.5 + 1e-9), level
    if row["calibrated"]:
        fitted = ev.calibration["multipliers"]
        assert [fitted[k] for k in ("0.25", "0.5", "0.75", "0.95")] == pytest.approx(row["multipliers"], abs=0.005)
