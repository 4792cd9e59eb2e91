"""The XLSX workbook: the forecasts as tables, and the point model as live formulas.

Sheets: README (what, units, provenance), Summary, Supply-Demand (quarterly p10/p50/p90 per
scenario), Costs by mix, Inputs (every assumption, editable) and Model. On Model, the point
estimate (every input at its median, :func:`forecast.engine.point`) is written as formulas over
named cells on Inputs, in the spirit of the FAST standard: inputs on their own sheet and styled
apart, one formula per row copied across the quarters, no number typed into a formula (the only
literals are the 1 of "1 − share", FALSE for an exact MATCH and the text of labels). Every formula
carries the value Python computed, so viewers without a calculation engine show numbers, and tests
recalculate the workbook in LibreOffice to check that both give the same figures. The Model sheet
is written by :mod:`forecast.export.workbook_model`.

The workbook is byte-identical for identical results: its creation date is fixed and nothing in it
depends on the clock.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from forecast.export.workbook_model import CREATED, MODEL_SHEET, WorkbookBook, write_model_sheet
from forecast.export.xlsx import number
from forecast.outputs import COST_LABELS, MIX_COLUMNS, TITLES, XLSX_FORMATS, input_unit
from forecast.result import ForecastResult

__all__ = ["workbook_bytes", "MODEL_SHEET", "INPUTS_SHEET", "CREATED"]

INPUTS_SHEET = "Inputs"


def _input_format(kind: str, name: str) -> str:
    if kind == "usd":
        return XLSX_FORMATS["price"]
    return XLSX_FORMATS.get(kind, "General")


def _readme(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet("README")
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 100)
    title, wrap = book.style(role="title"), book.style(role="wrap")
    lines = [
        ("peakdata workbook", None),
        ("What", "Forecasts of the human-text stock against the training-data demand of the largest run, "
                 "and the cost of training runs with human and synthetic data, from seeded Monte Carlo runs "
                 "of the scenarios below."),
        ("Summary", "Headline figures per scenario: when demand overtakes the stock, and what the run costs."),
        ("Supply-Demand", "Per scenario and quarter: effective stock and demand, p10 / p50 / p90 of the draws."),
        ("Costs by mix", "The priced run's cost items, and the cheapest run at each synthetic share compared."),
        ("Inputs", "Every assumption with p5 / p50 / p95, unit, source and the file:line that set it. "
                   "The p50 cells (blue on yellow) are named and feed the Model sheet: change one and every "
                   "dependent cell on Model moves. Below them: settings, data rows and unit constants."),
        ("Model", "The point estimate (every input at its median) as live formulas: stock and demand per "
                  "quarter, the first quarter point demand reaches point stock, the run's 6·N·D compute, "
                  "GPU-hours, compute cost, data cost per mix and the total. It is one path through the model, "
                  "not the median of the Monte Carlo results (a median of sums is not the sum of medians)."),
        ("Units", "Tokens, parameters and FLOP are plain numbers shown as T (1e12) or B (1e9); money is USD "
                  "(shown $…M for millions); fractions are 0–1 (shown as %); growth is a factor per year; a "
                  "quarter is evaluated at its end (2026Q4 → 2027.00)."),
        ("Point mixture", "Where demand is a mixture of the historical and compute paths, the point demand is "
                          "their probability-weighted mean."),
        ("Provenance", "One row per scenario below; data file hashes are in meta.json beside the CSV exports."),
    ]
    row = 0
    for key, text in lines:
        if text is None:
            ws.write_string(row, 0, key, title)
        else:
            ws.write_string(row, 0, key, book.style(role="header"))
            ws.write_string(row, 1, text, wrap)
        row += 1
    row += 1
    book.header(ws, row, ["scenario", "peakdata, sha256 of the scenario, seed, samples"])
    for result in results:
        row += 1
        ws.write_string(row, 0, result.scenario)
        ws.write_string(row, 1, result.stamp)


def _summary(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet("Summary")
    # the point estimate is named for what it is (issue 26: one figure, one value, statistic named)
    columns = ["scenario", "exhaustion median", "80% interval", "P(by end of horizon)",
               "exhaustion, all inputs at their medians", "total cost p10", "total cost p50", "total cost p90",
               "total cost, all inputs at their medians", "description"]
    book.header(ws, 0, columns, [18, 14, 20, 12, 22, 14, 14, 14, 22, 80])
    ws.freeze_panes(1, 1)
    money, pct = book.style(XLSX_FORMATS["usd"]), book.style(XLSX_FORMATS["fraction"])
    for r, result in enumerate(results, 1):
        ws.write_string(r, 0, result.scenario)
        if "exhaustion" in result.events:
            ws.write_string(r, 1, result.event_quantile("exhaustion", 0.5))
            ws.write_string(r, 2, f"{result.event_quantile('exhaustion', 0.1)} – {result.event_quantile('exhaustion', 0.9)}")
            ws.write_number(r, 3, result.event_probability("exhaustion"), pct)
            if result.point is not None:
                end = result.quarters[-1]
                ws.write_string(r, 4, result.point.exhaustion or f"after {end}")
        table = result.tables.get("cost_breakdown")
        if table is not None:
            total = table.set_index("item").loc["total"]
            for c, stat in zip((5, 6, 7), ("p10", "p50", "p90")):
                ws.write(r, c, number(total[stat]), money)
            if result.point is not None:
                ws.write(r, 8, number(result.point.scalars["total"]), money)
        ws.write_string(r, 9, result.description.strip())


def _supply_demand(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet("Supply-Demand")
    metrics = [("stock", "stock"), ("demand", "demand")]
    columns = ["scenario", "quarter", "quarter_end"]
    for _, label in metrics:
        columns += [f"{label} p10", f"{label} p50", f"{label} p90"]
    columns += ["P(exhausted by quarter end)"]
    book.header(ws, 0, columns, [18, 9, 11] + [11] * 6 + [12])
    ws.freeze_panes(1, 3)
    tokens, pct = book.style(XLSX_FORMATS["tokens"]), book.style(XLSX_FORMATS["fraction"])
    from forecast.export.tables import quarter_end
    from forecast.result import STAT_COLUMNS

    picks = [STAT_COLUMNS.index(s) for s in ("p10", "p50", "p90")]
    row = 1
    for result in results:
        if "stock" not in result.stats:
            continue
        ends = quarter_end(result.quarters)
        blocks = [np.asarray(result.stats[m])[:, picks] for m, _ in metrics]
        cdf = None
        if "exhaustion" in result.events:
            first = result.events["exhaustion"]
            counts = np.bincount(first, minlength=len(result.quarters) + 1)[:len(result.quarters)]
            cdf = np.cumsum(counts) / first.size
        for i, q in enumerate(result.quarters):
            ws.write_string(row, 0, result.scenario)
            ws.write_string(row, 1, q)
            ws.write_string(row, 2, ends[i])
            c = 3
            for block in blocks:
                for v in block[i]:
                    ws.write(row, c, number(v), tokens)
                    c += 1
            if cdf is not None:
                ws.write_number(row, c, float(cdf[i]), pct)
            row += 1


def _costs(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet("Costs by mix")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 12, 14)
    row = 0
    ws.write_string(row, 0, "Cost of the priced run (USD unless stated)", book.style(role="title"))
    row += 1
    book.header(ws, row, ["scenario", "item", "unit", "p10", "p50", "p90", "mean"])
    ws.freeze_panes(row + 1, 1)
    for result in results:
        table = result.tables.get("cost_breakdown")
        if table is None:
            continue
        for item in table.itertuples(index=False):
            row += 1
            num = book.style(XLSX_FORMATS["usd"] if item.unit == "usd" else XLSX_FORMATS.get(item.unit, "General"))
            ws.write_string(row, 0, result.scenario)
            ws.write_string(row, 1, COST_LABELS.get(item.item, item.item))
            ws.write_string(row, 2, item.unit)
            for c, stat in enumerate(("p10", "p50", "p90", "mean"), 3):
                ws.write(row, c, number(getattr(item, stat)), num)
    row += 2
    ws.write_string(row, 0, TITLES["mix_curve"], book.style(role="title"))
    row += 1
    book.header(ws, row, ["scenario"] + [v[0] for v in MIX_COLUMNS.values()])
    units = {k: v[1] for k, v in MIX_COLUMNS.items()}
    for result in results:
        curve = result.tables.get("mix_curve")
        if curve is None:
            continue
        for item in curve.itertuples(index=False):
            row += 1
            ws.write_string(row, 0, result.scenario)
            for c, column in enumerate(MIX_COLUMNS, 1):
                unit = units[column]
                num = {"USD": XLSX_FORMATS["usd"], "tokens": XLSX_FORMATS["tokens"], "count": XLSX_FORMATS["count"]}.get(
                    unit, XLSX_FORMATS["fraction"])
                ws.write(row, c, number(getattr(item, column)), book.style(num))


def _inputs(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet(INPUTS_SHEET)
    widths = [44, 12, 14, 14, 14, 36, 70, 30, 48]
    columns = ["input", "unit", "p5", "p50 (used by Model)", "p95", "distribution", "source", "set at",
               "cell name"]
    book.header(ws, 0, columns, widths)
    ws.freeze_panes(1, 1)
    row = 0
    for result in results:
        point = result.point
        if point is None:
            continue
        row += 2
        ws.write_string(row, 0, f"Scenario {result.scenario}: assumptions", book.style(role="title"))
        for item in point.inputs.itertuples(index=False):
            row += 1
            name = book.names.name(result.scenario, item.input)
            num = _input_format(item.kind, item.input)
            ws.write_string(row, 0, item.input)
            ws.write_string(row, 1, input_unit(item.kind, item.input))
            ws.write(row, 2, number(item.p5), book.style(num))
            ws.write_number(row, 3, float(item.value), book.style(num, "input"))
            ws.write(row, 4, number(item.p95), book.style(num))
            ws.write_string(row, 5, str(item.distribution))
            ws.write_string(row, 6, str(item.source))
            ws.write_string(row, 7, str(item.set_at))
            ws.write_string(row, 8, name)
            book.wb.define_name(name, f"={INPUTS_SHEET}!$D${row + 1}")
            book.cells[(result.scenario, item.input)] = name
        row += 2
        ws.write_string(row, 0, f"Scenario {result.scenario}: settings, data rows and unit constants",
                        book.style(role="title"))
        for item in point.settings.itertuples(index=False):
            row += 1
            name = book.names.name(result.scenario, item.name)
            ws.write_string(row, 0, item.name)
            ws.write_string(row, 1, item.unit)
            ws.write_number(row, 3, float(item.value), book.style(XLSX_FORMATS.get(item.unit, "General"), "input"))
            ws.write_string(row, 6, str(item.source))
            ws.write_string(row, 7, str(item.set_at))
            ws.write_string(row, 8, name)
            book.wb.define_name(name, f"={INPUTS_SHEET}!$D${row + 1}")
            book.cells[(result.scenario, item.name)] = name


def workbook_bytes(results: Iterable[ForecastResult]) -> bytes:
    """The workbook of ``results`` as XLSX bytes (byte-identical for identical results)."""
    results = list(results)
    book = WorkbookBook()
    _readme(book, results)
    _summary(book, results)
    _supply_demand(book, results)
    _costs(book, results)
    _inputs(book, results)
    write_model_sheet(book, results)
    return book.close()
