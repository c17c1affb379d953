"""GitHub Actions annotations (``::warning file=...,line=...::message``) and the step summary.

Generic over the findings contract: whichever analysis found it. GitHub
shows at most 10 error, 10 warning and 10 notice annotations of a step
(and 50 of a job); the rest are dropped without a word. So the audit
prints at most :data:`PER_SEVERITY` of each severity, chosen so that every
kind of finding (an analysis and its rule) is shown before any kind is
shown twice, each kind's own findings fix first (:func:`auditor.findings.ranked`);
suppressed findings and findings without a file are never annotated. A
failed gate rule is an error annotation too (it has no file: GitHub shows
it on the run's summary), ahead of the findings. The last line says how
many were left out and where they are.

:func:`append_step_summary` appends ``report.md`` to the file named by
``$GITHUB_STEP_SUMMARY`` when that variable is set (GitHub sets it in
every step), so the job's summary page shows the report without any
workflow step of its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from auditor.findings import Finding
from auditor.model import AuditResult
from auditor.reports.view import rule_rows

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}
# What GitHub displays of one step, per annotation level.
PER_SEVERITY = 10
# GitHub refuses a step summary over 1 MiB; keep well inside it.
STEP_SUMMARY_LIMIT = 1000 * 1000
STEP_SUMMARY_FILE = "report.md"


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
    # the rule id stays in the title: it is what a suppression comment names
    title = f"{finding.title} ({finding.rule})" if finding.title else finding.rule
    properties.append(f"title={_escape_property(title)}")
    return f"::{command} {','.join(properties)}::{_escape_data(finding.message)}"


def _spread_over_kinds(findings: list[Finding], cap: int) -> list[Finding]:
    """At most ``cap`` findings: one of every kind first, then the next of each, in rank order."""
    by_kind: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:  # already ranked: each kind's list stays fix first
        by_kind.setdefault((finding.analysis, finding.rule), []).append(finding)
    chosen: list[Finding] = []
    depth = 0
    while len(chosen) < cap and any(len(kind) > depth for kind in by_kind.values()):
        for kind in by_kind.values():
            if depth < len(kind) and len(chosen) < cap:
                chosen.append(kind[depth])
        depth += 1
    rank = {id(f): i for i, f in enumerate(findings)}
    return sorted(chosen, key=lambda f: rank[id(f)])


def github_annotations(report: AuditResult, per_severity: int = PER_SEVERITY) -> list[str]:
    """Annotation lines: failed gate rules, then findings spread over kinds, capped per level."""
    failed_rules = [row for row in rule_rows(report.to_dict()) if row["status"] == "failed"]
    lines = [
        f"::error title={_escape_property('gate rule ' + str(row['id']) + ' failed')}::"
        f"{_escape_data(str(row['description']) + ': ' + str(row['verdict']))}"
        for row in failed_rules[:per_severity]
    ]
    active = [f for f in report.report_findings() if not f.suppressed and f.path]
    shown = 0
    for severity, command in _COMMANDS.items():
        of_level = [f for f in active if f.severity == severity]
        room = max(0, per_severity - (len(lines) if command == "error" else 0))
        chosen = _spread_over_kinds(of_level, room)
        lines.extend(annotation(f) for f in chosen)
        shown += len(chosen)
    omitted = len(active) - shown
    if omitted > 0:
        lines.append(f"::notice::test-auditor: {omitted} more findings "
                     "are in report.sarif and the HTML report")
    return lines


def append_step_summary(output: Path, environ: dict[str, str] | None = None) -> bool:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY``; True when it was appended.

    Nothing happens when the variable is unset or empty (not on GitHub) or
    the report was not written. A summary that cannot be written is a
    warning on stderr, never a failed audit: the reports are written already.
    """
    target = (environ if environ is not None else dict(os.environ)).get("GITHUB_STEP_SUMMARY")
    report = output / STEP_SUMMARY_FILE
    if not target or not report.is_file():
        return False
    text = report.read_text(encoding="utf-8")
    if len(text.encode("utf-8")) > STEP_SUMMARY_LIMIT:
        cut = text.encode("utf-8")[:STEP_SUMMARY_LIMIT].decode("utf-8", errors="ignore")
        text = cut[: cut.rfind("\n") + 1] + (
            f"\n*The report is longer than a step summary may be: the whole of it is "
            f"{STEP_SUMMARY_FILE} in the report folder.*\n"
        )
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        print(f"audit: warning: GITHUB_STEP_SUMMARY {target}: {exc.strerror or exc}",
              file=sys.stderr)
        return False
    return True
