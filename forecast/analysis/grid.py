"""Grid files of a sweep: reading and checking ``scenarios/sweeps/*.yaml`` into a :class:`Grid`.

A grid file (documented in docs/cli.md) names a ``base`` scenario, values to ``set`` at every point,
and ``axes`` over dotted inputs: a list of values, or a range ``{from, to, steps, scale: linear|log}``.
Axes are crossed (every combination); axes named together in ``zip`` move together (equal lengths,
one point per position). The file is validated by the pydantic model :class:`forecast.schema.sweep.Sweep`
(keys, names, an axis on a label or on the seed, an input both set and swept, zip groups, the chart's
axes), whose errors are located like a scenario's (:func:`forecast.io.scenario.validation_problems`).
What needs the data folder or the base scenario is checked here, at the same ``file:line:col``: the
data files named, range ends in the input's units, the heatmap's metric and the number of points.
Every problem of one stage is reported at once. The points themselves, their seeds and their
evaluation are :mod:`forecast.analysis.sweep`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from forecast.errors import DataError, Problem, ScenarioError
from forecast.io.overrides import field_kind, fixed
from forecast.io.yamlload import LoadedYaml, load_yaml
from forecast.schema import Scenario
from forecast.schema.sweep import MAX_POINTS, AxisRange, Sweep, SweepChart
from forecast.schema.types import data_file

__all__ = ["MAX_POINTS", "Axis", "Grid", "axis_groups", "load_grid", "point_count"]

#: Where a grid file's keys are documented (the hint of an unknown or missing key).
_GUIDE = "docs/cli.md#peakdata-sweep"


@dataclass(frozen=True)
class Axis:
    """One swept input: its dotted name and the values set at its positions."""

    name: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Grid:
    """A loaded grid file (module docstring)."""

    name: str
    path: str
    description: str
    base_path: str
    base: Scenario
    changes: dict[str, Any]
    axes: tuple[Axis, ...]
    zipped: tuple[tuple[str, ...], ...]
    samples: int | None
    chart: dict[str, str] = field(default_factory=dict)
    #: the base scenario's warnings (:attr:`forecast.io.scenario.ScenarioFile.warnings`)
    warnings: tuple[Problem, ...] = ()


def _problem(doc: LoadedYaml, path: tuple, message: str, hint: str = "") -> Problem:
    loc = doc.locate(path)
    return Problem(loc.file, loc.line, loc.col, ".".join(str(p) for p in path), message, hint)


def _range_values(doc: LoadedYaml, name: str, spec: AxisRange, problems: list[Problem]) -> tuple[Any, ...]:
    """The values of a range axis: its ends read in the input's units, its steps as fixed values."""
    from forecast.units import parse_quantity

    path = ("axes", name)
    kind = field_kind(name)
    ends = []
    for end, raw in (("from", spec.start), ("to", spec.end)):
        try:
            ends.append(parse_quantity(raw, kind) if kind is not None else float(raw))
        except (TypeError, ValueError) as exc:
            problems.append(_problem(doc, path + (end,), str(exc), "a range runs between two plain values"))
            return ()
    a, b = ends
    if spec.scale == "log" and (a <= 0 or b <= 0):
        problems.append(_problem(doc, path + ("scale",), "a log range needs from and to above 0"))
        return ()
    numbers = np.geomspace(a, b, spec.steps) if spec.scale == "log" else np.linspace(a, b, spec.steps)
    if kind is None:
        return tuple(float(x) for x in numbers)
    return tuple(fixed(float(x), kind) for x in numbers)


def _data_file_present(value: Any) -> str:
    from forecast.io.references import data_dir, reference_path

    name = data_file(value)
    try:
        found = reference_path(name).is_file()
    except DataError as exc:       # a symbolic link in the data folder that points outside it
        raise ValueError(str(exc)) from None
    if not found:
        raise ValueError(f"data file {name} not found in {data_dir()}; put the CSV in the data folder, "
                         "or set PEAKDATA_DATA to the folder that holds it")
    return name


