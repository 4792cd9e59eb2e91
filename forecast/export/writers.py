"""Write outputs: CSVs that open by double-click, ``meta.json``, text files, staged and swapped in whole.

Every file is written to a temporary file in the same folder and renamed into place, so a crash
never leaves a half-written output. A CSV holds one header row and plain numbers, nothing else
(``pandas.read_csv(path)`` reads it as written); its provenance (version, scenario, content hash,
seed, samples, SHA-256 of the data files) is in ``meta.json`` beside it, and a run's ``report.md``
(:mod:`forecast.report.scenario_folder`) carries the stamp under its title. Nothing changes between runs, so the same scenario and seed give
byte-identical files.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from forecast.errors import ExportError
from forecast.result import ForecastResult

__all__ = ["atomic_write_bytes", "atomic_write_text", "check_writable", "clean_stale", "inside", "is_export_csv_file",
           "output_folder", "side_folders", "staged", "write_csv", "write_exports", "write_json",
           "write_run_files"]

FLOAT_FORMAT = "%.6g"

#: Every folder peakdata makes beside an output folder ``F`` while writing it is named
#: ``.F.peakdata-<kind>-<random or pid>``: ``staging`` (the new set being filled), ``old`` (the previous
#: set, moved aside for the moment of the swap) and ``check`` (the probe of :func:`check_writable`).
#: :func:`clean_stale` recognises them by this pattern and touches nothing else.
SIDE_KINDS = ("staging", "old", "check")


def _side_prefix(folder: Path, kind: str) -> str:
    return f".{folder.name}.peakdata-{kind}-"


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (UTF-8, line ends as given) via a temporary file and an atomic rename."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes files owner-only; outputs are ordinary files
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_csv(path: Path, frame: pd.DataFrame, stamp: str | None = None) -> Path:
    """A CSV: one header row, plain numbers (``%.6g``), UTF-8, ``\\n`` line ends, no comment lines.

    A ``quarter_end`` column (ISO date) is added right after a ``quarter`` column. ``stamp`` is
    accepted for old callers and not written: provenance belongs in ``meta.json``
    (:func:`write_json`), where a spreadsheet does not read it as data.
    """
    from forecast.export.tables import with_quarter_end

    frame = with_quarter_end(frame)
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    if floats:  # format once, vectorised: pandas' float_format formats value by value (slow at 10^5 rows)
        frame = frame.assign(**{c: _format_floats(frame[c].to_numpy()) for c in floats})
    body = frame.to_csv(index=False, lineterminator="\n")
    return atomic_write_text(path, body)


def _format_floats(values) -> list[str]:
    """``FLOAT_FORMAT`` of each value, "" for NaN: what ``to_csv(float_format=FLOAT_FORMAT)`` writes."""
    fmt = FLOAT_FORMAT.__mod__
    return ["" if v != v else fmt(v) for v in values.tolist()]


def write_json(path: Path, data: dict) -> Path:
    """``data`` as indented JSON with sorted keys and a final newline (byte-stable)."""
    import json

    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def output_folder(out: Path, *names: str) -> Path:
    """``out/<names>``, the folder a scenario, sweep or quarter writes into, refused unless it lies
    inside ``out``.

    Names are checked when their file is validated (:data:`forecast.schema.types.OutputName`); this
    checks again on the resolved path, so a name that did not come through a file (a scenario built
    in Python) cannot make a writer leave the output folder or replace the output folder itself.

    Raises
    ------
    ExportError
        Naming the folder and the output folder.
    """
    return inside(Path(out), Path(*names))


def inside(folder: Path, relative: str | Path) -> Path:
    """``folder/relative``, refused (:class:`ExportError`) unless it resolves strictly inside ``folder``."""
    from forecast.schema.types import resolve_inside

    folder = Path(folder)
    if resolve_inside(folder, relative) is None:
        raise ExportError(f"refusing to write {folder / relative}: it is not inside the output folder {folder} "
                          "(a name must be one plain folder name: letters, digits, '.', '_', '-', "
                          "starting with a letter or digit)")
    return folder / relative


def _not_a_folder(out_dir: Path) -> None:
    for folder in (out_dir, *out_dir.parents):
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"cannot write into {out_dir}: {folder} is a file, not a folder "
                              "(choose another --out)")


def check_writable(out_dir: Path) -> None:
    """Refuse, before anything is computed, an output folder that :func:`write_run_files` could not fill.

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
        os.rmdir(tempfile.mkdtemp(prefix=_side_prefix(out_dir, "check"), dir=base))
    except OSError as exc:
        raise ExportError(f"cannot write into {out_dir}: cannot create a folder in {base} "
                          f"({exc.strerror or exc}); choose a folder you can write to with --out, "
                          "e.g. --out reports") from None


