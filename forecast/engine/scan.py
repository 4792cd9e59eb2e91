"""The quarter-by-quarter scan: one per-quarter step, carrying per-sample state from quarter to quarter.

With ``supply.dynamics`` the stock is no longer a sum of exponentials (the human stock is built up
quarter by quarter from the human part of the inflow, :mod:`forecast.models.dynamics`), so the
closed-form and bisection solves of :mod:`forecast.models.crossing` do not apply: the exhaustion
quarter is found by a scan, in the same pass that summarises the quarters. A ``gap`` section needs
the running largest gap per sample, and a compute ceiling bends the demand path, so they take this
pass too. Scenarios with none of these keep the log-linear path of
:mod:`forecast.engine.supply_demand`, unchanged.

:func:`quarter_step` is written once: the Monte Carlo run (:func:`run_pass`, rows of ``n`` samples)
and the point estimate (:mod:`forecast.engine.point`, one sample) both scan with it. The pass
holds a handful of ``samples``-long rows per stock source, never a samples × quarters array; it
runs on one thread (quarters depend on the previous one).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from forecast.engine.blocks import Summariser, interpolate, ranks
from forecast.engine.metrics import METRICS, TOTAL_YEARS, added_metrics
from forecast.engine.paths import Extra, LogPaths
from forecast.models import data_cost as DC
from forecast.models import demand as D
from forecast.models import dynamics as Y
from forecast.models import licensing as L
from forecast.result import CENTRAL_80, label, quantiles

__all__ = ["ScanState", "quarter_step", "scan", "run_pass", "scan_metrics"]

#: (quarter position, τ) -> (each stock source's tokens before dynamics, the demand) [tokens]
RowsAt = Callable[[int, float], tuple[list[np.ndarray], np.ndarray]]


@dataclass
class ScanState:
    """What one quarter hands the next, per sample (rows of shape ``(n,)``)."""

    n: int
    web_prev: list[np.ndarray | None]      # per stock source, its text at the previous quarter [tokens]
    human: list[np.ndarray | None]         # per stock source, its human stock H_k [tokens]
    human0: list[np.ndarray | None]        # per stock source, H_0 [tokens]
    largest: np.ndarray                    # the largest gap so far [tokens]
    cum_syn: np.ndarray                    # cumulative cost of filling the gap with synthetic text [USD]
    cum_lic: np.ndarray                    # cumulative cost of the licensed part [USD]
    #: year -> (synthetic cost, licensed cost, synthetic cheaper at the margin, all-synthetic cost,
    #: licensed-first cost) by its end
    totals: dict[int, tuple[np.ndarray, ...]] = field(default_factory=dict)
    bought: np.ndarray | None = None       # licensed tokens bought so far per component, (K, n) [tokens]
    #: the alternatives to the cheapest routes: every gap token synthetic [USD]; every licensable token
    #: licensed first, whatever it costs: its synthetic part [USD] and its licensed tokens [tokens]
    cum_all_syn: np.ndarray | None = None
    cum_lic_first: np.ndarray | None = None
    bought_first: np.ndarray | None = None
    #: the price of the next licensed token per sample, the cheapest component's [USD/token]: it
    #: changes only where tokens were bought, so it is recomputed for those samples alone
    next_licensed: np.ndarray | None = None

    @classmethod
    def start(cls, n: int, sources: int) -> "ScanState":
        """The state before the first quarter."""
        return cls(n, [None] * sources, [None] * sources, [None] * sources, np.zeros(n), np.zeros(n), np.zeros(n))


def scan_metrics(extra: Extra) -> dict[str, str]:
    """Every metric the scan reports for ``extra``: metric -> unit (table order)."""
    return {**METRICS, **added_metrics(extra.has_dynamics, extra.licensed_price is not None,
                                       extra.gap_price_at is not None, extra.chosen_share is not None)}


def _stock_step(extra: Extra, state: ScanState, k: int, tau: float, web: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The usable stock S_k = c·ΣH_k + other sources + L(τ) and, with dynamics, its terms (derivations.md §8)."""
    n = state.n
    open_stock, other, inflow, loss = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    consent = Y.consent_factor(extra.erosion, tau) if extra.erosion is not None else 1.0
    for i, row in enumerate(web):
        if not extra.dynamic[i]:
            other += row
            continue
        if state.human[i] is None:
            state.human[i], state.human0[i] = row.copy(), row.copy()
        else:
            share = (extra.share_by_quarter[k] if extra.share_by_quarter is not None
                     else extra.share_per_sample if extra.share_per_sample is not None else 1.0)
            Y.human_stock_step(state.human[i], state.web_prev[i], row, share, out=state.human[i])
        state.web_prev[i] = row
        terms = Y.stock_terms(state.human0[i], state.human[i], consent, 0.0)
        open_stock += terms["stock"]
        inflow += terms["human_inflow"]
        loss += terms["consent_loss"]
    licensed = Y.licensed_stock(extra.licensed_rate, tau) if extra.licensed_rate is not None else np.zeros(n)
    rows = {"stock": open_stock + other + licensed}
    if extra.has_dynamics:
        rows.update(stock_human_inflow=inflow, stock_consent_loss=loss, stock_licensed=licensed)
    return rows


