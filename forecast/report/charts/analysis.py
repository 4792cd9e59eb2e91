"""Charts of sensitivity and sweeps: matplotlib figures (Agg, no pyplot state), deterministic PNG bytes.

Build and render them inside :func:`style` (fixed rcParams) for byte-identical PNGs
(:func:`tornado_pngs` and :func:`heatmap_png` do); writing them is :mod:`forecast.export`'s.

Colours are the Okabe–Ito palette (Okabe & Ito 2008), which stays distinct under the common colour
vision deficiencies; heatmaps use ``cividis`` (Nuñez et al. 2018), uniform in lightness and
readable in grey. Each title states the finding; the subtitle states the unit and the source.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import pandas as pd

from forecast.io.overrides import field_kind
from forecast.outputs import (BY_YEAR, format_headline, format_value, headline_kind, headline_label, output_kind,
                              output_label)
from forecast.units import format_quantity

if TYPE_CHECKING:  # pragma: no cover
    from forecast.analysis.sweep import Grid

__all__ = ["BLUE", "CHARTED", "ORANGE", "heatmap", "heatmap_figure", "heatmap_png", "png_bytes", "style",
           "tornado_figure", "tornado_pngs"]

#: Okabe–Ito blue and orange.
BLUE, ORANGE = "#0072B2", "#E69F00"
#: Outputs of the sensitivity analysis that get a tornado chart (the mix costs are in the table only).
CHARTED = ("exhaustion", f"exhaustion.by_{BY_YEAR}", "cost.total", "cost.cheapest_share")


@contextlib.contextmanager
def style() -> Iterator[None]:
    """matplotlib's defaults and a few fixed settings, whatever a user's matplotlibrc says.

    Build and save figures inside this block, so the same numbers give the same PNG bytes.
    """
    import matplotlib

    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update({"font.family": "DejaVu Sans", "path.simplify": False,
                                    "text.parse_math": False})
        yield


def png_bytes(figure: Any) -> bytes:
    """``figure`` as PNG bytes with no timestamp or version in its metadata (same bytes every run)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def tornado_figure(frame: pd.DataFrame, output: str, scenario: str, top: int = 10) -> Any:
    """Horizontal bars from the base value to the output with each input at its p10 and its p90.

    ``frame`` is :func:`forecast.analysis.sensitivity.sensitivity`'s table; inputs are ranked by
    total Sobol index (ST), largest on top as the table ranks them, with ST printed beside the bars,
    and the title names the top one (:func:`forecast.report.document_costs.moves_title`).
    """
    from forecast.analysis.sensitivity import log_scaled
    from forecast.report.document_costs import moves_title

    ranked = frame[frame["output"] == output].sort_values(["ST", "swing"], ascending=False, kind="stable",
                                                          na_position="last").head(top)
    rows = ranked.iloc[::-1]
    kind = output_kind(output)
    base = float(rows["base"].iloc[0])
    fig = _new_figure(8.5, 1.2 + 0.42 * len(rows))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    low, high = rows["at_p10"].to_numpy(float), rows["at_p90"].to_numpy(float)
    ax.barh(y, low - base, left=base, color=BLUE, height=0.6, label="input at its p10")
    ax.barh(y, high - base, left=base, color=ORANGE, height=0.6, label="input at its p90")
    ax.axvline(base, color="black", linewidth=0.8)
    labels = [f"{name}  (ST {st:.2f})" if np.isfinite(st) else name
              for name, st in zip(rows["input"], rows["ST"])]
    ax.set_yticks(y, labels, fontsize=8)
    lo, hi = float(np.nanmin([low.min(), high.min(), base])), float(np.nanmax([low.max(), high.max(), base]))
    pad = (hi - lo) * 0.05 or 1.0
    ax.set_xlim(lo - pad, hi + pad)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [format_value(t, kind) for t in ticks], fontsize=8, parse_math=False)
    ax.set_xlim(lo - pad, hi + pad)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    first = rows.iloc[-1]
    name = output_label(output)
    lower = name if name.startswith("P(") else name.lower()
    if np.isfinite(first["ST"]) and first["ST"] > 0:
        title = moves_title(scenario, lower, ranked.rename(columns={"input": "label"}))
    elif first["swing"] > 0:
        title = (f"{first['input']} moves {lower} most: {format_value(first['at_p10'], kind)} "
                 f"to {format_value(first['at_p90'], kind)} from its p10 to its p90")
    else:
        title = f"No single input moves {lower} from {format_value(base, kind)}"
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold", wrap=True, parse_math=False)
    unit = {"year": "quarter", "probability": "probability", "usd": "USD", "fraction": "share"}[kind]
    how = ("each input at its p10 or p90, the others drawn" if kind == "probability"
           else "each input at its p10 or p90, the others at their medians")
    where = "all drawn" if kind == "probability" else "all at medians"
    share_of = "variance of the output's logarithm" if log_scaled(output) else "output's variance"
    fig.supxlabel(f"{name} [{unit}]: {how} (base: {where}, {format_value(base, kind)}).\n"
                  f"Scenario {scenario}; ST = total Sobol index (share of the {share_of} the input takes part in)",
                  fontsize=8, x=0.01, ha="left", parse_math=False)
    return fig


def _tick(value: Any, kind: str | None) -> str:
    if isinstance(value, str) or kind is None:
        return value if isinstance(value, str) else f"{value:.4g}"
    return format_quantity(float(value), kind)


