"""A record frontier drawn from a trend fit: its level and growth jointly, never shrinking.

The largest training dataset is a record, the largest so far: it cannot fall below a size already
disclosed, and it cannot shrink. A trend fit gives, in log10 of the value, a forecast with a
prediction band at each quarter from its as-of quarter on and a yearly growth with a standard
deviation. These kernels turn that into per-sample draws of (level, growth) (docs/derivations.md
§10):

* the level at the end of the as-of quarter is a split normal in log10 whose median and band ends
  are the fit's forecast and band there (:func:`band_sds`, :func:`split_normal_ppf`);
* its correlation with the growth is the one that makes the spread of level + growth × years reach
  the fit's band width at its last forecast quarter (:func:`level_growth_rho`), clipped to ±1;
* each is then conditioned on what a record allows, level ≥ the largest size disclosed before the
  as-of quarter and growth ≥ 0 OOM/yr: ``u ↦ ppf(u0 + u·(1 − u0))`` with ``u0`` the probability
  below the bound (:func:`conditioned`), so every draw respects the record and the order of the
  uniforms is kept (a larger uniform is a larger value, as for every input).

Pure numpy and scipy; no I/O.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["band_sds", "band_sd", "split_normal_ppf", "split_normal_cdf", "probability_below", "conditioned",
           "at_least", "split_normal_at_least", "level_growth_rho", "copula_uniform"]

Ppf = Callable[[np.ndarray], np.ndarray]


def _z(p):
    from scipy.special import ndtri

    return ndtri(p)


def _phi(x):
    from scipy.special import ndtr

    return ndtr(x)


def band_sds(lower: float, median: float, upper: float, coverage: float) -> tuple[float, float]:
    """Standard deviations below and above ``median`` of a split normal whose central ``coverage``
    interval is ``lower … upper`` (same unit as the arguments, e.g. log10 tokens).

    Examples
    --------
    An 80% band from 0.3 below to 0.6 above the median: z(0.9) = 1.2816.

    >>> [round(s, 4) for s in band_sds(0.7, 1.0, 1.6, 0.8)]
    [0.2341, 0.4682]
    """
    z = float(_z(0.5 + coverage / 2.0))
    return max((median - lower) / z, 0.0), max((upper - median) / z, 0.0)


def band_sd(lower: float, upper: float, coverage: float) -> float:
    """Standard deviation of a normal whose central ``coverage`` interval is ``lower … upper``.

    Examples
    --------
    >>> round(band_sd(0.0, 2.0 * 1.2815515655446004, 0.8), 12)
    1.0
    """
    return max(upper - lower, 0.0) / (2.0 * float(_z(0.5 + coverage / 2.0)))


def split_normal_ppf(u, median: float, sd_low: float, sd_high: float) -> np.ndarray:
    """Inverse CDF of a split (two-piece) normal: ``median + sd·Φ⁻¹(u)``, ``sd_low`` below the
    median and ``sd_high`` above it. Continuous and increasing; its median is ``median``.

    Examples
    --------
    >>> split_normal_ppf(np.array([0.1, 0.5, 0.9]), 1.0, 0.1, 0.2).round(4).tolist()
    [0.8718, 1.0, 1.2563]
    """
    z = _z(np.asarray(u, dtype=float))
    return median + np.where(z < 0.0, sd_low, sd_high) * z


def split_normal_cdf(x, median: float, sd_low: float, sd_high: float) -> np.ndarray:
    """CDF of :func:`split_normal_ppf`'s distribution (a zero sd is a step at the median).

    Examples
    --------
    >>> float(split_normal_cdf(1.2563103131, 1.0, 0.1, 0.2)).__round__(4)
    0.9
    """
    d = np.asarray(x, dtype=float) - median
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(d < 0.0, d / sd_low if sd_low > 0 else -np.inf, d / sd_high if sd_high > 0 else np.inf)
    z = np.where(d == 0.0, 0.0, z)
    return _phi(z)


def probability_below(ppf: Ppf, bound: float, steps: int = 64) -> float:
    """P(X < ``bound``) for the increasing inverse CDF ``ppf``, by bisection on u in [0, 1].

    Works for any ``ppf`` (a normal's, a bootstrap's step function): the largest ``u`` whose value is
    still below ``bound``, to 2⁻⁶⁴. 0 when every value is at or above the bound.

    Examples
    --------
    >>> from scipy.stats import norm
    >>> round(probability_below(lambda u: norm.ppf(u, 0.1, 0.1), 0.0), 6)
    0.158655
    """
    if not np.isfinite(bound):
        return 0.0 if bound < 0 else 1.0
    lo, hi = 0.0, 1.0
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if float(np.asarray(ppf(np.array([mid])), dtype=float)[0]) < bound:
            lo = mid
        else:
            hi = mid
    return lo


def conditioned(ppf: Ppf, u0: float) -> Ppf:
    """``ppf`` of the distribution conditioned on being at or above its ``u0`` quantile:
    ``u ↦ ppf(u0 + u·(1 − u0))``. ``u0 = 0`` returns the same values as ``ppf``.

    Examples
    --------
    A normal(0.1, 0.1) growth in OOM/yr conditioned on growth ≥ 0: its median moves from 0.1 to
    0.1 + 0.1·Φ⁻¹(0.158655 + 0.5·(1 − 0.158655)) = 0.1 + 0.1·Φ⁻¹(0.579328) = 0.1 + 0.1·0.2002 ≈ 0.1200.

    >>> from scipy.stats import norm
    >>> g = lambda u: norm.ppf(u, 0.1, 0.1)
    >>> round(float(conditioned(g, probability_below(g, 0.0))(np.array([0.5]))[0]), 4)
    0.12
    """
    if u0 <= 0.0:
        return ppf
    # u0 + u·(1 − u0) rounds to 1.0 when u0 is within an ulp of 1 (a bound far in the upper tail):
    # keep the argument below 1 so the conditioned value stays finite, at the largest quantile.
    return lambda u: ppf(np.minimum(u0 + np.asarray(u, dtype=float) * (1.0 - u0), _LARGEST))


def at_least(ppf: Ppf, bound: float) -> tuple[Ppf, float]:
    """``ppf`` conditioned on values ≥ ``bound`` (:func:`conditioned` at :func:`probability_below`),
    and the probability that was below it. Values are also kept ≥ ``bound`` against rounding, and
    the uniform below 1, so no draw is infinite.

    Examples
    --------
    A growth of N(−0.1, 0.2) OOM/yr, a record: 69% of it lies below 0, and every draw is ≥ 0.

    >>> from scipy.stats import norm
    >>> ppf, below = at_least(lambda u: norm.ppf(u, -0.1, 0.2), 0.0)
    >>> round(below, 4), bool((ppf(np.linspace(0.001, 0.999, 999)) >= 0).all())
    (0.6915, True)
    """
    below = probability_below(ppf, bound)
    cut = conditioned(ppf, below)
    return (lambda u: np.maximum(cut(np.minimum(np.asarray(u, dtype=float), _LARGEST)), bound)), below


def split_normal_at_least(median: float, sd_low: float, sd_high: float, bound: float) -> tuple[Ppf, float]:
    """:func:`split_normal_ppf` conditioned on values ≥ ``bound`` (−inf: no bound), and the
    probability below it, from the exact CDF.

    Examples
    --------
    A level of median 13.0 (log10 tokens, 10T), sd 0.3 below and 0.47 above, at least 13.0792
    (12T): Φ(0.0792/0.47) = 56.7% lies below, and the conditioned median is at u = 0.5669 + 0.5 ×
    0.4331 = 0.7834: 13 + 0.47·Φ⁻¹(0.7834) = 13 + 0.47 × 0.7839 = 13.3684.

    >>> ppf, below = split_normal_at_least(13.0, 0.3, 0.47, np.log10(12e12))
    >>> round(below, 4), round(float(ppf(np.array([0.5]))[0]), 4)
    (0.5669, 13.3684)
    """
    below = float(split_normal_cdf(bound, median, sd_low, sd_high)) if np.isfinite(bound) else 0.0

    def ppf(u):
        u = np.minimum(below + np.asarray(u, dtype=float) * (1.0 - below), _LARGEST)
        return np.maximum(split_normal_ppf(u, median, sd_low, sd_high), bound)

    return ppf, below


def level_growth_rho(sd_first: float, sd_last: float, years: float, growth_sd: float) -> float:
    """Correlation of the level with the growth (both normal, in log10 and OOM/yr) that makes the
    spread of ``level + growth × years`` equal ``sd_last``:
    sd_last² = sd_first² + years²·growth_sd² + 2ρ·years·sd_first·growth_sd, clipped to [−1, 1]
    (0 when either spread or ``years`` is zero).

    Examples
    --------
    A band that widens linearly, as quantile regression's does, is a perfect correlation:

    >>> round(level_growth_rho(0.4, 0.4 + 1.75 * 0.06, 1.75, 0.06), 12)
    1.0
    >>> level_growth_rho(0.3, 0.3, 1.75, 0.2).__round__(4)
    -0.5833
    """
    if sd_first <= 0.0 or growth_sd <= 0.0 or years <= 0.0:
        return 0.0
    rho = (sd_last ** 2 - sd_first ** 2 - (years * growth_sd) ** 2) / (2.0 * years * sd_first * growth_sd)
    return float(np.clip(rho, -1.0, 1.0))


def copula_uniform(u_growth, u_own, rho: float) -> np.ndarray:
    """The level's uniform, correlated ``rho`` with the growth's (a Gaussian copula):
    Φ(ρ·Φ⁻¹(u_growth) + √(1 − ρ²)·Φ⁻¹(u_own)). ``rho = 0`` returns ``u_own``.

    Examples
    --------
    >>> copula_uniform(np.array([0.9]), np.array([0.2]), 1.0).round(12).tolist()
    [0.9]
    """
    u_own = np.asarray(u_own, dtype=float)
    if rho == 0.0:
        return u_own
    z = rho * _z(np.asarray(u_growth, dtype=float)) + np.sqrt(max(1.0 - rho * rho, 0.0)) * _z(u_own)
    return np.clip(_phi(z), _SMALLEST, _LARGEST)  # Φ(z) rounds to 0 or 1 beyond |z| ≈ 8.3


#: The open interval (0, 1) that uniforms live in (forecast.models.sampling.uniforms).
_SMALLEST, _LARGEST = 2.0 ** -54, 1.0 - 2.0 ** -53
