"""The report's "what moves the answer" section: the Sobol/one-at-a-time analysis of
forecast.analysis.sensitivity for the baseline's exhaustion date and palmyra-x-004's cost."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.report import document as D
from forecast.report import document_costs as DC
from forecast.report import sections as S
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
    title = S.title_of(runs[scenario])  # the scenario's title: readers' words, not its file name
    assert chart["scenarios"] == [scenario] and chart["title"].startswith(f"{title}: ")
    frame = document.data[name]
    full = sensitivity(runs[scenario].file.scenario, budget=DC.MOVES_BUDGET, data_dir=ROOT / "data",
                       swing_samples=DC.MOVES_SWING_SAMPLES)
    mine = full[full["output"] == outcome].set_index("input")
    for row in frame.itertuples(index=False):
        assert row.S1 == mine.loc[row.input, "S1"] and row.ST == mine.loc[row.input, "ST"]
    # ranked by total index: the largest ST on top, the same order in chart and table, MOVES_TOP at most
    assert list(frame["ST"]) == sorted(frame["ST"], reverse=True)
    assert 1 <= len(frame) <= DC.MOVES_TOP
    top_st = mine["ST"].max()
    top = frame.iloc[0]
    assert top["ST"] == top_st and top["input"] == mine["ST"].idxmax()
    # the title names the top-ST input with its ST and interval, as the table's first row shows it
    st = f"{top['ST']:.2f} ± {top['ST_conf']:.2f}"
    assert chart["title"].startswith(f"{title}: {top['label'].split(' (')[0]}") and f"ST {st}" in chart["title"]
    table = chart["table"].splitlines()
    assert len(table) == 2 + len(frame) and "| S1" in table[0] and "| ST" in table[0]
    assert f"| {top['label']} (`{top['input']}`) " in table[2] and st in table[2]
    assert np.isfinite(frame["ST"]).all()
    # the report's budget makes the top input's indices converged (± MOVES_CONVERGED at most), so the
    # caption does not need to say otherwise
    assert max(top["ST_conf"], top["S1_conf"]) <= DC.MOVES_CONVERGED
    assert "not converged" not in chart["title"] and "not converged" not in chart["caption"]


@pytest.mark.parametrize("rows, title", [
    ([("a", 0.62, 0.05, 0.04), ("b", 0.2, 0.05, 0.04)],
     "s: a explains most of the spread in the cost (ST 0.62 ± 0.05)"),
    ([("a", 0.41, 0.05, 0.07), ("b", 0.33, 0.02, 0.02)],
     "s: a explains the largest share of the spread in the cost (ST 0.41 ± 0.05)"),
    ([("a", 0.31, 0.09, 0.08), ("b", 0.29, 0.08, 0.07), ("c", 0.28, 0.05, 0.07)],
     "s: a and b explain the largest shares of the spread in the cost (ST 0.31 ± 0.09 and 0.29 ± 0.08)"),
    ([("a", 0.63, 0.29, 0.43), ("b", 0.10, 0.05, 0.04)],
     "s: a explains the largest share of the spread in the cost (ST 0.63 ± 0.29); not converged"),
    ([("demand path (historical trend or compute)", 0.32, 0.04, 0.04),
      ("dataset growth drawn from the fitted trend", 0.32, 0.04, 0.05)],
     "s: demand path (historical trend or compute) and dataset growth drawn from the fitted trend lead the "
     "spread in the cost (ST 0.32 ± 0.04 each)"),
    # the shipped baseline's title and labels: in full they take three lines, so the labels lose their parentheses
    ([("demand path (trend or compute)", 0.31, 0.06, 0.04), ("fitted dataset growth (drawn from the trend)", 0.31,
                                                          0.06, 0.05)],
     "Baseline (Villalobos et al. 2024): demand path and fitted dataset growth lead, not told apart "
     "(ST 0.31 ± 0.06 each)"),
])
def test_title_names_the_top_st_input_and_says_when_it_cannot(rows, title):
    """By hand: 0.62 − 0.05 > 0.5 is "most of"; 0.41 − 0.05 > 0.33 + 0.02, one input; 0.31 − 0.09 <
    0.29 + 0.08, two inputs not told apart; S1 ± 0.43 (issue 26's palmyra table) is not converged;
    baseline's two long labels in fewer words, so that the chart shows the whole title."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["label", "ST", "ST_conf", "S1_conf"])
    scenario = title.split(": ")[0]
    assert DC.moves_title(scenario, "the cost", frame) == title and DC.fits_title(title)
    assert ("not converged" in DC.converged_note(frame)) == title.endswith("not converged")
