"""Static verdicts refined by the assertions each test executed in a real run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.model import TestOutcome, TestRun
from tests.mocks.projects import analyse_example, example_project, write_files

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "auditor" / "testrun" / "plugin"

SUITE = """\
from app.pricing import net_total
from tests.checks import check_total


def test_helper_elsewhere():
    check_total([1, 2], 3)


def test_branch_never_taken():
    total = net_total([1])
    if total < 0:
        assert total == -1


def test_plain():
    assert net_total([]) == 0


def test_no_assert_at_all():
    net_total([5])


def test_hand_written_raises():
    try:
        net_total([1, "2"])
    except TypeError:
        pass
    else:
        assert False, "text should raise a TypeError"


def test_mock_record_only():
    from unittest import mock
    fake = mock.Mock(spec=["send"])
    fake.send(net_total([1]))
    fake.send.assert_called_once_with(1)
"""

# a helper module outside the tests pytest rewrites: asserts here are not counted
CHECKS = """\
import pytest

from app.pricing import net_total


def check_total(values, expected):
    if net_total(values) != expected:
        pytest.fail(f"{values} does not sum to {expected}")
    with pytest.raises(TypeError, match="unsupported"):
        net_total(values + ["x"])
"""


def run_suite(root: Path) -> TestRun:
    """Run the example suite with the audit's own pytest plugin and read its records."""
    report = root / "records.jsonl"
    env = dict(os.environ, AUDIT_PYTEST_REPORT=str(report), AUDIT_COUNT_ASSERTIONS="1",
               PYTHONPATH=os.pathsep.join([str(PLUGIN_DIR), str(root)]))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "audit_pytest_plugin",
         "-p", "no:cacheprovider", "tests"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    tests = []
    for line in report.read_text().splitlines():
        record = json.loads(line)
        if record.get("event") == "test":
            tests.append(TestOutcome(record["nodeid"], record["outcome"], record["duration"],
                                     record["assertions"]))
    return TestRun(exit_code=done.returncode, duration_seconds=0.0, tests=tests)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TestRun]:
    root = tmp_path_factory.mktemp("runtime")
    example_project(root, SUITE)
    write_files(root, {"tests/checks.py": CHECKS})
    return root, run_suite(root)


def _no_assert(result: object) -> dict[str, str]:
    return {f.test.rsplit("::", 1)[1]: f.source
            for f in result.active if f.rule == "test-no-assert"}  # type: ignore[attr-defined]


@pytest.mark.slow
def test_runtime_counts_decide(project: tuple[Path, TestRun]) -> None:
    root, run = project
    assert run.exit_code == 0, run
    executed = {t.nodeid.rsplit("::", 1)[1]: t.assertions_executed for t in run.tests}
    # pytest.raises in the helper counts; the untaken branch and the bare call do not
    assert executed["test_helper_elsewhere"] == 1
    assert executed["test_branch_never_taken"] == 0
    # the else branch runs only when no TypeError is raised: a pass executes none,
    # yet the test checks the error, as pytest.raises would
    assert executed["test_hand_written_raises"] == 0
    result = analyse_example(root, test_run=run)
    assert _no_assert(result) == {"test_branch_never_taken": "runtime",
                                  "test_no_assert_at_all": "runtime"}
    metrics = {t.test.rsplit("::", 1)[1]: t for t in result.tests}
    assert metrics["test_helper_elsewhere"].no_assert_source == "runtime"
    assert metrics["test_helper_elsewhere"].assertions_static == 0
    assert metrics["test_plain"].assertions_executed == 1
    assert result.runtime_used


@pytest.mark.slow
def test_without_a_run_verdicts_are_static(project: tuple[Path, TestRun]) -> None:
    root, _run = project
    result = analyse_example(root, test_run=None)
    assert _no_assert(result) == {"test_helper_elsewhere": "static",
                                  "test_no_assert_at_all": "static"}
    assert not result.runtime_used
    assert "static only" in result.runtime_note
    assert all(t.assertions_executed is None for t in result.tests)


def test_parametrized_ids_match_and_the_weakest_instance_counts(tmp_path: Path) -> None:
    example_project(tmp_path, "import pytest\n\n\n@pytest.mark.parametrize('n', [0, 1])\n"
                              "def test_n(n):\n    if n:\n        assert n == 1\n")
    run = TestRun(exit_code=0, duration_seconds=0.1, tests=[
        TestOutcome("tests/test_example.py::test_n[0]", "passed", 0.0, 0),
        TestOutcome("tests/test_example.py::test_n[1]", "passed", 0.0, 1),
    ])
    result = analyse_example(tmp_path, test_run=run)
    assert [(f.rule, f.source) for f in result.active] == [("test-no-assert", "runtime")]
    assert result.tests[0].assertions_executed == 0


def test_skipped_and_failed_runs_leave_the_static_verdict(tmp_path: Path) -> None:
    example_project(tmp_path, "def test_a():\n    assert sum([]) == 0\n")
    run = TestRun(exit_code=1, duration_seconds=0.1, tests=[
        TestOutcome("tests/test_example.py::test_a", "failed", 0.0, 0)])
    result = analyse_example(tmp_path, test_run=run)
    assert result.active == []
    assert result.tests[0].no_assert_source == "static"
