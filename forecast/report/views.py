"""The analyses for people: tables of strings and sentences for the terminal, from the data frames and
dataclasses of :mod:`forecast.analysis` (values written with :mod:`forecast.outputs`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.analysis.solve import Solution
from forecast.outputs import (format_headline, format_value, headline_label, input_label, input_unit, output_kind,
                              output_label)
from forecast.units import format_quantity

__all__ = ["describe", "ranking_view", "steps_view", "sweep_view"]


def ranking_view(frame: pd.DataFrame, top: int = 5) -> list[tuple[str, pd.DataFrame]]:
    """Per output of :func:`forecast.analysis.sensitivity.sensitivity`, a title and a table of strings:
    rank, input, S1 ± 95%, ST ± 95%, the output with the input at its p10 and at its p90."""
    out = []
    for output, rows in frame.groupby("output", sort=False):
        kind = output_kind(output)
        rows = rows.head(top)
        view = pd.DataFrame({
            "rank": rows["rank"].astype(int).astype(str),
            "input": rows["input"],
            "S1": [f"{a:.2f} ± {b:.2f}" if np.isfinite(a) else "n/a" for a, b in zip(rows["S1"], rows["S1_conf"])],
            "ST": [f"{a:.2f} ± {b:.2f}" if np.isfinite(a) else "n/a" for a, b in zip(rows["ST"], rows["ST_conf"])],
            "input p10 → output": [format_value(v, kind) for v in rows["at_p10"]],
            "input p90 → output": [format_value(v, kind) for v in rows["at_p90"]],
        })
        base = format_value(float(rows["base"].iloc[0]), kind) if len(rows) else "n/a"
        where = "inputs drawn" if kind == "probability" else "all inputs at medians"
        out.append((f"{output_label(output)} ({where}: {base})", view))
    return out


def describe(sol: Solution) -> str:
    """The answer of a goal-seek (:func:`forecast.analysis.solve.solve`) in one or two sentences
    (what ``peakdata solve`` prints)."""
    def fmt(v: float) -> str:
        return format_value(v, sol.kind) + _per(sol)

    what = headline_label(sol.target.key)
    now = f"now {fmt(sol.baseline_value)} gives {format_headline(sol.target.key, sol.baseline_metric)}"
    if sol.value is None:
        return (f"No value of {sol.vary} from {fmt(sol.low)} to {fmt(sol.high)} meets {sol.target.text}: "
                f"the best is {fmt(sol.best_value)}, giving {what} {format_headline(sol.target.key, sol.best_metric)} "
                f"({now}).") + _replaces(sol)
    if sol.met_everywhere:
        return (f"{sol.target.text} holds over the whole range of {sol.vary} searched, from {fmt(sol.low)} "
                f"({what} {format_headline(sol.target.key, sol.metric)}); {now}.") + _replaces(sol)
    edge = "at least" if sol.steps and _increasing(sol) else "at most"
    text = (f"{sol.vary} {edge} {fmt(sol.value)} meets {sol.target.text} ({what} "
            f"{format_headline(sol.target.key, sol.metric)}); {now}.")
    if not sol.monotone:
        text += " The output is not monotone in this input over the range: this is the first crossing."
    return text + _replaces(sol)


def _replaces(sol: Solution) -> str:
    """Where a varied input read from ``data/`` came from, said once after the answer."""
    if sol.overrides is None:
        return ""
    return f" The values searched replace the row {sol.vary} is read from, {sol.overrides}."


def _per(sol: Solution) -> str:
    """What a price input is per, as its values are written (``$1.69/GPU-hour``, ``$0.80/Mtok``);
    "" for any other input."""
    unit = input_unit(sol.kind, sol.vary)
    return unit.removeprefix("USD") if unit.startswith("USD/") else ""


def _increasing(sol: Solution) -> bool:
    """Whether meeting the target needs a larger input value (met at the high end of the range)."""
    top = sol.steps[-1][1]
    return sol.target.met(top)


def _distinct(values: list[float], kind: str) -> list[str]:
    """``values`` written as :func:`format_value` does, with more significant digits (up to 8) where
    fewer would print two different values alike."""
    texts = [format_value(v, kind) for v in values]
    for digits in range(4, 9):
        if len(set(texts)) == len(set(values)):
            break
        texts = [f"{v * 100:.{digits}g}%" if kind == "fraction" else
                 format_quantity(v, kind if kind in ("tokens", "growth", "flop", "params", "usd") else "number",
                                 digits) for v in values]
    return texts


def steps_view(sol: Solution) -> pd.DataFrame:
    """Every evaluation of a goal-seek as strings, one row per value: input value (with as many digits
    as tell the values apart), headline output, target met."""
    return pd.DataFrame({
        sol.vary: [text + _per(sol) for text in _distinct([x for x, _ in sol.steps], sol.kind)],
        headline_label(sol.target.key): [format_headline(sol.target.key, v) for _, v in sol.steps],
        "meets target": ["yes" if sol.target.met(v) else "no" for _, v in sol.steps],
    })


def sweep_view(table: pd.DataFrame, rows: int = 20) -> pd.DataFrame:
    """The first ``rows`` points of a sweep table (:func:`forecast.analysis.sweep.run_sweep`) as strings
    for the terminal: headline figures formatted, each axis value in its input's unit (``3x/yr``,
    ``25%``, ``$2.83``) as a scenario file writes it, and the columns headed in words (``compute
    growth of the largest run``, ``Exhaustion, median``), which fold between words in a narrow
    terminal where a dotted name would be cut mid-word (sweep.csv keeps the dotted names)."""
    from forecast.io.overrides import field_kind
    from forecast.units import format_quantity

    view = table.head(rows).drop(columns=["seed"])
    out = pd.DataFrame(index=view.index)
    for column in view.columns:
        kind = None if column == "point" else field_kind(column)
        if column.startswith(("exhaustion.", "cost.")):
            out[column] = [format_headline(column, float(v)) for v in view[column]]
        elif kind is not None:
            out[column] = [format_quantity(float(v), kind) if isinstance(v, (int, float)) else str(v)
                           for v in view[column]]
        else:
            out[column] = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in view[column]]
    return out.rename(columns={c: headline_label(c) if c.startswith(("exhaustion.", "cost.")) else input_label(c)
                               for c in out.columns if c != "point"})