def _data_file_problems(doc: LoadedYaml) -> list[Problem]:
    """The data files that ``set`` or an axis gives (:data:`forecast.io.references.DATA_FILE_KEYS`):
    inside the data folder, and there; located at their lines."""
    from forecast.io.references import DATA_FILE_KEYS

    changes, axes = doc.data.get("set"), doc.data.get("axes")
    named = [(("set", key), value) for key, value in (changes.items() if isinstance(changes, dict) else ())
             if key in DATA_FILE_KEYS]
    for key, values in (axes.items() if isinstance(axes, dict) else ()):
        if key in DATA_FILE_KEYS and isinstance(values, list):
            named += [(("axes", key, i), value) for i, value in enumerate(values)]
    problems = []
    for where, value in named:
        try:
            _data_file_present(value)
        except ValueError as exc:
            message, hint = str(exc).rsplit("; ", 1) if "; " in str(exc) else (str(exc), "")
            problems.append(_problem(doc, where, message, hint))
    return problems


def _metric_problems(doc: LoadedYaml, chart: SweepChart, base: Scenario) -> list[Problem]:
    """The heatmap's ``chart.metric``: a key the base scenario's headline has."""
    if chart.metric is None:
        return []
    from forecast.outputs import headline_keys

    known = headline_keys(base)
    if chart.metric in known:
        return []
    import difflib

    close = difflib.get_close_matches(chart.metric, known, n=1, cutoff=0.6)
    return [_problem(doc, ("chart", "metric"), f"unknown metric '{chart.metric}': a sweep of {base.name} has "
                     f"{', '.join(known)}", f"did you mean '{close[0]}'?" if close else
                     "the headline keys are listed in docs/nomenclature.md")]


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid file; every problem at once as ``file:line:col field: message (hint)``:
    first those of the file itself (:class:`~forecast.schema.sweep.Sweep`, the data files it names),
    then those that need its base scenario."""
    from forecast.io.scenario import load_scenario, validation_problems

    doc = load_yaml(path)
    problems = _data_file_problems(doc)
    try:
        spec = Sweep.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, doc, Sweep, _GUIDE, tuple(problems))) from None
    if problems:
        raise ScenarioError(problems)
    base_path = Path(path).parent / spec.base
    base_file = load_scenario(base_path)
    base = base_file.scenario
    axes = [Axis(name, _range_values(doc, name, axis, problems) if isinstance(axis, AxisRange)
                 else tuple(axis) if isinstance(axis, list) else (axis,)) for name, axis in spec.axes.items()]
    problems += _metric_problems(doc, spec.chart, base)
    if problems:
        raise ScenarioError(problems)
    grid = Grid(spec.name, str(path), spec.description, str(base_path), base, dict(spec.changes), tuple(axes),
                tuple(tuple(g) for g in spec.zipped), spec.samples, spec.chart.model_dump(exclude_none=True),
                base_file.warnings)
    count = point_count(grid)
    if count > MAX_POINTS:
        raise ScenarioError([_problem(doc, ("axes",), f"{count:,} points is above the limit of {MAX_POINTS:,} "
                                      "points a grid may hold", "use fewer values, zip axes that move together, "
                                      "or split the study into several grids")])
    return grid


def axis_groups(grid: Grid) -> list[list[Axis]]:
    """The axes in grid order, those zipped together as one group (a lone axis is a group of one)."""
    by_name = {a.name: a for a in grid.axes}
    seen: set[str] = set()
    groups = []
    for axis in grid.axes:
        if axis.name in seen:
            continue
        group = next((g for g in grid.zipped if axis.name in g), (axis.name,))
        groups.append([by_name[g] for g in group])
        seen.update(group)
    return groups


def point_count(grid: Grid) -> int:
    """How many points the grid has."""
    return math.prod(len(g[0].values) for g in axis_groups(grid))
