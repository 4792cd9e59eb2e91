"""The Model sheet's formulas compute what Python computes: recalculated in headless LibreOffice.

LibreOffice keeps an XLSX's cached values unless told otherwise, and a test that compares cached
values with themselves can never fail. So every conversion here runs with a throwaway profile whose
``registrymodifications.xcu`` sets ``OOXMLRecalcMode`` to 0 (always recalculate), and one test
proves the recalculation happens: a workbook with wrong cached values comes back with right ones.

Then: every formula cell equals the Python point estimate to 1e-9 relative; with every assumption
on Inputs times 1.1 (edited with openpyxl, which drops all cached values) the cells move as the
Python point model with inputs times 1.1 says; and a broken formula is caught.

CI installs LibreOffice (``libreoffice-calc-nogui`` in .ci/run); without ``soffice`` these tests skip.
"""
from __future__ import annotations

import dataclasses
import re
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import forecast.engine as engine
from forecast.io.scenario import extends_parents, load_scenario
from forecast.export.workbook import INPUTS_SHEET, MODEL_SHEET, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed; CI installs libreoffice-calc-nogui via .ci/run")

#: Scenarios of scenarios/ covering the Model sheet: mixture demand, two stock sources, a given run
#: size, a cheapest-for-target run and a mix comparison; BRANCHES below covers the rest.
NAMES = ("baseline", "private-text", "gpt-class", "palmyra-x-004", "mix-sweep",
         # stock dynamics (human share from data, consent erosion, licensed additions), a compute
         # ceiling, repeated synthetic tokens
         "ai-written-inflow", "licensed-text", "compute-limits", "phi-4")
#: The branches no scenario in scenarios/ takes: repetition from epochs, historical overtraining,
#: owned (amortised) hardware, synthetic data bought from an API, a mix with an expert share.
BRANCHES = """\
extends: gpt-class.yaml
name: branches
horizon: {start: 2024Q1, end: 2030Q4}
supply:
  include: [indexed_web]
  repetition:
    epochs: 4
    decay_constant: 15.4
demand:
  method: mixture
  historical_weight: 30%
  historical:
    current_largest: 3T to 13T
    reference: 2024Q1
    growth: 2x/yr to 3x/yr
    overtraining: 2
  compute:
    current_largest: 1e25 to 1e26
    reference: 2024Q1
    growth: 4x/yr to 5x/yr
    tokens_per_param: 20
    overtraining: 1 to 5
cost:
  run:
    date: 2024Q3
    mix: {human: rest, expert: 5%, synthetic: 30%}
  compute:
    accelerator: H100
    method: amortised
    price_per_gpu_hour: null
    amortised: {amortisation_years: 3.1, server_overhead: 1.64, interconnect_share: 19%, server_power_ratio: 1.82, tdp_fraction: 75%, pue: 1.1, electricity_price: $0.0771}
    price_reference: 2024Q1
  synthetic_data:
    method: api
    output_price_per_mtok: $0.6
    input_price_per_mtok: $0.15
    generator_params: null
    utilisation: null
"""
RTOL = 1e-9
RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalculate(paths: list[Path], work: Path) -> list[Path]:
    """Convert XLSX files to XLSX in LibreOffice with full recalculation forced; the converted paths."""
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")
    out = work / "recalculated"
    out.mkdir(exist_ok=True)
    done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           "--calc", "--convert-to", "xlsx", "--outdir", str(out), *map(str, paths)],
                          capture_output=True, text=True, timeout=300, env={"HOME": str(work), "PATH": "/usr/bin:/bin"})
    converted = [out / p.name for p in paths]
    missing = [p.name for p in converted if not p.is_file()]
    assert not missing, f"LibreOffice did not convert {missing}: {done.stdout} {done.stderr}"
    return converted


def _soffice(args: list[str], work: Path) -> subprocess.CompletedProcess:
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")
    return subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           *args], capture_output=True, text=True, timeout=300,
                          env={"HOME": str(work), "PATH": "/usr/bin:/bin"})


#: LibreOffice's CSV filter: comma, double quotes, UTF-8, from line 1, English number formats, no
#: quoting of numbers, detect special numbers, **cell contents as shown**, values not formulas, keep
#: spaces, every sheet (one file per sheet, ``<name>-<sheet>.csv``).
CSV_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,-1"


