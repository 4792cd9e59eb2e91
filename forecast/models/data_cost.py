"""Data cost of a data mix: licensed and expert-written human tokens, synthetic tokens bought from an
API or generated on rented GPUs, the cost of judging generated tokens, and the price of a useful
synthetic token over time.

Pure numpy kernels. Every model constant (prices, acceptance rates, utilisation) is an argument.
Inputs broadcast: per-sample arrays have shape ``(n, 1)``, the time axis ``(1, q)``. Generation on
rented GPUs is priced with the compute kernels of :mod:`forecast.models.compute_cost`.

References
----------
.. [1] Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv 2001.08361.
.. [5] Feng et al. 2024, "Beyond Model Collapse: Scaling Up with Synthesized Data Requires
   Verification", arXiv 2406.07515 (ICLR 2025).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from forecast.models.compute_cost import TOKENS_PER_MILLION, gpu_hours, rental_cost

__all__ = [
    "generated_tokens",
    "generation_gpu_hours",
    "human_data_cost",
    "new_gap_tokens",
    "split_mix",
    "synthetic_api_cost",
    "synthetic_pipeline_cost",
    "synthetic_selfhosted_cost",
    "useful_synthetic_price",
    "verification_cost",
]


def split_mix(tokens: ArrayLike, synthetic_share: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Split a token budget into human and synthetic tokens.

    Parameters
    ----------
    tokens : array_like
        Total training tokens [tokens].
    synthetic_share : array_like
        Share of the tokens that are synthetic [fraction].

    Returns
    -------
    human_tokens : numpy.ndarray
        ``tokens · (1 − synthetic_share)`` [tokens].
    synthetic_tokens : numpy.ndarray
        ``tokens · synthetic_share`` [tokens].

    Examples
    --------
    Nemotron-CC (arXiv 2412.02595): 30% synthetic of 6.3T tokens.

    >>> human, synthetic = split_mix(6.3e12, 0.3)
    >>> print(f"{human:.2e} {synthetic:.2e}")
    4.41e+12 1.89e+12
    """
    tokens = np.asarray(tokens, dtype=float)
    share = np.asarray(synthetic_share, dtype=float)
    return tokens * (1.0 - share), tokens * share


def human_data_cost(
    human_tokens: ArrayLike,
    license_usd_per_mtok: ArrayLike,
    processing_usd_per_mtok: ArrayLike,
    expert_share: ArrayLike,
    expert_usd_per_mtok: ArrayLike,
) -> np.ndarray:
    r"""Cost of the human-written part of a mix: licensed text plus expert-written text.

    :math:`D_h / 10^6 \cdot ((1 - e)(p_l + p_c) + e \cdot p_x)`. A share ``expert_share`` of the
    human tokens is commissioned or annotated by experts at ``expert_usd_per_mtok`` *instead of*
    being licensed and processed; the rest is licensed (``license_usd_per_mtok``, zero for
    open web text) and crawled, cleaned and filtered (``processing_usd_per_mtok``). Unit prices
    are in ``data/data_prices.csv`` and ``data/data_deals.csv`` (docs/derivations.md §4).

    Parameters
    ----------
    human_tokens : array_like
        Human-written training tokens [tokens].
    license_usd_per_mtok : array_like
        Licence price of human text [USD/Mtok].
    processing_usd_per_mtok : array_like
        Crawl, cleaning and filtering cost of licensed text [USD/Mtok].
    expert_share : array_like
        Share of human tokens written or annotated by paid experts [fraction].
    expert_usd_per_mtok : array_like
        Price of expert-written or expert-annotated text [USD/Mtok].

    Returns
    -------
    numpy.ndarray
        Human-data cost [USD].

    Examples
    --------
    1T tokens, licence $1/M, processing $0.5/M, 10% expert text at $100/M:
    1e6 × (0.9 × 1.5 + 0.1 × 100) = 1e6 × 11.35 = $11.35M.

    >>> print(f"{human_data_cost(1e12, 1.0, 0.5, 0.1, 100.0):,.0f}")
    11,350,000
    """
    expert_share = np.asarray(expert_share, dtype=float)
    licensed = np.asarray(license_usd_per_mtok, dtype=float) + np.asarray(
        processing_usd_per_mtok, dtype=float
    )
    per_mtok = (1.0 - expert_share) * licensed + expert_share * np.asarray(
        expert_usd_per_mtok, dtype=float
    )
    return np.asarray(human_tokens, dtype=float) / TOKENS_PER_MILLION * per_mtok


