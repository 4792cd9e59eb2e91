"""Training compute cost and data cost of a data mix: the kernels of :mod:`forecast.models.compute_cost` and
:mod:`forecast.models.data_cost` under one name, as the engine reaches them (``from forecast.models
import cost as C``). New code imports the two modules.

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

from forecast.models.compute_cost import (HOURS_PER_YEAR, SECONDS_PER_HOUR, TOKENS_PER_MILLION, WATTS_PER_KILOWATT,
                                          compute_cost, energy_cost_per_hour, gpu_hours, hardware_cost_per_hour,
                                          price_performance_factor, rental_cost, training_flop)
from forecast.models.data_cost import (generated_tokens, human_data_cost, new_gap_tokens, split_mix,
                                       synthetic_api_cost, synthetic_selfhosted_cost, useful_synthetic_price,
                                       verification_cost)

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
