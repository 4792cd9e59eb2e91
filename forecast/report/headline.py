"""The headline figures of a run: what the one-minute summary, the comparison table, the archive and
"changes since last quarter" all quote, computed once.

Quarters are carried as the decimal year at the quarter's **end** (``2029Q1`` → 2029.25, as the
kernels evaluate them), ``inf`` when the event falls after the horizon, so two headlines subtract
into "moved by 0.75 years". Probabilities are by the end of fixed calendar years (2026, 2028, 2030,
2032), so two scenarios or two quarters line up whatever their horizons; ``nan`` where a year lies
outside the horizon. Costs are USD.
"""
from __future__ import annotations

import math

import numpy as np

from forecast.result import CENTRAL_80, ForecastResult, label
from forecast.units import Quarter, format_quantity

__all__ = ["CALENDAR_YEARS", "EXHAUSTION_LEVELS", "format_headline", "headline", "headline_keys", "headline_label"]

#: P(exhausted by the end of each year) in every summary.
CALENDAR_YEARS = (2026, 2028, 2030, 2032)
#: Levels of the exhaustion-quarter distribution in every summary: the 80% interval and the median.
EXHAUSTION_LEVELS = CENTRAL_80


def _quarter_end(label: str) -> float:
    return Quarter.parse(label).end_year


def headline(result: ForecastResult) -> dict[str, float]:
    """Flat ``key → number`` headline of a run (keys documented in docs/nomenclature.md).

    Supply/demand runs: ``exhaustion.p10``, ``exhaustion.p50``, ``exhaustion.p90`` [year at quarter
    end] and ``exhaustion.by_2026`` … ``exhaustion.by_2032`` [probability]. Cost runs:
    ``cost.total.p10``/``p50``/``p90`` [USD]; with a mix curve also ``cost.cheapest_share``
    [fraction] and ``cost.p_cheapest`` [probability] — both ``nan`` when no share is ever cheapest
    (no mix reaches the target).
    """
    out: dict[str, float] = {}
    first = result.events.get("exhaustion")
    if first is not None:
        q = len(result.quarters)
        for p in EXHAUSTION_LEVELS:
            position = int(np.quantile(first, p, method="inverted_cdf"))
            out[f"exhaustion.{label(p)}"] = (math.inf if position >= q
                                                    else _quarter_end(result.quarters[position]))
        ends = np.array([_quarter_end(label) for label in result.quarters])
        for year in CALENDAR_YEARS:
            year_end = year + 1.0                      # end of 2028 = 2029.0 in decimal years
            inside = ends <= year_end + 1e-9
            if year_end + 1e-9 < ends[0] or year_end > ends[-1] + 1e-9:
                out[f"exhaustion.by_{year}"] = math.nan
                continue
            last = int(np.flatnonzero(inside)[-1]) if inside.any() else -1
            out[f"exhaustion.by_{year}"] = float(np.mean(first <= last))
    breakdown = result.tables.get("cost_breakdown")
    if breakdown is not None:
        total = breakdown.loc[breakdown["item"] == "total"].iloc[0]
        for col in map(label, CENTRAL_80):
            out[f"cost.total.{col}"] = float(total[col])
    curve = result.tables.get("mix_curve")
    if curve is not None and "p_cheapest" in curve:
        best = curve["p_cheapest"].to_numpy(dtype=float)
        if np.nansum(best) > 0:
            k = int(np.nanargmax(best))
            out["cost.cheapest_share"] = float(curve["synthetic_share"].iloc[k])
            out["cost.p_cheapest"] = float(best[k])
        else:
            out["cost.cheapest_share"] = math.nan
            out["cost.p_cheapest"] = math.nan
    return out


def headline_keys(scenario) -> list[str]:
    """The keys :func:`headline` gives for a run of ``scenario``, in its order (from the scenario's
    sections alone: supply and demand give ``exhaustion.*``, cost ``cost.total.*``, mixes the
    cheapest share)."""
    keys = []
    if scenario.supply is not None:
        keys += [f"exhaustion.{label(p)}" for p in EXHAUSTION_LEVELS]
        keys += [f"exhaustion.by_{year}" for year in CALENDAR_YEARS]
    if scenario.cost is not None:
        keys += [f"cost.total.{label(p)}" for p in CENTRAL_80]
        if scenario.mixes is not None:
            keys += ["cost.cheapest_share", "cost.p_cheapest"]
    return keys


_LABELS = {
    "exhaustion.p10": "Exhaustion, p10", "exhaustion.p50": "Exhaustion, median",
    "exhaustion.p90": "Exhaustion, p90", "cost.total.p10": "Cost, p10", "cost.total.p50": "Cost, p50",
    "cost.total.p90": "Cost, p90", "cost.cheapest_share": "Cheapest synthetic share",
    "cost.p_cheapest": "P(that share is cheapest)",
}


def headline_label(key: str) -> str:
    """Planner's words for a headline key."""
    if key.startswith("exhaustion.by_"):
        return f"P(exhausted by end of {key.rsplit('_', 1)[1]})"
    return _LABELS.get(key, key)


def format_headline(key: str, value: float) -> str:
    """``2029Q1``, ``after horizon``, ``37%``, ``$4.71M`` — as the report prints it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if key.startswith("exhaustion.p"):
        if math.isinf(value):
            return "after horizon"
        ordinal = round(value * 4) - 1          # quarter end → that quarter
        return str(Quarter.from_ordinal(ordinal))
    if key.startswith("exhaustion.by_") or key == "cost.p_cheapest" or key == "cost.cheapest_share":
        return f"{value * 100:.0f}%"
    if key.startswith("cost.total"):
        return format_quantity(value, "usd")
    return f"{value:.4g}"
