"""Honest refusals through the command line (typer's CliRunner).

Every input the tool cannot use honestly is refused with exit code 2 and a message naming the file,
line and field, with a hint, before anything is computed; Ctrl-C exits with 130 and one line; a
target no mix reaches is said plainly. ``validate`` refuses what ``run`` refuses
(tests/test_validate_catches_run_errors.py checks the library side of each case).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import forecast.engine
from forecast.cli.app import app
from refusal import refused

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def variant(tmp_path: Path, body: str, parent: str = "baseline.yaml", name: str = "variant") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {SCENARIOS / parent}\nname: {name}\n{body}", encoding="utf-8")
    return path






# --- two scenarios with one name -------------------------------------------------------------

def test_run_refuses_two_scenarios_with_the_same_name(tmp_path, no_engine):
    first = variant(tmp_path, "", name="one")
    (tmp_path / "elsewhere").mkdir()          # in another folder: one name is refused only when run together
    second = tmp_path / "elsewhere" / "two.yaml"
    second.write_text(f"extends: {SCENARIOS / 'slow-growth.yaml'}\nname: one\n", encoding="utf-8")
    out = tmp_path / "out"
    err = refused(invoke("run", first, second, "--out", out), f"{second}:2:1 name:")
    assert f"'one' is also the name of {first}" in err and "(give each scenario its own name)" in err
    assert not out.exists()
    # validate, given the same files, refuses the same thing and passes the first
    checked = invoke("validate", first, second)
    refused(checked, f"{second}:2:1 name:")
    assert checked.stdout == f"ok {first}\n"


def test_the_report_runner_refuses_two_scenarios_with_the_same_name(tmp_path, no_engine):
    from forecast.errors import ScenarioError
    from forecast.engine.runs import run_scenarios

    first = variant(tmp_path, "", name="one")
    with pytest.raises(ScenarioError, match=f"name: 'one' is also the name of {first}"):
        run_scenarios([first, first])


# --- stock components ----------------------------------------------------------------------

def test_run_refuses_overlapping_components(tmp_path, no_engine):
    path = variant(tmp_path, "supply:\n  include: [indexed_web, common_crawl]\n"
                             "  sources:\n    common_crawl: {growth: 1.08x/yr}\n")
    err = refused(invoke("run", path, "--out", tmp_path / "out"), f"{path}:4:26 supply.include.1:")
    assert "common_crawl overlaps indexed_web" in err
    refused(invoke("validate", path), f"{path}:4:26 supply.include.1:")


def test_run_lists_every_missing_value_at_once(tmp_path, no_engine):
    path = variant(tmp_path, "supply:\n  include: [books, instant_messages]\n")
    err = refused(invoke("run", path, "--out", tmp_path / "out"),
                  f"{path}:4:13 supply.sources.books.quality:",
                  f"{path}:4:20 supply.sources.instant_messages.growth:",
                  f"{path}:4:20 supply.sources.instant_messages.quality:")
    assert "(add supply.sources.books.quality: ... to the scenario; see docs/scenarios.md)" in err


def test_a_non_text_component_is_a_printed_warning_not_an_error(tmp_path):
    path = variant(tmp_path, "supply:\n  include: [indexed_web, images]\n"
                             "  sources:\n    images: {growth: 1.1x/yr, quality: 10%}\n")
    checked = invoke("validate", path)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == f"ok {path}\n"
    assert re.search(rf"^warning {re.escape(str(path))}:4:26 supply.include.1: images is not text: .*"
                     r"~30 tokens per image", checked.stderr, re.M)
    ran = invoke("run", path, "--samples", 200, "--out", tmp_path / "out")
    assert ran.exit_code == 0, ran.output
    assert "warning" in ran.stderr and "images is not text" in ran.stderr
    assert (tmp_path / "out" / "variant" / "summary.csv").is_file()


# --- numbers that overflow -----------------------------------------------------------------

def test_a_number_that_overflows_is_refused_as_such(tmp_path, no_engine):
    path = variant(tmp_path, "demand:\n  compute:\n    current_largest: 1e400\n")
    err = refused(invoke("run", path, "--out", tmp_path / "out"),
                  f"{path}:5:22 demand.compute.current_largest: 1e400 overflows")
    assert "got inf" not in err and "(check the exponent)" in err


# --- output folder -------------------------------------------------------------------------

def test_an_out_inside_a_file_is_refused_before_computing(tmp_path, no_engine):
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    err = refused(invoke("run", SCENARIOS / "baseline.yaml", "--out", afile / "reports"))
    assert f"{afile} is a file, not a folder (choose another --out)" in err


def test_an_out_where_no_folder_can_be_made_is_refused_before_computing(tmp_path, no_engine):
    # /proc accepts no new folders, not even from root (CI runs as root, so permission bits would
    # not show the refusal).
    err = refused(invoke("run", SCENARIOS / "gpt-class.yaml", "--out", "/proc/peakdata-test/reports"))
    assert "cannot write into /proc/peakdata-test/reports/gpt-class: cannot create a folder in /proc" in err
    assert "--out" in err


# --- Ctrl-C --------------------------------------------------------------------------------

def test_ctrl_c_during_run_prints_one_line_and_exits_130(tmp_path, monkeypatch):
    out = tmp_path / "out"
    ran = invoke("run", SCENARIOS / "gpt-class.yaml", "--samples", 200, "--out", out)
    assert ran.exit_code == 0, ran.output
    before = (out / "gpt-class" / "cost_breakdown.csv").read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(forecast.engine, "run", interrupted)
    result = invoke("run", SCENARIOS / "gpt-class.yaml", "--out", out)
    assert result.exit_code == 130
    assert result.stderr == f"interrupted; previous outputs in {out / 'gpt-class'} kept\n"
    assert "Traceback" not in result.output
    assert (out / "gpt-class" / "cost_breakdown.csv").read_bytes() == before
    fresh = invoke("run", SCENARIOS / "gpt-class.yaml", "--out", tmp_path / "new")
    assert fresh.exit_code == 130
    assert fresh.stderr == f"interrupted; nothing written to {tmp_path / 'new' / 'gpt-class'}\n"


# --- a target no mix reaches -----------------------------------------------------------------

PINNED_LOSS = 'loss: {value: 1.0, source: "below'
UNIFORM_LOSS = 'loss: {dist: uniform, low: 1.5, high: 3.0, source: "partly below'
UNREACHABLE = """\
samples: 300
cost:
  target:
    reference_name: null
    reference_params: null
    reference_tokens: null
    loss: {value: 1.0, source: "below besiroglu-2024's irreducible loss E = 1.82: no model reaches it"}
