"""Settings of the trend fits (``peakdata trends``, ``demand.historical.fit.method``,
``cost.compute.price_performance_fit``): method, as-of quarter, frontier rule, undisclosed runs,
backtest. Documented in ``docs/trends.md``."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from forecast.schema.types import QuarterField
from forecast.units import Quarter, parse_quantity

__all__ = ["TrendMethod", "FrontierSpec", "ImputeSpec", "BacktestSpec", "TrendSettings"]

TrendMethod = Literal["ols", "quantreg", "ets", "prophet", "best"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FrontierSpec(_Strict):
    """How sparse releases become one frontier value per quarter."""

    rule: Literal["record", "top_k"] = Field("record", description="record = best so far; top_k = mean "
                                             "of the k best releases in the trailing window")
    k: int = Field(3, ge=1, le=50, description="top_k: releases averaged (in log) [count]")
    window: int = Field(8, ge=1, le=80, description="top_k: trailing window [quarters]")


class ImputeSpec(_Strict):
    """Allocation rule that imputes undisclosed datasets from training compute."""

    tokens_per_param: float = Field(20.0, gt=0, description="compute-optimal tokens per parameter "
                                    "(Hoffmann et al. 2022) [tokens/parameter]")
    overtraining: tuple[float, float] = Field((1.0, 5.0), description="range of overtraining k "
                                              "(Villalobos et al. 2024 §2.5) [x]; central √(low·high)")

    @model_validator(mode="after")
    def _order(self) -> "ImputeSpec":
        lo, hi = self.overtraining
        if not 0 < lo <= hi:
            raise ValueError("overtraining is [low, high] with 0 < low ≤ high, e.g. [1, 5]")
        return self


class BacktestSpec(_Strict):
    """Rolling-origin backtest: origins start..end, horizons in quarters, interval coverage."""

    start: QuarterField = Field(Quarter(2019, 1), description="first origin quarter")
    end: QuarterField | None = Field(None, description="last origin quarter (default: the as-of quarter)")
    horizons: tuple[int, ...] = Field((4, 8), min_length=1, description="quarters ahead to score")
    coverage: float = Field(0.8, gt=0, lt=1, description="nominal coverage of the prediction intervals "
                            "[fraction], e.g. 80%")

    @field_validator("coverage", mode="before")
    @classmethod
    def _coverage(cls, v):
        return parse_quantity(v, "fraction") if isinstance(v, str) else v

    @field_validator("horizons")
    @classmethod
    def _horizons(cls, v):
        if min(v) < 1 or max(v) > 40:
            raise ValueError("horizons are whole quarters from 1 to 40")
        return tuple(sorted(set(v)))


class TrendSettings(_Strict):
    """One trend fit: which method, as of which quarter, on which frontier."""

    method: TrendMethod = Field(description="ols, quantreg, ets, prophet, or best (lowest backtest score "
                               "of the calibrated forecasts)")
    as_of: QuarterField | None = Field(None, description="fit on rows dated (and published) before this "
                                       "quarter; default: all rows")
    frontier: FrontierSpec = FrontierSpec()
    undisclosed: Literal["impute", "censored", "disclosed"] = Field(
        "impute", description="dataset_tokens: impute undisclosed runs' tokens from compute, enter them "
                              "as lower bounds (censored), or fit disclosed sizes only")
    impute: ImputeSpec = ImputeSpec()
    backtest: BacktestSpec = BacktestSpec()
