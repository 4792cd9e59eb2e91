"""The report's "what moves the answer" tornado: one-at-a-time swings with Sobol indices beside
them, in the conventions of :mod:`forecast.report.charts.base` (Agg, fixed size and DPI, Okabe–Ito
colours, the title states the finding). Render with :func:`forecast.report.charts.base.png_bytes`
inside :func:`forecast.report.charts.base.style`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.outputs import format_value
from forecast.report.charts.base import add_title, colour, new_figure
from forecast.units import format_quantity

__all__ = ["sobol_tornado_chart"]


def _tick(value: float, kind: str) -> str:
    return format_quantity(value, "usd", digits=3) if kind == "usd" else format_value(value, kind)


def sobol_tornado_chart(frame: pd.DataFrame, kind: str, title: str, subtitle: str, xlabel: str):
    """Bars from the base value to the outcome with each input at its p10 and at its p90.

    ``frame`` columns: label, base, at_p10, at_p90 (the outcome, in the unit ``tick`` formats),
    S1, ST; one row per input, drawn in the given order from the top. ``kind``: ``year`` (a
    decimal year, ticks as quarters) or ``usd``.
    """
    from matplotlib.ticker import FuncFormatter

    fig, (ax,) = new_figure(left=0.36, bottom=0.13)
    rows = frame.iloc[::-1]
    y = np.arange(len(rows))
    base = float(rows["base"].iloc[0])
    low, high = rows["at_p10"].to_numpy(float), rows["at_p90"].to_numpy(float)
    ax.barh(y, low - base, left=base, color=colour(0), height=0.62, label="input at its p10")
    ax.barh(y, high - base, left=base, color=colour(1), height=0.62, hatch="//", edgecolor="white",
            linewidth=0.0, label="input at its p90")
    ax.axvline(base, color="#222222", linewidth=0.9)
    labels = [f"{name}\nS1 {s1:.2f} · ST {st:.2f}" if np.isfinite(st) else name
              for name, s1, st in zip(rows["label"], rows["S1"], rows["ST"])]
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", labelsize=7.5)
    lo = float(np.nanmin([low.min(), high.min(), base]))
    hi = float(np.nanmax([low.max(), high.max(), base]))
    pad = (hi - lo) * 0.06 or 1.0
    ax.set_xlim(lo - pad, hi + pad)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, kind)))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right")
    add_title(fig, ax, title, subtitle)
    return fig
