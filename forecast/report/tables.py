"""Planner-facing tables built from a result: one builder feeds the terminal and Markdown (values written
with :func:`forecast.outputs.format_stat`, labels from :mod:`forecast.outputs`)."""
from __future__ import annotations

import pandas as pd

import math

from forecast.outputs import COST_LABELS, format_headline, format_stat, headline_kind, headline_label
from forecast.result import ForecastResult, PointEstimate
from forecast.units import format_quantity

__all__ = ["HISTORY_METRICS", "exhaustion_table", "gap_table", "history_path_table", "history_table", "inputs_table", "cost_table", "mix_table",
           "cheapest_share_text", "run_reach_text", "point_tables"]


def exhaustion_table(result: ForecastResult) -> pd.DataFrame:
    """When demand overtakes the stock: median quarter, 80% and 90% intervals, probabilities."""
    rows = []
    end = result.quarters[-1]
    checkpoints = [q for q in result.quarters if q.endswith("Q4")]
    for _, row in result.event_summary().iterrows():
        rows.append({"event": row["event"], "median": row["median"],
                     "80% interval": f"{row['p10']} – {row['p90']}",
                     "90% interval": f"{row['p5']} – {row['p95']}",
                     f"P(by {end})": f"{row['probability_by_end']:.0%}"})
        for q in checkpoints[::4]:
            rows[-1][f"P(by {q})"] = f"{result.event_probability(row['event'], q):.0%}"
    return pd.DataFrame(rows)


def gap_table(result: ForecastResult, every: int = 4) -> pd.DataFrame:
    """Stock, demand and the synthetic gap at every ``every``-th quarter (Q4s by default)."""
    stock, demand = result.metric("stock"), result.metric("demand")
    needed, share = result.metric("synthetic_needed"), result.metric("synthetic_share")
    cdf = result.event_cdf()
    cdf = cdf[cdf["event"] == "exhaustion"].set_index("quarter")["probability"]
    rows = []
    for i, q in enumerate(result.quarters):
        if (q.endswith("Q4") and every == 4) or (every != 4 and i % every == 0):
            rows.append({
                "quarter": q,
                "stock p50": format_stat(stock.iloc[i]["p50"], "tokens"),
                "demand p50": format_stat(demand.iloc[i]["p50"], "tokens"),
                "P(exhausted)": f"{cdf[q]:.0%}",
                "synthetic needed p50": format_stat(needed.iloc[i]["p50"], "tokens"),
                "synthetic needed p90": format_stat(needed.iloc[i]["p90"], "tokens"),
                "synthetic share p50": format_stat(share.iloc[i]["p50"], "fraction"),
                "synthetic share p90": format_stat(share.iloc[i]["p90"], "fraction"),
            })
    return pd.DataFrame(rows)


def stock_terms_table(result: ForecastResult) -> pd.DataFrame:
    """With stock dynamics: the effective stock and its terms at every Q4 (p50 of each term)."""
    names = (("stock", "stock"), ("human text written since start", "stock_human_inflow"),
             ("restricted by consent erosion", "stock_consent_loss"), ("licensed", "stock_licensed"))
    frames = {label: result.metric(metric) for label, metric in names if metric in result.stats}
    rows = []
    for i, q in enumerate(result.quarters):
        if q.endswith("Q4"):
            rows.append({"quarter": q, **{f"{label} p50": format_stat(frame.iloc[i]["p50"], "tokens")
                                          for label, frame in frames.items()}})
    return pd.DataFrame(rows)


def gap_cost_table(result: ForecastResult) -> pd.DataFrame:
    """The gap at every Q4: this quarter's tokens and spend by route, and the chance synthetic is the margin."""
    syn, lic = result.metric("gap_cost_synthetic"), result.metric("gap_cost_licensed")
    cheaper, needed = result.metric("gap_synthetic_cheaper"), result.metric("synthetic_needed")
    bought = result.metric("gap_tokens_licensed_cumulative")
    rows = []
    for i, q in enumerate(result.quarters):
        if q.endswith("Q4"):
            rows.append({"quarter": q, "gap p50": format_stat(needed.iloc[i]["p50"], "tokens"),
                         "synthetic p50": format_stat(syn.iloc[i]["p50"], "usd"), "synthetic p90": format_stat(syn.iloc[i]["p90"], "usd"),
                         "licensed p50": format_stat(lic.iloc[i]["p50"], "usd"), "licensed p90": format_stat(lic.iloc[i]["p90"], "usd"),
                         "licensed to date p90": format_stat(bought.iloc[i]["p90"], "tokens"),
                         "P(synthetic cheaper)": f"{cheaper.iloc[i]['mean']:.1%}"})
    return pd.DataFrame(rows)


