"""Distribution families, one seeded random stream per named input, and rank correlation.

Every uncertain input of a scenario becomes a distribution below and is drawn by inverse transform,
``dist.ppf(u)``, from uniforms ``u`` of its **own** stream:

* ``input_rng(seed, name)`` is ``numpy.random.default_rng(SeedSequence(seed, spawn_key=key))`` where
  ``key`` is the first four big-endian 32-bit words of SHA-256 of the input's dotted name. The
  stream depends on nothing but the seed and the name, so adding, removing or reordering inputs
  never reshuffles the others.
* ``correlated_uniforms`` induces a Spearman rank correlation between inputs with a Gaussian copula
  (the normal-score idea of Iman & Conover 1982): each input's normal scores come from its own
  stream, the Cholesky factor of the matching Pearson matrix mixes them, and the marginals stay
  exactly uniform.

A central interval ``low .. high`` at ``credibility`` percent puts ``low`` at the
``(100 − credibility)/2`` percentile and ``high`` at the ``(100 + credibility)/2`` percentile
(90 → p5 and p95), the reading of Squiggle's ``low to high`` and of Guesstimate's ranges.

Distributions are frozen, picklable dataclasses that check a planner's parameters; ``ppf(u)``
(vectorised inverse CDF for ``u`` in (0, 1)) and ``mean()`` are those of the equivalent frozen
``scipy.stats`` distribution, ``to_scipy()``. The module imports numpy and ``scipy.special``;
``scipy.stats`` (0.5 s to import; ``peakdata validate`` never samples) loads on the first draw,
``scipy.optimize`` inside :meth:`Beta.from_interval`.
"""
from __future__ import annotations

import hashlib
import math
import numbers
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from scipy import special

__all__ = [
    "Fixed",
    "LogNormal",
    "Normal",
    "Uniform",
    "Triangular",
    "Beta",
    "Pert",
    "Choice",
    "Distribution",
    "interval_distribution",
    "input_rng",
    "uniforms",
    "correlated_uniforms",
    "sample",
]

#: Replacement for an exact 0.0 from ``Generator.random`` (whose outputs are multiples of
#: 2**-53): the middle of the first grid cell, so uniforms stay in (0, 1) and keep their order.
_ZERO_REPLACEMENT = 2.0**-54
#: Largest double below 1.
_ONE_MINUS = 1.0 - 2.0**-53
#: Relative error allowed when checking that a fitted beta reproduces its interval.
_BETA_FIT_TOL = 1e-6


# --------------------------------------------------------------------------- validation helpers


def _real(owner: str, field: str, value: object) -> float:
    """Return ``value`` as a finite float or raise ValueError naming ``owner.field``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{owner}: {field} must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{owner}: {field} must be finite, got {result!r}")
    return result


def _coerce(obj: object, *fields: str) -> None:
    """Store the named fields of a frozen dataclass as finite floats."""
    owner = type(obj).__name__
    for name in fields:
        object.__setattr__(obj, name, _real(owner, name, getattr(obj, name)))


def _check_ordered(owner: str, low: float, high: float) -> None:
    if not low < high:
        raise ValueError(f"{owner}: low must be below high, got low={low!r} and high={high!r}")


def _tails(credibility: float) -> tuple[float, float]:
    """Lower and upper tail probabilities of a central interval of ``credibility`` percent."""
    c = _real("interval", "credibility", credibility)
    if not 0.0 < c < 100.0:
        raise ValueError(f"credibility is a percentage strictly between 0 and 100, got {c!r}")
    return 0.5 - c / 200.0, 0.5 + c / 200.0


def _as_u(u: np.ndarray) -> np.ndarray:
    return np.asarray(u, dtype=float)


def _stats():
    from scipy import stats  # on first use: see the module docstring

    return stats


# --------------------------------------------------------------------------- families


class _Distribution:
    """Shared protocol: ``ppf`` (vectorised inverse CDF), ``mean``, ``quantile``, ``to_scipy``."""

    __slots__ = ()

    def to_scipy(self):  # pragma: no cover - overridden
        """The equivalent frozen ``scipy.stats`` distribution."""
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at probabilities ``u`` in (0, 1), any shape [unit of the input]."""
        return np.asarray(self.to_scipy().ppf(_as_u(u)), dtype=float)

    def mean(self) -> float:
        return float(self.to_scipy().mean())

    def quantile(self, p: float) -> float:
        """Value below which a fraction ``p`` of the distribution lies (``ppf`` of a scalar).

        Parameters
        ----------
        p : float
            Cumulative probability, 0 <= p <= 1 [fraction].
        """
        prob = _real(type(self).__name__, "p", p)
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"quantile: p is a probability in [0, 1], got {prob!r}")
        return float(self.ppf(np.asarray(prob)))


