"""Imports flow one way (docs/architecture.md), imports inside functions included, and never in a circle.

Every module under ``forecast/`` is parsed with :mod:`ast`; every ``import forecast.x`` or
``from forecast.x import y`` anywhere in it (module level, inside a function, under
``TYPE_CHECKING``) must point to the module's own layer or a layer below it:

    cli → report → export → analysis → store → engine (+ result.py, outputs.py) → io → schema
        → models, fit → units, errors

(``report`` and ``export`` share the top tier under ``cli``: the report writes its folders through
``export``'s writers; ``export`` never imports ``report``.) Inside a layer, modules may import each
other but never in a circle: the same imports, as a graph of modules, must have no cycle.

The kernels in ``forecast/models/`` may import numpy, scipy, each other and ``forecast.units`` only.
Modules stay under :data:`MAX_MODULE_LINES` lines and functions under :data:`MAX_FUNCTION_LINES`
lines of code, except the ones listed with their reason.
"""
from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "forecast"

# Highest layer first. A module may import its own layer and every layer after it.
LAYERS: list[tuple[str, ...]] = [
    ("forecast.cli", "forecast.__main__"),
    ("forecast.report",),
    ("forecast.export",),
    ("forecast.analysis",),
    ("forecast.store",),
    ("forecast.engine", "forecast.result", "forecast.outputs"),
    ("forecast.io",),
    ("forecast.schema",),
    ("forecast.models", "forecast.fit"),
    ("forecast.units", "forecast.errors", "forecast._version"),
]
KERNEL_THIRD_PARTY = {"numpy", "scipy", "__future__", "collections", "typing", "dataclasses", "math",
                      "hashlib", "numbers", "struct", "functools", "itertools", "warnings"}

#: Longest module [lines] and function [lines of code: no blank, comment or docstring lines].
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 500, 80
#: Import circles allowed for now, each with the branch that removes it; the test fails once one is
#: gone, so that its entry is deleted with it. None are left.
KNOWN_CIRCLES: set[frozenset[str]] = set()
#: Modules above MAX_MODULE_LINES, with the reason. None are left.
LONG_MODULES: dict[str, str] = {}
#: Functions above MAX_FUNCTION_LINES (``path:function``), with the reason. None are left.
LONG_FUNCTIONS: dict[str, str] = {}


def _module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _import_nodes(path: Path, here: str):
    """``(line, module, names)`` of every import statement in the file, at any depth; relative
    imports made absolute; ``names`` are the names of a ``from`` import (empty for ``import``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module, tuple(alias.name for alias in node.names)


def _imports(path: Path, here: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, at any depth."""
    here = here or _module_name(path)
    found = []
    for line, module, names in _import_nodes(path, here):
        found.append((line, module))
        # ``from forecast.models import cost`` imports forecast.models.cost
        found += [(line, f"{module}.{name}") for name in names]
    return found


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their ``__init__``)."""
    return {_module_name(p, package): p for p in sorted(package.rglob("*.py"))}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the package's modules it imports (anywhere in it, functions included).

    ``import a.b`` and ``from a import b`` with ``a.b`` a module count as importing ``a.b``;
    ``from a import name`` of anything else counts as importing ``a`` (its ``__init__``).
    """
    modules = _modules(package)
    top = package.name
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for _, module, names in _import_nodes(path, name):
            if not (module == top or module.startswith(top + ".")):
                continue
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules]
            if not names or len(targets) < len(names):
                targets.append(module)
            for target in targets:
                while target not in modules and "." in target:  # ``import a.b.attr``: the module a.b
                    target = target.rpartition(".")[0]
                if target in modules and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of ``graph``: its strongly connected components of two or more modules
    (Tarjan 1972), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative depth-first search: no recursion limit
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _describe(circle: list[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} → {b}" for a in circle for b in sorted(graph[a]) if b in circle]
    return f"import circle {', '.join(circle)}: " + "; ".join(edges)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_imports_flow_one_way(path: Path) -> None:
    _check_layers(path, _module_name(path))


def _check_layers(path: Path, here: str) -> None:
    rank = _layer(here)
    assert rank is not None, f"{here} belongs to no layer: add it to LAYERS and docs/architecture.md"
    wrong = []
    for line, module in _imports(path, here):
        if not module.startswith("forecast"):
            continue
        target = _layer(module)
        if target is not None and target < rank:
            wrong.append(f"{path.name}:{line} imports {module} (layer {LAYERS[target][0]}) "
                         f"from layer {LAYERS[rank][0]}")
    assert not wrong, "\n".join(wrong)


def _unexpected_circles(package: Path) -> list[str]:
    graph = import_graph(package)
    return [_describe(c, graph) for c in import_circles(graph) if frozenset(c) not in KNOWN_CIRCLES]


def test_no_import_circles() -> None:
    """No two modules import each other, directly or round a longer loop, at any depth."""
    assert _unexpected_circles(PACKAGE) == []


def test_known_circles_are_still_there() -> None:
    """An allowed circle that is gone must leave KNOWN_CIRCLES too, or it could come back unseen."""
    found = {frozenset(c) for c in import_circles(import_graph(PACKAGE))}
    assert [sorted(c) for c in KNOWN_CIRCLES - found] == []


def test_the_circle_finder_on_a_small_graph() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d", "f"}, "f": {"e"}, "g": {"g"}}
    assert import_circles(graph) == [["a", "b", "c"], ["e", "f"]]
    assert import_circles({"a": {"b"}, "b": set()}) == []


def test_a_circle_planted_inside_a_function_fails_the_check(tmp_path: Path) -> None:
    """A copy of the package with one import added inside a function body (report.markdown, which
    report.document imports, importing report.document back) must fail the check."""
    copy = tmp_path / "forecast"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert _unexpected_circles(copy) == []
    target = copy / "report" / "markdown.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n\ndef _planted():\n"
                      "    from forecast.report.document import Document\n    return Document\n",
                      encoding="utf-8")
    circles = _unexpected_circles(copy)
    assert len(circles) == 1 and "forecast.report.markdown → forecast.report.document" in circles[0]


