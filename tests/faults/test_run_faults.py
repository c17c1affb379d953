"""Fault injection for the test run: truncated runs, pytest start-up failures, hangs, bad input.

Each case is a real ``audit`` subprocess on a small real project in
``tmp_path``, with one fault planted. Every case checks the exit code, that
the error is one line (and says what pytest or the fault says, not only our
own wording), that no traceback reaches the user, and that the project tree
is byte-identical afterwards (:func:`tree_digest`: every file outside the
output folder and ``.audit/``).

Where the message must quote pytest, the quoted part is taken from pytest
itself, run by hand on the same project (:func:`_pytest_says`), so the
expectation does not come from our own output. Hanging tests write the pids
of themselves and of a child they start into a folder outside the project,
so the case can check that nothing of the run is left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.faults.processes import is_alive, no_traceback
from tests.support.projects import AuditRun, run_audit, tree_digest, write_files

pytestmark = pytest.mark.slow

PIDS_ENV = "AUDIT_FAULT_PIDS"

_OPS = """
def add(a, b):
    return a + b
"""

# Six tests; the fifth (tests/test_b.py::test_cut, in file order) is the one a
# case replaces with a fault, so four tests have finished when it runs.
_TEST_A = """
from calc.ops import add


def test_one():
    assert add(1, 2) == 3


def test_two():
    assert add(2, 2) == 4


def test_three():
    assert add(0, 0) == 0
"""

_TEST_B = """
import os
import signal
import subprocess
import sys
import time

from calc.ops import add


def test_four():
    assert add(1, 1) == 2


def test_cut():
    {fault}


def test_six():
    assert add(3, 3) == 6
"""

# Hangs (and starts a child that would outlive it) when MUTANT_UNDER_TEST - unset in a
# plain run, "stats" / "" / "fail" in mutmut's three whole-suite runs - equals HANG_WHEN.
# It comes first and hangs before it calls add: mutmut's forced-fail run stops at the
# first failing test, and its clean run takes only tests that reach a mutated function
# (which the stats run saw this one do).
_HANG = """
import os
import subprocess
import sys
import time

from calc.ops import add


def test_0_hangs():
    if os.environ.get("MUTANT_UNDER_TEST", "unset") == os.environ["HANG_WHEN"]:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open(os.environ["AUDIT_FAULT_PIDS"], "a") as pids:
            pids.write(f"{os.getpid()}\\n{child.pid}\\n")
        time.sleep(600)
    assert add(2, 2) == 4


def test_one():
    assert add(1, 2) == 3
"""
HANGING_TEST = "tests/test_a.py::test_0_hangs"
# [tool.audit] test_timeout of the hanging cases: long enough for pytest to reach the
# hanging test on a busy machine, short enough to keep each case a few seconds (each of
# the nine waits out the whole limit). Measured on 2 cores at load 8: 1.5 s cut 2 of 9
# cases short before the hanging test started (the limit runs from pytest's start); 2 s
# passed 27 of 27; 3 s keeps twice the margin (at 6 s the nine cases waited 27 s more).
HANG_LIMIT = 3.0


def _project(root: Path, extra_config: str = "", **files: str) -> Path:
    """A src-layout project ``calc`` with the six-test suite; ``files`` replace or add files."""
    contents = {
        "pyproject.toml": textwrap.dedent("""
            [project]
            name = "calc"
            version = "0.1"

            [tool.audit]
            packages = ["calc"]
            tests = ["tests"]
            analyses = ["coverage", "mocks"]
        """) + textwrap.dedent(extra_config),
        "src/calc/__init__.py": "",
        "src/calc/ops.py": _OPS,
        "tests/test_a.py": _TEST_A,
        "tests/test_b.py": _TEST_B.format(fault="assert add(5, 5) == 10"),
    }
    contents.update(files)
    return write_files(root, contents)


def _cut_by(fault: str) -> str:
    return _TEST_B.format(fault=fault)


def _audit(root: Path, *args: str, env: dict[str, str] | None = None,
           command: str = "report") -> AuditRun:
    """Run ``audit COMMAND ROOT ARGS`` and check what every case checks."""
    before = tree_digest(root)
    run = run_audit(command, root, *args, env=env, timeout=240)
    assert no_traceback(run), run.stderr
    assert tree_digest(root) == before, "the audit changed the project tree"
    return run


def _one_error(run: AuditRun, exit_code: int) -> str:
    assert run.exit_code == exit_code, run.stderr
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    assert "No data was collected" not in run.stderr
    return line


def _pytest_says(root: Path, *args: str) -> str:
    """pytest's own output on the project (no cache, no bytecode: the tree stays as it is)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(root / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, "tests"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    return done.stdout + done.stderr


# --- part 4: a run that ends before pytest's session does --------------------------------


