"""Grid files of a sweep: reading and checking ``scenarios/sweeps/*.yaml`` into a :class:`Grid`.

A grid file (documented in docs/cli.md) names a ``base`` scenario, values to ``set`` at every point,
and ``axes`` over dotted inputs: a list of values, or a range ``{from, to, steps, scale: linear|log}``.
Axes are crossed (every combination); axes named together in ``zip`` move together (equal lengths,
one point per position). Every problem of a grid file is reported at once, at its line: unknown
keys, names and data paths (:mod:`forecast.schema.types`), an axis on a label or on the seed, an
input both set and swept, zip groups, the heatmap's ``chart`` and the number of points. The points
themselves, their seeds and their evaluation are :mod:`forecast.analysis.sweep`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.errors import DataError, Problem, ScenarioError
from forecast.io.overrides import field_kind, fixed
from forecast.io.yamlload import LoadedYaml, load_yaml
from forecast.schema import MAX_SAMPLES, Scenario
from forecast.schema.types import data_file, output_name

__all__ = ["MAX_POINTS", "Axis", "Grid", "axis_groups", "load_grid", "point_count"]

_GRID_KEYS = {"name", "description", "base", "set", "axes", "zip", "samples", "chart"}
#: Most points one grid may hold. Every point is made and validated before any is computed (about
#: 6 ms and 35 KB each for a cost scenario), so 100,000 points take some ten minutes and 3.5 GB
#: before the first run starts; split a larger study into several grids.
MAX_POINTS = 100_000
#: Scenario keys that are not inputs: an axis on them gives the same scenario at every point.
_NOT_INPUTS = {
    "name": "name is a label, not an input: every point would be the same scenario under another name "
            "(and seed); the grid's own name names the output folder",
    "description": "description is a label, not an input: every point would be the same scenario",
    "extends": "extends is resolved when the base is read; a point cannot change it",
    "seed": "a point's seed comes from its content (docs/cli.md), so an axis on seed gives the same "
            "scenario at every point, reseeded",
}


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


def _range_values(doc: LoadedYaml, base: Scenario, name: str, spec: dict[str, Any],
                  problems: list[Problem]) -> tuple[Any, ...]:
    path = ("axes", name)
    unknown = sorted(set(spec) - {"from", "to", "steps", "scale"})
    if unknown or not {"from", "to", "steps"} <= set(spec):
        problems.append(_problem(doc, path, "a range needs from, to and steps (and optionally scale)",
                                 "e.g. {from: 2x/yr, to: 5x/yr, steps: 4, scale: linear}"))
        return ()
    steps, scale = spec["steps"], spec.get("scale", "linear")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        problems.append(_problem(doc, path + ("steps",), "steps must be a whole number ≥ 1"))
        return ()
    if steps > MAX_POINTS:
        problems.append(_problem(doc, path + ("steps",), f"{steps:,} steps is above the limit of "
                                 f"{MAX_POINTS:,} points a grid may hold", "use fewer steps; a log range "
                                 "covers orders of magnitude in a few dozen"))
        return ()
    if scale not in ("linear", "log"):
        problems.append(_problem(doc, path + ("scale",), f"unknown scale '{scale}'", "use linear or log"))
        return ()
    from forecast.units import parse_quantity

    kind = field_kind(name)
    ends = []
    for end in ("from", "to"):
        raw = spec[end]
        try:
            if isinstance(raw, bool) or raw is None:
                raise ValueError(f"expected a number, got {raw}")
            ends.append(parse_quantity(raw, kind) if kind is not None else float(raw))
        except (TypeError, ValueError) as exc:
            problems.append(_problem(doc, path + (end,), str(exc), "a range runs between two plain values"))
            return ()
    a, b = ends
    if scale == "log" and (a <= 0 or b <= 0):
        problems.append(_problem(doc, path + ("scale",), "a log range needs from and to above 0"))
        return ()
    numbers = np.geomspace(a, b, steps) if scale == "log" else np.linspace(a, b, steps)
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


def _path_problems(doc: LoadedYaml) -> list[Problem]:
    """Names and data paths of a grid file, located at their lines: the sweep's ``name`` (its output
    folder), a ``name`` under ``set``, and the data files that ``set`` or an axis gives
    (:data:`forecast.io.references.DATA_FILE_KEYS`)."""
    from forecast.io.references import DATA_FILE_KEYS

    data = doc.data
    if not isinstance(data, dict):
        return []
    checks: list[tuple[tuple, Any, Callable[[Any], str]]] = []
    if "name" in data:
        checks.append((("name",), data["name"], output_name))
    changes, axes = data.get("set"), data.get("axes")
    for key, value in (changes.items() if isinstance(changes, dict) else ()):
        if key == "name":
            checks.append((("set", key), value, output_name))
        elif key in DATA_FILE_KEYS:
            checks.append((("set", key), value, _data_file_present))
    for key, values in (axes.items() if isinstance(axes, dict) else ()):
        if key in DATA_FILE_KEYS and isinstance(values, list):
            checks += [(("axes", key, i), value, _data_file_present) for i, value in enumerate(values)]
    problems = []
    for where, value, check in checks:
        try:
            check(value)
        except ValueError as exc:
            message, hint = str(exc).rsplit("; ", 1) if "; " in str(exc) else (str(exc), "")
            problems.append(_problem(doc, where, message, hint))
    return problems


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid file; every problem at once as ``file:line:col field: message (hint)``."""
    from forecast.io.scenario import load_scenario

    doc = load_yaml(path)
    data = doc.data
    problems = [_problem(doc, (key,), f"unknown key '{key}'",
                         f"a grid file has {', '.join(sorted(_GRID_KEYS))}") for key in data if key not in _GRID_KEYS]
    for key in ("name", "base", "axes"):
        if key not in data:
            problems.append(_problem(doc, (), f"missing required field '{key}'", "see docs/cli.md, peakdata sweep"))
    problems += _path_problems(doc)
    if problems:
        raise ScenarioError(problems)
    base_path = (Path(path).parent / str(data["base"]))
    base_file = load_scenario(base_path)
    base = base_file.scenario
    changes = data.get("set") or {}
    if not isinstance(changes, dict):
        raise ScenarioError([_problem(doc, ("set",), "set is a mapping of dotted input: value")])
    samples = data.get("samples")
    if samples is not None and (not isinstance(samples, int) or isinstance(samples, bool)
                                or not 0 < samples <= MAX_SAMPLES):
        raise ScenarioError([_problem(doc, ("samples",), f"samples must be a whole number from 1 to {MAX_SAMPLES:,}")])
    raw_axes = data["axes"]
    if not isinstance(raw_axes, dict) or not raw_axes:
        raise ScenarioError([_problem(doc, ("axes",), "axes is a mapping of dotted input: values",
                                      "e.g. supply.repetition.epochs: [1, 2, 4, 8]")])
    axes = _axes(doc, base, raw_axes, samples, problems)
    zipped = _zipped(doc, data.get("zip") or [], raw_axes, axes, problems)
    problems += _set_and_swept(doc, changes, raw_axes)
    chart = data.get("chart") or {}
    problems += _chart_problems(doc, chart, raw_axes, base)
    if problems:
        raise ScenarioError(problems)
    grid = Grid(str(data["name"]), str(path), str(data.get("description", "")), str(base_path), base,
                dict(changes), tuple(axes), tuple(zipped), samples, dict(chart), base_file.warnings)
    count = point_count(grid)
    if count > MAX_POINTS:
        raise ScenarioError([_problem(doc, ("axes",), f"{count:,} points is above the limit of {MAX_POINTS:,} "
                                      "points a grid may hold", "use fewer values, zip axes that move together, "
                                      "or split the study into several grids")])
    return grid