def generated_tokens(accepted_tokens: ArrayLike, acceptance_rate: ArrayLike) -> np.ndarray:
    """Tokens a generator must produce so that ``accepted_tokens`` survive filtering.

    Parameters
    ----------
    accepted_tokens : array_like
        Synthetic tokens kept for training [tokens].
    acceptance_rate : array_like
        Share of generated tokens kept by the filter or verifier, in (0, 1] [fraction].

    Returns
    -------
    numpy.ndarray
        Tokens generated before filtering [tokens].

    Examples
    --------
    Keeping 1 sample in 10 (Llama 3 rejection sampling, K = 10): 1e9 kept needs 1e10 generated.

    >>> print(f"{generated_tokens(1e9, 0.1):.1e}")
    1.0e+10
    """
    return np.asarray(accepted_tokens, dtype=float) / np.asarray(acceptance_rate, dtype=float)


def synthetic_api_cost(
    accepted_tokens: ArrayLike,
    acceptance_rate: ArrayLike,
    output_usd_per_mtok: ArrayLike,
    input_usd_per_mtok: ArrayLike,
    prompt_tokens_per_output_token: ArrayLike,
) -> np.ndarray:
    r"""Cost of buying synthetic tokens from an API, rejected tokens included.

    :math:`G / 10^6 \cdot (p_\mathrm{out} + r \cdot p_\mathrm{in})` with
    :math:`G` = :func:`generated_tokens`, since rejected output is paid for too. List prices are in
    ``data/inference_prices.csv``.

    Parameters
    ----------
    accepted_tokens : array_like
        Synthetic tokens kept for training [tokens].
    acceptance_rate : array_like
        Share of generated tokens kept [fraction].
    output_usd_per_mtok : array_like
        API price of output tokens [USD/Mtok].
    input_usd_per_mtok : array_like
        API price of input (prompt) tokens [USD/Mtok].
    prompt_tokens_per_output_token : array_like
        Prompt tokens sent per generated token [ratio].

    Returns
    -------
    numpy.ndarray
        Generation cost [USD].

    Examples
    --------
    1T tokens from DeepSeek-V3 ($0.27 in / $1.10 out per M, DeepSeek API price list, 2025), no prompt,
    all kept: $1.1M (docs/derivations.md §2); a prompt of half the output length adds 0.5 × 0.27 per M.

    >>> print(f"{synthetic_api_cost(1e12, 1.0, 1.10, 0.27, 0.0):,.0f}")
    1,100,000
    >>> print(f"{synthetic_api_cost(1e12, 1.0, 1.10, 0.27, 0.5):,.0f}")
    1,235,000
    """
    per_mtok = np.asarray(output_usd_per_mtok, dtype=float) + np.asarray(
        prompt_tokens_per_output_token, dtype=float
    ) * np.asarray(input_usd_per_mtok, dtype=float)
    return generated_tokens(accepted_tokens, acceptance_rate) / TOKENS_PER_MILLION * per_mtok


