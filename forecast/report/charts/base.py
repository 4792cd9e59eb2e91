"""What every chart of the quarterly report shares: palette, size, rcParams, titles, axes and PNG bytes.

The charts are pure builders from tidy tables to matplotlib ``Figure``, one module per family:
:mod:`~forecast.report.charts.fans` (stock against demand, exhaustion, the synthetic gap),
:mod:`~forecast.report.charts.costs` (cost components, cost by synthetic share, waterfalls),
:mod:`~forecast.report.charts.trends` (trend fits), :mod:`~forecast.report.charts.dynamics` (stock
dynamics and the gap's price), :mod:`~forecast.report.charts.moves` (what moves the answer) and
:mod:`~forecast.report.charts.analysis` (sensitivity tornadoes and sweep heatmaps). Every builder
takes the numbers it draws as a DataFrame (the same frame is written beside the PNG as CSV) and
returns a :class:`matplotlib.figure.Figure` on the Agg canvas; nothing touches pyplot's global
state. :func:`png_bytes` renders with fixed size, DPI and rcParams and without a timestamp or
software tag, so the same numbers give the same bytes.

Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), readable with the
common colour-vision deficiencies; lines also differ in style so a grey print still separates them.
A scenario has one colour in every chart (:data:`SCENARIO_COLOURS`, :func:`scenario_styles`): the
baseline near-black and thick, the others in Paul Tol's muted qualitative scheme (Tol 2021,
"Colour Schemes", SRON/EPS/TN/09-002), also safe for colour-vision deficiencies. Lines of several
scenarios are labelled directly at their right end (:func:`direct_labels`), not by a legend; every
chart carries a source line under the plot (:func:`add_source`).
"""
from __future__ import annotations

import contextlib
import io
from typing import Iterator, Sequence

import numpy as np
from forecast.units import format_quantity

__all__ = ["DPI", "HEIGHT", "LINESTYLES", "PALETTE", "SCENARIO_COLOURS", "TOKEN_AXIS_LABEL", "WIDTH", "add_source",
           "add_title", "axis_formatter", "colour", "direct_labels", "legend_below", "new_figure", "png_bytes",
           "quarter_years", "scenario_styles", "style", "tick_tokens", "tick_trillions", "year_axis"]

#: Okabe–Ito colours without black and yellow (too light on white), in drawing order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
#: The colour of each shipped scenario in every chart that draws scenarios (a documented, fixed map:
#: docs/report.md). The baseline is strong (near-black, drawn thicker); the others are muted colours
#: of Paul Tol's "muted" scheme and the Okabe–Ito palette, one per scenario; peak-2023, stale by
#: design, is grey. A scenario not in the map takes the first colour of :data:`SPARE_COLOURS` no
#: other scenario of the chart set uses (:func:`scenario_styles`).
SCENARIO_COLOURS = {
    "baseline": "#1a1a1a",
    "ai-written-inflow": "#CC6677",       # rose
    "backtested-trend": "#88CCEE",        # cyan
    "compute-limits": "#117733",          # green
    "licensed-text": "#999933",           # olive
    "overtrained-5x": "#AA4499",          # purple
    "peak-2023": "#9a9a9a",               # grey: stale by design
    "private-text": "#44AA99",            # teal
    "slow-growth": "#332288",             # indigo
    "synthetic-by-choice": "#E69F00",     # Okabe–Ito orange
    "gpt-class": "#882255",               # wine
    "mix-sweep": "#DDAA33",               # sand, darkened to read on white
    "palmyra-x-004": "#0072B2",           # Okabe–Ito blue
    "phi-4": "#D55E00",                   # Okabe–Ito vermilion
}
#: Colours for scenarios outside :data:`SCENARIO_COLOURS`, in the order they are handed out.
SPARE_COLOURS = ("#56B4E9", "#009E73", "#CC79A7", "#661100", "#6699CC", "#888888", "#F0E442")
#: Line width of the baseline and of every other scenario [points].
STRONG_WIDTH, MUTED_WIDTH = 2.8, 1.5
#: The label of every axis of tokens; ticks are in trillions without a suffix (``1,000``), so a
#: token count cannot be read as dollars.
TOKEN_AXIS_LABEL = "trillion tokens"
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


