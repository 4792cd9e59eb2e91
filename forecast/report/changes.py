"""The report's "Changes since last quarter" section: the moves, input changes and data rows that
:func:`forecast.analysis.changes.changes_since` found, as plain values for ``templates/changes.md.j2``
and as the section's Markdown. A move reads in planners' words (``3 quarters later``, ``+4.5 pts``,
``+$210K``); table cells are safe inside GitHub pipe tables.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from forecast.analysis.changes import Changes, HeadlineMove, RowChange, changes_since
from forecast.outputs import format_headline, headline_label
from forecast.units import Quarter, format_quantity

if TYPE_CHECKING:  # pragma: no cover
    from forecast.engine.runs import ScenarioRun

__all__ = ["cell", "changes_markdown", "changes_markdown_context", "format_change", "section", "total_text"]


def format_change(key: str, delta: float | None) -> str:
    """A move in planners' words: ``3 quarters later``, ``+4.5 pts``, ``+$210K``; ``n/a`` if unknown.

    Only an exact zero reads "no change"; a probability that moved by less than 0.05 points shows one
    significant digit (``+0.02 pts``, ``+0.002 pts``), so a table never says "no change" beside
    parts that are not zero.
    """
    if delta is None or math.isnan(delta):
        return "n/a"
    if delta == 0:
        return "no change"
    sign = "+" if delta > 0 else "−"
    if key.startswith("exhaustion.p"):
        quarters = abs(delta) * 4
        amount = f"{quarters:.2f}".rstrip("0").rstrip(".")
        unit = "quarter" if amount == "1" else "quarters"
        return f"{amount} {unit} {'later' if delta > 0 else 'earlier'}"
    if key.startswith("cost.total"):
        return sign + format_quantity(abs(delta), "usd")
    points = abs(delta) * 100
    return f"{sign}{points:.1f} pts" if points >= 0.05 else f"{sign}{points:.1g} pts"


def cell(text: str) -> str:
    """Text safe inside a GitHub pipe-table cell (no ``|``, no line break)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def total_text(move: HeadlineMove) -> str:
    if move.total is None and move.key.startswith("exhaustion.p"):
        if math.isinf(move.new) and math.isfinite(move.old):
            return "later, past the horizon"
        if math.isinf(move.old) and math.isfinite(move.new):
            return "earlier, now within the horizon"
    return format_change(move.key, move.total)


def _move_row(scenario: str, move: HeadlineMove) -> dict[str, str]:
    return {
        "scenario": cell(scenario), "figure": cell(headline_label(move.key)),
        "old": cell(format_headline(move.key, move.old)), "new": cell(format_headline(move.key, move.new)),
        "change": cell(total_text(move)),
        "from_scenario": cell(format_change(move.key, move.from_scenario)),
        "from_data": cell(format_change(move.key, move.from_data)),
        "from_model": cell(format_change(move.key, move.from_model)),
    }


def _row_detail(row: RowChange) -> str:
    if row.change != "changed":
        return row.change
    return "; ".join(f"{column} {old or '(empty)'} → {new or '(empty)'}" for column, old, new in row.fields)


def changes_markdown_context(changes: Changes | None) -> dict[str, Any]:
    """Plain values (strings, lists, dicts, booleans) for ``templates/changes.md.j2``.

    Table cell strings are already safe for GitHub pipe tables. Keys:

    * ``archived``: False when there is no earlier quarter (then the lists are empty);
    * ``quarter``, ``previous``, ``previous_run`` (its run id in the archive), ``old_version``,
      ``new_version``; ``any``: anything changed;
    * ``show_model``: the "from the model" column is needed (another version, or a residual);
    * ``moves``: one row per moved figure (scenario, figure, old, new, change, from_scenario,
      from_data, from_model);
    * ``inputs``: scenario, input, old, new; ``data``: file, summary, rows (key, line, change);
    * ``added``, ``removed``, ``unchanged`` (scenarios whose figures did not move), ``notes``.
    """
    if changes is None:
        return {"archived": False, "quarter": "", "previous": "", "previous_run": 0, "any": False,
                "show_model": False,
                "old_version": "", "new_version": "", "moves": [], "inputs": [], "data": [], "added": [],
                "removed": [], "unchanged": [], "notes": []}
    moves = [_move_row(s.name, move) for s in changes.scenarios for move in s.moved]
    inputs = [{"scenario": cell(s.name),
               "input": cell(f"{c.input} ({c.what})" if c.what != "value" else c.input),
               "old": cell(c.old if c.old is not None else "not set"),
               "new": cell(c.new if c.new is not None else "not set")}
              for s in changes.scenarios for c in s.inputs]
    data = []
    for change in changes.data:
        rows = [{"key": cell(row.key), "line": f"data/{change.file}:{row.line}" if row.change != "removed"
                 else f"data/{change.file}:{row.line} ({changes.previous})", "change": cell(_row_detail(row))}
                for row in change.rows]
        parts = [f"{change.count(kind)} row{'s' if change.count(kind) != 1 else ''} {kind}"
                 for kind in ("changed", "added", "removed") if change.count(kind)]
        summary = "; ".join(parts + list(change.notes)) or "content changed"
        data.append({"file": f"data/{change.file}", "summary": cell(summary), "rows": rows})
    show_model = changes.old_version != changes.new_version or any(
        move.from_model not in (None, 0.0) for s in changes.scenarios for move in s.moved)
    return {
        "archived": True, "quarter": changes.quarter, "previous": changes.previous,
        "previous_run": changes.previous_run, "any": changes.any,
        "show_model": show_model, "old_version": changes.old_version,
        "new_version": changes.new_version, "moves": moves, "inputs": inputs, "data": data,
        "added": list(changes.added), "removed": list(changes.removed),
        "unchanged": [s.name for s in changes.scenarios if not s.moved],
        "notes": [f"{s.name}: {s.note}" for s in changes.scenarios if s.note],
    }


def changes_markdown(changes: Changes | None) -> str:
    """The section's Markdown body from ``templates/changes.md.j2`` (no ``##`` heading)."""
    from forecast.report.templating import render

    text = render("changes.md.j2", {"changes": changes_markdown_context(changes)})
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n") + "\n"


def section(db_path: str | Path, quarter: str | Quarter, runs: Sequence["ScenarioRun"],
            data_dir: Path | None = None, partial: bool = False) -> dict[str, Any] | None:
    """The report's "Changes since last quarter": ``{"against": "2026Q3", "markdown": ..., "context":
    ...}``, or ``None`` when no full run of an earlier quarter is archived."""
    changes = changes_since(db_path, quarter, runs, data_dir, partial)
    if changes is None:
        return None
    return {"against": changes.previous, "markdown": changes_markdown(changes),
            "context": changes_markdown_context(changes)}
