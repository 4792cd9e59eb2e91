"""Planner-facing views of a :class:`~forecast.engine.trends.TrendReport`.

The views feed the terminal (``peakdata trends``) and Markdown; its CSV files, with the unformatted
numbers, are written by :mod:`forecast.export.trends`. The quarterly report charts :attr:`TrendReport.charts`
(numbers only) and these tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.units import format_quantity

__all__ = ["REPORT_SERIES", "fits_used_frame", "fits_view", "report_scorecard", "scorecard_view",
           "undisclosed_view"]


def _value(v: float, unit: str) -> str:
    if v != v:
        return "–"
    if unit == "tokens":
        return format_quantity(float(v), "tokens")
    return f"{v:.3g}"


def fits_view(report) -> pd.DataFrame:
    """Per series and method: as of, points, growth in OOM/yr and x/yr, forecast 4 and 8 quarters on."""
    from forecast.io.trend_series import SERIES

    rows = []
    for r in report.fits.to_dict("records"):
        unit = SERIES[r["series"]]
        row = {"series": r["series"], "method": r["method"] + (" (best)" if r["best"] else ""),
               "as of": r["as_of"], "n": r["n"],
               "growth": f"{r['growth']:+.3f} ± {r['growth_sd']:.3f} OOM/yr",
               "x/yr": f"{r['growth_factor']:.2f}"}
        for key in [k for k in r if k.startswith("forecast_h")]:
            h = key[len("forecast_h"):]
            row[f"+{h}q (80%)"] = (f"{_value(r[key], unit)} ({_value(r[f'lower_h{h}'], unit)}–"
                                   f"{_value(r[f'upper_h{h}'], unit)})")
        rows.append(row)
    return pd.DataFrame(rows)


def scorecard_view(report) -> pd.DataFrame:
    """The backtest scorecard: MAE and bias in OOM (log10), interval coverage in percent."""
    card = report.scorecard
    if card.empty:
        return pd.DataFrame(columns=["series", "method", "horizon", "n", "MAE [OOM]", "bias [OOM]", "coverage"])
    return pd.DataFrame({
        "series": card["series"], "method": card["method"] + (card["method"] == card["best"]).map(
            {True: " (best)", False: ""}),
        "horizon": card["horizon"].map(lambda h: f"{h}q" if h != "all" else "all"), "n": card["n"],
        "MAE [OOM]": card["mae"].map(lambda v: f"{v:.3f}"), "bias [OOM]": card["bias"].map(lambda v: f"{v:+.3f}"),
        "coverage": [f"{c:.0%} of {nom:.0%}" for c, nom in zip(card["coverage"], card["nominal"])]})


def undisclosed_view(report) -> pd.DataFrame:
    """dataset_tokens: fitted growth with undisclosed runs imputed, as lower bounds, or left out."""
    u = report.undisclosed
    if u.empty:
        return pd.DataFrame()
    grow = lambda col: [f"{g:+.3f} OOM/yr ({10 ** g:.2f}x)" for g in u[col]]
    return pd.DataFrame({"method": u["method"], "rows touched": u["rows_touched"],
                         "imputed (default)": grow("growth_impute"), "censored (lower bounds)":
                         grow("growth_censored"), "disclosed only": grow("growth_disclosed")})


#: Series the quarterly report charts, in its order (``public_corpus`` is left to ``peakdata trends``).
REPORT_SERIES = ("dataset_tokens", "training_compute", "price_performance")
#: What each series is, in planners' words.
SERIES_LABELS = {"dataset_tokens": "dataset of the largest training run",
                 "training_compute": "compute of the largest training run",
                 "price_performance": "price of rented compute per FLOP",
                 "public_corpus": "largest public corpus"}

#: Short names of the methods in titles and tables.
METHOD_NAMES = {"ols": "OLS", "quantreg": "quantile regression", "ets": "ETS", "prophet": "Prophet"}
#: The data/ files behind each series, for captions.
TREND_SOURCES = {"dataset_tokens": "`data/notable_models.csv`, undisclosed datasets imputed from compute",
                 "training_compute": "`data/notable_models.csv`",
                 "price_performance": "`data/gpu_prices.csv` and `data/hardware.csv`",
                 "public_corpus": "`data/datasets.csv`"}


def report_scorecard(report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The backtest scorecard pooled over horizons, as the quarterly report shows it, and its numbers.

    Returns (shown, raw): shown has series, method, forecasts, MAE [OOM], bias [OOM], 80% coverage
    and best (✓ for the method ``best`` picks); raw is the scorecard's ``all`` rows unformatted.
    """
    card = report.scorecard
    if card.empty:
        return pd.DataFrame(), pd.DataFrame()
    raw = card[card["horizon"].astype(str) == "all"]
    order = {m: k for k, m in enumerate(METHOD_NAMES)}
    series = {s: k for k, s in enumerate(dict.fromkeys(raw["series"]))}
    raw = raw.iloc[sorted(range(len(raw)), key=lambda i: (series[raw["series"].iloc[i]],
                                                          order.get(raw["method"].iloc[i], len(order))))]
    raw = raw.reset_index(drop=True)
    shown = pd.DataFrame({
        "series": raw["series"].map(lambda s: SERIES_LABELS.get(s, s)),
        "method": raw["method"].map(lambda m: METHOD_NAMES.get(m, m)),
        "forecasts": raw["n"], "MAE [OOM]": raw["mae"].map(lambda v: f"{v:.2f}"),
        "bias [OOM]": raw["bias"].map(lambda v: f"{v:+.2f}"),
        "80% coverage": raw["coverage"].map(lambda v: f"{v:.0%}"),
        "best": (raw["method"] == raw["best"]).map({True: "✓", False: ""})})
    return shown, raw


