"""Outputs carry no machine path: what ``peakdata report``, ``run`` and ``export`` write names the archive
from the report folder and the scenario files from the project, never by absolute path.

The commands run from tests/golden/report/ (the "project") with the scenario files and ``--out``
given as absolute paths; no file written may contain the output folder, the project folder, the
checkout or the home folder. Workbooks are zip files, so their cells and document properties are
read back with openpyxl.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.io.display_paths import name_from, project_relative

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "tests" / "golden" / "report"


def _machine_paths(tmp_path: Path) -> list[str]:
    paths = [str(tmp_path), str(SET), str(ROOT)]
    home = Path.home()
    if len(home.parts) > 1:  # a home of "/" would match every path
        paths.append(str(home))
    return paths


def _texts(folder: Path):
    """(file, text) of every file under ``folder``; a workbook as its cells and properties."""
    from openpyxl import load_workbook

    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            book = load_workbook(path)
            props = book.properties
            yield path, "\n".join(str(getattr(props, k)) for k in ("title", "subject", "creator", "description",
                                                                  "keywords", "category", "identifier"))
            for sheet in book.worksheets:
                yield path, "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
            with zipfile.ZipFile(path) as archive:  # and the raw parts (defined names, custom properties)
                for name in archive.namelist():
                    yield path, archive.read(name).decode("utf-8", errors="replace")
        else:
            yield path, path.read_bytes().decode("utf-8", errors="replace")


def _assert_no_machine_path(folder: Path, tmp_path: Path) -> set[str]:
    checked = set()
    for path, text in _texts(folder):
        checked.add(path.suffix)
        for machine in _machine_paths(tmp_path):
            assert machine not in text, f"{path.relative_to(folder)} contains {machine}"
    return checked


def test_report_names_no_machine_path(tmp_path, monkeypatch):
    monkeypatch.chdir(SET)
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, ["report", str(SET / "mini-supply.yaml"), str(SET / "mini-slow.yaml"),
                                      str(SET / "mini-gpt.yaml"), "--compare", str(SET / "waterfall.yaml"),
                                      "--quarter", "2026Q4", "--replace", "--out", str(out), "-n", "300",
                                      "--trend-methods", "ols"])
    assert result.exit_code == 0, result.output
    checked = _assert_no_machine_path(out, tmp_path)  # the archive, out/archive.sqlite, included
    assert {".md", ".html", ".json", ".csv", ".xlsx", ".sqlite"} <= checked
    folder = out / "2026Q4"
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "No earlier quarter in the archive (`../archive.sqlite`)." in report
    provenance = (folder / "data" / "provenance.csv").read_text(encoding="utf-8")
    assert ",mini-supply.yaml," in provenance and ",mini-slow.yaml," in provenance
    assert "mini-supply.yaml:" in (folder / "data" / "assumptions.csv").read_text(encoding="utf-8")


def test_run_and_export_name_no_machine_path(tmp_path, monkeypatch):
    monkeypatch.chdir(SET)
    out = tmp_path / "runs"
    result = CliRunner().invoke(app, ["run", str(SET / "mini-slow.yaml"), "-n", "300", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["export", str(SET / "mini-gpt.yaml"), "-n", "300", "--format", "xlsx",
                                      "--out", str(out / "book.xlsx")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["export", str(SET / "mini-gpt.yaml"), "-n", "300", "--out", str(out / "csv")])
    assert result.exit_code == 0, result.output
    checked = _assert_no_machine_path(out, tmp_path)
    assert {".md", ".json", ".csv", ".xlsx"} <= checked
    # where each input was set: the file from the project, its ancestor too (mini-slow extends mini-supply)
    inputs = (out / "mini-slow" / "inputs.csv").read_text(encoding="utf-8")
    assert ",mini-slow.yaml:7\n" in inputs and ",mini-supply.yaml:10\n" in inputs


def test_project_relative_leaves_outside_paths_alone(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    monkeypatch.chdir(project)
    assert project_relative(project / "scenarios" / "a.yaml") == "scenarios/a.yaml"
    assert project_relative("scenarios/a.yaml") == "scenarios/a.yaml"
    assert project_relative(tmp_path / "elsewhere.yaml") == tmp_path / "elsewhere.yaml"


@pytest.mark.parametrize("archive, expected", [
    ("reports/archive.sqlite", "../archive.sqlite"),          # the default: beside the quarter folders
    ("archives/main.sqlite", "../../archives/main.sqlite"),   # --archive elsewhere in the project
    ("/var/lib/peakdata/archive.sqlite", "archive.sqlite"),    # outside both: its name alone
])
def test_report_names_its_archive_from_its_folder(tmp_path, monkeypatch, archive, expected):
    monkeypatch.chdir(tmp_path)
    assert name_from(tmp_path / "reports" / "2026Q4", archive, [tmp_path / "reports"]) == expected


def test_archive_inside_the_project_with_out_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    folder = tmp_path / "out" / "2026Q4"
    assert name_from(folder, tmp_path / "project" / "archive.sqlite", [tmp_path / "out"]) == "archive.sqlite"
    assert name_from(folder, tmp_path / "out" / "archive.sqlite", [tmp_path / "out"]) == "../archive.sqlite"
