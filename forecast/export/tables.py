"""Tables for spreadsheets and scenario explorers, built from one or more results.

* :func:`long_table`: one row per scenario, metric, quarter and statistic (tidy, "long");
* :func:`wide_table`: one metric, one row per scenario and quarter, one column per statistic;
* :func:`iamc_table`: the IAMC format (``model, scenario, region, variable, unit, 2024, ...``) that
  pyam and the IIASA scenario explorers read;
* :func:`csv_view`: a result's own tables as written to ``reports/<name>/*.csv``: with a
  ``scenario`` column, ``quarter_end`` beside every ``quarter``, and the columns in the order of
  the report's tables.

Numbers stay in base units (tokens, USD, fractions); ``unit`` says which (names and units of the
mix columns and IAMC variables: :mod:`forecast.outputs`). Columns and units are documented in
docs/exports.md.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np
import pandas as pd

from forecast.outputs import IAMC_VARIABLES, MIX_COLUMNS
from forecast.result import STAT_COLUMNS, ForecastResult
from forecast.units import Quarter

__all__ = ["LONG_COLUMNS", "STATISTICS", "csv_view", "iamc_table", "long_table", "metadata",
           "headline_table", "quarter_columns", "quarter_end", "snake_headers", "wide_table", "with_quarter_end"]

LONG_COLUMNS = ["scenario", "metric", "quarter", "quarter_end", "statistic", "value", "unit"]

#: Statistics of the long and wide tables: the Monte Carlo ones, then the point estimate.
STATISTICS = (*STAT_COLUMNS, "point")


def quarter_end(labels: Iterable[str]) -> list[str]:
    """ISO date of the last day of each quarter label (``2026Q4`` → ``2026-12-31``); "" if not a quarter."""
    return [_quarter_end(str(label)) for label in labels]


@lru_cache(maxsize=4096)
def _quarter_end(label: str) -> str:
    try:
        return Quarter.parse(label).end_date
    except ValueError:
        return ""


def with_quarter_end(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``quarter_end`` column right after ``quarter`` (when it has one)."""
    if "quarter" not in frame.columns or "quarter_end" in frame.columns:
        return frame
    frame = frame.copy()
    frame.insert(frame.columns.get_loc("quarter") + 1, "quarter_end", quarter_end(frame["quarter"]))
    return frame


