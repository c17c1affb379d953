"""The mocks analysis (``audit mocks``): mock scope and test smells."""

from __future__ import annotations

from typing import Any, ClassVar

import click

from auditor.analysis import GateRule
from auditor.config import COUNT, PERCENT, STRINGS
from auditor.context import AuditContext
from auditor.metrics import MetricSpec
from auditor.mocks.engine import analyse_project, prepare_cache
from auditor.mocks.evaluate import Settings
from auditor.mocks.lookup import importing_look_up
from auditor.mocks.result import METRICS, MocksResult
from auditor.mocks.rules import opt_in_ids, rule_ids
from auditor.model import JSONDict

DEFAULT_MAX_PATCHES = 4


class MocksAnalysis:
    """Static analysis of the test code, refined by the test run's assertion counts."""

    name: ClassVar[str] = "mocks"
    command: ClassVar[str] = "mocks"
    title: ClassVar[str] = "Mocks and test smells"
    help: ClassVar[str] = (
        "Mocks of the code under audit, unspec'd mocks, mock-only and assertion-free tests, "
        "tautologies, sleeps and broad excepts."
    )
    needs_test_run: ClassVar[bool] = True
    needs_coverage: ClassVar[bool] = False
    # the parse of the test code needs nothing from the suite: prepare() runs beside it
    beside_suite: ClassVar[str] = "prepare"
    stage_lock: ClassVar[str] = ""
    result_type: ClassVar[type[MocksResult]] = MocksResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    config_schema: ClassVar[JSONDict] = {
        "boundaries": STRINGS,
        "internal": STRINGS,
        "max_patches": {"type": "integer", "minimum": 1},
        "disable": {"type": "array", "items": {"enum": rule_ids()}, "uniqueItems": True},
        "enable": {"type": "array", "items": {"enum": opt_in_ids()}, "uniqueItems": True},
        "exclude": STRINGS,
        "workers": {"type": "integer", "minimum": 1},
        "cache": {"type": "boolean"},
    }
    gate_schema: ClassVar[dict[str, JSONDict]] = {
        "mock_findings": COUNT,
        "mock_findings_by_rule": {
            "type": "object",
            "propertyNames": {"enum": rule_ids()},
            "additionalProperties": COUNT,
        },
        "mock_only_share": PERCENT,
        "untested_modules": COUNT,
    }

    def prepare(self, ctx: AuditContext) -> None:
        """Parse the test files found without the run into the parse cache (beside the suite).

        The files only pytest's collection names (a ``tests.py``) are parsed by
        ``run``; without the cache there is nothing to prepare.
        """
        section = ctx.config.section(self.name)
        if self._uses_cache(ctx):
            prepare_cache(ctx.root, ctx.packages, ctx.test_paths, ctx.state_dir,
                          workers=section.get("workers") or ctx.cores,
                          exclude=list(section.get("exclude", [])))

    def _uses_cache(self, ctx: AuditContext) -> bool:
        return (bool(ctx.config.section(self.name).get("cache", True))
                and not ctx.options.get("no_mocks_cache"))

    def run(self, ctx: AuditContext) -> MocksResult:
        section = ctx.config.section(self.name)
        settings = Settings(
            packages=[p.name for p in ctx.packages],
            boundaries=list(section.get("boundaries", [])),
            max_patches=int(section.get("max_patches", DEFAULT_MAX_PATCHES)),
            disabled=list(section.get("disable", [])),
            internal=list(section.get("internal", [])),
            enabled=list(section.get("enable", [])),
        )
        with ctx.progress.task("mocks: parsing test code", total=None) as task:
            result = analyse_project(
                ctx.root,
                ctx.packages,
                ctx.test_paths,
                settings,
                state_dir=ctx.state_dir if self._uses_cache(ctx) else None,
                test_run=ctx.test_run,
                workers=section.get("workers") or ctx.cores,
                exclude=list(section.get("exclude", [])),
                on_progress=lambda done, total: task.update(completed=done, total=total),
                look_up=importing_look_up(ctx.python, ctx.root, ctx.packages),
            )
        ctx.progress.step(
            f"mocks: {len(result.tests)} tests in {result.files_analyzed} files, "
            f"{len(result.active)} findings ({result.cache_hits} files from cache)"
        )
        for note in result.notes:
            ctx.progress.step(f"mocks: note: {note}")
        return result

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        rules: list[GateRule] = []
        if "mock_findings" in gate:
            rules.append(GateRule("mock_findings", self.name, "mock and test-smell findings",
                                  ("finding_count",), "<=", gate["mock_findings"],
                                  percent=False))
        for rule_id, limit in sorted(gate.get("mock_findings_by_rule", {}).items()):
            rules.append(GateRule(f"mock_findings_by_rule[{rule_id}]", self.name,
                                  f"{rule_id} findings", ("counts_by_rule", rule_id), "<=",
                                  limit, percent=False))
        if "mock_only_share" in gate:
            rules.append(GateRule("mock_only_share", self.name,
                                  "share of tests whose only assertions are on mocks",
                                  ("totals", "mock_only_percent"), "<=",
                                  gate["mock_only_share"]))
        if "untested_modules" in gate:
            rules.append(GateRule("untested_modules", self.name,
                                  "modules that no test module imports directly",
                                  ("modules_without_direct_test_count",), "<=",
                                  gate["untested_modules"], percent=False))
        return rules

    def cli_options(self) -> list[click.Option]:
        return [
            click.Option(["--no-mocks-cache", "no_mocks_cache"], is_flag=True, default=False,
                         help="Parse every test file again instead of using .audit/ cache."),
        ]
