"""The trend chart: a series' observed quarterly frontier and each method's forecast with its band
(conventions: :mod:`forecast.report.charts.base`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.report.charts.base import LINESTYLES, add_title, axis_formatter, colour, new_figure, quarter_years, year_axis

__all__ = ["TREND_AXES", "TREND_METHODS", "trend_chart"]


#: Trend chart y axis per series unit: (tick kind, label, scale applied to the values drawn).
TREND_AXES = {
    "tokens": ("tokens", "tokens (T = trillion)", 1.0),
    "flop": ("flop", "training compute (FLOP)", 1.0),
    "usd_per_flop": ("usd", "USD per 10^18 FLOP, rented", 1e18),
}
#: Drawing order and labels of the trend methods.
TREND_METHODS = {"ols": "OLS on record steps", "quantreg": "quantile regression (90% envelope)",
                 "ets": "damped-trend ETS", "prophet": "Prophet"}


def _flop_tick(x: float, _=None) -> str:
    if x <= 0:
        return "0"
    exponent = int(np.floor(np.log10(x) + 1e-9))
    mantissa = x / 10.0 ** exponent
    return f"1e{exponent}" if abs(mantissa - 1) < 1e-6 else f"{mantissa:.0f}e{exponent}"


def trend_chart(frame: pd.DataFrame, unit: str, best: str | None, title: str, subtitle: str):
    """A trend series: the observed quarterly frontier (dots) and each method's forecast (line) with
    its prediction band, log axis.

    ``frame`` columns: method, quarter, kind (``observed``/``forecast``), value, lower, upper [the
    series' unit]; the observed rows are the same for every method (drawn once). ``best`` is drawn
    solid and thicker. A forecast is not joined to the last observed quarter: OLS and quantile
    regression forecast from their fitted line, not from the last record.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    kind, ylabel, scale = TREND_AXES[unit]
    fig, (ax,) = new_figure(left=0.1)
    observed = frame[frame["kind"] == "observed"].drop_duplicates("quarter")
    ax.plot(quarter_years(observed["quarter"]), observed["value"].to_numpy(dtype=float) * scale, color="#333333",
            marker="o", markersize=2.6, linestyle="none", label="observed frontier (record so far, per quarter)",
            zorder=5)
    methods = [m for m in TREND_METHODS if m in set(frame["method"])]
    for k, method in enumerate(methods):
        part = frame[(frame["method"] == method) & (frame["kind"] == "forecast")]
        x = quarter_years(part["quarter"])
        value, lower, upper = (part[c].to_numpy(dtype=float) * scale for c in ("value", "lower", "upper"))
        chosen = method == best
        ax.fill_between(x, lower, upper, color=colour(k), alpha=0.13, linewidth=0)
        ax.plot(x, value, color=colour(k), linestyle="-" if chosen else LINESTYLES[k + 1],
                linewidth=2.4 if chosen else 1.5,
                label=f"{TREND_METHODS[method]}{' (best in backtest)' if chosen else ''}, 80% band")
    ax.set_yscale("log")
    if kind == "usd":  # a decade or two: label 1, 2 and 5 of each decade
        ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0), numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"${x:g}"))
    else:
        ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(_flop_tick) if kind == "flop" else axis_formatter(kind))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(ylabel)
    year_axis(ax, quarter_years(frame["quarter"]))
    ax.legend(loc="upper left" if unit != "usd_per_flop" else "upper right")
    add_title(fig, ax, title, subtitle)
    return fig
