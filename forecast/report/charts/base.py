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

from forecast.outputs import COST_COMPONENTS, COST_LABELS
from forecast.units import format_quantity

__all__ = ["PALETTE", "WIDTH", "HEIGHT", "DPI", "colour", "cost_components_chart", "cost_vs_share_chart",
           "exhaustion_probability_chart", "fan_chart", "png_bytes", "style",
           "synthetic_gap_chart", "trend_chart", "waterfall_chart"]

#: Okabe–Ito colours without black and yellow (too light on white), in drawing order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
#: Figure size [inches] and resolution [dots per inch]: 1200 × 675 pixels.
WIDTH, HEIGHT, DPI = 8.0, 4.5, 150

_RC = {
    "font.family": "DejaVu Sans", "font.size": 9.0, "axes.titlesize": 11.0, "axes.titleweight": "bold",
    "axes.titlelocation": "left", "axes.labelsize": 9.0, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.6,
    "legend.fontsize": 8.0, "legend.frameon": False, "xtick.labelsize": 8.0, "ytick.labelsize": 8.0,
    "figure.dpi": DPI, "savefig.dpi": DPI, "path.simplify": False, "svg.hashsalt": "peakdata",
    "lines.linewidth": 1.8, "axes.axisbelow": True, "text.parse_math": False,  # "$4.6M to $0.7M" is text
}


def colour(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _new_figure(ncols: int = 1, left: float = 0.09, bottom: float = 0.12, right: float = 0.98,
                top: float = 0.83, wspace: float = 0.28):
    """A figure with fixed margins (fractions of the figure): the same layout every time, and far
    quicker than matplotlib's automatic layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top, wspace=wspace)
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
    """Bold title stating the finding, then a grey subtitle with the units (each wrapped to two
    lines at most); the plot area starts below them."""
    import textwrap

    lines = textwrap.wrap(title, 78)[:2]
    sub = textwrap.wrap(subtitle, 128)[:2]
    fig.suptitle("\n".join(lines), x=0.01, y=0.975, ha="left", va="top", fontsize=11.5, fontweight="bold",
                 linespacing=1.2)
    y = 0.975 - 0.058 * len(lines) - 0.012
    fig.text(0.01, y, "\n".join(sub), ha="left", va="top", fontsize=8.5, color="#444444", linespacing=1.3)
    fig.subplots_adjust(top=y - 0.038 * len(sub) - 0.025)


def tick_tokens(x: float) -> str:
    """Tick label for tokens: ``500B``, ``10T``, ``1,000T``, ``100,000T`` (always in T above 1T)."""
    if x <= 0:
        return "0"
    if x >= 1e12:
        t = x / 1e12
        return f"{t:,.0f}T" if t >= 1 else f"{t:.1f}T"
    return format_quantity(x, "tokens", digits=2)


def _axis_formatter(kind: str):
    from matplotlib.ticker import FuncFormatter

    if kind == "year":
        return FuncFormatter(lambda x, _: f"{x:.0f}")
    if kind == "percent":
        return FuncFormatter(lambda x, _: f"{x * 100:.0f}%")
    if kind == "tokens":
        return FuncFormatter(lambda x, _: tick_tokens(x))
    return FuncFormatter(lambda x, _: format_quantity(x, kind, digits=3) if x > 0 else "0")


def _years(ax, x: np.ndarray, narrow: bool = False) -> None:
    """Whole calendar years on the x axis, every 1, 2, 4 or 5 years depending on the span."""
    from matplotlib.ticker import MultipleLocator

    span = float(np.nanmax(x) - np.nanmin(x)) if len(x) else 1.0
    step = 1 if span <= 6 else 2 if span <= 20 else 5
    ax.xaxis.set_major_locator(MultipleLocator(step * 2 if narrow and step < 5 else step))
    ax.xaxis.set_major_formatter(_axis_formatter("year"))
    ax.set_xlabel("year (quarters plotted at their end)")


def png_bytes(fig) -> bytes:
    """The figure as PNG without timestamp or software metadata [bytes]."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None},
                pil_kwargs={"optimize": False})
    return buf.getvalue()


def _year(quarters: Sequence[str]) -> np.ndarray:
    """Quarter labels → decimal year at the quarter's end (2028Q1 → 2028.25)."""
    return np.array([int(q[:4]) + int(q[-1]) / 4.0 for q in quarters])


#: The fan chart's token axis stops at this multiple of the stock's largest p90 [x].
CAP = 100.0


def fan_chart(frame: pd.DataFrame, title: str, subtitle: str, median_exhaustion: float | None = None,
              median_label: str = ""):
    """Stock versus demand: p10–p90 band and p50 line of each, log axis of tokens.

    ``frame`` columns: quarter, metric (``stock``/``demand``), p10, p50, p90 [tokens].
    ``median_exhaustion`` [decimal year at quarter end] draws a vertical marker.
    """
    fig, (ax,) = _new_figure(left=0.115)
    labels = {"stock": "Effective human-text stock", "demand": "Dataset of the largest training run"}
    for k, metric in enumerate(("stock", "demand")):
        part = frame[frame["metric"] == metric]
        x = _year(part["quarter"])
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
    ax.yaxis.set_major_formatter(_axis_formatter("tokens"))
    ax.set_ylabel("tokens (T = trillion)")
    _years(ax, _year(frame["quarter"]))
    ax.legend(loc="best")
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
    _years(ax, _year(frame["quarter"]))
    ax.set_ylabel("probability the stock is exhausted")
    ax.legend(loc="lower right", title="scenario")
    _title(fig, ax, title, subtitle)
    return fig


