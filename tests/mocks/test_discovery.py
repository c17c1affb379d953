"""Test discovery is pytest's: the analysis reads the files and ids the audit's
own pytest run collected, whatever they are named; a test path that yields
no analysed test is a visible note, never a silent 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import read_report, run_audit, tree_digest, write_files

# A package whose suite is a ``tests.py`` inside it and a unittest class not
# named Test*, collected through a custom ``python_files``/``python_classes``.
PACKAGE_SUITE = {
    "pyproject.toml": """\
[tool.pytest.ini_options]
python_files = ["tests.py", "check_*.py"]
python_classes = ["*Checks"]

[tool.audit]
packages = ["tally"]
tests = ["tally", "extra"]
""",
    "tally/__init__.py": "",
    "tally/core.py": "def add(a, b):\n    return a + b\n\n\ndef neg(a):\n    return -a\n",
    "tally/tests.py": """\
import unittest

from tally.core import add, neg


def test_add():
    assert add(1, 2) == 3


def test_add_runs():
    add(1, 2)


class NegChecks(unittest.TestCase):
    def test_neg(self):
        self.assertEqual(neg(2), -2)

    def helper_not_a_test(self):
        neg(1)
""",
    "tally/check_more.py": "from tally.core import neg\n\n\ndef test_neg_twice():\n"
                           "    assert neg(neg(3)) == 3\n",
    "extra/README": "no tests here yet\n",
}


def _collected_by_pytest(root: Path) -> set[str]:
    """The test ids pytest itself collects from the project (the oracle)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tally"], cwd=root, capture_output=True, text=True, timeout=120, check=False)
    return {line.strip() for line in done.stdout.splitlines() if "::" in line}


@pytest.mark.slow
def test_suite_inside_the_package_is_analysed_as_pytest_collects_it(tmp_path: Path) -> None:
    write_files(tmp_path, PACKAGE_SUITE)
    before = tree_digest(tmp_path)
    run = run_audit("report", tmp_path, "--only", "mocks", "--no-gate", cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    mocks = read_report(tmp_path)["analyses"]["mocks"]
    expected = _collected_by_pytest(tmp_path)
    assert len(expected) == 4  # the custom python_files/python_classes are honoured
    assert {t["test"] for t in mocks["tests"]} == expected
    # the one test without an assertion is reported; the unittest helper is no test
    assert [(f["rule"], f["test"]) for f in mocks["findings"]] == [
        ("test-no-assert", "tally/tests.py::test_add_runs")]
    # test modules inside the package are not code under audit
    assert mocks["modules_without_direct_test"] == []
    assert set(mocks["modules"]) == {"tally.core"}
    # the configured test path without tests is a visible note, in every report
    [note] = mocks["notes"]
    assert note.startswith("test path 'extra': no test analysed")
    markdown = (tmp_path / "audit-report" / "report.md").read_text()
    assert "test path 'extra': no test analysed" in markdown
    html = (tmp_path / "audit-report" / "index.html").read_text()
    assert "test path &#39;extra&#39;: no test analysed" in html
    assert "test path 'extra': no test analysed" in run.stderr + run.stdout
    assert tree_digest(tmp_path) == before


def test_without_a_run_files_are_found_by_name(tmp_path: Path) -> None:
    from auditor.mocks.engine import analyse_project
    from auditor.mocks.evaluate import Settings
    from auditor.project import PackageLocation

    write_files(tmp_path, PACKAGE_SUITE)
    write_files(tmp_path, {"tally/test_named.py": "def test_x():\n    assert 1 + 1 == 2\n"})
    result = analyse_project(tmp_path, [PackageLocation("tally", tmp_path / "tally", tmp_path)],
                             [tmp_path / "tally", tmp_path / "extra"],
                             Settings(packages=["tally"]))
    assert [t.test for t in result.tests] == ["tally/test_named.py::test_x"]
    assert result.notes == [
        "test path 'extra': no test analysed (the suite did not run in this audit, and no "
        "file there is named test_*.py or *_test.py)"]
    # tests.py is not a test module by name, so without a run it stays a source module
    assert json.dumps(sorted(result.modules)) == '["tally.check_more", "tally.core", "tally.tests"]'
