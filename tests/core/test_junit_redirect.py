"""A JUnit report the project's options ask for goes into the run folder; none otherwise.

The audit's test run used to pass ``--junitxml=<run folder>`` on every run
(only so that a project's own ``--junitxml`` in addopts is not rewritten),
making pytest build the XML of every test for nobody. The plugin now moves
the project's report path into the run folder and adds none. Expected
counts are read off the calc project's test file (three tests). The run
where nobody asks is the report audit other modules share
(``calc_report_audit``, tests/core/shared_audits.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.core.shared_audits import SharedAudit
from tests.support.projects import make_calc_project, run_audit, tree_digest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("core-calc-audits")]


def _run_folder(root: Path) -> Path:
    (run,) = (root / ".audit" / "runs").iterdir()
    return run


def test_the_projects_junit_report_is_written_into_the_run_folder(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path / "calc")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text()
                         + '\n[tool.pytest.ini_options]\naddopts = "--junitxml=junit.xml"\n')
    before = tree_digest(root)
    done = run_audit("report", root, "--no-gate")
    assert done.exit_code == 0, done.stderr
    assert tree_digest(root) == before  # no junit.xml in the project
    report = ET.parse(_run_folder(root) / "pytest-junit.xml").getroot()
    assert len(report.findall(".//testcase")) == 3


def test_no_junit_report_is_made_when_nobody_asks(calc_report_audit: SharedAudit) -> None:
    root, done = calc_report_audit.root, calc_report_audit.run
    assert done.exit_code == 0, done.stderr
    assert not (_run_folder(root) / "pytest-junit.xml").exists()
    assert "generated xml file" not in (_run_folder(root) / "pytest.log").read_text()