def _fit_data(about: dict) -> str:
    """What a backtested fit saw, in words: the series' files, the as-of cut, undisclosed runs."""
    text = f"{TREND_SOURCES[about['series']].split(',')[0]} rows dated before {about['as_of']}"
    if about["series"] == "dataset_tokens":
        how = {"impute": "imputed from compute", "censored": "entered as lower bounds",
               "disclosed": "left out"}.get(about["undisclosed"], about["undisclosed"])
        text += f"; undisclosed datasets {how} ({about['imputed_rows']} rows)"
    return text


def fits_used_frame(runs) -> pd.DataFrame:
    """Every trend fit the report's scenarios use: scenario, input(s), series, method (requested and
    used), as of, fitted growth [OOM/yr] and its factor [x/yr]; the level of the largest dataset
    [tokens] where the fit sets it (``level`` "fit", else "scenario" when the scenario states it
    beside a fitted growth); ``pinned``, the settings in which the scenario's fit differs from the
    trend chart's (method ``best`` as of the latest data; docs/trends.md, "One growth per series");
    one row per scenario and fit."""
    rows = []
    for run in runs:
        notes = run.result.notes
        for key, what in (("demand_trend_fit", "demand.historical.growth"),
                          ("price_performance_fit", "cost.compute.price_performance")):
            about = notes.get(key)
            if about is None:
                continue
            level = notes.get("demand_level") if key == "demand_trend_fit" else None
            rows.append({"scenario": run.name, "input": ", ".join(about.get("inputs", [what])),
                         "series": about["series"],
                         "requested": about["requested"], "method": about["method"], "as_of": about["as_of"],
                         "data": _fit_data(about), "growth": float(about["growth"]),
                         "growth_sd": float(about["growth_sd"]), "growth_factor": 10.0 ** float(about["growth"]),
                         "level": level["from"] if level else "", "level_p50": level.get("drawn_p50", np.nan)
                         if level else np.nan, "level_text": level["text"] if level else "",
                         "pinned": "; ".join(about.get("pinned", []))})
        trend = notes.get("demand_trend")
        if trend is not None:
            fit = run.file.scenario.demand.historical.fit
            rows.append({"scenario": run.name, "input": "demand.historical.growth", "series": "dataset_tokens",
                         "requested": "bootstrap", "method": f"log-linear OLS, {fit.bootstrap:,} bootstrap resamples",
                         "as_of": str(fit.end_year + 1) + "Q1",
                         "data": f"{trend.n} models dated {fit.start_year}–{fit.end_year} ({fit.data})",
                         "growth": float(trend.slope), "growth_sd": float(np.std(trend.bootstrap)),
                         "growth_factor": float(trend.growth), "level": "", "level_p50": np.nan, "level_text": "",
                         "pinned": "V24's bootstrap of every model's size, not a frontier fit"})
    columns = ["scenario", "input", "series", "requested", "method", "as_of", "data", "growth", "growth_sd",
               "growth_factor", "level", "level_p50", "level_text", "pinned"]
    return pd.DataFrame(rows, columns=columns)
