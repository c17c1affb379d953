"""The terminal summary: short, complete, and literal about names."""

from __future__ import annotations

import io

from rich.console import Console

from auditor.model import GateResult, RuleResult
from auditor.reports.terminal import print_summary, shorten
from tests.reports import samples


def summary(**overrides: object) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None, force_terminal=False)
    print_summary(samples.audit_result(**overrides), console)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def test_verdict_then_failed_rules_with_their_step_then_the_rest() -> None:
    lines = summary()
    # The sample gate: "line" (66.66% < 80%) and the import-failure rule failed.
    assert lines[0] == "Gate FAILED (2 failed rules)"
    assert lines[1] == (
        "  FAILED line: line coverage at least 80.00%; measured 66.66%, threshold 80.00%"
    )
    # pkg/a10.py is the least covered module of the sample (3 of 10 lines).
    assert lines[2] == (
        "    do: add tests for the weakest module, at line coverage 30.00% (pkg/a10.py)"
    )
    assert lines[3].startswith(f"  FAILED {samples.HOSTILE_RULE}: import failures at most 0")
    assert lines[4].startswith("    do: fix this first: pkg.broken: ImportError")
    assert lines.index("Fix first (2 findings):") > 4
    text = "\n".join(lines)
    # (a wrapped cell continues on a row whose first cell is empty)
    rule_rows = [line.split()[0] for line in lines if "│" in line and not line.startswith(" ")]
    assert rule_rows == ["line", samples.HOSTILE_RULE, "branch", "changed-lines"]  # failed first
    line_row = next(line for line in lines if line.startswith("line "))
    assert line_row.split() == ["line", "│", "66.66%", "│", ">=", "│", "80.00%", "│", "failed"]
    assert "skipped (only 3 changed statements" in text
    assert "tests: 1 passed, 1 failed, 1 error" in lines
    assert (
        "coverage: line coverage 66.66%, branch coverage 75.00%, changed-lines coverage 66.66%"
        in lines
    )
    assert "imports: modules checked 4, modules that fail to import 1, import cycles 1" in lines
    assert len(lines) <= 30


def test_a_long_message_is_shortened_on_one_line() -> None:
    assert shorten("word " * 100, 20) == "word word word word…"
    assert shorten("two\n  lines") == "two lines"


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
