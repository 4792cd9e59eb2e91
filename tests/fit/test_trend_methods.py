"""Trend adapters (forecast.fit.methods): known growth recovered, interval coverage near nominal.

Synthetic frontier: two releases a quarter, 2015Q1–2024Q4, log10 size on a 0.5 OOM/yr line
(12 at 2020.0) with N(0, 0.05) scatter; the frontier is the record so far.
"""
from __future__ import annotations

import numpy as np
import pytest

from forecast.errors import FitError
from forecast.fit.frontier import FitInput, FrontierRule, Observations, fit_input
from forecast.fit.methods import METHODS, cache_info, clear_cache, fit_method
from forecast.units import Quarter

SLOPE = 0.5  # OOM/yr
#: Tolerance on recovered growth [OOM/yr]. ETS's damped trend shrinks growth toward zero by design
#: (damping φ < 1 over the 8-quarter growth window), so it gets a wider, one-sided band.
TOLERANCE = {"ols": 0.05, "quantreg": 0.05, "prophet": 0.05, "ets": 0.15}


def releases(seed: int, noise: float = 0.05, direction: int = 1) -> Observations:
    rng = np.random.default_rng(seed)
    q = np.repeat(np.arange(Quarter(2015, 1).ordinal, Quarter(2025, 1).ordinal), 2)
    t = (q + rng.uniform(0, 1, q.size)) / 4
    z = SLOPE * (t - 2020) + 12 + rng.normal(0, noise, q.size)
    return Observations("syn", "tokens", direction, t, q, q, 10.0 ** (direction * z), np.zeros(q.size, bool))


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("seed", [0, 1])
def test_known_growth_is_recovered(method, seed):
    fit = fit_method(method, fit_input(releases(seed), Quarter(2025, 1), FrontierRule()), 8, 0.8, seed=3)
    if method == "ets":
        assert SLOPE - TOLERANCE["ets"] <= fit.growth <= SLOPE + 0.02
    else:
        assert fit.growth == pytest.approx(SLOPE, abs=TOLERANCE[method])
    # forecasts start at the as-of quarter, ordered bounds, one point per step
    assert fit.horizon[0] == Quarter(2025, 1).ordinal and fit.horizon.size == 8
    assert np.all(fit.lower <= fit.forecast) and np.all(fit.forecast <= fit.upper)
    assert fit.residuals == pytest.approx(fit.observed - fit.fitted)


@pytest.mark.parametrize("method", ["ols", "quantreg", "ets"])
def test_falling_series_is_fitted_with_its_sign(method):
    # price per FLOP falls 0.5 OOM/yr: the frontier is the cheapest, growth negative
    fit = fit_method(method, fit_input(releases(0, direction=-1), Quarter(2025, 1), FrontierRule()), 8, 0.8)
    assert fit.growth == pytest.approx(-SLOPE, abs=TOLERANCE[method])
    assert np.all(fit.lower <= fit.upper)


def _line_input(rng, n: int, trend: str) -> tuple[FitInput, np.ndarray]:
    """n quarters of a series and its next 4 quarters: iid noise on a line, or a random walk with drift."""
    total = n + 4
    if trend == "line":
        z = 0.1 * np.arange(total) + rng.normal(0, 0.2, total)
    else:
        z = np.cumsum(0.1 + rng.normal(0, 0.2, total))
    q0 = Quarter(2010, 1).ordinal
    quarters = np.arange(q0, q0 + n)
    data = FitInput("sim", 1, q0 + n, (quarters + 0.5) / 4, z[:n], quarters, z[:n])
    return data, z[n:]


@pytest.mark.parametrize("method,trend,n,reps,tolerance", [
    ("ols", "line", 32, 300, 0.06), ("quantreg", "line", 32, 100, 0.12), ("ets", "walk", 60, 40, 0.12),
    ("prophet", "line", 32, 40, 0.12)])
def test_interval_coverage_is_near_nominal(method, trend, n, reps, tolerance):
    # 80% intervals, 1-4 steps ahead, on data the method's model describes (iid noise on a line for
    # OLS, quantreg and Prophet, a random walk with drift for ETS): the share of later values inside
    # them is 80% within the tolerance (OLS: ±3.5 binomial s.e. at 1,200 draws; the others: fewer,
    # correlated draws; quantreg's band is in-sample residual quantiles widened by the slope's
    # error, ETS's exact intervals ignore parameter uncertainty).
    rng = np.random.default_rng(11)
    hits = []
    for _ in range(reps):
        data, future = _line_input(rng, n, trend)
        fit = fit_method(method, data, 4, 0.8, seed=1)
        hits.append((fit.lower <= future) & (future <= fit.upper))
    assert np.mean(hits) == pytest.approx(0.8, abs=tolerance)


def test_fit_cache_returns_the_same_fit_without_refitting():
    clear_cache()
    data = fit_input(releases(0), Quarter(2024, 1), FrontierRule())
    first = fit_method("ols", data, 8)
    assert cache_info()["misses"] == 1
    assert fit_method("ols", data, 8) is first and cache_info()["hits"] == 1
    # other settings are another fit
    assert fit_method("ols", data, 8, coverage=0.9) is not first


def test_too_few_points_is_a_fit_error():
    data = fit_input(releases(0), Quarter(2015, 2), FrontierRule())  # one quarter seen
    for method in METHODS:
        with pytest.raises(FitError, match="needs at least"):
            fit_method(method, data, 4)
    with pytest.raises(FitError, match="unknown trend method"):
        fit_method("arima", data, 4)
