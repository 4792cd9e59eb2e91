"""The document's charts of costs and of what moves the answers: cost components, the cheapest run by
synthetic share, each compare file's waterfall, the Sobol tornadoes of the lead scenarios and the
trend fits behind the forecast (builders: :mod:`forecast.report.charts.costs`,
:mod:`forecast.report.charts.moves`, :mod:`forecast.report.charts.trends`)."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from forecast.engine.runs import ScenarioRun
from forecast.outputs import headline
from forecast.report import sections as S
from forecast.report.charts import costs
from forecast.report.charts.trends import trend_chart
from forecast.report.document_base import ChartSections, chart_spec
from forecast.units import format_quantity

__all__ = ["CostAndAnalysisCharts", "MOVES_BUDGET", "MOVES_CONVERGED", "MOVES_SWING_SAMPLES", "MOVES_TOP",
           "converged_note", "moves_title"]


def _count(n: int) -> str:
    return ("one", "two", "three", "four", "five")[n - 1] if 1 <= n <= 5 else str(n)


#: The break-even levers in words (forecast.analysis.breakeven.LEVERS): input -> (the clause, with
#: {value} at the break-even and {today} today's median; unit kind; a short name; significant digits
#: of the break-even, as many as its Monte Carlo noise allows: forecast.analysis.breakeven.BREAKEVEN_SAMPLES).
BREAKEVEN_WORDS = {
    "cost.quality.synthetic_value": ("each synthetic token is worth at least {value} human tokens (today's median: "
                                     "{today})", "number", "synthetic-token value", 2),
    "cost.human_data.license_per_mtok": ("human text costs at least {value} per million tokens in licence fees on "
                                         "top of processing (today: {today})", "usd", "human-text licence price", 2),
    "cost.synthetic_data.output_price_per_mtok": ("a synthetic training token costs at most {value} per million, "
                                                  "generation and judging together (today's median: {today})",
                                                  "usd", "synthetic-token price", 1)}

#: The unit column of data/breakeven_<name>.csv by unit kind.
BREAKEVEN_UNITS = {"number": "human tokens per synthetic token", "usd": "USD per million tokens"}

#: "What moves the answer": rows of the Sobol design, samples per swing of a probability, inputs shown.
#: Enough that the top input's 95% intervals stay within ± MOVES_CONVERGED for baseline and
#: palmyra-x-004 (± 0.05 and ± 0.04 at most) and that palmyra-x-004's top two are told apart, modest
#: so the report stays quick (docs/report.md); `peakdata sensitivity` runs the full budget.
MOVES_BUDGET, MOVES_SWING_SAMPLES, MOVES_TOP = 32768, 2000, 8


#: The widest 95% half-width of the top input's S1 and ST for the report to call its indices converged.
MOVES_CONVERGED = 0.1


def _overlap(a: Any, b: Any) -> bool:
    """Whether the 95% intervals of two inputs' total indices overlap (the two are not told apart)."""
    return b.ST + b.ST_conf >= a.ST - a.ST_conf


def fits_title(title: str) -> bool:
    """Whether a chart shows ``title`` whole: two lines of forecast.report.charts.base.add_title,
    wrapped at words."""
    import textwrap

    from forecast.report.charts.base import TITLE_WIDTH

    return len(textwrap.wrap(title, TITLE_WIDTH)) <= 2


