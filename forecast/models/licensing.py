r"""Filling the synthetic gap by the cheapest feasible routes: licensed human text, then synthetic text.

Licensed human text is bounded: component k (books, scientific papers, platform text...) holds
Q_k licensable tokens (data/licensable_stock.csv), of which b_k are already bought. Its price
follows a supply curve: the marginal token costs

.. math:: p_k(s) = p_{0,k}\,R^{s}, \qquad s = b_k / Q_k \in [0, 1],

so the last licensable token of a component costs R times the first (R > 1, the scenario's
``gap.license_price_rise``; docs/derivations.md §13). Buying from s_1 to s_2 costs

.. math:: C_k = Q_k\,p_{0,k}\,\frac{R^{s_2} - R^{s_1}}{\ln R}.

Synthetic text is unbounded at a price π per useful token (:func:`forecast.models.data_cost.useful_synthetic_price`).
Each quarter's new gap tokens G are filled at least cost: licensed tokens are bought from every
component up to a common marginal price λ ≤ π (the merit order of the supply curves), at most G
in all; the rest is synthetic. In ln λ the tokens bought, A(λ) = Σ_k clip(Q_k (ln λ − ln p_{0,k})/ln R − b_k,
0, Q_k − b_k), are piecewise linear, so λ is found exactly between the curves' breakpoints.

Kernels are element-wise numpy over samples; component arrays have shape ``(K, n)``.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["marginal_license_price", "license_cost", "fill_gap", "synthetic_cheaper_at_margin"]


def _shares(stock: np.ndarray, bought: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(stock > 0, bought / np.where(stock > 0, stock, 1.0), 1.0)


def marginal_license_price(base_price: ArrayLike, rise: ArrayLike, stock: ArrayLike, bought: ArrayLike) -> np.ndarray:
    """Price of the next licensed token of each component: p_0·R^{b/Q}; inf once its stock is bought [USD/token].

    Parameters
    ----------
    base_price : array_like
        Price of a component's first licensed token, p_0 [USD/token].
    rise : array_like
        Factor from the first to the last licensable token, R [ratio], > 1.
    stock : array_like
        Licensable tokens of the component, Q [tokens].
    bought : array_like
        Tokens already bought, b [tokens].

    Examples
    --------
    Half of a stock bought, R = 4: twice the first price; a bought-out component: inf.

    >>> marginal_license_price([1.0, 1.0], 4.0, [10.0, 10.0], [5.0, 10.0]).tolist()
    [2.0, inf]
    """
    stock, bought = np.asarray(stock, dtype=float), np.asarray(bought, dtype=float)
    price = np.asarray(base_price, dtype=float) * np.power(rise, _shares(stock, bought))
    return np.where(bought < stock, price, np.inf)


def license_cost(base_price: ArrayLike, rise: ArrayLike, stock: ArrayLike, before: ArrayLike,
                 after: ArrayLike) -> np.ndarray:
    """Cost of buying a component's tokens from ``before`` to ``after``: Q·p_0·(R^{s_2} − R^{s_1})/ln R [USD].

    Examples
    --------
    Q = 10, p_0 = 1, R = e: the whole stock costs 10·(e − 1) = 17.18.

    >>> round(float(license_cost(1.0, np.e, 10.0, 0.0, 10.0)), 2)
    17.18
    """
    stock = np.asarray(stock, dtype=float)
    log_rise = np.log(rise)
    s1, s2 = _shares(stock, np.asarray(before, dtype=float)), _shares(stock, np.asarray(after, dtype=float))
    cost = stock * np.asarray(base_price, dtype=float) * (np.power(rise, s2) - np.power(rise, s1)) / log_rise
    return np.where(stock > 0, cost, 0.0)


def _bought_at(level: np.ndarray, log_base: np.ndarray, log_rise: np.ndarray, stock: np.ndarray,
               bought: np.ndarray) -> np.ndarray:
    """Tokens each component sells at marginal log price ``level`` beyond ``bought`` [tokens], (K, n)."""
    want = stock * (level - log_base) / log_rise - bought
    return np.clip(want, 0.0, np.maximum(stock - bought, 0.0))


def fill_gap(need: ArrayLike, synthetic_price: ArrayLike, base_price: ArrayLike, rise: ArrayLike,
             stock: ArrayLike, bought: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill ``need`` new gap tokens at least cost: licensed up to a marginal price ≤ π, the rest synthetic.

    Parameters
    ----------
    need : array_like
        New gap tokens this quarter, G [tokens], shape ``(n,)``.
    synthetic_price : array_like
        Price of a useful synthetic token, π [USD/token], shape ``(n,)``.
    base_price : array_like
        First-token price of each component, p_0 [USD/token], shape ``(K, n)`` or ``(K, 1)``.
    rise : array_like
        Supply-curve factor R [ratio] (> 1), shape ``(n,)``.
    stock : array_like
        Licensable tokens per component, Q [tokens], shape ``(K, 1)`` or ``(K, n)``.
    bought : array_like
        Tokens bought so far per component, b [tokens], shape ``(K, n)``.

    Returns
    -------
    licensed : ndarray
        Tokens bought from each component this quarter [tokens], ``(K, n)``; Σ ≤ G and b + licensed ≤ Q.
    synthetic : ndarray
        Synthetic tokens, G − Σ licensed [tokens], ``(n,)``.
    licence_cost : ndarray
        What the licensed tokens cost [USD], ``(n,)``.

    Examples
    --------
    One component, Q = 10, p_0 = 1, R = 4; π = 2 stops buying at s = 1/2 (4^½ = 2): 5 tokens
    licensed for 10·(2 − 1)/ln 4 = 7.21, and of a need of 8 the other 3 are synthetic.

    >>> lic, syn, cost = fill_gap([8.0], [2.0], [[1.0]], [4.0], [[10.0]], [[0.0]])
    >>> lic.round(6).tolist(), syn.round(6).tolist(), cost.round(2).tolist()
    ([[5.0]], [3.0], [7.21])
    """
    need = np.asarray(need, dtype=float)
    n = need.shape[0]
    log_rise = np.log(np.asarray(rise, dtype=float))
    stock = np.broadcast_to(np.asarray(stock, dtype=float), np.shape(bought)).astype(float)
    bought = np.asarray(bought, dtype=float)
    log_base = np.broadcast_to(np.log(np.asarray(base_price, dtype=float)), bought.shape)
    top = np.log(np.asarray(synthetic_price, dtype=float))
    has = stock > 0
    # breakpoints of A(ln λ): where each curve starts selling and where it is bought out, capped at π
    start = np.where(has, log_base + log_rise * _shares(stock, bought), np.inf)
    end = np.where(has, log_base + log_rise, np.inf)
    points = np.minimum(np.concatenate([start, end, top[None, :]]), top)
    points.sort(axis=0)
    sold = np.stack([_bought_at(x, log_base, log_rise, stock, bought).sum(axis=0) for x in points])
    target = np.minimum(need, sold[-1])
    j = np.argmax(sold >= target - 1e-9 * np.maximum(target, 1.0), axis=0)
    cols = np.arange(n)
    lo, hi = np.maximum(j - 1, 0), j
    x0, x1, a0, a1 = points[lo, cols], points[hi, cols], sold[lo, cols], sold[hi, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(a1 > a0, x0 + (target - a0) * (x1 - x0) / (a1 - a0), x1)
    licensed = _bought_at(level, log_base, log_rise, stock, bought)
    total = licensed.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # rounding: never more than the need
        licensed *= np.where(total > target, target / np.where(total > 0, total, 1.0), 1.0)
    cost = license_cost(np.exp(log_base), np.asarray(rise, dtype=float), stock, bought, bought + licensed).sum(axis=0)
    return licensed, need - licensed.sum(axis=0), cost


def synthetic_cheaper_at_margin(synthetic_price: ArrayLike, base_price: ArrayLike, rise: ArrayLike,
                                stock: ArrayLike, bought: ArrayLike) -> np.ndarray:
    """Is synthetic text the route at the margin: π ≤ the cheapest next licensed token (none left: yes)? [bool]

    After :func:`fill_gap` stops buying at λ = π the two prices are equal: the next token is
    synthetic (licensing has stopped), so a tie counts for synthetic, within a relative 1e-9 for
    rounding. A quarter whose gap licensing filled below π leaves licensing cheaper at the margin.

    Examples
    --------
    π = 3 against a next licensed token at 2 (half of R = 4 bought), at 3, and against a bought-out stock.

    >>> synthetic_cheaper_at_margin([3.0, 3.0, 3.0], [[1.0, 1.5, 1.0]], 4.0, [[10.0]], [[5.0, 5.0, 10.0]]).tolist()
    [False, True, True]
    """
    price = marginal_license_price(base_price, rise, stock, bought)
    return np.asarray(synthetic_price, dtype=float) <= price.min(axis=0) * (1.0 + 1e-9)
