r"""Stock dynamics beyond a fixed exponential: AI-written inflow, consent erosion, licensed additions.

The fixed-exponential stock of :mod:`forecast.models.stock` grows every new token into the human
stock. Three documented changes to the public web since 2023 break that (see docs/scenarios.md,
"Stock dynamics", for the sources of each input):

* **AI-written inflow.** Only a share h(t) of newly published text is written by people (Graphite
  2025: about half of new English web articles since 2025 were AI-written), so of the new public
  text W(t_k) − W(t_{k−1}) in quarter k only h_k of it adds to the human stock:

  .. math:: H_k = H_{k-1} + h_k\,(W_k - W_{k-1}), \qquad H_0 = W_0.

* **Consent erosion.** A yearly share r of the public stock becomes restricted to crawlers
  (robots.txt and terms of service; Longpre et al. 2024, "Consent in Crisis", arXiv 2407.14933:
  5%+ of C4 tokens restricted by robots.txt within one year, 2023–24). What stays usable after
  τ years is the consent factor :math:`c(τ) = (1 - r)^{τ}`.

* **Licensed additions.** Private text bought into the usable stock at l tokens per year
  (data/data_deals.csv), not subject to crawler consent: :math:`L(τ) = l\,τ`.

The usable stock is then :math:`S(τ) = c(τ)\,H(τ) + L(τ)` (plus any source the dynamics do not act
on): human flow × consent factor + licensed additions (docs/derivations.md §8). With h = 1, r = 0
and l = 0 it equals the fixed exponential W(τ) exactly (up to rounding), which the tests check.

Kernels are element-wise numpy; the engine carries ``H`` from quarter to quarter (one row of
samples at a time), since the recursion has no closed form once h varies in time.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["human_share_at", "human_stock_step", "consent_factor", "licensed_stock", "stock_terms"]


def human_share_at(years: ArrayLike, series_years: ArrayLike, series_share: ArrayLike) -> np.ndarray:
    """Human share of newly written public text at ``years``, interpolated linearly in a series.

    Before the first point the first value holds, after the last the last (``numpy.interp``).

    Parameters
    ----------
    years : array_like
        Times to evaluate [yr, decimal].
    series_years : array_like
        Times of the series, increasing [yr, decimal].
    series_share : array_like
        Human share of new text at those times [fraction].

    Returns
    -------
    ndarray
        Human share [fraction].

    Examples
    --------
    Human share 1.0 at 2022.9, 0.64 at 2023.9: halfway between, 0.82; after the last point it holds.

    >>> human_share_at([2023.4, 2030.0], [2022.9, 2023.9], [1.0, 0.64]).round(6).tolist()
    [0.82, 0.64]
    """
    return np.interp(np.asarray(years, dtype=float), np.asarray(series_years, dtype=float),
                     np.asarray(series_share, dtype=float))


def human_stock_step(human_prev, web_prev, web_now, human_share, out=None):
    """Human stock after one step: H_k = H_{k−1} + h·(W_k − W_{k−1}) [tokens].

    Parameters
    ----------
    human_prev : array_like
        Human stock at the previous quarter, H_{k−1} [tokens].
    web_prev, web_now : array_like
        Public text (human and AI-written) at the previous and this quarter, W [tokens].
    human_share : array_like
        Share of the new text written by people, h [fraction].
    out : ndarray, optional
        Buffer for the result (may be ``human_prev``).

    Returns
    -------
    ndarray
        H_k [tokens].

    Examples
    --------
    A stock of 100 with the web growing from 100 to 110, half of the new text human: 100 + 0.5 × 10.

    >>> float(human_stock_step(100.0, 100.0, 110.0, 0.5))
    105.0
    """
    new = np.subtract(web_now, web_prev)
    new *= human_share
    return np.add(human_prev, new, out=out)


def consent_factor(erosion_rate, years):
    """Share of the public stock still open to crawlers after ``years``: (1 − r)^τ [fraction].

    Parameters
    ----------
    erosion_rate : array_like
        Yearly share of the public stock that becomes restricted, r [fraction/yr].
    years : array_like
        Years since the start of the projection, τ [yr].

    Returns
    -------
    ndarray
        Consent factor c(τ) [fraction].

    Examples
    --------
    5% a year for two years: 0.95² = 0.9025.

    >>> round(float(consent_factor(0.05, 2.0)), 6)
    0.9025
    """
    return np.power(1.0 - np.asarray(erosion_rate, dtype=float), years)


def licensed_stock(additions_per_year, years):
    """Private text bought into the usable stock after ``years``: L(τ) = l·τ [tokens].

    Parameters
    ----------
    additions_per_year : array_like
        Licensed tokens added per year, l [tokens/yr].
    years : array_like
        Years since the start of the projection, τ [yr].

    Returns
    -------
    ndarray
        L(τ) [tokens].

    Examples
    --------
    600B tokens a year (about the Reddit stock, data/data_deals.csv) for 2.5 years: 1.5T.

    >>> float(licensed_stock(6e11, 2.5)) / 1e12
    1.5
    """
    return np.multiply(additions_per_year, years)


def stock_terms(human_start, human_now, consent, licensed, other=0.0):
    """The usable stock and its terms: S = c·H + L + other, and how it differs from the start.

    Parameters
    ----------
    human_start : array_like
        Human stock at the start of the projection, H_0 [tokens].
    human_now : array_like
        Human stock now, H [tokens].
    consent : array_like
        Consent factor c [fraction].
    licensed : array_like
        Licensed stock L [tokens].
    other : array_like
        Sources the dynamics do not act on [tokens].

    Returns
    -------
    dict of ndarray
        ``stock`` = c·H + L + other; ``human_inflow`` = H − H_0 (human text written since the
        start); ``consent_loss`` = (1 − c)·H (text restricted since the start); ``licensed`` = L.
        ``stock`` = H_0 + other + human_inflow − consent_loss + licensed.

    Examples
    --------
    H_0 = 100, H = 105, 10% restricted, 3 licensed: 0.9 × 105 + 3 = 97.5 = 100 + 5 − 10.5 + 3.

    >>> {k: round(float(v), 6) for k, v in stock_terms(100.0, 105.0, 0.9, 3.0).items()}
    {'stock': 97.5, 'human_inflow': 5.0, 'consent_loss': 10.5, 'licensed': 3.0}
    """
    human_now = np.asarray(human_now, dtype=float)
    open_now = consent * human_now
    return {"stock": open_now + licensed + other, "human_inflow": human_now - human_start,
            "consent_loss": human_now - open_now, "licensed": np.asarray(licensed, dtype=float)}