def moves_title(scenario: str, what: str, frame: pd.DataFrame) -> str:
    """The title of a "what moves the answer" chart, from its rows ranked by ST (``frame``: label, ST,
    ST_conf, S1_conf): the top input with its ST and interval, and the second too when their
    intervals overlap (in fewer words when long labels would not fit on the chart, :func:`fits_title`);
    "most of" only when the top's whole interval is above one half; "not converged" when the top's
    S1 or ST interval is wider than ± :data:`MOVES_CONVERGED`."""
    rows = list(frame.itertuples(index=False))
    top = rows[0]
    if not math.isfinite(top.ST):  # no Sobol index (an output that does not vary in the design)
        return f"{scenario}: {top.label} moves {what} most"
    st = f"ST {top.ST:.2f} ± {top.ST_conf:.2f}"
    tail = "; not converged" if max(top.ST_conf, top.S1_conf) > MOVES_CONVERGED else ""
    if len(rows) > 1 and _overlap(top, rows[1]):
        second = rows[1]
        other = f"{second.ST:.2f} ± {second.ST_conf:.2f}"
        both = f"{st} each" if other == st.removeprefix("ST ") else f"{st} and {other}"
        who = f"{scenario}: {top.label} and {second.label}"
        options = [f"{who} explain the largest shares of the spread in {what} ({both})",
                   f"{who} lead the spread in {what} ({both})", f"{who} lead, not told apart ({both})",
                   f"{scenario}: {_short(top.label)} and {_short(second.label)} lead, not told apart ({both})",
                   f"{scenario}: the top two inputs lead {what}, not told apart ({both})"]
        return next((t + tail for t in options if fits_title(t + tail)), options[-1] + tail)
    share = "most of" if top.ST - top.ST_conf > 0.5 else "the largest share of"
    options = [f"{scenario}: {top.label} explains {share} the spread in {what} ({st})",
               f"{scenario}: {top.label} moves {what} most ({st})"]
    return next((t + tail for t in options if fits_title(t + tail)), options[-1] + tail)


def _short(label: str) -> str:
    """A label without its parenthesis (``demand path (trend or compute)`` → ``demand path``)."""
    return label.split(" (")[0]


def converged_note(frame: pd.DataFrame) -> str:
    """The caption's "; not converged: …" when the top input's S1 or ST interval is wider than ± MOVES_CONVERGED."""
    top = frame.iloc[0]
    wide = max(float(top["ST_conf"]), float(top["S1_conf"]))
    if wide <= MOVES_CONVERGED:
        return ""
    return (f"; not converged: the top input's interval is ± {wide:.2f}, wider than ± {MOVES_CONVERGED:g}, so its "
            "rank may change with more runs")


def moves_sensitivity(scenario, data_dir) -> pd.DataFrame:
    """The sensitivity analysis behind "What moves the answer" (every output of ``scenario``)."""
    from forecast.analysis.sensitivity import sensitivity

    return sensitivity(scenario, budget=MOVES_BUDGET, data_dir=data_dir, swing_samples=MOVES_SWING_SAMPLES)


def queue_analyses(pool, files: Sequence[Any], waterfall_ends: Sequence[Any], samples: int | None,
                   data_dir) -> dict[tuple, tuple]:
    """Start, in ``pool``, the analyses the report will ask for that need only a scenario, not its
    run: "What moves the answer" of ``baseline`` and ``palmyra-x-004`` and the break-even of each
    waterfall's last scenario (``waterfall_ends``), so they run beside the scenarios.

    Returns ``{key: (scenario, data_dir, future)}`` for :attr:`CostAndAnalysisCharts.queued`; a
    result is used only for the same scenario and data folder (anything else is computed in
    place), and results do not depend on where they are computed.
    """
    from forecast.analysis.breakeven import BREAKEVEN_SAMPLES, mix_breakeven

    queued: dict[tuple, tuple] = {}
    for item in files:
        scenario = item.scenario
        if (scenario.name == "baseline" and scenario.supply is not None) or (
                scenario.name == "palmyra-x-004" and scenario.cost is not None):
            queued[("moves", scenario.name)] = (scenario, data_dir, pool.submit(moves_sensitivity, scenario, data_dir))
    for item in waterfall_ends:
        scenario = item.scenario
        if scenario.cost is None or scenario.cost.run.size != "cheapest_for_target":
            continue
        n = min(int(samples or scenario.samples), BREAKEVEN_SAMPLES)
        key = ("breakeven", scenario.name, n)
        if key not in queued:
            queued[key] = (scenario, data_dir, pool.submit(mix_breakeven, scenario, samples=n, data_dir=data_dir,
                                                           threads=1))  # the pool keeps the cores busy
    return queued


