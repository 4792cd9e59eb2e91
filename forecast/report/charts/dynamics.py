"""Charts of the stock dynamics and the price of the gap (issue 17): pure builders from tidy frames
to matplotlib ``Figure``, in the conventions of :mod:`forecast.report.charts.base` (Agg canvas, fixed
size and DPI, Okabe–Ito colours with distinct line styles, the title states the finding, log axes
for tokens and money). Render them with :func:`forecast.report.charts.base.png_bytes` inside
:func:`forecast.report.charts.base.style`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.report.charts.base import (LINESTYLES, add_title, axis_formatter, colour, new_figure, quarter_years,
                                         year_axis)

__all__ = ["STOCK_TERM_LABELS", "gap_cost_chart", "stock_terms_chart", "synthetic_share_record_chart"]

#: The terms of the dynamic stock, in drawing order, as planners read them.
STOCK_TERM_LABELS = {
    "stock": "Effective stock (all terms)",
    "stock_human_inflow": "Human text written since the start (× consent factor)",
    "stock_licensed": "Licensed text bought in",
    "stock_consent_loss": "Text closed to crawlers since the start (subtracted)",
}


def stock_terms_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """The effective stock and its terms over time: median line of each, log axis of tokens.

    ``frame`` columns: quarter, term (a key of :data:`STOCK_TERM_LABELS`), p10, p50, p90 [tokens].
    Zero medians are left out (a log axis has no zero).
    """
    fig, (ax,) = new_figure(left=0.115)
    for k, (term, label) in enumerate(STOCK_TERM_LABELS.items()):
        part = frame[frame["term"] == term]
        if part.empty or not (part["p50"] > 0).any():
            continue
        x = quarter_years(part["quarter"])
        p50 = part["p50"].to_numpy(dtype=float)
        if term == "stock":
            ax.fill_between(x, part["p10"], part["p90"], color=colour(k), alpha=0.18, linewidth=0,
                            label=f"{label}, 80% interval")
        ax.plot(x, np.where(p50 > 0, p50, np.nan), color=colour(k), linestyle=LINESTYLES[k],
                label=f"{label}, median")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(axis_formatter("tokens"))
    ax.set_ylabel("tokens (T = trillion)")
    year_axis(ax, quarter_years(frame["quarter"]))
    ax.legend(loc="lower right")
    add_title(fig, ax, title, subtitle)
    return fig


def gap_cost_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """Cost of filling the quarter's gap by each route: p10–p90 band and p50 line, log axis of USD.

    ``frame`` columns: quarter, route (``synthetic``/``licensed``), p10, p50, p90 [USD].
    """
    from matplotlib.ticker import FuncFormatter

    fig, (ax,) = new_figure(left=0.11)
    labels = {"synthetic": "Generate synthetic text", "licensed": "License human text"}
    values = frame[["p10", "p50"]].to_numpy(dtype=float)
    floor = float(values[values > 0].min()) / 3 if (values > 0).any() else 1.0
    for k, route in enumerate(("synthetic", "licensed")):
        part = frame[frame["route"] == route]
        x = quarter_years(part["quarter"])
        lo, mid, hi = (part[c].to_numpy(dtype=float) for c in ("p10", "p50", "p90"))
        show = hi > 0
        ax.fill_between(x[show], np.maximum(lo[show], floor), hi[show], color=colour(k),
                        alpha=0.22, linewidth=0, label=f"{labels[route]}, 80% interval (p10–p90)")
        ax.plot(x, np.where(mid > 0, mid, np.nan), color=colour(k), linestyle=LINESTYLES[k],
                label=f"{labels[route]}, median")
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _usd_tick(v)))
    ax.set_ylabel("cost of the quarter's gap (USD)")
    year_axis(ax, quarter_years(frame["quarter"]))
    ax.legend(loc="upper left")
    add_title(fig, ax, title, subtitle)
    return fig


def _usd_tick(value: float) -> str:
    """``$1M``, ``$10B``, ``$1tn``, ``$10,000tn``: whole numbers, thousands separated; money never
    takes the token suffix ``T``."""
    for scale, suffix in ((1e12, "tn"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"${value / scale:,.0f}{suffix}" if value / scale >= 1 else f"${value / scale:.1f}{suffix}"
    return f"${value:,.0f}"


def synthetic_share_record_chart(model: pd.DataFrame, record: pd.DataFrame, title: str, subtitle: str):
    """The model's synthetic share of the largest run's data beside the shares on record.

    ``model`` columns: scenario, quarter, p10, p50, p90 [fraction]; ``record`` columns: item, kind,
    date, year [decimal], synthetic_share [fraction] (``data/synthetic_shares.csv``).
    """
    import textwrap

    fig, (ax,) = new_figure(right=0.66)
    for k, (name, part) in enumerate(model.groupby("scenario", sort=False)):
        x = quarter_years(part["quarter"])
        if k == 0:
            ax.fill_between(x, part["p10"], part["p90"], color=colour(k), alpha=0.18, linewidth=0,
                            label=f"{name}, 80% interval")
        ax.plot(x, part["p50"], color=colour(k), linestyle=LINESTYLES[k], label=f"{name}, median")
    markers = ("D", "s", "^", "o", "v", "P")
    for j, row in enumerate(record.itertuples(index=False)):
        forecast = row.kind == "forecast"
        ax.scatter([row.year], [row.synthetic_share], s=42, marker=markers[j % len(markers)], zorder=5,
                   facecolor="white" if forecast else "#000000", edgecolor="#000000", linewidth=1.2,
                   label=textwrap.fill(f"{row.item} ({f'made {row.date[:4]}, other scope' if forecast else row.kind}): "
                                       f"{row.synthetic_share:.0%}", 40))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(axis_formatter("percent"))
    ax.set_ylabel("synthetic share of the training data")
    year_axis(ax, np.concatenate([quarter_years(model["quarter"]), record["year"].to_numpy(dtype=float)]))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7.5, borderaxespad=0.0)
    add_title(fig, ax, title, subtitle)
    return fig
