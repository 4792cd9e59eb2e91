"""The scenario: a planner's view of the world, validated once at the boundary.

Sections ``supply`` and ``demand`` describe the human-text stock and the training-data demand of
the largest runs (Villalobos et al. 2024); ``cost`` and ``mixes`` the training cost of data mixes.
Every section is optional: the engine runs the models whose inputs are present. The field names are
the YAML keys, and ``docs/scenarios.md`` documents them.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from forecast.schema.cost import CostSection, MixesSection, judge_without_share, share_without_price
from forecast.schema.trends import BacktestSpec, FrontierSpec, ImputeSpec, TrendMethod, TrendSettings
from forecast.schema.types import DataFile, OutputName, QuarterField
from forecast.schema.uncertain import Flop, Fraction, Growth, Number, Tokens, Usd, chance_at_least, upper_end
from forecast.units import Quarter

__all__ = [
    "Scenario",
    "Horizon",
    "SupplySection",
    "SourceOverride",
    "Repetition",
    "DemandSection",
    "HistoricalDemand",
    "TrendFit",
    "ComputeDemand",
    "ComputeLimit",
    "Correlation",
    "StockDynamics",
    "GapSection",
    "SyntheticChoice",
    "MAX_SAMPLES",
    "MAX_TITLE",
    "MAX_QUARTERS",
    "MAX_EROSION_CHANCE",
]

#: Largest sample count accepted (memory is bounded by chunking; time is not).
MAX_SAMPLES = 10_000_000
#: Longest scenario title accepted [characters]: a chart's direct label must fit beside the plot.
MAX_TITLE = 40
#: Longest horizon accepted [quarters] (100 years).
MAX_QUARTERS = 400
#: Largest share of samples that may draw a consent erosion of 100%/yr or more [probability]. Such a
#: draw is kept at 100%/yr and restricts the whole public stock within a year (consent factor
#: (1 − r)^years = 0); a rare tail is harmless, but above one draw in a thousand it shapes the results.
MAX_EROSION_CHANCE = 1e-3

_STRICT = ConfigDict(extra="forbid", frozen=True)


class _Strict(BaseModel):
    model_config = _STRICT


class Horizon(_Strict):
    """Quarters to project, inclusive (``2024Q1`` to ``2040Q4``)."""

    start: QuarterField
    end: QuarterField

    @model_validator(mode="after")
    def _order(self) -> "Horizon":
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if self.end.ordinal - self.start.ordinal + 1 > MAX_QUARTERS:
            raise ValueError(f"a horizon may span at most {MAX_QUARTERS} quarters")
        return self

    @property
    def quarters(self) -> list[Quarter]:
        return [Quarter.from_ordinal(n) for n in range(self.start.ordinal, self.end.ordinal + 1)]


class Correlation(_Strict):
    """A rank (Spearman) correlation between two named inputs, drawn with a Gaussian copula."""

    inputs: tuple[str, str] = Field(description="dotted names, e.g. supply.repetition.multiplier")
    rank: float = Field(ge=-1, le=1, description="Spearman rank correlation [-1..1]")
    source: str | None = None
    note: str | None = None


# --- supply -----------------------------------------------------------------------------------

class SourceOverride(_Strict):
    """Scenario values for one stock component; what is left out comes from data/text_stock.csv."""

    stock: Tokens | None = Field(None, description="tokens at the reference year [tokens]")
    growth: Growth | None = Field(None, description="yearly growth of the stock [factor/yr]")
    quality: Fraction | None = Field(None, description="usable share after quality filtering [fraction]")


class Repetition(_Strict):
    """Effective data from repeated epochs (Muennighoff et al. 2023), or a direct multiplier."""

    multiplier: Number | None = Field(None, description="effective tokens per unique token [x]")
    epochs: Number | None = Field(None, description="epochs allowed over the unique stock [count]")
    decay_constant: Number | None = Field(
        None, description="R_D*, repetitions after which returns decay (Muennighoff et al. 2023) [count]")

    @model_validator(mode="after")
    def _one(self) -> "Repetition":
        if (self.multiplier is None) == (self.epochs is None):
            raise ValueError("give either multiplier or epochs (with decay_constant)")
        if self.epochs is not None and self.decay_constant is None:
            raise ValueError("epochs needs decay_constant (R_D* ≈ 15.4, Muennighoff et al. 2023)")
        return self


class StockDynamics(_Strict):
    """How the stock changes beyond a fixed exponential: human flow × consent factor + licensed additions.

    Each part is optional; with dynamics on, the exhaustion quarter is found by a scan, not in
    closed form (:mod:`forecast.models.dynamics`).
    """

    human_share: Fraction | Literal["data"] | None = Field(
        None, description="share of newly written public text written by people [fraction], or data: "
                          "the series in human_share_data")
    human_share_data: DataFile = Field("human_share.csv", description="CSV in data/ with year, human_share, "
                                       "source, named relative to data/")
    consent_erosion: Fraction | None = Field(
        None, description="yearly share of the public stock that becomes restricted to crawlers [fraction/yr]")
    licensed_additions: Tokens | None = Field(
        None, description="private text bought into the usable stock per year [tokens/yr]")
    licensed_price_per_mtok: Usd | None = Field(
        None, description="price of licensed additions [USD per million tokens]; gives the licensed_spend metric")
    sources: tuple[str, ...] | None = Field(
        None, description="components the inflow and erosion act on (default: every included one)")

    @field_validator("consent_erosion", mode="after")
    @classmethod
    def _below_all(cls, spec: Any) -> Any:
        if spec is None:
            return spec
        if upper_end(spec) >= 1.0:
            raise ValueError(f"a consent erosion of {spec._fmt(upper_end(spec))}/yr restricts the whole public "
                             "stock within a year (consent factor (1 − r)^years = 0); keep it below 100%/yr: "
                             "Longpre et al. 2024 found 5% of C4's tokens restricted in 2023-24, e.g. 1% to 5%")
        chance = chance_at_least(spec, 1.0)
        if chance >= MAX_EROSION_CHANCE:
            raise ValueError(f"consent erosion {spec.text()} draws 100%/yr or more in {100 * chance:.2g}% of "
                             "samples, each restricting the whole public stock within a year; narrow the "
                             "interval, or use dist: pert or dist: beta, which stay below 100%")
        return spec

    @model_validator(mode="after")
    def _something(self) -> "StockDynamics":
        if self.human_share is None and self.consent_erosion is None and self.licensed_additions is None:
            raise ValueError("give at least one of human_share, consent_erosion, licensed_additions")
        if self.licensed_price_per_mtok is not None and self.licensed_additions is None:
            raise ValueError("licensed_price_per_mtok needs licensed_additions")
        return self


class SupplySection(_Strict):
    """The stock of usable human-written text."""

    include: tuple[str, ...] = Field(min_length=1,
                                     description="components of data/text_stock.csv that count")
    sources: dict[str, SourceOverride] = Field(default_factory=dict)
    repetition: Repetition
    filter_yield: Fraction | None = Field(
        None, description="share of raw crawl kept by quality filtering, in place of every included "
                          "component's quality [fraction]")
    dynamics: StockDynamics | None = None

    @model_validator(mode="after")
    def _overrides_included(self) -> "SupplySection":
        extra = sorted(set(self.sources) - set(self.include))
        if extra:
            raise ValueError(f"sources {', '.join(extra)} are not in include")
        if len(set(self.include)) != len(self.include):
            raise ValueError("include lists a component twice")
        if self.filter_yield is not None:
            both = sorted(k for k, v in self.sources.items() if v.quality is not None)
            if both:
                raise ValueError(f"filter_yield replaces quality; remove the quality of {', '.join(both)}")
        if self.dynamics is not None and self.dynamics.sources is not None:
            extra = sorted(set(self.dynamics.sources) - set(self.include))
            if extra:
                raise ValueError(f"dynamics.sources {', '.join(extra)} are not in include")
        return self

    @property
    def dynamic_sources(self) -> tuple[str, ...]:
        """Components the inflow and erosion act on (empty without dynamics)."""
        if self.dynamics is None:
            return ()
        return self.dynamics.sources if self.dynamics.sources is not None else self.include


# --- demand -----------------------------------------------------------------------------------

class TrendFit(_Strict):
    """Log-linear fit of dataset sizes on date, with a bootstrap of the slope (Villalobos et al. 2024).

    With ``method`` the growth comes instead from a backtested trend fit of the quarterly frontier
    of ``dataset_tokens`` (docs/trends.md); ``end_year``, ``bootstrap`` and ``frontier_only`` are
    then unused and ``as_of`` defaults to the quarter after ``end_year``.
    """

    data: DataFile = Field("notable_models.csv", description="CSV in data/ with date and training_tokens, "
                           "named relative to data/")
    start_year: int | None = Field(None, description="first publication year included")
    end_year: int | None = Field(None, description="last publication year included")
    bootstrap: int | None = Field(None, ge=100, le=100_000, description="bootstrap resamples of the slope")
    frontier_only: bool = Field(False, description="fit only models that set a new record dataset size")
    method: TrendMethod | None = Field(None, description="ols, quantreg, ets, prophet or best: a "
                                       "backtested trend fit instead of the bootstrap (docs/trends.md)")
    as_of: QuarterField | None = Field(None, description="with method: fit on rows dated before this quarter")
    frontier: FrontierSpec = FrontierSpec()
    undisclosed: Literal["impute", "censored", "disclosed"] = Field(
        "impute", description="with method: impute undisclosed runs' tokens from compute, enter them as "
                              "lower bounds (censored), or drop them")
    impute: ImputeSpec = ImputeSpec()
    backtest: BacktestSpec = BacktestSpec()

    @model_validator(mode="after")
    def _years(self) -> "TrendFit":
        if self.method is None:
            missing = [k for k in ("start_year", "end_year", "bootstrap") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"fit needs {', '.join(missing)} (or a method: see docs/trends.md)")
        if self.start_year is not None and self.end_year is not None and self.end_year <= self.start_year:
            raise ValueError("end_year must be after start_year")
        return self

    def settings(self) -> TrendSettings:
        """The trend-fit settings of a ``method`` fit."""
        as_of = self.as_of or (Quarter(self.end_year + 1, 1) if self.end_year is not None else None)
        return TrendSettings(method=self.method or "ols", as_of=as_of, frontier=self.frontier,
                             undisclosed=self.undisclosed, impute=self.impute, backtest=self.backtest)


class HistoricalDemand(_Strict):
    """Largest training dataset grows along the historical trend: D(t) = D0 · g^(t − t0).

    ``current_largest: fit`` takes D0 from the trend fit (``fit.method``) at its as-of quarter,
    jointly with the growth (docs/derivations.md §10); ``reference`` is then the quarter after
    the as-of one and is not given. A stated ``current_largest`` with ``growth: fit`` overrides
    the fit's level (the report says so).
    """

    current_largest: Tokens | Literal["fit"] = Field(
        description="largest training dataset at reference [tokens], or fit (the trend fit's level)")
    reference: QuarterField | None = Field(None, description="quarter whose start current_largest "
                                           "refers to; omitted with current_largest: fit")
    growth: Growth | Literal["fit"] = Field(description="yearly growth [factor/yr], or fit")
    fit: TrendFit | None = None
    overtraining: Number | None = Field(
        None, description="k-fold overtraining of the trend: data × √k at equal compute "
                          "(Villalobos et al. 2024 §2.5) [x]; omitted = 1")

    @model_validator(mode="after")
    def _fit(self) -> "HistoricalDemand":
        if self.growth == "fit" and self.fit is None:
            raise ValueError("growth: fit needs a fit: block (data, start_year, end_year, bootstrap)")
        if self.level_from_fit:
            if self.fit is None or self.fit.method is None:
                raise ValueError("current_largest: fit needs a frontier fit, fit.method (ols, quantreg, ets, "
                                 "prophet or best; docs/trends.md): a bootstrap of every model's size fits "
                                 "the typical model, not the largest; or give current_largest, e.g. 3T to 13T")
            if self.reference is not None:
                raise ValueError("current_largest: fit is the fit's level at its as-of quarter, so reference "
                                 "is not given; set fit.as_of to move it, or give current_largest")
        elif self.reference is None:
            raise ValueError("current_largest needs a reference: the quarter whose start it describes, "
                             "e.g. reference: 2024Q1")
        return self

    @property
    def level_from_fit(self) -> bool:
        """Whether the starting level D0 comes from the trend fit (``current_largest: fit``)."""
        return isinstance(self.current_largest, str) and self.current_largest == "fit"

    @property
    def uses_fit(self) -> bool:
        """Whether the growth or the level comes from ``fit``."""
        return self.growth == "fit" or self.level_from_fit


class ComputeLimit(_Strict):
    """Frontier compute growth that tapers once power, chips or investment bind (Sevilla et al. 2024)."""

    ceiling: Flop = Field(description="training compute at which growth slows [FLOP]")
    growth_after: Growth = Field(description="yearly growth of frontier compute after the ceiling [factor/yr]")


class ComputeDemand(_Strict):
    """Frontier compute grows x/yr; tokens are compute-optimal (Hoffmann et al. 2022) × overtraining."""

    current_largest: Flop = Field(description="largest training run at reference [FLOP]")
    reference: QuarterField
    growth: Growth = Field(description="yearly growth of frontier training compute [factor/yr]")
    tokens_per_param: Number = Field(description="compute-optimal tokens per parameter [ratio]")
    overtraining: Number = Field(description="multiplier on tokens per parameter (Villalobos et al. 2024 §2.5) [x]")
    limit: ComputeLimit | None = Field(None, description="growth slows once compute reaches a ceiling; "
                                                         "omitted = constant growth")


class SyntheticChoice(_Strict):
    """The synthetic share labs choose for the largest run, whether or not human text runs short.

    At the end of quarter t the chosen share is c(t) = min(share + trend·(t − reference), ceiling);
    only the human part (1 − c)·D of the dataset D draws on the human stock (docs/derivations.md §17).
    """

    share: Fraction = Field(description="synthetic share of the largest run's dataset chosen at the start "
                                        "of reference [fraction]")
    trend: Fraction = Field(description="yearly rise of the chosen share [share points per year, as a fraction]")
    reference: QuarterField = Field(description="quarter whose start share refers to")
    ceiling: Fraction | None = Field(None, description="the chosen share never exceeds this [fraction]; "
                                                       "omitted = 100%")


class DemandSection(_Strict):
    """Dataset size of the largest training run per quarter."""

    method: Literal["historical", "compute", "mixture"]
    historical: HistoricalDemand | None = None
    compute: ComputeDemand | None = None
    historical_weight: Fraction | None = Field(
        None, description="mixture: probability a sample follows the historical trend [fraction]")
    synthetic_choice: SyntheticChoice | None = Field(
        None, description="synthetic share labs choose, and its trend; only the rest of the dataset draws on "
                          "the human stock; omitted = 0% (all demand is for human text, as Villalobos et al. 2024)")

    @model_validator(mode="after")
    def _parts(self) -> "DemandSection":
        need = {"historical": ("historical",), "compute": ("compute",),
                "mixture": ("historical", "compute", "historical_weight")}[self.method]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"method {self.method} needs {', '.join(missing)}")
        return self


# --- the price of the gap ----------------------------------------------------------------------

class GapSection(_Strict):
    """Price of the synthetic gap per quarter: generating it versus licensing private human text."""

    generation_per_mtok: Usd = Field(description="cost of generating one million tokens [USD per Mtok]")
    acceptance_rate: Fraction = Field(description="share of generated tokens kept after filtering [fraction]")
    judge_share: Fraction | None = Field(
        None, description="share of the generated tokens a paid judge reads [fraction]; omitted = no paid "
                          "judge, as in every pipeline of data/synthetic_pipelines.csv")
    verification_per_mtok: Usd | None = Field(
        None, description="with judge_share: the paid judge's price [USD per million tokens read]")
    synthetic_value: Number = Field(description="value of a kept synthetic token relative to a human one [ratio]")
    price_trend: Growth = Field(description="yearly factor on the synthetic price [factor/yr], e.g. 0.6x/yr")
    price_reference: QuarterField = Field(description="quarter the synthetic prices refer to")
    license_price_position: Fraction = Field(
        description="where each component's first-token licence price lies in its range of deals "
                    "(data/licensable_stock.csv): 0 the cheapest deal, 1 the dearest [fraction]")
    license_price_rise: Number = Field(
        description="supply curve: the last licensable token of a component costs this many times its "
                    "first [ratio], above 1")

    @field_validator("verification_per_mtok", mode="after")
    @classmethod
    def _judge_price_needs_a_judge(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("judge_share") is None:
            raise ValueError(judge_without_share("verification_per_mtok"))
        return value

    @model_validator(mode="after")
    def _rise(self) -> "GapSection":
        if self.judge_share is not None and self.verification_per_mtok is None:
            raise ValueError(share_without_price("verification_per_mtok"))
        spec = self.license_price_rise
        lowest = next((v for v in (getattr(spec, k, None) for k in ("value", "low")) if v is not None), None)
        if lowest is not None and lowest <= 1:
            raise ValueError("license_price_rise must be above 1 (the price rises as more is bought), e.g. '3 to 10'")
        return self


# --- the scenario ------------------------------------------------------------------------------

class Scenario(_Strict):
    """A validated scenario. Build one with :func:`forecast.io.scenario.load_scenario`."""

    name: OutputName = Field(description="short id used for output folders (reports/<name>/), e.g. baseline: "
                                         "letters, digits, '.', '_', '-', starting with a letter or digit")
    title: str | None = Field(None, description="plain-language name readers see in the report's text and "
                                               "charts, e.g. Baseline (Villalobos et al. 2024); at most "
                                               f"{MAX_TITLE} characters, one line; default: the name")
    description: str = ""
    extends: str | None = Field(None, description="parent scenario file, relative to this one; "
                                                   "resolved by the loader before validation")
    horizon: Horizon
    samples: int = Field(gt=0, le=MAX_SAMPLES, description="Monte Carlo samples")
    seed: int = Field(ge=0, lt=2**63, description="seed of every random stream")
    correlations: tuple[Correlation, ...] = ()
    supply: SupplySection | None = None
    demand: DemandSection | None = None
    cost: CostSection | None = None
    mixes: MixesSection | None = None
    gap: GapSection | None = None

    @field_validator("title", mode="after")
    @classmethod
    def _title(cls, v: str | None) -> str | None:
        if v is None:
            return v
        text = " ".join(v.split())
        if not text:
            raise ValueError("a title is the scenario's name for readers: write a few words, "
                             "e.g. Baseline (Villalobos et al. 2024), or leave the key out")
        if "\n" in v.strip():
            raise ValueError("a title is one line (it labels lines in charts); put the rest in description")
        if len(text) > MAX_TITLE:
            raise ValueError(f"a title of {len(text)} characters is too long to label a chart line; keep it to "
                             f"{MAX_TITLE} characters and put the rest in description")
        return text

    @field_validator("samples", mode="before")
    @classmethod
    def _samples(cls, v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    @model_validator(mode="after")
    def _sections(self) -> "Scenario":
        if (self.supply is None) != (self.demand is None):
            raise ValueError("supply and demand come together: give both or neither")
        if self.supply is None and self.cost is None:
            raise ValueError("a scenario needs supply and demand, or cost")
        syn = self.cost.synthetic_data if self.cost is not None else None
        if syn is not None and syn.unique_tokens is not None and syn.decay_constant is None:
            rep = self.supply.repetition if self.supply is not None else None
            if rep is None or rep.decay_constant is None:
                raise ValueError("cost.synthetic_data.unique_tokens needs decay_constant (R_D* ≈ 15.4, "
                                 "Muennighoff et al. 2023), or a supply.repetition.decay_constant to share")
        if self.gap is not None and self.supply is None:
            raise ValueError("gap prices the synthetic gap of supply and demand: it needs both")
        if self.mixes is not None and (self.cost is None or self.cost.target is None):
            raise ValueError("mixes compare shares at equal quality: they need cost.target")
        return self
