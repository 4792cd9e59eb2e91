"""The report's "what moves the answer" section: the Sobol/one-at-a-time analysis of
forecast.analysis.sensitivity for the baseline's exhaustion date and palmyra-x-004's cost."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.report import document as D
from forecast.report import document_costs as DC
from forecast.engine.runs import run_scenarios
from forecast.analysis.sensitivity import sensitivity

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def doc():
    paths = [ROOT / "scenarios" / n for n in ("slow-growth.yaml", "baseline.yaml", "gpt-class.yaml",
                                              "palmyra-x-004.yaml")]
    runs = run_scenarios(paths, samples=1000, keep_samples=True)
    document = D.Document(runs, [], "2026Q4", ROOT / "data", None, Path("unused.sqlite"))
    document.build_charts()
    return document, {r.name: r for r in runs}


@pytest.mark.parametrize("name, outcome, scenario", [("sensitivity_exhaustion", "exhaustion", "baseline"),
                                                     ("sensitivity_cost", "cost.total", "palmyra-x-004")])
def test_section_shows_the_named_scenarios_sobol_indices(doc, name, outcome, scenario):
    document, runs = doc
    # baseline and palmyra-x-004 are chosen by name, though slow-growth and gpt-class come first
    chart = next(c for c in document.charts if c["name"] == name)
    assert chart["scenarios"] == [scenario] and chart["title"].startswith(f"{scenario}: ")
    frame = document.data[name]
    full = sensitivity(runs[scenario].file.scenario, budget=DC.MOVES_BUDGET, data_dir=ROOT / "data",
                       swing_samples=DC.MOVES_SWING_SAMPLES)
    mine = full[full["output"] == outcome].set_index("input")
    for row in frame.itertuples(index=False):
        assert row.S1 == mine.loc[row.input, "S1"] and row.ST == mine.loc[row.input, "ST"]
    # a tornado: largest swing on top, no input without a swing, at most MOVES_TOP of them
    assert list(frame["swing"]) == sorted(frame["swing"], reverse=True)
    assert (frame["swing"] > 0).all() and 1 <= len(frame) <= DC.MOVES_TOP
    top = frame.iloc[0]
    assert top["label"] in chart["title"]
    # the table beside the chart has one row per charted input, with S1 and ST
    table = chart["table"].splitlines()
    assert len(table) == 2 + len(frame) and "| S1" in table[0] and "| ST" in table[0]
    assert np.isfinite(frame["ST"]).all()