@pytest.mark.parametrize("command", ["report", "mocks", "coverage"])
def test_os_exit_in_a_test_names_the_test_and_exit_status(tmp_path: Path, command: str) -> None:
    root = _project(tmp_path, **{"tests/test_b.py": _cut_by("os._exit(0)")})
    line = _one_error(_audit(root, command=command), 3)
    assert "tests/test_b.py::test_cut" in line
    assert "exit status 0" in line
    assert "4 of 6" in line  # by hand: test_cut is the fifth of six tests in file order


@pytest.mark.parametrize(
    ("fault", "signal_number"),
    [
        ("import ctypes; ctypes.string_at(0)", 11),  # SIGSEGV
        ("os.kill(os.getpid(), signal.SIGKILL)", 9),
    ],
)
def test_a_test_killing_pytest_names_the_test_and_signal(
    tmp_path: Path, fault: str, signal_number: int
) -> None:
    root = _project(tmp_path, **{"tests/test_b.py": _cut_by(fault)})
    line = _one_error(_audit(root, "--only", "coverage"), 3)
    assert "tests/test_b.py::test_cut" in line
    assert f"signal {signal_number}" in line


# --- part 5: pytest's own account of why nothing ran -----------------------------------


def test_broken_conftest_quotes_the_import_error(tmp_path: Path) -> None:
    root = _project(tmp_path, **{"tests/conftest.py": "import nosuchmodule_for_audit\n"})
    said = "ModuleNotFoundError: No module named 'nosuchmodule_for_audit'"
    assert said in _pytest_says(root)
    line = _one_error(_audit(root), 3)
    assert said in line
    assert "tests/conftest.py" in line
    assert ".audit/" in line  # points to the log


def test_conftest_raising_quotes_its_exception(tmp_path: Path) -> None:
    root = _project(tmp_path, **{"conftest.py": "raise ValueError('conftest cannot start')\n"})
    said = "ValueError: conftest cannot start"
    assert said in _pytest_says(root)
    line = _one_error(_audit(root), 3)
    assert said in line and "conftest.py" in line


def test_missing_plugin_quotes_pytest(tmp_path: Path) -> None:
    root = _project(tmp_path, 'pytest_args = ["-p", "nosuchplugin_for_audit"]\n')
    said = "No module named 'nosuchplugin_for_audit'"
    assert said in _pytest_says(root, "-p", "nosuchplugin_for_audit")
    line = _one_error(_audit(root), 3)
    assert said in line and "Error importing plugin" in line


def test_required_plugins_quotes_pytest(tmp_path: Path) -> None:
    root = _project(
        tmp_path, '\n[tool.pytest.ini_options]\nrequired_plugins = ["pytest-nosuch-for-audit"]\n'
    )
    assert "Missing required plugins: pytest-nosuch-for-audit" in _pytest_says(root)
    line = _one_error(_audit(root), 3)
    assert "Missing required plugins: pytest-nosuch-for-audit" in line


def test_usage_error_quotes_pytest(tmp_path: Path) -> None:
    root = _project(tmp_path, 'pytest_args = ["--no-such-flag-for-audit"]\n')
    assert "unrecognized arguments: --no-such-flag-for-audit" in _pytest_says(
        root, "--no-such-flag-for-audit"
    )
    line = _one_error(_audit(root), 3)
    assert "unrecognized arguments: --no-such-flag-for-audit" in line


def test_collection_error_names_the_file_and_exception(tmp_path: Path) -> None:
    root = _project(tmp_path, **{"tests/test_c.py": "import nosuchmodule_in_test\n"})
    said = "ModuleNotFoundError: No module named 'nosuchmodule_in_test'"
    assert said in _pytest_says(root)
    line = _one_error(_audit(root, command="mocks"), 3)
    assert said in line and "tests/test_c.py" in line


def test_zero_tests_collected_says_so(tmp_path: Path) -> None:
    root = _project(tmp_path, **{"tests/test_a.py": "X = 1\n", "tests/test_b.py": "Y = 2\n"})
    assert "collected 0 items" in _pytest_says(root)
    line = _one_error(_audit(root), 3)
    assert "collected 0 items" in line and "no tests" in line


@pytest.mark.parametrize("outside", ["/etc", "../elsewhere"])
def test_test_path_outside_the_project_is_a_usage_error(tmp_path: Path, outside: str) -> None:
    (tmp_path / "elsewhere").mkdir()
    root = _project(tmp_path / "project")
    line = _one_error(_audit(root, "--tests", outside), 2)
    assert repr(outside) in line and "outside the project" in line
    assert not list(root.glob(".audit/**/pytest.log"))  # refused before anything ran


# --- part 7: no command hangs on a hanging test ----------------------------------------


