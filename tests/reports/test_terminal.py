"""The terminal summary: short, complete, and literal about names."""

from __future__ import annotations

import io

from rich.console import Console

from auditor.model import GateResult, RuleResult
from auditor.reports.terminal import print_summary
from tests.reports import samples


def summary(**overrides: object) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None, force_terminal=False)
    print_summary(samples.audit_result(**overrides), console)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def test_verdict_rules_and_totals_in_a_few_lines() -> None:
    lines = summary()
    assert lines[0] == "Gate FAILED (2 of 4 rules)"
    text = "\n".join(lines)
    line_row = next(line for line in lines if line.startswith("line "))
    assert line_row.split() == ["line", "│", "66.66%", "│", ">=", "│", "80.00%", "│", "failed"]
    assert "skipped (only 3 changed statements" in text
    assert "tests: 1 passed, 1 failed, 1 error" in lines
    assert (
        "coverage: line coverage 66.66%, branch coverage 75.00%, changed-lines coverage 66.66%"
        in lines
    )
    assert "imports: modules checked 4, modules that fail to import 1, import cycles 1" in lines
    assert len(lines) <= 25


def test_rich_markup_in_a_name_prints_literally() -> None:
    gate = GateResult(rules=[RuleResult("[bold]x[/bold]", "", ">=", 1, 2.0, "passed")])
    lines = summary(gate=gate)
    assert lines[0] == "Gate passed"
    assert any(line.startswith("[bold]x[/bold] ") for line in lines)


def test_no_rules_and_disabled_gate() -> None:
    assert summary(gate=GateResult(rules=[]))[0] == "Gate passed (no rules configured)"
    assert summary(gate=GateResult(enabled=False, rules=[]))[0] == (
        "Gate disabled (no rules configured)"
    )
