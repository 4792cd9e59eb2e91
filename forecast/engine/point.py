"""Point estimate: every input at its median, through the kernels of the Monte Carlo run.

The median of an input is its distribution's inverse CDF at 0.5, clipped to its unit's range exactly
as a drawn value would be (``engine.run`` with every uniform fixed at 0.5). Two choices that a
single draw cannot make are made explicit here and in docs/exports.md:

* a ``mixture`` of demand paths is their probability-weighted mean
  (:func:`forecast.models.demand.mixture_mean`), since a coin flip between two paths has no median;
* a fitted demand growth (``growth: fit``) is the median of its bootstrap or fit, and a fitted
  level (``current_largest: fit``) the median of its own distribution (both as conditioned on the
  record, docs/derivations.md §10); the Monte Carlo run at uniforms of 0.5 draws the same pair.

Passing ``values`` replaces inputs (unclipped, as a spreadsheet takes them): the workbook test
runs the model with every input times 1.1 this way. A run sized ``cheapest_for_target`` is sized by
the engine's grid search at the point inputs; its size is then reported as the inputs
``cost.run.params`` and ``cost.run.tokens``, and values given for those are used as they are.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from forecast.engine import paths as P
from forecast.engine.cost import CostInputs, breakdown_values, hardware_row, run_size
from forecast.engine.demand_trend import LEVEL, HistoricalTrend, historical_trend
from forecast.engine.inputs import clip_to_kind, collect_inputs
from forecast.engine.metrics import STOCK_TERMS
from forecast.engine.scan import ScanState, scan
from forecast.engine.supply_demand import quarter_values
from forecast.models import compute_cost as CC
from forecast.models import data_cost as DC
from forecast.models import demand as D
from forecast.result import PointEstimate
from forecast.schema.uncertain import describe

__all__ = ["point", "CONSTANTS"]

#: Unit conversions and model constants the kernels use, for the workbook's formulas:
#: name -> (value, unit, source). Each equals the literal in forecast/models/.
CONSTANTS = {
    "flop_per_param_token": (6.0, "FLOP/(parameter·token)",
                             "training compute C = 6ND (Kaplan et al. 2020, Sec. 2.1; Hoffmann et al. 2022)"),
    "inference_flop_per_param_token": (2.0, "FLOP/(parameter·token)",
                                       "a forward pass costs 2N FLOP per token (Kaplan et al. 2020, Table 1)"),
    "seconds_per_hour": (CC.SECONDS_PER_HOUR, "s/h", "unit conversion"),
    "tokens_per_million": (CC.TOKENS_PER_MILLION, "tokens/Mtok", "unit conversion"),
    "watts_per_kilowatt": (CC.WATTS_PER_KILOWATT, "W/kW", "unit conversion"),
    "hours_per_year": (CC.HOURS_PER_YEAR, "h/yr", "365.25 days × 24 h, as in Cottier et al. 2024"),
    "years_per_quarter": (0.25, "yr", "unit conversion"),
}


def _historical(scenario: Any, seed: int, data_dir: Path | None, trend: Any) -> HistoricalTrend | None:
    """Where the historical path's level and growth come from, when the point model uses it."""
    demand = scenario.demand
    if scenario.supply is None or demand is None or demand.method not in ("historical", "mixture"):
        return None
    return historical_trend(scenario, seed, data_dir, trend)


