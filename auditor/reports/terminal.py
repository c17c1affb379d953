"""The short summary printed at the end of an audit.

A gate table (one row per rule) and one line of totals per analysis; the
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
from auditor.reports.view import rule_rows, test_summary, totals

_STATUS_STYLE = {"passed": "green", "failed": "bold red", "skipped": "dim"}


def print_summary(result: AuditResult, console: Console) -> None:
    """Print the gate verdict, its rules, and one line per analysis."""
    report = result.to_dict()
    rows = rule_rows(report)
    if not result.gate.enabled:
        verdict = Text("Gate disabled", style="dim")
    elif result.gate.passed:
        verdict = Text("Gate passed", style="bold green")
    else:
        failed = len(result.gate.failed_rules)
        verdict = Text(f"Gate FAILED ({failed} of {len(rows)} rules)", style="bold red")

    if rows:
        table = Table(title=verdict, title_justify="left", show_edge=False, pad_edge=False)
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
    else:
        console.print(verdict.append(" (no rules configured)", style="dim"))

    tests = test_summary(report)
    if tests is not None:
        counts = ", ".join(f"{count} {outcome}" for outcome, count in tests["counts"])
        console.print(Text(f"tests: {counts or 'none collected'}"))
    for row in totals(result):
        metrics = ", ".join(f"{m['label']} {m['text']}" for m in row["metrics"])
        console.print(Text(f"{row['analysis']}: {metrics}"))
        # an analysis may add a short top list of its own (mutation: explained survivors)
        for line in getattr(result.analyses.get(row["analysis"]), "terminal_lines", list)():
            console.print(Text(f"  {line}"))
