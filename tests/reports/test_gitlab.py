"""gl-code-quality-report.json: the findings as GitLab Code Quality issues.

Hand-built findings check the mapping; one real audit checks that the
file is written and names the finding a reader of the test can see by eye
(a test function without any assertion, on line 4 of its file), and that
the same audit's junit.xml is valid against Jenkins' junit-10.xsd.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xmlschema

from auditor.findings import Finding, fingerprint
from auditor.model import AuditResult
from auditor.reports import gitlab
from auditor.reports.sources import SourceReader
from tests.reports.found import FoundResult
from tests.support.projects import make_calc_project, run_audit

JUNIT_XSD = Path(__file__).parent / "data" / "junit-10.xsd"
KEYS = {"description", "check_name", "fingerprint", "severity", "location"}


def _finding(rule: str, severity: str, line: int, path: str = "src/a.py",
             suppressed: bool = False, print_: str = "") -> Finding:
    return Finding(analysis="found", rule=rule, severity=severity, path=path, line=line,
                   message=f"{rule} here", title="", suppressed=suppressed,
                   fingerprint=print_ or fingerprint(rule, path, line))


def _issues(findings: list[Finding]) -> list[dict[str, object]]:
    result = AuditResult(project="p", root="/r", commit=None, branch=None, created="now",
                         duration_seconds=0.0, config_fingerprint="",
                         analyses={"found": FoundResult(findings)})
    data: list[dict[str, object]] = json.loads(gitlab.render(result, SourceReader(Path())))
    return data


def test_every_active_finding_with_a_file_is_an_issue() -> None:
    issues = _issues([
        _finding("bad", "error", 3),
        _finding("meh", "warning", 0),  # a whole-module finding: line 1
        _finding("fyi", "note", 9),
        _finding("quiet", "error", 5, suppressed=True),
        _finding("nowhere", "error", 5, path=""),
    ])
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("found/bad", "major", {"path": "src/a.py", "lines": {"begin": 3}}),
        ("found/meh", "minor", {"path": "src/a.py", "lines": {"begin": 1}}),
        ("found/fyi", "info", {"path": "src/a.py", "lines": {"begin": 9}}),
    ]
    assert all(set(i) == KEYS for i in issues)


def test_fingerprints_are_unique_even_for_equal_findings() -> None:
    same = "0123456789abcdef"
    issues = _issues([_finding("dup", "warning", 3, print_=same),
                      _finding("dup", "warning", 7, print_=same)])
    prints = [i["fingerprint"] for i in issues]
    assert prints[0] == same and len(set(prints)) == 2


def test_no_findings_is_an_empty_list() -> None:
    assert _issues([]) == []


SMELLY_TEST = """
    from calc.ops import add


    def test_add_runs():
        add(1, 2)
"""


@pytest.mark.slow
def test_a_real_audit_writes_the_issue_and_valid_junit(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, **{"tests/test_smelly.py": SMELLY_TEST})
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('analyses = ["coverage"]',
                                                      'analyses = ["coverage", "mocks"]'))
    run = run_audit("report", root)
    assert run.exit_code in (0, 1), run.stderr
    issues = json.loads((root / "audit-report" / "gl-code-quality-report.json").read_text())
    assert {
        "check_name": "mocks/test-no-assert", "severity": "major",
        "location": {"path": "tests/test_smelly.py", "lines": {"begin": 4}},
    }.items() <= next(i for i in issues if i["check_name"] == "mocks/test-no-assert").items()
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    junit = (root / "audit-report" / "junit.xml").read_text()
    assert [str(e.reason) for e in schema.iter_errors(junit)] == []