def synthetic_selfhosted_cost(
    accepted_tokens: ArrayLike,
    acceptance_rate: ArrayLike,
    generator_params_active: ArrayLike,
    prompt_tokens_per_output_token: ArrayLike,
    peak_flops: ArrayLike,
    utilisation: ArrayLike,
    price_per_gpu_hour: ArrayLike,
) -> np.ndarray:
    r"""Cost of generating synthetic tokens on rented GPUs, rejected tokens included.

    Forward pass only, two FLOP per active parameter per token, for generated and prompt tokens
    alike (Kaplan et al. 2020, Table 1): :math:`C = 2 N_g G (1 + r)`, then :func:`gpu_hours` and
    :func:`rental_cost`. Decoding is memory-bound, so ``utilisation`` is usually far below training
    MFU (Cosmopedia, Hugging Face 2024: 25B tokens in over 10k H100-hours, i.e. ≈ 0.018;
    docs/derivations.md §2).

    Parameters
    ----------
    accepted_tokens : array_like
        Synthetic tokens kept for training [tokens].
    acceptance_rate : array_like
        Share of generated tokens kept [fraction].
    generator_params_active : array_like
        Parameters of the generator active per token [count].
    prompt_tokens_per_output_token : array_like
        Prompt tokens processed per generated token [ratio].
    peak_flops : array_like
        Dense peak throughput of one GPU [FLOP/s].
    utilisation : array_like
        Achieved over peak throughput while generating [fraction].
    price_per_gpu_hour : array_like
        Rental price [USD/GPU-hour].

    Returns
    -------
    numpy.ndarray
        Generation cost [USD].

    Examples
    --------
    1M tokens from a 70B model at 30% of an H100 (9.89e14 FLOP/s) and $2/h (docs/derivations.md §2):
    2 × 7e10 × 1e6 / (9.89e14 × 0.3 × 3600) = 0.1311 GPU-hours, i.e. $0.262.

    >>> print(f"{synthetic_selfhosted_cost(1e6, 1.0, 70e9, 0.0, 9.89e14, 0.3, 2.0):.3f}")
    0.262
    """
    hours = generation_gpu_hours(generated_tokens(accepted_tokens, acceptance_rate), generator_params_active,
                                 prompt_tokens_per_output_token, peak_flops, utilisation)
    return rental_cost(hours, price_per_gpu_hour)


def generation_gpu_hours(
    generated: ArrayLike,
    generator_params_active: ArrayLike,
    prompt_tokens_per_output_token: ArrayLike,
    peak_flops: ArrayLike,
    utilisation: ArrayLike,
) -> np.ndarray:
    r"""GPU-hours to generate tokens on one kind of accelerator.

    :math:`H = 2 N_g G (1 + r) / (P \cdot u \cdot 3600)`: two FLOP per active parameter per token
    for a forward pass (Kaplan et al. 2020, Table 1), for generated tokens and, where a pipeline
    states them, prompt tokens (``r`` per generated token). ``utilisation`` is the achieved share of
    peak counted that way: decoding is memory-bound, so it is far below training MFU. Published
    pipelines imply 1.8% (Cosmopedia, 2024) to 3.2% (FinePhrase, 2026) of an H100's bf16 peak,
    counting generated tokens only (``data/synthetic_pipelines.csv``, docs/derivations.md §15).

    Parameters
    ----------
    generated : array_like
        Tokens generated, kept or not [tokens].
    generator_params_active : array_like
        Parameters of the generator active per token [count].
    prompt_tokens_per_output_token : array_like
        Prompt tokens processed per generated token, 0 where the pipeline states none [ratio].
    peak_flops : array_like
        Dense peak throughput of one GPU [FLOP/s].
    utilisation : array_like
        Achieved over peak throughput while generating [fraction].

    Returns
    -------
    numpy.ndarray
        [GPU-hours].

    Examples
    --------
    Cosmopedia (Hugging Face 2024): 25B tokens from Mixtral-8x7B (12.9B active) on H100s
    (9.89e14 FLOP/s) at 2.45% of peak: 2 × 12.9e9 × 25e9 = 6.45e20 FLOP over
    9.89e14 × 0.0245 × 3600 = 8.723e16 FLOP per GPU-hour = 7,394 GPU-hours.

    >>> print(f"{generation_gpu_hours(25e9, 12.9e9, 0.0, 9.89e14, 0.0245):,.0f}")
    7,394
    """
    flop = (2.0 * np.asarray(generator_params_active, dtype=float) * np.asarray(generated, dtype=float)
            * (1.0 + np.asarray(prompt_tokens_per_output_token, dtype=float)))
    return gpu_hours(flop, peak_flops, utilisation)


