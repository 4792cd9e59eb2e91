"""What a run's outputs are called, in which unit, and how they are written: one vocabulary for the
terminal, Markdown, charts, CSV and XLSX, and the headline figures of a run computed once.

**Headline** (:func:`headline`): what the one-minute summary, the comparison table, the archive, sweeps,
goal-seek and "changes since last quarter" all quote. Quarters are carried as the decimal year at the
quarter's **end** (``2029Q1`` → 2029.25, as the kernels evaluate them), ``inf`` when the event falls
after the horizon, so two headlines subtract into "moved by 0.75 years". Probabilities are by the end
of fixed calendar years (2026, 2028, 2030, 2032), so two scenarios or two quarters line up whatever
their horizons; ``nan`` where a year lies outside the horizon. Costs are USD.

**Vocabulary**: the planner's words for headline keys (:func:`headline_label`), analysis outputs
(:func:`output_label`), cost items (:data:`COST_LABELS`), unit kinds (:data:`UNIT_WORDS`) and the
engine's derived draws (:data:`DERIVED_LABELS`); the unit kind of a key (:func:`headline_kind`,
:func:`output_kind`); how a value of a kind is written for people (:func:`format_value`,
:func:`format_headline`, :func:`format_stat`); the columns, variables and units of the spreadsheet
exports (:data:`MIX_COLUMNS`, :data:`IAMC_VARIABLES`) and the Excel number formats of the workbook
(:data:`XLSX_FORMATS`). Key names are documented in docs/nomenclature.md.
"""
from __future__ import annotations

import math

import numpy as np

from forecast.result import CENTRAL_80, ForecastResult, label
from forecast.units import Quarter, format_quantity

__all__ = ["BY_YEAR", "CALENDAR_YEARS", "COST_COMPONENTS", "COST_LABELS", "DERIVED_LABELS", "EXHAUSTION_LEVELS",
           "IAMC_VARIABLES", "MIX_COLUMNS", "OUTPUT_LABELS", "TITLES", "UNIT_WORDS", "XLSX_FORMATS", "XLSX_UNITS",
           "format_headline", "format_stat", "format_value", "headline", "headline_keys", "headline_kind",
           "headline_label", "headline_columns", "year_quarter",
           "input_unit", "output_kind", "output_label"]

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


def headline_kind(key: str) -> str | None:
    """Unit kind of a headline key: ``year`` (a quarter's end), ``probability``, ``fraction`` or ``usd``;
    None for a key that is not a headline figure."""
    if key.startswith("exhaustion.p"):
        return "year"
    if key.startswith("exhaustion.by_") or key == "cost.p_cheapest":
        return "probability"
    if key == "cost.cheapest_share":
        return "fraction"
    if key.startswith("cost.total"):
        return "usd"
    return None


def format_headline(key: str, value: float) -> str:
    """``2029Q1``, ``after horizon``, ``37%``, ``$4.71M`` — as the report prints it."""
    kind = headline_kind(key)
    if kind is None and not (value is None or (isinstance(value, float) and math.isnan(value))):
        return f"{value:.4g}"
    return format_value(value, kind or "")


def year_quarter(value: float) -> str:
    """The quarter label (``2028Q3``) of a decimal year at a quarter's end (``2028.75``); "" when the
    value is infinite (after the horizon) or missing. The CSV form of a ``year`` value."""
    if value is None or not math.isfinite(float(value)):
        return ""
    return str(Quarter.from_ordinal(round(float(value) * 4) - 1))


#: CSV column of each headline key that is a plain number (docs/exports.md, "Headline columns").
_HEADLINE_CSV = {"cost.total.p10": "cost_total_p10_usd", "cost.total.p50": "cost_total_p50_usd",
                 "cost.total.p90": "cost_total_p90_usd", "cost.cheapest_share": "cheapest_synthetic_share",
                 "cost.p_cheapest": "p_cheapest"}


