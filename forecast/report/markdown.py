"""Markdown summary of a result (a pure function returning ``str``, golden-testable)."""
from __future__ import annotations

import pandas as pd

from forecast.outputs import TITLES
from forecast.report import tables
from forecast.result import ForecastResult

__all__ = ["render_report", "markdown_table", "trend_fit_sentence"]


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub pipe table (tabulate), strings left as they are."""
    if frame.empty:
        return "_(none)_"
    return frame.to_markdown(index=False, tablefmt="pipe", disable_numparse=True)


def trend_fit_sentence(what: str, about: dict, frontier: str) -> str:
    """One sentence on a backtested trend fit: method (and why), as-of, growth, undisclosed runs."""
    chosen = about["method"] + (" (the lowest proper score of the calibrated forecasts in the backtest among "
                                "ols, quantreg, ets, prophet: weighted interval score, quantile CRPS)"
                                if about["requested"] == "best" else "")
    text = (f"{what} from the {chosen} fit of {frontier} per quarter, as of {about['as_of']}: "
            f"{about['growth']:+.3f} OOM/yr ({10 ** about['growth']:.2f}x/yr), "
            f"standard deviation {about['growth_sd']:.3f} OOM/yr carried into the samples.")
    if about.get("growth_below_zero", 0.0) > 0.0005:  # a record cannot shrink (docs/derivations.md §10)
        text += (f" A record cannot shrink: the {about['growth_below_zero']:.0%} of that distribution below "
                 f"1x/yr is left out, so the samples' median is {10 ** about['growth_drawn_p50']:.2f}x/yr.")
    if about["series"] == "price_performance":
        text += f" That is USD per FLOP: FLOP per dollar grows {10 ** -about['growth']:.2f}x/yr."
    if about["series"] == "dataset_tokens":
        text += (f" Undisclosed runs: {about['undisclosed']}, {about['imputed_rows']} rows touched "
                 "(docs/trends.md).")
    return text


def _tokens(v: float) -> str:
    from forecast.units import format_quantity

    return format_quantity(float(v), "tokens")


def render_report(result: ForecastResult) -> str:
    """The run's summary: exhaustion, synthetic gap, costs, and every input with its source."""
    parts = [f"# peakdata: {result.scenario}", "",
             f"`{result.stamp}`", ""]
    if result.description:
        parts += [result.description.strip(), ""]
    parts += [
             f"Horizon {result.quarters[0]} – {result.quarters[-1]}; quantities are Monte Carlo "
             f"percentiles over {result.samples:,} samples.", ""]
    if result.events:
        parts += ["## When does demand overtake the human-text stock?", "",
                  "The exhaustion quarter is the first quarter in which the dataset of the largest "
                  "training run is at least the effective stock of human text (quality- and "
                  "repetition-adjusted, Villalobos et al. 2024).", "",
                  markdown_table(tables.exhaustion_table(result)), ""]
        trend = result.notes.get("demand_trend")
        if trend is not None:
            lo, hi = trend.growth_interval(95)
            parts += [f"Historical trend fitted on {trend.n} models: {trend.slope:.3f} OOM/yr "
                      f"({trend.growth:.2f}x/yr; bootstrap 95% CI {lo:.2f}x–{hi:.2f}x/yr).", ""]
        about = result.notes.get("demand_trend_fit")
        if about is not None and "demand.historical.growth" in about.get("inputs", ["demand.historical.growth"]):
            parts += [trend_fit_sentence("Historical dataset growth", about, "the largest training dataset"), ""]
        level = result.notes.get("demand_level")
        if level is not None and level["from"] == "fit":
            parts += [f"Largest training dataset at the start of {level['reference']}: {level['text']}; "
                      f"the samples' median is {_tokens(level['drawn_p50'])} (docs/derivations.md §10).", ""]
        elif level is not None:
            parts += [f"Largest training dataset: as the scenario states it, which {level['text']}.", ""]
        parts += ["## The synthetic gap", "",
                  "Tokens a frontier run needs beyond the human stock to stay on trend, and the share "
                  "of its dataset they make up.", "",
                  markdown_table(tables.gap_table(result)), ""]
        if "stock_human_inflow" in result.stats:
            parts += ["## How the stock grows: human flow × consent factor + licensed additions", "",
                      "Human text written since the start of the horizon (only the human share of new "
                      "text), what consent erosion has restricted, and licensed private text "
                      "(docs/derivations.md §8). Stock = start + written − restricted + licensed; each "
                      "column is its own p50.", "",
                      markdown_table(tables.stock_terms_table(result)), ""]
        if "gap_cost_synthetic" in result.stats:
            parts += ["## The price of the gap", "",
                      "Each quarter's new gap tokens filled by the cheapest feasible routes: licensed "
                      "human text while it exists and costs less at the margin (each component's "
                      "licensable stock on a rising supply curve, data/licensable_stock.csv), synthetic "
                      "text for the rest (per useful token: generation and verification ÷ acceptance ÷ "
                      "synthetic value, on its price trend; docs/derivations.md §9 and §13).", "",
                      markdown_table(tables.gap_cost_table(result)), "",
                      "Cumulative by route, each token bought once and reused; P(cheaper route): the "
                      "chance the route is the cheaper one at the margin:", "",
                      markdown_table(tables.gap_totals_table(result)), ""]
    if "cost_breakdown" in result.tables:
        parts += [f"## {TITLES['cost']}", "",
                  "Compute is 6·N·D FLOP at the stated utilisation and price; data costs follow the mix "
                  "(human, expert-written, synthetic generation divided by the acceptance rate, and "
                  "verification). Percentiles over samples; the mean is in the last column.", "",
                  markdown_table(tables.cost_table(result)), ""]
        if tables.run_reach_text(result):
            parts += [f"{tables.run_reach_text(result)}.", ""]
        target = result.notes.get("target_loss")
        if target is not None:
            parts += [f"Target loss: p50 {target['p50']:.4f} nats/token (Chinchilla form, the scenario's "
                      "constants).", ""]
        about = result.notes.get("price_performance_fit")
        if about is not None:
            parts += [trend_fit_sentence("Price-performance", about, "the cheapest rented FLOP"), ""]
    if "mix_curve" in result.tables:
        parts += [f"## {TITLES['mix_curve']}", "",
                  markdown_table(tables.mix_table(result)), "",
                  f"{tables.cheapest_share_text(result)}.", ""]
    parts += ["## Inputs and their sources", "",
              markdown_table(tables.inputs_table(result)), ""]
    return "\n".join(parts)
