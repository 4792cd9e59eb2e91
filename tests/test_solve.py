"""Goal-seek: targets, shifted inputs, bisection on a case solved by hand, and the unreachable case."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.errors import ScenarioError
from forecast.io.overrides import value_at
from forecast.io.scenario import load_scenario
from forecast.analysis.solve import parse_target, shifted, solve
from forecast.schema.uncertain import LogNormalSpec, NormalSpec

ROOT = Path(__file__).resolve().parents[1]

#: No randomness: 100T of text that does not grow, demand 1T at the start of 2024 doubling yearly.
#: Exhausted when 1T · 2^(t − 2024) ≥ 100T · M, i.e. t* = 2024 + log2(100 M). The median (every
#: sample) quarter is 2032Q1 or later when t* > 2032.0, the end of 2031Q4: log2(100 M) > 8, M > 2.56.
HAND = """\
name: hand
horizon: {start: 2024Q1, end: 2040Q4}
samples: 10
seed: 1
supply:
  include: [indexed_web]
  sources:
    indexed_web: {stock: 100T, growth: 1x/yr, quality: 100%}
  repetition:
    multiplier: 3
demand:
  method: historical
  historical:
    current_largest: 1T
    reference: 2024Q1
    growth: 2x/yr
"""


@pytest.fixture()
def hand(tmp_path):
    path = tmp_path / "hand.yaml"
    path.write_text(HAND, encoding="utf-8")
    return path


def test_bisection_finds_the_hand_computed_multiplier(hand):
    sol = solve(load_scenario(hand).scenario, "median(exhaustion) >= 2032Q1", "supply.repetition.multiplier")
    assert sol.value == pytest.approx(2.56, rel=2e-3)
    assert sol.value >= 2.56                      # the side that meets the target
    assert sol.metric == 2032.25                  # 2032Q1's end
    assert sol.baseline_value == 3.0 and sol.baseline_metric == 2032.25  # 2024 + log2(300) = 2032.23 → 2032Q1
    assert sol.monotone


def test_a_target_no_value_reaches_names_the_best_one(hand):
    """Before the horizon starts no multiplier can exhaust the stock: the smallest gets closest."""
    sol = solve(load_scenario(hand).scenario, "median(exhaustion) <= 2023Q4", "supply.repetition.multiplier")
    assert sol.value is None
    assert sol.best_value == pytest.approx(0.03)  # the range's low end, 3 / 100
    assert sol.best_metric == 2025.75             # 2024 + log2(100 × 0.03) = 2025.58 → 2025Q3


def test_cli_exits_2_when_no_value_meets_the_target(hand):
    result = CliRunner().invoke(app, ["solve", str(hand), "--target", "median(exhaustion) <= 2023Q4",
                                      "--vary", "supply.repetition.multiplier", "--range", "1:10"])
    assert result.exit_code == 2
    assert "No value of supply.repetition.multiplier from 1 to 10" in result.output
    assert "the best is 1" in result.output
    ok = CliRunner().invoke(app, ["solve", str(hand), "--target", "median(exhaustion) >= 2032Q1",
                                  "--vary", "supply.repetition.multiplier"])
    assert ok.exit_code == 0, ok.output
    assert "at least 2.56 meets" in ok.output


def test_cli_names_a_missing_input_and_how_to_set_it():
    result = CliRunner().invoke(app, ["solve", str(ROOT / "scenarios" / "baseline.yaml"), "--target",
                                      "median(exhaustion) >= 2032Q1", "--vary", "supply.repetition.epochs"])
    assert result.exit_code == 2
    assert "--set supply.repetition.multiplier=null" in result.output


@pytest.mark.parametrize("text, key, value", [
    ("median(exhaustion) >= 2032Q1", "exhaustion.p50", 2032.25),
    ("p90(exhaustion) < 2035Q4", "exhaustion.p90", 2036.0),
    ("P(exhaustion by 2030) <= 50%", "exhaustion.by_2030", 0.5),
    ("median(cost) <= $500K", "cost.total.p50", 5e5),
    ("cheapest_share >= 50%", "cost.cheapest_share", 0.5),
    ("exhaustion.p10 > 2030Q1", "exhaustion.p10", 2030.25),
])
def test_targets_are_read(text, key, value):
    target = parse_target(text)
    assert (target.key, target.value) == (key, value)


@pytest.mark.parametrize("text", ["median(exhaustion) = 2032Q1", "mode(exhaustion) >= 2032Q1",
                                  "median(exhaustion) >= soon"])
def test_bad_targets_are_refused_with_an_example(text):
    with pytest.raises(ScenarioError, match="median\\(exhaustion\\) >= 2032Q1"):
        parse_target(text)


def test_shifting_keeps_the_spread():
    """A lognormal is scaled (p90/p10 kept); a normal is shifted (p90 − p10 kept)."""
    import numpy as np

    logn = LogNormalSpec(low=2.0, high=5.0, credibility=95, kind="number")
    moved = shifted(logn, 10.0)
    q = lambda spec: spec.to_distribution().ppf(np.array([0.1, 0.5, 0.9]))  # noqa: E731
    before, after = q(logn), q(moved)
    assert after[1] == pytest.approx(10.0)
    assert after[2] / after[0] == pytest.approx(before[2] / before[0])
    norm = NormalSpec(low=0.1, high=0.3, kind="fraction")
    after = q(shifted(norm, 0.5))
    assert after[1] == pytest.approx(0.5) and after[2] - after[0] == pytest.approx(q(norm)[2] - q(norm)[0])
    assert math.isclose(shifted(value_at(load_scenario(ROOT / "scenarios" / "gpt-class.yaml").scenario,
                                         "cost.run.params"), 7e10).value, 7e10)


def test_a_lognormal_given_by_mu_and_sigma_is_solved_for_its_median(tmp_path):
    """The hand case with the multiplier lognormal by its native parameters: mu = ln 3, sigma = 0.5.

    Every draw exhausts at 2024 + log2(100 M); with 11 draws the median quarter is the median draw's,
    M̃ = e^mu · e^(sigma·z̃) (z̃ the median of the input's normal draws, the same at every step: the
    seed is kept). 2032Q1 or later needs M̃ > 2.56, so the median e^mu the input must have is
    2.56 · e^mu₀ / M̃₀ — the spread (sigma) unchanged.
    """
    import forecast.engine as engine

    text = HAND.replace("samples: 10", "samples: 11").replace(
        "    multiplier: 3", "    multiplier: {dist: lognormal, mu: 1.0986122886681098, sigma: 0.5}")
    path = tmp_path / "hand-lognormal.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path).scenario
    draws = engine.run(scenario, keep_samples=True).draws["supply.repetition.multiplier"]
    median_draw = float(np.sort(draws)[5])
    expected = 2.56 * 3.0 / median_draw
    assert abs(median_draw / 3.0 - 1) > 0.01                # the sample median is not the spec's median
    sol = solve(scenario, "median(exhaustion) >= 2032Q1", "supply.repetition.multiplier")
    assert sol.baseline_value == pytest.approx(3.0, rel=1e-12)
    assert expected * (1 - 1e-12) <= sol.value <= expected * (1 + 1e-3)   # the bisection's tolerance, met side
    assert sol.metric == 2032.25
    moved = shifted(value_at(scenario, "supply.repetition.multiplier"), sol.value)
    assert (moved.mu, moved.sigma) == (pytest.approx(math.log(sol.value), rel=1e-12), 0.5)
