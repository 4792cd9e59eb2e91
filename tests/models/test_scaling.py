"""Tests for forecast.models.scaling: compute-optimal allocation and the repeated-data law.

Expected values are written out by hand in the comments (or are published results: Chinchilla,
Hoffmann et al. 2022; the C4 fit of Muennighoff et al. 2023), never taken from the module under test.
"""
from __future__ import annotations

import doctest
import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecast.models import scaling
from forecast.models.scaling import (
    compute_optimal,
    compute_optimal_tokens,
    effective_repeated_tokens,
    epochs_for_multiplier,
    repetition_multiplier,
)

# Muennighoff et al. 2023, datablations README (C4 fit): R_D* = 15.387756.
R_STAR = 15.387756

compute = st.floats(min_value=1e15, max_value=1e32, allow_nan=False, allow_infinity=False)
ratio = st.floats(min_value=0.5, max_value=5_000.0, allow_nan=False, allow_infinity=False)
overtrain = st.floats(min_value=1.0, max_value=1_000.0, allow_nan=False, allow_infinity=False)
decay = st.floats(min_value=0.5, max_value=100.0, allow_nan=False, allow_infinity=False)


def test_doctests_pass() -> None:
    result = doctest.testmod(scaling)
    assert result.attempted > 0
    assert result.failed == 0


# --- compute-optimal allocation -----------------------------------------------------------------


def test_chinchilla_compute_optimal_allocation() -> None:
    # Hoffmann et al. 2022: Chinchilla = 70B parameters, 1.4T tokens, 5.76e23 FLOP (Gopher's budget).
    # N = sqrt(C / (6 r)) = sqrt(5.76e23 / 120) = sqrt(4.8e21) = sqrt(48) × 1e10 = 6.92820e10
    # D = r N = 20 × 6.92820e10 = 1.385641e12
    n, d = compute_optimal(5.76e23, 20.0)
    assert float(n) == pytest.approx(6.928203230e10, rel=1e-9)
    assert float(d) == pytest.approx(1.385640646e12, rel=1e-9)
    # The published model: within 2% of 70B and 1.4T (the paper rounds).
    assert float(n) == pytest.approx(70e9, rel=0.02)
    assert float(d) == pytest.approx(1.4e12, rel=0.02)


@given(c=compute, r=ratio)
def test_compute_optimal_satisfies_6nd_and_ratio(c: float, r: float) -> None:
    # Kaplan et al. 2020: C = 6 N D; the optimum is defined by D / N = r.
    n, d = compute_optimal(c, r)
    assert 6.0 * float(n) * float(d) == pytest.approx(c, rel=1e-10)
    assert float(d) / float(n) == pytest.approx(r, rel=1e-12)


def test_compute_optimal_broadcasts() -> None:
    c = np.array([[1e24], [1e25], [1e26]])          # (3, 1)
    r = np.array([[10.0, 20.0]])                     # (1, 2)
    n, d = compute_optimal(c, r)
    assert n.shape == d.shape == (3, 2)
    # C = 1e24, r = 10: N = sqrt(1e24 / 60) = 1.290994e11, D = 1.290994e12
    assert n[0, 0] == pytest.approx(1.290994449e11, rel=1e-9)
    assert d[0, 0] == pytest.approx(1.290994449e12, rel=1e-9)


def test_compute_optimal_tokens_hand_values() -> None:
    # D = sqrt(k r C / 6): 6e24 FLOP, r = 20 → sqrt(2e25) = 4.472136e12 tokens;
    # k = 5 → sqrt(1e26) = 1e13 tokens, i.e. √5 = 2.236× more (Villalobos et al. 2024 §2.5).
    assert float(compute_optimal_tokens(6e24, 20.0, 1.0)) == pytest.approx(4.472135955e12, rel=1e-9)
    assert float(compute_optimal_tokens(6e24, 20.0, 5.0)) == pytest.approx(1e13, rel=1e-12)


@given(c=compute, r=ratio, k=overtrain)
def test_overtraining_multiplies_data_by_sqrt_k(c: float, r: float, k: float) -> None:
    _, d_opt = compute_optimal(c, r)
    d = compute_optimal_tokens(c, r, k)
    assert float(d) == pytest.approx(math.sqrt(k) * float(d_opt), rel=1e-10)
    # At equal compute the overtrained run has k× the tokens per parameter: N = C / (6 D).
    n = c / (6.0 * float(d))
    assert float(d) / n == pytest.approx(k * r, rel=1e-9)


