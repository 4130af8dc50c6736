"""Import direction: the layers of docs/DESIGN.md ("Layers"), read from the source's imports.

Every ``import`` and ``from ... import`` in ``src/carpathia`` counts, at module level or inside
a function (a function-local import still runs, and still ties the two packages together). The
only imports left out are those under ``if TYPE_CHECKING:``: they never run and exist for type
annotations alone. A model looked up by name in the model registry
(:class:`carpathia.probability.models.ModelRegistry`) is a plugin lookup, not an import.

The tests read the tree beside this file (``../src/carpathia``), so the same file can be
copied into an older checkout and run there.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Bottom to top. A package may import packages of its own layer or below, never above; within
#: a layer the imports must not go round in a circle. ``carpathia`` is the package's own
#: ``__init__`` (the version string), which imports nothing but ``errors``.
LAYERS: list[tuple[str, frozenset[str]]] = [
    ("foundation", frozenset({"carpathia", "errors", "_rng", "coords", "location"})),
    ("terrain and io", frozenset({"terrain", "io"})),
    ("subjects, travel, survival", frozenset({"subjects", "travel", "survival"})),
    ("models", frozenset({"probability", "motion", "search", "rescue", "river"})),
    ("incident", frozenset({"incident"})),
    ("front ends", frozenset({"cli", "web", "demo", "__main__"})),
]
LEVEL = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}


def _modules(src: Path = SRC) -> dict[str, tuple[Path, bool]]:
    """Dotted module name → (file, is a package ``__init__``)."""
    out = {}
    for p in sorted((src / "carpathia").rglob("*.py")):
        parts = list(p.relative_to(src).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (p, is_pkg)
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            t = node.test
            name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else None
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skip.update(id(n) for n in ast.walk(child))
    return skip


def import_edges(src: Path = SRC) -> dict[str, set[tuple[str, int]]]:
    """Module → {(imported carpathia module, line)}; ``from pkg import sub`` counts as ``pkg.sub``
    when ``sub`` is a module, otherwise as ``pkg``."""
    mods = _modules(src)
    edges: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for mod, (path, is_pkg) in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in mods else target for a in node.names]
            else:
                continue
            for t in targets:
                if t.split(".")[0] != "carpathia":
                    continue
                while t not in mods and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t != mod:
                    edges[mod].add((t, node.lineno))
    return edges


def unit(module: str) -> str:
    """The layered unit a module belongs to: its top-level package or module under carpathia."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "carpathia"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {w for ws in graph.values() for w in ws}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def _cycle_path(graph: dict[str, set[str]], members: list[str]) -> str:
    """One circle through the component, for the failure message."""
    inside = set(members)
    start = members[0]
    path, seen = [start], {start}
    v = start
    while True:
        nxt = sorted(w for w in graph.get(v, ()) if w in inside)
        back = [w for w in nxt if w == start]
        if back and len(path) > 1:
            return " -> ".join([*path, start]) + f"  (all of: {', '.join(members)})"
        fresh = [w for w in nxt if w not in seen]
        if not fresh:
            return " <-> ".join(members)
        v = fresh[0]
        path.append(v)
        seen.add(v)


@pytest.fixture(scope="module")
def edges():
    return import_edges()


def test_the_layers_cover_every_package():
    units = {unit(m) for m in _modules()}
    missing = sorted(units - set(LEVEL))
    assert not missing, f"packages with no layer in tests/test_imports.py and docs/DESIGN.md: {missing}"
    assert {"terrain", "probability", "motion", "incident", "web"} <= units  # the walk found the tree


def test_no_import_runs_upward(edges):
    upward = []
    for mod, targets in edges.items():
        for target, line in sorted(targets):
            a, b = unit(mod), unit(target)
            if LEVEL[b] > LEVEL[a]:
                upward.append(f"{mod}:{line} imports {target} ({LAYERS[LEVEL[a]][0]} -> {LAYERS[LEVEL[b]][0]})")
    assert not upward, "imports that run up the layers:\n" + "\n".join(upward)


def test_no_circle_between_packages(edges):
    graph: dict[str, set[str]] = defaultdict(set)
    for mod, targets in edges.items():
        for target, _ in targets:
            if unit(mod) != unit(target):
                graph[unit(mod)].add(unit(target))
    circles = [_cycle_path(graph, c) for c in _cycles(graph)]
    assert not circles, "packages importing each other:\n" + "\n".join(circles)


def test_no_circle_between_modules(edges):
    graph = {mod: {t for t, _ in targets} for mod, targets in edges.items()}
    circles = [_cycle_path(graph, c) for c in _cycles(graph)]
    assert not circles, "modules importing each other:\n" + "\n".join(circles)


def test_the_checker_sees_circles_and_upward_imports(tmp_path):
    """The walk itself: a function-local upward import and a two-module circle are found, an
    import under TYPE_CHECKING is not."""
    pkg = tmp_path / "carpathia"
    for sub in ("terrain", "incident"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "terrain" / "a.py").write_text("def f():\n    from carpathia.incident import b\n")
    (pkg / "terrain" / "c.py").write_text("from . import d\n")
    (pkg / "terrain" / "d.py").write_text("from .c import x\n")
    (pkg / "incident" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from carpathia.terrain import a\n"
    )
    e = import_edges(tmp_path)
    assert e["carpathia.terrain.a"] == {("carpathia.incident.b", 2)}
    assert "carpathia.incident.b" not in e
    assert _cycles({m: {t for t, _ in ts} for m, ts in e.items()}) == [["carpathia.terrain.c", "carpathia.terrain.d"]]
