"""The run archive: every quarterly report run, kept in one SQLite file (``reports/archive.sqlite``).

A report run stores, for its quarter: an id; whether it was the quarter's full run (every scenario
of ``scenarios/`` at its own samples, :mod:`forecast.report.folders`) and the report folder it wrote;
the peakdata version; each scenario as run (its resolved YAML, content hash, seed and samples); the
CSVs of ``data/`` it read, by name and SHA-256, each distinct content stored once; the headline
figures (:func:`forecast.outputs.headline`); and the quantiles per quarter and metric
(``ForecastResult.summary()``). "Changes since last quarter" (:mod:`forecast.analysis.changes`) reads
the latest full run of an earlier quarter back from here.

Each :func:`record_report` is one transaction that adds a run with a new id: nothing is ever
replaced or deleted, so a quick partial report cannot overwrite the quarter's full run. If anything
fails part-way, the file is left as it was. The schema carries its version in
``PRAGMA user_version``; a file written by a newer schema is refused, not guessed at.

Tables (schema version 2)::

    report_run    id (key), quarter, ordinal, version, recorded_at (UTC, ISO 8601),
                  full (1 full run, 0 partial, NULL = archived before schema 2), folder
    scenario_run  run, name (key), position, path, yaml, scenario_hash, seed, samples
    data_blob     sha256 (key), content                       one row per distinct file content
    data_file     run, file (key), sha256                     the data/ snapshot of a report run
    scenario_file run, scenario, file (key)                   which of those files a scenario read
    headline      run, scenario, key (key), position, value   NULL = not a number
    quantile      run, scenario, position (key), period, metric, unit, mean, p5, p10, p50, p90, p95

Schema 1 (before run ids: one run per quarter, keyed by quarter) is migrated in place by the
first report that writes to the file: SQLite cannot change a table's key with ``ALTER TABLE``, so the
tables are rebuilt in the report's own transaction, every row kept; each old quarter becomes a run
(ids in quarter order) with ``full`` NULL, which counts as a full run (it was the run "changes"
compared with). Reading a schema-1 file (``peakdata history``, "changes") migrates a copy in memory
and leaves the file as it is. The tables, the connection and the migration are
:mod:`forecast.store.database`; this module records and reads runs.
"""
from __future__ import annotations

import hashlib
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from forecast.errors import ArchiveError, DataError
from forecast.outputs import headline
from forecast.result import STAT_COLUMNS
from forecast.store.database import SCHEMA_VERSION, connect, migrate, reading
from forecast.units import Quarter

if TYPE_CHECKING:  # pragma: no cover
    from forecast.engine.runs import ScenarioRun
    from forecast.schema import Scenario

__all__ = ["ArchivedRun", "ArchivedScenario", "DEFAULT_ARCHIVE", "SCHEMA_VERSION", "latest_before", "list_headlines",
           "list_runs", "load_run", "record_report"]

#: Where ``peakdata report`` and ``peakdata history`` keep the archive unless told otherwise.
DEFAULT_ARCHIVE = Path("reports") / "archive.sqlite"

_QUANTILE_COLUMNS = ("quarter", "metric", "unit", *STAT_COLUMNS)

@dataclass(frozen=True)
class ArchivedScenario:
    """One scenario of an archived report run.

    ``headline`` is :func:`forecast.outputs.headline` of its result (``nan`` where the
    figure was not a number); ``summary`` the result's quantiles per quarter and metric, columns
    ``quarter`` (pandas ``Period``), ``metric, unit, mean, p5, p10, p50, p90, p95``; ``files`` the CSVs of ``data/`` it read.
    """

    name: str
    path: str
    yaml_text: str
    scenario_hash: str
    seed: int
    samples: int
    files: tuple[str, ...]
    headline: dict[str, float]
    summary: pd.DataFrame = field(compare=False, repr=False)

    def scenario(self) -> "Scenario":
        """The scenario as it was run, validated again from its stored YAML."""
        from forecast.io.scenario import load_resolved

        return load_resolved(self.yaml_text, f"archived scenario {self.name}")


