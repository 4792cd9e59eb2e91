"""Pydantic models of a scenario (``extra="forbid"``, frozen); see docs/scenarios.md."""
from forecast.schema.scenario import (
    MAX_QUARTERS,
    MAX_SAMPLES,
    ComputeDemand,
    Correlation,
    DemandSection,
    HistoricalDemand,
    Horizon,
    Repetition,
    Scenario,
    SourceOverride,
    SupplySection,
    TrendFit,
)

__all__ = [
    "MAX_QUARTERS",
    "MAX_SAMPLES",
    "ComputeDemand",
    "Correlation",
    "DemandSection",
    "HistoricalDemand",
    "Horizon",
    "Repetition",
    "Scenario",
    "SourceOverride",
    "SupplySection",
    "TrendFit",
]
