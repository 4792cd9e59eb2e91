"""Log-linear trend of training dataset sizes, with a bootstrap of the slope.

Villalobos et al. 2024 (§2.4) regress log10(dataset size) on publication date for notable language
models and bootstrap the slope (10,000 resamples) to express its uncertainty: 0.38 OOM/yr
(95% CI 0.27–0.48), i.e. ≈ 2.4×/yr. This module does the same on ``data/notable_models.csv``
with ordinary least squares for the point fit (:func:`_ols`: the pseudo-inverse computation of
statsmodels' ``OLS(...).fit()``, step for step in numpy, so its numbers are statsmodels' without
the second it takes to import statsmodels) and a seeded, vectorised bootstrap (closed-form OLS
slope per resample) for the spread.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.errors import FitError

__all__ = ["TrendFitResult", "fit_log_trend", "decimal_year"]


@dataclass(frozen=True)
class TrendFitResult:
    """A fitted log10-linear trend.

    Attributes
    ----------
    slope : float
        OLS slope [log10 units per year] (orders of magnitude per year).
    intercept : float
        log10 value at year 0 of the fit's x axis (decimal years).
    slope_se : float
        Standard error of the slope from OLS [OOM/yr].
    n : int
        Points fitted.
    bootstrap : numpy.ndarray
        Sorted bootstrap slopes [OOM/yr].
    """

    slope: float
    intercept: float
    slope_se: float
    n: int
    bootstrap: np.ndarray

    @property
    def growth(self) -> float:
        """Point-estimate yearly growth factor [factor/yr]."""
        return float(10.0 ** self.slope)

    def growth_interval(self, credibility: float = 95.0) -> tuple[float, float]:
        """Central bootstrap interval of the yearly growth factor [factor/yr]."""
        tail = (100.0 - credibility) / 200.0
        lo, hi = np.quantile(self.bootstrap, [tail, 1.0 - tail])
        return float(10.0 ** lo), float(10.0 ** hi)

    def growth_ppf(self, u: np.ndarray) -> np.ndarray:
        """Yearly growth factor at bootstrap quantiles ``u`` (inverse empirical CDF) [factor/yr]."""
        idx = np.minimum((np.asarray(u) * self.bootstrap.size).astype(np.int64), self.bootstrap.size - 1)
        return (10.0 ** self.bootstrap)[idx]  # one power per bootstrap slope, not per sample


def decimal_year(dates) -> np.ndarray:
    """Decimal years of datetime-like values (2024-07-01 → ≈ 2024.5)."""
    import pandas as pd

    ts = pd.to_datetime(pd.Series(dates))
    start = pd.to_datetime(ts.dt.year.astype(str) + "-01-01")
    end = pd.to_datetime((ts.dt.year + 1).astype(str) + "-01-01")
    return (ts.dt.year + (ts - start) / (end - start)).to_numpy(dtype=float)


def _records(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask of points that set a new maximum of y in date order."""
    order = np.argsort(x, kind="stable")
    running = np.maximum.accumulate(y[order])
    is_record = np.empty_like(y, dtype=bool)
    is_record[order] = np.concatenate(([True], y[order][1:] > running[:-1]))
    return is_record


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Intercept, slope and slope standard error of y = a + b·x, as ``statsmodels.OLS(y,
    add_constant(x)).fit()`` computes them (``method="pinv"``, nonrobust covariance).

    The same numpy calls in the same order (SVD pseudo-inverse with rcond 1e-15, residual
    variance ssr / (n − rank)), so the numbers agree bit for bit (tests/test_engine_paths.py checks).
    """
    design = np.column_stack([np.ones(x.shape[0]), x])
    u, s, vt = np.linalg.svd(design, False)
    rank = np.linalg.matrix_rank(np.diag(s))
    cutoff = 1e-15 * np.maximum.reduce(s)
    s = np.array([1.0 / v if v > cutoff else 0.0 for v in s])
    pinv = np.dot(np.transpose(vt), np.multiply(s[:, np.newaxis], np.transpose(u)))
    params = np.dot(pinv, y)
    resid = y - np.dot(design, params)
    scale = np.dot(resid, resid) / (float(x.shape[0]) - rank)
    bse = np.sqrt(np.diag(np.dot(pinv, np.transpose(pinv)) * scale))
    return float(params[0]), float(params[1]), float(bse[1])


def fit_log_trend(years, values, resamples: int, rng: np.random.Generator,
                  frontier_only: bool = False) -> TrendFitResult:
    """Fit log10(values) = a + b·year by OLS and bootstrap b.

    Parameters
    ----------
    years : array_like
        Decimal years of the observations [yr].
    values : array_like
        Positive observations (e.g. training tokens [tokens]).
    resamples : int
        Bootstrap resamples (Villalobos et al. 2024 use 10,000).
    rng : numpy.random.Generator
        Source of the resampling indices (injected for reproducibility).
    frontier_only : bool
        Fit only points that set a new record in date order.

    Raises
    ------
    FitError
        Fewer than three usable points, or all on the same date.
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (y > 0)
    x, y = x[keep], np.log10(y[keep])
    if frontier_only and x.size:
        mask = _records(x, y)
        x, y = x[mask], y[mask]
    if x.size < 3:
        raise FitError(f"need at least three dated points to fit a trend, got {x.size}")
    if np.ptp(x) == 0:
        raise FitError(f"all {x.size} points share one date; a trend needs points on different dates")
    intercept, slope, slope_se = _ols(x, y)
    idx = rng.integers(0, x.size, size=(resamples, x.size))
    xs, ys = x[idx], y[idx]
    xc = xs - xs.mean(axis=1, keepdims=True)
    sxx = (xc * xc).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = (xc * (ys - ys.mean(axis=1, keepdims=True))).sum(axis=1) / sxx
    slopes = np.sort(slopes[np.isfinite(slopes)])
    return TrendFitResult(slope, intercept, slope_se, int(x.size), slopes)
