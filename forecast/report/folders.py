"""Where a quarterly report goes, and one report at a time per folder.

**The full run and partial runs.** A quarter's *full run* is every top-level ``scenarios/*.yaml``
with every waterfall of ``scenarios/compare/*.yaml`` (what ``peakdata report`` runs without
arguments), each scenario at its own ``samples``. It is written to ``OUT/<quarter>/``. Any other
run is *partial* — a subset of the scenarios, scenarios from elsewhere, other waterfalls, or any
``--samples`` (even one equal to the files' own) — and is written to its own folder::

    OUT/<quarter>-partial-<hash8>/

``hash8`` is the first 8 hex digits of the SHA-256 of what was asked for: the scenario files and the
compare files, each as a path relative to the working folder, sorted, and the sample count. The same
request (files in any order) always lands in the same folder, replacing its own earlier output; a
different request never lands in the full report's folder. The folder sits beside the quarter's
(``ls reports/`` lists ``2026Q4``, ``2026Q4-partial-1c0ffee5``), not inside it, because the full
report replaces its folder whole. ``replace=True`` (``peakdata report --replace``) writes a partial
run to ``OUT/<quarter>/`` on purpose. The run archive records which runs were full
(:mod:`forecast.store.archive`); "Changes since last quarter" compares full runs only.

**One writer per folder.** :func:`locked` holds ``OUT/.<folder>.lock`` (a ``filelock`` lock, released
by the operating system if the process dies) while the folder is written and archived. A second
report into the same folder waits for it, up to a timeout, then refuses with an
:class:`~forecast.errors.ExportError` (exit code 2) that names the lock file. Once the lock is held,
whatever a killed report left beside the folder (its staging folder, or the previous report moved
aside) is cleaned up or put back (:func:`forecast.export.writers.clean_stale`). The lock file itself,
empty, stays: deleting a lock file another process may be waiting on would let two writers in.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from forecast.errors import ExportError

__all__ = ["LOCK_TIMEOUT", "ReportTarget", "full_run_files", "locked", "lock_path", "partial_folder_name",
           "report_target"]

#: How long a report waits for another report writing the same folder before refusing [s].
LOCK_TIMEOUT = 600.0
#: The folder whose ``*.yaml`` (and ``compare/*.yaml``) make a quarter's full run, relative to the
#: working folder.
SCENARIOS_DIR = Path("scenarios")


@dataclass(frozen=True)
class ReportTarget:
    """Where a report is written and whether it is the quarter's full run.

    ``folder``: ``OUT/<quarter>/`` or ``OUT/<quarter>-partial-<hash8>/``; ``full``: the run is the
    full run; ``scope``: for people, what makes it partial (``"2 of 14 scenarios, --samples 5000"``),
    ``""`` for the full run; ``replaced``: a partial run sent to the quarter's folder by ``replace``.
    """

    folder: Path
    full: bool
    scope: str = ""
    replaced: bool = False


def full_run_files(scenarios_dir: Path = SCENARIOS_DIR) -> tuple[list[Path], list[Path]]:
    """The scenario files and compare files of the full run: ``scenarios_dir/*.yaml`` and
    ``scenarios_dir/compare/*.yaml``, sorted (both empty when the folder does not exist)."""
    scenarios_dir = Path(scenarios_dir)
    return sorted(scenarios_dir.glob("*.yaml")), sorted((scenarios_dir / "compare").glob("*.yaml"))


def _key(path: str | Path) -> str:
    """A path as the working folder sees it, in one spelling: ``./a/../scenarios/x.yaml`` and the
    absolute path both give ``scenarios/x.yaml``."""
    return Path(os.path.relpath(Path(path).resolve(), Path.cwd().resolve())).as_posix()


def partial_folder_name(quarter: str, paths: Sequence[str | Path], compare_paths: Sequence[str | Path] = (),
                        samples: int | None = None) -> str:
    """``<quarter>-partial-<hash8>``: the folder of a partial run (module docstring).

    >>> partial_folder_name("2026Q4", ["scenarios/b.yaml", "scenarios/a.yaml"], samples=5000) == \\
    ...     partial_folder_name("2026Q4", ["./scenarios/a.yaml", "scenarios/b.yaml"], samples=5000)
    True
    """
    request = {"scenarios": sorted({_key(p) for p in paths}), "compare": sorted({_key(p) for p in compare_paths}),
               "samples": samples}
    digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode("utf-8")).hexdigest()
    return f"{quarter}-partial-{digest[:8]}"


def _scope(paths: Sequence[str | Path], compare_paths: Sequence[str | Path], samples: int | None,
           scenarios_dir: Path) -> str:
    full_scenarios, full_compares = full_run_files(scenarios_dir)
    where = Path(scenarios_dir).as_posix()
    given, everything = {_key(p) for p in paths}, {_key(p) for p in full_scenarios}
    parts = []
    if given != everything:
        n = len(given)
        if given < everything:
            parts.append(f"{n} of the {len(everything)} scenarios in {where}/")
        else:
            parts.append(f"{n} scenario{'s' if n != 1 else ''}, not the {len(everything)} of "
                         f"{where}/")
    compares = {_key(p) for p in compare_paths}
    if compares != {_key(p) for p in full_compares}:
        n = len(compares)
        parts.append("no waterfalls" if not n else
                     f"{n} waterfall{'s' if n != 1 else ''}, not the {len(full_compares)} of "
                     f"{where}/compare/")
    if samples is not None:
        parts.append(f"--samples {samples}")
    return ", ".join(parts)


def report_target(out: Path, quarter: str, paths: Sequence[str | Path], compare_paths: Sequence[str | Path] = (),
                  samples: int | None = None, replace: bool = False,
                  scenarios_dir: Path = SCENARIOS_DIR) -> ReportTarget:
    """Where the report of these files goes (module docstring).

    Parameters
    ----------
    out : Path
        The reports folder (``--out``), e.g. ``reports``.
    quarter : str
        The report's quarter, ``2026Q4``.
    paths, compare_paths : sequence of paths
        The scenario files and compare files the report runs.
    samples : int, optional
        ``--samples``; any value makes the run partial.
    replace : bool
        Write a partial run to ``OUT/<quarter>/`` anyway.
    scenarios_dir : Path
        The folder whose files make the full run (default ``scenarios``, relative to the working folder).
    """
    out = Path(out)
    scope = _scope(paths, compare_paths, samples, scenarios_dir)
    if not scope:
        return ReportTarget(out / quarter, True)
    if replace:
        return ReportTarget(out / quarter, False, scope, replaced=True)
    return ReportTarget(out / partial_folder_name(quarter, paths, compare_paths, samples), False, scope)


def lock_path(folder: Path) -> Path:
    """The lock file of a report folder: ``.<name>.lock`` beside it (``reports/.2026Q4.lock``)."""
    folder = Path(folder)
    return folder.with_name(f".{folder.name}.lock")


@contextlib.contextmanager
def locked(folder: Path, timeout: float = LOCK_TIMEOUT,
           notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``folder``'s lock for the ``with`` block, then clean what a killed writer left beside it.

    ``notify(message)`` is called once when another report holds the lock (before waiting), and
    once per leftover cleaned up. Waits at most ``timeout`` seconds.

    Raises
    ------
    ExportError
        The lock was not free within ``timeout`` seconds, or the lock file cannot be made; nothing
        has been written.
    """
    import filelock

    from forecast.export.writers import clean_stale

    folder = Path(folder)
    path = lock_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot write into {path.parent}: {exc.strerror or exc}") from None
    lock = filelock.FileLock(str(path))
    try:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if notify is not None:
                notify(f"another peakdata report is writing {folder}; waiting up to {timeout:g} s "
                       f"for it to finish (lock {path})")
            lock.acquire(timeout=timeout)
    except filelock.Timeout:
        raise ExportError(f"{folder}: another peakdata report has held its lock ({path}) for more than "
                          f"{timeout:g} s; nothing was written. Let that report finish and run again, "
                          "or wait longer with --wait SECONDS") from None
    except OSError as exc:
        raise ExportError(f"cannot lock {folder} ({path}): {exc.strerror or exc}") from None
    try:
        for line in clean_stale(folder):
            if notify is not None:
                notify(line)
        yield
    finally:
        lock.release()
