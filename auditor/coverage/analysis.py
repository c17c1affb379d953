"""The coverage analysis: line, branch, per-module and changed-lines coverage."""

from __future__ import annotations

from typing import Any, ClassVar

import click

from auditor.analysis import GateRule
from auditor.config import COUNT, PERCENT
from auditor.context import AuditContext
from auditor.coverage.diff import changed_lines_since, diff_coverage
from auditor.coverage.reader import export_json, read_coverage_json
from auditor.coverage.result import METRICS, CoverageResult
from auditor.coverage.unparsable import count_unparsable
from auditor.errors import IncompleteAuditError
from auditor.globs import matching, nothing_matched
from auditor.metrics import MetricSpec
from auditor.model import JSONDict
from auditor.project import resolve_ref, tool_environment

DEFAULT_MIN_CHANGED_STATEMENTS = 5


class CoverageAnalysis:
    """Runs nothing itself: it reads the coverage data of the single test run."""

    name: ClassVar[str] = "coverage"
    command: ClassVar[str] = "coverage"
    title: ClassVar[str] = "Coverage"
    help: ClassVar[str] = "Line, branch, per-module and changed-lines coverage."
    needs_test_run: ClassVar[bool] = True
    needs_coverage: ClassVar[bool] = True
    needs_coverage_json: ClassVar[bool] = True
    """The test run's interpreter exports coverage.py's JSON after the suite (see reader)."""
    stage_lock: ClassVar[str] = ""
    result_type: ClassVar[type[CoverageResult]] = CoverageResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    config_schema: ClassVar[JSONDict] = {}
    gate_schema: ClassVar[dict[str, JSONDict]] = {
        "line": PERCENT,
        "branch": PERCENT,
        "modules": {"type": "object", "additionalProperties": PERCENT},
        "changed_lines": PERCENT,
        "changed_lines_min_statements": COUNT,
        "unparsable_files": COUNT,
    }

    def run(self, ctx: AuditContext) -> CoverageResult:
        if ctx.coverage_data is None or not ctx.coverage_data.exists():
            raise IncompleteAuditError(
                "the test run wrote no coverage data (no code of the configured packages ran?)"
            )
        env = tool_environment(ctx.python)
        export = export_json(ctx.python, ctx.root, env, ctx.coverage_data)
        result = read_coverage_json(export.json_file)
        count_unparsable(result, ctx, env, export)
        result.module_thresholds = dict(ctx.config.gate.get("modules", {}))
        if ctx.config.base:
            base_commit = resolve_ref(ctx.root, ctx.config.base)
            minimum = int(
                ctx.config.gate.get("changed_lines_min_statements", DEFAULT_MIN_CHANGED_STATEMENTS)
            )
            result.diff = diff_coverage(
                result,
                changed_lines_since(ctx.root, base_commit),
                base=ctx.config.base,
                base_commit=base_commit,
                min_statements=minimum,
            )
        return result

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        # Gated even when not configured: a source file that is not valid
        # Python is broken code, whatever the coverage thresholds say.
        rules = [
            GateRule("unparsable_files", self.name, "source files that are not valid Python",
                     ("unparsable_count",), "<=", gate.get("unparsable_files", 0),
                     percent=False),
        ]
        if "line" in gate:
            rules.append(
                GateRule("line", self.name, "total line coverage", ("line_percent",),
                         ">=", gate["line"])
            )
        if "branch" in gate:
            rules.append(
                GateRule("branch", self.name, "total branch coverage", ("branch_percent",),
                         ">=", gate["branch"])
            )
        for pattern, threshold in gate.get("modules", {}).items():
            matched = matching(pattern, result["modules"])
            if not matched:
                rules.append(
                    GateRule(f"modules[{pattern}]", self.name,
                             f"line coverage of modules matching {pattern}",
                             ("no-such-module",), ">=", threshold,
                             skip_reason=nothing_matched(pattern))
                )
            for path in matched:
                rules.append(
                    GateRule(f"modules[{pattern}]:{path}", self.name,
                             f"line coverage of {path}",
                             ("modules", path, "line_percent"), ">=", threshold)
                )
        if "changed_lines" in gate:
            rules.append(
                GateRule("changed_lines", self.name, "coverage of changed lines",
                         ("diff", "gated_percent"), ">=", gate["changed_lines"],
                         skip_reason_path=("diff", "skipped_reason"),
                         skip_reason="no --base given: changed lines not measured")
            )
        return rules

    def cli_options(self) -> list[click.Option]:
        return []

