"""Trend fits of the ``data/`` series as of a quarter, their backtest and scorecard, and the draws
that feed the Monte Carlo (``demand.historical.fit.method``, ``cost.compute.price_performance_fit``).

:func:`trend_report` is what ``peakdata trends`` prints and what the quarterly report charts: pandas
tables plus :attr:`TrendReport.charts`, plain lists of numbers per series and method (no
matplotlib). Fits are cached in-process by a hash of the data rows and settings
(:mod:`forecast.fit.methods`) and on disk (:mod:`forecast.io.fit_cache`), so asking twice, or
running a report again on unchanged data, does not refit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from forecast.errors import FitError
from forecast.fit.backtest import Backtest, BacktestSettings, backtest, best_method, scorecard
from forecast.fit.calibrate import calibrated_fit
from forecast.fit.frontier import FrontierRule, Observations, fit_input, quarterly_frontier
from forecast.fit.methods import METHODS, SeriesFit, fit_method
from forecast.schema.trends import TrendSettings
from forecast.units import Quarter

__all__ = ["TrendReport", "trend_report", "trend_fits", "remember_fits", "chosen_fit", "first_rows", "price_performance_draws",
           "series_observations", "chart_differences", "FIT_SEED"]

#: Seed of every trend fit (Prophet's sampler is the only one that uses it): the trend chart, the
#: scorecard and every scenario fit use it, so one series, method and as-of quarter is one fit in a
#: report, whatever a scenario's Monte Carlo seed (docs/trends.md, "One growth per series").
FIT_SEED = 0


def _rule(spec: TrendSettings) -> FrontierRule:
    return FrontierRule(spec.frontier.rule, spec.frontier.k, spec.frontier.window)


def _backtest_settings(spec: TrendSettings, as_of: Quarter | None) -> BacktestSettings:
    b = spec.backtest
    end = b.end if b.end is not None else as_of
    return BacktestSettings(b.start, end, tuple(b.horizons), float(b.coverage))


def series_observations(name: str, spec: TrendSettings, data_dir: Path | None,
                        overtraining: tuple[float, float] | None = None,
                        models_csv: str = "notable_models.csv") -> Observations:
    """Observations of series ``name`` with the scenario's undisclosed-run rule."""
    from forecast.io.trend_series import Imputation, load_series

    imp = Imputation(spec.undisclosed, spec.impute.tokens_per_param,
                     overtraining or tuple(spec.impute.overtraining))
    return load_series(name, data_dir, imp, models_csv)


def first_rows(series: Sequence[str] | None = None, data_dir: Path | None = None) -> dict[str, tuple[Quarter, str]]:
    """Per series (default: all), the quarter its first row became known and that row's label.

    A fit as of that quarter or earlier sees no row of the series (rows known *before* ``as_of``).
    """
    from forecast.io.trend_series import SERIES

    out = {}
    for name in series or SERIES:
        obs = series_observations(name, TrendSettings(method="best"), data_dir)
        if not len(obs.known):
            raise FitError(f"series {name} has no rows")
        k = int(np.argmin(obs.known))
        out[name] = (Quarter.from_ordinal(int(obs.known[k])), str(obs.label[k]) if obs.label else "")
    return out


@dataclass(frozen=True)
class TrendReport:
    """Fits, bands, scorecard and backtest of the trend series (tables in log10 where noted).

    Attributes
    ----------
    fits : DataFrame
        One row per series and method: as_of, n, growth [OOM/yr], growth_sd [OOM/yr],
        growth_factor [factor/yr], forecast/lower/upper at each horizon h (``forecast_h4`` …) with
        the calibrated band, raw_lower/raw_upper the method's own band [value], calibration_h the
        band's source (``horizon``, ``pooled``, ``raw``: :mod:`forecast.fit.calibrate`), best.
    bands : DataFrame
        series, method, quarter, kind (``observed``, ``forecast``), value, lower, upper (the
        calibrated band), raw_lower, raw_upper (the method's own) [value, not log], imputed (an
        observed quarter whose frontier comes from imputed rows, above the disclosed one: shown,
        never used as backtest truth).
    scorecard : DataFrame
        See :func:`forecast.fit.backtest.scorecard`.
    backtest, skipped : DataFrame
        Every scored forecast; every fit that could not be made and why.
    undisclosed : DataFrame
        dataset_tokens: rows imputed and the fitted growth with and without them, per method.
    charts : list of dict
        Per series: ``series``, ``title``, ``unit``, ``as_of``, ``observed`` ({quarter, value, imputed}) and
        ``fits`` (method → {quarter, forecast, lower, upper, raw_lower, raw_upper}), numbers only;
        lower/upper the calibrated band.
    """

    fits: pd.DataFrame
    bands: pd.DataFrame
    scorecard: pd.DataFrame
    backtest: pd.DataFrame
    skipped: pd.DataFrame
    undisclosed: pd.DataFrame
    charts: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


