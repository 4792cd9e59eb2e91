"""The historical path's level and growth when they come from a fit (``growth: fit``,
``current_largest: fit``): the fit, the inverse CDFs, and the per-sample draws.

Two fits exist. The bootstrapped log-linear fit of every model's dataset size on date (Villalobos
et al. 2024; ``fit`` with ``start_year``, ``end_year``, ``bootstrap``) gives a growth only: it
describes the typical notable model, not the largest. A named trend method (``fit.method``,
docs/trends.md, :func:`forecast.engine.trends.chosen_fit`) fits the record frontier of the largest
dataset and gives both: its forecast at the end of its as-of quarter is the level (with
``current_largest: fit``) and its yearly trend the growth, drawn jointly and conditioned on what a
record allows (:mod:`forecast.models.record`, docs/derivations.md §10).

:func:`historical_trend` resolves where each comes from; :func:`draw_level_growth` draws them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.models import record, sampling

__all__ = ["HistoricalTrend", "historical_trend", "draw_level_growth", "fit_demand_trend",
           "fitted_growth_ppf", "LEVEL", "GROWTH"]

LEVEL = "demand.historical.current_largest"
GROWTH = "demand.historical.growth"

#: Fitted trends by (points, resamples, seed, frontier_only): a sweep re-runs the same fit hundreds of times.
_TREND_CACHE: dict[tuple, Any] = {}
_TREND_CACHE_SIZE = 32

Ppf = Callable[[np.ndarray], np.ndarray]


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


@dataclass(frozen=True)
class HistoricalTrend:
    """Where the historical path's level and growth come from, and their inverse CDFs.

    Attributes
    ----------
    growth_ppf : callable or None
        Fitted yearly growth at probability u [factor/yr], conditioned on ≥ 1x/yr for a record
        frontier; None when the scenario states the growth.
    level_ppf : callable or None
        Fitted level at probability u (its marginal) [tokens], conditioned on ≥ ``level_floor``;
        None when the scenario states ``current_largest``.
    rho : float
        Gaussian-copula correlation of the level's uniform with the growth's (0 unless both are fitted).
    reference_year : float
        Start of the quarter the level describes [yr]: the scenario's ``reference``, or the quarter
        after the fit's as-of one (the fit's level is at the end of its as-of quarter).
    about : dict or None
        Notes of a named fit (``notes["demand_trend_fit"]``; :func:`forecast.engine.trends.chosen_fit`).
    trend : TrendFitResult or None
        The bootstrap fit (``notes["demand_trend"]``).
    level : dict or None
        ``notes["demand_level"]`` when a fit is involved: ``from`` ("fit" or "scenario", the latter an
        override of the fit's level), the fit's level and band, the floor, and ``text``.
    """

    growth_ppf: Ppf | None
    level_ppf: Ppf | None
    rho: float
    reference_year: float
    about: dict | None = None
    trend: Any = None
    level: dict | None = None


def _largest_disclosed(fit: Any, as_of: Any, data_dir: Path | None) -> tuple[float, str]:
    """The largest dataset disclosed (not imputed) in rows dated and known before ``as_of``
    [tokens], and its model; (0, "") when there is none."""
    from forecast.engine.trends import series_observations

    obs = series_observations("dataset_tokens", fit.settings(), data_dir, models_csv=fit.data)
    seen = obs.before(as_of)
    disclosed = ~np.asarray(seen.imputed, dtype=bool)
    if not disclosed.any():
        return 0.0, ""
    k = int(np.flatnonzero(disclosed)[np.argmax(seen.value[disclosed])])
    return float(seen.value[k]), str(seen.label[k]) if seen.label else ""


def _tokens(v: float) -> str:
    from forecast.units import format_quantity

    return format_quantity(float(v), "tokens")


def _named(scenario: Any, data_dir: Path | None) -> HistoricalTrend:
    """Level and growth from a named trend method (docs/trends.md)."""
    from forecast.engine.trends import FIT_SEED, chart_differences, chosen_fit
    from forecast.units import Quarter

    hist = scenario.demand.historical
    spec = hist.fit
    # the trend chart's seed, not the scenario's: one series, method and as-of is one fit in a report
    chosen, about = chosen_fit("dataset_tokens", spec.settings(), data_dir, FIT_SEED,
                               start_year=spec.start_year, models_csv=spec.data)
    about = {**about, "pinned": chart_differences("dataset_tokens", spec.settings(), spec.start_year, spec.data),
             "inputs": [name for name, used in ((LEVEL, hist.level_from_fit), (GROWTH, hist.growth == "fit"))
                        if used]}
    is_record = spec.frontier.rule == "record"
    growth_ppf = level_ppf = None
    rho = 0.0
    if hist.growth == "fit":  # a record grows by at least 1x/yr: its slope in OOM/yr ≥ 0
        slope, below = record.at_least(lambda u: chosen.growth_ppf(np.asarray(u, dtype=float), oom=True),
                                       0.0 if is_record else -np.inf)
        growth_ppf = lambda u: 10.0 ** slope(u)  # noqa: E731
        about.update(growth_below_zero=below, growth_drawn_p50=float(slope(np.array([0.5]))[0]))
    as_of = Quarter.parse(about["as_of"])
    after = Quarter.from_ordinal(as_of.ordinal + 1)
    f1, l1, u1 = chosen.at(1)
    steps = int(np.asarray(chosen.forecast).size)
    _, lh, uh = chosen.at(steps)
    band_rho = record.level_growth_rho(record.band_sd(l1, u1, chosen.coverage),
                                       record.band_sd(lh, uh, chosen.coverage), (steps - 1) / 4.0,
                                       chosen.growth_sd)
    floor_tokens, floor_model = _largest_disclosed(spec, as_of, data_dir) if is_record else (0.0, "")
    level = {"from": "fit" if hist.level_from_fit else "scenario", "method": about["method"],
             "as_of": str(as_of), "reference": str(after), "median": 10.0 ** f1, "lower": 10.0 ** l1,
             "upper": 10.0 ** u1, "coverage": chosen.coverage, "floor": floor_tokens, "floor_model": floor_model,
             "rho": band_rho if hist.growth == "fit" else 0.0}
    fitted = (f"{about['method']} as of {as_of}: {_tokens(level['median'])} at the start of {after}, "
              f"{chosen.coverage:.0%} band {_tokens(level['lower'])}–{_tokens(level['upper'])}")
    if hist.level_from_fit:  # a record is never below the largest dataset already disclosed
        log_level, below = record.split_normal_at_least(
            f1, *record.band_sds(l1, f1, u1, chosen.coverage), np.log10(floor_tokens) if floor_tokens > 0 else -np.inf)
        # the floor again in tokens: 10 ** log10(floor) can land an ulp below the floor itself
        level_ppf = lambda u: np.maximum(10.0 ** log_level(u), floor_tokens)  # noqa: E731
        rho = level["rho"]
        bound = (f"never below {_tokens(floor_tokens)} ({floor_model}), the largest dataset disclosed before "
                 f"{as_of}" if floor_tokens > 0 else "")
        level.update(floor_probability=below, drawn_p50=float(level_ppf(np.array([0.5]))[0]), fitted=fitted,
                     bound=bound, text=f"from the fit ({fitted})" + (f"; {bound}" if bound else ""))
        reference_year = after.ordinal / 4.0
    else:
        level.update(fitted=fitted, bound="", text=f"overrides the fit's level ({fitted})")
        reference_year = hist.reference.ordinal / 4.0
    return HistoricalTrend(growth_ppf, level_ppf, rho, reference_year, about, None, level)


def historical_trend(scenario: Any, seed: int, data_dir: Path | None, trend: Any = None) -> HistoricalTrend:
    """Where the historical path's level and growth come from (given, bootstrap, or a named fit).

    ``trend``: an already fitted bootstrap (the Monte Carlo run passes its own to the point estimate).
    """
    hist = scenario.demand.historical
    if not hist.uses_fit:
        return HistoricalTrend(None, None, 0.0, hist.reference.ordinal / 4.0)
    if hist.fit.method is not None:
        return _named(scenario, data_dir)
    trend = trend if trend is not None else fit_demand_trend(hist.fit, seed, data_dir)
    # the largest dataset's growth: a record cannot shrink (no bootstrap slope of the shipped data is < 0)
    growth, _ = record.at_least(lambda u: trend.growth_ppf(np.asarray(u, dtype=float)), 1.0)
    return HistoricalTrend(growth, None, 0.0, hist.reference.ordinal / 4.0, trend=trend)


def fitted_growth_ppf(scenario: Any, seed: int, data_dir: Path | None,
                      trend: Any = None) -> tuple[Callable[[np.ndarray], np.ndarray], dict | None]:
    """Inverse CDF of a fitted historical dataset growth [factor/yr] and the named fit's notes
    (``None`` for the bootstrap): the distribution :func:`draw_level_growth` draws from."""
    found = historical_trend(scenario, seed, data_dir, trend)
    return found.growth_ppf, found.about


def draw_level_growth(found: HistoricalTrend, values: dict[str, np.ndarray], seed: int,
                      n: int) -> tuple[np.ndarray, np.ndarray]:
    """The historical path's level [tokens] and yearly growth [factor/yr] per sample.

    Given values win (drawn inputs, or values given to :func:`forecast.engine.evaluate.evaluate`).
    A fitted growth uses the stream ``demand.historical.growth``; a fitted level the stream
    ``demand.historical.current_largest``, joined to the growth's by a Gaussian copula with
    ``found.rho`` (:func:`forecast.models.record.copula_uniform`).
    """
    u_growth = None
    if GROWTH in values:
        growth = values[GROWTH]
    else:
        u_growth = sampling.uniforms(seed, GROWTH, n)
        growth = found.growth_ppf(u_growth)
    if LEVEL in values:
        return values[LEVEL], growth
    u_level = sampling.uniforms(seed, LEVEL, n)
    if found.rho != 0.0:
        u_growth = sampling.uniforms(seed, GROWTH, n) if u_growth is None else u_growth
        u_level = record.copula_uniform(u_growth, u_level, found.rho)
    return found.level_ppf(u_level), growth
