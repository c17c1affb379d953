"""The one result model every analysis fills and every report reads.

An :class:`AuditResult` holds the run's identity (project, commit, time), the
outcome of the single test run (:class:`TestRun`), one result object per
analysis that ran (anything implementing :class:`AnalysisResult`), and the
gate verdict (:class:`GateResult`). ``to_dict`` gives the ``report.json``
document (``schema_version`` 1, see ``auditor/schema/report.schema.json``);
``AuditResult.from_dict`` reads it back, which is what merging shards and the
history use.

Reports are pure functions of this model: an analysis never renders, and a
report never runs anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from auditor.findings import Finding, ranked
from auditor.metrics import CORE_METRICS, TESTS, THEATER_GAP_INPUTS, Metric, theater_gap

SCHEMA_VERSION = 1

JSONDict = dict[str, Any]


@runtime_checkable
class AnalysisResult(Protocol):
    """What an analysis hands back. Each analysis has its own dataclass.

    ``headline_metrics`` and ``module_metrics`` are what the terminal, the
    reports, the history and the weekly review show: keys are stable metric
    names (e.g. ``line_percent``), values are :class:`~auditor.metrics.Metric`
    (value, unit, direction, label), so nothing guesses what a number means
    from its name. ``report_findings`` is everything the analysis found, in the one
    shape of :class:`~auditor.findings.Finding`; ``finding_counts`` counts
    them by rule for the history.
    """

    name: ClassVar[str]

    def to_dict(self) -> JSONDict: ...

    def headline_metrics(self) -> dict[str, Metric]: ...

    def module_metrics(self) -> dict[str, dict[str, Metric]]: ...

    def finding_counts(self) -> dict[str, int]: ...

    def report_findings(self) -> list[Finding]: ...


@dataclass
class TestOutcome:
    """One test's result in the single test run of an audit."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    outcome: str  # passed | failed | error | skipped | xfailed | xpassed
    duration_seconds: float
    # None: unknown (pytest did not rewrite the module holding the test's code)
    assertions_executed: int | None = 0
    message: str = ""

    def to_dict(self) -> JSONDict:
        return {
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "duration_seconds": self.duration_seconds,
            "assertions_executed": self.assertions_executed,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> TestOutcome:
        return cls(
            nodeid=data["nodeid"],
            outcome=data["outcome"],
            duration_seconds=float(data["duration_seconds"]),
            assertions_executed=None if data.get("assertions_executed", 0) is None
            else int(data.get("assertions_executed", 0)),
            message=data.get("message", ""),
        )


@dataclass
class TestRun:
    """The outcome of running the project's suite once (under coverage)."""

    __test__ = False

    exit_code: int
    duration_seconds: float
    tests: list[TestOutcome] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    tolerated_failures: bool = False

    @property
    def failed(self) -> list[TestOutcome]:
        return [t for t in self.tests if t.outcome in ("failed", "error")]

    def count(self, outcome: str) -> int:
        return sum(1 for t in self.tests if t.outcome == outcome)

    def to_dict(self) -> JSONDict:
        return {
            "exit_code": self.exit_code,
            "duration_seconds": self.duration_seconds,
            "command": self.command,
            "tolerated_failures": self.tolerated_failures,
            "counts": {
                outcome: self.count(outcome)
                for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
            },
            "tests": [t.to_dict() for t in self.tests],
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> TestRun:
        return cls(
            exit_code=int(data["exit_code"]),
            duration_seconds=float(data["duration_seconds"]),
            tests=[TestOutcome.from_dict(t) for t in data.get("tests", [])],
            command=list(data.get("command", [])),
            tolerated_failures=bool(data.get("tolerated_failures", False)),
        )


@dataclass
class RuleResult:
    """One evaluated gate rule.

    ``status`` is ``passed``, ``failed`` or ``skipped``; a skipped rule (the
    analysis did not run, too few changed lines, no baseline) has
    ``passed = None`` so that it is never mistaken for a pass.
    ``measured`` is the displayed (rounded) value that was compared.
    """

    id: str
    description: str
    comparison: str  # ">=" or "<="
    threshold: float
    measured: float | None
    status: str
    reason: str = ""
    analysis: str = ""
    percent: bool = True  # a percentage rule (reports show "85.00%") or a count

    @property
    def passed(self) -> bool | None:
        return None if self.status == "skipped" else self.status == "passed"

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "analysis": self.analysis,
            "description": self.description,
            "comparison": self.comparison,
            "threshold": self.threshold,
            "measured": self.measured,
            "passed": self.passed,
            "status": self.status,
            "reason": self.reason,
            "percent": self.percent,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> RuleResult:
        return cls(
            id=data["id"],
            description=data.get("description", ""),
            comparison=data["comparison"],
            threshold=data["threshold"],
            measured=data["measured"],
            status=data["status"],
            reason=data.get("reason", ""),
            analysis=data.get("analysis", ""),
            percent=bool(data.get("percent", True)),
        )


@dataclass
class GateResult:
    """The gate verdict: it passed when no rule failed (skipped rules do not fail)."""

    enabled: bool = True
    rules: list[RuleResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.enabled or all(r.status != "failed" for r in self.rules)

    @property
    def failed_rules(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "failed"]

    def to_dict(self) -> JSONDict:
        return {
            "enabled": self.enabled,
            "passed": self.passed,
            "rules": [r.to_dict() for r in self.rules],
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> GateResult:
        return cls(
            enabled=bool(data.get("enabled", True)),
            rules=[RuleResult.from_dict(r) for r in data.get("rules", [])],
        )


@dataclass
class AuditResult:
    """Everything one audit found. ``to_dict`` is the ``report.json`` document."""

    project: str
    root: str
    commit: str | None
    branch: str | None
    created: str
    duration_seconds: float
    config_fingerprint: str
    analyses: dict[str, AnalysisResult] = field(default_factory=dict)
    test_run: TestRun | None = None
    gate: GateResult = field(default_factory=GateResult)
    notes: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, dict[str, Metric]]:
        """Every headline metric, by analysis (``tests``: the single test run)."""
        out = {name: a.headline_metrics() for name, a in sorted(self.analyses.items())}
        if self.test_run is not None:
            run, specs = self.test_run, CORE_METRICS[TESTS]
            out[TESTS] = {
                "suite_seconds": specs["suite_seconds"].of(run.duration_seconds),
                "tests_total": specs["tests_total"].of(len(run.tests)),
                "tests_failed": specs["tests_failed"].of(len(run.failed)),
            }
        return out

    def report_findings(self) -> list[Finding]:
        """Every analysis's findings, fix first (:func:`auditor.findings.ranked`)."""
        return ranked([f for a in self.analyses.values() for f in a.report_findings()])

    def metric_specs(self) -> dict[str, dict[str, JSONDict]]:
        """The declaration of every metric (headline and module) by analysis, for the history."""
        specs: dict[str, dict[str, JSONDict]] = {}
        for name, metrics in self.metrics().items():
            specs[name] = {metric: m.spec.to_dict() for metric, m in metrics.items()}
        for name, analysis in sorted(self.analyses.items()):
            for values in analysis.module_metrics().values():
                for metric, m in values.items():
                    specs.setdefault(name, {}).setdefault(metric, m.spec.to_dict())
        return specs

    def derived(self) -> JSONDict:
        """The theater gap (line coverage minus mutation score), overall and per module.

        Computed once, here, from the exact values; reports only format it.
        ``None`` (or a module left out) where either side was not measured.
        """
        line, score = THEATER_GAP_INPUTS
        headline: dict[str, float] = {}
        for metrics in self.metrics().values():
            for name, m in metrics.items():
                headline.setdefault(name, m.value)
        modules: dict[str, dict[str, float]] = {}
        for _, analysis in sorted(self.analyses.items()):
            for path, values in analysis.module_metrics().items():
                for name, m in values.items():
                    modules.setdefault(path, {}).setdefault(name, m.value)
        gaps = {
            path: {"theater_gap": gap}
            for path, values in sorted(modules.items())
            if (gap := theater_gap(values.get(line), values.get(score))) is not None
        }
        return {"theater_gap": theater_gap(headline.get(line), headline.get(score)),
                "modules": gaps}

    def to_dict(self) -> JSONDict:
        return {
            "schema_version": SCHEMA_VERSION,
            "project": self.project,
            "root": self.root,
            "commit": self.commit,
            "branch": self.branch,
            "created": self.created,
            "duration_seconds": self.duration_seconds,
            "config_fingerprint": self.config_fingerprint,
            "tests": self.test_run.to_dict() if self.test_run else None,
            "analyses": {name: a.to_dict() for name, a in sorted(self.analyses.items())},
            "gate": self.gate.to_dict(),
            "notes": list(self.notes),
            "metrics": {
                name: {metric: m.to_dict() for metric, m in sorted(values.items())}
                for name, values in self.metrics().items()
            },
            "metric_specs": self.metric_specs(),
            "derived": self.derived(),
            "findings": [f.to_dict() for f in self.report_findings()],
        }

    @classmethod
    def from_dict(cls, data: JSONDict, result_types: Mapping[str, Any]) -> AuditResult:
        """Read a ``report.json`` document back (the inverse of :meth:`to_dict`).

        ``result_types`` maps analysis names to their result classes
        (:func:`auditor.registry.result_types`); a section of an analysis
        missing from it is a ``ValueError`` naming it.
        """
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema_version {data.get('schema_version')!r}")
        analyses: dict[str, AnalysisResult] = {}
        for name, payload in data.get("analyses", {}).items():
            if name not in result_types:
                raise ValueError(f"analysis {name!r} is not installed")
            analyses[name] = result_types[name].from_dict(payload)
        tests = data.get("tests")
        return cls(
            project=data["project"],
            root=data.get("root", ""),
            commit=data.get("commit"),
            branch=data.get("branch"),
            created=data["created"],
            duration_seconds=float(data["duration_seconds"]),
            config_fingerprint=data.get("config_fingerprint", ""),
            analyses=analyses,
            test_run=TestRun.from_dict(tests) if tests else None,
            gate=GateResult.from_dict(data.get("gate", {})),
            notes=list(data.get("notes", [])),
        )
