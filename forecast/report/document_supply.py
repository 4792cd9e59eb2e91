"""The document's charts of the stock against demand: a fan per scenario, the probability of
exhaustion, the synthetic gap, and with stock dynamics the stock's terms, the gap's price and the
synthetic share beside the shares on record (builders: :mod:`forecast.report.charts.fans`,
:mod:`forecast.report.charts.dynamics`)."""
from __future__ import annotations

import math

import pandas as pd

from forecast.engine.runs import ScenarioRun
from forecast.outputs import headline
from forecast.report.charts import dynamics as DC
from forecast.report.charts import fans
from forecast.report import sections as S
from forecast.report.charts.base import tick_trillions
from forecast.report.document_base import ChartSections, chart_spec, quarter_of
from forecast.units import format_quantity

__all__ = ["SupplyCharts"]


def _trillions(tokens: float) -> str:
    """A token count in a chart title: ``1,090 trillion`` (``T`` could be read as dollars)."""
    return f"{tick_trillions(tokens)} trillion"


class SupplyCharts(ChartSections):
    """Charts of supply and demand, added to ``images`` (path → chart to draw) by :meth:`build_charts`."""

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
            title = f"{S.title_of(run)}: the human-text stock outlasts demand to {r.quarters[-1]} in most samples"
        else:
            title = (f"{S.title_of(run)}: demand overtakes the human-text stock in {quarter_of(h['exhaustion.p50'])} "
                     f"(median; 80% interval {quarter_of(h['exhaustion.p10'])} to {quarter_of(h['exhaustion.p90'])})")
        extra: dict = {}
        source = ""
        subtitle = ("Tokens, log scale. Lines: median of samples; bands: 80% interval. "
                    "Dotted: the median of each sample's own exhaustion quarter.")
        caption = (f"Effective stock of human text against the dataset of the largest training run, "
                   f"{run.name} ({self._files([run])}).")
        lead = self.baseline()  # type: ignore[attr-defined]
        if lead is not None and run.name == lead.name:  # the hero chart: the record, today, the published estimate
            disclosed = self._disclosed_runs()
            start = int(self.quarter[:4]) + (int(self.quarter[-1]) - 1) / 4
            extra = {"runs": disclosed, "today": (start, f"today ({self.quarter})"), "reference": fans.VILLALOBOS_2024}
            subtitle += " Dots: disclosed training runs; purple bar: a published estimate."
            caption += (" Dots: the dataset of every training run in data/notable_models.csv that discloses it "
                        "(data/disclosed_runs.csv); "
                        "the solid line: the start of the report quarter; the purple bar: the estimate of "
                        "Villalobos et al. 2024 (arXiv 2211.04325v2), median 2028, 80% interval 2026–2032.")
            source = "disclosed runs: data/notable_models.csv (Epoch AI and papers); Villalobos et al. 2024"
            if disclosed is not None:
                self.data["disclosed_runs"] = disclosed
        fig = chart_spec(fans.fan_chart, frame, title, subtitle, h["exhaustion.p50"] - 0.125,
                         quarter_of(h["exhaustion.p50"]), **extra)
        self._chart(f"fan_{run.name}", "supply", fig, title, caption, [run.name], frame, images, source)

    def _disclosed_runs(self) -> pd.DataFrame | None:
        """Training runs of ``data/notable_models.csv`` with a disclosed dataset: label, date, year
        [decimal], tokens; None when the file is missing or has no such rows."""
        from forecast.errors import DataError
        from forecast.io.references import read_reference

        try:
            models = read_reference("notable_models.csv", self.data_dir)
        except DataError:
            return None
        if not {"model", "date", "training_tokens"} <= set(models.columns):
            return None
        rows = models[models["training_tokens"].notna()]
        dates = pd.to_datetime(rows["date"], errors="coerce")
        ok = dates.notna().to_numpy()
        rows, dates = rows[ok], dates[ok]
        if rows.empty:
            return None
        year = (dates.dt.year + (dates.dt.day_of_year - 1) / 365.25).round(3)
        return pd.DataFrame({"label": rows["model"].to_numpy(), "date": rows["date"].astype(str).to_numpy(),
                             "year": year.to_numpy(), "tokens": rows["training_tokens"].to_numpy(dtype=float)})

    def _exhaustion(self, images: dict[str, bytes]) -> None:
        frames = []
        for run in self.supply:
            cdf = run.result.event_cdf()
            cdf = cdf[cdf["event"] == "exhaustion"]
            frames.append(pd.DataFrame({"scenario": run.name, "quarter": cdf["quarter"].to_numpy(),
                                        "probability": cdf["probability"].to_numpy()}))
        frame = pd.concat(frames, ignore_index=True)
        medians = {S.title_of(r): headline(r.result)["exhaustion.p50"] for r in self.supply}
        first = min(medians, key=lambda k: medians[k])
        last = max(medians, key=lambda k: medians[k])
        if first == last:
            title = f"Median exhaustion: {quarter_of(medians[first])} ({first})"
        else:
            title = (f"Median exhaustion ranges from {quarter_of(medians[first])} ({first}) "
                     f"to {quarter_of(medians[last])} ({last})")
        fig = chart_spec(fans.exhaustion_probability_chart, frame, title, "Probability that demand has met the stock by the "
                                                           "end of each quarter; dotted line: 50%.",
                         styles=self._styles(), labels=self._titles())
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
        lead = self.baseline() or self.supply[0]  # type: ignore[attr-defined]  # the baseline, as the first screen
        part = frame[frame["scenario"] == lead.name]
        at = "2030Q4" if "2030Q4" in set(part["quarter"]) else str(part["quarter"].iloc[-1])
        row = part[part["quarter"] == at].iloc[0]
        if row["synthetic_needed_p50"] > 0:
            title = (f"By {at} the largest run needs {_trillions(row['synthetic_needed_p50'])} "
                     f"synthetic tokens, {row['synthetic_share_p50']:.0%} of its data ({S.title_of(lead)}, median)")
        else:
            title = f"By {at} the median run of {S.title_of(lead)} still fits in the human-text stock"
        fig = chart_spec(fans.synthetic_gap_chart, frame, title, "Left: synthetic tokens needed beyond the human stock (log "
                                                  "scale). Right: their share of the dataset. Medians.",
                         styles=self._styles(), labels=self._titles())
        caption = f"Tokens the largest run needs beyond the effective human stock: {self._files(self.supply)}."
        self._chart("synthetic_gap", "supply", fig, title, caption, [r.name for r in self.supply], frame, images)

    def _stock_terms(self, run: ScenarioRun, images: dict[str, bytes]) -> None:
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
            verb = "adds" if sign == "+" else "removes"
            title = (f"{S.title_of(run)}: by {at}, {name} {verb} {_trillions(value)} tokens "
                     f"{'to' if sign == '+' else 'from'} an effective {_trillions(float(end['stock']))} (medians)")
        else:
            title = f"{S.title_of(run)}: no stock term moves the median stock by {at}"
        fig = chart_spec(DC.stock_terms_chart, frame, title,
                     "Trillion tokens, linear scale; medians of samples, band: 80% interval of the effective stock; text "
                     "closed to crawlers drawn below zero. Effective stock = opening stock × consent factor + human "
                     "flow × consent factor + licensed additions.")
        caption = (f"The terms of the usable human-text stock of {run.name} ({self._files([run])}): human text "
                   "written since the start of the horizon, text closed to crawlers since then (consent erosion) "
                   "and licensed private text (docs/nomenclature.md).")
        self._chart(f"stock_terms_{run.name}", "dynamics", fig, title, caption, [run.name], frame, images)

    def _gap_cost(self, run: ScenarioRun, images: dict[str, bytes]) -> None:
        r = run.result
        frames = []
        for route in ("synthetic", "licensed"):
            m = r.metric(f"gap_cost_{route}_cumulative")
            frames.append(pd.DataFrame({"scenario": run.name, "quarter": list(r.quarters), "route": route,
                                        "unit": "usd", "p10": m["p10"].to_numpy(), "p50": m["p50"].to_numpy(),
                                        "p90": m["p90"].to_numpy()}))
        frame = pd.concat(frames, ignore_index=True)
        totals = r.tables.get("gap_cost_totals")
        title = f"{S.title_of(run)}: the median run has no gap to pay for"
        margin = ""
        marks = None
        if totals is not None and not totals.empty:
            totals = totals[totals["route"].isin(["synthetic", "licensed", "total"])]
            last = totals[totals["by_end_of"] == totals["by_end_of"].max()].set_index("route")
            year = int(last["by_end_of"].iloc[0])
            total, lic = float(last.loc["total", "p50"]), float(last.loc["licensed", "p50"])
            p = float(last.loc["synthetic", "p_cheaper"])
            if total > 0:
                share = lic / total
                part = "almost all synthetic" if share < 0.005 else f"{share:.0%} licensed"
                title = (f"{S.title_of(run)}: the gap costs {format_quantity(total, 'usd')} to the end of {year} "
                         f"(median), {part}")
                margin = f" Synthetic is cheaper at the margin in {p:.0%} of samples with a gap."
            marks = totals[totals["route"] == "total"][["by_end_of", "p50"]]
        fig = chart_spec(DC.gap_cost_chart, frame, title,
                     "Cumulative USD, log scale. Each quarter's new gap tokens are bought licensed (while licensable "
                     "text is left and cheaper) or synthetic. Dots: median total." + margin, totals=marks)
        caption = (f"What filling the synthetic gap of {run.name} costs, added up from the start of the horizon, "
                   f"by route: licensed human text bounded by the licensable stock (data/licensable_stock.csv) on "
                   f"a rising supply curve, and generated text (generation, acceptance, verification, value per "
                   f"token) for the rest ({self._files([run])}, key `gap`); totals by year in "
                   f"data/gap_cost_totals_{run.name}.csv.{margin}")
        self._chart(f"gap_cost_{run.name}", "dynamics", fig, title, caption, [run.name], frame, images,
                    "licensable stock: data/licensable_stock.csv")

    def _gap_totals(self, run: ScenarioRun) -> None:
        """``data/gap_cost_totals_<name>.csv``: the gap's cumulative cost by route by 2030 and 2035, and
        the two alternatives (every gap token synthetic; every licensable token licensed first)."""
        totals = run.result.tables.get("gap_cost_totals")
        if totals is not None and not totals.empty:
            self.data[f"gap_cost_totals_{run.name}"] = totals.assign(scenario=run.name)

    def _share_record(self, images: dict[str, bytes]) -> None:
        from forecast.io.references import read_reference
        record = read_reference("synthetic_shares.csv", self.data_dir)
        dates = pd.to_datetime(record["date"])
        record = record.assign(year=(dates.dt.year + (dates.dt.day_of_year - 1) / 365.25).round(3))
        # like with like: a scenario whose labs choose a synthetic share leads (its share is chosen + forced)
        base = next((r for r in self.supply if r.name == "baseline"), self.supply[0])
        lead = next((r for r in self.supply if S.chooses_synthetic(r)), base)
        shown = [lead] + [r for r in self.supply if r is not lead and (
            r is base or "stock_human_inflow" in r.result.stats or S.chooses_synthetic(r))]
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
            title = (f"{shown[0].name}: {implied:.0%} synthetic (chosen + forced, median) in the largest run of "
                     f"{year}; {top['item']} used {top['synthetic_share']:.0%}")
        else:
            title = f"The model's synthetic share of the largest run ({shown[0].name})"
        fig = chart_spec(DC.synthetic_share_record_chart, model, record[["item", "kind", "date", "year", "synthetic_share"]],
                     title, "Synthetic share of the largest run's dataset: the share labs choose plus the share "
                            "forced by the gap beyond the human stock, medians. Points: shares on record; "
                            "hollow: a forecast of another scope.",
                     styles=self._styles())
        frame = pd.concat([model.assign(kind="model", item="", source=""),
                           record[["item", "kind", "date", "scope", "synthetic_share", "source"]].rename(
                               columns={"synthetic_share": "p50"})], ignore_index=True)
        sources = " ".join(f"{row.item} ({row.scope}): {row.source}." for row in record.itertuples(index=False))
        chosen = [r.name for r in shown if S.chooses_synthetic(r)]
        scope = (f"In {', '.join(chosen)} labs choose a synthetic share (`demand.synthetic_choice`) and the gap "
                 f"forces more only above it, so its line compares like with like; the others choose none "
                 f"(as Villalobos et al. 2024), so theirs counts only what the human stock cannot supply. "
                 if chosen else "The model counts only what the human stock cannot supply; labs mix in synthetic "
                                "text for quality long before. ")
        caption = (f"The model's synthetic share ({self._files(shown)}) beside the shares on record "
                   f"(data/synthetic_shares.csv). {scope}Sources: {sources}")
        self._chart("synthetic_share_record", "dynamics", fig, title, caption, [r.name for r in shown], frame, images,
                    "shares on record: data/synthetic_shares.csv")
