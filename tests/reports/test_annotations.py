"""GitHub workflow-command annotations: generic over the findings contract."""

from __future__ import annotations

from pathlib import Path

from auditor.mocks.result import Finding, MocksResult
from auditor.mocks.rules import RULES, rule_ids
from auditor.model import AuditResult
from auditor.reports.annotations import annotation, github_annotations


def _result(findings: list[Finding]) -> AuditResult:
    return AuditResult(project="p", root="/r", commit=None, branch=None, created="now",
                       duration_seconds=0.0, config_fingerprint="",
                       analyses={"mocks": MocksResult(findings=findings, rule_ids=rule_ids())})


def _finding(rule: str, line: int, suppressed: bool = False, message: str = "m") -> Finding:
    return Finding(rule=rule, path="tests/test_x.py", line=line, column=5,
                   test="tests/test_x.py::test", message=message,
                   severity=RULES[rule].severity, suppressed=suppressed)


def test_annotation_escapes_workflow_command_syntax() -> None:
    result = _result([_finding("mock-echo", 3, message="100% sure\nreally")])
    line = annotation(result.report_findings()[0])
    assert line == ("::warning file=tests/test_x.py,line=3,col=5,title=mock-echo::"
                    "100%25 sure%0Areally")


def test_ranked_capped_and_without_suppressed(tmp_path: Path) -> None:
    findings = [_finding("test-sleep", i) for i in range(1, 40)]
    findings += [_finding("test-no-assert", 100 + i) for i in range(30)]
    findings.append(_finding("mock-unresolved", 500, suppressed=True))
    lines = github_annotations(_result(findings), limit=50)
    assert len(lines) == 51
    assert all(line.startswith("::error ") for line in lines[:30])
    assert all(line.startswith("::notice ") for line in lines[30:50])
    assert lines[-1] == ("::notice::test-auditor: 19 more findings are in "
                         "report.sarif and the HTML report")
    assert not any("line=500" in line for line in lines)


def test_no_analysis_no_annotations() -> None:
    result = AuditResult(project="p", root="/r", commit=None, branch=None, created="now",
                         duration_seconds=0.0, config_fingerprint="")
    assert github_annotations(result) == []
