"""Planner-facing views of a :class:`~forecast.engine.trends.TrendReport`.

The views feed the terminal (``peakdata trends``: the fits, the scorecard with raw and calibrated
coverage side by side, whether the method ``best`` picks meets the target) and the quarterly report's
Markdown; its CSV files, with the unformatted
numbers, are written by :mod:`forecast.export.trends`. The quarterly report charts :attr:`TrendReport.charts`
(numbers only) and these tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.units import format_quantity

__all__ = ["REPORT_SERIES", "as_of_text", "calibrated_scorecard_view", "fits_used_frame", "fits_view",
           "report_scorecard", "scorecard_view", "target_band", "target_lines", "target_view", "undisclosed_view"]


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


def _horizon(h) -> str:
    return f"{h}q" if str(h) != "all" else "all"


def calibrated_scorecard_view(report) -> pd.DataFrame:
    """Per series, method and horizon: forecasts, bias and MAE [OOM], 80% coverage of the method's
    own band and of the calibrated band, the share of bands calibrated, and the proper score of
    both [OOM, lower is better]; the method ``best`` picks marked."""
    card = report.scorecard
    columns = ["series", "method", "horizon", "n", "bias [OOM]", "MAE [OOM]", "coverage raw",
               "coverage calibrated", "calibrated", "score raw", "score calibrated"]
    if card.empty:
        return pd.DataFrame(columns=columns)
    nominal = card["nominal"].iloc[0]
    return pd.DataFrame({
        "series": card["series"],
        "method": card["method"] + (card["method"] == card["best"]).map({True: " (best)", False: ""}),
        "horizon": card["horizon"].map(_horizon), "n": card["n"],
        "bias [OOM]": card["bias"].map(lambda v: f"{v:+.3f}"), "MAE [OOM]": card["mae"].map(lambda v: f"{v:.3f}"),
        "coverage raw": card["coverage_raw"].map(lambda v: f"{v:.0%}"),
        "coverage calibrated": [f"{c:.0%} of {nominal:.0%}" for c in card["coverage"]],
        "calibrated": card["calibrated"].map(lambda v: f"{v:.0%}"),
        "score raw": card["score_raw"].map(lambda v: f"{v:.3f}"),
        "score calibrated": card["score"].map(lambda v: f"{v:.3f}")}, columns=columns)


def target_band(card: pd.DataFrame) -> tuple[float, float]:
    """The target's coverage band of a scorecard: nominal ± 10 points [fraction] (80% if empty)."""
    from forecast.fit.backtest import TARGET_COVERAGE_GAP

    nominal = float(card["nominal"].iloc[0]) if len(card) else 0.8
    return nominal - TARGET_COVERAGE_GAP, nominal + TARGET_COVERAGE_GAP


def target_view(report) -> pd.DataFrame:
    """Per series: the method ``best`` picks, its calibrated coverage and bias over all horizons, and
    whether each is inside the target (nominal ± 10 points; ± 0.3 OOM)."""
    from forecast.fit.backtest import TARGET_BIAS, target_check

    check = target_check(report.scorecard)
    if check.empty:
        return pd.DataFrame()
    low, high = target_band(report.scorecard)
    mark = {True: "yes", False: "NO"}
    return pd.DataFrame({
        "series": check["series"], "best": check["best"], "n": check["n"],
        "coverage (raw → calibrated)": [f"{r:.0%} → {c:.0%}" for r, c in zip(check["coverage_raw"], check["coverage"])],
        f"in {low:.0%}–{high:.0%}": check["coverage_ok"].map(mark),
        "bias [OOM]": check["bias"].map(lambda v: f"{v:+.3f}"),
        f"within ±{TARGET_BIAS:g}": check["bias_ok"].map(mark)})


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

    Returns (shown, raw): shown has series, method, forecasts, bias and MAE [OOM], 80% coverage of
    the method's own band (raw) and of the calibrated band side by side, the proper score of the
    calibrated forecasts [OOM, lower is better] and best (✓ for the method ``best`` picks); raw is
    the scorecard's ``all`` rows unformatted.
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
    nominal = f"{float(raw['nominal'].iloc[0]):.0%}"
    shown = pd.DataFrame({
        "series": raw["series"].map(lambda s: SERIES_LABELS.get(s, s)),
        "method": raw["method"].map(lambda m: METHOD_NAMES.get(m, m)),
        "forecasts": raw["n"], "bias [OOM]": raw["bias"].map(lambda v: f"{v:+.2f}"),
        "MAE [OOM]": raw["mae"].map(lambda v: f"{v:.2f}"),
        f"{nominal} coverage, raw": raw["coverage_raw"].map(lambda v: f"{v:.0%}"),
        f"{nominal} coverage, calibrated": raw["coverage"].map(lambda v: f"{v:.0%}"),
        "score [OOM]": raw["score"].map(lambda v: f"{v:.3f}"),
        "best": (raw["method"] == raw["best"]).map({True: "✓", False: ""})})
    return shown, raw