def synthetic_pipeline_cost(
    accepted_tokens: ArrayLike,
    acceptance_rate: ArrayLike,
    generator_params_active: ArrayLike,
    prompt_tokens_per_output_token: ArrayLike,
    peak_flops: ArrayLike,
    utilisation: ArrayLike,
    price_per_gpu_hour: ArrayLike,
    judge_usd_per_mtok: ArrayLike = 0.0,
    judge_share: ArrayLike = 0.0,
) -> dict[str, np.ndarray]:
    r"""GPU-hours and cost of a self-hosted synthetic-data pipeline, rejected tokens included.

    Generated tokens :math:`G = D_\mathrm{kept} / a` (:func:`generated_tokens`); GPU-hours from
    :func:`generation_gpu_hours`; generation cost = GPU-hours × price; verification
    :math:`= G \cdot s_j / 10^6 \cdot p_j`, a paid judge reading a share :math:`s_j` of the
    generated tokens. The default is no paid judge (:math:`s_j = 0`): none of Cosmopedia,
    FinePhrase, SYNTH or Nemotron-CC paid one (``data/synthetic_pipelines.csv``); filters, execution
    checks and the pipeline's own models are in the generation GPU-hours.

    Parameters
    ----------
    accepted_tokens : array_like
        Synthetic tokens kept [tokens].
    acceptance_rate : array_like
        Share of generated tokens kept, in (0, 1] [fraction].
    generator_params_active : array_like
        Parameters of the generator active per token [count].
    prompt_tokens_per_output_token : array_like
        Prompt tokens processed per generated token [ratio].
    peak_flops : array_like
        Dense peak throughput of one GPU [FLOP/s].
    utilisation : array_like
        Achieved over peak throughput while generating [fraction].
    price_per_gpu_hour : array_like
        Rental price [USD/GPU-hour].
    judge_usd_per_mtok : array_like, optional
        Price of a paid judge per million tokens read [USD/Mtok].
    judge_share : array_like, optional
        Share of the generated tokens the paid judge reads; 0 = no paid judge [fraction].

    Returns
    -------
    dict of numpy.ndarray
        ``generated_tokens`` [tokens], ``gpu_hours`` [GPU-hours], ``generation_usd``,
        ``verification_usd`` and ``total_usd`` [USD].

    Examples
    --------
    FinePhrase (Hugging Face 2026): 486B tokens kept of 486B generated by SmolLM2-1.7B at 2.45% of
    an H100's peak and $2/h: 2 × 1.7e9 × 486e9 = 1.6524e21 FLOP / 8.723e16 = 18,943 GPU-hours,
    $37,886, i.e. $0.078 per million tokens, no judge. A judge at $0.15/Mtok reading every token
    would add 486,000 × 0.15 = $72,900, twice the generation.

    >>> out = synthetic_pipeline_cost(486e9, 1.0, 1.7e9, 0.0, 9.89e14, 0.0245, 2.0)
    >>> print(f"{out['gpu_hours']:,.0f} {out['total_usd']:,.0f} {out['verification_usd']:.0f}")
    18,943 37,886 0
    >>> out = synthetic_pipeline_cost(486e9, 1.0, 1.7e9, 0.0, 9.89e14, 0.0245, 2.0, 0.15, 1.0)
    >>> print(f"{out['verification_usd']:,.0f}")
    72,900
    """
    generated = generated_tokens(accepted_tokens, acceptance_rate)
    hours = generation_gpu_hours(generated, generator_params_active, prompt_tokens_per_output_token,
                                 peak_flops, utilisation)
    generation = rental_cost(hours, price_per_gpu_hour)
    verification = verification_cost(generated, judge_usd_per_mtok) * np.asarray(judge_share, dtype=float)
    return {"generated_tokens": generated, "gpu_hours": hours, "generation_usd": generation,
            "verification_usd": verification, "total_usd": generation + verification}


