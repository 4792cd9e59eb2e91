"""Distribution families of the uncertain inputs: frozen, picklable dataclasses with ``ppf(u)``.

Every uncertain input of a scenario becomes one of these and is drawn by inverse transform,
``dist.ppf(u)`` (:mod:`forecast.models.sampling` gives each input its own stream of ``u``).
Distributions check a planner's parameters; ``ppf(u)`` (vectorised inverse CDF for ``u`` in (0, 1))
and ``mean()`` are those of the equivalent frozen ``scipy.stats`` distribution, ``to_scipy()``.
This module has the families of closed form (fixed, log-normal, normal, uniform, triangular) and
the discrete choice; the beta-based ones (beta, PERT) are :mod:`forecast.models.beta`.

A central interval ``low .. high`` at ``credibility`` percent puts ``low`` at the
``(100 − credibility)/2`` percentile and ``high`` at the ``(100 + credibility)/2`` percentile
(90 → p5 and p95), the reading of Squiggle's ``low to high`` and of Guesstimate's ranges.
The module imports numpy and ``scipy.special``; ``scipy.stats`` (0.5 s to import; ``peakdata
validate`` never samples) loads on the first draw.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["Choice", "Fixed", "LogNormal", "Normal", "Triangular", "Uniform"]


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
