"""A sweep's grid file (``scenarios/sweeps/*.yaml``, ``peakdata sweep``; documented in docs/cli.md).

A grid names a ``base`` scenario file, values to ``set`` at every point, and ``axes`` over dotted
inputs: a list of values (a single value is a list of one), or a range ``{from, to, steps, scale}``.
Axes are crossed; axes named together in ``zip`` move together. ``chart`` picks the heatmap's axes
and metric. The model checks what the file alone can say: its keys and their types, the output
``name`` (:data:`~forecast.schema.types.OutputName`, also a ``name`` under ``set``), an axis on a
label or on the seed, zip groups, an input both set and swept, and the chart's axes. What needs the
base scenario or the data folder (range ends in the input's units, the chart's metric, the number of
points, the data files named) is checked by :func:`forecast.analysis.grid.load_grid`, at the same
``file:line:col``.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError,
                      WithJsonSchema, field_validator, model_validator)
from pydantic_core import InitErrorDetails, PydanticCustomError

from forecast.schema.scenario import MAX_SAMPLES
from forecast.schema.types import OutputName, output_name

__all__ = ["MAX_POINTS", "NOT_INPUTS", "AxisRange", "Sweep", "SweepChart", "axis_length"]

#: Most points one grid may hold. Every point is made and validated before any is computed (about
#: 6 ms and 35 KB each for a cost scenario), so 100,000 points take some ten minutes and 3.5 GB
#: before the first run starts; split a larger study into several grids.
MAX_POINTS = 100_000
#: Scenario keys that are not inputs: an axis on them gives the same scenario at every point.
NOT_INPUTS = {
    "name": "name is a label, not an input: every point would be the same scenario under another name "
            "(and seed); the grid's own name names the output folder",
    "description": "description is a label, not an input: every point would be the same scenario",
    "extends": "extends is resolved when the base is read; a point cannot change it",
    "seed": "a point's seed comes from its content (docs/cli.md), so an axis on seed gives the same "
            "scenario at every point, reseeded",
}
_RANGE_HINT = "e.g. {from: 2x/yr, to: 5x/yr, steps: 4, scale: linear}"
_CHART = ("chart has x and y (axis names) and metric (a headline key); e.g. chart: {x: supply.repetition.epochs, "
          "y: demand.compute.growth, metric: exhaustion.p50}")
_ZIP = "each zip entry lists two or more axis names"


def _located(errors: list[tuple[tuple[Any, ...], str]], value: Any) -> ValidationError:
    """``(path, "message; hint")`` pairs as one ``ValidationError`` whose errors sit at those paths
    (inside a validator, pydantic puts the field's own path in front)."""
    return ValidationError.from_exception_data("Sweep", [
        InitErrorDetails(type=PydanticCustomError("value_error", "{text}", {"text": text}), loc=loc, input=value)
        for loc, text in errors])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AxisRange(_Strict):
    """A range axis: steps values from `from` to `to` (both included), evenly or on a log scale."""

    start: str | int | float = Field(alias="from", description="first value, in the input's units (2x/yr, $1, 35%)")
    end: str | int | float = Field(alias="to", description="last value, in the input's units")
    steps: int = Field(ge=1, le=MAX_POINTS, description="number of values [count]")
    scale: Literal["linear", "log"] = Field("linear", description="linear: equal differences; log: equal "
                                            "ratios (from and to above 0)")

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: Any) -> Any:
        if not isinstance(data, dict) or set(data) - {"from", "to", "steps", "scale"} or \
                not {"from", "to", "steps"} <= set(data):
            raise ValueError(f"a range needs from, to and steps (and optionally scale); {_RANGE_HINT}")
        return data

    @field_validator("start", "end", mode="before")
    @classmethod
    def _end(cls, v: Any) -> Any:
        if isinstance(v, bool) or v is None:
            raise ValueError(f"expected a number, got {v}; a range runs between two plain values")
        return v

    @field_validator("steps", mode="before")
    @classmethod
    def _steps(cls, v: Any) -> Any:
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError("steps must be a whole number ≥ 1")
        if v > MAX_POINTS:
            raise ValueError(f"{v:,} steps is above the limit of {MAX_POINTS:,} points a grid may hold; use fewer "
                             "steps: a log range covers orders of magnitude in a few dozen")
        return v

    @field_validator("scale", mode="before")
    @classmethod
    def _scale(cls, v: Any) -> Any:
        if v not in ("linear", "log"):
            raise ValueError(f"unknown scale '{v}'; use linear or log")
        return v


def _values(v: list[Any]) -> list[Any]:
    if not v:
        raise ValueError("an axis needs at least one value")
    return v


def _form(v: Any) -> str:
    return "range" if isinstance(v, dict) else "values" if isinstance(v, list) else "value"


def _input_name(name: str) -> str:
    if name in NOT_INPUTS:
        raise ValueError(f"{NOT_INPUTS[name]}; sweep an input such as supply.repetition.epochs")
    return name


#: An axis: a range, a list of values as a scenario would write them, or one value.
AxisSpec = Annotated[Union[Annotated[AxisRange, Tag("range")],
                           Annotated[list[Any], AfterValidator(_values), Field(min_length=1), Tag("values")],
                           Annotated[Any, WithJsonSchema({"type": ["string", "number", "boolean", "null"]}),
                                     Tag("value")]],
                     Discriminator(_form)]


