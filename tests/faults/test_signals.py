"""SIGINT and SIGTERM stop an audit cleanly, with one exit code (issue 9, part 9).

Real signals sent to a real ``audit`` process while a fixture test (or a
module import, or mutmut) is running: the audit exits with
``EXIT_INTERRUPTED``, says so in one line without a traceback, leaves no
process of the suite behind, no partial run folder, and a byte-identical
tree.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from auditor import errors
from auditor.errors import EXIT_INTERRUPTED
from auditor.locking import hold, output_lock_path
from auditor.output_folder import MANIFEST_NAME
from tests.faults.processes import (
    MEETING_ENV,
    MEETING_TEST,
    finish,
    is_alive,
    no_traceback,
    start_audit,
    started_pid,
    wait_until,
)
from tests.support.projects import (
    REPO_ROOT,
    AuditRun,
    make_calc_project,
    run_audit,
    tree_digest,
)

pytestmark = pytest.mark.slow

SIGNALS = [signal.SIGINT, signal.SIGTERM]


def _interrupted(done: AuditRun) -> None:
    assert done.exit_code == EXIT_INTERRUPTED, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("audit: interrupted"), done.stderr
    assert no_traceback(done)


def _send(process: subprocess.Popen[str], sig: signal.Signals) -> None:
    # SIGINT goes to the audit's process group, as Ctrl-C in a terminal does;
    # SIGTERM to the audit alone, as `kill` and CI runners do.
    if sig == signal.SIGINT:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)


@pytest.fixture(scope="module")
def audited_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """calc with the meeting test after a first, complete audit (copy it, never change it).

    Its meeting folder holds ``release``, so the meeting test passed at once.
    The tests that start from an audited project share this one audit.
    """
    base = tmp_path_factory.mktemp("audited-once")
    project = make_calc_project(base / "p", **{"tests/test_meet.py": MEETING_TEST})
    meeting = base / "meeting"
    meeting.mkdir()
    (meeting / "release").write_text("")
    done = run_audit("report", project, env={MEETING_ENV: str(meeting)})
    assert done.exit_code == 0, done.stderr
    return project


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_signal_during_the_test_run_stops_pytest_and_cleans_up(
    audited_once: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    # a first, complete audit: its reports are there
    project = shutil.copytree(audited_once, tmp_path / "p", symlinks=True)
    meeting = tmp_path / "meeting"
    meeting.mkdir()  # empty: this audit's meeting test waits
    old_runs = set((project / ".audit" / "runs").iterdir())
    before = tree_digest(project)
    audit = start_audit("report", project, env={MEETING_ENV: str(meeting)},
                        new_session=True)
    wait_until(lambda: (meeting / "started-run").exists(), "the suite to start", process=audit)
    pytest_pid = started_pid(meeting)
    _send(audit, sig)
    done = finish(audit, timeout=60)
    _interrupted(done)
    assert not is_alive(pytest_pid)  # stopped before the audit exited
    assert set((project / ".audit" / "runs").iterdir()) == old_runs  # partial one removed
    # the first audit's reports are gone: nobody takes them for this audit's result
    output = project / "audit-report"
    assert os.listdir(output) == [MANIFEST_NAME]
    manifest = json.loads((output / MANIFEST_NAME).read_text())
    assert manifest["status"] == "failed" and "interrupted" in manifest["error"]
    assert tree_digest(project) == before


def test_sigterm_during_imports_exits_interrupted(tmp_path: Path) -> None:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    project = make_calc_project(
        tmp_path / "p",
        extra_config="\n[tool.audit.imports]\ntimeout = 120\n",
        **{"src/calc/slow.py": f"""
            import os, pathlib, time
            pathlib.Path({str(meeting)!r}, "started-run").write_text(str(os.getpid()))
            time.sleep(120)
        """},
    )
    before = tree_digest(project)
    audit = start_audit("imports", project)
    wait_until(lambda: (meeting / "started-run").exists(), "the import to start", process=audit)
    importer = started_pid(meeting)
    audit.send_signal(signal.SIGTERM)
    done = finish(audit, timeout=60)
    _interrupted(done)
    assert done.stderr.strip().endswith("audit: interrupted (SIGTERM)")
    wait_until(lambda: not is_alive(importer), "the importing process to end", timeout=20)
    assert tree_digest(project) == before


def test_sigterm_while_waiting_for_a_lock_leaves_the_holders_reports(
    audited_once: Path, tmp_path: Path
) -> None:
    # after a first, complete audit (this one never reaches the suite)
    project = shutil.copytree(audited_once, tmp_path / "p", symlinks=True)
    output = project / "audit-report"
    reports = {name: (output / name).read_bytes() for name in os.listdir(output)}
    # This test process plays the other audit, holding the output folder's lock.
    with hold(output_lock_path(project / ".audit", output), "out", wait=False, on_wait=print):
        audit = start_audit("report", project, "--wait")
        assert audit.stderr is not None
        ready, _, _ = select.select([audit.stderr], [], [], 120)
        assert ready and audit.stderr.readline().startswith("audit: waiting for the output")
        audit.send_signal(signal.SIGTERM)
        done = finish(audit, timeout=60)
    _interrupted(done)
    # the waiter never owned the folder: it did not mark the holder's reports failed
    assert {name: (output / name).read_bytes() for name in os.listdir(output)} == reports
    assert json.loads(reports[MANIFEST_NAME])["status"] == "complete"


# Every test of the mutated project takes a while, so every mutant does: the signal
# lands while many mutants are still to run. With only test_slow_add slow, the
# session-fork runner could finish the remaining (fast) mutants between the first
# verdict and the signal on a loaded machine, and the audit exited 0, not 130 (the
# intermittent failure; tests/mutation/test_mutate_runs.py had the same, 3439fb0).
SLOW_EVERY_TEST = """\
import time