@dataclass(frozen=True)
class ArchivedRun:
    """One report run: its quarter, what was run, on which data, and its headline figures.

    ``data`` maps a CSV name of ``data/`` to its content (bytes, as read); ``data_hashes`` the same
    names to SHA-256. ``run`` is its id in the archive (1, 2, … in the order runs were archived);
    ``full`` whether it was the quarter's full run (``None``: archived before schema 2, counted as
    full); ``folder`` the name of the report folder it wrote (``2026Q4``, ``2026Q4-partial-1c0ffee5``).
    """

    quarter: str
    version: str
    scenarios: dict[str, ArchivedScenario]
    data: dict[str, bytes] = field(repr=False)
    recorded_at: str = field(default="", compare=False)
    run: int = 0
    full: bool | None = None
    folder: str | None = None

    @property
    def data_hashes(self) -> dict[str, str]:
        return {name: _sha256(content) for name, content in self.data.items()}

    def write_data(self, directory: Path, names: Sequence[str] | None = None) -> None:
        """Write the archived CSVs (all, or ``names``) into ``directory``, byte for byte.

        Raises
        ------
        ArchiveError
            When a stored file name would land outside ``directory`` (an archive not written by
            peakdata, or edited): nothing is written for it.
        """
        from forecast.schema.types import resolve_inside

        directory.mkdir(parents=True, exist_ok=True)
        for name in self.data if names is None else names:
            target = resolve_inside(directory, name)
            if target is None:
                raise ArchiveError(f"the archived run of {self.quarter} holds a data file named {name!r}, "
                                   "which is not inside a data folder (the archive was edited or not written "
                                   "by peakdata; archive another report run or use a new --archive)")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.data[name])


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _quarter(quarter: str | Quarter) -> Quarter:
    try:
        return Quarter.parse(quarter)
    except ValueError as exc:
        raise ArchiveError(f"quarter: {exc}") from None


def _read_data(names: Sequence[str], data_dir: Path | None) -> dict[str, bytes]:
    from forecast.io.references import reference_path

    out = {}
    for name in sorted(set(names)):
        path = reference_path(name, data_dir)
        try:
            out[name] = path.read_bytes()
        except OSError as exc:
            raise DataError(f"{path}: cannot read it for the run archive: {exc.strerror or exc}") from None
    return out


def _insert_run(conn: sqlite3.Connection, quarter: Quarter, version: str, full: bool, folder: str | None) -> int:
    from datetime import datetime, timezone

    cursor = conn.execute(
        "INSERT INTO report_run (quarter, ordinal, version, recorded_at, full, folder) VALUES (?, ?, ?, ?, ?, ?)",
        (str(quarter), quarter.ordinal, version, datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
         int(bool(full)), folder))
    return int(cursor.lastrowid)


def _insert_data(conn: sqlite3.Connection, run_id: int, data: dict[str, bytes]) -> None:
    for name, content in data.items():
        digest = _sha256(content)
        conn.execute("INSERT OR IGNORE INTO data_blob VALUES (?, ?)", (digest, content))
        conn.execute("INSERT INTO data_file VALUES (?, ?, ?)", (run_id, name, digest))


def _insert_scenario(conn: sqlite3.Connection, run_id: int, position: int, run: "ScenarioRun",
                     files: Sequence[str]) -> None:
    result = run.result
    conn.execute("INSERT INTO scenario_run VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (run_id, result.scenario, position, str(run.file.path), run.yaml_text, result.scenario_hash,
                  int(result.seed), int(result.samples)))
    conn.executemany("INSERT INTO scenario_file VALUES (?, ?, ?)",
                     [(run_id, result.scenario, name) for name in files])
    conn.executemany("INSERT INTO headline VALUES (?, ?, ?, ?, ?)",
                     [(run_id, result.scenario, key, k, _number(value))
                      for k, (key, value) in enumerate(headline(result).items())])