def heatmap_figure(table: pd.DataFrame, x: str, y: str, metric: str, kind: str, title: str,
                   subtitle: str, x_kind: str | None = None, y_kind: str | None = None) -> Any:
    """A metric over two axes of a sweep, each cell labelled with its value.

    ``table`` has one row per point with columns ``x``, ``y`` and ``metric``; ``x_kind`` and
    ``y_kind`` are the unit kinds of the axes (tick labels such as ``4x/yr``, ``$2.00``).
    """
    import textwrap

    pivot = table.pivot_table(index=y, columns=x, values=metric, aggfunc="first", sort=True)
    values = pivot.to_numpy(dtype=float)
    shown = np.where(np.isfinite(values), values, np.nan)
    fig = _new_figure(1.6 + 0.95 * pivot.shape[1], 1.6 + 0.55 * pivot.shape[0])
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="cividis", aspect="auto", origin="lower")
    finite = shown[np.isfinite(shown)]
    middle = float(np.mean([finite.min(), finite.max()])) if finite.size else 0.0
    for (i, j), v in np.ndenumerate(values):
        text = format_value(v, kind)
        colour = "black" if np.isfinite(v) and v > middle else "white"
        ax.text(j, i, text, ha="center", va="center", fontsize=7, parse_math=False,
                color=colour if np.isfinite(v) else "black")
    ax.set_xticks(range(pivot.shape[1]), [_tick(c, x_kind) for c in pivot.columns], fontsize=8, parse_math=False)
    ax.set_yticks(range(pivot.shape[0]), [_tick(r, y_kind) for r in pivot.index], fontsize=8, parse_math=False)
    ax.set_xlabel(x, fontsize=9)
    ax.set_ylabel(y, fontsize=9)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    if finite.size:
        ticks = bar.get_ticks()
        ticks = ticks[(ticks >= finite.min()) & (ticks <= finite.max())]
        bar.set_ticks(ticks, labels=[format_value(t, kind) for t in ticks], parse_math=False)
    bar.ax.tick_params(labelsize=7)
    width = int(12 * (1.6 + 0.95 * pivot.shape[1]))          # characters per line at these font sizes
    fig.suptitle("\n".join(textwrap.wrap(title, width)), x=0.01, ha="left", fontsize=10, fontweight="bold",
                 parse_math=False)
    fig.supxlabel("\n".join(textwrap.wrap(subtitle, int(width * 1.25))), x=0.01, ha="left", fontsize=8,
                  parse_math=False)
    return fig


def tornado_pngs(frame: pd.DataFrame, scenario: str) -> dict[str, bytes]:
    """``tornado-<output>.png`` → PNG bytes of every :data:`CHARTED` output in ``frame`` (the table of
    :func:`forecast.analysis.sensitivity.sensitivity`), each drawn inside :func:`style`."""
    found = set(frame["output"])
    out = {}
    for output in CHARTED:
        if output in found:
            with style():
                out[f"tornado-{output}.png"] = png_bytes(tornado_figure(frame, output, scenario))
    return out


def heatmap(grid: "Grid", table: pd.DataFrame):
    """(figure, its numbers) of a metric over two axes of a sweep, or None when the grid has not two axes.

    The axes are the grid's ``chart`` x and y (else its two axes, the second across); the metric is
    the chart's (else ``exhaustion.p50`` or ``cost.total.p50``). The title says the metric's range over
    the grid and which axis moves it more: the one whose range, averaged over the other axis, is wider.
    """
    import warnings

    names = [a.name for a in grid.axes]
    x, y = grid.chart.get("x"), grid.chart.get("y")
    if x is None or y is None:
        if len(names) != 2 or grid.zipped:
            return None
        x, y = names[1], names[0]
    metric = grid.chart.get("metric") or next((k for k in ("exhaustion.p50", "cost.total.p50") if k in table), None)
    if metric is None or metric not in table:
        return None
    kind = headline_kind(metric) or "fraction"
    data = table[[x, y, metric]]
    values = data[metric].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    label = headline_label(metric)
    if finite.size:
        pivot = data.pivot_table(index=y, columns=x, values=metric, aggfunc="first")
        grid_values = np.where(np.isfinite(pivot), pivot, np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # an all-nan row or column has no range
            # the mean, over the other axis, of the range the metric spans along this axis
            spread_x = float(np.nanmean(np.nanmax(grid_values, axis=1) - np.nanmin(grid_values, axis=1)))
            spread_y = float(np.nanmean(np.nanmax(grid_values, axis=0) - np.nanmin(grid_values, axis=0)))
        spread_x = spread_x if np.isfinite(spread_x) else 0.0
        spread_y = spread_y if np.isfinite(spread_y) else 0.0
        lead = x if spread_x >= spread_y else y
        title = (f"{label}: {format_headline(metric, float(finite.min()))} to "
                 f"{format_headline(metric, float(finite.max()))} across the grid; {lead} moves it more over its range")
    else:
        title = f"{label} falls after the horizon at every point"
    samples = grid.samples or grid.base.samples
    subtitle = (f"{label} by {y} and {x}; {samples:,} samples per point, each point seeded from its "
                f"content. Base {Path(grid.base_path).name}; grid {Path(grid.path).name}")
    return heatmap_figure(data, x, y, metric, kind, title, subtitle, field_kind(x), field_kind(y)), data


def heatmap_png(grid: "Grid", table: pd.DataFrame) -> tuple[bytes, pd.DataFrame] | None:
    """(PNG bytes, its numbers) of :func:`heatmap`, drawn inside :func:`style`; None without two axes."""
    with style():
        chart = heatmap(grid, table)
        if chart is None:
            return None
        figure, data = chart
        return png_bytes(figure), data
