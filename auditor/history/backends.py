"""Opening a history wherever it lives: a SQLite file or a PostgreSQL server.

The one place that chooses the implementation of
:class:`~auditor.history.store.HistoryStore` for a
:data:`~auditor.history.url.HistoryTarget`; everything else works on the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.history.postgres import connect_server
from auditor.history.sqlite_store import open_sqlite
from auditor.history.store import HistoryStore
from auditor.history.url import HistoryTarget, ServerURL


def open_store(target: HistoryTarget, *, create: bool = True) -> HistoryStore:
    """Open the history at ``target``; with ``create``, create or migrate its schema.

    With ``create=False`` nothing is written: a missing SQLite file is
    :class:`FileNotFoundError`, and a server without our schema reads as empty.
    """
    if isinstance(target, ServerURL):
        return connect_server(target, create=create)
    return open_sqlite(Path(target), create=create)


@contextmanager
def opened(target: HistoryTarget, *, create: bool = True) -> Iterator[HistoryStore]:
    """:func:`open_store` that always closes, with the store's errors made one line."""
    store = open_store(target, create=create)
    try:
        with store.errors():
            yield store
    finally:
        store.close()


def exists(target: HistoryTarget) -> bool:
    """Whether there may be a history to read (a server is always asked)."""
    return isinstance(target, ServerURL) or Path(target).exists()
