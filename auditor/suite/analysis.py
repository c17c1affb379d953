"""The suite analysis: the one test run's total time and slowest tests, in the gate.

It runs nothing of its own: it reads ``ctx.test_run`` (the single run every
audit makes when an analysis needs it, :mod:`auditor.testrun`), so selecting
it costs no second run of the suite. The total is the core metric
``tests.suite_seconds`` (recorded in the history with every run, as is each
test's duration); this analysis adds the slowest tests to every report and
the gate keys ``suite_seconds`` and ``slowest_test_seconds`` (both maxima,
only when set).
"""

from __future__ import annotations

from typing import Any, ClassVar

import click

from auditor.analysis import GateRule
from auditor.context import AuditContext
from auditor.errors import IncompleteAuditError
from auditor.metrics import MetricSpec
from auditor.model import JSONDict
from auditor.suite.result import METRICS, SuiteResult, TestTime

DEFAULT_TOP = 10
DEFAULT_SLOW_TEST_SECONDS = 1.0
_SECONDS: JSONDict = {"type": "number", "minimum": 0}


class SuiteAnalysis:
    """Reads the test run's durations."""

    name: ClassVar[str] = "suite"
    command: ClassVar[str] = "suite"
    title: ClassVar[str] = "Suite speed"
    help: ClassVar[str] = "Time the test suite once and list its slowest tests."
    needs_test_run: ClassVar[bool] = True
    needs_coverage: ClassVar[bool] = False
    stage_lock: ClassVar[str] = ""
    result_type: ClassVar[type[SuiteResult]] = SuiteResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    config_schema: ClassVar[JSONDict] = {
        "top": {"type": "integer", "minimum": 1},
        "slow_test_seconds": {"type": "number", "exclusiveMinimum": 0},
    }
    gate_schema: ClassVar[dict[str, JSONDict]] = {
        "suite_seconds": _SECONDS,
        "slowest_test_seconds": _SECONDS,
    }

    def run(self, ctx: AuditContext) -> SuiteResult:
        if ctx.test_run is None:  # the runner always runs the suite for this analysis
            raise IncompleteAuditError("suite: the test suite did not run")
        settings = ctx.config.section("suite")
        top = int(settings.get("top", DEFAULT_TOP))
        slow = float(settings.get("slow_test_seconds", DEFAULT_SLOW_TEST_SECONDS))
        times = sorted(
            (TestTime(t.nodeid, t.duration_seconds, t.outcome) for t in ctx.test_run.tests),
            key=lambda t: (-t.seconds, t.nodeid),
        )
        files: dict[str, float] = {}
        for t in times:
            files[t.path] = files.get(t.path, 0.0) + t.seconds
        return SuiteResult(
            suite_seconds=ctx.test_run.duration_seconds,
            test_count=len(times),
            slowest=times[:top],
            slow_tests=[t for t in times if t.seconds >= slow],
            slow_test_seconds=slow,
            files={path: round(seconds, 6) for path, seconds in files.items()},
        )

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        wanted = [
            ("suite_seconds", "test suite duration in seconds, at most", ("suite_seconds",)),
            ("slowest_test_seconds", "slowest test's duration in seconds, at most",
             ("slowest_test_seconds",)),
        ]  # fmt: skip
        return [GateRule(key, self.name, description, path, "<=", gate[key], percent=False)
                for key, description, path in wanted if key in gate]  # fmt: skip

    def cli_options(self) -> list[click.Option]:
        return []
