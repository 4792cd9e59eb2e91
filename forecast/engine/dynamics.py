"""Stock dynamics and the price of the gap: one pass over the quarters, carrying per-sample state.

With ``supply.dynamics`` the stock is no longer a sum of exponentials (the human stock is built up
quarter by quarter from the human part of the inflow, :mod:`forecast.models.dynamics`), so the
closed-form and bisection solves of :mod:`forecast.models.crossing` do not apply: the exhaustion
quarter is found by a scan, in the same pass that summarises the quarters. A ``gap`` section needs
the running largest gap per sample, so it takes this pass too. Scenarios with neither keep the
log-linear path of :mod:`forecast.engine.supply_demand`, unchanged.

The pass holds a handful of ``samples``-long rows per stock source, never a samples × quarters
array; it runs on one thread (quarters depend on the previous one).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.models import cost as C
from forecast.models import demand as D
from forecast.models import dynamics as Y
from forecast.result import CENTRAL_80, quantiles

__all__ = ["Extra", "extra_inputs", "human_share_series", "metrics", "run_pass", "TOTAL_YEARS"]

#: Years whose end the cumulative gap cost is reported at (issue 17: by 2030 and by 2035).
TOTAL_YEARS = (2030, 2035)

#: Metrics of the dynamic stock: metric -> unit.
STOCK_TERMS = {
    "stock_human_inflow": "tokens",
    "stock_consent_loss": "tokens",
    "stock_licensed": "tokens",
}
#: Metrics of the price of the gap: metric -> unit.
GAP_METRICS = {
    "gap_cost_synthetic": "usd",
    "gap_cost_licensed": "usd",
    "gap_cost_synthetic_cumulative": "usd",
    "gap_cost_licensed_cumulative": "usd",
    "gap_synthetic_cheaper": "fraction",
    "gap_price_synthetic": "usd",
}


@dataclass
class Extra:
    """Per-sample inputs of the dynamics and the gap price (arrays of shape ``(n,)``, or None)."""

    dynamic: list[bool]                       # per stock source: do inflow and erosion act on it
    share_by_quarter: np.ndarray | None       # human share h_k per quarter (from data) [fraction]
    share_per_sample: np.ndarray | None       # constant human share per sample [fraction]
    erosion: np.ndarray | None                # [fraction/yr]
    licensed_rate: np.ndarray | None          # effective licensed tokens per year (× repetition) [tokens/yr]
    licensed_raw_rate: np.ndarray | None      # licensed tokens bought per year [tokens/yr]
    licensed_price: np.ndarray | None         # [USD/token]
    gap_price_at: Any = None                  # years since price reference -> USD per useful token, (n,)
    gap_license: np.ndarray | None = None     # [USD/token]
    gap_years: np.ndarray | None = None       # per quarter, years since the price reference [yr]
    quarter_years: np.ndarray | None = None   # per quarter, its end [yr]
    has_dynamics: bool = False
    demand_log_cap: np.ndarray | None = None  # ln of the dataset at the compute ceiling (inf: none) [ln tokens]
    demand_b_after: np.ndarray | None = None  # ln-growth of the dataset after the ceiling [1/yr]


def metrics(scenario: Any) -> dict[str, str]:
    """Metrics this module adds for ``scenario``: metric -> unit."""
    out: dict[str, str] = {}
    dyn = scenario.supply.dynamics if scenario.supply is not None else None
    if dyn is not None:
        out.update(STOCK_TERMS)
        if dyn.licensed_price_per_mtok is not None:
            out["licensed_spend"] = "usd"
    if scenario.gap is not None:
        out.update(GAP_METRICS)
    return out


def human_share_series(name: str, data_dir: Path | None, t_end: np.ndarray) -> np.ndarray:
    """h per quarter from ``data/<name>``: the series at each quarter's middle (quarter ends ``t_end``)."""
    return _human_share_series(name, data_dir, np.asarray(t_end, dtype=float) - 0.125)


