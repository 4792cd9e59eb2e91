"""Chart figures of the quarterly report: pure builders from tidy tables to matplotlib ``Figure``.

Every builder takes the numbers it draws as a DataFrame (the same frame is written beside the PNG
as CSV) and returns a :class:`matplotlib.figure.Figure` on the Agg canvas; nothing touches pyplot's
global state. :func:`png_bytes` renders with fixed size, DPI and rcParams and without a timestamp
or software tag, so the same numbers give the same bytes.

Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), readable with the
common colour-vision deficiencies; lines also differ in style so a grey print still separates them.
"""
from __future__ import annotations

import contextlib
import io
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from forecast.units import format_quantity

__all__ = ["PALETTE", "WIDTH", "HEIGHT", "DPI", "colour", "cost_components_chart", "cost_vs_share_chart",
           "exhaustion_probability_chart", "fan_chart", "png_bytes", "sensitivity_chart", "style",
           "synthetic_gap_chart", "waterfall_chart"]

#: Okabe–Ito colours without black and yellow (too light on white), in drawing order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
#: Figure size [inches] and resolution [dots per inch]: 1600 × 900 pixels.
WIDTH, HEIGHT, DPI = 8.0, 4.5, 200

_RC = {
    "font.family": "DejaVu Sans", "font.size": 9.0, "axes.titlesize": 11.0, "axes.titleweight": "bold",
    "axes.titlelocation": "left", "axes.labelsize": 9.0, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.6,
    "legend.fontsize": 8.0, "legend.frameon": False, "xtick.labelsize": 8.0, "ytick.labelsize": 8.0,
    "figure.dpi": DPI, "savefig.dpi": DPI, "path.simplify": False, "svg.hashsalt": "peakdata",
    "lines.linewidth": 1.8,
}


def colour(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _new_figure(ncols: int = 1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


@contextlib.contextmanager
def style() -> Iterator[None]:
    """matplotlib's own defaults plus the report's rcParams (a user's matplotlibrc is ignored).

    Build and save figures inside this block."""
    import matplotlib

    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_RC)
        yield


def _title(fig, ax, title: str, subtitle: str) -> None:
    fig.suptitle(title, x=0.01, ha="left", fontsize=11.5, fontweight="bold")
    ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color="#444444", loc="left")


def _axis_formatter(kind: str):
    from matplotlib.ticker import FuncFormatter

    if kind == "year":
        return FuncFormatter(lambda x, _: f"{x:.0f}")
    if kind == "percent":
        return FuncFormatter(lambda x, _: f"{x * 100:.0f}%")
    return FuncFormatter(lambda x, _: format_quantity(x, kind, digits=2) if x > 0 else "0")


def png_bytes(fig) -> bytes:
    """The figure as PNG without timestamp or software metadata [bytes]."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None},
                pil_kwargs={"optimize": False})
    return buf.getvalue()


def _year(quarters: Sequence[str]) -> np.ndarray:
    """Quarter labels → decimal year at the quarter's end (2028Q1 → 2028.25)."""
    return np.array([int(q[:4]) + int(q[-1]) / 4.0 for q in quarters])


def fan_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """Stock versus demand: p10–p90 band and p50 line of each, log axis of tokens.

    ``frame`` columns: quarter, metric (``stock``/``demand``), p10, p50, p90 [tokens].
    """
    fig, (ax,) = _new_figure()
    labels = {"stock": "Effective human-text stock", "demand": "Dataset of the largest training run"}
    for k, metric in enumerate(("stock", "demand")):
        part = frame[frame["metric"] == metric]
        x = _year(part["quarter"])
        ax.fill_between(x, part["p10"], part["p90"], color=colour(k), alpha=0.22, linewidth=0,
                        label=f"{labels[metric]}, 80% interval (p10–p90)")
        ax.plot(x, part["p50"], color=colour(k), linestyle=LINESTYLES[k], label=f"{labels[metric]}, median")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(_axis_formatter("tokens"))
    ax.xaxis.set_major_formatter(_axis_formatter("year"))
    ax.set_ylabel("tokens (T = trillion, P = quadrillion)")
    ax.set_xlabel("end of quarter")
    ax.legend(loc="upper left")
    _title(fig, ax, title, subtitle)
    return fig


