"""Tests for forecast.models.quality: collapse penalty, loss with effective data, cheapest run."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from forecast.models import collapse, quality
from forecast.models.collapse import collapse_penalty
from forecast.models.quality import (
    cheapest_run,
    chinchilla_loss,
    effective_tokens,
    mix_loss,
    tokens_for_loss,
)

# Besiroglu et al. 2024 refit of Hoffmann et al. 2022 eq. (2), the project default.
LAW = dict(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
# H100 BF16 at 40% MFU and $2/h: 2 / (9.89e14 × 0.4 × 3600) = 1.4043e-18 USD/FLOP
COST_PER_FLOP = 2.0 / (9.89e14 * 0.4 * 3600.0)


@pytest.mark.parametrize("module", [quality, collapse], ids=lambda m: m.__name__)
def test_doctests_pass(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


def test_effective_tokens() -> None:
    # 1e12 + 3 × 0.5e12 = 2.5e12 (WRAP-like q = 3)
    assert effective_tokens(1e12, 0.5e12, 3.0) == pytest.approx(2.5e12, rel=1e-12)


# --- collapse penalty -------------------------------------------------------------------------


def test_replace_penalty_is_linear_in_generations() -> None:
    g = np.arange(0, 11)
    penalty = collapse_penalty(0.5, g, 0.2, "replace")
    # 0.2 × 0.5 × g = 0.1 g
    np.testing.assert_allclose(penalty, 0.1 * g, rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(np.diff(penalty), 0.1, rtol=1e-12)


def test_accumulate_penalty_values_and_bound() -> None:
    strength, share = 0.2, 0.5
    # g = 0 → 0; g = 1 → c·s = 0.1; g = 2 → 0.1 × 1.25 = 0.125; g = 3 → 0.1 × 49/36 = 0.136111
    expected = [0.0, 0.1, 0.125, 0.1 * 49.0 / 36.0]
    penalty = collapse_penalty(share, np.arange(4), strength, "accumulate")
    np.testing.assert_allclose(penalty, expected, rtol=1e-12, atol=1e-15)
    # Explicit partial sums agree with the trigamma closed form up to 200 generations.
    g = np.arange(0, 201)
    partial = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, 201) ** 2)])
    closed_form = collapse_penalty(1.0, g, 1.0, "accumulate")
    np.testing.assert_allclose(closed_form, partial, rtol=1e-12, atol=1e-15)
    # g = 1000: Σ 1/k² = π²/6 − ψ₁(1001) ≈ 1.644934 − 0.0009995 = 1.643935, below π²/6 = 1.644934
    bounded = collapse_penalty(share, 1000, strength, "accumulate")
    assert bounded < strength * share * math.pi**2 / 6.0
    assert bounded == pytest.approx(0.1 * 1.643935, rel=1e-6)


@pytest.mark.parametrize("workflow", ["replace", "accumulate"])
def test_no_synthetic_data_no_penalty(workflow: str) -> None:
    assert np.all(collapse_penalty(0.0, np.arange(0, 50), 0.7, workflow) == 0.0)


def test_penalty_broadcasts() -> None:
    share = np.array([[0.1], [0.5], [0.9]])
    generations = np.array([[0, 1, 2, 5]])
    out = collapse_penalty(share, generations, 0.3, "accumulate")
    assert out.shape == (3, 4)
    assert out[2, 1] == pytest.approx(0.3 * 0.9, rel=1e-12)


@pytest.mark.parametrize("generations", [1.5, -1, np.nan, np.array([0, 1, 2.2])])
def test_penalty_rejects_non_integer_or_negative_generations(generations: object) -> None:
    with pytest.raises(ValueError, match="generations"):
        collapse_penalty(0.5, generations, 0.1, "replace")


def test_penalty_rejects_unknown_workflow() -> None:
    with pytest.raises(ValueError, match="accumulate, replace"):
        collapse_penalty(0.5, 1, 0.1, "discard")  # type: ignore[arg-type]


# --- loss laws --------------------------------------------------------------------------------


def test_chinchilla_loss_besiroglu_70b_1_4t() -> None:
    # ln(7e10) = 24.971761079; × 0.3478 = 8.685178503; e^-8.685178503 = 1.690732503e-4;
    #   × 482.01 = 0.081494997
    # ln(1.4e12) = 27.967493353; × 0.3658 = 10.230509068; e^-10.230509068 = 3.605341142e-5;
    #   × 2085.43 = 0.075186866
    # L = 1.8172 + 0.081494997 + 0.075186866 = 1.973881863
    assert chinchilla_loss(70e9, 1.4e12, **LAW) == pytest.approx(1.9738818632, abs=1e-9)


def test_mix_loss_reduces_to_chinchilla_and_scales_reducible_part() -> None:
    plain = chinchilla_loss(70e9, 1.4e12, **LAW)
    assert mix_loss(70e9, 1.4e12, 0.0, 0.5, 0.0, **LAW) == pytest.approx(plain, rel=1e-14)
    # 1.4e12 tokens as 0.7e12 human + 1.4e12 synthetic at q = 0.5: D_eff = 1.4e12 again.
    assert mix_loss(70e9, 0.7e12, 1.4e12, 0.5, 0.0, **LAW) == pytest.approx(plain, rel=1e-14)
    # Penalty 0.5 raises the reducible 0.156681863 by half: 1.8172 + 1.5 × 0.156681863 = 2.052222795
    assert mix_loss(70e9, 1.4e12, 0.0, 1.0, 0.5, **LAW) == pytest.approx(2.0522227947, abs=1e-9)


def test_tokens_for_loss_inverts_mix_loss() -> None:
    params = np.array([[1e9], [7e10], [4e11]])
    share = np.array([[0.0, 0.3, 0.6, 0.9]])
    value, penalty, target = 0.7, 0.05, 2.05
    tokens = tokens_for_loss(target, params, share, value, penalty, **LAW)
    assert tokens.shape == (3, 4)
    # Data budget (2.05 − 1.8172)/1.05 − A/N^α: −0.135440 at 1B (unreachable), 0.140219 at 70B,
    # 0.177266 at 400B.
    assert np.all(tokens[0] == np.inf)
    reached = tokens[1:]
    assert np.all(np.isfinite(reached))
    human, synthetic = reached * (1.0 - share), reached * share
    loss = mix_loss(params[1:], human, synthetic, value, penalty, **LAW)
    np.testing.assert_allclose(loss, target, rtol=1e-9)


def test_tokens_for_loss_unreachable_is_inf() -> None:
    # Below the irreducible loss.
    assert tokens_for_loss(1.8, 1e12, 0.0, 1.0, 0.0, **LAW) == np.inf
    # 1e9 params: A/N^α = 482.01 × e^-(0.3478 × 20.723266) = 482.01 × e^-7.207552
    # = 482.01 × 7.40967e-4 = 0.357154, so a target of E + 0.35 is unreachable and E + 0.36 is not.
    assert 482.01 * 1e9**-0.3478 == pytest.approx(0.357154, abs=1e-6)
    assert tokens_for_loss(1.8172 + 0.35, 1e9, 0.0, 1.0, 0.0, **LAW) == np.inf
    assert np.isfinite(tokens_for_loss(1.8172 + 0.36, 1e9, 0.0, 1.0, 0.0, **LAW))
    # A fully synthetic mix worth nothing never reaches any loss.
    assert tokens_for_loss(2.2, 1e11, 1.0, 0.0, 0.0, **LAW) == np.inf


def _reachable_target(n: float, d0: float, penalty: float) -> float:
    """A loss that n parameters reach with d0 effective tokens under ``penalty``."""
    return float(mix_loss(n, d0, 0.0, 1.0, penalty, **LAW))


params_st = st.floats(min_value=1e8, max_value=1e12)
tokens_st = st.floats(min_value=1e9, max_value=1e14)
shares = st.floats(min_value=0.0, max_value=1.0)
penalties = st.floats(min_value=0.0, max_value=2.0)
values = st.floats(min_value=0.05, max_value=5.0)
low_values = st.floats(min_value=0.0, max_value=0.99)


@given(n=params_st, d0=tokens_st, share=shares, value=values, penalty=penalties)
def test_tokens_for_loss_round_trip(
    n: float, d0: float, share: float, value: float, penalty: float
) -> None:
    target = _reachable_target(n, d0, penalty)
    tokens = tokens_for_loss(target, n, share, value, penalty, **LAW)
    loss = mix_loss(n, tokens * (1 - share), tokens * share, value, penalty, **LAW)
    # Relative to the reducible loss, which is what the inversion controls.
    assert loss - LAW["E"] == pytest.approx(target - LAW["E"], rel=1e-9)


@given(n=params_st, d0=tokens_st, s_a=shares, s_b=shares, value=low_values, penalty=penalties)
def test_more_low_value_synthetic_needs_more_tokens(
    n: float, d0: float, s_a: float, s_b: float, value: float, penalty: float
) -> None:
    low, high = sorted((s_a, s_b))
    assume(high > low + 1e-3)
    target = _reachable_target(n, d0, penalty)
    assert tokens_for_loss(target, n, high, value, penalty, **LAW) > tokens_for_loss(
        target, n, low, value, penalty, **LAW
    )


@given(n=params_st, d0=tokens_st, p_a=penalties, p_b=penalties, share=shares, value=values)
def test_higher_penalty_needs_more_tokens(
    n: float, d0: float, p_a: float, p_b: float, share: float, value: float
) -> None:
    low, high = sorted((p_a, p_b))
    assume(high > low + 1e-3)
    target = _reachable_target(n, d0, high)  # reachable under the higher penalty, so under both
    assert tokens_for_loss(target, n, share, value, high, **LAW) > tokens_for_loss(
        target, n, share, value, low, **LAW
    )


# --- cheapest run -----------------------------------------------------------------------------

TARGETS = np.array([[1.95], [2.0], [2.1], [2.3]])


def _grid(points_per_decade: int) -> np.ndarray:
    """Log-spaced sizes from 1e6 to 1e14 parameters."""
    return np.logspace(6, 14, 8 * points_per_decade + 1)


def _cheapest(
    target: object,
    share: object = 0.0,
    value: object = 1.0,
    penalty: object = 0.0,
    data_cost: float = 0.0,
    grid: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    params_grid = _grid(4) if grid is None else grid
    return cheapest_run(
        target, share, value, penalty, **LAW,
        cost_per_flop=COST_PER_FLOP, data_cost_per_token=data_cost, params_grid=params_grid,
    )  # fmt: skip


def test_cheapest_run_is_chinchilla_compute_optimal() -> None:
    run = _cheapest(TARGETS, grid=_grid(5))
    assert run["params"].shape == (4,)
    compute = 6.0 * run["params"] * run["tokens"]
    # Hoffmann et al. 2022 eq. (4): G = (αA / (βB))^(1/(α+β)); N_opt = G (C/6)^(β/(α+β)).
    # Besiroglu constants: αA = 167.6431, βB = 762.8503, ratio 0.219759, 1/(α+β) = 1.401345;
    # ln 0.219759 = -1.515226, × 1.401345 = -2.123355, G = e^-2.123355 = 0.119630.
    a, b = LAW["alpha"], LAW["beta"]
    g = (a * LAW["A"] / (b * LAW["B"])) ** (1.0 / (a + b))
    assert g == pytest.approx(0.119630, rel=1e-5)
    n_opt = g * (compute / 6.0) ** (b / (a + b))
    d_opt = (compute / 6.0) ** (a / (a + b)) / g
    np.testing.assert_allclose(run["params"], n_opt, rtol=0.01)
    np.testing.assert_allclose(run["tokens"], d_opt, rtol=0.01)
    # The optimum reaches the target and the costs add up.
    loss = chinchilla_loss(run["params"], run["tokens"], **LAW)
    np.testing.assert_allclose(loss, TARGETS[:, 0], rtol=1e-9)
    np.testing.assert_allclose(run["compute_cost"], compute * COST_PER_FLOP, rtol=1e-12)
    np.testing.assert_allclose(run["data_cost"], 0.0)
    np.testing.assert_allclose(run["total_cost"], run["compute_cost"], rtol=1e-12)


@pytest.mark.parametrize("data_cost", [0.0, 1e-6])
def test_cheapest_run_does_not_depend_on_grid_spacing(data_cost: float) -> None:
    coarse = _cheapest(TARGETS, 0.4, 0.8, 0.1, data_cost, grid=_grid(3))
    fine = _cheapest(TARGETS, 0.4, 0.8, 0.1, data_cost, grid=_grid(6))
    np.testing.assert_allclose(fine["total_cost"], coarse["total_cost"], rtol=1e-3)
    np.testing.assert_allclose(fine["params"], coarse["params"], rtol=1e-3)


def test_cheapest_run_beats_every_grid_point() -> None:
    grid = _grid(4)
    run = _cheapest(TARGETS, 0.2, 1.5, 0.05, 1e-7, grid=grid)
    tokens = tokens_for_loss(TARGETS, grid, 0.2, 1.5, 0.05, **LAW)
    finite = np.isfinite(tokens)
    grid_cost = np.full(tokens.shape, np.inf)
    grid_cost[finite] = (tokens * (6.0 * grid * COST_PER_FLOP + 1e-7))[finite]
    assert np.all(run["total_cost"] <= grid_cost.min(axis=1) * (1 + 1e-12))


def test_data_cost_shifts_the_optimum_to_bigger_models_on_fewer_tokens() -> None:
    free = _cheapest(2.0)
    # $10 per million tokens is far above the ≈ $3e-7/token of compute at this scale.
    dear = _cheapest(2.0, data_cost=1e-5)
    assert dear["params"][0] > free["params"][0]
    assert dear["tokens"][0] < free["tokens"][0]
    assert dear["total_cost"][0] > free["total_cost"][0]


def test_cheapest_run_scalar_inputs_give_shape_one() -> None:
    run = _cheapest(2.0)
    assert {key: value.shape for key, value in run.items()} == dict.fromkeys(run, (1,))


def test_cheapest_run_unreachable_everywhere() -> None:
    # Below E = 1.8172 no model reaches the target.
    run = _cheapest(np.array([[1.5], [2.0]]))
    assert np.isnan(run["params"][0]) and np.isfinite(run["params"][1])
    for key in ("tokens", "compute_cost", "data_cost", "total_cost"):
        assert run[key][0] == np.inf and np.isfinite(run[key][1])


def test_cheapest_run_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(n, 1\)"):
        _cheapest(np.array([2.0, 2.1]))
    with pytest.raises(ValueError, match="params_grid"):
        _cheapest(2.0, grid=_grid(4)[::-1])


# --- collapse shapes after the papers (issue 17) ---------------------------------------------------

def test_accumulate_never_exceeds_pi_squared_over_six_times_one_generation() -> None:
    from forecast.models.collapse import ACCUMULATE_BOUND

    generations = np.arange(0, 2001, dtype=float)
    one = collapse_penalty(0.7, 1, 0.2, "accumulate")
    many = collapse_penalty(0.7, generations, 0.2, "accumulate")
    # 0.2 × 0.7 × Σ 1/k² < 0.14 × π²/6 = 0.230291...
    assert np.all(many <= ACCUMULATE_BOUND * one)
    assert many[-1] == pytest.approx(ACCUMULATE_BOUND * one, rel=1e-3)
    assert ACCUMULATE_BOUND == pytest.approx(1.6449340668, rel=1e-10)


def test_more_generations_under_replace_give_a_higher_loss() -> None:
    from forecast.models.quality import mix_loss

    generations = np.arange(0, 6, dtype=float)
    penalty = collapse_penalty(0.5, generations, 0.1, "replace")
    loss = mix_loss(1e9, 1e11, 1e11, 1.0, penalty, 1.8172, 482.01, 2085.43, 0.3478, 0.3658)
    assert np.all(np.diff(loss) > 0)
    # replace grows faster than accumulate from the second generation on, equal at g = 0 and 1
    acc = collapse_penalty(0.5, generations, 0.1, "accumulate")
    assert penalty[:2].tolist() == pytest.approx(acc[:2].tolist())
    assert np.all(penalty[2:] > acc[2:])


def test_tail_loss_adds_a_plateau_in_proportion_to_the_synthetic_share() -> None:
    from forecast.models.collapse import collapse_plateau
    from forecast.models.quality import mix_loss, tokens_for_loss

    # 0.05 nats/token × 40% = 0.02, no multiplicative penalty; none without a generation
    assert float(collapse_plateau(0.4, 1, 0.05, "tail_loss")) == pytest.approx(0.02)
    assert float(collapse_plateau(0.4, 0, 0.05, "tail_loss")) == 0.0
    assert float(collapse_penalty(0.4, 3, 0.05, "tail_loss")) == 0.0
    # E = 1, A = B = 100, α = β = 0.5, N = D = 1e4: 3 without, 3.02 with the plateau
    assert float(mix_loss(1e4, 1e4, 0.0, 1.0, 0.0, 1.0, 100.0, 100.0, 0.5, 0.5, plateau=0.02)) == pytest.approx(3.02)
    # the plateau uses up loss budget: reaching 3.02 with it takes the tokens that reach 3.0 without
    tokens = tokens_for_loss(3.02 - 0.02, 1e4, 0.0, 1.0, 0.0, 1.0, 100.0, 100.0, 0.5, 0.5)
    assert float(tokens) == pytest.approx(1e4)
