"""The document's charts of costs and of what moves the answers: cost components, the cheapest run by
synthetic share, each compare file's waterfall, the Sobol tornadoes of the lead scenarios and the
trend fits behind the forecast (builders: :mod:`forecast.report.charts.costs`,
:mod:`forecast.report.charts.moves`, :mod:`forecast.report.charts.trends`)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from forecast.engine.runs import ScenarioRun
from forecast.outputs import headline
from forecast.report import sections as S
from forecast.report.charts import costs
from forecast.report.charts.trends import trend_chart
from forecast.report.document_base import ChartSections, chart_spec
from forecast.units import format_quantity

__all__ = ["CostAndAnalysisCharts", "MOVES_BUDGET", "MOVES_SWING_SAMPLES", "MOVES_TOP"]


def _count(n: int) -> str:
    return ("one", "two", "three", "four", "five")[n - 1] if 1 <= n <= 5 else str(n)


#: "What moves the answer": rows of the Sobol design, samples per swing of a probability, inputs shown.
#: Modest, so the report stays quick (docs/report.md); `peakdata sensitivity` runs the full budget.
MOVES_BUDGET, MOVES_SWING_SAMPLES, MOVES_TOP = 8192, 2000, 8


class CostAndAnalysisCharts(ChartSections):
    """Charts of costs, sensitivity and trends, added to ``images`` (path → chart to draw) by
    :meth:`build_charts`; the context of "Trends behind the forecast"."""

    def _cost_order(self) -> list[ScenarioRun]:
        """Cost scenarios: those pricing a synthetic share first, single priced runs before mix sweeps."""
        def synthetic(run: ScenarioRun) -> bool:
            share = run.result.draws.get("cost.run.mix.synthetic")
            return share is not None and bool(np.ptp(share) > 0 or share.max() > 0)
        return sorted(self.cost, key=lambda r: (not synthetic(r), "mix_curve" in r.result.tables))

    def _components(self, images: dict[str, bytes]) -> None:
        rows = []
        for run in self.cost:
            table = run.result.tables["cost_breakdown"].set_index("item")
            for component in costs.COMPONENT_LABELS:
                rows.append({"scenario": run.name, "component": component, "unit": "usd",
                             "mean": float(table.loc[component, "mean"]), "p10": float(table.loc[component, "p10"]),
                             "p50": float(table.loc[component, "p50"]), "p90": float(table.loc[component, "p90"])})
        frame = pd.DataFrame(rows)
        largest = {name: part.loc[part["mean"].idxmax(), "component"] for name, part in frame.groupby("scenario")}
        kinds = set(largest.values())
        if len(kinds) == 1:
            title = f"{costs.COMPONENT_LABELS[kinds.pop()]} is the largest cost of every priced run"
        else:
            counts = pd.Series(list(largest.values())).value_counts()
            title = (f"{costs.COMPONENT_LABELS[counts.index[0]]} is the largest cost in {counts.iloc[0]} of "
                     f"{len(largest)} priced runs")
        fig = chart_spec(costs.cost_components_chart, frame, title, "Mean of samples per component (means add up to the "
                                                    "mean total), USD.")
        caption = (f"Training cost by component, the mean of the samples (means add up, so each bar's top is "
                   f"the mean total, a different statistic from the p50 quoted elsewhere in this report): "
                   f"{self._files(self.cost)}.")
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
        fig = chart_spec(costs.cost_vs_share_chart, frame, best, title, "Cost of the cheapest run that reaches the target "
                                                         "quality at each synthetic share, USD.")
        caption = f"Cheapest run for the target quality by synthetic share: {self._files([run])}."
        self._chart(f"cost_vs_share_{run.name}", "cost", fig, title, caption, [run.name], frame, images)

    def _what_moves(self, run: ScenarioRun, outcome: str, images: dict[str, bytes]) -> None:
        """Tornado and table of one-at-a-time swings with Sobol S1/ST (forecast.analysis.sensitivity)."""
        from forecast.engine.evaluate import axes
        from forecast.report.charts import moves as MC
        from forecast.analysis.sensitivity import sensitivity
        from forecast.outputs import DERIVED_LABELS, format_value, output_kind

        full = sensitivity(run.file.scenario, budget=MOVES_BUDGET, data_dir=self.data_dir,
                           swing_samples=MOVES_SWING_SAMPLES)
        rows = full[full["output"] == outcome].sort_values("swing", ascending=False, kind="stable")
        rows = rows[rows["swing"] > 0].head(MOVES_TOP).reset_index(drop=True)
        if rows.empty:
            return
        kind = output_kind(outcome)
        kinds = {name: axis.kind for name, axis in axes(run.file.scenario, self.data_dir).items()}
        labels = [DERIVED_LABELS.get(n, n.removeprefix("cost.")) for n in rows["input"]]
        frame = rows.assign(label=labels, scenario=run.name, evaluations=int(full.attrs.get("evaluations", 0)))
        top = frame.iloc[0]
        what = "the exhaustion date" if outcome == "exhaustion" else "the cost of the run"
        title = (f"{run.name}: {top['label']} moves {what} most, {format_value(top['at_p10'], kind)} to "
                 f"{format_value(top['at_p90'], kind)} from its p10 to its p90")
        unit = "quarter of exhaustion" if outcome == "exhaustion" else "total training cost, USD"
        subtitle = (f"{'Quarter of exhaustion' if outcome == 'exhaustion' else 'Total training cost, USD'}: each input at its p10 or p90, the others at their medians (the line: "
                    f"{format_value(float(top['base']), kind)}, all inputs at their medians). S1, ST: first-order and total Sobol "
                    f"indices, {frame['evaluations'].iloc[0]:,} model runs; inputs treated as independent.")
        fig = chart_spec(MC.sobol_tornado_chart, frame[["label", "base", "at_p10", "at_p90", "S1", "ST"]], kind, title,
                     subtitle, unit)
        name = "sensitivity_exhaustion" if outcome == "exhaustion" else "sensitivity_cost"
        caption = (f"What moves {what} in {run.name} ({self._files([run])}): swings with every other input at its "
                   "median, and the share of the outcome's variance each input explains alone (S1) and with "
                   "others (ST), from a Sobol design (Saltelli et al. 2010; SALib); `peakdata sensitivity` "
                   "computes it at more runs. Rank correlations of every scenario are on its detail page.")
        self._chart(name, "sensitivity", fig, title, caption, [run.name], frame, images)
        # the CSV gives quarters, not decimal years, and the unit of each row's input (docs/exports.md)
        from forecast.export.sensitivity import sensitivity_csv_tables

        self.data[name] = next(iter(sensitivity_csv_tables(
            self.data[name], run.file.scenario.horizon.end.end_year, kinds).values()))
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
                 f"to {format_quantity(frame['total_p50'].iloc[-1], 'usd')} (p50, {ratio:.1f}x cheaper)")
        fig = chart_spec(costs.waterfall_chart, frame, wf.marks, title, "Total training cost, median of samples; each "
                                                        "middle bar is the change one step makes. Diamonds: "
                                                        "published figures.", f"Result: {wf.runs[-1].name}")
        caption = (f"{wf.title}, each bar a model run: {self._files(wf.runs)} (`{wf.path}`). "
                   + " ".join(f"{m.label} (published figure): {m.source}." for m in wf.marks.itertuples(index=False)))
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
        imputed = bool(frame.loc[frame["kind"] == "observed", "imputed"].any())
        fig = chart_spec(trend_chart, frame[["method", "quarter", "kind", "value", "lower", "upper", "imputed"]],
                         chart["unit"], best, title,
                         f"Log scale. Dots: the record up to each quarter, rows dated before {chart['as_of']}; "
                         f"lines: each method's forecast {steps} quarters on; shaded: its calibrated 80% "
                         "interval (set by the method's own past errors).", as_of=chart["as_of"])
        caption = (f"Trend fits of the {label} as of {chart['as_of']}, every method, from "
                   f"{TREND_SOURCES[name]}; bands calibrated from each method's backtest errors before "
                   f"{chart['as_of']}; methods in docs/trends.md.")
        if imputed:
            caption += (" Hollow dots are quarters whose record is a run that disclosed its compute but not its "
                        "dataset: shown, never scored as truth in the backtest.")
        self._chart(f"trend_{name}", "trends", fig, title, caption, [], frame, images)

    def trends_context(self) -> dict[str, Any] | None:
        """The "Trends behind the forecast" context: ``charts``, ``scorecard`` and ``fits_used``
        (Markdown tables), ``as_of`` (of the charted fits, per series where they differ), ``target`` (one
        line per series: does ``best`` meet the target) and ``best`` (series → method)."""
        if self.trends is None:
            return None
        from forecast.report.trends import (METHOD_NAMES, SERIES_LABELS, as_of_text, fits_used_frame,
                                            report_scorecard, target_band, target_lines)

        from forecast.fit.backtest import TARGET_BIAS

        shown, raw = report_scorecard(self.trends)
        low, high = target_band(self.trends.scorecard)
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
                "as_of": as_of_text(self.trends.charts),
                "target": target_lines(self.trends), "target_band": f"{low * 100:.0f}–{high:.0%}",
                "target_bias": f"{TARGET_BIAS:g}",
                "best": [{"series": SERIES_LABELS.get(c["series"], c["series"]),
                          "method": METHOD_NAMES.get(c["best"], c["best"])}
                         for c in self.trends.charts if c["best"]]}
