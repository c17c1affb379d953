"""``index.html``: the full report in one self-contained file.

Inline CSS and JavaScript only, and a Content-Security-Policy that forbids
loading anything, so the file can be opened offline, attached to a CI run,
or mailed, and shows the same thing everywhere.
"""

from __future__ import annotations

from auditor.model import AuditResult
from auditor.reports.source_view import file_views
from auditor.reports.sources import SourceReader
from auditor.reports.templates import html_environment, partial_names
from auditor.reports.view import base_context

FILENAME = "index.html"


def render(result: AuditResult, sources: SourceReader) -> str:
    env = html_environment()
    context = base_context(result)
    analyses = context["report"]["analyses"]
    context["partials"] = partial_names(env, "html", context["analysis_names"])
    context["source_views"] = (
        file_views(analyses["coverage"], sources) if "coverage" in analyses else []
    )
    return env.get_template("index.html.j2").render(context)