def _gap_step(extra: Extra, state: ScanState, k: int, gap: np.ndarray, rows: bool) -> dict[str, np.ndarray]:
    """This quarter's new gap tokens filled by the cheapest feasible routes, and the costs (derivations.md §9, §13)."""
    price = np.broadcast_to(extra.gap_price_at(float(extra.gap_years[k])), (state.n,))
    new = DC.new_gap_tokens(gap, state.largest)
    np.maximum(state.largest, gap, out=state.largest)
    if state.bought is None:
        state.bought = np.zeros((extra.license_stock.shape[0], state.n))
        state.cum_all_syn, state.cum_lic_first, state.bought_first = (np.zeros(state.n) for _ in range(3))
    # only samples with new gap tokens and a licensed token cheaper than π can buy one: fill those
    # (fill_gap buys nothing elsewhere); synthetic is cheaper at the margin where π ≤ the next licensed token
    if state.next_licensed is None:
        state.next_licensed = L.marginal_license_price(extra.license_base, extra.license_rise, extra.license_stock,
                                                       state.bought).min(axis=0, initial=np.inf)
    cheaper = price <= state.next_licensed * (1.0 + 1e-9)
    active = np.flatnonzero((new > 0) & ~cheaper)
    licensed = np.zeros_like(state.bought)
    licence_cost = np.zeros(state.n)
    if active.size:
        base = extra.license_base[:, active] if extra.license_base.shape[1] > 1 else extra.license_base
        stock = extra.license_stock[:, active] if extra.license_stock.shape[1] > 1 else extra.license_stock
        got, _, licence_cost[active] = L.fill_gap(new[active], price[active], base, extra.license_rise[active],
                                                  stock, state.bought[:, active])
        licensed[:, active] = got
        state.bought[:, active] += got
        state.next_licensed[active] = L.marginal_license_price(base, extra.license_rise[active], stock,
                                                               state.bought[:, active]).min(axis=0, initial=np.inf)
        cheaper[active] = L.synthetic_cheaper_at_margin(price[active], base, extra.license_rise[active], stock,
                                                        state.bought[:, active])
    synthetic = new - licensed.sum(axis=0)
    synthetic_cost = synthetic * price
    state.cum_syn += synthetic_cost
    state.cum_lic += licence_cost
    # the alternatives: all synthetic; every licensable token licensed first, whatever it costs, and
    # synthetic only once none is left (its licensed cost is priced at the year ends, :func:`_first_cost`)
    state.cum_all_syn += new * price
    first = np.minimum(new, np.maximum(float(extra.license_stock.sum()) - state.bought_first, 0.0))
    state.bought_first += first
    state.cum_lic_first += (new - first) * price
    end = float(extra.quarter_years[k])
    for year in TOTAL_YEARS:
        if end == year + 1.0:  # quarter ends: year Q4 ends at year + 1 (docs/architecture.md)
            state.totals[year] = (state.cum_syn.copy(), state.cum_lic.copy(), cheaper.copy(),
                                  state.cum_all_syn.copy(), state.cum_lic_first + _first_cost(extra, state))
    if not rows:
        return {}
    return {"gap_price_synthetic": price, "gap_tokens_synthetic": synthetic,
            "gap_tokens_licensed": licensed.sum(axis=0), "gap_tokens_licensed_cumulative": state.bought.sum(axis=0),
            "gap_cost_synthetic": synthetic_cost, "gap_cost_licensed": licence_cost,
            "gap_cost_synthetic_cumulative": state.cum_syn, "gap_cost_licensed_cumulative": state.cum_lic,
            "gap_synthetic_cheaper": cheaper.astype(float)}