def exhaustion_probability_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """P(exhausted by the end of each quarter), one line per scenario.

    ``frame`` columns: scenario, quarter, probability [0–1].
    """
    fig, (ax,) = _new_figure()
    for k, (name, part) in enumerate(frame.groupby("scenario", sort=False)):
        ax.plot(_year(part["quarter"]), part["probability"], color=colour(k),
                linestyle=LINESTYLES[k % len(LINESTYLES)], label=name)
    ax.axhline(0.5, color="#888888", linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(_axis_formatter("percent"))
    ax.xaxis.set_major_formatter(_axis_formatter("year"))
    ax.set_ylabel("probability the stock is exhausted")
    ax.set_xlabel("end of quarter")
    ax.legend(loc="lower right", title="scenario")
    _title(fig, ax, title, subtitle)
    return fig


def synthetic_gap_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """Synthetic tokens needed (log axis) and their share of the dataset, p50 per scenario.

    ``frame`` columns: scenario, quarter, synthetic_needed_p50 [tokens], synthetic_share_p50 [0–1].
    """
    fig, (left, right) = _new_figure(2)
    for k, (name, part) in enumerate(frame.groupby("scenario", sort=False)):
        x = _year(part["quarter"])
        needed = part["synthetic_needed_p50"].to_numpy(dtype=float)
        style = dict(color=colour(k), linestyle=LINESTYLES[k % len(LINESTYLES)], label=name)
        left.plot(x, np.where(needed > 0, needed, np.nan), **style)
        right.plot(x, part["synthetic_share_p50"], **style)
    left.set_yscale("log")
    left.yaxis.set_major_formatter(_axis_formatter("tokens"))
    left.set_ylabel("synthetic tokens needed (median)")
    right.set_ylim(0, 1.0)
    right.yaxis.set_major_formatter(_axis_formatter("percent"))
    right.set_ylabel("synthetic share of the dataset (median)")
    for ax in (left, right):
        ax.xaxis.set_major_formatter(_axis_formatter("year"))
        ax.set_xlabel("end of quarter")
    right.legend(loc="upper left", title="scenario")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11.5, fontweight="bold")
    left.set_title(subtitle, fontsize=8.5, fontweight="normal", color="#444444", loc="left")
    return fig


COMPONENT_LABELS = {"compute": "Compute", "human_data": "Human data", "expert_data": "Expert-written data",
                    "synthetic_generation": "Synthetic generation", "verification": "Verification"}


def cost_components_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """Stacked bars: mean cost of each component per cost scenario.

    ``frame`` columns: scenario, component, mean [USD].
    """
    fig, (ax,) = _new_figure()
    names = list(dict.fromkeys(frame["scenario"]))
    bottom = np.zeros(len(names))
    for k, component in enumerate(COMPONENT_LABELS):
        part = frame[frame["component"] == component].set_index("scenario").reindex(names)["mean"]
        values = part.fillna(0.0).to_numpy(dtype=float)
        if not values.any():
            continue
        ax.bar(names, values, bottom=bottom, color=colour(k), label=COMPONENT_LABELS[component],
               edgecolor="white", linewidth=0.6, hatch=(None, "//", "..", "xx", "\\\\")[k] if k else None)
        bottom += values
    for i, total in enumerate(bottom):
        ax.annotate(format_quantity(total, "usd"), (i, total), ha="center", va="bottom",
                    xytext=(0, 2), textcoords="offset points", fontsize=8)
    ax.yaxis.set_major_formatter(_axis_formatter("usd"))
    ax.set_ylabel("training cost, mean of samples (USD)")
    ax.set_ylim(0, bottom.max() * 1.15 if bottom.size else 1)
    ax.tick_params(axis="x", labelrotation=0)
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper right", title="component")
    _title(fig, ax, title, subtitle)
    return fig


