"""The XLSX workbook: the forecasts as tables, and the point model as live formulas.

Sheets: README (what, units, provenance), Summary (the report's headline figures), Supply-Demand
(quarterly p10/p50/p90 per scenario), Gap and cost (the gap's cumulative cost by route), Costs by
mix, Inputs (every assumption once, editable; :mod:`forecast.export.workbook_inputs`) and Model. On Model, the point
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

from typing import Iterable, Mapping

import numpy as np

from forecast.export.workbook_model import CREATED, MODEL_SHEET, WorkbookBook, write_model_sheet
from forecast.export.workbook_inputs import INPUTS_SHEET, write_inputs_sheet
from forecast.export.xlsx import number
from forecast.outputs import COST_LABELS, MIX_COLUMNS, TITLES, XLSX_FORMATS, headline
from forecast.result import ForecastResult

__all__ = ["workbook_bytes", "MODEL_SHEET", "INPUTS_SHEET", "CREATED", "GAP_SHEET", "SUMMARY_COLUMNS"]

GAP_SHEET = "Gap and cost"
#: The year whose end the Summary's P(exhausted by …) takes besides the horizon's end (as the report's).
BY_YEAR = 2030
#: The Summary's columns and their widths [characters].
SUMMARY_COLUMNS = [("scenario", 20), ("exhaustion, median", 12), ("exhaustion, 80% interval", 19),
                   (f"P(exhausted by end of {BY_YEAR})", 12), ("P(exhausted by end of horizon)", 12),
                   ("exhaustion, all inputs at their medians", 14), ("total cost p10", 11),
                   ("total cost p50", 11), ("total cost p90", 11), ("total cost, all inputs at their medians", 14),
                   ("description", 60)]
#: The gap's routes as a planner reads them (the report's words): the cheapest routes, then the alternatives.
GAP_ROUTES = {"synthetic": "synthetic", "licensed": "licensed", "total": "total (cheapest routes)",
              "all_synthetic": "alternative: all synthetic",
              "licensed_first": "alternative: all licensable text licensed first"}


def _readme(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet("README")
    widths = (24, 100)
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    title, wrap = book.style(role="title"), book.style(role="wrap")
    lines = [
        ("peakdata workbook", None),
        ("What", "Forecasts of the human-text stock against the training-data demand of the largest run, "
                 "and the cost of training runs with human and synthetic data, from seeded Monte Carlo runs "
                 "of the scenarios below."),
        ("Summary", f"Headline figures per scenario, as the report states them: when demand overtakes the "
                    f"stock (median quarter, 80% interval, P(by end of {BY_YEAR}) and by the end of the "
                    f"horizon), and what the run costs (p10 / p50 / p90)."),
        ("Supply-Demand", "Per scenario and quarter: effective stock and demand, p10 / p50 / p90 of the draws."),
        (GAP_SHEET, "Per supply scenario that prices its gap: the gap's cumulative cost by the end of each "
                    "year, by the cheapest routes (synthetic, licensed, their total) and the two "
                    "alternatives (all synthetic; all licensable text licensed first), p10 / p50 / p90."),
        ("Costs by mix", "The priced run's cost items, and the cheapest run at each synthetic share compared."),
        ("Inputs", "Every assumption with p5 / p50 / p95, unit, source and the file:line that set it. "
                   "The p50 cells (blue on yellow) are named and feed the Model sheet: change one and every "
                   "dependent cell on Model moves. Hover over a p50 cell for its source. An input a "
                   "scenario inherits through extends is not copied: its cells (green) take the parent "
                   "scenario's cells, so an edit there flows to every variant; only values a variant "
                   "changes are its own. Below them: settings, data rows and unit constants."),
        ("Model", "The point estimate (every input at its median) as live formulas: stock and demand per "
                  "quarter, the first quarter point demand reaches point stock, the run's 6·N·D compute, "
                  "GPU-hours, compute cost, data cost per mix and the total. It is one path through the model, "
                  "not the median of the Monte Carlo results (a median of sums is not the sum of medians)."),
        ("Units", "Tokens, parameters and FLOP are plain numbers, shown as 470.0T tokens (trillions), "
                  "70.0B tokens (billions), 175.0B parameters; money is USD, shown $950,000, $4.71M or "
                  "$4.38bn; prices per unit keep their cents ($1.50 per GPU-hour); fractions are 0–1 "
                  "(shown as %); growth is a factor per year; a quarter is evaluated at its end "
                  "(2026Q4 → 2027.00)."),
        ("Point mixture", "Where demand is a mixture of the historical and compute paths, the point demand is "
                          "their probability-weighted mean."),
        ("Printing", "Every sheet prints landscape with its header rows on each page; the Model sheet "
                     "prints its quarters across pages with the labels repeated."),
        ("Provenance", "One row per scenario below; data file hashes are in meta.json beside the CSV exports."),
    ]
    row = 0
    for key, text in lines:
        if text is None:
            ws.write_string(row, 0, key, title)
            ws.set_row(row, 20)
        else:
            ws.write_string(row, 0, key, book.style(role="header"))
            ws.write_string(row, 1, text, wrap)
            book.fit_row(ws, row, [(key, widths[0]), (text, widths[1])])
        row += 1
    row += 1
    book.header(ws, row, ["scenario", "peakdata, sha256 of the scenario, seed, samples"])
    for result in results:
        row += 1
        ws.write_string(row, 0, result.scenario, wrap)
        ws.write_string(row, 1, result.stamp, wrap)
        book.fit_row(ws, row, [(result.scenario, widths[0]), (result.stamp, widths[1])])
    book.print_setup(ws, header_rows=0)


def _summary(book: WorkbookBook, results: list[ForecastResult]) -> None:
    """Per scenario the report's headline figures (:func:`forecast.outputs.headline`), numbers as numbers."""
    ws = book.wb.add_worksheet("Summary")
    columns, widths = [c for c, _ in SUMMARY_COLUMNS], [w for _, w in SUMMARY_COLUMNS]
    book.wrapped_header(ws, 0, columns, widths)
    ws.freeze_panes(1, 1)
    money, pct = book.style(XLSX_FORMATS["usd"], "top"), book.style(XLSX_FORMATS["fraction"], "top")
    wrap, top = book.style(role="wrap"), book.style(role="top")
    for r, result in enumerate(results, 1):
        h = headline(result)
        end = result.quarters[-1] if result.quarters else ""
        ws.write_string(r, 0, result.scenario, wrap)
        if "exhaustion.p50" in h:
            quarter = {key: result.event_quantile("exhaustion", p) for key, p in
                       (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))}
            ws.write_string(r, 1, quarter["p50"], top)
            ws.write_string(r, 2, f"{quarter['p10']} – {quarter['p90']}", top)
            if number(h.get(f"exhaustion.by_{BY_YEAR}", float("nan"))) is not None:
                ws.write_number(r, 3, h[f"exhaustion.by_{BY_YEAR}"], pct)
            ws.write_number(r, 4, result.event_probability("exhaustion"), pct)
            if result.point is not None:
                ws.write_string(r, 5, result.point.exhaustion or f"after {end}", top)
        if "cost.total.p50" in h:
            for c, stat in zip((6, 7, 8), ("p10", "p50", "p90")):
                ws.write(r, c, number(h[f"cost.total.{stat}"]), money)
            if result.point is not None:
                ws.write(r, 9, number(result.point.scalars["total"]), money)
        description = " ".join(result.description.split())
        ws.write_string(r, 10, description, wrap)
        book.fit_row(ws, r, [(result.scenario, widths[0]), (description, widths[10])])
    book.print_setup(ws)


