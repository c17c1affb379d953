"""GitHub workflow-command annotations: generic over the findings contract.

The findings here are built by hand in the contract's shape (any analysis
could hand them out), so the expected selection is countable by hand.
"""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding, fingerprint
from auditor.model import AuditResult, GateResult, RuleResult
from auditor.reports.annotations import (
    PER_SEVERITY,
    annotation,
    append_step_summary,
    github_annotations,
)
from tests.reports.found import FoundResult


def _finding(rule: str, severity: str, line: int, analysis: str = "found",
             suppressed: bool = False, message: str = "m", title: str = "") -> Finding:
    return Finding(analysis=analysis, rule=rule, severity=severity, path="tests/test_x.py",
                   line=line, column=5, message=message, title=title,
                   fingerprint=fingerprint(rule, line), suppressed=suppressed)


def _result(findings: list[Finding], gate: GateResult | None = None) -> AuditResult:
    return AuditResult(project="p", root="/r", commit=None, branch=None, created="now",
                       duration_seconds=0.0, config_fingerprint="",
                       gate=gate or GateResult(rules=[]),
                       analyses={"found": FoundResult(findings)})


def test_annotation_escapes_workflow_command_syntax() -> None:
    line = annotation(_finding("mock-echo", "warning", 3, message="100% sure\nreally",
                               title="a: b, c"))
    assert line == ("::warning file=tests/test_x.py,line=3,col=5,"
                    "title=a%3A b%2C c (mock-echo)::100%25 sure%0Areally")


def test_every_kind_is_shown_before_any_kind_twice() -> None:
    # 39 findings of one error kind ranked ahead of 1 finding of another:
    # a plain top 10 would show only the first kind.
    findings = [_finding("many", "error", i) for i in range(1, 40)]
    findings.append(_finding("rare", "error", 900))
    lines = github_annotations(_result(findings))
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == PER_SEVERITY
    assert sum("title=rare" in line for line in errors) == 1
    # the 9 of 'many' are its first 9 by rank (lines 1..9)
    assert [line for line in errors if "title=many" in line] == [
        annotation(f) for f in findings[:9]
    ]


def test_capped_per_level_without_suppressed_and_the_rest_counted() -> None:
    findings = [_finding("test-sleep", "note", i) for i in range(1, 40)]
    findings += [_finding("test-no-assert", "error", 100 + i) for i in range(30)]
    findings += [_finding("mock-echo", "warning", 300 + i) for i in range(3)]
    findings.append(_finding("mock-unresolved", "error", 500, suppressed=True))
    lines = github_annotations(_result(findings))
    # 10 errors, the 3 warnings, 10 notices, and the count of the 59 left out
    assert [line.split(" ")[0] for line in lines] == (
        ["::error"] * 10 + ["::warning"] * 3 + ["::notice"] * 10 + ["::notice::test-auditor:"]
    )
    assert lines[-1] == ("::notice::test-auditor: 49 more findings are in "
                         "report.sarif and the HTML report")
    assert not any("line=500" in line for line in lines)


def test_failed_gate_rules_are_errors_ahead_of_the_findings() -> None:
    gate = GateResult(rules=[
        RuleResult(id="coverage.line", description="line coverage", analysis="coverage",
                   comparison=">=", threshold=80.0, measured=66.66, status="failed"),
        RuleResult(id="coverage.branch", description="branch coverage", analysis="coverage",
                   comparison=">=", threshold=50.0, measured=75.0, status="passed"),
    ])
    findings = [_finding("test-no-assert", "error", i) for i in range(1, 20)]
    lines = github_annotations(_result(findings, gate))
    assert lines[0].startswith("::error title=gate rule coverage.line failed::")
    assert "66.66%" in lines[0] and "80" in lines[0]
    assert not any("coverage.branch" in line for line in lines)
    # the gate's error takes one of the 10 error places
    assert sum(line.startswith("::error ") for line in lines) == PER_SEVERITY


def test_no_analysis_no_annotations() -> None:
    result = AuditResult(project="p", root="/r", commit=None, branch=None, created="now",
                         duration_seconds=0.0, config_fingerprint="")
    assert github_annotations(result) == []


def test_step_summary_is_appended_and_keeps_what_was_there(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.md").write_text("# audit\n\nGate passed\n", encoding="utf-8")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    assert append_step_summary(tmp_path / "out", {"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text(encoding="utf-8") == "earlier step\n# audit\n\nGate passed\n"
    # not on GitHub: nothing written anywhere
    assert not append_step_summary(tmp_path / "out", {})


def test_an_unwritable_step_summary_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.md").write_text("x\n", encoding="utf-8")
    missing_dir = tmp_path / "no-such-dir" / "summary.md"
    assert not append_step_summary(tmp_path / "out", {"GITHUB_STEP_SUMMARY": str(missing_dir)})
