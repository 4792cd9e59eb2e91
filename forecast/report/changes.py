"""The report's "Changes since last quarter" section: the moves, input changes and data rows that
:func:`forecast.analysis.changes.changes_since` found, as plain values for ``templates/changes.md.j2``
and as the section's Markdown, and the one line of the Summary (:func:`summary_line`). A move reads in
planners' words (``3 quarters later``, ``+4 pts``, ``+$210K``); table cells are safe inside GitHub
pipe tables.

* One row per edit: an input changed in one file and line is listed once, with the scenarios that
  inherit it (``extends``), not once per scenario.
* A move no larger than the Monte Carlo noise of the run
  (:attr:`forecast.analysis.changes.HeadlineMove.significant`) is not a change: the figure is listed
  under "no change beyond Monte Carlo noise".
* A change is computed from the rounded values shown beside it (``6% → 3%: −3 pts``,
  ``$1.04M → $1.10M: +$60K``), and its parts (from scenario inputs, data, the model) are rounded to
  the same step by largest remainders, so the parts shown add up to the change shown
  (:func:`shown_change`, :func:`apportion`).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from forecast.analysis.changes import Changes, HeadlineMove, RowChange, changes_since
from forecast.outputs import format_headline, headline_kind, headline_label
from forecast.units import Quarter, format_quantity, parse_quantity

if TYPE_CHECKING:  # pragma: no cover
    from forecast.engine.runs import ScenarioRun

__all__ = ["apportion", "cell", "changes_markdown", "changes_markdown_context", "format_change", "section",
           "shown_change", "summary_line", "total_text"]

#: The Summary's top moves: these figures, in this order, at most :data:`TOP_MOVES` of them.
SUMMARY_KEYS = ("exhaustion.p50", "exhaustion.by_2030", "cost.total.p50")
TOP_MOVES = 3


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


def shown_change(key: str, old: float, new: float) -> tuple[float, float, str] | None:
    """A move as the shown values give it: ``(change, step, unit)`` in the unit the table writes it —
    quarters (``year`` figures), points (probabilities, fractions) or dollars — computed from the
    rounded ``old`` and ``new`` as :func:`forecast.outputs.format_headline` shows them, and the step
    of that rounding; ``None`` when one side is not a number (after the horizon, missing)."""
    kind = headline_kind(key)
    if not (math.isfinite(old) and math.isfinite(new)):
        return None
    if kind == "year":
        return float(round(new * 4) - round(old * 4)), 1.0, "quarters"
    if kind in ("probability", "fraction"):
        a, b = (int(format_headline(key, v).removesuffix("%")) for v in (old, new))
        return float(b - a), 1.0, "pts"
    if kind == "usd":
        a, b = (parse_quantity(format_headline(key, v), "usd") for v in (old, new))
        smaller = min(abs(a), abs(b)) or max(abs(a), abs(b))
        step = 10.0 ** (math.floor(math.log10(smaller)) - 2) if smaller else 0.01
        return round((b - a) / step) * step, step, "usd"
    return None


def apportion(parts: Sequence[float], total: float, step: float) -> list[float]:
    """``parts`` rounded to multiples of ``step`` that add up to ``total`` (itself a multiple of ``step``):
    each part rounded down, then the steps left over given to the parts with the largest remainders
    (taken from the smallest when the parts rounded down already exceed the total).

    >>> apportion([2.6, 0.5, 0.0], 3.0, 1.0)
    [3.0, 0.0, 0.0]
    >>> apportion([-2.6, -0.4], -3.0, 1.0)
    [-3.0, 0.0]
    """
    scaled = [p / step for p in parts]
    floors = [math.floor(x + 1e-9) for x in scaled]
    rest = [x - f for x, f in zip(scaled, floors)]
    left = round(total / step) - sum(floors)
    order = sorted(range(len(parts)), key=lambda k: (-rest[k], k))
    k = 0
    while left > 0 and order:
        floors[order[k % len(order)]] += 1
        left -= 1
        k += 1
    k = 0
    while left < 0 and order:
        floors[order[-1 - (k % len(order))]] -= 1
        left += 1
        k += 1
    return [f * step + 0.0 for f in floors]


def _in_words(unit: str, value: float) -> str:
    """A rounded move in planners' words: ``3 quarters earlier``, ``+8 pts``, ``−$60K``, ``no change``."""
    if value == 0:
        return "no change"
    sign = "+" if value > 0 else "−"
    if unit == "quarters":
        n = int(abs(value))
        return f"{n} quarter{'s' if n != 1 else ''} {'later' if value > 0 else 'earlier'}"
    if unit == "pts":
        return f"{sign}{int(abs(value))} pt{'s' if abs(value) != 1 else ''}"
    return sign + format_quantity(abs(value), "usd")


