"""Human-text stock versus training-data demand, quarter by quarter (Villalobos et al. 2024).

Every sample's demand and each stock source are exponentials in time, so the drawn inputs reduce
to two log-linear coefficients per sample and path (:class:`LogPaths`). From those:

* the exhaustion quarter of every sample is solved directly (:mod:`forecast.models.crossing`), in
  O(samples) work, not scanned quarter by quarter;
* each quarter's samples are one contiguous row, ``exp(a + b·τ)``, summarised on a thread pool
  (numpy releases the GIL in its loops); rows are independent, so any number of threads gives the
  same bytes.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.engine.blocks import Summariser
from forecast.models import crossing
from forecast.models import demand as D
from forecast.models import sampling
from forecast.models import scaling, stock
from forecast.units import Quarter

__all__ = ["METRICS", "EVENTS", "LogPaths", "log_paths", "exhaustion", "summarise_quarters",
           "evaluate_paths", "quarter_values", "repetition", "run_supply_demand", "fit_demand_trend",
           "default_threads"]

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


#: Fitted trends by (points, resamples, seed, frontier_only): a sweep re-runs the same fit hundreds of times.
_TREND_CACHE: dict[tuple, Any] = {}
_TREND_CACHE_SIZE = 32


def fit_demand_trend(fit: Any, seed: int, data_dir: Path | None):
    """Fit the historical dataset-size trend named by a scenario's ``demand.historical.fit``.

    Results are cached by the fitted points themselves (not the file name), the resample count,
    the seed and the frontier flag, so a changed CSV is refitted.
    """
    from forecast.errors import DataError
    from forecast.fit.trend import decimal_year, fit_log_trend
    from forecast.io.references import DATA_FILE_COLUMNS, read_reference

    frame = read_reference(fit.data, data_dir)
    need = DATA_FILE_COLUMNS["trend"]
    missing = [c for c in need["dates"] + need["numbers"] if c not in frame.columns]
    if missing:
        raise DataError(f"{fit.data} has no column {', '.join(missing)} (a trend fit reads date and "
                        "training_tokens, as in notable_models.csv)")
    years = decimal_year(frame["date"])
    keep = (years >= fit.start_year) & (years < fit.end_year + 1)
    x, y = years[keep], frame["training_tokens"].to_numpy(dtype=float)[keep]
    key = (x.tobytes(), y.tobytes(), int(fit.bootstrap), int(seed), bool(fit.frontier_only))
    found = _TREND_CACHE.get(key)
    if found is None:
        rng = sampling.input_rng(seed, "demand.historical.fit")
        found = fit_log_trend(x, y, fit.bootstrap, rng, frontier_only=fit.frontier_only)
        if len(_TREND_CACHE) >= _TREND_CACHE_SIZE:
            _TREND_CACHE.pop(next(iter(_TREND_CACHE)))
        _TREND_CACHE[key] = found
    return found


def fitted_growth_ppf(scenario: Any, seed: int, data_dir: Path | None,
                      trend: Any = None) -> tuple[Callable[[np.ndarray], np.ndarray], dict | None]:
    """Inverse CDF of a fitted historical dataset growth [factor/yr] and the named fit's notes.

    The same fit :func:`_demand_growth` draws from: a named trend method (``demand.historical.fit
    .method``, docs/trends.md; notes from :func:`forecast.engine.trends.chosen_fit`) or the
    bootstrapped log-linear fit (notes ``None``; pass ``trend`` when it is already fitted).
    """
    fit = scenario.demand.historical.fit
    if fit.method is not None:
        from forecast.engine.trends import chosen_fit

        chosen, about = chosen_fit("dataset_tokens", fit.settings(), data_dir,
                                   _fit_seed(seed, "demand.historical.fit"), start_year=fit.start_year,
                                   models_csv=fit.data)
        return (lambda u: chosen.growth_ppf(np.asarray(u, dtype=float))), about
    trend = trend if trend is not None else fit_demand_trend(fit, seed, data_dir)
    return (lambda u: trend.growth_ppf(np.asarray(u, dtype=float))), None


def _fit_seed(seed: int, name: str) -> int:
    """Seed of a trend fit (Prophet's sampler), from the scenario seed and the input's name."""
    return int(sampling.input_rng(seed, name).integers(0, 2**31 - 1))


def _demand_growth(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
                   data_dir: Path | None, notes: dict[str, Any]) -> np.ndarray:
    hist = scenario.demand.historical
    if hist.growth != "fit" or "demand.historical.growth" in values:  # given values (forecast.engine.evaluate)
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


def quarter_values(a: np.ndarray, b: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """exp(a + b·τ) at every quarter, computed as :func:`summarise_quarters` computes its rows.

    The first quarter of each block of :data:`QUARTER_BLOCK` is exp(a + b·τ); the next ones
    multiply by exp(b·Δτ). Shape ``(n, quarters)``; bit for bit the engine's row values.
    """
    block, dt = _blocking(taus)
    step = np.exp(b * dt) if block > 1 else None
    out = np.empty((a.size, taus.size))
    row = None
    for k in range(taus.size):
        if k % block == 0:
            row = D.log_linear(a, b, float(taus[k]), out=np.empty(a.size))
        else:
            row = np.multiply(row, step, out=np.empty(a.size))
        out[:, k] = row
    return out


def _each_quarter(kernel, taus: np.ndarray) -> np.ndarray:
    """``kernel(tau)`` (shape ``(n,)``) at every quarter, as :func:`forecast.engine.dynamics.run_pass` does."""
    return np.stack([kernel(float(tau)) for tau in taus], axis=1)


def evaluate_paths(scenario: Any, col: Callable[[str], np.ndarray], t: np.ndarray, stock_rows: Any,
                   multiplier: np.ndarray, hist_growth: np.ndarray | None,
                   mix: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   share_by_quarter: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Stock and demand at quarter-end years ``t`` (shape ``(1, q)``, the whole horizon), with their parts.

    ``col(name)`` gives an input as a column ``(n, 1)``; ``mix(hist, comp)`` combines the two demand
    paths of a ``mixture`` (weighted in the point estimate). The same log-linear coefficients and
    row arithmetic as the Monte Carlo run (:func:`log_paths`, :func:`quarter_values`), so a
    one-sample run at the same inputs gives the same numbers. Returns ``usable.<component>`` per
    included source, ``stock`` (effective), and ``demand.historical``, ``demand.compute`` (those the
    method uses) and ``demand`` [tokens], each ``(n, q)``.

    With stock dynamics, a compute limit or a gap section the Monte Carlo run scans the quarters
    (:func:`forecast.engine.dynamics.run_pass`); so does this, with the same kernels, adding
    ``human.<component>`` (human stock of each component the dynamics act on, effective) and the
    stock's terms ``stock_human_inflow``, ``stock_consent_loss``, ``stock_licensed``.
    ``share_by_quarter`` is h per quarter when it comes from data.
    """
    from forecast.models import dynamics as Y

    supply, dem = scenario.supply, scenario.demand
    t_end = np.asarray(t, dtype=float).ravel()
    origin = float(t_end[0])
    taus = t_end - origin
    flat = lambda name: np.ravel(col(name)).astype(float)  # noqa: E731
    n = flat(f"supply.sources.{supply.include[0]}.stock").size
    m = _vector(np.ravel(multiplier), n)
    out: dict[str, np.ndarray] = {}
    stock_total = None
    dyn = supply.dynamics
    scanned = dyn is not None or scenario.gap is not None or (
        dem.method in ("compute", "mixture") and dem.compute.limit is not None)
    rows = (lambda a, b: _each_quarter(lambda tau: D.log_linear(a, b, tau), taus)) if scanned else \
        (lambda a, b: quarter_values(a, b, taus))
    humans: list[np.ndarray] = []
    for component in supply.include:
        base = f"supply.sources.{component}"
        ref_year = float(stock_rows.loc[component, "reference_year"])
        quality = flat("supply.filter_yield") if supply.filter_yield is not None else flat(f"{base}.quality")
        parts = [flat(f"{base}.stock"), flat(f"{base}.growth"), quality]
        u_a, u_b = stock.log_stock_coefficients(*parts, 1.0, ref_year, origin)
        out[f"usable.{component}"] = rows(_vector(u_a, n), _vector(u_b, n))
        a, b = stock.log_stock_coefficients(*parts, m, ref_year, origin)
        term = rows(_vector(a, n), _vector(b, n))
        if dyn is not None and component in supply.dynamic_sources:
            share = (share_by_quarter if share_by_quarter is not None
                     else np.ravel(col("supply.dynamics.human_share")) if dyn.human_share is not None else None)
            human = term.copy()
            for k in range(1, taus.size):
                h = 1.0 if share is None else (share[k] if share_by_quarter is not None else share)
                Y.human_stock_step(human[:, k - 1], term[:, k - 1], term[:, k], h, out=human[:, k])
            out[f"human.{component}"] = human
            humans.append(human)
            continue
        stock_total = term if stock_total is None else stock_total + term
    if dyn is None:
        out["stock"] = stock_total
    else:  # the sums in run_pass's order: Σ c·H_i, then the other sources, then licensed text
        zeros = np.zeros((n, taus.size))
        consent = (np.stack([Y.consent_factor(flat("supply.dynamics.consent_erosion"), float(x)) for x in taus], 1)
                   if dyn.consent_erosion is not None else 1.0)
        licensed = (np.stack([Y.licensed_stock(flat("supply.dynamics.licensed_additions") * m, float(x))
                              for x in taus], 1) if dyn.licensed_additions is not None else zeros)
        open_stock, inflow, loss = zeros.copy(), zeros.copy(), zeros.copy()
        for human in humans:
            terms = Y.stock_terms(human[:, :1], human, consent, 0.0)
            open_stock += terms["stock"]
            inflow += terms["human_inflow"]
            loss += terms["consent_loss"]
        out["stock"] = open_stock + (zeros if stock_total is None else stock_total) + licensed
        out["stock_human_inflow"], out["stock_consent_loss"], out["stock_licensed"] = inflow, loss, licensed
    if dem.method in ("historical", "mixture"):
        h = dem.historical
        factor = np.sqrt(flat("demand.historical.overtraining")) if h.overtraining is not None else 1.0
        a, b = D.log_exponential_coefficients(flat("demand.historical.current_largest"), np.ravel(hist_growth),
                                              _start_year(h.reference), origin, factor)
        out["demand.historical"] = quarter_values(_vector(a, n), _vector(b, n), taus)
    if dem.method in ("compute", "mixture"):
        c = dem.compute
        a, b = D.log_compute_coefficients(flat("demand.compute.current_largest"), flat("demand.compute.growth"),
                                          _start_year(c.reference), origin, flat("demand.compute.tokens_per_param"),
                                          flat("demand.compute.overtraining"))
        a, b = _vector(a, n), _vector(b, n)
        if c.limit is not None:  # growth slows at the ceiling (Sevilla et al. 2024), as in run_pass
            cap, after = D.log_compute_coefficients(flat("demand.compute.limit.ceiling"),
                                                    flat("demand.compute.limit.growth_after"), 0.0, 0.0,
                                                    flat("demand.compute.tokens_per_param"),
                                                    flat("demand.compute.overtraining"))
            cap, after = _vector(cap, n), _vector(after, n)
            out["demand.compute"] = _each_quarter(lambda tau: D.tapered_log_linear(a, b, tau, cap, after), taus)
        else:
            out["demand.compute"] = rows(a, b)
    if dem.method == "mixture":
        out["demand"] = mix(out["demand.historical"], out["demand.compute"])
    else:
        out["demand"] = out[f"demand.{dem.method}"]
    return out


@dataclass
class LogPaths:
    """Per-sample log-linear coefficients: ln D(τ) = need_a + need_b·τ, ln S_k(τ) = stock_a[k] + stock_b[k]·τ.

    ``taus`` are the quarter ends in years since the first one [yr].
    """

    taus: np.ndarray
    need_a: np.ndarray
    need_b: np.ndarray
    stock_a: list[np.ndarray]
    stock_b: list[np.ndarray]
    #: stock dynamics and gap prices (:class:`forecast.engine.dynamics.Extra`); None: a log-linear stock
    extra: Any = None


def default_threads() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _vector(x, n: int) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(x, (n,)), dtype=float)