def _human_share_series(name: str, data_dir: Path | None, t_mid: np.ndarray) -> np.ndarray:
    from forecast.errors import DataError
    from forecast.io.references import DATA_FILE_COLUMNS, read_reference

    frame = read_reference(name, data_dir)
    for column in DATA_FILE_COLUMNS["human_share"]["numbers"]:
        if column not in frame.columns:
            raise DataError(f"data/{name} has no column '{column}' (expected year, human_share, source)")
    frame = frame.sort_values("year")
    return Y.human_share_at(t_mid, frame["year"].to_numpy(float), frame["human_share"].to_numpy(float))


def extra_inputs(scenario: Any, values: dict[str, np.ndarray], multiplier: np.ndarray, t_end: np.ndarray,
                 data_dir: Path | None) -> Extra:
    """Collect the drawn inputs of ``supply.dynamics`` and ``gap`` for :func:`run_pass`."""
    supply, n = scenario.supply, multiplier.size
    dyn = supply.dynamics
    dynamic = [c in supply.dynamic_sources for c in supply.include]
    share_q = share_s = erosion = lic = lic_raw = lic_price = None
    if dyn is not None:
        if dyn.human_share == "data":
            # the share of the text written during quarter k: the series at the quarter's middle
            share_q = human_share_series(dyn.human_share_data, data_dir, t_end)
        elif dyn.human_share is not None:
            share_s = values["supply.dynamics.human_share"]
        if dyn.consent_erosion is not None:
            erosion = values["supply.dynamics.consent_erosion"]
        if dyn.licensed_additions is not None:
            lic_raw = values["supply.dynamics.licensed_additions"]
            lic = lic_raw * multiplier
            if dyn.licensed_price_per_mtok is not None:
                lic_price = values["supply.dynamics.licensed_price_per_mtok"] / C.TOKENS_PER_MILLION
    extra = Extra(dynamic, share_q, share_s, erosion, lic, lic_raw, lic_price, quarter_years=t_end,
                  has_dynamics=dyn is not None)
    gap = scenario.gap
    if gap is not None:
        g = {k: values[f"gap.{k}"] for k in ("generation_per_mtok", "acceptance_rate", "verification_per_mtok",
                                              "synthetic_value", "price_trend", "license_per_mtok")}
        # prices refer to the start of price_reference; quarter k is priced at its end
        extra.gap_years = t_end - gap.price_reference.ordinal / 4.0
        extra.gap_price_at = lambda years: C.useful_synthetic_price(
            g["generation_per_mtok"], g["acceptance_rate"], g["verification_per_mtok"], g["synthetic_value"],
            g["price_trend"], years)
        extra.gap_license = np.broadcast_to(g["license_per_mtok"] / C.TOKENS_PER_MILLION, (n,))
    return extra


