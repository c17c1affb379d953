"""A mutant that makes one test hang must not leave the later tests unjudged.

``countdown``'s ``n -= 1`` -> ``n += 1`` mutant loops forever. Under it
``test_a_counts_down`` hangs (a kill by timeout), and ``test_b_finishes``
fails within 2 s (it runs the function in a thread and checks it ended).
The kill matrix runs the covering tests of a mutant in one child under one
wall limit; it used to stop at the hang, so test_b's kill was lost. The
oracle: plain mutmut on a copy (its status for the mutant), then each test run
by hand, alone, under the mutant (``MUTANT_UNDER_TEST``) with a time limit.

The hanging mutant burns a core until it is stopped, so the limits are
short: the oracle gets the audit's timeouts (multiplier 2, not mutmut's 15);
test_b run by hand gets 10 s (its verdict comes after its 2 s join plus
pytest's start, well inside), test_a 4 s: it never ends, and under the
original it ends in milliseconds after pytest's start (about 1 s), so 4 s
tell a hang from a slow start without burning a core for 10 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import read_report, run_audit, write_files

pytestmark = pytest.mark.slow

SOURCE = """\
def countdown(n):
    while n > 0:
        n -= 1
    return n
"""

TESTS = """\
import threading

from calc.ops import countdown


def test_a_counts_down():
    assert countdown(3) == 0


def test_b_finishes():
    worker = threading.Thread(target=countdown, args=(3,), daemon=True)
    worker.start()
    worker.join(2.0)
    assert not worker.is_alive()
"""

TEST_A = "tests/test_ops.py::test_a_counts_down"
TEST_B = "tests/test_ops.py::test_b_finishes"


HAND_LIMIT_SECONDS = 10
HANG_LIMIT_SECONDS = 4  # for the test that is expected to hang (see the module docstring)


def _by_hand(mutants: Path, key: str, test: str, limit: float = HAND_LIMIT_SECONDS) -> str:
    """``killed``, ``timeout`` or ``survived``: one test alone under one mutant."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=mutants, capture_output=True, text=True, timeout=limit, check=False,
            env=dict(os.environ, MUTANT_UNDER_TEST=key, PYTHONDONTWRITEBYTECODE="1"),
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if done.returncode == 0 else "killed"


def test_tests_after_a_hang_still_get_their_verdict(tmp_path: Path) -> None:
    project = write_files(tmp_path / "project", {
        "pyproject.toml": '[tool.audit]\npackages = ["calc"]\ntests = ["tests"]\n\n'
                          "[tool.audit.mutation]\nmemory_limit_mb = 1024\nexplain = 0\n",
        "calc/__init__.py": "",
        "calc/ops.py": SOURCE,
        "tests/__init__.py": "",
        "tests/test_ops.py": TESTS,
    })
    copy = tmp_path / "oracle"
    shutil.copytree(project, copy)
    (copy / "pyproject.toml").write_text(
        '[tool.mutmut]\nsource_paths = ["calc"]\npytest_add_cli_args_test_selection = ["tests"]\n'
        "timeout_multiplier = 2.0\ntimeout_constant = 1.0\n"  # the audit's defaults
    )
    entry = "import sys; sys.argv[0]='mutmut'; from mutmut.__main__ import cli; cli()"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for args in (["run"], ["results", "--all", "true"]):
        listing = subprocess.run([sys.executable, "-c", entry, *args], cwd=copy, env=env,
                                 capture_output=True, text=True, timeout=600, check=False)
    statuses = dict(line.strip().rsplit(": ", 1) for line in listing.stdout.splitlines()
                    if "__mutmut_" in line)
    hanging = [key for key, status in statuses.items() if status == "timeout"]
    assert hanging, statuses  # the fixture has its hanging mutant
    key = hanging[0]
    assert _by_hand(copy / "mutants", key, TEST_A, HANG_LIMIT_SECONDS) == "timeout"
    assert _by_hand(copy / "mutants", key, TEST_B) == "killed"

    done = run_audit("mutate", project, "--kill-matrix", timeout=600)
    assert done.exit_code == 0, done.stderr[-2000:]
    mutants = {m["id"]: m for m in read_report(project)["analyses"]["mutation"]["mutants"]}
    assert sorted(mutants[key]["killed_by"]) == [TEST_A, TEST_B]