def _inputs(scenario: Any, provenance: dict[str, str], data_dir: Path | None, seed: int,
            found: HistoricalTrend | None) -> list[dict[str, Any]]:
    rows = []
    for name, item in collect_inputs(scenario, provenance, data_dir).items():
        p5, p50, p95 = clip_to_kind(item.spec.to_distribution().ppf(np.array([0.05, 0.5, 0.95])), item.kind)
        rows.append({"input": name, "kind": item.kind, "value": float(p50), "p5": float(p5), "p95": float(p95),
                     "distribution": describe(item.spec), "source": item.spec.source or "",
                     "set_at": item.set_at})
    hist = scenario.demand.historical if found is not None else None
    levels = np.array([0.05, 0.5, 0.95])
    if hist is not None and hist.growth == "fit":
        fit = hist.fit
        ppf, about = found.growth_ppf, found.about
        p5, p50, p95 = ppf(levels)
        if about is not None:  # a named trend method (docs/trends.md), as the Monte Carlo run uses
            distribution = f"{about['method']} fit of data/{fit.data} as of {about['as_of']}"
            source = f"trend fit of data/{fit.data} ({about['method']}, as of {about['as_of']})"
        else:
            distribution = f"bootstrap of a log-linear fit to data/{fit.data}, {fit.start_year}-{fit.end_year}"
            source = f"fit of data/{fit.data} (log-linear OLS, {fit.bootstrap} bootstrap resamples)"
        rows.append({"input": "demand.historical.growth", "kind": "growth", "value": float(p50),
                     "p5": float(p5), "p95": float(p95), "distribution": distribution, "source": source,
                     "set_at": provenance.get("demand.historical.fit", provenance.get("demand.historical.growth", ""))})
    if hist is not None and found.level_ppf is not None:
        p5, p50, p95 = found.level_ppf(levels)
        level = found.level
        rows.append({"input": LEVEL, "kind": "tokens", "value": float(p50), "p5": float(p5), "p95": float(p95),
                     "distribution": "fit: " + level["fitted"] + (f"; {level['bound']}" if level["bound"] else ""),
                     "source": f"trend fit of data/{hist.fit.data} ({level['method']}, as of {level['as_of']})",
                     "set_at": provenance.get(LEVEL, provenance.get("demand.historical.fit", ""))})
    if scenario.cost is not None and scenario.cost.compute.price_performance == "fit":
        from forecast.engine.trends import price_performance_ppf

        ppf, about = price_performance_ppf(scenario.cost.compute.price_performance_fit, seed, data_dir)
        p5, p50, p95 = ppf(levels)
        rows.append({"input": "cost.compute.price_performance", "kind": "growth", "value": float(p50),
                     "p5": float(p5), "p95": float(p95),
                     "distribution": f"{about['method']} fit of price-performance as of {about['as_of']}",
                     "source": "trend fit of data/gpu_prices.csv ÷ data/hardware.csv (docs/trends.md)",
                     "set_at": provenance.get("cost.compute.price_performance_fit",
                                              provenance.get("cost.compute.price_performance", ""))})
    return sorted(rows, key=lambda row: row["input"])


def _settings(scenario: Any, data_dir: Path | None, found: HistoricalTrend | None = None) -> list[dict[str, Any]]:
    from forecast.io.references import read_reference, row_line

    rows = [{"name": k, "value": v, "unit": u, "source": s, "set_at": "forecast/models"}
            for k, (v, u, s) in CONSTANTS.items()]
    quarters = scenario.horizon.quarters
    rows.append({"name": "horizon.first_quarter_end", "value": quarters[0].end_year, "unit": "yr",
                 "source": f"horizon start {quarters[0]} (a quarter is evaluated at its end)", "set_at": "scenario"})
    if scenario.supply is not None:
        frame = read_reference("text_stock.csv", data_dir)
        for component in scenario.supply.include:
            index = frame.index[frame["component"] == component][0]
            rows.append({"name": f"supply.sources.{component}.reference_year",
                         "value": float(frame.loc[index, "reference_year"]), "unit": "yr",
                         "source": str(frame.loc[index, "source"]),
                         "set_at": f"data/text_stock.csv:{row_line(frame, index)}"})
    dyn = scenario.supply.dynamics if scenario.supply is not None else None
    if dyn is not None and dyn.human_share == "data":
        years = np.array([q.end_year for q in quarters])
        for q, value in zip(quarters, P.human_share_series(dyn.human_share_data, data_dir, years)):
            rows.append({"name": f"supply.dynamics.human_share.{q}", "value": float(value), "unit": "fraction",
                         "source": f"data/{dyn.human_share_data} interpolated at the middle of {q}",
                         "set_at": f"data/{dyn.human_share_data}"})
    if scenario.demand is not None:
        for path in ("historical", "compute"):
            section = getattr(scenario.demand, path)
            if section is not None and scenario.demand.method in (path, "mixture"):
                if path == "historical" and found is not None and found.level_ppf is not None:
                    rows.append({"name": "demand.historical.reference_year", "value": found.reference_year,
                                 "unit": "yr", "source": f"start of {found.level['reference']}: the fit's level "
                                 f"is at the end of its as-of quarter {found.level['as_of']}", "set_at": "fit"})
                    continue
                rows.append({"name": f"demand.{path}.reference_year", "value": section.reference.ordinal / 4.0,
                             "unit": "yr", "source": f"reference quarter {section.reference} (its start)",
                             "set_at": "scenario"})
    if scenario.cost is not None:
        comp = scenario.cost.compute
        frame = read_reference("hardware.csv", data_dir)
        index = frame.index[frame["accelerator"] == comp.accelerator][0]
        where = f"data/hardware.csv:{row_line(frame, index)}"
        hw = hardware_row(comp.accelerator, data_dir)
        column = {"bf16": "peak_bf16_flops", "fp8": "peak_fp8_flops"}[comp.precision]
        rows.append({"name": "cost.compute.peak_flops", "value": float(hw[column]), "unit": "FLOP/s",
                     "source": f"{comp.accelerator} {column}: {hw['source']}", "set_at": where})
        if comp.method == "amortised":
            rows.append({"name": "cost.compute.tdp_w", "value": float(hw["tdp_w"]), "unit": "W",
                         "source": f"{comp.accelerator} tdp_w: {hw['source']}", "set_at": where})
        rows.append({"name": "cost.run.date_year", "value": scenario.cost.run.date.ordinal / 4.0, "unit": "yr",
                     "source": f"run date {scenario.cost.run.date} (its start)", "set_at": "scenario"})
        rows.append({"name": "cost.compute.price_reference_year", "value": comp.price_reference.ordinal / 4.0,
                     "unit": "yr", "source": f"price reference {comp.price_reference} (its start)",
                     "set_at": "scenario"})
        if scenario.mixes is not None:
            for k, share in enumerate(scenario.mixes.synthetic_shares, 1):
                rows.append({"name": f"mixes.synthetic_shares.{k}", "value": float(share), "unit": "fraction",
                             "source": "synthetic share compared in mixes", "set_at": "scenario"})
    return rows