def test_import_graph_resolves_submodules_and_attributes(tmp_path: Path) -> None:
    root = tmp_path / "forecast"
    (root / "pkg").mkdir(parents=True)
    for name, text in {"__init__.py": "", "pkg/__init__.py": "X = 1\n", "pkg/sub.py": "",
                       "a.py": "from forecast.pkg import sub, X\nimport forecast.pkg.sub.attr\n",
                       "b.py": "def f():\n    from .pkg.sub import thing\n"}.items():
        (root / name).write_text(text, encoding="utf-8")
    graph = import_graph(root)
    assert graph["forecast.a"] == {"forecast.pkg", "forecast.pkg.sub"}
    assert graph["forecast.b"] == {"forecast.pkg.sub"}


@pytest.mark.parametrize("path", sorted((PACKAGE / "models").glob("*.py")), ids=lambda p: p.name)
def test_kernels_import_numpy_scipy_and_units_only(path: Path) -> None:
    wrong = []
    for line, module in _imports(path):
        top = module.split(".")[0]
        if top == "forecast":
            if not (module.startswith("forecast.models") or module.startswith("forecast.units")):
                wrong.append(f"{path.name}:{line} imports {module}")
        elif top not in KERNEL_THIRD_PARTY and top not in sys.stdlib_module_names:
            wrong.append(f"{path.name}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The walk must find an import hidden in a function body, or the rule above proves nothing."""
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from forecast.engine import run\n    return run\n", encoding="utf-8")
    assert (2, "forecast.engine") in _imports(source, "forecast.io.probe")
    with pytest.raises(AssertionError, match="imports forecast.engine"):
        _check_layers(source, "forecast.io.probe")
    _check_layers(source, "forecast.report.probe")  # the same import is allowed from above


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_no_module_is_too_long() -> None:
    long = {_relative(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert {k: v for k, v in long.items() if k not in LONG_MODULES} == {}
    assert sorted(set(LONG_MODULES) - set(long)) == [], "no longer long: remove from LONG_MODULES"


def code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    """Lines of code of a function: its body without the docstring, blank and comment-only lines."""
    first = node.body[0]
    start = first.lineno
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        start = first.end_lineno + 1
    return sum(1 for text in lines[start - 1:node.end_lineno] if text.strip() and not text.strip().startswith("#"))


def test_no_function_is_too_long() -> None:
    long = {}
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if (n := code_lines(node, lines)) > MAX_FUNCTION_LINES:
                    long[f"{_relative(path)}:{node.name}"] = n
    assert {k: v for k, v in long.items() if k not in LONG_FUNCTIONS} == {}
    assert sorted(set(LONG_FUNCTIONS) - set(long)) == [], "no longer long: remove from LONG_FUNCTIONS"


def test_code_lines_leave_out_docstrings_comments_and_blank_lines() -> None:
    source = 'def f():\n    """Doc\n    string."""\n    # a comment\n\n    x = 1\n    return x\n'
    node = ast.parse(source).body[0]
    assert code_lines(node, source.splitlines()) == 2