def run_pass(paths: Any, summary: Any = None, progress=None) -> tuple[np.ndarray, dict[str, pd.DataFrame]]:
    """Scan the quarters once: exhaustion quarter per sample and, with ``summary``, every metric's row.

    Returns the exhaustion positions (``quarters`` where never) and the tables of the gap's
    cumulative cost by the ends of :data:`TOTAL_YEARS` (empty without a gap section).
    """
    from forecast.engine.supply_demand import METRICS

    extra = paths.extra
    n, quarters = paths.need_a.size, paths.taus.size
    first = np.full(n, quarters, dtype=np.int32)
    names = dict(METRICS)
    if extra.has_dynamics:
        names.update(STOCK_TERMS)
        if extra.licensed_price is not None:
            names["licensed_spend"] = "usd"
    if extra.gap_price_at is not None:
        names.update(GAP_METRICS)
    if summary is not None:
        for name in names:
            summary.table(name)
    web_prev: list[np.ndarray | None] = [None] * len(paths.stock_a)
    human: list[np.ndarray | None] = [None] * len(paths.stock_a)
    human0: list[np.ndarray | None] = [None] * len(paths.stock_a)
    largest = np.zeros(n)
    cum_syn, cum_lic = np.zeros(n), np.zeros(n)
    totals: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def add(name: str, k: int, row: np.ndarray) -> None:
        if summary is not None:
            summary.add_row(name, k, np.array(row, dtype=float, copy=True))

    for k in range(quarters):
        tau = float(paths.taus[k])
        open_stock = np.zeros(n)
        other = np.zeros(n)
        inflow = np.zeros(n)
        loss = np.zeros(n)
        consent = Y.consent_factor(extra.erosion, tau) if extra.erosion is not None else 1.0
        for i, (a, b) in enumerate(zip(paths.stock_a, paths.stock_b)):
            web = D.log_linear(a, b, tau)
            if not extra.dynamic[i]:
                other += web
                continue
            if human[i] is None:
                human[i], human0[i] = web.copy(), web.copy()
            else:
                share = (extra.share_by_quarter[k] if extra.share_by_quarter is not None
                         else extra.share_per_sample if extra.share_per_sample is not None else 1.0)
                Y.human_stock_step(human[i], web_prev[i], web, share, out=human[i])
            web_prev[i] = web
            terms = Y.stock_terms(human0[i], human[i], consent, 0.0)
            open_stock += terms["stock"]
            inflow += terms["human_inflow"]
            loss += terms["consent_loss"]
        licensed = Y.licensed_stock(extra.licensed_rate, tau) if extra.licensed_rate is not None else np.zeros(n)
        eff = open_stock + other + licensed
        if extra.demand_log_cap is not None:
            need = D.tapered_log_linear(paths.need_a, paths.need_b, tau, extra.demand_log_cap, extra.demand_b_after)
        else:
            need = D.log_linear(paths.need_a, paths.need_b, tau)
        with np.errstate(invalid="ignore"):
            hit = need >= eff
        first[hit & (first == quarters)] = k
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = need / eff
            gap = D.synthetic_gap(need, eff)
        if summary is not None:
            add("stock", k, eff)
            add("demand", k, need)
            add("ratio", k, ratio)
            add("synthetic_needed", k, gap)
            add("synthetic_share", k, D.synthetic_share_from_ratio(ratio))
            if extra.has_dynamics:
                add("stock_human_inflow", k, inflow)
                add("stock_consent_loss", k, loss)
                add("stock_licensed", k, licensed)
                if extra.licensed_price is not None:
                    add("licensed_spend", k, Y.licensed_stock(extra.licensed_raw_rate, tau) * extra.licensed_price)
        if extra.gap_price_at is not None:
            price = extra.gap_price_at(float(extra.gap_years[k]))
            new = C.new_gap_tokens(gap, largest)
            np.maximum(largest, gap, out=largest)
            cum_syn += new * price
            cum_lic += new * extra.gap_license
            if summary is not None:
                add("gap_price_synthetic", k, np.broadcast_to(price, (n,)))
                add("gap_cost_synthetic", k, gap * price)
                add("gap_cost_licensed", k, gap * extra.gap_license)
                add("gap_cost_synthetic_cumulative", k, cum_syn)
                add("gap_cost_licensed_cumulative", k, cum_lic)
                add("gap_synthetic_cheaper", k, (price < extra.gap_license).astype(float))
            end = float(extra.quarter_years[k])
            for year in TOTAL_YEARS:
                if end == year + 1.0:  # quarter ends: year Q4 ends at year + 1 (docs/architecture.md)
                    totals[year] = (cum_syn.copy(), cum_lic.copy())
        if progress is not None:
            progress(k + 1, quarters)
    tables = {}
    if extra.gap_price_at is not None:
        tables["gap_cost_totals"] = _totals(totals)
    return first, tables


def _totals(totals: dict[int, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Cumulative cost of the gap by the end of each year in :data:`TOTAL_YEARS` within the horizon."""
    from forecast.result import label

    rows = []
    for year, (syn, lic) in sorted(totals.items()):
        paid = (syn > 0) | (lic > 0)  # samples with a gap by then; without one neither route is cheaper
        cheaper = float(np.mean(syn[paid] < lic[paid])) if paid.any() else float("nan")
        for route, values in (("synthetic", syn), ("licensed", lic)):
            q = quantiles(values, CENTRAL_80)
            rows.append({"by_end_of": year, "route": route, "unit": "usd", "mean": float(values.mean()), **q,
                         "p_cheaper": cheaper if route == "synthetic" else 1.0 - cheaper})
    return pd.DataFrame(rows, columns=["by_end_of", "route", "unit", "mean", *map(label, CENTRAL_80), "p_cheaper"])
