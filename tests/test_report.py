"""The quarterly report (``peakdata report``): the document parses as GitHub Markdown everywhere,
every chart is there and readable, outputs are byte-identical across processes, a failed report
leaves the previous one intact, templates can be overridden; a partial report gets its own folder and
never touches the quarter's full report, two reports into one folder take turns, and a killed
report's leftovers are cleaned up by the next.

The small scenario set is tests/golden/report/ (two supply scenarios, one a variant of the other, two
cost scenarios and a waterfall between them); tests/test_golden.py holds its Markdown byte for byte.
It is not a project's scenarios/ folder, so its reports are partial runs: ``--replace`` writes them
to ``OUT/<quarter>/`` as the tests below expect.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.export.writers import side_folders

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "tests" / "golden" / "report"
FILES = ["mini-supply.yaml", "mini-slow.yaml", "mini-gpt.yaml", "mini-mix.yaml"]
ARGS = [*FILES, "--compare", "waterfall.yaml", "--quarter", "2026Q4", "--replace"]
#: Every chart the small set must produce (two supply scenarios, a mix sweep, one waterfall).
CHARTS = {"fan_mini-supply", "fan_mini-slow", "exhaustion_probability", "synthetic_gap", "cost_components",
          "cost_vs_share_mini-mix", "sensitivity_exhaustion", "sensitivity_cost", "waterfall_mini-waterfall",
          "trend_dataset_tokens", "trend_training_compute", "trend_price_performance"}
#: The spreadsheet exports beside the report (docs/report.md, docs/exports.md).
EXPORTS = {"long.csv", "iamc.csv", "meta.json", "peakdata-2026Q4.xlsx", "wide_stock.csv", "wide_demand.csv",
           "wide_ratio.csv", "wide_synthetic_needed.csv", "wide_synthetic_share.csv"}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    cwd = os.getcwd()
    os.chdir(SET)
    try:
        result = CliRunner().invoke(app, ["report", *ARGS, "--out", str(out)])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return out / "2026Q4"


def _markdown_files(folder: Path) -> list[Path]:
    return [folder / "report.md", *sorted((folder / "scenarios").glob("*.md"))]


def test_writes_the_document_charts_data_and_pages(report_dir):
    assert {p.stem for p in (report_dir / "charts").glob("*.png")} == CHARTS
    assert {p.stem for p in (report_dir / "scenarios").glob("*.md")} == {Path(f).stem for f in FILES}
    data = {p.stem for p in (report_dir / "data").glob("*.csv")}
    # every chart has its numbers beside it, and so do the tables
    assert CHARTS <= data
    assert {"summary_supply", "summary_cost", "comparison", "assumptions", "provenance", "data_files",
            "variant_mini-slow"} <= data
    assert (report_dir / "report.html").is_file()
    assert side_folders(report_dir) == [], "staging folder left behind"


def test_explore_page_beside_the_report_and_linked_from_the_summary(report_dir):
    """explore.html is written with the report (mini-supply and mini-slow are log-linear) and the first
    screen links to it (docs/report.md, "What if: explore.html")."""
    page = (report_dir / "explore.html").read_text(encoding="utf-8")
    assert '<script id="explore-data" type="application/json">' in page and "mini-supply" in page
    summary = (report_dir / "report.md").read_text(encoding="utf-8").split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "[explore.html](explore.html)" in summary
    assert 'href="explore.html"' in (report_dir / "report.html").read_text(encoding="utf-8")


def test_spreadsheet_exports_are_beside_the_report_and_linked(report_dir):
    import json

    import pandas as pd
    from openpyxl import load_workbook

    folder = report_dir / "exports"
    assert {p.name for p in folder.iterdir()} == EXPORTS
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    section = text.split("## Spreadsheets", 1)[1].split("\n## ", 1)[0]
    for name in EXPORTS:
        assert f"](exports/{name})" in section, name
    # every scenario of the report, in the long table and the workbook
    long = pd.read_csv(folder / "long.csv")
    assert set(long["scenario"]) == {Path(f).stem for f in FILES}
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert sorted(s["scenario"] for s in meta["scenarios"]) == sorted(Path(f).stem for f in FILES)
    # the stock p50 of the wide table is the report's own figure (fan chart numbers)
    wide = pd.read_csv(folder / "wide_stock.csv").set_index(["scenario", "quarter"])
    fan = pd.read_csv(report_dir / "data" / "fan_mini-supply.csv")
    fan = fan[fan["metric"] == "stock"].set_index("quarter")
    for quarter in ("2026Q4", "2030Q4"):
        assert wide.loc[("mini-supply", quarter), "p50"] == pytest.approx(fan.loc[quarter, "p50"], rel=1e-5)
    book = load_workbook(folder / "peakdata-2026Q4.xlsx", read_only=True)
    assert "Model" in book.sheetnames
    book.close()


def test_trend_section_charts_scores_and_names_the_fits(report_dir):
    import pandas as pd

    text = (report_dir / "report.md").read_text(encoding="utf-8")
    section = text.split("## Trends behind the forecast", 1)[1].split("\n## ", 1)[0]
    import textwrap

    for series in ("dataset_tokens", "training_compute", "price_performance"):
        assert f"](charts/trend_{series}.png)" in section
        title = re.search(rf"!\[([^]]+)\]\(charts/trend_{series}\.png\)", section).group(1)
        assert len(textwrap.wrap(title, 78)) <= 2, title  # charts.py draws two title lines at most
        frame = pd.read_csv(report_dir / "data" / f"trend_{series}.csv")
        # all four methods charted, each 8 quarters on from the as-of quarter, band around the line
        forecast = frame[frame["kind"] == "forecast"]
        assert forecast.groupby("method").size().to_dict() == {"ets": 8, "ols": 8, "prophet": 8, "quantreg": 8}
        assert (forecast["lower"] <= forecast["value"]).all() and (forecast["value"] <= forecast["upper"]).all()
        assert (frame[frame["kind"] == "observed"]["value"] > 0).all()
    card = pd.read_csv(report_dir / "data" / "trend_scorecard.csv")
    # one pooled row per series and method, and exactly one method picked per series
    assert len(card) == 12 and set(card["horizon"]) == {"all"}
    for series, part in card.groupby("series"):
        # best: the lowest proper score of the calibrated forecasts, no longer the lowest MAE
        best = part.loc[part["score"].idxmin(), "method"]
        assert set(part["best"]) == {best}, series
        assert {"coverage", "coverage_raw", "score_raw"} <= set(part)
    assert section.count("✓") == 3  # one best method per series in the table
    # raw and calibrated coverage side by side, the proper score, and one target line per series
    assert "| 80% coverage, raw " in section and "| 80% coverage, calibrated " in section
    assert "| score [OOM] " in section and "lowest proper score" in section
    assert section.count("**meets the target**") + section.count("**fails on ") == 3
    for series in ("dataset_tokens", "training_compute", "price_performance"):  # imputed quarters marked
        assert "imputed" in pd.read_csv(report_dir / "data" / f"trend_{series}.csv").columns
    # the small set fits no trend (growth given directly), and says so
    assert "No scenario of this report fits a trend." in section


def test_fits_used_names_method_and_as_of_of_the_shipped_scenarios():
    """backtested-trend.yaml fits dataset_tokens with method best as of 2024Q2; the baseline with
    quantile regression as of 2024Q1 (scenarios/*.yaml). Both take the level and the growth from
    their fit, and both pin settings the trend chart does not (docs/trends.md, "One growth per series")."""
    from types import SimpleNamespace

    import forecast.engine as engine
    from forecast.io.scenario import load_scenario
    from forecast.report.trends import fits_used_frame

    runs = []
    for name in ("backtested-trend", "baseline"):
        item = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        runs.append(SimpleNamespace(name=name, file=item, result=engine.run(item.scenario, samples=200)))
    frame = fits_used_frame(runs).set_index("scenario")
    row = frame.loc["backtested-trend"]
    assert (row["series"], row["requested"], row["as_of"]) == ("dataset_tokens", "best", "2024Q2")
    assert row["method"] in ("ols", "quantreg", "ets", "prophet")
    assert "before 2024Q2" in row["data"] and "imputed from compute" in row["data"]
    assert (row["pinned"], row["level"]) == ("as of 2024Q2", "fit")
    base = frame.loc["baseline"]
    assert (base["requested"], base["method"], base["as_of"]) == ("quantreg", "quantreg", "2024Q1")
    assert base["input"] == "demand.historical.current_largest, demand.historical.growth"
    assert (base["pinned"], base["level"]) == ("method quantreg; as of 2024Q1", "fit")
    assert "before 2024Q1" in base["data"]
    assert base["growth_factor"] == pytest.approx(10 ** base["growth"])


def test_trend_methods_option(tmp_path, monkeypatch):
    monkeypatch.chdir(SET)
    out = tmp_path / "r"
    args = ["report", "mini-supply.yaml", "--quarter", "2026Q4", "--out", str(out), "-n", "200", "--replace"]
    bad = CliRunner().invoke(app, args + ["--trend-methods", "ols,arima"])
    assert bad.exit_code == 2 and "--trend-methods ols,arima: unknown method arima" in bad.output
    assert not (out / "2026Q4").exists()
    assert CliRunner().invoke(app, args + ["--trend-methods", "none"]).exit_code == 0
    text = (out / "2026Q4" / "report.md").read_text(encoding="utf-8")
    assert "## Trends behind the forecast" not in text and "## Spreadsheets" in text
    assert not list((out / "2026Q4" / "charts").glob("trend_*.png"))


def test_sections_come_in_the_documented_order(report_dir):
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == ["Summary", "All scenarios side by side", "Charts", "Trends behind the forecast",
                        "Spreadsheets", "Changes since last quarter", "The baseline across quarters",
                        "Assumptions", "Method", "Glossary", "Provenance"]  # the full changes table in the appendix
    assert "No earlier quarter in the archive" in text or "Against " in text


def _section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def test_every_abbreviation_of_the_report_is_in_its_glossary(report_dir):
    """Issue 26: a glossary covers every abbreviation that remains (generated from GLOSSARY)."""
    from forecast.report.glossary import GLOSSARY, NOT_ABBREVIATIONS

    text = (report_dir / "report.md").read_text(encoding="utf-8")
    glossary = _section(text, "Glossary")
    rest = text.replace(glossary, "")
    listed = set(re.findall(r"^\| ([^|]+?) +\|", glossary, flags=re.M)) - {"term"}
    known = {t for t, _ in GLOSSARY}
    assert listed and listed <= known
    # every upper-case abbreviation of the report is explained or a name (a model, a venue, a company)
    words = set(re.findall(r"(?<![\w./-])([A-Z][A-Z0-9]+(?:-\d+)?)(?![\w-])", rest))
    missing = sorted(w for w in words if not {w, w.split("-")[0]} & (listed | NOT_ABBREVIATIONS))
    assert missing == [], f"abbreviations without a glossary entry: {missing}"
    # and the terms of art from the issue, wherever they occur
    for term in ("V24", "OOM", "S1", "ST", "nats", "MFU", "p10", "p50", "p90", "effective stock", "after horizon"):
        if re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", rest):
            assert term in listed, term
    # an entry the report does not use is left out
    assert "WRAP" not in listed or "WRAP" in rest


def test_method_is_written_from_what_ran(report_dir):
    """Issue 26: no hand-written Method prose that can go stale (Spearman as the sensitivity, a
    bootstrap demand fit): the section names the fits, samples and Sobol runs of this report."""
    import pandas as pd

    text = (report_dir / "report.md").read_text(encoding="utf-8")
    method = _section(text, "Method")
    fits = pd.read_csv(report_dir / "data" / "trend_fits_used.csv")
    demand = fits[fits["input"].str.contains("demand.historical")]
    for as_of in set(demand["as_of"]):
        assert f"as of {as_of}" in method
    assert "bootstrapped slope" not in method
    for name in ("sensitivity_exhaustion", "sensitivity_cost"):
        runs = int(pd.read_csv(report_dir / "data" / f"{name}.csv")["evaluations"].iloc[0])
        assert f"({runs:,} model runs)" in method
    assert "Sobol design" in method
    assert "Spearman" in method and "detail page" in method    # where the rank correlations still are
    samples = pd.read_csv(report_dir / "data" / "provenance.csv")["samples"]
    assert f"{int(samples.iloc[0]):,} Monte Carlo samples per scenario" in method


@pytest.mark.parametrize("page", ["report.md", "scenarios/mini-supply.md", "scenarios/mini-mix.md"])
def test_markdown_has_no_raw_html_and_every_image_resolves(report_dir, page):
    path = report_dir / page
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(path.read_text(encoding="utf-8"))
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or ())}
    assert "html_block" not in kinds and "html_inline" not in kinds
    images = [c.attrGet("src") for t in tokens for c in (t.children or ()) if c.type == "image"]
    links = [c.attrGet("href") for t in tokens for c in (t.children or ()) if c.type == "link_open"]
    if page == "report.md":
        assert len(images) == len(CHARTS)
    for target in images + links:
        assert not target.startswith(("/", "http")), target
        assert (path.parent / target).resolve().is_file(), f"{page}: {target} does not resolve"


def _tables(tokens) -> list[list[int]]:
    """Cells per row of every table, from markdown-it's token stream."""
    tables, rows, cells = [], None, 0
    for t in tokens:
        if t.type == "table_open":
            rows = []
        elif t.type == "tr_open":
            cells = 0
        elif t.type in ("th_open", "td_open"):
            cells += 1
        elif t.type == "tr_close":
            rows.append(cells)
        elif t.type == "table_close":
            tables.append(rows)
    return tables


@pytest.mark.parametrize("page", ["report.md", "scenarios/mini-supply.md", "scenarios/mini-gpt.md"])
def test_every_table_has_the_same_cells_in_every_row(report_dir, page):
    text = (report_dir / page).read_text(encoding="utf-8")
    tables = _tables(MarkdownIt("commonmark").enable("table").parse(text))
    assert tables, "no table parsed"
    for rows in tables:
        assert len(set(rows)) == 1, rows
    # the source agrees: every pipe-table line has the same number of unescaped separators
    block: list[int] = []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            block.append(len(re.findall(r"(?<!\\)\|", line)))
        elif block:
            assert len(set(block)) == 1, block
            block = []
    if page == "report.md":
        # summary, cost summary, comparison, variant changes and effect, waterfall, assumptions, 2 provenance
        assert len(tables) >= 9


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc not installed (CI installs it)")
def test_pandoc_reads_the_report_as_gfm(report_dir):
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    html = subprocess.run(["pandoc", "-f", "gfm", "-t", "html"], input=text, capture_output=True,
                          text=True, check=True).stdout
    md_tables = len(_tables(MarkdownIt("commonmark").enable("table").parse(text)))
    assert html.count("<table") == md_tables
    assert html.count("<img") == len(CHARTS)


def test_html_embeds_every_chart(report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == len(CHARTS)
    assert 'src="charts/' not in html
    assert "<table>" in html


def test_html_has_contents_scrolling_tables_print_styles_and_no_machine_path(report_dir):
    """Issue 26 item 6: a table of contents, every table in its own sideways-scrolling box, print
    styles, and no path of the machine that wrote it."""
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="([^"]+)">([^<]+)</h2>', html)
    assert [h for _, h in headings][:2] == ["Summary", "All scenarios side by side"]
    nav = re.search(r'<nav class="toc".*?</nav>', html, flags=re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', nav) == [slug for slug, _ in headings]
    assert html.count("<table>") == html.count('<div class="scroll"><table>') > 0
    assert "@media print" in html and "overflow-x:auto" in html
    for path in {str(report_dir), str(report_dir.parent), str(Path.home()), os.getcwd(), str(ROOT)}:
        assert path not in html, path


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (headless)")
def test_html_never_scrolls_sideways_at_1280_px(report_dir, tmp_path):
    """Issue 26: at 1280 px the page is no wider than the window (wide tables scroll in their box)."""
    from first_screen import first_screen

    assert first_screen(report_dir / "report.html", tmp_path)["scroll_width"] <= 1280


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (headless)")
def test_html_first_screen_holds_the_answers_and_the_whole_chart_at_1280_by_800(report_dir, tmp_path):
    """Issue 26: at 1280 x 800, without scrolling, the Summary's answers and then the whole hero chart
    (bottom edge within 800 px, at least 330 px tall to stay legible); the range across scenarios is
    under the chart (tests/first_screen.py measures; tests/test_first_screen.py does the shipped set)."""
    from first_screen import first_screen

    measured = first_screen(report_dir / "report.html", tmp_path)
    answers, chart = measured["answers"], measured["chart"]
    assert measured["list"] == "UL"
    # the small set has no gap to price: the baseline, the way out, since last quarter
    assert [a["text"].split(":")[0] for a in answers] == ["Baseline (mini-supply)", "The way out",
                                                           "Since last quarter"]
    assert chart is not None and chart["loaded"]
    assert chart["bottom"] <= 800, chart
    assert chart["height"] >= 330, chart
    assert all(a["bottom"] <= chart["top"] for a in answers), (answers, chart)


def test_charts_are_fixed_size_and_not_blank(report_dir):
    from PIL import Image

    for path in sorted((report_dir / "charts").glob("*.png")):
        with Image.open(path) as image:
            # 8 x 4.5 inches at 150 dpi (forecast/report/charts.py)
            assert image.size == (1200, 675), path.name
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
            assert colours is not None and len(colours) > 50, f"{path.name}: {len(colours or [])} colours"
            assert not any(key.lower().startswith(("software", "creation")) for key in image.info), image.info
        assert path.stat().st_size > 20_000, path.name


def test_waterfall_numbers_are_the_runs(report_dir):
    import pandas as pd

    frame = pd.read_csv(report_dir / "data" / "waterfall_mini-waterfall.csv", comment="#")
    summary = pd.read_csv(report_dir / "data" / "summary_cost.csv", comment="#").set_index("scenario")
    assert list(frame["scenario"]) == ["mini-gpt", "mini-mix"]
    # each bar is the p50 total of the run it names, and the factor is the ratio of consecutive bars
    for row in frame.itertuples():
        assert row.total_p50 == pytest.approx(summary.loc[row.scenario, "cost_total_p50_usd"], rel=1e-5)
    assert frame["factor"].iloc[1] == pytest.approx(frame["total_p50"].iloc[1] / frame["total_p50"].iloc[0],
                                                    rel=1e-5)


def test_waterfall_states_when_the_synthetic_heavy_mix_pays(report_dir):
    """The paragraph under the waterfall gives each break-even of data/breakeven_<compare>.csv in words,
    with today's median beside it, and the steps that save and the one that raises the cost."""
    import pandas as pd

    from forecast.units import format_quantity

    frame = pd.read_csv(report_dir / "data" / "breakeven_mini-waterfall.csv", comment="#").set_index("input")
    assert list(frame.index) == ["cost.quality.synthetic_value", "cost.human_data.license_per_mtok",
                                 "cost.synthetic_data.output_price_per_mtok"]
    assert (frame["synthetic_share"] == 0.91).all() and (frame["samples"] == 300).all()
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    para = next(line for line in text.splitlines() if line.startswith("**When the synthetic-heavy mix pays.**"))
    value = frame.loc["cost.quality.synthetic_value"]
    if value["found"]:
        assert (f"each synthetic token is worth at least {format_quantity(value['breakeven'], 'number', digits=2)} "
                f"human tokens (today's median: {format_quantity(value['today_p50'], 'number', digits=3)})") in para
    assert "91% synthetic (the median of mini-mix's mix) becomes cheaper than 0% synthetic" in para
    assert "cheapest_share >= 91%" in para and "data/breakeven_mini-waterfall.csv" in para


def test_variant_changes_are_on_the_detail_page_with_one_line_in_the_report(report_dir):
    page = (report_dir / "scenarios" / "mini-slow.md").read_text(encoding="utf-8")
    section = page.split("## What it changes against mini-supply", 1)[1].split("\n## ", 1)[0]
    # mini-slow.yaml changes one input: 2-3x/yr -> 1.5-2x/yr, set on its line 7
    assert "| demand.historical.growth | 2x/yr to 3x/yr (90%) | 1.5x/yr to 2x/yr (90%) | mini-slow.yaml:7 |" \
        in re.sub(r" +\|", " |", re.sub(r"\| +", "| ", section))
    # slower growth moves exhaustion later
    assert re.search(r"Exhaustion, median \| \d{4}Q\d \| \d{4}Q\d \| \+\d\.\d\d years", re.sub(r" +", " ", section))
    # a scenario that extends none of the others has no such section
    assert "## What it changes" not in (report_dir / "scenarios" / "mini-supply.md").read_text(encoding="utf-8")
    # the report keeps one line per variant, linking to that page; no per-variant tables
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    assert "what it changes against" not in text
    lines = [line for line in text.splitlines() if line.startswith("- [mini-slow](scenarios/mini-slow.md) against")]
    assert len(lines) == 1
    assert "`demand.historical.growth`" in lines[0] and "median exhaustion 2028Q4 → 2032Q2 (+3.50 years)" in lines[0]


def _headline(report_dir, kind: str) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_csv(report_dir / "data" / f"summary_{kind}.csv", comment="#").set_index("scenario")


def test_first_screen_answers_both_questions_for_the_baseline(report_dir):
    """The summary's first lines: the baseline's median quarter, 80% interval and P(by end of 2030), then
    the way out's p50 cost against a human-heavy run, values from the run's own numbers; then the
    baseline's chart, before any table."""
    from forecast.outputs import format_headline
    from forecast.units import format_quantity

    text = (report_dir / "report.md").read_text(encoding="utf-8")
    summary = text.split("## Summary\n", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in summary.splitlines() if line.startswith("- ")]
    supply, cost = _headline(report_dir, "supply"), _headline(report_dir, "cost")
    # mini-supply is the baseline: the first supply scenario extending no other one in the report
    base = supply.loc["mini-supply"]   # summary_supply.csv: quarters as 2028Q4, probabilities 0 to 1
    q = {k: str(base[f"exhaustion_{k}"]) for k in ("p10", "p50", "p90")}
    q["by_2030"] = format_headline("exhaustion.by_2030", float(base["p_exhausted_by_2030"]))
    assert q == {"p10": "2027Q2", "p50": "2028Q4", "p90": "2030Q4", "by_2030": "91%"}  # as the table prints them
    assert bullets[0] == (f"- **Baseline** (mini-supply): human text runs out in **{q['p50']}** (median; 80% interval "
                          f"{q['p10']} – {q['p90']}); P(exhausted by end of 2030) = **{q['by_2030']}**.")
    # the way out: the waterfall's last run (mostly synthetic) against its first (human-heavy), both p50
    mix, gpt = (format_quantity(cost.loc[n, "cost_total_p50_usd"], "usd") for n in ("mini-mix", "mini-gpt"))
    assert bullets[1].startswith(f"- **The way out**: a mostly synthetic run (mini-mix, 91% synthetic) costs "
                                 f"**{mix}** (p50; 80% interval ")
    assert f"against {gpt} (p50) for a human-heavy run (mini-gpt, 0% synthetic)" in bullets[1]
    assert "cheapest" not in bullets[1] and "dearest" not in summary
    # then one line on what changed since last quarter (here: nothing to compare with yet)
    assert bullets[2].startswith("- **Since last quarter**: no earlier quarter is in the run archive")
    # the range across scenarios comes after the answers, under the chart
    assert bullets[3] == "- Across 2 supply scenarios the median runs from 2028Q4 (mini-supply) to 2032Q2 (mini-slow)."
    assert summary.index(bullets[2]) < summary.index("![") < summary.index(bullets[3])
    # the baseline's fan chart is the first image, before the first table; it is not repeated under Charts
    assert text.index("![") < text.index("\n|")
    assert text.index("(charts/fan_mini-supply.png)") < text.index("### When does demand overtake")
    assert text.count("(charts/fan_mini-supply.png)") == 1


def test_the_range_leaves_out_a_scenario_whose_median_is_past(monkeypatch):
    """A supply scenario whose median quarter has already ended (peak-2023 in the shipped set) does not
    set the range across scenarios, and the sentence says so."""
    from types import SimpleNamespace

    import forecast.report.document as D

    medians = {"baseline": 2028.0, "slow": 2032.5, "peak": 2023.5}   # 2027Q4, 2032Q2, 2023Q2

    def run(name: str) -> SimpleNamespace:
        result = SimpleNamespace(name=name, events={"exhaustion": None}, tables={}, draws={})
        return SimpleNamespace(name=name, result=result, file=SimpleNamespace(files=[f"{name}.yaml"]))

    monkeypatch.setattr(D, "headline", lambda result: {
        "exhaustion.p50": medians[result.name], "exhaustion.p10": 2027.0, "exhaustion.p90": 2030.0,
        "exhaustion.by_2030": 0.9})
    doc = D.Document([run(n) for n in medians], [], "2026Q4", ROOT / "data", None, "../archive.sqlite")
    sentences = doc._summary_sentences()
    assert sentences[0] == ("**Baseline** (baseline): human text runs out in **2027Q4** (median; 80% interval "
                            "2026Q4 – 2029Q4); P(exhausted by end of 2030) = **90%**.")
    assert not any(s.startswith("Across") for s in sentences)   # the range is under the chart
    assert doc._summary_more()[0] == ("Across 2 supply scenarios the median runs from 2027Q4 (baseline) to 2032Q2 (slow), "
                             "leaving out peak (2023Q2): a median already past is contradicted by the record since "
                             "(such a scenario is kept to test the claim it spells out).")


def test_every_cost_figure_names_its_statistic(report_dir):
    """p50 unless labelled: the cost bars say they are means, the sensitivity base says it is every
    input at its median, the waterfall's totals and ratio say p50, published figures say so."""
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    charts = text.split("## Charts", 1)[1]
    assert "each bar's height is the p50 total cost" in charts
    assert "all inputs at their medians" in charts
    assert "(p50, 4.0x cheaper)" in charts and "Ratio of the first to the last run, at p50: 4.0x" in charts
    assert "- Writer 2024: $0.7M (published figure): Writer via TechCrunch 2024" in charts


def test_cost_bars_show_the_p50_total_their_caption_names(report_dir):
    """Each stacked bar tops out at the run's p50 total (summary_cost.csv), split by the components'
    shares of the mean; the chart's caption says so, and the bars' CSV holds what is drawn."""
    import pandas as pd

    bars = pd.read_csv(report_dir / "data" / "cost_components.csv", comment="#")
    summary = pd.read_csv(report_dir / "data" / "summary_cost.csv", comment="#").set_index("scenario")
    for name, part in bars.groupby("scenario"):
        p50 = summary.loc[name, "cost_total_p50_usd"]
        assert part["shown"].sum() == pytest.approx(p50, rel=1e-5)  # the CSV keeps 6 significant digits
        assert part["shown"].to_numpy() == pytest.approx((part["mean"] / part["mean"].sum() * p50).to_numpy(), rel=1e-5)
        assert part["share_of_mean"].sum() == pytest.approx(1.0, rel=1e-5)
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    caption = next(line for line in text.splitlines() if line.startswith("Training cost by component"))
    assert "p50 total" in caption and "share of the mean" not in caption.split("split")[0]
    assert "mean of the samples" not in text


def test_second_process_writes_identical_bytes(tmp_path):
    """Same scenarios, data, seed and quarter: two fresh processes, byte-identical folders."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "reports"
    copies = []
    # Prophet is the one trend method whose fit draws random numbers: it alone is charted here, fitted
    # afresh in each process (PEAKDATA_CACHE=off), so its seeding is what this compares.
    for k in range(2):
        subprocess.run([sys.executable, "-m", "forecast", "report", *ARGS, "--out", str(out), "-n", "400",
                        "--trend-methods", "prophet"],
                       cwd=SET, env=env, check=True, capture_output=True)
        copies.append(tmp_path / f"copy{k}")
        shutil.copytree(out / "2026Q4", copies[-1])
    first = {p.relative_to(copies[0]): p.read_bytes() for p in copies[0].rglob("*") if p.is_file()}
    second = {p.relative_to(copies[1]): p.read_bytes() for p in copies[1].rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    assert any(name.suffix == ".png" for name in first)
    assert {Path("exports/peakdata-2026Q4.xlsx"), Path("exports/long.csv"),
            Path("charts/trend_dataset_tokens.png")} <= set(first)


def test_failed_report_leaves_the_previous_one_intact(tmp_path, monkeypatch):
    from forecast.report import document

    monkeypatch.chdir(SET)
    out = tmp_path / "reports"
    args = ["report", "mini-supply.yaml", "--quarter", "2026Q4", "--out", str(out), "--replace", "-n", "200"]
    assert CliRunner().invoke(app, args).exit_code == 0
    before = (out / "2026Q4" / "report.md").read_bytes()

    def broken(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(document.Document, "pages", broken)
    result = CliRunner().invoke(app, args[:-1] + ["300"])
    assert result.exit_code != 0
    assert (out / "2026Q4" / "report.md").read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".2026Q4.lock"]   # the lock file, empty
    assert side_folders(out / "2026Q4") == []


def test_template_folder_overrides_one_section(tmp_path, monkeypatch):
    monkeypatch.chdir(SET)
    templates = tmp_path / "brand"
    templates.mkdir()
    (templates / "title.md.j2").write_text("# ACME planning pack {{ quarter }}\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "--quarter", "2027Q1", "--out", str(out),
                                      "-n", "200", "--replace", "--template", str(templates)])
    assert result.exit_code == 0, result.output
    text = (out / "2027Q1" / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# ACME planning pack 2027Q1\n")
    assert "## Summary" in text and "## Provenance" in text   # the other sections are the shipped ones


def test_template_with_an_unknown_variable_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.chdir(SET)
    templates = tmp_path / "brand"
    templates.mkdir()
    (templates / "title.md.j2").write_text("# {{ qaurter }}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "--quarter", "2026Q4", "--out",
                                      str(tmp_path / "r"), "-n", "200", "--template", str(templates)])
    assert result.exit_code == 2
    assert "title.md.j2" in result.output and "qaurter" in result.output
    assert not list((tmp_path / "r").glob("2026Q4*"))


@pytest.mark.parametrize("args, message", [
    (["--quarter", "2026Q5"], "--quarter 2026Q5"),
    (["--template", "no-such-folder"], "--template no-such-folder"),
])
def test_bad_options_exit_2(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(SET)
    result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_default_quarter_is_todays_calendar_quarter():
    import datetime

    from forecast.report.quarterly import current_quarter

    assert current_quarter(datetime.date(2026, 12, 1)) == "2026Q4"
    assert current_quarter(datetime.date(2027, 1, 1)) == "2027Q1"
    assert current_quarter(datetime.date(2027, 6, 30)) == "2027Q2"


def test_keep_samples_is_off_by_default_and_changes_no_statistic():
    import forecast.engine as engine
    from forecast.io.scenario import load_scenario

    item = load_scenario(SET / "mini-supply.yaml")
    plain = engine.run(item.scenario, samples=300)
    kept = engine.run(item.scenario, samples=300, keep_samples=True)
    assert plain.draws == {} and plain.outcomes == {}
    assert set(kept.draws) >= {"supply.repetition.multiplier", "demand.historical.growth"}
    assert all(v.shape == (300,) for v in kept.draws.values())
    for name in plain.stats:
        np.testing.assert_array_equal(plain.stats[name], kept.stats[name])


def test_sensitivity_ranks_inputs_and_drops_noise():
    from types import SimpleNamespace

    from forecast.report.sections import sensitivity_frame

    rng = np.random.default_rng(0)
    n = 2000
    strong, weak, noise = rng.random(n), rng.random(n), rng.random(n)
    # exhaustion quarter rises with `strong`, falls a little with `weak`, ignores `noise`
    quarter = np.floor(10 * strong - 2 * weak).astype(np.int32)
    result = SimpleNamespace(events={"exhaustion": quarter}, outcomes={},
                             draws={"noise": noise, "weak": weak, "strong": strong, "fixed": np.ones(n)})
    frame = sensitivity_frame(SimpleNamespace(result=result), "exhaustion")
    assert list(frame["input"]) == ["strong", "weak"]          # noise (|rho| < 2/sqrt(n-1)) and fixed dropped
    assert frame["rho"].iloc[0] > 0.9 and frame["rho"].iloc[1] < 0


def test_compare_file_naming_a_missing_scenario_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.chdir(SET)
    bad = tmp_path / "bad.yaml"
    bad.write_text("compare:\n  name: bad\n  title: Bad\n  start: {label: a, scenario: mini-gpt.yaml}\n"
                   "  steps:\n    - {label: b, scenario: no-such.yaml}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "--compare", str(bad), "--quarter", "2026Q4",
                                      "--out", str(tmp_path / "r"), "-n", "200"])
    assert result.exit_code == 2
    # the step's line (6) and field, and the path it looked for
    assert f"{bad}:6" in result.output and "compare.steps.0.scenario" in result.output
    assert "no-such.yaml not found" in result.output
    assert not list((tmp_path / "r").glob("2026Q4*"))


def _project(tmp_path: Path, *names: str) -> Path:
    """A project folder in ``tmp_path``: ``scenarios/`` holding copies of these files of the small set
    (their full run), no waterfalls."""
    (tmp_path / "scenarios").mkdir()
    for name in names:
        shutil.copy(SET / name, tmp_path / "scenarios" / name)
    return tmp_path


def _files(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _rows(db: Path, run: int) -> list[str]:
    """Every archive row of run ``run``, as SQL."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return [line for line in conn.iterdump() if f"VALUES({run}," in line]
    finally:
        conn.close()


def test_next_quarter_after_editing_an_input_names_it_in_changes(tmp_path, monkeypatch):
    """Two quarters' full runs into one archive, with a quick partial run between them: the second
    full run compares with the first (not the partial one), shows the edited input and the move it
    makes in "Changes since last quarter"; the first says there is nothing earlier."""
    monkeypatch.chdir(_project(tmp_path, "mini-supply.yaml"))
    scenario = Path("scenarios/mini-supply.yaml")
    run = ["report", "--trend-methods", "none", "--quarter"]
    assert CliRunner().invoke(app, run + ["2026Q3"]).exit_code == 0
    first = Path("reports/2026Q3/report.md").read_text(encoding="utf-8")
    assert "No earlier quarter in the archive (`../archive.sqlite`)" in first  # from the report folder
    quick = CliRunner().invoke(app, run + ["2026Q3", "-n", "300"])         # partial: archived, not compared with
    assert quick.exit_code == 0 and "partial report (--samples 300)" in quick.output
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("2x/yr to 3x/yr", "2.5x/yr to 3.5x/yr"),
                        encoding="utf-8")
    assert CliRunner().invoke(app, run + ["2026Q4"]).exit_code == 0
    text = Path("reports/2026Q4/report.md").read_text(encoding="utf-8")
    changes = text.split("## Changes since last quarter", 1)[1].split("\n## ", 1)[0]
    assert "Against the report of 2026Q3 (run 1 in the archive, that quarter's latest full run)" in changes
    assert re.search(r"\| scenarios/mini-supply.yaml:\d+ \| `demand.historical.growth` \| 2x/yr to 3x/yr \(90%\) \| "
                     r"2.5x/yr to 3.5x/yr \(90%\) \| mini-supply \|", changes)
    assert "`samples`" not in changes                     # against the partial run it would be 300 → 1000
    # faster dataset growth: exhaustion comes earlier, all of it from the scenario inputs
    assert re.search(r"\| mini-supply \| Exhaustion, median \| \d{4}Q\d \| \d{4}Q\d \| \d quarters? earlier \|", changes)


def test_a_subset_report_leaves_the_full_report_and_its_archive_entry_intact(tmp_path, monkeypatch):
    """The documented quick check, `peakdata report A.yaml -n N`, goes to its own folder: the quarter's
    full report and its archive run are byte for byte as they were; --replace writes there on purpose."""
    import hashlib

    from forecast.store.archive import list_runs

    monkeypatch.chdir(_project(tmp_path, "mini-supply.yaml", "mini-slow.yaml"))
    db = Path("reports/archive.sqlite")
    full = CliRunner().invoke(app, ["report", "--quarter", "2026Q4", "--trend-methods", "none"])
    assert full.exit_code == 0, full.output
    assert full.output.startswith("wrote reports/2026Q4/report.md") and "archived as run 1" in full.output
    files, rows = _files(Path("reports/2026Q4")), _rows(db, 1)
    assert "report.md" in files and "scenarios/mini-slow.md" in files and rows

    subset = ["report", "scenarios/mini-supply.yaml", "-n", "200", "--quarter", "2026Q4", "--trend-methods", "none"]
    quick = CliRunner().invoke(app, subset)
    assert quick.exit_code == 0, quick.output
    # the folder: <quarter>-partial- and 8 hex digits of the SHA-256 of the request (folders.py)
    request = b'{"compare": [], "samples": 200, "scenarios": ["scenarios/mini-supply.yaml"]}'
    partial = Path(f"reports/2026Q4-partial-{hashlib.sha256(request).hexdigest()[:8]}")
    assert quick.output.splitlines() == [
        f"partial report (1 of the 2 scenarios in scenarios/, --samples 200): wrote {partial}/report.md and "
        f"{len(_files(partial)) - 1} more files (1 scenario, 0 waterfalls)",
        "the quarter's full report in reports/2026Q4 is left as it was (--replace writes there instead)",
        f"archived as run 2 in {db}, marked partial: \"Changes since last quarter\" compares full runs only",
        f"open {partial}/report.html to read the report"]
    assert _files(Path("reports/2026Q4")) == files and _rows(db, 1) == rows
    assert "scenarios/mini-slow.md" not in _files(partial)
    runs = list_runs(db)
    assert runs[["run", "full", "folder", "scenario", "samples"]].values.tolist() == [
        [1, True, "2026Q4", "mini-slow", 1000], [1, True, "2026Q4", "mini-supply", 1000],   # sorted files
        [2, False, partial.name, "mini-supply", 200]]
    assert sorted(p.name for p in Path("reports").iterdir() if p.is_dir()) == ["2026Q4", partial.name]

    replaced = CliRunner().invoke(app, subset + ["--replace"])
    assert replaced.exit_code == 0
    assert ("--replace: written to the quarter's report folder reports/2026Q4, in place of any report there"
            in replaced.output)
    assert "scenarios/mini-slow.md" not in _files(Path("reports/2026Q4"))
    assert _rows(db, 1) == rows                                         # the archive still has the full run
    history = CliRunner().invoke(app, ["history", "--archive", str(db)], env={"COLUMNS": "200"})
    assert [line.split("│")[1].strip() for line in history.output.splitlines() if "│" in line] == [
        "1", "1", "2 partial", "3 partial"]
    assert [p for d in Path("reports").iterdir() if d.is_dir() for p in side_folders(d)] == []


def _lock(folder: Path):
    import filelock

    from forecast.report.folders import lock_path

    folder.parent.mkdir(parents=True, exist_ok=True)
    return filelock.FileLock(str(lock_path(folder)))


def test_a_killed_reports_leftovers_are_cleaned_only_under_the_lock(tmp_path, monkeypatch):
    """A staging folder left by a dead process stays while another report holds the folder's lock
    (it could be that report's), and that report refuses after --wait; the next report cleans it."""
    monkeypatch.chdir(_project(tmp_path, "mini-supply.yaml"))
    folder = Path("reports/2026Q4")
    stale = Path("reports/.2026Q4.peakdata-staging-k1ll3d00")     # as `kill -9` during the write leaves it
    (stale / "charts").mkdir(parents=True)
    (stale / "charts" / "fan_mini-supply.png").write_bytes(b"\x89PNG half")
    other = Path("reports/.2026Q3.peakdata-staging-0therf0l")      # another folder's: never touched
    other.mkdir()
    args = ["report", "--quarter", "2026Q4", "--trend-methods", "none"]
    lock = _lock(folder)
    with lock:
        busy = CliRunner().invoke(app, args + ["--wait", "0"])
    assert busy.exit_code == 2 and "Traceback" not in busy.output
    assert "note another peakdata report is writing reports/2026Q4; waiting up to 0 s" in busy.output
    assert ("error reports/2026Q4: another peakdata report has held its lock (reports/.2026Q4.lock) for more "
            "than 0 s; nothing was written") in busy.output
    assert not folder.exists() and stale.is_dir()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"note removed {stale}, left by an interrupted report" in result.output
    assert not stale.exists() and other.is_dir() and (folder / "report.md").is_file()
    assert side_folders(folder) == []


def test_two_reports_into_one_folder_take_turns(tmp_path):
    """Two processes write the same quarter at once: each waits for the folder's lock (held here
    until both are waiting, so they meet for sure), and the end is one complete report, two archive
    runs and no staging or old folders."""
    import json
    import sqlite3

    _project(tmp_path, "mini-supply.yaml")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    folder = tmp_path / "reports" / "2026Q4"
    lock = _lock(folder)
    lock.acquire()
    try:
        procs = [subprocess.Popen([sys.executable, "-m", "forecast", "report", "--quarter", "2026Q4",
                                   "--trend-methods", "none"], cwd=tmp_path, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        for proc in procs:          # both have computed their report and wait for the lock
            assert proc.stderr.readline().startswith(
                f"note another peakdata report is writing {Path('reports') / '2026Q4'}; waiting")
    finally:
        lock.release()
    outputs = [proc.communicate() for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    assert sorted(out.split("archived as run ")[1][0] for out, _ in outputs) == ["1", "2"]
    meta = json.loads((folder / "data" / "meta.json").read_text(encoding="utf-8"))
    assert [s["scenario"] for s in meta["scenarios"]] == ["mini-supply"]
    written = _files(folder)
    assert {"report.md", "report.html", "data/meta.json", "scenarios/mini-supply.md",
            "exports/peakdata-2026Q4.xlsx"} <= set(written)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [".2026Q4.lock", "2026Q4", "archive.sqlite"]
    conn = sqlite3.connect(tmp_path / "reports" / "archive.sqlite")
    assert conn.execute("SELECT id, full, folder FROM report_run ORDER BY id").fetchall() == [
        (1, 1, "2026Q4"), (2, 1, "2026Q4")]
    conn.close()


def test_which_runs_are_full_and_where_partial_ones_go(tmp_path, monkeypatch):
    import hashlib

    from forecast.report.folders import report_target

    monkeypatch.chdir(tmp_path)
    for name in ("scenarios/a.yaml", "scenarios/b.yaml", "scenarios/compare/w.yaml", "elsewhere/x.yaml"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("name: x\n", encoding="utf-8")
    a, b, w, x = "scenarios/a.yaml", "scenarios/b.yaml", "scenarios/compare/w.yaml", "elsewhere/x.yaml"
    out = Path("reports")

    def partial(request: str) -> Path:
        return out / f"2026Q4-partial-{hashlib.sha256(request.encode()).hexdigest()[:8]}"

    full = report_target(out, "2026Q4", [a, b], [w])
    assert (full.folder, full.full, full.scope, full.replaced) == (out / "2026Q4", True, "", False)
    # the same files in another order or spelling are the same set
    assert report_target(out, "2026Q4", [str(tmp_path / b), "./scenarios/../scenarios/a.yaml"], [w]) == full
    cases = [
        (([a], [w], None), "1 of the 2 scenarios in scenarios/",
         '{"compare": ["scenarios/compare/w.yaml"], "samples": null, "scenarios": ["scenarios/a.yaml"]}'),
        (([a, b], [], None), "no waterfalls",
         '{"compare": [], "samples": null, "scenarios": ["scenarios/a.yaml", "scenarios/b.yaml"]}'),
        (([b, a], [w], 5000), "--samples 5000",
         '{"compare": ["scenarios/compare/w.yaml"], "samples": 5000, "scenarios": ["scenarios/a.yaml", '
         '"scenarios/b.yaml"]}'),
        (([a, x], [w, w], None), "2 scenarios, not the 2 of scenarios/",
         '{"compare": ["scenarios/compare/w.yaml"], "samples": null, "scenarios": ["elsewhere/x.yaml", '
         '"scenarios/a.yaml"]}'),
    ]
    for (paths, compares, samples), scope, request in cases:
        target = report_target(out, "2026Q4", paths, compares, samples)
        assert (target.folder, target.full, target.scope) == (partial(request), False, scope)
        replaced = report_target(out, "2026Q4", paths, compares, samples, replace=True)
        assert (replaced.folder, replaced.full, replaced.replaced) == (out / "2026Q4", False, True)
    # a folder without scenarios/ has no full run: every report there is partial
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert report_target(out, "2026Q4", ["x.yaml"]).scope == "1 scenario, not the 0 of scenarios/"


def test_progress_total_is_right_from_the_first_step_and_names_every_scenario(tmp_path, monkeypatch):
    """The bar's total counts the waterfall's own steps (mini-gpt and mini-mix: two runs for one
    compare file, not among the scenarios given) from the first call, and every step, each scenario
    run included, is one tick of it."""
    from forecast.report.quarterly import build_report

    monkeypatch.chdir(SET)
    calls: list[tuple[str, int, int]] = []
    build_report(["mini-supply.yaml"], "2026Q4", tmp_path / "r", samples=200,
                 compare_paths=["waterfall.yaml"], trend_methods=(), replace=True, workers=1,
                 progress=lambda label, done, total: calls.append((label, done, total)))
    # mini-supply + mini-gpt and mini-mix for the waterfall, then trends, charts, write, archive
    assert {total for _, _, total in calls} == {7}
    assert [done for _, done, _ in calls] == list(range(8))
    labels = [label for label, _, _ in calls]
    assert sorted(labels[1:4]) == ["ran mini-gpt", "ran mini-mix", "ran mini-supply"]
    assert labels[-1] == "archived"


def test_cost_section_shows_the_hindcast_track_record(report_dir):
    """Issue 25 item 7: the report's cost part carries the hindcast of `peakdata published-runs`, a
    table and one sentence with its score, and its numbers beside it (docs/derivations.md §14)."""
    import pandas as pd

    text = (report_dir / "report.md").read_text(encoding="utf-8")
    section = text.split("### Cost track record", 1)[1].split("\n### ", 1)[0]
    assert re.search(r"12 of 14 inside the 80% interval; median \|log10 error\| 0\.0[78]", section)
    assert "| run " in section and "| p10 – p90 " in section
    row = next(line for line in section.splitlines() if line.startswith("| Llama 3.1 405B"))
    assert "30.8M" in row and "yes" in row
    assert text.index("### Cost track record") > text.index("### Cost of training runs and data mixes")
    frame = pd.read_csv(report_dir / "data" / "cost_hindcast.csv", comment="#")
    assert len(frame) == 15 and int(frame["inside"].sum()) == 12


def test_workbook_summary_states_the_reports_figures(report_dir):
    """The workbook's Summary gives the figures of data/summary_supply.csv and data/summary_cost.csv of the
    same run: median quarter, 80% interval, P(by end of 2030), cost p10 / p50 / p90; and the variant
    mini-slow takes the inputs it inherits from mini-supply's cells."""
    import pandas as pd
    from openpyxl import load_workbook

    book = load_workbook(report_dir / "exports" / "peakdata-2026Q4.xlsx")
    ws = book["Summary"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    supply = pd.read_csv(report_dir / "data" / "summary_supply.csv", keep_default_na=False)
    for item in supply.to_dict("records"):
        row = rows[item["scenario"]]
        quarter = {p: ("" if item[f"exhaustion_{p}_after_horizon"] in (True, "True") else item[f"exhaustion_{p}"])
                   for p in ("p10", "p50", "p90")}
        shown = [row["exhaustion, median"], *row["exhaustion, 80% interval"].split(" – ")]
        for want, got in zip((quarter["p50"], quarter["p10"], quarter["p90"]), shown):
            assert got == want or (want == "" and got.startswith("after ")), (item["scenario"], got, want)
        assert row["P(exhausted by end of 2030)"] == pytest.approx(float(item["p_exhausted_by_2030"]), abs=5e-6)
    cost = pd.read_csv(report_dir / "data" / "summary_cost.csv")
    assert len(cost) >= 2
    for item in cost.to_dict("records"):
        for p in ("p10", "p50", "p90"):
            assert rows[item["scenario"]][f"total cost {p}"] == pytest.approx(item[f"cost_total_{p}_usd"], rel=1e-5)
    inputs = book["Inputs"]
    header = [c.value for c in inputs[1]]
    linked = [r for r in inputs.iter_rows(min_row=2, values_only=True) if r[header.index("inherited from")]]
    assert linked and all(r[header.index("inherited from")] == "mini-supply" and str(r[3]).startswith("=")
                          for r in linked)
    book.close()