def headline_columns(h: dict[str, float]) -> dict[str, object]:
    """A headline (:func:`headline`) as spreadsheet columns, in its order.

    ``exhaustion.p50`` → ``exhaustion_p50`` (a quarter label, empty after the horizon) and
    ``exhaustion_p50_after_horizon`` (True/False); ``exhaustion.by_2030`` → ``p_exhausted_by_2030``
    [fraction]; ``cost.total.p50`` → ``cost_total_p50_usd``; ``cost.cheapest_share`` →
    ``cheapest_synthetic_share`` [fraction]; ``cost.p_cheapest`` → ``p_cheapest`` [fraction].
    """
    out: dict[str, object] = {}
    for key, value in h.items():
        if key.startswith("exhaustion.p"):
            name = key.replace(".", "_")
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            out[name] = year_quarter(value)
            out[f"{name}_after_horizon"] = None if missing else bool(math.isinf(value))
        elif key.startswith("exhaustion.by_"):
            out[f"p_exhausted_by_{key.rsplit('_', 1)[1]}"] = value
        else:
            out[_HEADLINE_CSV.get(key, key.replace(".", "_"))] = value
    return out


def format_value(value: float, kind: str) -> str:
    """A value of a unit kind as a planner reads it: ``2029Q1`` (``year``: a quarter's end, ``after
    horizon`` when infinite), ``37%`` (``probability``, ``fraction``), ``$4.71M`` (``usd``), ``300T``
    (``tokens``, ``growth``, ``flop``, ``params``); ``n/a`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "year":
        if math.isinf(value):
            return "after horizon"
        return year_quarter(value)      # quarter end → that quarter
    if kind in ("probability", "fraction"):
        return f"{value * 100:.0f}%"
    if kind == "usd":
        return format_quantity(value, "usd")
    return format_quantity(value, kind) if kind in ("tokens", "growth", "flop", "params") else f"{value:.3g}"


#: A result's unit (``ForecastResult.units``, the ``unit`` of cost tables) → the kind :func:`format_stat`
#: writes it as; ``number`` rows (the loss) get four decimals, ``ratio`` the general format.
_STAT_KIND = {"tokens": "tokens", "fraction": "fraction", "ratio": "number", "usd": "usd", "hours": "hours",
              "flop": "flop", "params": "params"}


def format_stat(value: float, unit: str) -> str:
    """A statistic of a result for people (``300T``, ``35%``, ``$4.6M``); NaN is "–", infinity "unreachable"."""
    if value != value:  # NaN
        return "–"
    if value in (float("inf"), float("-inf")):
        return "unreachable"
    if unit == "number":
        return f"{value:.4f}"
    return format_quantity(float(value), _STAT_KIND.get(unit, "number"))


# --------------------------------------------------------------------------- analysis outputs

#: Year whose end P(exhausted by …) the sensitivity analysis takes.
BY_YEAR = 2030
#: Outputs of the sensitivity analysis (per model evaluation; forecast.analysis.sensitivity).
OUTPUT_LABELS = {
    "exhaustion": "Exhaustion quarter",
    f"exhaustion.by_{BY_YEAR}": f"P(exhausted by end of {BY_YEAR})",
    "cost.total": "Cost of the run",
    "cost.cheapest_share": "Cheapest synthetic share",
}


def output_label(key: str) -> str:
    """Planner's words for an analysis output (``cost.mix.0.5`` → ``Cost at 50% synthetic``)."""
    if key.startswith("cost.mix."):
        return f"Cost at {float(key[len('cost.mix.'):]) * 100:.0f}% synthetic"
    return OUTPUT_LABELS.get(key, key)


def output_kind(key: str) -> str:
    """Unit kind of an analysis output: ``year``, ``probability``, ``usd`` or ``fraction``."""
    if key == "exhaustion":
        return "year"
    if key.startswith("exhaustion.by_"):
        return "probability"
    return "fraction" if key == "cost.cheapest_share" else "usd"


# --------------------------------------------------------------------------- names and units

#: Items of a priced run (``cost_breakdown``) in planners' words: terminal, Markdown and workbook.
COST_LABELS = {
    "compute": "Compute", "human_data": "Human data", "expert_data": "Expert-written data",
    "synthetic_generation": "Synthetic generation", "verification": "Verification", "total": "Total",
    "gpu_hours": "GPU-hours", "price_per_gpu_hour_at_run_date": "Price per GPU-hour at run date",
    "training_flop": "Training compute", "params": "Parameters (active)", "tokens": "Training tokens",
    "synthetic_tokens": "Synthetic tokens", "collapse_penalty": "Collapse penalty on reducible loss",
    "synthetic_unique_tokens": "Unique synthetic tokens", "synthetic_epochs": "Epochs over synthetic tokens",
    "synthetic_effective_tokens": "Synthetic tokens as valued (repeated-data law)",
    "collapse_plateau": "Collapse plateau [nats/token]",
    "loss": "Loss [nats/token]",
}
#: The cost items that add up to a run's total, in stacking order (the cost-components chart).
COST_COMPONENTS = ("compute", "human_data", "expert_data", "synthetic_generation", "verification")
#: Titles shared by the terminal, the Markdown summary and the workbook.
TITLES = {"cost": "Training cost of the run",
          "mix_curve": "Cheapest run for the target quality, by synthetic share"}