def point(scenario: Any, seed: int | None = None, provenance: dict[str, str] | None = None,
          data_dir: Path | None = None, values: dict[str, float] | None = None,
          trend: Any = None) -> PointEstimate:
    """Evaluate the scenario once with every input at its median.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    seed : int, optional
        Seed of the trend bootstrap when demand growth is fitted (default: the scenario's).
    provenance : dict, optional
        Dotted input name → ``file:line``, for the inputs table.
    data_dir : Path, optional
        Folder of reference CSVs.
    values : dict, optional
        Input name → value to use instead of the median [base units].
    trend : TrendFitResult, optional
        An already fitted demand trend (the Monte Carlo run passes its own).

    Returns
    -------
    PointEstimate
    """
    seed = scenario.seed if seed is None else int(seed)
    found = _historical(scenario, seed, data_dir, trend)
    rows = _inputs(scenario, provenance or {}, data_dir, seed, found)
    use = {row["input"]: row["value"] for row in rows}
    use.update(values or {})
    for row in rows:
        row["value"] = float(use[row["input"]])
    arrays = {name: np.array([float(v)]) for name, v in use.items()}
    quarters = tuple(str(q) for q in scenario.horizon.quarters)
    series: dict[str, np.ndarray] = {}
    scalars: dict[str, float] = {}
    exhaustion = None
    if scenario.supply is not None:
        series, scalars["repetition_multiplier"], first = _supply_demand(
            scenario, arrays, data_dir, found.reference_year if found is not None else None)
        exhaustion = quarters[first] if first < len(quarters) else None
    mixes = None
    if scenario.cost is not None:
        # an unreachable target gives infinite tokens; inf × a 0% share is nan, as in the Monte Carlo
        # breakdown, which ignores the same warning
        with np.errstate(invalid="ignore"):
            ci = CostInputs(scenario, arrays, data_dir)
            params, tokens = _run_size(scenario, ci, arrays, rows)
            scalars.update(_cost_scalars(ci, params, tokens))
            mixes = _mixes(scenario, ci, params, tokens)
    return PointEstimate(scenario=scenario.name, quarters=quarters, inputs=pd.DataFrame(rows),
                         settings=pd.DataFrame(_settings(scenario, data_dir, found)), series=series,
                         exhaustion=exhaustion, scalars=scalars, mixes=mixes,
                         methods=_methods(scenario))


# --- stock versus demand ------------------------------------------------------------------------

def _each_quarter(kernel: Callable[[float], np.ndarray], taus: np.ndarray) -> np.ndarray:
    """``kernel(tau)`` (shape ``(1,)``) at every quarter, as the scan's rows are computed: ``(1, q)``."""
    return np.stack([kernel(float(tau)) for tau in taus], axis=1)