def _insert_quantiles(conn: sqlite3.Connection, run_id: int, run: "ScenarioRun") -> None:
    frame = run.result.summary()
    rows = []
    for k, row in enumerate(frame.itertuples(index=False)):
        period, metric, unit, *stats = row
        rows.append((run_id, run.result.scenario, k, str(period), str(metric), str(unit),
                     *(_number(v) for v in stats)))
    conn.executemany("INSERT INTO quantile VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def record_report(db_path: str | Path, quarter: str | Quarter, runs: Sequence["ScenarioRun"],
                  data_dir: Path | None = None, full: bool = True, folder: str | None = None) -> int:
    """Archive one report run as a new run; return its id. Earlier runs, of this quarter or any
    other, are kept as they are.

    Parameters
    ----------
    db_path : path
        The archive file (created with its folder if missing), e.g. ``reports/archive.sqlite``. A
        schema-1 file is migrated in place, in the same transaction.
    quarter : str or Quarter
        The report's quarter, ``2026Q4``.
    runs : sequence of ScenarioRun
        The scenarios of the report with their results (:func:`forecast.engine.runs.run_scenarios`).
    data_dir : Path, optional
        The folder of reference CSVs the runs read (default: the project's ``data/``); the files each
        scenario read (:func:`forecast.io.references.data_files`) are stored from here.
    full : bool
        The run is the quarter's full run (every scenario of ``scenarios/`` at its own samples,
        :func:`forecast.report.folders.report_target`); "changes since last quarter" compares full
        runs only.
    folder : str, optional
        The name of the report folder the run wrote, e.g. ``2026Q4-partial-1c0ffee5``.

    Raises
    ------
    ArchiveError
        The file is not an archive, is from a newer schema, or cannot be written; the archive is
        left as it was.
    """
    from forecast._version import __version__
    from forecast.io.references import data_files

    db_path = Path(db_path)
    when = _quarter(quarter)
    names = [run.result.scenario for run in runs]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ArchiveError(f"scenario name {', '.join(twice)} appears twice in one report; "
                           "each scenario needs its own name")
    files = {run.result.scenario: data_files(run.file.scenario) for run in runs}
    data = _read_data([name for used in files.values() for name in used], data_dir)
    version = sorted({run.result.version for run in runs})
    with connect(db_path, write=True) as conn:
        conn.execute("BEGIN IMMEDIATE")         # take the write lock before reading anything
        try:
            migrate(conn, db_path)
            run_id = _insert_run(conn, when, ", ".join(version) or __version__, full, folder)
            _insert_data(conn, run_id, data)
            for position, run in enumerate(runs):
                _insert_scenario(conn, run_id, position, run, files[run.result.scenario])
                _insert_quantiles(conn, run_id, run)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return run_id


def _readable(db_path: Path) -> bool:
    return db_path.is_file() and db_path.stat().st_size > 0


#: Columns of :func:`list_runs`.
RUN_COLUMNS = ["run", "quarter", "full", "folder", "scenario", "scenario_hash", "seed", "samples", "version",
               "exhaustion.p50", "cost.total.p50"]


def list_runs(db_path: str | Path, scenario: str | None = None) -> pd.DataFrame:
    """Every archived scenario run, oldest quarter first, runs of one quarter in the order they were
    archived (empty when there is no archive yet).

    Columns: ``run`` (the run's id), ``quarter``, ``full`` (the quarter's full run: True, False, or
    ``<NA>`` for a run archived before schema 2), ``folder`` (the report folder's name),
    ``scenario``, ``scenario_hash``, ``seed``, ``samples``, ``version``, ``exhaustion.p50`` [year at
    quarter end, ``inf`` after the horizon] and ``cost.total.p50`` [USD], ``nan`` where the
    scenario has no such figure.
    """
    db_path = Path(db_path)
    if not _readable(db_path):
        return pd.DataFrame(columns=RUN_COLUMNS)
    with reading(db_path) as conn:
        if conn is None:
            return pd.DataFrame(columns=RUN_COLUMNS)
        query = """
            SELECT r.id, r.quarter, r.full, r.folder, s.name, s.scenario_hash, s.seed, s.samples, r.version,
                   (SELECT value FROM headline h WHERE h.run = s.run AND h.scenario = s.name
                                                     AND h.key = 'exhaustion.p50'),
                   (SELECT value FROM headline h WHERE h.run = s.run AND h.scenario = s.name
                                                     AND h.key = 'cost.total.p50')
            FROM scenario_run s JOIN report_run r ON r.id = s.run
            WHERE (? IS NULL OR s.name = ?)
            ORDER BY r.ordinal, r.id, s.position"""
        rows = conn.execute(query, (scenario, scenario)).fetchall()
    out = [(*row[:2], None if row[2] is None else bool(row[2]), *row[3:9], _float(row[9]), _float(row[10]))
           for row in rows]
    frame = pd.DataFrame(out, columns=RUN_COLUMNS)
    return frame.astype({"run": "int64", "full": "boolean", "seed": "int64", "samples": "int64",
                         "exhaustion.p50": "float64", "cost.total.p50": "float64"})


