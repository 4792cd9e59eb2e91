"""Training compute cost and data cost of a data mix.

Pure numpy kernels. Every model constant (prices, utilisation, overheads, acceptance rates) is an
argument; the only module constants are unit conversions. Inputs broadcast: per-sample arrays have
shape ``(n, 1)``, the time axis ``(1, q)``.

Compute follows the two methods of Cottier et al. 2024, "The rising costs of training frontier
AI models" (arXiv 2405.21015): cloud rental (GPU-hours times a price per GPU-hour) and amortised
hardware plus energy (a price per chip-hour built from the chip price). Data cost covers licensed
and expert-written human tokens, synthetic tokens bought from an API or generated on rented GPUs,
and the cost of judging generated tokens.

References
----------
.. [1] Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv 2001.08361.
.. [2] Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv 2203.15556.
.. [3] Cottier et al. 2024, "The rising costs of training frontier AI models", arXiv 2405.21015.
.. [4] Hobbhahn et al. 2023, "Trends in Machine Learning Hardware", Epoch AI.
.. [5] Feng et al. 2024, "Beyond Model Collapse: Scaling Up with Synthesized Data Requires
   Verification", arXiv 2406.07515 (ICLR 2025).
"""

from __future__ import annotations

import numpy as np

from forecast.units import HOURS_PER_YEAR  # 365.25 days × 24 h = 8766 [h/yr], as in Cottier et al.
from numpy.typing import ArrayLike

__all__ = [
    "HOURS_PER_YEAR",
    "SECONDS_PER_HOUR",
    "TOKENS_PER_MILLION",
    "WATTS_PER_KILOWATT",
    "compute_cost",
    "energy_cost_per_hour",
    "generated_tokens",
    "gpu_hours",
    "hardware_cost_per_hour",
    "human_data_cost",
    "price_performance_factor",
    "rental_cost",
    "split_mix",
    "synthetic_api_cost",
    "synthetic_selfhosted_cost",
    "training_flop",
    "verification_cost",
    "useful_synthetic_price",
    "new_gap_tokens",
]

#: Seconds in one hour [s/h] (unit conversion).
SECONDS_PER_HOUR = 3600.0
#: Tokens in one million tokens, the unit of API and licence prices [tokens/Mtok] (unit conversion).
TOKENS_PER_MILLION = 1e6
#: Watts in one kilowatt [W/kW] (unit conversion).
WATTS_PER_KILOWATT = 1000.0


# --------------------------------------------------------------------------------------------------
# Training compute
# --------------------------------------------------------------------------------------------------


def training_flop(params_active: ArrayLike, tokens: ArrayLike) -> np.ndarray:
    r"""Training compute of a dense or mixture-of-experts transformer, :math:`C = 6 N D`.

    Two FLOP per parameter per token for the forward pass and four for the backward pass
    (Kaplan et al. 2020, §2.1 and Table 1; Hoffmann et al. 2022, §3). Attention FLOP are left out.
    For a mixture-of-experts model, ``params_active`` is the number of parameters active per token
    (DeepSeek-V3: 37B of 671B).

    Parameters
    ----------
    params_active : array_like
        Parameters active per token, N [count].
    tokens : array_like
        Training tokens, D [tokens].

    Returns
    -------
    numpy.ndarray
        Training compute [FLOP].

    Examples
    --------
    GPT-3 175B on 300B tokens: 6 × 1.75e11 × 3e11 = 3.15e23 FLOP.

    >>> print(f"{training_flop(175e9, 300e9):.3e}")
    3.150e+23
    """
    return 6.0 * np.asarray(params_active, dtype=float) * np.asarray(tokens, dtype=float)


def gpu_hours(flop: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike) -> np.ndarray:
    r"""GPU-hours needed for ``flop`` at a given peak throughput and utilisation.

    :math:`H = C / (P \cdot u \cdot 3600)`, the chip-hour imputation of Cottier et al. 2024
    (``estimate_chip_hours`` in ``epoch-research/training-cost-trends``).

    Parameters
    ----------
    flop : array_like
        Compute to perform [FLOP].
    peak_flops : array_like
        Dense peak throughput of one GPU at the precision used [FLOP/s].
    mfu : array_like
        Model FLOP utilisation, achieved over peak [fraction].

    Returns
    -------
    numpy.ndarray
        GPU-hours [GPU-hour].

    Examples
    --------
    Lambda's 2020 GPT-3 estimate: 3.14e23 FLOP at 28 TFLOP/s achieved on a V100
    (125 TFLOP/s peak × 0.224) is 3.14e23 / 2.8e13 / 3600 = 3.115e6 GPU-hours (355 GPU-years).

    >>> print(f"{gpu_hours(3.14e23, 1.25e14, 0.224):.4e}")
    3.1151e+06
    """
    throughput = np.asarray(peak_flops, dtype=float) * np.asarray(mfu, dtype=float)
    return np.asarray(flop, dtype=float) / (throughput * SECONDS_PER_HOUR)


