"""The model on given input values: per-sample outcomes for sensitivity analysis and goal-seek.

:func:`evaluate` is :func:`forecast.engine.run` with some (or all) inputs *given* instead of drawn:
the same collection of inputs, the same kernels (:func:`~forecast.engine.paths.log_paths`,
:func:`~forecast.engine.supply_demand.exhaustion`, :func:`~forecast.engine.cost.sample_costs`), but
it returns one outcome per sample instead of summaries, so a caller can put a design of input
values through the model in one vectorised call (``n`` = rows of the design).

:func:`axes` lists the inputs that can be varied, each with its inverse CDF, so that a point of the
unit hypercube maps to input values: the scenario's uncertain inputs (fixed ones have no spread),
plus two that the engine draws itself:

* ``demand.historical.growth`` when the growth is fitted (``growth: fit``): the bootstrap
  distribution of the fitted slope, or the named fit's, as conditioned on the record;
* ``demand.historical.current_largest`` when the level is fitted (``current_largest: fit``): its
  own distribution (a design varies it independently of the growth; a run joins the two by the
  fit's correlation, docs/derivations.md §10);
* ``cost.compute.price_performance`` when it is fitted (``price_performance: fit``);
* ``demand.method_choice`` in a ``mixture``: the uniform that picks a sample's demand path
  (historical when it is below ``demand.historical_weight``, compute otherwise).

Given values are clipped to their unit's range, as drawn ones are. Inputs not given are drawn from
their own streams exactly as in ``run``; correlations that involve a given input are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.engine.inputs import clip_to_kind as _clip, collect_inputs, draw_inputs
from forecast.errors import Problem, ScenarioError
from forecast.models import sampling

__all__ = ["Axis", "Outcomes", "axes", "evaluate", "METHOD_CHOICE", "FITTED_GROWTH", "FITTED_LEVEL"]

METHOD_CHOICE = "demand.method_choice"
FITTED_GROWTH = "demand.historical.growth"
FITTED_LEVEL = "demand.historical.current_largest"
PRICE_PERFORMANCE = "cost.compute.price_performance"


@dataclass(frozen=True)
class Axis:
    """One input that can be varied: its unit kind and its inverse CDF ``ppf(u)`` (clipped)."""

    name: str
    kind: str
    ppf: Callable[[np.ndarray], np.ndarray]
    description: str

    def at(self, u: float) -> float:
        """The input's value at probability ``u`` (``at(0.5)`` is its median)."""
        return float(self.ppf(np.array([u]))[0])


@dataclass(frozen=True)
class Outcomes:
    """Per-sample outcomes of :func:`evaluate` (arrays of shape (n,)).

    ``exhaustion``: quarter position of the first quarter with demand ≥ stock (``len(quarters)``
    after the horizon), or None without a supply section. ``costs``: as
    :func:`forecast.engine.cost.sample_costs` [USD, fraction], empty without a cost section.
    """

    quarters: tuple[str, ...]
    exhaustion: np.ndarray | None
    costs: dict[str, np.ndarray]

    def exhaustion_year(self) -> np.ndarray:
        """The exhaustion quarter's end as a decimal year, ``inf`` after the horizon [yr]."""
        from forecast.units import Quarter

        ends = np.array([Quarter.parse(q).end_year for q in self.quarters] + [np.inf])
        return ends[self.exhaustion]


def _spec_axis(item: Any) -> Axis:
    dist = item.spec.to_distribution()
    kind = item.kind
    return Axis(item.name, kind, lambda u, d=dist, k=kind: _clip(d.ppf(np.asarray(u, dtype=float)), k),
                item.spec.text())