def axis_length(spec: Any) -> int:
    """How many values an axis holds."""
    return spec.steps if isinstance(spec, AxisRange) else len(spec) if isinstance(spec, list) else 1


class SweepChart(_Strict):
    """The heatmap: which axis runs along x and y, and the headline key it colours."""

    x: str | None = Field(None, description="axis name along x")
    y: str | None = Field(None, description="axis name along y")
    metric: str | None = Field(None, description="headline key, e.g. exhaustion.p50 (docs/nomenclature.md); "
                               "default exhaustion.p50 or cost.total.p50")

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict) or set(data) - {"x", "y", "metric"}:
            raise ValueError(_CHART)
        return data


class Sweep(_Strict):
    """A grid file of peakdata sweep: scenarios made from one base scenario, one per point of the axes
    (docs/cli.md, peakdata sweep)."""

    name: OutputName = Field(description="names the output folder, reports/sweeps/<name>/")
    description: str = ""
    base: str = Field(min_length=1, description="the base scenario file, relative to the grid file")
    samples: int | None = Field(None, ge=1, le=MAX_SAMPLES, description="Monte Carlo samples per point "
                                "(default: the base scenario's)")
    changes: dict[str, Any] = Field({}, alias="set", description="dotted input: value, set at every point "
                                    "as in a child scenario")
    axes: dict[Annotated[str, AfterValidator(_input_name)], AxisSpec] = Field(
        description="dotted input: values; every combination is a point")
    zipped: list[Any] = Field([], alias="zip", description="groups of axis names that move together",
                              json_schema_extra={"items": {"type": "array", "items": {"type": "string"},
                                                           "minItems": 2}})
    chart: SweepChart = SweepChart()

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, v: Any) -> Any:
        return "" if v is None else v

    @field_validator("samples", mode="before")
    @classmethod
    def _samples(cls, v: Any) -> Any:
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 < v <= MAX_SAMPLES):
            raise ValueError(f"samples must be a whole number from 1 to {MAX_SAMPLES:,}")
        return v

    @field_validator("changes", mode="before")
    @classmethod
    def _changes(cls, v: Any) -> Any:
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise ValueError("set is a mapping of dotted input: value")
        if "name" in v:
            try:
                output_name(v["name"])
            except ValueError as exc:
                raise _located([(("name",), str(exc))], v) from None
        return v

    @field_validator("axes", mode="before")
    @classmethod
    def _axes(cls, v: Any) -> Any:
        if not isinstance(v, dict) or not v:
            raise ValueError("axes is a mapping of dotted input: values; e.g. supply.repetition.epochs: [1, 2, 4, 8]")
        return v

    @field_validator("zipped", mode="before")
    @classmethod
    def _zip(cls, v: Any) -> Any:
        if v is None:
            return []
        if not isinstance(v, list):
            raise ValueError(f"zip is a list of groups: {_ZIP}; e.g. zip: [[a, b]]")
        return v

    @model_validator(mode="after")
    def _across(self) -> "Sweep":
        errors = self._zip_errors() + self._clashes()
        if errors:
            raise _located(errors, self.axes)
        return self

    def _zip_errors(self) -> list[tuple[tuple[Any, ...], str]]:
        names = list(self.axes)
        errors: list[tuple[tuple[Any, ...], str]] = []
        seen: list[str] = []
        for i, group in enumerate(self.zipped):
            if not isinstance(group, list) or len(group) < 2 or any(g not in self.axes for g in group):
                errors.append((("zip", i), f"{_ZIP}; axes: {', '.join(names)}"))
                continue
            lengths = {axis_length(self.axes[g]) for g in group}
            if len(lengths) > 1:
                errors.append((("zip", i), f"zipped axes have different lengths {sorted(lengths)}; "
                                           "give them the same number of values"))
            seen += group
        if len(set(seen)) != len(seen):
            errors.append((("zip",), "an axis appears in two zip groups"))
        return errors

    def _clashes(self) -> list[tuple[tuple[Any, ...], str]]:
        """The samples axis under a grid ``samples``, an input both set and swept, chart axes."""
        errors: list[tuple[tuple[Any, ...], str]] = []
        if "samples" in self.axes and self.samples is not None:
            errors.append((("axes", "samples"), f"samples is set for every point by the grid's samples: "
                           f"{self.samples}, which would replace the axis; remove the grid's samples: to sweep "
                           "the sample count"))
        for key in self.changes:
            swept = next((a for a in self.axes if key == a or key.startswith(f"{a}.")), None)
            if swept is not None:
                what = "swept" if key == swept else f"inside {swept}, which is swept"
                hint = ("remove it from set: or from axes:" if key == swept
                        else f"remove {key} from set: or {swept} from axes:")
                errors.append((("set", key), f"{key} is set here and {what} on an axis; the axis would replace "
                                             f"the set value at every point; {hint}"))
        for k in ("x", "y"):
            if getattr(self.chart, k) is not None and getattr(self.chart, k) not in self.axes:
                errors.append((("chart", k), _CHART))
        return errors
