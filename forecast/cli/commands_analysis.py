"""The commands that ask questions of the model: ``sensitivity``, ``solve`` (goal-seek) and ``sweep``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from forecast.cli.common import (EXIT_INPUT, EXIT_INTERRUPTED, fail, interrupted, make_console, points_progress,
                                 print_warnings, state)

__all__ = ["sensitivity", "solve", "sweep"]


def sensitivity(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML file."),
    out: Path = typer.Option(Path("reports"), "--out", "-o",
                             help="Folder for results; writes OUT/<name>/sensitivity/."),
    samples: int = typer.Option(100_000, "--samples", "-n", min=16,
                                help="Model evaluations for the Sobol indices (the design uses N·(inputs + 2), "
                                     "N the largest power of two that fits)."),
    top: int = typer.Option(5, "--top", min=1, help="Inputs listed per output."),
) -> None:
    """Which inputs move the headline answers: each input swung to its p10 and p90 (the others at their
    medians), and first-order and total Sobol indices (SALib, seeded, 95% intervals). Prints the
    ranking; writes sensitivity.csv, sensitivity_exhaustion.csv (quarters) and a tornado chart per output."""
    from forecast.analysis.sensitivity import sensitivity as analyse
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.export.sensitivity import write_sensitivity
    from forecast.export.writers import check_writable, output_folder
    from forecast.io.scenario import load_scenario
    from forecast.report.charts.analysis import tornado_pngs
    from forecast.report.views import ranking_view
    from forecast.schema import MAX_SAMPLES

    if samples > MAX_SAMPLES:
        fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    console = make_console()
    folder = None
    try:
        item = load_scenario(scenario)
        folder = output_folder(out, item.scenario.name, "sensitivity")
        check_writable(folder)
        print_warnings(make_console(stderr=True), [item])
        table = analyse(item.scenario, budget=samples)
        written = write_sensitivity(table, item.scenario, folder, tornado_pngs(table, item.scenario.name))
    except ForecastError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted(None)
    console.print(f"[bold]{item.scenario.name}[/]  {table.attrs.get('evaluations', 0):,} model evaluations "
                  f"for the Sobol indices, seed {item.scenario.seed}")
    for output, view in ranking_view(table, top):
        print_frame(console, view, output)
    console.print(f"wrote {len(written)} files to {folder}", markup=False)


def solve(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML file."),
    target: str = typer.Option(..., "--target", "-t",
                               help='What must hold, e.g. "median(exhaustion) >= 2032Q1", '
                                    '"P(exhaustion by 2030) <= 50%", "median(cost) <= $500K".'),
    vary: str = typer.Option(..., "--vary",
                             help="Dotted input to solve for: any name of the scenario's inputs.csv, "
                                  "including inputs read from data/ (e.g. cost.compute.price_per_gpu_hour, "
                                  "supply.sources.indexed_web.stock)."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE",
                                   help="Change the scenario first (repeatable), e.g. "
                                        "--set supply.repetition.multiplier=null."),
    search: Optional[str] = typer.Option(None, "--range", metavar="LOW:HIGH",
                                         help="Values of the input to search, in its units (e.g. 1:100), inside "
                                              "its valid range; default 0-100% for a share, else the current "
                                              "median ÷100 to ×100 cut to the valid range (e.g. a repetition "
                                              "multiplier from 1)."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples per evaluation (default: the scenario's)."),
) -> None:
    """Goal-seek: the value of one input (its median, keeping its spread) that meets a target on a
    headline output, by bracketing and bisection over the input's valid range; one row per value
    evaluated. An input read from data/ replaces its row for the search (the answer names the row).
    Exit code 2 when no value in the range meets it, naming the best reachable one."""
    from forecast.analysis.solve import parse_target, solve as goal_seek
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError, Problem, ScenarioError
    from forecast.io.overrides import field_kind, parse_assignment, with_values
    from forecast.io.scenario import load_scenario
    from forecast.report.views import describe, steps_view
    from forecast.units import parse_quantity

    console = make_console()
    try:
        item = load_scenario(scenario)
        print_warnings(make_console(stderr=True), [item])
        goal = parse_target(target)
        changes = dict(parse_assignment(text) for text in set_)
        base = with_values(item.scenario, changes)
        low = high = None
        if search is not None:
            kind = field_kind(vary) or "number"
            lo_text, sep, hi_text = search.partition(":")
            try:
                if not sep:
                    raise ValueError("expected LOW:HIGH")
                low, high = parse_quantity(lo_text.strip(), kind), parse_quantity(hi_text.strip(), kind)
            except ValueError as exc:
                raise ScenarioError([Problem("--range", 0, 0, "range", str(exc), "e.g. --range 1:100")]) from None
        with points_progress("solve", "evaluations") as progress:
            answer = goal_seek(base, goal, vary, low, high, samples=samples,
                               progress=(lambda k: progress(k, None)) if progress else None)
    except ForecastError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted(None)
    title = f"{item.scenario.name}: {vary} against {goal.text}"
    if answer.overrides is not None:
        title += f" (in place of {answer.overrides})"
    print_frame(console, steps_view(answer), title)
    if answer.value is None:
        make_console(stderr=True).print(f"error {describe(answer)}", markup=False)
        raise typer.Exit(EXIT_INPUT)
    console.print(describe(answer), markup=False)


def sweep(
    grid: Path = typer.Argument(..., metavar="GRID", help="Grid YAML file (see scenarios/sweeps/)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Folder for results (default: reports/sweeps/<name>/). "
                                            "Points already there are not computed again."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Local processes (1: in this process)."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS",
                                       help="Send points to a Dask scheduler (tcp://host:8786), or 'local' "
                                            "to start a LocalCluster (--workers processes, at least 2)."),
) -> None:
    """Run every point of a grid of scenarios and write one row per point with its headline figures
    (sweep.csv, sweep.xlsx) and, for two axes, a heatmap. Each point's seed comes from its content,
    so results are identical in-process, on processes and on Dask; an interrupted sweep resumes."""
    from forecast.analysis.sweep import load_grid
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.export.sweep import run_resumable, write_sweep
    from forecast.export.writers import check_writable, output_folder
    from forecast.report.charts.analysis import heatmap_png
    from forecast.report.views import sweep_view

    console = make_console()
    folder = None
    try:
        spec = load_grid(grid)
        print_warnings(make_console(stderr=True), [spec])
        folder = out or output_folder(Path("reports") / "sweeps", spec.name)
        check_writable(folder)
        with points_progress(spec.name, "points") as progress:
            table = run_resumable(spec, folder, workers=workers, dask=dask, progress=progress)
        written = write_sweep(spec, table, folder, heatmap_png(spec, table))
    except ForecastError as exc:
        fail(exc)
    except KeyboardInterrupt:
        if state["debug"]:
            raise
        kept = len(list((folder / "points").glob("*.json"))) if folder is not None and (folder / "points").is_dir() else 0
        make_console(stderr=True).print(f"interrupted; {kept} finished points kept in {folder}/points; "
                                    "run the same command again to resume", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    shown = sweep_view(table)
    print_frame(console, shown, f"{spec.name}: {len(table)} points")
    if len(table) > len(shown):
        left = len(table) - len(shown)
        console.print(f"… {left} more {'row' if left == 1 else 'rows'} in {folder / 'sweep.csv'}", markup=False)
    console.print(f"wrote {len(written)} files to {folder}", markup=False)
