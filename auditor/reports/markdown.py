"""``report.md``: a short summary that fits a GitHub step summary.

Gate table, totals, failed tests, then each analysis's ``md/<name>.md.j2``
partial (coverage: the least covered modules). Kept short on purpose:
GitHub caps a step summary at 1 MiB and people read the first screen.
"""

from __future__ import annotations

from auditor.model import AuditResult
from auditor.reports.sources import SourceReader
from auditor.reports.templates import markdown_environment, partial_names
from auditor.reports.view import base_context

FILENAME = "report.md"


def render(result: AuditResult, sources: SourceReader) -> str:
    del sources  # the summary shows no source
    env = markdown_environment()
    context = base_context(result)
    context["partials"] = partial_names(env, "md", context["analysis_names"])
    return env.get_template("report.md.j2").render(context)
