"""The quarterly report's content: charts with their numbers, tables, and the template context.

:class:`Document` (its chart sections in :mod:`forecast.report.document_supply` and
:mod:`forecast.report.document_costs`) turns the runs of a report into (1) chart PNGs keyed by their path in the report
folder, (2) the frames behind every chart and table (``data/<name>.csv``), (3) the context the Jinja2
templates render, and (4) the detail page of each scenario. All of it is a pure function of the
runs, so it is golden-testable.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from forecast._version import __version__
from forecast.engine.runs import ScenarioRun
from forecast.outputs import format_headline, headline
from forecast.report import sections as S
from forecast.report.document_base import quarter_of, draw
from forecast.report.document_costs import CostAndAnalysisCharts
from forecast.report.document_history import HistoryChart
from forecast.report.document_supply import SupplyCharts
from forecast.report.glossary import glossary_frame
from forecast.report.markdown import render_report
from forecast.report.method import method_lines
from forecast.report.summary_lines import breakeven_clause, gap_cost_sentence
from forecast.units import format_quantity

__all__ = ["Document", "render_template", "waterfall_markdown", "waterfall_table"]

#: Folder of the spreadsheet exports inside the report folder (docs/report.md, docs/exports.md).
EXPORTS = "exports"


def workbook_name(quarter: str) -> str:
    """File name of the report's workbook: ``peakdata-2026Q4.xlsx``."""
    return f"peakdata-{quarter}.xlsx"


def render_template(name: str, context: dict[str, Any], template_dir: Path | None = None) -> str:
    """Render a template of ``forecast/report/templates/`` (a file of the same name in
    ``template_dir`` wins) in the report's sandbox (:mod:`forecast.report.templating`), with stable
    whitespace.

    Raises
    ------
    ExportError
        Any error of a template, naming its file and line, with a hint.
    """
    from forecast.report.templating import render

    text = render(name, context, template_dir)
    # one blank line at most between blocks, one newline at the end
    lines, blank = [], False
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            if blank or not lines:
                continue
            blank = True
        else:
            blank = False
        lines.append(line)
    return "\n".join(lines).rstrip("\n") + "\n"


def waterfall_table(wf) -> pd.DataFrame:
    """A waterfall as planners read it: step, scenario file, total p50, 80% interval, change."""
    frame = wf.frame()
    return pd.DataFrame({
        "step": frame["label"], "scenario file": [f"`{f}`" for f in frame["file"]],
        "total p50": [format_quantity(v, "usd") for v in frame["total_p50"]],
        "80% interval": [f"{format_quantity(a, 'usd')} – {format_quantity(b, 'usd')}"
                         for a, b in zip(frame["total_p10"], frame["total_p90"])],
        "change": ["start"] + [("÷" if f < 1 else "×") + f"{max(f, 1 / f):.2f}" for f in frame["factor"].iloc[1:]],
    })


def waterfall_markdown(wf) -> str:
    """The waterfall table and the ratio of first to last run, as the report prints them (quoted
    in docs/validation.md §3)."""
    frame = wf.frame()
    ratio = frame["total_p50"].iloc[0] / frame["total_p50"].iloc[-1]
    line = f"Ratio of the first to the last run: {ratio:.1f}x"
    if len(wf.marks) >= 2:
        line += f" (published figures: {wf.marks['value'].iloc[0] / wf.marks['value'].iloc[-1]:.1f}x)"
    return S.md_table(waterfall_table(wf)) + "\n\n" + line + ".\n"


#: The outcomes whose rank correlations with the inputs the report computes for every run.
SENSITIVITY_OUTCOMES = ("exhaustion", "cost.total")


def rank_correlations(item, result) -> dict[str, pd.DataFrame]:
    """:func:`forecast.report.sections.sensitivity_frame` of a run for each of
    :data:`SENSITIVITY_OUTCOMES`: computed where the run is (``run_scenarios(after=...)``), beside
    the other runs, and handed to :class:`Document` as ``rank_correlations``."""
    run = ScenarioRun(item, result, "")
    return {outcome: S.sensitivity_frame(run, outcome) for outcome in SENSITIVITY_OUTCOMES}


