"""Cost-of-mixes sections of a scenario (filled in by the cost model)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["CostSection", "MixesSection"]


class CostSection(BaseModel):
    """Training cost of one run: compute, human data, synthetic data, quality."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MixesSection(BaseModel):
    """Synthetic shares to compare at equal quality."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def accelerator_names(cost: CostSection) -> list[tuple[tuple[str, ...], str]]:
    """(YAML path, accelerator id) pairs the cost section refers to."""
    return []
