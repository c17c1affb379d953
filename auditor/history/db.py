"""The SQLite history database: opening, validating and migrating it.

This is the default backend (a team's server is :mod:`auditor.history.postgres`;
both sit behind :class:`auditor.history.store.HistoryStore`).
The history is one SQLite file (default ``.audit/history.db``). It is opened
in WAL mode with a generous busy timeout so that several audits (e.g. CI jobs
sharing a cache) can write at the same time; every run is written in one
``BEGIN IMMEDIATE`` transaction, so a writer killed mid-run leaves either the
whole run or nothing.

A file at the history path that is not ours is never touched: a non-SQLite
file, a SQLite database of another application, a database written by a
newer schema, or a corrupt file raise :class:`HistoryError` with one line
naming the path.
"""

from __future__ import annotations

import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.errors import UsageError
from auditor.writable import unwritable_file_reason

# "TAud" as a big-endian int: marks the file as a test-auditor history
# (SQLite's documented way for an application to claim a database file).
APPLICATION_ID = 0x54417564
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 60_000

# Each entry migrates from version ``index`` to ``index + 1``. Never edit a
# released step: append a new one (history files outlive releases).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        run_key TEXT NOT NULL UNIQUE,
        project TEXT NOT NULL,
        commit_sha TEXT,
        branch TEXT,
        created TEXT NOT NULL,
        recorded TEXT NOT NULL,
        config_fingerprint TEXT NOT NULL,
        duration_seconds REAL NOT NULL,
        gate_passed INTEGER,
        report BLOB NOT NULL
    );
    CREATE INDEX runs_branch_created ON runs (branch, created);
    CREATE INDEX runs_commit ON runs (commit_sha);
    CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        analysis TEXT NOT NULL,
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (run_id, analysis, metric)
    );
    CREATE TABLE module_metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        analysis TEXT NOT NULL,
        module TEXT NOT NULL,
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (run_id, analysis, module, metric)
    );
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        analysis TEXT NOT NULL,
        rule TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (run_id, analysis, rule)
    );
    CREATE TABLE gate_rules (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        rule_id TEXT NOT NULL,
        analysis TEXT NOT NULL,
        status TEXT NOT NULL,
        comparison TEXT NOT NULL,
        threshold REAL,
        measured REAL,
        reason TEXT NOT NULL,
        PRIMARY KEY (run_id, position)
    );
    CREATE TABLE tests (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        nodeid TEXT NOT NULL,
        outcome TEXT NOT NULL,
        duration_seconds REAL NOT NULL,
        PRIMARY KEY (run_id, nodeid)
    );
    CREATE INDEX tests_nodeid ON tests (nodeid);
    CREATE TABLE flaky_findings (
        id INTEGER PRIMARY KEY,
        finding_key TEXT NOT NULL UNIQUE,
        commit_sha TEXT,
        branch TEXT,
        created TEXT NOT NULL,
        nodeid TEXT NOT NULL,
        kind TEXT NOT NULL,
        partner TEXT,
        seed INTEGER,
        detail TEXT NOT NULL
    );
    """,
    # 2: one database serves many projects (a team's server): flaky findings
    # name their project too, and runs are looked up by project.
    """
    ALTER TABLE flaky_findings ADD COLUMN project TEXT;
    CREATE INDEX runs_project_created ON runs (project, created);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(UsageError):
    """The history path holds something that is not a usable history (exit code 2)."""


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that is not SQLite before SQLite touches it."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except IsADirectoryError:
        raise HistoryError(f"{path}: history path is a directory, not a file") from None
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read history database: {exc.strerror}") from None
    if header and header != SQLITE_MAGIC:
        raise HistoryError(
            f"{path}: not a test-auditor history database (not an SQLite file); "
            "move it away or point [tool.audit] history / --history elsewhere"
        )


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retrying(attempt: Callable[[], object]) -> None:
    """Run a statement that may meet a lock SQLite's busy handler does not wait on.

    Switching to WAL and the very first schema creation can report
    ``database is locked`` immediately when many processes start together;
    retry those for up to the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            attempt()
            return
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _validate(conn: sqlite3.Connection, path: Path) -> int:
    """Return the schema version, refusing foreign and newer databases."""
    # One statement, so one snapshot: read separately, a process creating the
    # schema could commit in between and its tables would be seen without its
    # application id, which looks exactly like another application's database.
    app_id, version, tables = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id()),"
        " (SELECT user_version FROM pragma_user_version()),"
        " (SELECT count(*) FROM sqlite_master WHERE type = 'table')"
    ).fetchone()
    version = int(version)
    if app_id != APPLICATION_ID and (app_id != 0 or tables or version):
        raise HistoryError(
            f"{path}: an SQLite database of another application, not a test-auditor history; "
            "move it away or point [tool.audit] history / --history elsewhere"
        )
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path}: history schema version {version} is newer than this test-auditor "
            f"understands ({SCHEMA_VERSION}); upgrade test-auditor"
        )
    return version


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION` inside one write transaction.

    The version is read again after taking the write lock, so when several
    processes open a new file together exactly one of them creates the schema.
    """
    if _validate(conn, path) == SCHEMA_VERSION:
        return
    _retrying(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        version = _validate(conn, path)
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def check_writable(path: Path) -> None:
    """:class:`HistoryError` (exit 2) when a run could not be recorded at ``path``.

    Called before anything is measured, so an audit that could not record its
    run says so at once instead of after the whole suite.
    """
    reason = unwritable_file_reason(Path(path).absolute())
    if reason is not None:
        raise HistoryError(
            f"history database {path}: {reason}; point [tool.audit] history / "
            "--history at a writable path"
        )


def _sqlite_connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """Open ``path``; read-only callers never write, not even SQLite's side files.

    On media nobody can write, SQLite cannot create the shared-memory file a
    WAL database is read through, and reports "unable to open database file":
    there the file is opened as immutable (safe, since nothing can change it).
    """
    if not read_only:
        return sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    mode = "immutable=1" if unwritable_file_reason(Path(path).absolute()) else "mode=ro"
    uri = f"file:{urllib.parse.quote(str(Path(path).absolute()))}?{mode}"
    return sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
        check_same_thread=False,
    )


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and, if ``create``, create or migrate) the history at ``path``.

    With ``create=False`` a missing file is :class:`FileNotFoundError` and
    nothing is written: the file is opened read-only, so listing and
    reviewing a history on a read-only file system works (used by readers
    such as ``audit history``, ``audit review`` and the gate).
    """
    path = Path(path)
    if path.exists():
        _check_header(path)
    elif not create:
        raise FileNotFoundError(str(path))
    if create:
        check_writable(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"{path}: cannot create history folder: {exc.strerror}") from None
    try:
        conn = _sqlite_connect(path, read_only=not create)
    except sqlite3.OperationalError as exc:
        raise HistoryError(f"{path}: cannot open history database: {exc}") from None
    try:
        if create:
            conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Validate before anything that writes (switching to WAL rewrites the header).
        _validate(conn, path)
        if create:
            _retrying(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            _migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError) and _is_locked(exc):
            raise HistoryError(f"{path}: history database stayed locked: {exc}") from None
        raise HistoryError(f"{path}: corrupt history database ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def open_history(path: Path, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    """:func:`connect` as a context manager that always closes the connection."""
    conn = connect(path, create=create)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` ... ``COMMIT``: all of a run's rows, or none."""
    _retrying(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            conn.execute("ROLLBACK")
            raise HistoryError(f"cannot write history: {exc}") from None


@contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's errors while reading or writing into one-line :class:`HistoryError`.

    A file with a valid header but damaged pages opens fine and fails only
    when a page is read; this is where that becomes a clear message.
    """
    try:
        yield
    except sqlite3.OperationalError as exc:
        if _is_locked(exc):
            raise HistoryError(f"{path}: history database stayed locked: {exc}") from None
        raise HistoryError(f"{path}: cannot use history database: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"{path}: corrupt history database ({exc})") from None


def check_integrity(conn: sqlite3.Connection) -> list[str]:
    """SQLite's own consistency check plus foreign keys; empty when all is well."""
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
    problems += [f"dangling row in {row[0]}" for row in conn.execute("PRAGMA foreign_key_check")]
    return problems
