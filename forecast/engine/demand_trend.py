"""The fitted historical dataset growth (``demand.historical.growth: fit``): fit, inverse CDF, draws.

A bootstrapped log-linear fit of dataset sizes on date (Villalobos et al. 2024), or a named trend
method (``demand.historical.fit.method``, docs/trends.md, :func:`forecast.engine.trends.chosen_fit`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.models import sampling

__all__ = ["fit_demand_trend", "fitted_growth_ppf", "demand_growth"]

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

    The same fit :func:`demand_growth` draws from: a named trend method (``demand.historical.fit
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


def demand_growth(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
                  data_dir: Path | None, notes: dict[str, Any]) -> np.ndarray:
    """Yearly growth of the largest run's dataset per sample [factor/yr]: given, drawn, or from the fit.

    A fitted growth is drawn from its own stream (``demand.historical.growth``); the fit goes into
    ``notes`` (``demand_trend`` or ``demand_trend_fit``).
    """
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