def _demand_series(demand: Any, get: Callable[[str], np.ndarray], origin: float, taus: np.ndarray,
                   rows: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   reference_year: float | None = None) -> dict[str, np.ndarray]:
    """The demand paths the method uses and the demand, each ``(1, q)`` [tokens].

    The historical trend's rows are :func:`~forecast.engine.supply_demand.quarter_values` (carried
    within blocks of quarters) even when the scenario is scanned; the compute path's are ``rows``.
    With a compute ceiling (``compute`` or ``mixture``), every path the method uses is the tapered
    one, as in the scan. A ``mixture`` is the probability-weighted mean.
    """
    out: dict[str, np.ndarray] = {}
    limited = demand.method in ("compute", "mixture") and demand.compute.limit is not None
    if limited:  # growth slows at the ceiling (Sevilla et al. 2024), on both paths, as in the scan
        cap, after = P.ceiling_coefficients(demand, get)
        tapered = lambda a, b: _each_quarter(lambda tau: D.tapered_log_linear(a, b, tau, cap, after), taus)  # noqa: E731
    if demand.method in ("historical", "mixture"):
        a, b = P.historical_coefficients(demand, get, get("demand.historical.growth"), origin,
                                         reference_year=reference_year)
        out["demand.historical"] = tapered(a, b) if limited else quarter_values(a, b, taus)
    if demand.method in ("compute", "mixture"):
        a, b = P.compute_coefficients(demand, get, origin)
        out["demand.compute"] = tapered(a, b) if limited else rows(a, b)
    if demand.method == "mixture":
        weight = get("demand.historical_weight")[:, None]
        out["demand"] = D.mixture_mean(out["demand.historical"], out["demand.compute"], weight)
    else:
        out["demand"] = out[f"demand.{demand.method}"]
    return out


def _supply_demand(scenario: Any, arrays: dict[str, np.ndarray], data_dir: Path | None,
                   reference_year: float | None = None) -> tuple[dict[str, np.ndarray], float, int]:
    """Quarterly series of stock and demand at the point inputs, the repetition multiplier, exhaustion.

    The same path coefficients as the Monte Carlo run (:mod:`forecast.engine.paths`) and the same
    per-quarter step (:func:`forecast.engine.scan.quarter_step`) on one sample, so a one-sample run
    at the same inputs gives the same numbers. Rows of a log-linear scenario are carried within blocks
    of quarters as :func:`~forecast.engine.supply_demand.summarise_quarters` carries them; a scanned
    one's are exp(a + b·τ) at each quarter, as :func:`~forecast.engine.scan.run_pass` computes them.
    Series (shape ``(q,)``): ``usable.<component>`` (tokens before repetition) and, where the
    dynamics act, ``human.<component>`` (its human stock, effective); ``stock`` (effective) and its
    terms with dynamics; ``demand.historical``, ``demand.compute`` (those the method uses),
    ``demand``; ``ratio``, ``synthetic_needed``, ``synthetic_share``; with a chosen synthetic share
    ``demand_human`` and ``synthetic_share_chosen``.
    """
    supply = scenario.supply
    get = arrays.__getitem__
    years = P.quarter_ends(scenario)
    origin = float(years[0])
    taus = years - origin
    if P.is_scanned(scenario):
        rows = lambda a, b: _each_quarter(lambda tau: D.log_linear(a, b, tau), taus)  # noqa: E731
    else:
        rows = lambda a, b: quarter_values(a, b, taus)  # noqa: E731
    multiplier = P.repetition(supply, get)
    ref_years = P.reference_years(supply, data_dir)
    extra = P.dynamics_inputs(scenario, arrays, multiplier, years, data_dir)
    series: dict[str, np.ndarray] = {"years": years}
    webs = []
    for i, component in enumerate(supply.include):
        usable = P.source_coefficients(supply, get, component, 1.0, ref_years[component], origin)
        series[f"usable.{component}"] = rows(*usable)[0]
        if extra.dynamic[i]:
            series[f"human.{component}"] = np.empty(taus.size)
        webs.append(rows(*P.source_coefficients(supply, get, component, multiplier, ref_years[component], origin)))
    demand = _demand_series(scenario.demand, get, origin, taus, rows, reference_year)
    scanned = ["stock", *(STOCK_TERMS if extra.has_dynamics else ())]
    series.update({name: np.empty(taus.size) for name in scanned})
    series.update({name: v[0] for name, v in demand.items()})
    scanned += ["ratio", "synthetic_needed", "synthetic_share"]
    if extra.chosen_share is not None:  # demand.synthetic_choice: the human part and the chosen share
        scanned += ["demand_human", "synthetic_share_chosen"]
    series.update({name: np.empty(taus.size) for name in scanned if name not in series})
    state = ScanState.start(1, len(webs))

    def record(k: int, out: dict[str, np.ndarray]) -> None:
        for name in scanned:
            series[name][k] = out[name][0]
        for i, component in enumerate(supply.include):
            if extra.dynamic[i]:
                series[f"human.{component}"][k] = state.human[i][0]

    first = scan(extra, taus, lambda k, tau: ([w[:, k] for w in webs], demand["demand"][:, k]), state, record)
    return series, float(np.asarray(multiplier).ravel()[0]), int(first[0])


