"""``index.html``: the full report in one self-contained file.

Inline CSS and JavaScript only, and a Content-Security-Policy that forbids
loading anything, so the file can be opened offline, attached to a CI run,
or mailed, and shows the same thing everywhere.

Generic over the model: the source views come from the line states and the
findings of whichever analyses ran (:mod:`auditor.reports.source_view`), and
every place the report names (a fix-first item, a survivor, a module) links
to its line there through :meth:`SourceViews.link`.
"""

from __future__ import annotations

from markupsafe import Markup

from auditor.model import AuditResult
from auditor.reports.highlight import stylesheet
from auditor.reports.source_view import source_views
from auditor.reports.sources import SourceReader
from auditor.reports.templates import html_environment, partial_names
from auditor.reports.view import base_context

FILENAME = "index.html"


def render(result: AuditResult, sources: SourceReader) -> str:
    env = html_environment(sources.root)
    views = source_views(result, sources)
    context = base_context(result, views.link)
    context["partials"] = partial_names(env, "html", context["analysis_names"])
    context["source_views"] = views
    context["line_link"] = views.link
    context["highlight_css"] = Markup(stylesheet())  # our own CSS, not text
    return env.get_template("index.html.j2").render(context)
