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
    """Before the horizon starts no multiplier can exhaust the stock: the smallest gets closest. The
    smallest searched is 1 (no repetition), not 3 / 100: a multiplier below 1 is not a valid value."""
    sol = solve(load_scenario(hand).scenario, "median(exhaustion) <= 2023Q4", "supply.repetition.multiplier")
    assert sol.value is None
    assert sol.low == 1.0 and min(x for x, _ in sol.steps) == 1.0
    assert sol.best_value == pytest.approx(1.0)
    assert sol.best_metric == 2030.75             # 2024 + log2(100 × 1) = 2030.64 → 2030Q3


def test_every_value_is_evaluated_once_and_printed_once(hand):
    """The hand case's median 3 and the first scan's sqrt(10) ≈ 3.162… no longer coincide, but the
    baseline's median 10^0.5 and the scan point 10^0.5 did (two rows "3.16"): one row per value, and
    values that bisection brings close print with the digits that tell them apart."""
    from forecast.report.views import steps_view

    text = HAND.replace("multiplier: 3", "multiplier: 3.1622776601683795")
    sol = solve(load_scenario(_write(hand.parent, text)).scenario, "median(exhaustion) >= 2032Q1",
                "supply.repetition.multiplier")
    xs = [x for x, _ in sol.steps]
    assert len(xs) == len(set(xs)) and xs == sorted(xs)
    assert sum(abs(x - 10 ** 0.5) < 1e-9 for x in xs) == 1
    column = steps_view(sol)["supply.repetition.multiplier"]
    assert column.is_unique and len(column) == len(xs)


def _write(folder: Path, text: str, name: str = "variant.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_range_below_the_valid_range_is_refused(hand):
    result = CliRunner().invoke(app, ["solve", str(hand), "--target", "median(exhaustion) >= 2032Q1",
                                      "--vary", "supply.repetition.multiplier", "--range", "0.5:10"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "low 0.5 is outside the values supply.repetition.multiplier can take (from 1" in result.output


#: The hand case with the stock read from data/text_stock.csv (indexed_web: no sources entry), quality
#: and growth given; the CSV's row is replaced by the value searched.
FROM_DATA = HAND.replace("    indexed_web: {stock: 100T, growth: 1x/yr, quality: 100%}",
                         "    indexed_web: {growth: 1x/yr, quality: 100%}")


def test_an_input_read_from_data_is_solved_and_its_row_named(tmp_path):
    """The stock read from its row of data/text_stock.csv solves to the same value as the same spec
    written in the scenario, and the answer names the row. The row is an interval (a lognormal), so
    the median stock needed is above the hand case's 256T / 3 = 85.3T when the median draw of 10
    falls below the distribution's median, as with this seed."""
    from forecast.io.inputs import collect_inputs

    path = _write(tmp_path, FROM_DATA)
    loaded = load_scenario(path)
    item = collect_inputs(loaded.scenario, loaded.provenance)["supply.sources.indexed_web.stock"]
    row = item.set_at
    assert row.startswith("data/text_stock.csv:")
    sol = solve(loaded.scenario, "median(exhaustion) >= 2032Q1", "supply.sources.indexed_web.stock",
                low=10e12, high=1000e12)
    assert sol.overrides == row
    spec = item.spec
    written = _write(tmp_path, FROM_DATA.replace(
        "indexed_web: {growth: 1x/yr, quality: 100%}",
        f"indexed_web: {{growth: 1x/yr, quality: 100%, stock: {{dist: lognormal, low: {spec.low!r}, "
        f"high: {spec.high!r}, credibility: {spec.credibility!r}}}}}"), "written.yaml")
    same = solve(load_scenario(written).scenario, "median(exhaustion) >= 2032Q1",
                 "supply.sources.indexed_web.stock", low=10e12, high=1000e12)
    assert same.overrides is None
    assert (sol.value, sol.metric, sol.steps) == (same.value, same.metric, same.steps)
    assert sol.metric == 2032.25 and sol.value > 256e12 / 3
    result = CliRunner().invoke(app, ["solve", str(path), "--target", "median(exhaustion) >= 2032Q1",
                                      "--vary", "supply.sources.indexed_web.stock", "--range", "10T:1000T"])
    assert result.exit_code == 0, result.output
    assert f"in place of {row}" in result.output
    assert f"replace the row supply.sources.indexed_web.stock is read from, {row}" in result.output


def test_the_gpu_price_of_a_market_row_can_be_varied():
    """Palmyra's GPU-hour price comes from data/gpu_prices.csv (market: neocloud): the cost grows with
    it, and the market is set aside while the price is searched."""
    scenario = load_scenario(ROOT / "scenarios" / "palmyra-x-004.yaml").scenario
    sol = solve(scenario, "median(cost) <= $500K", "cost.compute.price_per_gpu_hour", samples=64)
    assert sol.overrides is not None and sol.overrides.startswith("data/gpu_prices.csv:")
    assert sol.value is not None and sol.value < sol.baseline_value
    costs = [v for _, v in sol.steps]
    assert costs == sorted(costs)                 # more per GPU-hour, more cost


def test_a_name_no_input_has_is_refused_with_the_closest():
    result = CliRunner().invoke(app, ["solve", str(ROOT / "scenarios" / "palmyra-x-004.yaml"), "--target",
                                      "median(cost) <= $500K", "--vary", "cost.compute.price_per_gpu_hours"])
    assert result.exit_code == 2
    assert "not an input of this scenario" in result.output
    assert "did you mean 'cost.compute.price_per_gpu_hour'?" in result.output


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


def test_a_price_is_written_with_what_it_is_per():
    """A price input reads "$1.69/GPU-hour" in the answer and the steps, as the workbook's unit
    column names it (USD/GPU-hour), so it is not taken for the cost of a run; other inputs keep
    their own unit."""
    from forecast.analysis.solve import Solution, parse_target
    from forecast.report.views import describe, steps_view

    sol = Solution(parse_target("median(cost) <= $500K"), "cost.compute.price_per_gpu_hour", "usd", 0.04, 400.0,
                   3.78, 1.12e6)
    sol.value, sol.metric, sol.steps = 1.69, 4.99e5, [(1.69, 4.99e5), (3.78, 1.12e6)]
    text = describe(sol)
    assert "at most $1.69/GPU-hour meets median(cost) <= $500K" in text and "now $3.78/GPU-hour gives $1.12M" in text
    assert list(steps_view(sol)["cost.compute.price_per_gpu_hour"]) == ["$1.69/GPU-hour", "$3.78/GPU-hour"]
    per_mtok = Solution(parse_target("cheapest_share >= 90%"), "cost.human_data.license_per_mtok", "usd", 0.01, 100.0,
                        0.0, 0.0)
    from forecast.report.views import _per

    assert _per(per_mtok) == "/Mtok"
    tokens = Solution(parse_target("median(exhaustion) >= 2032Q1"), "supply.sources.indexed_web.stock", "tokens",
                      1e12, 1e16, 5e14, 2029.25)
    assert _per(tokens) == ""
