"""Cost-of-mixes sections of a scenario: one training run's cost, and the cheapest mix for a quality.

A run is priced in four parts (Cottier et al. 2024 for compute; data costs per mix):

* compute: 6·N·D FLOP on an accelerator of ``data/hardware.csv`` at a utilisation (MFU), rented by
  the GPU-hour (``price_per_gpu_hour``, or a market row of ``data/gpu_prices.csv``) or owned
  (amortised hardware plus energy); a price-performance trend moves the cost per FLOP to the run's
  date;
* human data: licensing and processing per million tokens, a share written by experts;
* synthetic generation: API prices or self-hosted generation, divided by the acceptance rate;
* verification: a paid judge reading a share of the generated tokens, only where the scenario says
  one is used (``judge_share``); the pipelines on record paid none (``data/synthetic_pipelines.csv``).

Quality comes from the Chinchilla loss with effective data (synthetic tokens weighted by their
value relative to human tokens) and a collapse penalty. The ``mixes`` section asks, for each
synthetic share, the cheapest run that reaches a target loss.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from forecast.schema.trends import TrendSettings
from forecast.schema.types import QuarterField
from forecast.schema.uncertain import Fraction, Growth, Number, Params, Tokens, Usd

__all__ = [
    "CostSection",
    "MixesSection",
    "RunSpec",
    "MixSpec",
    "ComputeSpec",
    "AmortisedSpec",
    "HumanDataSpec",
    "SyntheticDataSpec",
    "QualitySpec",
    "LossSpec",
    "CollapseSpec",
    "TargetSpec",
    "ParamsGrid",
    "accelerator_names",
    "loss_fit_names",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)


def judge_without_share(price: str) -> str:
    """Refusal of a judge price with no ``judge_share``: the judge is priced only where one is used."""
    return (f"{price} is priced only where a paid judge reads the output, and judge_share is not given; "
            f"add judge_share (e.g. judge_share: 100% if the judge reads every generated token), or remove "
            f"{price}: none of the pipelines in data/synthetic_pipelines.csv paid a judge")


def share_without_price(price: str) -> str:
    """Refusal of a ``judge_share`` with no price."""
    return f"judge_share needs {price}; add {price}: the judge's price per million tokens it reads"


class _Strict(BaseModel):
    model_config = _STRICT


class ParamsGrid(_Strict):
    """Model sizes searched for the cheapest run (log-spaced)."""

    low: float = Field(gt=0, description="smallest model [params]")
    high: float = Field(gt=0, description="largest model [params]")
    points: int = Field(ge=10, le=2000)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data):
        from forecast.units import parse_quantity

        if isinstance(data, dict):
            data = {k: parse_quantity(v, "params") if k in ("low", "high") else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _order(self) -> "ParamsGrid":
        if self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class TargetSpec(_Strict):
    """A quality to reach: a loss, or the loss of a reference model trained on human data only."""

    loss: Number | None = Field(None, description="target loss [nats/token]")
    reference_params: Params | None = Field(None, description="reference model's parameters [count]")
    reference_tokens: Tokens | None = Field(None, description="reference model's training tokens [tokens]")
    reference_name: str | None = Field(None, description="e.g. GPT-3 175B")
    params_grid: ParamsGrid = Field(description="model sizes searched for the cheapest run")

    @model_validator(mode="after")
    def _one(self) -> "TargetSpec":
        has_ref = self.reference_params is not None or self.reference_tokens is not None
        if (self.loss is None) == (not has_ref):
            raise ValueError("give either loss or reference_params with reference_tokens")
        if has_ref and (self.reference_params is None or self.reference_tokens is None):
            raise ValueError("a reference model needs both reference_params and reference_tokens")
        return self


_KINDS = ("human", "expert", "synthetic")


class MixSpec(_Strict):
    """Shares of training tokens by kind; they must add up to 100%.

    One kind may be ``rest`` (1 minus the others), which lets the other shares be uncertain.
    """

    human: Fraction | Literal["rest"] | None = Field(None, description="public or licensed human text [fraction]")
    expert: Fraction | Literal["rest"] | None = Field(None, description="expert-written or annotated text [fraction]")
    synthetic: Fraction | Literal["rest"] | None = Field(None, description="model-generated text [fraction]")

    @model_validator(mode="after")
    def _sum(self) -> "MixSpec":
        shares = {k: getattr(self, k) for k in _KINDS if getattr(self, k) is not None}
        rest = [k for k, v in shares.items() if v == "rest"]
        if not shares:
            raise ValueError("give the share of at least one kind: human, expert, synthetic")
        if len(rest) > 1:
            raise ValueError(f"only one kind may be rest, not {' and '.join(rest)}")
        others = {k: v for k, v in shares.items() if v != "rest"}
        uncertain = [k for k, v in others.items() if v.dist != "fixed"]
        if rest:
            top = sum(_upper(v) for v in others.values())
            if top > 1 + 1e-9:
                raise ValueError(f"shares other than {rest[0]} can reach {top:.0%}, above 100%; "
                                 "lower them so the rest stays ≥ 0")
            return self
        if uncertain:
            raise ValueError(f"{', '.join(uncertain)} is uncertain, so the shares cannot be checked to add up "
                             "to 100%; set another kind to rest")
        total = sum(v.value for v in others.values())
        if abs(total - 1.0) > 1e-9:
            parts = " + ".join(f"{k} {v.value:.0%}" for k, v in others.items())
            raise ValueError(f"shares add up to {total:.1%}, not 100% ({parts}); fix them or set one to rest")
        return self


def _upper(spec) -> float:
    """Largest value a fraction spec can take (its upper bound, or its p95-ish high)."""
    for attr in ("value", "high"):
        value = getattr(spec, attr, None)
        if value is not None:
            return float(value)
    if getattr(spec, "values", None):
        return float(max(spec.values))
    return 1.0


class RunSpec(_Strict):
    """The run to price: explicit size, or sized as the cheapest run reaching ``cost.target``."""

    date: QuarterField = Field(description="quarter whose hardware prices apply, e.g. 2024Q3")
    mix: MixSpec = Field(description="shares of training tokens by kind, adding up to 100%")
    size: Literal["given", "cheapest_for_target"] = Field(
        "given", description="given: use params and tokens; cheapest_for_target: size for cost.target")
    params: Params | None = Field(None, description="active parameters [count]")
    tokens: Tokens | None = Field(None, description="training tokens, human + synthetic [tokens]")

    @model_validator(mode="after")
    def _size(self) -> "RunSpec":
        if self.size == "given" and (self.params is None or self.tokens is None):
            raise ValueError("size: given needs params and tokens (or size: cheapest_for_target)")
        if self.size == "cheapest_for_target" and (self.params is not None or self.tokens is not None):
            raise ValueError("size: cheapest_for_target derives params and tokens; remove them")
        return self


class AmortisedSpec(_Strict):
    """Owned hardware: amortised purchase plus energy (Cottier et al. 2024, method 1)."""

    chip_price: Usd | None = Field(None, description="price per accelerator [USD]; default hardware.csv")
    amortisation_years: Number = Field(description="years over which hardware is written off [yr]")
    server_overhead: Number = Field(description="server cost ÷ accelerator cost [ratio]")
    interconnect_share: Fraction = Field(description="cluster interconnect share of total cost [fraction]")
    server_power_ratio: Number = Field(description="server power ÷ accelerator TDP [ratio]")
    tdp_fraction: Fraction = Field(description="average power ÷ TDP during training [fraction]")
    pue: Number = Field(description="power usage effectiveness [ratio]")
    electricity_price: Usd = Field(description="electricity price [USD/kWh]")


class ComputeSpec(_Strict):
    """How training compute is bought."""

    accelerator: str = Field(description="row of data/hardware.csv, e.g. H100")
    precision: Literal["bf16", "fp8"] = Field("bf16", description="peak FLOP/s column of hardware.csv")
    mfu: Fraction = Field(description="model FLOP utilisation over the whole run [fraction]")
    method: Literal["rental", "amortised"] = "rental"
    price_per_gpu_hour: Usd | None = Field(None, description="rental price [USD/GPU-hour]")
    market: Literal["on_demand_hyperscaler", "neocloud", "reserved_1yr", "reserved_3yr"] | None = Field(
        None, description="take the price from data/gpu_prices.csv for this market and the run's year")
    amortised: AmortisedSpec | None = None
    price_performance: Growth | Literal["fit"] = Field(
        description="yearly growth of FLOP per dollar [factor/yr], or fit (price_performance_fit)")
    price_performance_fit: TrendSettings | None = Field(
        None, description="with price_performance: fit, the trend fit of data/gpu_prices.csv "
                          "(docs/trends.md)")
    price_reference: QuarterField = Field(description="quarter the prices refer to")

    @model_validator(mode="after")
    def _method(self) -> "ComputeSpec":
        if self.method == "rental" and (self.price_per_gpu_hour is None) == (self.market is None):
            raise ValueError("rental needs price_per_gpu_hour or market (one of them)")
        if self.method == "amortised" and self.amortised is None:
            raise ValueError("method: amortised needs an amortised: block")
        if self.price_performance == "fit" and self.price_performance_fit is None:
            raise ValueError("price_performance: fit needs a price_performance_fit: block with a method")
        return self


class HumanDataSpec(_Strict):
    """Cost of human-written tokens."""

    license_per_mtok: Usd = Field(description="licensing [USD per million tokens]")
    processing_per_mtok: Usd = Field(description="crawling, cleaning, filtering [USD per million tokens]")
    expert_per_mtok: Usd = Field(description="expert-written tokens [USD per million tokens]")


class SyntheticDataSpec(_Strict):
    """Cost of synthetic tokens: generation (API or self-hosted) and verification."""

    method: Literal["api", "selfhosted"]
    acceptance_rate: Fraction = Field(description="share of generated tokens kept after filtering [fraction]")
    prompt_tokens_per_output_token: Number = Field(description="prompt tokens per generated token [ratio]")
    output_price_per_mtok: Usd | None = Field(None, description="api: [USD per million output tokens]")
    input_price_per_mtok: Usd | None = Field(None, description="api: [USD per million input tokens]")
    generator_params: Params | None = Field(None, description="selfhosted: active parameters [count]")
    utilisation: Fraction | None = Field(None, description="selfhosted: decode FLOP utilisation [fraction]")
    judge_share: Fraction | None = Field(
        None, description="share of the generated tokens a paid judge reads [fraction]; omitted = no paid "
                          "judge, as in every pipeline of data/synthetic_pipelines.csv")
    judge_price_per_mtok: Usd | None = Field(
        None, description="with judge_share: the paid judge's price [USD per million tokens read]")
    unique_tokens: Tokens | None = Field(
        None, description="unique synthetic tokens generated; the run repeats them (Phi-4: 290B seen "
                          "~13.8 times) [tokens]; omitted = every synthetic token is new")
    decay_constant: Number | None = Field(
        None, description="R_D* of the repeated-data law for synthetic tokens (Muennighoff et al. 2023) "
                          "[count]; default: supply.repetition.decay_constant")

    @field_validator("judge_price_per_mtok", mode="after")
    @classmethod
    def _judge_price_needs_a_judge(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("judge_share") is None:
            raise ValueError(judge_without_share("judge_price_per_mtok"))
        return value

    @model_validator(mode="after")
    def _method(self) -> "SyntheticDataSpec":
        need = {"api": ("output_price_per_mtok", "input_price_per_mtok"),
                "selfhosted": ("generator_params", "utilisation")}[self.method]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"method {self.method} needs {', '.join(missing)}")
        if self.judge_share is not None and self.judge_price_per_mtok is None:
            raise ValueError(share_without_price("judge_price_per_mtok"))
        return self


_LOSS_CONSTANTS = ("E", "A", "B", "alpha", "beta")


class LossSpec(_Strict):
    """Chinchilla parametric loss L = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022 eq. 2).

    Name a row of ``data/loss_fits.csv`` (``fit: besiroglu-2024``) or give all five constants.
    """

    fit: str | None = Field(None, description="row of data/loss_fits.csv, e.g. besiroglu-2024")
    E: Number | None = Field(None, description="irreducible loss [nats/token]")
    A: Number | None = Field(None, description="parameter coefficient [nats/token]")
    B: Number | None = Field(None, description="data coefficient [nats/token]")
    alpha: Number | None = Field(None, description="parameter exponent [dimensionless]")
    beta: Number | None = Field(None, description="data exponent [dimensionless]")

    @model_validator(mode="after")
    def _fit_or_constants(self) -> "LossSpec":
        given = [k for k in _LOSS_CONSTANTS if getattr(self, k) is not None]
        if self.fit is not None and given:
            raise ValueError(f"give fit or the five constants, not both ({', '.join(given)} given)")
        if self.fit is None and len(given) != len(_LOSS_CONSTANTS):
            missing = [k for k in _LOSS_CONSTANTS if k not in given]
            raise ValueError(f"missing {', '.join(missing)}; or name a fit such as fit: besiroglu-2024")
        return self


class CollapseSpec(_Strict):
    """Collapse penalty: replace (linear in generations; Gerstgrasser et al. 2024, Dohmatob et al. 2024
    "Strong Model Collapse"), accumulate (below π²/6 × one generation; Gerstgrasser et al. 2024, Dey &
    Donoho 2024) or tail_loss (a loss plateau ∝ synthetic share; Dohmatob et al. 2024 "A Tale of Tails")."""

    workflow: Literal["replace", "accumulate", "tail_loss"]
    generations: Number = Field(description="generations of model-generated data in the mix [count]")
    strength: Number = Field(description="replace/accumulate: penalty on the reducible loss per unit synthetic "
                                         "share and generation [ratio]; tail_loss: plateau of a fully "
                                         "synthetic mix [nats/token]")


class QualitySpec(_Strict):
    """How synthetic tokens count toward quality."""

    loss: LossSpec
    synthetic_value: Number = Field(description="value of a synthetic token relative to a human one [ratio]")
    collapse: CollapseSpec
    real_data_floor: Fraction = Field(description="least human share judged safe (Shumailov et al. 2024) [fraction]")


class CostSection(_Strict):
    """Training cost of one run: compute, human data, synthetic data, quality."""

    run: RunSpec
    compute: ComputeSpec
    human_data: HumanDataSpec
    synthetic_data: SyntheticDataSpec
    quality: QualitySpec
    target: TargetSpec | None = None

    @model_validator(mode="after")
    def _target(self) -> "CostSection":
        if self.run.size == "cheapest_for_target" and self.target is None:
            raise ValueError("run.size: cheapest_for_target needs a target: block")
        if self.synthetic_data.unique_tokens is not None and self.run.size != "given":
            raise ValueError("synthetic_data.unique_tokens needs run.size: given (params and tokens); "
                             "a run sized for a target has no fixed synthetic token count to repeat")
        return self


class MixesSection(_Strict):
    """Synthetic shares to compare at equal quality (needs cost.target)."""

    synthetic_shares: tuple[float, ...] = Field(min_length=1, description="shares to compare [fraction]")
    samples: int | None = Field(None, gt=0, le=1_000_000,
                                description="samples for the comparison (default: the scenario's)")

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data):
        from forecast.units import parse_quantity

        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("synthetic_shares"), list):
                data["synthetic_shares"] = [parse_quantity(v, "fraction") for v in data["synthetic_shares"]]
        return data


def loss_fit_names(cost: CostSection) -> list[tuple[tuple[str, ...], str]]:
    """(YAML path, fit name) pairs the cost section refers to."""
    fit = cost.quality.loss.fit
    return [(("cost", "quality", "loss", "fit"), fit)] if fit is not None else []


def accelerator_names(cost: CostSection) -> list[tuple[tuple[str, ...], str]]:
    """(YAML path, accelerator id) pairs the cost section refers to."""
    return [(("cost", "compute", "accelerator"), cost.compute.accelerator)]

