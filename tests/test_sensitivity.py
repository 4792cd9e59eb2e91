"""Sensitivity: the model on given values (engine.evaluate), one-at-a-time swings and Sobol indices."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import forecast.engine as engine
from forecast.engine.evaluate import axes, evaluate
from forecast.io.scenario import load_scenario
from forecast.report.charts.analysis import png_bytes, tornado_figure
from forecast.analysis.sensitivity import one_at_a_time, sensitivity, sobol

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml").scenario


# --- SALib on a function with known indices ---------------------------------------------------

def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values():
    """Ishigami f = sin x1 + 7 sin² x2 + 0.1 x3⁴ sin x1, x uniform on [−π, π] (Ishigami & Homma 1990).

    Analytic indices (Sobol' & Levitan 1999; Saltelli et al. 2008, Sec. 4.5): with a = 7, b = 0.1,
    V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2 = 13.8446; V1 = (1 + bπ⁴/5)²/2 = 4.3459, V2 = a²/8 = 6.125,
    V13 = b²π⁸(1/18 − 1/50) = 3.3737, so S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
    """
    names = ["x1", "x2", "x3"]
    uniform = lambda u: -np.pi + 2 * np.pi * u  # noqa: E731

    def model(design):
        x1, x2, x3 = (design[k] for k in names)
        return {"f": np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1)}

    found, rows = sobol(names, [uniform] * 3, model, budget=2 ** 14 * 5, seed=1)
    frame = found["f"].set_index("input")
    assert rows == 2 ** 14 * 5
    np.testing.assert_allclose(frame["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(frame["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)
    # the 95% intervals are real intervals that cover the analytic values here
    assert (frame["S1_conf"] > 0).all() and (frame["ST_conf"] > 0).all()
    assert (abs(frame["ST"] - [0.5576, 0.4424, 0.2437]) < 3 * frame["ST_conf"]).all()


def test_sobol_is_seeded():
    names = ["a", "b"]
    model = lambda d: {"y": d["a"] + 2 * d["b"]}  # noqa: E731
    first, _ = sobol(names, [lambda u: u] * 2, model, 1000, seed=3)
    second, _ = sobol(names, [lambda u: u] * 2, model, 1000, seed=3)
    assert first["y"].equals(second["y"])
    # additive y = a + 2b, a and b uniform: V_a = 1/12, V_b = 4/12, so S_a = 0.2, S_b = 0.8
    np.testing.assert_allclose(first["y"]["ST"], [0.2, 0.8], atol=0.05)


# --- the engine on given values ---------------------------------------------------------------

def test_evaluate_without_given_values_is_the_headline_run():
    scenario = _load("baseline")
    result = engine.headline_run(scenario, samples=2000)
    out = evaluate(scenario, samples=2000)
    assert np.array_equal(out.exhaustion, result.events["exhaustion"])
    mix = _load("mix-sweep")
    result = engine.headline_run(mix)
    out = evaluate(mix)
    totals = result.tables["cost_breakdown"].set_index("item").loc["total"]
    assert np.quantile(out.costs["cost.total"], 0.5) == totals["p50"]
    curve = result.tables["mix_curve"].set_index("synthetic_share")
    assert np.quantile(out.costs["cost.mix.0.3"], 0.5) == curve.loc[0.3, "total_p50"]


def test_evaluate_prices_given_values_as_hand_computed():
    """gpt-class with every spread input given: 175B params × 300B tokens on V100s.

    6·N·D = 6 × 175e9 × 300e9 = 3.15e23 FLOP; at 20% MFU of 125 TFLOP/s (data/hardware.csv) that is
    3.15e23 / 2.5e13 / 3600 = 3.5e6 GPU-hours × $1.50 = $5.25M; processing 300e9 tokens at
    $0.02 per million = $6,000; no licence, no expert or synthetic share. Total $5,256,000.
    """
    scenario = _load("gpt-class")
    given = {name: axis.at(0.5) for name, axis in axes(scenario).items()}
    given.update({"cost.compute.mfu": 0.2, "cost.compute.price_per_gpu_hour": 1.5,
                  "cost.human_data.processing_per_mtok": 0.02})
    out = evaluate(scenario, given, samples=3)
    np.testing.assert_allclose(out.costs["cost.total"], [5_256_000.0] * 3, rtol=1e-12)


def test_evaluate_refuses_an_unknown_input_with_the_closest_name():
    from forecast.errors import ScenarioError

    with pytest.raises(ScenarioError, match="did you mean 'supply.repetition.multiplier'"):
        evaluate(_load("baseline"), {"supply.repetition.multiplyer": 3.0}, samples=2)


def test_given_mixture_choice_picks_the_demand_path():
    """demand.method_choice below historical_weight (50%) follows the historical trend, else compute."""
    scenario = _load("baseline")
    given = {name: axis.at(0.5) for name, axis in axes(scenario).items()}
    hist = evaluate(scenario, {**given, "demand.method_choice": 0.1}, samples=1).exhaustion
    comp = evaluate(scenario, {**given, "demand.method_choice": 0.9}, samples=1).exhaustion
    only_hist = scenario.model_copy(update={"demand": scenario.demand.model_copy(update={"method": "historical"})})
    only_comp = scenario.model_copy(update={"demand": scenario.demand.model_copy(update={"method": "compute"})})
    given_h = {k: v for k, v in given.items() if k != "demand.method_choice"}
    assert hist == evaluate(only_hist, given_h, samples=1).exhaustion
    assert comp == evaluate(only_comp, {k: v for k, v in given_h.items()
                                        if not k.startswith("demand.historical")}, samples=1).exhaustion


# --- swings and the table ---------------------------------------------------------------------

def test_an_input_the_output_does_not_use_has_no_swing_and_no_index():
    """palmyra-x-004 buys no expert text (expert share 0%), so its price moves nothing."""
    frame = sensitivity(_load("palmyra-x-004"), budget=3000)
    row = frame[(frame["output"] == "cost.total") & (frame["input"] == "cost.human_data.expert_per_mtok")].iloc[0]
    assert row["swing"] == 0.0 and row["at_p10"] == row["base"] == row["at_p90"]
    assert row["ST"] == 0.0
    # the top input explains a real share of the variance, and ranks follow ST
    cost = frame[frame["output"] == "cost.total"]
    assert list(cost["rank"]) == list(range(1, len(cost) + 1))
    assert cost["ST"].iloc[0] > 0.1
    assert cost["ST"].is_monotonic_decreasing


def test_swings_move_exhaustion_the_way_the_model_says():
    """A larger stock delays exhaustion; faster compute growth brings it forward."""
    frame = one_at_a_time(_load("baseline"), swing_samples=2000).set_index(["output", "input"])
    stock = frame.loc[("exhaustion", "supply.sources.indexed_web.stock")]
    assert stock["at_p10"] < stock["base"] < stock["at_p90"]
    growth = frame.loc[("exhaustion", "demand.compute.growth")]
    assert growth["at_p10"] > growth["at_p90"]
    prob = frame.loc[("exhaustion.by_2030", "supply.sources.indexed_web.stock")]
    assert prob["at_p10"] > prob["base"] > prob["at_p90"]


def test_sensitivity_and_its_tornado_are_deterministic(tmp_path):
    scenario = _load("baseline")
    first = sensitivity(scenario, budget=1100, swing_samples=500)
    second = sensitivity(scenario, budget=1100, swing_samples=500)
    assert first.equals(second)
    a = png_bytes(tornado_figure(first, "exhaustion", "baseline"))
    b = png_bytes(tornado_figure(second, "exhaustion", "baseline"))
    assert a == b and a.startswith(b"\x89PNG")


#: No randomness but the repetition multiplier M: 100T of text that does not grow, demand 1T at the
#: start of 2024 doubling yearly (tests/test_solve.py). A draw is exhausted in the quarter whose end
#: first reaches t* = 2024 + log2(100 M): 2030Q4 (end 2031.0) for 1.076 < M ≤ 1.28 (2^6.75/100, 2^7/100).
BOUNDARY = """\
name: boundary
horizon: {{start: 2024Q1, end: 2040Q4}}
samples: 20000
seed: 1
supply:
  include: [indexed_web]
  sources:
    indexed_web: {{stock: 100T, growth: 1x/yr, quality: 100%}}
  repetition:
    multiplier: {{dist: uniform, low: {low}, high: {high}}}
demand:
  method: historical
  historical:
    current_largest: 1T
    reference: 2024Q1
    growth: 2x/yr
"""


def test_p_by_2030_counts_an_exhaustion_in_2030q4_and_not_one_in_2031q1(tmp_path):
    path = tmp_path / "boundary.yaml"
    # every draw (and its p10 and p90) in 2030Q4: exhausted by the end of 2030 with certainty
    path.write_text(BOUNDARY.format(low=1.1, high=1.2), encoding="utf-8")
    frame = one_at_a_time(load_scenario(path).scenario).set_index("output")
    by_2030 = frame.loc["exhaustion.by_2030"]
    assert (by_2030["base"], by_2030["at_p10"], by_2030["at_p90"]) == (1.0, 1.0, 1.0)
    assert frame.loc["exhaustion", "base"] == 2031.0                        # 2030Q4's end
    from forecast.outputs import headline

    assert headline(engine.headline_run(load_scenario(path).scenario, samples=200))["exhaustion.by_2030"] == 1.0
    # M uniform on 1–1.5: 2030Q3 or 2030Q4 up to M = 1.28, 2031Q1 or later above it, so
    # P(by end of 2030) = (1.28 − 1)/0.5 = 0.56 (±0.015: 4 binomial s.e. at 20,000 draws); at its
    # p10 (M = 1.05, 2030Q3) 1, at its p90 (M = 1.45, 2031Q1) 0
    path.write_text(BOUNDARY.format(low=1.0, high=1.5), encoding="utf-8")
    by_2030 = one_at_a_time(load_scenario(path).scenario).set_index("output").loc["exhaustion.by_2030"]
    assert by_2030["base"] == pytest.approx(0.56, abs=0.015)
    assert (by_2030["at_p10"], by_2030["at_p90"]) == (1.0, 0.0)
