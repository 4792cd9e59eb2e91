"""The quarterly report: every scenario run once, one document with summary, comparison, charts,
the Palmyra-versus-GPT-class waterfall, assumptions, method and provenance.

``build_report`` runs the scenarios, builds the tables and charts, renders the Jinja2 templates in
``forecast/report/templates/`` (or a folder that overrides some of them) and writes::

    OUT/<quarter>/report.md           the document (GitHub-flavoured Markdown, relative links)
    OUT/<quarter>/report.html         the same document, images embedded, for mailing
    OUT/<quarter>/explore.html        what if: sliders on the inputs redraw the exhaustion date
                                      (self-contained, docs/report.md; when a scenario can be explored)
    OUT/<quarter>/charts/*.png        every chart
    OUT/<quarter>/data/*.csv          the numbers behind every chart and table
    OUT/<quarter>/scenarios/<name>.md one detail page per scenario
    OUT/<quarter>/exports/            the spreadsheet exports of every scenario: long.csv,
                                      wide_<metric>.csv, iamc.csv, meta.json and the workbook
                                      peakdata-<quarter>.xlsx (docs/exports.md)

That is the quarter's full run (every ``scenarios/*.yaml`` and ``scenarios/compare/*.yaml``, each at
its own samples). Any other set, or ``samples``, is a partial run and goes to its own folder,
``OUT/<quarter>-partial-<hash8>/``, unless ``replace`` is given (:mod:`forecast.report.folders`), so a
quick check of two scenarios never replaces the quarter's report.

The folder is written in a staging folder beside it and swapped in whole, so an interrupted or
failed report leaves the previous one intact; one report writes a folder at a time (a lock beside
it), and the next one cleans up after a report that was killed. Every run is added to the run
archive (:mod:`forecast.store.archive`) with an id and whether it was a full run. The quarter is a
label only: nothing in the output depends on the clock, so the same scenarios, data, seed and
quarter give byte-identical files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from forecast._version import __version__
from forecast.errors import ExportError
from forecast.report.charts import base as C
from forecast.report import sections as S
from forecast.report.folders import LOCK_TIMEOUT, SCENARIOS_DIR, ReportTarget
from forecast.outputs import format_headline, headline
from forecast.engine.runs import ScenarioRun, run_scenarios
from forecast.report.html_page import render_html

__all__ = ["ReportOutput", "Waterfall", "build_report", "current_quarter", "render_html", "run_waterfall"]

#: ``progress(description, done, total)``.
ReportProgress = Callable[[str, int, int], None]


def current_quarter(today=None) -> str:
    """The calendar quarter of ``today`` (default: the local date), e.g. ``2026Q4``."""
    import datetime

    today = today or datetime.date.today()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Waterfall:
    """A compare file's runs: start, then each step, with the published figures to mark."""

    name: str
    title: str
    description: str
    labels: tuple[str, ...]
    runs: tuple[ScenarioRun, ...]
    marks: pd.DataFrame
    path: str

    def frame(self) -> pd.DataFrame:
        """step, label, scenario, file, total p10/p50/p90 [USD], factor from the step before."""
        rows = []
        for k, (label, run) in enumerate(zip(self.labels, self.runs)):
            h = headline(run.result)
            rows.append({"step": k, "label": label, "scenario": run.name, "file": run.file.path,
                         "total_p10": h["cost.total.p10"], "total_p50": h["cost.total.p50"],
                         "total_p90": h["cost.total.p90"]})
        frame = pd.DataFrame(rows)
        frame["factor"] = frame["total_p50"] / frame["total_p50"].shift(1)
        return frame


@dataclass
class ReportOutput:
    """What :func:`build_report` wrote: the folder and its files, the runs, and where it went
    (``target``: full or partial run, :class:`~forecast.report.folders.ReportTarget`) with its
    run id in the archive (``run``)."""

    folder: Path
    files: list[Path]
    runs: list[ScenarioRun]
    waterfalls: list[Waterfall] = field(default_factory=list)
    markdown: str = ""
    target: ReportTarget | None = None
    run: int = 0


