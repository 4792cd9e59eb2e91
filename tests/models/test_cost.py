"""Tests for forecast.models.compute_cost and data_cost: published
figures worked by hand, invariants, broadcasting."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from forecast.models import compute_cost as compute_cost_module
from forecast.models import data_cost
from forecast.models.compute_cost import (
    HOURS_PER_YEAR,
    compute_cost,
    energy_cost_per_hour,
    gpu_hours,
    hardware_cost_per_hour,
    price_performance_factor,
    rental_cost,
    training_flop,
)
from forecast.models.data_cost import (
    generated_tokens,
    human_data_cost,
    split_mix,
    synthetic_api_cost,
    synthetic_selfhosted_cost,
    verification_cost,
)

H100_BF16_PEAK = 9.89e14  # FLOP/s, dense BF16 (NVIDIA H100 SXM5 datasheet, 2022; data/hardware.csv)


@pytest.mark.parametrize("module", [compute_cost_module, data_cost], ids=lambda m: m.__name__)
def test_doctests_pass(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


# --- training compute -------------------------------------------------------------------------


def test_training_flop_gpt3() -> None:
    # 6 × 175e9 × 300e9 = 6 × 5.25e22 = 3.15e23
    assert training_flop(175e9, 300e9) == pytest.approx(3.15e23, rel=1e-12)


def test_training_flop_moe_counts_active_parameters() -> None:
    # DeepSeek-V3: 37B active of 671B, 14.8T tokens → 6 × 37e9 × 14.8e12 = 3.2856e24
    assert training_flop(37e9, 14.8e12) == pytest.approx(3.2856e24, rel=1e-12)


def test_gpu_hours_lambda_gpt3() -> None:
    # 3.14e23 / (1.25e14 × 0.224 × 3600) = 3.14e23 / 1.008e17 = 3.11508e6 h;
    # / 8766 h/yr = 355.4 GPU-years (Lambda's "355 GPU-years").
    hours = gpu_hours(3.14e23, 1.25e14, 0.224)
    assert hours == pytest.approx(3.11508e6, rel=1e-5)
    assert hours / HOURS_PER_YEAR == pytest.approx(355.4, abs=0.05)


def test_rental_cost_deepseek_v3() -> None:
    # 2.788e6 GPU-hours × $2 = $5.576M
    assert rental_cost(2.788e6, 2.0) == pytest.approx(5.576e6, rel=1e-12)


def test_compute_cost_gpt3_on_h100() -> None:
    # 3.15e23 / (9.89e14 × 0.4 × 3600) = 3.15e23 / 1.424160e18 = 221,183.0 h; × $2 = $442,366.0
    cost = compute_cost(175e9, 300e9, H100_BF16_PEAK, 0.4, 2.0)
    assert cost == pytest.approx(442_366.0, rel=1e-6)


def test_compute_cost_applies_price_factor() -> None:
    base = compute_cost(175e9, 300e9, H100_BF16_PEAK, 0.4, 2.0)
    # Two years at 0.14 OOM/yr: 10**-0.28 = 0.524807
    factor = price_performance_factor(2.0, 10**0.14)
    assert factor == pytest.approx(0.524807, rel=1e-5)
    later = compute_cost(175e9, 300e9, H100_BF16_PEAK, 0.4, 2.0, factor)
    assert later == pytest.approx(base * 0.524807, rel=1e-5)


def test_hardware_cost_per_hour_h100_cottier() -> None:
    # Cottier et al. 2024 (docs/derivations.md §1): amortisation 1/(0.14 ln 10) = 3.1021 yr.
    # Chip alone: 30000 / (3.1021 × 8766) = $1.1032/h; × 1.64 = 1.8093; / 0.81 = $2.2337/h.
    years = 1.0 / (0.14 * math.log(10.0))
    assert years == pytest.approx(3.1021, abs=1e-4)
    assert hardware_cost_per_hour(30_000.0, years, 1.0, 0.0) == pytest.approx(1.1032, abs=1e-4)
    assert hardware_cost_per_hour(30_000.0, years, 1.64, 0.19) == pytest.approx(2.2337, abs=1e-4)


def test_energy_cost_per_hour_h100() -> None:
    # 0.7 kW × 1.82 × 0.75 × 1.1 × $0.0771/kWh = 1.05105 kW × 0.0771 = $0.081036/h
    assert energy_cost_per_hour(700.0, 1.82, 0.75, 1.1, 0.0771) == pytest.approx(0.081036, abs=1e-6)


def test_price_performance_factor() -> None:
    assert price_performance_factor(0.0, 10**0.14) == 1.0
    # Cost per FLOP halves every log10(2)/0.14 = 2.1502 years.
    halving_years = math.log10(2.0) / 0.14
    assert price_performance_factor(halving_years, 10**0.14) == pytest.approx(0.5, rel=1e-12)
    # A run one year *before* the reference date pays 10**0.14 = 1.3804 times more.
    assert price_performance_factor(-1.0, 10**0.14) == pytest.approx(1.3804, abs=1e-4)


# --- data cost --------------------------------------------------------------------------------


def test_split_mix() -> None:
    human, synthetic = split_mix(6.3e12, 0.3)
    assert human == pytest.approx(4.41e12, rel=1e-12)
    assert synthetic == pytest.approx(1.89e12, rel=1e-12)


def test_human_data_cost() -> None:
    # 1e12 tokens = 1e6 Mtok; 0.9 × (1 + 0.5) + 0.1 × 100 = 11.35 USD/Mtok → $11.35M
    assert human_data_cost(1e12, 1.0, 0.5, 0.1, 100.0) == pytest.approx(11.35e6, rel=1e-12)
    # No expert text: licence + processing only; all expert text: expert price only.
    assert human_data_cost(1e12, 1.0, 0.5, 0.0, 100.0) == pytest.approx(1.5e6, rel=1e-12)
    assert human_data_cost(1e12, 1.0, 0.5, 1.0, 100.0) == pytest.approx(100e6, rel=1e-12)


def test_generated_tokens() -> None:
    assert generated_tokens(1e12, 0.5) == pytest.approx(2e12, rel=1e-12)


def test_synthetic_api_cost_deepseek_v3() -> None:
    # 1e12 tokens = 1e6 Mtok × $1.10 (DeepSeek API list price, 2025) = $1.1M (docs/derivations.md §2)
    assert synthetic_api_cost(1e12, 1.0, 1.10, 0.27, 0.0) == pytest.approx(1.1e6, rel=1e-12)
    # Acceptance 0.5: 2e12 generated, $2.2M
    assert synthetic_api_cost(1e12, 0.5, 1.10, 0.27, 0.0) == pytest.approx(2.2e6, rel=1e-12)
    # Prompt of 2 tokens per output token: 1e6 × (1.10 + 2 × 0.27) = $1.64M
    assert synthetic_api_cost(1e12, 1.0, 1.10, 0.27, 2.0) == pytest.approx(1.64e6, rel=1e-12)


def test_synthetic_selfhosted_cost_70b() -> None:
    # docs/derivations.md §2: 2 × 70e9 × 1e6 = 1.4e17 FLOP per Mtok; / (9.89e14 × 0.3 × 3600 = 1.068120e18)
    # = 0.131072 GPU-h per Mtok; × $2 = $0.262143 per Mtok ("$0.26/M").
    per_mtok = synthetic_selfhosted_cost(1e6, 1.0, 70e9, 0.0, H100_BF16_PEAK, 0.3, 2.0)
    assert per_mtok == pytest.approx(0.262143, abs=1e-6)
    # 1T tokens: $262,143 ("≈ $0.26M", docs/derivations.md §2)
    per_trillion = synthetic_selfhosted_cost(1e12, 1.0, 70e9, 0.0, H100_BF16_PEAK, 0.3, 2.0)
    assert per_trillion == pytest.approx(262_143, rel=1e-5)
    # Acceptance 0.5 and a prompt as long as the output each double the cost.
    quadrupled = synthetic_selfhosted_cost(1e6, 0.5, 70e9, 1.0, H100_BF16_PEAK, 0.3, 2.0)
    assert quadrupled == pytest.approx(4 * 0.262143, abs=4e-6)


def test_synthetic_selfhosted_cost_cosmopedia_utilisation() -> None:
    # docs/derivations.md §2 (Cosmopedia, Hugging Face 2024): Mixtral (12.9B active) at u = 1.8% → 2 × 12.9e9 × 1e6 / (9.89e14 × 0.018 × 3600)
    # = 2.58e16 / 6.40872e16 = 0.40258 GPU-h per Mtok → $0.805 at $2/h ("$0.8–1.2/M").
    per_mtok = synthetic_selfhosted_cost(1e6, 1.0, 12.9e9, 0.0, H100_BF16_PEAK, 0.018, 2.0)
    assert per_mtok == pytest.approx(0.80516, abs=1e-4)


def test_verification_cost() -> None:
    # 1e12 accepted at 50% → 2e12 generated = 2e6 Mtok × $0.15 = $300,000
    assert verification_cost(generated_tokens(1e12, 0.5), 0.15) == pytest.approx(3e5, rel=1e-12)


# --- broadcasting -----------------------------------------------------------------------------


def test_kernels_broadcast_samples_against_grid() -> None:
    mfu = np.array([[0.3], [0.4], [0.5]])  # (n, 1) samples
    tokens = np.array([[1e11, 1e12, 1e13, 1e14]])  # (1, k) grid
    out = compute_cost(70e9, tokens, H100_BF16_PEAK, mfu, 2.0)
    assert out.shape == (3, 4)
    assert out[1, 2] == pytest.approx(compute_cost(70e9, 1e13, H100_BF16_PEAK, 0.4, 2.0), rel=1e-12)
    acceptance = np.array([[0.25], [1.0]])
    syn = synthetic_selfhosted_cost(tokens, acceptance, 70e9, 0.0, H100_BF16_PEAK, 0.3, 2.0)
    assert syn.shape == (2, 4)
    assert syn[0, 0] == pytest.approx(4 * syn[1, 0], rel=1e-12)
    human, synthetic = split_mix(tokens, np.array([[0.0], [0.5]]))
    assert human.shape == synthetic.shape == (2, 4)
    np.testing.assert_allclose(human + synthetic, np.broadcast_to(tokens, (2, 4)), rtol=1e-12)


# --- monotonicity -----------------------------------------------------------------------------

fractions = st.floats(min_value=0.01, max_value=1.0)
params = st.floats(min_value=1e8, max_value=1e12)
token_counts = st.floats(min_value=1e9, max_value=1e14)
prices = st.floats(min_value=0.1, max_value=10.0)


@given(n=params, d=token_counts, price=prices, mfu_a=fractions, mfu_b=fractions)
def test_higher_mfu_lowers_compute_cost(
    n: float, d: float, price: float, mfu_a: float, mfu_b: float
) -> None:
    low, high = sorted((mfu_a, mfu_b))
    assume(high > low * 1.001)
    faster = compute_cost(n, d, H100_BF16_PEAK, high, price)
    assert faster < compute_cost(n, d, H100_BF16_PEAK, low, price)


@given(
    accepted=token_counts,
    acc_a=fractions,
    acc_b=fractions,
    out_price=prices,
    in_price=prices,
    prompt=st.floats(min_value=0.0, max_value=10.0),
    gen_params=params,
    u=fractions,
)
def test_lower_acceptance_raises_synthetic_cost(
    accepted: float, acc_a: float, acc_b: float, out_price: float, in_price: float, prompt: float,
    gen_params: float, u: float,
) -> None:  # fmt: skip
    low, high = sorted((acc_a, acc_b))
    assume(high > low * 1.001)
    assert synthetic_api_cost(accepted, low, out_price, in_price, prompt) > synthetic_api_cost(
        accepted, high, out_price, in_price, prompt
    )
    assert synthetic_selfhosted_cost(
        accepted, low, gen_params, prompt, H100_BF16_PEAK, u, out_price
    ) > synthetic_selfhosted_cost(accepted, high, gen_params, prompt, H100_BF16_PEAK, u, out_price)
    assert verification_cost(generated_tokens(accepted, low), in_price) > verification_cost(
        generated_tokens(accepted, high), in_price
    )
