r"""Value of synthetic tokens, the loss of a model trained on a mix, and the cheapest run that reaches a loss.

Pure numpy kernels. Every model constant is an argument; callers pass the loss-law constants, e.g.
the Besiroglu et al. 2024 refit of Chinchilla (E = 1.8172, A = 482.01, B = 2085.43, alpha = 0.3478,
beta = 0.3658), the project default. Inputs broadcast: per-sample arrays have shape ``(n, 1)``.

The loss of a model trained on a mix (docs/derivations.md §5; the synthesis is the project's, not a
published model) is the Chinchilla law with the data term evaluated at effective tokens, and the reducible
loss scaled by a collapse penalty, plus (tail-loss form only) a loss plateau:

.. math:: L = E + (A / N^\alpha + B / D_\mathrm{eff}^\beta)(1 + \kappa) + P,
          \quad D_\mathrm{eff} = D_h + q D_s.

The penalty κ and the plateau P follow the papers, chosen by the scenario's workflow
(:func:`~forecast.models.collapse.collapse_penalty`, :func:`~forecast.models.collapse.collapse_plateau`,
in :mod:`forecast.models.collapse` with their references).

References
----------
.. [1] Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv 2203.15556.
.. [2] Besiroglu, Erdil, Barnett, You 2024, "Chinchilla Scaling: A replication attempt",
   arXiv 2404.10102.
.. [6] Gunasekar et al. 2023, "Textbooks Are All You Need", arXiv 2306.11644; Abdin et al. 2024,
   "Phi-4 Technical Report", arXiv 2412.08905.
.. [7] Maini et al. 2024, "Rephrasing the Web" (WRAP), arXiv 2401.16380.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from forecast.models.compute_cost import training_flop

__all__ = [
    "cheapest_run",
    "chinchilla_loss",
    "effective_tokens",
    "mix_loss",
    "tokens_for_loss",
]

#: Golden-section iterations in :func:`cheapest_run`. Each shrinks the bracket by 0.618, so 60
#: iterations leave 3e-13 of a bracket at most two grid steps wide (a numerical setting, not a
#: model assumption).
_GOLDEN_ITERATIONS = 60
_INV_PHI = (np.sqrt(5.0) - 1.0) / 2.0


def effective_tokens(
    human_tokens: ArrayLike, synthetic_tokens: ArrayLike, synthetic_value: ArrayLike
) -> np.ndarray:
    r"""Human-equivalent tokens of a mix, :math:`D_\mathrm{eff} = D_h + q D_s`.

    ``synthetic_value`` q is what one synthetic token is worth relative to one human token:
    q > 1 for curated textbook-style data (the Phi reports, Gunasekar et al. 2023; Abdin et al.
    2024) or rephrased web kept alongside real data (WRAP, Maini et al. 2024, q ≈ 3);
    q < 1 for unfiltered generations (docs/derivations.md §5).

    Parameters
    ----------
    human_tokens : array_like
        Human-written training tokens, D_h [tokens].
    synthetic_tokens : array_like
        Synthetic training tokens, D_s [tokens].
    synthetic_value : array_like
        Value of a synthetic token relative to a human one, q [ratio].

    Returns
    -------
    numpy.ndarray
        Effective tokens [tokens].

    Examples
    --------
    1T human plus 1T synthetic tokens worth half a human token each: 1e12 + 0.5 × 1e12.

    >>> print(f"{effective_tokens(1e12, 1e12, 0.5):.2e}")
    1.50e+12
    """
    return np.asarray(human_tokens, dtype=float) + np.asarray(
        synthetic_value, dtype=float
    ) * np.asarray(synthetic_tokens, dtype=float)


# --------------------------------------------------------------------------------------------------
# Loss laws
# --------------------------------------------------------------------------------------------------


def chinchilla_loss(
    params: ArrayLike,
    tokens: ArrayLike,
    E: ArrayLike,
    A: ArrayLike,
    B: ArrayLike,
    alpha: ArrayLike,
    beta: ArrayLike,
) -> np.ndarray:
    r"""Pre-training loss of N parameters trained on D tokens, :math:`E + A/N^\alpha + B/D^\beta`.

    Hoffmann et al. 2022 eq. (2). Besiroglu et al. 2024 refit the constants: E = 1.8172,
    A = 482.01, B = 2085.43, alpha = 0.3478, beta = 0.3658.

    Parameters
    ----------
    params : array_like
        Model parameters, N [count].
    tokens : array_like
        Training tokens, D [tokens].
    E : array_like
        Irreducible loss [nats/token].
    A : array_like
        Parameter-term coefficient [nats/token].
    B : array_like
        Data-term coefficient [nats/token].
    alpha : array_like
        Parameter exponent [dimensionless].
    beta : array_like
        Data exponent [dimensionless].

    Returns
    -------
    numpy.ndarray
        Loss [nats/token].

    Examples
    --------
    With E = 1, A = B = 100, alpha = beta = 0.5 at N = D = 1e4: 1 + 100/100 + 100/100 = 3.

    >>> print(f"{chinchilla_loss(1e4, 1e4, 1.0, 100.0, 100.0, 0.5, 0.5):.6f}")
    3.000000
    """
    params = np.asarray(params, dtype=float)
    tokens = np.asarray(tokens, dtype=float)
    return (
        np.asarray(E, dtype=float)
        + np.asarray(A, dtype=float) * params ** (-np.asarray(alpha, dtype=float))
        + np.asarray(B, dtype=float) * tokens ** (-np.asarray(beta, dtype=float))
    )


def mix_loss(
    params: ArrayLike,
    human_tokens: ArrayLike,
    synthetic_tokens: ArrayLike,
    synthetic_value: ArrayLike,
    penalty: ArrayLike,
    E: ArrayLike,
    A: ArrayLike,
    B: ArrayLike,
    alpha: ArrayLike,
    beta: ArrayLike,
    plateau: ArrayLike = 0.0,
) -> np.ndarray:
    r"""Loss of a model trained on a human/synthetic mix.

    :math:`E + (A/N^\alpha + B/D_\mathrm{eff}^\beta)(1 + \kappa) + P`: Hoffmann et al. 2022 eq. (2) at
    :func:`effective_tokens`, with the reducible loss raised by a
    :func:`~forecast.models.collapse.collapse_penalty` and a
    :func:`~forecast.models.collapse.collapse_plateau` P added (docs/derivations.md §5). With no synthetic tokens and no
    penalty it is :func:`chinchilla_loss`.

    Parameters
    ----------
    params : array_like
        Model parameters, N [count].
    human_tokens : array_like
        Human-written training tokens, D_h [tokens].
    synthetic_tokens : array_like
        Synthetic training tokens, D_s [tokens].
    synthetic_value : array_like
        Value of a synthetic token relative to a human one, q [ratio].
    penalty : array_like
        Collapse penalty on the reducible loss, kappa [fraction].
    E, A, B : array_like
        Irreducible loss and the two coefficients of eq. (2) [nats/token].
    alpha, beta : array_like
        Parameter and data exponents [dimensionless].
    plateau : array_like
        Loss plateau from :func:`~forecast.models.collapse.collapse_plateau`, P [nats/token]; 0 by default.

    Returns
    -------
    numpy.ndarray
        Loss [nats/token].

    Examples
    --------
    E = 1, A = B = 100, alpha = beta = 0.5, N = 1e4, 0.5e4 human + 1e4 synthetic tokens at
    q = 0.5 (D_eff = 1e4), penalty 0.1: 1 + (1 + 1) × 1.1 = 3.2.

    >>> print(f"{mix_loss(1e4, 0.5e4, 1e4, 0.5, 0.1, 1.0, 100.0, 100.0, 0.5, 0.5):.6f}")
    3.200000
    """
    d_eff = effective_tokens(human_tokens, synthetic_tokens, synthetic_value)
    reducible = chinchilla_loss(params, d_eff, 0.0, A, B, alpha, beta)
    loss = np.asarray(E, dtype=float) + reducible * (1.0 + np.asarray(penalty, dtype=float))
    if np.ndim(plateau) or plateau != 0.0:
        loss = loss + np.asarray(plateau, dtype=float)
    return loss


def tokens_for_loss(
    target_loss: ArrayLike,
    params: ArrayLike,
    synthetic_share: ArrayLike,
    synthetic_value: ArrayLike,
    penalty: ArrayLike,
    E: ArrayLike,
    A: ArrayLike,
    B: ArrayLike,
    alpha: ArrayLike,
    beta: ArrayLike,
) -> np.ndarray:
    r"""Total tokens (human + synthetic) that N parameters need to reach ``target_loss``.

    Inverts :func:`mix_loss` with :math:`D_\mathrm{eff} = D (1 - s + s q)`:

    .. math:: D = \frac{1}{1 - s + s q}
              \left(\frac{B}{(L - E)/(1 + \kappa) - A/N^\alpha}\right)^{1/\beta}.

    Parameters
    ----------
    target_loss : array_like
        Loss to reach, L [nats/token].
    params : array_like
        Model parameters, N [count].
    synthetic_share : array_like
        Share of synthetic tokens in the mix, s [fraction].
    synthetic_value : array_like
        Value of a synthetic token relative to a human one, q [ratio].
    penalty : array_like
        Collapse penalty on the reducible loss, kappa [fraction].
    E, A, B : array_like
        Irreducible loss and the two coefficients of Hoffmann et al. 2022 eq. (2) [nats/token].
    alpha, beta : array_like
        Parameter and data exponents [dimensionless].

    Returns
    -------
    numpy.ndarray
        Training tokens [tokens]; ``inf`` where the target is unreachable at that N (the
        parameter term alone already uses up the loss budget, or the mix is worth nothing).

    Examples
    --------
    E = 1, A = B = 100, alpha = beta = 0.5, N = 1e4, target 3: the data term must be
    2 − 1 = 1, so D = (100/1)^2 = 1e4. Half the tokens synthetic at q = 0.5 makes a token worth
    0.75 on average, so D = 1e4 / 0.75 = 13,333. A target of 2 is unreachable at N = 1e4.

    >>> print(f"{tokens_for_loss(3.0, 1e4, 0.0, 1.0, 0.0, 1.0, 100.0, 100.0, 0.5, 0.5):.1f}")
    10000.0
    >>> print(f"{tokens_for_loss(3.0, 1e4, 0.5, 0.5, 0.0, 1.0, 100.0, 100.0, 0.5, 0.5):.1f}")
    13333.3
    >>> print(tokens_for_loss(2.0, 1e4, 0.0, 1.0, 0.0, 1.0, 100.0, 100.0, 0.5, 0.5))
    inf
    """
    fixed = _fixed_terms(*(np.asarray(x, dtype=float) for x in (
        target_loss, synthetic_share, synthetic_value, penalty, E, A, B, alpha, beta)))
    return _tokens(np.asarray(params, dtype=float), *fixed)


def _fixed_terms(target, share, value, penalty, E, A, B, alpha, beta) -> tuple[np.ndarray, ...]:
    """The terms of :func:`tokens_for_loss` that do not depend on N, for :func:`_tokens`: the loss
    budget before the parameter term, A, −alpha, B, 1/beta, the value of a mix token and whether
    it is positive."""
    token_value = 1.0 - share + share * value
    return (target - E) / (1.0 + penalty), A, -alpha, B, 1.0 / beta, token_value, token_value > 0.0


def _tokens(params, budget, A, neg_alpha, B, inv_beta, token_value, valued) -> np.ndarray:
    """:func:`tokens_for_loss` at ``params`` from its :func:`_fixed_terms` (the same operations in
    the same order, so the same bits; the cheapest-run search calls it 60+ times per sample)."""
    data_budget = budget - A * params ** neg_alpha
    reachable = (data_budget > 0.0) & valued
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        d_eff = (B / data_budget) ** inv_beta
        tokens = d_eff / token_value
    return np.where(reachable, tokens, np.inf)


# --------------------------------------------------------------------------------------------------
# Cheapest run
# --------------------------------------------------------------------------------------------------


def _run_costs(
    params: np.ndarray,
    tokens: np.ndarray,
    cost_per_flop: np.ndarray,
    data_cost_per_token: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Compute and data cost of a run; ``inf`` (never ``nan``) where ``tokens`` is infinite."""
    finite = np.isfinite(tokens)
    with np.errstate(invalid="ignore"):
        compute = training_flop(params, tokens) * cost_per_flop
        data = tokens * data_cost_per_token
    return np.where(finite, compute, np.inf), np.where(finite, data, np.inf)


