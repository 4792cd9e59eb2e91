"""Docs are tested: the README's example scenario loads and runs; every CLI command is documented."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import forecast.engine as engine
from forecast.cli.app import app
from forecast.io.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _readme_scenario() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "the README has exactly one example scenario"
    return blocks[0]


def test_readme_example_scenario_validates_and_runs(tmp_path):
    shutil.copy(ROOT / "scenarios" / "baseline.yaml", tmp_path / "baseline.yaml")
    path = tmp_path / "my-view.yaml"
    path.write_text(_readme_scenario(), encoding="utf-8")
    item = load_scenario(path)
    assert item.scenario.name == "my-view"
    assert item.scenario.supply.repetition.epochs.value == 4
    # the README says the interval is lognormal because both bounds are positive
    assert item.scenario.demand.compute.growth.dist == "lognormal"
    result = engine.run(item.scenario, samples=500, provenance=item.provenance)
    assert "exhaustion" in result.events
    # the epochs value is traced to the README example's own line
    set_at = result.inputs.set_index("input").loc["supply.repetition.epochs", "set_at"]
    assert set_at.startswith(f"{path}:")


def test_every_command_is_in_docs_cli_and_has_help():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"## peakdata {name}" in text, f"docs/cli.md lacks a section for {name}"
        assert (command.callback.__doc__ or "").strip(), f"{name} has no help text"


def test_readme_names_the_two_commands_that_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme
    assert re.search(r"^make test$", ci, flags=re.M)


def test_readme_lists_each_command_line_once_and_cli_md_lists_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in readme.splitlines() if line.startswith("peakdata ")]
    assert len(lines) == len(set(lines)), [line for line in lines if lines.count(line) > 1]
    cli = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    listing = cli.split("## Global options", 1)[1].split("Commands:", 1)[1].split("```", 1)[0]
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert re.search(rf"^\s+{name}\s", listing, re.M), f"docs/cli.md's peakdata --help lacks {name}"
