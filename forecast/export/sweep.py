"""The files of a sweep (``peakdata sweep``, docs/cli.md): one JSON file per finished point, so that an
interrupted sweep resumes, and the table as ``sweep.csv`` and ``sweep.xlsx`` with ``meta.json`` and,
for two axes, the heatmap drawn by :func:`forecast.report.charts.analysis.heatmap_png`.

A point file ``OUT/points/<first 32 hex digits of the point's hash>.json`` holds the point's hash, the
peakdata version and its headline; a file of another version or another point is computed again.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from forecast.analysis.sweep import Grid, Point, point_count, points, run_sweep
from forecast.export.writers import atomic_write_bytes, atomic_write_text, write_csv, write_json
from forecast.export.xlsx import XlsxBook
from forecast.io.overrides import is_spec

__all__ = ["point_file", "read_point", "read_points", "run_resumable", "save_points", "stamp", "sweep_meta",
           "sweep_xlsx", "write_sweep"]

#: Fixed creation date of ``sweep.xlsx``, so the bytes do not depend on the clock.
CREATED = datetime.datetime(2000, 1, 1)


def point_file(folder: Path, key: str) -> Path:
    """Where the point with hash ``key`` is kept in a sweep's folder."""
    return Path(folder) / "points" / f"{key[:32]}.json"


def read_point(folder: Path, key: str) -> dict[str, float] | None:
    """The headline of point ``key`` saved by this peakdata version, or None (not there, unreadable,
    another point's or another version's)."""
    from forecast._version import __version__

    try:
        found = json.loads(point_file(folder, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if found.get("key") == key and found.get("version") == __version__ and "headline" in found:
        return found["headline"]
    return None


def read_points(folder: Path, pts: Sequence[Point]) -> dict[str, dict[str, float]]:
    """Headlines of the points of ``pts`` already saved in ``folder`` by this version, by point key."""
    found = {}
    for p in pts:
        headline = read_point(folder, p.key)
        if headline is not None:
            found[p.key] = headline
    return found


def save_points(folder: Path) -> Callable[[list[tuple[str, dict[str, float]]]], None]:
    """A callback that writes each finished ``(key, headline)`` to its point file at once (atomically)."""
    from forecast._version import __version__

    def save(rows: list[tuple[str, dict[str, float]]]) -> None:
        for key, row in rows:
            atomic_write_text(point_file(folder, key),
                              json.dumps({"key": key, "version": __version__, "headline": row}, sort_keys=True))

    return save


def run_resumable(grid: Grid, out_dir: Path, workers: int = 1, dask: str | None = None,
                  progress: Callable[[int, int], None] | None = None, chunk: int | None = None) -> pd.DataFrame:
    """:func:`forecast.analysis.sweep.run_sweep` over the points not already saved in ``out_dir/points/``,
    saving each point as it finishes; returns the sweep table. Stopped part-way, the finished points stay
    on disk and the same call computes only the rest."""
    out_dir = Path(out_dir)
    pts = points(grid)
    return run_sweep(grid, workers, dask, progress, chunk, pts=pts, known=read_points(out_dir, pts),
                     on_done=save_points(out_dir))


def stamp(grid: Grid) -> str:
    """One line naming version, grid, base scenario hash, points and samples per point."""
    from forecast._version import __version__
    from forecast.io.scenario import scenario_hash

    samples = grid.samples or grid.base.samples
    return (f"peakdata {__version__}; sweep {grid.name}; base {grid.base.name} sha256 "
            f"{scenario_hash(grid.base)[:16]}; points {point_count(grid)}; samples {samples} per point; "
            "seeds from each point's content")


def sweep_meta(grid: Grid) -> dict[str, Any]:
    """Provenance of a sweep's files (``meta.json``): version, grid, base scenario and its hash, axes."""
    from forecast._version import __version__
    from forecast.io.scenario import scenario_hash

    return {"peakdata": __version__, "sweep": grid.name, "grid_file": Path(grid.path).name,
            "base": Path(grid.base_path).name, "base_scenario": grid.base.name,
            "base_sha256": scenario_hash(grid.base), "points": point_count(grid),
            "samples_per_point": grid.samples or grid.base.samples,
            "axes": {a.name: [v.text() if is_spec(v) else v for v in a.values] for a in grid.axes},
            "zip": [list(g) for g in grid.zipped],
            "set": {k: (v.text() if is_spec(v) else v) for k, v in grid.changes.items()},
            "seeds": "first 63 bits of SHA-256 of each point scenario's hash"}


def sweep_xlsx(table: pd.DataFrame, stamp_line: str, name: str) -> bytes:
    """A workbook with the sweep as an Excel table (sheet ``points``) and an ``about`` sheet (the stamp)."""
    book = XlsxBook(f"peakdata sweep {name}", CREATED)
    sheet = book.wb.add_worksheet("points")
    columns = list(table.columns)
    data = [[_cell(v) for v in row] for row in table.itertuples(index=False)]
    if data:
        sheet.add_table(0, 0, len(data), len(columns) - 1,
                        {"data": data, "columns": [{"header": str(c)} for c in columns], "name": "sweep",
                         "style": "Table Style Light 9"})
    sheet.set_column(0, len(columns) - 1, 16)
    sheet.freeze_panes(1, 1)
    about = book.wb.add_worksheet("about")
    about.write(0, 0, stamp_line)
    about.write(1, 0, "Exhaustion quarters after the horizon are empty, with TRUE in their _after_horizon column.")
    return book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if value is None or (isinstance(value, float) and value != value):
        return ""   # an empty cell, not #NUM!
    return value


def write_sweep(grid: Grid, table: pd.DataFrame, out_dir: Path,
                heatmap: tuple[bytes, pd.DataFrame] | None = None) -> list[Path]:
    """``sweep.csv``, ``sweep.xlsx``, ``meta.json`` and, given ``heatmap`` (PNG bytes and its numbers,
    :func:`forecast.report.charts.analysis.heatmap_png`), ``heatmap.png`` and ``heatmap.csv``."""
    from forecast.export.tables import headline_table

    out_dir = Path(out_dir)
    table = headline_table(table)   # quarters as 2028Q3 with an after-horizon flag (docs/exports.md)
    written = [write_csv(out_dir / "sweep.csv", table)]
    written.append(atomic_write_bytes(out_dir / "sweep.xlsx", sweep_xlsx(table, stamp(grid), grid.name)))
    written.append(write_json(out_dir / "meta.json", sweep_meta(grid)))
    if heatmap is not None:
        png, data = heatmap
        written.append(atomic_write_bytes(out_dir / "heatmap.png", png))
        written.append(write_csv(out_dir / "heatmap.csv", headline_table(data)))
    return written
