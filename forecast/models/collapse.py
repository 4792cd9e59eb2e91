r"""Model collapse: the penalty on the reducible loss when models train on other models' output.

Pure numpy kernels (``scipy.special`` for the trigamma function). The shape of the penalty follows
the papers, chosen by the scenario's workflow: *replace* grows linearly in generations
(Gerstgrasser et al. 2024; Dohmatob et al. 2024b), *accumulate* stays below π²/6 times the
one-generation error (Gerstgrasser et al. 2024; Dey & Donoho 2024), *tail_loss* adds a plateau in
proportion to the synthetic share (Dohmatob et al. 2024a). Its size, the strength c, has no
published value for language-model pre-training and is a scenario input. How the penalty enters the
loss of a mix: :func:`forecast.models.quality.mix_loss` (docs/derivations.md §5).

References
----------
.. [3] Gerstgrasser et al. 2024, "Is Model Collapse Inevitable? Breaking the Curse of Recursion by
   Accumulating Real and Synthetic Data", arXiv 2404.01413.
.. [4] Dey & Donoho 2024, "Universality of the pi^2/6 Pathway in Avoiding Model Collapse",
   arXiv 2410.22812.
.. [5] Shumailov et al. 2024, "AI models collapse when trained on recursively generated data",
   Nature 631:755-759 (collapse shown, the tails of the distribution lost first; no linear law).
.. [8] Dohmatob, Feng, Subramonyam, Kempe 2024b, "Strong Model Collapse", arXiv 2410.04840 (ICLR 2025).
.. [9] Dohmatob, Feng, Yang, Charton, Kempe 2024a, "A Tale of Tails: Model Collapse as a Change of
   Scaling Laws", arXiv 2402.07043 (ICML 2024).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = ["ACCUMULATE_BOUND", "Workflow", "collapse_penalty", "collapse_plateau"]

#: How successive model generations treat earlier data (Gerstgrasser et al. 2024), or the tail-loss
#: plateau (Dohmatob et al. 2024a).
Workflow = Literal["replace", "accumulate", "tail_loss"]

#: Bound of the accumulate error multiple, Σ 1/k² < ζ(2) = π²/6 (Gerstgrasser et al. 2024, Thm 2;
#: Dey & Donoho 2024) [ratio].
ACCUMULATE_BOUND = float(np.pi**2 / 6.0)


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
