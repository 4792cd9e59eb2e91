"""Engine-level checks that the scenario's keys reach the right kernel arguments.

The kernels are tested against papers in tests/models/; these tests catch the wiring between a
scenario and the kernels: a reference date read at the wrong end of its quarter, a cost left out of a
sum, a share not subtracted, a weight inverted, a fraction not clipped, a statistic taken at the wrong
level. Each builds a tiny scenario with fixed inputs (or inputs whose quantiles are known in closed
form) and compares the engine's output with numbers worked by hand in the comments.

Conventions used by the hand calculations (docs/architecture.md): a quarter is evaluated at its
**end** (2024Q1 → 2024.25, 2024Q4 → 2025.0); ``demand.*.reference: 2024Q1`` is the **start** of
that quarter (2024.0); a stock component's ``reference_year`` 2024 is 2024.0.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import forecast.engine as engine
from forecast.engine.cost import CostInputs
from forecast.engine.inputs import collect_inputs, draw_inputs
from forecast.io.scenario import load_scenario

# --- helpers ---------------------------------------------------------------------------------

#: One stock component with every value given: 100T tokens at 2024.0, no growth, all usable,
#: no repetition gain, so the effective stock is 100T in every quarter unless a test says otherwise.
SUPPLY = """\
supply:
  include: [indexed_web]
  sources:
    indexed_web: {stock: 100T, growth: 1x/yr, quality: 100%}
  repetition:
    multiplier: 1
"""


def _run(write_yaml, text: str, samples: int | None = None):
    item = load_scenario(write_yaml("wiring.yaml", text))
    return engine.run(item.scenario, samples=samples, provenance=item.provenance)


def _p50(result, metric: str, quarter: str) -> float:
    return float(result.metric(metric).loc[quarter, "p50"])


# --- demand is referenced at the start of demand.*.reference ----------------------------------

HISTORICAL = """\
name: wiring-historical
horizon: {start: 2024Q1, end: 2025Q4}
samples: 10
seed: 1
""" + SUPPLY + """\
demand:
  method: historical
  historical:
    current_largest: 10T
    reference: 2024Q1
    growth: 2x/yr
"""


def test_historical_demand_grows_from_the_start_of_its_reference_quarter(write_yaml):
    # D(t) = 10T · 2^(t − 2024.0), t = end of the quarter:
    #   2024Q1: t − 2024.0 = 0.25 → 10T · 2^0.25 = 11.892T
    #   2024Q4: 1.00 → 20T;   2025Q4: 2.00 → 40T.
    # Read at the reference's end (2024.25) instead, 2024Q4 would give 10T · 2^0.75 = 16.82T.
    result = _run(write_yaml, HISTORICAL)
    assert _p50(result, "demand", "2024Q1") == pytest.approx(10e12 * 2 ** 0.25, rel=1e-12)
    assert _p50(result, "demand", "2024Q4") == pytest.approx(20e12, rel=1e-12)
    assert _p50(result, "demand", "2025Q4") == pytest.approx(40e12, rel=1e-12)


def test_exhaustion_quarter_follows_from_the_reference_start(write_yaml):
    # Stock 15T flat; demand 10T · 2^τ reaches it when 2^τ ≥ 1.5, τ ≥ log2 1.5 = 0.585 yr.
    # Quarter ends give τ = 0.25, 0.50, 0.75: the first quarter at or above is 2024Q3 (τ = 0.75).
    # With the reference at 2024.25 the same quarter has τ = 0.50 < 0.585 and exhaustion moves
    # to 2024Q4.
    text = HISTORICAL.replace("stock: 100T", "stock: 15T")
    result = _run(write_yaml, text)
    assert result.event_quantile("exhaustion", 0.5) == "2024Q3"
    assert result.event_probability("exhaustion", "2024Q2") == 0.0


def test_compute_demand_grows_from_the_start_of_its_reference_quarter(write_yaml):
    # C(t) = 3e24 FLOP · 4^(t − 2024.0); D = sqrt(k · r · C / 6), k = 20 tokens/param, r = 1.
    #   2024Q4 (τ = 1): C = 1.2e25, D = sqrt(20 · 1.2e25 / 6) = sqrt(4e25) = 6.3246e12.
    #   2025Q4 (τ = 2): C = 4.8e25, D = sqrt(1.6e26) = 1.2649e13.
    # Referenced at the end (τ = 0.75 in 2024Q4): C = 3e24 · 4^0.75 = 8.485e24, D = 5.318e12.
    text = HISTORICAL.replace("""\
  method: historical
  historical:
    current_largest: 10T
    reference: 2024Q1
    growth: 2x/yr
""", """\
  method: compute
  compute:
    current_largest: 3e24
    reference: 2024Q1
    growth: 4x/yr
    tokens_per_param: 20
    overtraining: 1
