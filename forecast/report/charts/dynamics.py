"""Charts of the stock dynamics and the price of the gap (issue 17): pure builders from tidy frames
to matplotlib ``Figure``, in the conventions of :mod:`forecast.report.charts.base` (Agg canvas, fixed
size and DPI, Okabe–Ito colours with distinct line styles, the title states the finding, log axes
for tokens and money). Render them with :func:`forecast.report.charts.base.png_bytes` inside
:func:`forecast.report.charts.base.style`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.report.charts.base import (LINESTYLES, TOKEN_AXIS_LABEL, add_title, axis_formatter, colour,
                                         direct_labels, log_y, new_figure, quarter_years, scenario_styles,
                                         year_axis)
from forecast.units import format_quantity

__all__ = ["STOCK_TERM_LABELS", "STOCK_TERM_SIGNS", "gap_cost_chart", "stock_terms_chart", "synthetic_share_record_chart"]

#: The terms of the dynamic stock, in drawing order, as planners read them.
STOCK_TERM_LABELS = {
    "stock": "Effective stock (all terms)",
    "stock_human_inflow": "Human text written since the start (× consent factor)",
    "stock_licensed": "Licensed text bought in",
    "stock_consent_loss": "Text closed to crawlers since the start (subtracted)",
}


#: Sign each term is drawn with: the stock closed to crawlers is a loss, drawn below zero.
STOCK_TERM_SIGNS = {"stock": 1.0, "stock_human_inflow": 1.0, "stock_licensed": 1.0, "stock_consent_loss": -1.0}


def stock_terms_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """The effective stock and its terms over time: median line of each on a linear axis of
    trillion tokens (the terms add up), the loss to consent erosion drawn below zero; each line
    labelled at its right end.

    ``frame`` columns: quarter, term (a key of :data:`STOCK_TERM_LABELS`), p10, p50, p90 [tokens, a
    loss as a positive count]. A term that is zero throughout is left out.
    """
    fig, (ax,) = new_figure(left=0.1, right=0.76)
    ends = []
    for k, (term, label) in enumerate(STOCK_TERM_LABELS.items()):
        part = frame[frame["term"] == term]
        if part.empty or not (part["p90"] > 0).any():
            continue
        x = quarter_years(part["quarter"])
        sign = STOCK_TERM_SIGNS[term]
        p50 = sign * part["p50"].to_numpy(dtype=float) / 1e12
        if term == "stock":
            ax.fill_between(x, part["p10"] / 1e12, part["p90"] / 1e12, color=colour(k), alpha=0.18, linewidth=0)
        ax.plot(x, p50, color=colour(k), linestyle=LINESTYLES[k])
        short = label.split(" (")[0]
        ends.append((short + ("\n(median, band: 80%)" if term == "stock" else " (−)" if sign < 0 else ""),
                     float(p50[-1]), {"color": colour(k)}))
    ax.axhline(0.0, color="#333333", linewidth=0.9)
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 0 else f"−{-v:,.0f}"))
    ax.set_ylabel(TOKEN_AXIS_LABEL + " (linear scale)")
    year_axis(ax, quarter_years(frame["quarter"]))
    direct_labels(ax, [(lbl.replace("Human text written since the start", "Human text written\nsince the start")
                        .replace("Text closed to crawlers since the start", "Closed to crawlers\nsince the start"), y, st)
                       for lbl, y, st in ends], gap=0.1)
    add_title(fig, ax, title, subtitle)
    return fig


def gap_cost_chart(frame: pd.DataFrame, title: str, subtitle: str, totals: pd.DataFrame | None = None):
    """Cumulative cost of filling the gap by each route: p10–p90 band and p50 line, log axis of USD,
    each route labelled at its line's end; a route that buys nothing in any quarter is not drawn.

    ``frame`` columns: quarter, route (``synthetic``/``licensed``), p10, p50, p90 [USD, cumulative
    from the start of the horizon]. ``totals`` (optional) columns: by_end_of [year], p50 [USD]: the
    median total of both routes at the end of those years, marked as dots with their value.
    """
    fig, (ax,) = new_figure(left=0.1, right=0.82)
    labels = {"synthetic": "Synthetic text", "licensed": "Licensed human text"}
    values = frame[["p10", "p50"]].to_numpy(dtype=float)
    floor = float(values[values > 0].min()) / 3 if (values > 0).any() else 1.0
    ends = []
    for k, route in enumerate(("synthetic", "licensed")):
        part = frame[frame["route"] == route]
        lo, mid, hi = (part[c].to_numpy(dtype=float) for c in ("p10", "p50", "p90"))
        if part.empty or not (hi > 0).any():
            continue
        x = quarter_years(part["quarter"])
        show = hi > 0
        ax.fill_between(x[show], np.maximum(lo[show], floor), hi[show], color=colour(k), alpha=0.22, linewidth=0)
        ax.plot(x, np.where(mid > 0, mid, np.nan), color=colour(k), linestyle=LINESTYLES[k])
        if (mid > 0).any():
            ends.append((f"{labels[route]}\n(median, band: 80%)", float(mid[-1]), {"color": colour(k)}))
        else:
            ends.append((f"{labels[route]}\n(median 0; band: 80%)", float(hi[-1]), {"color": colour(k)}))
    if totals is not None:
        for row in totals.itertuples(index=False):
            if row.p50 > 0:
                ax.plot([row.by_end_of + 1.0], [row.p50], marker="o", markersize=5, color="#222222", zorder=6,
                        linestyle="none")
                ax.annotate(f"{format_quantity(float(row.p50), 'usd')} by end of {int(row.by_end_of)}",
                            (row.by_end_of + 1.0, row.p50), xytext=(-6, 6), textcoords="offset points", ha="right",
                            va="bottom", fontsize=7.5, color="#222222")
    log_y(ax)
    ax.set_ylim(bottom=floor)
    ax.yaxis.set_major_formatter(axis_formatter("usd"))
    ax.set_ylabel("cost of the gap so far, USD (log scale)")
    year_axis(ax, quarter_years(frame["quarter"]))
    direct_labels(ax, ends, gap=0.06)
    add_title(fig, ax, title, subtitle)
    return fig


def synthetic_share_record_chart(model: pd.DataFrame, record: pd.DataFrame, title: str, subtitle: str,
                                 styles: dict | None = None):
    """The model's synthetic share of the largest run's data beside the shares on record.

    ``model`` columns: scenario, quarter, p10, p50, p90 [fraction]; ``record`` columns: item, kind,
    date, year [decimal], synthetic_share [fraction] (``data/synthetic_shares.csv``).
    """
    import textwrap

    fig, (ax,) = new_figure(right=0.66)
    names = list(dict.fromkeys(model["scenario"]))
    if styles is None or not all(n in styles for n in names):
        styles = scenario_styles(names, names[0] if names else None)
    for k, (name, part) in enumerate(model.groupby("scenario", sort=False)):
        x = quarter_years(part["quarter"])
        if k == 0:
            ax.fill_between(x, part["p10"], part["p90"], color=styles[name]["color"], alpha=0.15, linewidth=0,
                            label=f"{name}, 80% interval")
        ax.plot(x, part["p50"], **styles[name], label=f"{name}, median")
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
