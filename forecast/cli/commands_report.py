"""The commands on the quarterly report and its inputs: ``report``, ``published-runs``, ``history`` and
``trends``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from forecast._version import __version__
from forecast.cli.common import fail, make_console, print_warnings
from forecast.report.folders import LOCK_TIMEOUT  # a constant: the module imports nothing heavy

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
        fail(ValueError(f"--samples {samples:,} is above the limit of {MAX_SAMPLES:,}"))
    if template is not None and not template.is_dir():
        fail(ValueError(f"--template {template}: not a folder of templates"))
    try:
        label = str(Quarter.parse(quarter)) if quarter is not None else current_quarter()
    except ValueError as exc:
        fail(ValueError(f"--quarter {quarter}: {exc}"))
    methods = _trend_methods(trend_methods)
    if quarter is not None:
        try:
            _check_report_quarter(label)
        except ForecastError as exc:
            fail(exc)
    paths = list(scenarios or [])
    compares = list(compare or [])
    if not paths:
        paths = sorted(Path("scenarios").glob("*.yaml"))
        if not compare:
            compares = sorted(Path("scenarios/compare").glob("*.yaml"))
        if not paths:
            fail(ValueError("no scenarios given and no scenarios/*.yaml here; name the files to run"))
    err = make_console(stderr=True)
    try:
        with step_progress("report") as progress:
            output = build_report(paths, label, out, samples=samples, template_dir=template,
                                  compare_paths=compares, archive_path=archive, progress=progress,
                                  trend_methods=methods, replace=replace, lock_timeout=wait,
                                  notify=lambda line: err.print(f"note {line}", markup=False))
    except ForecastError as exc:
        fail(exc)
    print_warnings(make_console(stderr=True),
                   list({id(r.file): r.file for r in [*output.runs, *(r for w in output.waterfalls for r in w.runs)]}.values()))
    _print_written(output, out, label, archive)


def _print_written(output, out: Path, label: str, archive: Path | None) -> None:
    """What ``report`` wrote and where it archived the run; for a partial run, where the quarter's
    full report is; last, the page to open."""
    console = make_console()
    target = output.target
    wrote = (f"wrote {output.folder / 'report.md'} and {len(output.files) - 1} more files "
             f"({_count(len(output.runs), 'scenario')}, {_count(len(output.waterfalls), 'waterfall')})")
    archived = f"archived as run {output.run} in {archive or out / 'archive.sqlite'}"
    page = f"open {output.folder / 'report.html'} to read the report"
    if target.full:
        console.print(f"{wrote}; {archived}", markup=False)
        console.print(page, markup=False)
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
    console.print(page, markup=False)


def _count(n: int, noun: str) -> str:
    """``1 scenario``, ``2 scenarios``, ``0 waterfalls``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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


def published_runs() -> None:
    """Published training runs (data/training_runs.csv) beside the toolkit's 6ND FLOP, implied MFU
    and rental cost, then the cost hindcast: each run's GPU-hours priced from its parameters, tokens
    and hardware with the priors of data/compute_priors.csv (median and 80% interval, fixed seed),
    whether the disclosed figure is inside, and the log10 error of the median."""
    from forecast.cli.render import print_frame
    from forecast.errors import ForecastError
    from forecast.analysis.published_runs import (hindcast_sentence, hindcast_summary, hindcast_table,
                                                  published_runs_table)
    from forecast.report.tables import hindcast_view, published_runs_view

    try:
        table = published_runs_table()
        hindcast = hindcast_table()
    except ForecastError as exc:
        fail(exc)
    console = make_console()
    print_frame(console, published_runs_view(table), "Published training runs")
    print_frame(console, hindcast_view(hindcast),
                "Cost hindcast: GPU-hours from parameters, tokens and hardware (data/compute_priors.csv)")
    summary = hindcast_summary(hindcast)
    console.print(f"{hindcast_sentence(summary)} (with the stated priors before widening: "
                  f"{summary['stated_inside']} of {summary['runs']} inside)", markup=False)


