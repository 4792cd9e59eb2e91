"""Spreadsheet exports: every CSV peakdata writes opens with ``pandas.read_csv(path)`` as written.

Covers the per-scenario files of ``peakdata run`` and the files of ``peakdata export``
(long, wide per metric, IAMC, meta.json), and that the same inputs give the same bytes.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import forecast
import forecast.engine as engine
from forecast.cli.app import app
from forecast.io.scenario import load_scenario
from forecast.export import tables as exports
from forecast.export.writers import FLOAT_FORMAT, write_exports
from forecast.report.scenario_folder import write_outputs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: Documented columns (docs/exports.md and docs/cli.md) of every CSV, by file name.
RUN_COLUMNS = {
    "summary.csv": ["scenario", "quarter", "quarter_end", "metric", "unit", "mean", "p5", "p10", "p50", "p90", "p95"],
    "exhaustion.csv": ["scenario", "event", "median", "median_after_horizon", "p10", "p10_after_horizon", "p90",
                       "p90_after_horizon", "p5", "p5_after_horizon", "p95", "p95_after_horizon", "probability_by_end"],
    "exhaustion_cdf.csv": ["scenario", "quarter", "quarter_end", "event", "probability"],
    "inputs.csv": ["scenario", "input", "kind", "dist", "distribution", "p5", "p50", "p95", "source", "note", "set_at"],
    "cost_breakdown.csv": ["scenario", "item", "unit", "p10", "p50", "p90", "mean"],
    "mix_curve.csv": ["scenario", "synthetic_share", "params_p50", "tokens_p50", "compute_usd_p50", "data_usd_p50",
                      "total_usd_p10", "total_usd_p50", "total_usd_p90", "p_cheapest", "p_below_real_data_floor"],
    # every supply scenario prices its gap (issue 25): the baseline writes its totals by 2030 and 2035
    "gap_cost_totals.csv": ["scenario", "by_end_of", "route", "unit", "mean", "p10", "p50", "p90", "p_cheaper"],
}
WIDE_COLUMNS = ["scenario", "quarter", "quarter_end", "unit", "mean", "p5", "p10", "p50", "p90", "p95", "point"]


@pytest.fixture(scope="module")
def results():
    out = []
    for name, n in (("baseline", 400), ("mix-sweep", 200), ("gpt-class", 300)):
        item = load_scenario(SCENARIOS / f"{name}.yaml")
        out.append(engine.run(item.scenario, samples=n, provenance=item.provenance))
    return out


@pytest.fixture(scope="module")
def written(results, tmp_path_factory):
    root = tmp_path_factory.mktemp("exports")
    files = {}
    for result in results:
        for path in write_outputs(result, root / "run" / result.scenario):
            files[f"run/{result.scenario}/{path.name}"] = path
    for path in write_exports(results, root / "export", formats=("csv",)):
        files[f"export/{path.name}"] = path
    return files


def csv_files(written):
    return {key: path for key, path in written.items() if path.suffix == ".csv"}


def test_every_csv_reads_with_default_arguments_into_its_documented_columns(written):
    seen = set()
    for key, path in csv_files(written).items():
        frame = pd.read_csv(path)
        name = path.name
        if key.startswith("run/"):
            assert list(frame.columns) == RUN_COLUMNS[name], key
            seen.add(name)
        elif name == "long.csv":
            assert list(frame.columns) == exports.LONG_COLUMNS
        elif name.startswith("wide_"):
            assert list(frame.columns) == WIDE_COLUMNS, key
        elif name == "iamc.csv":
            assert list(frame.columns[:5]) == ["model", "scenario", "region", "variable", "unit"]
            years = [int(c) for c in frame.columns[5:]]
            assert years == sorted(years) and years[0] == 2020 and years[-1] == 2040
        assert "scenario" in frame.columns, key
        if "quarter" in frame.columns:
            assert frame.columns[list(frame.columns).index("quarter") + 1] == "quarter_end", key
    assert seen == set(RUN_COLUMNS)


def test_csv_round_trips_exactly_through_read_csv(written):
    """Read back with defaults, write with the writer's options: the same bytes (numbers, text, empties)."""
    for key, path in csv_files(written).items():
        frame = pd.read_csv(path)
        again = frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        assert again == path.read_text(encoding="utf-8"), key