""")
    result = _run(write_yaml, text)
    assert _p50(result, "demand", "2024Q4") == pytest.approx(math.sqrt(4e25), rel=1e-12)
    assert _p50(result, "demand", "2025Q4") == pytest.approx(math.sqrt(1.6e26), rel=1e-12)


def test_stock_grows_from_its_reference_year_with_quality_and_repetition(write_yaml):
    # S_eff(t) = 100T · 2^(t − 2024) · 50% · 3 (indexed_web's reference_year in data/ is 2024):
    #   2024Q1: 150T · 2^0.25 = 178.38T;  2024Q4: 150T · 2 = 300T.
    text = (HISTORICAL.replace("{stock: 100T, growth: 1x/yr, quality: 100%}",
                               "{stock: 100T, growth: 2x/yr, quality: 50%}")
            .replace("multiplier: 1", "multiplier: 3"))
    result = _run(write_yaml, text)
    assert _p50(result, "stock", "2024Q1") == pytest.approx(150e12 * 2 ** 0.25, rel=1e-12)
    assert _p50(result, "stock", "2024Q4") == pytest.approx(300e12, rel=1e-12)


# --- the mixture's historical_weight -----------------------------------------------------------

MIXTURE = """\
name: wiring-mixture
horizon: {start: 2024Q1, end: 2024Q4}
samples: 4000
seed: 3
""" + SUPPLY + """\
demand:
  method: mixture
  historical_weight: 25%
  historical:
    current_largest: 1T
    reference: 2024Q1
    growth: 1x/yr
  compute:
    current_largest: 3e27
    reference: 2024Q1
    growth: 1x/yr
    tokens_per_param: 20
    overtraining: 1
"""


def test_historical_weight_is_the_share_of_samples_on_the_historical_path(write_yaml):
    # Historical path: 1T flat. Compute path: sqrt(20 · 3e27 / 6) = sqrt(1e28) = 100T flat.
    # With historical_weight 25%, a quarter of the samples sit at 1T and the rest at 100T, so
    # p10 = 1T and p50 = p90 = 100T; the mean is 1T · w + 100T · (1 − w) with w the sampled share.
    # Inverted (weight read as the compute share), the median would be 1T.
    result = _run(write_yaml, MIXTURE)
    stats = result.metric("demand").loc["2024Q4"]
    assert stats["p10"] == pytest.approx(1e12, rel=1e-12)
    assert stats["p50"] == pytest.approx(100e12, rel=1e-12)
    share_historical = (100e12 - stats["mean"]) / (100e12 - 1e12)
    assert share_historical == pytest.approx(0.25, abs=0.02)      # 4000 samples: sd 0.007


@pytest.mark.parametrize("weight, demand", [("100%", 1e12), ("0%", 100e12)])
def test_historical_weight_at_its_ends_selects_one_path(write_yaml, weight, demand):
    # 100%: every sample on the historical path (1T); 0%: every sample on the compute path (100T).
    result = _run(write_yaml, MIXTURE.replace("historical_weight: 25%", f"historical_weight: {weight}"),
                  samples=500)
    stats = result.metric("demand").loc["2024Q4"]
    assert (stats["p5"], stats["p95"]) == (pytest.approx(demand, rel=1e-12), pytest.approx(demand, rel=1e-12))


# --- fractions are clipped to [0, 1] after sampling ---------------------------------------------

def test_sampled_fractions_are_clipped_to_zero_and_one(write_yaml):
    # indexed_web quality ~ Normal(50%, 40%): P(q < 0) = P(q > 1) = P(z > 1.25) = 10.6%, so after
    # clipping p5 = 0 and p95 = 1 exactly. With books added at 10T flat and fully usable, the
    # stock (multiplier 1) is 100T · q + 10T: p5 = 10T, p95 = 110T.
    # Unclipped: p5 = 0.5 − 1.645 · 0.4 = −0.158 (stock −5.8T), p95 = 1.158 (stock 125.8T).
    text = HISTORICAL.replace("""\
  include: [indexed_web]
  sources:
    indexed_web: {stock: 100T, growth: 1x/yr, quality: 100%}
""", """\
  include: [indexed_web, books]
  sources:
    indexed_web: {stock: 100T, growth: 1x/yr, quality: {dist: normal, mean: 50%, sd: 40%}}
    books: {stock: 10T, growth: 1x/yr, quality: 100%}
