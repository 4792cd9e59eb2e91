"""The ``peakdata`` command line: thin typer commands over the library.

Input errors (any ``ForecastError``) print a message and exit with code 2, never a traceback;
``--debug`` shows one. Ctrl-C during ``run`` or ``cost`` prints one line and exits with code 130.
Heavy libraries (pandas, statsmodels) are imported inside commands so that
``peakdata --help`` answers at once.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

#: One BLAS thread unless the user says otherwise: the trend fits do thousands of tiny matrix
#: operations, where OpenBLAS threads only spin against each other (ETS fits ran 9x slower on a
#: busy 2-core machine). Set before numpy is first imported; the Monte Carlo kernels are
#: elementwise and do not use BLAS threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import typer  # noqa: E402

from forecast._version import __version__
from forecast.report.folders import LOCK_TIMEOUT  # a constant: the module imports nothing heavy

app = typer.Typer(
    name="peakdata",
    help="When does human-written text run out, and what does the way out cost? "
         "Seeded Monte Carlo forecasts from scenario YAML files.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": False}
EXIT_INPUT = 2
#: Exit code after Ctrl-C (SIGINT), as shells report it: 128 + 2.
EXIT_INTERRUPTED = 130


#: Width of tables when output goes to a file or pipe (a terminal uses its own width) [columns].
PIPE_WIDTH = 160


def _console(stderr: bool = False):

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def _fail(exc: Exception) -> None:
    """Report an input error without a traceback and exit 2 (re-raise with --debug)."""
    if _state["debug"]:
        raise exc
    err = _console(stderr=True)
    for line in str(exc).splitlines() or [type(exc).__name__]:
        err.print(f"[bold red]error[/] {line}", markup=True)
    raise typer.Exit(EXIT_INPUT)


def _interrupted(folder: Path | None) -> None:
    """One line after Ctrl-C, saying what is left on disk; exit 130 (re-raise with --debug)."""
    if _state["debug"]:
        raise KeyboardInterrupt
    if folder is None:
        what = "nothing written"
    elif folder.is_dir():
        what = f"previous outputs in {folder} kept"
    else:
        what = f"nothing written to {folder}"
    _console(stderr=True).print(f"interrupted; {what}", markup=False)
    raise typer.Exit(EXIT_INTERRUPTED)


def _print_warnings(console, items) -> None:
    for item in items:
        for problem in item.warnings:
            console.print(f"warning {problem}", markup=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"peakdata {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
) -> None:
    """Forecast the human-text stock against training-data demand, and the cost of data mixes."""
    _state["debug"] = debug


@app.command()
def validate(files: List[Path] = typer.Argument(..., metavar="FILE", help="Scenario YAML files to check.")) -> None:
    """Check scenario files without running them; report every problem as file:line:col field: message (hint).

    Files checked together must have different names, as for `peakdata run`. Exit code 0 when all
    files are valid, 2 otherwise.
    """
    from forecast.errors import ForecastError
    from forecast.io.scenario import duplicate_name_problems, load_scenario

    out, err = _console(), _console(stderr=True)
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
        _print_warnings(err, [item])
    if bad:
        err.print(f"{bad} of {len(files)} file(s) have problems", markup=False)
        raise typer.Exit(EXIT_INPUT)


@app.command()
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
    from forecast.report.display_paths import project_relative
    from forecast.report.writers import check_writable, output_folder, write_outputs
    from forecast.schema import MAX_SAMPLES
    import forecast.engine as engine

    if samples is not None and samples > MAX_SAMPLES:
        _fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    console = _console()
    folder = None
    try:
        loaded = [load_scenario(project_relative(path)) for path in scenarios]
        duplicates = [problem for _, problem in duplicate_name_problems(loaded)]
        if duplicates:
            raise ScenarioError(duplicates)
        if point:
            from forecast.cli.render import print_point

            _print_warnings(_console(stderr=True), loaded)
            for item in loaded:
                print_point(console, engine.point(item.scenario, seed=seed, provenance=item.provenance))
            return
        for item in loaded:                      # before any computing: a run is refused, not lost
            check_writable(output_folder(out, item.scenario.name))
        _print_warnings(_console(stderr=True), loaded)
        for item in loaded:
            folder = output_folder(out, item.scenario.name)
            with progress_callback(item.scenario.name) as progress:
                result = engine.run(item.scenario, seed=seed, samples=samples,
                                    provenance=item.provenance, progress=progress)
            written = write_outputs(result, folder)
            print_result(console, result)
            console.print(f"wrote {len(written)} files to {folder}", markup=False)
    except ForecastError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(folder)


def _trend_methods(text: str) -> tuple[str, ...] | None:
    """``--trend-methods``: None for all, () for none, else the methods named (checked here, before
    anything runs)."""
    from forecast.fit.methods import METHODS

    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    if words == ["all"]:
        return None
    if words == ["none"]:
        return ()
    unknown = [w for w in words if w not in METHODS]
    if unknown or not words:
        _fail(ValueError(f"--trend-methods {text}: unknown method {', '.join(unknown) or '(empty)'} "
                         f"(choose from {', '.join(METHODS)}, or all, or none)"))
    return tuple(dict.fromkeys(words))


@app.command()
def report(
    scenarios: Optional[List[Path]] = typer.Argument(
        None, metavar="SCENARIO",
        help="Scenario YAML files (default: every scenarios/*.yaml, plus the waterfalls in scenarios/compare/)."),
    quarter: Optional[str] = typer.Option(None, "--quarter", "-q",
                                          help="Quarter the report is for, e.g. 2026Q4 (default: today's quarter)."),
    out: Path = typer.Option(Path("reports"), "--out", "-o",
                             help="Folder for reports; writes OUT/<quarter>/ (the full run) or "
                                  "OUT/<quarter>-partial-<hash>/ (a subset, or --samples)."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples for every scenario (default: each scenario's)."),
    template: Optional[Path] = typer.Option(None, "--template", metavar="DIR",
                                            help="Folder of Jinja2 templates that override the shipped ones."),
    compare: Optional[List[Path]] = typer.Option(None, "--compare", metavar="FILE",
                                                 help="Compare file (waterfall) to add; repeatable."),
    archive: Optional[Path] = typer.Option(None, "--archive", metavar="FILE",
                                           help="Run archive (default: OUT/archive.sqlite)."),
    trend_methods: str = typer.Option("all", "--trend-methods", metavar="LIST",
                                      help="Trend methods charted and scored in \"Trends behind the forecast\", "
                                           "comma-separated (ols,quantreg,ets,prophet), all, or none."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Write a partial run (a subset of scenarios/, or --samples) to "
                                      "OUT/<quarter>/, replacing the quarter's report there."),
    wait: float = typer.Option(LOCK_TIMEOUT, "--wait", metavar="SECONDS", min=0,
                               help="How long to wait for another report writing the same folder "
                                    "before giving up (exit 2)."),
) -> None:
    """Write the quarterly report: one document across all scenarios with summary, comparison,
    charts, the Palmyra-versus-GPT-class waterfall, the trend fits behind the forecast, assumptions
    and provenance, as Markdown and HTML, with every chart's numbers as CSV, a page per scenario and
    the spreadsheet exports (CSV and XLSX)."""
    from forecast.cli.render import step_progress
    from forecast.errors import ForecastError
    from forecast.report.quarterly import build_report, current_quarter
    from forecast.schema import MAX_SAMPLES
    from forecast.units import Quarter

    if samples is not None and samples > MAX_SAMPLES:
        _fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    if template is not None and not template.is_dir():
        _fail(ValueError(f"--template {template}: not a folder of templates"))
    try:
        label = str(Quarter.parse(quarter)) if quarter is not None else current_quarter()
    except ValueError as exc:
        _fail(ValueError(f"--quarter {quarter}: {exc}"))
    methods = _trend_methods(trend_methods)
    if quarter is not None:
        try:
            _check_report_quarter(label)
        except ForecastError as exc:
            _fail(exc)
    paths = list(scenarios or [])
    compares = list(compare or [])
    if not paths:
        paths = sorted(Path("scenarios").glob("*.yaml"))
        if not compare:
            compares = sorted(Path("scenarios/compare").glob("*.yaml"))
        if not paths:
            _fail(ValueError("no scenarios given and no scenarios/*.yaml here; name the files to run"))
    err = _console(stderr=True)
    try:
        with step_progress("report") as progress:
            output = build_report(paths, label, out, samples=samples, template_dir=template,
                                  compare_paths=compares, archive_path=archive, progress=progress,
                                  trend_methods=methods, replace=replace, lock_timeout=wait,
                                  notify=lambda line: err.print(f"note {line}", markup=False))
    except ForecastError as exc:
        _fail(exc)
    _print_warnings(_console(stderr=True),
                    list({id(r.file): r.file for r in [*output.runs, *(r for w in output.waterfalls for r in w.runs)]}.values()))
    console = _console()
    target = output.target
    wrote = (f"wrote {output.folder / 'report.md'} and {len(output.files) - 1} more files "
             f"({len(output.runs)} scenarios, {len(output.waterfalls)} waterfalls)")
    archived = f"archived as run {output.run} in {archive or out / 'archive.sqlite'}"
    if target.full:
        console.print(f"{wrote}; {archived}", markup=False)
        return
    console.print(f"partial report ({target.scope}): {wrote}", markup=False)
    full_folder = out / label
    if target.replaced:
        console.print(f"--replace: written to the quarter's report folder {full_folder}, in place of "
                      "any report there", markup=False)
    elif full_folder.is_dir():
        console.print(f"the quarter's full report in {full_folder} is left as it was "
                      "(--replace writes there instead)", markup=False)
    console.print(f"{archived}, marked partial: \"Changes since last quarter\" compares full runs only",
                  markup=False)


@app.command()
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
        _print_warnings(_console(stderr=True), [item])
        result = engine.run(item.scenario.model_copy(update={"supply": None, "demand": None}), seed=seed,
                            samples=samples, provenance=item.provenance)
    except ForecastError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(None)
    console = _console()
    console.print(f"[bold]{result.scenario}[/]  {result.stamp}")
    print_cost(console, result)


@app.command()
def export(
    scenarios: List[Path] = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML files to export."),
    format: str = typer.Option("csv", "--format", "-f", metavar="csv|xlsx",
                               help="csv: long, wide and IAMC tables with meta.json; xlsx: one workbook."),
    out: Path = typer.Option(Path("exports"), "--out", "-o",
                             help="Folder to write into; with --format xlsx a path ending .xlsx names the workbook."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples (default: the scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed (default: the scenario's)."),
) -> None:
    """Run scenarios and export them together for spreadsheets: CSV tables that open by double-click
    (long, wide per metric, IAMC for pyam) or an XLSX workbook whose Model sheet holds the point
    estimate as live formulas over the Inputs sheet. Columns and units: docs/exports.md."""
    from forecast.cli.render import progress_callback
    from forecast.errors import ForecastError, ScenarioError
    from forecast.io.scenario import duplicate_name_problems, load_scenario
    from forecast.report.display_paths import project_relative
    from forecast.report.writers import check_writable, write_exports
    from forecast.schema import MAX_SAMPLES
    import forecast.engine as engine

    if format not in ("csv", "xlsx"):
        _fail(ValueError(f"--format {format!r} is not csv or xlsx"))
    if samples is not None and samples > MAX_SAMPLES:
        _fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    try:
        loaded = [load_scenario(project_relative(path)) for path in scenarios]
        duplicates = [problem for _, problem in duplicate_name_problems(loaded)]
        if duplicates:
            raise ScenarioError(duplicates)
        book = out if format == "xlsx" and out.suffix.lower() == ".xlsx" else None
        check_writable(book.parent if book else out)  # before any computing
        _print_warnings(_console(stderr=True), loaded)
        results = []
        for item in loaded:
            with progress_callback(item.scenario.name) as progress:
                results.append(engine.run(item.scenario, seed=seed, samples=samples,
                                          provenance=item.provenance, progress=progress))
        written = write_exports(results, book.parent if book else out, (format,), workbook_path=book)
    except ForecastError as exc:
        _fail(exc)
    console = _console()
    for path in written:
        console.print(f"wrote {path}", markup=False)


@app.command("published-runs")
def published_runs() -> None:
    """Published training runs (data/training_runs.csv) beside the toolkit's 6ND FLOP, implied MFU
    and rental cost, to check the compute-cost model against what developers reported."""
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.report.published_runs import published_runs_table
    from forecast.report.tables import published_runs_view

    try:
        table = published_runs_table()
    except ForecastError as exc:
        _fail(exc)
    print_frame(_console(), published_runs_view(table), "Published training runs")


@app.command()
def history(
    scenario: Optional[str] = typer.Argument(None, metavar="SCENARIO",
                                             help="Only this scenario's runs (its name, e.g. baseline)."),
    archive: Path = typer.Option(Path("reports") / "archive.sqlite", "--archive",
                                 help="The run archive that `peakdata report` writes."),
) -> None:
    """List the archived report runs, oldest quarter first: run id (marked "partial" for a run that
    was not the quarter's full run), quarter, scenario, content hash, seed, samples, and the headline
    median exhaustion quarter or p50 cost."""
    from forecast.cli.render import print_frame
    from forecast.errors import ArchiveError, ForecastError
    from forecast.report.archive import list_runs
    from forecast.report.tables import history_table

    try:
        if not archive.is_file():
            raise ArchiveError(f"no run archive at {archive} (run `peakdata report` first, "
                               "or give --archive PATH)")
        runs = list_runs(archive)
        if scenario is not None and runs.empty:
            raise ArchiveError(f"{archive} holds no report runs yet")
        if scenario is not None and scenario not in set(runs["scenario"]):
            import difflib

            names = sorted(set(runs["scenario"]))
            close = difflib.get_close_matches(scenario, names, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"archived scenarios: {', '.join(names)}"
            raise ArchiveError(f"no archived runs of scenario '{scenario}' in {archive} ({hint})")
    except ForecastError as exc:
        _fail(exc)
    if scenario is not None:
        runs = runs[runs["scenario"] == scenario]
    if runs.empty:
        _console().print(f"no report runs in {archive} yet", markup=False)
        return
    print_frame(_console(), history_table(runs), f"Report runs in {archive}")


@app.command()
def trends(
    series: Optional[List[str]] = typer.Option(None, "--series", "-s", metavar="NAME",
                                               help="Series to fit (repeatable): dataset_tokens, "
                                                    "training_compute, price_performance, public_corpus. "
                                                    "Default: all."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="QUARTER",
                                        help="Fit on rows dated (and published) before this quarter, "
                                             "e.g. 2024Q2. Default: all rows."),
    method: Optional[List[str]] = typer.Option(None, "--method", "-m", metavar="METHOD",
                                               help="ols, quantreg, ets or prophet (repeatable). "
                                                    "Default: all four."),
    frontier: str = typer.Option("record", "--frontier", metavar="RULE",
                                 help="record (best so far) or top_k (mean of the 3 best in 8 quarters)."),
    undisclosed: str = typer.Option("impute", "--undisclosed", metavar="HOW",
                                    help="dataset_tokens, runs with compute but no disclosed dataset: "
                                         "impute (compute-optimal tokens, the default), censored "
                                         "(lower bounds) or disclosed (left out)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR",
                                       help="Also write trend_*.csv files into DIR."),
) -> None:
    """Fit the trends of data/ as of a quarter with every method, backtest them from 2019Q1
    (4 and 8 quarters ahead, 80% intervals, raw and calibrated from each method's past errors)
    and print the fits, the scorecard and whether best meets its target. See docs/trends.md."""
    from forecast.cli.render import print_frame
    from forecast.engine.trends import trend_report
    from forecast.errors import ForecastError, Problem, ScenarioError
    from forecast.cli.trend_tables import calibrated_scorecard_view, target_view
    from forecast.report.trends import fits_view, undisclosed_view, write_trend_outputs
    from forecast.schema.trends import TrendSettings

    try:
        try:
            spec = TrendSettings(method="best", as_of=as_of, frontier={"rule": frontier},
                                 undisclosed=undisclosed)
        except ValueError as exc:
            first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
            option = {"as_of": "--as-of", "frontier": "--frontier", "undisclosed": "--undisclosed"}.get(
                str(first["loc"][0]) if first["loc"] else "", "trends")
            raise ScenarioError([Problem("command line", 0, 0, option, first["msg"],
                                         "see peakdata trends --help")]) from None
        if out is not None and out.exists() and not out.is_dir():
            raise ScenarioError([Problem("command line", 0, 0, "--out", f"{out} is a file, not a folder")])
        if spec.as_of is not None:
            _check_as_of(spec.as_of, series)
        report = trend_report(series, spec, method)
        if out is not None:
            stamp = f"peakdata {__version__} trends as_of={report.settings['as_of']}"
            written = write_trend_outputs(report, out, stamp)
    except ForecastError as exc:
        _fail(exc)
    console = _console()
    fitted = set(report.fits["series"]) if len(report.fits) else set()
    for name in dict.fromkeys(report.skipped["series"] if len(report.skipped) else ()):
        if name not in fitted:   # rows known before --as-of, but too few for any method
            mine = report.skipped[report.skipped["series"] == name]
            at = mine[mine["origin"].astype(str) == str(report.settings["as_of"])]
            reason = (at if len(at) else mine)["reason"].iloc[-1]
            _console(stderr=True).print(f"warning command line --as-of: no fit of {name}: {reason}", markup=False)
    print_frame(console, fits_view(report), f"Trend fits (as of {report.settings['as_of']})")
    print_frame(console, calibrated_scorecard_view(report),
                "Backtest scorecard (log10 scale; common origins; bands raw and calibrated from past errors)")
    print_frame(console, target_view(report), "Does the method best picks meet the target?")
    view = undisclosed_view(report)
    if len(view):
        print_frame(console, view, "Undisclosed runs: dataset_tokens growth under each choice")
    if out is not None:
        console.print(f"wrote {len(written)} files to {out}", markup=False)


def _check_as_of(as_of, series) -> None:
    """``trends --as-of``: not after today's quarter, and late enough that every series asked for
    has a row known before it (raises ScenarioError naming the option)."""
    from forecast.engine.trends import first_rows
    from forecast.errors import Problem, ScenarioError
    from forecast.io.trend_series import FILES
    from forecast.report.quarterly import current_quarter
    from forecast.units import Quarter

    today = Quarter.parse(current_quarter())
    if as_of > today:
        raise ScenarioError([Problem("command line", 0, 0, "--as-of",
                                     f"{as_of} is in the future (today is in {today}): no row is dated there yet",
                                     f"give {today} or earlier, or leave --as-of out to fit every row")])
    first = first_rows(series)
    empty = {name: row for name, row in first.items() if as_of <= row[0]}
    if empty:
        rows = "; ".join(f"{name} begins in {q} ({label}, data/{FILES[name]})" for name, (q, label) in empty.items())
        later = max(q for q, _ in empty.values()) + 1
        others = [name for name in first if name not in empty]
        hint = f"give {later} or later" + (f", or only --series {' --series '.join(others)}" if others and not series else "")
        raise ScenarioError([Problem("command line", 0, 0, "--as-of",
                                     f"{as_of} is before the first row of {', '.join(empty)}, so there is "
                                     f"nothing to fit: {rows}", hint)])


def _check_report_quarter(label: str) -> None:
    """``report --quarter``: not before the first row of the data the report's trend section fits."""
    from forecast.engine.trends import first_rows
    from forecast.errors import Problem, ScenarioError
    from forecast.io.trend_series import FILES
    from forecast.report.trends import REPORT_SERIES
    from forecast.units import Quarter

    first = first_rows(REPORT_SERIES)
    name, (begins, row) = min(first.items(), key=lambda item: item[1][0])
    if Quarter.parse(label) < begins:
        raise ScenarioError([Problem("command line", 0, 0, "--quarter",
                                     f"{label} is before the data begins ({begins}: {row}, the first row of "
                                     f"{name} in data/{FILES[name]}); a report for it would quote data that "
                                     "did not exist yet", f"give {begins} or later, or leave --quarter out "
                                     "for today's quarter")])


@app.command()
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
    ranking; writes sensitivity.csv and a tornado chart per output."""
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.io.scenario import load_scenario
    from forecast.report.sensitivity import sensitivity as analyse
    from forecast.report.sensitivity import ranking_view, write_sensitivity
    from forecast.report.writers import check_writable, output_folder
    from forecast.schema import MAX_SAMPLES

    if samples > MAX_SAMPLES:
        _fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    console = _console()
    folder = None
    try:
        item = load_scenario(scenario)
        folder = output_folder(out, item.scenario.name, "sensitivity")
        check_writable(folder)
        _print_warnings(_console(stderr=True), [item])
        table = analyse(item.scenario, budget=samples)
        written = write_sensitivity(table, item.scenario, folder)
    except ForecastError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(None)
    console.print(f"[bold]{item.scenario.name}[/]  {table.attrs.get('evaluations', 0):,} model evaluations "
                  f"for the Sobol indices, seed {item.scenario.seed}")
    for output, view in ranking_view(table, top):
        print_frame(console, view, output)
    console.print(f"wrote {len(written)} files to {folder}", markup=False)


@app.command()
def solve(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML file."),
    target: str = typer.Option(..., "--target", "-t",
                               help='What must hold, e.g. "median(exhaustion) >= 2032Q1", '
                                    '"P(exhaustion by 2030) <= 50%", "median(cost) <= $500K".'),
    vary: str = typer.Option(..., "--vary", help="Dotted input to solve for, e.g. supply.repetition.epochs."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE",
                                   help="Change the scenario first (repeatable), e.g. "
                                        "--set supply.repetition.multiplier=null."),
    search: Optional[str] = typer.Option(None, "--range", metavar="LOW:HIGH",
                                         help="Values of the input to search, in its units (e.g. 1:100); "
                                              "default 0-100% for a share, else the current median ÷100 to ×100."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Monte Carlo samples per evaluation (default: the scenario's)."),
) -> None:
    """Goal-seek: the value of one input (its median, keeping its spread) that meets a target on a
    headline output, by bracketing and bisection. Exit code 2 when no value in the range meets it,
    naming the best reachable one."""
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError, Problem, ScenarioError
    from forecast.io.overrides import field_kind, parse_assignment, with_values
    from forecast.io.scenario import load_scenario
    from forecast.report.solve import describe, parse_target, solve as goal_seek, steps_view
    from forecast.units import parse_quantity

    console = _console()
    try:
        item = load_scenario(scenario)
        _print_warnings(_console(stderr=True), [item])
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
        with _points_progress("solve", "evaluations") as progress:
            answer = goal_seek(base, goal, vary, low, high, samples=samples,
                               progress=(lambda k: progress(k, None)) if progress else None)
    except ForecastError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(None)
    print_frame(console, steps_view(answer), f"{item.scenario.name}: {vary} against {goal.text}")
    if answer.value is None:
        _console(stderr=True).print(f"error {describe(answer)}", markup=False)
        raise typer.Exit(EXIT_INPUT)
    console.print(describe(answer), markup=False)


@app.command()
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
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.report.sweep import load_grid, run_sweep, sweep_view, write_sweep
    from forecast.report.writers import check_writable, output_folder

    console = _console()
    folder = None
    try:
        spec = load_grid(grid)
        _print_warnings(_console(stderr=True), [spec])
        folder = out or output_folder(Path("reports") / "sweeps", spec.name)
        check_writable(folder)
        with _points_progress(spec.name, "points") as progress:
            table = run_sweep(spec, folder, workers=workers, dask=dask, progress=progress)
        written = write_sweep(spec, table, folder)
    except ForecastError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        if _state["debug"]:
            raise
        kept = len(list((folder / "points").glob("*.json"))) if folder is not None and (folder / "points").is_dir() else 0
        _console(stderr=True).print(f"interrupted; {kept} finished points kept in {folder}/points; "
                                    "run the same command again to resume", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    print_frame(console, sweep_view(table), f"{spec.name}: {len(table)} points")
    console.print(f"wrote {len(written)} files to {folder}", markup=False)


def _points_progress(label: str, unit: str):
    from forecast.cli.render import count_progress

    return count_progress(label, unit)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors' YAML language servers)."""
    import json

    from forecast.schema import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2, sort_keys=True))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover
    main()
