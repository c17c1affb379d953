"""The history file: creation, schema, WAL, and refusing files that are not ours."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from auditor.history import HistoryError, record_run
from auditor.history.db import APPLICATION_ID, SCHEMA_VERSION, check_integrity, connect
from tests.history import builders
from tests.support.projects import make_calc_project, run_audit


def _a_result() -> object:
    return builders.audit(
        created="2026-01-01T00:00:00+00:00",
        analyses={"coverage": builders.coverage({"pkg/a.py": (3, 4)})},
    )


def test_new_history_is_created_with_folder_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "deep" / "history.db"
    record_run(path, _a_result())  # type: ignore[arg-type]
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "metrics", "module_metrics", "findings", "gate_rules", "tests"} <= tables
    assert check_integrity(raw) == []


def test_read_only_open_of_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nothing.db"
    with pytest.raises(FileNotFoundError):
        connect(path, create=False)
    assert not path.exists()


def _assert_refused(path: Path, match: str) -> None:
    before = path.read_bytes()
    with pytest.raises(HistoryError, match=match):
        record_run(path, _a_result())  # type: ignore[arg-type]
    assert path.read_bytes() == before, "a foreign file must never be overwritten"


def test_text_file_at_history_path_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_text("my notes, not a database\n")
    _assert_refused(path, r"history\.db: not a test-auditor history database \(not an SQLite")


def test_other_applications_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE contacts (name TEXT)")
    other.execute("INSERT INTO contacts VALUES ('ada')")
    other.commit()
    other.close()
    _assert_refused(path, "an SQLite database of another application")
    assert sqlite3.connect(path).execute("SELECT name FROM contacts").fetchall() == [("ada",)]


def test_history_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    record_run(path, _a_result())  # type: ignore[arg-type]
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    _assert_refused(path, f"schema version {SCHEMA_VERSION + 1} is newer")


def test_corrupt_database_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    record_run(path, _a_result())  # type: ignore[arg-type]
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = bytearray(path.read_bytes())
    # Keep the 100-byte header (it still looks like SQLite), smash every page after it.
    data[100:] = b"\xa5" * (len(data) - 100)
    path.write_bytes(bytes(data))
    _assert_refused(path, r"history\.db: (corrupt history database|cannot use)")


def test_directory_at_history_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.mkdir()
    with pytest.raises(HistoryError, match="is a directory"):
        record_run(path, _a_result())  # type: ignore[arg-type]


def test_cli_reports_a_foreign_history_file_in_one_line_with_exit_2(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "proj")
    history = project / "notes.db"
    history.write_text("not sqlite")
    done = run_audit("history", project, "--history", history)
    assert done.exit_code == 2
    assert done.error_lines == [
        f"audit: error: {history}: not a test-auditor history database (not an SQLite file); "
        "move it away or point [tool.audit] history / --history elsewhere"
    ]
    assert "Traceback" not in done.stderr
    assert history.read_text() == "not sqlite"