@given(c=compute, r=ratio, k=overtrain, f=st.floats(min_value=1.001, max_value=100.0))
def test_compute_optimal_tokens_increase_in_every_input(c: float, r: float, k: float, f: float) -> None:
    base = float(compute_optimal_tokens(c, r, k))
    assert float(compute_optimal_tokens(c * f, r, k)) > base
    assert float(compute_optimal_tokens(c, r * f, k)) > base
    assert float(compute_optimal_tokens(c, r, k * f)) > base


# --- repeated data (Muennighoff et al. 2023, eq. 5) ----------------------------------------------


@pytest.mark.parametrize(
    ("epochs", "expected"),
    [
        # 1 epoch: no repetition, R = 0 → 1 + R*(1 − e^0) = 1 exactly.
        (1, 1.0),
        # 2 epochs: R = 1, 1/R* = 0.0649867, e^-0.0649867 = 0.9370799 → 1 + 15.387756 × 0.0629201 = 1.96820
        (2, 1.9681992),
        # 4 epochs: R = 3, 3/R* = 0.1949602, e^-0.1949602 = 0.8228674 → 1 + 15.387756 × 0.1771326 = 3.72567
        (4, 3.7256731),
        # 16 epochs: R = 15, 15/R* = 0.9748010, e^-0.9748010 = 0.3772674 → 1 + 15.387756 × 0.6227326 = 10.58246
        (16, 10.582457),
        # 40 epochs: R = 39, 39/R* = 2.5344826, e^-2.5344826 = 0.0793027 → 1 + 15.387756 × 0.9206973 = 15.16746
        (40, 15.167465),
    ],
)
def test_repetition_multiplier_hand_values(epochs: int, expected: float) -> None:
    assert float(repetition_multiplier(epochs, R_STAR)) == pytest.approx(expected, rel=1e-7)


def test_repetition_multiplier_published_table() -> None:
    # docs/derivations.md §6 (Muennighoff et al. 2023 eq. 5, C4 fit R_D* = 15.387756): 1.00, 3.73, 15.17.
    got = repetition_multiplier(np.array([1.0, 4.0, 40.0]), R_STAR)
    np.testing.assert_allclose(got, [1.0, 3.73, 15.17], atol=0.005)


def test_repetition_multiplier_limit_is_one_plus_r_star() -> None:
    # exp(−(1e6 − 1) / 15.39) underflows to 0: the ceiling 1 + R* = 16.387756.
    assert float(repetition_multiplier(1e6, R_STAR)) == pytest.approx(1.0 + R_STAR, rel=1e-12)
    assert float(repetition_multiplier(np.inf, R_STAR)) == pytest.approx(1.0 + R_STAR, rel=1e-12)


def test_repetition_multiplier_below_one_epoch_is_one() -> None:
    # Fewer than one pass cannot be worth more or less than the unique tokens themselves.
    assert float(repetition_multiplier(0.5, R_STAR)) == 1.0


def test_effective_repeated_tokens() -> None:
    # 100B unique tokens × 4 epochs: 100e9 × 3.7256731 = 372.567e9
    assert float(effective_repeated_tokens(100e9, 4, R_STAR)) == pytest.approx(372.56731e9, rel=1e-7)


epochs_st = st.floats(min_value=1.0, max_value=1_000.0, allow_nan=False)


@given(e=epochs_st, extra=st.floats(min_value=1e-3, max_value=100.0), r=decay)
def test_repetition_multiplier_monotone_and_bounded(e: float, extra: float, r: float) -> None:
    m = float(repetition_multiplier(e, r))
    # Each repeated token is worth at most a fresh one, and the gain is capped at 1 + R*.
    assert 1.0 <= m <= e * (1 + 1e-12)
    assert m <= 1.0 + r + 1e-9
    # More epochs never lower the effective data ...
    assert float(repetition_multiplier(e + extra, r)) >= m
    # ... and a slower decay (larger R*) never lowers it either:
    # d/dR* [R*(1 − e^(−x/R*))] = 1 − e^(−u)(1 + u) ≥ 0 with u = x/R*.
    assert float(repetition_multiplier(e, r * (1.0 + extra))) >= m * (1 - 1e-12)


@given(u=st.floats(min_value=0.0, max_value=10.0), r=decay)
def test_epochs_for_multiplier_inverts_repetition_multiplier(u: float, r: float) -> None:
    # Epochs e = 1 + u R* (u = repetitions in units of R*; u ≤ 10 keeps 1 − (m − 1)/R* ≥ 4.5e-5,
    # far from the ceiling where the inverse is ill-conditioned).
    e = 1.0 + u * r
    back = float(epochs_for_multiplier(repetition_multiplier(e, r), r))
    assert back == pytest.approx(e, rel=1e-6, abs=1e-9)