@dataclass(frozen=True)
class Fixed(_Distribution):
    """A known value: every sample equals ``value``.

    Parameters
    ----------
    value : float
        The value [unit of the input].

    Examples
    --------
    >>> Fixed(3).quantile(0.9), Fixed(3).mean()
    (3.0, 3.0)
    """

    value: float

    def __post_init__(self) -> None:
        _coerce(self, "value")

    def to_scipy(self):  # a point mass; ppf and mean need no scipy
        return _stats().rv_discrete(values=([self.value], [1.0]))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)

    def mean(self) -> float:
        return self.value


@dataclass(frozen=True)
class LogNormal(_Distribution):
    """Log-normal: ``log(X)`` is normal with mean ``mu`` and standard deviation ``sigma``.

    ``scipy.stats.lognorm(s=sigma, scale=exp(mu))``: ``ppf(u) = exp(mu)·exp(sigma·Φ⁻¹(u))``;
    mean ``exp(mu + sigma²/2)``; median ``exp(mu)``.

    Parameters
    ----------
    mu : float
        Mean of the natural log [log of the input's unit].
    sigma : float
        Standard deviation of the natural log, > 0 [dimensionless].

    Examples
    --------
    >>> LogNormal(mu=0.0, sigma=1.0).quantile(0.5)
    1.0
    """

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        _coerce(self, "mu", "sigma")
        if not self.sigma > 0.0:
            raise ValueError(f"LogNormal: sigma must be positive, got {self.sigma!r}")

    @classmethod
    def from_interval(cls, low: float, high: float, credibility: float = 90.0) -> LogNormal:
        """Log-normal whose central ``credibility`` % interval is ``low .. high``.

        The interval is symmetric in log space: ``mu`` is the log of the geometric mean
        ``sqrt(low·high)`` (the median) and ``sigma = (ln high − ln low) / (2 z)`` with
        ``z = Φ⁻¹(1/2 + credibility/200)``. This is Squiggle's ``low to high`` for positive bounds.

        Parameters
        ----------
        low : float
            Lower bound, the ``(100 − credibility)/2`` percentile, > 0 [unit of the input].
        high : float
            Upper bound, the ``(100 + credibility)/2`` percentile, > low [unit of the input].
        credibility : float, default 90
            Probability inside the interval [percent].

        Examples
        --------
        At 90 % the bounds are p5 and p95 and the median is their geometric mean, √(100·1000):

        >>> d = LogNormal.from_interval(100, 1000)
        >>> round(d.quantile(0.5), 2), round(d.quantile(0.05), 6), round(d.quantile(0.95), 6)
        (316.23, 100.0, 1000.0)
        """
        low = _real("LogNormal.from_interval", "low", low)
        high = _real("LogNormal.from_interval", "high", high)
        if not low > 0.0:
            raise ValueError(
                f"LogNormal.from_interval: low must be positive (a log-normal is > 0), got {low!r}"
            )
        _check_ordered("LogNormal.from_interval", low, high)
        _, p_high = _tails(credibility)
        z = float(special.ndtri(p_high))
        log_low, log_high = math.log(low), math.log(high)
        return cls(mu=0.5 * (log_low + log_high), sigma=(log_high - log_low) / (2.0 * z))

    def to_scipy(self):
        return _stats().lognorm(s=self.sigma, scale=math.exp(self.mu))