#: Unit kind of an input → planners' words (the report's assumptions table).
UNIT_WORDS = {"tokens": "tokens", "params": "parameters", "flop": "FLOP", "usd": "USD",
              "fraction": "share", "growth": "factor per year", "number": "number", "hours": "hours"}
#: Per-sample draws the engine makes outside the inputs, in planners' words.
DERIVED_LABELS = {"demand.historical.growth": "fitted dataset growth (drawn from the trend)",
                  "demand.method_choice": "demand path (trend or compute)"}

#: Inputs in planners' words, for chart labels and tables ("what moves the answer", rank
#: correlations); the dotted name stays beside them where a reader edits the scenario.
INPUT_LABELS = {
    "supply.sources.indexed_web.stock": "indexed web text: stock",
    "supply.sources.indexed_web.growth": "indexed web text: growth",
    "supply.sources.indexed_web.quality": "indexed web text: usable share",
    "supply.repetition.multiplier": "repetition: data worth reusing",
    "supply.repetition.epochs": "repetition: epochs",
    "demand.compute.current_largest": "largest training compute today",
    "demand.compute.growth": "compute growth of the largest run",
    "demand.compute.overtraining": "overtraining (tokens per parameter vs compute-optimal)",
    "demand.historical.current_largest": "largest dataset today",
    "demand.historical_weight": "weight of the historical dataset trend",
    "cost.quality.synthetic_value": "value of a synthetic token (human = 1)",
    "cost.quality.collapse.strength": "model-collapse strength",
    "cost.compute.price_per_gpu_hour": "GPU price per hour",
    "cost.compute.mfu": "training MFU (share of GPU peak used)",
    "cost.synthetic_data.acceptance_rate": "synthetic data: share of generations kept",
    "cost.synthetic_data.utilisation": "synthetic data: generator's share of GPU peak",
    "cost.synthetic_data.generator_params": "synthetic data: generator size",
    "cost.synthetic_data.output_price_per_mtok": "synthetic data: price per million tokens",
    "cost.human_data.license_per_mtok": "human text: licence per million tokens",
    "cost.run.mix.synthetic": "synthetic share of the run",
}


def input_label(name: str) -> str:
    """An input's name in planners' words: :data:`INPUT_LABELS` or :data:`DERIVED_LABELS`, else
    the dotted name without its section, in words (``cost.compute.mfu`` → ``training MFU (share of
    GPU peak used)``; ``supply.sources.books.stock`` → ``books: stock``).

    >>> input_label("supply.sources.books.growth")
    'books: growth'
    """
    if name in INPUT_LABELS or name in DERIVED_LABELS:
        return INPUT_LABELS.get(name) or DERIVED_LABELS[name]
    parts = name.split(".")
    if parts[0] in ("supply", "demand", "cost", "gap"):
        parts = parts[1:]
    if parts[:1] == ["sources"] and len(parts) > 2:
        parts = parts[1:]
    words = [part.replace("_", " ") for part in parts]
    return ": ".join([" ".join(words[:-1]), words[-1]]) if len(words) > 1 else " ".join(words)


