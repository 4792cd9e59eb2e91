"""Published training runs next to the toolkit's arithmetic (validation of the compute-cost model).

For each row of ``data/training_runs.csv``: training compute 6·N·D (active parameters), the MFU
implied by the stated GPU-hours (FLOP ÷ (GPU-hours × peak × 3600)), and the rental cost of the
stated GPU-hours at the price the publication assumed (where it stated one) and at $2/GPU-hour,
DeepSeek-V3's assumption, for comparability (DeepSeek-AI 2024, arXiv 2412.19437).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecast.models import compute_cost as C

__all__ = ["published_runs_table", "COMPARISON_PRICE"]

#: Common rental price for the comparison column [USD/GPU-hour] (DeepSeek-V3's stated assumption).
COMPARISON_PRICE = 2.0


def published_runs_table(data_dir: Path | None = None) -> pd.DataFrame:
    """One row per published run: stated figures beside the toolkit's computed ones."""
    from forecast.io.references import read_reference

    runs = read_reference("training_runs.csv", data_dir)
    hardware = read_reference("hardware.csv", data_dir).set_index("accelerator")
    column = np.where(runs["precision"].astype(str).str.lower() == "fp8", "peak_fp8_flops", "peak_bf16_flops")
    peak = np.array([hardware.loc[a, c] if a in hardware.index else np.nan
                     for a, c in zip(runs["accelerator"], column)], dtype=float)
    flop = C.training_flop(runs["params_active"].to_numpy(float), runs["tokens"].to_numpy(float))
    hours = runs["gpu_hours"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mfu = flop / (hours * peak * C.SECONDS_PER_HOUR)
    stated_price = runs["stated_price_usd_per_gpu_hour"].to_numpy(float)
    return pd.DataFrame({
        "model": runs["model"],
        "accelerator": runs["accelerator"],
        "params_active": runs["params_active"],
        "tokens": runs["tokens"],
        "training_flop": flop,
        "gpu_hours_stated": hours,
        "implied_mfu": mfu,
        "cost_at_stated_price": C.rental_cost(hours, stated_price),
        "stated_cost_usd": runs["stated_cost_usd"],
        f"cost_at_{COMPARISON_PRICE:g}usd_per_gpu_hour": C.rental_cost(hours, COMPARISON_PRICE),
    })