@given(m=st.floats(min_value=1.0, max_value=16.0), r=decay)
def test_repetition_multiplier_inverts_epochs_for_multiplier(m: float, r: float) -> None:
    # The ceiling test is exact: m − 1 is exact for 1 <= m <= 16, whereas the float 1.0 + r can
    # round below the true ceiling (1 + 0.5000000000000001 rounds to 1.5).
    if m - 1.0 >= r:
        assert float(epochs_for_multiplier(m, r)) == np.inf
        return
    e = float(epochs_for_multiplier(m, r))
    assert e >= 1.0
    assert float(repetition_multiplier(e, r)) == pytest.approx(m, rel=1e-9)


def test_epochs_for_multiplier_hand_values() -> None:
    # e = 1 − R* ln(1 − (m − 1)/R*); m = 1 → 1; m = 3.7256731 → 4 (see the table above).
    np.testing.assert_allclose(epochs_for_multiplier(np.array([1.0, 3.7256731, 15.167465]), R_STAR),
                               [1.0, 4.0, 40.0], rtol=1e-6)


def test_epochs_for_multiplier_is_inf_at_and_above_the_ceiling() -> None:
    ceiling = 1.0 + R_STAR
    got = epochs_for_multiplier(np.array([ceiling, ceiling + 0.1, 100.0]), R_STAR)
    assert np.all(np.isinf(got)) and np.all(got > 0)
    # Just below the ceiling: finite, and large.
    assert 100.0 < float(epochs_for_multiplier(ceiling - 1e-6, R_STAR)) < np.inf


def _epochs_exact(m: float, r: float) -> float:
    """e = 1 − R*·ln((R* − (m − 1))/R*) in exact rational arithmetic and a 50-digit logarithm."""
    gap = Fraction(r) - (Fraction(m) - 1)
    if gap <= 0:
        return math.inf
    inner = gap / Fraction(r)
    with localcontext() as ctx:
        ctx.prec = 50
        log_inner = (Decimal(inner.numerator) / Decimal(inner.denominator)).ln()
        return float(1 - Decimal(r) * log_inner)


def test_epochs_for_multiplier_just_below_the_float_ceiling() -> None:
    # R* = 0.5 + 2⁻⁵³ (0.5000000000000001): the true ceiling 1 + R* = 1.5 + 2⁻⁵³ is not a float
    # and 1.0 + R* rounds down to 1.5, yet m = 1.5 is below the ceiling: gap = 2⁻⁵³ exactly,
    # e = 1 − R*·ln(2⁻⁵³/R*) = 1 + R*·52·ln 2 (to 1e-16) = 1 + 0.5 × 36.043653389117 = 19.021827.
    r = 0.5000000000000001
    assert Fraction(r) - Fraction(1, 2) == Fraction(1, 2**53)
    assert 1.0 + r == 1.5
    assert float(epochs_for_multiplier(1.5, r)) == pytest.approx(1 + 0.5 * 52 * math.log(2),
                                                                rel=1e-15)
    # ... and it is a true inverse: the multiplier of 19.02 epochs rounds to 1.5.
    assert float(repetition_multiplier(19.021826694558577, r)) == 1.5
    # The next float up, 1.5000000000000002 = 1.5 + 2⁻⁵², is above the ceiling.
    assert float(epochs_for_multiplier(np.nextafter(1.5, 2.0), r)) == np.inf


@pytest.mark.parametrize("r", [R_STAR, 0.7, 1.1, 3.3, 99.1])
def test_epochs_for_multiplier_is_accurate_next_to_the_ceiling(r: float) -> None:
    # The 20 floats just below 1 + R*: 1 − (m − 1)/R* cancels there (the old kernel was off by
    # 0.1–0.7 %, e.g. 555.63 for 555.03 epochs at R* = 15.387756); (R* − (m − 1))/R* does not.
    ceiling = Fraction(1) + Fraction(r)
    m = float(ceiling)
    if Fraction(m) >= ceiling:
        assert float(epochs_for_multiplier(m, r)) == np.inf
        m = float(np.nextafter(m, 0.0))
    for _ in range(20):
        assert float(epochs_for_multiplier(m, r)) == pytest.approx(_epochs_exact(m, r), rel=1e-14)
        m = float(np.nextafter(m, 0.0))


@pytest.mark.parametrize("m", [1.0 + 1e-12, 1.001, 1.5, 4.0, 8.0, 16.0])
def test_epochs_for_multiplier_is_accurate_away_from_the_ceiling(m: float) -> None:
    # log1p keeps the small-argument end exact too: m = 1 + 1e-12 is e ≈ 1 + 1e-12 (1 + 1e-12/(2R*)).
    assert float(epochs_for_multiplier(m, R_STAR)) == pytest.approx(_epochs_exact(m, R_STAR),
                                                                     rel=1e-14)