# --- cost ---------------------------------------------------------------------------------------

def _methods(scenario: Any) -> dict[str, str]:
    """Which method each section uses: demand path, compute pricing, synthetic data, each mix kind."""
    methods: dict[str, str] = {}
    if scenario.demand is not None:
        methods["demand"] = scenario.demand.method
    if scenario.cost is not None:
        cost = scenario.cost
        methods.update({"compute": cost.compute.method, "synthetic_data": cost.synthetic_data.method})
        for kind in ("human", "expert", "synthetic"):
            given = getattr(cost.run.mix, kind)
            methods[f"mix.{kind}"] = "rest" if given == "rest" else "none" if given is None else "given"
    return methods


def _run_size(scenario: Any, ci: CostInputs, arrays: dict[str, np.ndarray],
              rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Parameters and tokens of the run: given, or sized by the engine and then listed in ``rows``."""
    if "cost.run.params" in arrays and "cost.run.tokens" in arrays:
        params, tokens = arrays["cost.run.params"], arrays["cost.run.tokens"]
    else:
        params, tokens = run_size(ci, arrays)
    if scenario.cost.run.size != "given":  # the engine sized the run: report its size as inputs the formulas read
        for name, kind, v in (("cost.run.params", "params", params), ("cost.run.tokens", "tokens", tokens)):
            rows.append({"input": name, "kind": kind, "value": float(v[0]), "p5": float("nan"),
                         "p95": float("nan"), "distribution": "cheapest run for cost.target at point inputs",
                         "source": "engine: grid search over cost.target.params_grid", "set_at": ""})
        rows.sort(key=lambda row: row["input"])
    return params, tokens


def _first(v: Any) -> float:
    return float(np.asarray(v, dtype=float).ravel()[0])


def _cost_scalars(ci: CostInputs, params: np.ndarray, tokens: np.ndarray) -> dict[str, float]:
    """The cost breakdown of the run and the prices it is built from [USD, USD/h, USD/token, x]."""
    scalars = {item: _first(v) for (item, _), v in breakdown_values(ci, params, tokens).items()}
    scalars.update({"price_factor": _first(ci.price_factor), "usd_per_gpu_hour": _first(ci.hourly),
                    "human_per_token": _first(ci.human_per_token), "expert_per_token": _first(ci.expert_per_token),
                    "generation_per_token": _first(ci.generation_per_token),
                    "verification_per_token": _first(ci.verification_per_token)})
    return scalars


def _mixes(scenario: Any, ci: CostInputs, params: np.ndarray, tokens: np.ndarray) -> pd.DataFrame:
    """The run priced at its own mix and at each of ``mixes.synthetic_shares``: tokens and USD by item."""
    mix_rows = [("run", ci.synthetic_share, ci.expert_share)]
    if scenario.mixes is not None:
        mix_rows += [(f"mixes.synthetic_shares.{k}", np.array([s]), np.minimum(ci.expert_share, 1.0 - s))
                     for k, s in enumerate(scenario.mixes.synthetic_shares, 1)]
    data_items = ("human_data", "expert_data", "synthetic_generation", "verification")
    table = []
    for label, share, expert in mix_rows:
        b = breakdown_values(ci, params, tokens, share, expert)
        data = sum(_first(b[(k, "usd")]) for k in data_items)
        human_all, synthetic = DC.split_mix(tokens, share)
        table.append({"mix": label, "synthetic_share": _first(share), "expert_share": _first(expert),
                      "human_tokens": _first(human_all - tokens * expert), "synthetic_tokens": _first(synthetic),
                      **{k: _first(b[(k, "usd")]) for k in data_items},
                      "data": data, "compute": _first(b[("compute", "usd")]), "total": _first(b[("total", "usd")])})
    return pd.DataFrame(table)