def _hanging_project(root: Path, analyses: str) -> Path:
    return write_files(root, {
        "pyproject.toml": f"""
            [project]
            name = "calc"
            version = "0.1"

            [tool.audit]
            packages = ["calc"]
            tests = ["tests"]
            analyses = {analyses}
            test_timeout = {HANG_LIMIT:g}
        """,
        "src/calc/__init__.py": "",
        "src/calc/ops.py": _OPS,
        "tests/test_a.py": _HANG,
    })


def _nothing_left(pid_file: Path) -> None:
    assert pid_file.is_file(), "the hanging test did not start"
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 2, pids
    assert [pid for pid in pids if is_alive(pid)] == []


@pytest.mark.parametrize("command", ["report", "coverage", "mocks"])
def test_hanging_test_stops_the_run_at_the_limit(tmp_path: Path, command: str) -> None:
    root = _hanging_project(tmp_path / "project", '["coverage", "mocks"]')
    pid_file = tmp_path / "pids.txt"
    env = {PIDS_ENV: str(pid_file), "HANG_WHEN": "unset"}
    line = _one_error(_audit(root, env=env, command=command), 3)
    assert f"within {HANG_LIMIT:g} s" in line and "test_timeout" in line
    assert HANGING_TEST in line
    _nothing_left(pid_file)


_HANG_AT_IMPORT = """
import os
import time

with open(os.environ["AUDIT_FAULT_PIDS"], "a") as pids:
    pids.write(f"{os.getpid()}\\n")
time.sleep(600)
"""


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("conftest.py", "before the pytest session started"),  # the root conftest: start-up
        ("tests/test_b.py", "while pytest was collecting the tests"),
    ],
)
def test_hang_outside_any_test_says_where(tmp_path: Path, where: str, said: str) -> None:
    root = _hanging_project(tmp_path / "project", '["coverage"]')
    write_files(root, {where: _HANG_AT_IMPORT})
    pid_file = tmp_path / "pids.txt"
    line = _one_error(_audit(root, env={PIDS_ENV: str(pid_file), "HANG_WHEN": "-"}), 3)
    assert said in line and f"within {HANG_LIMIT:g} s" in line
    assert pid_file.is_file(), "the hanging module was not imported"
    pids = [int(p) for p in pid_file.read_text().split()]
    assert pids and not [pid for pid in pids if is_alive(pid)]


@pytest.mark.parametrize(
    ("hang_when", "phase"),
    [("stats", "stats run"), ("", "clean run"), ("fail", "forced-fail run")],
)
def test_mutmut_runs_of_the_suite_honour_test_timeout(
    tmp_path: Path, hang_when: str, phase: str
) -> None:
    root = _hanging_project(tmp_path / "project", '["mutation"]')
    pid_file = tmp_path / "pids.txt"
    env = {PIDS_ENV: str(pid_file), "HANG_WHEN": hang_when}
    line = _one_error(_audit(root, env=env, command="mutate"), 3)
    assert phase in line and f"within {HANG_LIMIT:g} s" in line and "test_timeout" in line
    assert HANGING_TEST in line
    _nothing_left(pid_file)


def test_flaky_runs_honour_test_timeout(tmp_path: Path) -> None:
    # flat layout: `audit flaky` runs plain pytest in the project root
    root = write_files(tmp_path / "project", {
        "pyproject.toml": f'[tool.audit]\npackages = ["calc"]\ntest_timeout = {HANG_LIMIT:g}\n',
        "calc/__init__.py": "",
        "calc/ops.py": _OPS,
        "tests/test_a.py": _HANG,
    })
    pid_file = tmp_path / "pids.txt"
    env = {PIDS_ENV: str(pid_file), "HANG_WHEN": "unset"}
    line = _one_error(_audit(root, "--runs", "2", "--seed", "1", env=env, command="flaky"), 3)
    assert f"within {HANG_LIMIT:g} s" in line and "test_timeout" in line
    _nothing_left(pid_file)


# --- part 12: small ones ----------------------------------------------------------------


def test_not_a_project_is_one_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"README": "not a project\n"})
    run = _audit(tmp_path)
    line = _one_error(run, 2)
    assert "no pyproject.toml" in line
    assert run.stderr.strip() == line  # nothing else: one line in all


def test_only_empty_is_a_usage_error(tmp_path: Path) -> None:
    root = _project(tmp_path)
    line = _one_error(_audit(root, "--only", ""), 2)
    assert "--only" in line
    assert not list(root.glob(".audit/**/pytest.log"))


@pytest.mark.parametrize("kind", ["not executable", "a directory"])
def test_python_that_cannot_run_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    root = _project(tmp_path, 'python = "tools/python"\n')
    if kind == "a directory":
        (root / "tools/python").mkdir(parents=True)
    else:
        write_files(root, {"tools/python": "#!/bin/sh\nexit 0\n"})  # written 0644: no x bit
    line = _one_error(_audit(root), 2)
    assert "tools/python" in line and kind in line