def _move_row(scenario: str, move: HeadlineMove) -> dict[str, str]:
    parts = {"from_scenario": move.from_scenario, "from_data": move.from_data, "from_model": move.from_model}
    shown = shown_change(move.key, move.old, move.new)
    if shown is None or move.total is None:
        change = total_text(move)
        texts = {k: format_change(move.key, v) for k, v in parts.items()}
    else:
        value, step, unit = shown
        change = _in_words(unit, value)
        scale = {"quarters": 4.0, "pts": 100.0, "usd": 1.0}[unit]
        if any(v is None for v in parts.values()):
            texts = {k: "n/a" for k in parts}
        else:
            rounded = apportion([float(v) * scale for v in parts.values()], value, step)  # type: ignore[arg-type]
            texts = {k: _in_words(unit, r) for k, r in zip(parts, rounded)}
    return {
        "scenario": cell(scenario), "figure": cell(headline_label(move.key)),
        "old": cell(format_headline(move.key, move.old)), "new": cell(format_headline(move.key, move.new)),
        "change": cell(change), **{k: cell(v) for k, v in texts.items()},
    }


def _listed(move: HeadlineMove) -> bool:
    """A move the table lists: larger than the Monte Carlo noise, and visible in the values shown."""
    return move.significant and format_headline(move.key, move.old) != format_headline(move.key, move.new)


def _edits(changes: Changes) -> list[dict[str, Any]]:
    """One row per edit: the same input changed the same way at the same file and line, with the
    scenarios that have it (the file's own scenario first, then those that inherit it)."""
    grouped: dict[tuple[str, str, str, str | None, str | None], list[Any]] = {}
    for s in changes.scenarios:
        for c in s.inputs:
            grouped.setdefault((c.where, c.input, c.what, c.old, c.new), []).append(s)
    rows = []
    for (where, name, what, old, new), owners in grouped.items():
        file = where.rsplit(":", 1)[0] if where[-1:].isdigit() else where
        own = [s.name for s in owners if s.file and s.file == file]
        rest = [s.name for s in owners if s.name not in own]
        if own and rest:
            who = f"{', '.join(own)}; inherited by {', '.join(rest)}"
        else:
            who = ", ".join(own + rest)
        rows.append({"where": cell(where or "–"), "input": cell(f"{name} ({what})" if what != "value" else name),
                     "old": cell(old if old is not None else "not set"),
                     "new": cell(new if new is not None else "not set"),
                     "scenarios": cell(who), "count": len(owners), "names": [s.name for s in owners]})
    return rows


def _top_moves(changes: Changes, lead: str | None) -> list[str]:
    """The Summary's top moves: the figures of :data:`SUMMARY_KEYS` that moved beyond the noise, the
    lead scenario's first, at most :data:`TOP_MOVES`."""
    found = []
    for k, s in enumerate(changes.scenarios):
        for move in s.moves:
            if move.key in SUMMARY_KEYS and _listed(move):
                found.append((s.name != lead, SUMMARY_KEYS.index(move.key), k, s.name, move))
    found.sort(key=lambda t: t[:3])
    by_scenario: dict[str, list[str]] = {}
    for *_, name, move in found[:TOP_MOVES]:
        label = {"exhaustion.p50": "median exhaustion", "exhaustion.by_2030": "P(by end of 2030)",
                 "cost.total.p50": "cost p50"}[move.key]
        change = _move_row(name, move)["change"]
        by_scenario.setdefault(name, []).append(f"{label} {format_headline(move.key, move.old)} → "
                                                f"{format_headline(move.key, move.new)} ({change})")
    return [f"{name}: {', '.join(moves)}" for name, moves in by_scenario.items()]


