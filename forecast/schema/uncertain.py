"""Uncertain inputs: what a planner may write wherever a scenario asks for a quantity.

Forms accepted (the unit kind of the field decides how numbers are read, see ``forecast.units``)::

    stock: 300T                          # a plain value
    stock: "100T to 1000T"               # a 90% interval: lognormal if both bounds > 0, else normal
    stock: {value: "100T to 1000T", credibility: 95, source: "Villalobos et al. 2024"}
    stock: {dist: lognormal, low: 130T, high: 2100T, credibility: 95}
    stock: {dist: lognormal, mu: 33.9, sigma: 0.8}           # native parameters (of ln x)
    share: {dist: normal, mean: 50%, sd: 5%}
    share: {dist: uniform, low: 10%, high: 40%}
    share: {dist: triangular, low: 10%, mode: 20%, high: 40%}
    share: {dist: pert, low: 10%, mode: 20%, high: 40%}
    share: {dist: beta, alpha: 2, beta: 5}            # or low/high/credibility
    epochs: {dist: choice, values: [1, 4, 8], weights: [1, 2, 1]}

``p5``/``p95`` are synonyms of ``low``/``high`` (the default credibility is 90). Every form may carry
``source`` (paper, report or page, year) and ``note``; both flow into reports and exports.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from forecast.models import sampling
from forecast.units import Kind, format_quantity, parse_interval, parse_quantity

__all__ = [
    "Uncertain",
    "UnitKind",
    "quantity",
    "Tokens",
    "Params",
    "Flop",
    "Usd",
    "Fraction",
    "Growth",
    "Number",
    "Hours",
    "chance_at_least",
    "describe",
    "upper_end",
]

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
_NUMERIC_KEYS = ("value", "low", "high", "mode", "mean", "sd")
_PLAIN_KEYS = ("mu", "sigma", "alpha", "beta", "credibility", "lamb", "weights")
_LOW = AliasChoices("low", "p5")
_HIGH = AliasChoices("high", "p95")


class _Spec(BaseModel):
    model_config = _STRICT
    kind: Kind = Field("number", description="unit kind, set from the field (not written by users)")
    source: str | None = Field(None, description="paper, report or page, and year")
    note: str | None = None

    def to_distribution(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _fmt(self, x: float) -> str:
        return format_quantity(x, self.kind)


class FixedSpec(_Spec):
    dist: Literal["fixed"] = "fixed"
    value: float

    def to_distribution(self) -> sampling.Fixed:
        return sampling.Fixed(self.value)

    def text(self) -> str:
        return self._fmt(self.value)


class _IntervalMixin(_Spec):
    _native: ClassVar[tuple[str, ...]] = ()
    low: float | None = Field(None, validation_alias=_LOW)
    high: float | None = Field(None, validation_alias=_HIGH)
    credibility: float = Field(90.0, gt=0, lt=100, description="coverage of low..high [%]")

    def _check_interval(self, native: tuple[str, ...]) -> None:
        has_interval = self.low is not None or self.high is not None
        has_native = any(getattr(self, k) is not None for k in native)
        if has_interval and has_native:
            raise ValueError(f"give either low/high or {'/'.join(native)}, not both")
        if has_interval:
            if self.low is None or self.high is None:
                raise ValueError("an interval needs both low and high")
            if self.low >= self.high:
                raise ValueError(f"low ({self._fmt(self.low)}) must be below high ({self._fmt(self.high)})"
                                 " — swap them")
        elif not all(getattr(self, k) is not None for k in native):
            raise ValueError(f"give low and high (a {self.credibility:g}% interval) or {' and '.join(native)}")

    def text(self) -> str:
        if self.low is not None:
            return f"{self._fmt(self.low)} to {self._fmt(self.high)} ({self.credibility:g}%)"
        return ", ".join(f"{k}={getattr(self, k):g}" for k in self._native)


class LogNormalSpec(_IntervalMixin):
    dist: Literal["lognormal"] = "lognormal"
    mu: float | None = Field(None, description="mean of ln x")
    sigma: float | None = Field(None, gt=0, description="standard deviation of ln x")
    _native: ClassVar[tuple[str, ...]] = ("mu", "sigma")

    @model_validator(mode="after")
    def _check(self) -> "LogNormalSpec":
        self._check_interval(self._native)
        if self.low is not None and self.low <= 0:
            raise ValueError("a lognormal needs low > 0 (use dist: normal for values that can be ≤ 0)")
        return self

    def to_distribution(self) -> sampling.LogNormal:
        if self.low is not None:
            return sampling.LogNormal.from_interval(self.low, self.high, self.credibility)
        return sampling.LogNormal(self.mu, self.sigma)


class NormalSpec(_IntervalMixin):
    dist: Literal["normal"] = "normal"
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    _native: ClassVar[tuple[str, ...]] = ("mean", "sd")

    @model_validator(mode="after")
    def _check(self) -> "NormalSpec":
        self._check_interval(self._native)
        return self

    def to_distribution(self) -> sampling.Normal:
        if self.low is not None:
            return sampling.Normal.from_interval(self.low, self.high, self.credibility)
        return sampling.Normal(self.mean, self.sd)


class BetaSpec(_IntervalMixin):
    dist: Literal["beta"] = "beta"
    alpha: float | None = Field(None, gt=0)
    beta: float | None = Field(None, gt=0)
    _native: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    @model_validator(mode="after")
    def _check(self) -> "BetaSpec":
        self._check_interval(self._native)
        if self.low is not None and not (0 < self.low < self.high < 1):
            raise ValueError("a beta interval must lie strictly between 0 and 1")
        return self

    def to_distribution(self) -> sampling.Beta:
        if self.low is not None:
            return sampling.Beta.from_interval(self.low, self.high, self.credibility)
        return sampling.Beta(self.alpha, self.beta)


class UniformSpec(_Spec):
    dist: Literal["uniform"] = "uniform"
    low: float = Field(validation_alias=_LOW)
    high: float = Field(validation_alias=_HIGH)

    @model_validator(mode="after")
    def _check(self) -> "UniformSpec":
        if self.low >= self.high:
            raise ValueError(f"low ({self._fmt(self.low)}) must be below high ({self._fmt(self.high)})")
        return self

    def to_distribution(self) -> sampling.Uniform:
        return sampling.Uniform(self.low, self.high)

    def text(self) -> str:
        return f"uniform {self._fmt(self.low)} to {self._fmt(self.high)}"


class TriangularSpec(_Spec):
    dist: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> "TriangularSpec":
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("need low ≤ mode ≤ high with low < high")
        return self

    def to_distribution(self) -> sampling.Triangular:
        return sampling.Triangular(self.low, self.mode, self.high)

    def text(self) -> str:
        return f"{self.dist} {self._fmt(self.low)} / {self._fmt(self.mode)} / {self._fmt(self.high)}"


class PertSpec(TriangularSpec):
    dist: Literal["pert"] = "pert"  # type: ignore[assignment]
    lamb: float = Field(4.0, gt=0, validation_alias=AliasChoices("lamb", "lambda"),
                        description="PERT shape (4 is the classic PERT, Vose 2008)")

    def to_distribution(self) -> sampling.Pert:  # type: ignore[override]
        return sampling.Pert(self.low, self.mode, self.high, self.lamb)


class ChoiceSpec(_Spec):
    dist: Literal["choice"] = "choice"
    values: tuple[float, ...] = Field(min_length=1)
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _check(self) -> "ChoiceSpec":
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.values)} values but {len(self.weights)} weights")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be ≥ 0 and not all zero")
        return self

    def to_distribution(self) -> sampling.Choice:
        weights = self.weights or tuple(1.0 for _ in self.values)
        return sampling.Choice(tuple(self.values), tuple(weights))

    def text(self) -> str:
        return "one of " + ", ".join(self._fmt(v) for v in self.values)


Uncertain = Annotated[
    Union[FixedSpec, LogNormalSpec, NormalSpec, BetaSpec, UniformSpec, TriangularSpec, PertSpec,
          ChoiceSpec],
    Field(discriminator="dist"),
]
_DISTS = ("fixed", "lognormal", "normal", "beta", "uniform", "triangular", "pert", "choice")


class UnitKind:
    """Metadata marker: the unit kind of an uncertain field."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"UnitKind({self.kind!r})"