def test_csv_files_are_plain_utf8_with_one_header_and_unix_line_ends(written):
    for key, path in csv_files(written).items():
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        assert not raw.startswith(b"\xef\xbb\xbf"), key
        assert b"\r" not in raw and raw.endswith(b"\n"), key
        assert not any(line.startswith("#") for line in text.splitlines()), key
        numeric = pd.read_csv(path).select_dtypes("number")
        for column in ("value", "mean", "p50", "total_usd_p50"):
            if column in pd.read_csv(path).columns:
                assert column in numeric.columns, (key, column)  # no "T" or "$" in numbers


def test_quarter_end_is_the_last_day_of_the_quarter(written):
    frame = pd.read_csv(written["run/baseline/summary.csv"])
    pairs = dict(zip(frame["quarter"], frame["quarter_end"]))
    assert pairs["2024Q1"] == "2024-03-31" and pairs["2026Q4"] == "2026-12-31" and pairs["2040Q3"] == "2040-09-30"


def test_long_table_holds_every_statistic_of_every_scenario(results, written):
    long = pd.read_csv(written["export/long.csv"])
    base = long[(long["scenario"] == "baseline") & (long["metric"] == "stock")]
    assert len(base) == 68 * 7  # 68 quarters x (mean, p5, p10, p50, p90, p95, point)
    row = base[(base["quarter"] == "2030Q4") & (base["statistic"] == "p50")]
    want = results[0].metric("stock").loc[pd.Period("2030Q4", "Q"), "p50"]
    assert float(row["value"].iloc[0]) == pytest.approx(want, rel=1e-5)  # %.6g
    assert set(long["unit"][long["metric"] == "synthetic_share"]) == {"fraction"}
    cost = long[(long["scenario"] == "gpt-class") & (long["metric"] == "cost.total")]
    assert cost["quarter"].iloc[0] == "2020Q2" and cost["unit"].iloc[0] == "usd"
    assert set(cost["statistic"]) == {"mean", "p10", "p50", "p90", "point"}


def test_point_column_is_the_point_estimate(results, written):
    wide = pd.read_csv(written["export/wide_stock.csv"])
    point = results[0].point.series["stock"]
    got = wide.loc[wide["scenario"] == "baseline", "point"].to_numpy()
    np.testing.assert_allclose(got, point, rtol=1e-5)


def test_stacked_run_tables_keep_their_scenario(written):
    both = pd.concat([pd.read_csv(written["run/mix-sweep/cost_breakdown.csv"]),
                      pd.read_csv(written["run/gpt-class/cost_breakdown.csv"])])
    totals = both[both["item"] == "total"].set_index("scenario")["p50"]
    assert list(totals.index) == ["mix-sweep", "gpt-class"]


def test_iamc_table_years_hold_year_end_values(results, written):
    iamc = pd.read_csv(written["export/iamc.csv"])
    row = iamc[(iamc["scenario"] == "baseline") & (iamc["variable"] == "Human Text|Effective Stock|p50")]
    want = results[0].metric("stock").loc[pd.Period("2030Q4", "Q"), "p50"]
    assert float(row["2030"].iloc[0]) == pytest.approx(want, rel=1e-5)
    assert set(iamc["region"]) == {"World"} and set(iamc["model"]) == {"peakdata"}
    # a cost-only scenario has a value only in its run's year
    gpt = iamc[(iamc["scenario"] == "gpt-class") & (iamc["variable"] == "Training Cost|total|p50")]
    assert gpt[["2020"]].notna().all().all() and gpt[["2030"]].isna().all().all()


