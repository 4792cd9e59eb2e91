"""Charts of what a run costs: cost components per scenario, the cheapest run by synthetic share, and
the waterfall of a compare file (conventions: :mod:`forecast.report.charts.base`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.outputs import COST_COMPONENTS, COST_LABELS
from forecast.report.charts.base import add_title, axis_formatter, colour, legend_below, new_figure
from forecast.units import format_quantity

__all__ = ["COMPONENT_LABELS", "cost_components_chart", "cost_vs_share_chart", "waterfall_chart"]


#: The cost components, stacked in this order, as the legend names them.
COMPONENT_LABELS = {key: COST_LABELS[key] for key in COST_COMPONENTS}


def cost_components_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """Stacked bars: the p50 total cost per cost scenario, split by each component's share of the mean.

    ``frame`` columns: scenario, component, shown [USD] (share of the mean total × the p50 total, so
    that a bar's top is the p50 total).
    """
    fig, (ax,) = new_figure()
    names = list(dict.fromkeys(frame["scenario"]))
    bottom = np.zeros(len(names))
    for k, component in enumerate(COMPONENT_LABELS):
        part = frame[frame["component"] == component].set_index("scenario").reindex(names)["shown"]
        values = part.fillna(0.0).to_numpy(dtype=float)
        if not values.any():
            continue
        ax.bar(names, values, bottom=bottom, color=colour(k), label=COMPONENT_LABELS[component],
               edgecolor="white", linewidth=0.6, hatch=(None, "//", "..", "xx", "\\\\")[k] if k else None)
        bottom += values
    for i, total in enumerate(bottom):
        ax.annotate(format_quantity(total, "usd") + " p50", (i, total), ha="center", va="bottom",
                    xytext=(0, 2), textcoords="offset points", fontsize=8)
    ax.yaxis.set_major_formatter(axis_formatter("usd"))
    ax.set_ylabel("training cost, p50 total (USD)")
    ax.set_ylim(0, bottom.max() * 1.15 if bottom.size else 1)
    ax.tick_params(axis="x", labelrotation=0)
    ax.grid(axis="x", visible=False)
    legend_below(fig, ax, ncol=4)
    add_title(fig, ax, title, subtitle)
    return fig


def cost_vs_share_chart(frame: pd.DataFrame, best_share: float, title: str, subtitle: str):
    """Cheapest run reaching the target at each synthetic share: p50 line, p10–p90 band, optimum.

    ``frame`` columns: synthetic_share [0–1], total_p10, total_p50, total_p90 [USD], p_cheapest.
    """
    fig, (ax,) = new_figure(left=0.1)
    x = frame["synthetic_share"].to_numpy(dtype=float)
    ax.fill_between(x, frame["total_p10"], frame["total_p90"], color=colour(0), alpha=0.2, linewidth=0,
                    label="80% interval (p10–p90)")
    ax.plot(x, frame["total_p50"], color=colour(0), marker="o", markersize=3.5, label="median total cost")
    k = int(np.argmin(np.abs(x - best_share)))
    ax.plot([x[k]], [frame["total_p50"].iloc[k]], marker="*", markersize=14, color=colour(3),
            linestyle="none", label=f"cheapest share: {x[k]:.0%} "
                                    f"(cheapest in {frame['p_cheapest'].iloc[k]:.0%} of samples)")
    ax.xaxis.set_major_formatter(axis_formatter("percent"))
    ax.yaxis.set_major_formatter(axis_formatter("usd"))
    ax.set_xlabel("synthetic share of training tokens")
    ax.set_ylabel("cheapest run reaching the target (USD)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    add_title(fig, ax, title, subtitle)
    return fig


def waterfall_chart(frame: pd.DataFrame, marks: pd.DataFrame, title: str, subtitle: str, end_label: str):
    """Waterfall of total cost p50: the first run, each step's change, and the last run.

    ``frame`` columns: label, total_p50 [USD] (one row per run, in order; rows after the first are
    steps). ``marks`` columns: label, value [USD], beside (run position: 0 = first, last = last run).
    Bars: the first run's total, one floating bar per step (green lowers, orange raises the cost),
    and the last run's total.
    """
    fig, (ax,) = new_figure(bottom=0.2)
    totals = frame["total_p50"].to_numpy(dtype=float)
    n = len(totals)
    labels = [str(frame["label"].iloc[0])] + [str(v) for v in frame["label"].iloc[1:]] + [end_label]
    ax.bar(0, totals[0], color=colour(0), width=0.6)
    ax.bar(n, totals[-1], color=colour(0), width=0.6)
    tops = [totals[0]]
    for i in range(1, n):
        prev = totals[i - 1]
        lo, hi = sorted((prev, totals[i]))
        ax.bar(i, hi - lo, bottom=lo, width=0.6, color=colour(2) if totals[i] < prev else colour(3),
               hatch=None if totals[i] < prev else "//", edgecolor="white")
        tops.append(hi)
        factor = max(totals[i], prev) / min(totals[i], prev)
        ax.annotate(f"{'÷' if totals[i] < prev else '×'}{factor:.2f}\nto {format_quantity(totals[i], 'usd')}",
                    (i, hi), ha="center", va="bottom", xytext=(0, 3), textcoords="offset points", fontsize=8)
    tops.append(totals[-1])
    for i in range(n):  # connectors at the level each bar ends
        ax.plot([i + 0.3, i + 0.7], [totals[i], totals[i]], color="#666666", linewidth=0.8)
    for i, total in ((0, totals[0]), (n, totals[-1])):
        ax.annotate(format_quantity(total, "usd") + " median", (i, total), ha="center", va="bottom", xytext=(0, 3),
                    textcoords="offset points", fontsize=8.5, fontweight="bold")
    for k, row in enumerate(marks.itertuples(index=False)):
        pos = 0 if int(row.beside) == 0 else n
        x = pos - 0.45 if pos == 0 else pos + 0.45
        ax.plot([x], [row.value], marker="D", markersize=7, color=colour(4 + k % 2), linestyle="none",
                label=row.label, markeredgecolor="#333333", markeredgewidth=0.6)
    ax.set_xticks(range(n + 1), [_wrap(lbl) for lbl in labels])
    ax.set_xlim(-0.7, n + 0.7)
    ax.yaxis.set_major_formatter(axis_formatter("usd"))
    ax.set_ylabel("total training cost, median (USD)")
    ax.set_ylim(0, max(max(tops), marks["value"].max() if len(marks) else 0) * 1.22)
    ax.grid(axis="x", visible=False)
    ax.tick_params(axis="x", labelsize=7.5)
    from matplotlib.patches import Patch

    handles, names = ax.get_legend_handles_labels()
    handles += [Patch(color=colour(0)), Patch(color=colour(2)), Patch(facecolor=colour(3), hatch="//",
                                                                      edgecolor="white")]
    names += ["run (model, median)", "change lowers the cost", "change raises the cost"]
    ax.legend(handles, names, loc="upper right", title="published figures and steps")
    add_title(fig, ax, title, subtitle)
    return fig


def _wrap(text: str, width: int = 22) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text
