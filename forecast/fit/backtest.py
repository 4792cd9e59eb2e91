"""Rolling-origin backtests of the trend methods, a scorecard, and the ``best`` method.

As of each origin quarter from ``start`` to ``end`` (default: the quarter after the last row), every
method is fitted once on the rows known before the origin and forecasts ``max(horizons)``
quarters; the forecast ``h`` quarters ahead (the quarter ``origin + h − 1``, at its end) is scored
against the frontier that the full data shows for that quarter, built from **disclosed** rows only:
an imputed row (a dataset size imputed from compute for an undisclosed run) may enter the fits, but
is never truth. Each forecast's band is scored twice: as the method made it (``raw``) and as
recalibrated from the method's errors at the 16 origins before it (:mod:`forecast.fit.calibrate`,
which fits the method at up to 16 origins before ``start`` too). Scores are on the log10 scale:

* error = forecast − actual [OOM]; MAE = mean |error|; bias = mean error (negative = too low);
  the median forecast is the method's own, calibrated or not;
* coverage = share of actuals inside the forecast's interval (nominal ``coverage``);
* score = the proper score of the median and the interval (:func:`forecast.fit.calibrate.quantile_score`,
  a weighted interval score, = the quantile approximation of the CRPS) [OOM], lower is better.

A forecast is scored only when its target quarter is before the series' latest quarter (its value
is known). The scorecard compares methods on the same forecasts: only (origin, horizon) pairs that
every method could fit count, and the rest are reported as skipped. ``best`` is the method with the
lowest mean calibrated score over all horizons on those common pairs (ties: calibrated coverage
closest to nominal, then the method's name).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import FitError
from forecast.fit.calibrate import actuals, calibrated_fits, quantile_score
from forecast.fit.frontier import FrontierRule, Observations
from forecast.fit.methods import METHODS
from forecast.units import Quarter

__all__ = ["BacktestSettings", "Backtest", "backtest", "scored", "scorecard", "best_method", "origins",
           "TARGET_COVERAGE_GAP", "TARGET_BIAS", "target_check"]


@dataclass(frozen=True)
class BacktestSettings:
    """The backtest block of a scenario: origins, horizons and interval coverage."""

    start: Quarter = Quarter(2019, 1)
    end: Quarter | None = None
    horizons: tuple[int, ...] = (4, 8)
    coverage: float = 0.8

    def __post_init__(self) -> None:
        if not self.horizons or min(self.horizons) < 1:
            raise FitError("backtest horizons must be whole quarters ≥ 1")


def origins(settings: BacktestSettings, latest: Quarter) -> list[Quarter]:
    """The origin quarters: ``start`` to ``end`` (default ``latest``), inclusive.

    >>> [str(q) for q in origins(BacktestSettings(Quarter(2019, 1), Quarter(2019, 3)), Quarter(2025, 4))]
    ['2019Q1', '2019Q2', '2019Q3']
    """
    end = settings.end or latest
    return [Quarter.from_ordinal(n) for n in range(settings.start.ordinal, end.ordinal + 1)]


@dataclass(frozen=True)
class Backtest:
    """Every scored forecast (``rows``) and the fits that could not be made (``skipped``)."""

    rows: pd.DataFrame
    skipped: pd.DataFrame


_ROW_COLUMNS = ["series", "method", "origin", "horizon", "target", "forecast", "lower", "upper",
                "actual", "error", "covered", "score", "raw_lower", "raw_upper", "raw_covered", "raw_score",
                "calibration", "n_errors"]


def backtest(obs: Observations, rule: FrontierRule, settings: BacktestSettings,
             methods: tuple[str, ...] = tuple(METHODS), seed: int = 0, store=None,
             truth: Observations | None = None) -> Backtest:
    """Rolling-origin backtest of ``methods`` on one series (see the module docstring).

    Rows: forecast, lower, upper [log10 of the value] are the calibrated forecast; raw_lower,
    raw_upper the method's own band; calibration its source (``horizon``, ``pooled``, ``raw``) and
    n_errors the past errors behind it; error, covered, score and raw_covered, raw_score as in the
    module docstring. ``truth`` holds the rows forecasts are scored against, and the calibration's
    past errors too (default: the disclosed rows of ``obs``).
    """
    truth = obs.take(~obs.imputed) if truth is None else truth
    actual = actuals(truth, rule, obs.latest.ordinal - 1)
    steps = max(settings.horizons)
    todo = origins(settings, obs.latest)
    made = {m: calibrated_fits(obs, rule, todo, m, steps, settings.coverage, seed, store, truth)
            for m in methods}
    rows, skipped = [], []
    for origin in todo:
        for method in methods:
            fits, failed = made[method]
            if origin.ordinal in failed:
                skipped.append({"series": obs.name, "method": method, "origin": str(origin),
                                "reason": failed[origin.ordinal]})
                continue
            fit = fits[origin.ordinal]
            for h in settings.horizons:
                target = origin.ordinal + h - 1
                if target not in actual:
                    continue
                fc, lo, hi = fit.at(h)
                _, raw_lo, raw_hi = fit.raw.at(h)
                a = actual[target]
                rows.append({"series": obs.name, "method": method, "origin": str(origin), "horizon": h,
                             "target": str(Quarter.from_ordinal(target)), "forecast": fc, "lower": lo,
                             "upper": hi, "actual": a, "error": fc - a, "covered": bool(lo <= a <= hi),
                             "raw_lower": raw_lo, "raw_upper": raw_hi, "raw_covered": bool(raw_lo <= a <= raw_hi),
                             "calibration": fit.calibration.source[h - 1],
                             "n_errors": int(fit.calibration.n[h - 1])})
    return Backtest(scored(pd.DataFrame(rows, columns=_ROW_COLUMNS), settings.coverage),
                    pd.DataFrame(skipped, columns=["series", "method", "origin", "reason"]))


def scored(rows: pd.DataFrame, coverage: float) -> pd.DataFrame:
    """``rows`` with ``score`` and ``raw_score``: the proper score of each forecast's median and its
    calibrated or raw band against the actual (:func:`forecast.fit.calibrate.quantile_score`) [OOM]."""
    rows = rows.copy()
    if len(rows):
        col = {c: rows[c].to_numpy(dtype=float) for c in ("actual", "forecast", "lower", "upper", "raw_lower",
                                                          "raw_upper")}
        rows["score"] = quantile_score(col["actual"], col["forecast"], col["lower"], col["upper"], coverage)
        rows["raw_score"] = quantile_score(col["actual"], col["forecast"], col["raw_lower"], col["raw_upper"],
                                           coverage)
    return rows


def _common(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows whose (series, origin, horizon) every method of that series scored."""
    if rows.empty:
        return rows
    n_methods = rows.groupby("series")["method"].transform("nunique")
    per_pair = rows.groupby(["series", "origin", "horizon"])["method"].transform("nunique")
    return rows[per_pair == n_methods]


