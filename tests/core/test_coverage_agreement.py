"""Our coverage numbers must equal coverage.py's own for the same suite.

The expected numbers come from running coverage.py directly on an identical
copy of the project (``coverage run`` + ``coverage json``), not from the
auditor, so a disagreement is caught whichever side changed.

The three tests read one audit of the calc project (``calc_coverage_audit``,
tests/core/shared_audits.py), each asserting its own part of it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.core.shared_audits import SharedAudit
from tests.support.projects import read_report, tree_digest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("core-calc-audits")]


def coverage_py_json(project: Path, source: str, tests: str = "tests") -> dict[str, Any]:
    """What coverage.py itself reports for ``pytest tests`` on ``project``."""
    data = project / ".coverage-direct"
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", f"--data-file={data}",
         f"--source={source}", "-m", "pytest", "-q", "-p", "no:cacheprovider", tests],
        cwd=project, check=True, capture_output=True,
        env={"PYTHONPATH": str(project / "src"), "PATH": str(Path(sys.executable).parent)},
    )
    out = project / "direct.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(out)],
        cwd=project, check=True, capture_output=True,
    )
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def _pct(part: int, whole: int) -> float:
    # coverage.py counts a file with nothing to measure as fully covered.
    return 100 * part / whole if whole else 100.0


def test_line_and_branch_percentages_equal_coverage_py(
    calc_coverage_audit: SharedAudit, tmp_path: Path
) -> None:
    audited, run = calc_coverage_audit.root, calc_coverage_audit.run
    # coverage.py runs on a copy of the never-audited twin (the twin stays as written)
    direct = shutil.copytree(calc_coverage_audit.direct, tmp_path / "direct")
    assert run.exit_code == 0, run.stderr
    ours = read_report(audited)["analyses"]["coverage"]
    theirs = coverage_py_json(direct, "src/calc")
    assert set(ours["modules"]) == set(theirs["files"])
    for path, module in theirs["files"].items():
        summary = module["summary"]
        mine = ours["modules"][path]
        assert mine["line_percent"] == pytest.approx(
            _pct(summary["covered_lines"], summary["num_statements"])
        )
        assert mine["branch_percent"] == pytest.approx(
            _pct(summary["covered_branches"], summary["num_branches"])
        )
        assert mine["percent"] == pytest.approx(summary["percent_covered"])
        assert mine["missing_lines"] == module["missing_lines"]
        assert mine["missing_branches"] == module["missing_branches"]
    totals = theirs["totals"]
    assert ours["percent"] == pytest.approx(totals["percent_covered"])
    assert ours["line_percent"] == pytest.approx(
        100 * totals["covered_lines"] / totals["num_statements"]
    )
    assert ours["branch_percent"] == pytest.approx(
        100 * totals["covered_branches"] / totals["num_branches"]
    )


def test_audit_leaves_the_project_tree_unchanged(calc_coverage_audit: SharedAudit) -> None:
    root, run = calc_coverage_audit.root, calc_coverage_audit.run
    assert run.exit_code == 0, run.stderr
    assert tree_digest(root) == calc_coverage_audit.before
    assert (root / ".audit" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not list(root.rglob("__pycache__"))
    assert not (root / ".coverage").exists()


def test_every_test_outcome_is_recorded(calc_coverage_audit: SharedAudit) -> None:
    root, run = calc_coverage_audit.root, calc_coverage_audit.run
    assert run.exit_code == 0, run.stderr
    tests = read_report(root)["tests"]
    assert {t["nodeid"]: t["outcome"] for t in tests["tests"]} == {
        "tests/test_ops.py::test_add": "passed",
        "tests/test_ops.py::test_sign_positive": "passed",
        "tests/test_ops.py::test_clamp_low": "passed",
    }
    # Each test body holds exactly one passing assert.
    assert [t["assertions_executed"] for t in tests["tests"]] == [1, 1, 1]
