"""docs/SCIENCE.md: every number a model uses, checked against the code it names.

Each table row of docs/SCIENCE.md is ``| quantity | value | unit | code | source |``. The code cell
holds one or more references in backticks, each resolved here and compared with the value cell:

* ``carpathia.search.bayes:NAME`` — import the module, then ``getattr``; the name may go on with
  ``.attr``, ``["key"]``, ``[0]`` or ``[None]`` (``carpathia.search.resources:_RD_FACTORS["high"]``).
* ``carpathia/motion/data/behaviours.toml:categories["Hiker"].speed`` — a TOML file inside the
  package (path from ``src/``), then the same key path.
* ``carpathia/subjects/data/file.csv:category=Hiker&terrain=Mountainous:p25,p50`` — the first CSV
  row whose columns equal the given values, then the listed columns.

The value cell holds numbers separated by commas (``0.25, 0.5``), each a plain number or simple
arithmetic (``3.2/4.0``). A value starting with ``≈`` is compared to the precision it is written
with (``≈0.693`` checks that the code's value rounds to 0.693); otherwise to 1e-9 relative. A code
value that is a sequence (tuple, list, array) is compared element by element; a row with several
references compares one value with each in turn.
"""

from __future__ import annotations

import ast
import csv
import importlib
import math
import operator
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCIENCE = ROOT / "docs" / "SCIENCE.md"
SRC = ROOT / "src"
SECTIONS = (
    "terrain",
    "subjects",
    "travel",
    "motion",
    "probability",
    "search",
    "survival",
    "rescue",
    "river",
    "incident",
)

_REF = re.compile(r"`([^`]+)`")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_PY_REF = re.compile(r"^(carpathia(?:\.[A-Za-z_][A-Za-z0-9_]*)*):(.+)$")
_FILE_REF = re.compile(r"^(carpathia/[^:]+\.(?:toml|csv)):(.+)$")
_SEGMENT = re.compile(
    r"""\.?([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([^"]*)"\s*\]|\[\s*'([^']*)'\s*\]|\[\s*(-?\d+)\s*\]|\[\s*(None)\s*\]"""
)
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


# ------------------------------------------------------------------------------------------ parsing
def parse_rows(text: str) -> list[dict]:
    """Table rows of SCIENCE.md with the section (``## name``) and line number they sit on."""
    rows, section, header = [], None, None
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            section, header = line[3:].strip().split()[0].lower(), None
            continue
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(line.strip().strip("|"))]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        row = dict(zip(header, cells, strict=False))
        row.update(section=section, line=lineno)
        rows.append(row)
    return rows


def _number(expr: str) -> float:
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        raise ValueError(f"not a number: {expr!r}")

    return float(ev(ast.parse(expr.replace("_", "").replace("−", "-"), mode="eval")))


def parse_values(cell: str) -> list[tuple[float, float]]:
    """(value, absolute tolerance or -1 for relative 1e-9) for each comma-separated number."""
    out = []
    for part in cell.split(","):
        part = part.strip().replace(" ", "")
        if part.startswith("≈"):
            part = part[1:]
            exp = Decimal(part.lstrip("-")).as_tuple().exponent
            out.append((_number(part), 0.5 * 10.0**exp * (1 + 1e-9)))
        else:
            out.append((_number(part), -1.0))
    return out


def _walk(obj, path: str):
    pos = 0
    path = path.strip()
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if not m or m.end() == pos:
            raise KeyError(f"cannot parse {path[pos:]!r}")
        name, dq, sq, idx, none = m.groups()
        if none is not None:
            obj = obj[None]
        elif name is not None:
            obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)
        elif idx is not None:
            obj = obj[int(idx)]
        else:
            obj = obj[dq if dq is not None else sq]
        pos = m.end()
    return obj