def _supply_demand(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet("Supply-Demand")
    metrics = [("stock", "stock"), ("demand", "demand")]
    columns = ["scenario", "quarter", "quarter_end"]
    for _, label in metrics:
        columns += [f"{label} p10", f"{label} p50", f"{label} p90"]
    columns += ["P(exhausted by quarter end)"]
    book.wrapped_header(ws, 0, columns, [20, 9, 11] + [15] * 6 + [12])
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
    book.print_setup(ws)


#: Cost items that are not a sum of money: their unit on the sheet and number format.
_COST_UNITS = {"price_per_gpu_hour_at_run_date": ("USD/GPU-hour", XLSX_FORMATS["price"])}


def _costs(book: WorkbookBook, results: list[ForecastResult]) -> None:
    ws = book.wb.add_worksheet("Costs by mix")
    widths = [20, 40, 13] + [15] * 9
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    row = 0
    ws.write_string(row, 0, "Cost of the priced run (USD unless stated)", book.style(role="title"))
    row += 1
    book.wrapped_header(ws, row, ["scenario", "item", "unit", "p10", "p50", "p90", "mean"], widths[:7])
    ws.freeze_panes(row + 1, 1)
    for result in results:
        table = result.tables.get("cost_breakdown")
        if table is None:
            continue
        for item in table.itertuples(index=False):
            row += 1
            unit, code = _COST_UNITS.get(item.item, (item.unit, XLSX_FORMATS.get(item.unit, "General")))
            num = book.style(code)
            ws.write_string(row, 0, result.scenario)
            ws.write_string(row, 1, COST_LABELS.get(item.item, item.item))
            ws.write_string(row, 2, unit)
            for c, stat in enumerate(("p10", "p50", "p90", "mean"), 3):
                ws.write(row, c, number(getattr(item, stat)), num)
    row += 2
    ws.write_string(row, 0, TITLES["mix_curve"], book.style(role="title"))
    row += 1
    columns = ["scenario"] + [v[0] for v in MIX_COLUMNS.values()]
    book.header(ws, row, columns)
    book.fit_row(ws, row, list(zip(columns, widths)), bold=True)
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
    book.print_setup(ws, header_rows=2)


def _gap(book: WorkbookBook, results: list[ForecastResult]) -> None:
    """The gap's cumulative cost by route by the end of each year (``gap_cost_totals``), per scenario."""
    ws = book.wb.add_worksheet(GAP_SHEET)
    columns = [("scenario", 20), ("by end of", 8), ("route", 48), ("p10", 13), ("p50", 13), ("p90", 13),
               ("mean", 13), ("P(this route is the cheaper one at the margin)", 16)]
    ws.write_string(0, 0, "Cumulative cost of the synthetic gap (USD): tokens beyond the human stock, bought "
                          "once and kept, by the cheapest routes and the alternatives", book.style(role="title"))
    book.wrapped_header(ws, 1, [c for c, _ in columns], [w for _, w in columns])
    ws.freeze_panes(2, 1)
    money, pct = book.style(XLSX_FORMATS["usd"]), book.style(XLSX_FORMATS["fraction"])
    row = 1
    for result in results:
        totals = result.tables.get("gap_cost_totals")
        if totals is None or totals.empty:
            continue
        for item in totals.itertuples(index=False):
            row += 1
            ws.write_string(row, 0, result.scenario)
            ws.write_number(row, 1, int(item.by_end_of))
            ws.write_string(row, 2, GAP_ROUTES.get(item.route, item.route))
            for c, stat in enumerate(("p10", "p50", "p90", "mean"), 3):
                ws.write(row, c, number(getattr(item, stat)), money)
            ws.write(row, 7, number(item.p_cheaper), pct)
    if row == 1:
        ws.write_string(2, 0, "No scenario of this workbook prices its gap (a gap section in the scenario).")
    book.print_setup(ws, header_rows=2)


def workbook_bytes(results: Iterable[ForecastResult], parents: Mapping[str, str] | None = None) -> bytes:
    """The workbook of ``results`` as XLSX bytes (byte-identical for identical results).

    ``parents`` maps a scenario's name to the name of the scenario it ``extends``
    (:func:`forecast.io.scenario.extends_parents`): on Inputs, a variant's inherited inputs then take
    their parent's cells instead of copies.
    """
    results = list(results)
    book = WorkbookBook()
    _readme(book, results)
    _summary(book, results)
    _supply_demand(book, results)
    _gap(book, results)
    _costs(book, results)
    write_inputs_sheet(book, results, dict(parents or {}))
    write_model_sheet(book, results)
    return book.close()