def _imputed_quarters(seen: Observations, rule: FrontierRule, quarters: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Where the frontier ``z`` is above what the disclosed rows alone give: set by imputed rows."""
    q_d, z_d = quarterly_frontier(seen.take(~seen.imputed), rule, int(quarters[-1]) if quarters.size else 0)
    disclosed = dict(zip(q_d.tolist(), z_d.tolist()))
    return np.array([not (disclosed.get(int(q), -np.inf) >= v) for q, v in zip(quarters, z)], dtype=bool)


def _bands(obs: Observations, rule: FrontierRule, fit: SeriesFit) -> list[dict]:
    """Observed frontier (``imputed``: the quarter's value comes from imputed rows) and forecast band."""
    seen = obs.before(fit.as_of)
    quarters, z = quarterly_frontier(seen, rule, fit.as_of.ordinal - 1)
    imputed = _imputed_quarters(seen, rule, quarters, z)
    rows = [{"series": fit.series, "method": fit.method, "quarter": str(Quarter.from_ordinal(int(q))),
             "kind": "observed", "value": 10.0 ** (obs.direction * v), "lower": np.nan, "upper": np.nan,
             "raw_lower": np.nan, "raw_upper": np.nan, "imputed": bool(i)}
            for q, v, i in zip(quarters, z, imputed)]
    raw = fit.raw
    for q, f, lo, hi, rlo, rhi in zip(fit.horizon, fit.forecast, fit.lower, fit.upper, raw.lower, raw.upper):
        rows.append({"series": fit.series, "method": fit.method, "quarter": str(Quarter.from_ordinal(int(q))),
                     "kind": "forecast", "value": 10.0 ** f, "lower": 10.0 ** lo, "upper": 10.0 ** hi,
                     "raw_lower": 10.0 ** rlo, "raw_upper": 10.0 ** rhi, "imputed": False})
    return rows


def _fit_row(fit: SeriesFit, horizons: Sequence[int], best: str | None) -> dict:
    row = {"series": fit.series, "method": fit.method, "as_of": str(fit.as_of), "n": fit.n,
           "growth": fit.growth, "growth_sd": fit.growth_sd, "growth_factor": 10.0 ** fit.growth}
    for h in horizons:
        f, lo, hi = fit.at(h)
        row[f"forecast_h{h}"], row[f"lower_h{h}"], row[f"upper_h{h}"] = 10.0 ** f, 10.0 ** lo, 10.0 ** hi
    for h in horizons:
        _, lo, hi = fit.raw.at(h)
        row[f"raw_lower_h{h}"], row[f"raw_upper_h{h}"] = 10.0 ** lo, 10.0 ** hi
        row[f"calibration_h{h}"] = fit.calibration.source[h - 1] if fit.calibration else "raw"
    row["best"] = best == fit.method
    return row


def trend_report(series: Sequence[str] | None = None, spec: TrendSettings | None = None,
                 methods: Sequence[str] | None = None, data_dir: Path | None = None,
                 seed: int = FIT_SEED) -> TrendReport:
    """Fit every series with every method as of ``spec.as_of``, backtest them, and score them.

    The backtest sees only rows known before ``as_of`` too, so ``best`` never looks ahead; each
    fit's band is recalibrated from the method's errors at origins before ``as_of``
    (:mod:`forecast.fit.calibrate`).
    """
    from forecast.io.trend_series import SERIES, TITLES

    from forecast.io.fit_cache import default_cache

    store = default_cache()
    spec = spec or TrendSettings(method="best")
    names = list(series or SERIES)
    methods = tuple(methods or METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise FitError(f"unknown trend method '{unknown[0]}' (one of {', '.join(METHODS)})")
    rule = _rule(spec)
    fit_rows, band_rows, charts, cards, tests, skips, undisclosed = [], [], [], [], [], [], []
    for name in names:
        obs = series_observations(name, spec, data_dir)
        as_of = spec.as_of or obs.latest
        settings = _backtest_settings(spec, as_of)
        steps = max(settings.horizons)
        seen = obs.before(as_of)
        result = backtest(seen, rule, settings, methods, seed, store) if len(seen.t) else Backtest(
            pd.DataFrame(), pd.DataFrame())
        card = scorecard(result, settings.coverage)
        best = str(card["best"].iloc[0]) if len(card) else None
        cards.append(card)
        tests.append(result.rows)
        skips.append(result.skipped)
        chart = {"series": name, "title": TITLES[name], "unit": obs.unit, "as_of": str(as_of),
                 "best": best, "observed": [], "fits": {}}
        for method in methods:
            try:
                fit = calibrated_fit(obs, rule, as_of, method, steps, settings.coverage, seed, store)
            except FitError as exc:
                skips.append(pd.DataFrame([{"series": name, "method": method, "origin": str(as_of),
                                            "reason": str(exc)}]))
                continue
            fit_rows.append(_fit_row(fit, settings.horizons, best))
            rows = _bands(obs, rule, fit)
            band_rows += rows
            chart["observed"] = [{"quarter": r["quarter"], "value": r["value"], "imputed": r["imputed"]}
                                 for r in rows if r["kind"] == "observed"]
            chart["fits"][method] = {k: [r[v] for r in rows if r["kind"] == "forecast"]
                                     for k, v in (("quarter", "quarter"), ("forecast", "value"),
                                                  ("lower", "lower"), ("upper", "upper"),
                                                  ("raw_lower", "raw_lower"), ("raw_upper", "raw_upper"))}
        charts.append(chart)
        if name == "dataset_tokens":
            undisclosed.append(_undisclosed_effect(spec, data_dir, as_of, rule, steps, settings.coverage,
                                                   methods, seed, store))
    concat = lambda frames: pd.concat([f for f in frames if len(f)], ignore_index=True) if any(
        len(f) for f in frames) else pd.DataFrame()
    return TrendReport(pd.DataFrame(fit_rows), pd.DataFrame(band_rows), concat(cards), concat(tests),
                       concat(skips), concat(undisclosed), charts,
                       {"as_of": str(spec.as_of) if spec.as_of else "latest", "method": spec.method,
                        "frontier": spec.frontier.model_dump(), "undisclosed": spec.undisclosed,
                        "impute": spec.impute.model_dump(), "backtest": spec.backtest.model_dump(mode="json")})


def trend_fits(series: str, method: str, spec: TrendSettings | None = None, data_dir: Path | None = None,
               seed: int = FIT_SEED) -> dict[str, SeriesFit]:
    """Every fit :func:`trend_report` makes for ``series`` with ``method`` (its backtest, the fit as
    of the latest data, the undisclosed-run variants), keyed as :func:`forecast.fit.methods.fit_method`
    caches them.

    The fits of one series and method do not depend on the other methods', so the report makes them
    in several processes at once and hands them to :func:`remember_fits` before its
    :func:`trend_report`, which then fits nothing: the same fits, the same report.
    """
    from forecast.fit import methods as M

    saved = dict(M._CACHE)
    M._CACHE.clear()  # every fit this needs lands in the cache, even one made before
    try:
        trend_report([series], spec, (method,), data_dir, seed)
        return dict(M._CACHE)
    finally:
        made = dict(M._CACHE)
        M._CACHE.clear()
        M._CACHE.update(saved)
        M._CACHE.update(made)


def remember_fits(fits: dict[str, SeriesFit]) -> None:
    """Add fits made elsewhere (:func:`trend_fits`) to this process's cache of fits."""
    from forecast.fit import methods as M

    for key, fit in fits.items():
        if isinstance(fit, SeriesFit):
            M._CACHE[key] = fit


def _undisclosed_effect(spec: TrendSettings, data_dir, as_of, rule, steps, coverage, methods, seed, store):
    """Fitted growth of dataset_tokens under each undisclosed-run choice, per method."""
    fits = {}
    for label in ("impute", "censored", "disclosed"):
        obs = series_observations("dataset_tokens", spec.model_copy(update={"undisclosed": label}), data_dir)
        seen = obs.before(as_of)
        data = fit_input(obs, as_of, rule)
        for method in methods:
            try:
                fits[label, method] = (fit_method(method, data, steps, coverage, seed, store),
                                       int(seen.imputed.sum()))
            except FitError:
                pass
    rows = []
    for method in methods:
        if not all((label, method) in fits for label in ("impute", "censored", "disclosed")):
            continue
        row = {"method": method, "rows_touched": fits["impute", method][1]}
        for label in ("impute", "censored", "disclosed"):
            fit = fits[label, method][0]
            row[f"growth_{label}"] = fit.growth
            row[f"level_h{min(4, steps)}_{label}"] = 10.0 ** fit.at(min(4, steps))[0]
        rows.append(row)
    return pd.DataFrame(rows)


def chosen_fit(name: str, spec: TrendSettings, data_dir: Path | None, seed: int,
               default_as_of: Quarter | None = None, start_year: int | None = None,
               models_csv: str = "notable_models.csv") -> tuple[SeriesFit, dict]:
    """The fit a scenario asks for (``best`` resolved by a backtest on rows before ``as_of``).

    With ``undisclosed: impute``, ``growth_sd`` is widened by the spread of the growth between
    fits at the low and high ends of the overtraining range, read as a 90% interval.
    Returns the fit and notes for the report (method, as_of, imputed rows, scorecard).
    """
    from forecast.io.fit_cache import default_cache

    store = default_cache()
    obs = series_observations(name, spec, data_dir, models_csv=models_csv)
    if start_year is not None:
        obs = obs.take(obs.quarter >= start_year * 4)
    as_of = spec.as_of or default_as_of or obs.latest
    rule = _rule(spec)
    settings = _backtest_settings(spec, as_of)
    steps = max(settings.horizons)
    method, card = spec.method, None
    if method == "best":
        card = scorecard(backtest(obs.before(as_of), rule, settings, tuple(METHODS), seed, store),
                         settings.coverage)
        method = best_method(card, name)
    fit = fit_method(method, fit_input(obs, as_of, rule), steps, settings.coverage, seed, store)
    notes = {"series": name, "method": method, "requested": spec.method, "as_of": str(as_of),
             "undisclosed": spec.undisclosed, "imputed_rows": int(obs.before(as_of).imputed.sum()),
             "growth": fit.growth, "growth_sd": fit.growth_sd, "scorecard": card}
    if name == "dataset_tokens" and spec.undisclosed == "impute":
        lo, hi = spec.impute.overtraining
        ends = []
        for k in (lo, hi):
            o = series_observations(name, spec, data_dir, (k, k), models_csv)
            if start_year is not None:
                o = o.take(o.quarter >= start_year * 4)
            ends.append(fit_method(method, fit_input(o, as_of, rule), steps, settings.coverage, seed,
                                   store).growth)
        extra = abs(ends[1] - ends[0]) / (2.0 * 1.6448536269514722)
        sd = float(np.hypot(fit.growth_sd, extra))
        notes.update(growth_sd_imputation=extra, growth_sd=sd)
        fit = SeriesFit(**{**fit.__dict__, "growth_sd": sd})
    return fit, notes


def chart_differences(series: str, spec: TrendSettings, start_year: int | None = None,
                      models_csv: str = "notable_models.csv") -> list[str]:
    """How a scenario's fit of ``series`` differs from the trend chart's, which is method ``best``
    as of the latest data with default settings (:func:`trend_report`), in words; empty when the
    scenario draws from the chart's own fit (docs/trends.md, "One growth per series")."""
    chart = TrendSettings(method="best")
    out = []
    if spec.method != chart.method:
        out.append(f"method {spec.method}")
    if spec.as_of is not None:
        out.append(f"as of {spec.as_of}")
    if start_year is not None:
        out.append(f"rows from {start_year}")
    if models_csv != "notable_models.csv" and series in ("dataset_tokens", "training_compute"):
        out.append(f"data {models_csv}")
    keys = [("frontier", "frontier"), ("backtest", "backtest")]
    if series == "dataset_tokens":
        keys[1:1] = [("undisclosed", "undisclosed runs"), ("impute", "imputation")]
    for key, what in keys:
        value = getattr(spec, key)
        if value != getattr(chart, key):
            out.append(f"{what} {value if isinstance(value, str) else 'settings'}")
    return out


def price_performance_ppf(spec: TrendSettings, seed: int,
                          data_dir: Path | None) -> tuple[Callable[[np.ndarray], np.ndarray], dict]:
    """Inverse CDF of the fitted yearly growth of FLOP per dollar [factor/yr] and the fit's notes.

    The fit :func:`price_performance_draws` draws from. FLOP per dollar grows 10^(−slope) per year,
    so the growth at probability u is the slope at 1 − u. The fit is the trend chart's (seed
    :data:`FIT_SEED`); ``seed`` is kept for callers and not used.
    """
    fit, notes = chosen_fit("price_performance", spec, data_dir, FIT_SEED)  # the trend chart's own fit
    notes = {**notes, "pinned": chart_differences("price_performance", spec)}
    return (lambda u: 10.0 ** (-fit.growth_ppf(1.0 - np.asarray(u, dtype=float), oom=True))), notes


def price_performance_draws(spec: TrendSettings, seed: int, n: int,
                            data_dir: Path | None) -> tuple[np.ndarray, dict]:
    """Yearly growth of FLOP per dollar [factor/yr], ``n`` draws from the fit of ``price_performance``.

    The fitted slope s of log10(USD/FLOP) is normal (mean ``growth``, sd ``growth_sd``); FLOP per
    dollar then grows 10^(−s) per year. Each draw is :func:`price_performance_ppf` at the input's
    own uniform, so a larger uniform is a faster fall, as for a stated ``price_performance``, and
    a run, the point estimate and evaluate's axes map a probability to the same value.
    """
    from forecast.models import sampling

    ppf, notes = price_performance_ppf(spec, seed, data_dir)
    return ppf(sampling.uniforms(seed, "cost.compute.price_performance", n)), notes
