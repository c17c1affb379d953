"""``report.md``: a short summary that fits a GitHub step summary or a GitLab note.

The verdict and what to fix first, the gate table (failed rules first), totals,
failed tests, then each analysis's ``md/<name>.md.j2`` partial. Kept short on
purpose: GitHub caps a step summary at 1 MiB and people read the first screen.
Valid CommonMark (with GitHub's tables): names are escaped as text, code is in
code spans (:func:`auditor.reports.templates.code_span`), never both.
"""

from __future__ import annotations

from auditor.model import AuditResult
from auditor.reports.sources import SourceReader
from auditor.reports.templates import markdown_environment, partial_names
from auditor.reports.view import base_context

FILENAME = "report.md"


def render(result: AuditResult, sources: SourceReader) -> str:
    env = markdown_environment(sources.root)  # the summary shows no source
    context = base_context(result)
    context["partials"] = partial_names(env, "md", context["analysis_names"])
    return env.get_template("report.md.j2").render(context)
