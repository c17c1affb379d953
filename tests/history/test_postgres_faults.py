"""A history on a real PostgreSQL server under concurrency and faults.

Every test runs against the session's throwaway cluster (``initdb`` +
``pg_ctl``, :mod:`tests.history.postgres_server`), each in a fresh database.
Expected numbers come from how the writers were told to write (which
commits, how many runs), never from our own output.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.history import record_run
from auditor.history.backends import opened
from auditor.history.url import ServerURL
from tests.history import builders
from tests.history.forked import run_together
from tests.history.postgres_server import Cluster, free_port
from tests.support.projects import REPO_ROOT, make_calc_project, read_report, run_audit

pytestmark = pytest.mark.slow

WRITERS = 16
OWN_RUNS = 10  # runs only this writer records
SHARED_RUNS = 5  # runs every writer records (identical reports: the same run)

# One run = 1 runs row, 2 coverage + 3 tests metrics, 2 test rows.
_WRITER = textwrap.dedent(
    """
    import sys
    from auditor.history import record_run
    from auditor.history.url import ServerURL
    from tests.history import builders

    url, writer, own, shared = ServerURL(sys.argv[1]), int(sys.argv[2]), *map(int, sys.argv[3:5])

    def run(commit, second, covered):
        return builders.audit(
            created=f"2026-01-01T00:{second // 60:02d}:{second % 60:02d}+00:00",
            commit=commit,
            analyses={"coverage": builders.coverage({"m.py": (covered, 10)})},
            test_run=builders.tests({"t.py::a": ("passed", 0.1), "t.py::b": ("failed", 0.2)}, 1.0),
        )

    sys.stdin.readline()  # start together
    if own < 0:  # record runs until killed
        n = 0
        while True:
            record_run(url, run(f"{writer:02d}{n:038d}", n % 3000, n % 10))
            print(n, flush=True)
            n += 1
    plan = [(f"{writer:02d}{n:038d}", writer * 100 + n, n % 10) for n in range(own)]
    plan += [(f"ss{n:038d}", 3000 + n, 5) for n in range(shared)]
    for n, (commit, second, covered) in enumerate(plan):
        record_run(url, run(commit, second, covered))
        print(n, flush=True)
    """
)

# Holds a run's transaction open after its K-th statement, until killed.
_KILLED_AT = textwrap.dedent(
    """
    import sys
    from auditor.history.backends import opened
    from auditor.history.record import RunRecord, insert_run
    from auditor.history.url import ServerURL
    from auditor.model import RuleResult
    from tests.history import builders

    url, stop_after = ServerURL(sys.argv[1]), int(sys.argv[2])
    record = RunRecord.from_result(builders.audit(
        created="2026-05-05T00:00:00+00:00",
        analyses={"coverage": builders.coverage({"m.py": (1, 10)}),
                  "smells": builders.SmellsResult(sleepy_tests=1, per_module={"t.py": 1.0})},
        test_run=builders.tests({"t.py::a": ("passed", 0.1), "t.py::b": ("passed", 0.1)}, 1.0),
        rules=[RuleResult("line", "d", ">=", 5, 10, "passed", analysis="coverage")],
    ))

    class PauseAfter:
        # The store, but after statement number stop_after it says so and waits to be killed.
        def __init__(self, store):
            self.store, self.count = store, 0
        def _step(self):
            self.count += 1
            if self.count == stop_after:
                print("paused", flush=True)
                sys.stdin.read()
        def execute(self, sql, params=()):
            cursor = self.store.execute(sql, params)
            self._step()
            return cursor
        def executemany(self, sql, rows):
            self.store.executemany(sql, rows)
            self._step()
        def insert_id(self, sql, params):
            new_id = self.store.insert_id(sql, params)
            self._step()
            return new_id

    with opened(url) as store, store.transaction():
        insert_run(PauseAfter(store), record)
    print("committed", flush=True)
    """
)
STATEMENTS_PER_RUN = 7  # look-up, runs, metrics, module_metrics, findings, gate_rules, tests


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _consistency(url: str) -> tuple[int, set[str]]:
    """Every stored run has all of its rows and nothing dangles; return (runs, commits)."""
    with opened(ServerURL(url)) as store:
        per_run = store.execute(
            "SELECT runs.id, (SELECT count(*) FROM metrics WHERE run_id = runs.id),"
            " (SELECT count(*) FROM tests WHERE run_id = runs.id) FROM runs"
        ).fetchall()
        assert all((m, t) == (5, 2) for _, m, t in per_run), per_run
        for table in ("metrics", "module_metrics", "findings", "gate_rules", "tests"):
            orphans = store.execute(
                f"SELECT count(*) FROM {table} WHERE run_id NOT IN (SELECT id FROM runs)"
            ).fetchone()[0]
            assert orphans == 0, table
        duplicates = store.execute(
            "SELECT count(*) FROM (SELECT run_key FROM runs GROUP BY run_key"
            " HAVING count(*) > 1) AS d"
        ).fetchone()[0]
        assert duplicates == 0
        commits = {row[0] for row in store.execute("SELECT commit_sha FROM runs")}
    return len(per_run), commits


def test_sixteen_writer_processes_lose_nothing_and_duplicate_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    # A fresh database: the 16 writers also race to create the schema.
    writers = run_together(
        _WRITER,
        [[postgres_url, str(i), str(OWN_RUNS), str(SHARED_RUNS)] for i in range(WRITERS)],
        tmp_path / "writers",
    )
    for writer in writers:
        assert writer.returncode == 0, writer.stderr
        assert writer.stdout.split() == [str(n) for n in range(OWN_RUNS + SHARED_RUNS)]
    runs, commits = _consistency(postgres_url)
    expected = {f"{w:02d}{n:038d}" for w in range(WRITERS) for n in range(OWN_RUNS)}
    expected |= {f"ss{n:038d}" for n in range(SHARED_RUNS)}
    assert commits == expected
    assert runs == WRITERS * OWN_RUNS + SHARED_RUNS == 165
    with opened(ServerURL(postgres_url)) as store:
        assert store.execute("SELECT count(*) FROM schema_info").fetchone()[0] == 1


_OPEN = textwrap.dedent(
    """
    import sys
    from auditor.history.backends import open_store
    from auditor.history.url import ServerURL

    sys.stdin.readline()  # start together
    open_store(ServerURL(sys.argv[1])).close()
    """
)


def test_sixteen_runners_creating_the_schema_at_once_all_succeed(
    postgres_cluster: Cluster, tmp_path: Path
) -> None:
    for attempt in range(3):  # the race is in timing: try it on several fresh databases
        url = postgres_cluster.url(postgres_cluster.new_database())
        openers = run_together(_OPEN, [[url]] * WRITERS, tmp_path / f"openers-{attempt}",
                               timeout=300)
        failures = [
            opener.stderr.strip().splitlines()[-1] for opener in openers if opener.returncode
        ]
        assert failures == []
        with opened(ServerURL(url)) as store:
            assert store.execute("SELECT version FROM schema_info").fetchall() == [(2,)]


@pytest.mark.parametrize("stop_after", range(1, STATEMENTS_PER_RUN + 1))
def test_writer_killed_inside_its_transaction_leaves_no_partial_run(
    postgres_url: str, stop_after: int
) -> None:
    url = ServerURL(postgres_url)
    record_run(url, builders.audit(
        created="2026-01-01T00:00:00Z",
        analyses={"coverage": builders.coverage({"m.py": (5, 10)})},
        test_run=builders.tests({"t.py::a": ("passed", 0.1), "t.py::b": ("passed", 0.1)}, 1.0),
    ))
    proc = _spawn(_KILLED_AT, postgres_url, str(stop_after))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "paused", proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # The server rolls the dead connection's transaction back: one run, whole.
    assert _consistency(postgres_url)[0] == 1
    # Its locks die with it: the same run can be recorded now, completely.
    again = _spawn(_KILLED_AT, postgres_url, str(STATEMENTS_PER_RUN + 1))
    out, err = again.communicate("", timeout=120)
    assert again.returncode == 0, err
    assert out.split() == ["committed"]
    with opened(url) as store:
        assert store.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
        assert store.execute("SELECT count(*) FROM findings").fetchone()[0] == 1
        assert store.execute("SELECT count(*) FROM gate_rules").fetchone()[0] == 1
        assert store.execute("SELECT count(*) FROM module_metrics").fetchone()[0] > 0


def test_writers_killed_at_random_moments_leave_a_consistent_history(postgres_url: str) -> None:
    committed = 0
    for round_number in range(4):
        proc = _spawn(_WRITER, postgres_url, str(round_number), "-1", "0")
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        for _ in range(3 + 2 * round_number):
            assert proc.stdout.readline() != ""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        committed += 3 + 2 * round_number
        runs, _ = _consistency(postgres_url)
        # Every printed run was committed; at most one more landed before the kill.
        assert committed <= runs <= committed + 1
        committed = runs


# -- the CLI: before the suite, after the suite ------------------------------------

_MARKER_CONFTEST = """
    import os
    import subprocess


    def pytest_sessionstart(session):
        with open(os.environ["SUITE_MARKER"], "a") as marker:
            marker.write("suite ran\\n")


    def pytest_sessionfinish(session, exitstatus):
        command = os.environ.get("STOP_SERVER_AFTER_SUITE")
        if command:  # the server goes away after the suite, before the run is recorded
            subprocess.run(command.split("\\x1f"), check=False, capture_output=True)
