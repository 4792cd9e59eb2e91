"""The XLSX workbook read back with openpyxl: sheets, named inputs, FAST-style formulas, cached values.

Whether the formulas compute what Python computes is checked by recalculating in LibreOffice
(tests/test_workbook_libreoffice.py); here the structure a planner relies on is checked.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.formula.translate import Translator

import forecast.engine as engine
from forecast.io.scenario import load_scenario
from forecast.export.workbook import workbook_bytes
from forecast.outputs import XLSX_FORMATS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results():
    out = []
    for name, n in (("baseline", 300), ("mix-sweep", 200)):
        item = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        out.append(engine.run(item.scenario, samples=n, provenance=item.provenance))
    return out


@pytest.fixture(scope="module")
def book(results):
    data = workbook_bytes(results)
    return (data, openpyxl.load_workbook(io.BytesIO(data)),
            openpyxl.load_workbook(io.BytesIO(data), data_only=True))


def formula_cells(ws):
    return [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]


def row_of(ws, label: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return row[0].row
    raise KeyError(label)


def test_sheets_in_order(book):
    _, wb, _ = book
    assert wb.sheetnames == ["README", "Summary", "Supply-Demand", "Gap and cost", "Costs by mix", "Inputs", "Model"]


def test_every_formula_carries_a_cached_value(book):
    _, wb, cached = book
    cells = formula_cells(wb["Model"])
    assert len(cells) > 600
    missing = [c.coordinate for c in cells if cached["Model"][c.coordinate].value is None]
    assert missing == []
    # the sheet states its own count
    assert f"{len(cells)} formulas on this sheet" in [c.value for c in wb["Model"]["A"]]


def test_no_number_is_typed_into_a_formula(book):
    """Only the structural 1 of "1 − share" may appear; every other number is a named cell."""
    _, wb, _ = book
    literals = set()
    for cell in formula_cells(wb["Model"]):
        text = re.sub(r'"[^"]*"', "", cell.value.replace("$", ""))
        text = re.sub(r"[A-Za-z_][A-Za-z0-9_.]*", "", text)  # names, functions, cell references
        literals.update(re.findall(r"\d+(?:\.\d+)?", text))
    assert literals <= {"1"}


def test_one_formula_per_row_copied_across_the_quarters(book):
    _, wb, _ = book
    ws = wb["Model"]
    checked = 0
    for row in ws.iter_rows(min_col=5):
        if sum(isinstance(c.value, str) and c.value.startswith("=") for c in row) < 20:
            continue  # not a per-quarter row (the cost block and the mix table)
        for cell in row:
            left = ws.cell(row=cell.row, column=cell.column - 1)
            if not (isinstance(cell.value, str) and cell.value.startswith("=")) or left.column < 5:
                continue
            moved = Translator(left.value, origin=left.coordinate).translate_formula(cell.coordinate)
            assert moved == cell.value, cell.coordinate
            checked += 1
    assert checked == 7 * 66  # 7 per-quarter rows of baseline, 68 quarters: E..BS checked against the left


def test_model_reads_named_input_cells_styled_as_inputs(book):
    _, wb, _ = book
    names = wb.defined_names
    name = "baseline_supply_repetition_multiplier"
    assert name in names
    (sheet, ref), = names[name].destinations
    assert sheet == "Inputs"
    cell = wb["Inputs"][ref.replace("$", "")]
    assert cell.fill.fgColor.rgb.endswith("FFF2CC") and cell.font.color.rgb.endswith("0000FF")
    stock = row_of(wb["Model"], "effective stock")
    assert "baseline_supply_repetition_multiplier" in wb["Model"].cell(row=row_of(wb["Model"], "repetition multiplier"),
                                                                      column=3).value
    assert wb["Model"].cell(row=stock, column=4).fill.fgColor.rgb in (None, "00000000")


def test_cached_values_are_the_point_estimate(results, book):
    _, wb, cached = book
    ws = cached["Model"]
    point = results[0].point
    stock = [ws.cell(row=row_of(ws, "effective stock"), column=4 + i).value for i in range(len(point.quarters))]
    np.testing.assert_array_equal(stock, point.series["stock"])
    assert ws.cell(row=row_of(ws, "first quarter point demand ≥ point stock"), column=3).value == point.exhaustion
    mix = results[1].point
    assert ws.cell(row=row_of(ws, "compute cost"), column=3).value == mix.scalars["compute"]


def test_inputs_sheet_lists_every_assumption_with_source_and_place(results, book):
    _, wb, _ = book
    ws = wb["Inputs"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["input", "unit", "p5", "p50 (used by Model)", "p95"]
    assert header[6:8] == ["source", "set at"]
    listed = [c.value for c in ws["A"]]
    for result in results:
        for name in result.point.inputs["input"]:
            assert name in listed
    row = listed.index("supply.repetition.multiplier") + 1
    assert "Villalobos" in ws.cell(row=row, column=7).value
    assert ws.cell(row=row, column=8).value.endswith("baseline.yaml:" + ws.cell(row=row, column=8).value.rsplit(":", 1)[1])


def test_number_formats_frozen_headers_and_chart(book):
    data, wb, _ = book
    ws = wb["Model"]
    assert ws.cell(row=row_of(ws, "effective stock"), column=4).number_format == XLSX_FORMATS["tokens"]
    assert ws.cell(row=row_of(ws, "compute cost"), column=3).number_format == XLSX_FORMATS["usd"]
    assert ws.cell(row=row_of(ws, "price per GPU-hour at the run date"), column=3).number_format == XLSX_FORMATS["price"]
    assert wb["Supply-Demand"].freeze_panes == "D2"
    assert wb["Inputs"].freeze_panes == "B2"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts and b"<c:scatterChart>" in z.read(charts[0])


def test_workbook_is_byte_identical_for_identical_results(results):
    assert workbook_bytes(results) == workbook_bytes(results)


def test_exhaustion_cdf_is_the_results_event_cdf(results, book):
    """Supply-Demand's P(exhausted by quarter end) is ForecastResult.event_cdf, quarter by quarter."""
    _, _, cached = book
    ws = cached["Supply-Demand"]
    header = [c.value for c in ws[1]]
    col = header.index("P(exhausted by quarter end)")
    baseline = results[0]
    rows = [(r[1], r[col]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == baseline.scenario]
    cdf = baseline.event_cdf()
    expected = cdf.loc[cdf["event"] == "exhaustion", ["quarter", "probability"]]
    assert [q for q, _ in rows] == list(baseline.quarters) == expected["quarter"].tolist()
    assert [p for _, p in rows] == pytest.approx(expected["probability"].tolist(), abs=1e-15)
    # the curve rises through the horizon at 300 samples, so a shift by one quarter would show
    probs = np.array([p for _, p in rows])
    assert probs[0] < 0.5 < probs[-1] and np.count_nonzero(np.diff(probs)) > 5
    assert probs[-1] == pytest.approx(baseline.event_probability("exhaustion"))


def test_summary_has_the_headline_figures_with_p_by_2030(results, book):
    from forecast.outputs import headline

    _, _, cached = book
    ws = cached["Summary"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    base = headline(results[0])
    row = rows["baseline"]
    assert row["P(exhausted by end of 2030)"] == pytest.approx(base["exhaustion.by_2030"], rel=1e-15)
    assert row["exhaustion, median"] == results[0].event_quantile("exhaustion", 0.5)
    assert rows["mix-sweep"]["total cost p50"] == pytest.approx(headline(results[1])["cost.total.p50"], rel=1e-15)


def test_gap_and_cost_sheet_holds_the_gap_totals(results, book):
    _, _, cached = book
    ws = cached["Gap and cost"]
    header = [c.value for c in ws[2]]
    assert header[:7] == ["scenario", "by end of", "route", "p10", "p50", "p90", "mean"]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=3, values_only=True)]
    totals = results[0].tables["gap_cost_totals"]
    assert len(rows) == len(totals) and {r["by end of"] for r in rows} == {2030, 2035}
    for row, want in zip(rows, totals.itertuples(index=False)):
        assert row["scenario"] == "baseline" and row["by end of"] == want.by_end_of
        assert (row["p10"], row["p50"], row["p90"]) == pytest.approx((want.p10, want.p50, want.p90), rel=1e-15)
    assert [r["route"] for r in rows[:5]] == ["synthetic", "licensed", "total (cheapest routes)",
                                              "alternative: all synthetic",
                                              "alternative: all licensable text licensed first"]