#: The rows of the gap's totals as a planner reads them: the cheapest routes, then the two alternatives.
GAP_ROUTE_LABELS = {"synthetic": "synthetic", "licensed": "licensed", "total": "total (cheapest routes)",
                    "all_synthetic": "alternative: all synthetic",
                    "licensed_first": "alternative: all licensable text licensed first"}


def gap_totals_table(result: ForecastResult) -> pd.DataFrame:
    """Cumulative cost of the gap by the end of 2030 and 2035, tokens bought once and kept."""
    rows = []
    for row in result.tables["gap_cost_totals"].itertuples(index=False):
        rows.append({"by end of": str(row.by_end_of), "route": GAP_ROUTE_LABELS.get(row.route, row.route),
                     "p10": format_stat(row.p10, "usd"),
                     "p50": format_stat(row.p50, "usd"), "p90": format_stat(row.p90, "usd"),
                     "P(cheaper route)": "" if math.isnan(row.p_cheaper) else f"{row.p_cheaper:.1%}"})
    return pd.DataFrame(rows)


def inputs_table(result: ForecastResult) -> pd.DataFrame:
    """Every uncertain input with its distribution, sample range, source and where it was set."""
    frame = result.inputs.copy()
    for column in ("p5", "p50", "p95"):
        frame[column] = [format_quantity(float(v), kind) for v, kind in zip(frame[column], frame["kind"])]
    return frame[["input", "distribution", "p5", "p50", "p95", "source", "set_at"]]


def cost_table(result: ForecastResult) -> pd.DataFrame:
    """The priced run: each cost component and the run's size, as p10 / p50 / p90 and mean."""
    table = result.tables["cost_breakdown"]
    rows = []
    for row in table.itertuples(index=False):
        rows.append({"item": COST_LABELS.get(row.item, row.item),
                     **{k: format_stat(getattr(row, k), row.unit) for k in ("p10", "p50", "p90", "mean")}})
    return pd.DataFrame(rows)


def mix_table(result: ForecastResult) -> pd.DataFrame:
    """Cheapest run reaching the target quality at each synthetic share."""
    table = result.tables["mix_curve"]
    rows = []
    for row in table.itertuples(index=False):
        rows.append({
            "synthetic share": format_quantity(row.synthetic_share, "fraction"),
            "params p50": format_stat(row.params_p50, "params"),
            "tokens p50": format_stat(row.tokens_p50, "tokens"),
            "compute p50": format_stat(row.compute_p50, "usd"),
            "data p50": format_stat(row.data_p50, "usd"),
            "total p10": format_stat(row.total_p10, "usd"),
            "total p50": format_stat(row.total_p50, "usd"),
            "total p90": format_stat(row.total_p90, "usd"),
            "P(cheapest)": "–" if row.p_cheapest != row.p_cheapest else f"{row.p_cheapest:.0%}",
            "P(human share < floor)": f"{row.p_below_real_data_floor:.0%}",
        })
    return pd.DataFrame(rows)


def run_reach_text(result: ForecastResult) -> str:
    """For a run sized to reach the target: a sentence when some samples cannot reach it, else ""."""
    reached = result.notes.get("run_target_reached", 1.0)
    if reached == 1:
        return ""
    if reached == 0:
        return ("No model size of cost.target.params_grid reaches the target loss in any sample: the run "
                "cannot be priced (raise the target loss or widen the grid)")
    return (f"In {1 - reached:.0%} of samples no model size of cost.target.params_grid reaches the target "
            f"loss; the costs above are over the {reached:.0%} that do")