#: The synthetic-gap chart's token axis stops here [tokens] (100,000T), so late-horizon growth does not flatten the rest.
GAP_AXIS_TOP = 1e17


def synthetic_gap_chart(frame: pd.DataFrame, title: str, subtitle: str):
    """Synthetic tokens needed (log axis) and their share of the dataset, p50 per scenario.

    ``frame`` columns: scenario, quarter, synthetic_needed_p50 [tokens], synthetic_share_p50 [0–1].
    """
    fig, (left, right) = _new_figure(2, left=0.115, right=0.985)
    for k, (name, part) in enumerate(frame.groupby("scenario", sort=False)):
        x = _year(part["quarter"])
        needed = part["synthetic_needed_p50"].to_numpy(dtype=float)
        style = dict(color=colour(k), linestyle=LINESTYLES[k % len(LINESTYLES)], label=name)
        left.plot(x, np.where(needed > 0, needed, np.nan), **style)
        right.plot(x, part["synthetic_share_p50"], **style)
    left.set_yscale("log")
    if np.nanmax(frame["synthetic_needed_p50"].to_numpy(dtype=float), initial=0.0) > GAP_AXIS_TOP:
        left.set_ylim(top=GAP_AXIS_TOP)
        subtitle += f" Left axis cut at {tick_tokens(GAP_AXIS_TOP)}."
    left.yaxis.set_major_formatter(_axis_formatter("tokens"))
    left.set_ylabel("synthetic tokens needed (median)")
    right.set_ylim(0, 1.0)
    right.yaxis.set_major_formatter(_axis_formatter("percent"))
    right.set_ylabel("synthetic share of the dataset (median)")
    for ax in (left, right):
        _years(ax, _year(frame["quarter"]), narrow=True)
    left.legend(loc="lower right", title="scenario")
    _title(fig, left, title, subtitle)
    return fig


#: The cost components, stacked in this order, as the legend names them.
COMPONENT_LABELS = {key: COST_LABELS[key] for key in COST_COMPONENTS}


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
    fig, (ax,) = _new_figure(left=0.1)
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
    ax.set_ylabel("cheapest run reaching the target (USD)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    _title(fig, ax, title, subtitle)
    return fig


def waterfall_chart(frame: pd.DataFrame, marks: pd.DataFrame, title: str, subtitle: str, end_label: str):
    """Waterfall of total cost p50: the first run, each step's change, and the last run.

    ``frame`` columns: label, total_p50 [USD] (one row per run, in order; rows after the first are
    steps). ``marks`` columns: label, value [USD], beside (run position: 0 = first, last = last run).
    Bars: the first run's total, one floating bar per step (green lowers, orange raises the cost),
    and the last run's total.
    """
    fig, (ax,) = _new_figure(bottom=0.2)
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
        ax.annotate(format_quantity(total, "usd"), (i, total), ha="center", va="bottom", xytext=(0, 3),
                    textcoords="offset points", fontsize=8.5, fontweight="bold")
    for k, row in enumerate(marks.itertuples(index=False)):
        pos = 0 if int(row.beside) == 0 else n
        x = pos - 0.45 if pos == 0 else pos + 0.45
        ax.plot([x], [row.value], marker="D", markersize=7, color=colour(4 + k % 2), linestyle="none",
                label=row.label, markeredgecolor="#333333", markeredgewidth=0.6)
    ax.set_xticks(range(n + 1), [_wrap(lbl) for lbl in labels])
    ax.set_xlim(-0.7, n + 0.7)
    ax.yaxis.set_major_formatter(_axis_formatter("usd"))
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
    _title(fig, ax, title, subtitle)
    return fig


def _wrap(text: str, width: int = 22) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


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
    fig, (ax,) = _new_figure(left=0.1)
    observed = frame[frame["kind"] == "observed"].drop_duplicates("quarter")
    ax.plot(_year(observed["quarter"]), observed["value"].to_numpy(dtype=float) * scale, color="#333333",
            marker="o", markersize=2.6, linestyle="none", label="observed frontier (record so far, per quarter)",
            zorder=5)
    methods = [m for m in TREND_METHODS if m in set(frame["method"])]
    for k, method in enumerate(methods):
        part = frame[(frame["method"] == method) & (frame["kind"] == "forecast")]
        x = _year(part["quarter"])
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
        ax.yaxis.set_major_formatter(FuncFormatter(_flop_tick) if kind == "flop" else _axis_formatter(kind))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(ylabel)
    _years(ax, _year(frame["quarter"]))
    ax.legend(loc="upper left" if unit != "usd_per_flop" else "upper right")
    _title(fig, ax, title, subtitle)
    return fig
