"""The jinja2 environments every template-based report renders with.

Where the templates are: a wheel ships ``reports/templates`` as
``auditor/_templates`` (``force-include`` in ``pyproject.toml``); a source
checkout or an editable install has them at ``<repo>/reports/templates``.
The package location is tried first, so an installed wheel never picks up a
stray checkout next to it.

Two environments, because the two output languages escape differently:

* HTML/XML: ``autoescape=True``, so a module or test called
  ``<script>alert(1)</script>`` renders as text.
* Markdown: every interpolated string is passed through :func:`markdown_escape`
  by the environment's ``finalize`` hook, so a name with a pipe or a backtick
  cannot break a table or start code. Partials must not escape again (the
  ``md`` filter returns an already-escaped value, so doing it twice is harmless).

Both are ``StrictUndefined``: a typo in a template is an error in the tests,
not an empty cell in a user's report.

Compiling the templates costs about 0.07 s of CPU on every audit (index.html
and its partials, report.md), a tenth of a small suite's coverage run, so an
audit keeps jinja2's compiled templates in the project's ``.audit/`` folder
(:func:`template_cache`): jinja2 checks each against a checksum of the
template's source, and each environment has a folder of its own (the
compiled code depends on its options: escaping, ``finalize``).
"""

from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

import auditor
from auditor.errors import IncompleteAuditError
from auditor.metrics import PERCENT, Metric
from auditor.numbers import display_percent, exact_percent, format_percent
from auditor.project import STATE_DIR_NAME
from auditor.thresholds import level_mark

if TYPE_CHECKING:  # imported where an environment is built: the filters above need none
    import jinja2

PACKAGE_TEMPLATES = Path(auditor.__file__).resolve().parent / "_templates"
CHECKOUT_TEMPLATES = Path(auditor.__file__).resolve().parent.parent / "reports" / "templates"

# Characters that mean something inline in GitHub-flavoured Markdown (or end a
# table cell). CommonMark allows a backslash before any ASCII punctuation, so
# escaping them all this way is always valid; "$" starts GitHub math.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|~&$!#")


def template_dir() -> Path:
    """The directory holding the report templates (package first, then checkout)."""
    for candidate in (PACKAGE_TEMPLATES, CHECKOUT_TEMPLATES):
        if (candidate / "index.html.j2").is_file():
            return candidate
    raise IncompleteAuditError(
        f"report templates not found in {PACKAGE_TEMPLATES} or {CHECKOUT_TEMPLATES}; "
        "reinstall test-auditor"
    )


def pct(value: float | int | None) -> str:
    """Format a percentage exactly as the gate rounded it (see :mod:`auditor.numbers`).

    Percentages reach the templates as JSON floats; like the gate, recover the
    exact fraction first, so that e.g. a float just below 28.57 still shows
    28.57 when the gate compared 28.57.
    """
    if value is None:
        return format_percent(None)
    if isinstance(value, float):
        return format_percent(exact_percent(value))
    return format_percent(value)


def number(value: float | int | None) -> str:
    """A count or duration as text: integers without a decimal point."""
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}"
    return str(int(value))


def points(value: float | None) -> str:
    """A difference of percentages (the theater gap) in points, with the one rounding rule.

    A negative difference is rounded towards zero like its absolute value, so
    -0.005 shows as ``-0.00 pts`` rather than a larger move than was measured.
    """
    if value is None:
        return "n/a"
    shown = display_percent(exact_percent(abs(value)))
    return f"{'-' if value < 0 else ''}{shown} pts"


def metric(value: Metric) -> str:
    """A metric in its declared unit: percentages with ``%``, counts and seconds as numbers."""
    return pct(value.value) if value.unit == PERCENT else number(value.value)


def markdown_escape(value: Any) -> Markup:
    """Text made safe for a Markdown table cell: literal, on one line."""
    if isinstance(value, Markup):
        return value
    text = " ".join(str(value).splitlines())
    return Markup("".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text))


def code_span(value: Any, cell: bool = False) -> Markup:
    """``value`` as a CommonMark code span: shown exactly as written, never escaped.

    A backslash in a code span is literal, so names are not escaped there; the
    fence is longer than any run of backticks inside, and padded with a space
    where the text starts or ends with one (CommonMark strips one space each
    side). In a table cell (``cell``) a pipe is written ``\\|``, which GitHub's
    tables (and markdown-it's) read as a pipe inside the cell, code span or not.
    """
    text = " ".join(str(value).splitlines())
    if not text:
        return Markup("")
    if cell:
        text = text.replace("|", "\\|")
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or (text[0] == " " and text[-1] == " "):
        text = f" {text} "
    return Markup(f"{fence}{text}{fence}")


