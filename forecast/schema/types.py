"""Small annotated types shared by the scenario sections."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from forecast.units import Quarter

__all__ = ["QuarterField"]


def _quarter(raw: Any) -> Quarter:
    if isinstance(raw, Quarter):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise ValueError(f"write a quarter such as {raw}Q1, not a bare year")
    return Quarter.parse(str(raw))


#: A calendar quarter written ``2026Q4``.
QuarterField = Annotated[Quarter, BeforeValidator(_quarter),
                         Field(json_schema_extra={"type": "string", "pattern": r"^\d{4}\s?-?[Qq][1-4]$"})]
