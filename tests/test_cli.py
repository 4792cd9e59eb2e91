"""Tests of the ``peakdata`` command line (forecast/cli/app.py) through typer's CliRunner.

Input errors must exit with code 2 and a message, never a traceback. The snapshot of
``peakdata validate`` on a file with three mistakes lives in tests/test_golden.py; this module
checks the same output's line numbers and format against the input file itself.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import forecast
from forecast.cli.app import app
from forecast.errors import ScenarioError
from forecast.schema import MAX_SAMPLES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"
THREE_MISTAKES = Path(__file__).resolve().parent / "golden" / "validate_three_mistakes.yaml"
#: the baseline prices its gap (issue 25): gap_cost_totals.csv beside the rest
OUTPUTS = {"summary.csv", "exhaustion.csv", "exhaustion_cdf.csv", "inputs.csv", "meta.json", "report.md",
           "gap_cost_totals.csv"}

#: ``file:line:col field: message (hint)``
PROBLEM_LINE = re.compile(r"^(?P<file>\S+?):(?P<line>\d+):(?P<col>\d+) (?P<field>[\w.]+): "
                          r"(?P<message>.+) \((?P<hint>[^()]+)\)$")


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_input_error(result) -> None:
    """Exit code 2, a message, and no traceback (the command did not crash)."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.output.strip()


