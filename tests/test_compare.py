"""``peakdata compare`` (forecast/cli/commands_compare.py, forecast/analysis/compare.py): two scenarios
side by side with the inputs that differ, where each was set, and the headline moves split as in
"changes since last quarter"."""
from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

import forecast.engine as engine
from forecast.cli.app import app
from forecast.engine.runs import run_scenarios
from forecast.io.scenario import load_scenario
from forecast.outputs import format_headline, headline
from forecast.report.changes import format_change
from forecast.store.archive import record_report

ROOT = Path(__file__).resolve().parents[1]
#: mini scenario line 12 holds current_largest
OLD_INPUT, NEW_INPUT = "current_largest: 3T to 13T", "current_largest: 5T to 13T"
OLD_ROW, NEW_ROW = "1.3e+14,5.1e+14,2.1e+15", "1.3e+14,5.1e+14,1.2e+15"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _median(path: Path, samples: int) -> float:
    item = load_scenario(path)
    return headline(engine.run(item.scenario, samples=samples))["exhaustion.p50"]


def _row(output: str, start: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(start))
    return [cell.strip() for cell in line.strip("| ").split("|")]


def test_one_changed_input_is_listed_where_each_side_set_it_and_takes_the_whole_move(write_yaml, mini_text):
    a = write_yaml("mini.yaml", mini_text)
    b = write_yaml("mine.yaml", mini_text.replace("name: mini", "name: mine").replace(OLD_INPUT, NEW_INPUT))
    result = invoke("compare", a, b, "-n", 500, "--markdown")
    assert result.exit_code == 0, result.output
    assert "### Inputs that differ (1)" in result.output
    assert _row(result.output, "| demand.historical.current_largest") == [
        "demand.historical.current_largest", "3T to 13T (90%)", f"{a}:12", "5T to 13T (90%)", f"{b}:12"]
    old, new = _median(a, 500), _median(b, 500)
    assert new < old                                      # a larger model now: exhausted sooner
    figure, got_a, got_b, change, from_inputs, from_data = _row(result.output, "| Exhaustion, median")
    assert (got_a, got_b) == (format_headline("exhaustion.p50", old), format_headline("exhaustion.p50", new))
    assert change == from_inputs == format_change("exhaustion.p50", new - old)
    assert from_data == "no change"


def test_identical_scenarios_say_no_inputs_differ(write_yaml, mini_text):
    a = write_yaml("mini.yaml", mini_text)
    b = write_yaml("copy/mini.yaml", mini_text)
    result = invoke("compare", a, b, "-n", 300)
    assert result.exit_code == 0, result.output
    assert "no inputs differ" in result.output
    assert "Headline, A → B" in result.output
    assert "Exhaustion, median" in result.output and "later" not in result.output and "earlier" not in result.output


def test_a_bad_file_exits_2_naming_file_and_line(write_yaml, mini_text):
    a = write_yaml("mini.yaml", mini_text)
    bad = write_yaml("bad.yaml", mini_text.replace("samples: 1000", "samples: zero"))
    result = invoke("compare", a, bad)
    assert result.exit_code == 2
    assert f"{bad}:3" in result.output and "samples" in result.output
    assert "Traceback" not in result.output


def test_one_scenario_needs_a_second_or_a_quarter(write_yaml, mini_text):
    result = invoke("compare", write_yaml("mini.yaml", mini_text))
    assert result.exit_code == 2
    assert "only one scenario and no --quarter" in result.output


def test_one_scenario_across_two_archived_quarters_names_the_data_row(tmp_path, write_yaml, mini_text):
    db = tmp_path / "archive.sqlite"
    old_data, new_data = tmp_path / "data-q3", tmp_path / "data-q4"
    shutil.copytree(ROOT / "data", old_data)
    shutil.copytree(ROOT / "data", new_data)
    path = write_yaml("mini.yaml", mini_text)
    old_runs = run_scenarios([path], data_dir=old_data)
    record_report(db, "2026Q3", old_runs, data_dir=old_data)
    stock = new_data / "text_stock.csv"
    stock.write_text(stock.read_text(encoding="utf-8").replace(OLD_ROW, NEW_ROW), encoding="utf-8")
    new_runs = run_scenarios([path], data_dir=new_data)
    record_report(db, "2026Q4", new_runs, data_dir=new_data)

    result = invoke("compare", "mini", "--quarter", "2026Q3", "--quarter", "2026Q4", "--archive", db, "--markdown")
    assert result.exit_code == 0, result.output
    assert "No inputs differ." in result.output
    assert _row(result.output, "| data/text_stock.csv:4 (B)")[1] == "indexed_web"
    old = headline(old_runs[0].result)["exhaustion.p50"]
    new = headline(new_runs[0].result)["exhaustion.p50"]
    figure, got_a, got_b, change, from_inputs, from_data = _row(result.output, "| Exhaustion, median")
    assert (got_a, got_b) == (format_headline("exhaustion.p50", old), format_headline("exhaustion.p50", new))
    assert from_inputs == "no change" and from_data == change == format_change("exhaustion.p50", new - old)


def test_an_unarchived_quarter_is_refused_naming_the_ones_there(tmp_path, write_yaml, mini_text):
    db = tmp_path / "archive.sqlite"
    path = write_yaml("mini.yaml", mini_text)
    record_report(db, "2026Q3", run_scenarios([path]))
    result = invoke("compare", path, "--quarter", "2025Q1", "--archive", db)
    assert result.exit_code == 2
    assert "no report run of 2025Q1" in result.output and "archived quarters: 2026Q3" in result.output


def test_a_section_only_one_side_has_is_one_line_not_a_row_per_input():
    """baseline has no cost section and gpt-class no demand: each is named once with its input
    count (as many as the inputs of the two resolved files that differ under ``cost.``; the first
    on gpt-class.yaml's line 14), not listed input by input."""
    from forecast.analysis.changes import diff_scenarios
    from forecast.engine.runs import resolved_yaml

    a, b = "scenarios/baseline.yaml", "scenarios/gpt-class.yaml"
    diffs = diff_scenarios(*(resolved_yaml(load_scenario(ROOT / path)) for path in (a, b)))
    cost = sum(d.input.startswith("cost.") for d in diffs)
    assert cost > 30                                 # compute, data prices, quality, the run, the target
    result = invoke("compare", ROOT / a, ROOT / b, "-n", 100, "--markdown")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"only in B: cost ({cost} inputs, from {b}:14)  " in lines
    assert any(line.startswith("only in A: demand (") for line in lines)
    assert not any(line.startswith(("| cost.", "| demand.")) for line in lines)
    assert "### Inputs that differ (3)" in lines                  # horizon.start, horizon.end, seed
    assert "no headline figure in both: A has exhaustion figures, B has cost figures" in lines


def test_a_misspelt_scenario_name_gets_the_closest_one(tmp_path, monkeypatch, write_yaml, mini_text):
    write_yaml("scenarios/baseline.yaml", mini_text)
    monkeypatch.chdir(tmp_path)
    result = invoke("compare", "basline", "baseline")
    assert result.exit_code == 2
    assert "A: no scenario file 'basline' (nor scenarios/basline.yaml) (did you mean 'baseline'?)" in result.output
