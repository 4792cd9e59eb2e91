"""The commands on the quarterly report and its inputs: ``report``, ``published-runs``, ``history`` and
``trends``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from forecast.cli.common import fail, make_console

from forecast._version import __version__

__all__ = ["history", "published_runs", "report", "trends"]


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
        fail(ValueError(f"--trend-methods {text}: unknown method {', '.join(unknown) or '(empty)'} "
                         f"(choose from {', '.join(METHODS)}, or all, or none)"))
    return tuple(dict.fromkeys(words))


def report(
    scenarios: Optional[List[Path]] = typer.Argument(
        None, metavar="SCENARIO",
        help="Scenario YAML files (default: every scenarios/*.yaml, plus the waterfalls in scenarios/compare/)."),
    quarter: Optional[str] = typer.Option(None, "--quarter", "-q",
                                          help="Quarter the report is for, e.g. 2026Q4 (default: today's quarter)."),
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Folder for reports; writes OUT/<quarter>/."),
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
        fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    if template is not None and not template.is_dir():
        fail(ValueError(f"--template {template}: not a folder of templates"))
    try:
        label = str(Quarter.parse(quarter)) if quarter is not None else current_quarter()
    except ValueError as exc:
        fail(ValueError(f"--quarter {quarter}: {exc}"))
    methods = _trend_methods(trend_methods)
    paths = list(scenarios or [])
    compares = list(compare or [])
    if not paths:
        paths = sorted(Path("scenarios").glob("*.yaml"))
        if not compare:
            compares = sorted(Path("scenarios/compare").glob("*.yaml"))
        if not paths:
            fail(ValueError("no scenarios given and no scenarios/*.yaml here; name the files to run"))
    try:
        with step_progress("report") as progress:
            output = build_report(paths, label, out, samples=samples, template_dir=template,
                                  compare_paths=compares, archive_path=archive, progress=progress,
                                  trend_methods=methods)
    except ForecastError as exc:
        fail(exc)
    console = make_console()
    console.print(f"wrote {output.folder / 'report.md'} and {len(output.files) - 1} more files "
                  f"({len(output.runs)} scenarios, {len(output.waterfalls)} waterfalls)", markup=False)


def published_runs() -> None:
    """Published training runs (data/training_runs.csv) beside the toolkit's 6ND FLOP, implied MFU
    and rental cost, to check the compute-cost model against what developers reported."""
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.analysis.published_runs import published_runs_table
    from forecast.report.tables import published_runs_view

    try:
        table = published_runs_table()
    except ForecastError as exc:
        fail(exc)
    print_frame(make_console(), published_runs_view(table), "Published training runs")


def history(
    scenario: Optional[str] = typer.Argument(None, metavar="SCENARIO",
                                             help="Only this scenario's runs (its name, e.g. baseline)."),
    archive: Path = typer.Option(Path("reports") / "archive.sqlite", "--archive",
                                 help="The run archive that `peakdata report` writes."),
) -> None:
    """List the archived report runs, oldest quarter first: quarter, scenario, content hash, seed,
    samples, and the headline median exhaustion quarter or p50 cost."""
    from forecast.cli.render import print_frame
    from forecast.errors import ArchiveError, ForecastError
    from forecast.store.archive import list_runs
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
        fail(exc)
    if scenario is not None:
        runs = runs[runs["scenario"] == scenario]
    if runs.empty:
        make_console().print(f"no report runs in {archive} yet", markup=False)
        return
    print_frame(make_console(), history_table(runs), f"Report runs in {archive}")


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
    (4 and 8 quarters ahead, 80% intervals) and print the fits and the scorecard.
    See docs/trends.md."""
    from forecast.cli.render import print_frame
    from forecast.engine.trends import trend_report
    from forecast.errors import ForecastError, Problem, ScenarioError
    from forecast.export.trends import write_trend_outputs
    from forecast.report.trends import fits_view, scorecard_view, undisclosed_view
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
        report = trend_report(series, spec, method)
        if out is not None:
            stamp = f"peakdata {__version__} trends as_of={report.settings['as_of']}"
            written = write_trend_outputs(report, out, stamp)
    except ForecastError as exc:
        fail(exc)
    console = make_console()
    print_frame(console, fits_view(report), f"Trend fits (as of {report.settings['as_of']})")
    print_frame(console, scorecard_view(report), "Backtest scorecard (log10 scale; common origins)")
    view = undisclosed_view(report)
    if len(view):
        print_frame(console, view, "Undisclosed runs: dataset_tokens growth under each choice")
    if out is not None:
        console.print(f"wrote {len(written)} files to {out}", markup=False)
