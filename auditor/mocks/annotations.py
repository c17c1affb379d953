"""GitHub Actions annotations (``::warning file=...,line=...::message``).

GitHub shows at most 10 warning and 10 error annotations per step, and 50
per run, so the findings are ranked (most severe first, suppressed ones never)
and capped; the last line says how many were left out.
"""

from __future__ import annotations

from auditor.mocks.result import Finding, MocksResult
from auditor.mocks.rules import severity_rank
from auditor.model import AuditResult

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One workflow command line for a finding."""
    command = _COMMANDS.get(finding.severity, "warning")
    properties = [
        f"file={_escape_property(finding.path)}",
        f"line={finding.line}",
        f"col={finding.column}",
        f"title={_escape_property(finding.rule)}",
    ]
    return f"::{command} {','.join(properties)}::{_escape_data(finding.message)}"


def github_annotations(report: AuditResult, limit: int = 50) -> list[str]:
    """Annotation lines for the active mocks findings, most severe first, at most ``limit``."""
    analysis = report.analyses.get("mocks")
    if analysis is None:
        return []
    result = analysis if isinstance(analysis, MocksResult) else MocksResult.from_dict(
        analysis.to_dict()
    )
    active = sorted(result.active,
                    key=lambda f: (severity_rank(f.rule), f.path, f.line, f.column, f.rule))
    lines = [annotation(f) for f in active[: max(0, limit)]]
    omitted = len(active) - len(lines)
    if omitted > 0:
        lines.append(f"::notice::test-auditor: {omitted} more mock/test-smell findings "
                     "are in report.sarif and the HTML report")
    return lines