def test_meta_json_carries_the_provenance(results, written):
    meta = json.loads(written["run/baseline/meta.json"].read_text(encoding="utf-8"))
    (entry,) = meta["scenarios"]
    assert entry["scenario"] == "baseline" and entry["seed"] == 20240604 and entry["samples"] == 400
    assert entry["peakdata_version"] == forecast.__version__
    assert entry["scenario_sha256"] == results[0].scenario_hash
    assert set(entry["data_files_sha256"]) >= {"text_stock.csv", "notable_models.csv"}
    assert "summary.csv" in meta["files"]
    export = json.loads(written["export/meta.json"].read_text(encoding="utf-8"))
    assert [s["scenario"] for s in export["scenarios"]] == ["baseline", "mix-sweep", "gpt-class"]


def test_exports_are_byte_identical_for_the_same_inputs(results, tmp_path):
    one = write_exports(results, tmp_path / "one")
    two = write_exports(results, tmp_path / "two")
    assert [p.name for p in one] == [p.name for p in two]
    assert "peakdata.xlsx" in [p.name for p in one]
    for a, b in zip(one, two):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_export_refuses_a_scenario_given_twice(results, tmp_path):
    with pytest.raises(forecast.ExportError, match="given twice"):
        write_exports([results[0], results[0]], tmp_path)


# --- the command ----------------------------------------------------------------------------

