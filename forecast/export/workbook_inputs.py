"""The Inputs sheet of the workbook: every assumption once, named, with its source as a cell note.

Each scenario's inputs and settings are listed under its title; the p50 cell of each gets an Excel
defined name ``<scenario>_<dotted_name>`` that the Model sheet reads (:mod:`forecast.export.workbook_model`).
A value a scenario inherits through ``extends`` is not copied: when the parent scenario is in the
same workbook and the row is the parent's (same ``set_at``, same distribution, same value), the
variant's p5 / p50 / p95 cells are formulas on the parent's cells, styled ``linked``, so an edit of
the parent flows to every variant. Only values a variant sets itself are its own input cells.
"""
from __future__ import annotations

from typing import Any, Iterator

import pandas as pd

from forecast.export.workbook_model import WorkbookBook
from forecast.export.xlsx import number
from forecast.outputs import XLSX_FORMATS, input_unit
from forecast.result import ForecastResult

__all__ = ["INPUTS_SHEET", "write_inputs_sheet"]

INPUTS_SHEET = "Inputs"
#: Columns of the sheet and their widths [characters]; the source wraps.
COLUMNS = [("input", 50), ("unit", 12), ("p5", 15), ("p50 (used by Model)", 15), ("p95", 15),
           ("distribution", 30), ("source", 60), ("set at", 24), ("cell name", 36), ("inherited from", 16)]


def _input_format(kind: str) -> str:
    return XLSX_FORMATS["price"] if kind == "usd" else XLSX_FORMATS.get(kind, "General")


def _rows(result: ForecastResult) -> Iterator[tuple[str, dict[str, Any]]]:
    """("title" | "input" | "setting", the row) in the sheet's order for one scenario."""
    point = result.point
    yield "title", {"text": f"Scenario {result.scenario}: assumptions"}
    for item in point.inputs.to_dict("records"):
        yield "input", item
    yield "title", {"text": f"Scenario {result.scenario}: settings, data rows and unit constants"}
    for item in point.settings.to_dict("records"):
        yield "setting", item


def _key(kind: str, item: dict[str, Any]) -> tuple:
    """What must agree for a variant's row to be its parent's row."""
    if kind == "input":
        return item["input"], str(item["set_at"]), str(item["distribution"]), float(item["value"])
    return item["name"], str(item["set_at"]), str(item["unit"]), float(item["value"])


def _layout(results: list[ForecastResult]) -> list[tuple[int, str, ForecastResult, dict[str, Any]]]:
    """(0-based sheet row, kind, result, row) of every row: a blank row before each title."""
    out, row = [], 0
    for result in results:
        if result.point is None:
            continue
        for kind, item in _rows(result):
            row += 2 if kind == "title" else 1
            out.append((row, kind, result, item))
    return out


def _note(kind: str, item: dict[str, Any], notes: dict[str, str], parent: str | None) -> str:
    name = item["input"] if kind == "input" else item["name"]
    text = f"Source: {item['source']}" if str(item.get("source", "")).strip() else "Source: not given"
    if notes.get(name):
        text += f"\nNote: {notes[name]}"
    text += f"\nSet at: {item['set_at']}"
    if parent is not None:
        text = (f"Inherited from {parent} (extends): this cell follows {parent}'s cell; "
                f"edit it there, or set the value in this scenario's file.\n" + text)
    return text


def write_inputs_sheet(book: WorkbookBook, results: list[ForecastResult], parents: dict[str, str]) -> None:
    """The Inputs sheet; defines the names the Model sheet reads (``book.cells``)."""
    ws = book.wb.add_worksheet(INPUTS_SHEET)
    book.wrapped_header(ws, 0, [c for c, _ in COLUMNS], [w for _, w in COLUMNS])
    ws.freeze_panes(1, 1)
    layout = _layout(results)
    where = {(r.scenario, _key(kind, item)): row for row, kind, r, item in layout if kind != "title"}
    wrap, title, top = book.style(role="wrap"), book.style(role="title"), book.style(role="top")
    notes = {r.scenario: _notes(r) for r in results}
    for row, kind, result, item in layout:
        if kind == "title":
            ws.write_string(row, 0, item["text"], title)
            continue
        name_of = item["input"] if kind == "input" else item["name"]
        parent = parents.get(result.scenario)
        source_row = where.get((parent, _key(kind, item))) if parent is not None else None
        code = _input_format(item["kind"]) if kind == "input" else XLSX_FORMATS.get(item["unit"], "General")
        unit = input_unit(item["kind"], name_of) if kind == "input" else item["unit"]
        values = ((2, item.get("p5")), (3, item["value"]), (4, item.get("p95"))) if kind == "input" \
            else ((3, item["value"]),)
        for col, value in values:
            if source_row is not None:
                ref = f"{'CDE'[col - 2]}{source_row + 1}"
                cached = number(value) if value is not None else None
                ws.write_formula(row, col, f"={ref}", book.style(code, "linked"), "" if cached is None else cached)
            elif col == 3:
                ws.write_number(row, col, float(value), book.style(code, "input"))
            elif value is not None and not pd.isna(value):
                ws.write(row, col, number(value), book.style(code, "top"))
        if kind == "input":
            ws.write_string(row, 5, str(item["distribution"]), wrap)
        name = book.names.name(result.scenario, name_of)
        texts = {5: str(item["distribution"]) if kind == "input" else "", 6: str(item["source"]),
                 7: str(item["set_at"]), 8: name}
        for col in (6, 7, 8):
            ws.write_string(row, col, texts[col], wrap)
        if source_row is not None:
            ws.write_string(row, 9, parent, top)
        for col in (0, 1):
            ws.write_string(row, col, name_of if col == 0 else unit, top)
        book.fit_row(ws, row, [(texts[c], COLUMNS[c][1]) for c in texts])
        ws.write_comment(row, 3, _note(kind, item, notes[result.scenario], parent if source_row is not None else None),
                         {"x_scale": 2.5, "y_scale": 1.6})
        book.wb.define_name(name, f"={INPUTS_SHEET}!$D${row + 1}")
        book.cells[(result.scenario, name_of)] = name
    book.print_setup(ws)


def _notes(result: ForecastResult) -> dict[str, str]:
    """The ``note`` of each uncertain input of ``result`` (the Monte Carlo inputs table), by name."""
    frame = result.inputs
    if frame is None or "note" not in frame:
        return {}
    return {str(k): str(v).strip() for k, v in zip(frame["input"], frame["note"]) if str(v).strip()}