def _first_cost(extra: Extra, state: ScanState) -> np.ndarray:
    """What the licensed-first alternative has paid for its licensed tokens so far [USD].

    Bought in merit order at a common marginal price, the tokens each component has sold depend
    only on the total bought, not on the quarters it was bought in: one :func:`L.fill_gap` of the
    total from nothing, at an unbounded synthetic price, prices them.
    """
    n = state.n
    zero = np.zeros((extra.license_stock.shape[0], n))
    return L.fill_gap(state.bought_first, np.full(n, np.inf), extra.license_base, extra.license_rise,
                      extra.license_stock, zero)[2]


def quarter_step(extra: Extra, state: ScanState, k: int, tau: float, web: list[np.ndarray], need: np.ndarray,
                 rows: bool = True) -> dict[str, np.ndarray]:
    """One quarter: the stock from each source's text ``web``, against the demand ``need``.

    Updates ``state`` (human stocks, the largest gap, cumulative costs) and returns this quarter's
    rows by metric (:func:`scan_metrics`) [tokens, ratio, fraction, USD]. The rows may be views of
    ``state``: copy them before the next step. ``rows=False`` skips rows no event or total needs
    (``stock``, ``demand``, ``ratio`` and ``synthetic_needed`` are always returned).
    """
    out = _stock_step(extra, state, k, tau, web)
    eff = out["stock"]
    chosen = extra.chosen_at(k)
    # only the human part of the dataset draws on the human stock (docs/derivations.md §17)
    human = need if chosen is None else D.split_demand(need, chosen)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = human / eff
        gap = D.synthetic_gap(human, eff)
    out.update(demand=need, ratio=ratio, synthetic_needed=gap)
    if chosen is not None:
        out["demand_human"] = human
    if rows:
        if chosen is None:
            out["synthetic_share"] = D.synthetic_share_from_ratio(ratio)
        else:  # chosen + forced: the gap is the floor above the chosen share
            out["synthetic_share"] = D.total_synthetic_share(need, eff, chosen)
            out["synthetic_share_chosen"] = np.broadcast_to(chosen, need.shape)
        if extra.has_dynamics and extra.licensed_price is not None:
            out["licensed_spend"] = Y.licensed_stock(extra.licensed_raw_rate, tau) * extra.licensed_price
    if extra.gap_price_at is not None:
        out.update(_gap_step(extra, state, k, gap, rows))
    return out


def scan(extra: Extra, taus: np.ndarray, rows_at: RowsAt, state: ScanState,
         record: Callable[[int, dict[str, np.ndarray]], None] | None = None, progress=None) -> np.ndarray:
    """Step through the quarters; per sample, the first quarter with demand ≥ stock (``len(taus)``: never).

    ``rows_at(k, τ)`` gives quarter ``k``'s text of each stock source and its demand; ``record(k,
    rows)``, when given, receives every quarter's rows (:func:`quarter_step`) while ``state`` holds
    that quarter's human stocks. ``state`` (:meth:`ScanState.start`) ends holding the cumulative gap
    costs by year (``totals``).
    """
    quarters = taus.size
    first = np.full(state.n, quarters, dtype=np.int32)
    for k in range(quarters):
        tau = float(taus[k])
        web, need = rows_at(k, tau)
        out = quarter_step(extra, state, k, tau, web, need, rows=record is not None)
        with np.errstate(invalid="ignore"):
            hit = out.get("demand_human", need) >= out["stock"]
        first[hit & (first == quarters)] = k
        if record is not None:
            record(k, out)
        if progress is not None:
            progress(k + 1, quarters)
    return first


def _log_rows(paths: LogPaths) -> RowsAt:
    """Rows of the Monte Carlo run: exp(a + b·τ) of every path, the demand tapered at a compute ceiling."""
    extra = paths.extra

    def rows_at(k: int, tau: float) -> tuple[list[np.ndarray], np.ndarray]:
        web = [D.log_linear(a, b, tau) for a, b in zip(paths.stock_a, paths.stock_b)]
        if extra.demand_log_cap is not None:
            need = D.tapered_log_linear(paths.need_a, paths.need_b, tau, extra.demand_log_cap, extra.demand_b_after)
        else:
            need = D.log_linear(paths.need_a, paths.need_b, tau)
        return web, need

    return rows_at