def scenario_styles(names: Sequence[str], lead: str | None = "baseline") -> dict[str, dict]:
    """Line style of each scenario: ``color`` from :data:`SCENARIO_COLOURS` (a name outside it takes
    the first spare colour not yet used, in the order given), ``linewidth`` (``lead`` strong, the
    others muted) and ``zorder`` (the lead on top). Pass every scenario of the report so a scenario
    has the same colour in every chart."""
    out: dict[str, dict] = {}
    used = {SCENARIO_COLOURS[n] for n in names if n in SCENARIO_COLOURS}
    spare = [c for c in SPARE_COLOURS + PALETTE if c not in used]
    for name in dict.fromkeys(names):
        if name in SCENARIO_COLOURS:
            c = SCENARIO_COLOURS[name]
        else:
            c = spare.pop(0) if spare else "#777777"
        strong = name == lead
        out[name] = {"color": c, "linewidth": STRONG_WIDTH if strong else MUTED_WIDTH, "zorder": 4 if strong else 3}
    return out


def direct_labels(ax, items: Sequence[tuple[str, float, dict]], x: float | None = None, gap: float = 0.045,
                  fontsize: float = 7.5) -> None:
    """Label lines at their right end, in the line's colour, instead of a legend.

    ``items``: (label, y of the line's last point in data units, line style with ``color``).
    Labels sit just right of the axes at the line's end height, pushed apart to ``gap`` [fraction
    of the axes height] so none overlap, each joined to its line's end by a thin leader. Call it
    after the axis limits are final (they are frozen here)."""
    ax.set_xlim(*ax.get_xlim())
    ax.set_ylim(*ax.get_ylim())
    x_end = ax.get_xlim()[1] if x is None else x
    to_axes = ax.transAxes.inverted()
    placed = []
    for label, y, style_ in items:
        if y is None or not np.isfinite(y):
            continue
        _, fy = to_axes.transform(ax.transData.transform((x_end, y)))
        placed.append([min(max(float(fy), 0.0), 1.0), float(min(max(fy, 0.0), 1.0)), label, style_])
    placed.sort(key=lambda p: p[0])
    for i in range(1, len(placed)):  # push up
        placed[i][0] = max(placed[i][0], placed[i - 1][0] + gap)
    if placed and placed[-1][0] > 1.0:  # then down from the top
        placed[-1][0] = 1.0
        for i in range(len(placed) - 2, -1, -1):
            placed[i][0] = min(placed[i][0], placed[i + 1][0] - gap)
    for y_text, y_line, label, style_ in placed:
        c = style_.get("color", "#333333")
        ax.plot([1.005, 1.02, 1.035], [y_line, y_text, y_text], transform=ax.transAxes, color=c, linewidth=0.7,
                clip_on=False)
        ax.text(1.04, y_text, label, transform=ax.transAxes, ha="left", va="center", fontsize=fontsize, color=c,
                fontweight="bold" if style_.get("linewidth", 0) >= STRONG_WIDTH else "normal", clip_on=False)


