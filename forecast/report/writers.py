"""Write a result's files: tidy CSVs for spreadsheets and a Markdown summary.

Every file is written to a temporary file in the same folder and renamed into place, so a crash
never leaves a half-written output. Every file carries the result's stamp (version, scenario,
content hash, seed, samples) and nothing that changes between runs, so the same scenario and seed
give byte-identical files.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from forecast.errors import ExportError
from forecast.report.markdown import render_report
from forecast.result import ForecastResult

__all__ = ["atomic_write_text", "check_writable", "write_csv", "write_outputs"]

FLOAT_FORMAT = "%.6g"


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files owner-only; outputs are ordinary files
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_csv(path: Path, frame: pd.DataFrame, stamp: str) -> Path:
    """A CSV with one ``# stamp`` comment line, fixed float format and ``\\n`` line ends."""
    body = frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return atomic_write_text(path, f"# {stamp}\n{body}")


def _not_a_folder(out_dir: Path) -> None:
    for folder in (out_dir, *out_dir.parents):
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"cannot write into {out_dir}: {folder} is a file, not a folder "
                              "(choose another --out)")


def check_writable(out_dir: Path) -> None:
    """Refuse, before anything is computed, an output folder that :func:`write_outputs` could not fill.

    The outputs are staged beside ``out_dir``, so its parent (or the nearest folder that exists above
    it, where the missing ones will be made) must accept a new folder. Checked by making and removing
    one, which also catches read-only file systems where permission bits say nothing.

    Raises
    ------
    ExportError
        Naming the folder and the reason, with a hint.
    """
    out_dir = Path(out_dir)
    _not_a_folder(out_dir)
    base = out_dir.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".check", dir=base))
    except OSError as exc:
        raise ExportError(f"cannot write into {out_dir}: cannot create a folder in {base} "
                          f"({exc.strerror or exc}); choose a folder you can write to with --out, "
                          "e.g. --out reports") from None


def write_outputs(result: ForecastResult, out_dir: Path) -> list[Path]:
    """Write all of a result's files into ``out_dir`` and return their paths.

    The set is written into a temporary folder beside ``out_dir`` and swapped in whole, so a
    failure leaves the previous set untouched, never a mix of old and new files. Files in
    ``out_dir`` that peakdata did not write are kept.
    """
    import shutil

    out_dir = Path(out_dir)
    _not_a_folder(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    except OSError as exc:
        raise ExportError(f"cannot write into {out_dir.parent}: {exc.strerror or exc}") from None
    try:
        names = [p.name for p in _write_set(result, staging)]
        if out_dir.is_dir():
            for entry in out_dir.iterdir():
                if entry.name not in names:
                    shutil.move(str(entry), str(staging / entry.name))
            backup = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(out_dir, backup)
            os.replace(staging, out_dir)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, out_dir)
    except OSError as exc:
        raise ExportError(f"cannot write {out_dir}: {exc.strerror or exc}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    os.chmod(out_dir, 0o777 & ~_umask())
    return [out_dir / name for name in names]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_set(result: ForecastResult, out_dir: Path) -> list[Path]:
    written = []
    if result.stats:
        written.append(write_csv(out_dir / "summary.csv", result.summary(), result.stamp))
    if result.events:
        written.append(write_csv(out_dir / "exhaustion.csv", result.event_summary(), result.stamp))
        written.append(write_csv(out_dir / "exhaustion_cdf.csv", result.event_cdf(), result.stamp))
    for name, table in result.tables.items():
        written.append(write_csv(out_dir / f"{name}.csv", table, result.stamp))
    written.append(write_csv(out_dir / "inputs.csv", result.inputs, result.stamp))
    written.append(atomic_write_text(out_dir / "report.md", render_report(result)))
    return written