def _interval_or_fixed(text: Any, kind: Kind) -> dict[str, Any]:
    if isinstance(text, str):
        bounds = parse_interval(text, kind)
        if bounds is not None:
            low, high = bounds
            dist = "lognormal" if low > 0 and high > 0 else "normal"
            return {"dist": dist, "low": low, "high": high}
    if isinstance(text, bool):
        raise ValueError("expected a quantity, got true/false")
    return {"dist": "fixed", "value": parse_quantity(text, kind)}


def _coercer(kind: Kind):
    def coerce(raw: Any) -> Any:
        if isinstance(raw, (_Spec,)):
            return raw
        if raw is None:
            raise ValueError("a value is required here")
        if isinstance(raw, (str, int, float)):
            out = _interval_or_fixed(raw, kind)
        elif isinstance(raw, dict):
            out = dict(raw)
            if "kind" in out:
                raise ValueError("'kind' is set by peakdata, not in the file — remove it")
            if "dist" in out and out["dist"] not in _DISTS:
                raise ValueError(f"unknown distribution '{out['dist']}'; use one of {', '.join(_DISTS)}")
            if "dist" not in out and "value" not in out:
                raise ValueError("give dist: (one of " + ", ".join(_DISTS) + ") or value:")
            value = out.pop("value", None) if "dist" not in out else None
            for key in _NUMERIC_KEYS + ("p5", "p95"):
                if key in out and not isinstance(out[key], bool) and out[key] is not None:
                    out[key] = parse_quantity(out[key], kind)
            if "values" in out and isinstance(out["values"], list):
                out["values"] = [parse_quantity(v, kind) for v in out["values"]]
            if value is not None:
                out = {**_interval_or_fixed(value, kind), **out}
                if out["dist"] == "fixed" and "credibility" in out:
                    raise ValueError("credibility applies to an interval such as '100T to 1000T'")
        else:
            raise ValueError("expected a quantity such as 300T, an interval such as '100T to 1000T',"
                             " or a mapping with dist:")
        out["kind"] = kind
        return out

    return coerce


