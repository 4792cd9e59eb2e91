"""Tests for forecast.models.stock and forecast.models.demand (Villalobos et al. 2024, §2.2–2.5).

Hand-computed values are written out in the comments; monotonicity is checked with hypothesis.
"""
from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecast.models import demand, stock
from forecast.models.demand import (
    compute_path_tokens,
    exponential_path,
    mixture,
    synthetic_gap,
    synthetic_share,
)
from forecast.models.stock import effective_stock, usable_stock

T = 1e12

# Bounds of the inputs the model accepts. The monotonicity tests scale one input at a time by
# `factor` (<= 10): years <= 10 reach 100 years after the reference, the longest horizon a scenario
# accepts (MAX_QUARTERS = 400), and growth <= 10x/yr reaches 100x/yr. The largest value then is
# 1e18 tokens x 10^100 (or 1e31 FLOP x 10^100), far below float64's 1.8e308; with years up to 30,
# 10^300 overflowed and the test failed on some seeds.
pos = st.floats(min_value=1e6, max_value=1e17, allow_nan=False, allow_infinity=False)
growth = st.floats(min_value=1.001, max_value=10.0, allow_nan=False)
years = st.floats(min_value=0.01, max_value=10.0, allow_nan=False)
share = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
factor = st.floats(min_value=1.001, max_value=10.0, allow_nan=False)


