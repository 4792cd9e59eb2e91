"""The CSV files of a :class:`~forecast.engine.trends.TrendReport` (``peakdata trends --out DIR``): the
unformatted numbers of its fits, bands, scorecard, backtest, skipped fits and undisclosed runs
(columns: docs/trends.md)."""
from __future__ import annotations

from pathlib import Path

from forecast.export.writers import write_csv

__all__ = ["TREND_FILES", "write_trend_outputs"]

#: file name -> TrendReport attribute
TREND_FILES = {"trend_fits.csv": "fits", "trend_bands.csv": "bands", "trend_scorecard.csv": "scorecard",
               "trend_backtest.csv": "backtest", "trend_skipped.csv": "skipped",
               "trend_undisclosed.csv": "undisclosed"}


def write_trend_outputs(report, out_dir: Path, stamp: str) -> list[Path]:
    """Write the report's tables as CSV files into ``out_dir`` (atomic; ``stamp`` goes to no file:
    see :func:`forecast.export.writers.write_csv`)."""
    out_dir = Path(out_dir)
    return [write_csv(out_dir / name, getattr(report, attr), stamp) for name, attr in TREND_FILES.items()]
