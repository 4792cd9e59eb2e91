"""Imports flow one way (docs/architecture.md), imports inside functions included.

Every module under ``forecast/`` is parsed with :mod:`ast`; every ``import forecast.x`` or
``from forecast.x import y`` anywhere in it (module level, inside a function, under
``TYPE_CHECKING``) must point to the module's own layer or a layer below it:

    cli → report → engine → io → schema → models, fit → units, errors

The kernels in ``forecast/models/`` may import numpy, scipy, each other and ``forecast.units`` only.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "forecast"

# Highest layer first. A module may import its own layer and every layer after it.
LAYERS: list[tuple[str, ...]] = [
    ("forecast.cli", "forecast.__main__"),
    ("forecast.report",),
    ("forecast.engine", "forecast.result"),
    ("forecast.io",),
    ("forecast.schema",),
    ("forecast.models", "forecast.fit"),
    ("forecast.units", "forecast.errors", "forecast._version"),
]
KERNEL_THIRD_PARTY = {"numpy", "scipy", "__future__", "collections", "typing", "dataclasses", "math",
                      "hashlib", "numbers", "struct", "functools", "itertools", "warnings"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _imports(path: Path, here: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = here or _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from forecast.models import cost`` imports forecast.models.cost
            for alias in node.names:
                found.append((node.lineno, f"{module}.{alias.name}"))
    return found


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