class _Drawing(dict):
    """Charts by path, each handed to ``pool`` to draw as soon as it is added (``futures``)."""

    def __init__(self, pool) -> None:
        super().__init__()
        self.pool = pool
        self.futures: dict[str, Any] = {}

    def __setitem__(self, name: str, spec: Any) -> None:
        import pickle

        super().__setitem__(name, spec)
        # pickled now: the pool sends it later, and the chart is drawn as it is at this point
        self.futures[name] = self.pool.submit(_draw_pickled, pickle.dumps(spec, pickle.HIGHEST_PROTOCOL))


def _draw_pickled(spec: bytes) -> bytes:
    import pickle

    return draw(pickle.loads(spec))


class Document(SupplyCharts, CostAndAnalysisCharts, HistoryChart):
    """Everything the report shows, built once from the runs."""

    def __init__(self, runs: Sequence[ScenarioRun], waterfalls: Sequence[Any], quarter: str, data_dir: Path,
                 changes: dict[str, Any] | None, archive_path: str | Path, trends: Any = None,
                 history: pd.DataFrame | None = None) -> None:
        self.runs = list(runs)
        self.waterfalls = list(waterfalls)
        self.quarter = quarter
        self.data_dir = data_dir
        self.changes = changes
        self.archive_path = archive_path  # as the report names it: from the report folder (../archive.sqlite)
        self.trends = trends  # a forecast.engine.trends.TrendReport, or None: no trend section
        # headlines of earlier quarters' full runs (forecast.report.document_history.earlier_quarters)
        self.history = history
        self.supply = [r for r in self.runs if S.is_supply(r)]
        self.cost = [r for r in self.runs if S.is_cost(r)]
        self.data: dict[str, pd.DataFrame] = {}
        self.charts: list[dict[str, Any]] = []
        self.stamp = f"peakdata {__version__}; quarterly report {quarter}; {len(self.runs)} scenarios"
        self._sensitivity: dict[tuple[str, str], pd.DataFrame] = {}
        #: run name -> outcome -> rank correlations computed beside the run (:func:`rank_correlations`)
        self.rank_correlations: dict[str, dict[str, pd.DataFrame]] = {}

    def build_charts(self, workers: int = 1, pool=None, wait: bool = True):
        """Draw every chart; returns PNG bytes by path in the report folder (``charts/x.png``).

        With ``workers`` > 1 the figures are drawn in that many processes, or in ``pool`` when given,
        each as soon as its chart is made (the bytes do not change). With a ``pool`` and
        ``wait=False`` it returns at once a function that waits for the drawings and returns them,
        so the caller can render the text meanwhile.
        """
        images: dict[str, Any] = _Drawing(pool) if pool is not None else {}
        for run in self.supply:
            self._fan(run, images)
        if self.supply:
            self._exhaustion(images)
            self._gap(images)
        # every supply scenario prices its gap (data/gap_cost_totals_<name>.csv); its chart is drawn for
        # the baseline, first, and for the scenarios with stock dynamics
        base = self.baseline()
        if base is not None and "gap_cost_synthetic" in base.result.stats:
            self._gap_cost(base, images)
        for run in self.supply:
            if "stock_human_inflow" in run.result.stats:
                self._stock_terms(run, images)
            if "gap_cost_synthetic" in run.result.stats:
                self._gap_totals(run)
                if run is not base and "stock_human_inflow" in run.result.stats:
                    self._gap_cost(run, images)
        if any("stock_human_inflow" in r.result.stats or S.chooses_synthetic(r) for r in self.supply):
            self._share_record(images)
        if self.cost:
            self._components(images)
        for run in self.cost:
            if "mix_curve" in run.result.tables:
                self._mix(run, images)
        for run in self.runs:
            ranked = self.rank_correlations.get(run.name) or {}
            for outcome in SENSITIVITY_OUTCOMES:
                frame = ranked.get(outcome)
                self._sensitivity[(run.name, outcome)] = frame if frame is not None else S.sensitivity_frame(run, outcome)
        lead_supply = next((r for r in self.supply if not self._sensitivity[(r.name, "exhaustion")].empty), None)
        lead_cost = next((r for r in self._cost_order() if not self._sensitivity[(r.name, "cost.total")].empty),
                         None)
        # "What moves the answer": swings and Sobol indices of the baseline's exhaustion date and
        # palmyra-x-004's cost (or the first supply and cost runs when those are not in the report)
        named = {r.name: r for r in self.runs}
        supply_lead = named.get("baseline") if named.get("baseline") in self.supply else lead_supply
        cost_lead = named.get("palmyra-x-004") if named.get("palmyra-x-004") in self.cost else lead_cost
        if supply_lead is not None:
            self._what_moves(supply_lead, "exhaustion", images)
        if cost_lead is not None:
            self._what_moves(cost_lead, "cost.total", images)
        for wf in self.waterfalls:
            self._waterfall(wf, images)
        if self.trends is not None:
            for chart in self.trends.charts:
                self._trend(chart, images)
        self._headline_history(images)
        if pool is not None:
            names, futures = list(images), [images.futures[name] for name in images]
            collect = lambda: dict(zip(names, (future.result() for future in futures)))  # noqa: E731
            return collect() if wait else collect
        specs = list(images.values())
        workers = max(1, min(int(workers), len(specs)))
        if workers == 1:
            pngs = [draw(spec) for spec in specs]
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                pngs = list(pool.map(draw, specs))
        return dict(zip(images, pngs))

    def context(self) -> dict[str, Any]:
        """The template context (every value a string, list or dict of strings)."""
        supply_table, supply_raw = S.summary_supply_frame(self.runs)
        cost_table, cost_raw = S.summary_cost_frame(self.runs)
        self.data["summary_supply"] = supply_raw
        self.data["summary_cost"] = cost_raw
        gap_table, gap_raw = S.gap_cost_frame(self.supply, self.baseline())
        if not gap_raw.empty:
            self.data["gap_cost_summary"] = gap_raw
        comparison = S.comparison_frame(self.runs)
        self.data["comparison"] = S.comparison_data(self.runs)
        variants = []
        for run in self.runs:
            parent = S.parent_of(run, self.runs)
            if parent is None:
                continue
            changes = S.variant_changes(parent, run)
            effect = S.variant_headline(parent, run)
            self.data[f"variant_{run.name}"] = changes.assign(scenario=run.name, extends=parent.name)
            page = f"scenarios/{run.name}.md"
            variants.append({"name": run.name, "parent": parent.name, "changes": S.md_table(changes),
                             "effect": S.md_table(effect), "count": len(changes), "page": page,
                             "line": S.variant_line(parent, run, changes, page)})
        assumptions = S.assumptions_frame(self.runs)
        self.data["assumptions"] = assumptions
        provenance = S.provenance_frame(self.runs)
        self.data["provenance"] = provenance
        data_files = S.data_files_frame(self.runs, self.data_dir)
        self.data["data_files"] = data_files
        waterfalls = []
        for wf in self.waterfalls:
            frame = wf.frame()
            shown = waterfall_table(wf)
            chart = next(c for c in self.charts if c["name"] == f"waterfall_{wf.name}")
            ratio = frame["total_p50"].iloc[0] / frame["total_p50"].iloc[-1]
            marks = [{"label": m.label, "value": format_quantity(m.value, "usd"), "source": m.source}
                     for m in wf.marks.itertuples(index=False)]
            published = ""
            if len(wf.marks) >= 2:
                published = f"{wf.marks['value'].iloc[0] / wf.marks['value'].iloc[-1]:.1f}x"
            waterfalls.append({"name": wf.name, "title": wf.title, "description": wf.description,
                               "table": S.md_table(shown), "chart": chart, "marks": marks,
                               "ratio": f"{ratio:.1f}x", "published_ratio": published, "file": wf.path,
                               "breakeven": chart.get("breakeven")})
        # the first screen's chart: the baseline's fan, shown there instead of under "Charts"
        base = self.baseline()
        hero = [c for c in self.charts if base is not None and c["name"] == f"fan_{base.name}"]
        sections = {}
        for chart in self.charts:
            if chart not in hero:
                sections.setdefault(chart["section"], []).append(chart)
        scen = []
        for run in self.runs:
            kind = " and ".join(k for k, ok in (("supply", S.is_supply(run)), ("cost", S.is_cost(run))) if ok)
            scen.append({"name": run.name, "file": run.file.path, "page": f"scenarios/{run.name}.md", "kind": kind,
                         "description": " ".join((run.result.description or "").split())})
        sentences = self._summary_sentences()
        seeds = sorted({r.result.seed for r in self.runs})
        samples = sorted({r.result.samples for r in self.runs})
        return {
            "quarter": self.quarter, "version": __version__, "stamp": self.stamp, "scenarios": scen,
            "history": self.history_context(),
            "summary": {"supply": S.md_table(supply_table) if not supply_table.empty else None,
                        "cost": S.md_table(cost_table) if not cost_table.empty else None,
                        "sentences": sentences, "chart": hero[0] if hero else None,
                        "more": self._summary_more()},
            "comparison": S.md_table(comparison), "variants": variants,
            "gap_costs": S.md_table(gap_table) if not gap_table.empty else None,
            "charts": {k: sections.get(k, []) for k in ("supply", "dynamics", "cost", "sensitivity", "waterfall")},
            "waterfalls": waterfalls, "hindcast": self.hindcast_context(),
            "changes": self.changes, "archive": str(self.archive_path),
            "spreadsheets": self.spreadsheets(), "trends": self.trends_context(),
            "assumptions": S.md_table(assumptions), "assumption_count": len(assumptions),
            "method": method_lines(self), "glossary": None,
            "provenance": {"runs": S.md_table(provenance.assign(sha256=[f"`{h[:16]}`" for h in provenance["sha256"]])),
                           "data": S.md_table(data_files.assign(sha256=[f"`{h}`" for h in data_files["sha256"]])),
                           "seeds": ", ".join(str(s) for s in seeds),
                           "samples": ", ".join(f"{s:,}" for s in samples)},
        }

    def _sensitivity_method(self) -> str:
        """What "What moves the answer" ran, for the Method section: each chart's scenario, outcome and
        Sobol runs (from the charts' own frames, so the text cannot go stale)."""
        parts = []
        for chart in self.charts:
            if chart["section"] != "sensitivity":
                continue
            frame = self.data[chart["name"]]
            what = "exhaustion date" if chart["name"] == "sensitivity_exhaustion" else "cost (of its logarithm)"
            parts.append(f"{frame['scenario'].iloc[0]}'s {what}: {int(frame['evaluations'].iloc[0]):,} model runs")
        return "; ".join(parts)

    def spreadsheets(self) -> dict[str, Any]:
        """Paths (relative to report.md) of the spreadsheet exports written beside the report:
        ``workbook``, ``long``, ``wide`` (list of ``{metric, file}``), ``iamc``, ``meta``."""
        from forecast.export.writers import IAMC_CSV, LONG_CSV

        metrics = list(dict.fromkeys(m for r in self.runs for m in r.result.stats))
        return {"folder": f"{EXPORTS}/", "workbook": f"{EXPORTS}/{workbook_name(self.quarter)}",
                "long": f"{EXPORTS}/{LONG_CSV}", "iamc": f"{EXPORTS}/{IAMC_CSV}", "meta": f"{EXPORTS}/meta.json",
                "wide": [{"metric": m, "file": f"{EXPORTS}/wide_{m}.csv"} for m in metrics]}

    def meta(self) -> dict[str, Any]:
        """Provenance of the report's ``data/*.csv`` (``data/meta.json``): version, quarter, each
        scenario's file, SHA-256, seed and samples, and the SHA-256 of each data file read."""
        runs = S.provenance_frame(self.runs).to_dict("records")
        files = S.data_files_frame(self.runs, self.data_dir)
        return {"peakdata": __version__, "quarter": self.quarter,
                "scenarios": [{k: (int(v) if k in ("seed", "samples") else v) for k, v in r.items()} for r in runs],
                "data_files": {row["file"]: row["sha256"] for row in files.to_dict("records")},
                "files": sorted(f"{name}.csv" for name in self.data)}

    def baseline(self) -> ScenarioRun | None:
        """The supply scenario the first screen singles out: ``baseline`` when it is in the report,
        else the first supply scenario that extends none of the others, else the first one."""
        named = {r.name: r for r in self.supply}
        if "baseline" in named:
            return named["baseline"]
        roots = [r for r in self.supply if S.parent_of(r, self.runs) is None]
        return (roots or self.supply or [None])[0]

    def _way_out(self) -> tuple[ScenarioRun, ScenarioRun, Any] | None:
        """(human-heavy run, mostly synthetic run, its waterfall or None): the first and last run of the
        first waterfall (steps priced one by one, so the two are comparable), else the priced runs of
        the lowest and the highest median synthetic share when one is at most 20% and the other at
        least 50%."""
        for wf in self.waterfalls:
            first, last = wf.runs[0], wf.runs[-1]
            if S.synthetic_share(last) is not None and S.synthetic_share(first) is not None \
                    and S.synthetic_share(last) > S.synthetic_share(first):
                return first, last, wf
        priced = [(S.synthetic_share(r), k, r) for k, r in enumerate(self.cost) if "mix_curve" not in r.result.tables]
        priced = [t for t in priced if t[0] is not None]
        if not priced:
            return None
        low, high = min(priced, key=lambda t: t[:2]), max(priced, key=lambda t: (t[0], -t[1]))
        if low[0] <= 0.2 and high[0] >= 0.5:
            return low[2], high[2], None
        return None

    def explorable(self) -> bool:
        """Whether ``explore.html`` is written: a supply run the page recomputes exactly
        (:func:`forecast.report.explorer.left_out_reason`) and whose draws were kept."""
        from forecast.report.explorer import left_out_reason

        return any(bool(getattr(r.result, "draws", None)) and left_out_reason(r.file.scenario) is None
                   for r in self.supply)

    def _summary_sentences(self) -> list[str]:
        """The first screen's answers, above the hero chart: the baseline's exhaustion with its interval
        and P(by 2030), the price of its gap, the way out's cost (a mostly synthetic run against a
        human-heavy one, p50, and when the synthetic-heavy mix pays), then what changed since last
        quarter. Short enough that they and the chart fit one 1280 x 800 screen (docs/report.md)."""
        out = []
        base = self.baseline()
        if base is not None:
            h = headline(base.result)
            lead = f"**{S.title_of(base)}**" if S.title_of(base) != base.name else f"**Baseline** ({base.name})"
            text = (f"{lead}: human text runs out in "
                    f"**{format_headline('exhaustion.p50', h['exhaustion.p50'])}** (median; 80% interval "
                    f"{format_headline('exhaustion.p10', h['exhaustion.p10'])} – "
                    f"{format_headline('exhaustion.p90', h['exhaustion.p90'])})")
            if "exhaustion.by_2030" in h:
                text += f"; P(exhausted by end of 2030) = **{format_headline('exhaustion.by_2030', h['exhaustion.by_2030'])}**"
            out.append(text + ".")
            gap = gap_cost_sentence(base)
            if gap:
                out.append(gap)
        way = self._way_out()
        if way is not None:
            human, synthetic, wf = way
            hh, hs = headline(human.result), headline(synthetic.result)
            text = (f"**The way out**: a mostly synthetic run ({S.title_of(synthetic)}, {S.synthetic_share(synthetic):.0%} "
                    f"synthetic) costs **{format_quantity(hs['cost.total.p50'], 'usd')}** (p50; 80% interval "
                    f"{format_quantity(hs['cost.total.p10'], 'usd')} – {format_quantity(hs['cost.total.p90'], 'usd')}) "
                    f"against {format_quantity(hh['cost.total.p50'], 'usd')} (p50) for a human-heavy run "
                    f"({S.title_of(human)}, {S.synthetic_share(human):.0%} synthetic)")
            text += ("; they differ in more than data (the waterfall below prices each step)"
                     if wf is not None else "; they differ in more than data, so this is not a ranking")
            out.append(text + "." + breakeven_clause(self.data, wf))
        out.append(self._changes_line())
        return out

    def _summary_more(self) -> list[str]:
        """The Summary's lines under the hero chart: the range of the median across the supply
        scenarios, leaving out those whose median is already past, and the link to explore.html."""
        out = []
        if len(self.supply) >= 2:
            start = int(self.quarter[:4]) + (int(self.quarter[-1]) - 1) / 4  # the report quarter's start
            med = {S.title_of(r): headline(r.result)["exhaustion.p50"] for r in self.supply}
            past = [n for n in med if med[n] <= start + 1e-9]  # its median quarter has ended
            kept = {n: v for n, v in med.items() if n not in past}
            if len(kept) >= 2:
                first = min(kept, key=lambda k: kept[k])
                last = max(kept, key=lambda k: kept[k])
                text = (f"Across {len(kept)} supply scenarios the median runs from {quarter_of(kept[first])} "
                        f"({first}) to {quarter_of(kept[last])} ({last})")
                if past:
                    names = ", ".join(f"{n} ({quarter_of(med[n])})" for n in past)
                    text += (f", leaving out {names}: a median already past is contradicted by the record "
                             "since (such a scenario is kept to test the claim it spells out)")
                out.append(text + ".")
        if self.explorable():
            out.append("**What if?** [explore.html](explore.html) redraws the exhaustion date as you move compute "
                       "and dataset growth, the largest dataset, the web stock, its usable share and repetition "
                       "(any browser, no Python; the same samples as this report).")
        return out

    def _changes_line(self) -> str:
        """The first screen's line on what changed since last quarter (the top moves; the full table is
        in the appendix): :func:`forecast.report.changes.summary_line`."""
        from forecast.report.changes import summary_line

        if self.changes is None:
            return summary_line(None)
        return self.changes.get("summary") or summary_line(None)

    def render(self, template_dir: Path | None = None) -> str:
        """The report's Markdown (``report.md.j2``). Rendered twice: the glossary lists the terms of
        :data:`forecast.report.glossary.GLOSSARY` the rest of the report uses."""
        context = self.context()
        body = render_template("report.md.j2", context, template_dir)
        glossary = glossary_frame(body)
        context["glossary"] = S.md_table(glossary) if len(glossary) else None
        return render_template("report.md.j2", context, template_dir)

    def pages(self) -> dict[str, str]:
        """``scenarios/<name>.md``: the scenario's own report, its charts and input rankings."""
        out = {}
        for run in self.runs:
            parts = [render_report(run.result).rstrip("\n"), ""]
            parent = S.parent_of(run, self.runs)
            if parent is not None:  # what the variant changes, moved here from the report
                changes = S.variant_changes(parent, run)
                parts += [f"## What it changes against {parent.name}", "",
                          f"Each input or setting this scenario sets differently from "
                          f"[{parent.name}]({parent.name}.md), and the file and line that set it:", "",
                          S.md_table(changes) if len(changes) else "It changes no input or setting.", "",
                          "What that does to the headline figures:", "",
                          S.md_table(S.variant_headline(parent, run)), ""]
            charts = [c for c in self.charts if run.name in c["scenarios"]]
            if charts:
                parts += ["## Charts", ""]
                for c in charts:
                    parts += [f"![{c['title']}](../{c['file']})", "", f"Numbers: [{c['data']}](../{c['data']})", ""]
            for outcome, what in (("exhaustion", "the exhaustion quarter"), ("cost.total", "the total cost")):
                frame = self._sensitivity.get((run.name, outcome))
                if frame is None or frame.empty:
                    continue
                shown = pd.DataFrame({"input": frame["label"], "rank correlation": [f"{v:+.2f}" for v in frame["rho"]]})
                parts += [f"## Which inputs move {what} most", "",
                          f"Spearman rank correlation of each drawn input with {what} over this run's "
                          f"{int(frame['samples'].iloc[0]):,} samples (+: higher input, "
                          f"{'later' if outcome == 'exhaustion' else 'dearer'}); inputs whose correlation is "
                          "within sampling noise (|rho| < 2/√(n − 1)) are left out. It measures association, "
                          "not a share of the spread: the report's \"What moves the answer\" ranks inputs by "
                          "total Sobol index.", "", S.md_table(shown), ""]
            parts += [f"Back to the [quarterly report](../report.md).", ""]
            out[f"scenarios/{run.name}.md"] = "\n".join(parts)
        return out
