"""Charts of stock against demand: the fan of each scenario, the probability of exhaustion by quarter,
and the synthetic gap (conventions: :mod:`forecast.report.charts.base`)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from forecast.report.charts.base import (LINESTYLES, TOKEN_AXIS_LABEL, add_title, axis_formatter, colour,
                                         direct_labels, legend_below, log_y, new_figure, quarter_years,
                                         scenario_styles, tick_tokens, year_axis)

__all__ = ["CAP", "GAP_AXIS_TOP", "VILLALOBOS_2024", "exhaustion_probability_chart", "fan_chart",
           "synthetic_gap_chart"]

#: The published estimate the hero chart marks: Villalobos et al. 2024, "Will we run out of data?",
#: ICML 2024, arXiv 2211.04325v2 (abstract and Sec. 4): the stock of public human text is fully used
#: by a median of 2028, 80% interval 2026 to 2032. Years as calendar years: the interval is drawn
#: from the start of its first to the end of its last year, the median at its middle.
VILLALOBOS_2024 = {"label": "Villalobos et al. 2024: 2028 (80%: 2026–2032)",
                   "p10": 2026.0, "p50": 2028.5, "p90": 2033.0}


#: The fan chart's token axis stops at this multiple of the stock's largest p90 [x].
CAP = 100.0


def fan_chart(frame: pd.DataFrame, title: str, subtitle: str, median_exhaustion: float | None = None,
              median_label: str = "", runs: pd.DataFrame | None = None, today: tuple[float, str] | None = None,
              reference: dict | None = None):
    """Stock versus demand: p10–p90 band and p50 line of each, log axis of tokens; the legend below.

    ``frame`` columns: quarter, metric (``stock``/``demand``), p10, p50, p90 [tokens].
    ``median_exhaustion`` [decimal year at quarter end] draws a vertical marker. The hero chart adds
    ``runs`` (columns year [decimal], tokens, label: disclosed training runs, drawn as dots, the
    largest labelled), ``today`` ((decimal year, label): a vertical line) and ``reference`` (a dict
    like :data:`VILLALOBOS_2024`: a published interval drawn as a bar across the top of the plot).
    """
    fig, (ax,) = new_figure(left=0.1)
    labels = {"stock": "Human-text stock (effective)", "demand": "Largest run's dataset"}
    for k, metric in enumerate(("stock", "demand")):
        part = frame[frame["metric"] == metric]
        x = quarter_years(part["quarter"])
        ax.plot(x, part["p50"], color=colour(k), linestyle=LINESTYLES[k], label=f"{labels[metric]}, median")
        ax.fill_between(x, part["p10"], part["p90"], color=colour(k), alpha=0.22, linewidth=0,
                        label=f"{labels[metric]}, 80% interval")
    xs = [quarter_years(frame["quarter"])]
    if runs is not None and len(runs):
        ry, rt = runs["year"].to_numpy(dtype=float), runs["tokens"].to_numpy(dtype=float)
        ax.scatter(ry, rt, s=14, color="#333333", edgecolor="white", linewidth=0.4, zorder=5,
                   label=f"Disclosed training runs ({len(runs)})")
        top = int(np.argmax(rt))
        ax.annotate(str(runs["label"].iloc[top]), (ry[top], rt[top]), xytext=(-3, 3), textcoords="offset points",
                    ha="right", va="bottom", fontsize=7, color="#333333")
        xs.append(ry)
    log_y(ax)
    stock = frame[frame["metric"] == "stock"]
    cap = CAP * float(stock["p90"].max())
    if float(frame["p90"].max()) > cap:
        ax.set_ylim(top=cap)
        subtitle += f" Axis cut at {CAP:.0f}x the stock's largest p90."
    if median_exhaustion is not None and np.isfinite(median_exhaustion):
        ax.axvline(median_exhaustion, color="#555555", linewidth=1.0, linestyle=":",
                   label=f"Median exhaustion, {median_label}")
    if today is not None:
        ax.axvline(today[0], color="#222222", linewidth=0.9, linestyle="-", zorder=2)
        ax.annotate(today[1], (today[0], 0.01), xycoords=("data", "axes fraction"), xytext=(3, 0),
                    textcoords="offset points", ha="left", va="bottom", fontsize=7.5, color="#222222")
    if reference is not None:
        y = 0.94
        ax.plot([reference["p10"], reference["p90"]], [y, y], transform=ax.get_xaxis_transform(), color="#6a3d9a",
                linewidth=3.0, solid_capstyle="butt", zorder=6, label=reference["label"])
        ax.plot([reference["p50"]], [y], transform=ax.get_xaxis_transform(), marker="|", markersize=11,
                markeredgewidth=2.2, color="#6a3d9a", zorder=7)
        ax.annotate("Villalobos et al. 2024" if "Villalobos" in reference["label"] else reference["label"],
                    (reference["p90"], y), xycoords=("data", "axes fraction"), xytext=(4, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=7.5, color="#6a3d9a")
    ax.yaxis.set_major_formatter(axis_formatter("tokens"))
    ax.set_ylabel(TOKEN_AXIS_LABEL + " (log scale)")
    year_axis(ax, np.concatenate(xs))
    legend_below(fig, ax, ncol=3)
    add_title(fig, ax, title, subtitle)
    return fig


def _styles(frame: pd.DataFrame, styles: dict | None) -> dict:
    names = list(dict.fromkeys(frame["scenario"]))
    return styles if styles is not None and all(n in styles for n in names) else scenario_styles(names)


#: Width of one character of a direct label [fraction of the figure's width] (7.5 pt bold at the report's size).
_LABEL_CHAR = 0.0078


def _right(names: Sequence[str], default: float) -> float:
    """The plot's right edge [fraction of the figure] that leaves room for the longest direct label
    (a scenario's title, up to 40 characters) beside it, never wider than ``default``."""
    longest = max((len(n) for n in names), default=0)
    return min(default, max(0.55, 0.95 - _LABEL_CHAR * longest))


def exhaustion_probability_chart(frame: pd.DataFrame, title: str, subtitle: str, styles: dict | None = None,
                                 labels: dict | None = None):
    """P(exhausted by the end of each quarter), one line per scenario, labelled at its right end.

    ``frame`` columns: scenario, quarter, probability [0–1]. ``styles``: scenario → line style
    (:func:`~forecast.report.charts.base.scenario_styles`; by default from the names in ``frame``).
    ``labels``: scenario → the words beside its line (its title; default: the scenario id).
    """
    styles = _styles(frame, styles)
    names = list(dict.fromkeys(frame["scenario"]))
    fig, (ax,) = new_figure(right=_right([(labels or {}).get(n, n) for n in names], 0.8))
    ends = []
    for name, part in frame.groupby("scenario", sort=False):
        ax.plot(quarter_years(part["quarter"]), part["probability"], **styles[name])
        ends.append(((labels or {}).get(name, name), float(part["probability"].iloc[-1]), styles[name]))
    ax.axhline(0.5, color="#888888", linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(axis_formatter("percent"))
    year_axis(ax, quarter_years(frame["quarter"]))
    ax.set_ylabel("probability the stock is exhausted")
    direct_labels(ax, ends, gap=0.052)
    add_title(fig, ax, title, subtitle)
    return fig


#: The synthetic-gap chart's token axis stops here [tokens] (100,000 trillion), so late-horizon growth does not flatten the rest.
GAP_AXIS_TOP = 1e17


def synthetic_gap_chart(frame: pd.DataFrame, title: str, subtitle: str, styles: dict | None = None,
                        labels: dict | None = None):
    """Synthetic tokens needed (log axis) and their share of the dataset, p50 per scenario; the
    lines labelled at the right end of the right panel (the same order of colours in both).

    ``frame`` columns: scenario, quarter, synthetic_needed_p50 [tokens], synthetic_share_p50 [0–1].
    ``labels``: scenario → the words beside its line (its title; default: the scenario id).
    """
    styles = _styles(frame, styles)
    names = list(dict.fromkeys(frame["scenario"]))
    fig, (left, right) = new_figure(2, left=0.1, right=_right([(labels or {}).get(n, n) for n in names], 0.82))
    ends = []
    for name, part in frame.groupby("scenario", sort=False):
        x = quarter_years(part["quarter"])
        needed = part["synthetic_needed_p50"].to_numpy(dtype=float)
        left.plot(x, np.where(needed > 0, needed, np.nan), **styles[name])
        right.plot(x, part["synthetic_share_p50"], **styles[name])
        ends.append(((labels or {}).get(name, name), float(part["synthetic_share_p50"].iloc[-1]), styles[name]))
    log_y(left)
    if np.nanmax(frame["synthetic_needed_p50"].to_numpy(dtype=float), initial=0.0) > GAP_AXIS_TOP:
        left.set_ylim(top=GAP_AXIS_TOP)
        subtitle += f" Left axis cut at {GAP_AXIS_TOP / 1e12:,.0f} trillion tokens."
    left.yaxis.set_major_formatter(axis_formatter("tokens"))
    left.set_ylabel("synthetic tokens needed, " + TOKEN_AXIS_LABEL)
    right.set_ylim(0, 1.0)
    right.yaxis.set_major_formatter(axis_formatter("percent"))
    right.set_ylabel("synthetic share of the dataset")
    for ax in (left, right):
        year_axis(ax, quarter_years(frame["quarter"]), narrow=True)
    direct_labels(right, ends, gap=0.052)
    add_title(fig, left, title, subtitle)
    return fig
