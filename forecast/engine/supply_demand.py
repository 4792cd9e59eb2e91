"""Human-text stock versus training-data demand, quarter by quarter (Villalobos et al. 2024)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.engine.blocks import Summariser, block_size
from forecast.models import demand as D
from forecast.models import sampling
from forecast.models import scaling, stock
from forecast.units import Quarter

__all__ = ["METRICS", "EVENTS", "evaluate_paths", "repetition", "run_supply_demand", "fit_demand_trend"]

#: metric -> unit of its values.
METRICS = {
    "stock": "tokens",
    "demand": "tokens",
    "ratio": "ratio",
    "synthetic_needed": "tokens",
    "synthetic_share": "fraction",
}
EVENTS = {"exhaustion": "first quarter the largest run's dataset ≥ the effective human stock"}


def _start_year(quarter: Quarter) -> float:
    return quarter.ordinal / 4.0


def fit_demand_trend(fit: Any, seed: int, data_dir: Path | None):
    """Fit the historical dataset-size trend named by a scenario's ``demand.historical.fit``."""
    from forecast.fit.trend import decimal_year, fit_log_trend
    from forecast.io.references import read_reference

    frame = read_reference(fit.data, data_dir)
    years = decimal_year(frame["date"])
    keep = (years >= fit.start_year) & (years < fit.end_year + 1)
    rng = sampling.input_rng(seed, "demand.historical.fit")
    return fit_log_trend(years[keep], frame["training_tokens"].to_numpy(dtype=float)[keep],
                         fit.bootstrap, rng, frontier_only=fit.frontier_only)


def _fit_seed(seed: int, name: str) -> int:
    """Seed of a trend fit (Prophet's sampler), from the scenario seed and the input's name."""
    return int(sampling.input_rng(seed, name).integers(0, 2**31 - 1))


def _demand_growth(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
                   data_dir: Path | None, notes: dict[str, Any]) -> np.ndarray:
    hist = scenario.demand.historical
    if hist.growth != "fit":
        return values["demand.historical.growth"]
    if hist.fit.method is not None:
        from forecast.engine.trends import chosen_fit

        fit, about = chosen_fit("dataset_tokens", hist.fit.settings(), data_dir,
                                _fit_seed(seed, "demand.historical.fit"), start_year=hist.fit.start_year,
                                models_csv=hist.fit.data)
        notes["demand_trend_fit"] = about
        return fit.growth_ppf(sampling.uniforms(seed, "demand.historical.growth", n))
    trend = fit_demand_trend(hist.fit, seed, data_dir)
    notes["demand_trend"] = trend
    return trend.growth_ppf(sampling.uniforms(seed, "demand.historical.growth", n))


def repetition(supply: Any, col: Callable[[str], np.ndarray]) -> np.ndarray:
    """The repetition multiplier: given directly, or from epochs (Muennighoff et al. 2023) [x]."""
    if supply.repetition.multiplier is not None:
        return col("supply.repetition.multiplier")
    return scaling.repetition_multiplier(col("supply.repetition.epochs"),
                                         col("supply.repetition.decay_constant"))


def evaluate_paths(scenario: Any, col: Callable[[str], np.ndarray], t: np.ndarray, stock_rows: Any,
                   multiplier: np.ndarray, hist_growth: np.ndarray | None,
                   mix: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> dict[str, np.ndarray]:
    """Stock and demand at quarter-end years ``t`` (shape ``(1, b)``), with their parts.

    ``col(name)`` gives an input as a column ``(n, 1)``; ``mix(hist, comp)`` combines the two demand
    paths of a ``mixture`` (per sample in the Monte Carlo run, weighted in the point estimate).
    Returns ``usable.<component>`` per included source, ``stock`` (effective), and
    ``demand.historical``, ``demand.compute`` (those the method uses) and ``demand`` [tokens].
    """
    supply, dem = scenario.supply, scenario.demand
    out: dict[str, np.ndarray] = {}
    usable = 0.0
    for component in supply.include:
        ref_year = float(stock_rows.loc[component, "reference_year"])
        base = f"supply.sources.{component}"
        part = stock.usable_stock(col(f"{base}.stock"), col(f"{base}.growth"), t - ref_year,
                                  col(f"{base}.quality"))
        out[f"usable.{component}"] = part
        usable = usable + part
    out["stock"] = stock.effective_stock(usable, multiplier)
    if dem.method in ("historical", "mixture"):
        h = dem.historical
        hist = D.exponential_path(col("demand.historical.current_largest"), hist_growth,
                                  t - _start_year(h.reference))
        if h.overtraining is not None:
            hist = hist * np.sqrt(col("demand.historical.overtraining"))
        out["demand.historical"] = hist
    if dem.method in ("compute", "mixture"):
        c = dem.compute
        out["demand.compute"] = D.compute_path_tokens(col("demand.compute.current_largest"),
                                                      col("demand.compute.growth"), t - _start_year(c.reference),
                                                      col("demand.compute.tokens_per_param"),
                                                      col("demand.compute.overtraining"))
    if dem.method == "mixture":
        out["demand"] = mix(out["demand.historical"], out["demand.compute"])
    else:
        out["demand"] = out[f"demand.{dem.method}"]
    return out


def run_supply_demand(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
                      summary: Summariser, data_dir: Path | None, progress=None,
                      derived: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Evaluate stock, demand and the synthetic gap for every quarter of the horizon.

    ``derived``, when given, receives per-sample draws made here rather than from an input: the
    dataset growth drawn from the fitted trend [factor/yr] and the demand path of the mixture
    (``demand.method_choice``: 1 = historical trend, 0 = compute path).

    ``values`` holds the drawn inputs by dotted name, shape ``(n,)`` each. Returns notes for the
    result (e.g. the fitted trend).
    """
    notes: dict[str, Any] = {}
    supply, dem = scenario.supply, scenario.demand
    quarters = scenario.horizon.quarters
    t_end = np.array([q.end_year for q in quarters])

    def col(name: str) -> np.ndarray:
        return values[name][:, None]

    from forecast.io.references import read_reference

    stock_rows = read_reference("text_stock.csv", data_dir).set_index("component")
    multiplier = repetition(supply, col)
    derived = {} if derived is None else derived
    hist_growth = None
    if dem.method in ("historical", "mixture"):
        hist_growth = _demand_growth(scenario, values, seed, n, data_dir, notes)[:, None]
        derived["demand.historical.growth"] = hist_growth[:, 0]
    take_hist = None
    if dem.method == "mixture":
        take_hist = (sampling.uniforms(seed, "demand.method_choice", n)
                     < values["demand.historical_weight"])[:, None]
        derived["demand.method_choice"] = take_hist[:, 0].astype(float)

    step = block_size(n, len(quarters))
    mix = lambda hist, comp: D.mixture(hist, comp, take_hist)  # noqa: E731
    for start in range(0, len(quarters), step):
        paths = evaluate_paths(scenario, col, t_end[None, start:start + step], stock_rows, multiplier,
                               hist_growth, mix)
        eff, need = paths["stock"], paths["demand"]
        summary.add_metric("stock", start, eff)
        summary.add_metric("demand", start, need)
        summary.add_metric("ratio", start, need / eff)
        summary.add_metric("synthetic_needed", start, D.synthetic_gap(need, eff))
        summary.add_metric("synthetic_share", start, D.synthetic_share(need, eff))
        summary.add_event("exhaustion", start, need >= eff)
        if progress is not None:
            progress(min(start + step, len(quarters)), len(quarters))
    return notes