def cheapest_share_text(result: ForecastResult) -> str:
    """The sentence under the mix table: which share minimises total cost, or that none reaches the target."""
    best = result.notes["cheapest_share"]
    reached = result.notes.get("target_reached", 1.0)
    if reached == 0:
        return ("No synthetic share reaches the target loss in any sample, at any model size of "
                "cost.target.params_grid: there is no cheapest share (raise the target loss or widen "
                "the grid)")
    text = (f"Synthetic share that minimises total cost: p50 {best['p50']:.0%} "
            f"(p10 {best['p10']:.0%}, p90 {best['p90']:.0%})")
    if reached < 1:
        text += (f"; in {1 - reached:.0%} of samples no share reaches the target, and these figures are "
                 f"over the {reached:.0%} that do")
    return text


def published_runs_view(table: pd.DataFrame) -> pd.DataFrame:
    """Formatted view of :func:`forecast.analysis.published_runs.published_runs_table`."""
    price_col = [c for c in table.columns if c.startswith("cost_at_") and c != "cost_at_stated_price"][0]
    out = pd.DataFrame({
        "model": table["model"], "accelerator": table["accelerator"],
        "6ND FLOP": [format_stat(v, "flop") for v in table["training_flop"]],
        "GPU-hours (stated)": [format_stat(v, "hours") for v in table["gpu_hours_stated"]],
        "implied MFU": [format_stat(v, "fraction") for v in table["implied_mfu"]],
        "cost at stated price": [format_stat(v, "usd") for v in table["cost_at_stated_price"]],
        "stated cost": [format_stat(v, "usd") for v in table["stated_cost_usd"]],
        price_col.replace("cost_at_", "cost at $").replace("usd_per_gpu_hour", "/GPU-h"):
            [format_stat(v, "usd") for v in table[price_col]],
    })
    return out


def hindcast_view(table: pd.DataFrame) -> pd.DataFrame:
    """Formatted view of :func:`forecast.analysis.published_runs.hindcast_table`: disclosed GPU-hours
    beside the hindcast's median and 80% interval, whether it is inside and the median's log10 error
    (runs not scored say so in the "inside?" column)."""
    def hours(v: float) -> str:
        return format_stat(v, "hours").removesuffix(" h")

    return pd.DataFrame({
        "run": table["model"], "accelerator": table["accelerator"],
        "disclosed": [hours(v) for v in table["gpu_hours_disclosed"]],
        "p50": [hours(v) for v in table["p50"]],
        "p10 – p90": [f"{hours(a)} – {hours(b)}" for a, b in zip(table["p10"], table["p90"])],
        "inside?": [("yes" if i else "no") if s else "not scored" for i, s in zip(table["inside"], table["scored"])],
        "log10 error": [f"{v:+.2f}" for v in table["log10_error"]],
    })


#: What ``peakdata history`` shows by default: median exhaustion, its 80% interval (``exhaustion.interval``:
#: p10 – p90), P(exhausted by the end of 2030) and the p50 cost.
HISTORY_METRICS = ("exhaustion.p50", "exhaustion.interval", "exhaustion.by_2030", "cost.total.p50")


def _metric_label(key: str) -> str:
    return "Exhaustion, 80% interval" if key == "exhaustion.interval" else headline_label(key)


def _figure(key: str, value: float) -> str:
    return "–" if value != value else format_headline(key, value)


def _metric_cells(runs: pd.DataFrame, key: str) -> list[str]:
    def column(name: str) -> list[float]:
        return list(runs[name]) if name in runs else [math.nan] * len(runs)

    if key == "exhaustion.interval":
        return ["–" if a != a else f"{_figure('exhaustion.p10', a)} – {_figure('exhaustion.p90', b)}"
                for a, b in zip(column("exhaustion.p10"), column("exhaustion.p90"))]
    return [_figure(key, v) for v in column(key)]


def history_table(runs: pd.DataFrame, metrics: tuple[str, ...] = HISTORY_METRICS) -> pd.DataFrame:
    """Archived report runs (:func:`forecast.store.archive.list_headlines`) for people: one row per
    run and scenario, the run id followed by "partial" for a run that was not its quarter's full run,
    the hash shortened to 12 characters, then the headline figures ``metrics`` (headline keys, or
    ``exhaustion.interval`` for p10 – p90), "–" where a scenario has no such figure."""
    out = pd.DataFrame({
        "run": [f"{run} partial" if pd.notna(full) and not full else str(run)
                for run, full in zip(runs["run"], runs["full"])],
        "quarter": runs["quarter"], "scenario": runs["scenario"],
        "sha256": runs["scenario_hash"].str[:12], "seed": runs["seed"].astype(str),
        "samples": [f"{n:,}" for n in runs["samples"]],
    })
    for key in metrics:
        out[_metric_label(key)] = _metric_cells(runs, key)
    out["peakdata"] = list(runs["version"])
    return out