def summary_line(changes: Changes | None, lead: str | None = None) -> str:
    """The Summary's one line on what changed since last quarter: the edits and data files that
    changed, then the top moves (:func:`_top_moves`); ``lead`` is the scenario listed first."""
    if changes is None:
        return ("**Since last quarter**: no earlier quarter is in the run archive; the next report will "
                "compare against this one.")
    edits = _edits(changes)
    causes = []
    if edits:
        where = ", ".join(dict.fromkeys(f"`{e['where']}`" for e in edits[:2]))
        causes.append(f"{len(edits)} input edit{'s' if len(edits) != 1 else ''} ({where}"
                      f"{', …' if len(edits) > 2 else ''})")
    if changes.data:
        causes.append(f"{len(changes.data)} data file{'s' if len(changes.data) != 1 else ''} "
                      f"({', '.join(f'`data/{f.file}`' for f in changes.data[:2])}{', …' if len(changes.data) > 2 else ''})")
    if changes.added:
        causes.append(f"{len(changes.added)} new scenario{'s' if len(changes.added) != 1 else ''}")
    if changes.removed:
        causes.append(f"{len(changes.removed)} scenario{'s' if len(changes.removed) != 1 else ''} dropped")
    if changes.old_version != changes.new_version:
        causes.append(f"peakdata {changes.old_version} → {changes.new_version}")
    head = f"**Since {changes.previous}**"
    top = _top_moves(changes, lead)
    if not causes and not top:
        return f"{head}: nothing changed; the same inputs and data give the same figures."
    text = f"{head}, after {' and '.join(causes) if causes else 'no input or data edit'}: "
    text += "; ".join(top) if top else "no headline figure moved beyond Monte Carlo noise"
    return text + ". Every move: [Changes since last quarter](#changes-since-last-quarter), in the appendix."


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
    * ``moves``: one row per figure that moved beyond the Monte Carlo noise and in the values shown
      (scenario, figure, old, new, change, from_scenario, from_data, from_model; the change and its
      parts from the rounded values, adding up);
    * ``inputs``: one row per edit (where, input, old, new, scenarios: the file's own scenario, then
      those that inherit it); ``data``: file, summary, rows (key, line, change);
    * ``added``, ``removed``, ``unchanged`` (scenarios whose figures did not move at all), ``noise``
      (scenarios whose figures moved within the Monte Carlo noise only), ``notes``;
    * ``summary``: the Summary's one line (:func:`summary_line`).
    """
    if changes is None:
        return {"archived": False, "quarter": "", "previous": "", "previous_run": 0, "any": False,
                "show_model": False,
                "old_version": "", "new_version": "", "moves": [], "inputs": [], "data": [], "added": [],
                "removed": [], "unchanged": [], "noise": [], "notes": [], "summary": summary_line(None)}
    moves = [_move_row(s.name, move) for s in changes.scenarios for move in s.moves if _listed(move)]
    edits = _edits(changes)
    inputs = [{k: v for k, v in e.items() if k not in ("count", "names")} for e in edits]
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
        move.from_model not in (None, 0.0) for s in changes.scenarios for move in s.moves if _listed(move))
    noise = [s.name for s in changes.scenarios if not any(_listed(m) for m in s.moves) and s.moved]
    return {
        "archived": True, "quarter": changes.quarter, "previous": changes.previous,
        "previous_run": changes.previous_run,
        "any": bool(changes.added or changes.removed or changes.data or edits or moves),
        "show_model": show_model, "old_version": changes.old_version,
        "new_version": changes.new_version, "moves": moves, "inputs": inputs, "data": data,
        "added": list(changes.added), "removed": list(changes.removed),
        "unchanged": [s.name for s in changes.scenarios if not s.moved],
        "noise": noise,
        "summary": summary_line(changes, _lead(changes)),
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
            "context": changes_markdown_context(changes), "summary": summary_line(changes, _lead(changes))}


def _lead(changes: Changes) -> str | None:
    """The scenario the Summary's line names first: ``baseline`` when compared, else the first."""
    names = [s.name for s in changes.scenarios]
    return "baseline" if "baseline" in names else (names[0] if names else None)
