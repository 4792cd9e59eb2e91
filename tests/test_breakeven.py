"""The synthetic-vs-human break-even of palmyra-x-004 (forecast.analysis.breakeven): found by goal-seek,
checked by hand — at the break-even the two mixes, priced on the same draws, cost the same."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.analysis.breakeven import LEVERS, mix_breakeven, no_judge, synthetic_price, with_two_mixes
from forecast.analysis.solve import shifted
from forecast.engine.evaluate import evaluate
from forecast.io.overrides import value_at, with_values
from forecast.io.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 1000


@pytest.fixture(scope="module")
def palmyra():
    return load_scenario(ROOT / "scenarios" / "palmyra-x-004.yaml").scenario


@pytest.fixture(scope="module")
def found(palmyra):
    return mix_breakeven(palmyra, samples=SAMPLES, data_dir=ROOT / "data").set_index("input")


def _paired(palmyra, lever, value):
    """Per-sample costs of 0% and 91% synthetic with the lever's median at ``value``, same draws."""
    both, share = with_two_mixes(palmyra)
    if lever.set:
        both = with_values(both, {**dict(lever.set), **no_judge(both)})
    moved = with_values(both, {lever.name: shifted(value_at(both, lever.name), value)})
    costs = evaluate(moved, {}, SAMPLES, data_dir=ROOT / "data").costs
    return costs["cost.mix.0"], costs[f"cost.mix.{share:g}"]


def test_the_mix_compared_is_the_median_of_palmyras_stated_mix(palmyra):
    both, share = with_two_mixes(palmyra)
    assert share == pytest.approx((0.85 + 0.97) / 2)  # uniform 85-97%
    assert both.mixes.synthetic_shares == (0.0, share)


def test_today_0_percent_synthetic_is_the_cheaper_mix(palmyra, found):
    """As mix-sweep says: at today's medians 0% is cheaper in most samples, so every lever must move
    the way that favours synthetic data: a synthetic token worth more, human text dearer, synthetic
    tokens cheaper."""
    human, synthetic = _paired(palmyra, LEVERS[0], found.loc[LEVERS[0].name, "today_p50"])
    assert np.mean(synthetic < human) < 0.5
    assert found["found"].all()
    value = found.loc["cost.quality.synthetic_value"]
    assert value["today_p50"] == pytest.approx(np.sqrt(1 * 3))      # lognormal 1 to 3: median sqrt(3)
    assert value["breakeven"] > value["today_p50"]
    licence = found.loc["cost.human_data.license_per_mtok"]
    assert licence["today_p50"] == 0 and licence["breakeven"] > 0
    price = found.loc["cost.synthetic_data.output_price_per_mtok"]
    assert 0 < price["breakeven"] < price["today_p50"]


@pytest.mark.parametrize("lever", LEVERS, ids=[lever.name for lever in LEVERS])
def test_at_the_break_even_the_two_mixes_cost_the_same(palmyra, found, lever):
    """Hand check of each break-even: evaluate the scenario there (evaluate(), not solve) — the
    median of the paired difference is ~0 and the two p50s agree within 3%; a step (2%) to the
    unfavourable side, the synthetic-heavy mix is no longer cheaper in more than half."""
    row = found.loc[lever.name]
    human, synthetic = _paired(palmyra, lever, row["breakeven"])
    assert abs(np.median(synthetic - human)) < 0.01 * np.median(human)
    assert np.median(synthetic) == pytest.approx(np.median(human), rel=0.03)
    assert np.mean(synthetic < human) > 0.5       # strictly cheaper in more than half (ties go to 0%)
    favours_more = lever.name != "cost.synthetic_data.output_price_per_mtok"
    worse = row["breakeven"] / 1.02 if favours_more else row["breakeven"] * 1.02
    human, synthetic = _paired(palmyra, lever, worse)
    assert np.mean(synthetic < human) <= 0.5
    # the frame's own check agrees: P(synthetic-heavy cheaper) at the break-even is just over a half
    assert 0.5 < row["p_synthetic_cheaper"] < 0.53
    assert row["synthetic_p50"] == pytest.approx(row["human_p50"], rel=0.03)


def test_all_in_synthetic_price_by_hand(palmyra):
    """Every input fixed, no judge: 1M kept tokens at 50% acceptance are 2M generated; a 10B generator
    spends 2 x 1e10 x 2e6 = 4e16 FLOP, at 5% of an H100's 9.89e14 FLOP/s 808.9 s = 0.2247 GPU-hours,
    at $3.60 an hour $0.809 per million kept tokens (docs/derivations.md Sec. 2)."""
    s = "cost.synthetic_data."
    fixed = with_values(palmyra, {s + "generator_params": 1e10, s + "utilisation": 0.05, s + "acceptance_rate": 0.5,
                                  s + "prompt_tokens_per_output_token": 0.0, "cost.compute.market": None,
                                  "cost.compute.price_per_gpu_hour": 3.6, **no_judge(palmyra)})
    assert synthetic_price(fixed, 10, ROOT / "data") == pytest.approx(4e16 / (9.89e14 * 0.05) / 3600 * 3.6)
