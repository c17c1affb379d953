"""Suite-speed results: the total time of the one test run and its slowest tests.

``suite_seconds`` is the wall time of the run (pytest under our plugin, and
coverage when it runs); a test's ``seconds`` is its setup, call and teardown
together, as our pytest plugin records them (pytest's own junit ``time``
measures the same three phases). ``slow_tests`` are the tests at or above
``slow_test_seconds``; ``slowest`` the ``top`` slowest whatever their time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

from auditor.findings import Finding, fingerprint
from auditor.metrics import COUNT, LOWER, SECONDS, Metric, MetricSpec
from auditor.model import JSONDict

METRICS: dict[str, MetricSpec] = {
    "slowest_test_seconds": MetricSpec(SECONDS, LOWER, "slowest test"),
    "slow_tests": MetricSpec(COUNT, LOWER, "slow tests"),
}
"""The suite analysis's metrics (the suite's total is the core's ``tests.suite_seconds``)."""

_TITLE = "test is slow"
_HELP = (
    "This test alone takes longer than [tool.audit.suite] slow_test_seconds. A slow unit "
    "suite is run less often; move the slow part behind a fixture of a wider scope, or mark "
    "the test and run it in its own job."
)


@dataclass(frozen=True)
class TestTime:
    """One test's time in the run."""

    __test__ = False  # not a pytest test class

    nodeid: str
    seconds: float
    outcome: str

    @property
    def path(self) -> str:
        return self.nodeid.split("::", 1)[0]


@dataclass
class SuiteResult:
    """The one test run's speed."""

    name: ClassVar[str] = "suite"

    suite_seconds: float = 0.0
    test_count: int = 0
    slowest: list[TestTime] = field(default_factory=list)
    slow_tests: list[TestTime] = field(default_factory=list)
    slow_test_seconds: float = 1.0
    files: dict[str, float] = field(default_factory=dict)  # test file -> seconds of its tests

    @property
    def slowest_test_seconds(self) -> float:
        return self.slowest[0].seconds if self.slowest else 0.0

    def to_dict(self) -> JSONDict:
        return {
            "suite_seconds": self.suite_seconds,
            "test_count": self.test_count,
            "slowest_test_seconds": self.slowest_test_seconds,
            "slowest": [asdict(t) for t in self.slowest],
            "slow_test_seconds": self.slow_test_seconds,
            "slow_test_count": len(self.slow_tests),
            "slow_tests": [asdict(t) for t in self.slow_tests],
            "files": dict(sorted(self.files.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> SuiteResult:
        def times(key: str) -> list[TestTime]:
            return [TestTime(str(t["nodeid"]), float(t["seconds"]), str(t["outcome"]))
                    for t in data.get(key, [])]  # fmt: skip

        return cls(
            suite_seconds=float(data["suite_seconds"]),
            test_count=int(data.get("test_count", 0)),
            slowest=times("slowest"),
            slow_tests=times("slow_tests"),
            slow_test_seconds=float(data.get("slow_test_seconds", 1.0)),
            files={str(k): float(v) for k, v in data.get("files", {}).items()},
        )

    def headline_metrics(self) -> dict[str, Metric]:
        return {
            "slowest_test_seconds": METRICS["slowest_test_seconds"].of(self.slowest_test_seconds),
            "slow_tests": METRICS["slow_tests"].of(len(self.slow_tests)),
        }

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        # Per test file, not per module of the code under audit: nothing to
        # join with coverage or mutation, so it stays in this section only.
        return {}

    def finding_counts(self) -> dict[str, int]:
        return {"slow-test": len(self.slow_tests)} if self.slow_tests else {}

    def report_findings(self) -> list[Finding]:
        return [
            Finding(
                analysis="suite", rule="slow-test", severity="note", path=t.path, line=0,
                message=f"{t.nodeid} takes {t.seconds:.2f} s "
                        f"(slow_test_seconds = {self.slow_test_seconds:g})",
                fingerprint=fingerprint("slow-test", t.nodeid), title=_TITLE, help=_HELP,
                test=t.nodeid,
            )
            for t in self.slow_tests
        ]