@pytest.mark.parametrize("module", [stock, demand], ids=["stock", "demand"])
def test_doctests_pass(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


# --- stock ---------------------------------------------------------------------------------------


def test_usable_stock_hand_value() -> None:
    # 510T indexed-web tokens (V24 Table 1 median), +3%/yr, 20% usable, two years on:
    # 510e12 × 1.03² × 0.2 = 510e12 × 1.0609 × 0.2 = 108.2118e12
    assert float(usable_stock(510 * T, 1.03, 2.0, 0.2)) == pytest.approx(108.2118 * T, rel=1e-12)
    # At the reference date the growth term is 1: 510e12 × 0.2 = 102e12.
    assert float(usable_stock(510 * T, 1.08, 0.0, 0.2)) == pytest.approx(102 * T, rel=1e-12)
    # Before it (t − t_ref = −1): 510e12 / 1.02 × 0.5 = 250e12.
    assert float(usable_stock(510 * T, 1.02, -1.0, 0.5)) == pytest.approx(250 * T, rel=1e-12)


def test_effective_stock_hand_value() -> None:
    # V24 §2.3 central case: 510T × 0.2 usable × 3.2 repetition = 102T × 3.2 = 326.4T
    assert float(effective_stock(102 * T, 3.2)) == pytest.approx(326.4 * T, rel=1e-12)


def test_stock_kernels_broadcast_samples_by_quarters() -> None:
    n, q = 4, 6
    ref = np.linspace(100, 400, n)[:, None] * T          # (n, 1)
    g = np.full((n, 1), 1.1)
    quality = np.full((n, 1), 0.25)
    t = np.arange(q, dtype=float)[None, :] * 0.25        # (1, q)
    usable = usable_stock(ref, g, t, quality)
    assert usable.shape == (n, q)
    # row 0, quarter 4 (one year): 100T × 1.1 × 0.25 = 27.5T
    assert usable[0, 4] == pytest.approx(27.5 * T, rel=1e-12)
    eff = effective_stock(usable, np.full((n, 1), 2.0))
    assert eff.shape == (n, q)
    np.testing.assert_allclose(eff, 2.0 * usable, rtol=1e-15)


@given(s=pos, g=growth, t=years, qual=share, f=factor)
def test_usable_stock_monotone(s: float, g: float, t: float, qual: float, f: float) -> None:
    base = float(usable_stock(s, g, t, qual))
    assert float(usable_stock(s * f, g, t, qual)) > base             # more tokens at reference
    assert float(usable_stock(s, g * f, t, qual)) > base             # faster growth (t > 0)
    assert float(usable_stock(s, g, t * f, qual)) > base             # later (growth > 1)
    assert float(usable_stock(s, g, t, qual / f)) < base             # stricter filter


@given(u=pos, m=st.floats(min_value=1.0, max_value=20.0), f=factor)
def test_effective_stock_monotone(u: float, m: float, f: float) -> None:
    base = float(effective_stock(u, m))
    assert float(effective_stock(u * f, m)) > base
    assert float(effective_stock(u, m * f)) > base


# --- demand --------------------------------------------------------------------------------------


def test_exponential_path_hand_values() -> None:
    # V24 historical trend 2.4×/yr: 10T × 2.4² = 10T × 5.76 = 57.6T two years on.
    assert float(exponential_path(10 * T, 2.4, 2.0)) == pytest.approx(57.6 * T, rel=1e-12)
    # One year before the reference at 2×/yr: 10T / 2 = 5T.
    assert float(exponential_path(10 * T, 2.0, -1.0)) == pytest.approx(5 * T, rel=1e-12)
    # A quarter on at 16×/yr: 16^0.25 = 2.
    assert float(exponential_path(1.0, 16.0, 0.25)) == pytest.approx(2.0, rel=1e-12)


def test_compute_path_tokens_at_exhaustion_compute() -> None:
    # V24 Fig. 1: at exhaustion, datasets ~4e14 tokens at ~5e28 FLOP (compute-optimal).
    # D = sqrt(r C / 6) = sqrt(20 × 5e28 / 6) = sqrt(1.6667e29) = 4.082483e14
    d = float(compute_path_tokens(5e28, 4.0, 0.0, 20.0, 1.0))
    assert d == pytest.approx(4.082483e14, rel=1e-6)
    assert d == pytest.approx(4e14, rel=0.05)


def test_compute_path_tokens_growth_and_overtraining() -> None:
    # 1e25 FLOP growing 4×/yr, two years on: C = 1.6e26, D = sqrt(20 × 1.6e26 / 6) = 2.309401e13.
    # Equivalently tokens grow √4 = 2×/yr: sqrt(20e25 / 6) = 5.773503e12, × 4 = 2.309401e13.
    assert float(compute_path_tokens(1e25, 4.0, 2.0, 20.0, 1.0)) == pytest.approx(2.309401077e13, rel=1e-9)
    # 5× overtraining: × √5 = 2.236068 → 5.163978e13.
    assert float(compute_path_tokens(1e25, 4.0, 2.0, 20.0, 5.0)) == pytest.approx(5.163977795e13, rel=1e-9)


def test_demand_kernels_broadcast_samples_by_quarters() -> None:
    n, q = 3, 5
    t = np.arange(q, dtype=float)[None, :]                         # (1, q)
    hist = exponential_path(np.full((n, 1), 10 * T), np.array([[2.0], [2.4], [3.0]]), t)
    comp = compute_path_tokens(np.full((n, 1), 1e25), np.full((n, 1), 4.0), t,
                               np.full((n, 1), 20.0), np.ones((n, 1)))
    assert hist.shape == comp.shape == (n, q)
    # row 1, t = 2: 10T × 2.4² = 57.6T
    assert hist[1, 2] == pytest.approx(57.6 * T, rel=1e-12)
    take = np.array([[True], [False], [True]])
    mixed = mixture(hist, comp, take)
    assert mixed.shape == (n, q)
    np.testing.assert_array_equal(mixed[0], hist[0])
    np.testing.assert_array_equal(mixed[1], comp[1])
    eff = np.full((n, 1), 300 * T)
    assert synthetic_gap(mixed, eff).shape == (n, q)
    assert synthetic_share(mixed, eff).shape == (n, q)


@given(c=st.floats(min_value=1e20, max_value=1e30), h=growth, t=years,
       r=st.floats(min_value=1.0, max_value=100.0), k=st.floats(min_value=1.0, max_value=100.0),
       f=factor)
def test_compute_path_tokens_monotone(c: float, h: float, t: float, r: float, k: float, f: float) -> None:
    base = float(compute_path_tokens(c, h, t, r, k))
    assert float(compute_path_tokens(c * f, h, t, r, k)) > base      # more compute today
    assert float(compute_path_tokens(c, h * f, t, r, k)) > base      # faster compute growth
    assert float(compute_path_tokens(c, h, t * f, r, k)) > base      # later
    assert float(compute_path_tokens(c, h, t, r * f, k)) > base      # more tokens per parameter
    assert float(compute_path_tokens(c, h, t, r, k * f)) > base      # more overtraining


@given(v=pos, g=growth, t=years, f=factor)
def test_exponential_path_monotone(v: float, g: float, t: float, f: float) -> None:
    base = float(exponential_path(v, g, t))
    assert float(exponential_path(v * f, g, t)) > base
    assert float(exponential_path(v, g * f, t)) > base
    assert float(exponential_path(v, g, t * f)) > base


# --- the gap once demand passes the stock --------------------------------------------------------


def test_synthetic_gap_and_share_before_and_after_exhaustion() -> None:
    # Stock 300T; demand 100T (before), 300T (at), 500T and 1.2Q (after).
    d = np.array([100.0, 300.0, 500.0, 1200.0]) * T
    s = 300 * T
    # gap = max(D − S, 0): 0, 0, 200T, 900T
    np.testing.assert_allclose(synthetic_gap(d, s), np.array([0.0, 0.0, 200.0, 900.0]) * T, rtol=1e-15)
    # share = gap / D: 0, 0, 200/500 = 0.4, 900/1200 = 0.75
    np.testing.assert_allclose(synthetic_share(d, s), [0.0, 0.0, 0.4, 0.75], rtol=1e-15)


@given(d=pos, s=pos, f=factor)
def test_synthetic_gap_and_share_monotone(d: float, s: float, f: float) -> None:
    gap, sh = float(synthetic_gap(d, s)), float(synthetic_share(d, s))
    assert gap >= 0.0 and 0.0 <= sh < 1.0
    assert (gap > 0) == (d > s)
    assert float(synthetic_gap(d * f, s)) >= gap                     # more demand, more gap
    assert float(synthetic_gap(d, s * f)) <= gap                     # more stock, less gap
    assert float(synthetic_share(d * f, s)) >= sh
    assert float(synthetic_share(d, s * f)) <= sh
    if d > s:
        assert gap == pytest.approx(d - s, rel=1e-12)
        assert sh == pytest.approx((d - s) / d, rel=1e-9)
    else:
        assert gap == 0.0 and sh == 0.0
