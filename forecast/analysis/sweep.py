"""Sweeps: a grid of scenarios from one base, each point's headline figures, in-process or on a cluster.

A grid file (``scenarios/sweeps/*.yaml``, documented in docs/cli.md) names a ``base`` scenario,
values to ``set`` at every point, and ``axes`` over dotted inputs: a list of values, or a range
``{from, to, steps, scale: linear|log}``. Axes are crossed (every combination); axes named together
in ``zip`` move together (equal lengths, one point per position). Each point is the base scenario
with its values set (:func:`forecast.io.overrides.with_values`), validated like a scenario file.

**Seeds.** A point's seed is taken from its content: the first 63 bits of SHA-256 of the point
scenario's hash (:func:`forecast.io.scenario.scenario_hash`, which covers every value, the base
seed and the sample count). Not its position, not the worker: the same point gives the same row
in-process, on local processes and on Dask, in any order, and in any grid that contains it.

**Resuming.** :func:`run_sweep` takes the headlines of points already evaluated and reports each
chunk of points as it finishes, so a caller can keep them: :func:`forecast.export.sweep.run_resumable`
writes every finished point at once to ``OUT/points/<point hash>.json``, and the next run over the
same folder computes only the points still missing. The table lists the points in grid order with
their figures in key order, so it is byte-identical however and wherever the points were computed.
Nothing here writes a file or draws a chart (the sweep's files: :mod:`forecast.export.sweep`; its
heatmap: :func:`forecast.report.charts.analysis.heatmap`).
"""
from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from forecast.errors import DataError, Problem, ScenarioError
from forecast.io.overrides import field_kind, fixed, is_spec, value_at, with_values
from forecast.io.yamlload import LoadedYaml, load_yaml
from forecast.schema import MAX_SAMPLES, Scenario
from forecast.schema.types import data_file, output_name

__all__ = ["Axis", "Grid", "Point", "evaluate_points", "load_grid", "point_count", "point_seed", "points",
           "run_sweep", "sweep_table"]

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


@dataclass(frozen=True)
class Point:
    """One point of a grid: its position, the values set, the validated scenario and its seed."""

    index: int
    values: dict[str, Any]
    coords: dict[str, Any]
    scenario: Scenario
    key: str

    @property
    def seed(self) -> int:
        return self.scenario.seed