def list_headlines(db_path: str | Path, scenario: str | None = None) -> pd.DataFrame:
    """:func:`list_runs` with every archived headline figure as a column: ``run``, ``quarter``,
    ``full``, ``folder``, ``scenario``, ``scenario_hash``, ``seed``, ``samples``, ``version``, then
    one column per headline key (:func:`forecast.outputs.headline`, docs/nomenclature.md) in the
    order the first run holding it gave them — ``exhaustion.p10`` [year at quarter end, ``inf`` after
    the horizon], ``exhaustion.by_2030`` [probability], ``cost.total.p50`` [USD] … — ``nan`` where a
    run has no such figure. Rows as :func:`list_runs`; empty when there is no archive yet."""
    runs = list_runs(db_path, scenario)
    base = runs.drop(columns=["exhaustion.p50", "cost.total.p50"])
    if runs.empty:
        return base
    with reading(Path(db_path)) as conn:
        rows = conn.execute("SELECT run, scenario, key, value FROM headline WHERE (? IS NULL OR scenario = ?) "
                            "ORDER BY run, scenario, position", (scenario, scenario)).fetchall()
    keys = list(dict.fromkeys(key for _, _, key, _ in rows))
    values = {(run, name, key): _float(value) for run, name, key, value in rows}
    for key in keys:
        base[key] = [values.get((run, name, key), math.nan) for run, name in zip(base["run"], base["scenario"])]
    return base.astype({key: "float64" for key in keys})


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def load_run(db_path: str | Path, quarter: str | Quarter | None = None, run: int | None = None,
             full_only: bool = False) -> ArchivedRun | None:
    """One archived report run, or ``None`` when there is no such run.

    With ``run``, the run of that id (of ``quarter``, when given too); otherwise the latest run of
    ``quarter`` (the last archived), or with ``full_only`` its latest full run.
    """
    db_path = Path(db_path)
    if quarter is None and run is None:
        raise ArchiveError("load_run needs a quarter or a run id")
    when = None if quarter is None else str(_quarter(quarter))
    if not _readable(db_path):
        return None
    with reading(db_path) as conn:
        if conn is None:
            return None
        row = conn.execute(
            "SELECT id FROM report_run WHERE (? IS NULL OR id = ?) AND (? IS NULL OR quarter = ?) "
            f"{'AND full IS NOT 0 ' if full_only else ''}ORDER BY id DESC LIMIT 1",
            (run, run, when, when)).fetchone()
        return None if row is None else _load(conn, int(row[0]))


def latest_before(db_path: str | Path, quarter: str | Quarter, full_only: bool = True) -> ArchivedRun | None:
    """The latest archived run of a quarter before ``quarter`` (``None`` if there is none).

    With ``full_only`` (the default) only full runs count — and runs archived before schema 2, which
    carry no flag; of several runs of that quarter, the last archived.
    """
    db_path = Path(db_path)
    ordinal = _quarter(quarter).ordinal
    if not _readable(db_path):
        return None
    with reading(db_path) as conn:
        if conn is None:
            return None
        row = conn.execute(
            f"SELECT id FROM report_run WHERE ordinal < ? {'AND full IS NOT 0 ' if full_only else ''}"
            "ORDER BY ordinal DESC, id DESC LIMIT 1", (ordinal,)).fetchone()
        return None if row is None else _load(conn, int(row[0]))


def _load(conn: sqlite3.Connection, run_id: int) -> ArchivedRun | None:
    run = conn.execute("SELECT quarter, version, recorded_at, full, folder FROM report_run WHERE id = ?",
                       (run_id,)).fetchone()
    if run is None:
        return None
    quarter, version, recorded_at, full, folder = run
    data = dict(conn.execute("SELECT f.file, b.content FROM data_file f JOIN data_blob b ON b.sha256 = f.sha256 "
                             "WHERE f.run = ? ORDER BY f.file", (run_id,)).fetchall())
    scenarios = {}
    for name, path, text, digest, seed, samples in conn.execute(
            "SELECT name, path, yaml, scenario_hash, seed, samples FROM scenario_run WHERE run = ? "
            "ORDER BY position", (run_id,)).fetchall():
        files = tuple(row[0] for row in conn.execute(
            "SELECT file FROM scenario_file WHERE run = ? AND scenario = ? ORDER BY file", (run_id, name)))
        figures = {key: _float(value) for key, value in conn.execute(
            "SELECT key, value FROM headline WHERE run = ? AND scenario = ? ORDER BY position",
            (run_id, name))}
        rows = conn.execute(f"SELECT period, metric, unit, {', '.join(STAT_COLUMNS)} FROM quantile "
                            "WHERE run = ? AND scenario = ? ORDER BY position", (run_id, name)).fetchall()
        summary = pd.DataFrame([(*row[:3], *(_float(v) for v in row[3:])) for row in rows],
                               columns=list(_QUANTILE_COLUMNS))
        summary = summary.astype({column: "float64" for column in STAT_COLUMNS})
        if len(summary):  # quarters as ForecastResult.summary() gives them
            summary["quarter"] = pd.PeriodIndex(summary["quarter"], freq="Q")
        scenarios[name] = ArchivedScenario(name, path, text, digest, int(seed), int(samples), files, figures,
                                           summary)
    return ArchivedRun(quarter, version, scenarios, {name: bytes(content) for name, content in data.items()},
                       recorded_at, run_id, None if full is None else bool(full), folder)
