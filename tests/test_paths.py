"""Paths stay where they belong (issue 22 item 3).

Output names (a scenario's, a compare file's, a sweep's ``name``) become one folder inside the output
folder; data paths (``human_share_data``, ``fit.data``) name a CSV inside the data folder. Each
hostile value is refused with exit 2, naming file, line and field, no traceback, and nothing is
written anywhere but the test's output folder. The writers and readers check the resolved path
again, so a name that did not come through a file cannot reach outside either.
"""
from __future__ import annotations

import os

from pathlib import Path

import pytest
from typer.testing import CliRunner

import forecast.engine
from forecast.cli.app import app
from forecast.errors import DataError, ExportError
from forecast.schema.types import data_file, output_name, resolve_inside

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def refused(result, located: str) -> str:
    """Exit 2, no traceback, ``file:line:col field:`` on standard error; the message returned."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    # run, report and export name a file inside the current folder by its relative path
    # (forecast.io.display_paths.project_relative); validate names it as typed
    here = str(Path.cwd()) + os.sep
    assert located in result.stderr or located.replace(here, "", 1) in result.stderr, (located, result.stderr)
    return result.stderr


def tree(root: Path) -> set[Path]:
    return set(root.rglob("*"))


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A working folder two levels down, so that ``../../x`` would still land inside ``tmp_path``."""
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    return folder




#: (YAML text of a name, what the message says); {tmp} is the test's tmp_path.
HOSTILE_NAMES = {
    "../../x": "climbs out of the output folder with '..'",
    "/tmp/x": "is an absolute path, outside the output folder",
    "'{tmp}/escaped'": "is an absolute path, outside the output folder",
    "a/b": "holds a path separator",
    "'a\\b'": "holds a path separator",
    ".hidden": "starts with '.', which makes a hidden folder",
    "'..'": "climbs out of the output folder",
    "'C:/x'": "is an absolute path",
    "x" * 101: "at most 100 characters",
}


# --- output names ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, message", HOSTILE_NAMES.items())
def test_run_refuses_a_scenario_name_that_leaves_the_output_folder(tmp_path, here, no_engine, name, message):
    name = name.format(tmp=tmp_path)
    path = here / "s.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: {name}\n", encoding="utf-8")
    before = tree(tmp_path)
    err = refused(invoke("run", path, "--out", here / "out"), f"{path}:2:1 name:")
    assert message in err
    assert "(a name is one plain folder name inside the output folder, e.g. my-view)" in err
    assert tree(tmp_path) == before
    # validate refuses it the same way
    refused(invoke("validate", path), f"{path}:2:1 name:")


@pytest.mark.parametrize("name, message", HOSTILE_NAMES.items())
def test_sweep_refuses_a_grid_name_that_leaves_the_output_folder(tmp_path, here, no_engine, name, message):
    name = name.format(tmp=tmp_path)
    grid = here / "g.yaml"
    grid.write_text(f"base: {SCENARIOS / 'baseline.yaml'}\nsamples: 100\nname: {name}\n"
                    "axes:\n  demand.compute.growth: [3x/yr]\n", encoding="utf-8")
    before = tree(tmp_path)
    err = refused(invoke("sweep", grid), f"{grid}:3:1 name:")   # default --out: reports/sweeps/<name>/
    assert message in err
    assert tree(tmp_path) == before


def test_sweep_refuses_a_point_name_that_leaves_the_output_folder(tmp_path, here, no_engine):
    grid = here / "g.yaml"
    grid.write_text(f"name: fine\nbase: {SCENARIOS / 'baseline.yaml'}\nset:\n  name: ../../x\n"
                    "axes:\n  demand.compute.growth: [3x/yr]\n", encoding="utf-8")
    err = refused(invoke("sweep", grid, "--out", here / "out"), f"{grid}:4:3 set.name:")
    assert "climbs out of the output folder" in err
    assert not (here / "out").exists()


@pytest.mark.parametrize("name, message", HOSTILE_NAMES.items())
def test_report_refuses_a_compare_name_that_leaves_the_output_folder(tmp_path, here, no_engine, name, message):
    name = name.format(tmp=tmp_path)
    compare = here / "c.yaml"
    compare.write_text(f"""compare:
  name: {name}
  title: A waterfall
  start: {{label: start, scenario: {SCENARIOS / 'gpt-class.yaml'}}}
  steps:
    - {{label: step, scenario: {SCENARIOS / 'palmyra-x-004.yaml'}}}
""", encoding="utf-8")
    before = tree(tmp_path)
    err = refused(invoke("report", SCENARIOS / "gpt-class.yaml", "--compare", compare, "--out", here / "out",
                         "--quarter", "2026Q1", "--trend-methods", "none"), f"{compare}:2:3 compare.name:")
    assert message in err
    assert "(a name is one plain folder name inside the output folder, e.g. my-view)" in err
    assert tree(tmp_path) == before


