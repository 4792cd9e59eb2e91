"""Terminal rendering with rich: tables from the shared builders, progress on stderr."""
from __future__ import annotations

import contextlib
import sys
from typing import Iterator

import pandas as pd
from rich.console import Console
from rich.table import Table

from forecast.outputs import TITLES
from forecast.report import tables
from forecast.result import ForecastResult, PointEstimate

__all__ = ["count_progress", "print_cost", "print_frame", "print_point", "print_result", "progress_callback",
           "step_progress"]


def print_frame(console: Console, frame: pd.DataFrame, title: str) -> None:
    """Print a DataFrame of strings as a rich table."""
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)


def print_result(console: Console, result: ForecastResult) -> None:
    """The run summary: exhaustion, synthetic gap, cost tables."""
    console.print(f"[bold]{result.scenario}[/]  {result.stamp}")
    if result.description:
        console.print(result.description.strip(), markup=False)
    if result.events:
        print_frame(console, tables.exhaustion_table(result), "When demand overtakes the human-text stock")
        print_frame(console, tables.gap_table(result), "Synthetic gap (p50/p90 of samples)")
    print_cost(console, result)


def print_cost(console: Console, result: ForecastResult) -> None:
    """Cost breakdown, target quality and the mix comparison, when the result has them."""
    if "cost_breakdown" not in result.tables:
        return
    print_frame(console, tables.cost_table(result), f"{TITLES['cost']} (USD)")
    if tables.run_reach_text(result):
        console.print(tables.run_reach_text(result), markup=False)
    target = result.notes.get("target_loss")
    if target is not None:
        console.print(f"Target loss p50 {target['p50']:.4f} nats/token", markup=False)
    if "mix_curve" in result.tables:
        print_frame(console, tables.mix_table(result), TITLES["mix_curve"])
        console.print(tables.cheapest_share_text(result), markup=False)


def print_point(console: Console, point: PointEstimate) -> None:
    """The point estimate: inputs at their medians, stock and demand at each Q4, the run's cost."""
    console.print(f"[bold]{point.scenario}[/]  point estimate: every input at its median")
    view = tables.point_tables(point)
    for title, frame in view.items():
        print_frame(console, frame, title)
    if point.series:
        end = point.quarters[-1]
        console.print(f"First quarter point demand ≥ point stock: {point.exhaustion or f'after {end}'}", markup=False)


@contextlib.contextmanager
def progress_callback(label: str) -> Iterator:
    """A ``progress(done, total)`` callback drawing a bar on stderr, or nothing when not a TTY."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} quarters"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextlib.contextmanager
def step_progress(label: str) -> Iterator:
    """A ``progress(description, done, total)`` callback drawing a bar of steps on stderr, or
    nothing when stderr is not a TTY."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(description: str, done: int, total: int) -> None:
            bar.update(task, description=f"{label}: {description}", completed=done, total=total)

        yield update


@contextlib.contextmanager
def count_progress(label: str, unit: str) -> Iterator:
    """A ``progress(done, total)`` callback counting points (or evaluations) on stderr; None when not a TTY.

    ``total`` may be None (an open-ended count).
    """
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update
