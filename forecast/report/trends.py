"""Planner-facing views of a :class:`~forecast.engine.trends.TrendReport`, and its CSV files.

The views feed the terminal (``peakdata trends``) and Markdown; the CSVs hold the unformatted
numbers. The quarterly report charts :attr:`TrendReport.charts` (numbers only) and these tables.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.units import format_quantity

__all__ = ["fits_view", "scorecard_view", "undisclosed_view", "write_trend_outputs", "TREND_FILES"]

#: file name -> TrendReport attribute
TREND_FILES = {"trend_fits.csv": "fits", "trend_bands.csv": "bands", "trend_scorecard.csv": "scorecard",
               "trend_backtest.csv": "backtest", "trend_skipped.csv": "skipped",
               "trend_undisclosed.csv": "undisclosed"}


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


def write_trend_outputs(report, out_dir: Path, stamp: str) -> list[Path]:
    """Write the report's tables as CSV files into ``out_dir`` (atomic, one stamp line each)."""
    from forecast.report.writers import write_csv

    out_dir = Path(out_dir)
    return [write_csv(out_dir / name, getattr(report, attr), stamp) for name, attr in TREND_FILES.items()]
