"""The cheapest-run search runs in chunks of samples (memory), with the same numbers as in one piece.

``CostInputs.cheapest`` hands :func:`forecast.models.quality.cheapest_run` ``CHUNK`` samples at a
time, because the grid search holds (samples × grid points) arrays: 8 GiB at 1,000,000 samples of
palmyra-x-004 in one piece. Every operation of the search is per sample, so chunking must not
change a single bit; these tests force a chunk of 7 samples (not a divisor of the sample count) and
compare with the kernel called on all samples at once and with the default chunk.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast.engine.cost as engine_cost
from forecast.engine.cost import CostInputs, run_cost, sample_costs
from forecast.engine.inputs import collect_inputs, draw_inputs
from forecast.io.overrides import with_values
from forecast.io.scenario import load_scenario
from forecast.models import quality as Q

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 53  # 7 chunks of 7 and one of 4


def _scenario(name: str, changes: dict | None = None):
    scenario = load_scenario(ROOT / "scenarios" / name).scenario
    return with_values(scenario, changes) if changes else scenario


def _values(scenario, samples: int = SAMPLES) -> dict[str, np.ndarray]:
    return draw_inputs(collect_inputs(scenario, None), scenario.seed, samples, scenario.correlations)


#: A cost scenario sized for the target (palmyra-x-004), the same with the tail-loss workflow (its
#: plateau moves the target per sample), and one with a mix curve (mix-sweep).
CASES = [("palmyra-x-004.yaml", None),
         ("palmyra-x-004.yaml", {"cost.quality.collapse.workflow": "tail_loss"}),
         ("mix-sweep.yaml", None)]


def _unchunked(ci: CostInputs, share, expert) -> dict[str, np.ndarray]:
    """The search as it ran before chunking: every sample in one call of the kernel."""
    grid = ci.cost.target.params_grid
    col = lambda x: np.asarray(x, dtype=float).reshape(-1, 1) if np.ndim(x) else x  # noqa: E731
    target = ci.target_loss()
    plateau = ci.plateau(share)
    if np.ndim(plateau):
        target = target - plateau
    return Q.cheapest_run(col(target), col(share), col(ci.synthetic_value), col(ci.penalty(share)),
                          *(col(ci.loss[k]) for k in ("E", "A", "B", "alpha", "beta")),
                          col(ci.usd_per_flop), col(ci.data_cost_per_token(share, expert)),
                          np.geomspace(grid.low, grid.high, grid.points))


@pytest.mark.parametrize(("name", "changes"), CASES)
def test_chunked_cheapest_run_equals_one_call_on_every_sample(name, changes):
    scenario = _scenario(name, changes)
    ci = CostInputs(scenario, _values(scenario), None)
    for share, expert in ((ci.synthetic_share, ci.expert_share),
                          (np.full(SAMPLES, 0.5), np.minimum(ci.expert_share, 0.5))):
        whole = _unchunked(ci, share, expert)
        for chunk in (1, 7, SAMPLES, 10 * SAMPLES):
            parts = ci.cheapest(share, expert, chunk=chunk)
            assert parts.keys() == whole.keys()
            for key in whole:
                assert parts[key].shape == (SAMPLES,)
                np.testing.assert_array_equal(parts[key], whole[key], err_msg=f"{key}, chunk {chunk}")
    # most samples reach the target (tail_loss leaves a few that cannot: nan params, inf costs,
    # compared as equal too), so the equality is not one of nan arrays
    assert np.isfinite(ci.cheapest(ci.synthetic_share, ci.expert_share)["total_cost"]).mean() > 0.9


def test_scalar_inputs_run_in_one_call():
    # Every per-sample input a scalar (as the point estimate may pass): one run, shape (1,).
    scenario = _scenario("palmyra-x-004.yaml")
    ci = CostInputs(scenario, {k: v[:1] for k, v in _values(scenario).items()}, None)
    one = ci.cheapest(ci.synthetic_share, ci.expert_share, chunk=1)
    assert one["params"].shape == (1,)
    np.testing.assert_array_equal(one["total_cost"],
                                  _unchunked(ci, ci.synthetic_share, ci.expert_share)["total_cost"])


@pytest.mark.parametrize(("name", "changes"), CASES)
def test_cost_tables_and_per_sample_costs_do_not_depend_on_the_chunk(name, changes, monkeypatch):
    scenario = _scenario(name, changes)

    def price() -> tuple[dict[str, pd.DataFrame], dict, dict[str, np.ndarray], dict[str, np.ndarray]]:
        values, notes, outcomes = _values(scenario), {}, {}
        tables = run_cost(scenario, values, scenario.seed, SAMPLES, None, notes, outcomes)
        return tables, notes, outcomes, sample_costs(scenario, values, None)

    default = price()
    monkeypatch.setattr(engine_cost, "CHUNK", 7)
    small = price()
    assert default[0].keys() == small[0].keys()
    for table in default[0]:
        pd.testing.assert_frame_equal(small[0][table], default[0][table], check_exact=True)
    assert small[1] == default[1]
    for got, want in ((small[2], default[2]), (small[3], default[3])):
        assert got.keys() == want.keys()
        for key in want:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)
