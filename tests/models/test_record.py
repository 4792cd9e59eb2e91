"""A record frontier drawn from a trend fit (forecast/models/record.py): hand-computed values."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from forecast.models import record as R

Z90 = 1.2815515655446004  # Φ⁻¹(0.9): an 80% band is ±1.2816 sd


def test_split_normal_reproduces_its_band_and_median():
    # median 1.0, 80% band 0.7 … 1.6: sd 0.3/1.2816 = 0.23408 below, 0.6/1.2816 = 0.46817 above
    lo, hi = R.band_sds(0.7, 1.0, 1.6, 0.8)
    assert (lo, hi) == pytest.approx((0.3 / Z90, 0.6 / Z90), rel=1e-12)
    assert R.split_normal_ppf(np.array([0.1, 0.5, 0.9]), 1.0, lo, hi) == pytest.approx([0.7, 1.0, 1.6], rel=1e-12)
    assert R.split_normal_cdf(np.array([0.7, 1.0, 1.6]), 1.0, lo, hi) == pytest.approx([0.1, 0.5, 0.9], rel=1e-12)


def test_probability_below_matches_the_normal_cdf():
    # growth N(0.03, 0.194) OOM/yr (ETS as of 2024Q2): P(< 0) = Φ(−0.03/0.194) = Φ(−0.15464) = 0.43855
    ppf = lambda u: norm.ppf(u, 0.03, 0.194)  # noqa: E731
    assert R.probability_below(ppf, 0.0) == pytest.approx(norm.cdf(-0.03 / 0.194), abs=1e-15)
    assert R.probability_below(ppf, 0.0) == pytest.approx(0.43855, abs=1e-5)
    assert R.probability_below(lambda u: 0.1 + 0.0 * u, 0.0) == 0.0   # every value above: nothing below


def test_conditioned_median_by_hand():
    # N(0.03, 0.194) conditioned on ≥ 0: median at u' = 0.43855 + 0.5·0.56145 = 0.71927,
    # Φ⁻¹(0.71927) = 0.58052, so 0.03 + 0.194·0.58052 = 0.14262 OOM/yr (1.389x/yr)
    ppf = lambda u: norm.ppf(u, 0.03, 0.194)  # noqa: E731
    cut = R.conditioned(ppf, R.probability_below(ppf, 0.0))
    assert float(cut(np.array([0.5]))[0]) == pytest.approx(0.03 + 0.194 * norm.ppf(0.71927), abs=1e-5)
    assert float(cut(np.array([0.5]))[0]) == pytest.approx(0.14262, abs=1e-4)
    assert R.conditioned(ppf, 0.0) is ppf


def test_rho_reproduces_the_band_at_the_last_step():
    # sd at as-of 0.3, growth sd 0.1 OOM/yr, 1.75 years on: with ρ the spread there is
    # √(0.3² + 0.175² + 2ρ·0.3·0.175); ρ chosen for 0.4 gives exactly 0.4
    rho = R.level_growth_rho(0.3, 0.4, 1.75, 0.1)
    assert rho == pytest.approx((0.16 - 0.09 - 0.030625) / (2 * 1.75 * 0.3 * 0.1), rel=1e-12)
    assert np.sqrt(0.09 + 0.030625 + 2 * rho * 0.3 * 0.175) == pytest.approx(0.4, rel=1e-12)
    assert R.level_growth_rho(0.3, 5.0, 1.75, 0.1) == 1.0    # wider than any correlation allows: clipped
    assert R.level_growth_rho(0.0, 0.4, 1.75, 0.1) == 0.0


def test_copula_keeps_the_margin_and_takes_the_correlation():
    u_g = (np.arange(20_000) + 0.5) / 20_000
    u_own = np.random.default_rng(3).permutation(u_g)
    u = R.copula_uniform(u_g, u_own, 0.6)
    assert np.sort(u) == pytest.approx(u_g, abs=0.02)                 # still uniform
    assert np.corrcoef(norm.ppf(u_g), norm.ppf(u))[0, 1] == pytest.approx(0.6, abs=0.02)
    np.testing.assert_array_equal(R.copula_uniform(u_g, u_own, 0.0), u_own)
    assert R.copula_uniform(np.array([1 - 2.0 ** -53]), np.array([0.5]), 1.0)[0] < 1.0  # never an endpoint


def test_a_bound_deep_in_the_upper_tail_gives_finite_draws_at_the_bound():
    # growth N(−0.5, 0.0625) OOM/yr: P(growth ≥ 0) = Φ(−8) ≈ 6e-16, so u0 is within an ulp of 1 and
    # u0 + u·(1 − u0) rounds to 1.0 (Φ⁻¹(1) = inf). Every draw must stay finite and ≥ 0 (hypothesis
    # found this case in tests/test_level_fit.py).
    from scipy.stats import norm

    from forecast.models.record import at_least

    ppf, below = at_least(lambda u: norm.ppf(u, -0.5, 0.0625), 0.0)
    draws = ppf(np.linspace(0.0, 1.0, 1001))
    assert below > 1 - 1e-12
    assert np.all(np.isfinite(draws)) and np.all(draws >= 0.0)