def scorecard(result: Backtest, coverage: float = 0.8) -> pd.DataFrame:
    """MAE, bias, coverage and score per series, method and horizon (and ``all`` horizons).

    Columns: series, method, horizon (an int, or ``"all"``), n (forecasts scored), mae [OOM],
    bias [OOM], coverage (calibrated band) and coverage_raw (the method's own band) [fraction],
    calibrated (share of the forecasts whose band came from past errors, not the raw fallback)
    [fraction], score and score_raw (mean proper score, calibrated and raw band) [OOM], nominal
    [fraction], best (the method ``best`` picks: the lowest pooled calibrated score).
    """
    rows = _common(result.rows)
    cols = ["series", "method", "horizon", "n", "mae", "bias", "coverage", "coverage_raw", "calibrated",
            "score", "score_raw", "nominal", "best"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows = rows.assign(fitted=rows["calibration"] != "raw")

    def agg(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        g = frame.groupby(keys, sort=True)
        return pd.DataFrame({"n": g.size(), "mae": g["error"].apply(lambda e: float(np.mean(np.abs(e)))),
                             "bias": g["error"].mean(), "coverage": g["covered"].mean(),
                             "coverage_raw": g["raw_covered"].mean(), "calibrated": g["fitted"].mean(),
                             "score": g["score"].mean(), "score_raw": g["raw_score"].mean()}).reset_index()
    by_h = agg(rows, ["series", "method", "horizon"])
    pooled = agg(rows, ["series", "method"]).assign(horizon="all")
    out = pd.concat([by_h, pooled], ignore_index=True)
    out["horizon"] = out["horizon"].astype(object)
    out["nominal"] = coverage
    picks = {s: _pick(pooled[pooled["series"] == s], coverage) for s in pooled["series"].unique()}
    out["best"] = out["series"].map(picks)
    order = {"all": 10**6}
    out = out.sort_values(["series", "method", "horizon"], key=lambda c: c.map(
        lambda v: order.get(v, v) if c.name == "horizon" else v)).reset_index(drop=True)
    return out[cols]


def _pick(pooled: pd.DataFrame, coverage: float) -> str:
    ranked = pooled.assign(gap=(pooled["coverage"] - coverage).abs()).sort_values(["score", "gap", "method"])
    return str(ranked["method"].iloc[0])


def best_method(card: pd.DataFrame, series: str) -> str:
    """The method with the lowest pooled calibrated score for ``series`` in a :func:`scorecard`."""
    rows = card[card["series"] == series]
    if rows.empty:
        raise FitError(f"no backtest scores for series {series}: too few rows before the origins "
                       "for any method (move backtest.start later)")
    return str(rows["best"].iloc[0])


#: The target for the method ``best`` picks, over all horizons: its calibrated band covers nominal
#: ± 10 points of the outcomes (70–90% at 80%) [fraction] and its median's bias is within
#: ± 0.3 OOM [OOM].
TARGET_COVERAGE_GAP = 0.10
TARGET_BIAS = 0.3


def target_check(card: pd.DataFrame) -> pd.DataFrame:
    """Per series of a :func:`scorecard`, the pooled row of the method ``best`` picks and whether it
    meets the target: series, best, n, coverage, coverage_raw, bias, score, coverage_ok, bias_ok.

    >>> card = pd.DataFrame({"series": ["x"], "method": ["ets"], "horizon": ["all"], "n": [32],
    ...                      "mae": [0.7], "bias": [-0.5], "coverage": [0.53], "coverage_raw": [0.22],
    ...                      "calibrated": [0.9], "score": [0.41], "score_raw": [0.55], "nominal": [0.8],
    ...                      "best": ["ets"]})
    >>> target_check(card)[["best", "coverage_ok", "bias_ok"]].values.tolist()
    [['ets', False, False]]
    """
    cols = ["series", "best", "n", "coverage", "coverage_raw", "bias", "score", "coverage_ok", "bias_ok"]
    pooled = card[(card["horizon"].astype(str) == "all") & (card["method"] == card["best"])]
    if pooled.empty:
        return pd.DataFrame(columns=cols)
    out = pooled.assign(coverage_ok=(pooled["coverage"] - pooled["nominal"]).abs() <= TARGET_COVERAGE_GAP + 1e-12,
                        bias_ok=pooled["bias"].abs() <= TARGET_BIAS)
    return out[cols].reset_index(drop=True)
