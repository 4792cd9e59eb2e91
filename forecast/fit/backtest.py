"""Rolling-origin backtests of the trend methods, a scorecard, and the ``best`` method.

As of each origin quarter from ``start`` to ``end`` (default: the quarter after the last row), every
method is fitted once on the rows known before the origin and forecasts ``max(horizons)``
quarters; the forecast ``h`` quarters ahead (the quarter ``origin + h − 1``, at its end) is scored
against the frontier that the full data shows for that quarter, built from **disclosed** rows only:
an imputed row (a dataset size imputed from compute for an undisclosed run) may enter the fits, but
is never truth. Scores are on the log10 scale:

* error = forecast − actual [OOM]; MAE = mean |error|; bias = mean error (negative = too low);
* coverage = share of actuals inside the forecast's interval (nominal ``coverage``).

A forecast is scored only when its target quarter is before the series' latest quarter (its value
is known). The scorecard compares methods on the same forecasts: only (origin, horizon) pairs that
every method could fit count, and the rest are reported as skipped. ``best`` is the method with the
lowest MAE over all horizons on those common pairs (ties: coverage closest to nominal).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import FitError
from forecast.fit.frontier import FrontierRule, Observations, fit_input, quarterly_frontier
from forecast.fit.methods import METHODS, fit_method
from forecast.units import Quarter

__all__ = ["BacktestSettings", "Backtest", "backtest", "scorecard", "best_method", "origins"]


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
                "actual", "error", "covered"]


def backtest(obs: Observations, rule: FrontierRule, settings: BacktestSettings,
             methods: tuple[str, ...] = tuple(METHODS), seed: int = 0, store=None) -> Backtest:
    """Rolling-origin backtest of ``methods`` on one series (see the module docstring)."""
    latest = obs.latest
    quarters, truth = quarterly_frontier(obs.take(~obs.imputed), rule, latest.ordinal - 1)
    actual = dict(zip(quarters.tolist(), (obs.direction * truth).tolist()))
    steps = max(settings.horizons)
    rows, skipped = [], []
    for origin in origins(settings, latest):
        data = fit_input(obs, origin, rule)
        for method in methods:
            try:
                fit = fit_method(method, data, steps, settings.coverage, seed, store)
            except FitError as exc:
                skipped.append({"series": obs.name, "method": method, "origin": str(origin),
                                "reason": str(exc)})
                continue
            for h in settings.horizons:
                target = origin.ordinal + h - 1
                if target not in actual:
                    continue
                fc, lo, hi = fit.at(h)
                a = actual[target]
                rows.append({"series": obs.name, "method": method, "origin": str(origin), "horizon": h,
                             "target": str(Quarter.from_ordinal(target)), "forecast": fc, "lower": lo,
                             "upper": hi, "actual": a, "error": fc - a, "covered": bool(lo <= a <= hi)})
    return Backtest(pd.DataFrame(rows, columns=_ROW_COLUMNS),
                    pd.DataFrame(skipped, columns=["series", "method", "origin", "reason"]))


def _common(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows whose (series, origin, horizon) every method of that series scored."""
    if rows.empty:
        return rows
    n_methods = rows.groupby("series")["method"].transform("nunique")
    per_pair = rows.groupby(["series", "origin", "horizon"])["method"].transform("nunique")
    return rows[per_pair == n_methods]


def scorecard(result: Backtest, coverage: float = 0.8) -> pd.DataFrame:
    """MAE, bias and interval coverage per series, method and horizon (and ``all`` horizons).

    Columns: series, method, horizon (an int, or ``"all"``), n (forecasts scored), mae [OOM],
    bias [OOM], coverage [fraction], nominal [fraction], best (the method ``best`` picks).
    """
    rows = _common(result.rows)
    cols = ["series", "method", "horizon", "n", "mae", "bias", "coverage", "nominal", "best"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    def agg(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        g = frame.groupby(keys, sort=True)
        return pd.DataFrame({"n": g.size(), "mae": g["error"].apply(lambda e: float(np.mean(np.abs(e)))),
                             "bias": g["error"].mean(), "coverage": g["covered"].mean()}).reset_index()
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
    ranked = pooled.assign(gap=(pooled["coverage"] - coverage).abs()).sort_values(["mae", "gap", "method"])
    return str(ranked["method"].iloc[0])


def best_method(card: pd.DataFrame, series: str) -> str:
    """The method with the lowest pooled MAE for ``series`` in a :func:`scorecard`."""
    rows = card[card["series"] == series]
    if rows.empty:
        raise FitError(f"no backtest scores for series {series}: too few rows before the origins "
                       "for any method (move backtest.start later)")
    return str(rows["best"].iloc[0])
