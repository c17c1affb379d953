"""GitHub Actions annotations (``::warning file=...,line=...::message``) of every finding.

Generic over the findings contract: whichever analysis found it. GitHub
shows at most 10 warning and 10 error annotations per step, and 50 per run,
so the findings are ranked (fix first; suppressed ones never, nor findings
without a file) and capped; the last line says how many were left out.
"""

from __future__ import annotations

from auditor.findings import Finding
from auditor.model import AuditResult

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One workflow command line for a finding."""
    command = _COMMANDS.get(finding.severity, "warning")
    properties = [f"file={_escape_property(finding.path)}"]
    if finding.line:
        properties.append(f"line={finding.line}")
        if finding.end_line and finding.end_line > finding.line:
            properties.append(f"endLine={finding.end_line}")
        properties.append(f"col={finding.column}")
    properties.append(f"title={_escape_property(finding.rule)}")
    return f"::{command} {','.join(properties)}::{_escape_data(finding.message)}"


def github_annotations(report: AuditResult, limit: int = 50) -> list[str]:
    """Annotation lines for the active findings with a file, fix first, at most ``limit``."""
    active = [f for f in report.report_findings() if not f.suppressed and f.path]
    lines = [annotation(f) for f in active[: max(0, limit)]]
    omitted = len(active) - len(lines)
    if omitted > 0:
        lines.append(f"::notice::test-auditor: {omitted} more findings "
                     "are in report.sarif and the HTML report")
    return lines
