"""The commands on scenario files: ``new``, ``validate``, ``run``, ``cost`` and ``export``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from forecast.cli.common import EXIT_INPUT, fail, interrupted, make_console, print_warnings

__all__ = ["cost", "export", "new", "run", "validate"]


def new(
    name: str = typer.Argument(..., metavar="NAME", help="Name of the new scenario (a plain folder name, e.g. my-view)."),
    parent: str = typer.Option(..., "--from", "-f", metavar="SCENARIO",
                               help="Scenario to start from: a YAML file, or a name in scenarios/ (baseline)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR",
                                       help="Folder for NAME.yaml (default: the folder of the --from file)."),
) -> None:
    """Start a scenario: write NAME.yaml, a short file that extends SCENARIO, with a description to fill
    in and the inputs changed most as commented examples (current value, unit, where it was set). It
    runs as SCENARIO does until a line is uncommented. Never overwrites a file (exit 2)."""
    from forecast.errors import ForecastError
    from forecast.export.starter import find_parent, write_starter

    try:
        path = write_starter(name, find_parent(parent), out)
    except ForecastError as exc:
        fail(exc)
    make_console().print(f"wrote {path}: fill in its description, uncomment what changes, then "
                         f"`peakdata validate {path}`", markup=False)


def validate(files: List[Path] = typer.Argument(..., metavar="FILE", help="Scenario YAML files to check.")) -> None:
    """Check scenario files without running them; report every problem as file:line:col field: message (hint).

    Files checked together must have different names, as for `peakdata run`. Exit code 0 when all
    files are valid, 2 otherwise.
    """
    from forecast.errors import ForecastError
    from forecast.io.scenario import duplicate_name_problems, load_scenario

    out, err = make_console(), make_console(stderr=True)
    bad = 0
    loaded = []
    for file in files:
        try:
            loaded.append(load_scenario(file))
        except ForecastError as exc:
            bad += 1
            for line in str(exc).splitlines():
                err.print(line, markup=False)
    duplicates = {id(item): problem for item, problem in duplicate_name_problems(loaded)}
    for item in loaded:
        if id(item) in duplicates:
            bad += 1
            err.print(str(duplicates[id(item)]), markup=False)
        else:
            out.print(f"ok {item.path}", markup=False)
        print_warnings(err, [item])
    if bad:
        err.print(f"{bad} of {len(files)} file(s) have problems", markup=False)
        raise typer.Exit(EXIT_INPUT)


def run(
    scenarios: List[Path] = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML files to run."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples (default: the scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed (default: the scenario's)."),
    out: Path = typer.Option(Path("reports"), "--out", "-o",
                             help="Folder for results; each scenario writes into OUT/<name>/."),
    point: bool = typer.Option(False, "--point",
                               help="Print the point estimate (every input at its median) instead; "
                                    "runs no samples and writes nothing."),
) -> None:
    """Run scenarios, print a summary and write CSV files, meta.json and a Markdown report per scenario."""
    from forecast.cli.render import print_result, progress_callback
    from forecast.errors import ForecastError, ScenarioError
    from forecast.io.scenario import duplicate_name_problems, load_scenario
    from forecast.export.writers import check_writable, output_folder
    from forecast.io.display_paths import project_relative
    from forecast.report.scenario_folder import write_outputs
    from forecast.schema import MAX_SAMPLES
    import forecast.engine as engine

    if samples is not None and samples > MAX_SAMPLES:
        fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    console = make_console()
    folder = None
    try:
        loaded = [load_scenario(project_relative(path)) for path in scenarios]
        duplicates = [problem for _, problem in duplicate_name_problems(loaded)]
        if duplicates:
            raise ScenarioError(duplicates)
        if point:
            from forecast.cli.render import print_point

            print_warnings(make_console(stderr=True), loaded)
            for item in loaded:
                print_point(console, engine.point(item.scenario, seed=seed, provenance=item.provenance))
            return
        for item in loaded:                      # before any computing: a run is refused, not lost
            check_writable(output_folder(out, item.scenario.name))
        print_warnings(make_console(stderr=True), loaded)
        for item in loaded:
            folder = output_folder(out, item.scenario.name)
            with progress_callback(item.scenario.name) as progress:
                result = engine.run(item.scenario, seed=seed, samples=samples,
                                    provenance=item.provenance, progress=progress)
            written = write_outputs(result, folder)
            print_result(console, result)
            console.print(f"wrote {len(written)} files to {folder}", markup=False)
    except ForecastError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted(folder)


def cost(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML file with a cost section."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples (default: the scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed (default: the scenario's)."),
) -> None:
    """Price a training run: compute, human data, synthetic generation and verification as
    p10/p50/p90, and, with a mixes section, the cheapest run for the target quality at each
    synthetic share. Prints only; use `peakdata run` to write files."""
    from forecast.cli.render import print_cost
    from forecast.errors import ForecastError, ScenarioError, Problem
    from forecast.io.scenario import load_scenario
    import forecast.engine as engine

    try:
        item = load_scenario(scenario)
        if item.scenario.cost is None:
            raise ScenarioError([Problem(str(scenario), 0, 0, "cost", "this scenario has no cost section",
                                         "see scenarios/gpt-class.yaml for one")])
        print_warnings(make_console(stderr=True), [item])
        result = engine.run(item.scenario.model_copy(update={"supply": None, "demand": None}), seed=seed,
                            samples=samples, provenance=item.provenance)
    except ForecastError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted(None)
    console = make_console()
    console.print(f"[bold]{result.scenario}[/]  {result.stamp}")
    print_cost(console, result)


def export(
    scenarios: List[Path] = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML files to export."),
    format: str = typer.Option("csv", "--format", "-f", metavar="csv|xlsx",
                               help="csv: long, wide and IAMC tables with meta.json; xlsx: one workbook."),
    out: Path = typer.Option(Path("reports/exports"), "--out", "-o",
                             help="Folder to write into, replacing an earlier CSV export there; with --format "
                                  "xlsx a path ending .xlsx names the workbook."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples (default: the scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed (default: the scenario's)."),
) -> None:
    """Run scenarios and export them together for spreadsheets: CSV tables that open by double-click
    (long, wide per metric, IAMC for pyam) or an XLSX workbook whose Model sheet holds the point
    estimate as live formulas over the Inputs sheet. Columns and units: docs/exports.md."""
    from forecast.cli.render import progress_callback
    from forecast.errors import ForecastError, ScenarioError
    from forecast.io.scenario import duplicate_name_problems, extends_parents, load_scenario
    from forecast.export.writers import check_writable, write_exports
    from forecast.io.display_paths import project_relative
    from forecast.schema import MAX_SAMPLES
    import forecast.engine as engine

    if format not in ("csv", "xlsx"):
        fail(ValueError(f"--format {format!r} is not csv or xlsx"))
    if samples is not None and samples > MAX_SAMPLES:
        fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    try:
        loaded = [load_scenario(project_relative(path)) for path in scenarios]
        duplicates = [problem for _, problem in duplicate_name_problems(loaded)]
        if duplicates:
            raise ScenarioError(duplicates)
        book = out if format == "xlsx" and out.suffix.lower() == ".xlsx" else None
        check_writable(book.parent if book else out)  # before any computing
        print_warnings(make_console(stderr=True), loaded)
        results = []
        for item in loaded:
            with progress_callback(item.scenario.name) as progress:
                results.append(engine.run(item.scenario, seed=seed, samples=samples,
                                          provenance=item.provenance, progress=progress))
        written = write_exports(results, book.parent if book else out, (format,), workbook_path=book,
                                parents=extends_parents(loaded))
    except ForecastError as exc:
        fail(exc)
    console = make_console()
    for path in written:
        console.print(f"wrote {path}", markup=False)
