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

__all__ = ["COMPARISON_PRICE", "HINDCAST_COVERAGE", "HINDCAST_SAMPLES", "HINDCAST_SEED", "hindcast_sentence",
           "hindcast_summary", "hindcast_table", "published_runs_table"]

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


# --- cost hindcast (docs/validation.md §2, docs/derivations.md §14) ----------------------------------

#: Monte Carlo samples and seed of the hindcast (fixed: the same data give the same table).
HINDCAST_SAMPLES, HINDCAST_SEED = 20_000, 20240723
#: Central interval the hindcast scores [fraction]; the priors in data/compute_priors.csv bound it.
HINDCAST_COVERAGE = 0.8


def _priors(data_dir: Path | None) -> tuple[dict[str, tuple[str, float, float]], tuple[float, float]]:
    """MFU prior (era, log-mean, log-sd) by accelerator, and the default effective-time prior."""
    from forecast.errors import DataError
    from forecast.io.references import read_reference, row_line
    from forecast.models.distributions import LogNormal

    priors = read_reference("compute_priors.csv", data_dir)
    by_accelerator: dict[str, tuple[str, float, float]] = {}
    default = None
    for i, row in priors.iterrows():
        try:
            dist = LogNormal.from_interval(float(row["low"]), float(row["high"]), HINDCAST_COVERAGE * 100)
        except (TypeError, ValueError) as exc:
            raise DataError(f"compute_priors.csv:{row_line(priors, i)}: low/high: {exc} "
                            "(hint: 0 < low < high, as fractions)") from None
        if row["parameter"] == "effective_time":
            default = (dist.mu, dist.sigma)
        elif row["parameter"] == "mfu":
            for accelerator in str(row["accelerators"]).split():
                by_accelerator[accelerator] = (str(row["era"]), dist.mu, dist.sigma)
        else:
            raise DataError(f"compute_priors.csv:{row_line(priors, i)}: parameter: {row['parameter']!r} "
                            "is not a prior (hint: mfu or effective_time)")
    if default is None:
        raise DataError("compute_priors.csv: no effective_time row (hint: add the default prior)")
    return by_accelerator, default


def _hindcast_inputs(data_dir: Path | None) -> pd.DataFrame:
    """training_runs.csv joined to hindcast_runs.csv and hardware.csv, one row per priced run."""
    from forecast.errors import DataError
    from forecast.io.references import read_reference, row_line

    runs = read_reference("training_runs.csv", data_dir).set_index("model")
    inputs = read_reference("hindcast_runs.csv", data_dir)
    hardware = read_reference("hardware.csv", data_dir).set_index("accelerator")
    for i, model in inputs["model"].items():
        if model not in runs.index:
            raise DataError(f"hindcast_runs.csv:{row_line(inputs, i)}: model: {model!r} is not a run of "
                            "training_runs.csv (hint: spell it as that file does)")
        if runs.loc[model, "accelerator"] not in hardware.index:
            raise DataError(f"training_runs.csv: accelerator {runs.loc[model, 'accelerator']!r} of {model} "
                            "is not in hardware.csv")
        for field in ("n_layers", "d_attn", "seq_len"):
            value = pd.to_numeric(inputs.loc[i, field], errors="coerce")
            if not (np.isfinite(value) and value > 0):
                raise DataError(f"hindcast_runs.csv:{row_line(inputs, i)}: {field}: {inputs.loc[i, field]!r} for "
                                f"{model} (hint: a positive number, from the model's paper or config)")
        if not np.isfinite(pd.to_numeric(runs.loc[model, "gpu_hours"], errors="coerce")):
            raise DataError(f"hindcast_runs.csv:{row_line(inputs, i)}: model: {model} has no gpu_hours in "
                            "training_runs.csv (hint: only runs with disclosed GPU-hours can be priced and scored)")
    frame = inputs.join(runs.drop(columns=["source", "note"]), on="model")
    frame["peak"] = hardware.loc[frame["accelerator"], "peak_bf16_flops"].to_numpy(float)
    frame["scored"] = frame["scored"].astype(str).str.lower() == "true"
    return frame.reset_index(drop=True)


def _quantiles(hours: np.ndarray) -> tuple[float, float, float]:
    tail = (1 - HINDCAST_COVERAGE) / 2
    p10, p50, p90 = np.quantile(hours, [tail, 0.5, 1 - tail])
    return float(p10), float(p50), float(p90)


