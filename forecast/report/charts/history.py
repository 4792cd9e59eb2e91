"""One scenario's headline across quarterly reports: the median exhaustion quarter with its 80%
interval, and P(exhausted by the end of 2030), per report (conventions: :mod:`forecast.report.charts.base`)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecast.outputs import year_quarter
from forecast.report.charts.base import add_title, axis_formatter, colour, new_figure

__all__ = ["headline_history_chart"]


def headline_history_chart(frame: pd.DataFrame, title: str, subtitle: str, by_key: str = "exhaustion.by_2030"):
    """Left: the median exhaustion quarter (dot) and its 80% interval (bar) per report; right:
    P(exhausted by the end of 2030) per report, as bars.

    ``frame`` columns: label (the report's quarter as the x label), ``exhaustion.p10``,
    ``exhaustion.p50``, ``exhaustion.p90`` [decimal year at the quarter's end; ``inf`` after the
    horizon: drawn to the top of the axis with a ▲] and ``by_key`` [probability; ``nan`` when the
    horizon ends before that year].
    """
    from matplotlib.ticker import FuncFormatter

    fig, (left, right) = new_figure(ncols=2, left=0.1, bottom=0.14, wspace=0.3)
    x = np.arange(len(frame))
    values = frame[["exhaustion.p10", "exhaustion.p50", "exhaustion.p90"]].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    low = math.floor(float(finite.min())) if finite.size else 2025.0
    top = math.ceil(float(finite.max())) + 1.0 if finite.size else low + 5.0
    capped = np.where(np.isinf(values), top, values)
    p10, p50, p90 = capped[:, 0], capped[:, 1], capped[:, 2]
    left.vlines(x, p10, p90, color=colour(0), linewidth=6, alpha=0.35, label="80% interval (p10–p90)")
    left.plot(x, np.where(np.isinf(values[:, 1]), np.nan, p50), "o", color=colour(0), markersize=7,
              label="median")
    for xi, value in zip(x, values[:, 1]):
        left.annotate(year_quarter(value) if np.isfinite(value) else "after horizon",
                      (xi, min(value, top)), xytext=(8, 0), textcoords="offset points", va="center", fontsize=8.5)
    after = np.isinf(values[:, 2])
    if after.any():
        left.plot(x[after], p90[after], "^", color=colour(0), markersize=7, label="p90 after the horizon")
    left.set_ylim(low, top + 0.3)
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: year_quarter(v)))
    left.set_ylabel("exhaustion quarter: median, 80% interval")
    left.legend(loc="lower left")
    by = frame[by_key].to_numpy(dtype=float) if by_key in frame.columns else np.full(len(frame), np.nan)
    right.bar(x, np.nan_to_num(by, nan=0.0), width=0.55, color=colour(1))
    for xi, value in zip(x, by):
        right.text(xi, (0.0 if np.isnan(value) else value) + 0.02, "n/a" if np.isnan(value) else f"{value:.0%}",
                   ha="center", va="bottom", fontsize=8.5)
    right.set_ylim(0, 1.1)
    right.yaxis.set_major_formatter(axis_formatter("percent"))
    right.set_ylabel(f"P(exhausted by end of {by_key.rsplit('_', 1)[-1]})")
    for ax in (left, right):
        ax.set_xticks(x)
        ax.set_xticklabels(list(frame["label"]))
        ax.set_xlim(-0.6, len(frame) - 0.4)
        ax.grid(axis="x", visible=False)
    add_title(fig, left, title, subtitle)
    return fig