def marked_lines(path: Path) -> list[tuple[int, int]]:
    """(line, column of the key) of every line marked ``# mistake:`` in ``path``, 1-based."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "# mistake:" in line and not line.startswith("#"):
            out.append((number, len(line) - len(line.lstrip()) + 1))
    return out


# --- help, version, schema -------------------------------------------------------------------

def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"peakdata {forecast.__version__}\n"


def test_python_dash_m_forecast_is_the_cli():
    proc = subprocess.run([sys.executable, "-m", "forecast", "--version"], capture_output=True,
                          text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, f"peakdata {forecast.__version__}\n")


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:")[1]
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"new", "history", "trends", "sensitivity", "solve", "sweep"} <= set(names)
    for name in names:
        assert re.search(rf"^\s+{name}\s+\S", commands, re.M), name


@pytest.mark.parametrize("command", ["new", "validate", "run", "history", "solve", "schema"])
def test_every_command_has_help_text(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    assert len(result.stdout.split("\n\n")[1].strip()) > 20  # a sentence describing the command


def test_schema_prints_json_schema_of_a_scenario():
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"supply", "demand", "cost", "mixes", "horizon"} <= set(schema["properties"])
    assert {"name", "horizon", "samples", "seed"} <= set(schema["required"])
    assert schema["properties"]["samples"]["maximum"] == MAX_SAMPLES


def test_schema_of_sweep_grids_and_an_unknown_kind():
    schema = json.loads(invoke("schema", "sweep").stdout)
    assert schema["title"] == "Sweep" and {"base", "axes", "set", "zip", "chart"} <= set(schema["properties"])
    assert invoke("schema", "scenario").stdout == invoke("schema").stdout
    result = invoke("schema", "grid")
    assert result.exit_code == 2
    assert "command line schema: unknown kind of file 'grid' (use scenario or sweep)" in result.output


# --- validate --------------------------------------------------------------------------------

def test_there_are_scenarios_to_test():
    assert BASELINE in SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_validate_every_shipped_scenario(path):
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok {path}\n"


def test_validate_all_shipped_scenarios_at_once():
    result = invoke("validate", *SCENARIOS)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"ok {p}" for p in SCENARIOS]


def validate_three_mistakes(monkeypatch) -> list[str]:
    monkeypatch.chdir(THREE_MISTAKES.parent)
    result = invoke("validate", THREE_MISTAKES.name)
    assert_input_error(result)
    lines = result.stderr.splitlines()
    assert lines[-1] == "1 of 1 file(s) have problems"
    assert len(lines) == 4, lines
    return lines[:-1]


def test_validate_reports_all_three_mistakes_on_their_lines(monkeypatch):
    problems = validate_three_mistakes(monkeypatch)
    where = [re.match(r"^(\S+?):(\d+):(\d+) ([\w.]+): ", p) for p in problems]
    assert all(where), problems
    assert [(int(m[2]), int(m[3])) for m in where] == marked_lines(THREE_MISTAKES)
    assert [m[1] for m in where] == [THREE_MISTAKES.name] * 3
    assert [m[4] for m in where] == ["sampels", "supply.sources.indexed_web.stock",
                                     "supply.repetition.multiplier"]


def test_validate_prints_every_problem_as_location_field_message_hint(monkeypatch):
    """The documented format: ``file:line:col field: message (hint)``, hint in parentheses."""
    problems = validate_three_mistakes(monkeypatch)
    assert [p for p in problems if not PROBLEM_LINE.match(p)] == []


def test_validate_three_mistakes_mentions_what_to_fix(monkeypatch):
    monkeypatch.chdir(THREE_MISTAKES.parent)
    err = invoke("validate", THREE_MISTAKES.name).stderr
    assert "did you mean 'samples'?" in err
    assert "negative" in err
    assert "low (5)" in err and "high (2)" in err


def test_validate_several_files_reports_each(write_yaml, mini_text, tmp_path):
    syntax = write_yaml("syntax.yaml", "name: x\nseed: [1, 2\n")
    schema = tmp_path / "three.yaml"
    shutil.copy(THREE_MISTAKES, schema)
    good = write_yaml("good.yaml", mini_text)
    missing = tmp_path / "missing.yaml"
    result = invoke("validate", syntax, good, schema, missing)
    assert_input_error(result)
    err = result.stderr.splitlines()
    assert err[-1] == "3 of 4 file(s) have problems"
    assert sum(line.startswith(f"{syntax}:") for line in err) == 1
    assert sum(line.startswith(f"{schema}:") for line in err) == 3
    assert sum(line.startswith(f"{missing}") for line in err) == 1
    assert result.stdout == f"ok {good}\n"


def test_validate_catches_unknown_correlation_input(write_yaml, mini_text):
    """A misspelled input in correlations is a mistake in the file: validate must not say ok."""
    text = mini_text + ("correlations:\n"
                        "  - inputs: [supply.repetition.multiplier, demand.historical.current_largst]\n"
                        "    rank: 0.5\n")
    path = write_yaml("corr.yaml", text)
    result = invoke("validate", path)
    assert_input_error(result)
    assert "current_largst" in result.stderr


def bad_inputs(tmp_path: Path, mini_text: str) -> dict[str, Path]:
    def put(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    laughs = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    put("loop_b.yaml", "extends: loop_a.yaml\nname: b\n")
    return {
        "missing": tmp_path / "does-not-exist.yaml",
        "directory": tmp_path,
        "empty": put("empty.yaml", ""),
        "list": put("list.yaml", "- a\n- b\n"),
        "syntax": put("syntax.yaml", "name: x\n  seed: 1\n"),
        "tab": put("tab.yaml", "name: x\nsupply:\n\tinclude: [a]\n"),
        "latin1": put("latin1.yaml", "name: caf\xe9\n".encode("latin-1")),
        "binary": put("binary.yaml", bytes(range(256))),
        "bomb": put("bomb.yaml", "\n".join(laughs) + "\n"),
        "duplicate": put("dup.yaml", mini_text + "seed: 8\n"),
        "cycle": put("loop_a.yaml", "extends: loop_b.yaml\nname: a\n"),
        "orphan": put("orphan.yaml", "extends: nowhere.yaml\nname: o\n"),
        "schema": put("schema.yaml", mini_text.replace("samples: 1000", "samples: zero")),
        "quarter": put("quarter.yaml", mini_text.replace("2030Q4", "2030Q5")),
        "huge_number": put("huge.yaml", mini_text.replace("3T to 13T", "1e400T")),
        "nan": put("nan.yaml", mini_text.replace("3T to 13T", ".nan")),
        "unknown_component": put("comp.yaml", mini_text.replace("[indexed_web]", "[news_papers]")),
        "component_without_data": put("nodata.yaml", mini_text.replace("[indexed_web]", "[news]")),
    }


BAD = ["missing", "directory", "empty", "list", "syntax", "tab", "latin1", "binary", "bomb",
       "duplicate", "cycle", "orphan", "schema", "quarter", "huge_number", "nan",
       "unknown_component"]


@pytest.mark.parametrize("case", BAD)
def test_validate_input_errors_exit_2_without_traceback(tmp_path, mini_text, case):
    result = invoke("validate", bad_inputs(tmp_path, mini_text)[case])
    assert_input_error(result)
    assert "file(s) have problems" in result.stderr


def test_validate_catches_a_component_that_run_cannot_use(tmp_path, mini_text):
    """data/text_stock.csv has no numbers for `news`: run stops, so validate must not say ok."""
    path = bad_inputs(tmp_path, mini_text)["component_without_data"]
    ran = invoke("run", path, "--samples", 200, "--out", tmp_path / "out")
    assert_input_error(ran)
    result = invoke("validate", path)
    assert_input_error(result)
    assert "news" in result.stderr


@pytest.mark.parametrize("case", BAD + ["component_without_data"])
def test_run_input_errors_exit_2_and_write_nothing(tmp_path, mini_text, case):
    out = tmp_path / "out"
    result = invoke("run", bad_inputs(tmp_path, mini_text)[case], "--samples", 200, "--out", out)
    assert_input_error(result)
    assert not out.exists()


def test_real_process_prints_no_traceback(tmp_path):
    """Outside CliRunner too: the installed entry point answers input errors with exit code 2."""
    bad = tmp_path / "bad.yaml"
    shutil.copy(THREE_MISTAKES, bad)
    for args in (["validate", str(bad)], ["run", str(BASELINE), "--samples", "100000000000"]):
        proc = subprocess.run([sys.executable, "-m", "forecast.cli.app", *args], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        assert proc.stderr.strip()


# --- run -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    cwd = os.getcwd()
    os.chdir(ROOT)  # the project: outputs name its files from here (scenarios/baseline.yaml)
    try:
        result = invoke("run", BASELINE, "--samples", 2000, "--out", out)
    finally:
        os.chdir(cwd)
    return result, out / "baseline"


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def test_run_baseline_writes_every_output(baseline_run):
    result, folder = baseline_run
    assert result.exit_code == 0, result.output
    assert {p.name for p in folder.iterdir()} == OUTPUTS
    assert f"wrote {len(OUTPUTS)} files to" in result.stdout


def test_run_outputs_carry_their_provenance_in_meta_json(baseline_run):
    import json

    _, folder = baseline_run
    for name in OUTPUTS - {"report.md", "meta.json"}:
        first = (folder / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("scenario,"), name  # the header row, no comment line before it
    (meta,) = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["scenarios"]
    assert (meta["peakdata_version"], meta["scenario"]) == (forecast.__version__, "baseline")
    assert (meta["seed"], meta["samples"]) == (20240604, 2000)
    assert "samples 2000" in (folder / "report.md").read_text(encoding="utf-8")


def test_run_summary_quantiles_are_ordered(baseline_run):
    _, folder = baseline_run
    summary = read_csv(folder / "summary.csv")
    assert list(summary.columns) == ["scenario", "quarter", "quarter_end", "metric", "unit", "mean", "p5", "p10",
                                     "p50", "p90", "p95"]
    assert set(summary["metric"]) >= {"stock", "demand"}
    quarters = summary.loc[summary["metric"] == "stock", "quarter"]
    assert (quarters.iloc[0], quarters.iloc[-1], len(quarters)) == ("2024Q1", "2040Q4", 68)
    q = summary[["p5", "p10", "p50", "p90", "p95"]].to_numpy()
    assert (q[:, :-1] <= q[:, 1:] * (1 + 1e-12)).all()


def test_run_exhaustion_cdf_is_a_cdf(baseline_run):
    _, folder = baseline_run
    cdf = read_csv(folder / "exhaustion_cdf.csv")
    p = cdf.loc[cdf["event"] == "exhaustion", "probability"].to_numpy()
    assert len(p) == 68
    assert ((p >= 0) & (p <= 1)).all() and (p[1:] >= p[:-1]).all()
    events = read_csv(folder / "exhaustion.csv")
    assert events.loc[0, "event"] == "exhaustion"
    assert events.loc[0, "probability_by_end"] == pytest.approx(p[-1])


def test_run_inputs_name_where_each_value_was_set(baseline_run):
    _, folder = baseline_run
    inputs = read_csv(folder / "inputs.csv")
    row = inputs.set_index("input").loc["supply.repetition.multiplier"]
    line = BASELINE.read_text(encoding="utf-8").splitlines().index("    multiplier:") + 1
    assert row["set_at"] == f"scenarios/baseline.yaml:{line}"  # from the project, not the machine's path
    assert row["dist"] == "lognormal"
    assert "Villalobos" in row["source"]


def test_run_report_is_markdown(baseline_run):
    _, folder = baseline_run
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# peakdata: baseline\n")
    assert "supply.repetition.multiplier" in report


def test_run_seed_option_overrides_the_scenario(tmp_path):
    result = invoke("run", BASELINE, "--samples", 300, "--seed", 5, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    meta = (tmp_path / "baseline" / "meta.json").read_text(encoding="utf-8")
    assert '"seed": 5\n' in meta and '"samples": 300,' in meta


def test_run_good_and_bad_file_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    shutil.copy(THREE_MISTAKES, bad)
    out = tmp_path / "out"
    result = invoke("run", BASELINE, bad, "--samples", 200, "--out", out)
    assert_input_error(result)
    assert not out.exists()


@pytest.mark.parametrize("samples", ["0", "-5", "100000000000", str(MAX_SAMPLES + 1), "many"])
def test_run_absurd_samples_exit_2(tmp_path, samples):
    out = tmp_path / "out"
    result = invoke("run", BASELINE, "--samples", samples, "--out", out)
    assert_input_error(result)
    assert "samples" in result.output
    assert not out.exists()


def test_run_missing_scenario_exits_2(tmp_path):
    result = invoke("run", tmp_path / "nope.yaml", "--out", tmp_path / "out")
    assert_input_error(result)
    assert "not found" in result.stderr


def test_run_into_an_unwritable_place_exits_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = invoke("run", BASELINE, "--samples", 200, "--out", blocker)
    assert_input_error(result)
    assert str(blocker) in result.stderr


def test_debug_shows_the_exception(tmp_path):
    result = invoke("--debug", "run", tmp_path / "nope.yaml", "--out", tmp_path / "out")
    assert isinstance(result.exception, ScenarioError)


def test_missing_arguments_are_usage_errors():
    for args in (["validate"], ["run"], ["frobnicate"]):
        assert_input_error(invoke(*args))


# --- new: a short extends file -------------------------------------------------------------

@pytest.fixture
def parent_folder(tmp_path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(BASELINE, folder / "baseline.yaml")
    return folder


def test_new_writes_an_extends_file_that_runs_as_its_parent(parent_folder):
    import forecast.engine as engine
    from forecast.io.scenario import load_scenario
    from forecast.outputs import headline

    result = invoke("new", "my-view", "--from", parent_folder / "baseline.yaml")
    assert result.exit_code == 0, result.output
    path = parent_folder / "my-view.yaml"
    text = path.read_text(encoding="utf-8")
    live = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert live == ["extends: baseline.yaml", "name: my-view",
                    'description: "TODO: what my-view changes from baseline, and why"']
    assert "Paper result" not in text                 # not the parent's description
    # a title to uncomment, the name in words; uncommented, the file still validates and reads it
    hint = next(line for line in text.splitlines() if line.startswith("# title:"))
    assert hint.startswith("# title: My view   # the name readers see in the report's text and charts")
    titled = parent_folder / "titled.yaml"
    titled.write_text(text.replace("name: my-view", "name: titled").replace(hint, hint[2:]), encoding="utf-8")
    assert load_scenario(titled).scenario.title == "My view"
    # the repetition multiplier as baseline.yaml writes it (line 20), with its unit
    line = next(n for n, row in enumerate(BASELINE.read_text().splitlines(), 1) if "multiplier:" in row)
    assert f"#     # now 2 to 5 (95%) [number], set at {parent_folder / 'baseline.yaml'}:{line}" in text
    assert "#     multiplier:\n#       value: 2 to 5\n#       credibility: 95\n" in text
    # the stock comes from a data row
    assert re.search(r"# now 130T to 2100T \(95%\) \[tokens\], set at data/text_stock.csv:\d+", text)
    assert invoke("validate", path).exit_code == 0
    child, parent = load_scenario(path).scenario, load_scenario(parent_folder / "baseline.yaml").scenario
    assert child.model_copy(update={"name": "baseline", "description": parent.description,
                                    "title": parent.title}) == parent      # a title is not inherited
    a, b = engine.run(child, samples=200), engine.run(parent, samples=200)
    assert headline(a) == headline(b)


def test_new_examples_uncommented_hold_the_parents_values(parent_folder):
    """Uncomment every example: the file validates and each input keeps the parent's value."""
    import numpy as np

    from forecast.io.inputs import collect_inputs
    from forecast.io.scenario import load_scenario

    assert invoke("new", "my-view", "--from", parent_folder / "baseline.yaml").exit_code == 0
    path = parent_folder / "my-view.yaml"
    head, _, examples = path.read_text(encoding="utf-8").partition("# The inputs changed most")
    body = [line[2:] for line in examples.splitlines()[1:]]
    path.write_text(head + "\n".join(body) + "\n", encoding="utf-8")
    assert invoke("validate", path).exit_code == 0, path.read_text()
    child = load_scenario(path)
    parent = load_scenario(parent_folder / "baseline.yaml")
    mine, theirs = collect_inputs(child.scenario, child.provenance), collect_inputs(parent.scenario, parent.provenance)
    written = [name for name, item in mine.items() if item.set_at.startswith(str(path))]
    assert "supply.repetition.multiplier" in written and "supply.sources.indexed_web.stock" in written
    q = np.array([0.1, 0.5, 0.9])
    for name in written:
        assert np.allclose(mine[name].spec.to_distribution().ppf(q),
                           theirs[name].spec.to_distribution().ppf(q), rtol=1e-4), name