def verification_cost(generated_tokens: ArrayLike, judge_usd_per_mtok: ArrayLike) -> np.ndarray:
    r"""Cost of judging every generated token once, accepted or not.

    :math:`G / 10^6 \cdot p_j`. Verification is budgeted because selecting synthetic data with a
    verifier is what lets it scale without collapse (Feng et al. 2024). Pass
    ``generated_tokens(accepted, acceptance_rate)``: rejected tokens are judged too.

    Parameters
    ----------
    generated_tokens : array_like
        Tokens generated before filtering [tokens].
    judge_usd_per_mtok : array_like
        Price of judging, per million generated tokens [USD/Mtok].

    Returns
    -------
    numpy.ndarray
        Verification cost [USD].

    Examples
    --------
    2T generated tokens judged at $0.15/M (GPT-4o-mini input price): $300,000.

    >>> print(f"{verification_cost(2e12, 0.15):,.0f}")
    300,000
    """
    return np.asarray(generated_tokens, dtype=float) / TOKENS_PER_MILLION * np.asarray(
        judge_usd_per_mtok, dtype=float
    )


# --------------------------------------------------------------------------------------------------
# Price of the synthetic gap
# --------------------------------------------------------------------------------------------------


def useful_synthetic_price(
    generation_usd_per_mtok: ArrayLike,
    acceptance_rate: ArrayLike,
    judge_usd_per_mtok: ArrayLike,
    synthetic_value: ArrayLike,
    price_trend: ArrayLike,
    years: ArrayLike,
) -> np.ndarray:
    r"""Cost of one human-equivalent synthetic token ``years`` after the prices' reference date.

    .. math:: p(t) = \frac{(p_\mathrm{gen} + p_\mathrm{judge}) / a}{q \cdot 10^6} \; g^{\,t - t_\mathrm{ref}}

    Every generated token is paid for, and judged where a paid judge is used (:func:`generated_tokens`,
    :func:`verification_cost`; Feng et al. 2024), a share ``a`` of them is kept, and a kept token is
    worth ``q`` human tokens; the price moves by the factor ``g`` per year.

    Parameters
    ----------
    generation_usd_per_mtok : array_like
        Generation cost [USD per million generated tokens].
    acceptance_rate : array_like
        Share of generated tokens kept, a [fraction].
    judge_usd_per_mtok : array_like
        Verification cost [USD per million generated tokens]: judge price × share judged, 0 with no
        paid judge.
    synthetic_value : array_like
        Value of a kept synthetic token relative to a human one, q [ratio].
    price_trend : array_like
        Yearly factor on the price, g [factor/yr] (below 1: prices fall).
    years : array_like
        Years since the prices' reference date [yr].

    Returns
    -------
    numpy.ndarray
        [USD per human-equivalent token].

    Examples
    --------
    $2 to generate and $0.5 to judge a million tokens, half kept, each worth a human token, prices
    halving yearly, one year on: (2 + 0.5) / 0.5 / 1e6 × 0.5 = $2.5 per million tokens.

    >>> print(f"{useful_synthetic_price(2.0, 0.5, 0.5, 1.0, 0.5, 1.0) * 1e6:.3f}")
    2.500
    """
    generated = generated_tokens(1.0, acceptance_rate)
    per_token = (generated * np.asarray(generation_usd_per_mtok, dtype=float) / TOKENS_PER_MILLION
                 + verification_cost(generated, judge_usd_per_mtok))
    trend = np.power(np.asarray(price_trend, dtype=float), np.asarray(years, dtype=float))
    return per_token / np.asarray(synthetic_value, dtype=float) * trend


def new_gap_tokens(gap: ArrayLike, largest_before: ArrayLike) -> np.ndarray:
    r"""Tokens to produce this quarter when tokens made earlier are kept: max(gap − max earlier gap, 0).

    Synthetic or licensed tokens once bought can be used again by later runs, so a quarter pays
    only for the part of its gap above the largest earlier gap (docs/derivations.md §9).

    Parameters
    ----------
    gap : array_like
        This quarter's gap [tokens].
    largest_before : array_like
        Largest gap of the earlier quarters [tokens].

    Returns
    -------
    numpy.ndarray
        [tokens].

    Examples
    --------
    >>> new_gap_tokens([5.0, 3.0], [4.0, 4.0]).tolist()
    [1.0, 0.0]
    """
    return np.maximum(np.subtract(gap, largest_before), 0.0)
