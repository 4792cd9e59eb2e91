"""Sweeps: a grid of scenarios from one base, each point's headline figures, in-process or on a cluster.

A grid file (``scenarios/sweeps/*.yaml``, documented in docs/cli.md; read and checked by
:mod:`forecast.analysis.grid`) names a ``base`` scenario, values to ``set`` at every point, and
``axes`` over dotted inputs: a list of values, or a range ``{from, to, steps, scale: linear|log}``.
Axes are crossed (every combination); axes named together in ``zip`` move together (equal lengths,
one point per position). Each point is the base scenario with its values set
(:func:`forecast.io.overrides.with_values`), validated like a scenario file.

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
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pandas as pd

from forecast.analysis.grid import MAX_POINTS, Axis, Grid, axis_groups, load_grid, point_count
from forecast.errors import Problem, ScenarioError
from forecast.io.overrides import is_spec, value_at, with_values
from forecast.schema import Scenario

__all__ = ["Axis", "Grid", "MAX_POINTS", "Point", "evaluate_points", "load_grid", "point_count", "point_seed",
           "points", "run_sweep", "sweep_table"]


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

    groups = axis_groups(grid)
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