_JSON = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "description": "a quantity (300T, $4.6M, 35%, 2.3x/yr) or a 90% interval"
                                          " ('100T to 1000T')"},
        {"type": "object", "description": "a distribution",
         "properties": {"dist": {"enum": list(_DISTS)}, "value": {}, "low": {}, "high": {}, "p5": {},
                        "p95": {}, "credibility": {"type": "number"}, "mode": {}, "mean": {}, "sd": {},
                        "mu": {"type": "number"}, "sigma": {"type": "number"},
                        "alpha": {"type": "number"}, "beta": {"type": "number"},
                        "lamb": {"type": "number"}, "values": {"type": "array"},
                        "weights": {"type": "array"}, "source": {"type": "string"},
                        "note": {"type": "string"}},
         "additionalProperties": False},
    ]
}


def quantity(kind: Kind) -> Any:
    """The annotated type of an uncertain input whose numbers are read as ``kind``."""
    return Annotated[Uncertain, BeforeValidator(_coercer(kind)), UnitKind(kind),
                     WithJsonSchema({**_JSON, "description": f"uncertain {kind}"})]


Tokens = quantity("tokens")
Params = quantity("params")
Flop = quantity("flop")
Usd = quantity("usd")
Fraction = quantity("fraction")
Growth = quantity("growth")
Number = quantity("number")
Hours = quantity("hours")


def describe(spec: Any) -> str:
    """One-line human description of a spec, e.g. ``130T to 2.1Q (95%)``."""
    return spec.text()


def upper_end(spec: Any) -> float:
    """The largest number written in a spec: its value, its high bound, its largest choice; for a
    lognormal or normal given by its native parameters, its 95th percentile [unit of the input]."""
    if isinstance(spec, FixedSpec):
        return spec.value
    if isinstance(spec, ChoiceSpec):
        weights = spec.weights or (1.0,) * len(spec.values)
        return max(v for v, w in zip(spec.values, weights) if w > 0)
    high = getattr(spec, "high", None)
    if high is not None:
        return float(high)
    if isinstance(spec, BetaSpec):
        return 1.0 - 1e-12          # alpha/beta: support (0, 1), never reaches 1
    return float(spec.to_distribution().quantile(0.95))


def chance_at_least(spec: Any, x: float) -> float:
    """Probability that a draw of ``spec`` is at least ``x``, before the engine keeps draws in
    their unit's range [probability].

    Exact for lognormal and normal inputs (their tails are unbounded); for the other forms 1 when
    the largest value written (:func:`upper_end`) reaches ``x``, else 0.

    >>> from pydantic import TypeAdapter
    >>> share = TypeAdapter(Fraction).validate_python("50% to 99%")     # lognormal, 90% interval
    >>> round(chance_at_least(share, 1.0), 4)
    0.0452
    """
    import math

    if isinstance(spec, (LogNormalSpec, NormalSpec)):
        dist = spec.to_distribution()
        if isinstance(spec, LogNormalSpec):
            if x <= 0:
                return 1.0
            z = (math.log(x) - dist.mu) / dist.sigma
        else:
            z = (x - dist.mu) / dist.sd
        return 0.5 * math.erfc(z / math.sqrt(2.0))
    return 1.0 if upper_end(spec) >= x else 0.0