def rental_cost(gpu_hours: ArrayLike, price_per_gpu_hour: ArrayLike) -> np.ndarray:
    """Cloud-rental cost of a run, GPU-hours times the price of one GPU-hour.

    The cloud-rental method of Cottier et al. 2024.

    Parameters
    ----------
    gpu_hours : array_like
        GPU-hours of the run [GPU-hour].
    price_per_gpu_hour : array_like
        Rental price [USD/GPU-hour].

    Returns
    -------
    numpy.ndarray
        Cost [USD].

    Examples
    --------
    DeepSeek-V3 (arXiv 2412.19437): 2.788M H800 GPU-hours at $2 = $5.576M.

    >>> print(f"{rental_cost(2.788e6, 2.0):,.0f}")
    5,576,000
    """
    return np.asarray(gpu_hours, dtype=float) * np.asarray(price_per_gpu_hour, dtype=float)


def hardware_cost_per_hour(
    chip_price: ArrayLike,
    amortisation_years: ArrayLike,
    server_overhead: ArrayLike,
    interconnect_share: ArrayLike,
) -> np.ndarray:
    r"""Amortised hardware cost of one chip-hour, server and cluster interconnect included.

    :math:`c_h = p \cdot o / (1 - s) / (T \cdot 8766)`, the amortised hardware-CapEx method of
    Cottier et al. 2024 (``estimate_hardware_capex_energy`` in
    ``epoch-research/training-cost-trends``).
    Cottier et al. depreciate the chip at the hardware price-performance trend of 0.14 OOM/yr
    (Hobbhahn et al. 2023), i.e. ``amortisation_years = 1 / (0.14 ln 10) = 3.10``.

    Parameters
    ----------
    chip_price : array_like
        Purchase price of one chip [USD].
    amortisation_years : array_like
        Straight-line amortisation period [yr].
    server_overhead : array_like
        Server cost per chip over chip price, e.g. 1.64 [ratio].
    interconnect_share : array_like
        Cluster interconnect as a share of total cluster cost, e.g. 0.19 [fraction].

    Returns
    -------
    numpy.ndarray
        Hardware cost per chip-hour [USD/GPU-hour].

    Examples
    --------
    H100 at $30,000 over 3.10 yr, overhead 1.64, interconnect 19% (Cottier et al. 2024's parameters;
    worked in docs/derivations.md §1):
    30000 × 1.64 / 0.81 / (3.10 × 8766) = $2.235/h.

    >>> print(f"{hardware_cost_per_hour(30_000.0, 3.10, 1.64, 0.19):.3f}")
    2.235
    """
    capex = np.asarray(chip_price, dtype=float) * np.asarray(server_overhead, dtype=float)
    capex = capex / (1.0 - np.asarray(interconnect_share, dtype=float))
    return capex / (np.asarray(amortisation_years, dtype=float) * HOURS_PER_YEAR)


def energy_cost_per_hour(
    tdp_watts: ArrayLike,
    server_power_ratio: ArrayLike,
    tdp_fraction: ArrayLike,
    pue: ArrayLike,
    electricity_price_per_kwh: ArrayLike,
) -> np.ndarray:
    r"""Electricity cost of one chip-hour, server share and data-centre overhead included.

    :math:`c_e = W / 1000 \cdot r \cdot f \cdot \mathrm{PUE} \cdot p`, the energy term of
    Cottier et al. 2024 (``chip_to_server_power``, ``server_TDP_fraction``,
    ``power_usage_effectiveness`` in ``epoch-research/training-cost-trends``).

    Parameters
    ----------
    tdp_watts : array_like
        Thermal design power of one chip [W].
    server_power_ratio : array_like
        Server power per chip over chip TDP, e.g. 1.82 for an H100 server [ratio].
    tdp_fraction : array_like
        Average power drawn during training over TDP, e.g. 0.75 [fraction].
    pue : array_like
        Power usage effectiveness of the data centre, e.g. 1.1 [ratio].
    electricity_price_per_kwh : array_like
        Electricity price [USD/kWh].

    Returns
    -------
    numpy.ndarray
        Energy cost per chip-hour [USD/GPU-hour].

    Examples
    --------
    H100 with Cottier et al. 2024's factors (docs/derivations.md §1):
    0.7 kW × 1.82 × 0.75 × 1.1 × $0.0771/kWh = $0.0810/h.

    >>> print(f"{energy_cost_per_hour(700.0, 1.82, 0.75, 1.1, 0.0771):.4f}")
    0.0810
    """
    kilowatts = np.asarray(tdp_watts, dtype=float) / WATTS_PER_KILOWATT
    return (
        kilowatts
        * np.asarray(server_power_ratio, dtype=float)
        * np.asarray(tdp_fraction, dtype=float)
        * np.asarray(pue, dtype=float)
        * np.asarray(electricity_price_per_kwh, dtype=float)
    )


