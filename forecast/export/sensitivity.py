"""The files of ``peakdata sensitivity`` in ``OUT/<name>/sensitivity/``: ``sensitivity.csv`` (the table of
:func:`forecast.analysis.sensitivity.sensitivity`), ``meta.json`` (provenance) and the tornado charts
(PNG bytes drawn by :func:`forecast.report.charts.analysis.tornado_pngs`). Columns: docs/cli.md."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from forecast.export.writers import atomic_write_bytes, write_csv, write_json

__all__ = ["sensitivity_meta", "write_sensitivity"]


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
                      images: Mapping[str, bytes] | None = None) -> list[Path]:
    """``sensitivity.csv``, ``meta.json`` and each of ``images`` (file name → PNG bytes) into ``folder``;
    returns the written paths."""
    folder = Path(folder)
    written = [write_csv(folder / "sensitivity.csv", frame)]
    written.append(write_json(folder / "meta.json", sensitivity_meta(frame, scenario)))
    for name, body in (images or {}).items():
        written.append(atomic_write_bytes(folder / name, body))
    return written