def point_seed(scenario: Scenario) -> int:
    """The seed of a point: the first 63 bits of SHA-256 of its scenario hash."""
    from forecast.io.scenario import scenario_hash

    digest = hashlib.sha256(scenario_hash(scenario).encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


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
    zipped = []
    for i, group in enumerate(data.get("zip") or []):
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
    for key in changes:
        swept = next((a for a in raw_axes if key == a or str(key).startswith(f"{a}.")), None)
        if swept is not None:
            what = "swept" if key == swept else f"inside {swept}, which is swept"
            problems.append(_problem(doc, ("set", key), f"{key} is set here and {what} on an axis; the axis "
                                     "would replace the set value at every point",
                                     "remove it from set: or from axes:" if key == swept else
                                     f"remove {key} from set: or {swept} from axes:"))
    chart = data.get("chart") or {}
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


def _groups(grid: Grid) -> list[list[Axis]]:
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
    return math.prod(len(g[0].values) for g in _groups(grid))


def _coordinate(value: Any, scenario: Scenario, name: str) -> Any:
    at = value_at(scenario, name)
    if is_spec(at) and at.dist == "fixed":
        return float(at.value)
    if isinstance(at, (int, float)) and not isinstance(at, bool):
        return float(at)
    return value.text() if is_spec(value) else str(value)


def points(grid: Grid) -> list[Point]:
    """Every point of the grid, in grid order (the first axis slowest), validated, with its seed."""
    from forecast.io.scenario import scenario_hash

    groups = _groups(grid)
    out = []
    for index, combo in enumerate(itertools.product(*(range(len(g[0].values)) for g in groups))):
        values = {axis.name: axis.values[k] for group, k in zip(groups, combo) for axis in group}
        changes = {**grid.changes, **values}
        if grid.samples is not None:
            changes["samples"] = grid.samples
        try:
            scenario = with_values(grid.base, changes, label=f"{grid.path} point {index + 1}")
        except ScenarioError as exc:
            raise ScenarioError([Problem(grid.path, 0, 0, p.field,
                                         f"point {index + 1} ({_describe(values)}): {p.message}", p.hint)
                                 for p in exc.problems]) from None
        scenario = scenario.model_copy(update={"seed": point_seed(scenario)})
        coords = {name: _coordinate(value, scenario, name) for name, value in values.items()}
        out.append(Point(index, values, coords, scenario, scenario_hash(scenario)))
    return out


def _describe(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v.text() if is_spec(v) else v}" for k, v in values.items())


def evaluate_points(items: Sequence[tuple[str, Scenario]], threads: int | None = 1) -> list[tuple[str, dict[str, float]]]:
    """``(key, headline)`` of every ``(key, scenario)``: the work of a worker (pure, picklable)."""
    import forecast.engine as engine
    from forecast.outputs import headline

    return [(key, headline(engine.headline_run(scenario, threads=threads))) for key, scenario in items]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


Done = Callable[[list[tuple[str, dict[str, float]]]], None]


def _execute(tasks: list[tuple[str, Scenario]], done: Done, workers: int = 1, dask: str | None = None,
             chunk: int | None = None) -> None:
    """Evaluate ``tasks`` in chunks and call ``done(rows)`` as each chunk finishes (any order)."""
    if not tasks:
        return
    if dask is None and workers <= 1:
        for part in _chunks(tasks, chunk or 1):
            done(evaluate_points(part))  # one thread per point: at sweep sizes the thread pools cost more than they save
        return
    lanes = workers if dask is None else max(workers, 2)
    size = chunk or max(1, min(50, math.ceil(len(tasks) / (4 * lanes))))
    parts = _chunks(tasks, size)
    if dask is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(evaluate_points, part) for part in parts]
            try:
                for future in as_completed(futures):
                    done(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return
    with _dask_client(dask, workers) as client:
        from distributed import as_completed as dask_completed

        futures = client.map(evaluate_points, parts, pure=False)
        try:
            for future in dask_completed(futures):
                done(future.result())
        except BaseException:
            client.cancel(futures)
            raise


class _dask_client:
    """A ``distributed.Client`` to ``address``, or to a new ``LocalCluster`` when ``address`` is ``local``."""

    def __init__(self, address: str, workers: int) -> None:
        self.address, self.workers = address, workers
        self.cluster = self.client = None

    def __enter__(self):
        import logging

        from distributed import Client, LocalCluster

        for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny",
                     "distributed.core", "distributed.http.proxy"):
            logging.getLogger(name).setLevel(logging.ERROR)
        if self.address == "local":
            self.cluster = LocalCluster(n_workers=max(self.workers, 2) if self.workers > 1 else 2,
                                        threads_per_worker=1, processes=True, dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.address, timeout="20s")
            except (OSError, TimeoutError) as exc:
                from forecast.errors import ForecastError

                raise ForecastError(f"cannot reach the Dask scheduler at {self.address}: {exc} "
                                    "(start one with `dask scheduler`, or use --dask local)") from None
        return self.client

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def run_sweep(grid: Grid, workers: int = 1, dask: str | None = None,
              progress: Callable[[int, int], None] | None = None, chunk: int | None = None,
              pts: Sequence[Point] | None = None, known: dict[str, dict[str, float]] | None = None,
              on_done: Done | None = None) -> pd.DataFrame:
    """Evaluate every point of ``grid`` whose headline is not in ``known`` and return the sweep table.

    Parameters
    ----------
    workers, dask, chunk
        Where the points run: in this process (``workers=1``), on local processes, or on a Dask
        scheduler (``dask``: an address or ``local``); ``chunk`` points per task.
    progress : callable, optional
        ``progress(done, total)`` as points finish (points in ``known`` count as done).
    pts : sequence of Point, optional
        The grid's points (:func:`points`), when the caller has them already.
    known : dict, optional
        Headlines of points already evaluated, by point key (a resumed sweep's saved points).
    on_done : callable, optional
        ``on_done(rows)`` with the ``(key, headline)`` of each chunk of points as it finishes (to
        save them as they come: :func:`forecast.export.sweep.run_resumable`).
    """
    pts = points(grid) if pts is None else list(pts)
    found = {p.key: dict(known[p.key]) for p in pts if known and p.key in known}
    todo = [p for p in pts if p.key not in found]
    total, finished = len(pts), len(pts) - len(todo)
    if progress is not None:
        progress(finished, total)

    def done(rows: list[tuple[str, dict[str, float]]]) -> None:
        nonlocal finished
        found.update(rows)
        if on_done is not None:
            on_done(rows)
        finished += len(rows)
        if progress is not None:
            progress(finished, total)

    _execute([(p.key, p.scenario) for p in todo], done, workers, dask, chunk)
    return sweep_table(grid, found, pts)


def sweep_table(grid: Grid, headlines: dict[str, dict[str, float]], pts: Sequence[Point] | None = None) -> pd.DataFrame:
    """The table of a sweep: point (1-based, grid order), each axis, seed, then the headline figures of
    each point (``headlines`` by point key) in the order of their keys."""
    pts = points(grid) if pts is None else pts
    rows = []
    for p in pts:
        figures = headlines[p.key]
        rows.append({"point": p.index + 1, **p.coords, "seed": p.seed, **{k: figures[k] for k in sorted(figures)}})
    return pd.DataFrame(rows)
