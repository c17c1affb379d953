"""The :class:`~auditor.history.store.HistoryStore` of a local SQLite file.

Opening, validating, migrating, WAL and ``BEGIN IMMEDIATE`` are those of
:mod:`auditor.history.db`, unchanged: this class only puts them behind the
storage interface the queries use.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.history.db import connect, translate_errors, write_transaction
from auditor.history.store import Cursor, HistoryStore


class SQLiteStore(HistoryStore):
    """The history in a local SQLite file (one project's history)."""

    shared = False

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.location = str(path)
        self.schema_version = int(conn.execute("PRAGMA user_version").fetchone()[0])

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def insert_id(self, sql: str, params: Sequence[Any]) -> int | None:
        # lastrowid, not RETURNING: the default backend keeps working with
        # SQLite older than 3.35 (upserts need 3.24).
        cursor = self.conn.execute(sql, params)
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def transaction(self) -> Any:
        return write_transaction(self.conn)

    def errors(self) -> Any:
        return translate_errors(self.path)

    def close(self) -> None:
        self.conn.close()


def open_sqlite(path: Path, *, create: bool) -> SQLiteStore:
    """:func:`auditor.history.db.connect` as a store (it validated the file already)."""
    return SQLiteStore(connect(path, create=create), Path(path))
