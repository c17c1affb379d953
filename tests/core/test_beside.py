"""Analyses beside the suite (auditor/beside.py) change nothing but the wall time.

Real audits of the calc project in subprocesses, with mypy and the mocks
parse beside the suite (the default on two or more CPUs) and with
``AUDIT_NO_BESIDE`` (all of them after the suite, as before); the imports
check runs after the suite either way:

- the two ``report.json`` are equal apart from what every run measures anew;
  the profile marks the phases that ran beside the suite, and no CPU second
  is counted twice (all phases' CPU add up to at most the audit's total);
- an analysis's error is the audit's error at that analysis's turn: the same
  one line and exit code as without;
- SIGINT, and the suite's timeout, stop the worker and what it started (a
  mypy held in the middle of its start) along with the suite;
- a worker killed halfway: its analyses run after the suite, the audit says
  so, and its result is the one a plain audit gives.

The held mypy loads a plugin of the project that, while a flag file exists
in the meeting folder, writes its pid there and waits: the test then knows
the processes beside the suite (that pid, its parent the beside worker)
without sleeping "long enough".
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from auditor.beside import NO_BESIDE, WAIT_PHASE
from auditor.errors import EXIT_INCOMPLETE, EXIT_INTERRUPTED
from tests.faults.processes import (
    MEETING_ENV,
    finish,
    is_alive,
    start_audit,
    started_pid,
    wait_until,
)
from tests.faults.processes import MEETING_TEST as SUITE_MEETS
from tests.support.projects import (
    make_calc_project,
    measured_anew_removed,
    read_report,
    run_audit,
    tree_digest,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="nothing runs beside the suite on 1 CPU"),
]

ONLY = "coverage,imports,mocks,typecheck"
BESIDE = {"analysis:typecheck", "analysis:mocks:prepare"}
def test_an_audit_beside_the_suite_reports_what_one_after_it_reports(tmp_path: Path) -> None:
    reports = {}
    for label, env in (("beside", {}), ("after", {NO_BESIDE: "1"})):
        project = make_calc_project(tmp_path / label)
        done = run_audit("report", project, "--only", ONLY, "--no-gate", env=env)
        assert done.exit_code == 0, done.stderr
        reports[label] = read_report(project)  # validated against the schema, timings included
        reports[label + " (compared)"] = measured_anew_removed(reports[label], project)
    assert reports["beside (compared)"] == reports["after (compared)"]
    assert reports["beside"]["analyses"]["imports"]["modules_checked"] == 3  # calc, ops, unused

    beside, after = (reports[k]["timings"] for k in ("beside", "after"))
    marked = {p["name"] for p in beside["phases"] if p.get("beside") == "test_run"}
    assert marked == BESIDE
    assert not any("beside" in p for p in after["phases"])
    assert WAIT_PHASE in {p["name"] for p in beside["phases"]}
    # the worker's CPU is in its own phases and not again in the phase that waited for it
    assert sum(p["cpu_seconds"] for p in beside["phases"]) <= beside["total_cpu_seconds"] + 0.01
    serial = [p for p in beside["phases"] if "beside" not in p]
    assert sum(p["wall_seconds"] for p in serial) <= beside["total_wall_seconds"]


def test_an_analysis_error_beside_the_suite_is_the_audits_error_at_its_turn(
        tmp_path: Path) -> None:
    runs = {}
    for label, env in (("beside", {}), ("after", {NO_BESIDE: "1"})):
        # an invalid mypy setting: mypy names its configuration (typecheck's ConfigError, exit 2)
        project = make_calc_project(tmp_path / label, "[tool.mypy]\nwarn_unused_ignores = 3\n")
        runs[label] = run_audit("report", project, "--only", "coverage,typecheck", env=env)
    for done in runs.values():
        assert done.exit_code == 2, done.stderr
        assert "running the test suite" in done.stderr  # the error came after the suite
        assert "Traceback" not in done.stderr
    assert len(runs["beside"].error_lines) == 1
    assert runs["beside"].error_lines == runs["after"].error_lines
    assert "warn_unused_ignores: Not a boolean: 3" in runs["beside"].error_lines[0]


HELD_PLUGIN = """
import os
import pathlib
import time

