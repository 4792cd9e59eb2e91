"""The synthetic-vs-human break-even of palmyra-x-004 (forecast.analysis.breakeven): found by goal-seek,
checked by hand — at the break-even the two mixes, priced on the same draws, cost the same."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.analysis.breakeven import LEVERS, mix_breakeven, synthetic_price, with_two_mixes
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
        both = with_values(both, dict(lever.set))
    moved = with_values(both, {lever.name: shifted(value_at(both, lever.name), value)})
    costs = evaluate(moved, {}, SAMPLES, data_dir=ROOT / "data").costs
    return costs["cost.mix.0"], costs[f"cost.mix.{share:g}"]


def test_the_mix_compared_is_the_median_of_palmyras_stated_mix(palmyra):
    both, share = with_two_mixes(palmyra)
    assert share == pytest.approx((0.85 + 0.97) / 2)  # uniform 85-97%
    assert both.mixes.synthetic_shares == (0.0, share)


def test_today_0_percent_synthetic_is_the_cheaper_mix(palmyra, found):
    """As mix-sweep says: at today's medians 0% is cheaper in most samples, so every lever has to move."""
    human, synthetic = _paired(palmyra, LEVERS[0], found.loc[LEVERS[0].name, "today_p50"])
    assert np.mean(synthetic < human) < 0.2
    value = found.loc["cost.quality.synthetic_value"]
    assert value["today_p50"] == pytest.approx(np.sqrt(1 * 3))      # lognormal 1 to 3: median sqrt(3)
    assert value["found"] and 2.5 < value["breakeven"] < 4.5         # synthetic must be worth more
    licence = found.loc["cost.human_data.license_per_mtok"]
    assert licence["today_p50"] == 0 and licence["found"] and 0.5 < licence["breakeven"] < 2
    price = found.loc["cost.synthetic_data.output_price_per_mtok"]
    assert price["found"] and price["breakeven"] < price["today_p50"] / 5  # synthetic must be far cheaper


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


def test_all_in_synthetic_price_is_generation_plus_judge_per_kept_token(palmyra):
    """Today's all-in price by hand at the medians of palmyra's inputs is in the sampled median's range."""
    price = synthetic_price(palmyra, SAMPLES, ROOT / "data")
    # judge $0.30/M and acceptance 52% alone: 0.30 / 0.52 = $0.58 per kept million
    assert 0.58 < price < 5.0