"""


def _project(tmp_path: Path) -> Path:
    return make_calc_project(tmp_path / "proj", **{"tests/conftest.py": _MARKER_CONFTEST})


def _no_secret(done: object, secret: str) -> None:
    text = f"{getattr(done, 'stdout', '')}{getattr(done, 'stderr', '')}"
    assert secret not in text


def test_server_restart_between_runs_loses_nothing(
    postgres_cluster: Cluster, postgres_url: str, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    env = {"AUDIT_HISTORY_URL": postgres_url, "SUITE_MARKER": str(tmp_path / "marker")}
    first = run_audit("report", project, env=env)
    assert first.exit_code == 0, first.stderr
    postgres_cluster.restart()
    (project / "tests" / "test_more.py").write_text(
        "from calc.ops import sign\n\n\ndef test_sign_negative():\n    assert sign(-2) == -1\n"
    )
    second = run_audit("report", project, env=env)
    assert second.exit_code == 0, second.stderr
    for done in (first, second):
        _no_secret(done, postgres_cluster.password)
    with opened(ServerURL(postgres_url)) as store:
        totals = sorted(
            row[0] for row in store.execute(
                "SELECT value FROM metrics WHERE analysis = 'tests' AND metric = 'tests_total'"
            )
        )
    assert totals == [3.0, 4.0]  # the calc suite's 3 tests, then one more
    assert not (project / ".audit" / "history-pending.db").exists()


class _SilentServer:
    """Accepts TCP connections and never says a word (a server that hangs)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent_server() -> Iterator[_SilentServer]:
    server = _SilentServer()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("case", ["refused", "unknown host", "timeout", "stopped"])
