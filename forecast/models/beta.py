"""The beta-based distribution families: Beta scaled to ``[low, high]`` (with the fit of a central
interval) and PERT, in the conventions of :mod:`forecast.models.distributions`. ``scipy.optimize``
loads inside :meth:`Beta.from_interval` only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from forecast.models.distributions import _check_ordered, _coerce, _Distribution, _real, _stats, _tails

__all__ = ["Beta", "Pert"]

#: Relative error allowed when checking that a fitted beta reproduces its interval.
_BETA_FIT_TOL = 1e-6


@dataclass(frozen=True)
class Beta(_Distribution):
    """Beta(``alpha``, ``beta``) scaled to ``[low, high]``.

    ``scipy.stats.beta``: ``ppf(u) = low + (high − low)·I⁻¹(alpha, beta; u)`` (inverse regularised
    incomplete beta function); mean ``low + (high − low)·alpha/(alpha + beta)``.

    Parameters
    ----------
    alpha, beta : float
        Shape parameters, > 0 [dimensionless].
    low, high : float, default 0 and 1
        Support, low < high [unit of the input; a fraction on the default support].

    Examples
    --------
    >>> Beta(2, 2).quantile(0.5), Beta(2, 6).mean(), Beta(1, 1, low=10, high=20).quantile(0.3)
    (0.5, 0.25, 13.0)
    """

    alpha: float
    beta: float
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        _coerce(self, "alpha", "beta", "low", "high")
        if not (self.alpha > 0.0 and self.beta > 0.0):
            raise ValueError(
                f"Beta: alpha and beta must be positive, got alpha={self.alpha!r} "
                f"and beta={self.beta!r}"
            )
        _check_ordered("Beta", self.low, self.high)

    @classmethod
    def from_interval(cls, low: float, high: float, credibility: float = 90.0) -> Beta:
        """Beta on [0, 1] whose central ``credibility`` % interval is ``low .. high``.

        Solves ``I(alpha, beta; low) = (100 − credibility)/200`` and
        ``I(alpha, beta; high) = (100 + credibility)/200`` for ``(log alpha, log beta)``, first with
        Powell's hybrid method from a method-of-moments guess (a normal with the same interval,
        whose mean and variance fix ``alpha`` and ``beta``), then, if that misses, with nested
        bracketed root finding, which always converges: on the curve of betas whose lower
        quantile is ``low``, the upper quantile rises continuously from ``low`` to 1 as ``alpha``
        grows. Any two quantiles in (0, 1) therefore determine a beta.

        Parameters
        ----------
        low : float
            Lower bound, the ``(100 − credibility)/2`` percentile, 0 < low < high [fraction].
        high : float
            Upper bound, the ``(100 + credibility)/2`` percentile, low < high < 1 [fraction].
        credibility : float, default 90
            Probability inside the interval [percent].

        Raises
        ------
        ValueError
            If the bounds are not ordered inside (0, 1), or the fitted beta misses either bound by
            more than 1e-6 relative (to the bound or its distance to 1, whichever is smaller).

        Examples
        --------
        A fraction believed to lie between 10 % and 40 % (90 % credibility):

        >>> d = Beta.from_interval(0.1, 0.4)
        >>> round(d.quantile(0.05), 9), round(d.quantile(0.95), 9)
        (0.1, 0.4)
        >>> round(d.alpha, 3), round(d.beta, 3), round(d.mean(), 3)
        (4.775, 15.556, 0.235)
        """
        low = _real("Beta.from_interval", "low", low)
        high = _real("Beta.from_interval", "high", high)
        if not 0.0 < low < high < 1.0:
            raise ValueError(
                "Beta.from_interval: need 0 < low < high < 1 (a beta interval is a range of "
                f"fractions), got low={low!r} and high={high!r}"
            )
        p_low, p_high = _tails(credibility)
        with np.errstate(all="ignore"):
            fit = _beta_fit_hybrid(low, high, p_low, p_high)
            if fit is None or _beta_miss(fit, low, high, p_low, p_high) > 1e-10:
                fit = _beta_fit_bracketed(low, high, p_low, p_high)
            miss = math.inf if fit is None else _beta_miss(fit, low, high, p_low, p_high)
        if fit is None or not miss <= _BETA_FIT_TOL:
            raise ValueError(
                f"Beta.from_interval: could not fit a beta to {low!r} .. {high!r} at "
                f"{credibility!r} % credibility (relative miss {miss:.3g}); widen the interval "
                "or move it away from 0 and 1"
            )
        return cls(alpha=fit[0], beta=fit[1])

    def to_scipy(self):
        return _stats().beta(self.alpha, self.beta, loc=self.low, scale=self.high - self.low)


def _beta_miss(
    fit: tuple[float, float], low: float, high: float, p_low: float, p_high: float
) -> float:
    """Largest error of the fitted quantiles, relative to min(x, 1 − x) of each bound."""
    q_low, q_high = special.betaincinv(fit[0], fit[1], np.array([p_low, p_high]))
    errors = [abs(q - x) / min(x, 1.0 - x) for q, x in ((q_low, low), (q_high, high))]
    worst = max(errors)
    return worst if math.isfinite(worst) else math.inf


def _beta_fit_hybrid(
    low: float, high: float, p_low: float, p_high: float
) -> tuple[float, float] | None:
    """Two-equation fit in (log alpha, log beta) with normal-score residuals, or None."""
    from scipy import optimize

    z = float(special.ndtri(p_high))
    centre, spread = 0.5 * (low + high), (high - low) / (2.0 * z)
    # Method of moments: alpha + beta + 1 = m(1 − m)/s²; floored so the guess stays a beta.
    total = max(centre * (1.0 - centre) / spread**2 - 1.0, 0.5)
    start = np.log([centre * total, (1.0 - centre) * total])
    bounds = np.array([low, high])
    targets = special.ndtri(np.array([p_low, p_high]))

    def residuals(x: np.ndarray) -> np.ndarray:
        a, b = np.exp(np.clip(x, -50.0, 50.0))
        return special.ndtri(special.betainc(a, b, bounds)) - targets

    if not np.all(np.isfinite(start)):
        return None
    solution = optimize.root(residuals, start, method="hybr", options={"xtol": 1e-13})
    a, b = np.exp(np.clip(solution.x, -50.0, 50.0))
    return (float(a), float(b)) if math.isfinite(a) and math.isfinite(b) else None


def _beta_fit_bracketed(
    low: float, high: float, p_low: float, p_high: float
) -> tuple[float, float] | None:
    """Nested Brent solves: log beta from the lower bound given log alpha, then log alpha."""
    from scipy import optimize

    def solve(f, limit: float = 100.0) -> float:
        lo, hi = -1.0, 1.0
        while f(lo) * f(hi) > 0.0:
            if lo <= -limit and hi >= limit:
                raise ValueError("no sign change")
            lo, hi = max(2.0 * lo, -limit), min(2.0 * hi, limit)
        return optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)

    def log_beta(log_alpha: float) -> float:
        a = math.exp(log_alpha)
        return solve(lambda lb: float(special.betainc(a, math.exp(lb), low)) - p_low)

    def upper_miss(log_alpha: float) -> float:
        a, b = math.exp(log_alpha), math.exp(log_beta(log_alpha))
        return float(special.betainc(a, b, high)) - p_high

    try:
        log_alpha = solve(upper_miss)
        return math.exp(log_alpha), math.exp(log_beta(log_alpha))
    except (ValueError, RuntimeError, OverflowError):
        return None


@dataclass(frozen=True)
class Pert(_Distribution):
    """Modified PERT: a beta on ``[low, high]`` shaped by the most likely value ``mode``.

    ``alpha = 1 + lamb·(mode − low)/(high − low)``, ``beta = 1 + lamb·(high − mode)/(high − low)``;
    mean ``(low + lamb·mode + high)/(lamb + 2)``. ``lamb = 4`` is the classic PERT; larger values
    concentrate the mass near the mode (Vose 2008, *Risk Analysis: A Quantitative Guide*, 3rd ed.).

    Parameters
    ----------
    low, mode, high : float
        Minimum, most likely value and maximum, low <= mode <= high and low < high
        [unit of the input].
    lamb : float, default 4
        Weight of the mode, > 0 [dimensionless].

    Examples
    --------
    >>> d = Pert(0, 1, 10)
    >>> round(d.to_beta().alpha, 9), round(d.to_beta().beta, 9), round(d.mean(), 4)
    (1.4, 4.6, 2.3333)
    """

    low: float
    mode: float
    high: float
    lamb: float = 4.0

    def __post_init__(self) -> None:
        _coerce(self, "low", "mode", "high", "lamb")
        _check_ordered("Pert", self.low, self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"Pert: mode must lie between low and high, got low={self.low!r}, "
                f"mode={self.mode!r}, high={self.high!r}"
            )
        if not self.lamb > 0.0:
            raise ValueError(f"Pert: lamb must be positive, got {self.lamb!r}")

    def to_beta(self) -> Beta:
        """The equivalent scaled :class:`Beta`."""
        width = self.high - self.low
        return Beta(
            alpha=1.0 + self.lamb * (self.mode - self.low) / width,
            beta=1.0 + self.lamb * (self.high - self.mode) / width,
            low=self.low,
            high=self.high,
        )

    def to_scipy(self):
        return self.to_beta().to_scipy()
