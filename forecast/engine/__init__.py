"""The one place where schema, data, fits and models meet: ``run(scenario, seed) → ForecastResult``.

``run`` is a pure function of its arguments (the scenario, the seed, the sample count and the
reference CSVs): same inputs, identical arrays. Every argument is picklable, so the same call runs
in-process or on a Dask worker.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from forecast._version import __version__
from forecast.engine.blocks import Summariser
from forecast.engine.inputs import collect_inputs, draw_inputs
from forecast.engine.point import point
from forecast.result import CENTRAL_90, ForecastResult, label, quantiles
from forecast.schema import Scenario
from forecast.schema.uncertain import describe

__all__ = ["run", "point"]

Progress = Callable[[int, int], None]


def _inputs_table(inputs: dict[str, Any], values: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = []
    for name, item in inputs.items():
        rows.append({"input": name, "kind": item.kind, "dist": item.spec.dist,
                     "distribution": describe(item.spec), **quantiles(values[name], CENTRAL_90),
                     "source": item.spec.source or "", "note": item.spec.note or "", "set_at": item.set_at})
    return pd.DataFrame(rows, columns=["input", "kind", "dist", "distribution", *map(label, CENTRAL_90),
                                       "source", "note", "set_at"])


def run(scenario: Scenario, seed: int | None = None, samples: int | None = None,
        provenance: dict[str, str] | None = None, data_dir: Path | None = None,
        progress: Progress | None = None, keep_samples: bool = False) -> ForecastResult:
    """Run every model the scenario has inputs for.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`forecast.io.scenario.load_scenario`).
    seed, samples : int, optional
        Override the scenario's seed and sample count.
    provenance : dict, optional
        Dotted input name → ``file:line`` (from ``ScenarioFile.provenance``), for the inputs table.
    data_dir : Path, optional
        Folder of reference CSVs (default: the project's ``data/``).
    progress : callable, optional
        Called as ``progress(done, total)`` while quarters are evaluated.
    keep_samples : bool
        Also keep every input's drawn values and per-sample outcomes (``result.draws``,
        ``result.outcomes``) for rank correlations; off by default (results stay small).

    Returns
    -------
    ForecastResult
    """
    from forecast.io.scenario import scenario_hash

    seed = scenario.seed if seed is None else int(seed)
    n = scenario.samples if samples is None else int(samples)
    quarters = scenario.horizon.quarters
    inputs = collect_inputs(scenario, provenance, data_dir)
    values = draw_inputs(inputs, seed, n, scenario.correlations, provenance)
    notes: dict[str, Any] = {}
    if scenario.cost is not None and scenario.cost.compute.price_performance == "fit":
        from forecast.engine.trends import price_performance_draws

        values["cost.compute.price_performance"], notes["price_performance_fit"] = price_performance_draws(
            scenario.cost.compute.price_performance_fit, seed, n, data_dir)
    summary = Summariser(n, len(quarters))
    units: dict[str, str] = {}
    tables: dict[str, pd.DataFrame] = {}
    outcomes: dict[str, np.ndarray] = {}
    derived: dict[str, np.ndarray] = {}
    if scenario.supply is not None:
        from forecast.engine.supply_demand import METRICS, run_supply_demand

        notes.update(run_supply_demand(scenario, values, seed, n, summary, data_dir, progress, derived))
        units.update(METRICS)
    if scenario.cost is not None:
        from forecast.engine.cost import run_cost

        tables.update(run_cost(scenario, values, seed, n, data_dir, notes, outcomes))
    from forecast.io.references import data_file_hashes

    notes["data_files"] = data_file_hashes(scenario, data_dir)
    estimate = point(scenario, seed, provenance, data_dir, trend=notes.get("demand_trend"))
    return ForecastResult(
        scenario=scenario.name, scenario_hash=scenario_hash(scenario), seed=seed, samples=n,
        version=__version__, quarters=tuple(str(q) for q in quarters), stats=summary.stats,
        units=units, events=summary.events, inputs=_inputs_table(inputs, values), tables=tables,
        notes=notes, description=scenario.description, point=estimate,
        draws={**values, **derived} if keep_samples else {},
        outcomes=outcomes if keep_samples else {})
