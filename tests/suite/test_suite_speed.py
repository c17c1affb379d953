"""The suite analysis on a real fixture suite, by the real ``audit`` command.

The fixture's tests sleep known times (0.6 s, 0.3 s, none), so their order
and the lower bound of each duration are known by hand; pytest's own junit
report of an independent run of the same suite must order them the same.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.projects import git, init_repo, read_report, run_audit, write_files

pytestmark = pytest.mark.slow

TESTS = """
    import time


    def test_slow():
        time.sleep({slow})


    def test_mid():
        time.sleep({mid})


    def test_fast():
        assert True
"""
PROJECT = {
    "pyproject.toml": """
        [project]
        name = "speedy"
        version = "0"

        [tool.audit]
        packages = ["speedy"]
        tests = ["tests"]
        analyses = ["suite"]

        [tool.audit.suite]
        slow_test_seconds = 0.5

        [tool.audit.gate]
        slowest_test_seconds = 0.5
        suite_seconds = 120
    """,
    "speedy/__init__.py": "",
    "tests/test_speed.py": TESTS.format(slow=0.6, mid=0.3),
}
ORDER = ["tests/test_speed.py::test_slow", "tests/test_speed.py::test_mid",
         "tests/test_speed.py::test_fast"]
SLEPT = {"tests/test_speed.py::test_slow": 0.6, "tests/test_speed.py::test_mid": 0.3,
         "tests/test_speed.py::test_fast": 0.0}


def pytest_junit_order(root: Path, tmp_path: Path) -> list[str]:
    """The tests by pytest's own junit time, slowest first (an independent run)."""
    junit = tmp_path / "independent.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    f"--junitxml={junit}", "tests"], cwd=root, check=True,
                   capture_output=True)  # fmt: skip
    cases = ET.parse(junit).getroot().iter("testcase")
    times = {f"tests/test_speed.py::{c.get('name')}": float(c.get("time", 0)) for c in cases}
    return sorted(times, key=lambda nodeid: -times[nodeid])


def test_slowest_tests_in_every_report_and_the_gate(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", PROJECT)
    run = run_audit("suite", root)
    assert run.exit_code == 1, run.stderr  # the 0.6 s test is over slowest_test_seconds
    report = read_report(root)
    section = report["analyses"]["suite"]
    order = [t["nodeid"] for t in section["slowest"]]
    assert order == ORDER == pytest_junit_order(root, tmp_path)
    for t in section["slowest"]:
        assert t["seconds"] >= SLEPT[t["nodeid"]]
    assert section["suite_seconds"] == report["tests"]["duration_seconds"]
    assert section["suite_seconds"] >= sum(SLEPT.values())
    assert [t["nodeid"] for t in section["slow_tests"]] == ORDER[:1]
    rules = {r["id"]: r for r in report["gate"]["rules"]}
    assert rules["slowest_test_seconds"]["status"] == "failed"
    assert rules["slowest_test_seconds"]["measured"] >= 0.6  # seconds keep their decimals
    assert rules["suite_seconds"]["status"] == "passed"
    assert [(f["rule"], f["test"]) for f in report["findings"]] == [("slow-test", ORDER[0])]
    markdown = (root / "audit-report" / "report.md").read_text()
    assert "### Suite speed" in markdown and "tests/test\\_speed.py::test\\_slow" in markdown
    page = (root / "audit-report" / "index.html").read_text()
    assert 'id="suite-slowest"' in page and "tests/test_speed.py::test_mid" in page


def test_review_shows_the_suite_trend_and_the_tests_that_got_slower(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", PROJECT)
    (root / ".gitignore").write_text(".audit/\naudit-report/\n")
    init_repo(root)
    assert run_audit("report", root, "--no-gate").exit_code == 0
    # test_mid goes from 0.3 s to 0.9 s (+0.6 s, 3x): slower by both bounds;
    # test_slow stays at 0.6 s.
    (root / "tests/test_speed.py").write_text(
        (root / "tests/test_speed.py").read_text().replace("sleep(0.3)", "sleep(0.9)"))
    git(root, "commit", "-qam", "slower")
    assert run_audit("report", root, "--no-gate").exit_code == 0
    review = run_audit("review", root, "--since", "30d", "--output", "review-out")
    assert review.exit_code == 0, review.stderr
    text = (root / "review-out" / "review.md").read_text()
    slower = text.split("## Tests that got slower", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in slower.splitlines() if line.startswith("| tests/")]
    assert len(rows) == 1 and "test\\_mid" in rows[0], slower
    assert "test suite duration" in text  # the suite's total, run by run (by its label)
    page = (root / "review-out" / "review.html").read_text()
    assert '<section id="slower">' in page
