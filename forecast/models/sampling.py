"""One seeded random stream per named input, rank correlation, and the distributions they draw.

Every uncertain input of a scenario becomes a distribution (:mod:`forecast.models.distributions`,
:mod:`forecast.models.beta`; re-exported here, where the engine and the schema take them) and is
drawn by inverse transform, ``dist.ppf(u)``, from uniforms ``u`` of its **own** stream:

* ``input_rng(seed, name)`` is ``numpy.random.default_rng(SeedSequence(seed, spawn_key=key))`` where
  ``key`` is the first four big-endian 32-bit words of SHA-256 of the input's dotted name. The
  stream depends on nothing but the seed and the name, so adding, removing or reordering inputs
  never reshuffles the others.
* ``correlated_uniforms`` induces a Spearman rank correlation between inputs with a Gaussian copula
  (the normal-score idea of Iman & Conover 1982): each input's normal scores come from its own
  stream, the Cholesky factor of the matching Pearson matrix mixes them, and the marginals stay
  exactly uniform.

A range ``low .. high`` is log-normal when both bounds are positive, else normal
(:func:`interval_distribution`). The module imports numpy and ``scipy.special``.
"""
from __future__ import annotations

import hashlib
import numbers
import struct
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
from scipy import special

from forecast.models.beta import Beta, Pert
from forecast.models.distributions import Choice, Fixed, LogNormal, Normal, Triangular, Uniform

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
