"""Two audits of one project at the same time (issue 9, part 6), with real processes.

Each audit gets its own run folder, so neither reads the other's tests; the
output folder and the mutation stage are locked: a second audit fails at
once with exit 2 naming the holder, or waits with ``--wait``; a killed
audit's lock and run folder do not block the next one. Expected test counts
are derived from the fixture suites written here (test names, ``-k``
selections), never copied from our own output.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest

from auditor.locking import hold, lock_path
from auditor.rundir import KEEP_FINISHED
from tests.faults.processes import (
    MEETING_ENV,
    MEETING_TEST,
    RUN_NAME_ENV,
    finish,
    is_alive,
    no_traceback,
    start_audit,
    started_pid,
    wait_until,
)
from tests.support.projects import make_calc_project, read_report, run_audit, tree_digest

pytestmark = pytest.mark.slow

CALC_TESTS = {
    "tests/test_ops.py::test_add",
    "tests/test_ops.py::test_sign_positive",
    "tests/test_ops.py::test_clamp_low",
}
MEETING_ID = "tests/test_meet.py::test_meets_the_others"
FAILING_ID = "extra/test_fail.py::test_is_wrong"


def _config(name: str, tests: list[str], pytest_args: list[str]) -> str:
    return textwrap.dedent(f"""
        [tool.audit]
        packages = ["calc"]
        tests = {tests!r}
        analyses = ["coverage"]
        pytest_args = {pytest_args!r}
        output = "out-{name}"
    """)


def _project(tmp_path: Path) -> Path:
    project = make_calc_project(tmp_path / "p", **{"tests/test_meet.py": MEETING_TEST})
    (project / "extra").mkdir()
    (project / "extra" / "test_fail.py").write_text(
        "def test_is_wrong():\n    assert 1 + 1 == 3\n"
    )
    # Run A selects two tests by name; run B runs every test under tests/.
    (project / "a.toml").write_text(_config("a", ["tests"], ["-k", "add or meets"]))
    (project / "b.toml").write_text(_config("b", ["tests"], []))
    (project / "b-fails.toml").write_text(_config("b", ["tests", "extra"], []))
    return project


def _meeting(tmp_path: Path) -> Path:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    return meeting


def _env(meeting: Path, name: str, wait_for: str) -> dict[str, str]:
    return {MEETING_ENV: str(meeting), RUN_NAME_ENV: name, "AUDIT_FAULT_WAIT_FOR": wait_for}


def _history_runs(project: Path) -> list[set[str]]:
    """The test ids recorded for each run in the project's history, read with sqlite3."""
    with contextlib.closing(
        sqlite3.connect(f"file:{project / '.audit' / 'history.db'}?mode=ro", uri=True)
    ) as db:
        run_ids = [row[0] for row in db.execute("SELECT id FROM runs ORDER BY id")]
        return [
            {row[0] for row in db.execute("SELECT nodeid FROM tests WHERE run_id = ?", (rid,))}
            for rid in run_ids
        ]


def _tests_in_report(project: Path, output: str) -> dict[str, str]:
    report = read_report(project, output)
    return {t["nodeid"]: t["outcome"] for t in report["tests"]["tests"]}


def _start_pair(
    project: Path, meeting: Path, b_config: str
) -> tuple[subprocess.Popen[str], subprocess.Popen[str]]:
    # Each meeting test waits until both have started: the two suites provably overlap.
    a = start_audit("report", project, "--config", project / "a.toml",
                    env=_env(meeting, "a", "started-a,started-b"))
    b = start_audit("report", project, "--config", project / b_config,
                    env=_env(meeting, "b", "started-a,started-b"))
    return a, b


def test_two_audits_at_once_each_report_their_own_tests(tmp_path: Path) -> None:
    project = _project(tmp_path)
    meeting = _meeting(tmp_path)
    before = tree_digest(project, ignore=(".audit", "out-a", "out-b"))
    a, b = _start_pair(project, meeting, "b.toml")
    run_a, run_b = finish(a), finish(b)
    assert run_a.exit_code == 0, run_a.stderr
    assert run_b.exit_code == 0, run_b.stderr
    expected_a = {"tests/test_ops.py::test_add", MEETING_ID}  # -k "add or meets"
    expected_b = CALC_TESTS | {MEETING_ID}
    assert _tests_in_report(project, "out-a") == dict.fromkeys(expected_a, "passed")
    assert _tests_in_report(project, "out-b") == dict.fromkeys(expected_b, "passed")
    assert sorted(_history_runs(project), key=len) == [expected_a, expected_b]
    runs = sorted((project / ".audit" / "runs").iterdir())
    assert len(runs) == 2  # one run folder each
    assert tree_digest(project, ignore=(".audit", "out-a", "out-b")) == before
    assert no_traceback(run_a) and no_traceback(run_b)


def test_a_failing_suite_next_to_a_passing_one_stays_its_own(tmp_path: Path) -> None:
    project = _project(tmp_path)
    meeting = _meeting(tmp_path)
    a, b = _start_pair(project, meeting, "b-fails.toml")
    run_a, run_b = finish(a), finish(b)
    assert run_a.exit_code == 0, run_a.stderr
    assert _tests_in_report(project, "out-a") == dict.fromkeys(
        {"tests/test_ops.py::test_add", MEETING_ID}, "passed"
    )
    assert run_b.exit_code == 3
    assert len(run_b.error_lines) == 1 and FAILING_ID in run_b.error_lines[0]
    assert FAILING_ID not in run_a.stdout + run_a.stderr
    # only the completed audit is in the history, once
    assert _history_runs(project) == [{"tests/test_ops.py::test_add", MEETING_ID}]


