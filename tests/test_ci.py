"""CI fails where a developer's machine skips: .ci/run sets CI, need() turns a skip into a failure,
and no test goes round need() with a bare skip or a silent ``if shutil.which(...)``."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_run_exports_ci_before_the_tests():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines()]
    assert "export CI=true" in lines
    assert lines.index("export CI=true") < next(i for i, ln in enumerate(lines) if "python -m pytest" in ln)


def test_a_missing_tool_fails_under_ci_and_skips_elsewhere(tmp_path):
    (tmp_path / "test_probe.py").write_text(
        "from tests.conftest import maybe_tool, tool\n"
        "def test_tool():\n    tool('carpathia-no-such-program')\n"
        "def test_maybe_tool():\n    assert maybe_tool('carpathia-no-such-program') is None\n"
    )

    def run(ci: bool) -> str:
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        if ci:
            env["CI"] = "true"
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        return proc.stdout.strip().splitlines()[-1]

    assert "2 failed" in run(ci=True)
    summary = run(ci=False)
    assert "1 skipped" in summary and "1 passed" in summary and "failed" not in summary


def _is_which(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "which"
        and isinstance(node.value, ast.Name)
        and node.value.id == "shutil"
    )


def test_no_test_goes_round_need():
    """Skips go through tests/conftest.py (need, tool, maybe_tool) so that CI can fail them."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == "conftest.py" and path.parent == ROOT / "tests":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            bare = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pytest"
            if bare and node.attr in {"skip", "importorskip"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} pytest.{node.attr}")
            if isinstance(node, ast.Attribute) and node.attr == "skipif":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} skipif")
            if isinstance(node, ast.If | ast.IfExp) and any(_is_which(n) for n in ast.walk(node.test)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} condition on shutil.which")
    assert not offenders, "use need()/tool()/maybe_tool() from tests/conftest.py:\n" + "\n".join(offenders)
