"""``run_audit``'s fork server stands in for a fresh ``python -m auditor``.

The oracle is the fresh interpreter itself: the same command, environment
and working directory through ``subprocess.run``, as ``run_audit`` did
before the server. The outputs must be equal, apart from the project's
folder name (each run gets its own copy, so the history of one run is not
the other's) and the seconds a progress line counts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import audit_server
from tests.support.projects import make_calc_project, run_audit

pytestmark = pytest.mark.slow  # real audits, as every test that runs the auditor

SLEEPING_TEST = """\
import time


def test_sleeps():
    time.sleep(8)
"""
ELAPSED = re.compile(r"\d+s elapsed")  # the progress line's clock
GATE = "\n[tool.audit.gate]\nline = 99\n"


def _fresh(args: list[str], cwd: Path) -> tuple[int, str, str]:
    env = dict(os.environ)
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(("args", "exit_code"), [
    (["coverage", "{project}"], 1),            # the gate's line rule fails
    (["report", "{project}/missing"], 2),      # a one-line error
    (["--no-such-option"], 2),                 # click's usage error
    (["report", "--help"], 0),
], ids=["gate-fails", "no-such-folder", "usage-error", "help"])
def test_a_forked_audit_says_what_a_fresh_interpreter_says(tmp_path: Path, args: list[str],
                                                           exit_code: int) -> None:
    outcomes = []
    for name in ("forked", "fresh"):
        project = make_calc_project(tmp_path / name, extra_config=GATE)
        filled = [arg.format(project=project) for arg in args]
        if name == "forked":
            run = run_audit(*filled, cwd=project)
            outcome = (run.exit_code, run.stdout, run.stderr)
        else:
            outcome = _fresh(filled, project)
        outcomes.append((outcome[0], *(ELAPSED.sub("Ns elapsed", text.replace(str(project), "P"))
                                       for text in outcome[1:])))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == exit_code


SERVER_OFF = pytest.mark.skipif(bool(os.environ.get("AUDIT_TESTS_NO_SERVER")),
                                reason="AUDIT_TESTS_NO_SERVER: every audit is a fresh interpreter")


@SERVER_OFF
def test_a_forked_audit_runs_in_the_callers_folder_and_its_cpu_is_counted(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "calc")
    before = audit_server.served_cpu_seconds
    run = run_audit("report", ".", "--only", "coverage", "--no-gate", cwd=project)
    assert run.exit_code == 0, run.stderr
    assert (project / "audit-report" / "report.json").is_file()  # "." was the caller's cwd
    assert audit_server.served_cpu_seconds > before


def test_the_callers_timeout_stops_the_audit_and_the_server_serves_on(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "slow", **{"tests/test_slow.py": SLEEPING_TEST})
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_audit("report", project, "--only", "coverage", timeout=2)
    assert time.monotonic() - started < 7  # not the 8 s the suite sleeps
    shutil.rmtree(project / ".audit", ignore_errors=True)
    after = run_audit("report", tmp_path / "slow" / "missing")
    assert after.exit_code == 2 and "no such directory" in after.stderr


@SERVER_OFF
def test_start_up_settings_a_fork_cannot_take_get_a_fresh_interpreter() -> None:
    same = dict(os.environ)
    assert audit_server.client_for(same) is not None
    for key in ("PYTHONWARNINGS", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE"):
        changed = {**same, key: same.get(key, "") + "-changed"}
        assert audit_server.client_for(changed) is None, key
