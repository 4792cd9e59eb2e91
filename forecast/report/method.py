"""The report's Method section, written from what ran: the demand paths and trend fits the scenarios
used, the sample counts and seeds, the trend methods scored, and the sensitivity analyses computed
(Sobol designs with their model runs, rank correlations on the detail pages). Nothing here is
hand-written prose about a method that might not have run; the fixed parts (the stock, exhaustion,
cost formulas) are the model's definitions, with their sources.
"""
from __future__ import annotations

from typing import Any, Sequence

__all__ = ["method_lines"]

_FIT_NAMES = {"ols": "OLS on the record frontier", "quantreg": "quantile regression at τ = 0.9 (Koenker & Bassett 1978)",
              "ets": "damped-trend ETS (Hyndman et al. 2008)", "prophet": "Prophet (Taylor & Letham 2018)"}


def _names(names: Sequence[str], limit: int = 4) -> str:
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 or what.endswith("s") else "s")


def _demand(runs: Sequence[Any]) -> str:
    from forecast.report.trends import fits_used_frame

    by_method: dict[str, list[str]] = {}
    for run in runs:
        demand = run.file.scenario.demand
        if demand is not None:
            by_method.setdefault(demand.method, []).append(run.name)
    if not by_method:
        return ""
    what = {"historical": "the historical trend of the largest training dataset",
            "compute": "the compute path D = √(k·r·C/6), compute C growing as the scenario states "
                       "(Hoffmann et al. 2022, arXiv 2203.15556; Villalobos et al. 2024, Sec. 2.4–2.5)",
            "mixture": "a mixture of the historical trend and the compute path (Villalobos et al. 2024, Sec. 2.5)"}
    parts = [f"{what[m]} in {_count(len(n), 'scenario')} ({_names(n)})" for m, n in sorted(by_method.items())]
    text = "**Demand.** Dataset of the largest training run: " + "; ".join(parts) + "."
    fits = fits_used_frame(runs)
    fits = fits[fits["input"].str.contains("demand.historical")]
    if len(fits):
        groups = fits.groupby(["method", "as_of"], sort=True)["scenario"].apply(list)
        said = []
        for (method, as_of), names in groups.items():
            label = _FIT_NAMES.get(str(method), str(method))
            said.append(f"{label} of the quarterly record as of {as_of} ({_names(names)})")
        text += (" The historical trend's growth and level come from a fit of `data/notable_models.csv`: "
                 + "; ".join(said) + " (table \"The fits the scenarios use\").")
    return text


def _sensitivity(doc: Any) -> str:
    charts = [c for c in doc.charts if c["section"] == "sensitivity"]
    parts = []
    for chart in charts:
        frame = doc.data.get(chart["name"])
        runs = int(frame["evaluations"].iloc[0]) if frame is not None and "evaluations" in frame and len(frame) else 0
        what = ("the exhaustion quarter" if chart["name"].endswith("exhaustion")
                else "the logarithm of the total training cost")
        scenario = chart["scenarios"][0] if chart["scenarios"] else ""
        parts.append(f"{what} of {scenario} ({runs:,} model runs)")
    text = "**Sensitivity.** "
    if parts:
        text += ("\"What moves the answer\" decomposes the variance of " + " and of ".join(parts)
                 + ", each from a Sobol design (Saltelli et al. 2010; SALib), beside one-at-a-time swings of "
                   "each input from its p10 to its p90. Inputs are ranked by their total index ST; S1 and ST are "
                   "reported with their 95% bootstrap intervals; inputs are treated as independent there.")
    else:
        text += "No Sobol analysis ran in this report."
    text += (" Each scenario's detail page ranks its drawn inputs by Spearman's rank correlation with the "
             "outcome over the scenario's own samples (scipy.stats.spearmanr): a ranking, not a variance "
             "decomposition.")
    return text