def swap_in(staging: Path, folder: Path) -> None:
    """Put the finished ``staging`` folder in place of ``folder`` (two renames, then clean up).

    The previous folder is moved aside first (``.F.peakdata-old-<pid>``) and removed only once the
    new one is in place, so at every moment either the old or the new set is there whole; a process
    killed between the two renames leaves the old set aside, and :func:`clean_stale` puts it back.
    """
    import shutil

    if folder.is_dir():
        backup = folder.with_name(f"{_side_prefix(folder, 'old')}{os.getpid()}")
        shutil.rmtree(backup, ignore_errors=True)
        os.replace(folder, backup)
        os.replace(staging, folder)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(staging, folder)


@contextlib.contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A staging folder beside ``folder``: fill it inside the ``with`` block; it replaces ``folder``
    whole when the block ends (:func:`swap_in`).

    On any error, or Ctrl-C, the staging folder is removed and ``folder`` is left as it was.
    An ``OSError`` becomes an :class:`ExportError` naming the folder. A process killed outright
    (``SIGKILL``, power loss) cannot clean up: its staging folder, ``.F.peakdata-staging-XXXXXXXX``,
    stays beside ``folder`` until :func:`clean_stale` removes it.
    """
    import shutil

    folder = Path(folder)
    _not_a_folder(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_side_prefix(folder, "staging"), dir=folder.parent))
    except OSError as exc:
        raise ExportError(f"cannot write into {folder.parent}: {exc.strerror or exc}") from None
    try:
        yield staging
        swap_in(staging, folder)
    except OSError as exc:
        raise ExportError(f"cannot write {folder}: {exc.strerror or exc}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def side_folders(folder: Path) -> list[Path]:
    """The folders peakdata made beside ``folder`` while writing it and that are still there
    (staging, old and check folders, :data:`SIDE_KINDS`), sorted by name."""
    folder = Path(folder)
    if not folder.parent.is_dir():
        return []
    prefixes = tuple(_side_prefix(folder, kind) for kind in SIDE_KINDS)
    return sorted(p for p in folder.parent.iterdir()
                  if p.name.startswith(prefixes) and p.is_dir() and not p.is_symlink())


def clean_stale(folder: Path) -> list[str]:
    """Remove what a killed writer of ``folder`` left beside it; return what was done, one line each.

    Call it only while holding ``folder``'s lock (:func:`forecast.report.folders.locked`): a live
    writer's staging folder looks just like a dead one's. Staging and check folders are removed. An
    ``old`` folder is the previous set moved aside for a swap: if ``folder`` itself is missing (the
    writer died between the two renames of :func:`swap_in`) it is renamed back to ``folder``, so the
    previous set is never lost; otherwise it is removed. Nothing else in the parent folder is touched.

    Raises
    ------
    ExportError
        A leftover cannot be removed or restored (permissions), naming it.
    """
    import shutil

    folder = Path(folder)
    done = []
    try:
        for path in side_folders(folder):
            if path.name.startswith(_side_prefix(folder, "old")) and not folder.exists():
                os.replace(path, folder)
                done.append(f"restored {folder} from {path.name}, left by an interrupted report")
            else:
                shutil.rmtree(path)
                done.append(f"removed {path}, left by an interrupted report")
    except OSError as exc:
        raise ExportError(f"cannot clean up beside {folder}: {exc.strerror or exc} ({exc.filename}); "
                          "remove it by hand and run again") from None
    return done


#: Text files of a run's folder beside its tables: ``pages(result)`` → file name → text.
Pages = Callable[[ForecastResult], Mapping[str, str]]


def write_run_files(result: ForecastResult, out_dir: Path, pages: Pages | None = None) -> list[Path]:
    """Write a result's tables (CSV), ``meta.json`` and the text files ``pages(result)`` gives into
    ``out_dir``, and return their paths.

    The set is written into a temporary folder beside ``out_dir`` and swapped in whole, so a
    failure (writing, or making the pages) leaves the previous set untouched, never a mix of old
    and new files. Files in ``out_dir`` that peakdata did not write are kept.
    """
    import shutil

    out_dir = Path(out_dir)
    with staged(out_dir) as staging:
        names = [p.name for p in _write_set(result, staging, pages)]
        if out_dir.is_dir():
            for entry in out_dir.iterdir():
                if entry.name not in names:
                    shutil.move(str(entry), str(staging / entry.name))
    os.chmod(out_dir, 0o777 & ~current_umask())
    return [out_dir / name for name in names]


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_set(result: ForecastResult, out_dir: Path, pages: Pages | None) -> list[Path]:
    from forecast.export.tables import csv_view, metadata

    written = []
    tables = {}
    if result.stats:
        tables["summary"] = result.summary()
    if result.events:
        tables["exhaustion"] = result.event_summary()
        tables["exhaustion_cdf"] = result.event_cdf()
    tables.update(result.tables)
    tables["inputs"] = result.inputs
    for name, table in tables.items():
        written.append(write_csv(out_dir / f"{name}.csv", csv_view(result, name, table)))
    texts = dict(pages(result)) if pages is not None else {}
    meta = metadata([result])
    meta["files"] = sorted(p.name for p in written) + list(texts)
    written.append(write_json(out_dir / "meta.json", meta))
    for name, text in texts.items():
        written.append(atomic_write_text(out_dir / name, text))
    return written


def is_export_csv_file(name: str) -> bool:
    """Whether ``name`` is a file of the CSV set of :func:`write_exports` (``long.csv``, ``iamc.csv``,
    ``wide_<metric>.csv``, ``meta.json``): what a new export replaces."""
    return name in (LONG_CSV, IAMC_CSV, "meta.json") or (name.startswith("wide_") and name.endswith(".csv"))


def _replace_csv_set(out_dir: Path, fill: Callable[[Path], list[str]]) -> list[str]:
    """Write a CSV export set with ``fill(folder)`` so that ``out_dir`` holds the new set and no file of
    an earlier one (a ``wide_<metric>.csv`` of a metric the new scenarios lack); returns the names.

    The set is staged and swapped in whole (:func:`staged`); other files in ``out_dir`` (a workbook,
    the user's own) are carried over. A folder that holds the working folder cannot be swapped:
    there the files are written in place, each atomically, and the earlier set's extra files removed.
    """
    import shutil

    out_dir = Path(out_dir)
    here = Path.cwd().resolve()
    target = out_dir.resolve()
    if here == target or target in here.parents:
        names = fill(out_dir)
        try:
            for entry in out_dir.iterdir():
                if entry.is_file() and is_export_csv_file(entry.name) and entry.name not in names:
                    entry.unlink()
        except OSError as exc:
            raise ExportError(f"cannot remove an earlier export's file in {out_dir}: {exc.strerror or exc}") from None
        return names
    with staged(out_dir) as staging:
        names = fill(staging)
        if out_dir.is_dir():
            for entry in out_dir.iterdir():
                if entry.name not in names and not is_export_csv_file(entry.name):
                    shutil.move(str(entry), str(staging / entry.name))
    os.chmod(out_dir, 0o777 & ~current_umask())
    return names


#: File names of :func:`write_exports`.
LONG_CSV, IAMC_CSV, WORKBOOK = "long.csv", "iamc.csv", "peakdata.xlsx"


def write_exports(runs_results: list[ForecastResult], out_dir: Path,
                  formats: tuple[str, ...] = ("csv", "xlsx"), workbook_path: Path | None = None,
                  parents: dict[str, str] | None = None) -> list[Path]:
    """Write the spreadsheet exports of one or more results into ``out_dir``.

    ``csv``: ``long.csv`` (every scenario, metric, quarter and statistic), ``wide_<metric>.csv``
    (a row per scenario and quarter, a column per statistic), ``iamc.csv`` (IAMC format, for pyam)
    and ``meta.json`` (provenance), replacing any earlier CSV export in ``out_dir`` whole (no file of
    it is left beside the new set; other files are kept). ``xlsx``: ``peakdata.xlsx`` (or ``workbook_path``), the workbook
    of :mod:`forecast.export.workbook` with the point model as live formulas; ``parents`` (scenario →
    the scenario it extends) lets a variant's inherited inputs take their parent's cells. Columns and
    units: docs/exports.md. Returns the written paths.
    """
    from forecast.errors import ExportError
    from forecast.export.tables import iamc_table, long_table, metadata, wide_table

    results = list(runs_results)
    unknown = sorted(set(formats) - {"csv", "xlsx"})
    if unknown:
        raise ExportError(f"unknown export format {', '.join(unknown)} (choose csv or xlsx)")
    names = [r.scenario for r in results]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ExportError(f"scenario {', '.join(twice)} given twice; each scenario name may appear once")
    out_dir = Path(out_dir)
    _not_a_folder(out_dir)
    written: list[Path] = []
    if "csv" in formats:
        def fill(folder: Path) -> list[str]:
            files = [write_csv(folder / LONG_CSV, long_table(results))]
            metrics = list(dict.fromkeys(m for r in results for m in r.stats))
            for metric in metrics:
                files.append(write_csv(folder / f"wide_{metric}.csv", wide_table(results, metric)))
            files.append(write_csv(folder / IAMC_CSV, iamc_table(results)))
            meta = metadata(results)
            meta["files"] = sorted(p.name for p in files)
            files.append(write_json(folder / "meta.json", meta))
            return [p.name for p in files]

        written += [out_dir / name for name in _replace_csv_set(out_dir, fill)]
    if "xlsx" in formats:
        from forecast.export.workbook import workbook_bytes

        written.append(atomic_write_bytes(workbook_path or out_dir / WORKBOOK, workbook_bytes(results, parents)))
    return written
