"""The run archive's SQLite file: its tables (schema version 2, described in :mod:`forecast.store.archive`),
a connection with foreign keys on and its errors as :class:`~forecast.errors.ArchiveError`, and the
migration of a schema-1 file (in place inside a writer's transaction, or in memory for a reader).
"""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Iterator

from forecast.errors import ArchiveError

__all__ = ["SCHEMA_VERSION", "connect", "migrate", "reading", "schema_version"]

#: Version of the table layout, stored as ``PRAGMA user_version``.
SCHEMA_VERSION = 2

#: The tables keyed by run, children first (schema 1 had the same names, keyed by quarter);
#: ``data_blob`` is the same in both schemas.
_RUN_TABLES = ("quantile", "headline", "scenario_file", "data_file", "scenario_run", "report_run")

_SCHEMA = """
CREATE TABLE report_run (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    quarter     TEXT NOT NULL,
    ordinal     INTEGER NOT NULL,
    version     TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    full        INTEGER CHECK (full IN (0, 1)),
    folder      TEXT
);
CREATE INDEX report_run_by_quarter ON report_run (ordinal, id);
CREATE TABLE scenario_run (
    run           INTEGER NOT NULL REFERENCES report_run(id),
    name          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    path          TEXT NOT NULL,
    yaml          TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    samples       INTEGER NOT NULL,
    PRIMARY KEY (run, name)
);
CREATE TABLE data_blob (
    sha256  TEXT PRIMARY KEY,
    content BLOB NOT NULL
);
CREATE TABLE data_file (
    run    INTEGER NOT NULL REFERENCES report_run(id),
    file   TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES data_blob(sha256),
    PRIMARY KEY (run, file)
);
CREATE TABLE scenario_file (
    run      INTEGER NOT NULL,
    scenario TEXT NOT NULL,
    file     TEXT NOT NULL,
    PRIMARY KEY (run, scenario, file),
    FOREIGN KEY (run, scenario) REFERENCES scenario_run(run, name),
    FOREIGN KEY (run, file) REFERENCES data_file(run, file)
);
CREATE TABLE headline (
    run      INTEGER NOT NULL,
    scenario TEXT NOT NULL,
    key      TEXT NOT NULL,
    position INTEGER NOT NULL,
    value    REAL,
    PRIMARY KEY (run, scenario, key),
    FOREIGN KEY (run, scenario) REFERENCES scenario_run(run, name)
);
CREATE TABLE quantile (
    run      INTEGER NOT NULL,
    scenario TEXT NOT NULL,
    position INTEGER NOT NULL,
    period   TEXT NOT NULL,
    metric   TEXT NOT NULL,
    unit     TEXT NOT NULL,
    mean REAL, p5 REAL, p10 REAL, p50 REAL, p90 REAL, p95 REAL,
    PRIMARY KEY (run, scenario, position),
    FOREIGN KEY (run, scenario) REFERENCES scenario_run(run, name)
);
"""

#: Schema 1 → 2: every row copied from the renamed schema-1 tables (``v1_<table>``); a quarter's run
#: becomes the run whose id the new ``report_run`` row got (one row per quarter in schema 1).
_FROM_V1 = """
INSERT INTO report_run (quarter, ordinal, version, recorded_at, full, folder)
    SELECT quarter, ordinal, version, recorded_at, NULL, quarter FROM v1_report_run ORDER BY ordinal;
INSERT INTO scenario_run
    SELECT r.id, s.name, s.position, s.path, s.yaml, s.scenario_hash, s.seed, s.samples
    FROM v1_scenario_run s JOIN report_run r ON r.quarter = s.quarter;
INSERT INTO data_file SELECT r.id, f.file, f.sha256 FROM v1_data_file f JOIN report_run r ON r.quarter = f.quarter;
INSERT INTO scenario_file
    SELECT r.id, f.scenario, f.file FROM v1_scenario_file f JOIN report_run r ON r.quarter = f.quarter;
INSERT INTO headline
    SELECT r.id, h.scenario, h.key, h.position, h.value FROM v1_headline h JOIN report_run r ON r.quarter = h.quarter;
INSERT INTO quantile
    SELECT r.id, q.scenario, q.position, q.period, q.metric, q.unit, q.mean, q.p5, q.p10, q.p50, q.p90, q.p95
    FROM v1_quantile q JOIN report_run r ON r.quarter = q.quarter;
"""


@contextlib.contextmanager
def connect(db_path: Path, write: bool) -> Iterator[sqlite3.Connection]:
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


def schema_version(conn: sqlite3.Connection, db_path: Path) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ArchiveError(f"{db_path}: archive schema version {version} is newer than this peakdata's "
                           f"({SCHEMA_VERSION}); upgrade peakdata to read it")
    if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise ArchiveError(f"{db_path}: an SQLite file that is not a peakdata run archive "
                           "(hint: give another --archive path)")
    return version


def statements(script: str) -> Iterator[str]:
    for statement in script.split(";"):
        if statement.strip():
            yield statement


def migrate(conn: sqlite3.Connection, db_path: Path) -> None:
    """Bring the file to the current schema (inside the caller's transaction): create the tables in
    an empty file; rebuild schema-1 tables keyed by run, every row kept (module docstring)."""
    version = schema_version(conn, db_path)
    if version == SCHEMA_VERSION:
        return
    if version == 1:
        for table in _RUN_TABLES:              # references follow a renamed table (foreign keys are on)
            conn.execute(f"ALTER TABLE {table} RENAME TO v1_{table}")
    for statement in statements(_SCHEMA):
        if version == 1 and "CREATE TABLE data_blob" in statement:
            continue                           # the same in both schemas: kept as it is
        conn.execute(statement)
    if version == 1:
        for statement in statements(_FROM_V1):
            conn.execute(statement)
        for table in _RUN_TABLES:              # children first
            conn.execute(f"DROP TABLE v1_{table}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextlib.contextmanager
def reading(db_path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection at the current schema, ``None`` for an empty file. A schema-1 file is
    copied into memory and migrated there: reading never changes the file."""
    with connect(db_path, write=False) as conn:
        version = schema_version(conn, db_path)
        if version == 0:
            yield None
        elif version == SCHEMA_VERSION:
            yield conn
        else:
            memory = sqlite3.connect(":memory:", isolation_level=None)
            try:
                conn.backup(memory)
                memory.execute("PRAGMA foreign_keys = ON")
                memory.execute("BEGIN")
                migrate(memory, db_path)
                memory.execute("COMMIT")
                yield memory
            finally:
                memory.close()
