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
"""
from __future__ import annotations

import contextlib
import io
from typing import Iterator, Sequence

import numpy as np
from forecast.units import format_quantity

__all__ = ["DPI", "HEIGHT", "LINESTYLES", "PALETTE", "WIDTH", "add_title", "axis_formatter", "colour", "new_figure",
           "png_bytes", "quarter_years", "style", "tick_tokens", "year_axis"]

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


def add_title(fig, ax, title: str, subtitle: str) -> None:
    """Bold title stating the finding, then a grey subtitle with the units (each wrapped to two
    lines at most, a cut text ending in "…", so a chart never drops words silently); the plot area
    starts below them."""
    import textwrap

    lines = textwrap.wrap(title, 78, max_lines=2, placeholder=" …")
    sub = textwrap.wrap(subtitle, 128, max_lines=2, placeholder=" …")
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


def axis_formatter(kind: str):
    from matplotlib.ticker import FuncFormatter

    if kind == "year":
        return FuncFormatter(lambda x, _: f"{x:.0f}")
    if kind == "percent":
        return FuncFormatter(lambda x, _: f"{x * 100:.0f}%")
    if kind == "tokens":
        return FuncFormatter(lambda x, _: tick_tokens(x))
    return FuncFormatter(lambda x, _: format_quantity(x, kind, digits=3) if x > 0 else "0")


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
