"""Training-data demand: dataset size of the largest training run (Villalobos et al. 2024, §2.4).

Two paths and their mixture:

* historical trend: D(t) = D0 · g^(t − t0), g fitted on notable models' dataset sizes;
* compute path: C(t) = C0 · h^(t − t0), D(t) = sqrt(k · r · C(t) / 6) (see
  :func:`forecast.models.scaling.compute_optimal_tokens`);
* mixture: each sample follows the historical path with probability w, else the compute path.

And what the gap means once demand passes the stock: the synthetic (or other non-public) tokens a
frontier run needs to stay on trend, and the share of its dataset they make up.

Both paths are log-linear in time, so the engine keeps two numbers per sample, ln D(τ) = a + b·τ
(:func:`log_exponential_coefficients`, :func:`log_compute_coefficients`), and evaluates
exp(a + b·τ) per quarter (:func:`log_linear`).
"""
from __future__ import annotations

import numpy as np

from forecast.models.scaling import compute_optimal_tokens
from forecast.models.stock import log_values

__all__ = ["exponential_path", "compute_path_tokens", "mixture", "mixture_mean", "synthetic_gap",
           "synthetic_share", "log_exponential_coefficients", "log_compute_coefficients", "log_linear",
           "synthetic_share_from_ratio", "tapered_log_linear", "chosen_synthetic_share", "split_demand",
           "total_synthetic_share"]


def exponential_path(value_ref, growth, years_since_ref):
    """A quantity growing by a constant factor per year: v(t) = v0 · g^(t − t0).

    Parameters
    ----------
    value_ref : array_like
        Value at the reference date (tokens or FLOP).
    growth : array_like
        Yearly growth [factor/yr].
    years_since_ref : array_like
        Years since the reference date [yr] (negative before it).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> float(exponential_path(10e12, 2.4, 2.0)) / 1e12
    57.6
    """
    return np.asarray(value_ref, dtype=float) * np.power(growth, years_since_ref)


def compute_path_tokens(compute_ref, growth, years_since_ref, tokens_per_param, overtraining):
    """Dataset size along the compute path: compute-optimal tokens of C(t) = C0 · h^(t − t0).

    Parameters
    ----------
    compute_ref : array_like
        Largest training compute at the reference date [FLOP].
    growth : array_like
        Yearly growth of frontier compute [factor/yr].
    years_since_ref : array_like
        [yr].
    tokens_per_param : array_like
        Compute-optimal tokens per parameter [ratio] (≈ 20, Hoffmann et al. 2022).
    overtraining : array_like
        Multiplier on tokens per parameter [x].

    Returns
    -------
    ndarray
        Tokens [tokens].

    Examples
    --------
    5e28 FLOP, compute-optimal: ≈ 4.1e14 tokens (Villalobos et al. 2024, Fig. 1: ~4e14 at ~5e28 FLOP).

    >>> round(float(compute_path_tokens(5e28, 4.0, 0.0, 20.0, 1.0)) / 1e14, 2)
    4.08
    """
    compute = exponential_path(compute_ref, growth, years_since_ref)
    return compute_optimal_tokens(compute, tokens_per_param, overtraining)


def mixture(first, second, take_first):
    """Per-sample mixture: ``first`` where ``take_first`` is true, else ``second``.

    Examples
    --------
    >>> mixture(np.array([1.0, 2.0]), np.array([10.0, 20.0]), np.array([True, False])).tolist()
    [1.0, 20.0]
    """
    return np.where(take_first, first, second)


def mixture_mean(first, second, weight):
    """Probability-weighted mixture: w · first + (1 − w) · second.

    The expected value of :func:`mixture` when ``first`` is taken with probability ``weight``; the
    point estimate uses it, since a coin flip between two paths has no median.

    Parameters
    ----------
    first, second : array_like
        The two paths [tokens].
    weight : array_like
        Probability of the first path [fraction].

    Examples
    --------
    >>> float(mixture_mean(10.0, 30.0, 0.25))
    25.0
    """
    weight = np.asarray(weight, dtype=float)
    return weight * np.asarray(first, dtype=float) + (1.0 - weight) * np.asarray(second, dtype=float)