""")
    result = _run(write_yaml, text, samples=4000)
    stock = result.metric("stock").loc["2024Q4"]
    assert stock["p5"] == pytest.approx(10e12, rel=1e-12)
    assert stock["p95"] == pytest.approx(110e12, rel=1e-12)
    row = result.inputs.set_index("input").loc["supply.sources.indexed_web.quality"]
    assert (row["p5"], row["p95"]) == (0.0, 1.0)


def test_draw_inputs_clips_a_fraction_drawn_outside_zero_and_one(write_yaml):
    # The same input drawn directly: every draw in [0, 1], and about 10.6% at each bound.
    text = HISTORICAL.replace("quality: 100%}", "quality: {dist: normal, mean: 50%, sd: 40%}}")
    item = load_scenario(write_yaml("wiring.yaml", text))
    inputs = collect_inputs(item.scenario, item.provenance)
    q = draw_inputs(inputs, 5, 20000)["supply.sources.indexed_web.quality"]
    assert q.min() == 0.0 and q.max() == 1.0
    assert np.mean(q == 1.0) == pytest.approx(0.1056, abs=0.01)


# --- cost: per-token prices of each kind of data ---------------------------------------------

COST = """\
name: wiring-cost
horizon: {start: 2024Q1, end: 2024Q1}
samples: 200
seed: 11
cost:
  run:
    date: 2024Q1
    mix: {human: 80%, expert: 10%, synthetic: 10%}
    params: 10B
    tokens: 1T
  compute:
    accelerator: H100
    mfu: 50%
    price_per_gpu_hour: $2
    price_performance: 1.3x/yr
    price_reference: 2024Q1
  human_data:
    license_per_mtok: $1
    processing_per_mtok: $0.5
    expert_per_mtok: $100
  synthetic_data:
    method: api
    acceptance_rate: 50%
    prompt_tokens_per_output_token: 1
    output_price_per_mtok: $10
    input_price_per_mtok: $2
    judge_share: 100%
    judge_price_per_mtok: $3
  quality:
    loss: {E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28}
    synthetic_value: 1
    collapse: {workflow: accumulate, generations: 0, strength: 0}
    real_data_floor: 10%
"""

#: Per-token prices of COST, by hand [USD/token]:
#:   human (licensed + processed): (1 + 0.5) / 1e6 = 1.5e-6
#:   expert: 100 / 1e6 = 1e-4
#:   synthetic generation per kept token: (10 + 1 · 2) / 1e6 / 50% = 2.4e-5
#:   verification per kept token: 3 / 1e6 / 50% = 6e-6 (every generated token is judged)
HUMAN, EXPERT, GENERATION, VERIFICATION = 1.5e-6, 1e-4, 2.4e-5, 6e-6


def _breakdown(result) -> dict[str, float]:
    table = result.tables["cost_breakdown"].set_index("item")
    return table["p50"].to_dict()


def test_cost_breakdown_prices_each_kind_of_data(write_yaml):
    # 1T tokens: 800B human, 100B expert, 100B synthetic (200B generated at 50% acceptance).
    #   human data   800e9 · 1.5e-6 = $1.2M   (the expert 100B are *not* also priced as human)
    #   expert data  100e9 · 1e-4   = $10M    (at the expert price, not the web price $0.15M)
    #   generation   100e9 · 2.4e-5 = $2.4M;  verification 100e9 · 6e-6 = $0.6M
    #   compute      6 · 1e10 · 1e12 = 6e22 FLOP / (9.89e14 FLOP/s · 50% · 3600 s) = 33,704 GPU-h
    #                × $2 = $67,408 (H100 bf16 peak 9.89e14 from data/hardware.csv)
    #   total        $14,267,408
    row = _breakdown(_run(write_yaml, COST))
    gpu_hours = 6e22 / (9.89e14 * 0.5 * 3600)
    assert row["human_data"] == pytest.approx(1.2e6, rel=1e-12)
    assert row["expert_data"] == pytest.approx(10e6, rel=1e-12)
    assert row["synthetic_generation"] == pytest.approx(2.4e6, rel=1e-12)
    assert row["verification"] == pytest.approx(0.6e6, rel=1e-12)
    assert row["gpu_hours"] == pytest.approx(gpu_hours, rel=1e-12)
    assert row["compute"] == pytest.approx(2 * gpu_hours, rel=1e-12)
    assert row["total"] == pytest.approx(1.2e6 + 10e6 + 2.4e6 + 0.6e6 + 2 * gpu_hours, rel=1e-12)


def test_data_cost_per_token_of_a_mix(write_yaml):
    # Average cost of a training token, synthetic share s and expert share e:
    #   (1 − s − e) · human + e · expert + s · (generation + verification)
    #   s = 10%, e = 10%: 0.8 · 1.5e-6 + 0.1 · 1e-4 + 0.1 · 3e-5 = 1.42e-5
    #   s = 50%, e = 10%: 0.4 · 1.5e-6 + 0.1 · 1e-4 + 0.5 · 3e-5 = 2.56e-5
    #   s = 0,   e = 0:   1.5e-6 (web text only)
    item = load_scenario(write_yaml("wiring.yaml", COST))
    values = draw_inputs(collect_inputs(item.scenario, item.provenance), 1, 4)
    ci = CostInputs(item.scenario, values, None)
    assert ci.data_cost_per_token(0.1, 0.1) == pytest.approx(np.full(4, 1.42e-5), rel=1e-12)
    assert ci.data_cost_per_token(0.5, 0.1) == pytest.approx(np.full(4, 2.56e-5), rel=1e-12)
    assert ci.data_cost_per_token(0.0, 0.0) == pytest.approx(np.full(4, 1.5e-6), rel=1e-12)


MIXES = COST.replace("    real_data_floor: 10%\n", """\
    real_data_floor: 10%
  target:
    reference_params: 1B
    reference_tokens: 20B
    params_grid: {low: 100M, high: 100B, points: 50}
