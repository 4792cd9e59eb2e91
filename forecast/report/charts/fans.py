"""Charts of stock against demand: the fan of each scenario, the probability of exhaustion by quarter,
and the synthetic gap (conventions: :mod:`forecast.report.charts.base`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.report.charts.base import LINESTYLES, add_title, axis_formatter, colour, new_figure, quarter_years, tick_tokens, year_axis

__all__ = ["CAP", "GAP_AXIS_TOP", "exhaustion_probability_chart", "fan_chart", "synthetic_gap_chart"]


#: The fan chart's token axis stops at this multiple of the stock's largest p90 [x].
CAP = 100.0


def fan_chart(frame: pd.DataFrame, title: str, subtitle: str, median_exhaustion: float | None = None,
              median_label: str = ""):
    """Stock versus demand: p10–p90 band and p50 line of each, log axis of tokens.

    ``frame`` columns: quarter, metric (``stock``/``demand``), p10, p50, p90 [tokens].
    ``median_exhaustion`` [decimal year at quarter end] draws a vertical marker.
    """
    fig, (ax,) = new_figure(left=0.115)
    labels = {"stock": "Effective human-text stock", "demand": "Dataset of the largest training run"}
    for k, metric in enumerate(("stock", "demand")):
        part = frame[frame["metric"] == metric]
        x = quarter_years(part["quarter"])
        ax.fill_between(x, part["p10"], part["p90"], color=colour(k), alpha=0.22, linewidth=0,
                        label=f"{labels[metric]}, 80% interval (p10–p90)")
        ax.plot(x, part["p50"], color=colour(k), linestyle=LINESTYLES[k], label=f"{labels[metric]}, median")
    if median_exhaustion is not None and np.isfinite(median_exhaustion):
        ax.axvline(median_exhaustion, color="#555555", linewidth=1.0, linestyle=":",
                   label=f"median exhaustion: {median_label}")
    ax.set_yscale("log")
    stock = frame[frame["metric"] == "stock"]
    cap = CAP * float(stock["p90"].max())
    if float(frame["p90"].max()) > cap:
        ax.set_ylim(top=cap)
        subtitle += f" Axis cut at {CAP:.0f}x the stock's largest p90."
    ax.yaxis.set_major_formatter(axis_formatter("tokens"))
    ax.set_ylabel("tokens (T = trillion)")
    year_axis(ax, quarter_years(frame["quarter"]))
    ax.legend(loc="best")
    add_title(fig, ax, title, subtitle)
    return fig


def exhaustion_probability_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """P(exhausted by the end of each quarter), one line per scenario.

    ``frame`` columns: scenario, quarter, probability [0–1].
    """
    fig, (ax,) = new_figure()
    for k, (name, part) in enumerate(frame.groupby("scenario", sort=False)):
        ax.plot(quarter_years(part["quarter"]), part["probability"], color=colour(k),
                linestyle=LINESTYLES[k % len(LINESTYLES)], label=name)
    ax.axhline(0.5, color="#888888", linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(axis_formatter("percent"))
    year_axis(ax, quarter_years(frame["quarter"]))
    ax.set_ylabel("probability the stock is exhausted")
    ax.legend(loc="lower right", title="scenario")
    add_title(fig, ax, title, subtitle)
    return fig


#: The synthetic-gap chart's token axis stops here [tokens] (100,000T), so late-horizon growth does not flatten the rest.
GAP_AXIS_TOP = 1e17


def synthetic_gap_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """Synthetic tokens needed (log axis) and their share of the dataset, p50 per scenario.

    ``frame`` columns: scenario, quarter, synthetic_needed_p50 [tokens], synthetic_share_p50 [0–1].
    """
    fig, (left, right) = new_figure(2, left=0.115, right=0.985)
    for k, (name, part) in enumerate(frame.groupby("scenario", sort=False)):
        x = quarter_years(part["quarter"])
        needed = part["synthetic_needed_p50"].to_numpy(dtype=float)
        style = dict(color=colour(k), linestyle=LINESTYLES[k % len(LINESTYLES)], label=name)
        left.plot(x, np.where(needed > 0, needed, np.nan), **style)
        right.plot(x, part["synthetic_share_p50"], **style)
    left.set_yscale("log")
    if np.nanmax(frame["synthetic_needed_p50"].to_numpy(dtype=float), initial=0.0) > GAP_AXIS_TOP:
        left.set_ylim(top=GAP_AXIS_TOP)
        subtitle += f" Left axis cut at {tick_tokens(GAP_AXIS_TOP)}."
    left.yaxis.set_major_formatter(axis_formatter("tokens"))
    left.set_ylabel("synthetic tokens needed (median)")
    right.set_ylim(0, 1.0)
    right.yaxis.set_major_formatter(axis_formatter("percent"))
    right.set_ylabel("synthetic share of the dataset (median)")
    for ax in (left, right):
        year_axis(ax, quarter_years(frame["quarter"]), narrow=True)
    left.legend(loc="lower right", title="scenario")
    add_title(fig, left, title, subtitle)
    return fig
