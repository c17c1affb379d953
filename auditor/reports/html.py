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

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.model import AuditResult
    from auditor.reports.sources import SourceReader

FILENAME = "index.html"
MAIN_TEMPLATE = "index.html.j2"

# The libraries (jinja2, Pygments, markupsafe) are imported by render() and
# prepare(), not here: the CLI imports every format before the suite runs,
# for its FILENAME, and prepare() imports them while the suite runs.


def render(result: AuditResult, sources: SourceReader) -> str:
    from markupsafe import Markup

    from auditor.reports.highlight import stylesheet
    from auditor.reports.source_view import source_views
    from auditor.reports.templates import html_environment, partial_names
    from auditor.reports.view import base_context

    env = html_environment(sources.root)
    views = source_views(result, sources)
    context = base_context(result, views.link)
    context["partials"] = partial_names(env, "html", context["analysis_names"])
    context["source_views"] = views
    context["line_link"] = views.link
    context["highlight_css"] = Markup(stylesheet())  # our own CSS, not text
    return env.get_template(MAIN_TEMPLATE).render(context)


def prepare(root: Path, analyses: list[str]) -> None:
    """Warm what :func:`render` needs, writing nothing (the warm-up while the suite runs).

    Its modules and libraries, the stylesheet, and the compiled templates
    that ``.audit/`` holds: the page, its shared pieces (``_*``) and the
    partials of ``analyses``.
    """
    import auditor.reports.source_view
    import auditor.reports.view  # noqa: F401 - both imported for the warm-up
    from auditor.reports.highlight import stylesheet
    from auditor.reports.templates import load_cached, template_dir

    stylesheet()
    shared = sorted(p.name for p in template_dir().glob("_*.j2"))
    load_cached(root, "html", [MAIN_TEMPLATE, *shared, *(f"html/{a}.html.j2" for a in analyses)])
