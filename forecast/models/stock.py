"""Stock of usable human-written text (Villalobos et al. 2024, §2.2–2.3).

For each source i the usable stock at time t is

    S_i(t) = S_i(t_ref) · g_i^(t − t_ref) · q_i

with S_i(t_ref) the token count at the reference date, g_i its yearly growth and q_i the share that
survives quality filtering. The effective stock multiplies the sum over included sources by the
repetition multiplier m (effective tokens per unique token, Muennighoff et al. 2023):

    S_eff(t) = m · Σ_i S_i(t)
"""
from __future__ import annotations

import numpy as np

__all__ = ["usable_stock", "effective_stock"]


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