def log_paths(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
              data_dir: Path | None, notes: dict[str, Any], threads: int = 1,
              derived: dict[str, np.ndarray] | None = None) -> LogPaths:
    """Reduce the drawn inputs (``values``, shape ``(n,)`` each) to log-linear coefficients.

    The stock sources and the demand paths are independent: ``threads > 1`` computes them at once.
    ``derived``, when given, receives per-sample draws made here rather than from an input: the
    dataset growth drawn from the fitted trend [factor/yr] and the demand path of the mixture
    (``demand.method_choice``: 1 = historical trend, 0 = compute path).
    """
    derived = {} if derived is None else derived
    from forecast.io.references import read_reference

    supply, dem = scenario.supply, scenario.demand
    t_end = np.array([q.end_year for q in scenario.horizon.quarters])
    origin = float(t_end[0])
    stock_rows = read_reference("text_stock.csv", data_dir).set_index("component")
    multiplier = repetition(supply, lambda name: values[name])
    ref_years = {c: float(stock_rows.loc[c, "reference_year"]) for c in supply.include}

    def source(component: str):
        base = f"supply.sources.{component}"
        quality = values["supply.filter_yield"] if supply.filter_yield is not None else values[f"{base}.quality"]
        a, b = stock.log_stock_coefficients(values[f"{base}.stock"], values[f"{base}.growth"],
                                            quality, multiplier, ref_years[component], origin)
        return _vector(a, n), _vector(b, n)

    def historical():
        h = dem.historical
        factor = np.sqrt(values["demand.historical.overtraining"]) if h.overtraining is not None else 1.0
        growth = _demand_growth(scenario, values, seed, n, data_dir, notes)
        derived["demand.historical.growth"] = growth
        return D.log_exponential_coefficients(values["demand.historical.current_largest"], growth,
                                              _start_year(h.reference), origin, factor)

    def compute():
        c = dem.compute
        return D.log_compute_coefficients(values["demand.compute.current_largest"], values["demand.compute.growth"],
                                          _start_year(c.reference), origin, values["demand.compute.tokens_per_param"],
                                          values["demand.compute.overtraining"])

    tasks = [lambda c=c: source(c) for c in supply.include]
    if dem.method in ("historical", "mixture"):
        tasks.append(historical)
    if dem.method in ("compute", "mixture"):
        tasks.append(compute)
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            done = list(pool.map(lambda task: task(), tasks))
    else:
        done = [task() for task in tasks]
    k = len(supply.include)
    stock_a, stock_b = [a for a, _ in done[:k]], [b for _, b in done[:k]]
    take_hist = None
    if dem.method == "mixture":
        choice = values.get("demand.method_choice")  # given by forecast.engine.evaluate, else drawn
        if choice is None:
            choice = sampling.uniforms(seed, "demand.method_choice", n)
        take_hist = choice < values["demand.historical_weight"]
        derived["demand.method_choice"] = take_hist.astype(float)
        need_a, need_b = (np.where(take_hist, h_, c_) for h_, c_ in zip(done[k], done[k + 1]))
    else:
        need_a, need_b = done[k]
    need_a, need_b = _vector(need_a, n), _vector(need_b, n)
    paths = LogPaths(t_end - origin, need_a, need_b, stock_a, stock_b)
    limited = dem.method in ("compute", "mixture") and dem.compute.limit is not None
    if supply.dynamics is not None or scenario.gap is not None or limited:
        from forecast.engine.dynamics import extra_inputs

        paths.extra = extra_inputs(scenario, values, _vector(multiplier, n), t_end, data_dir)
        if limited:
            cap, after = D.log_compute_coefficients(values["demand.compute.limit.ceiling"],
                                                    values["demand.compute.limit.growth_after"], 0.0, 0.0,
                                                    values["demand.compute.tokens_per_param"],
                                                    values["demand.compute.overtraining"])
            cap, after = _vector(cap, n), _vector(after, n)
            if dem.method == "mixture":  # samples on the historical trend keep their log-linear path
                cap = np.where(take_hist, np.inf, cap)
            paths.extra.demand_log_cap, paths.extra.demand_b_after = cap, after
    return paths


