"""The trend chart: a series' observed quarterly frontier and each method's forecast with its band
(conventions: :mod:`forecast.report.charts.base`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.report.charts.base import (LINESTYLES, TOKEN_AXIS_LABEL, add_title, axis_formatter, colour,
                                         log_y, new_figure, quarter_years, year_axis)

__all__ = ["PLOT_RIGHT", "TREND_AXES", "TREND_METHODS", "trend_chart"]


#: Trend chart y axis per series unit: (tick kind, label, scale applied to the values drawn).
TREND_AXES = {
    "tokens": ("tokens", TOKEN_AXIS_LABEL, 1.0),
    "flop": ("flop", "training compute (FLOP)", 1.0),
    "usd_per_flop": ("usd", "USD per 10¹⁸ FLOP, rented", 1e18),
}
#: Drawing order and legend labels of the trend methods (wrapped to the legend's column).
TREND_METHODS = {"ols": "OLS on record steps", "quantreg": "quantile regression\n(90% envelope)",
                 "ets": "damped-trend ETS", "prophet": "Prophet"}
#: Right edge of the plot area [fraction of the figure]: the legend sits to its right, off the data.
PLOT_RIGHT = 0.74


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _flop_tick(x: float, _=None) -> str:
    """A FLOP tick as a power of ten, ``10²⁶`` or ``3×10²⁶`` (not the code-like ``1e26``)."""
    if x <= 0:
        return "0"
    exponent = int(np.floor(np.log10(x) + 1e-9))
    mantissa = x / 10.0 ** exponent
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if abs(mantissa - 1) < 1e-6 else f"{mantissa:.0f}×{power}"


def _observed(ax, frame: pd.DataFrame, scale: float) -> None:
    """The observed frontier: filled dots where the record is disclosed, hollow where it is set by a
    run whose dataset is imputed from its compute (``imputed``; shown, never backtest truth)."""
    observed = frame[frame["kind"] == "observed"].drop_duplicates("quarter")
    imputed = (observed["imputed"].fillna(False).astype(bool).to_numpy() if "imputed" in observed
               else np.zeros(len(observed), dtype=bool))
    x = quarter_years(observed["quarter"])
    y = observed["value"].to_numpy(dtype=float) * scale
    ax.plot(x[~imputed], y[~imputed], color="#333333", marker="o", markersize=3.4, linestyle="none",
            label="record so far, per quarter", zorder=5)
    if imputed.any():
        ax.plot(x[imputed], y[imputed], color="#333333", marker="o", markersize=3.6, markerfacecolor="white",
                markeredgewidth=1.0, linestyle="none", label="imputed from compute\n(undisclosed dataset)", zorder=5)


def trend_chart(frame: pd.DataFrame, unit: str, best: str | None, title: str, subtitle: str,
                as_of: str | None = None):
    """A trend series: the observed quarterly frontier (dots, hollow where imputed) and each method's
    forecast (line) with its calibrated prediction band, log axis; the legend right of the plot.

    ``frame`` columns: method, quarter, kind (``observed``/``forecast``), value, lower, upper [the
    series' unit], and optionally imputed (an observed quarter whose record comes from an imputed
    dataset size); the observed rows are the same for every method (drawn once). ``best`` is drawn
    solid and thicker. A forecast is not joined to the last observed quarter: OLS and quantile
    regression forecast from their fitted line, not from the last record. ``as_of`` marks where
    the data end and the forecasts begin (a dotted line at the start of that quarter).
    """
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, LogLocator

    kind, ylabel, scale = TREND_AXES[unit]
    fig, (ax,) = new_figure(left=0.1, right=PLOT_RIGHT)
    _observed(ax, frame, scale)
    methods = [m for m in TREND_METHODS if m in set(frame["method"])]
    for k, method in enumerate(methods):
        part = frame[(frame["method"] == method) & (frame["kind"] == "forecast")]
        x = quarter_years(part["quarter"])
        value, lower, upper = (part[c].to_numpy(dtype=float) * scale for c in ("value", "lower", "upper"))
        chosen = method == best
        ax.fill_between(x, lower, upper, color=colour(k), alpha=0.13, linewidth=0)
        ax.plot(x, value, color=colour(k), linestyle="-" if chosen else LINESTYLES[k + 1],
                linewidth=2.4 if chosen else 1.5,
                label=f"{TREND_METHODS[method]}{chr(10) + '(best in backtest)' if chosen else ''}")
    log_y(ax)
    if kind == "usd":  # a decade or two: label 1, 2 and 5 of each decade
        ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0), numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"${x:g}"))
    else:
        ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(_flop_tick) if kind == "flop" else axis_formatter(kind))
    ax.set_ylabel(ylabel)
    year_axis(ax, quarter_years(frame["quarter"]))
    if as_of is not None:
        start = quarter_years([as_of])[0] - 0.25
        ax.axvline(start, color="#888888", linestyle=":", linewidth=1.0, zorder=1)
        ax.annotate(f"as of {as_of}", (start, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7.5, color="#555555")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(facecolor="#999999", alpha=0.3, linewidth=0))
    labels.append("calibrated 80% interval\n(shaded, one per method)")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              labelspacing=0.9, handlelength=2.2)
    add_title(fig, ax, title, subtitle)
    return fig