@dataclass(frozen=True, init=False, repr=False)
class Normal(_Distribution):
    """Normal with mean ``mean`` and standard deviation ``sd``: ``scipy.stats.norm(mean, sd)``.

    Constructed as ``Normal(mean, sd)``; the mean is stored in the field ``mu`` because the
    attribute name ``mean`` belongs to the :meth:`mean` method that every family shares.

    Parameters
    ----------
    mean : float
        Mean and median [unit of the input].
    sd : float
        Standard deviation, > 0 [unit of the input].

    Examples
    --------
    >>> d = Normal(mean=10.0, sd=2.0)
    >>> d.mean(), d.quantile(0.5), d.mu
    (10.0, 10.0, 10.0)
    """

    mu: float
    sd: float

    def __init__(self, mean: float, sd: float) -> None:
        object.__setattr__(self, "mu", _real("Normal", "mean", mean))
        object.__setattr__(self, "sd", _real("Normal", "sd", sd))
        if not self.sd > 0.0:
            raise ValueError(f"Normal: sd must be positive, got {self.sd!r}")

    def __repr__(self) -> str:
        return f"Normal(mean={self.mu!r}, sd={self.sd!r})"

    @classmethod
    def from_interval(cls, low: float, high: float, credibility: float = 90.0) -> Normal:
        """Normal whose central ``credibility`` % interval is ``low .. high``.

        ``mean = (low + high)/2`` and ``sd = (high − low) / (2 z)`` with
        ``z = Φ⁻¹(1/2 + credibility/200)`` (z ≈ 1.645 at 90 %). This is Squiggle's ``low to high``
        when a bound is not positive, and Guesstimate's default reading of a range.

        Parameters
        ----------
        low : float
            Lower bound, the ``(100 − credibility)/2`` percentile [unit of the input].
        high : float
            Upper bound, the ``(100 + credibility)/2`` percentile, > low [unit of the input].
        credibility : float, default 90
            Probability inside the interval [percent].

        Examples
        --------
        -1 .. 3 at 90 % is centred on 1 with sd = 2 / 1.645 ≈ 1.216:

        >>> d = Normal.from_interval(-1, 3)
        >>> d.mean(), round(d.sd, 3), round(d.quantile(0.05), 6), round(d.quantile(0.95), 6)
        (1.0, 1.216, -1.0, 3.0)
        """
        low = _real("Normal.from_interval", "low", low)
        high = _real("Normal.from_interval", "high", high)
        _check_ordered("Normal.from_interval", low, high)
        _, p_high = _tails(credibility)
        z = float(special.ndtri(p_high))
        return cls(mean=0.5 * (low + high), sd=(high - low) / (2.0 * z))

    def to_scipy(self):
        return _stats().norm(loc=self.mu, scale=self.sd)