#: CSV columns of mix_curve.csv: engine column -> (CSV column, unit), in the report table's order.
MIX_COLUMNS = {
    "synthetic_share": ("synthetic_share", "fraction"),
    "params_p50": ("params_p50", "count"),
    "tokens_p50": ("tokens_p50", "tokens"),
    "compute_p50": ("compute_usd_p50", "USD"),
    "data_p50": ("data_usd_p50", "USD"),
    "total_p10": ("total_usd_p10", "USD"),
    "total_p50": ("total_usd_p50", "USD"),
    "total_p90": ("total_usd_p90", "USD"),
    "p_cheapest": ("p_cheapest", "fraction of draws"),
    "p_below_real_data_floor": ("p_below_real_data_floor", "fraction of draws"),
}
#: metric -> (IAMC variable, unit) for the per-quarter metrics.
IAMC_VARIABLES = {
    "stock": ("Human Text|Effective Stock", "tokens"),
    "demand": ("Training Data|Largest Run", "tokens"),
    "ratio": ("Training Data|Demand over Stock", "ratio"),
    "synthetic_needed": ("Training Data|Synthetic Needed", "tokens"),
    "synthetic_share": ("Training Data|Synthetic Share", "fraction"),
    "stock_human_inflow": ("Human Text|Effective Stock|Human Inflow", "tokens"),
    "stock_consent_loss": ("Human Text|Effective Stock|Consent Loss", "tokens"),
    "stock_licensed": ("Human Text|Effective Stock|Licensed", "tokens"),
    "licensed_spend": ("Human Text|Licensed Spend", "USD"),
    "gap_tokens_synthetic": ("Synthetic Gap|Tokens|Synthetic", "tokens"),
    "gap_tokens_licensed": ("Synthetic Gap|Tokens|Licensed", "tokens"),
    "gap_tokens_licensed_cumulative": ("Synthetic Gap|Cumulative Tokens|Licensed", "tokens"),
    "gap_cost_synthetic": ("Synthetic Gap|Cost|Synthetic", "USD"),
    "gap_cost_licensed": ("Synthetic Gap|Cost|Licensed", "USD"),
    "gap_cost_synthetic_cumulative": ("Synthetic Gap|Cumulative Cost|Synthetic", "USD"),
    "gap_cost_licensed_cumulative": ("Synthetic Gap|Cumulative Cost|Licensed", "USD"),
    "gap_synthetic_cheaper": ("Synthetic Gap|Synthetic Cheaper", "fraction"),
    "gap_price_synthetic": ("Synthetic Gap|Price per Useful Token", "USD/token"),
    "demand_human": ("Training Data|Largest Run|Human", "tokens"),
    "synthetic_share_chosen": ("Training Data|Synthetic Share|Chosen", "fraction"),
}

#: Excel number formats of the workbook by unit (each trailing comma divides by 1000). Money, tokens and
#: counts pick their suffix by magnitude (at most two conditions per format, as Excel allows): money
#: $#,##0 below a million, then $…M and $…bn; tokens "B tokens" and "T tokens"; a price per unit
#: (GPU-hour, million tokens, kWh) keeps its cents, and four decimals below 10 cents ($1.50, $0.0771).
XLSX_FORMATS = {
    "tokens": '[>=1000000000000]#,##0.0,,,,"T tokens";[>=1000000000]#,##0.0,,,"B tokens";#,##0" tokens"',
    "params": '[>=1000000000]#,##0.0,,,"B";[>=1000000]#,##0.0,,"M";#,##0',
    "count": '[>=1000000000]#,##0.0,,,"B";[>=1000000]#,##0.0,,"M";#,##0', "flop": "0.00E+00",
    "usd": '[>=1000000000]$#,##0.00,,,"bn";[>=1000000]$#,##0.00,,"M";$#,##0', "price": "[<0.1]$0.0000;$#,##0.00",
    "per_token": "$0.00E+00", "fraction": "0.0%", "growth": '0.000"x/yr"', "ratio": "0.000", "number": "0.0000",
    "hours": "#,##0", "yr": "0.00", "FLOP/s": "0.00E+00", "W": "#,##0",
}
#: Unit kind of an input → its unit on the workbook's Inputs sheet (:func:`input_unit`).
XLSX_UNITS = {"tokens": "tokens", "params": "count", "flop": "FLOP", "usd": "USD", "fraction": "fraction",
              "growth": "factor/yr", "hours": "hours", "number": "number"}


def input_unit(kind: str, name: str) -> str:
    """Unit of an input in the workbook: prices by what they are per (``USD/Mtok``, ``USD/GPU-hour``,
    ``USD/kWh``), else :data:`XLSX_UNITS`."""
    if kind == "usd":
        if name.endswith("_per_mtok"):
            return "USD/Mtok"
        if name.endswith("price_per_gpu_hour"):
            return "USD/GPU-hour"
        if name.endswith("electricity_price"):
            return "USD/kWh"
    return XLSX_UNITS.get(kind, kind)
