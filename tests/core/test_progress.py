"""Progress shows while tests run on a terminal, and stays out of CI logs.

The run without a terminal is the shared coverage audit of the calc project
(``calc_coverage_audit``, tests/core/shared_audits.py): its stderr is a pipe.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.shared_audits import SharedAudit
from tests.support.projects import REPO_ROOT, make_calc_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("core-calc-audits")]


def _run_on_a_terminal(root: Path) -> str:
    """Run ``audit coverage`` with stderr on a pseudo-terminal; return what it drew."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", "coverage", str(root)],
        cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(terminal)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=300)
    os.close(controller)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_progress_bar_counts_tests_on_a_terminal(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path)
    drawn = _run_on_a_terminal(root)
    # The project has 3 tests; the bar ends at 3/3.
    assert "3/3" in drawn


def test_no_progress_bar_without_a_terminal(calc_coverage_audit: SharedAudit) -> None:
    run = calc_coverage_audit.run
    assert run.exit_code == 0, run.stderr
    assert "━" not in run.stderr and "\r" not in run.stderr  # no bar drawn
    assert "running the test suite" in run.stderr
    # plain lines instead: the suite's 3 tests, counted when done
    assert "audit: tests: 3/3 (100%); " in run.stderr