def axes(scenario: Any, data_dir: Path | None = None) -> dict[str, Axis]:
    """Every input of ``scenario`` with a spread, by dotted name (sorted)."""
    inputs = collect_inputs(scenario, None, data_dir)
    out = {name: _spec_axis(item) for name, item in inputs.items()
           if not isinstance(item.spec.to_distribution(), sampling.Fixed)}
    dem = scenario.demand
    if dem is not None and dem.historical is not None and dem.historical.uses_fit:
        from forecast.engine.demand_trend import historical_trend

        found = historical_trend(scenario, scenario.seed, data_dir)
        how = "bootstrap" if found.about is None else f"{found.about['method']} as of {found.about['as_of']}"
        if found.growth_ppf is not None:
            out[FITTED_GROWTH] = Axis(FITTED_GROWTH, "growth", found.growth_ppf,
                                      f"fitted on {dem.historical.fit.data} ({how})")
        if found.level_ppf is not None:
            out[FITTED_LEVEL] = Axis(FITTED_LEVEL, "tokens", found.level_ppf,
                                     f"level fitted on {dem.historical.fit.data} ({how})")
    if scenario.cost is not None and scenario.cost.compute.price_performance == "fit":
        from forecast.engine.trends import price_performance_ppf

        ppf, _ = price_performance_ppf(scenario.cost.compute.price_performance_fit, scenario.seed, data_dir)
        out[PRICE_PERFORMANCE] = Axis(PRICE_PERFORMANCE, "growth", ppf,
                                      "fitted on data/gpu_prices.csv ÷ data/hardware.csv")
    if dem is not None and dem.method == "mixture":
        weight = inputs["demand.historical_weight"].spec.to_distribution()
        if not (isinstance(weight, sampling.Fixed) and weight.value in (0.0, 1.0)):
            out[METHOD_CHOICE] = Axis(METHOD_CHOICE, "fraction", lambda u: np.asarray(u, dtype=float),
                                      "uniform 0 to 1: below historical_weight follows the historical trend")
    return dict(sorted(out.items()))


def evaluate(scenario: Any, values: dict[str, Any] | None = None, samples: int | None = None,
             seed: int | None = None, data_dir: Path | None = None, threads: int = 1) -> Outcomes:
    """Run the models with ``values`` (dotted name → scalar or array of shape (n,)) given.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    values : dict, optional
        Input values to use instead of draws; names as in :func:`axes` or ``inputs.csv``.
    samples : int, optional
        ``n`` (default: the length of the given arrays, else the scenario's sample count).
    seed : int, optional
        Seed of the inputs that are drawn (default: the scenario's).

    Raises
    ------
    ScenarioError
        A name that is not an input of the scenario (with the closest one).
    """
    values = dict(values or {})
    seed = scenario.seed if seed is None else int(seed)
    lengths = {np.size(v) for v in values.values() if np.ndim(v) > 0}
    if len(lengths) > 1:
        raise ValueError(f"given arrays differ in length: {sorted(lengths)}")
    n = int(samples) if samples is not None else (lengths.pop() if lengths else scenario.samples)
    inputs = collect_inputs(scenario, None, data_dir)
    known = set(inputs) | {FITTED_GROWTH, FITTED_LEVEL, METHOD_CHOICE, PRICE_PERFORMANCE}
    unknown = sorted(set(values) - known)
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], sorted(known), n=1, cutoff=0.6)
        raise ScenarioError([Problem("scenario", 0, 0, unknown[0], "not an input of this scenario",
                                     f"did you mean '{close[0]}'?" if close else
                                     "inputs are listed in reports/<name>/inputs.csv")])
    kinds = {name: item.kind for name, item in inputs.items()}
    kinds.update({FITTED_GROWTH: "growth", METHOD_CHOICE: "fraction", PRICE_PERFORMANCE: "growth"})
    kinds.setdefault(FITTED_LEVEL, "tokens")
    given = {name: _clip(np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=float), (n,))), kinds[name])
             for name, v in values.items()}
    drawn_inputs = {name: item for name, item in inputs.items() if name not in given}
    correlations = tuple(c for c in scenario.correlations if not set(c.inputs) & set(given))
    drawn = draw_inputs(drawn_inputs, seed, n, correlations, threads=threads)
    if (scenario.cost is not None and scenario.cost.compute.price_performance == "fit"
            and PRICE_PERFORMANCE not in given):
        from forecast.engine.trends import price_performance_draws

        drawn[PRICE_PERFORMANCE], _ = price_performance_draws(scenario.cost.compute.price_performance_fit,
                                                             seed, n, data_dir)
    drawn.update(given)
    exhaustion = None
    if scenario.supply is not None:
        from forecast.engine.paths import exhaustion_is_log_linear, log_paths
        from forecast.engine.supply_demand import exhaustion as solve

        # only the exhaustion quarter is wanted: a scenario scanned for its gap prices alone is solved
        exhaustion = solve(log_paths(scenario, drawn, seed, n, data_dir, {}, threads), threads,
                           log_linear=exhaustion_is_log_linear(scenario))
    costs: dict[str, np.ndarray] = {}
    if scenario.cost is not None:
        from forecast.engine.cost import sample_costs

        costs = sample_costs(scenario, drawn, data_dir)
    return Outcomes(tuple(str(q) for q in scenario.horizon.quarters), exhaustion, costs)
