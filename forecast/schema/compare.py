"""A ``compare`` file: a waterfall from one scenario to another through intermediate scenarios.

Each step is a real scenario file run by the model; the waterfall shows how the headline cost moves
from the first scenario through every step. Published figures to set beside the bars are ``marks``,
each with its source.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from forecast.schema.types import OutputName
from forecast.units import parse_quantity

__all__ = ["Compare", "CompareMark", "CompareStep"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


def _usd(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("write an amount such as $4.6M")
    return parse_quantity(raw, "usd")


class CompareStep(BaseModel):
    """One scenario of the waterfall and what it changes."""

    model_config = _STRICT
    #: what this step changes, in planners' words
    label: str = Field(min_length=1)
    #: scenario file, relative to the compare file
    scenario: str = Field(min_length=1)


class CompareMark(BaseModel):
    """A published figure drawn beside a bar of the waterfall."""

    model_config = _STRICT
    label: str = Field(min_length=1)
    #: the published amount [USD]
    value: Annotated[float, BeforeValidator(_usd)]
    source: str = Field(min_length=1)
    #: the step (0 = the start scenario, -1 = the last) the figure belongs beside
    beside: int = 0


class Compare(BaseModel):
    """A waterfall of total cost (p50) from ``start`` through ``steps``."""

    model_config = _STRICT
    #: names the waterfall's chart and data files (``charts/waterfall_<name>.png``)
    name: OutputName
    title: str = Field(min_length=1)
    description: str = ""
    start: CompareStep
    steps: list[CompareStep] = Field(min_length=1)
    marks: list[CompareMark] = []
