"""The quarterly report's content: charts with their numbers, tables, and the template context.

:class:`Document` turns the runs of a report into (1) chart PNGs keyed by their path in the report
folder, (2) the frames behind every chart and table (``data/<name>.csv``), (3) the context the Jinja2
templates render, and (4) the detail page of each scenario. All of it is a pure function of the
runs, so it is golden-testable.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from forecast._version import __version__
from forecast.report import charts as C
from forecast.report import sections as S
from forecast.report.headline import format_headline, headline
from forecast.report.markdown import render_report
from forecast.report.runs import ScenarioRun
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


def _later(builder, *args, **kwargs) -> tuple:
    """A chart to draw: the builder of :mod:`forecast.report.charts` and its arguments (frames copied,
    so later changes to them do not reach the chart)."""
    copy = lambda v: v.copy() if isinstance(v, pd.DataFrame) else v  # noqa: E731
    return builder, tuple(copy(a) for a in args), {k: copy(v) for k, v in kwargs.items()}


def _draw(spec: tuple) -> bytes:
    """PNG bytes of one chart spec (runs in a worker process when charts are drawn in parallel)."""
    builder, args, kwargs = spec
    with C.style():
        return C.png_bytes(builder(*args, **kwargs))


def _count(n: int) -> str:
    return ("one", "two", "three", "four", "five")[n - 1] if 1 <= n <= 5 else str(n)


#: "What moves the answer": rows of the Sobol design, samples per swing of a probability, inputs shown.
#: Modest, so the report stays quick (docs/report.md); `peakdata sensitivity` runs the full budget.
MOVES_BUDGET, MOVES_SWING_SAMPLES, MOVES_TOP = 8192, 2000, 8


def _q(value: float) -> str:
    return format_headline("exhaustion.p50", value)


class Document:
    """Everything the report shows, built once from the runs."""

    def __init__(self, runs: Sequence[ScenarioRun], waterfalls: Sequence[Any], quarter: str, data_dir: Path,
                 changes: dict[str, Any] | None, archive_path: str | Path, trends: Any = None) -> None:
        self.runs = list(runs)
        self.waterfalls = list(waterfalls)
        self.quarter = quarter
        self.data_dir = data_dir
        self.changes = changes
        self.archive_path = archive_path  # as the report names it: from the report folder (../archive.sqlite)
        self.trends = trends  # a forecast.engine.trends.TrendReport, or None: no trend section
        self.supply = [r for r in self.runs if S.is_supply(r)]
        self.cost = [r for r in self.runs if S.is_cost(r)]
        self.data: dict[str, pd.DataFrame] = {}
        self.charts: list[dict[str, Any]] = []
        self.stamp = f"peakdata {__version__}; quarterly report {quarter}; {len(self.runs)} scenarios"
        self._sensitivity: dict[tuple[str, str], pd.DataFrame] = {}

    # ----------------------------------------------------------------------------------------- charts
    def _chart(self, name: str, section: str, figure, title: str, caption: str, scenarios: list[str],
               frame: pd.DataFrame, images: dict[str, Any]) -> None:
        images[f"charts/{name}.png"] = figure
        self.data[name] = frame
        self.charts.append({"name": name, "section": section, "file": f"charts/{name}.png", "title": title,
                            "caption": caption, "data": f"data/{name}.csv", "scenarios": scenarios})

    def _files(self, runs: Sequence[ScenarioRun]) -> str:
        return ", ".join(f"`{r.file.path}`" for r in runs)

    def build_charts(self, workers: int = 1) -> dict[str, bytes]:
        """Draw every chart; returns PNG bytes by path in the report folder (``charts/x.png``).

        With ``workers`` > 1 the figures are drawn in that many processes (the bytes do not change).
        """
        images: dict[str, Any] = {}
        for run in self.supply:
            self._fan(run, images)
        if self.supply:
            self._exhaustion(images)
            self._gap(images)
        for run in self.supply:
            if "stock_human_inflow" in run.result.stats:
                self._stock_terms(run, images)
            if "gap_cost_synthetic" in run.result.stats:
                self._gap_cost(run, images)
        if any("stock_human_inflow" in r.result.stats for r in self.supply):
            self._share_record(images)
        if self.cost:
            self._components(images)
        for run in self.cost:
            if "mix_curve" in run.result.tables:
                self._mix(run, images)
        for run in self.runs:
            for outcome in ("exhaustion", "cost.total"):
                frame = S.sensitivity_frame(run, outcome)
                self._sensitivity[(run.name, outcome)] = frame
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
        specs = list(images.values())
        workers = max(1, min(int(workers), len(specs)))
        if workers == 1:
            pngs = [_draw(spec) for spec in specs]
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                pngs = list(pool.map(_draw, specs))
        return dict(zip(images, pngs))

    def _cost_order(self) -> list[ScenarioRun]:
        """Cost scenarios: those pricing a synthetic share first, single priced runs before mix sweeps."""
        def synthetic(run: ScenarioRun) -> bool:
            share = run.result.draws.get("cost.run.mix.synthetic")
            return share is not None and bool(np.ptp(share) > 0 or share.max() > 0)
        return sorted(self.cost, key=lambda r: (not synthetic(r), "mix_curve" in r.result.tables))

    def _fan(self, run: ScenarioRun, images: dict[str, bytes]) -> None:
        r = run.result
        frames = []
        for metric in ("stock", "demand"):
            m = r.metric(metric)
            frames.append(pd.DataFrame({"scenario": run.name, "quarter": list(r.quarters), "metric": metric,
                                        "unit": "tokens", "p10": m["p10"].to_numpy(), "p50": m["p50"].to_numpy(),
                                        "p90": m["p90"].to_numpy()}))
        frame = pd.concat(frames, ignore_index=True)
        h = headline(r)
        if math.isinf(h["exhaustion.p50"]):
            title = f"{run.name}: the human-text stock outlasts demand to {r.quarters[-1]} in most samples"
        else:
            title = (f"{run.name}: demand overtakes the human-text stock in {_q(h['exhaustion.p50'])} "
                     f"(median; 80% interval {_q(h['exhaustion.p10'])} to {_q(h['exhaustion.p90'])})")
        fig = _later(C.fan_chart, frame, title, "Tokens, log scale. Lines: median of samples; bands: 80% interval. "
                                                "Dotted: the median of each sample's own exhaustion quarter.",
                          h["exhaustion.p50"] - 0.125, _q(h["exhaustion.p50"]))
        caption = (f"Effective stock of human text against the dataset of the largest training run, "
                   f"{run.name} ({self._files([run])}).")
        self._chart(f"fan_{run.name}", "supply", fig, title, caption, [run.name], frame, images)

    def _exhaustion(self, images: dict[str, bytes]) -> None:
        frames = []
        for run in self.supply:
            cdf = run.result.event_cdf()
            cdf = cdf[cdf["event"] == "exhaustion"]
            frames.append(pd.DataFrame({"scenario": run.name, "quarter": cdf["quarter"].to_numpy(),
                                        "probability": cdf["probability"].to_numpy()}))
        frame = pd.concat(frames, ignore_index=True)
        medians = {r.name: headline(r.result)["exhaustion.p50"] for r in self.supply}
        first = min(medians, key=lambda k: medians[k])
        last = max(medians, key=lambda k: medians[k])
        if first == last:
            title = f"Median exhaustion: {_q(medians[first])} ({first})"
        else:
            title = (f"Median exhaustion ranges from {_q(medians[first])} ({first}) "
                     f"to {_q(medians[last])} ({last})")
        fig = _later(C.exhaustion_probability_chart, frame, title, "Probability that demand has met the stock by the "
                                                           "end of each quarter; dotted line: 50%.")
        caption = f"Share of samples exhausted by the end of each quarter: {self._files(self.supply)}."
        self._chart("exhaustion_probability", "supply", fig, title, caption, [r.name for r in self.supply],
                    frame, images)

    def _gap(self, images: dict[str, bytes]) -> None:
        frames = []
        for run in self.supply:
            r = run.result
            frames.append(pd.DataFrame({
                "scenario": run.name, "quarter": list(r.quarters),
                "synthetic_needed_p50": r.metric("synthetic_needed")["p50"].to_numpy(),
                "synthetic_needed_p90": r.metric("synthetic_needed")["p90"].to_numpy(),
                "synthetic_share_p50": r.metric("synthetic_share")["p50"].to_numpy(),
                "synthetic_share_p90": r.metric("synthetic_share")["p90"].to_numpy()}))
        frame = pd.concat(frames, ignore_index=True)
        lead = self.supply[0]
        part = frame[frame["scenario"] == lead.name]
        at = "2030Q4" if "2030Q4" in set(part["quarter"]) else str(part["quarter"].iloc[-1])
        row = part[part["quarter"] == at].iloc[0]
        if row["synthetic_needed_p50"] > 0:
            title = (f"By {at} the largest run needs {C.tick_tokens(row['synthetic_needed_p50'])} "
                     f"synthetic tokens, {row['synthetic_share_p50']:.0%} of its data ({lead.name}, median)")
        else:
            title = f"By {at} the median run of {lead.name} still fits in the human-text stock"
        fig = _later(C.synthetic_gap_chart, frame, title, "Left: synthetic tokens needed beyond the human stock (log "
                                                  "scale). Right: their share of the dataset. Medians.")
        caption = f"Tokens the largest run needs beyond the effective human stock: {self._files(self.supply)}."
        self._chart("synthetic_gap", "supply", fig, title, caption, [r.name for r in self.supply], frame, images)

    # ------------------------------------------------------------------- stock dynamics and the gap
    def _stock_terms(self, run: ScenarioRun, images: dict[str, bytes]) -> None:
        from forecast.report import dynamics_charts as DC

        r = run.result
        frames = []
        for term in DC.STOCK_TERM_LABELS:
            m = r.metric(term)
            frames.append(pd.DataFrame({"scenario": run.name, "quarter": list(r.quarters), "term": term,
                                        "unit": "tokens", "p10": m["p10"].to_numpy(), "p50": m["p50"].to_numpy(),
                                        "p90": m["p90"].to_numpy()}))
        frame = pd.concat(frames, ignore_index=True)
        at = "2030Q4" if "2030Q4" in set(r.quarters) else str(r.quarters[-1])
        end = frame[frame["quarter"] == at].set_index("term")["p50"]
        parts = [(DC.STOCK_TERM_LABELS[t].split(" (")[0].lower(), float(end[t]), sign)
                 for t, sign in (("stock_human_inflow", "+"), ("stock_licensed", "+"), ("stock_consent_loss", "−"))
                 if float(end[t]) > 0]
        if parts:
            name, value, sign = max(parts, key=lambda p: p[1])
            title = (f"{run.name}: by {at} the largest change to the stock is {name}, "
                     f"{sign}{C.tick_tokens(value)} of an effective {C.tick_tokens(float(end['stock']))} (medians)")
        else:
            title = f"{run.name}: no stock term moves the median stock by {at}"
        fig = _later(DC.stock_terms_chart, frame, title,
                     "Tokens, log scale; medians of samples, band: 80% interval of the effective stock. Effective "
                     "stock = opening stock × consent factor + human flow × consent factor + licensed additions.")
        caption = (f"The terms of the usable human-text stock of {run.name} ({self._files([run])}): human text "
                   "written since the start of the horizon, text closed to crawlers since then (consent erosion) "
                   "and licensed private text (docs/nomenclature.md).")
        self._chart(f"stock_terms_{run.name}", "dynamics", fig, title, caption, [run.name], frame, images)

    def _gap_cost(self, run: ScenarioRun, images: dict[str, bytes]) -> None:
        from forecast.report import dynamics_charts as DC

        r = run.result
        frames = []
        for route in ("synthetic", "licensed"):
            m = r.metric(f"gap_cost_{route}")
            frames.append(pd.DataFrame({"scenario": run.name, "quarter": list(r.quarters), "route": route,
                                        "unit": "usd", "p10": m["p10"].to_numpy(), "p50": m["p50"].to_numpy(),
                                        "p90": m["p90"].to_numpy()}))
        frame = pd.concat(frames, ignore_index=True)
        totals = r.tables.get("gap_cost_totals")
        title = f"{run.name}: the median run has no gap to pay for"
        if totals is not None and not totals.empty:
            last = totals[totals["by_end_of"] == totals["by_end_of"].max()].set_index("route")
            year = int(last["by_end_of"].iloc[0])
            syn, lic = float(last.loc["synthetic", "p50"]), float(last.loc["licensed", "p50"])
            p = float(last.loc["synthetic", "p_cheaper"])
            if syn > 0 or lic > 0:
                cheap, dear = ("generating", "licensing") if syn <= lic else ("licensing", "generating")
                lo, hi = sorted((syn, lic))
                chance = p if syn <= lic else 1.0 - p
                title = (f"{run.name}: {cheap} the gap is cheaper than {dear}: {format_quantity(lo, 'usd')} "
                         f"against {format_quantity(hi, 'usd')} to the end of {year} (medians; cheaper in "
                         f"{chance:.0%} of samples with a gap)")
            self.data[f"gap_cost_totals_{run.name}"] = totals.assign(scenario=run.name)
        fig = _later(DC.gap_cost_chart, frame, title,
                     "USD per quarter, log scale: the quarter's gap (synthetic tokens needed) × the price per token "
                     "of each route. Lines: medians; bands: 80% interval; a band reaching the floor: its p10 has no gap.")
        caption = (f"What filling the synthetic gap of {run.name} costs each quarter, generated (generation, "
                   f"acceptance, verification, value per token) or licensed ({self._files([run])}, key `gap`); "
                   f"totals to date in data/gap_cost_totals_{run.name}.csv.")
        self._chart(f"gap_cost_{run.name}", "dynamics", fig, title, caption, [run.name], frame, images)

    def _share_record(self, images: dict[str, bytes]) -> None:
        from forecast.io.references import read_reference
        from forecast.report import dynamics_charts as DC

        record = read_reference("synthetic_shares.csv", self.data_dir)
        dates = pd.to_datetime(record["date"])
        record = record.assign(year=(dates.dt.year + (dates.dt.day_of_year - 1) / 365.25).round(3))
        lead = next((r for r in self.supply if r.name == "baseline"), self.supply[0])
        shown = [lead] + [r for r in self.supply if r is not lead and "stock_human_inflow" in r.result.stats]
        frames = []
        for run in shown:
            m = run.result.metric("synthetic_share")
            frames.append(pd.DataFrame({"scenario": run.name, "quarter": list(run.result.quarters),
                                        "p10": m["p10"].to_numpy(), "p50": m["p50"].to_numpy(),
                                        "p90": m["p90"].to_numpy()}))
        model = pd.concat(frames, ignore_index=True)
        lead = model[model["scenario"] == shown[0].name]
        disclosed = record[record["kind"] != "forecast"]
        if not disclosed.empty:
            top = disclosed.loc[disclosed["synthetic_share"].idxmax()]
            year = int(top["year"])
            at = f"{year}Q4"
            row = lead[lead["quarter"] == at]
            implied = float(row["p50"].iloc[0]) if not row.empty else float("nan")
            title = (f"The model implies a {implied:.0%} synthetic share for the largest run of {year} "
                     f"({shown[0].name}, median); {top['item']} already used {top['synthetic_share']:.0%}")
        else:
            title = f"The model's synthetic share of the largest run ({shown[0].name})"
        fig = _later(DC.synthetic_share_record_chart, model, record[["item", "kind", "date", "year", "synthetic_share"]],
                     title, "Share of the largest run's dataset that must be synthetic (the gap beyond the "
                            "effective human stock), medians. Points: shares on record; hollow: a forecast.")
        frame = pd.concat([model.assign(kind="model", item="", source=""),
                           record[["item", "kind", "date", "scope", "synthetic_share", "source"]].rename(
                               columns={"synthetic_share": "p50"})], ignore_index=True)
        sources = " ".join(f"{row.item} ({row.scope}): {row.source}." for row in record.itertuples(index=False))
        caption = (f"The model's synthetic share ({self._files(shown)}) beside the shares on record "
                   f"(data/synthetic_shares.csv). The model counts only what the human stock cannot supply; "
                   f"labs mix in synthetic text for quality long before. Sources: {sources}")
        self._chart("synthetic_share_record", "dynamics", fig, title, caption, [r.name for r in shown], frame, images)

    def _components(self, images: dict[str, bytes]) -> None:
        rows = []
        for run in self.cost:
            table = run.result.tables["cost_breakdown"].set_index("item")
            for component in C.COMPONENT_LABELS:
                rows.append({"scenario": run.name, "component": component, "unit": "usd",
                             "mean": float(table.loc[component, "mean"]), "p10": float(table.loc[component, "p10"]),
                             "p50": float(table.loc[component, "p50"]), "p90": float(table.loc[component, "p90"])})
        frame = pd.DataFrame(rows)
        largest = {name: part.loc[part["mean"].idxmax(), "component"] for name, part in frame.groupby("scenario")}
        kinds = set(largest.values())
        if len(kinds) == 1:
            title = f"{C.COMPONENT_LABELS[kinds.pop()]} is the largest cost of every priced run"
        else:
            counts = pd.Series(list(largest.values())).value_counts()
            title = (f"{C.COMPONENT_LABELS[counts.index[0]]} is the largest cost in {counts.iloc[0]} of "
                     f"{len(largest)} priced runs")
        fig = _later(C.cost_components_chart, frame, title, "Mean of samples per component (means add up to the "
                                                    "mean total), USD.")
        caption = f"Training cost by component: {self._files(self.cost)}."
        self._chart("cost_components", "cost", fig, title, caption, [r.name for r in self.cost], frame, images)

    def _mix(self, run: ScenarioRun, images: dict[str, bytes]) -> None:
        curve = run.result.tables["mix_curve"]
        h = headline(run.result)
        best = h["cost.cheapest_share"]
        frame = curve.copy()
        frame.insert(0, "scenario", run.name)
        if math.isnan(best):
            title = f"{run.name}: no synthetic share reaches the target"
            best = float(curve["synthetic_share"].iloc[int(np.argmin(curve["total_p50"]))])
        else:
            k = int(np.argmin(np.abs(curve["synthetic_share"].to_numpy() - best)))
            title = (f"{run.name}: {best:.0%} synthetic is cheapest, {format_quantity(curve['total_p50'].iloc[k], 'usd')} "
                     f"median (cheapest in {h['cost.p_cheapest']:.0%} of samples)")
        fig = _later(C.cost_vs_share_chart, frame, best, title, "Cost of the cheapest run that reaches the target "
                                                         "quality at each synthetic share, USD.")
        caption = f"Cheapest run for the target quality by synthetic share: {self._files([run])}."
        self._chart(f"cost_vs_share_{run.name}", "cost", fig, title, caption, [run.name], frame, images)

    def _what_moves(self, run: ScenarioRun, outcome: str, images: dict[str, bytes]) -> None:
        """Tornado and table of one-at-a-time swings with Sobol S1/ST (forecast.report.sensitivity)."""
        from forecast.engine.evaluate import axes
        from forecast.report import moves_charts as MC
        from forecast.report.analysis_charts import format_value
        from forecast.report.sensitivity import output_kind, sensitivity

        full = sensitivity(run.file.scenario, budget=MOVES_BUDGET, data_dir=self.data_dir,
                           swing_samples=MOVES_SWING_SAMPLES)
        rows = full[full["output"] == outcome].sort_values("swing", ascending=False, kind="stable")
        rows = rows[rows["swing"] > 0].head(MOVES_TOP).reset_index(drop=True)
        if rows.empty:
            return
        kind = output_kind(outcome)
        kinds = {name: axis.kind for name, axis in axes(run.file.scenario, self.data_dir).items()}
        labels = [S.DERIVED_LABELS.get(n, n.removeprefix("cost.")) for n in rows["input"]]
        frame = rows.assign(label=labels, scenario=run.name, evaluations=int(full.attrs.get("evaluations", 0)))
        top = frame.iloc[0]
        what = "the exhaustion date" if outcome == "exhaustion" else "the cost of the run"
        title = (f"{run.name}: {top['label']} moves {what} most, {format_value(top['at_p10'], kind)} to "
                 f"{format_value(top['at_p90'], kind)} from its p10 to its p90")
        unit = "quarter of exhaustion" if outcome == "exhaustion" else "total training cost, USD"
        subtitle = (f"{'Quarter of exhaustion' if outcome == 'exhaustion' else 'Total training cost, USD'}: each input at its p10 or p90, the others at their medians (base "
                    f"{format_value(float(top['base']), kind)}, the line). S1, ST: first-order and total Sobol "
                    f"indices, {frame['evaluations'].iloc[0]:,} model runs; inputs treated as independent.")
        fig = _later(MC.sobol_tornado_chart, frame[["label", "base", "at_p10", "at_p90", "S1", "ST"]], kind, title,
                     subtitle, unit)
        name = "sensitivity_exhaustion" if outcome == "exhaustion" else "sensitivity_cost"
        caption = (f"What moves {what} in {run.name} ({self._files([run])}): swings with every other input at its "
                   "median, and the share of the outcome's variance each input explains alone (S1) and with "
                   "others (ST), from a Sobol design (Saltelli et al. 2010; SALib); `peakdata sensitivity` "
                   "computes it at more runs. Rank correlations of every scenario are on its detail page.")
        self._chart(name, "sensitivity", fig, title, caption, [run.name], frame, images)
        shown = pd.DataFrame({
            "input": frame["label"],
            "input p10 – p90": [f"{format_value(a, kinds.get(n, ''))} – {format_value(b, kinds.get(n, ''))}"
                                for n, a, b in zip(frame["input"], frame["input_p10"], frame["input_p90"])],
            "at p10": [format_value(v, kind) for v in frame["at_p10"]],
            "at p90": [format_value(v, kind) for v in frame["at_p90"]],
            "S1": [f"{v:.2f} ± {c:.2f}" if np.isfinite(v) else "n/a" for v, c in zip(frame["S1"], frame["S1_conf"])],
            "ST": [f"{v:.2f} ± {c:.2f}" if np.isfinite(v) else "n/a" for v, c in zip(frame["ST"], frame["ST_conf"])]})
        self.charts[-1]["table"] = S.md_table(shown)

    def _waterfall(self, wf, images: dict[str, bytes]) -> None:
        frame = wf.frame()
        steps = frame.iloc[1:]
        ratio = frame["total_p50"].iloc[0] / frame["total_p50"].iloc[-1]
        biggest = steps.loc[(np.log(steps["factor"]).abs()).idxmax()]
        title = (f"The largest step is \"{biggest['label']}\"; in all, {format_quantity(frame['total_p50'].iloc[0], 'usd')} "
                 f"to {format_quantity(frame['total_p50'].iloc[-1], 'usd')} ({ratio:.1f}x cheaper)")
        fig = _later(C.waterfall_chart, frame, wf.marks, title, "Total training cost, median of samples; each "
                                                        "middle bar is the change one step makes. Diamonds: "
                                                        "published figures.", f"Result: {wf.runs[-1].name}")
        caption = (f"{wf.title}, each bar a model run: {self._files(wf.runs)} (`{wf.path}`). "
                   + " ".join(f"{m.label}: {m.source}." for m in wf.marks.itertuples(index=False)))
        self._chart(f"waterfall_{wf.name}", "waterfall", fig, title, caption, [r.name for r in wf.runs],
                    frame, images)
        self.data[f"waterfall_{wf.name}_marks"] = wf.marks

    def _trend(self, chart: dict[str, Any], images: dict[str, bytes]) -> None:
        from forecast.report.trends import METHOD_NAMES, SERIES_LABELS, TREND_SOURCES

        name = chart["series"]
        bands = self.trends.bands
        frame = bands[bands["series"] == name].reset_index(drop=True)
        fits = self.trends.fits
        fits = fits[fits["series"] == name].set_index("method")
        label = SERIES_LABELS[name]
        best = chart["best"]
        if frame.empty or best not in fits.index:
            return
        factor = fits["growth_factor"]
        lo, hi = float(factor.min()), float(factor.max())
        falling = float(factor[best]) < 1
        who = f"({METHOD_NAMES[best]}, best in the backtest); the {_count(len(fits))} methods span"
        if falling:  # a price per FLOP: say how fast it falls
            title = f"The {label} falls {1 / factor[best]:.2f}x a year {who} {1 / hi:.2f}x to {1 / lo:.2f}x"
        else:
            title = f"The {label} grows {factor[best]:.2f}x a year {who} {lo:.2f}x to {hi:.2f}x"
        steps = int(frame[frame["kind"] == "forecast"].groupby("method").size().max())
        fig = _later(C.trend_chart, frame[["method", "quarter", "kind", "value", "lower", "upper"]], chart["unit"],
                     best, title, f"Log scale. Dots: the record up to each quarter, rows dated before {chart['as_of']}; "
                                  f"lines: each method's forecast {steps} quarters on from {chart['as_of']}; "
                                  "bands: its 80% prediction interval.")
        caption = (f"Trend fits of the {label} as of {chart['as_of']}, every method, from "
                   f"{TREND_SOURCES[name]}; methods in docs/trends.md.")
        self._chart(f"trend_{name}", "trends", fig, title, caption, [], frame, images)

    def trends_context(self) -> dict[str, Any] | None:
        """The "Trends behind the forecast" context: ``charts``, ``scorecard`` and ``fits_used``
        (Markdown tables), ``as_of`` (of the charted fits) and ``best`` (series → method)."""
        if self.trends is None:
            return None
        from forecast.report.trends import METHOD_NAMES, SERIES_LABELS, fits_used_frame, report_scorecard

        shown, raw = report_scorecard(self.trends)
        self.data["trend_scorecard"] = raw
        used = fits_used_frame(self.runs)
        self.data["trend_fits_used"] = used
        charted = {c["series"]: (c["best"], c["as_of"]) for c in self.trends.charts}

        def versus(series: str, pinned: str) -> str:  # docs/trends.md, "One growth per series"
            best, as_of = charted.get(series, (None, None))
            if best is None:
                return pinned or "–"
            chart = f"the chart: {METHOD_NAMES.get(best, best)} as of {as_of}"
            return "the chart's fit" if not pinned else f"differs, set by the scenario: {pinned} ({chart})"

        table = pd.DataFrame({
            "scenario": used["scenario"], "input": [", ".join(f"`{v}`" for v in i.split(", ")) for i in used["input"]],
            "method": [METHOD_NAMES.get(m, m) + ("" if r in (m, "bootstrap") else f" ({r} in its backtest)")
                       for m, r in zip(used["method"], used["requested"])],
            "as of": used["as_of"], "data": used["data"],
            "growth": [("–, stated by the scenario" if s == "dataset_tokens" and "growth" not in i else
                        f"{10 ** g:.2f}x/yr" if s != "price_performance" else f"price ÷{10 ** -g:.2f} a year")
                       for g, s, i in zip(used["growth"], used["series"], used["input"])],
            "level": [("fit: " + format_quantity(float(v), "tokens") + " (p50)") if k == "fit" else
                      "stated by the scenario (overrides the fit's)" if k == "scenario" else "–"
                      for k, v in zip(used["level"], used["level_p50"])],
            "vs. the trend chart": [versus(s, p) for s, p in zip(used["series"], used["pinned"])]})
        return {"charts": [c for c in self.charts if c["section"] == "trends"],
                "scorecard": S.md_table(shown) if not shown.empty else None,
                "fits_used": S.md_table(table) if not table.empty else None,
                "as_of": ", ".join(sorted({c["as_of"] for c in self.trends.charts})),
                "best": [{"series": SERIES_LABELS.get(c["series"], c["series"]),
                          "method": METHOD_NAMES.get(c["best"], c["best"])}
                         for c in self.trends.charts if c["best"]]}

    # ------------------------------------------------------------------------------------- context
    def context(self) -> dict[str, Any]:
        """The template context (every value a string, list or dict of strings)."""
        supply_table, supply_raw = S.summary_supply_frame(self.runs)
        cost_table, cost_raw = S.summary_cost_frame(self.runs)
        self.data["summary_supply"] = supply_raw
        self.data["summary_cost"] = cost_raw
        comparison = S.comparison_frame(self.runs)
        self.data["comparison"] = comparison
        variants = []
        for run in self.runs:
            parent = S.parent_of(run, self.runs)
            if parent is None:
                continue
            changes = S.variant_changes(parent, run)
            effect = S.variant_headline(parent, run)
            self.data[f"variant_{run.name}"] = changes.assign(scenario=run.name, extends=parent.name)
            variants.append({"name": run.name, "parent": parent.name, "changes": S.md_table(changes),
                             "effect": S.md_table(effect), "count": len(changes)})
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
                               "ratio": f"{ratio:.1f}x", "published_ratio": published, "file": wf.path})
        sections = {}
        for chart in self.charts:
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
            "summary": {"supply": S.md_table(supply_table) if not supply_table.empty else None,
                        "cost": S.md_table(cost_table) if not cost_table.empty else None,
                        "sentences": sentences},
            "comparison": S.md_table(comparison), "variants": variants,
            "charts": {k: sections.get(k, []) for k in ("supply", "dynamics", "cost", "sensitivity", "waterfall")},
            "waterfalls": waterfalls, "changes": self.changes, "archive": str(self.archive_path),
            "spreadsheets": self.spreadsheets(), "trends": self.trends_context(),
            "assumptions": S.md_table(assumptions), "assumption_count": len(assumptions),
            "provenance": {"runs": S.md_table(provenance.assign(sha256=[f"`{h[:16]}`" for h in provenance["sha256"]])),
                           "data": S.md_table(data_files.assign(sha256=[f"`{h}`" for h in data_files["sha256"]])),
                           "seeds": ", ".join(str(s) for s in seeds),
                           "samples": ", ".join(f"{s:,}" for s in samples)},
        }

    def spreadsheets(self) -> dict[str, Any]:
        """Paths (relative to report.md) of the spreadsheet exports written beside the report:
        ``workbook``, ``long``, ``wide`` (list of ``{metric, file}``), ``iamc``, ``meta``."""
        from forecast.report.writers import IAMC_CSV, LONG_CSV

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

    def _summary_sentences(self) -> list[str]:
        out = []
        if self.supply:
            med = {r.name: headline(r.result)["exhaustion.p50"] for r in self.supply}
            first = min(med, key=lambda k: med[k])
            last = max(med, key=lambda k: med[k])
            out.append(f"Across {len(self.supply)} supply scenarios the median quarter in which the largest "
                       f"training run needs more text than the effective human stock ranges from {_q(med[first])} "
                       f"({first}) to {_q(med[last])} ({last}).")
        if self.cost:
            cost = {r.name: headline(r.result)["cost.total.p50"] for r in self.cost}
            low = min(cost, key=lambda k: cost[k])
            high = max(cost, key=lambda k: cost[k])
            out.append(f"Of {len(self.cost)} priced runs, {low} is cheapest at {format_quantity(cost[low], 'usd')} "
                       f"(p50) and {high} dearest at {format_quantity(cost[high], 'usd')}.")
        return out

    def render(self, template_dir: Path | None = None) -> str:
        """The report's Markdown (``report.md.j2``)."""
        return render_template("report.md.j2", self.context(), template_dir)

    # --------------------------------------------------------------------------------- detail pages
    def pages(self) -> dict[str, str]:
        """``scenarios/<name>.md``: the scenario's own report, its charts and input rankings."""
        out = {}
        for run in self.runs:
            parts = [render_report(run.result).rstrip("\n"), ""]
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
                          f"Spearman rank correlation of each drawn input with {what}, over the same "
                          f"{run.result.samples:,} samples (+: higher input, {'later' if outcome == 'exhaustion' else 'dearer'}).",
                          "", S.md_table(shown), ""]
            parts += [f"Back to the [quarterly report](../report.md).", ""]
            out[f"scenarios/{run.name}.md"] = "\n".join(parts)
        return out
