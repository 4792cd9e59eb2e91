"""peakdata: when human-written text runs out, and what the way out costs.

The curated public API::

    from forecast import load_scenario, run
    item = load_scenario("scenarios/baseline.yaml")
    result = run(item.scenario, provenance=item.provenance)
    result.event_summary()

Names are imported on first use, so ``peakdata --help`` stays fast.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from forecast._version import __version__

__all__ = [
    "__version__",
    "load_scenario",
    "run",
    "point",
    "Scenario",
    "ScenarioFile",
    "ForecastResult",
    "PointEstimate",
    "ForecastError",
    "ScenarioError",
    "DataError",
    "FitError",
    "ExportError",
    "write_outputs",
    "trend_report",
    "write_exports",
]

_LAZY = {
    "load_scenario": "forecast.io.scenario",
    "ScenarioFile": "forecast.io.scenario",
    "run": "forecast.engine",
    "point": "forecast.engine",
    "Scenario": "forecast.schema",
    "ForecastResult": "forecast.result",
    "PointEstimate": "forecast.result",
    "ForecastError": "forecast.errors",
    "ScenarioError": "forecast.errors",
    "DataError": "forecast.errors",
    "FitError": "forecast.errors",
    "ExportError": "forecast.errors",
    "write_outputs": "forecast.report.scenario_folder",
    "trend_report": "forecast.engine.trends",
    "write_exports": "forecast.export.writers",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
