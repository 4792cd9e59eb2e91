"""The run archive: every quarterly report run, kept in one SQLite file (``reports/archive.sqlite``).

A report run stores, for its quarter: the peakdata version; each scenario as run (its resolved YAML,
content hash, seed and samples); the CSVs of ``data/`` it read, by name and SHA-256, each distinct
content stored once; the headline figures (:func:`forecast.report.headline.headline`); and the
quantiles per quarter and metric (``ForecastResult.summary()``). "Changes since last quarter"
(:mod:`forecast.report.changes`) reads the previous quarter back from here.

Each :func:`record_report` is one transaction: it replaces that quarter's run (a quarter is never
archived twice) or, if anything fails part-way, leaves the file as it was. The schema carries its
version in ``PRAGMA user_version``; a file written by a newer schema is refused, not guessed at.

Tables (schema version 1)::

    report_run    quarter (key), ordinal, version, recorded_at (UTC, ISO 8601)
    scenario_run  quarter, name (key), position, path, yaml, scenario_hash, seed, samples
    data_blob     sha256 (key), content                       one row per distinct file content
    data_file     quarter, file (key), sha256                 the data/ snapshot of a report run
    scenario_file quarter, scenario, file (key)               which of those files a scenario read
    headline      quarter, scenario, key (key), position, value   NULL = not a number
    quantile      quarter, scenario, position (key), period, metric, unit, mean, p5, p10, p50, p90, p95
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

import pandas as pd

from forecast.errors import ArchiveError, DataError
from forecast.report.headline import headline
from forecast.result import STAT_COLUMNS
from forecast.units import Quarter

if TYPE_CHECKING:  # pragma: no cover
    from forecast.report.runs import ScenarioRun
    from forecast.schema import Scenario

__all__ = ["ArchivedRun", "ArchivedScenario", "DEFAULT_ARCHIVE", "SCHEMA_VERSION", "latest_before",
           "list_runs", "load_run", "record_report"]

#: Where ``peakdata report`` and ``peakdata history`` keep the archive unless told otherwise.
DEFAULT_ARCHIVE = Path("reports") / "archive.sqlite"
#: Version of the table layout, stored as ``PRAGMA user_version``.
SCHEMA_VERSION = 1

_QUANTILE_COLUMNS = ("quarter", "metric", "unit", *STAT_COLUMNS)

_SCHEMA = """
CREATE TABLE report_run (
    quarter     TEXT PRIMARY KEY,
    ordinal     INTEGER NOT NULL UNIQUE,
    version     TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE scenario_run (
    quarter       TEXT NOT NULL REFERENCES report_run(quarter) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    path          TEXT NOT NULL,
    yaml          TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    samples       INTEGER NOT NULL,
    PRIMARY KEY (quarter, name)
);
CREATE TABLE data_blob (
    sha256  TEXT PRIMARY KEY,
    content BLOB NOT NULL
);
CREATE TABLE data_file (
    quarter TEXT NOT NULL REFERENCES report_run(quarter) ON DELETE CASCADE,
    file    TEXT NOT NULL,
    sha256  TEXT NOT NULL REFERENCES data_blob(sha256),
    PRIMARY KEY (quarter, file)
);
CREATE TABLE scenario_file (
    quarter  TEXT NOT NULL,
    scenario TEXT NOT NULL,
    file     TEXT NOT NULL,
    PRIMARY KEY (quarter, scenario, file),
    FOREIGN KEY (quarter, scenario) REFERENCES scenario_run(quarter, name) ON DELETE CASCADE,
    FOREIGN KEY (quarter, file) REFERENCES data_file(quarter, file) ON DELETE CASCADE
);
CREATE TABLE headline (
    quarter  TEXT NOT NULL,
    scenario TEXT NOT NULL,
    key      TEXT NOT NULL,
    position INTEGER NOT NULL,
    value    REAL,
    PRIMARY KEY (quarter, scenario, key),
    FOREIGN KEY (quarter, scenario) REFERENCES scenario_run(quarter, name) ON DELETE CASCADE
);
CREATE TABLE quantile (
    quarter  TEXT NOT NULL,
    scenario TEXT NOT NULL,
    position INTEGER NOT NULL,
    period   TEXT NOT NULL,
    metric   TEXT NOT NULL,
    unit     TEXT NOT NULL,
    mean REAL, p5 REAL, p10 REAL, p50 REAL, p90 REAL, p95 REAL,
    PRIMARY KEY (quarter, scenario, position),
    FOREIGN KEY (quarter, scenario) REFERENCES scenario_run(quarter, name) ON DELETE CASCADE
);
"""


@dataclass(frozen=True)
class ArchivedScenario:
    """One scenario of an archived report run.

    ``headline`` is :func:`forecast.report.headline.headline` of its result (``nan`` where the
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
    """One quarter's report run: what was run, on which data, and its headline figures.

    ``data`` maps a CSV name of ``data/`` to its content (bytes, as read); ``data_hashes`` the same
    names to SHA-256.
    """

    quarter: str
    version: str
    scenarios: dict[str, ArchivedScenario]
    data: dict[str, bytes] = field(repr=False)
    recorded_at: str = field(default="", compare=False)

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


@contextlib.contextmanager
def _connect(db_path: Path, write: bool) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode (transactions are explicit), foreign keys enforced."""
    try:
        if write:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(db_path, isolation_level=None)
        else:
            conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except (sqlite3.Error, OSError) as exc:
        raise ArchiveError(f"{db_path}: cannot open the run archive: {exc}") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        yield conn
    except sqlite3.OperationalError as exc:      # locked by another writer, read-only, disk full
        raise ArchiveError(f"{db_path}: cannot use the run archive: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{db_path}: not a readable run archive ({exc}); "
                           "move it aside and run the report again to start a new one") from None
    finally:
        conn.close()


def _schema_version(conn: sqlite3.Connection, db_path: Path) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ArchiveError(f"{db_path}: archive schema version {version} is newer than this peakdata's "
                           f"({SCHEMA_VERSION}); upgrade peakdata to read it")
    if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise ArchiveError(f"{db_path}: an SQLite file that is not a peakdata run archive "
                           "(hint: give another --archive path)")
    return version


def _migrate(conn: sqlite3.Connection, db_path: Path) -> None:
    """Bring an empty file to the current schema (inside the caller's transaction)."""
    if _schema_version(conn, db_path) == 0:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


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


def _insert_run(conn: sqlite3.Connection, quarter: Quarter, version: str) -> None:
    from datetime import datetime, timezone

    conn.execute("DELETE FROM report_run WHERE quarter = ?", (str(quarter),))
    conn.execute("INSERT INTO report_run VALUES (?, ?, ?, ?)",
                 (str(quarter), quarter.ordinal, version,
                  datetime.now(timezone.utc).replace(microsecond=0).isoformat()))


def _insert_data(conn: sqlite3.Connection, quarter: str, data: dict[str, bytes]) -> None:
    for name, content in data.items():
        digest = _sha256(content)
        conn.execute("INSERT OR IGNORE INTO data_blob VALUES (?, ?)", (digest, content))
        conn.execute("INSERT INTO data_file VALUES (?, ?, ?)", (quarter, name, digest))


def _insert_scenario(conn: sqlite3.Connection, quarter: str, position: int, run: "ScenarioRun",
                     files: Sequence[str]) -> None:
    result = run.result
    conn.execute("INSERT INTO scenario_run VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (quarter, result.scenario, position, str(run.file.path), run.yaml_text, result.scenario_hash,
                  int(result.seed), int(result.samples)))
    conn.executemany("INSERT INTO scenario_file VALUES (?, ?, ?)",
                     [(quarter, result.scenario, name) for name in files])
    conn.executemany("INSERT INTO headline VALUES (?, ?, ?, ?, ?)",
                     [(quarter, result.scenario, key, k, _number(value))
                      for k, (key, value) in enumerate(headline(result).items())])


def _insert_quantiles(conn: sqlite3.Connection, quarter: str, run: "ScenarioRun") -> None:
    frame = run.result.summary()
    rows = []
    for k, row in enumerate(frame.itertuples(index=False)):
        period, metric, unit, *stats = row
        rows.append((quarter, run.result.scenario, k, str(period), str(metric), str(unit),
                     *(_number(v) for v in stats)))
    conn.executemany("INSERT INTO quantile VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def record_report(db_path: str | Path, quarter: str | Quarter, runs: Sequence["ScenarioRun"],
                  data_dir: Path | None = None) -> None:
    """Archive one report run, replacing any earlier run of the same quarter.

    Parameters
    ----------
    db_path : path
        The archive file (created with its folder if missing), e.g. ``reports/archive.sqlite``.
    quarter : str or Quarter
        The report's quarter, ``2026Q4``.
    runs : sequence of ScenarioRun
        The scenarios of the report with their results (:func:`forecast.report.runs.run_scenarios`).
    data_dir : Path, optional
        The folder of reference CSVs the runs read (default: the project's ``data/``); the files each
        scenario read (:func:`forecast.io.references.data_files`) are stored from here.

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
    with _connect(db_path, write=True) as conn:
        conn.execute("BEGIN IMMEDIATE")         # take the write lock before reading anything
        try:
            _migrate(conn, db_path)
            _insert_run(conn, when, ", ".join(version) or __version__)
            _insert_data(conn, str(when), data)
            for position, run in enumerate(runs):
                _insert_scenario(conn, str(when), position, run, files[run.result.scenario])
                _insert_quantiles(conn, str(when), run)
            conn.execute("DELETE FROM data_blob WHERE sha256 NOT IN (SELECT sha256 FROM data_file)")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _readable(db_path: Path) -> bool:
    return db_path.is_file() and db_path.stat().st_size > 0


def list_runs(db_path: str | Path, scenario: str | None = None) -> pd.DataFrame:
    """Every archived scenario run, oldest quarter first (empty when there is no archive yet).

    Columns: ``quarter``, ``scenario``, ``scenario_hash``, ``seed``, ``samples``, ``version``,
    ``exhaustion.p50`` [year at quarter end, ``inf`` after the horizon] and ``cost.total.p50``
    [USD], ``nan`` where the scenario has no such figure.
    """
    columns = ["quarter", "scenario", "scenario_hash", "seed", "samples", "version", "exhaustion.p50",
               "cost.total.p50"]
    db_path = Path(db_path)
    if not _readable(db_path):
        return pd.DataFrame(columns=columns)
    with _connect(db_path, write=False) as conn:
        if _schema_version(conn, db_path) == 0:
            return pd.DataFrame(columns=columns)
        query = """
            SELECT s.quarter, s.name, s.scenario_hash, s.seed, s.samples, r.version,
                   (SELECT value FROM headline h WHERE h.quarter = s.quarter AND h.scenario = s.name
                                                     AND h.key = 'exhaustion.p50'),
                   (SELECT value FROM headline h WHERE h.quarter = s.quarter AND h.scenario = s.name
                                                     AND h.key = 'cost.total.p50')
            FROM scenario_run s JOIN report_run r ON r.quarter = s.quarter
            WHERE (? IS NULL OR s.name = ?)
            ORDER BY r.ordinal, s.position"""
        rows = conn.execute(query, (scenario, scenario)).fetchall()
    out = [(*row[:6], _float(row[6]), _float(row[7])) for row in rows]
    frame = pd.DataFrame(out, columns=columns)
    return frame.astype({"seed": "int64", "samples": "int64", "exhaustion.p50": "float64",
                         "cost.total.p50": "float64"})


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def load_run(db_path: str | Path, quarter: str | Quarter) -> ArchivedRun | None:
    """The archived report run of ``quarter``, or ``None`` when that quarter was never archived."""
    db_path = Path(db_path)
    when = str(_quarter(quarter))
    if not _readable(db_path):
        return None
    with _connect(db_path, write=False) as conn:
        if _schema_version(conn, db_path) == 0:
            return None
        return _load(conn, when)


def latest_before(db_path: str | Path, quarter: str | Quarter) -> ArchivedRun | None:
    """The latest archived report run of a quarter before ``quarter`` (``None`` if there is none)."""
    db_path = Path(db_path)
    ordinal = _quarter(quarter).ordinal
    if not _readable(db_path):
        return None
    with _connect(db_path, write=False) as conn:
        if _schema_version(conn, db_path) == 0:
            return None
        row = conn.execute("SELECT quarter FROM report_run WHERE ordinal < ? ORDER BY ordinal DESC LIMIT 1",
                           (ordinal,)).fetchone()
        return None if row is None else _load(conn, row[0])


def _load(conn: sqlite3.Connection, quarter: str) -> ArchivedRun | None:
    run = conn.execute("SELECT version, recorded_at FROM report_run WHERE quarter = ?", (quarter,)).fetchone()
    if run is None:
        return None
    data = dict(conn.execute("SELECT f.file, b.content FROM data_file f JOIN data_blob b ON b.sha256 = f.sha256 "
                             "WHERE f.quarter = ? ORDER BY f.file", (quarter,)).fetchall())
    scenarios = {}
    for name, path, text, digest, seed, samples in conn.execute(
            "SELECT name, path, yaml, scenario_hash, seed, samples FROM scenario_run WHERE quarter = ? "
            "ORDER BY position", (quarter,)).fetchall():
        files = tuple(row[0] for row in conn.execute(
            "SELECT file FROM scenario_file WHERE quarter = ? AND scenario = ? ORDER BY file", (quarter, name)))
        figures = {key: _float(value) for key, value in conn.execute(
            "SELECT key, value FROM headline WHERE quarter = ? AND scenario = ? ORDER BY position",
            (quarter, name))}
        rows = conn.execute(f"SELECT period, metric, unit, {', '.join(STAT_COLUMNS)} FROM quantile "
                            "WHERE quarter = ? AND scenario = ? ORDER BY position", (quarter, name)).fetchall()
        summary = pd.DataFrame([(*row[:3], *(_float(v) for v in row[3:])) for row in rows],
                               columns=list(_QUANTILE_COLUMNS))
        summary = summary.astype({column: "float64" for column in STAT_COLUMNS})
        if len(summary):  # quarters as ForecastResult.summary() gives them
            summary["quarter"] = pd.PeriodIndex(summary["quarter"], freq="Q")
        scenarios[name] = ArchivedScenario(name, path, text, digest, int(seed), int(samples), files, figures,
                                           summary)
    return ArchivedRun(quarter, run[0], scenarios, {name: bytes(content) for name, content in data.items()},
                       run[1])
