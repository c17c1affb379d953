"""Dependencies results: each test's level, the pyramid against its target, the mock fantasy.

``tests``: each test with its level (unit, integration, e2e), the reason,
the kinds of real resources it used and the targets of the patches active
while it ran. ``dependency_uses``: each module's production dependencies
with what their covering tests did (``real``, ``patched``: the mock fantasy,
``not-met``, ``not-covered``). The gate key ``modules_never_tested_for_real``
counts the modules with at least one ``patched`` dependency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

from auditor.dependencies.classify import DEFAULT_TARGET, LEVELS, off_target_points, percentages
from auditor.dependencies.fantasy import PATCHED, DependencyUse
from auditor.findings import Finding, fingerprint
from auditor.metrics import COUNT, HIGHER, LOWER, PERCENT, Metric, MetricSpec
from auditor.model import JSONDict

RULE = "never-tested-for-real"
METRICS: dict[str, MetricSpec] = {
    "integration_tests": MetricSpec(COUNT, HIGHER, "integration tests (a real dependency)"),
    "e2e_tests": MetricSpec(COUNT, HIGHER, "end-to-end tests"),
    "pyramid_off_target": MetricSpec(PERCENT, LOWER, "test pyramid: points off its target"),
    "modules_never_tested_for_real": MetricSpec(
        COUNT, LOWER, "modules whose dependencies no test let them meet",
        alarm="{value} modules talk to a dependency that every covering test had patched."),
}
_TITLE = "no test lets this module meet its dependency for real"
_HELP = (
    "This module uses a real dependency in production (a database driver, an HTTP client, "
    "subprocess, the kubernetes client), and every test that ran the lines using it had the "
    "dependency patched: the code was only ever checked against what the mocks were told to "
    "do. Add an integration test that runs it against the real thing (a SQLite file in "
    "tmp_path, a local server, a real subprocess)."
)


@dataclass(frozen=True)
class TestLevel:
    nodeid: str
    level: str
    reason: str
    uses: list[str] = field(default_factory=list)
    patches: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.nodeid.split("::", 1)[0]


def _counts(levels: list[str]) -> dict[str, int]:
    return {level: levels.count(level) for level in LEVELS}


@dataclass
class DependenciesResult:
    name: ClassVar[str] = "dependencies"

    tests: list[TestLevel] = field(default_factory=list)
    target: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGET))
    dependency_uses: list[DependencyUse] = field(default_factory=list)
    module_levels: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per source file: the levels of the tests that covered it (from coverage contexts)."""
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return _counts([t.level for t in self.tests])

    @property
    def never_real(self) -> list[DependencyUse]:
        return [u for u in self.dependency_uses if u.status == PATCHED]

    def never_real_modules(self) -> list[str]:
        return sorted({u.path for u in self.never_real})

    def test_files(self) -> dict[str, dict[str, int]]:
        files: dict[str, list[str]] = {}
        for t in self.tests:
            files.setdefault(t.path, []).append(t.level)
        return {path: _counts(levels) for path, levels in sorted(files.items())}

    def resources(self) -> dict[str, int]:
        """How many tests used each kind of real resource, and how many ran with patches."""
        kinds: dict[str, int] = {}
        for t in self.tests:
            for kind in t.uses:
                kinds[kind] = kinds.get(kind, 0) + 1
        kinds["patched"] = sum(1 for t in self.tests if t.patches)
        return dict(sorted(kinds.items()))

    def to_dict(self) -> JSONDict:
        counts = self.counts
        return {
            "test_count": len(self.tests),
            "counts": counts,
            "percent": percentages(counts),
            "target": dict(self.target),
            "off_target_points": off_target_points(counts, self.target),
            "resources": self.resources(),
            "never_tested_for_real_count": len(self.never_real_modules()),
            "never_tested_for_real": [u.to_dict() for u in self.never_real],
            "dependency_uses": [u.to_dict() for u in self.dependency_uses],
            "test_files": self.test_files(),
            "modules": {path: dict(levels) for path, levels in sorted(self.module_levels.items())},
            "tests": [asdict(t) for t in self.tests],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> DependenciesResult:
        return cls(
            tests=[TestLevel(str(t["nodeid"]), str(t["level"]), str(t.get("reason", "")),
                             [str(u) for u in t.get("uses", [])],
                             [str(p) for p in t.get("patches", [])])
                   for t in data.get("tests", [])],
            target={str(k): float(v) for k, v in data.get("target", DEFAULT_TARGET).items()},
            dependency_uses=[DependencyUse.from_dict(u) for u in data.get("dependency_uses", [])],
            module_levels={str(p): {str(k): int(v) for k, v in levels.items()}
                           for p, levels in data.get("modules", {}).items()},
            notes=[str(n) for n in data.get("notes", [])],
        )  # fmt: skip

    def headline_metrics(self) -> dict[str, Metric]:
        counts = self.counts
        # No unit-test count: a mocked test made to meet the real thing would
        # read as a worse one. More tests that meet real dependencies is better.
        values: dict[str, float] = {
            "integration_tests": counts["integration"],
            "e2e_tests": counts["e2e"],
            "modules_never_tested_for_real": len(self.never_real_modules()),
        }
        off = off_target_points(counts, self.target)
        if off is not None:
            values["pyramid_off_target"] = off
        return {name: METRICS[name].of(value) for name, value in values.items()}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        spec = METRICS["modules_never_tested_for_real"]
        paths = sorted({u.path for u in self.dependency_uses})
        never = set(self.never_real_modules())
        return {p: {"modules_never_tested_for_real": spec.of(1 if p in never else 0)}
                for p in paths}  # fmt: skip

    def finding_counts(self) -> dict[str, int]:
        return {RULE: len(self.never_real)} if self.never_real else {}

    def report_findings(self) -> list[Finding]:
        findings = []
        for u in self.never_real:
            targets = ", ".join(u.patch_targets[:3]) + (
                " ..." if len(u.patch_targets) > 3 else "")
            findings.append(Finding(
                analysis="dependencies", rule=RULE, severity="warning",
                path=u.path, line=u.import_line,
                message=(f"{u.module} uses {u.dependency} ({u.kind}); its "
                         f"{u.covering_tests} covering test(s) never let it meet it for real: "
                         f"{u.patched_tests} had it patched ({targets})"),
                fingerprint=fingerprint(RULE, u.path, u.dependency),
                title=_TITLE, help=_HELP, test=u.example_test,
            ))  # fmt: skip
        return findings
