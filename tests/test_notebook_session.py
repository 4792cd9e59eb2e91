"""A notebook-style session through the public names of ``forecast`` only (docs/python.md)."""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.units import Quarter

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "scenarios/baseline.yaml"


@pytest.fixture(autouse=True)
def _in_the_project(monkeypatch):
    """A notebook opened in the project folder: relative scenario paths resolve there."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def session():
    """``r = forecast.run("scenarios/baseline.yaml", samples=2000)``, as typed in a notebook."""
    return forecast.run(ROOT / BASELINE, samples=2000)


def test_a_notebook_session(session):
    r = forecast.run(BASELINE, samples=2000)
    assert isinstance(r, forecast.ForecastResult)
    assert (r.scenario, r.samples) == ("baseline", 2000)
    np.testing.assert_array_equal(r.events["exhaustion"], session.events["exhaustion"])

    events = r.event_summary()
    assert list(events["event"]) == ["exhaustion"]
    median = events.loc[0, "median"]
    low, high = events.loc[0, "p10"], events.loc[0, "p90"]
    assert median == r.event_quantile("exhaustion", 0.5)

    text = repr(r)
    lines = text.splitlines()
    assert len(text) < 300 and len(lines) == 2, text
    assert lines[0] == f"<ForecastResult 'baseline': 2,000 samples, seed {r.seed}, 2024Q1–2040Q4"
    probability = f"{r.event_probability('exhaustion'):.0%}"
    assert lines[1] == f"  exhaustion quarter: median {median}, 80% {low} – {high}, P(by 2040Q4) {probability}>"

    html = r._repr_html_()
    assert html.startswith("<table>") and html.endswith("</table>")
    assert html.count("<tr>") == 2  # the header and the one event
    assert f"<td>{median}</td>" in html and "<th>P(by 2040Q4)</th>" in html
    assert "<b>baseline</b>: 2,000 samples" in html

    figures = forecast.headline(r)
    assert figures["exhaustion.p50"] == Quarter.parse(median).end_year       # 2029Q1 → 2029.25
    assert figures["exhaustion.p10"] == Quarter.parse(low).end_year
    assert figures["exhaustion.by_2030"] == pytest.approx(r.event_probability("exhaustion", "2030Q4"))


def test_summary_quarters_are_periods(session):
    summary = session.summary()
    assert list(summary.columns) == ["quarter", "metric", "unit", "mean", "p5", "p10", "p50", "p90", "p95"]
    assert isinstance(summary["quarter"].dtype, pd.PeriodDtype)
    assert summary["quarter"].dtype == pd.PeriodDtype("Q-DEC")
    stock = summary[summary["metric"] == "stock"]
    assert stock["quarter"].iloc[0] == pd.Period("2024Q1", "Q")
    assert [str(q) for q in stock["quarter"]] == list(session.quarters)      # 68 quarters, 2024Q1–2040Q4
    assert len(stock) == 68
    # the same numbers as the per-metric view, which is indexed by the same periods
    np.testing.assert_array_equal(stock.set_index("quarter")["p50"], session.metric("stock")["p50"])


def test_a_path_a_scenario_file_and_a_scenario_give_the_same_run(session):
    item = forecast.load_scenario(BASELINE)
    from_file = forecast.run(item, samples=2000)
    from_scenario = forecast.run(item.scenario, samples=2000)
    for r in (from_file, from_scenario):
        np.testing.assert_array_equal(r.events["exhaustion"], session.events["exhaustion"])
        assert r.scenario_hash == session.scenario_hash
        assert repr(r) == repr(session)
    # a file knows where each value was written; a bare Scenario does not
    set_at = from_file.inputs.set_index("input")["set_at"]
    assert set_at["supply.repetition.multiplier"].startswith(f"{BASELINE}:")
    by_scenario = from_scenario.inputs.set_index("input")["set_at"]
    assert by_scenario["supply.repetition.multiplier"] == ""
    assert by_scenario["supply.sources.indexed_web.stock"].startswith("data/text_stock.csv:")  # from data/


def test_seed_and_samples_are_the_scenarios_unless_given():
    item = forecast.load_scenario(BASELINE)
    r = forecast.run(item.scenario.model_copy(update={"samples": 300}))
    assert (r.samples, r.seed) == (300, item.scenario.seed)
    assert forecast.run(BASELINE, seed=np.int64(7), samples=300.0).seed == 7     # 300.0 is a whole number


@pytest.mark.parametrize("arguments, field, got", [
    ({"samples": 0}, "samples", "got 0"),
    ({"samples": -5}, "samples", "got -5"),
    ({"samples": 2.5}, "samples", "got 2.5"),
    ({"samples": True}, "samples", "got True"),
    ({"samples": 10_000_001}, "samples", "got 10000001"),
    ({"samples": "2000"}, "samples", "got '2000'"),
    ({"seed": -1}, "seed", "got -1"),
    ({"seed": 2**63}, "seed", f"got {2**63}"),
])
def test_bad_samples_or_seed_is_a_scenario_error(arguments, field, got):
    with pytest.raises(forecast.ScenarioError) as caught:
        forecast.run(BASELINE, **arguments)
    [problem] = caught.value.problems
    assert (problem.file, problem.field) == ("forecast.run", field)
    assert problem.message.startswith("must be a whole number from ") and problem.message.endswith(got)
    assert problem.hint


def test_a_misspelt_override_is_a_scenario_error_with_a_suggestion():
    with pytest.raises(forecast.ScenarioError) as caught:
        forecast.run(BASELINE, samples=300, overrides={"supply.repetiton.epochs": 4})
    assert str(caught.value) == ("forecast.run overrides supply.repetiton: unknown key 'repetiton' "
                                 "(did you mean 'repetition'?)")


def test_an_override_value_the_field_cannot_take_is_a_scenario_error():
    with pytest.raises(forecast.ScenarioError) as caught:
        forecast.run(BASELINE, samples=300, overrides={"samples": 0})
    [problem] = caught.value.problems
    assert (problem.file, problem.field) == ("forecast.run overrides", "samples")
    with pytest.raises(forecast.ScenarioError, match="demand.historical.growth"):
        forecast.run(BASELINE, samples=300, overrides={"demand.historical.growth": "banana"})
    with pytest.raises(forecast.ScenarioError, match="mapping of dotted keys"):
        forecast.run(BASELINE, samples=300, overrides=[("samples", 10)])


def test_overrides_change_the_scenario_and_its_provenance(session):
    # a repetition multiplier of exactly 1 (no reuse of text) against the baseline's 2x–5x: every
    # sample's stock is smaller at every quarter, with the same draws of everything else, so no
    # sample runs out later
    r = forecast.run(BASELINE, samples=2000, overrides={"supply.repetition.multiplier": 1})
    assert np.all(r.events["exhaustion"] <= session.events["exhaustion"])
    assert r.scenario_hash != session.scenario_hash
    set_at = r.inputs.set_index("input")["set_at"]
    assert set_at["supply.repetition.multiplier"] == ""      # not written at the file's line any more
    assert set_at["demand.compute.growth"].startswith(f"{BASELINE}:")


def test_something_that_is_not_a_scenario_is_a_type_error():
    with pytest.raises(TypeError, match="a path, a ScenarioFile or a Scenario, not int"):
        forecast.run(42)


def test_a_missing_file_is_a_scenario_error():
    with pytest.raises(forecast.ScenarioError, match="no-such.yaml"):
        forecast.run("scenarios/no-such.yaml")


def test_sensitivity_on_a_small_budget():
    frame = forecast.sensitivity(BASELINE, budget=256, swing_samples=500)
    assert list(frame.columns) == ["output", "input", "distribution", "input_p10", "input_p50", "input_p90",
                                   "base", "at_p10", "at_p90", "swing", "S1", "S1_conf", "ST", "ST_conf",
                                   "rank"]
    exhaustion = frame[frame["output"] == "exhaustion"]
    assert list(exhaustion["rank"]) == list(range(1, len(exhaustion) + 1))
    # every input's p10 < p50 < p90, and swings are |at_p90 − at_p10|
    assert np.all(exhaustion["input_p10"] < exhaustion["input_p50"])
    np.testing.assert_allclose(exhaustion["swing"], (exhaustion["at_p90"] - exhaustion["at_p10"]).abs())
    with pytest.raises(forecast.ScenarioError, match="budget"):
        forecast.sensitivity(BASELINE, budget=0)


def test_run_sweep_on_a_two_point_grid(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"name: two-points\nbase: {ROOT / BASELINE}\nsamples: 500\n"
                    "axes:\n  supply.repetition.multiplier: [1, 5]\n", encoding="utf-8")
    table = forecast.run_sweep(grid, tmp_path / "out")
    assert list(table["point"]) == [1, 2]
    assert len(list((tmp_path / "out" / "points").glob("*.json"))) == 2
    # five times the text to train on cannot run out sooner
    assert table["exhaustion.p50"].iloc[1] >= table["exhaustion.p50"].iloc[0]


def test_report_is_the_callable_report_package():
    assert forecast.report is sys.modules["forecast.report"]
    assert callable(forecast.report)
    import forecast.report.scenario_folder as scenario_folder          # the package still imports as one

    assert scenario_folder.write_outputs is forecast.write_outputs
    with pytest.raises(forecast.ScenarioError, match="quarter"):
        forecast.report([BASELINE], quarter="2026Q5")
    with pytest.raises(forecast.ScenarioError, match="samples"):
        forecast.report([BASELINE], samples=0)


@pytest.mark.parametrize("name", ["run", "headline", "sensitivity", "solve", "run_sweep", "report"])
def test_public_functions_have_numpy_docstrings_with_units(name):
    function = getattr(forecast, name)
    doc = inspect.getdoc(type(function).__call__ if name == "report" else function)
    assert "Parameters\n----------" in doc and "Returns\n-------" in doc, name
    assert "[" in doc and "]" in doc, f"{name}: no unit in brackets"
    documented = set(inspect.signature(function).parameters) - {"self"}
    missing = [p for p in documented if p not in doc]
    assert not missing, f"{name} does not document {missing}"