def run_pass(paths: LogPaths, summary: Summariser | None = None,
             progress=None) -> tuple[np.ndarray, dict[str, pd.DataFrame]]:
    """Scan the quarters once: exhaustion quarter per sample and, with ``summary``, every metric's row.

    Returns the exhaustion positions (``quarters`` where never) and the tables of the gap's
    cumulative cost by the ends of :data:`TOTAL_YEARS` (empty without a gap section).
    """
    extra = paths.extra
    record = None
    if summary is not None:
        names = scan_metrics(extra)
        for name in names:
            summary.table(name)
        fast = isinstance(summary, Summariser)

        def record(k: int, rows: dict[str, np.ndarray]) -> None:
            ratio_stats = None
            for name in names:
                row = np.array(rows[name], dtype=float, copy=True)
                if not fast:  # a stand-in that keeps the rows (tests)
                    summary.add_row(name, k, row)
                elif name == "ratio":
                    ratio_stats = summary.add_row(name, k, row)
                elif name == "synthetic_share" and ratio_stats is not None and "demand_human" not in rows:
                    # max(1 − 1/ratio, 0) is non-decreasing: its quantiles from the ratio's order
                    # statistics, as the log-linear path takes them (its mean needs the row)
                    summary.add_derived(name, k, row.mean(), ratio_stats, _share)
                else:
                    _add_row(summary, name, k, row)

    state = ScanState.start(paths.need_a.size, len(paths.stock_a))
    first = scan(extra, paths.taus, _log_rows(paths), state, record, progress)
    tables = {}
    if extra.gap_price_at is not None:
        tables["gap_cost_totals"] = _totals(state.totals)
    return first, tables


def _share(ratio: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(D.synthetic_share_from_ratio(np.array([ratio]))[0])


def _add_row(summary: Summariser, name: str, k: int, row: np.ndarray) -> None:
    """``summary.add_row`` of quarter ``k``'s ``row``, by the cheapest selection that gives the same bytes.

    A row of one finite non-zero value needs no selection (every order statistic is that value);
    a row of non-negative values with zeros (+0.0 only: the gap's tokens and costs before it opens)
    selects among its positive values (:meth:`Summariser.add_zero_padded`); anything else, NaN
    included, is :meth:`Summariser.add_row`.
    """
    lo = row.min() if row.size else np.nan
    if lo == 0.0 and not np.signbit(row).any():  # no NaN (min would be NaN), no negative, no -0.0
        summary.add_zero_padded(name, k, row, finite=True)
    elif lo != 0.0 and np.isfinite(lo) and lo == row.max():
        table = summary.stats[name]
        table[k, 0] = row.mean()
        table[k, 1:] = interpolate(row.size, dict.fromkeys(ranks(row.size), float(lo)))
    else:
        summary.add_row(name, k, row)


#: Rows of the gap's cumulative cost table: the cheapest routes (``synthetic``, ``licensed``, their
#: ``total``) and the two alternatives, every gap token synthetic and every licensable token first.
TOTAL_ROUTES = ("synthetic", "licensed", "total", "all_synthetic", "licensed_first")


def _totals(totals: dict[int, tuple[np.ndarray, ...]]) -> pd.DataFrame:
    """Cumulative cost of the gap by route by the end of each year in :data:`TOTAL_YEARS` within the horizon.

    Routes: :data:`TOTAL_ROUTES`. ``p_cheaper``: among samples with a gap by then, the chance the
    route is the cheaper one at the margin (the next synthetic token against the cheapest next
    licensed one); ``total`` and the alternatives have none.
    """
    rows = []
    for year, (syn, lic, margin, all_syn, lic_first) in sorted(totals.items()):
        paid = (syn > 0) | (lic > 0)  # samples with a gap by then; without one neither route is cheaper
        cheaper = float(np.mean(margin[paid])) if paid.any() else float("nan")
        nan = float("nan")
        p_route = {"synthetic": cheaper, "licensed": 1.0 - cheaper, "total": nan, "all_synthetic": nan,
                   "licensed_first": nan}
        for route, values in zip(TOTAL_ROUTES, (syn, lic, syn + lic, all_syn, lic_first)):
            q = quantiles(values, CENTRAL_80)
            rows.append({"by_end_of": year, "route": route, "unit": "usd", "mean": float(values.mean()), **q,
                         "p_cheaper": p_route[route]})
    return pd.DataFrame(rows, columns=["by_end_of", "route", "unit", "mean", *map(label, CENTRAL_80), "p_cheaper"])
