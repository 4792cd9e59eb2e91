"""Scaling laws: compute-optimal allocation and the value of repeated data.

* Training compute C ≈ 6·N·D FLOP (Kaplan et al. 2020; Hoffmann et al. 2022).
* Compute-optimal allocation at a fixed ratio r = D/N (Hoffmann et al. 2022: r ≈ 20), as used by
  Villalobos et al. 2024 for the compute path of demand: N = sqrt(C / (6 r)), D = r·N.
* Effective data from repeated epochs (Muennighoff et al. 2023, eq. 5):
  D' = U + U·R*·(1 − exp(−R/R*)), with R = epochs − 1 repetitions and R* ≈ 15.4 fitted on C4.

All functions take numpy arrays that broadcast and every constant as an argument.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "compute_optimal",
    "compute_optimal_tokens",
    "repetition_multiplier",
    "effective_repeated_tokens",
    "epochs_for_multiplier",
]


def compute_optimal(compute, tokens_per_param):
    """Parameters and tokens of a compute-optimal run at a fixed tokens-per-parameter ratio.

    From C = 6·N·D and D = r·N: N = sqrt(C / (6 r)), D = r·N (Hoffmann et al. 2022, §3;
    Villalobos et al. 2024, §2.4).

    Parameters
    ----------
    compute : array_like
        Training compute [FLOP].
    tokens_per_param : array_like
        Ratio r = D/N at the optimum [tokens/parameter]; ≈ 20 (Hoffmann et al. 2022).

    Returns
    -------
    params, tokens : ndarray
        Parameters [count] and training tokens [tokens].

    Examples
    --------
    Chinchilla: 5.76e23 FLOP at 20 tokens per parameter gives ≈ 69B parameters and 1.4T tokens.

    >>> n, d = compute_optimal(5.76e23, 20.0)
    >>> round(float(n) / 1e9, 1), round(float(d) / 1e12, 2)
    (69.3, 1.39)
    """
    compute = np.asarray(compute, dtype=float)
    ratio = np.asarray(tokens_per_param, dtype=float)
    params = np.sqrt(compute / (6.0 * ratio))
    return params, ratio * params


def compute_optimal_tokens(compute, tokens_per_param, overtraining):
    """Training tokens of the largest run: compute-optimal data × overtraining.

    Overtraining by a factor k means k times more tokens per parameter at the same compute
    (Villalobos et al. 2024, §2.5), so D = sqrt(k·r·C/6): 5× overtraining needs √5 ≈ 2.24× the data.

    Parameters
    ----------
    compute : array_like
        Training compute [FLOP].
    tokens_per_param : array_like
        Compute-optimal ratio r [tokens/parameter].
    overtraining : array_like
        Multiplier k on the ratio [x]; 1 is compute-optimal.

    Returns
    -------
    ndarray
        Training tokens [tokens].

    Examples
    --------
    >>> round(float(compute_optimal_tokens(6e24, 20.0, 1.0)) / 1e12, 3)
    4.472
    >>> round(float(compute_optimal_tokens(6e24, 20.0, 5.0)) / 1e12, 2)
    10.0
    """
    compute = np.asarray(compute, dtype=float)
    return np.sqrt(np.asarray(overtraining, dtype=float) * np.asarray(tokens_per_param, dtype=float)
                   * compute / 6.0)


def repetition_multiplier(epochs, decay_constant):
    """Effective tokens per unique token when the unique data are seen ``epochs`` times.

    Muennighoff et al. 2023, "Scaling Data-Constrained Language Models", eq. (5):
    D'/U = 1 + R*·(1 − exp(−(epochs − 1)/R*)). It tends to 1 + R* as epochs grow.

    Parameters
    ----------
    epochs : array_like
        Passes over the unique data [count], ≥ 1.
    decay_constant : array_like
        R_D*, the repetitions after which returns decay by 1/e [count]; 15.39 on C4.

    Returns
    -------
    ndarray
        Multiplier [x]: 1 at one epoch.

    Examples
    --------
    >>> [round(float(repetition_multiplier(e, 15.387756)), 2) for e in (1, 4, 40)]
    [1.0, 3.73, 15.17]
    """
    epochs = np.asarray(epochs, dtype=float)
    r_star = np.asarray(decay_constant, dtype=float)
    repeats = np.maximum(epochs - 1.0, 0.0)
    return 1.0 + r_star * -np.expm1(-repeats / r_star)


def effective_repeated_tokens(unique_tokens, epochs, decay_constant):
    """Effective data D' from ``unique_tokens`` seen ``epochs`` times (Muennighoff et al. 2023, eq. 5).

    Parameters
    ----------
    unique_tokens : array_like
        Unique tokens U [tokens].
    epochs, decay_constant : array_like
        As in :func:`repetition_multiplier`.

    Returns
    -------
    ndarray
        Effective tokens [tokens].

    Examples
    --------
    >>> round(float(effective_repeated_tokens(100e9, 4, 15.387756)) / 1e9, 1)
    372.6
    """
    return np.asarray(unique_tokens, dtype=float) * repetition_multiplier(epochs, decay_constant)


def epochs_for_multiplier(multiplier, decay_constant):
    """Epochs that yield a given repetition multiplier (inverse of :func:`repetition_multiplier`).

    e = 1 − R*·ln(1 − (m − 1)/R*), the inverse of eq. (5) of Muennighoff et al. 2023. Returns
    ``inf`` for multipliers at or above the ceiling 1 + R* (compared exactly, not after rounding
    1 + R* to a float).

    Near the ceiling, ``1 − (m − 1)/R*`` cancels catastrophically (it lost ~0.1–0.7 % of the
    epochs one ulp below the ceiling). It is computed instead as ``(R* − (m − 1))/R*``: ``m − 1``
    is exact for 1 <= m < 2⁵³ and, when m − 1 > R*/2, so is ``R* − (m − 1)`` (Sterbenz), leaving a
    single rounding. Far from the ceiling ``log1p`` keeps the small-argument accuracy.

    Parameters
    ----------
    multiplier : array_like
        Effective tokens per unique token m [x], 1 <= m < 2⁵³.
    decay_constant : array_like
        R_D* [count], > 0.

    Returns
    -------
    ndarray
        Epochs [count]: 1 at m = 1, ``inf`` at and above 1 + R*.

    Examples
    --------
    >>> round(float(epochs_for_multiplier(repetition_multiplier(4, 15.4), 15.4)), 9)
    4.0
    >>> float(epochs_for_multiplier(16.5, 15.4))
    inf
    """
    m = np.asarray(multiplier, dtype=float)
    r_star = np.asarray(decay_constant, dtype=float)
    excess = m - 1.0
    gap = r_star - excess  # the distance to the ceiling, exact near it
    with np.errstate(divide="ignore", invalid="ignore"):
        log_inner = np.where(excess > 0.5 * r_star, np.log(gap / r_star),
                             np.log1p(-excess / r_star))
        return np.where(gap > 0.0, 1.0 - r_star * log_inner, np.inf)