@pytest.mark.parametrize("good", ["baseline", "palmyra-x-004", "v1.2_final", "2026", "A" * 100, "a..b"])
def test_plain_folder_names_pass(good):
    assert output_name(good) == good


def test_one_validator_for_every_output_name():
    # The scenario, the compare file and the sweep share forecast.schema.types.OutputName.
    from typing import get_args

    from forecast.schema import Scenario
    from forecast.schema.compare import Compare
    from forecast.schema.sweep import Sweep
    from forecast.schema.types import OutputName

    assert Scenario.model_fields["name"].annotation is str
    for model in (Scenario, Compare, Sweep):
        validators = [m.func for m in model.model_fields["name"].metadata if hasattr(m, "func")]
        assert output_name in validators, model
    assert output_name in [m.func for m in get_args(OutputName)[1:] if hasattr(m, "func")]
    schema = Scenario.model_json_schema()["properties"]["name"]
    assert schema["pattern"] == "^[A-Za-z0-9][A-Za-z0-9._-]*$" and schema["maxLength"] == 100


# --- the writers check the resolved path again -------------------------------------------------

@pytest.mark.parametrize("name", ["../x", "..", ".", "/tmp/x", "a/../../x"])
def test_output_folder_refuses_what_is_not_strictly_inside(tmp_path, name):
    from forecast.export.writers import output_folder

    with pytest.raises(ExportError, match="is not inside the output folder"):
        output_folder(tmp_path / "out", name)
    assert output_folder(tmp_path / "out", "baseline", "sensitivity") == tmp_path / "out" / "baseline" / "sensitivity"


def test_output_folder_follows_symbolic_links(tmp_path):
    from forecast.export.writers import output_folder

    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ExportError, match="not inside the output folder"):
        output_folder(tmp_path / "out", "link")


def test_run_refuses_a_name_that_bypassed_validation(tmp_path, here, monkeypatch, no_engine):
    # A scenario built in Python (model_copy does not validate) still cannot write outside --out.
    import forecast.io.scenario as S

    real = S.load_scenario

    def hostile(path, *args, **kwargs):
        item = real(path, *args, **kwargs)
        return S.ScenarioFile(item.scenario.model_copy(update={"name": "../../x"}), item.path, item.files,
                              item.provenance, item.warnings)

    monkeypatch.setattr(S, "load_scenario", hostile)
    before = tree(tmp_path)
    result = invoke("run", SCENARIOS / "baseline.yaml", "--out", here / "out")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"refusing to write {here / 'out' / '../../x'}: it is not inside the output folder" in result.stderr
    assert tree(tmp_path) == before


def test_the_quarterly_writer_refuses_a_file_name_outside_its_folder(tmp_path):
    from forecast.export.writers import staged
    from forecast.report.quarterly import _write_figures

    with pytest.raises(ExportError, match="not inside the output folder"):
        with staged(tmp_path / "out" / "2026Q1") as staging:
            _write_figures(staging, {"charts/../../../escaped.png": b"x"}, "")
    assert tree(tmp_path) == {tmp_path / "out"}       # the staging folder is gone, nothing escaped


# --- data paths ----------------------------------------------------------------------------------

HOSTILE_DATA = [("../../etc/passwd", "climbs out of the data folder with '..'"),
                ("/etc/passwd", "is an absolute path, outside the data folder"),
                ("~/notes.csv", "is an absolute path, outside the data folder"),
                ("'sub\\x.csv'", "holds a '\\'"),
                ("'sub/'", "names a folder, not a file")]


@pytest.mark.parametrize("value, message", HOSTILE_DATA)
@pytest.mark.parametrize("field, body, line", [
    ("supply.dynamics.human_share_data",
     "supply:\n  dynamics:\n    human_share: data\n    human_share_data: {value}\n", 6),
    ("demand.historical.fit.data",
     "demand:\n  historical:\n    fit:\n      data: {value}\n", 6),
])
def test_validate_and_run_refuse_a_data_path_outside_the_data_folder(tmp_path, here, no_engine, value, message,
                                                                     field, body, line):
    path = here / "s.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: s\n" + body.format(value=value),
                    encoding="utf-8")
    err = refused(invoke("validate", path), f"{path}:{line}:")
    assert f" {field}: " in err and message in err
    before = tree(tmp_path)
    refused(invoke("run", path, "--out", here / "out"), f"{path}:{line}:")
    assert tree(tmp_path) == before


