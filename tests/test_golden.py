"""Golden-file comparisons: output a planner reads, compared byte for byte with tests/golden/.

To accept a deliberate change of output, regenerate the files and review the diff::

    make golden          # = .venv/bin/python -m pytest tests/test_golden.py --update-golden
    git diff tests/golden/

The ``--update-golden`` option is registered in tests/conftest.py. Inputs sit next to their
outputs in tests/golden/ and are run from that folder, so the snapshots hold no machine paths.
"""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from forecast.cli.app import app

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def test_validate_three_mistakes(golden, monkeypatch):
    """``peakdata validate`` on a file with three mistakes: every problem, then the count."""
    monkeypatch.chdir(GOLDEN_DIR)
    result = CliRunner().invoke(app, ["validate", "validate_three_mistakes.yaml"])
    assert result.exit_code == 2
    assert result.stdout == ""
    golden("validate_three_mistakes.txt", result.stderr)