def test_second_audit_on_the_same_output_fails_at_once_naming_the_holder(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    meeting = _meeting(tmp_path)
    first = start_audit("report", project, "--config", project / "b.toml",
                        env=_env(meeting, "run", "release"))
    try:
        wait_until(lambda: (meeting / "started-run").exists(), "the first suite", process=first)
        second = run_audit("report", project, "--config", project / "a.toml",
                           "--output", project / "out-b", timeout=120)
        assert second.exit_code == 2
        assert len(second.error_lines) == 1
        line = second.error_lines[0]
        assert f"pid {first.pid}" in line and "`audit report" in line and "--wait" in line
        assert str(project / "out-b") in line
        assert no_traceback(second)
    finally:
        (meeting / "release").write_text("")
    done = finish(first)
    assert done.exit_code == 0, done.stderr
    # the refused audit ran nothing: only the first one's tests are in the history
    assert _history_runs(project) == [CALC_TESTS | {MEETING_ID}]


def test_with_wait_the_second_audit_says_so_and_runs_after_the_first(tmp_path: Path) -> None:
    project = _project(tmp_path)
    meeting = _meeting(tmp_path)
    first = start_audit("report", project, "--config", project / "b.toml",
                        env=_env(meeting, "first", "release"))
    wait_until(lambda: (meeting / "started-first").exists(), "the first suite", process=first)
    second = start_audit("report", project, "--config", project / "b.toml", "--wait",
                         env=_env(meeting, "second", "release"))
    assert second.stderr is not None
    ready, _, _ = select.select([second.stderr], [], [], 120)
    assert ready, "the second audit said nothing"
    line = second.stderr.readline()
    assert line.startswith("audit: waiting for the output folder")
    assert f"pid {first.pid}" in line
    assert not (meeting / "started-second").exists()  # it has not started its suite
    (meeting / "release").write_text("")
    run_first, run_second = finish(first), finish(second)
    assert run_first.exit_code == 0, run_first.stderr
    assert run_second.exit_code == 0, run_second.stderr
    assert _history_runs(project) == [CALC_TESTS | {MEETING_ID}] * 2


def test_a_killed_audit_leaves_no_lock_and_no_broken_run_folder(tmp_path: Path) -> None:
    project = _project(tmp_path)
    meeting = _meeting(tmp_path)
    first = start_audit("report", project, "--config", project / "b.toml",
                        env=_env(meeting, "run", "release"))
    wait_until(lambda: (meeting / "started-run").exists(), "the first suite", process=first)
    orphan = started_pid(meeting)
    first.send_signal(signal.SIGKILL)
    finish(first)
    try:
        # the killed audit's pytest (its own session) may still run: it must not matter
        second = run_audit("report", project, "--config", project / "b.toml",
                           env={MEETING_ENV: str(meeting), RUN_NAME_ENV: "second",
                                "AUDIT_FAULT_WAIT_FOR": "started-second"})
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(orphan, signal.SIGKILL)
    assert second.exit_code == 0, second.stderr
    assert _tests_in_report(project, "out-b") == dict.fromkeys(CALC_TESTS | {MEETING_ID},
                                                               "passed")
    assert _history_runs(project) == [CALC_TESTS | {MEETING_ID}]
    wait_until(lambda: not is_alive(orphan), "the orphaned pytest to go", timeout=30)


def test_the_mutation_stage_lock_names_its_holder(tmp_path: Path) -> None:
    project = _project(tmp_path)
    state = project / ".audit"
    state.mkdir()
    # This test process is the other audit: it holds the stage's lock.
    with hold(lock_path(state, "mutation"), "the stage", wait=False, on_wait=print) as me:
        done = run_audit("mutate", project, "--config", project / "b.toml", timeout=120)
    assert done.exit_code == 2
    assert len(done.error_lines) == 1
    assert f"the mutation stage {state / 'mutation'} is in use" in done.error_lines[0]
    assert f"pid {me.pid}" in done.error_lines[0]
    assert not (state / "mutation").exists()  # refused before the stage was touched


def test_old_run_folders_are_pruned_but_a_live_one_is_kept(tmp_path: Path) -> None:
    project = _project(tmp_path)
    runs = project / ".audit" / "runs"
    runs.mkdir(parents=True)
    old = [runs / f"20200101T00000{n}-1-aaaa" for n in range(1, 6)]  # finished long ago
    live = runs / "20200101T000000-2-bbbb"  # oldest of all, but its audit still runs
    for folder in [live, *old]:
        folder.mkdir()
        (folder / ".lock").write_text("")
        (folder / "pytest.log").write_text("old log\n")
        os.utime(folder, (1_600_000_000, 1_600_000_000))
    meeting = _meeting(tmp_path)
    (meeting / "release").write_text("")  # the meeting test passes at once
    with open(live / ".lock", "r+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # this test process plays the live audit
        done = run_audit("report", project, "--config", project / "a.toml",
                         env=_env(meeting, "run", "release"))
    assert done.exit_code == 0, done.stderr
    left = set(runs.iterdir())
    new = left - {live, *old}
    assert len(new) == 1  # this audit's own folder
    # the newest finished folders are kept for their logs, older ones are removed
    assert left - new == {live, *old[-KEEP_FINISHED:]}