def _move(key: str, before: float, after: float) -> str:
    """How a headline figure moved from one run to the next, as ``peakdata compare`` and "changes since
    last quarter" say it (:func:`forecast.report.changes.format_change`): ``3 quarters later``,
    ``−14.0 pts``, ``no change``; a cost in percent."""
    from forecast.report.changes import format_change

    if before != before or after != after:
        return "–"
    kind = headline_kind(key)
    if before == after:
        return "no change"
    if kind == "year":
        if math.isinf(before) or math.isinf(after):
            return "to after horizon" if math.isinf(after) else "from after horizon"
        return format_change("exhaustion.p50", after - before)
    if kind in ("probability", "fraction"):
        return format_change("exhaustion.by_2030", after - before)
    if kind == "usd" and before > 0:
        return f"{after / before - 1:+.0%}"
    return f"{after - before:+.4g}"


def history_path_table(runs: pd.DataFrame, metrics: tuple[str, ...] = HISTORY_METRICS) -> pd.DataFrame:
    """One scenario's path across archived quarters (rows of :func:`forecast.store.archive.list_headlines`
    for one scenario, oldest first): quarter, run, the figures ``metrics`` and how the first of them
    (``exhaustion.interval`` stands for the median) moved since the row before."""
    out = pd.DataFrame({
        "quarter": list(runs["quarter"]),
        "run": [f"{run} partial" if pd.notna(full) and not full else str(run)
                for run, full in zip(runs["run"], runs["full"])],
    })
    for key in metrics:
        cells = _metric_cells(runs, key)
        if any(cell != "–" for cell in cells) or key == metrics[0]:   # no empty column of a figure it lacks
            out[_metric_label(key)] = cells
    lead = "exhaustion.p50" if metrics[0] == "exhaustion.interval" else metrics[0]
    values = list(runs[lead]) if lead in runs else [math.nan] * len(runs)
    out[f"{_metric_label(lead)}: move"] = ["–"] + [_move(lead, a, b) for a, b in zip(values, values[1:])]
    return out


def point_tables(point: PointEstimate) -> dict[str, pd.DataFrame]:
    """Tables of a point estimate for people, by title: inputs, stock and demand at Q4s, cost, mixes."""
    out = {}
    inputs = point.inputs
    out["Inputs at their medians"] = pd.DataFrame({
        "input": inputs["input"],
        "value": [format_quantity(float(v), k) for v, k in zip(inputs["value"], inputs["kind"])]})
    if point.series:
        rows = []
        for i, q in enumerate(point.quarters):
            if q.endswith("Q4"):
                rows.append({"quarter": q, "stock": format_stat(point.series["stock"][i], "tokens"),
                             "demand": format_stat(point.series["demand"][i], "tokens"),
                             "demand ÷ stock": f"{point.series['ratio'][i]:.2f}",
                             "synthetic share": format_stat(point.series["synthetic_share"][i], "fraction")})
        out["Point stock and demand (Q4s)"] = pd.DataFrame(rows)
    if point.mixes is not None:
        sc = point.scalars
        items = [("compute", "usd"), ("human_data", "usd"), ("expert_data", "usd"), ("synthetic_generation", "usd"),
                 ("verification", "usd"), ("total", "usd"), ("gpu_hours", "hours"),
                 ("price_per_gpu_hour_at_run_date", "usd"), ("training_flop", "flop"), ("params", "params"),
                 ("tokens", "tokens")]
        out["Point cost of the run (USD)"] = pd.DataFrame(
            [{"item": COST_LABELS.get(k, k), "value": format_stat(sc[k], u)} for k, u in items])
        if len(point.mixes) > 1:
            out["Point cost of the same run by synthetic share"] = pd.DataFrame([
                {"synthetic share": format_quantity(r.synthetic_share, "fraction"), "data": format_stat(r.data, "usd"),
                 "compute": format_stat(r.compute, "usd"), "total": format_stat(r.total, "usd")}
                for r in point.mixes.itertuples(index=False) if r.mix != "run"])
    return out