def run_waterfall(path: str | Path, known: Sequence[ScenarioRun], samples: int | None = None,
                  data_dir: Path | None = None, workers: int = 1, loaded: Any = None) -> Waterfall:
    """Run every scenario of a compare file (reusing runs of the same files in ``known``);
    ``loaded``: the file as :func:`forecast.io.compare.load_compare` already read it."""
    from forecast.errors import Problem, ScenarioError
    from forecast.io.compare import load_compare

    cf = loaded if loaded is not None else load_compare(path)
    by_path = {S._norm(r.file.path): r for r in known}
    todo = [p for p in cf.paths if S._norm(p) not in by_path]
    for run in run_scenarios(todo, samples=samples, data_dir=data_dir, workers=workers):
        by_path[S._norm(run.file.path)] = run
    runs = tuple(by_path[S._norm(p)] for p in cf.paths)
    for run in runs:
        if "cost_breakdown" not in run.result.tables:
            raise ScenarioError([Problem(str(path), 0, 0, "compare", f"{run.file.path} has no cost section",
                                         "every scenario of a waterfall prices a run")])
        p50 = headline(run.result)["cost.total.p50"]
        if not (p50 > 0 and p50 < float("inf")):
            raise ScenarioError([Problem(str(path), 0, 0, "compare",
                                         f"{run.file.path}: the median run has no finite cost ({p50})",
                                         "a waterfall step must reach its target in most samples")])
    comp = cf.compare
    labels = (comp.start.label, *(s.label for s in comp.steps))
    marks = pd.DataFrame([{"label": m.label, "value": m.value, "beside": m.beside % len(runs), "source": m.source}
                          for m in comp.marks], columns=["label", "value", "beside", "source"])
    return Waterfall(comp.name, comp.title, " ".join(comp.description.split()), labels, runs, marks, cf.path)


def changes_section(archive_path: Path, quarter: str, runs: Sequence[ScenarioRun],
                    data_dir: Path | None, partial: bool = False) -> dict[str, Any] | None:
    """The "Changes since last quarter" context (:func:`forecast.report.changes.section`):
    ``{"against": "2026Q3", "markdown": ..., "context": ...}``, or ``None`` when no full run of an
    earlier quarter is archived."""
    from forecast.report import changes

    return changes.section(archive_path, quarter, runs, data_dir, partial)


def build_report(paths: Sequence[str | Path], quarter: str, out: Path, samples: int | None = None,
                 template_dir: Path | None = None, compare_paths: Sequence[str | Path] = (),
                 data_dir: Path | None = None, archive_path: Path | None = None,
                 progress: ReportProgress | None = None, workers: int | None = None,
                 trend_methods: Sequence[str] | None = None, replace: bool = False,
                 lock_timeout: float = LOCK_TIMEOUT, notify: Callable[[str], None] | None = None,
                 scenarios_dir: Path = SCENARIOS_DIR) -> ReportOutput:
    """Run the scenarios and write the report folder; see the module docstring.

    ``trend_methods``: the methods of "Trends behind the forecast" (default: all four; an empty
    sequence leaves the section out). ``replace``: write a partial run to ``OUT/<quarter>/`` anyway.
    ``lock_timeout``: how long to wait for another report writing the same folder [s];
    ``notify(message)`` hears about that wait and about leftovers of a killed report cleaned up.
    ``scenarios_dir``: the folder whose files make the full run (relative to the working folder).
    """
    from forecast.io.references import data_dir as default_data_dir
    from forecast.report.folders import locked, report_target
    from forecast.units import Quarter

    quarter = str(Quarter.parse(quarter))
    target = report_target(Path(out), quarter, paths, compare_paths, samples, replace=replace,
                           scenarios_dir=scenarios_dir)
    if workers is None:  # the machine's cores, at most 4: scenarios are few and memory matters more
        workers = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
    done = [0]

    def tick(label: str) -> None:
        done[0] += 1
        if progress is not None:
            progress(label, done[0], total)

    from forecast.export.writers import check_writable, output_folder

    folder = output_folder(Path(out), target.folder.name)
    check_writable(folder)  # refuse an unwritable --out before computing anything
    if template_dir is not None:  # and a template that does not compile
        from forecast.report.templating import check_templates

        check_templates(Path(template_dir))
    from forecast.io.compare import load_compare

    from forecast.io.display_paths import name_from, project_relative

    want_trends = trend_methods is None or len(trend_methods)
    # one pool of processes for everything heavy, kept busy end to end: the trend fits (the longest
    # task, queued first, while this process reads the scenario files), the scenario runs (largest
    # first), the analyses that need only a scenario ("What moves the answer", the break-even), then
    # the charts
    from forecast.engine.runs import process_pool
    from forecast.store.archive import record_report

    if workers > 1 and want_trends:
        _preload_fit_libraries()
    with (process_pool(workers) if workers > 1 else _InProcess()) as pool:
        fits = _queue_fits(pool, trend_methods, data_dir) if want_trends and workers > 1 else []
        queued: dict = {}
        assembled: dict = {}
        compares = [load_compare(project_relative(path)) for path in compare_paths]
        extra = _waterfall_steps(compares, paths)
        # every scenario run (the waterfalls' own steps included), then trends, charts, write, archive:
        # known before the first step, so the bar's total never changes during the run
        total = len(paths) + len(extra) + 4
        if progress is not None:
            progress("running scenarios", 0, total)

        def ran(name: str) -> None:  # a run came back: assemble the trends once their fits are in
            tick(f"ran {name}")
            if want_trends:
                _assemble_trends(assembled, fits, trend_methods, data_dir)

        def queue(loaded) -> None:  # every scenario file is valid: start the analyses before the runs
            _queue_analyses(pool, loaded, queued, compares, samples, data_dir)

        from forecast.report.document import rank_correlations

        ranked: dict = {}
        everything = run_scenarios([*paths, *extra], samples=samples, data_dir=data_dir, keep_samples=True,
                                   pool=pool, loaded_hook=queue, after=rank_correlations, extras=ranked,
                                   progress=lambda name, k, n: ran(name))
        runs = everything[:len(paths)]
        waterfalls = [run_waterfall(cf.path, everything, samples=samples, data_dir=data_dir, loaded=cf)
                      for cf in compares]
        archive_path = Path(archive_path) if archive_path is not None else Path(out) / "archive.sqlite"
        changes = changes_section(archive_path, quarter, runs, data_dir, partial=not target.full)
        if want_trends:
            _assemble_trends(assembled, fits, trend_methods, data_dir, now=True)
        trends = assembled.get("trends")
        tick("fitted trends")
        from forecast.report.document import Document
        from forecast.report.document_history import earlier_quarters

        doc = Document(runs, waterfalls, quarter, Path(data_dir or default_data_dir()), changes,
                       name_from(folder, archive_path, [out]), trends, earlier_quarters(archive_path, quarter))
        doc.queued, doc.rank_correlations = queued, ranked
        if workers > 1:  # the text and the explorer are written while the charts are drawn
            drawn = doc.build_charts(workers=workers, pool=pool, wait=False)
        else:
            figures = doc.build_charts(workers=1)
            drawn = lambda: figures  # noqa: E731
        markdown = doc.render(template_dir)
        from forecast.report.explorer_page import render_explorer

        explore = render_explorer(runs, quarter, data_dir) if doc.explorable() else None
        with locked(folder, lock_timeout, notify):    # one report per folder; cleans up after a killed one
            written = _write_report(folder, doc, markdown, explore, drawn, tick)
            run_id = record_report(archive_path, quarter, runs, data_dir, full=target.full,
                                   folder=folder.name)  # one transaction, after the folder is in place
    tick("archived")
    return ReportOutput(folder, [folder / name for name in written], runs, waterfalls, markdown, target, run_id)