def synthetic_gap(demand, stock):
    """Tokens a run needs beyond the effective human stock: max(D − S, 0) [tokens].

    Examples
    --------
    >>> synthetic_gap(np.array([100.0, 500.0]), 300.0).tolist()
    [0.0, 200.0]
    """
    return np.maximum(np.asarray(demand, dtype=float) - stock, 0.0)


def synthetic_share(demand, stock):
    """Share of the dataset that must come from beyond the human stock: gap / D [fraction].

    Examples
    --------
    >>> synthetic_share(np.array([100.0, 500.0]), 300.0).tolist()
    [0.0, 0.4]
    """
    demand = np.asarray(demand, dtype=float)
    return synthetic_gap(demand, stock) / demand


def log_exponential_coefficients(value_ref, growth, ref_year, origin, factor=1.0):
    """(a, b) with ``factor · exponential_path(value_ref, growth, t − ref_year) = exp(a + b·(t − origin))``.

    Examples
    --------
    >>> a, b = log_exponential_coefficients(10e12, 2.4, 2024.0, 2025.0)
    >>> round(float(np.exp(a + b * 1.0)) / 1e12, 6)
    57.6
    """
    b = log_values(growth)
    a = log_values(value_ref) + (origin - ref_year) * b
    if np.ndim(factor) or factor != 1.0:
        a = a + log_values(factor)
    return a, b


def log_compute_coefficients(compute_ref, growth, ref_year, origin, tokens_per_param, overtraining):
    """(a, b) of the compute path's dataset size: ``compute_path_tokens(...) = exp(a + b·(t − origin))``.

    From D = sqrt(k·r·C(t)/6): ln D = ½·(ln(k·r·C0/6) + (t − t0)·ln h).

    Examples
    --------
    >>> a, b = log_compute_coefficients(5e28, 4.0, 2024.0, 2024.0, 20.0, 1.0)
    >>> round(float(np.exp(a)) / 1e14, 2)
    4.08
    """
    log_h = log_values(growth)
    log_c = log_values(compute_ref) + log_values(tokens_per_param) + log_values(overtraining) - np.log(6.0)
    return 0.5 * (log_c + (origin - ref_year) * log_h), 0.5 * log_h


def log_linear(a, b, tau, out=None):
    """exp(a + b·τ) [same unit as exp(a)]; ``out`` is a reused buffer.

    Examples
    --------
    >>> round(float(log_linear(np.log(10.0), np.log(2.0), 3.0)), 9)
    80.0
    """
    if out is None:
        return np.exp(np.add(np.multiply(b, tau), a))
    np.multiply(b, tau, out=out)
    out += a
    return np.exp(out, out=out)


def synthetic_share_from_ratio(ratio, out=None):
    """Share beyond the human stock from the ratio r = D/S: max(1 − 1/r, 0) [fraction].

    Equal to :func:`synthetic_share` up to rounding, and non-decreasing in r in floating point too,
    so its quantiles are the transforms of the ratio's quantile order statistics.

    Examples
    --------
    >>> synthetic_share_from_ratio(np.array([0.5, 1.0, 1.25])).tolist()
    [0.0, 0.0, 0.19999999999999996]
    """
    with np.errstate(divide="ignore"):
        out = np.divide(1.0, ratio, out=out)
    np.subtract(1.0, out, out=out)
    return np.maximum(out, 0.0, out=out)


