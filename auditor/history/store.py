"""One storage interface for the history, two implementations (SQLite, PostgreSQL).

Every query of the history (:mod:`auditor.history.queries`,
:mod:`auditor.history.record`, the review, the gate) is written once, in the
SQL both databases share, with ``?`` placeholders, and runs through a
:class:`HistoryStore`:

- :class:`~auditor.history.sqlite_store.SQLiteStore` — the default, a local
  file (:mod:`auditor.history.db` opens, validates and migrates it, as before);
- :class:`~auditor.history.postgres.PostgresStore` — a team's server
  (``history = "postgresql://…"``), through psycopg 3.

What differs between them (placeholders, transactions, how errors look, the
schema's DDL) is inside the implementations.
:func:`auditor.history.backends.open_store` picks one from a
:data:`~auditor.history.url.HistoryTarget`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    """The part of a DB-API cursor the queries use (sqlite3 and psycopg both have it)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class HistoryStore(ABC):
    """An open history: run the shared SQL, in transactions, with one-line errors."""

    #: Shown in messages; never holds a password.
    location: str
    #: True when the store is shared by many projects (a server): readers then
    #: scope runs to one project. A SQLite file is one project's history.
    shared: bool = False
    #: The schema version of the database as opened.
    schema_version: int = 0

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run one statement written with ``?`` placeholders."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for every row of ``rows``."""

    @abstractmethod
    def insert_id(self, sql: str, params: Sequence[Any]) -> int | None:
        """Run one ``INSERT … ON CONFLICT DO NOTHING`` into a table with an ``id``.

        Returns the new row's id, or None when the conflict clause skipped it.
        """

    @abstractmethod
    def transaction(self) -> Any:
        """A context manager: one write transaction, all of its rows or none."""

    @abstractmethod
    def errors(self) -> Any:
        """A context manager turning the backend's errors into one-line ``HistoryError``."""

    @abstractmethod
    def close(self) -> None: ...