def test_input_cells_carry_their_source_as_a_note(results, book):
    _, wb, _ = book
    ws = wb["Inputs"]
    row = [c.value for c in ws["A"]].index("supply.repetition.multiplier") + 1
    note = ws.cell(row=row, column=4).comment.text
    assert note.startswith("Source: Villalobos et al. 2024") and "scenarios/baseline.yaml:" in note.split("Set at: ")[1]


def test_print_setup_on_every_sheet(book):
    data, wb, _ = book
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        if ws.title != "Model":
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), ws.title
            assert ws.page_setup.fitToHeight == 0, ws.title
    assert wb["Inputs"].print_title_rows == "$1:$1" and wb["Model"].print_title_cols == "$A:$C"


def test_no_text_runs_over_another_cell(book):
    """What LibreOffice drew over each other in README and Summary (issue 26): each wrapped cell's row
    is tall enough for its lines, and text that does not wrap fits its column when the next cell is used."""
    from forecast.export.xlsx import LINE_HEIGHT, wrapped_lines

    _, wb, _ = book
    checked = 0
    for ws in wb.worksheets:
        if ws.title == "Model":
            continue
        for cells in ws.iter_rows():
            for cell in cells:
                if not isinstance(cell.value, str) or cell.value.startswith("="):
                    continue
                width = next((d.width for d in ws.column_dimensions.values()
                              if d.min and d.min <= cell.column <= d.max), 8.43)
                if cell.alignment.wrap_text:
                    height = ws.row_dimensions[cell.row].height or LINE_HEIGHT
                    assert height >= LINE_HEIGHT * wrapped_lines(cell.value, width, cell.font.b), \
                        (ws.title, cell.coordinate, cell.value)
                elif ws.cell(row=cell.row, column=cell.column + 1).value is not None and cell.font.sz != 13:
                    assert len(cell.value) <= width, (ws.title, cell.coordinate, cell.value, width)
                checked += 1
    assert checked > 500
