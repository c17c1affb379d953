"""Small hand-written audit results whose expected rendering is known by hand.

``CORE_SOURCE`` is a real file the HTML source view reads. Its coverage
below is what coverage.py reports when only ``classify(-1)`` and
``classify(5)`` run: lines 5 and 10 never run, and the ``if`` on line 4
never jumps to line 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from auditor.coverage.result import CoverageResult, DiffCoverage, ModuleCoverage
from auditor.findings import Finding
from auditor.imports.result import ImportFailure, ImportsResult
from auditor.metrics import Metric
from auditor.model import AuditResult, GateResult, RuleResult, TestOutcome, TestRun

HOSTILE = "<script>alert(1)</script>"
PIPE_NAME = "tests/test_core.py::test_pipe|`tick`*star*[x](y)"
HOSTILE_TEST = f"tests/test_core.py::test_{HOSTILE}"
HOSTILE_RULE = f"rule-{HOSTILE}"

CORE_PATH = "pkg/core.py"
CORE_SOURCE = '''def classify(n):
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"


def unused():
    return 1
'''
GUARD_MESSAGE = "only 3 changed statements (fewer than 5): the changed-lines rule is skipped"

# path -> (statements, covered lines); chosen so that sorting by statements
# numerically (3, 8, 9, 10) differs from sorting their text ("10" < "3").
MODULE_COUNTS = {
    CORE_PATH: (8, 6),
    "pkg/b.py": (9, 9),
    "pkg/a10.py": (10, 3),
    HOSTILE: (3, 2),
}


def modules() -> dict[str, ModuleCoverage]:
    result = {
        path: ModuleCoverage(
            path=path,
            statements=statements,
            covered_lines=covered,
            # The last (statements - covered) statement lines are missing.
            missing_lines=list(range(covered + 1, statements + 1)),
        )
        for path, (statements, covered) in MODULE_COUNTS.items()
    }
    result[CORE_PATH] = ModuleCoverage(
        path=CORE_PATH,
        statements=8,
        covered_lines=6,
        missing_lines=[5, 10],
        executed_lines=[1, 2, 3, 4, 6, 9],
        excluded_lines=[],
        branches=4,
        covered_branches=3,
        partial_branches=1,
        missing_branches=[[4, 5]],
    )
    return result


def coverage_result(with_diff: bool = True) -> CoverageResult:
    diff = None
    if with_diff:
        diff = DiffCoverage(
            base="origin/main",
            base_commit="a" * 40,
            changed_lines=3,
            covered_changed_lines=2,
            skipped_reason=GUARD_MESSAGE,
        )
    return CoverageResult(modules=modules(), diff=diff, coverage_version="7.6.0")


def imports_result() -> ImportsResult:
    return ImportsResult(
        modules_checked=4,
        failures=[ImportFailure("pkg.broken", "ImportError", "No module named 'missing_dep'")],
        cycles=[["pkg.a", "pkg.b"]],
    )


def gate() -> GateResult:
    return GateResult(
        rules=[
            RuleResult("line", "line coverage", ">=", 80, 66.66, "failed", analysis="coverage"),
            RuleResult("branch", "branch coverage", ">=", 50, 75.0, "passed", analysis="coverage"),
            RuleResult(
                "changed-lines", "changed-line coverage", ">=", 90, None, "skipped",
                reason=GUARD_MESSAGE, analysis="coverage",
            ),
            RuleResult(
                HOSTILE_RULE, "import failures", "<=", 0, 1, "failed",
                analysis="imports", percent=False,
            ),
        ]
    )


def test_run() -> TestRun:
    return TestRun(
        exit_code=1,
        duration_seconds=1.25,
        tests=[
            TestOutcome("tests/test_core.py::test_negative", "passed", 0.01, 1),
            TestOutcome(HOSTILE_TEST, "failed", 0.02, 1, f"AssertionError: {HOSTILE}"),
            TestOutcome(PIPE_NAME, "error", 0.03, 0, "fixture | `broken`"),
        ],
    )


def audit_result(**overrides: object) -> AuditResult:
    values: dict[str, object] = dict(
        project="demo",
        root="",
        commit="0123456789abcdef0123456789abcdef01234567",
        branch="main",
        created="2025-01-02T03:04:05+00:00",
        duration_seconds=4.5,
        config_fingerprint="fp",
        analyses={"coverage": coverage_result(), "imports": imports_result()},
        test_run=test_run(),
        gate=gate(),
    )
    values.update(overrides)
    return AuditResult(**values)  # type: ignore[arg-type]


def write_project(root: Path) -> Path:
    """The project files the source view reads (only pkg/core.py exists)."""
    (root / "pkg").mkdir(parents=True, exist_ok=True)
    (root / CORE_PATH).write_text(CORE_SOURCE, encoding="utf-8")
    return root


@dataclass
class FindingsOnly:
    """An analysis result defined here (no module of ours knows it) that only has findings."""

    findings: list[Finding] = field(default_factory=list)
    name: ClassVar[str] = "zz"

    def to_dict(self) -> dict[str, Any]:
        return {}

    def headline_metrics(self) -> dict[str, Metric]:
        return {}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        return {}

    def finding_counts(self) -> dict[str, int]:
        return {}

    def report_findings(self) -> list[Finding]:
        return list(self.findings)
