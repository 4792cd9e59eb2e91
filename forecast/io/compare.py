"""Load a ``compare`` file (see :mod:`forecast.schema.compare`) with file:line errors."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from forecast.errors import Problem, ScenarioError
from forecast.io.yamlload import load_yaml
from forecast.schema.compare import Compare

__all__ = ["CompareFile", "load_compare"]


@dataclass(frozen=True)
class CompareFile:
    """A validated compare file; ``paths`` are its scenario files, start first, resolved beside it."""

    compare: Compare
    path: str
    paths: tuple[Path, ...]


def load_compare(path: str | Path) -> CompareFile:
    """Read and validate a compare file; every scenario it names must exist and price a run
    (have a ``cost`` section), and every mark must stand beside one of the waterfall's bars.

    Raises
    ------
    ScenarioError
        Naming file, line, field and a hint for each problem.
    """
    from forecast.io.scenario import load_scenario

    doc = load_yaml(path)
    data = doc.data.get("compare") if isinstance(doc.data, dict) else None
    if not isinstance(data, dict):
        loc = doc.locate(())
        raise ScenarioError([Problem(loc.file, loc.line, loc.col, "compare",
                                     "a compare file has one top-level key 'compare'",
                                     "see scenarios/compare/palmyra-vs-gpt-class.yaml")])
    extra = sorted(set(doc.data) - {"compare"})
    if extra:
        loc = doc.locate((extra[0],))
        raise ScenarioError([Problem(loc.file, loc.line, loc.col, extra[0], f"unknown key '{extra[0]}'",
                                     "everything goes under 'compare:'")])
    try:
        compare = Compare.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc_path = ("compare",) + tuple(err.get("loc", ()))
            loc = doc.locate(loc_path)
            msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
            msg, _, hint = msg.rpartition("; ") if "; " in msg else (msg, "", "")
            problems.append(Problem(loc.file, loc.line, loc.col, ".".join(str(p) for p in loc_path), msg,
                                    hint or "see scenarios/compare/palmyra-vs-gpt-class.yaml"))
        raise ScenarioError(problems) from None
    base = Path(path).parent
    paths, problems = [], []
    bars = 1 + len(compare.steps)
    for i, mark in enumerate(compare.marks):
        if not -bars <= mark.beside < bars:
            where = ("compare", "marks", i, "beside")
            loc = doc.locate(where)
            problems.append(Problem(loc.file, loc.line, loc.col, ".".join(str(p) for p in where),
                                    f"beside {mark.beside} names no bar: this waterfall has {bars} (the start "
                                    f"and {bars - 1} step{'s' if bars > 2 else ''})",
                                    f"use 0 (the start) to {bars - 1}, or -1 for the last bar"))
    for k, step in enumerate([compare.start, *compare.steps]):
        target = Path(os.path.normpath(base / step.scenario))
        where = ("compare", "start", "scenario") if k == 0 else ("compare", "steps", k - 1, "scenario")
        loc = doc.locate(where)
        field = ".".join(str(p) for p in where)
        if not target.is_file():
            problems.append(Problem(loc.file, loc.line, loc.col, field, f"scenario file {target} not found",
                                    "paths are relative to the compare file"))
        else:
            try:
                scenario = load_scenario(target, check_data=False).scenario
            except ScenarioError as exc:
                problems.extend(exc.problems)
            else:
                if scenario.cost is None:
                    problems.append(Problem(loc.file, loc.line, loc.col, field,
                                            f"{step.scenario} has no cost section: a waterfall step prices a "
                                            "training run (its bar is the p50 total cost)",
                                            "name a scenario with cost:, e.g. ../gpt-class.yaml"))
        paths.append(target)
    if problems:
        raise ScenarioError(problems)
    return CompareFile(compare, str(path), tuple(paths))
