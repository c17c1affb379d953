"""``report.md``: a short summary that fits a GitHub step summary or a GitLab note.

The verdict and what to fix first, the gate table (failed rules first), totals,
failed tests, then each analysis's ``md/<name>.md.j2`` partial. Kept short on
purpose: GitHub caps a step summary at 1 MiB and people read the first screen.
Valid CommonMark (with GitHub's tables): names are escaped as text, code is in
code spans (:func:`auditor.reports.templates.code_span`), never both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.model import AuditResult
    from auditor.reports.sources import SourceReader

FILENAME = "report.md"
MAIN_TEMPLATE = "report.md.j2"

# jinja2 is imported by render() and prepare(), not here (see auditor.reports.html).


def render(result: AuditResult, sources: SourceReader) -> str:
    from auditor.reports.templates import markdown_environment, partial_names
    from auditor.reports.view import base_context

    env = markdown_environment(sources.root)  # the summary shows no source
    context = base_context(result)
    context["partials"] = partial_names(env, "md", context["analysis_names"])
    return env.get_template(MAIN_TEMPLATE).render(context)


def prepare(root: Path, analyses: list[str]) -> None:
    """Warm what :func:`render` needs, writing nothing (as :func:`.html.prepare` does)."""
    import auditor.reports.view  # noqa: F401 - imported for the warm-up
    from auditor.reports.templates import load_cached

    load_cached(root, "md", [MAIN_TEMPLATE, *(f"md/{a}.md.j2" for a in analyses)])