def test_a_missing_data_file_is_found_by_validate(tmp_path, here, no_engine):
    path = here / "s.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: s\n"
                    "supply:\n  dynamics:\n    human_share: data\n    human_share_data: humanshare.csv\n",
                    encoding="utf-8")
    err = refused(invoke("validate", path), f"{path}:6:5 supply.dynamics.human_share_data:")
    assert "data file humanshare.csv not found in" in err and "(did you mean 'human_share.csv'? Otherwise put the CSV in the data folder" in err
    refused(invoke("run", path, "--out", here / "out"), f"{path}:6:5 supply.dynamics.human_share_data:")
    assert not (here / "out").exists()


def test_the_reader_refuses_a_path_outside_the_data_folder(tmp_path):
    from forecast.io.references import read_reference

    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "secret.csv").write_text("year,human_share,source\n2020,1,x\n", encoding="utf-8")
    (data / "link.csv").symlink_to(tmp_path / "secret.csv")
    for name in ("../secret.csv", str(tmp_path / "secret.csv"), "link.csv"):
        with pytest.raises(DataError, match="is not inside the data folder"):
            read_reference(name, data)


def test_the_engine_refuses_a_data_path_that_bypassed_validation(tmp_path):
    # A Scenario changed in Python (model_copy does not validate) reaches the reader's check.
    from forecast.io.scenario import load_scenario

    item = load_scenario(SCENARIOS / "ai-written-inflow.yaml")
    dyn = item.scenario.supply.dynamics.model_copy(update={"human_share_data": "../../../../../etc/passwd"})
    supply = item.scenario.supply.model_copy(update={"dynamics": dyn})
    with pytest.raises(DataError, match="is not inside the data folder"):
        forecast.engine.run(item.scenario.model_copy(update={"supply": supply}), samples=10)


def test_a_data_file_in_a_subfolder_of_data_is_fine(tmp_path):
    import shutil

    from forecast.io.references import data_dir, read_reference

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    (data / "mine").mkdir()
    shutil.copy(data / "human_share.csv", data / "mine" / "share.csv")
    assert data_file("mine/share.csv") == "mine/share.csv"
    assert len(read_reference("mine/share.csv", data)) == len(read_reference("human_share.csv", data))


def test_an_archive_cannot_write_its_data_outside_the_folder(tmp_path):
    from forecast.errors import ArchiveError
    from forecast.store.archive import ArchivedRun

    run = ArchivedRun("2026Q1", "0", {}, {"../escaped.csv": b"x"})
    with pytest.raises(ArchiveError, match="not inside a data folder"):
        run.write_data(tmp_path / "data")
    assert not (tmp_path / "escaped.csv").exists()


def test_resolve_inside_is_strict():
    assert resolve_inside("/srv/out", "x") is not None
    assert resolve_inside("/srv/out", "/srv/out") is None
    assert resolve_inside("/srv/out", "/srv/outside/x") is None


@pytest.mark.parametrize("entry, located, message", [
    ("set:\n  supply.dynamics.human_share_data: ../../etc/passwd\n", "4:3 set.supply.dynamics.human_share_data:",
     "climbs out of the data folder with '..'"),
    ("set:\n  supply.dynamics.human_share_data: nothere.csv\n", "4:3 set.supply.dynamics.human_share_data:",
     "data file nothere.csv not found in "),
    ("axes:\n  supply.dynamics.human_share_data: [human_share.csv, /etc/passwd]\n",
     "4:55 axes.supply.dynamics.human_share_data.1:", "is an absolute path, outside the data folder"),
])
def test_sweep_refuses_a_data_path_it_sets_at_its_line(tmp_path, here, no_engine, entry, located, message):
    grid = here / "g.yaml"
    axes = "" if entry.startswith("axes") else "axes:\n  demand.compute.growth: [3x/yr]\n"
    grid.write_text(f"name: fine\nbase: {SCENARIOS / 'ai-written-inflow.yaml'}\n{entry}{axes}", encoding="utf-8")
    before = tree(tmp_path)
    err = refused(invoke("sweep", grid, "--out", here / "out"), f"{grid}:{located}")
    assert message in err
    assert tree(tmp_path) == before