from mypy.plugin import Plugin

meeting = pathlib.Path({meeting!r})
if (meeting / "hold-mypy").exists():
    (meeting / "mypy-held").write_text(str(os.getpid()))
    deadline = time.monotonic() + 120
    while (meeting / "hold-mypy").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def plugin(version):
    return Plugin
"""


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _held_project(tmp_path: Path) -> tuple[Path, Path]:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    (meeting / "hold-mypy").write_text("")
    project = make_calc_project(
        tmp_path / "p", '[tool.mypy]\nplugins = ["holdplugin.py"]\n',
        **{"tests/test_meet.py": SUITE_MEETS,
           "holdplugin.py": HELD_PLUGIN.format(meeting=str(meeting))})
    return project, meeting


def _beside_processes(meeting: Path, audit: Any) -> list[int]:
    """The held mypy and the beside worker (its parent): pids, once both are there."""
    wait_until(lambda: (meeting / "started-run").exists() and (meeting / "mypy-held").exists(),
               "the suite and the held mypy", process=audit)
    # the file is created before its pid is written into it
    wait_until(lambda: (meeting / "mypy-held").read_text().strip() != "", "the held pid")
    held = int((meeting / "mypy-held").read_text())
    return [held, _parent(held)]


@pytest.mark.parametrize("how", ["SIGINT", "the suite's timeout"])
def test_stopping_the_audit_stops_what_runs_beside_the_suite(tmp_path: Path, how: str) -> None:
    timeout = "" if how == "SIGINT" else "test_timeout = 3\n"
    project, meeting = _held_project(tmp_path)
    if timeout:
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace(
            "[tool.audit]\n", f"[tool.audit]\n{timeout}", 1))
    before = tree_digest(project)
    audit = start_audit("report", project, "--only", "coverage,typecheck", "--no-gate",
                        env={MEETING_ENV: str(meeting)}, new_session=True)
    beside = _beside_processes(meeting, audit)
    assert all(is_alive(pid) for pid in beside)
    suite = started_pid(meeting)
    if how == "SIGINT":
        os.killpg(audit.pid, signal.SIGINT)  # as Ctrl-C: the worker has its own group
    done = finish(audit)
    assert done.exit_code == (EXIT_INTERRUPTED if how == "SIGINT" else EXIT_INCOMPLETE), (
        done.stderr)
    assert "Traceback" not in done.stderr
    for pid in [suite, *beside]:
        wait_until(lambda pid=pid: not is_alive(pid), f"process {pid} to end", timeout=30)
    assert tree_digest(project) == before


def test_a_worker_that_dies_leaves_its_analyses_to_the_audit(tmp_path: Path) -> None:
    project, meeting = _held_project(tmp_path)
    audit = start_audit("report", project, "--only", "coverage,typecheck", "--no-gate",
                        env={MEETING_ENV: str(meeting)})
    held, worker = _beside_processes(meeting, audit)
    os.kill(worker, signal.SIGKILL)  # out of memory, say
    wait_until(lambda: not is_alive(worker), "the worker to die")
    # mypy leads its own process group (so that the worker can stop it whole): a
    # worker killed outright leaves it to finish on its own, which it does once let go
    (meeting / "hold-mypy").unlink()
    (meeting / "release").write_text("")  # and the suite ends
    done = finish(audit)
    assert done.exit_code == 0, done.stderr
    assert "without the results of typecheck: they run now" in done.stderr
    wait_until(lambda: not is_alive(held), "the orphaned mypy to end", timeout=60)
    report = read_report(project)
    typecheck = report["analyses"]["typecheck"]
    assert typecheck["errors"] == [] and typecheck["files_checked"] == 3  # calc, ops, unused
    phases = report["timings"]["phases"]
    assert [p.get("beside") for p in phases if p["name"] == "analysis:typecheck"] == [None]
