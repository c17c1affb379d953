"""The server history's schema: created once, upgraded in a transaction, refused when not ours.

Also: a SQLite file of schema 1 (the previous release) upgraded the same way,
and readers of an old read-only file still working.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from auditor.history import HistoryError, postgres, record_run
from auditor.history import db as sqlite_db
from auditor.history.backends import opened
from auditor.history.queries import flaky_findings, list_runs
from auditor.history.url import ServerURL
from tests.history import builders


def _result(created: str = "2026-01-01T00:00:00+00:00") -> object:
    return builders.audit(
        created=created, analyses={"coverage": builders.coverage({"m.py": (3, 4)})}
    )


def _create_version_1(url: str) -> None:
    """The schema as test-auditor's schema 1 left it, with one run in it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in postgres.MIGRATIONS[0].split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT INTO audit_history.schema_info VALUES (%s, 1)", (postgres.APPLICATION,)
        )
        conn.execute(
            "INSERT INTO audit_history.runs (run_key, project, created, recorded,"
            " config_fingerprint, duration_seconds, report)"
            " VALUES ('k1', 'old', '2026-01-01T00:00:00.000000+00:00', 'x', 'f', 1.0, '')"
        )


def _columns(url: str, table: str) -> set[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        return {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'audit_history' AND table_name = %s",
                (table,),
            )
        }


def _version(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT version FROM audit_history.schema_info").fetchone()
        assert row is not None
        return int(row[0])


def test_schema_is_created_on_first_use_in_its_own_schema(postgres_url: str) -> None:
    record_run(ServerURL(postgres_url), _result())  # type: ignore[arg-type]
    assert _version(postgres_url) == sqlite_db.SCHEMA_VERSION == 2
    assert "project" in _columns(postgres_url, "flaky_findings")
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        public = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert public == (0,), "nothing is created outside the audit_history schema"


def test_version_1_is_upgraded_keeping_its_runs(postgres_url: str) -> None:
    _create_version_1(postgres_url)
    assert "project" not in _columns(postgres_url, "flaky_findings")
    with opened(ServerURL(postgres_url)) as store:
        assert [r.run_key for r in list_runs(store)] == ["k1"]
    assert _version(postgres_url) == 2
    assert "project" in _columns(postgres_url, "flaky_findings")


def test_a_failing_upgrade_is_rolled_back_whole(postgres_url: str) -> None:
    _create_version_1(postgres_url)
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # Step 2 adds a column, then creates this index: the second statement fails.
        conn.execute("CREATE INDEX runs_project_created ON audit_history.runs (project)")
    with pytest.raises(HistoryError, match="runs_project_created"):
        record_run(ServerURL(postgres_url), _result())  # type: ignore[arg-type]
    assert _version(postgres_url) == 1
    assert "project" not in _columns(postgres_url, "flaky_findings"), "the ALTER was undone"


def test_newer_schema_is_refused_and_left_alone(postgres_url: str) -> None:
    record_run(ServerURL(postgres_url), _result())  # type: ignore[arg-type]
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE audit_history.schema_info SET version = 99")
    with pytest.raises(HistoryError, match="schema version 99 is newer than this test-auditor"):
        record_run(ServerURL(postgres_url), _result("2026-02-01T00:00:00Z"))  # type: ignore[arg-type]
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_history.runs").fetchone() == (1,)
    assert _version(postgres_url) == 99


def test_another_applications_schema_of_that_name_is_refused(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA audit_history")
        conn.execute("CREATE TABLE audit_history.contacts (name TEXT)")
    with pytest.raises(HistoryError, match="belongs to another application"):
        record_run(ServerURL(postgres_url), _result())  # type: ignore[arg-type]
    assert _columns(postgres_url, "contacts") == {"name"}
    assert _columns(postgres_url, "runs") == set()


def test_sqlite_history_of_schema_1_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    raw = sqlite3.connect(path)
    raw.executescript(sqlite_db.MIGRATIONS[0])
    raw.execute(f"PRAGMA application_id = {sqlite_db.APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 1")
    raw.execute(
        "INSERT INTO flaky_findings (finding_key, created, nodeid, kind, detail)"
        " VALUES ('f1', '2026-01-01T00:00:00.000000+00:00', 't::x', 'polluted', '')"
    )
    raw.commit()
    raw.close()
    # A reader of the old file (read-only) sees its findings without upgrading it.
    with opened(path, create=False) as store:
        assert [f.nodeid for f in flaky_findings(store, project="demo")] == ["t::x"]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (1,)
    record_run(path, _result())  # type: ignore[arg-type]
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone() == (2,)
    columns = {row[1] for row in check.execute("PRAGMA table_info(flaky_findings)")}
    assert "project" in columns
    assert check.execute("SELECT nodeid FROM flaky_findings").fetchall() == [("t::x",)]
    assert sqlite_db.check_integrity(check) == []