def test_export_command_writes_csv_and_xlsx(tmp_path):
    runner = CliRunner()
    args = ["export", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "gpt-class.yaml"), "-n", "200"]
    result = runner.invoke(app, args + ["--out", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "csv" / "long.csv").is_file() and (tmp_path / "csv" / "iamc.csv").is_file()
    result = runner.invoke(app, args + ["--format", "xlsx", "--out", str(tmp_path / "book.xlsx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "book.xlsx").read_bytes()[:2] == b"PK"


def test_export_command_refuses_an_unknown_format(tmp_path):
    result = CliRunner().invoke(app, ["export", str(SCENARIOS / "baseline.yaml"), "--format", "ods"])
    assert result.exit_code == 2
    assert "not csv or xlsx" in result.stderr


# --------------------------------------------------------------------------- every column a spreadsheet reads

#: Columns that hold names, descriptions, distributions as a scenario file writes them, file:line
#: references or hashes: text by design (docs/exports.md, "Columns a spreadsheet reads").
TEXT_COLUMNS = {"scenario", "metric", "unit", "event", "input", "source", "note", "statistic", "item", "model",
                "region", "variable", "kind", "dist", "distribution", "value_or_interval", "set_at", "component",
                "file", "sha256", "used_by", "version", "output", "label", "what", "before", "after", "extends",
                "description", "series", "method", "horizon", "best", "requested", "as_of", "data", "level_text",
                "route"}
QUARTER = re.compile(r"\d{4}Q[1-4]")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Categories of sensitivity, trends and report tables: an input's unit, a band's calibration, why a fit
#: was skipped, a gap's route, a stock term, a record's scope, a level's origin, a fit's pinned settings,
#: a hindcast run's accelerator and era.
TEXT_COLUMNS = TEXT_COLUMNS | {"input_unit", "calibration", "calibration_h4", "calibration_h8", "reason", "route",
                               "term", "scope", "level", "pinned", "accelerator", "era"}


def _number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return text.lower() not in ("inf", "-inf", "nan", "infinity")


def column_problems(path: Path) -> list[str]:
    """Every column of a CSV that a spreadsheet would not read as numbers, ISO dates, quarter labels,
    booleans or a known text column; and any header that is not machine-readable."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    for column in frame.columns:
        if not re.fullmatch(r"[A-Za-z0-9_]+|[a-z0-9_]+(\.[a-z0-9_]+)+", column):
            problems.append(f"{path.name}: header {column!r} is not snake_case")
        values = [v for v in frame[column] if v != ""]
        if column in TEXT_COLUMNS or not values:
            continue
        if all(_number(v) for v in values):
            decimal_years = column.startswith(("exhaustion", "base", "at_p")) and any(
                re.fullmatch(r"20\d\d\.\d+", v) for v in values)
            if decimal_years:
                problems.append(f"{path.name}: {column} holds decimal years ({values[0]})")
            continue
        if all(QUARTER.fullmatch(v) for v in values) or all(DATE.fullmatch(v) for v in values):
            continue
        if all(v in ("True", "False") for v in values):
            continue
        problems.append(f"{path.name}: {column} holds text such as {next(v for v in values if not _number(v))!r}")
    return problems


@pytest.fixture(scope="module")
def small_report(tmp_path_factory) -> Path:
    """The small report of tests/golden/report (as tests/test_report.py runs it)."""
    import os

    out = tmp_path_factory.mktemp("report")
    cwd = os.getcwd()
    os.chdir(ROOT / "tests" / "golden" / "report")
    try:
        result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "mini-slow.yaml", "mini-gpt.yaml",
                                          "mini-mix.yaml", "--compare", "waterfall.yaml", "--quarter", "2026Q4",
                                          "--replace", "--out", str(out)])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return out / "2026Q4"


def test_every_column_of_every_csv_reads_as_numbers_dates_quarters_or_named_text(written, small_report):
    """run, export and report CSVs: never ``96%``, ``$1.04M``, ``–``, ``after 2040Q4``, ``inf`` or a
    decimal-year quarter (``2028.75``); headers snake_case (an input's dotted name is allowed)."""
    paths = list(csv_files(written).values()) + sorted(small_report.rglob("*.csv"))
    assert any(p.name == "comparison.csv" for p in paths) and any(p.name == "summary_supply.csv" for p in paths)
    problems = [problem for path in paths for problem in column_problems(path)]
    assert problems == []


#: A sweep of four points on the baseline (tests/test_exports.py writes it next to the baseline's path).
TINY_SWEEP = """\
name: tiny
base: {base}
samples: 200
axes:
  demand.compute.growth: {{from: 2x/yr, to: 6x/yr, steps: 2}}
  supply.repetition.multiplier: [1, 5]
chart: {{x: supply.repetition.multiplier, y: demand.compute.growth, metric: exhaustion.p50}}
"""


def test_every_csv_the_commands_write_reads_as_numbers_dates_quarters_or_named_text(small_report, tmp_path):
    """Over whole output folders, whatever files they hold: `peakdata report` (small_report),
    `peakdata export`, `sensitivity` (a supply and a cost scenario), `sweep` and `trends`."""
    out = tmp_path / "out"
    golden = ROOT / "tests" / "golden" / "report"
    grid = tmp_path / "tiny.yaml"
    grid.write_text(TINY_SWEEP.format(base=SCENARIOS / "baseline.yaml"), encoding="utf-8")
    commands = [
        ["export", SCENARIOS / "baseline.yaml", SCENARIOS / "mix-sweep.yaml", "-n", "200", "--out", out / "export"],
        ["sensitivity", golden / "mini-supply.yaml", "-n", "64", "--out", out],
        ["sensitivity", golden / "mini-gpt.yaml", "-n", "64", "--out", out],
        ["sweep", grid, "--out", out / "sweep"],
        ["trends", "-s", "dataset_tokens", "-m", "ols", "--out", out / "trends"],
    ]
    for args in commands:
        result = CliRunner().invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, (args, result.output)
    paths = sorted(out.rglob("*.csv")) + sorted(small_report.rglob("*.csv"))
    names = {p.name for p in paths}
    assert {"long.csv", "iamc.csv", "sensitivity.csv", "sensitivity_exhaustion.csv", "sweep.csv", "heatmap.csv",
            "trend_fits.csv", "comparison.csv", "summary_supply.csv"} <= names
    assert [problem for path in paths for problem in column_problems(path)] == []


def test_sensitivity_csvs_give_quarters_and_units(tmp_path):
    """``sensitivity_exhaustion.csv``: quarter ends 2031.0 → 2030Q4; the analysis's censored value for
    after the horizon (2033Q4's end 2034.0 + 0.25) → an empty cell flagged True; ``sensitivity.csv``
    keeps numbers with their unit, and each input's unit."""
    from forecast.export.sensitivity import sensitivity_csv_tables

    frame = pd.DataFrame([
        {"output": "exhaustion", "input": "a.stock", "base": 2031.0, "at_p10": 2029.5, "at_p90": 2034.25, "swing": 4.75},
        {"output": "exhaustion.by_2030", "input": "a.stock", "base": 0.4, "at_p10": 0.9, "at_p90": 0.0, "swing": 0.9},
        {"output": "cost.total", "input": "b.price", "base": 2.0e6, "at_p10": 1.5e6, "at_p90": 3.0e6, "swing": 1.5e6}])
    tables = sensitivity_csv_tables(frame, 2034.0, {"a.stock": "tokens", "b.price": "usd"})
    quarters = tables["sensitivity_exhaustion.csv"].iloc[0]
    assert (quarters["base"], quarters["at_p10"], quarters["at_p90"]) == ("2030Q4", "2029Q2", "")
    assert (quarters["base_after_horizon"], quarters["at_p90_after_horizon"]) == (False, True)
    assert quarters["input_unit"] == "tokens" and quarters["swing"] == 4.75
    numbers = tables["sensitivity.csv"]
    assert list(numbers.columns[:4]) == ["output", "unit", "input", "input_unit"]
    assert list(numbers["unit"]) == ["fraction", "usd"] and list(numbers["input_unit"]) == ["tokens", "usd"]
    assert list(numbers["base"]) == [0.4, 2.0e6]


def test_after_the_horizon_is_an_empty_cell_and_a_flag(small_report):
    supply = pd.read_csv(small_report / "data" / "summary_supply.csv", dtype=str, keep_default_na=False)
    slow = supply.set_index("scenario").loc["mini-slow"]
    assert slow["exhaustion_p90"] == "" and slow["exhaustion_p90_after_horizon"] == "True"
    assert QUARTER.fullmatch(slow["exhaustion_p50"]) and slow["exhaustion_p50_after_horizon"] == "False"
    comparison = pd.read_csv(small_report / "data" / "comparison.csv")
    assert list(comparison.columns) == ["scenario", "extends", "description", "exhaustion_p50",
                                        "exhaustion_p50_after_horizon", "p_exhausted_by_2030",
                                        "cost_total_p50_usd", "cheapest_synthetic_share"]
    gpt = comparison.set_index("scenario").loc["mini-gpt"]
    assert gpt["cost_total_p50_usd"] > 1e6 and np.isnan(gpt["p_exhausted_by_2030"])
    # the Markdown table keeps its display strings
    markdown = (small_report / "report.md").read_text(encoding="utf-8")
    assert "Exhaustion, median" in markdown and re.search(r"\| \$\d+\.\d\dM +\|", markdown)


def test_an_export_replaces_an_earlier_larger_export_whole(results, tmp_path):
    """One scenario exported into a folder that held three: no wide_<metric>.csv of the earlier set is
    left, and a file the user put there is kept."""
    folder = tmp_path / "out"
    everything = {p.name for p in write_exports(results, folder, formats=("csv",))}
    (folder / "notes.txt").write_text("mine\n")
    one = {p.name for p in write_exports(results[2:], folder, formats=("csv",))}
    assert one < everything
    assert {p.name for p in folder.iterdir()} == one | {"notes.txt"}
    assert json.loads((folder / "meta.json").read_text())["files"] == sorted(one - {"meta.json"})
    assert set(pd.read_csv(folder / "long.csv")["scenario"]) == {"gpt-class"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]          # no staging folder left beside it


def test_an_export_into_the_working_folder_removes_the_earlier_sets_files_in_place(results, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    everything = {p.name for p in write_exports(results, Path("."), formats=("csv",))}
    one = {p.name for p in write_exports(results[2:], Path("."), formats=("csv",))}
    assert one < everything and {p.name for p in tmp_path.iterdir()} == one