def exhaustion(paths: LogPaths, threads: int = 1) -> np.ndarray:
    """Per sample, the first quarter (position) with demand ≥ effective stock; ``quarters`` if never.

    Samples are independent, so ``threads > 1`` solves contiguous chunks at once, same result.
    A stock with dynamics (``paths.extra``) is not log-linear: its quarters are scanned
    (:func:`forecast.engine.dynamics.run_pass`).
    """
    if paths.extra is not None:
        from forecast.engine.dynamics import run_pass

        return run_pass(paths)[0]
    n = paths.need_a.size

    def solve(lo: int, hi: int) -> np.ndarray:
        return crossing.exhaustion_quarter(paths.need_a[lo:hi], paths.need_b[lo:hi],
                                           [a[lo:hi] for a in paths.stock_a],
                                           [b[lo:hi] for b in paths.stock_b], paths.taus)

    if threads <= 1 or n < 100_000:
        return solve(0, n)
    edges = np.linspace(0, n, threads + 1).astype(int)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(solve, edges[:-1], edges[1:]))
    return np.concatenate(parts)


def _share(ratio: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(D.synthetic_share_from_ratio(np.array([ratio]))[0])


#: Quarters per block of :func:`summarise_quarters`: the first quarter of a block is exp(a + b·τ),
#: the next ones multiply by the per-quarter growth (one multiply instead of one exp per value).
#: Fixed, so results do not depend on the number of threads.
QUARTER_BLOCK = 4


def _blocking(taus: np.ndarray) -> tuple[int, float]:
    """Block length and quarter step: :data:`QUARTER_BLOCK` when quarters are evenly spaced, else 1."""
    steps = np.diff(taus)
    if steps.size > 0 and bool(np.all(steps == steps[0])):
        return QUARTER_BLOCK, float(steps[0])
    return 1, 0.0


def summarise_quarters(paths: LogPaths, summary: Summariser, threads: int | None = None,
                       progress=None) -> None:
    """Per-quarter mean and quantiles of every metric in :data:`METRICS`, blocks of quarters on a thread pool.

    Within a block of :data:`QUARTER_BLOCK` quarters (evenly spaced), demand and each stock
    source are carried forward by their per-quarter growth factor exp(b·Δτ); this differs from
    exp(a + b·τ) by a few units in the last place.
    """
    n, quarters = paths.need_a.size, paths.taus.size
    for name in METRICS:
        summary.table(name)
    local = threading.local()
    block, dt = _blocking(paths.taus)
    if block > 1:
        need_step = np.exp(paths.need_b * dt)
        stock_steps = [np.exp(b * dt) for b in paths.stock_b]
    k_terms = len(paths.stock_a)
    # Every exponent within ±700 over the horizon: no row can hold NaN, inf or an underflowed 0
    # (exp(±709) is the float64 limit), so the NaN checks of the summaries can be skipped.
    tmax = float(np.max(np.abs(paths.taus))) if quarters else 0.0
    bound = max(float(np.max(np.abs(x))) if x.size else 0.0 for x in (paths.need_a, *paths.stock_a))
    slope = max(float(np.max(np.abs(x))) if x.size else 0.0 for x in (paths.need_b, *paths.stock_b))
    finite = bool(np.isfinite(bound) and np.isfinite(slope) and bound + slope * tmax + np.log(k_terms) < 700.0)

    def one_block(first: int) -> int:
        if not hasattr(local, "bufs"):
            local.bufs = [np.empty(n) for _ in range(4 + k_terms)]
        need, eff, ratio, gap, *terms = local.bufs
        last = min(first + block, quarters)
        for k in range(first, last):
            if k == first:
                tau = float(paths.taus[k])
                D.log_linear(paths.need_a, paths.need_b, tau, out=need)
                for term, a, b in zip(terms, paths.stock_a, paths.stock_b):
                    D.log_linear(a, b, tau, out=term)
            else:
                np.multiply(need, need_step, out=need)
                for term, step in zip(terms, stock_steps):
                    np.multiply(term, step, out=term)
            np.copyto(eff, terms[0])
            for term in terms[1:]:
                eff += term
            with np.errstate(divide="ignore", invalid="ignore"):
                np.divide(need, eff, out=ratio)
                np.subtract(need, eff, out=gap)
                np.maximum(gap, 0.0, out=gap)
            summary.add_row("stock", k, eff, finite)
            summary.add_zero_padded("synthetic_needed", k, gap, finite)
            # ratio's order statistics give synthetic_share's quantiles; its mean needs the row
            share = D.synthetic_share_from_ratio(ratio, out=gap)
            share_mean = share.mean()
            ranks = summary.add_row("ratio", k, ratio, finite)
            if ranks is None:
                summary.add_row("synthetic_share", k, share)
            else:
                summary.add_derived("synthetic_share", k, share_mean, ranks, _share)
            # need is carried to the next quarter of the block: summarise a copy
            np.copyto(eff, need)
            summary.add_row("demand", k, eff, finite)
        return last - first

    starts = range(0, quarters, block)
    workers = max(1, min(threads or default_threads(), len(starts)))
    done = 0
    if workers == 1:
        for first in starts:
            done += one_block(first)
            if progress is not None:
                progress(done, quarters)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(one_block, first) for first in starts]):
            done += future.result()
            if progress is not None:
                progress(done, quarters)


def run_supply_demand(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
                      summary: Summariser, data_dir: Path | None, progress=None,
                      derived: dict[str, np.ndarray] | None = None,
                      threads: int | None = None) -> dict[str, Any]:
    """Evaluate stock, demand and the synthetic gap for every quarter of the horizon.

    ``values`` holds the drawn inputs by dotted name, shape ``(n,)`` each; ``derived`` as in
    :func:`log_paths`. Returns notes for the result (e.g. the fitted trend).
    """
    notes: dict[str, Any] = {}
    paths = log_paths(scenario, values, seed, n, data_dir, notes, threads or 1, derived)
    if paths.extra is not None:
        from forecast.engine.dynamics import run_pass

        summary.events["exhaustion"], notes["gap_tables"] = run_pass(paths, summary, progress)
        return notes
    summary.events["exhaustion"] = exhaustion(paths, threads or 1)
    summarise_quarters(paths, summary, threads, progress)
    return notes