def resolve(ref: str):
    """The value a code reference points at; raises when it does not exist."""
    if m := _FILE_REF.match(ref):
        path, rest = SRC / m.group(1), m.group(2)
        if path.suffix == ".toml":
            return _walk(tomllib.loads(path.read_text(encoding="utf-8")), rest)
        where, _, fields = rest.rpartition(":")
        conds = dict(c.split("=", 1) for c in where.split("&"))
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
        for r in csv.DictReader(lines):
            if all(r[k] == v for k, v in conds.items()):
                return [float(r[f]) for f in fields.split(",")]
        raise KeyError(f"no row {where} in {path.name}")
    if m := _PY_REF.match(ref):
        return _walk(importlib.import_module(m.group(1)), m.group(2))
    raise KeyError(f"not a code reference: {ref!r}")


def flat(value) -> list[float]:
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return [float(value)]
    if isinstance(value, (tuple, list, np.ndarray)):
        return [x for v in value for x in flat(v)]
    raise TypeError(f"not a number or a sequence of numbers: {value!r}")


def check_row(row: dict) -> None:
    where = f"docs/SCIENCE.md:{row['line']}"
    refs = _REF.findall(row.get("code", ""))
    assert refs, f"{where}: the code cell names no `module:NAME` or `package/file:key` reference"
    want = parse_values(row["value"])
    for ref in refs:
        try:
            got = flat(resolve(ref))
        except (ImportError, AttributeError, KeyError, IndexError, OSError, TypeError) as exc:
            raise AssertionError(f"{where}: {ref} is missing from the code ({exc})") from None
        assert len(got) == len(want), f"{where}: {ref} holds {len(got)} numbers, the table {len(want)}"
        for g, (v, tol) in zip(got, want, strict=True):
            ok = abs(g - v) <= tol if tol >= 0 else math.isclose(g, v, rel_tol=1e-9, abs_tol=1e-300)
            assert ok, f"{where}: {ref} is {g!r} in the code, {row['value']} in the table"


# ------------------------------------------------------------------------------------------ tests
TEXT = SCIENCE.read_text(encoding="utf-8")
ROWS = parse_rows(TEXT)


def test_every_package_has_a_section():
    found = [ln[3:].strip().split()[0].lower() for ln in TEXT.splitlines() if ln.startswith("## ")]
    for s in SECTIONS:
        assert s in found, f"docs/SCIENCE.md has no '## {s}' section"


def test_every_row_has_value_unit_code_and_source():
    assert len(ROWS) > 20
    for row in ROWS:
        where = f"docs/SCIENCE.md:{row['line']}"
        for col in ("quantity", "value", "unit", "code", "source"):
            assert row.get(col), f"{where}: empty '{col}'"
        src = row["source"].lower()
        assert "todo" not in src and "?" not in row["source"], f"{where}: the source is not settled"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['section']}:{r['line']}" for r in ROWS])
def test_named_constant_exists_and_has_the_tabled_value(row):
    check_row(row)


def test_the_checker_can_fail():
    """A wrong value, a missing name and a missing key are each caught."""
    good = {"line": 0, "quantity": "x", "value": "1609.344", "code": "`carpathia.subjects.statistics:MILE_M`"}
    check_row(good)
    for bad in (
        {**good, "value": "1609.0"},
        {**good, "code": "`carpathia.subjects.statistics:NO_SUCH_NAME`"},
        {**good, "code": '`carpathia.subjects.statistics:UNITS["furlong"]`'},
        {**good, "value": "≈1609.4"},
        {**good, "code": "no reference"},
    ):
        with pytest.raises(AssertionError):
            check_row(bad)
    check_row({**good, "value": "≈1609.34"})
    check_row({**good, "value": "1609.344", "code": '`carpathia.subjects.statistics:UNITS["mi"]`'})
    check_row(
        {
            "line": 0,
            "value": "0.7, 1.9, 3.6, 11.3",
            "code": "`carpathia/subjects/data/koester_distance_rings_miles.csv:"
            "category=Hiker&eco_region=Temperate&terrain=Mountainous:p25,p50,p75,p95`",
        }
    )
