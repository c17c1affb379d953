"""Fixtures of the history tests: a throwaway PostgreSQL cluster, and both backends.

``history_target`` runs a test once against a SQLite file and once against a
fresh database on the session's PostgreSQL cluster, so the same queries are
checked on both implementations of the storage interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.history.url import HistoryTarget, ServerURL
from tests.history.postgres_server import Cluster, remove_cluster, start_cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        remove_cluster(cluster)


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """The URL (with its password) of a fresh, empty database; the server is running."""
    return postgres_cluster.url(postgres_cluster.new_database())


@pytest.fixture(params=["sqlite", "postgres"])
def history_target(request: pytest.FixtureRequest, tmp_path: Path) -> HistoryTarget:
    """A new, empty history: a SQLite file, or a database on the PostgreSQL cluster."""
    if request.param == "sqlite":
        return tmp_path / "history.db"
    url: str = request.getfixturevalue("postgres_url")
    return ServerURL(url)
