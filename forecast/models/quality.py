r"""Value of synthetic tokens, model-collapse penalty, and the cheapest run that reaches a loss.

Pure numpy kernels (``scipy.special`` for the trigamma function). Every model constant is an
argument; callers pass the loss-law constants, e.g. the Besiroglu et al. 2024 refit of Chinchilla
(E = 1.8172, A = 482.01, B = 2085.43, alpha = 0.3478, beta = 0.3658), the project default.
Inputs broadcast: per-sample arrays have shape ``(n, 1)``.

The loss of a model trained on a mix (docs/derivations.md §5; the synthesis is the project's, not a
published model) is the Chinchilla law with the data term evaluated at effective tokens, and the reducible
loss scaled by a collapse penalty, plus (tail-loss form only) a loss plateau:

.. math:: L = E + (A / N^\alpha + B / D_\mathrm{eff}^\beta)(1 + \kappa) + P,
          \quad D_\mathrm{eff} = D_h + q D_s.

The shape of the penalty follows the papers, chosen by the scenario's workflow
(:func:`collapse_penalty`, :func:`collapse_plateau`): *replace* grows linearly in generations
(Gerstgrasser et al. 2024; Dohmatob et al. 2024b), *accumulate* stays below π²/6 times the
one-generation error (Gerstgrasser et al. 2024; Dey & Donoho 2024), *tail_loss* adds a plateau in
proportion to the synthetic share (Dohmatob et al. 2024a). Its size, the strength c, has no
published value for language-model pre-training and is a scenario input.

References
----------
.. [1] Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv 2203.15556.
.. [2] Besiroglu, Erdil, Barnett, You 2024, "Chinchilla Scaling: A replication attempt",
   arXiv 2404.10102.
.. [3] Gerstgrasser et al. 2024, "Is Model Collapse Inevitable? Breaking the Curse of Recursion by
   Accumulating Real and Synthetic Data", arXiv 2404.01413.
.. [4] Dey & Donoho 2024, "Universality of the pi^2/6 Pathway in Avoiding Model Collapse",
   arXiv 2410.22812.
.. [5] Shumailov et al. 2024, "AI models collapse when trained on recursively generated data",
   Nature 631:755-759 (collapse shown, the tails of the distribution lost first; no linear law).
.. [8] Dohmatob, Feng, Subramonyam, Kempe 2024b, "Strong Model Collapse", arXiv 2410.04840 (ICLR 2025).
.. [9] Dohmatob, Feng, Yang, Charton, Kempe 2024a, "A Tale of Tails: Model Collapse as a Change of
   Scaling Laws", arXiv 2402.07043 (ICML 2024).
.. [6] Gunasekar et al. 2023, "Textbooks Are All You Need", arXiv 2306.11644; Abdin et al. 2024,
   "Phi-4 Technical Report", arXiv 2412.08905.
.. [7] Maini et al. 2024, "Rephrasing the Web" (WRAP), arXiv 2401.16380.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from forecast.models.cost import training_flop

__all__ = [
    "Workflow",
    "cheapest_run",
    "chinchilla_loss",
    "collapse_penalty",
    "collapse_plateau",
    "ACCUMULATE_BOUND",
    "effective_tokens",
    "mix_loss",
    "tokens_for_loss",
]

#: How successive model generations treat earlier data (Gerstgrasser et al. 2024), or the tail-loss
#: plateau (Dohmatob et al. 2024a).
Workflow = Literal["replace", "accumulate", "tail_loss"]

#: Bound of the accumulate error multiple, Σ 1/k² < ζ(2) = π²/6 (Gerstgrasser et al. 2024, Thm 2;
#: Dey & Donoho 2024) [ratio].
ACCUMULATE_BOUND = float(np.pi**2 / 6.0)

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
# Collapse penalty
# --------------------------------------------------------------------------------------------------


def _replace_generations(generations: np.ndarray) -> np.ndarray:
    """Error multiple after g generations that replace the data: g.

    Gerstgrasser et al. 2024 (linear regression, Thm 1: test error grows linearly in the number of
    model-fitting iterations when each one sees only the previous model's output); Dohmatob et al.
    2024b ("Strong Model Collapse") for the same linear growth with the synthetic share.
    """
    return generations


def _accumulate_generations(generations: np.ndarray) -> np.ndarray:
    r"""Error multiple after g generations that accumulate data: :math:`\sum_{k=1}^g 1/k^2`.

    Closed form :math:`\zeta(2) - \psi_1(g + 1)` (trigamma), so it vectorises; 0 at g = 0, 1 at
    g = 1, and below :math:`\pi^2/6` for every g (Gerstgrasser et al. 2024; Dey & Donoho 2024).
    """
    partial_sum = special.zeta(2.0, 1.0) - special.polygamma(1, generations + 1.0)
    return np.maximum(partial_sum, 0.0)  # ψ₁(1) and ζ(2) may differ in the last bit at g = 0


def _no_generation_factor(generations: np.ndarray) -> np.ndarray:
    """tail_loss: no multiplicative penalty (the plateau is additive, :func:`collapse_plateau`)."""
    return np.zeros_like(generations)


_GENERATION_FACTOR: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "replace": _replace_generations,
    "accumulate": _accumulate_generations,
    "tail_loss": _no_generation_factor,
}


def _check_generations(workflow: str, generations: ArrayLike) -> np.ndarray:
    if workflow not in _GENERATION_FACTOR:
        known = ", ".join(sorted(_GENERATION_FACTOR))
        raise ValueError(f"unknown workflow {workflow!r}; expected one of: {known}")
    generations = np.asarray(generations, dtype=float)
    if np.any(~(generations >= 0.0)) or np.any(generations != np.floor(generations)):
        raise ValueError("generations must be integer-valued and >= 0 (e.g. 0, 1, 5)")
    return generations


def collapse_penalty(
    synthetic_share: ArrayLike,
    generations: ArrayLike,
    strength: ArrayLike,
    workflow: Workflow,
) -> np.ndarray:
    r"""Fractional increase of the reducible loss caused by recursive training on synthetic data.

    :math:`\kappa = c \cdot s \cdot h(g)` with the error multiple :math:`h` of Gerstgrasser et al.
    2024 (linear-regression theorems, confirmed on language models):

    * ``"replace"``: each generation trains only on the previous generation's output, and the test
      error grows linearly, :math:`h(g) = g` (Gerstgrasser et al. 2024, Thm 1; Dohmatob et al.
      2024b, "Strong Model Collapse"). Shumailov et al. 2024 showed collapse under this workflow
      but state no linear law;
    * ``"accumulate"``: synthetic data are added to all earlier data, and the error stays bounded,
      :math:`h(g) = \sum_{k=1}^{g} 1/k^2 < \pi^2/6` (Gerstgrasser et al. 2024, Thm 2; Dey &
      Donoho 2024 show the bound is universal);
    * ``"tail_loss"``: no multiplicative penalty (0); the loss gains a plateau instead
      (:func:`collapse_plateau`).

    The penalty is used as :math:`(1 + \kappa)` on the reducible loss in :func:`mix_loss`. Scaling
    by the synthetic share and a free ``strength`` is the project's parameterisation (docs/derivations.md §5).

    Parameters
    ----------
    synthetic_share : array_like
        Share of synthetic tokens in the mix, s [fraction].
    generations : array_like
        Generations of models trained on earlier models' output, g; integer-valued and ≥ 0
        [count].
    strength : array_like
        Penalty per generation at a fully synthetic mix, c [fraction].
    workflow : {"replace", "accumulate"}
        Whether each generation replaces or accumulates the earlier data.

    Returns
    -------
    numpy.ndarray
        Penalty on the reducible loss [fraction].

    Raises
    ------
    ValueError
        If ``workflow`` is unknown, or ``generations`` is negative or not integer-valued.

    Examples
    --------
    Strength 0.1, half synthetic, 3 generations: replace gives 0.1 × 0.5 × 3 = 0.15; accumulate
    gives 0.1 × 0.5 × (1 + 1/4 + 1/9) = 0.05 × 49/36 = 0.068056.

    >>> print(f"{collapse_penalty(0.5, 3, 0.1, 'replace'):.6f}")
    0.150000
    >>> print(f"{collapse_penalty(0.5, 3, 0.1, 'accumulate'):.6f}")
    0.068056
    """
    generations = _check_generations(workflow, generations)
    share = np.asarray(synthetic_share, dtype=float)
    return np.asarray(strength, dtype=float) * share * _GENERATION_FACTOR[workflow](generations)


def collapse_plateau(
    synthetic_share: ArrayLike,
    generations: ArrayLike,
    strength: ArrayLike,
    workflow: Workflow,
) -> np.ndarray:
    r"""Loss plateau added by synthetic data whose tails are cut (``workflow="tail_loss"``).

    Dohmatob et al. 2024a ("A Tale of Tails", ICML 2024) show that training on generated data, which
    lacks the rare tail of the real distribution, changes the scaling law: the loss stops falling at
    a plateau set by where the tail was cut, and a mix with real data follows the plateau in
    proportion to its synthetic fraction before real data pull it down. Here the plateau is
    :math:`P = c \cdot s` once there is at least one generation of model-generated data (g ≥ 1),
    0 otherwise and for the other workflows; c [nats/token] is the plateau of a fully synthetic mix,
    a scenario input. Further generations cut the tail further (the paper); that growth is not
    modelled (the project's simplification, docs/derivations.md §5).

    Parameters
    ----------
    synthetic_share : array_like
        Share of synthetic tokens in the mix, s [fraction].
    generations : array_like
        Generations of model-generated data, integer-valued and ≥ 0 [count].
    strength : array_like
        Plateau of a fully synthetic mix, c [nats/token].
    workflow : {"replace", "accumulate", "tail_loss"}

    Returns
    -------
    numpy.ndarray
        Plateau added to the loss [nats/token].

    Examples
    --------
    Strength 0.1 nats/token, 40% synthetic, one generation: 0.04; replace adds no plateau.

    >>> print(f"{collapse_plateau(0.4, 1, 0.1, 'tail_loss'):.3f} {collapse_plateau(0.4, 1, 0.1, 'replace'):.3f}")
    0.040 0.000
    """
    generations = _check_generations(workflow, generations)
    if workflow != "tail_loss":
        return np.zeros(np.broadcast_shapes(np.shape(synthetic_share), generations.shape, np.shape(strength)))
    share = np.asarray(synthetic_share, dtype=float)
    return np.asarray(strength, dtype=float) * share * (generations >= 1.0)


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
    :func:`effective_tokens`, with the reducible loss raised by a :func:`collapse_penalty` and a
    :func:`collapse_plateau` P added (docs/derivations.md §5). With no synthetic tokens and no
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
        Loss plateau from :func:`collapse_plateau`, P [nats/token]; 0 by default.

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
    params = np.asarray(params, dtype=float)
    share = np.asarray(synthetic_share, dtype=float)
    data_budget = (np.asarray(target_loss, dtype=float) - np.asarray(E, dtype=float)) / (
        1.0 + np.asarray(penalty, dtype=float)
    ) - np.asarray(A, dtype=float) * params ** (-np.asarray(alpha, dtype=float))
    token_value = 1.0 - share + share * np.asarray(synthetic_value, dtype=float)
    reachable = (data_budget > 0.0) & (token_value > 0.0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        d_eff = (np.asarray(B, dtype=float) / data_budget) ** (1.0 / np.asarray(beta, dtype=float))
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

    def evaluate(log_params: np.ndarray) -> tuple[np.ndarray, ...]:
        params = np.exp(log_params)
        tokens = tokens_for_loss(target, params, share, value, pen, e, a, b, al, be)
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