def tapered_log_linear(a, b, tau, log_cap, b_after):
    """exp(ln D) of a log-linear path whose growth slows once it reaches a ceiling [same unit as exp(a)].

    ln D(τ) = a + b·τ until it reaches ``log_cap`` at τ* = (log_cap − a)/b, then
    log_cap + b_after·(τ − τ*): continuous, slower growth after the ceiling. Frontier compute that
    tapers once power, chips or investment bind (Sevilla et al. 2024, "Can AI scaling continue
    through 2030?", Epoch AI: about 2e29 FLOP feasible by 2030, power binding first) gives such a
    path for the compute-optimal dataset (``log_cap`` and ``b_after`` in dataset terms: half the
    compute ones, :func:`log_compute_coefficients`). ``log_cap = inf`` leaves the path log-linear.

    Examples
    --------
    ln D = 0 + 2τ with a ceiling at ln D = 4 (reached at τ = 2), then growth 0.5 per year: at τ = 1
    it is e², at τ = 4 it is e^(4 + 0.5 × 2) = e⁵.

    >>> np.log(tapered_log_linear(0.0, 2.0, np.array([1.0, 4.0]), 4.0, 0.5)).round(9).tolist()
    [2.0, 5.0]
    """
    line = np.add(np.multiply(b, tau), a)
    with np.errstate(divide="ignore", invalid="ignore"):
        reached = np.subtract(log_cap, a) / b
        after = np.add(log_cap, np.multiply(b_after, np.subtract(tau, reached)))
    return np.exp(np.where(line <= log_cap, line, after))


def chosen_synthetic_share(share, trend, years_since_ref, ceiling=1.0):
    """Synthetic share labs choose: c(t) = clip(c0 + trend·(t − t0), 0, ceiling) [fraction].

    Parameters
    ----------
    share : array_like
        Chosen share at the reference, c0 [fraction].
    trend : array_like
        Yearly rise of the share [fraction/yr] (share points a year).
    years_since_ref : float
        t − t0 [yr]; before the reference the share falls back along the trend, never below 0.
    ceiling : array_like
        Largest chosen share [fraction].

    Examples
    --------
    40% rising 5 points a year: 50% two years on, 30% two years before, capped at 60% later.

    >>> chosen_synthetic_share(0.4, 0.05, np.array([2.0, -2.0, 10.0]), 0.6).round(6).tolist()
    [0.5, 0.3, 0.6]
    """
    c = np.asarray(share, dtype=float) + np.asarray(trend, dtype=float) * years_since_ref
    return np.clip(c, 0.0, np.asarray(ceiling, dtype=float))


def split_demand(demand, chosen):
    """The dataset D split by the chosen synthetic share c: (human part (1 − c)·D, chosen synthetic c·D) [tokens].

    Only the human part draws on the human stock; the gap is max((1 − c)·D − S, 0).

    Examples
    --------
    A 100T dataset with 40% chosen synthetic: 60T human, 40T synthetic.

    >>> [x.tolist() for x in split_demand(np.array([100.0]), 0.4)]
    [[60.0], [40.0]]
    """
    demand = np.asarray(demand, dtype=float)
    human = demand * (1.0 - np.asarray(chosen, dtype=float))
    return human, demand - human


def total_synthetic_share(demand, stock, chosen):
    """Synthetic share of the dataset, chosen and forced: c + max((1 − c)·D − S, 0)/D = max(c, 1 − S/D) [fraction].

    The share forced by the gap is the floor above the chosen share: it adds only where
    the human stock cannot supply (1 − c)·D.

    Examples
    --------
    D = 100, S = 80: 20% forced without a choice; a 30% choice covers it; 10% chosen leaves 10 points forced.

    >>> total_synthetic_share(np.array([100.0, 100.0, 100.0]), 80.0, np.array([0.0, 0.3, 0.1])).round(6).tolist()
    [0.2, 0.3, 0.2]
    """
    demand = np.asarray(demand, dtype=float)
    chosen = np.asarray(chosen, dtype=float)
    human, _ = split_demand(demand, chosen)
    with np.errstate(divide="ignore", invalid="ignore"):
        return chosen + synthetic_gap(human, stock) / demand
