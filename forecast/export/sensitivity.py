"""The files of ``peakdata sensitivity`` in ``OUT/<name>/sensitivity/``: the table of
:func:`forecast.analysis.sensitivity.sensitivity` as ``sensitivity.csv`` (outputs that are numbers:
P(exhausted by 2030), costs, the cheapest share, with a ``unit`` column) and
``sensitivity_exhaustion.csv`` (the exhaustion quarter: ``2028Q3`` labels with after-horizon flags,
never decimal years), ``meta.json`` (provenance) and the tornado charts (PNG bytes drawn by
:func:`forecast.report.charts.analysis.tornado_pngs`). Columns: docs/cli.md, docs/exports.md."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from forecast.export.writers import atomic_write_bytes, write_csv, write_json

__all__ = ["sensitivity_csv_tables", "sensitivity_meta", "write_sensitivity"]

#: Unit of ``base``, ``at_p10``, ``at_p90`` and ``swing`` per output of ``sensitivity.csv``.
_UNITS = {"cost.cheapest_share": "fraction"}


def _output_unit(output: str) -> str:
    if output.startswith("exhaustion.by_"):
        return "fraction"
    return _UNITS.get(output, "usd")


def sensitivity_csv_tables(frame: pd.DataFrame, last_year: float,
                           input_units: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """The sensitivity table as the CSVs a spreadsheet reads (docs/exports.md, "The CSV rules").

    ``sensitivity.csv``: the outputs that are numbers, with ``unit`` (of ``base``, ``at_p10``,
    ``at_p90``, ``swing``: ``usd`` or ``fraction``) after ``output`` and ``input_unit`` (the unit kind
    of ``input_p10/p50/p90``) after ``input``. ``sensitivity_exhaustion.csv``: the ``exhaustion``
    output, ``base``, ``at_p10``, ``at_p90`` as quarter labels each with its ``…_after_horizon`` flag
    (an analysis counts an exhaustion after the horizon as the quarter after its last, ``last_year``
    + 0.25: that is an empty cell and ``True``), ``swing`` in years. Files without rows are left out.
    """
    from forecast.export.tables import quarter_columns

    frame = frame.copy()
    frame.insert(frame.columns.get_loc("input") + 1, "input_unit",
                 [input_units.get(name, "number") for name in frame["input"]])
    numbers = frame[frame["output"] != "exhaustion"].reset_index(drop=True)
    numbers.insert(1, "unit", [_output_unit(o) for o in numbers["output"]])
    quarters = frame[frame["output"] == "exhaustion"].reset_index(drop=True)
    for column in ("base", "at_p10", "at_p90"):
        values = quarters[column].astype(float)
        quarters[column] = np.where(values > last_year + 1e-9, np.inf, values)
    quarters = quarter_columns(quarters, ["base", "at_p10", "at_p90"])
    tables = {"sensitivity.csv": numbers, "sensitivity_exhaustion.csv": quarters}
    return {name: table for name, table in tables.items() if len(table)}


def sensitivity_meta(frame: pd.DataFrame, scenario: Any) -> dict[str, Any]:
    """Provenance of a sensitivity table: peakdata version, scenario and its SHA-256, seed, Sobol evaluations."""
    from forecast._version import __version__
    from forecast.io.scenario import scenario_hash

    return {
        "peakdata": __version__, "scenario": scenario.name, "scenario_sha256": scenario_hash(scenario),
        "seed": scenario.seed, "sobol_evaluations": int(frame.attrs.get("evaluations", 0)),
        "method": "one-at-a-time swings (p10/p90, others at medians) and Sobol indices (SALib, "
                  "first-order and total, 95% bootstrap intervals)"}


def write_sensitivity(frame: pd.DataFrame, scenario: Any, folder: Path,
                      images: Mapping[str, bytes] | None = None,
                      data_dir: Path | None = None) -> list[Path]:
    """``sensitivity.csv``, ``sensitivity_exhaustion.csv`` (:func:`sensitivity_csv_tables`),
    ``meta.json`` and each of ``images`` (file name → PNG bytes) into ``folder``; returns the written
    paths."""
    from forecast.engine.evaluate import axes

    folder = Path(folder)
    units = {name: axis.kind for name, axis in axes(scenario, data_dir).items()}
    tables = sensitivity_csv_tables(frame, scenario.horizon.end.end_year, units)
    written = [write_csv(folder / name, table) for name, table in tables.items()]
    written.append(write_json(folder / "meta.json", sensitivity_meta(frame, scenario)))
    for name, body in (images or {}).items():
        written.append(atomic_write_bytes(folder / name, body))
    return written