def _axes(doc: LoadedYaml, base: Scenario, raw_axes: dict[str, Any], samples: int | None,
          problems: list[Problem]) -> list[Axis]:
    """The axes of a grid file, in its order; their problems appended to ``problems``."""
    axes = []
    for name, spec in raw_axes.items():
        if name in _NOT_INPUTS or (name == "samples" and samples is not None):
            message = _NOT_INPUTS.get(name) or ("samples is set for every point by the grid's samples: "
                                                f"{samples}, which would replace the axis")
            problems.append(_problem(doc, ("axes", name), message,
                                     "remove the grid's samples: to sweep the sample count" if name == "samples"
                                     else "sweep an input such as supply.repetition.epochs"))
            continue
        if isinstance(spec, list):
            values = tuple(spec)
        elif isinstance(spec, dict):
            values = _range_values(doc, base, name, spec, problems)
        else:
            values = (spec,)
        if not values and not problems:
            problems.append(_problem(doc, ("axes", name), "an axis needs at least one value"))
        axes.append(Axis(str(name), values))
    return axes


def _zipped(doc: LoadedYaml, groups: Any, raw_axes: dict[str, Any], axes: list[Axis],
            problems: list[Problem]) -> list[tuple[str, ...]]:
    """The ``zip`` groups of a grid file; their problems appended to ``problems``."""
    zipped = []
    for i, group in enumerate(groups):
        if not isinstance(group, list) or len(group) < 2 or any(g not in raw_axes for g in group):
            problems.append(_problem(doc, ("zip", i), "each zip entry lists two or more axis names",
                                     f"axes: {', '.join(raw_axes)}"))
            continue
        lengths = {len(next(a for a in axes if a.name == g).values) for g in group}
        if len(lengths) > 1:
            problems.append(_problem(doc, ("zip", i), f"zipped axes have different lengths {sorted(lengths)}",
                                     "give them the same number of values"))
        zipped.append(tuple(group))
    if len({g for group in zipped for g in group}) != sum(len(g) for g in zipped):
        problems.append(_problem(doc, ("zip",), "an axis appears in two zip groups"))
    return zipped