def legend_below(fig, ax, ncol: int = 2, handles=None, labels=None, rows: int | None = None) -> None:
    """The legend under the plot, off the data: ``ncol`` columns centred below the x-axis label,
    with the plot area raised to make room."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    rows = rows or -(-len(handles) // ncol)
    extra = 0.04 * rows + 0.035
    box = fig.subplotpars
    fig.subplots_adjust(bottom=box.bottom + extra)
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, _SOURCE_BAND + 0.005), ncol=ncol,
               fontsize=7.5, handlelength=2.0, columnspacing=1.2, labelspacing=0.35, frameon=False)


#: Height of the source line's band at the bottom of the figure [fraction of the figure].
_SOURCE_BAND = 0.045


def add_source(fig, text: str) -> None:
    """The source line under the chart (grey, small, left-aligned), the plot raised to make room;
    ``text`` without the leading "Source: " (added here)."""
    import textwrap

    lines = textwrap.wrap("Source: " + " ".join(str(text).split()), 135, max_lines=2, placeholder=" …")
    fig.text(0.01, 0.008, "\n".join(lines), ha="left", va="bottom", fontsize=7.0, color="#555555", linespacing=1.25)
    box = fig.subplotpars
    extra = 0.022 * (len(lines) - 1)
    if fig.legends:  # a legend below the plot has left room for one line; move it above the second
        for legend in fig.legends:
            legend.set_bbox_to_anchor((0.5, _SOURCE_BAND + 0.005 + extra), transform=fig.transFigure)
        fig.subplots_adjust(bottom=box.bottom + extra)
    else:
        fig.subplots_adjust(bottom=box.bottom + _SOURCE_BAND * 0.6 + extra)


def new_figure(ncols: int = 1, left: float = 0.09, bottom: float = 0.12, right: float = 0.98,
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


#: Characters per line of a chart's title and subtitle; each gets two lines at most.
TITLE_WIDTH, SUBTITLE_WIDTH = 78, 128


def add_title(fig, ax, title: str, subtitle: str) -> None:
    """Bold title stating the finding, then a grey subtitle with the units (each wrapped to two
    lines at most, a cut text ending in "…", so a chart never drops words silently); the plot area
    starts below them."""
    import textwrap

    lines = textwrap.wrap(title, TITLE_WIDTH, max_lines=2, placeholder=" …")
    sub = textwrap.wrap(subtitle, SUBTITLE_WIDTH, max_lines=2, placeholder=" …")
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


def tick_trillions(x: float) -> str:
    """Tick label of an axis in trillions of tokens (the unit is in the axis label): ``0.01``,
    ``1``, ``1,000``, ``100,000``."""
    if x <= 0:
        return "0"
    t = x / 1e12
    if t >= 1:
        return f"{t:,.0f}"
    return f"{t:.{max(0, -int(np.floor(np.log10(t) + 1e-9)))}f}"


def axis_formatter(kind: str):
    from matplotlib.ticker import FuncFormatter

    if kind == "year":
        return FuncFormatter(lambda x, _: f"{x:.0f}")
    if kind == "percent":
        return FuncFormatter(lambda x, _: f"{x * 100:.0f}%")
    if kind == "tokens":
        return FuncFormatter(lambda x, _: tick_trillions(x))
    return FuncFormatter(lambda x, _: format_quantity(x, kind, digits=3) if x > 0 else "0")


def log_y(ax) -> None:
    """A log-scale y axis with gridlines and ticks at its labelled values only: no minor ticks
    between them (they add marks a reader cannot read off, and most of a chart's drawing time)."""
    from matplotlib.ticker import NullLocator

    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(NullLocator())


def year_axis(ax, x: np.ndarray, narrow: bool = False) -> None:
    """Whole calendar years on the x axis, every 1, 2, 4 or 5 years depending on the span."""
    from matplotlib.ticker import MultipleLocator

    span = float(np.nanmax(x) - np.nanmin(x)) if len(x) else 1.0
    step = 1 if span <= 6 else 2 if span <= 20 else 5
    ax.xaxis.set_major_locator(MultipleLocator(step * 2 if narrow and step < 5 else step))
    ax.xaxis.set_major_formatter(axis_formatter("year"))
    ax.set_xlabel("year (quarters plotted at their end)")


def png_bytes(fig) -> bytes:
    """The figure as PNG without timestamp or software metadata [bytes]."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None},
                pil_kwargs={"optimize": False})
    return buf.getvalue()


def quarter_years(quarters: Sequence[str]) -> np.ndarray:
    """Quarter labels → decimal year at the quarter's end (2028Q1 → 2028.25)."""
    return np.array([int(q[:4]) + int(q[-1]) / 4.0 for q in quarters])