def _trends(doc: Any) -> str:
    trends = getattr(doc, "trends", None)
    if trends is None:
        return "**Trends.** No trend fits ran in this report (`--trend-methods` empty)."
    fits = trends.fits
    methods = [m for m in ("ols", "quantreg", "ets", "prophet") if m in set(fits["method"])]
    series = list(dict.fromkeys(fits["series"]))
    return ("**Trends.** The record frontier of " + _count(len(series), "series") + " in `data/` per quarter, "
            "fitted by " + ", ".join(_FIT_NAMES[m] for m in methods) + " (statsmodels), each scored by a "
            "rolling-origin backtest that sees only rows known at each origin and is scored against disclosed "
            "values only; each 80% interval is recalibrated from the method's own past errors (split "
            "conformal; Vovk et al. 2005, Lei et al. 2018), and `best` is the method whose calibrated forecasts "
            "have the lowest weighted interval score (Bracher et al. 2021), computed as the quantile CRPS "
            "(docs/trends.md).")


def method_lines(doc: Any) -> list[str]:
    """The bullets of the Method section for the Document ``doc`` (after its charts are built)."""
    runs = doc.runs
    supply, cost = doc.supply, doc.cost
    lines = []
    if supply:
        dynamic = [r.name for r in supply if "stock_human_inflow" in r.result.stats]
        text = ("**Stock.** Effective human-text stock = Σ over included sources of stock × growth^(years since "
                "its reference year) × usable share, times the repetition multiplier (Villalobos et al. 2024, "
                "\"Will we run out of data?\", ICML 2024, arXiv 2211.04325v2, Sec. 2.2–2.3; Muennighoff et al. "
                f"2023, arXiv 2305.16264), in {_count(len(supply), 'supply scenario')}.")
        if dynamic:
            text += (f" {_count(len(dynamic), 'scenario')} ({_names(dynamic)}) also model the stock's dynamics: "
                     "human text written since the start, text closed to crawlers, licensed additions "
                     "(docs/derivations.md §8).")
        lines.append(text)
        demand = _demand(runs)
        if demand:
            lines.append(demand)
        lines.append("**Exhaustion.** The first quarter in which demand ≥ effective stock, per sample; a sample "
                     "that never meets it is \"after horizon\".")
    if cost:
        lines.append(f"**Cost** ({_count(len(cost), 'priced run')}). Compute = 6·N·D FLOP ÷ (peak FLOP/s × MFU) × "
                     "price per GPU-hour at the run date (Kaplan et al. 2020, arXiv 2001.08361; Cottier et al. "
                     "2024, arXiv 2405.21015); data cost by kind of token (human, expert-written, synthetic "
                     "generation ÷ acceptance rate, verification). The cheapest run for a target quality minimises "
                     "total cost over model size under the Chinchilla loss with the Besiroglu et al. 2024 refit "
                     "(arXiv 2404.10102), synthetic tokens weighted by their value and a collapse penalty "
                     "(Gerstgrasser et al. 2024, arXiv 2404.01413; Shumailov et al. 2024, Nature 631:755).")
    lines.append(_trends(doc))
    samples = sorted({r.result.samples for r in runs})
    seeds = sorted({r.result.seed for r in runs})
    counts = f"{samples[0]:,}" if len(samples) == 1 else f"{samples[0]:,} to {samples[-1]:,}"
    lines.append(f"**Uncertainty.** {counts} Monte Carlo samples per scenario (each scenario's samples and seed "
                 f"are under Provenance; {_count(len(seeds), 'seed')}: {', '.join(str(s) for s in seeds)}); each input is drawn by "
                 "inverse transform from its own seeded stream, named correlations through a Gaussian copula. "
                 "Every figure is a percentile over the samples, the median (p50) unless labelled.")
    lines.append(_sensitivity(doc))
    lines.append("**Charts.** One colour per scenario in every chart (the baseline near-black and thick; "
                 "Paul Tol's muted scheme and the Okabe–Ito palette, both safe for colour-vision deficiencies); "
                 "exponential quantities on log axes, terms that add up on linear axes; a source line under "
                 "each chart.")
    return lines