def shown_values(path: Path, work: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``path`` as LibreOffice displays its cells (number formats applied): sheet → rows."""
    import csv

    out = work / "shown"
    out.mkdir(exist_ok=True)
    done = _soffice(["--convert-to", CSV_SHOWN, "--outdir", str(out), str(path)], work)
    sheets = {}
    for sheet in openpyxl.load_workbook(path, read_only=True).sheetnames:
        target = out / f"{path.stem}-{sheet}.csv"
        assert target.is_file(), f"LibreOffice wrote no CSV of {sheet}: {done.stdout} {done.stderr}"
        with target.open(encoding="utf-8", newline="") as handle:
            sheets[sheet] = list(csv.reader(handle))
    return sheets


def to_pdf(path: Path, work: Path) -> bytes:
    """``path`` printed to PDF by LibreOffice (its print setup applied)."""
    out = work / "pdf"
    out.mkdir(exist_ok=True)
    done = _soffice(["--convert-to", "pdf", "--outdir", str(out), str(path)], work)
    target = out / f"{path.stem}.pdf"
    assert target.is_file(), f"LibreOffice wrote no PDF: {done.stdout} {done.stderr}"
    return target.read_bytes()


def formulas(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[MODEL_SHEET]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=")}


def values(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, data_only=True)[MODEL_SHEET]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row}


def compare(got: dict, want: dict, cells) -> tuple[float, list[tuple]]:
    """Largest relative error over numeric cells, and the cells that differ (beyond RTOL)."""
    worst, bad = 0.0, []
    for ref in cells:
        g, w = got.get(ref), want.get(ref)
        if isinstance(w, bool) or isinstance(g, bool):
            ok = bool(g) == bool(w)
        elif isinstance(w, (int, float)) and isinstance(g, (int, float)):
            err = abs(g - w) / abs(w) if w else abs(g)
            worst = max(worst, err)
            ok = err <= RTOL
        else:
            ok = g == w
        if not ok:
            bad.append((ref, w, g))
    return worst, bad


def scaled_inputs(data: bytes, results, factor: float) -> bytes:
    """The workbook with every assumption's p50 cell on Inputs times ``factor`` (openpyxl edit)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[INPUTS_SHEET]
    inputs = {r.scenario: set(r.point.inputs["input"]) for r in results}
    scenario = None
    for row in ws.iter_rows(min_row=2):
        title = row[0].value or ""
        if title.startswith("Scenario "):
            scenario = title[len("Scenario "):].split(":")[0] if title.endswith("assumptions") else None
        elif scenario and title in inputs[scenario] and not str(row[3].value).startswith("="):
            row[3].value = row[3].value * factor  # a variant's inherited input follows its parent's cell
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Every workbook the tests need, converted in one LibreOffice call."""
    work = tmp_path_factory.mktemp("libreoffice")
    loaded = [load_scenario(ROOT / "scenarios" / f"{name}.yaml") for name in NAMES]
    shutil.copy(ROOT / "scenarios" / "gpt-class.yaml", work / "gpt-class.yaml")
    (work / "branches.yaml").write_text(BRANCHES, encoding="utf-8")
    loaded.append(load_scenario(work / "branches.yaml"))
    results = [engine.run(item.scenario, samples=200, provenance=item.provenance) for item in loaded]
    parents = extends_parents(loaded)
    assert parents["private-text"] == "baseline" and parents["mix-sweep"] == "palmyra-x-004"
    data = workbook_bytes(results, parents)
    files = {"model": data}
    # wrong cached values (stock, demand and costs doubled): a recalculation must replace them
    wrong = [dataclasses.replace(r, point=dataclasses.replace(
        r.point, series={k: v * 2 for k, v in r.point.series.items()},
        scalars={k: v * 2 for k, v in r.point.scalars.items()})) for r in results]
    files["wrong_cache"] = workbook_bytes(wrong, parents)
    files["scaled"] = scaled_inputs(data, results, 1.1)
    # the Python point model with every assumption times 1.1, written as cached values
    expected = []
    for item, result in zip(loaded, results):
        scaled = {k: v * 1.1 for k, v in result.point.values.items()}
        expected.append(dataclasses.replace(result, point=engine.point(item.scenario, provenance=item.provenance,
                                                                       values=scaled)))
    files["expected_scaled"] = workbook_bytes(expected, parents)
    # one formula broken: the compute cost of the first cost scenario adds instead of multiplying
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[MODEL_SHEET]
    target = next(r[2] for r in ws.iter_rows() if r[0].value == "compute cost")
    target.value = target.value.replace("*", "+")
    buffer = io.BytesIO()
    wb.save(buffer)
    files["broken"] = buffer.getvalue()
    paths = []
    for name, content in files.items():
        path = work / f"{name}.xlsx"
        path.write_bytes(content)
        paths.append(path)
    converted = dict(zip(files, recalculate(paths, work)))
    shown = shown_values(paths[0], work)
    pdf = to_pdf(paths[0], work)
    return {"results": results, "sources": dict(zip(files, paths)), "converted": converted,
            "broken_cell": target.coordinate, "shown": shown, "pdf": pdf}


def test_recalculation_is_forced(checked):
    """Wrong cached values come back right: LibreOffice computed the formulas, it did not copy the cache."""
    cells = formulas(checked["sources"]["model"])
    want = values(checked["sources"]["model"])
    stale = values(checked["sources"]["wrong_cache"])
    assert compare(stale, want, cells)[1], "the doubled cache should differ from the true values"
    worst, bad = compare(values(checked["converted"]["wrong_cache"]), want, cells)
    assert bad == [] and worst <= RTOL


def test_every_formula_cell_equals_the_python_point_estimate(checked):
    cells = formulas(checked["sources"]["model"])
    assert len(cells) > 1400
    worst, bad = compare(values(checked["converted"]["model"]), values(checked["sources"]["model"]), cells)
    assert bad == [], bad[:5]
    assert worst <= RTOL


def test_inputs_times_1_1_move_the_cells_as_the_python_model_says(checked):
    cells = formulas(checked["sources"]["model"])
    got = values(checked["converted"]["scaled"])
    want = values(checked["sources"]["expected_scaled"])
    worst, bad = compare(got, want, cells)
    assert bad == [], bad[:5]
    # and they did move: gpt-class compute cost = 6·N·D / (peak·MFU·3600) · price; N, D, MFU and the
    # price scale by 1.1 (peak is data, the price factor stays 1 at the reference date): × 1.1·1.1·1.1 ÷ 1.1
    before = values(checked["sources"]["model"])
    ws = openpyxl.load_workbook(checked["sources"]["model"])[MODEL_SHEET]
    compute = [r[2].coordinate for r in ws.iter_rows() if r[0].value == "compute cost"]
    gpt = compute[NAMES[2:].index("gpt-class")]
    assert got[gpt] / before[gpt] == pytest.approx(1.1 ** 2, rel=1e-9)
    stock = [r[3].coordinate for r in ws.iter_rows() if r[0].value == "effective stock"][0]
    assert got[stock] != pytest.approx(before[stock], rel=1e-3)


def test_a_broken_formula_is_caught(checked):
    cells = formulas(checked["sources"]["model"])
    worst, bad = compare(values(checked["converted"]["broken"]), values(checked["sources"]["model"]), cells)
    refs = [ref for ref, _, _ in bad]
    assert checked["broken_cell"] in refs
    assert len(refs) > 1  # the totals that depend on it moved too
    assert worst > 1e-3


def test_an_edit_of_the_parent_flows_to_its_variants(checked):
    """Inherited inputs are formulas on the parent's cell: with the parent's cells × 1.1 (and the
    variant's own cells × 1.1) LibreOffice shows the variant's inherited cells at the parent's new value."""
    source = openpyxl.load_workbook(checked["sources"]["model"])[INPUTS_SHEET]
    got = openpyxl.load_workbook(checked["converted"]["scaled"], data_only=True)[INPUTS_SHEET]
    before = openpyxl.load_workbook(checked["sources"]["model"], data_only=True)[INPUTS_SHEET]
    header = [c.value for c in source[1]]
    linked = 0
    for row in source.iter_rows(min_row=2):
        parent = row[header.index("inherited from")].value
        if not parent:
            continue
        p50 = row[3]
        assert isinstance(p50.value, str) and p50.value.startswith("="), p50.coordinate
        target = p50.value.lstrip("=")
        assert got[p50.coordinate].value == pytest.approx(got[target].value, rel=1e-12)
        if row[2].value is not None:  # an assumption (settings are not scaled): the parent's value × 1.1
            assert got[p50.coordinate].value == pytest.approx(before[target].value * 1.1, rel=1e-12)
            linked += 1
    # private-text inherits the baseline's web stock, growth, quality and more; mix-sweep palmyra's prices
    assert linked > 40
    stock = next(r for r in source.iter_rows(min_row=2) if r[0].value == "supply.sources.indexed_web.stock"
                 and r[header.index("inherited from")].value == "baseline")
    assert stock[3].value == "=D" + str(next(r[0].row for r in source.iter_rows(min_row=2)
                                              if r[0].value == "supply.sources.indexed_web.stock"))


_SHOWN = re.compile(r"(?P<sign>-?)(?P<money>\$?)(?P<num>[\d,]*\.?\d*(?:E[+-]\d+)?)"
                    r"(?P<suffix>bn|M|T tokens|B tokens| tokens|B|%|x/yr)?")
_SCALE = {"bn": 1e9, "M": 1e6, "T tokens": 1e12, "B tokens": 1e9, " tokens": 1.0, "B": 1e9, "%": 0.01,
          "x/yr": 1.0, None: 1.0}


def shown_number(text: str) -> tuple[float, str, float]:
    """(value, suffix, half a unit of the last digit shown) of a cell's displayed text."""
    m = _SHOWN.fullmatch(text.strip())
    assert m and m["num"], f"cannot read {text!r}"
    num = m["num"].replace(",", "")
    mantissa = num.split("E")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    scale = _SCALE[m["suffix"]] * (10.0 ** int(num.split("E")[1]) if "E" in num else 1.0)
    sign = -1.0 if m["sign"] else 1.0
    return sign * float(mantissa) * scale, (m["money"] + (m["suffix"] or "")), 0.5 * 10.0 ** -decimals * scale


def test_every_number_reads_as_its_value_in_libreoffice(checked):
    """The text LibreOffice shows for a formatted cell is the cell's number in its unit: a price per
    GPU-hour of $1.50 reads $1.50, never $0.00M; money carries no token suffix and tokens no $; a
    number shown with a scaling suffix (M, bn, T tokens, B tokens, B) keeps two significant digits."""
    wb = openpyxl.load_workbook(checked["sources"]["model"], data_only=True)
    counts: dict[str, int] = {}
    for sheet, rows in checked["shown"].items():
        ws = wb[sheet]
        for cells in ws.iter_rows():
            for cell in cells:
                value, code = cell.value, cell.number_format
                if isinstance(value, bool) or not isinstance(value, (int, float)) or code == "General":
                    continue
                text = rows[cell.row - 1][cell.column - 1]
                assert "#" not in text, (sheet, cell.coordinate, text)  # too narrow: ### instead of the number
                shown, suffix, half = shown_number(text)
                money = "$" in code.replace('"$"', "")
                assert money == suffix.startswith("$"), (sheet, cell.coordinate, text, code)
                assert ("tokens" in suffix) == ("tokens" in code), (sheet, cell.coordinate, text, code)
                if suffix.lstrip("$") in ("bn", "M", "T tokens", "B tokens", "B") or "E" in text:
                    ok = shown == pytest.approx(value, rel=0.02, abs=0 if value else 1e-300)
                else:
                    ok = abs(shown - value) <= half * 1.0001
                assert ok, (sheet, cell.coordinate, value, text, code)
                counts[sheet] = counts.get(sheet, 0) + 1
    assert set(counts) == {"Summary", "Supply-Demand", "Gap and cost", "Costs by mix", "Inputs", "Model"}
    assert counts["Costs by mix"] > 100 and counts["Model"] > 1000
    # the case of issue 26: the price per GPU-hour of a run reads in dollars and cents
    costs = checked["shown"]["Costs by mix"]
    price = next(r for r in costs if r[1] == "Price per GPU-hour at run date")
    assert price[2] == "USD/GPU-hour" and re.fullmatch(r"\$\d\.\d\d", price[4]), price


def test_every_page_prints_landscape(checked):
    """LibreOffice's PDF of the workbook: every page landscape (print setup on every sheet; before,
    the shipped scenarios printed on 228 portrait pages)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", checked["pdf"])
    assert boxes and all(float(w) > float(h) for w, h in boxes)
