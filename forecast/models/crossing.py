"""First quarter in which demand reaches the effective stock, per sample, without a quarter-by-quarter scan.

Demand is log-linear in time on each sample's path, ln D(τ) = a + b·τ
(:mod:`forecast.models.demand`), and so is the effective stock of each source, ln S_k(τ) =
a_k + b_k·τ (:mod:`forecast.models.stock`). The event "D ≥ S" at the quarters ``taus`` (years since
the engine's origin, increasing) is then found three ways, all giving the same quarter:

* **one source** (closed form): the gap ln D − ln S = d + s·τ is linear, so the crossing is
  τ* = −d/s and the first quarter is the first ``tau ≥ τ*`` (a binary search of ``taus``);
* **several sources, demand growing faster than every source** (b ≥ max_k b_k): the gap
  ln D − ln Σ_k S_k is non-decreasing in τ, so a vectorised bisection over quarter positions finds
  the first quarter where the condition holds (about log2(quarters) evaluations);
* **otherwise** (several sources with one growing faster than demand, so the gap may turn back
  down; non-finite coefficients), the condition is evaluated quarter by quarter (:func:`scan`).

Floating point can flip the condition where the exact gap is within rounding of zero. The closed
form and the bisection therefore send to :func:`scan` every sample whose gap at a quarter it relies
on, or whose change of gap per quarter, is within a bound on that rounding (16 ε per unit of the
magnitudes involved), so their answer is the scan's answer exactly, not only almost always.
"""
from __future__ import annotations

import numpy as np

from forecast.models.demand import log_linear
from forecast.models.stock import log_linear_sum

__all__ = ["exhaustion_quarter", "scan", "condition"]

_EPS = float(np.finfo(float).eps)
#: Samples solved per pass [count]: ~30 arrays of this many float64 fit in a core's L2 cache.
_CHUNK = 1 << 14


def condition(need_a, need_b, stock_a, stock_b, tau) -> np.ndarray:
    """D(τ) ≥ S(τ) evaluated with the engine's kernels (``tau`` scalar or one value per sample).

    Examples
    --------
    Demand 1 growing ×e per year against a stock of e² growing ×1: reached after two years.

    >>> condition(np.zeros(3), np.ones(3), [np.full(3, 2.0)], [np.zeros(3)], np.array([1.0, 2.0, 3.0])).tolist()
    [False, True, True]
    """
    return log_linear(need_a, need_b, tau) >= log_linear_sum(stock_a, stock_b, tau)


def scan(need_a, need_b, stock_a, stock_b, taus) -> np.ndarray:
    """First position in ``taus`` where the condition holds, quarter by quarter; ``len(taus)`` if never.

    Examples
    --------
    >>> scan(np.zeros(2), np.array([1.0, 0.0]), [np.full(2, 2.0)], [np.zeros(2)], [1.0, 2.0, 3.0]).tolist()
    [1, 3]
    """
    q = len(taus)
    first = np.full(np.shape(need_a), q, dtype=np.int32)
    for k, tau in enumerate(taus):
        hit = condition(need_a, need_b, stock_a, stock_b, float(tau))
        first[hit & (first == q)] = k
    return first


def _noise(need_a, need_b, stock_a, stock_b, taus) -> np.ndarray:
    """Bound on the rounding of ln D − ln S as the kernels compute it [ln units]."""
    tmax = float(np.max(np.abs(taus)))
    sa = np.abs(stock_a[0]) if len(stock_a) == 1 else np.max(np.abs(np.stack(stock_a)), axis=0)
    sb = np.abs(stock_b[0]) if len(stock_b) == 1 else np.max(np.abs(np.stack(stock_b)), axis=0)
    return 16.0 * _EPS * (len(stock_a) + np.abs(need_a) + sa + tmax * (np.abs(need_b) + sb))


