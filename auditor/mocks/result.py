"""Results of the mocks analysis: findings, per-test and per-module metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from auditor import findings as contract
from auditor.metrics import COUNT, HIGHER, LOWER, PERCENT, Metric, MetricSpec
from auditor.mocks.rules import get_rule
from auditor.model import JSONDict
from auditor.numbers import ratio_percent


@dataclass
class Finding:
    """One rule violation.

    ``test`` is ``path::Class::test`` (or the fixture/helper the code is in);
    ``source`` says what decided it: ``static`` (the code) or ``runtime``
    (the assertions the test executed in the audit's test run).
    ``fingerprint`` is stable across commits: it hashes the rule, the file,
    the test and the code of the line, not the line number.
    """

    rule: str
    path: str
    line: int
    column: int
    test: str
    message: str
    severity: str
    suppressed: bool = False
    suppression_reason: str = ""
    source: str = "static"
    code: str = ""
    fingerprint: str = ""

    def to_dict(self) -> JSONDict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: JSONDict) -> Finding:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class TestMetrics:
    """What one test does with mocks and assertions.

    ``assertions_executed`` is ``None`` when the test did not run in this
    audit (no test run, or the test was not collected); ``no_assert_source``
    says which source decided whether it asserts (``static`` or ``runtime``).
    """

    __test__ = False

    test: str
    path: str
    line: int
    patches: int = 0
    internal_patches: int = 0
    assertions_static: int = 0
    assertions_executed: int | None = None
    mock_assertions: int = 0
    value_assertions: int = 0
    no_assert_source: str = "static"
    findings: int = 0

    def to_dict(self) -> JSONDict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: JSONDict) -> TestMetrics:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class ParseError:
    path: str
    message: str
    line: int | None = None

    def to_dict(self) -> JSONDict:
        return asdict(self)


@dataclass
class MocksResult:
    """Findings of every rule, with the metrics they were decided from."""

    name: ClassVar[str] = "mocks"

    findings: list[Finding] = field(default_factory=list)
    tests: list[TestMetrics] = field(default_factory=list)
    files_analyzed: int = 0
    source_files_analyzed: int = 0
    parse_errors: list[ParseError] = field(default_factory=list)
    modules: dict[str, list[str]] = field(default_factory=dict)  # module -> test files
    rule_ids: list[str] = field(default_factory=list)
    runtime_used: bool = False
    runtime_note: str = ""
    max_patches: int = 4
    boundaries: list[str] = field(default_factory=list)
    cache_hits: int = 0
    # first-party modules taken for boundaries without being declared -> why
    inferred_boundaries: dict[str, str] = field(default_factory=dict)
    # what the reader must know to trust the counts (a test path with no test...)
    notes: list[str] = field(default_factory=list)

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]

    @property
    def modules_without_direct_test(self) -> list[str]:
        return sorted(m for m, files in self.modules.items() if not files)

    def counts_by_rule(self, suppressed: bool = False) -> dict[str, int]:
        counts = {rule: 0 for rule in self.rule_ids}
        for finding in self.findings:
            if finding.suppressed == suppressed:
                counts[finding.rule] = counts.get(finding.rule, 0) + 1
        return counts

    def _tests_with(self, predicate: Any) -> int:
        return sum(1 for t in self.tests if predicate(t))

    def totals(self) -> JSONDict:
        flagged = {f.test for f in self.active}
        with_findings = self._tests_with(lambda t: t.test in flagged)
        mock_only = self._tests_with(
            lambda t: t.mock_assertions > 0 and t.value_assertions == 0
        )
        count = len(self.tests)
        return {
            "tests": count,
            "tests_with_findings": with_findings,
            "tests_with_findings_percent": float(ratio_percent(with_findings, count)) if count
            else 0.0,
            "mock_only_tests": mock_only,
            "mock_only_percent": float(ratio_percent(mock_only, count)) if count else 0.0,
            "patches": sum(t.patches for t in self.tests),
            "internal_patches": sum(t.internal_patches for t in self.tests),
        }

    def to_dict(self) -> JSONDict:
        by_file: dict[str, int] = {}
        for finding in self.active:
            by_file[finding.path] = by_file.get(finding.path, 0) + 1
        untested = self.modules_without_direct_test
        return {
            "findings": [f.to_dict() for f in self.findings],
            "finding_count": len(self.active),
            "suppressed_count": len(self.findings) - len(self.active),
            "counts_by_rule": self.counts_by_rule(),
            "suppressed_by_rule": self.counts_by_rule(suppressed=True),
            "counts_by_file": dict(sorted(by_file.items(), key=lambda kv: (-kv[1], kv[0]))),
            "tests_analyzed": len(self.tests),
            "files_analyzed": self.files_analyzed,
            "source_files_analyzed": self.source_files_analyzed,
            "parse_errors": [e.to_dict() for e in self.parse_errors],
            "tests": [t.to_dict() for t in self.tests],
            "totals": self.totals(),
            "modules": {m: list(files) for m, files in sorted(self.modules.items())},
            "modules_without_direct_test": untested,
            "modules_without_direct_test_count": len(untested),
            "rule_ids": list(self.rule_ids),
            "runtime_used": self.runtime_used,
            "runtime_note": self.runtime_note,
            "max_patches": self.max_patches,
            "boundaries": list(self.boundaries),
            "cache_hits": self.cache_hits,
            "inferred_boundaries": dict(self.inferred_boundaries),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> MocksResult:
        return cls(
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            tests=[TestMetrics.from_dict(t) for t in data.get("tests", [])],
            files_analyzed=int(data.get("files_analyzed", 0)),
            source_files_analyzed=int(data.get("source_files_analyzed", 0)),
            parse_errors=[ParseError(**e) for e in data.get("parse_errors", [])],
            modules={m: list(f) for m, f in data.get("modules", {}).items()},
            rule_ids=list(data.get("rule_ids", [])),
            runtime_used=bool(data.get("runtime_used", False)),
            runtime_note=data.get("runtime_note", ""),
            max_patches=int(data.get("max_patches", 4)),
            boundaries=list(data.get("boundaries", [])),
            cache_hits=int(data.get("cache_hits", 0)),
            inferred_boundaries=dict(data.get("inferred_boundaries", {})),
            notes=list(data.get("notes", [])),
        )

    def headline_metrics(self) -> dict[str, Metric]:
        totals = self.totals()
        values = {
            "mock_findings": float(len(self.active)),
            "tests_with_findings_percent": totals["tests_with_findings_percent"],
            "mock_only_percent": totals["mock_only_percent"],
            "modules_without_direct_test": float(len(self.modules_without_direct_test)),
        }
        return {name: METRICS[name].of(value) for name, value in values.items()}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        spec = METRICS["direct_test_files"]
        return {m: {"direct_test_files": spec.of(len(files))} for m, files in self.modules.items()}

    def report_findings(self) -> list[contract.Finding]:
        """Every finding (suppressed ones marked) in the one shape, with its rule's help."""
        out = []
        for f in self.findings:
            try:
                rule = get_rule(f.rule)
                title, help_text = rule.message, rule.to_text()
            except KeyError:
                title, help_text = "", ""
            out.append(contract.Finding(
                analysis=self.name, rule=f.rule, severity=f.severity, path=f.path,
                line=f.line, column=max(1, f.column), message=f.message,
                fingerprint=f.fingerprint or contract.fingerprint(f.rule, f.path, f.test, f.code),
                title=title, help=help_text, test=f.test, code=f.code,
                suppressed=f.suppressed, suppression_reason=f.suppression_reason,
            ))
        return out

    def finding_counts(self) -> dict[str, int]:
        return {rule: count for rule, count in self.counts_by_rule().items() if count}


METRICS: dict[str, MetricSpec] = {
    "mock_findings": MetricSpec(COUNT, LOWER, "mock and test-smell findings"),
    "tests_with_findings_percent": MetricSpec(PERCENT, LOWER, "tests with findings"),
    "mock_only_percent": MetricSpec(PERCENT, LOWER, "tests that assert only on mocks"),
    "modules_without_direct_test": MetricSpec(COUNT, LOWER, "modules without a direct test"),
    "direct_test_files": MetricSpec(COUNT, HIGHER, "test files importing the module"),
}
"""Every metric the mocks analysis reports, declared once."""