def cost_vs_share_chart(frame: pd.DataFrame, best_share: float, title: str, subtitle: str):
    """Cheapest run reaching the target at each synthetic share: p50 line, p10–p90 band, optimum.

    ``frame`` columns: synthetic_share [0–1], total_p10, total_p50, total_p90 [USD], p_cheapest.
    """
    fig, (ax,) = _new_figure()
    x = frame["synthetic_share"].to_numpy(dtype=float)
    ax.fill_between(x, frame["total_p10"], frame["total_p90"], color=colour(0), alpha=0.2, linewidth=0,
                    label="80% interval (p10–p90)")
    ax.plot(x, frame["total_p50"], color=colour(0), marker="o", markersize=3.5, label="median total cost")
    k = int(np.argmin(np.abs(x - best_share)))
    ax.plot([x[k]], [frame["total_p50"].iloc[k]], marker="*", markersize=14, color=colour(3),
            linestyle="none", label=f"cheapest share: {x[k]:.0%} "
                                    f"(cheapest in {frame['p_cheapest'].iloc[k]:.0%} of samples)")
    ax.xaxis.set_major_formatter(_axis_formatter("percent"))
    ax.yaxis.set_major_formatter(_axis_formatter("usd"))
    ax.set_xlabel("synthetic share of training tokens")
    ax.set_ylabel("cost of the cheapest run reaching the target (USD)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    _title(fig, ax, title, subtitle)
    return fig


def sensitivity_chart(frame: pd.DataFrame, title: str, subtitle: str, xlabel: str):
    """Sorted horizontal bars of rank correlation (Spearman's rho) of each input with an outcome.

    ``frame`` columns: input, label, rho [−1, 1]; drawn largest |rho| on top.
    """
    fig, (ax,) = _new_figure()
    part = frame.iloc[::-1]
    rho = part["rho"].to_numpy(dtype=float)
    ax.barh(part["label"], rho, color=[colour(0) if r >= 0 else colour(1) for r in rho],
            hatch=None, height=0.65)
    for i, r in enumerate(rho):
        ax.annotate(f"{r:+.2f}", (r, i), xytext=(3 if r >= 0 else -3, 0), textcoords="offset points",
                    ha="left" if r >= 0 else "right", va="center", fontsize=7.5)
    ax.set_xlim(-1.1, 1.1)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize=7.5)
    _title(fig, ax, title, subtitle)
    return fig


def waterfall_chart(frame: pd.DataFrame, marks: pd.DataFrame, title: str, subtitle: str):
    """Waterfall of total cost p50 from the first run to the last, published figures beside it.

    ``frame`` columns: step, label, total_p50 [USD] (one row per run, in order). ``marks`` columns:
    label, value [USD], beside (row position).
    """
    fig, (ax,) = _new_figure()
    totals = frame["total_p50"].to_numpy(dtype=float)
    n = len(totals)
    labels = [str(s) for s in frame["label"]]
    for i in range(n):
        if i == 0 or i == n - 1:
            ax.bar(i, totals[i], color=colour(0), width=0.6)
            continue
        prev = totals[i - 1]
        lo, hi = sorted((prev, totals[i]))
        ax.bar(i, hi - lo, bottom=lo, width=0.6, color=colour(2) if totals[i] < prev else colour(3))
    # the final bar is the whole last run; the change from the step before it is drawn as a bracket
    if n >= 2:
        prev, last = totals[-2], totals[-1]
        ax.bar(n - 1, abs(last - prev), bottom=min(prev, last), width=0.6, fill=False,
               edgecolor=colour(2) if last < prev else colour(3), linewidth=1.6, hatch="//")
    for i in range(n - 1):
        ax.plot([i + 0.3, i + 0.7], [totals[i], totals[i]], color="#666666", linewidth=0.8)
    for i, total in enumerate(totals):
        factor = "" if i == 0 else f"\n{'÷' if total < totals[i - 1] else '×'}" \
                                   f"{max(total, totals[i - 1]) / min(total, totals[i - 1]):.2f}"
        ax.annotate(format_quantity(total, "usd") + factor, (i, total), ha="center", va="bottom",
                    xytext=(0, 3), textcoords="offset points", fontsize=8)
    for k, row in enumerate(marks.itertuples(index=False)):
        pos = int(row.beside) % n
        x = pos + (-0.42 if pos == 0 else 0.42)
        ax.plot([x], [row.value], marker="D", markersize=7, color=colour(4 + k % 2), linestyle="none",
                label=row.label)
    ax.set_xticks(range(n), [_wrap(lbl) for lbl in labels])
    ax.yaxis.set_major_formatter(_axis_formatter("usd"))
    ax.set_ylabel("total training cost, median of samples (USD)")
    ax.set_ylim(0, max(totals.max(), marks["value"].max() if len(marks) else 0) * 1.2)
    ax.grid(axis="x", visible=False)
    ax.tick_params(axis="x", labelsize=7.5)
    from matplotlib.patches import Patch

    handles, names = ax.get_legend_handles_labels()
    handles += [Patch(color=colour(0)), Patch(color=colour(2)), Patch(color=colour(3))]
    names += ["run (median)", "step lowers cost", "step raises cost"]
    ax.legend(handles, names, loc="upper right", title="published figures and steps")
    _title(fig, ax, title, subtitle)
    return fig


def _wrap(text: str, width: int = 22) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text