"""


def test_a_target_no_mix_reaches_names_no_cheapest_share(tmp_path):
    out = tmp_path / "out"
    path = variant(tmp_path, UNREACHABLE, parent="mix-sweep.yaml")
    result = invoke("run", path, "--out", out)
    assert result.exit_code == 0, result.output
    plain = "No synthetic share reaches the target loss in any sample"
    assert plain in result.stdout and "minimises total cost" not in result.stdout
    report = (out / "variant" / "report.md").read_text(encoding="utf-8")
    assert plain in report and "minimises total cost" not in report
    curve = pd.read_csv(out / "variant" / "mix_curve.csv", comment="#")
    assert curve["p_cheapest"].isna().all()          # no P(cheapest): not 0% everywhere, not 100% at 0%
    header = next(line for line in report.splitlines() if "P(cheapest)" in line)
    column = [cell.strip() for cell in header.split("|")].index("P(cheapest)")
    rows = [line for line in report.splitlines() if re.match(r"^\| \d+%\s+\|", line)]
    assert len(rows) == 10 and {[c.strip() for c in row.split("|")][column] for row in rows} == {"–"}


def test_a_target_reached_in_some_samples_says_in_how_many(tmp_path):
    # Target loss ~ Uniform(1.5, 3.0). With besiroglu-2024 (E = 1.8172, A = 482.01, alpha = 0.3478)
    # the lowest loss the grid's largest model (10T) reaches with unlimited data is
    # E + A / 1e13^alpha = 1.8172 + 0.0144 = 1.832, so P(unreachable) = (1.832 − 1.5) / 1.5 = 22%;
    # with 300 samples, one sd is 2.4 points.
    body = UNREACHABLE.replace(PINNED_LOSS, UNIFORM_LOSS)
    path = variant(tmp_path, body, parent="mix-sweep.yaml")
    result = invoke("cost", path)
    assert result.exit_code == 0, result.output
    match = re.search(r"minimises total cost: p50 \d+% \(p10 \d+%, p90 \d+%\); in (\d+)% of samples no share "
                      r"reaches the target, and these figures are over the (\d+)% that do", result.stdout)
    assert match, result.stdout
    assert 15 <= int(match[1]) <= 29 and int(match[1]) + int(match[2]) == 100


def test_a_run_sized_for_a_target_says_how_many_samples_cannot_reach_it(tmp_path):
    # palmyra-x-004 sizes its run with size: cheapest_for_target; with the target loss ~ Uniform(1.5,
    # 3.0), about 22% of samples lie below what a 10T model reaches (see the test above). Their costs
    # are "unreachable" and the rest are priced; the report says which share is which.
    body = UNREACHABLE.replace(PINNED_LOSS, UNIFORM_LOSS)
    path = variant(tmp_path, body, parent="palmyra-x-004.yaml")
    result = invoke("run", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    match = re.search(r"In (\d+)% of samples no model size of cost.target.params_grid reaches the target "
                      r"loss; the costs above are over the (\d+)% that do", result.stdout)
    assert match, result.stdout
    assert 15 <= int(match[1]) <= 29 and int(match[1]) + int(match[2]) == 100
    report = (tmp_path / "out" / "variant" / "report.md").read_text(encoding="utf-8")
    assert match[0] + "." in report
