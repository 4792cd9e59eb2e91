"""Tests of forecast.models.sampling (with its families in distributions and beta): families, interval
constructors, streams, rank correlation.

The families delegate ppf and mean to scipy.stats, so reference values come from closed forms
written out in the test (evaluated with the standard library), from hashlib, or, for the fitted
betas and the rank correlations, from scipy.stats' cdf/sf/spearmanr; never from the module under
test.
"""
from __future__ import annotations

import ast
import doctest
import hashlib
import math
import pickle
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from forecast.models import sampling
from forecast.models.sampling import (
    Beta,
    Choice,
    Fixed,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    correlated_uniforms,
    input_rng,
    interval_distribution,
    sample,
    uniforms,
)

N = 200_000
SEED = 20240601
T = 1e12  # one trillion tokens
U_GRID = np.array([1e-9, 1e-4, 0.01, 0.05, 0.2, 0.5, 0.77, 0.95, 0.99, 0.9999, 1 - 1e-9])


def sample_quantiles(dist, name: str, probs=(0.05, 0.95)) -> np.ndarray:
    return np.quantile(sample(dist, SEED, name, N), probs)


# --------------------------------------------------------------------------- sampled quantiles


@pytest.mark.parametrize(
    ("dist", "expected"),
    [
        (LogNormal.from_interval(100 * T, 1000 * T), (100 * T, 1000 * T)),
        (Normal.from_interval(-1.0, 3.0), (-1.0, 3.0)),
        (Beta.from_interval(0.1, 0.4), (0.1, 0.4)),
        # Uniform: low + p (high - low).
        (Uniform(2.0, 12.0), (2.5, 11.5)),
        # Triangular(0, 2, 10): c = 0.2; p5 = sqrt(0.05*10*2) = 1, p95 = 10 - sqrt(0.05*10*8) = 8.
        (Triangular(0.0, 2.0, 10.0), (1.0, 10.0 - math.sqrt(4.0))),
        # Pert(1, 1, 11): Beta(1, 5) on [1, 11], ppf(u) = 1 + 10 (1 − (1 − u)^(1/5)):
        # p5 = 1 + 10 (1 − 0.95^0.2) = 1.10206, p95 = 1 + 10 (1 − 0.05^0.2) = 5.50720.
        (Pert(1.0, 1.0, 11.0), (1.0 + 10.0 * (1.0 - 0.95**0.2), 1.0 + 10.0 * (1.0 - 0.05**0.2))),
    ],
    ids=["lognormal", "normal", "beta", "uniform", "triangular", "pert"],
)
def test_sampled_p5_p95_match_requested(dist, expected):
    p5, p95 = sample_quantiles(dist, "x")
    assert p5 == pytest.approx(expected[0], rel=0.01)
    assert p95 == pytest.approx(expected[1], rel=0.01)


def test_choice_frequencies():
    dist = Choice(values=(3.0, 1.0, 2.0, 7.0), weights=(1.0, 5.0, 0.0, 4.0))
    draws = sample(dist, SEED, "choice", N)
    for value, expected in ((1.0, 0.5), (2.0, 0.0), (3.0, 0.1), (7.0, 0.4)):
        assert np.mean(draws == value) == pytest.approx(expected, abs=0.01)
    assert not np.any(draws == 2.0)  # weight zero is never drawn


@pytest.mark.parametrize("family", [LogNormal, Normal, Beta], ids=lambda c: c.__name__)
def test_credibility_95_puts_bounds_at_2_5_and_97_5_percent(family):
    low, high = (0.2, 0.6) if family is Beta else (5.0, 50.0)
    dist = family.from_interval(low, high, credibility=95.0)
    assert dist.quantile(0.025) == pytest.approx(low, rel=1e-9)
    assert dist.quantile(0.975) == pytest.approx(high, rel=1e-9)
    p2_5, p97_5 = sample_quantiles(dist, "cred95", (0.025, 0.975))
    assert p2_5 == pytest.approx(low, rel=0.01)
    assert p97_5 == pytest.approx(high, rel=0.01)
    # And not the 90 % reading: p5 lies strictly inside the interval.
    assert dist.quantile(0.05) > low * (1 + 1e-3)


