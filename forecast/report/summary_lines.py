"""Sentences of the report's first screen that read a run's tables: the price of the baseline's gap and
when the synthetic-heavy mix of a waterfall pays (its goal-seek break-even)."""
from __future__ import annotations

from typing import Any

from forecast.report import sections as S
from forecast.units import format_quantity

__all__ = ["gap_cost_sentence", "breakeven_clause"]


def gap_cost_sentence(run: Any) -> str:
    """The baseline's gap priced by 2030 and 2035: the cheapest routes (p50, 80% interval) against the
    dearer alternative of the two (every gap token synthetic, or every licensable token licensed first);
    "" without a gap table. It follows the baseline's line, so it does not name the scenario again."""
    totals = run.result.tables.get("gap_cost_totals")
    if totals is None or totals.empty:
        return ""
    at = totals.set_index(["by_end_of", "route"])
    years = sorted(int(y) for y in totals["by_end_of"].unique())
    money = lambda v: "$0" if float(v) == 0 else format_quantity(float(v), "usd")  # noqa: E731
    last = years[-1]
    total, licensed = float(at.loc[(last, "total"), "p50"]), float(at.loc[(last, "licensed"), "p50"])
    mix = ("almost all synthetic" if total <= 0 or licensed / total < 0.005
           else f"{licensed / total:.0%} licensed")
    parts = [f"**{money(at.loc[(y, 'total'), 'p50'])}** by end-{y} ({'p50; 80% interval ' if k == 0 else ''}"
             f"{money(at.loc[(y, 'total'), 'p10'])} – {money(at.loc[(y, 'total'), 'p90'])})"
             for k, y in enumerate(years)]
    alt = max(("all_synthetic", "licensed_first"), key=lambda r: float(at.loc[(last, r), "p50"]))
    what = {"all_synthetic": "making every gap token synthetic",
            "licensed_first": "licensing every licensable token first"}[alt]
    return (f"**The gap's cost**, cheapest routes ({mix}): {', '.join(parts)}; "
            f"{what} would cost {money(at.loc[(last, alt), 'p50'])} by then (p50).")

def breakeven_clause(data: dict[str, Any], wf: Any) -> str:
    """" At the same quality …": the synthetic-token value at which the synthetic-heavy mix becomes the
    cheaper one (``data/breakeven_<compare>.csv``), or "" when the waterfall has none."""
    frame = data.get(f"breakeven_{wf.name}") if wf is not None else None
    if frame is None or frame.empty:
        return ""
    row = frame[(frame["input"] == "cost.quality.synthetic_value") & frame["found"].astype(bool)]
    if row.empty:
        return ""
    r = row.iloc[0]
    return (f" At the same quality, {float(r['synthetic_share']):.0%} synthetic is cheaper only once a "
            f"synthetic token is worth at least {float(r['breakeven']):.2g} human tokens (today's median "
            f"{float(r['today_p50']):.3g}).")