def quarter_columns(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``frame`` with each of ``columns`` written as a quarter label and flagged when after the horizon.

    A column may hold quarter labels already (``2028Q3``, or ``after 2040Q4`` past the horizon) or
    decimal years at a quarter's end (``2028.75``, ``inf`` past the horizon). Each becomes the quarter
    label, empty past the horizon, followed by ``<column>_after_horizon`` (True/False): what a
    spreadsheet reads as text and a boolean, never as a number that looks like a year.
    """
    from forecast.outputs import year_quarter

    frame = frame.copy()
    for column in columns:
        if column not in frame.columns:
            continue
        labels, after = [], []
        for value in frame[column].tolist():
            if isinstance(value, str):
                late = value.startswith("after")
                labels.append("" if late else value)
            else:
                late = value is not None and value == value and np.isinf(float(value))
                labels.append(year_quarter(value) if value is not None and value == value else "")
            missing = value is None or (not isinstance(value, str) and value != value)
            after.append(None if missing else bool(late))
        at = frame.columns.get_loc(column)
        frame[column] = pd.Series(labels, index=frame.index, dtype=object)
        frame.insert(at + 1, f"{column}_after_horizon", pd.Series(after, index=frame.index, dtype=object))
    return frame


def headline_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its headline columns (``exhaustion.p50``, ``exhaustion.by_2030``,
    ``cost.total.p50``, ...) written as :func:`forecast.outputs.headline_columns` writes them: quarter
    labels with after-horizon flags, ``p_exhausted_by_2030``, ``cost_total_p50_usd``. The other
    columns keep their names and places; the headline columns take the place of the first of them."""
    from forecast.outputs import headline_columns

    keys = [c for c in frame.columns if str(c).startswith(("exhaustion.", "cost."))]
    if not keys:
        return frame
    converted = pd.DataFrame([headline_columns({k: row[k] for k in keys})
                              for row in frame[keys].to_dict("records")], index=frame.index)
    if converted.empty:
        converted = pd.DataFrame(columns=list(headline_columns({k: float("nan") for k in keys})))
    at = list(frame.columns).index(keys[0])
    before = [c for c in frame.columns[:at] if c not in keys]
    after = [c for c in frame.columns[at:] if c not in keys]
    return pd.concat([frame[before], converted, frame[after]], axis=1)


def snake_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every header made machine-readable: runs of spaces and punctuation become ``_``
    (``set at`` → ``set_at``, ``cost.total.p50`` → ``cost_total_p50``); letters keep their case."""
    import re

    names = {c: re.sub(r"[^0-9A-Za-z_]+", "_", str(c)).strip("_") for c in frame.columns}
    return frame.rename(columns=names)


def _with_scenario(frame: pd.DataFrame, scenario: str) -> pd.DataFrame:
    frame = frame.copy()
    if "scenario" not in frame.columns:
        frame.insert(0, "scenario", scenario)
    return frame


def csv_view(result: ForecastResult, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A result table as written to CSV: ``scenario`` first, ``quarter_end``, report column order."""
    if name == "mix_curve":
        frame = frame[[c for c in MIX_COLUMNS if c in frame.columns]].rename(
            columns={k: v[0] for k, v in MIX_COLUMNS.items()})
    elif name == "cost_breakdown":
        frame = frame[["item", "unit", "p10", "p50", "p90", "mean"]]
    elif name == "exhaustion":
        frame = quarter_columns(frame, ["median", "p10", "p90", "p5", "p95"])
    return with_quarter_end(_with_scenario(frame, result.scenario))


def _point_stats(result: ForecastResult, metric: str) -> np.ndarray | None:
    point = result.point
    if point is None or metric not in point.series:
        return None
    return np.asarray(point.series[metric], dtype=float)


def _metric_block(result: ForecastResult, metric: str) -> tuple[np.ndarray, list[str]]:
    """(quarters, statistics) values of one metric, the point estimate as the last column."""
    stats = np.asarray(result.stats[metric], dtype=float)
    point = _point_stats(result, metric)
    if point is None:
        point = np.full(stats.shape[0], np.nan)
    return np.column_stack([stats, point]), list(STATISTICS)


def long_table(results: Iterable[ForecastResult]) -> pd.DataFrame:
    """Every per-quarter metric of every result, one row per statistic; then each run's cost items.

    Columns: scenario, metric, quarter, quarter_end, statistic, value, unit. Cost items (metric
    ``cost.<item>``, e.g. ``cost.total``) carry the run's date as their quarter. The statistic
    ``point`` is the point estimate (every input at its median); it is given for stock, demand and
    the cost items, and left empty where the point model has no such path.
    """
    frames = []
    for result in results:
        ends = quarter_end(result.quarters)
        for metric in result.stats:
            block, names = _metric_block(result, metric)
            q, s = block.shape
            frames.append(pd.DataFrame({
                "scenario": result.scenario, "metric": metric,
                "quarter": np.repeat(np.asarray(result.quarters, dtype=object), s),
                "quarter_end": np.repeat(np.asarray(ends, dtype=object), s),
                "statistic": np.tile(np.asarray(names, dtype=object), q),
                "value": block.ravel(), "unit": result.units.get(metric, "")}))
        table = result.tables.get("cost_breakdown")
        if table is not None:
            when = result.quarters[0] if result.quarters else ""
            point = result.point.scalars if result.point is not None else {}
            rows = []
            for row in table.itertuples(index=False):
                for stat in ("mean", "p10", "p50", "p90"):
                    rows.append((f"cost.{row.item}", stat, float(getattr(row, stat)), row.unit))
                rows.append((f"cost.{row.item}", "point", float(point.get(row.item, np.nan)), row.unit))
            frame = pd.DataFrame(rows, columns=["metric", "statistic", "value", "unit"])
            frame.insert(0, "scenario", result.scenario)
            frame.insert(2, "quarter", when)
            frame.insert(3, "quarter_end", quarter_end([when])[0])
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=LONG_COLUMNS)
    return pd.concat(frames, ignore_index=True)[LONG_COLUMNS]


