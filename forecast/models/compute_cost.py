"""Training compute cost: FLOP, GPU-hours, the price of a GPU-hour (rented, or amortised hardware plus
energy) and its fall over time.

Pure numpy kernels. Every model constant (prices, utilisation, overheads) is an argument; the only
module constants are unit conversions. Inputs broadcast: per-sample arrays have shape ``(n, 1)``,
the time axis ``(1, q)``. Compute follows the two methods of Cottier et al. 2024, "The rising costs
of training frontier AI models" (arXiv 2405.21015): cloud rental (GPU-hours times a price per
GPU-hour) and amortised hardware plus energy (a price per chip-hour built from the chip price).

References
----------
.. [1] Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv 2001.08361.
.. [2] Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv 2203.15556.
.. [3] Cottier et al. 2024, "The rising costs of training frontier AI models", arXiv 2405.21015.
.. [4] Hobbhahn et al. 2023, "Trends in Machine Learning Hardware", Epoch AI.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from forecast.units import HOURS_PER_YEAR  # 365.25 days × 24 h = 8766 [h/yr], as in Cottier et al.

__all__ = [
    "HOURS_PER_YEAR",
    "SECONDS_PER_HOUR",
    "TOKENS_PER_MILLION",
    "WATTS_PER_KILOWATT",
    "compute_cost",
    "energy_cost_per_hour",
    "gpu_hours",
    "hardware_cost_per_hour",
    "price_performance_factor",
    "rental_cost",
    "training_flop",
]

#: Seconds in one hour [s/h] (unit conversion).
SECONDS_PER_HOUR = 3600.0
#: Tokens in one million tokens, the unit of API and licence prices [tokens/Mtok] (unit conversion).
TOKENS_PER_MILLION = 1e6
#: Watts in one kilowatt [W/kW] (unit conversion).
WATTS_PER_KILOWATT = 1000.0


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