def test_lognormal_from_interval_parameters():
    dist = LogNormal.from_interval(100.0, 1000.0)
    assert dist.mu == pytest.approx(math.log(math.sqrt(1e5)), rel=1e-12)
    assert dist.sigma == pytest.approx(math.log(10.0) / (2 * 1.6448536269514722), rel=1e-12)
    assert dist.quantile(0.5) == pytest.approx(316.227766, rel=1e-8)


def test_interval_distribution_chooses_family():
    assert isinstance(interval_distribution(1.0, 10.0), LogNormal)
    assert isinstance(interval_distribution(0.0, 10.0), Normal)
    assert isinstance(interval_distribution(-5.0, -1.0), Normal)
    assert interval_distribution(1.0, 10.0, 80.0) == LogNormal.from_interval(1.0, 10.0, 80.0)
    assert interval_distribution(-1.0, 3.0, 80.0) == Normal.from_interval(-1.0, 3.0, 80.0)


# --------------------------------------------------------------------------- known quantiles
# ppf and mean delegate to scipy.stats; these check the parameter mapping and scipy's answer
# against closed forms evaluated with the standard library only.


def phi(x: float) -> float:
    """Standard normal CDF, Φ(x) = erfc(−x/√2)/2 (math.erfc, not scipy)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


Z = (-6.0, -3.0, -1.0, 0.0, 0.5, 1.0, 2.5)  # normal scores (u = Φ(z) rounds near 1 above z ≈ 3)


def cubic_root(x: float) -> float:
    return x ** (1.0 / 3.0)


KNOWN_CASES = [
    # (distribution, [(u, ppf(u)) ...], mean)
    # LogNormal(mu, sigma): exp(mu + sigma z) at u = Φ(z); mean exp(mu + sigma²/2).
    (LogNormal(1.5, 0.7), [(phi(z), math.exp(1.5 + 0.7 * z)) for z in Z], math.exp(1.5 + 0.245)),
    (LogNormal(34.5, 2.0), [(phi(z), math.exp(34.5 + 2.0 * z)) for z in Z], math.exp(36.5)),
    # Normal(mean, sd): mean + sd z.
    (Normal(-2.0, 3.5), [(phi(z), -2.0 + 3.5 * z) for z in Z], -2.0),
    # Uniform(-1, 4): -1 + 5u.
    (Uniform(-1.0, 4.0), [(1e-9, -1.0 + 5e-9), (0.3, 0.5), (0.99, 3.95)], 1.5),
    # Triangular(1, 2.5, 7): c = 1.5/6 = 0.25. Left: 1 + 6 sqrt(0.25 u): u = 0.04 → 1.6, u = c → the
    # mode. Right: 1 + 6 (1 − sqrt(0.75 (1 − u))): u = 0.91 → 1 + 6 (1 − sqrt(0.0675)).
    # Mean (1 + 2.5 + 7)/3 = 3.5.
    (Triangular(1.0, 2.5, 7.0),
     [(0.04, 1.6), (0.25, 2.5), (0.91, 1.0 + 6.0 * (1.0 - math.sqrt(0.0675)))], 3.5),
    # mode at low: 1 − sqrt(1 − u); at high: sqrt(u).
    (Triangular(0.0, 0.0, 1.0), [(0.75, 0.5), (0.19, 0.1)], 1.0 / 3.0),
    (Triangular(0.0, 1.0, 1.0), [(0.25, 0.5), (0.81, 0.9)], 2.0 / 3.0),
    # Beta(1/2, 1/2) is the arcsine law: F(x) = (2/π) asin(√x), ppf(u) = sin²(πu/2).
    (Beta(0.5, 0.5), [(u, math.sin(math.pi * u / 2.0) ** 2) for u in (1e-6, 1 / 3, 0.5, 0.9)], 0.5),
    # Beta(1, 3) on [10, 30]: F(x) = 1 − (1 − x)³, ppf(u) = 10 + 20 (1 − (1 − u)^(1/3)); mean 10 + 20/4.
    (Beta(1.0, 3.0, low=10.0, high=30.0),
     [(0.875, 20.0), (0.001, 10.0 + 20.0 * (1.0 - cubic_root(0.999)))], 15.0),
    # Pert(0, 0, 1), lamb 4: alpha = 1, beta = 1 + 4 = 5; ppf(u) = 1 − (1 − u)^(1/5):
    # u = 1 − 2⁻⁵ → 1/2. Mean (0 + 4·0 + 1)/6.
    (Pert(0.0, 0.0, 1.0), [(1.0 - 2.0**-5, 0.5), (0.5, 1.0 - 0.5**0.2)], 1.0 / 6.0),
    # Pert(0, 10, 10), lamb 1: alpha = 1 + 1 = 2, beta = 1; ppf(u) = 10 sqrt(u). Mean (0 + 10 + 10)/3.
    (Pert(0.0, 10.0, 10.0, lamb=1.0), [(0.49, 7.0), (0.01, 1.0)], 20.0 / 3.0),
    # Pert(2, 4, 10), lamb 6: alpha = 1 + 6·2/8 = 2.5, beta = 1 + 6·6/8 = 5.5; mean (2 + 24 + 10)/8.
    (Pert(2.0, 4.0, 10.0, lamb=6.0), [], 4.5),
]


@pytest.mark.parametrize(("dist", "points", "mean"), KNOWN_CASES, ids=lambda x: repr(x)[:40])
def test_ppf_and_mean_match_closed_forms(dist, points, mean):
    for u, expected in points:
        assert dist.quantile(u) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    if points:
        u, expected = map(np.array, zip(*points))
        np.testing.assert_allclose(dist.ppf(u), expected, rtol=1e-12)
    assert dist.mean() == pytest.approx(mean, rel=1e-12)


def test_classic_pert_inverts_its_polynomial_cdf():
    # Pert(0, 1/2, 1), lamb 4, is Beta(3, 3): F(x) = 10x³ − 15x⁴ + 6x⁵ (integrate 30 x²(1 − x)²).
    dist = Pert(0.0, 0.5, 1.0)
    x = dist.ppf(U_GRID)
    np.testing.assert_allclose(10 * x**3 - 15 * x**4 + 6 * x**5, U_GRID, rtol=1e-12)
    assert dist.quantile(0.5) == pytest.approx(0.5, rel=1e-14)


def test_choice_ppf_steps():
    # Sorted: -1 (0.3), 2 (0.4), 3.5 (0.2), 10 (0.1); cumulative 0.3, 0.7, 0.9, 1.
    dist = Choice(values=(3.5, -1.0, 10.0, 2.0), weights=(2.0, 3.0, 1.0, 4.0))  # unnormalised
    u = np.array([0.01, 0.29, 0.31, 0.5, 0.69, 0.71, 0.89, 0.91, 0.999])
    np.testing.assert_array_equal(dist.ppf(u), [-1, -1, 2, 2, 2, 3.5, 3.5, 10, 10])
    # mean 3.5·0.2 − 1·0.3 + 10·0.1 + 2·0.4 = 0.7 − 0.3 + 1 + 0.8 = 2.2
    assert dist.mean() == pytest.approx(2.2, rel=1e-12)


def test_choice_pools_repeated_values_and_skips_zero_weights():
    # 1 has weight 1 + 2 = 3 of 4: cumulative 0.75 at 1, then 2.
    dist = Choice(values=(1.0, 2.0, 1.0), weights=(1.0, 1.0, 2.0))
    assert dist.quantile(0.74) == 1.0 and dist.quantile(0.76) == 2.0
    assert dist.mean() == pytest.approx(1.25, rel=1e-12)
    # 0 has weight zero: never drawn, not even at u = 0.
    dist = Choice(values=(0.0, 5.0, 7.0), weights=(0.0, 1.0, 1.0))
    assert dist.quantile(0.0) == 5.0 and dist.quantile(1.0) == 7.0
    assert set(np.unique(sample(dist, SEED, "choice", 1000))) == {5.0, 7.0}


def test_choice_is_the_generalised_inverse_at_steps():
    # ppf(u) = min{v : F(v) >= u}: at u = C_0 = 0.5 exactly the first value, just above it the next.
    dist = Choice(values=(1.0, 2.0), weights=(1.0, 1.0))
    assert dist.quantile(0.5) == 1.0
    assert dist.quantile(np.nextafter(0.5, 1.0)) == 2.0


def test_fixed():
    dist = Fixed(4.2)
    np.testing.assert_array_equal(dist.ppf(np.array([0.1, 0.9])), [4.2, 4.2])
    assert dist.ppf(np.zeros((2, 3))).shape == (2, 3)
    assert dist.mean() == dist.quantile(0.5) == 4.2


def test_ppf_keeps_shape():
    u = np.full((4, 1), 0.3)
    for dist in ALL_FAMILIES:
        assert dist.ppf(u).shape == (4, 1)
        assert dist.ppf(u).dtype == np.float64


ALL_FAMILIES = [case[0] for case in KNOWN_CASES] + [
    Beta(0.6, 3.0),
    Fixed(1.0),
    Choice(values=(1.0, 2.0), weights=(1.0, 3.0)),
]


@pytest.mark.parametrize("dist", ALL_FAMILIES, ids=lambda x: repr(x)[:40])
def test_frozen_and_picklable(dist):
    clone = pickle.loads(pickle.dumps(dist))
    assert clone == dist
    assert hash(clone) == hash(dist)
    np.testing.assert_array_equal(clone.ppf(U_GRID), dist.ppf(U_GRID))
    field = next(iter(dist.__dataclass_fields__))
    with pytest.raises(AttributeError):
        setattr(dist, field, 0.0)


def test_normal_constructor_and_repr():
    assert Normal(1.0, 2.0) == Normal(mean=1.0, sd=2.0)
    assert repr(Normal(1.0, 2.0)) == "Normal(mean=1.0, sd=2.0)"
    assert eval(repr(Normal(1.0, 2.0)), {"Normal": Normal}) == Normal(1.0, 2.0)


# --------------------------------------------------------------------------- hypothesis

finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def distributions(draw):
    kind = draw(st.sampled_from(["fixed", "lognormal", "normal", "uniform", "tri", "beta",
                                 "pert", "choice"]))
    low = draw(st.floats(-1e6, 1e6, **finite))
    width = draw(st.floats(1e-3, 1e6, **finite))
    frac = draw(st.floats(0.0, 1.0, **finite))
    if kind == "fixed":
        return Fixed(low)
    if kind == "lognormal":
        return LogNormal(draw(st.floats(-30, 40, **finite)), draw(st.floats(0.01, 5, **finite)))
    if kind == "normal":
        return Normal(low, width)
    if kind == "uniform":
        return Uniform(low, low + width)
    if kind == "tri":
        return Triangular(low, low + frac * width, low + width)
    if kind == "beta":
        shapes = st.floats(0.1, 200, **finite)
        return Beta(draw(shapes), draw(shapes), low, low + width)
    if kind == "pert":
        return Pert(low, low + frac * width, low + width, draw(st.floats(0.5, 50, **finite)))
    size = draw(st.integers(1, 6))
    values = draw(st.lists(st.floats(-1e6, 1e6, **finite), min_size=size, max_size=size))
    weights = draw(st.lists(st.floats(0, 10, **finite), min_size=size, max_size=size))
    weights[0] += 0.5  # a positive total
    return Choice(tuple(values), tuple(weights))


@given(dist=distributions(), extra=st.lists(st.floats(1e-12, 1 - 1e-12, **finite), max_size=20))
def test_ppf_is_monotone_and_quantiles_ordered(dist, extra):
    u = np.sort(np.concatenate([np.linspace(1e-6, 1 - 1e-6, 201), extra]))
    x = dist.ppf(u)
    assert np.all(np.isfinite(x))
    # scipy's betaincinv is monotone only to a few ulps (u = 0.5 and 0.49999999999999994
    # can come back swapped at the 1e-17 level), so allow rounding noise, nothing more.
    assert np.all(np.diff(x) >= -1e-12 * max(1.0, float(np.abs(x).max())))
    assert dist.quantile(0.05) <= dist.quantile(0.5) <= dist.quantile(0.95)


credibilities = st.floats(50.0, 99.0, **finite)


@given(
    low=st.floats(1e-3, 1e15, **finite),
    ratio=st.floats(1.001, 1e6, **finite),
    credibility=credibilities,
)
def test_lognormal_from_interval_round_trips(low, ratio, credibility):
    high = low * ratio
    dist = LogNormal.from_interval(low, high, credibility)
    tail = (100.0 - credibility) / 200.0
    assert math.isclose(dist.quantile(tail), low, rel_tol=1e-9)
    assert math.isclose(dist.quantile(1.0 - tail), high, rel_tol=1e-9)


@given(
    low=st.floats(-1e6, 1e6, **finite),
    width=st.floats(1e-3, 1e6, **finite),
    credibility=credibilities,
)
def test_normal_from_interval_round_trips(low, width, credibility):
    high = low + width
    dist = Normal.from_interval(low, high, credibility)
    tail = (100.0 - credibility) / 200.0
    # relative to the width of the interval: a bound near 0 has no meaningful relative error
    scale = high - low
    assert math.isclose(dist.quantile(tail), low, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(dist.quantile(1.0 - tail), high, rel_tol=1e-9, abs_tol=1e-9 * scale)


@given(
    low=st.floats(1e-3, 0.98, **finite),
    gap=st.floats(0.01, 1.0, **finite),
    credibility=credibilities,
)
def test_beta_from_interval_round_trips(low, gap, credibility):
    high = low + gap * (0.999 - low)
    dist = Beta.from_interval(low, high, credibility)
    tail = (100.0 - credibility) / 200.0
    assert (dist.low, dist.high) == (0.0, 1.0)
    assert math.isclose(dist.quantile(tail), low, rel_tol=1e-9)
    assert math.isclose(dist.quantile(1.0 - tail), high, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("low", "high", "credibility"),
    [(1e-6, 1e-3, 90.0), (0.001, 0.999, 90.0), (0.5, 0.5001, 90.0), (1e-12, 1 - 1e-12, 90.0),
     (0.0028, 0.9837, 99.0), (0.358, 0.99968, 99.9), (0.3, 0.7, 1.0)],
)
def test_beta_from_interval_hard_cases(low, high, credibility):
    dist = Beta.from_interval(low, high, credibility)
    tail = (100.0 - credibility) / 200.0
    ref = scipy.stats.beta(dist.alpha, dist.beta)
    assert float(ref.cdf(low)) == pytest.approx(tail, rel=1e-6)
    assert float(ref.sf(high)) == pytest.approx(tail, rel=1e-6)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: LogNormal(0.0, 0.0), "sigma must be positive"),
        (lambda: LogNormal(0.0, -1.0), "sigma must be positive"),
        (lambda: LogNormal(float("nan"), 1.0), "mu must be finite"),
        (lambda: Normal(0.0, 0.0), "sd must be positive"),
        (lambda: Normal("1", 1.0), "mean must be a number"),
        (lambda: Uniform(1.0, 1.0), "low must be below high"),
        (lambda: Uniform(2.0, 1.0), "low must be below high"),
        (lambda: Triangular(0.0, 2.0, 1.0), "mode must lie between low and high"),
        (lambda: Triangular(1.0, 1.0, 1.0), "low must be below high"),
        (lambda: Beta(0.0, 1.0), "alpha and beta must be positive"),
        (lambda: Beta(1.0, 1.0, low=1.0, high=0.0), "low must be below high"),
        (lambda: Pert(0.0, -1.0, 1.0), "mode must lie between low and high"),
        (lambda: Pert(0.0, 0.5, 1.0, lamb=0.0), "lamb must be positive"),
        (lambda: Choice((1.0, 2.0), (1.0,)), "same length"),
        (lambda: Choice((), ()), "must not be empty"),
        (lambda: Choice((1.0, 2.0), (1.0, -0.5)), "must not be negative"),
        (lambda: Choice((1.0, 2.0), (0.0, 0.0)), "must not all be zero"),
        (lambda: Fixed(float("inf")), "must be finite"),
        (lambda: Fixed(True), "must be a number"),
        (lambda: LogNormal.from_interval(0.0, 10.0), "low must be positive"),
        (lambda: LogNormal.from_interval(10.0, 5.0), "low must be below high"),
        (lambda: Normal.from_interval(3.0, 3.0), "low must be below high"),
        (lambda: Normal.from_interval(1.0, 3.0, credibility=100.0), "strictly between 0 and 100"),
        (lambda: Normal.from_interval(1.0, 3.0, credibility=0.0), "strictly between 0 and 100"),
        (lambda: Beta.from_interval(0.0, 0.5), "0 < low < high < 1"),
        (lambda: Beta.from_interval(0.5, 1.0), "0 < low < high < 1"),
        (lambda: Beta.from_interval(0.6, 0.5), "0 < low < high < 1"),
        (lambda: Normal(0.0, 1.0).quantile(1.5), r"probability in \[0, 1\]"),
    ],
)
def test_invalid_parameters_raise(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_valid_edge_parameters_accepted():
    assert Triangular(0.0, 0.0, 1.0).mean() == pytest.approx(1 / 3)
    assert Pert(0.0, 1.0, 1.0).mean() == pytest.approx(5 / 6)
    assert Choice((5.0,), (0.1,)).quantile(0.99) == 5.0
    assert Fixed(np.float32(2.5)).value == 2.5 and type(Fixed(np.int64(2)).value) is float


# --------------------------------------------------------------------------- streams


def test_name_key_is_sha256_words():
    digest = hashlib.sha256("stock.web_tokens".encode("utf-8")).digest()
    words = tuple(int.from_bytes(digest[4 * i : 4 * i + 4], "big") for i in range(4))
    assert sampling._name_key("stock.web_tokens") == words
    expected = np.random.default_rng(np.random.SeedSequence(11, spawn_key=words)).random(5)
    np.testing.assert_array_equal(input_rng(11, "stock.web_tokens").random(5), expected)
    # non-ASCII names are hashed as UTF-8
    assert sampling._name_key("é") == tuple(
        int.from_bytes(hashlib.sha256(b"\xc3\xa9").digest()[4 * i : 4 * i + 4], "big")
        for i in range(4)
    )


def test_same_seed_and_name_give_identical_streams():
    np.testing.assert_array_equal(uniforms(5, "a.b", 1000), uniforms(5, "a.b", 1000))
    a = sample(LogNormal(0, 1), 5, "a.b", 1000)
    assert np.array_equal(a, sample(LogNormal(0, 1), 5, "a.b", 1000))


def test_different_names_and_seeds_give_different_streams():
    base = uniforms(5, "a.b", 1000)
    assert not np.array_equal(base, uniforms(5, "a.c", 1000))
    assert not np.array_equal(base, uniforms(6, "a.b", 1000))
    # and they are not merely shifted copies of each other
    assert abs(np.corrcoef(base, uniforms(5, "a.c", 1000))[0, 1]) < 0.1


def test_adding_an_input_leaves_the_others_unchanged():
    alone = uniforms(9, "A", 5000)
    uniforms(9, "B", 5000)
    after = uniforms(9, "A", 5000)
    assert np.array_equal(alone, after)
    # longer draws extend, never reshuffle, the stream
    assert np.array_equal(uniforms(9, "A", 6000)[:5000], alone)
    # the same holds inside a correlated draw: A's row ignores B
    identity = correlated_uniforms(9, ["A", "B"], np.eye(2), 5000)
    assert np.array_equal(identity[0], alone)
    assert np.array_equal(identity[1], uniforms(9, "B", 5000))


def test_uniforms_are_in_the_open_interval(monkeypatch):
    class ZeroRng:
        def random(self, n):
            return np.zeros(n)

    monkeypatch.setattr(sampling, "input_rng", lambda seed, name: ZeroRng())
    u = sampling.uniforms(1, "x", 4)
    assert np.all(u > 0) and np.all(u < 1)
    assert np.all(np.isfinite(Normal(0, 1).ppf(u)))
    assert np.all(LogNormal(0, 1).ppf(u) > 0)


def test_uniforms_dtype_shape_and_range():
    u = uniforms(1, "x", N)
    assert u.dtype == np.float64 and u.shape == (N,)
    assert 0 < u.min() and u.max() < 1
    assert uniforms(1, "x", 0).shape == (0,)


@pytest.mark.parametrize(
    ("seed", "name", "n", "message"),
    [(-1, "x", 3, "seed"), (1.5, "x", 3, "seed"), (1, "", 3, "name"), (1, "x", -1, "n "),
     (1, "x", 2.0, "n ")],
)
def test_stream_arguments_validated(seed, name, n, message):
    with pytest.raises(ValueError, match=message):
        uniforms(seed, name, n)


# --------------------------------------------------------------------------- rank correlation

SPEARMAN = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]])
NAMES = ["demand.growth", "stock.web_tokens", "cost.gpu_hour_price"]


def test_correlated_uniforms_achieve_spearman_and_keep_uniform_marginals():
    u = correlated_uniforms(SEED, NAMES, SPEARMAN, N)
    assert u.shape == (3, N) and u.dtype == np.float64
    achieved = scipy.stats.spearmanr(u, axis=1).statistic
    np.testing.assert_allclose(achieved, SPEARMAN, atol=0.02)
    assert np.all((u > 0) & (u < 1))
    for row in u:
        np.testing.assert_allclose(np.quantile(row, [0.05, 0.5, 0.95]), [0.05, 0.5, 0.95],
                                   atol=0.01)
    # rank correlation survives any monotone ppf
    x = np.stack([LogNormal(0, 2).ppf(u[0]), Beta(0.5, 3).ppf(u[1])])
    assert scipy.stats.spearmanr(x, axis=1).statistic == pytest.approx(0.6, abs=0.02)


def test_pearson_conversion_is_applied():
    # without the 2 sin(pi rho / 6) conversion, rho = 0.5 would come out near 0.483
    u = correlated_uniforms(SEED, ["a", "b"], [[1.0, 0.5], [0.5, 1.0]], N)
    assert scipy.stats.spearmanr(u[0], u[1]).statistic == pytest.approx(0.5, abs=0.005)


def test_first_input_keeps_its_independent_uniforms():
    u = correlated_uniforms(SEED, NAMES, SPEARMAN, 10_000)
    assert np.array_equal(u[0], uniforms(SEED, NAMES[0], 10_000))
    assert not np.array_equal(u[1], uniforms(SEED, NAMES[1], 10_000))
    # reordering changes which input is the anchor, not its stream
    v = correlated_uniforms(SEED, NAMES[::-1], SPEARMAN[::-1, ::-1], 10_000)
    assert np.array_equal(v[0], uniforms(SEED, NAMES[2], 10_000))


def test_correlated_uniforms_are_reproducible():
    a = correlated_uniforms(3, NAMES, SPEARMAN, 1000)
    assert np.array_equal(a, correlated_uniforms(3, NAMES, SPEARMAN, 1000))
    assert not np.array_equal(a, correlated_uniforms(4, NAMES, SPEARMAN, 1000))


@pytest.mark.parametrize(
    ("names", "matrix", "message"),
    [
        (["a", "b"], [[1.0, 0.5], [0.4, 1.0]], "not symmetric"),
        (["a", "b"], [[1.0, 0.5], [0.5, 0.9]], "1 on the diagonal"),
        (["a", "b"], [[1.0, 1.5], [1.5, 1.0]], r"outside \[-1, 1\]"),
        (["a", "b"], [[1.0, 1.0], [1.0, 1.0]], "lower the correlations"),
        (["a", "b", "c"], [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], "not positive definite"),
        (["a", "b", "c"], np.eye(2), "must be 3×3"),
        (["a", "a"], np.eye(2), "distinct"),
        (["a", "b"], [[1.0, np.nan], [np.nan, 1.0]], "missing or infinite"),
    ],
)
def test_invalid_spearman_matrices_raise(names, matrix, message):
    with pytest.raises(ValueError, match=message):
        correlated_uniforms(1, names, np.asarray(matrix, dtype=float), 10)


def test_no_inputs():
    assert correlated_uniforms(1, [], np.empty((0, 0)), 5).shape == (0, 5)


# --------------------------------------------------------------------------- module hygiene


def test_public_api():
    expected = {
        "Fixed", "LogNormal", "Normal", "Uniform", "Triangular", "Beta", "Pert", "Choice",
        "Distribution", "interval_distribution", "input_rng", "uniforms", "correlated_uniforms",
        "sample",
    }
    assert set(sampling.__all__) == expected
    assert all(hasattr(sampling, name) for name in sampling.__all__)


def test_scipy_stats_is_imported_on_the_first_draw_only():
    # `peakdata validate` builds distributions but never samples; scipy.stats takes ~0.5 s to import.
    code = ("import sys; from forecast.models.sampling import LogNormal; "
            "d = LogNormal.from_interval(1.0, 10.0); assert 'scipy.stats' not in sys.modules; "
            "d.ppf([0.5]); assert 'scipy.stats' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


@pytest.mark.parametrize("module", ["sampling", "distributions", "beta"])
def test_module_level_imports_are_numpy_and_scipy_special_only(module):
    tree = ast.parse((Path(sampling.__file__).parent / f"{module}.py").read_text(encoding="utf-8"))
    imported = set()
    for node in tree.body:  # module level only; scipy.stats and scipy.optimize load lazily
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
    third_party = {name for name in imported if name.split(".")[0] in {"numpy", "scipy"}}
    assert third_party == {"numpy", "scipy.special"}
    stdlib = {name.split(".")[0] for name in imported} - {"numpy", "scipy"}
    assert stdlib <= {"__future__", "hashlib", "math", "numbers", "struct", "collections",
                      "dataclasses", "typing", "forecast"}   # forecast: the sibling kernels of models/
    assert {name for name in imported if name.startswith("forecast")} <= {
        f"forecast.models.{m}.{n}" for m in ("distributions", "beta") for n in dir(import_module(f"forecast.models.{m}"))}


def test_docstring_examples():
    modules = [import_module(f"forecast.models.{m}") for m in ("sampling", "distributions", "beta")]
    results = [doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE) for m in modules]
    assert all(r.failed == 0 for r in results) and sum(r.attempted for r in results) > 10