def _finalize_markdown(value: Any) -> Any:
    if isinstance(value, str):
        return markdown_escape(value)
    return value


def _common(env: jinja2.Environment) -> jinja2.Environment:
    env.filters["pct"] = pct
    env.filters["number"] = number
    env.filters["metric"] = metric
    env.filters["points"] = points
    env.filters["md"] = markdown_escape
    env.filters["code"] = code_span
    env.filters["level_mark"] = level_mark  # a score's Stryker level as a coloured mark
    return env


@cache
def _template_cache_class() -> type[jinja2.FileSystemBytecodeCache]:
    """jinja2's file cache of compiled templates; one it cannot write is no error.

    jinja2 writes through a temporary file and ``os.replace`` (a concurrent
    audit reads an old or a new file, whole) and ignores a file of another
    Python version or another source; only creating the temporary file can
    fail (a read-only ``.audit/``), and then the template is used uncached.
    (A class made on first use: importing this module imports no jinja2.)
    """
    import jinja2

    class TemplateCache(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    return TemplateCache


def _cache_folder(root: Path, kind: str) -> Path:
    import jinja2

    return root / STATE_DIR_NAME / "templates" / f"{kind}-jinja{jinja2.__version__}"


def template_cache(root: Path | None, kind: str) -> jinja2.BytecodeCache | None:
    """The cache of ``kind``'s compiled templates in ``root``'s ``.audit/``, if it has one.

    Only an existing ``.audit/`` is used (an audit made it): rendering a
    report for a folder that was never audited, or that is not there (a
    result from another machine), writes nothing into it.
    """
    if root is None or not (root / STATE_DIR_NAME).is_dir():
        return None
    folder = _cache_folder(root, kind)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _template_cache_class()(str(folder))


@cache
def _loader() -> jinja2.BaseLoader:
    """Our templates first, then each analysis's own partials folder (``template_dir``)."""
    import jinja2

    from auditor.registry import template_dirs

    folders = [template_dir(), *template_dirs()]
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in folders])


@cache
def html_environment(root: Path | None = None) -> jinja2.Environment:
    """Environment for ``*.html.j2`` and ``*.xml.j2``: autoescaping on.

    ``root``: the audited project, whose ``.audit/`` keeps the compiled templates.
    One per root and process (like :func:`markdown_environment`), so that the
    templates the warm-up loaded (:func:`load_cached`) are the ones rendered.
    """
    import jinja2

    return _common(
        jinja2.Environment(
            loader=_loader(),
            bytecode_cache=template_cache(root, "html"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    )


@cache
def markdown_environment(root: Path | None = None) -> jinja2.Environment:
    """Environment for ``*.md.j2``: every interpolated string is Markdown-escaped.

    ``root``: the audited project, whose ``.audit/`` keeps the compiled templates.
    """
    import jinja2

    return _common(
        jinja2.Environment(
            loader=_loader(),
            bytecode_cache=template_cache(root, "md"),
            autoescape=False,
            finalize=_finalize_markdown,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    )


def load_cached(root: Path, kind: str, names: list[str]) -> list[str]:
    """Load the templates ``names`` into ``kind``'s environment of ``root``, from the cache only.

    The warm-up while the suite runs (:mod:`auditor.testrun.warmup`) calls
    this: a template whose compiled code is in ``.audit/`` and up to date is
    loaded into the environment the report renders with; any other (none
    cached, or its source changed) is left for the rendering, which compiles
    it and writes the cache as before. So the warm-up writes nothing: no
    cache file, and no cache folder (an environment is built only when its
    folder is there). Returns the names loaded.
    """
    import jinja2

    if not _cache_folder(root, kind).is_dir():
        return []
    env = html_environment(root) if kind == "html" else markdown_environment(root)
    cache_ = env.bytecode_cache
    if cache_ is None:
        return []
    loaded = []
    for name in names:
        try:
            source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            continue
        if cache_.get_bucket(env, name, filename, source).code is None:
            continue  # not compiled yet, or its source changed: the rendering compiles it
        env.get_template(name)
        loaded.append(name)
    return loaded


def partial_names(env: jinja2.Environment, kind: str, analyses: list[str]) -> dict[str, str]:
    """``{analysis: template name}`` of the ``<kind>/<analysis>.<kind>.j2`` partials that exist.

    Partials are written by each analysis's owner; an analysis without one
    is still listed in the report (with its headline metrics), never an error.
    """
    import jinja2

    found: dict[str, str] = {}
    for name in analyses:
        template = f"{kind}/{name}.{kind}.j2"
        try:
            env.get_template(template)
        except jinja2.TemplateNotFound:
            continue
        found[name] = template
    return found
