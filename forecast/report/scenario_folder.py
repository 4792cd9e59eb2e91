"""The folder of one run, ``reports/<name>/`` (``peakdata run``): the result's tables as CSV and its
``meta.json`` (:func:`forecast.export.writers.write_run_files`) with ``report.md``, its Markdown summary
(:func:`forecast.report.markdown.render_report`), swapped in whole."""
from __future__ import annotations

from pathlib import Path

from forecast.export.writers import write_run_files
from forecast.report import markdown
from forecast.result import ForecastResult

__all__ = ["write_outputs"]


def _pages(result: ForecastResult) -> dict[str, str]:
    return {"report.md": markdown.render_report(result)}


def write_outputs(result: ForecastResult, out_dir: Path) -> list[Path]:
    """Write all of a result's files into ``out_dir`` and return their paths.

    The set is written into a temporary folder beside ``out_dir`` and swapped in whole, so a
    failure leaves the previous set untouched, never a mix of old and new files. Files in
    ``out_dir`` that peakdata did not write are kept.
    """
    return write_run_files(result, Path(out_dir), _pages)