def _band_text(low: float, high: float) -> str:
    return f"{low * 100:.0f}–{high:.0%}"


def target_lines(report) -> list[str]:
    """Per series, one Markdown line: does the method ``best`` picks meet the target (calibrated
    coverage within nominal ± 10 points, |bias| ≤ 0.3 OOM, pooled over horizons;
    :func:`forecast.fit.backtest.target_check`), and where it fails, the failing measure by horizon.

    A line reads ``compute of the largest training run, ETS: **fails on bias**: its median is 0.31
    OOM too low on average (target ±0.3): -0.20 at 4 quarters ahead, -0.45 at 8; coverage 89% (its
    own band: 26%) is inside 70–90%, over 38 forecasts.``
    """
    from forecast.fit.backtest import TARGET_BIAS, target_check

    card = report.scorecard
    check = target_check(card)
    if check.empty:
        return []
    band = _band_text(*target_band(card))
    lines = []
    for row in check.to_dict("records"):
        rows = card[(card["series"] == row["series"]) & (card["method"] == row["best"])
                    & (card["horizon"].astype(str) != "all")]

        def by_horizon(column: str, fmt: str) -> str:
            parts = [format(v, fmt) + (" at " + str(h) + " quarters ahead" if k == 0 else " at " + str(h))
                     for k, (h, v) in enumerate(zip(rows["horizon"], rows[column]))]
            return ", ".join(parts)

        coverage = f"coverage {row['coverage']:.0%} (its own band: {row['coverage_raw']:.0%})"
        bias = f"bias {row['bias']:+.2f} OOM"
        failing, notes = [], []
        if row["coverage_ok"]:
            notes.append(f"{coverage} is inside {band}")
        else:
            failing.append("coverage")
            notes.append(f"{coverage} is outside {band}: {by_horizon('coverage', '.0%')}")
        if row["bias_ok"]:
            notes.append(f"{bias} is within ±{TARGET_BIAS:g}")
        else:
            failing.append("bias")
            side = "low" if row["bias"] < 0 else "high"
            notes.insert(0, f"its median is {abs(row['bias']):.2f} OOM too {side} on average (target "
                            f"±{TARGET_BIAS:g}): {by_horizon('bias', '+.2f')}")
        verdict = "**meets the target**" if not failing else f"**fails on {' and '.join(failing)}**"
        lines.append(f"{SERIES_LABELS.get(row['series'], row['series'])}, "
                     f"{METHOD_NAMES.get(row['best'], row['best'])}: {verdict}: {'; '.join(notes)}, "
                     f"over {row['n']} forecasts.")
    return lines


def as_of_text(charts: list[dict]) -> str:
    """The as-of quarter of the charted fits in words: one quarter, or the most common one with the
    series fitted at another named (a series whose data end earlier is fitted as of the quarter after
    its last row): ``2026Q3 (the price of rented compute per FLOP: 2025Q4, its data end in 2025Q3)``."""
    from collections import Counter

    from forecast.units import Quarter

    if not charts:
        return ""
    counts = Counter(c["as_of"] for c in charts)
    main = max(counts, key=lambda q: (counts[q], q))
    others = [f"the {SERIES_LABELS.get(c['series'], c['series'])}: {c['as_of']}, its data end in "
              f"{Quarter.from_ordinal(Quarter.parse(c['as_of']).ordinal - 1)}"
              for c in charts if c["as_of"] != main]
    return main + (f" ({'; '.join(others)})" if others else "")


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