class CostAndAnalysisCharts(ChartSections):
    """Charts of costs, sensitivity and trends, added to ``images`` (path → chart to draw) by
    :meth:`build_charts`; the context of "Trends behind the forecast"."""

    #: Analyses started elsewhere (:func:`queue_analyses`): key -> (scenario, data folder, future).
    queued: dict[tuple, tuple] = {}

    def _queued(self, key: tuple, scenario, data_dir) -> Any:
        """The result of a queued analysis of ``scenario`` with ``data_dir``, or None when none is queued."""
        entry = self.queued.get(key)
        if entry is None:
            return None
        queued_scenario, queued_dir, future = entry
        if (queued_scenario is not scenario and queued_scenario != scenario) or str(queued_dir) != str(data_dir):
            return None
        return future.result()

    def _cost_order(self) -> list[ScenarioRun]:
        """Cost scenarios: those pricing a synthetic share first, single priced runs before mix sweeps."""
        def synthetic(run: ScenarioRun) -> bool:
            share = run.result.draws.get("cost.run.mix.synthetic")
            return share is not None and bool(np.ptp(share) > 0 or share.max() > 0)
        return sorted(self.cost, key=lambda r: (not synthetic(r), "mix_curve" in r.result.tables))

    def _components(self, images: dict[str, bytes]) -> None:
        """Stacked cost bars whose height is the p50 total (the figure quoted everywhere else), split by
        each component's share of the mean total: means add up and medians do not, so the p50s of the
        components would not stack to the p50 total (column ``shown`` = share_of_mean × total p50)."""
        rows = []
        for run in self.cost:
            table = run.result.tables["cost_breakdown"].set_index("item")
            total_mean, total_p50 = float(table.loc["total", "mean"]), float(table.loc["total", "p50"])
            for component in costs.COMPONENT_LABELS:
                mean = float(table.loc[component, "mean"])
                share = mean / total_mean if total_mean > 0 else 0.0
                rows.append({"scenario": run.name, "component": component, "unit": "usd",
                             "mean": mean, "p10": float(table.loc[component, "p10"]),
                             "p50": float(table.loc[component, "p50"]), "p90": float(table.loc[component, "p90"]),
                             "share_of_mean": share, "total_p50": total_p50, "shown": share * total_p50})
        frame = pd.DataFrame(rows)
        largest = {name: part.loc[part["mean"].idxmax(), "component"] for name, part in frame.groupby("scenario")}
        kinds = set(largest.values())
        if len(kinds) == 1:
            title = f"{costs.COMPONENT_LABELS[kinds.pop()]} is the largest cost of every priced run"
        else:
            counts = pd.Series(list(largest.values())).value_counts()
            title = (f"{costs.COMPONENT_LABELS[counts.index[0]]} is the largest cost in {counts.iloc[0]} of "
                     f"{len(largest)} priced runs")
        fig = chart_spec(costs.cost_components_chart, frame, title, "Total training cost, USD: each bar is the p50 "
                                                    "total, split by each component's share of the mean cost.")
        caption = (f"Training cost by component: each bar's height is the p50 total cost, the figure quoted "
                   f"elsewhere in this report, split in proportion to each component's mean (means add up, "
                   f"medians do not: the components' own p50s, in the CSV, do not sum to the p50 total): "
                   f"{self._files(self.cost)}.")
        self._chart("cost_components", "cost", fig, title, caption, [r.name for r in self.cost], frame, images)

    def _mix(self, run: ScenarioRun, images: dict[str, bytes]) -> None:
        curve = run.result.tables["mix_curve"]
        h = headline(run.result)
        best = h["cost.cheapest_share"]
        frame = curve.copy()
        frame.insert(0, "scenario", run.name)
        if math.isnan(best):
            title = f"{S.title_of(run)}: no synthetic share reaches the target"
            best = float(curve["synthetic_share"].iloc[int(np.argmin(curve["total_p50"]))])
        else:
            k = int(np.argmin(np.abs(curve["synthetic_share"].to_numpy() - best)))
            title = (f"{S.title_of(run)}: {best:.0%} synthetic is cheapest, {format_quantity(curve['total_p50'].iloc[k], 'usd')} "
                     f"median (cheapest in {h['cost.p_cheapest']:.0%} of samples)")
        fig = chart_spec(costs.cost_vs_share_chart, frame, best, title, "Cost of the cheapest run that reaches the target "
                                                         "quality at each synthetic share, USD.")
        caption = f"Cheapest run for the target quality by synthetic share: {self._files([run])}."
        self._chart(f"cost_vs_share_{run.name}", "cost", fig, title, caption, [run.name], frame, images)

    def _what_moves(self, run: ScenarioRun, outcome: str, images: dict[str, bytes]) -> None:
        """Tornado and table of one-at-a-time swings with Sobol S1/ST (forecast.analysis.sensitivity)."""
        from forecast.engine.evaluate import axes
        from forecast.report.charts import moves as MC
        from forecast.analysis.sensitivity import log_scaled, sensitivity
        from forecast.outputs import format_value, input_label, output_kind

        full = self._queued(("moves", run.name), run.file.scenario, self.data_dir)
        if full is None:
            full = moves_sensitivity(run.file.scenario, self.data_dir)
        # ranked by total Sobol index, as the table and the title read them (the swing breaks ties)
        rows = full[full["output"] == outcome].sort_values(["ST", "swing"], ascending=False, kind="stable",
                                                           na_position="last")
        rows = rows[(rows["swing"] > 0) | (rows["ST"] > 0)].head(MOVES_TOP).reset_index(drop=True)
        if rows.empty:
            return
        kind = output_kind(outcome)
        kinds = {name: axis.kind for name, axis in axes(run.file.scenario, self.data_dir).items()}
        labels = [input_label(n) for n in rows["input"]]
        frame = rows.assign(label=labels, scenario=run.name, evaluations=int(full.attrs.get("evaluations", 0)))
        top = frame.iloc[0]
        what = "the exhaustion date" if outcome == "exhaustion" else "the cost of the run"
        title = moves_title(S.title_of(run), what, frame)
        logged = log_scaled(outcome)
        unit = "quarter of exhaustion" if outcome == "exhaustion" else "total training cost, USD"
        subtitle = (f"{'Quarter of exhaustion' if outcome == 'exhaustion' else 'Total training cost, USD'}: each input at its p10 or p90, the others at their medians (the line: "
                    f"{format_value(float(top['base']), kind)}, all inputs at their medians). S1, ST: first-order and total Sobol "
                    f"indices{' of log cost' if logged else ''}, {frame['evaluations'].iloc[0]:,} model runs; inputs "
                    f"treated as independent.")
        fig = chart_spec(MC.sobol_tornado_chart, frame[["label", "base", "at_p10", "at_p90", "S1", "ST"]], kind, title,
                     subtitle, unit)
        name = "sensitivity_exhaustion" if outcome == "exhaustion" else "sensitivity_cost"
        caption = (f"What moves {what} in {run.name} ({self._files([run])}), inputs ranked by total Sobol index "
                   f"(ST): the share of the variance of {'the logarithm of the cost (its spread in ratios)' if logged else 'the outcome'} "
                   "each input explains alone (S1) and with others (ST), from a Sobol design of "
                   f"{frame['evaluations'].iloc[0]:,} model runs (Saltelli et al. 2010; SALib), ± its 95% interval"
                   f"{converged_note(frame)}; and the swings with every other input at its median. "
                   "`peakdata sensitivity` computes it at more runs.")
        self._chart(name, "sensitivity", fig, title, caption, [run.name], frame, images)
        # the CSV gives quarters, not decimal years, and the unit of each row's input (docs/exports.md)
        from forecast.export.sensitivity import sensitivity_csv_tables

        self.data[name] = next(iter(sensitivity_csv_tables(
            self.data[name], run.file.scenario.horizon.end.end_year, kinds).values()))
        shown = pd.DataFrame({
            "input": [f"{label} (`{n}`)" for label, n in zip(frame["label"], frame["input"])],
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
        published = "; ".join(f"{m.label} (published)" for m in wf.marks.itertuples(index=False))
        self._chart(f"waterfall_{wf.name}", "waterfall", fig, title, caption, [r.name for r in wf.runs],
                    frame, images, f"steps: {wf.path}" + (f"; {published}" if published else ""))
        self.data[f"waterfall_{wf.name}_marks"] = wf.marks
        self.charts[-1]["breakeven"] = self._breakeven(wf, frame)

    def _breakeven(self, wf, frame: pd.DataFrame) -> str | None:
        """Why the waterfall's last run costs what it does, and when its synthetic-heavy mix becomes
        cheaper than 0% synthetic (:func:`forecast.analysis.breakeven.mix_breakeven`); the numbers in
        ``data/breakeven_<name>.csv``. None unless the last run is sized for a target quality with a
        mostly synthetic mix."""
        from forecast.analysis.breakeven import BREAKEVEN_SAMPLES, mix_breakeven

        last = wf.runs[-1]
        share = S.synthetic_share(last)
        if share is None or share < 0.5 or last.file.scenario.cost.run.size != "cheapest_for_target":
            return None
        samples = min(int(last.result.samples), BREAKEVEN_SAMPLES)
        found = self._queued(("breakeven", last.name, samples), last.file.scenario, self.data_dir)
        if found is None:
            found = mix_breakeven(last.file.scenario, samples=samples, data_dir=self.data_dir)
        name = f"breakeven_{wf.name}"
        self.data[name] = found.assign(scenario=last.name, label=[BREAKEVEN_WORDS[i][2] for i in found["input"]],
                                       unit=[BREAKEVEN_UNITS[BREAKEVEN_WORDS[i][1]] for i in found["input"]])[
            ["scenario", "input", "label", "unit", *found.columns.drop("input")]]
        steps = frame.iloc[1:]
        def step(label: str) -> str:  # "Hardware era: rented H100s 2024" -> "hardware era"
            label = label.split(":")[0]
            return label[:1].lower() + label[1:] if label[1:2].islower() else label
        saves = [f"{step(label)} (÷{1 / f:.1f})" for label, f in zip(steps["label"], steps["factor"]) if f < 1]
        raises = [f"{step(label)} (×{f:.2f})" for label, f in zip(steps["label"], steps["factor"]) if f >= 1]
        text = (f"**When the synthetic-heavy mix pays.** Against {wf.runs[0].name}, {last.name}'s saving comes from "
                f"{' and '.join(saves) or 'no step'}" + (f"; its {' and '.join(raises)} raises the cost" if raises else "")
                + " (p50 of each run, the table above). ")
        clauses = []
        for row in found.itertuples(index=False):
            words, kind, short, digits = BREAKEVEN_WORDS[row.input]
            now = ("n/a" if not np.isfinite(row.today_p50) else "none" if row.today_p50 == 0 else
                   format_quantity(row.today_p50, kind, digits=3))
            clauses.append(words.format(value=format_quantity(row.breakeven, kind, digits=digits), today=now) if row.found
                           else f"never by the {short} alone in the range searched (today's median: {now})")
        text += (f"At the same target quality, {share:.0%} synthetic (the median of {last.name}'s mix) becomes "
                 f"cheaper than 0% synthetic — cheaper in more than half of the samples, both priced on the same "
                 f"draws — once " + ", or once ".join(clauses) + ". Each break-even moves one input's median with "
                 f"the others as they are, found by goal-seek (`peakdata solve` with target `cheapest_share >= "
                 f"{share:.0%}` on the two mixes, {samples:,} samples per evaluation). "
                 f"Numbers: [data/{name}.csv](data/{name}.csv).")
        return text

    def hindcast_context(self) -> dict[str, str] | None:
        """The "Cost track record" subsection: the hindcast of every disclosed run of
        ``data/hindcast_runs.csv`` (``table``, Markdown) and one ``sentence`` with its score; none when
        the report prices no run. The numbers go to ``data/cost_hindcast.csv``."""
        if not self.cost:
            return None
        from forecast.analysis.published_runs import hindcast_sentence, hindcast_summary, hindcast_table
        from forecast.report.tables import hindcast_view

        table = hindcast_table(self.data_dir)
        self.data["cost_hindcast"] = table
        summary = hindcast_summary(table)
        sentence = (f"Priced from each disclosed run's parameters, tokens and hardware with the MFU priors "
                    f"of `data/compute_priors.csv` (80% interval widened, leave-one-out, to what the other "
                    f"runs' errors show), the cost model's GPU-hours have this track record: "
                    f"{hindcast_sentence(summary)} (stated priors before widening: "
                    f"{summary['stated_inside']} of {summary['runs']}).")
        return {"table": S.md_table(hindcast_view(table)), "sentence": sentence}

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
        self._chart(f"trend_{name}", "trends", fig, title, caption, [], frame, images,
                    f"{TREND_SOURCES[name].replace('`', '')}; fits as of {chart['as_of']}")

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
