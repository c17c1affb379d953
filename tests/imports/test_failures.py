"""Each way a module can fail to import is found, named and located.

One fixture project holds a module per failure kind; the analysis runs once
for the whole file (a hang costs a timeout) and each test checks one kind.
Expected lines are counted by hand in the tiny fixture sources below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.imports.analysis import ImportsAnalysis
from auditor.imports.result import ImportFailure, ImportsResult
from tests.imports.fixture_project import make_context, write_project

FILES = {
    "src/pkg/__init__.py": "",
    "src/pkg/fine.py": "import json\nVALUE = json.dumps([1])\n",
    "src/pkg/missing_dep.py": "import os\nimport not_installed_anywhere_xyz\n",
    # The syntax error is on line 3.
    "src/pkg/bad_syntax.py": "A = 1\nB = 2\ndef broken(:\n    pass\n",
    "src/pkg/raises.py": "X = 1\nraise RuntimeError('configuration missing at import')\n",
    "src/pkg/exits.py": "import sys\nsys.exit(4)\n",
    "src/pkg/hangs.py": "import time\nwhile True:\n    time.sleep(0.05)\n",
    "src/pkg/segfaults.py": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
    "src/pkg/aborts.py": "import os\n\nos.abort()\n",
    "src/pkg/quits.py": "import os\nos._exit(0)\n",
    "src/pkg/noisy.py": (
        "import os, sys\nprint('{\"event\": \"done\"}')\nsys.stderr.write('noise')\n"
        "os.write(1, b'not json')\nos.write(2, b'more')\n"
    ),
    "src/pkg/sub/__init__.py": "from pkg.sub.inner import VALUE\n",
    "src/pkg/sub/inner.py": "VALUE = 3\n",
    "src/pkg/sub/broken_inner.py": "from pkg.sub import NOT_THERE\n",
    # Tested by nothing: the suite below imports pkg.fine only.
    "src/pkg/orphan.py": "import not_installed_either_xyz\n",
    "tests/test_fine.py": "from pkg.fine import VALUE\n\ndef test_value():\n    assert VALUE\n",
}
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportsResult]:
    root = write_project(
        tmp_path_factory.mktemp("failures") / "proj",
        FILES,
        ["pkg"],
        f"[tool.audit.imports]\ntimeout = {TIMEOUT}\n",
    )
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    result = ImportsAnalysis().run(make_context(root))
    after = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert after == before, "the import check wrote into the project"
    return root, result


def _failure(result: ImportsResult, module: str) -> ImportFailure:
    matches = [f for f in result.failures if f.module == module]
    assert len(matches) == 1, f"{module}: {result.failures}"
    return matches[0]


def test_every_module_is_checked_even_the_untested(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    expected = {
        "pkg", "pkg.fine", "pkg.missing_dep", "pkg.bad_syntax", "pkg.raises", "pkg.exits",
        "pkg.hangs", "pkg.segfaults", "pkg.aborts", "pkg.quits", "pkg.noisy", "pkg.sub",
        "pkg.sub.inner", "pkg.sub.broken_inner", "pkg.orphan",
    }  # fmt: skip
    assert result.modules_checked == len(expected)
    assert set(result.import_seconds) == expected
    assert _failure(result, "pkg.orphan").error_type == "ModuleNotFoundError"


def test_modules_that_import_cleanly_are_not_failures(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failed = {f.module for f in result.failures}
    assert {"pkg", "pkg.fine", "pkg.sub", "pkg.sub.inner", "pkg.noisy"}.isdisjoint(failed)
    assert len(failed) == 10


def test_missing_dependency(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failure = _failure(result, "pkg.missing_dep")
    assert failure.error_type == "ModuleNotFoundError"
    assert failure.message == "No module named 'not_installed_anywhere_xyz'"
    assert (failure.path, failure.line) == ("src/pkg/missing_dep.py", 2)


def test_import_error_of_a_name(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failure = _failure(result, "pkg.sub.broken_inner")
    assert failure.error_type == "ImportError"
    assert "cannot import name 'NOT_THERE' from 'pkg.sub'" in failure.message
    assert (failure.path, failure.line) == ("src/pkg/sub/broken_inner.py", 1)


def test_syntax_error_names_its_line(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failure = _failure(result, "pkg.bad_syntax")
    assert failure.error_type == "SyntaxError"
    assert (failure.path, failure.line) == ("src/pkg/bad_syntax.py", 3)


def test_exception_at_import(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failure = _failure(result, "pkg.raises")
    assert failure.error_type == "RuntimeError"
    assert failure.message == "configuration missing at import"
    assert (failure.path, failure.line) == ("src/pkg/raises.py", 2)


def test_sys_exit_at_import(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failure = _failure(result, "pkg.exits")
    assert failure.error_type == "SystemExit"
    assert failure.message == "sys.exit(4) called during import"
    assert (failure.path, failure.line) == ("src/pkg/exits.py", 2)


def test_hang_is_a_timeout_with_the_hanging_line(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failure = _failure(result, "pkg.hangs")
    assert failure.error_type == "Timeout"
    assert failure.message == "import did not finish within 1 s"
    assert failure.path == "src/pkg/hangs.py"
    assert failure.line in (2, 3)  # the loop test or its body, wherever the dump caught it
    assert result.import_seconds["pkg.hangs"] >= TIMEOUT


@pytest.mark.parametrize(
    ("module", "signal_name", "line"),
    [("pkg.segfaults", "SIGSEGV", 2), ("pkg.aborts", "SIGABRT", 3)],
)
def test_interpreter_crash_names_the_signal(
    outcome: tuple[Path, ImportsResult], module: str, signal_name: str, line: int
) -> None:
    _, result = outcome
    failure = _failure(result, module)
    assert failure.error_type == "Crash"
    assert f"killed by {signal_name}" in failure.message
    assert (failure.path, failure.line) == (f"src/pkg/{module.split('.')[1]}.py", line)


def test_exit_without_a_word_is_a_crash(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    failure = _failure(result, "pkg.quits")
    assert failure.error_type == "Crash"
    assert failure.message == "the interpreter exited with status 0 during the import"


def test_child_output_does_not_corrupt_the_protocol(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    assert "pkg.noisy" in result.import_seconds
    assert all(f.module != "pkg.noisy" for f in result.failures)


def test_failures_are_in_module_order_and_counted(outcome: tuple[Path, ImportsResult]) -> None:
    _, result = outcome
    modules = [f.module for f in result.failures]
    assert modules == sorted(modules)
    data = result.to_dict()
    assert len(data["failures"]) == 10
    # The fixture declares no dependencies: the two modules that import a
    # module nobody installed are undeclared imports, outside failure_count.
    assert {f["module"]: f["cause"] for f in data["failures"] if f["cause"] != "first-party"} == {
        "pkg.missing_dep": "undeclared",
        "pkg.orphan": "undeclared",
    }
    assert data["failure_count"] == 8
    assert ImportsResult.from_dict(data) == result
