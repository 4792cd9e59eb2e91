"""Names and units of what the stock-versus-demand engine reports (one vocabulary for every pass).

The closed-form path (:mod:`forecast.engine.supply_demand`) reports :data:`METRICS`; the scan
(:mod:`forecast.engine.scan`) adds :data:`STOCK_TERMS` with stock dynamics and :data:`GAP_METRICS`
with a ``gap`` section (:func:`metrics` lists them for a scenario).
"""
from __future__ import annotations

from typing import Any

__all__ = ["METRICS", "EVENTS", "STOCK_TERMS", "GAP_METRICS", "CHOICE_METRICS", "TOTAL_YEARS", "added_metrics",
           "metrics"]

#: metric -> unit of its values.
METRICS = {
    "stock": "tokens",
    "demand": "tokens",
    "ratio": "ratio",
    "synthetic_needed": "tokens",
    "synthetic_share": "fraction",
}
EVENTS = {"exhaustion": "first quarter the largest run's dataset ≥ the effective human stock"}

#: Years whose end the cumulative gap cost is reported at (issue 17: by 2030 and by 2035).
TOTAL_YEARS = (2030, 2035)

#: Metrics of the dynamic stock: metric -> unit.
STOCK_TERMS = {
    "stock_human_inflow": "tokens",
    "stock_consent_loss": "tokens",
    "stock_licensed": "tokens",
}
#: Metrics of the price of the gap, filled each quarter by the cheapest feasible routes: metric -> unit.
GAP_METRICS = {
    "gap_tokens_synthetic": "tokens",
    "gap_tokens_licensed": "tokens",
    "gap_tokens_licensed_cumulative": "tokens",
    "gap_cost_synthetic": "usd",
    "gap_cost_licensed": "usd",
    "gap_cost_synthetic_cumulative": "usd",
    "gap_cost_licensed_cumulative": "usd",
    "gap_synthetic_cheaper": "fraction",
    "gap_price_synthetic": "usd",
}


#: Metrics of a chosen synthetic share (``demand.synthetic_choice``): metric -> unit.
CHOICE_METRICS = {
    "demand_human": "tokens",
    "synthetic_share_chosen": "fraction",
}


def added_metrics(dynamics: bool, licensed_priced: bool, gap: bool, choice: bool = False) -> dict[str, str]:
    """Metrics the scan adds to :data:`METRICS`: the stock's terms with stock dynamics (and the
    licensed spend when licensed text has a price), the gap's metrics with a ``gap`` section, the
    human part of demand and the chosen share with ``demand.synthetic_choice``."""
    out: dict[str, str] = {}
    if choice:
        out.update(CHOICE_METRICS)
    if dynamics:
        out.update(STOCK_TERMS)
        if licensed_priced:
            out["licensed_spend"] = "usd"
    if gap:
        out.update(GAP_METRICS)
    return out


def metrics(scenario: Any) -> dict[str, str]:
    """Metrics the scan adds to :data:`METRICS` for ``scenario``: metric -> unit."""
    dyn = scenario.supply.dynamics if scenario.supply is not None else None
    choice = scenario.demand is not None and scenario.demand.synthetic_choice is not None
    return added_metrics(dyn is not None, dyn is not None and dyn.licensed_price_per_mtok is not None,
                         scenario.gap is not None, choice)