def _closed_form(need_a, need_b, stock_a, stock_b, taus):
    q = taus.size
    d = need_a - stock_a[0]
    s = need_b - stock_b[0]
    steps = np.diff(taus)
    step = float(np.min(steps)) if q > 1 else np.inf
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        crossing = -d / s
        if q > 1 and np.all(steps == steps[0]):  # evenly spaced: the position is arithmetic
            first = np.ceil(np.clip((crossing - taus[0]) / step, -1.0, q))
        else:
            first = np.searchsorted(taus, crossing, side="left")
        first = np.where(s > 0, np.clip(first, 0, q), np.where(d + s * taus[0] >= 0, 0, q))
        first = np.nan_to_num(first, nan=q).astype(np.int32)  # NaN coefficients: scanned below
        noise = _noise(need_a, need_b, stock_a, stock_b, taus)
        unsure = ~(np.isfinite(d) & np.isfinite(s) & np.isfinite(noise)) | (step * np.abs(s) <= 2 * noise)
        # the gap where the answer is decided: ≥ 0 at ``first``, < 0 just before, both clear of rounding
        at = d + s * taus[np.minimum(first, q - 1)]
        before = d + s * taus[np.maximum(first - 1, 0)]
        unsure |= (np.abs(at) <= noise) | (np.abs(before) <= noise)
        unsure |= ((first < q) & (at < 0)) | ((first > 0) & (before >= 0))
        unsure |= np.abs(d + s * taus[0]) <= noise
    return first, unsure


def _bisect(need_a, need_b, stock_a, stock_b, taus):
    q = taus.size
    with np.errstate(invalid="ignore", over="ignore"):
        fastest = np.max(np.stack(stock_b), axis=0)
        noise = _noise(need_a, need_b, stock_a, stock_b, taus)
        step = float(np.min(np.diff(taus))) if q > 1 else np.inf
        finite = np.isfinite(need_a) & np.isfinite(need_b) & np.isfinite(noise)
        for a, b in zip(stock_a, stock_b):
            finite &= np.isfinite(a) & np.isfinite(b)
        unsure = ~finite | (step * (need_b - fastest) <= 2 * noise)
    # invariant: condition false at lo (or lo = -1), true at hi (or hi = q)
    lo = np.full(need_a.shape, -1, dtype=np.int64)
    hi = np.full(need_a.shape, q, dtype=np.int64)
    active = np.flatnonzero(~unsure)
    while active.size:
        mid = (lo[active] + hi[active]) // 2
        hit = condition(need_a[active], need_b[active], [a[active] for a in stock_a],
                        [b[active] for b in stock_b], taus[mid])
        hi[active[hit]] = mid[hit]
        lo[active[~hit]] = mid[~hit]
        active = active[hi[active] - lo[active] > 1]
    return hi.astype(np.int32), unsure


def exhaustion_quarter(need_a, need_b, stock_a, stock_b, taus) -> np.ndarray:
    """Per sample, the first position in ``taus`` where D ≥ S; ``len(taus)`` when it never is.

    Parameters
    ----------
    need_a, need_b : ndarray
        Demand coefficients, ln D(τ) = a + b·τ, shape ``(n,)``.
    stock_a, stock_b : sequence of ndarray
        One coefficient pair per stock source, ln S_k(τ) = a_k + b_k·τ, each ``(n,)``.
    taus : array_like
        Quarter ends in years since the origin, increasing [yr].

    Returns
    -------
    ndarray
        int32 quarter positions, identical to :func:`scan`.

    Examples
    --------
    Demand 1 growing ×e per year; a stock of e² (flat), then the same stock growing as fast as demand:

    >>> taus = np.arange(1, 5) * 0.25
    >>> exhaustion_quarter(np.zeros(2), np.full(2, 8.0), [np.array([2.0, 2.0])], [np.array([0.0, 8.0])], taus).tolist()
    [0, 4]
    """
    taus = np.asarray(taus, dtype=float)
    need_a, need_b = np.asarray(need_a, dtype=float), np.asarray(need_b, dtype=float)
    stock_a = [np.broadcast_to(np.asarray(a, dtype=float), need_a.shape) for a in stock_a]
    stock_b = [np.broadcast_to(np.asarray(b, dtype=float), need_a.shape) for b in stock_b]
    if taus.size == 0:
        return np.zeros(need_a.shape, dtype=np.int32)
    solve = _closed_form if len(stock_a) == 1 else _bisect
    out = np.empty(need_a.shape, dtype=np.int32)
    for lo in range(0, need_a.size, _CHUNK):  # chunks that stay in cache across the passes
        part = slice(lo, lo + _CHUNK)
        na, nb = need_a[part], need_b[part]
        sa, sb = [a[part] for a in stock_a], [b[part] for b in stock_b]
        first, unsure = solve(na, nb, sa, sb, taus)
        idx = np.flatnonzero(unsure)
        if idx.size:
            first[idx] = scan(na[idx], nb[idx], [a[idx] for a in sa], [b[idx] for b in sb], taus)
        out[part] = first
    return out