def _set_and_swept(doc: LoadedYaml, changes: dict[str, Any], raw_axes: dict[str, Any]) -> list[Problem]:
    """An input both set for every point and swept (or inside a swept one): the axis would win."""
    problems = []
    for key in changes:
        swept = next((a for a in raw_axes if key == a or str(key).startswith(f"{a}.")), None)
        if swept is not None:
            what = "swept" if key == swept else f"inside {swept}, which is swept"
            problems.append(_problem(doc, ("set", key), f"{key} is set here and {what} on an axis; the axis "
                                     "would replace the set value at every point",
                                     "remove it from set: or from axes:" if key == swept else
                                     f"remove {key} from set: or {swept} from axes:"))
    return problems


def _chart_problems(doc: LoadedYaml, chart: Any, raw_axes: dict[str, Any], base: Scenario) -> list[Problem]:
    """The heatmap's ``chart``: x and y among the axes, a metric the base scenario's headline has."""
    problems = []
    if chart and (not isinstance(chart, dict) or set(chart) - {"x", "y", "metric"}
                  or any(chart.get(k) not in raw_axes for k in ("x", "y") if k in chart)):
        problems.append(_problem(doc, ("chart",), "chart has x and y (axis names) and metric (a headline key)",
                                 "e.g. chart: {x: supply.repetition.epochs, y: demand.compute.growth, "
                                 "metric: exhaustion.p50}"))
    elif chart.get("metric") is not None:
        from forecast.outputs import headline_keys

        known = headline_keys(base)
        if chart["metric"] not in known:
            import difflib

            close = difflib.get_close_matches(str(chart["metric"]), known, n=1, cutoff=0.6)
            problems.append(_problem(doc, ("chart", "metric"),
                                     f"unknown metric '{chart['metric']}': a sweep of {base.name} has "
                                     f"{', '.join(known)}",
                                     f"did you mean '{close[0]}'?" if close else
                                     "the headline keys are listed in docs/nomenclature.md"))
    return problems


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
