"""``peakdata compare`` as tables: the two sides, the inputs that differ with where each was set, the
data rows that differ, and the headline moves A → B with their split, for the terminal (DataFrames of
strings) and as Markdown for pasting. Moves read as in the report's "changes since last quarter"
(:mod:`forecast.report.changes`): ``3 quarters later``, ``+4.5 pts``, ``+$210K``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from forecast.outputs import format_headline, headline_label
from forecast.report.changes import cell, format_change, total_text

if TYPE_CHECKING:  # pragma: no cover
    from forecast.analysis.compare import Comparison, Side

__all__ = ["COMPARE_FIGURES", "compare_markdown", "compare_tables", "only_lines", "side_line"]

#: The headline figures compared, in this order (those a scenario has): median exhaustion, its 80%
#: interval, P(exhausted by 2030), p50 cost.
COMPARE_FIGURES = ("exhaustion.p50", "exhaustion.p10", "exhaustion.p90", "exhaustion.by_2030", "cost.total.p50")


def side_line(side: "Side") -> str:
    """One line naming a side: ``scenarios/baseline.yaml (run now, seed 42, 2,000 samples)``."""
    when = f"archived, peakdata {side.version}" if side.quarter else "run now on data/"
    return f"{side.label} ({when}, seed {side.seed}, {side.samples:,} samples)"


def only_lines(comparison: "Comparison") -> list[str]:
    """One line per side that has sections the other lacks: ``only in B: cost (35 inputs, from
    scenarios/gpt-class.yaml:14)``; and, when the two share no headline figure, a line saying which
    each gives."""
    lines = []
    for side in ("A", "B"):
        found = [o for o in comparison.only if o.side == side]
        if found:
            lines.append(f"only in {side}: " + "; ".join(
                f"{o.section} ({o.inputs} input{'s' if o.inputs != 1 else ''}, from {o.at})" for o in found))
    if not any(move.key in COMPARE_FIGURES for move in comparison.moves):
        def figures(side: "Side") -> str:
            kinds = [kind for kind in ("exhaustion", "cost") if any(
                key.startswith(kind + ".") and key in side.headline for key in COMPARE_FIGURES)]
            return " and ".join(kinds) + " figures" if kinds else "no figures"

        lines.append(f"no headline figure in both: A has {figures(comparison.a)}, B has {figures(comparison.b)}")
    return lines


def _show_model(comparison: "Comparison") -> bool:
    return any(move.from_model not in (None, 0.0) for move in comparison.moves)


def compare_tables(comparison: "Comparison") -> dict[str, pd.DataFrame]:
    """``inputs`` (input, A, set at, B, set at), ``data`` (file:line, row, change) and ``moves``
    (figure, A, B, change, from inputs, from data[, from the model]); every cell a string."""
    inputs = pd.DataFrame(
        [{"input": cell(f"{d.input} ({d.what})" if d.what != "value" else d.input),
          "A": cell(d.a if d.a is not None else "not set"), "A set at": cell(d.a_at),
          "B": cell(d.b if d.b is not None else "not set"), "B set at": cell(d.b_at)}
         for d in comparison.inputs], columns=["input", "A", "A set at", "B", "B set at"])
    rows = []
    for change in comparison.data:
        for row in change.rows:
            detail = row.change if row.change != "changed" else "; ".join(
                f"{column} {old or '(empty)'} → {new or '(empty)'}" for column, old, new in row.fields)
            side = "A" if row.change == "removed" else "B"
            rows.append({"row": cell(f"data/{change.file}:{row.line} ({side})"), "key": cell(row.key),
                         "change": cell(detail)})
        for note in change.notes:
            rows.append({"row": cell(f"data/{change.file}"), "key": "", "change": cell(note)})
    data = pd.DataFrame(rows, columns=["row", "key", "change"])
    show_model = _show_model(comparison)
    order = {key: k for k, key in enumerate(COMPARE_FIGURES)}
    moves = []
    for move in sorted((m for m in comparison.moves if m.key in order), key=lambda m: order[m.key]):
        row = {"figure": headline_label(move.key), "A": format_headline(move.key, move.old),
               "B": format_headline(move.key, move.new), "change": total_text(move),
               "from inputs": format_change(move.key, move.from_scenario),
               "from data": format_change(move.key, move.from_data)}
        if show_model:
            row["from the model"] = format_change(move.key, move.from_model)
        moves.append({key: cell(value) for key, value in row.items()})
    columns = ["figure", "A", "B", "change", "from inputs", "from data"] + (["from the model"] if show_model else [])
    return {"inputs": inputs, "data": data, "moves": pd.DataFrame(moves, columns=columns)}


def _pipe_table(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in frame.astype(str).itertuples(index=False)]
    return lines


def compare_markdown(comparison: "Comparison") -> str:
    """The comparison as Markdown: the sides, then pipe tables of inputs, data rows and moves."""
    tables = compare_tables(comparison)
    lines = [f"**A** {cell(side_line(comparison.a))}  ", f"**B** {cell(side_line(comparison.b))}", ""]
    only = only_lines(comparison)
    sections = [line for line in only if line.startswith("only in")]
    lines.append(f"### Inputs that differ ({len(tables['inputs'])})" if len(tables["inputs"])
                 else "No other inputs differ." if sections else "No inputs differ.")
    if len(tables["inputs"]):
        lines += [""] + _pipe_table(tables["inputs"])
    if sections:
        lines += [""] + [f"{cell(line)}  " for line in sections]
    if len(tables["data"]):
        lines += ["", "### Data rows that differ", ""] + _pipe_table(tables["data"])
    if len(tables["moves"]):
        lines += ["", "### Headline, A → B", ""] + _pipe_table(tables["moves"])
    lines += [""] + [cell(line) for line in only if not line.startswith("only in")]
    lines += [""] + [f"- {cell(note)}" for note in comparison.notes]
    return "\n".join(lines).rstrip("\n") + "\n"
