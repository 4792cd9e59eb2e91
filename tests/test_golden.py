"""Golden-file comparisons: output a planner reads, compared byte for byte with tests/golden/.

To accept a deliberate change of output, regenerate the files and review the diff::

    make golden          # = .venv/bin/python -m pytest tests/test_golden.py tests/test_docs.py --update-golden
    git diff tests/golden/

The ``--update-golden`` option is registered in tests/conftest.py. Inputs sit next to their
outputs in tests/golden/ and are run from that folder, so the snapshots hold no machine paths.
"""
from __future__ import annotations

import os

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.fit import methods
from pinned_fits import PinnedFits, install

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def test_validate_three_mistakes(golden, monkeypatch):
    """``peakdata validate`` on a file with three mistakes: every problem, then the count."""
    monkeypatch.chdir(GOLDEN_DIR)
    result = CliRunner().invoke(app, ["validate", "validate_three_mistakes.yaml"])
    assert result.exit_code == 2
    assert result.stdout == ""
    golden("validate_three_mistakes.txt", result.stderr)


@pytest.fixture
def pinned_fits(request, monkeypatch):
    """Every trend fit from tests/golden/report/fits.json (tests/pinned_fits.py says why)."""
    store = PinnedFits(GOLDEN_DIR / "report" / "fits.json", request.config.getoption("--update-golden"))
    install(monkeypatch, store)
    # one core: the report then fits its trends in this process, where the store answers (and, with
    # --update-golden, records) every fit; a worker process would hold its own copy of the store
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    yield store
    methods.clear_cache()
    if store.record:
        store.save()


def test_quarterly_report_markdown(golden, monkeypatch, tmp_path, pinned_fits):
    """``peakdata report`` on the small set in tests/golden/report/: the document and one detail page.

    Its trend fits are pinned (``pinned_fits``), so no digit depends on this machine's optimizer.
    The output folder is a temporary path, compared as written: the report names its archive from
    its own folder (``../archive.sqlite``), never by machine path. The set is not a project's
    ``scenarios/`` folder, so ``--replace`` writes its (partial) report to ``OUT/2026Q4/``.
    """
    monkeypatch.chdir(GOLDEN_DIR / "report")
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, ["report", "mini-supply.yaml", "mini-slow.yaml", "mini-gpt.yaml",
                                      "mini-mix.yaml", "--compare", "waterfall.yaml", "--quarter", "2026Q4",
                                      "--replace", "--out", str(out)])
    assert result.exit_code == 0, result.output
    folder = out / "2026Q4"
    golden("report/report.md", (folder / "report.md").read_text(encoding="utf-8"))
    golden("report/mini-slow.md", (folder / "scenarios" / "mini-slow.md").read_text(encoding="utf-8"))


_BEGIN = "<!-- BEGIN peakdata waterfall palmyra-vs-gpt-class (make golden rewrites this block) -->"
_END = "<!-- END peakdata waterfall -->"


def test_validation_doc_quotes_the_tools_waterfall(request, monkeypatch):
    """docs/validation.md §3 quotes the waterfall as `peakdata report` computes it (`make golden`
    rewrites the block between the markers)."""
    from forecast.report.document import waterfall_markdown
    from forecast.report.quarterly import run_waterfall

    root = GOLDEN_DIR.parents[1]
    monkeypatch.chdir(root)
    block = waterfall_markdown(run_waterfall("scenarios/compare/palmyra-vs-gpt-class.yaml", []))
    doc = root / "docs" / "validation.md"
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(_BEGIN + "\n", 1)
    _, tail = rest.split(_END, 1)
    expected = f"{head}{_BEGIN}\n{block}{_END}{tail}"
    if request.config.getoption("--update-golden"):
        doc.write_text(expected, encoding="utf-8", newline="\n")
    assert text == expected or request.config.getoption("--update-golden"), \
        "docs/validation.md §3 no longer matches the tool's waterfall; run `make golden`"
