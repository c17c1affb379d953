"""An audit run inside another audit's test run leaves that run's files alone.

A suite whose tests audit a project (ours does) runs those audits with the
outer run's variables in its environment: where the outer run's plugin
writes its records. The inner audit's suite used to inherit them, so its
plugin opened the outer ``dependencies.jsonl`` for writing, truncated it and
wrote its own tests there (seen in our self-audit: 4 records of a fixture
project, then NUL bytes, then ours).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.testrun.command import PLUGIN_RUN_VARIABLES
from tests.support.projects import make_calc_project, read_report, run_audit

pytestmark = pytest.mark.slow

OUTER_RECORDS = '{"nodeid": "tests/test_outer.py::test_one"}\n'


def test_the_outer_runs_files_are_not_the_inner_audits(tmp_path: Path) -> None:
    outer = tmp_path / "outer-run"
    outer.mkdir()
    switches = {"AUDIT_COUNT_ASSERTIONS": "1", "AUDIT_CLASSES_PACKAGES": "outer"}
    files = {name: outer / f"{name.lower()}.txt"
             for name in PLUGIN_RUN_VARIABLES if name not in switches}
    for path in files.values():
        path.write_text(OUTER_RECORDS, encoding="utf-8")
    project = make_calc_project(tmp_path / "calc")

    run = run_audit("report", project, "--only", "coverage", "--no-gate",
                    env={**{name: str(path) for name, path in files.items()}, **switches})

    assert run.exit_code == 0, run.stderr
    for name, path in files.items():
        assert path.read_text(encoding="utf-8") == OUTER_RECORDS, name
    # The inner audit recorded its own three tests, with their assertions counted.
    tests = read_report(project)["tests"]["tests"]
    assert len(tests) == 3 and all(test["assertions_executed"] >= 1 for test in tests)