mixes:
  synthetic_shares: [0%, 10%, 50%]
""")


def test_mix_curve_data_cost_is_tokens_times_the_per_token_price(write_yaml):
    # The cheapest run at each share buys its tokens at the mix's per-token price (the expert share
    # 10% is kept at every share here): data cost / tokens =
    #   0%:  0.9 · 1.5e-6 + 0.1 · 1e-4                 = 1.135e-5
    #   10%: 0.8 · 1.5e-6 + 0.1 · 1e-4 + 0.1 · 3e-5     = 1.42e-5
    #   50%: 0.4 · 1.5e-6 + 0.1 · 1e-4 + 0.5 · 3e-5     = 2.56e-5
    # (Without verification the last two would be 1.36e-5 and 2.26e-5.)
    result = _run(write_yaml, MIXES)
    curve = result.tables["mix_curve"].set_index("synthetic_share")
    per_token = curve["data_p50"] / curve["tokens_p50"]
    assert per_token.to_dict() == {0.0: pytest.approx(1.135e-5, rel=1e-9),
                                   0.1: pytest.approx(1.42e-5, rel=1e-9),
                                   0.5: pytest.approx(2.56e-5, rel=1e-9)}
    # Every sample is the same, so one share is cheapest in all of them: 0%, the cheapest tokens
    # at equal value (synthetic_value 1, no collapse penalty).
    assert curve["p_cheapest"].to_dict() == {0.0: 1.0, 0.1: 0.0, 0.5: 0.0}


# --- the cost table's p10 is the 10th percentile ------------------------------------------------

def test_cost_table_p10_p50_p90_are_the_10th_50th_90th_percentiles(write_yaml):
    # Price per GPU-hour ~ Uniform($1, $3): its p10, p50, p90 are $1.2, $2.0, $2.8 (p5 would be
    # $1.1). Compute = 33,704 GPU-h × price (see above), so compute p10 = $40,445, p50 = $67,408,
    # p90 = $94,371; the total adds the fixed data cost $14.2M to each. 20,000 samples put the
    # sample p10 within ±0.4% (one sd) of $1.2.
    text = COST.replace("price_per_gpu_hour: $2", "price_per_gpu_hour: {dist: uniform, low: $1, high: $3}")
    table = _run(write_yaml, text, samples=20000).tables["cost_breakdown"].set_index("item")
    gpu_hours = 6e22 / (9.89e14 * 0.5 * 3600)
    for column, price in (("p10", 1.2), ("p50", 2.0), ("p90", 2.8)):
        assert table.loc["compute", column] == pytest.approx(gpu_hours * price, rel=0.015), column
        assert table.loc["total", column] == pytest.approx(14.2e6 + gpu_hours * price, rel=1e-4), column
    assert table.loc["price_per_gpu_hour_at_run_date", "p10"] == pytest.approx(1.2, rel=0.015)


def test_the_mixes_output_prices_the_mix_curve_alone_and_the_same():
    """outputs="mixes" (solve's cheapest-share targets, the break-even) leaves the scenario's own run
    unpriced and gives the full run's mix curve bit for bit: skipping the run changes no draw."""
    from pathlib import Path

    import pandas as pd

    import forecast.engine as engine
    from forecast.analysis.breakeven import with_two_mixes
    from forecast.outputs import headline

    palmyra = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "palmyra-x-004.yaml").scenario
    scenario, share = with_two_mixes(palmyra)          # mixes of 0% and the run's median share, 91%
    assert share == 0.91
    full = engine.run(scenario, samples=400, outputs="headline", threads=1)
    mixes = engine.run(scenario, samples=400, outputs="mixes", threads=1)
    assert "cost_breakdown" in full.tables and "cost_breakdown" not in mixes.tables
    pd.testing.assert_frame_equal(full.tables["mix_curve"], mixes.tables["mix_curve"], check_exact=True)
    assert headline(mixes)["cost.cheapest_share"] == headline(full)["cost.cheapest_share"]
    assert "cost.total.p50" not in headline(mixes)