def cheapest_run(
    target_loss: ArrayLike,
    synthetic_share: ArrayLike,
    synthetic_value: ArrayLike,
    penalty: ArrayLike,
    E: ArrayLike,
    A: ArrayLike,
    B: ArrayLike,
    alpha: ArrayLike,
    beta: ArrayLike,
    cost_per_flop: ArrayLike,
    data_cost_per_token: ArrayLike,
    params_grid: ArrayLike,
) -> dict[str, np.ndarray]:
    r"""Model size and token count that reach ``target_loss`` at the lowest total cost.

    Minimises :math:`6 N D(N) c_F + D(N) c_D` over N, with :math:`D(N)` from
    :func:`tokens_for_loss`. The total cost is log-convex in N, so the grid minimum brackets the
    optimum; a vectorised golden-section search on the bracket of the grid minimum's two
    neighbours (in log N) then makes the result independent of the grid spacing. With no data cost,
    no synthetic tokens and no penalty this is the compute-optimal allocation of Hoffmann et al.
    2022 eq. (4) (minimising cost at fixed loss is the dual of minimising loss at fixed compute).

    Parameters
    ----------
    target_loss : array_like
        Loss to reach, L [nats/token]. Scalar or shape ``(n, 1)``, as are all per-sample inputs.
    synthetic_share : array_like
        Share of synthetic tokens in the mix, s [fraction].
    synthetic_value : array_like
        Value of a synthetic token relative to a human one, q [ratio].
    penalty : array_like
        Collapse penalty on the reducible loss, kappa [fraction].
    E, A, B : array_like
        Irreducible loss and the two coefficients of Hoffmann et al. 2022 eq. (2) [nats/token].
    alpha, beta : array_like
        Parameter and data exponents [dimensionless].
    cost_per_flop : array_like
        Training cost of one FLOP, e.g. price / (peak × MFU × 3600) [USD/FLOP].
    data_cost_per_token : array_like
        Cost of one training token of the mix, human and synthetic averaged [USD/token].
    params_grid : array_like
        Candidate model sizes, shape ``(k,)`` with k ≥ 3, increasing and log-spaced, wide
        enough to contain the optimum (the search never leaves the grid) [count].

    Returns
    -------
    dict of numpy.ndarray
        Each of shape ``(n,)`` (``(1,)`` when every per-sample input is a scalar):
        ``params`` [count], ``tokens`` [tokens], ``compute_cost`` [USD], ``data_cost`` [USD],
        ``total_cost`` [USD]. Where no grid size reaches the target, ``params`` is ``nan`` and
        the rest are ``inf``.

    Raises
    ------
    ValueError
        If the per-sample inputs are not scalars or of shape ``(n, 1)``, or ``params_grid`` is not
        an increasing one-dimensional array of at least three positive sizes.

    Examples
    --------
    E = 1, A = B = 100, alpha = beta = 0.5, target 3 (the two terms must sum to 2), one dollar per
    FLOP and no data cost: by symmetry N = D, so 100/√N = 1, N = D = 1e4 and the cost is
    6 × 1e4 × 1e4 = 6e8.

    >>> run = cheapest_run(3.0, 0.0, 1.0, 0.0, 1.0, 100.0, 100.0, 0.5, 0.5, 1.0, 0.0,
    ...                    np.logspace(2, 6, 9))
    >>> print(f"{run['params'][0]:.1f} {run['tokens'][0]:.1f} {run['total_cost'][0]:.4e}")
    10000.0 10000.0 6.0000e+08
    """
    inputs = [
        np.asarray(x, dtype=float)
        for x in (
            target_loss, synthetic_share, synthetic_value, penalty,
            E, A, B, alpha, beta, cost_per_flop, data_cost_per_token,
        )
    ]  # fmt: skip
    shape = np.broadcast_shapes(*(x.shape for x in inputs)) or (1, 1)
    if shape[-1] != 1:
        raise ValueError(f"per-sample inputs must be scalars or of shape (n, 1); got {shape}")
    target, share, value, pen, e, a, b, al, be, c_flop, c_token = (
        np.broadcast_to(x, shape) for x in inputs
    )
    grid = np.asarray(params_grid, dtype=float)
    if grid.ndim != 1 or grid.size < 3 or not (np.all(grid > 0.0) and np.all(np.diff(grid) > 0.0)):
        raise ValueError("params_grid must be an increasing 1-d array of at least 3 positive sizes")
    log_grid = np.log(grid)
    fixed = _fixed_terms(target, share, value, pen, e, a, b, al, be)

    def evaluate(log_params: np.ndarray) -> tuple[np.ndarray, ...]:
        params = np.exp(log_params)
        tokens = _tokens(params, *fixed)
        compute, data = _run_costs(params, tokens, c_flop, c_token)
        return params, tokens, compute, data, compute + data

    # Grid search: (n, 1) samples against (k,) sizes give (n, k).
    grid_cost = evaluate(log_grid)[4]
    best = np.argmin(grid_cost, axis=-1, keepdims=True)
    best_log = log_grid[best]
    best_cost = np.take_along_axis(grid_cost, best, axis=-1)

    # Golden-section search on [grid[best - 1], grid[best + 1]], all samples at once.
    low = log_grid[np.maximum(best - 1, 0)]
    high = log_grid[np.minimum(best + 1, grid.size - 1)]
    inner_low = high - _INV_PHI * (high - low)
    inner_high = low + _INV_PHI * (high - low)
    cost_low = evaluate(inner_low)[4]
    cost_high = evaluate(inner_high)[4]
    for _ in range(_GOLDEN_ITERATIONS):
        # Ties (both inf: unreachable small N) move right, towards reachable sizes.
        go_left = cost_low < cost_high
        low = np.where(go_left, low, inner_low)
        high = np.where(go_left, inner_high, high)
        probe = np.where(go_left, high - _INV_PHI * (high - low), low + _INV_PHI * (high - low))
        cost_probe = evaluate(probe)[4]
        inner_low, inner_high = (
            np.where(go_left, probe, inner_high),
            np.where(go_left, inner_low, probe),
        )
        cost_low, cost_high = (
            np.where(go_left, cost_probe, cost_high),
            np.where(go_left, cost_low, cost_probe),
        )
    found_log = np.where(cost_low < cost_high, inner_low, inner_high)
    found_cost = np.minimum(cost_low, cost_high)
    final_log = np.where(found_cost <= best_cost, found_log, best_log)

    params, tokens, compute, data, total = evaluate(final_log)
    params = np.where(np.isfinite(total), params, np.nan)
    return {
        "params": params[..., 0],
        "tokens": tokens[..., 0],
        "compute_cost": compute[..., 0],
        "data_cost": data[..., 0],
        "total_cost": total[..., 0],
    }