def test_new_finds_the_parent_by_name_and_writes_into_out(parent_folder, monkeypatch):
    monkeypatch.chdir(parent_folder.parent)
    result = invoke("new", "mine", "--from", "baseline", "--out", "elsewhere")
    assert result.exit_code == 0, result.output
    text = (parent_folder.parent / "elsewhere" / "mine.yaml").read_text(encoding="utf-8")
    assert "extends: ../scenarios/baseline.yaml" in text
    assert invoke("validate", parent_folder.parent / "elsewhere" / "mine.yaml").exit_code == 0
    missing = invoke("new", "mine2", "--from", "baslene")
    assert_input_error(missing)
    assert "no scenario file baslene" in missing.output and "did you mean 'baseline'?" in missing.output
    unlike = invoke("new", "mine2", "--from", "zzz")                   # nothing close: the names there
    assert_input_error(unlike)
    assert "scenarios here: baseline" in unlike.output


@pytest.mark.parametrize("name, message", [
    ("baseline", "exists already"),
    ("../x", "climbs out of the output folder"),
    ("a/b", "path separator"),
    (".hidden", "hidden folder"),
    ("taken", "'taken' is also the name of"),
])
def test_new_refuses_a_name_that_is_taken_or_not_a_folder_name(parent_folder, name, message):
    (parent_folder / "other.yaml").write_text("extends: baseline.yaml\nname: taken\n", encoding="utf-8")
    before = sorted(p.name for p in parent_folder.iterdir())
    result = invoke("new", name, "--from", parent_folder / "baseline.yaml")
    assert_input_error(result)
    assert message in result.output and "NAME" in result.output
    assert sorted(p.name for p in parent_folder.iterdir()) == before
