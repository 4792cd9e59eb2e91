"""The series the trend fits see, built from the reference CSVs in ``data/``.

=====================  ==================================  =========  ========================================
series                 rows                                unit       frontier
=====================  ==================================  =========  ========================================
``dataset_tokens``     ``notable_models.csv``              tokens     largest training dataset
``training_compute``   ``notable_models.csv``              FLOP       largest training run
``price_performance``  ``gpu_prices.csv`` × ``hardware``   USD/FLOP   cheapest rented FLOP (BF16 dense peak)
``public_corpus``      ``datasets.csv``                    tokens     largest released public corpus
=====================  ==================================  =========  ========================================

Dates: a model's or corpus's ``date``/``released``; a yearly price row is dated 1 July of its
year (prices "seen in that year"). A row with a ``published`` column value becomes known in that
quarter instead of its date's. Price per FLOP = geometric mean of the row's low and high hourly
price ÷ (peak BF16 FLOP/s × 3600 s); ``assumed`` rows (prices a paper assumed, not quotes) are
left out. Public corpora of kind ``synthetic`` are left out (not human text).

**Undisclosed runs** (``dataset_tokens`` only): models with training compute but no disclosed
dataset are, with ``undisclosed="impute"`` (the default), given compute-optimal tokens
D = √(k·r·C/6) (Hoffmann et al. 2022; overtraining k as Villalobos et al. 2024 §2.5) at the
geometric middle of the stated overtraining range, and flagged ``imputed``; with
``undisclosed="censored"`` they enter as lower bounds, at the smallest dataset the rule allows
(overtraining at the low end of its range): the frontier is then at least that large, which is
all a censored run tells (this is a bound, not a Tobit likelihood); with
``undisclosed="disclosed"`` they are left out. The fit's notes count the rows each choice touched.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from forecast.errors import DataError
from forecast.fit.frontier import Observations

__all__ = ["FILES", "SERIES", "Imputation", "load_series", "undisclosed_rows"]

SERIES = {"dataset_tokens": "tokens", "training_compute": "flop", "price_performance": "usd_per_flop",
          "public_corpus": "tokens"}

#: The file in data/ each series is read from (price_performance also reads hardware.csv).
FILES = {"dataset_tokens": "notable_models.csv", "training_compute": "notable_models.csv",
         "price_performance": "gpu_prices.csv", "public_corpus": "datasets.csv"}

#: What the series is, for tables and charts.
TITLES = {"dataset_tokens": "Largest disclosed training dataset [tokens]",
          "training_compute": "Largest training run [FLOP]",
          "price_performance": "Cheapest rented accelerator compute [USD/FLOP]",
          "public_corpus": "Largest public pre-training corpus [tokens]"}


@dataclass(frozen=True)
class Imputation:
    """Allocation rule for undisclosed datasets: compute-optimal tokens × overtraining.

    tokens_per_param [tokens/parameter]: 20 (Hoffmann et al. 2022, §3). overtraining [x]: the
    range 1 (compute-optimal) to 5 (Villalobos et al. 2024 §2.5's overtrained variant); the
    central imputation uses the geometric middle √(low·high).
    """

    undisclosed: Literal["impute", "censored", "disclosed"] = "impute"
    tokens_per_param: float = 20.0
    overtraining: tuple[float, float] = (1.0, 5.0)

    def __post_init__(self) -> None:
        if self.undisclosed not in ("impute", "censored", "disclosed"):
            raise DataError(f"undisclosed: expected impute, censored or disclosed, got {self.undisclosed!r}")
        lo, hi = self.overtraining
        if not (0 < lo <= hi) or self.tokens_per_param <= 0:
            raise DataError("imputation needs tokens_per_param > 0 and 0 < overtraining low ≤ high")

    def at(self, overtraining: float) -> "Imputation":
        return Imputation(self.undisclosed, self.tokens_per_param, (overtraining, overtraining))


def _quarter_ordinals(dates) -> np.ndarray:
    import pandas as pd

    ts = pd.to_datetime(pd.Series(dates), errors="coerce")
    return (ts.dt.year * 4 + (ts.dt.month - 1) // 3).to_numpy()


def _frame(name: str, data_dir: Path | None):
    from forecast.io.references import read_reference

    return read_reference(name, data_dir)


def _observations(name: str, frame, date_col: str, value, imputed, labels) -> Observations:
    import pandas as pd

    dates = pd.to_datetime(frame[date_col], errors="coerce")
    value = np.asarray(value, dtype=float)
    ok = dates.notna().to_numpy() & np.isfinite(value) & (value > 0)
    quarter = _quarter_ordinals(dates)
    known = quarter.copy()
    if "published" in frame.columns:
        pub = _quarter_ordinals(frame["published"])
        have = ~np.isnan(pub.astype(float))
        known = np.where(have, np.maximum(pub, quarter), quarter)
    sub = frame[ok]
    t = _decimal_years(sub[date_col]) if len(sub) else np.empty(0)
    direction = -1 if name == "price_performance" else 1
    return Observations(name, SERIES[name], direction, np.asarray(t, dtype=float),
                        quarter[ok].astype(np.int64), known[ok].astype(np.int64), value[ok],
                        np.asarray(imputed, dtype=bool)[ok], tuple(np.asarray(labels, dtype=object)[ok]))


#: Decimal years by the dates they were worked out from (a report loads the same series hundreds
#: of times: every backtest origin, method and scenario); bounded.
_YEARS: dict[tuple, np.ndarray] = {}


def _decimal_years(dates) -> np.ndarray:
    """:func:`forecast.fit.trend.decimal_year` of ``dates`` (a Series), remembered by their values."""
    from forecast.fit.trend import decimal_year

    key = (str(dates.dtype), tuple(dates.tolist()))
    years = _YEARS.get(key)
    if years is None:
        if len(_YEARS) >= 64:
            _YEARS.pop(next(iter(_YEARS)))
        years = _YEARS[key] = decimal_year(dates)
    return years.copy()


def undisclosed_rows(data_dir: Path | None = None):
    """Rows of ``notable_models.csv`` with training compute but no disclosed dataset."""
    frame = _frame("notable_models.csv", data_dir)
    mask = frame["training_tokens"].isna() & frame["training_compute_flop"].notna()
    return frame[mask]


def load_series(name: str, data_dir: Path | None = None, imputation: Imputation = Imputation(),
                models_csv: str = "notable_models.csv") -> Observations:
    """The observations of series ``name`` (see the module docstring); ``models_csv`` is the file
    of models for ``dataset_tokens`` and ``training_compute`` (a scenario's ``fit.data``)."""
    from forecast.models.scaling import compute_optimal_tokens

    if name not in SERIES:
        raise DataError(f"unknown series '{name}' (one of {', '.join(SERIES)})")
    if name in ("dataset_tokens", "training_compute"):
        frame = _frame(models_csv, data_dir)
        for column in ("date", "model", "training_tokens", "training_compute_flop"):
            if column not in frame.columns:
                raise DataError(f"{models_csv}: no '{column}' column (the trend series need date, model, "
                                "training_tokens and training_compute_flop, as in notable_models.csv)")
        if name == "training_compute":
            return _observations(name, frame, "date", frame["training_compute_flop"],
                                 np.zeros(len(frame), bool), frame["model"])
        tokens = frame["training_tokens"].to_numpy(dtype=float)
        compute = frame["training_compute_flop"].to_numpy(dtype=float)
        missing = np.isnan(tokens) & np.isfinite(compute)
        if imputation.undisclosed in ("impute", "censored"):
            lo, hi = imputation.overtraining
            k = float(np.sqrt(lo * hi)) if imputation.undisclosed == "impute" else float(lo)
            guess = compute_optimal_tokens(compute, imputation.tokens_per_param, k)
            tokens = np.where(missing, guess, tokens)
        else:
            missing = np.zeros_like(missing)
        return _observations(name, frame, "date", tokens, missing, frame["model"])
    if name == "public_corpus":
        frame = _frame("datasets.csv", data_dir)
        frame = frame[frame["kind"].astype(str) != "synthetic"]
        return _observations(name, frame, "released", frame["tokens"], np.zeros(len(frame), bool),
                             frame["dataset"])
    prices = _frame("gpu_prices.csv", data_dir)
    hardware = _frame("hardware.csv", data_dir)[["accelerator", "peak_bf16_flops"]]
    prices = prices[prices["market"].astype(str) != "assumed"].merge(hardware, on="accelerator", how="left")
    hourly = np.sqrt(prices["price_low_usd_per_hour"].to_numpy(dtype=float)
                     * prices["price_high_usd_per_hour"].to_numpy(dtype=float))
    per_flop = hourly / (prices["peak_bf16_flops"].to_numpy(dtype=float) * 3600.0)
    prices = prices.assign(date=prices["year"].astype(int).astype(str) + "-07-01")
    labels = (prices["accelerator"].astype(str) + " " + prices["market"].astype(str)).to_numpy()
    return _observations(name, prices, "date", per_flop, np.zeros(len(prices), bool), labels)
