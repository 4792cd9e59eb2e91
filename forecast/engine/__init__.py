"""The one place where schema, data, fits and models meet: ``run(scenario, seed) → ForecastResult``.

``run`` is a pure function of its arguments (the scenario, the seed, the sample count and the
reference CSVs): same inputs, identical arrays, whatever the number of threads. Every argument is
picklable, so the same call runs in-process or on a Dask worker.

``run(..., outputs="headline")`` (or :func:`headline_run`) is the path for callers that need only the
exhaustion distribution and the cost tables (sweeps, sensitivity, goal-seek): it skips the
per-quarter summaries and the inputs table, so its work is O(samples), and its events, tables and
notes are identical to those of the full run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from forecast._version import __version__
from forecast.engine.blocks import Summariser
from forecast.engine.blocks import quantiles as select_quantiles
from forecast.engine.inputs import collect_inputs, draw_inputs
from forecast.engine.point import point
from forecast.result import CENTRAL_90, ForecastResult, label
from forecast.schema import Scenario
from forecast.schema.uncertain import describe

__all__ = ["run", "headline_run", "point", "OUTPUTS"]

#: What :func:`run` computes: everything, only the headline (events, cost tables, notes), or the
#: headline without pricing the scenario's own run (the mix curve answers a cheapest-share question).
OUTPUTS = ("full", "headline", "mixes")

Progress = Callable[[int, int], None]


def _inputs_table(inputs: dict[str, Any], values: dict[str, np.ndarray], threads: int = 1) -> pd.DataFrame:
    names = list(inputs)

    def levels(name: str) -> dict[str, float]:  # = result.quantiles(values[name], CENTRAL_90), by selection
        return {label(p): float(q) for p, q in zip(CENTRAL_90, select_quantiles(values[name], CENTRAL_90))}

    if threads > 1 and len(names) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            qs = list(pool.map(levels, names))
    else:
        qs = [levels(name) for name in names]
    rows = []
    for (name, item), q in zip(inputs.items(), qs):
        rows.append({"input": name, "kind": item.kind, "dist": item.spec.dist,
                     "distribution": describe(item.spec), **q,
                     "source": item.spec.source or "", "note": item.spec.note or "", "set_at": item.set_at})
    return pd.DataFrame(rows, columns=["input", "kind", "dist", "distribution", *map(label, CENTRAL_90),
                                       "source", "note", "set_at"])


def _fitted_rows(scenario: Scenario, derived: dict[str, np.ndarray], notes: dict[str, Any],
                 provenance: dict[str, str] | None) -> list[dict[str, Any]]:
    """Rows of the inputs table for a level and a growth drawn from a trend fit (not inputs the
    scenario states, so :func:`_inputs_table` does not list them): what they are, their spread
    over the samples, and where the scenario asks for them."""
    from forecast.engine.demand_trend import GROWTH, LEVEL

    provenance = provenance or {}
    hist = scenario.demand.historical if scenario.demand is not None else None
    if hist is None or not hist.uses_fit or GROWTH not in derived:
        return []
    fit, about, level = hist.fit, notes.get("demand_trend_fit"), notes.get("demand_level")
    source = f"trend fit of data/{fit.data} (docs/trends.md)"
    rows = []
    if hist.level_from_fit and LEVEL in derived and level is not None:
        rows.append((LEVEL, "tokens", "fit: " + level["fitted"] + (f"; {level['bound']}" if level["bound"] else ""),
                     derived[LEVEL], source))
    if hist.growth == "fit":
        if about is not None:
            text = (f"fit: {about['method']} as of {about['as_of']}, {about['growth']:+.3f} ± "
                    f"{about['growth_sd']:.3f} OOM/yr ({10 ** about['growth']:.2f}x/yr)")
            if fit.frontier.rule == "record":
                text += "; a record: never below 1x/yr"
        else:
            text = (f"fit: bootstrap of a log-linear fit to data/{fit.data}, {fit.start_year}-{fit.end_year} "
                    f"({fit.bootstrap:,} resamples)")
        rows.append((GROWTH, "growth", text, derived[GROWTH], source))
    out = []
    for name, kind, text, values, src in rows:
        qs = select_quantiles(np.asarray(values, dtype=float), CENTRAL_90)
        out.append({"input": name, "kind": kind, "dist": "fit", "distribution": text,
                    **{label(p): float(q) for p, q in zip(CENTRAL_90, qs)}, "source": src, "note": "",
                    "set_at": provenance.get(name, provenance.get("demand.historical.fit", ""))})
    return out


def run(scenario: Scenario, seed: int | None = None, samples: int | None = None,
        provenance: dict[str, str] | None = None, data_dir: Path | None = None,
        progress: Progress | None = None, keep_samples: bool = False, outputs: str = "full",
        threads: int | None = None) -> ForecastResult:
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
    outputs : {"full", "headline", "mixes"}
        ``"headline"``: events, cost tables and notes only (no per-quarter ``stats``, no inputs
        table, no point estimate); the same numbers as the full run for those. ``"mixes"``: the
        same without the scenario's own priced run (no ``cost_breakdown``), for questions the mix
        curve answers (the cheapest synthetic share); its curve is the full run's.
    threads : int, optional
        Threads for drawing inputs and summarising quarters (default: the cores this process may
        use). Results do not depend on it.

    Returns
    -------
    ForecastResult
    """
    from forecast.io.scenario import scenario_hash

    if outputs not in OUTPUTS:
        raise ValueError(f"outputs must be one of {OUTPUTS}, got {outputs!r}")
    seed = scenario.seed if seed is None else int(seed)
    n = scenario.samples if samples is None else int(samples)
    quarters = scenario.horizon.quarters
    inputs = collect_inputs(scenario, provenance, data_dir)
    from forecast.engine.supply_demand import default_threads

    threads = default_threads() if threads is None else max(1, int(threads))
    values = draw_inputs(inputs, seed, n, scenario.correlations, provenance, threads=threads)
    notes: dict[str, Any] = {}
    if scenario.cost is not None and scenario.cost.compute.price_performance == "fit":
        from forecast.engine.trends import price_performance_draws

        values["cost.compute.price_performance"], notes["price_performance_fit"] = price_performance_draws(
            scenario.cost.compute.price_performance_fit, seed, n, data_dir)
    table = _inputs_table(inputs, values, threads) if outputs == "full" else None
    summary = Summariser(n, len(quarters))
    units: dict[str, str] = {}
    tables: dict[str, pd.DataFrame] = {}
    outcomes: dict[str, np.ndarray] = {}
    derived: dict[str, np.ndarray] = {}
    paths = None
    if scenario.supply is not None:
        from forecast.engine.metrics import METRICS, metrics
        from forecast.engine.paths import log_paths
        from forecast.engine.supply_demand import exhaustion

        paths = log_paths(scenario, values, seed, n, data_dir, notes, threads, derived)
        fitted = _fitted_rows(scenario, derived, notes, provenance) if table is not None else []
        if fitted:
            table = pd.concat([table, pd.DataFrame(fitted, columns=table.columns)], ignore_index=True)
        if paths.extra is None:
            summary.events["exhaustion"] = exhaustion(paths, threads)
        if outputs == "full":
            units.update(METRICS)
            units.update(metrics(scenario))
    if scenario.cost is not None:
        from forecast.engine.cost import run_cost

        tables.update(run_cost(scenario, values, seed, n, data_dir, notes, outcomes, price_run=outputs != "mixes"))
    draws = {**values, **derived} if keep_samples else {}
    del values, derived  # the per-quarter pass needs only the coefficients: free the drawn inputs first
    if paths is not None and paths.extra is not None:
        from forecast.engine.scan import run_pass

        # a stock with dynamics is not log-linear: exhaustion by a scan, in the pass that summarises
        first, gap_tables = run_pass(paths, summary if outputs == "full" else None,
                                     progress if outputs == "full" else None)
        summary.events["exhaustion"] = first
        tables.update(gap_tables)
    elif paths is not None and outputs == "full":
        from forecast.engine.supply_demand import summarise_quarters

        summarise_quarters(paths, summary, threads, progress)
    from forecast.io.references import data_file_hashes

    notes["data_files"] = data_file_hashes(scenario, data_dir)
    # the point estimate feeds the workbook and exports of a full run; callers of the headline
    # path (sweeps, goal-seek, sensitivity) run it hundreds of times and never read it
    estimate = (point(scenario, seed, provenance, data_dir, trend=notes.get("demand_trend"))
                if outputs == "full" else None)
    return ForecastResult(
        scenario=scenario.name, scenario_hash=scenario_hash(scenario), seed=seed, samples=n,
        version=__version__, quarters=tuple(str(q) for q in quarters), stats=summary.stats,
        units=units, events=summary.events, inputs=table, tables=tables,
        notes=notes, description=scenario.description, point=estimate,
        draws=draws, outcomes=outcomes if keep_samples else {})


def headline_run(scenario: Scenario, seed: int | None = None, samples: int | None = None,
                 data_dir: Path | None = None, threads: int | None = None) -> ForecastResult:
    """``run(scenario, seed, samples, outputs="headline")``: exhaustion quarters and cost tables only.

    O(samples) work: inputs are drawn, each sample's exhaustion quarter is solved in closed form
    (:mod:`forecast.models.crossing`) and the cost model runs as in the full run; no quarter is
    summarised. ``events``, ``tables`` and ``notes`` equal those of :func:`run`.
    """
    return run(scenario, seed, samples, data_dir=data_dir, outputs="headline", threads=threads)