def test_unreachable_server_is_one_line_exit_2_before_the_suite_runs(
    case: str, tmp_path: Path, silent_server: _SilentServer, postgres_cluster: Cluster
) -> None:
    secret = "hunter2-" + os.urandom(6).hex()
    url = {
        "refused": f"postgresql://ci:{secret}@127.0.0.1:{free_port()}/audit",
        "unknown host": f"postgresql://ci:{secret}@no-such-host.invalid:5432/audit",
        "timeout": f"postgresql://ci:{secret}@127.0.0.1:{silent_server.port}/audit"
        "?connect_timeout=2",
        "stopped": postgres_cluster.url("postgres", password=secret),
    }[case]
    if case == "stopped":
        postgres_cluster.stop()
    project = _project(tmp_path)
    marker = tmp_path / "marker"
    started = time.monotonic()
    try:
        done = run_audit("report", project, "--history", url, env={"SUITE_MARKER": str(marker)})
    finally:
        if case == "stopped":
            postgres_cluster.start()
    elapsed = time.monotonic() - started
    assert done.exit_code == 2, done.stdout + done.stderr
    assert len(done.error_lines) == 1, done.stderr
    user = "audit_admin" if case == "stopped" else "ci"
    assert done.error_lines[0].startswith(f"audit: error: history server postgresql://{user}@")
    print(case, "->", done.error_lines[0])
    assert "Traceback" not in done.stderr
    _no_secret(done, secret)
    assert not marker.exists(), "the suite must not run when the history is unreachable"
    assert elapsed < 60
    assert not (project / ".audit" / "history-pending.db").exists()


def test_server_gone_after_the_suite_saves_the_run_locally_and_push_sends_it(
    postgres_cluster: Cluster, postgres_url: str, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    env = {
        "AUDIT_HISTORY_URL": postgres_url,
        "SUITE_MARKER": str(tmp_path / "marker"),
        "STOP_SERVER_AFTER_SUITE": "\x1f".join(postgres_cluster.stop_command()),
    }
    try:
        done = run_audit("report", project, env=env)
    finally:
        postgres_cluster.start()
    assert done.exit_code == 0, done.stdout + done.stderr
    _no_secret(done, postgres_cluster.password)
    pending = project / ".audit" / "history-pending.db"
    said = done.stderr.replace("\n", "")  # the progress console wraps long lines
    assert "audit history push" in said and f"saved to {pending} instead" in said
    report = read_report(project)  # the report was written all the same
    assert report["tests"]["tests"]
    with opened(ServerURL(postgres_url)) as store:
        assert store.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    with opened(pending, create=False) as local:
        assert local.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    pushed = run_audit("history", "push", project, env={"AUDIT_HISTORY_URL": postgres_url})
    assert pushed.exit_code == 0, pushed.stderr
    assert pushed.stdout.startswith("pushed 1 runs (0 already there)")
    _no_secret(pushed, postgres_cluster.password)
    assert not pending.exists()
    with opened(ServerURL(postgres_url)) as store:
        ((total,),) = store.execute(
            "SELECT metrics.value FROM runs JOIN metrics"
            " ON metrics.run_id = runs.id WHERE metrics.metric = 'tests_total'"
        ).fetchall()
    assert total == float(len(report["tests"]["tests"]))
    again = run_audit("history", "push", project, env={"AUDIT_HISTORY_URL": postgres_url})
    assert again.exit_code == 0 and again.stdout.startswith("nothing to push")