def history(
    scenario: Optional[str] = typer.Argument(None, metavar="SCENARIO",
                                             help="One scenario's path across quarters (its name, e.g. baseline)."),
    metric: Optional[List[str]] = typer.Option(None, "--metric", "-m", metavar="KEY",
                                               help="Headline figure to show (repeatable): exhaustion.p50, "
                                                    "exhaustion.interval (p10 – p90), exhaustion.p10, "
                                                    "exhaustion.p90, exhaustion.by_2026 … by_2032, "
                                                    "cost.total.p10/p50/p90, cost.cheapest_share. Default: "
                                                    "median exhaustion, its 80% interval, P(by 2030), p50 cost."),
    archive: Path = typer.Option(Path("reports") / "archive.sqlite", "--archive",
                                 help="The run archive that `peakdata report` writes."),
) -> None:
    """The headline figures of every archived report run, oldest quarter first: median exhaustion and
    its 80% interval, P(exhausted by 2030) and the p50 cost (or the --metric figures) per quarter and
    scenario, with run id ("partial" for a run that was not the quarter's full run), content hash,
    seed and samples. With SCENARIO, that scenario's path across quarters and how its first figure
    moved from one run to the next."""
    from forecast.cli.render import print_frame
    from forecast.errors import ArchiveError, ForecastError
    from forecast.report.tables import HISTORY_METRICS, history_path_table, history_table
    from forecast.store.archive import list_headlines

    try:
        metrics = _history_metrics(metric) if metric else HISTORY_METRICS
        if not archive.is_file():
            raise ArchiveError(f"no run archive at {archive} (run `peakdata report` first, "
                               "or give --archive PATH)")
        runs = list_headlines(archive)
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
    if runs.empty:
        make_console().print(f"no report runs in {archive} yet", markup=False)
        return
    if scenario is not None:
        path = history_path_table(runs[runs["scenario"] == scenario], metrics)
        print_frame(make_console(), path, f"{scenario} across archived quarters ({archive})")
        return
    print_frame(make_console(), history_table(runs, metrics), f"Report runs in {archive}")


def _history_metrics(words: List[str]) -> tuple[str, ...]:
    """``--metric``: headline keys (or ``exhaustion.interval``), checked before the archive is read."""
    import re

    from forecast.errors import Problem, ScenarioError

    known = re.compile(r"exhaustion\.(p10|p50|p90|interval|by_\d{4})|cost\.total\.(p10|p50|p90)"
                       r"|cost\.(cheapest_share|p_cheapest)")
    bad = [w for w in words if not known.fullmatch(w)]
    if bad:
        import difflib

        options = ["exhaustion.p50", "exhaustion.interval", "exhaustion.p10", "exhaustion.p90",
                   "exhaustion.by_2030", "cost.total.p50", "cost.total.p10", "cost.total.p90",
                   "cost.cheapest_share", "cost.p_cheapest"]
        close = difflib.get_close_matches(bad[0], options, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(options)}"
        raise ScenarioError([Problem("command line", 0, 0, "--metric", f"unknown headline figure '{bad[0]}'",
                                     hint)])
    return tuple(dict.fromkeys(words))


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
    from forecast.export.trends import write_trend_outputs
    from forecast.report.trends import calibrated_scorecard_view, fits_view, target_view, undisclosed_view
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
        fail(exc)
    console = make_console()
    fitted = set(report.fits["series"]) if len(report.fits) else set()
    for name in dict.fromkeys(report.skipped["series"] if len(report.skipped) else ()):
        if name not in fitted:   # rows known before --as-of, but too few for any method
            mine = report.skipped[report.skipped["series"] == name]
            at = mine[mine["origin"].astype(str) == str(report.settings["as_of"])]
            reason = (at if len(at) else mine)["reason"].iloc[-1]
            make_console(stderr=True).print(f"warning command line --as-of: no fit of {name}: {reason}", markup=False)
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
