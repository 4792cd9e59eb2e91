"""Cost hindcast: GPU-hours of a disclosed training run from its parameters, tokens and hardware,
with attention FLOP, an effective-training-time factor and a record-calibrated width.

Pure numpy kernels; every prior is an argument (the priors are in ``data/compute_priors.csv``, the
per-run inputs in ``data/hindcast_runs.csv``; :mod:`forecast.analysis.published_runs` reads them).
The derivation is in docs/derivations.md §14.

References
----------
.. [1] Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv 2001.08361, Table 1.
.. [2] Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv 2203.15556, App. F.
.. [3] Llama Team 2024, "The Llama 3 Herd of Models", arXiv 2407.21783, Sec. 3.3.4.
.. [4] Vovk, Gammerman, Shafer 2005, "Algorithmic Learning in a Random World" (conformal prediction);
   Barber et al. 2021, "Predictive inference with the jackknife+", Ann. Statist. 49(1).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from forecast.models.compute_cost import SECONDS_PER_HOUR, training_flop

__all__ = ["attention_flop", "conformal_widening", "hindcast_flop", "log10_error", "sample_gpu_hours",
           "standardised_error"]


def attention_flop(n_layers: ArrayLike, d_attn: ArrayLike, seq_len: ArrayLike, tokens: ArrayLike) -> np.ndarray:
    r"""Training FLOP of the attention scores and their weighted sum, beyond :math:`6ND`.

    :math:`C_\mathrm{attn} = 6\, n_\mathrm{layer}\, n_\mathrm{ctx}\, d_\mathrm{attn}\, D`: Kaplan et
    al. 2020, Table 1, count :math:`2 n_\mathrm{layer} n_\mathrm{ctx} d_\mathrm{attn}` forward FLOP per
    token, and the backward pass doubles the forward (×3 in all). Hoffmann et al. 2022, App. F, count
    the logits and the reduce, :math:`4 n_\mathrm{layer} n_\mathrm{ctx} d_\mathrm{attn}` forward, over
    every position; a causal mask computes half of them, which gives Kaplan's count again.

    Parameters
    ----------
    n_layers : array_like
        Transformer layers [count].
    d_attn : array_like
        Query heads × head dimension [count].
    seq_len : array_like
        Training sequence length, n_ctx [tokens].
    tokens : array_like
        Tokens trained at that length [tokens].

    Returns
    -------
    numpy.ndarray
        Attention FLOP [FLOP].

    Examples
    --------
    GPT-3 175B (96 layers, 12288, context 2048) on 300B tokens: 6 × 96 × 2048 × 12288 × 3e11 =
    4.349e21 FLOP, 1.38% of 6ND = 3.15e23.

    >>> print(f"{attention_flop(96, 12288, 2048, 3e11):.4e}")
    4.3487e+21
    """
    return (6.0 * np.asarray(n_layers, dtype=float) * np.asarray(seq_len, dtype=float)
            * np.asarray(d_attn, dtype=float) * np.asarray(tokens, dtype=float))


def hindcast_flop(params_active: ArrayLike, tokens: ArrayLike, n_layers: ArrayLike, d_attn: ArrayLike,
                  seq_len: ArrayLike, long_tokens: ArrayLike = 0.0, long_seq_len: ArrayLike = 0.0) -> np.ndarray:
    r"""Model FLOP of a run: :math:`6ND` plus attention at the base length and at the long length.

    :math:`C = 6ND + 6 n_\mathrm{layer} d_\mathrm{attn} [(D - D_\mathrm{long}) n_\mathrm{ctx} +
    D_\mathrm{long} n_\mathrm{long}]`, where :math:`D_\mathrm{long}` of the :math:`D` tokens are
    trained at :math:`n_\mathrm{long}` (Llama 3's long-context stage, arXiv 2407.21783 Sec. 3.4.2).

    Parameters
    ----------
    params_active, tokens : array_like
        N [count] and D [tokens], as :func:`forecast.models.compute_cost.training_flop`.
    n_layers, d_attn, seq_len : array_like
        As :func:`attention_flop` [count, count, tokens].
    long_tokens, long_seq_len : array_like, optional
        Tokens of D trained at a longer context, and that context [tokens]; 0 for none.

    Returns
    -------
    numpy.ndarray
        Model FLOP [FLOP].

    Examples
    --------
    Llama 2 70B, 2T tokens at 4096: 8.4e23 + 6 × 80 × 4096 × 8192 × 2e12 = 8.4e23 + 3.221e22.

    >>> print(f"{hindcast_flop(7e10, 2e12, 80, 8192, 4096):.4e}")
    8.7221e+23
    """
    tokens = np.asarray(tokens, dtype=float)
    long_tokens = np.asarray(long_tokens, dtype=float)
    base = attention_flop(n_layers, d_attn, seq_len, tokens - long_tokens)
    extra = attention_flop(n_layers, d_attn, long_seq_len, long_tokens)
    return training_flop(params_active, tokens) + base + extra


def sample_gpu_hours(flop: float, peak_flops: float, mfu_mu: float, mfu_sigma: float, time_mu: float,
                     time_sigma: float, z_mfu: np.ndarray, z_time: np.ndarray, widen: float = 1.0) -> np.ndarray:
    r"""GPU-hours of one run per sample: :math:`H = C / (P \cdot u \cdot f \cdot 3600)`.

    In-step MFU :math:`u` and effective training time :math:`f` are log-normal,
    :math:`\ln u = \mu_u + \sigma'_u z_u` and :math:`\ln f = \mu_f + \sigma_f z_f`, with :math:`f`
    capped at 1. ``widen`` :math:`k` widens the log-width of :math:`H` by :math:`k` through the MFU term
    alone, :math:`\sigma'_u = \sqrt{k^2 (\sigma_u^2 + \sigma_f^2) - \sigma_f^2}`, so the effective-time
    prior (and its cap) stays as stated and the median does not move; :math:`k = 1` is the stated prior.

    Parameters
    ----------
    flop : float
        Model FLOP of the run, :func:`hindcast_flop` [FLOP].
    peak_flops : float
        Dense BF16 peak of one accelerator [FLOP/s].
    mfu_mu, mfu_sigma, time_mu, time_sigma : float
        Log-mean and log-sd of in-step MFU and of effective training time [ln fraction].
    z_mfu, z_time : numpy.ndarray
        Standard normal draws, one per sample.
    widen : float, default 1
        Factor on the log-width of the GPU-hours, ≥ 1 [ratio].

    Returns
    -------
    numpy.ndarray
        GPU-hours per sample [GPU-hour].

    Examples
    --------
    At the medians (z = 0), 1e24 FLOP at 40% MFU and 90% effective time on 1e15 FLOP/s:
    1e24 / (1e15 × 0.4 × 0.9 × 3600) = 771,605 GPU-hours.

    >>> z = np.zeros(1)
    >>> print(f"{sample_gpu_hours(1e24, 1e15, np.log(0.4), 0.1, np.log(0.9), 0.05, z, z)[0]:,.0f}")
    771,605
    """
    sigma = math.sqrt(widen ** 2 * (mfu_sigma ** 2 + time_sigma ** 2) - time_sigma ** 2)
    mfu = np.exp(mfu_mu + sigma * np.asarray(z_mfu, dtype=float))
    time = np.minimum(np.exp(time_mu + time_sigma * np.asarray(z_time, dtype=float)), 1.0)
    return flop / (peak_flops * mfu * time * SECONDS_PER_HOUR)


def log10_error(predicted: ArrayLike, disclosed: ArrayLike) -> np.ndarray:
    """``log10(predicted / disclosed)``: positive when the hindcast is too high [log10 ratio].

    >>> print(f"{log10_error(2.0, 1.0):.4f}")
    0.3010
    """
    return np.log10(np.asarray(predicted, dtype=float) / np.asarray(disclosed, dtype=float))


def standardised_error(disclosed: ArrayLike, p10: ArrayLike, p50: ArrayLike, p90: ArrayLike) -> np.ndarray:
    r"""How far the disclosed figure lies from the median, in units of the interval's half-width on its side.

    :math:`s = \ln(d/m) / \ln(p_{90}/m)` above the median, :math:`\ln(m/d) / \ln(m/p_{10})` below; the
    disclosed figure is inside the 80% interval exactly when :math:`s \le 1`.

    >>> print(f"{standardised_error(4.0, 0.5, 1.0, 2.0):.2f}")
    2.00
    """
    d, lo, mid, hi = (np.asarray(v, dtype=float) for v in (disclosed, p10, p50, p90))
    above = np.log(d / mid) / np.log(hi / mid)
    below = np.log(mid / d) / np.log(mid / lo)
    return np.where(d >= mid, above, below)


def conformal_widening(scores: ArrayLike, coverage: float = 0.8) -> float:
    r"""Factor that widens a stated interval to the coverage the other runs' record shows.

    Split-conformal rank (Vovk et al. 2005): with :math:`n` scores of *other* runs
    (:func:`standardised_error`), the :math:`\lceil c (n + 1) \rceil`-th smallest, never below 1 (a
    record better than the prior does not narrow it). Past :math:`n` scores the largest is used.

    Parameters
    ----------
    scores : array_like
        Standardised errors of the runs other than the one being priced [ratio].
    coverage : float, default 0.8
        Target share of runs inside [fraction].

    Returns
    -------
    float
        Widening factor, ≥ 1 [ratio].

    Examples
    --------
    Twelve other runs, ⌈0.8 × 13⌉ = 11th smallest:

    >>> conformal_widening([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.5, 2.0, 3.0])
    2.0
    """
    values = np.sort(np.asarray(scores, dtype=float))
    if values.size == 0:
        return 1.0
    rank = min(math.ceil(coverage * (values.size + 1)), values.size)
    return float(max(1.0, values[rank - 1]))