def hindcast_table(data_dir: Path | None = None, samples: int = HINDCAST_SAMPLES,
                   seed: int = HINDCAST_SEED) -> pd.DataFrame:
    """GPU-hours of each run of ``data/hindcast_runs.csv`` priced from its parameters, tokens and
    hardware with the priors of ``data/compute_priors.csv``, beside the disclosed figure.

    The stated priors give an 80% interval per run; each run's interval is then widened by the
    conformal factor of the *other* scored runs' standardised errors (leave-one-out: a run never
    sets its own width; :func:`forecast.models.hindcast.conformal_widening`). Columns: ``stated_*``
    before widening, ``p10``/``p50``/``p90``/``inside`` after, ``log10_error`` of the median.
    """
    from forecast.errors import DataError
    from forecast.models import hindcast as H
    from forecast.models.distributions import LogNormal

    frame = _hindcast_inputs(data_dir)
    mfu_priors, (time_mu_default, time_sigma_default) = _priors(data_dir)
    rng = np.random.default_rng(seed)
    z_mfu, z_time = rng.standard_normal((2, samples))
    frame["flop"] = H.hindcast_flop(frame["params_active"], frame["tokens"], frame["n_layers"], frame["d_attn"],
                                    frame["seq_len"], frame["long_tokens"].fillna(0.0),
                                    frame["long_seq_len"].fillna(0.0))
    frame["flop_6nd"] = C.training_flop(frame["params_active"], frame["tokens"])
    rows = []
    for _, run in frame.iterrows():
        if run["accelerator"] not in mfu_priors:
            raise DataError(f"compute_priors.csv: no MFU prior for {run['accelerator']} ({run['model']}) "
                            "(hint: add it to the accelerators of its hardware era)")
        era, mu, sigma = mfu_priors[run["accelerator"]]
        if np.isfinite(run["effective_time_low"]) and np.isfinite(run["effective_time_high"]):
            try:
                own = LogNormal.from_interval(run["effective_time_low"], run["effective_time_high"],
                                              HINDCAST_COVERAGE * 100)
            except ValueError as exc:
                raise DataError(f"hindcast_runs.csv: effective_time_low/high of {run['model']}: {exc} "
                                "(hint: 0 < low < high <= 1)") from None
            time = (own.mu, own.sigma)
        else:
            time = (time_mu_default, time_sigma_default)
        args = (run["flop"], run["peak"], mu, sigma, time[0], time[1], z_mfu, z_time)
        rows.append({"era": era, "mfu_p50": np.exp(mu), "effective_time_p50": min(np.exp(time[0]), 1.0),
                     "args": args, "stated": _quantiles(H.sample_gpu_hours(*args))})
    stated = np.array([r["stated"] for r in rows])
    disclosed = frame["gpu_hours"].to_numpy(float)
    scores = H.standardised_error(disclosed, stated[:, 0], stated[:, 1], stated[:, 2])
    scored = frame["scored"].to_numpy(bool)
    widened = []
    for i, row in enumerate(rows):
        others = scores[scored & (np.arange(len(rows)) != i)]
        k = H.conformal_widening(others, HINDCAST_COVERAGE)
        widened.append((k, *_quantiles(H.sample_gpu_hours(*row["args"], widen=k))))
    widened_arr = np.array(widened)
    p10, p50, p90 = widened_arr[:, 1], widened_arr[:, 2], widened_arr[:, 3]
    with np.errstate(invalid="ignore"):
        return pd.DataFrame({
            "model": frame["model"], "date": frame["date"], "accelerator": frame["accelerator"],
            "era": [r["era"] for r in rows], "scored": scored,
            "flop_6nd": frame["flop_6nd"], "flop": frame["flop"],
            "attention_share": frame["flop"] / frame["flop_6nd"] - 1.0,
            "mfu_p50": [r["mfu_p50"] for r in rows], "effective_time_p50": [r["effective_time_p50"] for r in rows],
            "gpu_hours_disclosed": disclosed,
            "stated_p10": stated[:, 0], "stated_p50": stated[:, 1], "stated_p90": stated[:, 2],
            "stated_inside": np.where(scored, (stated[:, 0] <= disclosed) & (disclosed <= stated[:, 2]), False),
            "widening": widened_arr[:, 0], "p10": p10, "p50": p50, "p90": p90,
            "inside": np.where(scored, (p10 <= disclosed) & (disclosed <= p90), False),
            "log10_error": H.log10_error(p50, disclosed),
        })


def hindcast_summary(table: pd.DataFrame) -> dict[str, float]:
    """Scored runs, how many lie inside their 80% interval (widened, and with the stated priors
    alone), and the median absolute log10 error of the medians."""
    scored = table[table["scored"]]
    return {"runs": int(len(scored)), "inside": int(scored["inside"].sum()),
            "stated_inside": int(scored["stated_inside"].sum()),
            "median_abs_log10_error": float(np.median(np.abs(scored["log10_error"])))}


def hindcast_sentence(summary: dict[str, float]) -> str:
    """``8 of 10 inside the 80% interval; median |log10 error| 0.07``."""
    return (f"{summary['inside']} of {summary['runs']} inside the {HINDCAST_COVERAGE:.0%} interval; "
            f"median |log10 error| {summary['median_abs_log10_error']:.2f}")
