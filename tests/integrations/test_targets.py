"""Test files as the command's target: what a pre-commit hook passes (issue 14, part 5).

``audit mocks tests/test_a.py`` audits the project in the working directory
with its tests narrowed to the files given; a file that is not a test module
of the project is left out and said; a missing file or a folder among files
is exit 2 in one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import EXIT_OK, EXIT_USAGE
from tests.support.projects import read_report, run_audit, tree_digest, write_files

pytestmark = pytest.mark.slow

PROJECT = {
    "pyproject.toml": '[project]\nname = "calc"\n[tool.audit]\npackages = ["calc"]\n',
    "calc.py": "def add(a, b):\n    return a + b\n",
    "tests/test_one.py": "from calc import add\n\n\ndef test_one():\n    assert add(1, 0) == 1\n",
    # three tests, none asserting: each is a test-no-assert finding
    "tests/test_two.py": "".join(f"def test_{n}():\n    pass\n\n\n" for n in ("a", "b", "c")),
    "tests/helpers.py": "VALUE = 1\n",
}


def test_only_the_given_test_files_are_audited(tmp_path: Path) -> None:
    root = write_files(tmp_path / "calc", PROJECT)
    run = run_audit("mocks", "tests/test_one.py", "tests/helpers.py", "calc.py", cwd=root)
    assert run.exit_code == EXIT_OK, run.stderr
    assert "not test files in tests (left out): tests/helpers.py, calc.py" in run.stderr
    report = read_report(root)
    nodeids = sorted(t["nodeid"] for t in report["tests"]["tests"])
    assert nodeids == ["tests/test_one.py::test_one"]  # test_two.py's three did not run


def test_no_test_file_among_the_files_is_nothing_to_do(tmp_path: Path) -> None:
    root = write_files(tmp_path / "calc", PROJECT)
    before = tree_digest(root)
    run = run_audit("mocks", "calc.py", cwd=root)
    assert run.exit_code == EXIT_OK, run.stderr
    assert "no test file to audit among the files given" in run.stderr
    assert tree_digest(root) == before


@pytest.mark.parametrize(
    "args, expected",
    [
        (["tests/test_one.py", "tests/gone.py"], "tests/gone.py: does not exist"),
        (["tests/test_one.py", "tests"], "tests: is a folder"),
    ],
)
def test_a_missing_file_or_a_folder_among_files_is_exit_2(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    root = write_files(tmp_path / "calc", PROJECT)
    run = run_audit("mocks", *args, cwd=root)
    assert run.exit_code == EXIT_USAGE
    assert len(run.error_lines) == 1 and expected in run.error_lines[0], run.stderr
