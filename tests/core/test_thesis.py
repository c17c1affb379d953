"""The product's thesis on this repository: same line coverage, opposite verdicts.

The provisioner's strong suite and its coverage-theater twin both cover well
over 85% of ``provisioner/``; the audit must pass the first and fail the
second, on the mock analysis, not on coverage.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import EXIT_GATE_FAILED, EXIT_OK
from tests.support.projects import REPO_ROOT, read_report, run_audit

# The audited copy runs under our pyproject.toml, whose addopts name xdist.
pytestmark = [pytest.mark.slow, pytest.mark.installed_plugins]

CONFIG = """
packages = ["provisioner"]
tests = ["{tests}"]
analyses = ["coverage", "mocks"]
pytest_args = ["-q", "-m", "not slow"]

[mocks]
enable = ["mock-internal", "mock-only-asserts"]  # the opt-in rules the theater is made of

[gate]
line = 85
mock_findings = 0
"""


def _audit(tmp_path: Path, tests: str) -> tuple[int, dict[str, object]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "audit.toml"
    config.write_text(CONFIG.format(tests=tests))
    output = tmp_path / "report"
    run = run_audit("report", REPO_ROOT, "--config", config, "--output", output,
                    "--history", tmp_path / "history.db", timeout=900)
    assert run.exit_code in (EXIT_OK, EXIT_GATE_FAILED), run.stderr
    return run.exit_code, read_report(tmp_path, "report")


def _rule(report: dict[str, object], rule_id: str) -> dict[str, object]:
    rules = report["gate"]["rules"]  # type: ignore[index]
    return next(r for r in rules if r["id"] == rule_id)  # type: ignore[union-attr]


# The two audits are two tests (one per xdist worker: each is minutes of the
# suite under coverage); together they are the thesis: both suites clear the
# same line-coverage bar, only the strong one is free of mock findings.
def test_strong_suite_clears_the_line_bar_and_has_no_mock_findings(tmp_path: Path) -> None:
    strong_exit, strong = _audit(tmp_path / "strong", "tests/provisioner")
    assert _rule(strong, "line")["status"] == "passed"
    assert strong_exit == EXIT_OK
    assert _rule(strong, "mock_findings")["measured"] == 0


def test_theater_clears_the_same_line_bar_and_fails_on_mock_findings(tmp_path: Path) -> None:
    theater_exit, theater = _audit(tmp_path / "theater", "examples/coverage_theater")
    assert _rule(theater, "line")["status"] == "passed"
    assert theater_exit == EXIT_GATE_FAILED
    assert _rule(theater, "mock_findings")["measured"] >= 20  # type: ignore[operator]