def _write_report(folder: Path, doc, markdown: str, explore: str | None, drawn: Callable[[], dict[str, bytes]],
                  tick: Callable[[str], None]) -> list[str]:
    """Write the report folder through a staging folder that replaces it whole: the tables, pages and
    text while the charts are still drawn (``drawn()`` waits for them), then the charts and
    report.html; the names written."""
    from forecast.export.writers import staged

    with staged(folder) as staging:
        written = _write_tables(staging, doc, markdown, explore)
        figures = drawn()
        tick("drew charts")
        html = render_html(markdown, figures, title=f"peakdata quarterly report {doc.quarter}")
        written += _write_figures(staging, figures, html)
    tick("wrote report")
    return written


def _queue_fits(pool, trend_methods, data_dir) -> list:
    """Queue in ``pool`` the fits of "Trends behind the forecast", one task per series and method,
    the slow methods first; their futures."""
    slow_first = sorted(_trend_methods(trend_methods), key=lambda m: m not in ("ets", "prophet"))
    return [pool.submit(_trend_fits, name, method, data_dir) for method in slow_first for name in _report_series()]


def _queue_analyses(pool, loaded, queued: dict, compares, samples, data_dir) -> None:
    """Queue in ``pool`` what needs only the scenario files, before their runs: "What moves the
    answer" and the break-even (``queued``, :func:`forecast.report.document_costs.queue_analyses`)."""
    from forecast.io.references import data_dir as default_data_dir
    from forecast.report.document_costs import queue_analyses

    ends = {S._norm(cf.paths[-1]) for cf in compares}
    queued.update(queue_analyses(pool, loaded, [f for f in loaded if S._norm(f.path) in ends], samples,
                                 Path(data_dir or default_data_dir())))


def _preload_fit_libraries() -> None:
    """Import the trend fits' libraries before the pool forks: the workers then start with them
    (about 1 s of imports each, scipy.stats and statsmodels), and this process, which assembles the
    trend tables from their fits, needs them anyway."""
    import scipy.stats  # noqa: F401
    import statsmodels.api  # noqa: F401
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: F401