import pytest


@pytest.fixture(autouse=True)
def slow_down():
    time.sleep(0.1)
"""


def test_sigterm_during_mutation_keeps_the_finished_verdicts(tmp_path: Path) -> None:
    from tests.mutation.projects import make_shop

    project = make_shop(tmp_path / "p", extra="max_children = 1")
    (project / "tests" / "test_slow.py").write_text(
        "import time\n\nfrom shop.pricing import add\n\n\n"
        "def test_slow_add():\n    time.sleep(0.3)\n    assert add(1, 1) == 2\n"
    )
    (project / "tests" / "conftest.py").write_text(SLOW_EVERY_TEST)
    before = tree_digest(project)
    audit = start_audit("mutate", project)
    metas = project / ".audit" / "mutation" / "mutants"

    def a_verdict_exists() -> bool:
        for meta in metas.rglob("*.meta") if metas.exists() else []:
            try:
                codes = json.loads(meta.read_text())["exit_code_by_key"].values()
            except (ValueError, KeyError):
                continue
            if any(code is not None for code in codes):
                return True
        return False

    wait_until(a_verdict_exists, "a first mutation verdict", timeout=240, process=audit)
    audit.send_signal(signal.SIGTERM)
    started = time.monotonic()
    done = finish(audit, timeout=90)
    _interrupted(done)
    assert time.monotonic() - started < 60
    assert "mutation testing stopped;" in done.stderr and "verdicts kept" in done.stderr
    kept = sum(
        code is not None
        for meta in metas.rglob("*.meta")
        for code in json.loads(meta.read_text())["exit_code_by_key"].values()
    )
    assert kept >= 1
    assert tree_digest(project) == before


def test_readme_docs_and_help_agree_on_the_exit_codes() -> None:
    codes = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    assert {int(c) for c in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)} == codes
    architecture = (REPO_ROOT / "docs" / "architecture.md").read_text()
    assert f"{EXIT_INTERRUPTED} (`EXIT_INTERRUPTED`)" in architecture
    assert "exit code 130" in (REPO_ROOT / "docs" / "mutation.md").read_text()
    for command in ("report", "mutate", "imports"):
        shown = run_audit(command, "--help").stdout
        listed = {int(c) for c in re.findall(r"^\s+(\d+)\s{2}", shown, re.MULTILINE)}
        assert listed == codes, command
