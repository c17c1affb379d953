"""``gl-code-quality-report.json``: every active finding as a GitLab Code Quality issue.

GitLab reads this file (``artifacts: reports: codequality:``) and shows its
issues in the merge request widget and on the diff. The format is a JSON
list of ``{description, check_name, fingerprint, severity, location: {path,
lines: {begin}}}`` (GitLab's "Code Quality report format"). Generic over the
findings contract, like SARIF and the annotations:

- ``check_name`` is ``<analysis>/<rule>`` (``mocks/test-no-assert``), the
  rule id a suppression names;
- ``fingerprint`` is the finding's content-based fingerprint, so GitLab
  tells new issues from fixed ones across pipelines even when code moves;
  GitLab wants it unique within a report, so a repeated one (the same code
  found twice in one file) gets its ordinal mixed in;
- ``severity``: error -> ``major``, warning -> ``minor``, note -> ``info``
  (GitLab's scale is info, minor, major, critical, blocker; nothing the
  audit finds stops a merge by itself, the gate does that);
- suppressed findings and findings without a file are left out (GitLab
  needs a path); a finding without a line is placed on line 1.

Written by every audit (an empty list says "nothing found"), so a CI job
can always upload it.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.findings import fingerprint
from auditor.model import AuditResult
from auditor.reports.sources import SourceReader

FILENAME = "gl-code-quality-report.json"
SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def issues(result: AuditResult) -> list[dict[str, Any]]:
    """The Code Quality issues of the audit's active findings, fix first."""
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for finding in result.report_findings():
        if finding.suppressed or not finding.path:
            continue
        key = finding.fingerprint or fingerprint(finding.rule, finding.path, finding.message)
        ordinal = seen.get(key, 0)
        seen[key] = ordinal + 1
        if ordinal:
            key = fingerprint(key, ordinal)
        description = finding.message
        if finding.title and finding.title not in description:
            description = f"{finding.title}: {description}"
        out.append({
            "description": description,
            "check_name": f"{finding.analysis}/{finding.rule}",
            "fingerprint": key,
            "severity": SEVERITY.get(finding.severity, "minor"),
            "location": {"path": finding.path, "lines": {"begin": max(1, finding.line)}},
        })
    return out


def render(result: AuditResult, sources: SourceReader) -> str:
    del sources
    return json.dumps(issues(result), indent=2, ensure_ascii=False) + "\n"