def _waterfall_steps(compares, paths) -> list:
    """The waterfalls' steps that are not among ``paths``, once each: run in the same pool."""
    wanted = {S._norm(p) for p in paths}
    extra = []
    for cf in compares:
        for step in cf.paths:
            if S._norm(step) not in wanted:
                wanted.add(S._norm(step))
                extra.append(step)
    return extra


def _assemble_trends(assembled: dict, fits, methods, data_dir, now: bool = False) -> None:
    """Put "Trends behind the forecast" in ``assembled["trends"]`` once: as soon as every fit of
    the pool is in (``fits``: their futures), or ``now`` (the fits the pool did not make are made here)."""
    if "trends" not in assembled and (now or (fits and all(job.done() for job in fits))):
        assembled["trends"] = _trends_with(fits, methods, data_dir)


def _trends_with(fits, methods, data_dir):
    """"Trends behind the forecast", with the fits made in the pool (``fits``: futures of
    :func:`_trend_fits`) added to this process's cache first, so it fits nothing they made."""
    from forecast.engine.trends import remember_fits

    for job in fits:
        remember_fits(job.result())
    return _trend_report(methods, data_dir)


def _report_series() -> tuple[str, ...]:
    from forecast.report.trends import REPORT_SERIES

    return tuple(REPORT_SERIES)


def _trend_methods(methods) -> tuple[str, ...]:
    from forecast.fit.methods import METHODS

    return tuple(methods or METHODS)


def _trend_fits(series: str, method: str, data_dir) -> dict:
    """The fits of one series and method for "Trends behind the forecast", made in a worker; none
    when they cannot be made there (the report then fits them itself and reports what went wrong)."""
    from forecast.engine.trends import trend_fits
    from forecast.errors import ForecastError

    try:
        return trend_fits(series, method, data_dir=data_dir)
    except ForecastError:
        return {}


def _trend_report(methods, data_dir):
    """"Trends behind the forecast": every report series fitted, backtested and scored."""
    from forecast.engine.trends import trend_report
    from forecast.report.trends import REPORT_SERIES

    return trend_report(REPORT_SERIES, methods=methods, data_dir=data_dir)


class _InProcess:
    """Stands in for a process pool with one worker: each task runs when submitted."""

    def __enter__(self) -> "_InProcess":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def submit(self, fn, /, *args, **kwargs):
        from concurrent.futures import Future

        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - raised again by result(), as a pool would
            future.set_exception(exc)
        return future


def _write_tables(staging: Path, doc, markdown: str, explore: str | None = None) -> list[str]:
    """Write everything of the report but its charts and report.html into ``staging`` (the data,
    the spreadsheet exports, the detail pages, report.md, explore.html); their names."""
    from forecast.report.document import EXPORTS, workbook_name
    from forecast.export.tables import snake_headers
    from forecast.export.writers import atomic_write_text, inside, write_csv, write_exports, write_json

    written: list[str] = []
    for name, frame in doc.data.items():
        write_csv(inside(staging, f"data/{name}.csv"), snake_headers(frame), doc.stamp)
        written.append(f"data/{name}.csv")
    write_json(staging / "data" / "meta.json", doc.meta())
    written.append("data/meta.json")
    parents = {r.name: up.name for r in doc.runs if (up := S.parent_of(r, doc.runs)) is not None}
    written += [p.relative_to(staging).as_posix() for p in write_exports(
        [r.result for r in doc.runs], staging / EXPORTS,
        workbook_path=staging / EXPORTS / workbook_name(doc.quarter), parents=parents)]
    for name, text in doc.pages().items():
        atomic_write_text(inside(staging, name), text)
        written.append(name)
    atomic_write_text(staging / "report.md", markdown)
    written.append("report.md")
    if explore is not None:  # the what-if page beside the report (forecast/report/explorer_page.py)
        atomic_write_text(staging / "explore.html", explore)
        written.append("explore.html")
    return written


def _write_figures(staging: Path, figures: dict[str, bytes], html: str) -> list[str]:
    """Write the charts and report.html into ``staging``, then give every folder and file of it the
    permissions the umask allows; the names written."""
    from forecast.export.writers import atomic_write_text, current_umask, inside

    written: list[str] = []
    for name, body in figures.items():    # names built from scenario and compare names: checked again
        target = inside(staging, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.append(name)
    atomic_write_text(staging / "report.html", html)
    written.append("report.html")
    mode = 0o777 & ~current_umask()
    for path in (staging, *(p for p in staging.rglob("*") if p.is_dir())):
        os.chmod(path, mode)
    for path in (p for p in staging.rglob("*") if p.is_file()):
        os.chmod(path, 0o666 & ~current_umask())
    return written


def format_cost(value: float) -> str:
    return format_headline("cost.total.p50", value)