@dataclass(frozen=True)
class Uniform(_Distribution):
    """Uniform on ``[low, high]``, ``scipy.stats.uniform``: ``ppf(u) = low + u·(high − low)``.

    Parameters
    ----------
    low, high : float
        Bounds, low < high [unit of the input].

    Examples
    --------
    >>> Uniform(2, 4).quantile(0.25), Uniform(2, 4).mean()
    (2.5, 3.0)
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        _coerce(self, "low", "high")
        _check_ordered("Uniform", self.low, self.high)

    def to_scipy(self):
        return _stats().uniform(loc=self.low, scale=self.high - self.low)


@dataclass(frozen=True)
class Triangular(_Distribution):
    """Triangular on ``[low, high]`` with its peak at ``mode``.

    ``scipy.stats.triang`` with ``c = (mode − low)/(high − low)``: ``ppf(u) = low + (high −
    low)·sqrt(c·u)`` for ``u < c``, else ``high − (high − low)·sqrt((1 − c)(1 − u))``; mean
    ``(low + mode + high)/3``.

    Parameters
    ----------
    low, mode, high : float
        Minimum, most likely value and maximum, low <= mode <= high and low < high
        [unit of the input].

    Examples
    --------
    >>> d = Triangular(0, 1, 2)
    >>> d.quantile(0.5), d.mean(), d.quantile(0.125)
    (1.0, 1.0, 0.5)
    """

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        _coerce(self, "low", "mode", "high")
        _check_ordered("Triangular", self.low, self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"Triangular: mode must lie between low and high, got low={self.low!r}, "
                f"mode={self.mode!r}, high={self.high!r}"
            )

    def to_scipy(self):
        width = self.high - self.low
        return _stats().triang(c=(self.mode - self.low) / width, loc=self.low, scale=width)


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


@dataclass(frozen=True)
class Choice(_Distribution):
    """Discrete distribution: ``values[i]`` with probability ``weights[i] / sum(weights)``.

    ``scipy.stats.rv_discrete`` over the distinct values (repeated values pool their weights):
    ``ppf(u)`` is the generalised inverse, the smallest value ``v_k`` whose cumulative weight
    ``C_k >= u``. Values of weight zero are never drawn; ``quantile(0)`` is the smallest value of
    positive weight.

    Parameters
    ----------
    values : tuple of float
        Possible values [unit of the input].
    weights : tuple of float
        Relative weights, >= 0 with a positive sum; normalised [dimensionless].

    Examples
    --------
    >>> d = Choice(values=(1, 2, 3), weights=(2, 5, 3))
    >>> d.quantile(0.1), d.quantile(0.25), d.quantile(0.69), round(d.mean(), 9)
    (1.0, 2.0, 2.0, 2.1)
    """

    values: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        values = tuple(_real("Choice", "values", v) for v in self.values)
        weights = tuple(_real("Choice", "weights", w) for w in self.weights)
        if not values:
            raise ValueError("Choice: values must not be empty")
        if len(values) != len(weights):
            raise ValueError(
                f"Choice: values and weights must have the same length, got {len(values)} "
                f"values and {len(weights)} weights"
            )
        if any(w < 0.0 for w in weights):
            raise ValueError(f"Choice: weights must not be negative, got {weights!r}")
        if not math.fsum(weights) > 0.0:
            raise ValueError("Choice: weights must not all be zero")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "weights", weights)

    def to_scipy(self):
        values, pooled = np.unique(np.asarray(self.values), return_inverse=True)
        weights = np.bincount(pooled, weights=np.asarray(self.weights))
        return _stats().rv_discrete(values=(values, weights / weights.sum()))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        # rv_discrete puts ppf(0) one below the support (its integer convention): start at the
        # first value of positive weight instead.
        return super().ppf(np.maximum(_as_u(u), np.nextafter(0.0, 1.0)))


Distribution: TypeAlias = Fixed | LogNormal | Normal | Uniform | Triangular | Beta | Pert | Choice


def interval_distribution(
    low: float, high: float, credibility: float = 90.0
) -> LogNormal | Normal:
    """Distribution of a range ``low .. high``: log-normal if both bounds are positive, else normal.

    The convention of Squiggle's ``low to high`` (and the two shapes Guesstimate offers for a
    range): a central ``credibility`` % interval, log-normal when it can be, normal otherwise.

    Parameters
    ----------
    low, high : float
        Bounds of the central interval, low < high [unit of the input].
    credibility : float, default 90
        Probability inside the interval [percent].

    Examples
    --------
    >>> type(interval_distribution(100, 1000)).__name__, type(interval_distribution(-1, 3)).__name__
    ('LogNormal', 'Normal')
    """
    if low > 0 and high > 0:
        return LogNormal.from_interval(low, high, credibility)
    return Normal.from_interval(low, high, credibility)


# --------------------------------------------------------------------------- random streams


def _name_key(name: str) -> tuple[int, int, int, int]:
    """First four big-endian 32-bit words of SHA-256 of the UTF-8 name."""
    return struct.unpack(">4I", hashlib.sha256(name.encode("utf-8")).digest()[:16])


def _check_seed_name(seed: int, name: str) -> None:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string (the input's dotted name), got {name!r}")


def _check_count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n (number of samples) must be a non-negative integer, got {n!r}")
    return int(n)


def input_rng(seed: int, name: str) -> np.random.Generator:
    """The random stream of one named input.

    ``default_rng(SeedSequence(seed, spawn_key=key))`` with ``key`` the first four big-endian 32-bit
    words of SHA-256 of ``name``: the stream depends only on the seed and the name, so adding or
    removing other inputs never changes it.

    Parameters
    ----------
    seed : int
        Scenario seed, >= 0.
    name : str
        Dotted name of the input (``"stock.web_tokens"``).

    Examples
    --------
    >>> input_rng(42, "stock.web_tokens").random() == input_rng(42, "stock.web_tokens").random()
    True
    """
    _check_seed_name(seed, name)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_name_key(name)))


def uniforms(seed: int, name: str, n: int) -> np.ndarray:
    """``n`` uniforms in the open interval (0, 1) from the stream of ``name``.

    Draws ``input_rng(seed, name).random(n)``, whose values are multiples of 2⁻⁵³ in [0, 1), and
    replaces an exact 0.0 (probability 2⁻⁵³ per draw) by 2⁻⁵⁴, so that ``ppf`` never returns an
    endpoint (0 for a log-normal, −inf for a normal). No extra draws are made.

    Parameters
    ----------
    seed : int
        Scenario seed, >= 0.
    name : str
        Dotted name of the input.
    n : int
        Number of samples.

    Returns
    -------
    ndarray of float64, shape (n,)
        Uniforms in (0, 1) [probability].

    Examples
    --------
    >>> u = uniforms(7, "demand.growth", 1000)
    >>> u.shape, bool(((u > 0) & (u < 1)).all())
    ((1000,), True)
    """
    n = _check_count(n)
    u = input_rng(seed, name).random(n)
    u[u == 0.0] = _ZERO_REPLACEMENT
    return u


def _spearman_problem(spearman: np.ndarray, names: list[str]) -> str | None:
    """Plain-English description of what is wrong with a Spearman matrix, or None."""
    k = len(names)
    if spearman.shape != (k, k):
        return f"must be {k}×{k} (one row and column per name), got shape {spearman.shape}"
    if not np.all(np.isfinite(spearman)):
        return "contains a missing or infinite value"
    if not np.allclose(spearman, spearman.T, rtol=0.0, atol=1e-12):
        i, j = np.argwhere(~np.isclose(spearman, spearman.T, rtol=0.0, atol=1e-12))[0]
        return (
            f"is not symmetric: {names[i]!r}~{names[j]!r} is {spearman[i, j]!r} but "
            f"{names[j]!r}~{names[i]!r} is {spearman[j, i]!r}"
        )
    diagonal = np.diag(spearman)
    if not np.allclose(diagonal, 1.0, rtol=0.0, atol=1e-12):
        i = int(np.argmax(np.abs(diagonal - 1.0)))
        return f"must have 1 on the diagonal, got {diagonal[i]!r} for {names[i]!r}"
    if np.any(np.abs(spearman) > 1.0):
        i, j = np.argwhere(np.abs(spearman) > 1.0)[0]
        return (
            f"has correlations outside [-1, 1]: {names[i]!r}~{names[j]!r} is {spearman[i, j]!r}"
        )
    return None


def correlated_uniforms(
    seed: int, names: Sequence[str], spearman: np.ndarray, n: int
) -> np.ndarray:
    """Uniforms of several inputs with a given Spearman rank correlation (Gaussian copula).

    Each input's uniforms come from its own stream (:func:`uniforms`) and are turned into normal
    scores ``z = Φ⁻¹(u)``. The Spearman matrix is converted to the Pearson matrix of the normal
    scores, ``r = 2·sin(π·ρ_s/6)`` (exact for a Gaussian copula), its lower Cholesky factor ``L`` is
    applied, ``z' = L z``, and ``u' = Φ(z')`` are uniforms with Spearman correlation ``ρ_s`` (the
    normal-score construction of Iman & Conover 1982, without their finite-sample re-ranking).
    Because ``L`` is lower triangular, the first input keeps exactly its independent uniforms, and
    so does any input uncorrelated with every input listed before it.

    Parameters
    ----------
    seed : int
        Scenario seed, >= 0.
    names : sequence of str
        Distinct dotted names of the inputs, in the order of the matrix rows.
    spearman : array_like, shape (k, k)
        Spearman rank correlations: symmetric, 1 on the diagonal, entries in [-1, 1], positive
        definite after the conversion [dimensionless].
    n : int
        Number of samples.

    Returns
    -------
    ndarray of float64, shape (k, n)
        Row ``i`` holds the uniforms of ``names[i]``, in (0, 1) [probability].

    Raises
    ------
    ValueError
        If the names repeat or the matrix is misshapen, asymmetric, has a diagonal other than 1,
        has entries outside [-1, 1] or is not positive definite.

    Examples
    --------
    >>> rho = [[1.0, 0.8], [0.8, 1.0]]
    >>> u = correlated_uniforms(1, ["a", "b"], rho, 10_000)
    >>> u.shape, bool((u[0] == uniforms(1, "a", 10_000)).all())
    ((2, 10000), True)
    """
    names = list(names)
    n = _check_count(n)
    if len(set(names)) != len(names):
        raise ValueError(f"correlated_uniforms: names must be distinct, got {names!r}")
    matrix = np.asarray(spearman, dtype=float)
    problem = _spearman_problem(matrix, names)
    if problem is not None:
        raise ValueError(f"correlated_uniforms: the Spearman correlation matrix {problem}")
    if not names:
        return np.empty((0, n))
    pearson = 2.0 * np.sin(np.pi * 0.5 * (matrix + matrix.T) / 6.0)
    np.fill_diagonal(pearson, 1.0)
    if np.linalg.eigvalsh(pearson)[0] <= 1e-10:
        raise ValueError(
            "correlated_uniforms: the Spearman correlation matrix is not positive definite, so the "
            "correlations contradict each other (e.g. a~b and b~c high but a~c negative); lower "
            "the correlations (two inputs correlated at exactly ±1 are one input)"
        )
    independent = np.stack([uniforms(seed, name, n) for name in names])
    cholesky = np.linalg.cholesky(pearson)
    mixed = special.ndtr(cholesky @ special.ndtri(independent))
    out = np.clip(mixed, np.finfo(float).smallest_normal, _ONE_MINUS)
    for i in range(len(names)):
        if not np.any(cholesky[i, :i]):
            out[i] = independent[i]
    return out


def sample(dist: Distribution, seed: int, name: str, n: int) -> np.ndarray:
    """``n`` draws of ``dist`` from the stream of ``name``: ``dist.ppf(uniforms(seed, name, n))``.

    Parameters
    ----------
    dist : Distribution
        Any family of this module.
    seed : int
        Scenario seed, >= 0.
    name : str
        Dotted name of the input.
    n : int
        Number of samples.

    Returns
    -------
    ndarray of float64, shape (n,)
        Samples [unit of the input].

    Examples
    --------
    >>> x = sample(Uniform(0, 10), 3, "cost.gpu_hour_price", 5)
    >>> bool(np.array_equal(x, 10 * uniforms(3, "cost.gpu_hour_price", 5)))
    True
    """
    return dist.ppf(uniforms(seed, name, n))