def wide_table(results: Iterable[ForecastResult], metric: str) -> pd.DataFrame:
    """One metric: a row per scenario and quarter, a column per statistic (mean, p5 ... p95, point)."""
    frames = []
    for result in results:
        if metric not in result.stats:
            continue
        block, names = _metric_block(result, metric)
        frame = pd.DataFrame(block, columns=names)
        frame.insert(0, "unit", result.units.get(metric, ""))
        frame.insert(0, "quarter_end", quarter_end(result.quarters))
        frame.insert(0, "quarter", list(result.quarters))
        frame.insert(0, "scenario", result.scenario)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["scenario", "quarter", "quarter_end", "unit", *STATISTICS])
    return pd.concat(frames, ignore_index=True)


def iamc_table(results: Iterable[ForecastResult], model: str = "peakdata") -> pd.DataFrame:
    """IAMC wide format: model, scenario, region, variable, unit, then one column per year.

    A year's value is the one at the end of its last quarter in the horizon (Q4 when the year is
    whole). Each metric gives three variables, ``<variable>|p10``, ``|p50`` and ``|p90``, plus
    ``|point`` for stock and demand; cost items give ``Training Cost|<item>|p50`` etc. in the
    run's year. Region is ``World``: the stock and demand are global.
    """
    rows: list[dict] = []
    years_seen: set[int] = set()
    for result in results:
        years = [Quarter.parse(q).year for q in result.quarters]
        last: dict[int, int] = {}
        for i, year in enumerate(years):
            last[year] = i
        years_seen.update(last)
        for metric, (variable, unit) in IAMC_VARIABLES.items():
            if metric not in result.stats:
                continue
            block, names = _metric_block(result, metric)
            for k, stat in enumerate(names):
                if stat not in ("p10", "p50", "p90", "point") or np.isnan(block[:, k]).all():
                    continue
                rows.append({"model": model, "scenario": result.scenario, "region": "World",
                             "variable": f"{variable}|{stat}", "unit": unit,
                             **{year: float(block[i, k]) for year, i in last.items()}})
        table = result.tables.get("cost_breakdown")
        if table is not None and result.quarters:
            year = years[0]
            years_seen.add(year)
            point = result.point.scalars if result.point is not None else {}
            for row in table.itertuples(index=False):
                for stat in ("p10", "p50", "p90", "point"):
                    value = point.get(row.item, np.nan) if stat == "point" else getattr(row, stat)
                    rows.append({"model": model, "scenario": result.scenario, "region": "World",
                                 "variable": f"Training Cost|{row.item}|{stat}", "unit": row.unit,
                                 year: float(value)})
    columns = ["model", "scenario", "region", "variable", "unit", *sorted(years_seen)]
    frame = pd.DataFrame(rows, columns=columns)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def metadata(results: Iterable[ForecastResult]) -> dict:
    """Provenance of a set of results for ``meta.json``: version, scenario hash, seed, samples, data."""
    scenarios = []
    for result in results:
        scenarios.append({"scenario": result.scenario, "description": result.description.strip(),
                          "peakdata_version": result.version, "scenario_sha256": result.scenario_hash,
                          "seed": result.seed, "samples": result.samples,
                          "horizon": [result.quarters[0], result.quarters[-1]] if result.quarters else [],
                          "point_exhaustion": result.point.exhaustion if result.point is not None else None,
                          "data_files_sha256": result.notes.get("data_files", {})})
    return {"generator": "peakdata", "scenarios": scenarios}
