"""Real result objects for history tests, with numbers that are easy to check by hand.

Results are built from the analyses' own dataclasses (no stand-ins), with
counts small enough that every expected percentage is computed in the test
from the counts, independently of the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from auditor.coverage.result import CoverageResult, ModuleCoverage
from auditor.findings import Finding
from auditor.imports.result import ImportFailure, ImportsResult
from auditor.metrics import COUNT, LOWER, PERCENT, Metric, MetricSpec
from auditor.model import AuditResult, GateResult, JSONDict, RuleResult, TestOutcome, TestRun
from auditor.mutation.records import MutantRecord
from auditor.mutation.result import MutationResult


@dataclass
class SmellsResult:
    """A result of an analysis the history code has never heard of.

    It implements the :class:`auditor.model.AnalysisResult` protocol, so it
    must appear in the history and the review without any change there.
    """

    name: ClassVar[str] = "smells"
    sleepy_tests: int = 0
    per_module: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> JSONDict:
        return {"sleepy_tests": self.sleepy_tests, "findings": []}

    def headline_metrics(self) -> dict[str, Metric]:
        return {"sleepy_tests_count": SLEEPY.of(self.sleepy_tests)}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        return {m: {"smell_density": DENSITY.of(v)} for m, v in self.per_module.items()}

    def finding_counts(self) -> dict[str, int]:
        return {"sleep-in-test": self.sleepy_tests}

    def report_findings(self) -> list[Finding]:
        return []


SLEEPY = MetricSpec(COUNT, LOWER, "sleepy tests")
DENSITY = MetricSpec(PERCENT, LOWER, "smell density")


def coverage(
    lines: dict[str, tuple[int, int]], branches: dict[str, tuple[int, int]] | None = None
) -> CoverageResult:
    """``{path: (covered, statements)}`` and optional ``{path: (covered, branches)}``."""
    branches = branches or {}
    return CoverageResult(
        modules={
            path: ModuleCoverage(
                path,
                statements=total,
                covered_lines=covered,
                branches=branches.get(path, (0, 0))[1],
                covered_branches=branches.get(path, (0, 0))[0],
            )
            for path, (covered, total) in lines.items()
        }
    )


def mutation(
    statuses: dict[str, str],
    killed_by: dict[str, list[str]] | None = None,
    covered_by: dict[str, list[str]] | None = None,
) -> MutationResult:
    """Mutants ``{id: status}`` in ``pkg/mod.py``; the kill matrix ran if ``killed_by`` is given."""
    return MutationResult(
        mutants=[
            MutantRecord(
                id=mutant_id,
                path="pkg/mod.py",
                module="pkg.mod",
                function="f",
                status=status,
                line=index + 1,
                mutated=f"mutated {mutant_id}",
                covered_by=list((covered_by or {}).get(mutant_id, [])),
                killed_by=None if killed_by is None else list(killed_by.get(mutant_id, [])),
            )
            for index, (mutant_id, status) in enumerate(sorted(statuses.items()))
        ],
        kill_matrix=killed_by is not None,
    )


def imports(checked: int, failing: list[str]) -> ImportsResult:
    return ImportsResult(
        modules_checked=checked,
        failures=[ImportFailure(m, "ImportError", f"no module named {m}x") for m in failing],
    )


def tests(outcomes: dict[str, tuple[str, float]], duration: float) -> TestRun:
    return TestRun(
        exit_code=0,
        duration_seconds=duration,
        tests=[
            TestOutcome(nodeid, outcome, seconds) for nodeid, (outcome, seconds) in outcomes.items()
        ],
    )


def audit(
    *,
    created: str,
    commit: str | None = "a" * 40,
    branch: str | None = "main",
    analyses: dict[str, object] | None = None,
    test_run: TestRun | None = None,
    rules: list[RuleResult] | None = None,
) -> AuditResult:
    return AuditResult(
        project="demo",
        root="/nonexistent/demo",
        commit=commit,
        branch=branch,
        created=created,
        duration_seconds=1.0,
        config_fingerprint="f" * 16,
        analyses=dict(analyses or {}),  # type: ignore[arg-type]
        test_run=test_run,
        gate=GateResult(rules=list(rules or [])),
    )
