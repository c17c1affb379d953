"""The dependencies analysis: what each test really touched, the pyramid, the mock fantasy.

It adds nothing to the audit's cost unless selected: then the one test run
loads the plugin's companion ``audit_dependencies.py`` (an audit hook that
records real sockets, subprocesses, databases, HTTP requests and file writes
per test, and the active patches) and makes each test a coverage context, so
the tests that ran a module's database code are known. From that record it
classifies every test (unit, integration, end-to-end), sets the pyramid next
to its target (``[tool.audit.dependencies] target``, 70/20/10 by default)
per test file and per module, and finds the modules whose production
dependencies every covering test had patched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import click

from auditor.analysis import GateRule
from auditor.context import AuditContext
from auditor.dependencies.classify import (
    DEFAULT_MARKERS,
    DEFAULT_TARGET,
    LEVELS,
    classify,
    entry_points,
)
from auditor.dependencies.fantasy import Contexts, judge
from auditor.dependencies.production import production_uses
from auditor.dependencies.records import RECORDS_FILE, read_records
from auditor.dependencies.result import METRICS, DependenciesResult, TestLevel
from auditor.errors import ConfigError
from auditor.imports.discovery import discover_modules
from auditor.metrics import MetricSpec
from auditor.model import JSONDict
from auditor.schema_parts import COUNT, PERCENT, STRINGS

HERE = Path(__file__).resolve().parent
_LEVEL: JSONDict = {"enum": list(LEVELS)}


class DependenciesAnalysis:
    """Reads the plugin's per-test record and the run's coverage contexts."""

    name: ClassVar[str] = "dependencies"
    command: ClassVar[str] = "dependencies"
    title: ClassVar[str] = "Dependencies"
    help: ClassVar[str] = (
        "What each test really touches (unit, integration, end-to-end), the test pyramid, "
        "and modules no test lets meet their real dependency.")
    needs_test_run: ClassVar[bool] = True
    needs_coverage: ClassVar[bool] = True  # the contexts say which tests ran which module
    stage_lock: ClassVar[str] = ""
    result_type: ClassVar[type[DependenciesResult]] = DependenciesResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    template_dir: ClassVar[Path] = HERE / "templates"
    report_schema: ClassVar[Path] = HERE / "dependencies.schema.json"
    config_schema: ClassVar[JSONDict] = {
        "target": {
            "type": "object", "additionalProperties": False,
            "required": list(LEVELS), "properties": {level: PERCENT for level in LEVELS},
        },
        "markers": {
            "type": "object", "additionalProperties": False,
            "properties": {level: STRINGS for level in LEVELS},
        },
        "levels": {"type": "object", "additionalProperties": _LEVEL},
    }  # fmt: skip
    gate_schema: ClassVar[dict[str, JSONDict]] = {
        "modules_never_tested_for_real": COUNT,
        "pyramid_off_target": PERCENT,
    }

    def test_run_environment(self, ctx: AuditContext) -> dict[str, str]:
        """What the plugin needs: where to write, and which folders' writes are ours.

        Called before the test run: a wrong target fails here, not after minutes of tests.
        """
        self._target(ctx)
        ignored = [str(ctx.state_dir)]
        return {
            "AUDIT_DEPENDENCIES_FILE": str(ctx.run_dir / RECORDS_FILE),
            "AUDIT_DEPENDENCIES_IGNORE": os.pathsep.join(ignored),
        }

    def _target(self, ctx: AuditContext) -> dict[str, float]:
        given = ctx.config.section(self.name).get("target")
        if given is None:
            return dict(DEFAULT_TARGET)
        target = {level: float(given[level]) for level in LEVELS}
        if abs(sum(target.values()) - 100) > 1e-9:
            raise ConfigError(
                f"{ctx.config.source}: [tool.audit.dependencies] target: the levels add up "
                f"to {sum(target.values()):g}, not 100")
        return target

    def run(self, ctx: AuditContext) -> DependenciesResult:
        settings = ctx.config.section(self.name)
        target = self._target(ctx)
        markers = {**DEFAULT_MARKERS, **settings.get("markers", {})}
        patterns: dict[str, str] = dict(settings.get("levels", {}))
        records = read_records(ctx.run_dir / RECORDS_FILE)
        entry = entry_points(ctx.root, [p.name for p in ctx.packages])
        levels = {r.nodeid: classify(r, entry, markers, patterns) for r in records}
        tests = [TestLevel(r.nodeid, levels[r.nodeid].level, levels[r.nodeid].reason,
                           sorted({u.kind for u in r.uses}),
                           sorted({p.target for p in r.patches})[:10])
                 for r in records]  # fmt: skip
        by_id = {r.nodeid: r for r in records}
        contexts = Contexts(ctx.coverage_data, set(by_id))
        result = DependenciesResult(tests=tests, target=target)
        if not contexts.available:
            result.notes.append(f"per-module figures left out: {contexts.error}")
            return result
        root = ctx.root.resolve()
        for module in discover_modules(ctx.packages, ctx.test_paths):
            relative = module.path.resolve().relative_to(root).as_posix()
            covering = contexts.tests_of(module.path)
            if covering:
                names = [levels[t].level for t in covering]
                result.module_levels[relative] = {lv: names.count(lv) for lv in LEVELS}
            for use in production_uses(module.path):
                tests_of_use = contexts.tests_of(module.path, use.lines)
                result.dependency_uses.append(
                    judge(relative, module.name, use, tests_of_use, by_id))
        return result

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        rules = []
        if "modules_never_tested_for_real" in gate:
            rules.append(GateRule(
                "modules_never_tested_for_real", self.name,
                "modules whose dependencies every covering test had patched, at most",
                ("never_tested_for_real_count",), "<=", gate["modules_never_tested_for_real"],
                percent=False))  # fmt: skip
        if "pyramid_off_target" in gate:
            rules.append(GateRule(
                "pyramid_off_target", self.name,
                "test pyramid: points off its target, at most",
                ("off_target_points",), "<=", gate["pyramid_off_target"]))  # fmt: skip
        return rules

    def cli_options(self) -> list[click.Option]:
        return []