def price_performance_factor(years: ArrayLike, improvement_per_year: ArrayLike) -> np.ndarray:
    r"""Multiplier on cost per FLOP for a run ``years`` after the reference date.

    :math:`f = g^{-t}` where :math:`g` is the yearly growth factor of FLOP per dollar: 10^0.14 for
    ML hardware (Hobbhahn et al. 2023; used by Cottier et al. 2024). Negative ``years`` (a run
    before the reference date) give a factor above one.

    Parameters
    ----------
    years : array_like
        Time from the reference date to the run [yr].
    improvement_per_year : array_like
        Growth of FLOP per dollar, as a factor per year, e.g. 10**0.14 = 1.380 [1/yr].

    Returns
    -------
    numpy.ndarray
        Multiplier on cost per FLOP [ratio].

    Examples
    --------
    At 0.14 OOM/yr, cost per FLOP halves in log10(2) / 0.14 = 2.150 years.

    >>> print(f"{price_performance_factor(np.log10(2.0) / 0.14, 10**0.14):.4f}")
    0.5000
    """
    return np.asarray(improvement_per_year, dtype=float) ** (-np.asarray(years, dtype=float))


def compute_cost(
    params_active: ArrayLike,
    tokens: ArrayLike,
    peak_flops: ArrayLike,
    mfu: ArrayLike,
    price_per_gpu_hour: ArrayLike,
    price_factor: ArrayLike = 1.0,
) -> np.ndarray:
    r"""Rental cost of training N active parameters on D tokens.

    :math:`\mathrm{cost} = 6 N D / (P \cdot u \cdot 3600) \cdot p \cdot f`: :func:`training_flop`
    (Kaplan et al. 2020), :func:`gpu_hours` and :func:`rental_cost` (Cottier et al. 2024), times an
    optional :func:`price_performance_factor`.

    Parameters
    ----------
    params_active : array_like
        Parameters active per token, N [count].
    tokens : array_like
        Training tokens, D [tokens].
    peak_flops : array_like
        Dense peak throughput of one GPU [FLOP/s].
    mfu : array_like
        Model FLOP utilisation [fraction].
    price_per_gpu_hour : array_like
        Rental price at the reference date [USD/GPU-hour].
    price_factor : array_like, optional
        Multiplier on the price, e.g. from :func:`price_performance_factor`; the default 1 leaves
        the price unchanged [ratio].

    Returns
    -------
    numpy.ndarray
        Compute cost [USD].

    Examples
    --------
    GPT-3 (175B, 300B tokens) on H100s (9.89e14 FLOP/s BF16) at 40% MFU and $2/h:
    3.15e23 / (9.89e14 × 0.4 × 3600) = 2.2118e5 GPU-hours, i.e. $442,366 (docs/derivations.md §3).

    >>> print(f"{compute_cost(175e9, 300e9, 9.89e14, 0.4, 2.0):,.0f}")
    442,366
    """
    hours = gpu_hours(training_flop(params_active, tokens), peak_flops, mfu)
    return rental_cost(hours, price_per_gpu_hour) * np.asarray(price_factor, dtype=float)


# --------------------------------------------------------------------------------------------------
# Data cost
# --------------------------------------------------------------------------------------------------


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
    generated = generated_tokens(accepted_tokens, acceptance_rate)
    flop = (
        2.0
        * np.asarray(generator_params_active, dtype=float)
        * generated
        * (1.0 + np.asarray(prompt_tokens_per_output_token, dtype=float))
    )
    return rental_cost(gpu_hours(flop, peak_flops, utilisation), price_per_gpu_hour)


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

    Every generated token is paid for and judged once (:func:`generated_tokens`,
    :func:`verification_cost`; Feng et al. 2024), a share ``a`` of them is kept, and a kept token is
    worth ``q`` human tokens; the price moves by the factor ``g`` per year.

    Parameters
    ----------
    generation_usd_per_mtok : array_like
        Generation cost [USD per million generated tokens].
    acceptance_rate : array_like
        Share of generated tokens kept, a [fraction].
    judge_usd_per_mtok : array_like
        Verification cost [USD per million generated tokens].
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
