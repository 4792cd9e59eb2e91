"""Stock of usable human-written text (Villalobos et al. 2024, §2.2–2.3).

For each source i the usable stock at time t is

    S_i(t) = S_i(t_ref) · g_i^(t − t_ref) · q_i

with S_i(t_ref) the token count at the reference date, g_i its yearly growth and q_i the share that
survives quality filtering. The effective stock multiplies the sum over included sources by the
repetition multiplier m (effective tokens per unique token, Muennighoff et al. 2023):

    S_eff(t) = m · Σ_i S_i(t)

The engine evaluates the same model in log form, one exponential per source and quarter:
S_eff(t) = Σ_i exp(a_i + b_i·τ) with τ = t − t_origin, a_i = ln(m·S_i(t_ref)·q_i) + (t_origin −
t_ref)·b_i and b_i = ln g_i (:func:`log_stock_coefficients`, :func:`log_linear_sum`).
"""
from __future__ import annotations

import numpy as np

__all__ = ["usable_stock", "effective_stock", "log_values", "log_stock_coefficients", "log_linear_sum"]


def usable_stock(stock_ref, growth, years_since_ref, quality):
    """Usable tokens of one source at a time ``years_since_ref`` after its reference date.

    Parameters
    ----------
    stock_ref : array_like
        Tokens at the reference date [tokens], shape ``(n, 1)`` per sample.
    growth : array_like
        Yearly growth of the stock [factor/yr].
    years_since_ref : array_like
        Time since the reference date [yr], shape ``(1, q)``.
    quality : array_like
        Usable share after quality filtering [fraction].

    Returns
    -------
    ndarray
        Usable tokens [tokens], shape ``(n, q)``.

    Examples
    --------
    510T indexed-web tokens growing 3%/yr, 20% usable, two years later:

    >>> round(float(usable_stock(510e12, 1.03, 2.0, 0.2)) / 1e12, 2)
    108.21
    """
    return (np.asarray(stock_ref, dtype=float) * np.power(growth, years_since_ref)
            * np.asarray(quality, dtype=float))


def effective_stock(usable, repetition_multiplier):
    """Effective stock: usable tokens × repetition multiplier (Villalobos et al. 2024, §2.3).

    Parameters
    ----------
    usable : array_like
        Usable unique tokens summed over included sources [tokens].
    repetition_multiplier : array_like
        Effective tokens per unique token [x].

    Returns
    -------
    ndarray
        Effective tokens [tokens].

    Examples
    --------
    >>> float(effective_stock(100e12, 3.2)) / 1e12
    320.0
    """
    return np.asarray(usable, dtype=float) * np.asarray(repetition_multiplier, dtype=float)


def log_values(x) -> np.ndarray:
    """``np.log(x)``, with one logarithm for an array whose values are all equal (a fixed input).

    >>> log_values(np.full(3, np.e)).tolist()
    [1.0, 1.0, 1.0]
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        if x.ndim == 1 and x.size > 1 and x[0] == x[-1] and bool((x == x[0]).all()):
            return np.full(x.shape, np.log(x[:1])[0])
        return np.log(x)


def log_stock_coefficients(stock_ref, growth, quality, repetition_multiplier, ref_year, origin):
    """Coefficients (a, b) of one source's effective stock in log form: S(τ) = exp(a + b·τ).

    ``τ`` is years since ``origin`` [yr]; the source's stock is ``stock_ref`` at ``ref_year``.

    Returns
    -------
    a : ndarray
        ln of the effective tokens at ``origin`` [ln tokens].
    b : ndarray
        ln of the yearly growth [1/yr].

    Examples
    --------
    The source of :func:`usable_stock` with multiplier 1, two years after its reference:

    >>> a, b = log_stock_coefficients(510e12, 1.03, 0.2, 1.0, 2024.0, 2026.0)
    >>> round(float(np.exp(a)) / 1e12, 2)
    108.21
    """
    b = log_values(growth)
    a = log_values(stock_ref) + log_values(quality) + log_values(repetition_multiplier) + (origin - ref_year) * b
    return a, b


def log_linear_sum(a_terms, b_terms, tau, out=None, scratch=None):
    """Σ_k exp(a_k + b_k·τ) for per-sample coefficient arrays; ``out``/``scratch`` are reused buffers.

    ``tau`` is a scalar (one quarter for every sample) or an array (one quarter per sample).

    Examples
    --------
    >>> round(float(log_linear_sum([np.log([2.0])], [np.log([3.0])], 2.0)[0]), 9)
    18.0
    """
    def term(a, b, buf):
        if buf is None:
            return np.exp(np.add(np.multiply(b, tau), a))
        np.multiply(b, tau, out=buf)
        buf += a
        return np.exp(buf, out=buf)

    out = term(a_terms[0], b_terms[0], out)
    for a, b in zip(a_terms[1:], b_terms[1:]):
        scratch = term(a, b, scratch)
        out = np.add(out, scratch, out=out if out.ndim else None)
    return out
