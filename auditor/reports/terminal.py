"""The short summary printed at the end of an audit.

The verdict, the failed rules each with the one thing to do, the findings
that matter most (:mod:`auditor.reports.fix_first`), then the gate table
(failed rules first) and one line of totals per analysis; the
CLI adds where the reports went. Everything shown comes from the same
formatted values as the HTML and Markdown reports. Names are passed as
:class:`rich.text.Text`, so a rule or module called ``[bold]x`` prints as
written instead of being read as rich markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.model import AuditResult
from auditor.reports import fix_first
from auditor.reports.fix_first import FixFirst
from auditor.reports.view import gate_rows, test_summary, totals
from auditor.thresholds import TERMINAL_STYLE

_STATUS_STYLE = {"passed": "green", "failed": "bold red", "skipped": "dim"}
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "dim"}


MESSAGE_SHOWN = 160
"""Characters of a finding's message in the terminal (the reports have it whole)."""


def shorten(text: str, limit: int = MESSAGE_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def print_fix_first(fix: FixFirst, console: Console) -> None:
    """The failed rules, each with its next step, then the findings that matter most."""
    for rule, step in fix.failed:
        line = Text("  FAILED ", style="bold red")
        line.append(Text(str(rule["id"]), style="bold"))
        line.append(Text(f": {rule['requirement']}; measured {rule['measured_text']}, "
                         f"threshold {rule['threshold_text']}"))
        console.print(line)
        todo = Text(f"    do: {shorten(step.text)}")
        if step.where:
            todo.append(Text(f" ({step.where})", style="cyan"))
        console.print(todo)
    if fix.items:
        more = f", {fix.not_shown} more in the reports" if fix.not_shown else ""
        console.print(Text(f"Fix first ({fix.total} findings{more}):", style="bold"))
        for item in fix.items:
            line = Text(f"  {item.severity:<7} ", style=_SEVERITY_STYLE.get(item.severity, ""))
            if item.where:
                line.append(Text(item.where, style="cyan"))
                line.append(" ")
            line.append(Text(f"{item.title}: {shorten(item.message)}"))
            if item.more:
                line.append(Text(f" (and {item.more} more on this line)", style="dim"))
            console.print(line)
    if fix.gaps:
        console.print(Text("Covered but not checked (line coverage minus mutation score):",
                           style="bold"))
        for gap in fix.gaps:
            console.print(Text(f"  {gap.path}: {gap.text}"))


def print_summary(result: AuditResult, console: Console) -> None:
    """Print the verdict and what to fix first, the gate rules, and one line per analysis."""
    report = result.to_dict()
    rows = gate_rows(report)
    fix = fix_first.build(result, rows)
    if not result.gate.enabled:
        verdict = Text("Gate disabled", style="dim")
    elif result.gate.passed:
        verdict = Text("Gate passed", style="bold green")
    else:
        failed = len(fix.failed)
        verdict = Text(f"Gate FAILED ({failed} failed {'rule' if failed == 1 else 'rules'})",
                       style="bold red")
    console.print(verdict if rows else verdict.append(" (no rules configured)", style="dim"))
    print_fix_first(fix, console)

    if rows:
        table = Table(show_edge=False, pad_edge=False)
        table.add_column("rule")
        table.add_column("measured", justify="right")
        table.add_column("", justify="center")
        table.add_column("threshold", justify="right")
        table.add_column("result")
        for row in rows:
            status = row["status"]
            result_text = Text(status, style=_STATUS_STYLE.get(status, ""))
            if status == "skipped":
                result_text.append(f" ({row.get('reason') or 'not measured'})", style="dim")
            table.add_row(
                Text(row["id"]),
                Text(row["measured_text"]),
                Text(row["comparison"]),
                Text(row["threshold_text"]),
                result_text,
            )
        console.print(table)

    tests = test_summary(report)
    if tests is not None:
        counts = ", ".join(f"{count} {outcome}" for outcome, count in tests["counts"])
        console.print(Text(f"tests: {counts or 'none collected'}"))
    for row in totals(result):
        # an analysis may colour its metrics (mutation: Stryker's high/low thresholds)
        analysis = result.analyses.get(row["analysis"])
        levels: dict[str, str] = getattr(analysis, "metric_levels", dict)()
        line = Text(f"{row['analysis']}: ")
        for index, m in enumerate(row["metrics"]):
            line.append(", " if index else "")
            line.append(f"{m['label']} ")
            line.append(m["text"], style=TERMINAL_STYLE.get(levels.get(m["name"], ""), ""))
        console.print(line)
        # an analysis may add a short top list of its own (mutation: explained survivors)
        for line in getattr(result.analyses.get(row["analysis"]), "terminal_lines", list)():
            console.print(Text(f"  {line}"))
