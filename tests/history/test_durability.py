"""Concurrent writers and writers killed with SIGKILL: nothing lost, nothing half-written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from auditor.history import record_run
from auditor.history.db import check_integrity
from tests.history import builders
from tests.support.projects import REPO_ROOT

# One recorded run = 1 row in runs, 2 coverage + 3 tests metrics, 2 test rows.
_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from auditor.history import record_run
    from tests.history import builders

    path, writer, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    for n in range(count if count >= 0 else 10**9):
        record_run(path, builders.audit(
            created=f"2026-01-01T00:{writer:02d}:{n % 60:02d}.{n:06d}+00:00",
            commit=f"{writer:02d}{n:038d}",
            analyses={"coverage": builders.coverage({"m.py": (n % 10, 10)})},
            test_run=builders.tests({"t.py::a": ("passed", 0.1), "t.py::b": ("failed", 0.2)}, 1.0),
        ))
        print(n, flush=True)
    """
)

_INSIDE_TRANSACTION = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from auditor.history.backends import opened
    from auditor.history.record import RunRecord, insert_run
    from tests.history import builders

    path = Path(sys.argv[1])
    record = RunRecord.from_result(builders.audit(
        created="2026-05-05T00:00:00+00:00",
        analyses={"coverage": builders.coverage({"m.py": (1, 10)})},
        test_run=builders.tests({"t.py::a": ("passed", 0.1)}, 1.0),
    ))
    with opened(path) as store, store.transaction():
        insert_run(store, record)
        print("inside", flush=True)
        sys.stdin.read()  # hold the transaction open until killed
    """
)


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _assert_consistent(path: Path) -> int:
    """Integrity holds and every stored run has all of its rows; return the run count."""
    conn = sqlite3.connect(path)
    assert check_integrity(conn) == []
    runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    per_run = conn.execute(
        "SELECT runs.id, (SELECT count(*) FROM metrics WHERE run_id = runs.id),"
        " (SELECT count(*) FROM tests WHERE run_id = runs.id) FROM runs"
    ).fetchall()
    assert all((m, t) == (5, 2) for _, m, t in per_run), per_run
    orphans = conn.execute(
        "SELECT count(*) FROM metrics WHERE run_id NOT IN (SELECT id FROM runs)"
    ).fetchone()[0]
    assert orphans == 0
    conn.close()
    return int(runs)


def test_eight_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "history.db"
    writers = [_spawn(_WRITER, str(path), str(i), "15") for i in range(8)]
    for proc in writers:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert out.split() == [str(n) for n in range(15)]
    assert _assert_consistent(path) == 8 * 15
    commits = (
        sqlite3.connect(path).execute("SELECT count(DISTINCT commit_sha) FROM runs").fetchone()
    )
    assert commits == (120,)


def test_writer_killed_inside_its_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    record_run(
        path,
        builders.audit(
            created="2026-01-01T00:00:00Z",
            analyses={"coverage": builders.coverage({"m.py": (5, 10)})},
            test_run=builders.tests({"t.py::a": ("passed", 0.1), "t.py::b": ("passed", 0.1)}, 1.0),
        ),
    )
    proc = _spawn(_INSIDE_TRANSACTION, str(path))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "inside"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _assert_consistent(path) == 1
    # The killed writer's lock is gone: the next audit records normally.
    record_run(
        path,
        builders.audit(
            created="2026-01-02T00:00:00Z",
            analyses={"coverage": builders.coverage({"m.py": (6, 10)})},
            test_run=builders.tests({"t.py::a": ("passed", 0.1), "t.py::b": ("passed", 0.1)}, 1.0),
        ),
    )
    assert _assert_consistent(path) == 2


def test_writers_killed_at_random_moments_leave_a_consistent_history(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    committed_before_kill = 0
    for round_number in range(4):
        proc = _spawn(_WRITER, str(path), str(round_number), "-1")
        assert proc.stdout is not None
        # Let it commit a few runs (a different number each round), then kill it mid-loop.
        for _ in range(3 + 2 * round_number):
            assert proc.stdout.readline() != ""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        committed_before_kill += 3 + 2 * round_number
        runs = _assert_consistent(path)
        # Every printed run was committed; at most one more committed before the kill landed.
        assert committed_before_kill <= runs
        committed_before_kill = runs
