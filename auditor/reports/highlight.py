"""Syntax highlighting of the source views, one line at a time (Pygments).

The source view is a table with one row per line (each row is a link
target), so a file is lexed whole (a string or a docstring spanning lines is
lexed right) and the tokens are cut at line ends. Each line becomes escaped
HTML with Pygments' short CSS classes (``k`` keyword, ``s2`` string...),
styled by :func:`stylesheet`.

Lines are numbered as Python numbers them (:func:`auditor.reports.sources.split_lines`);
if the lexer's lines ever disagree (it reads ``\\r`` alone as a line end too),
the plain escaped text is used, so a line number never points at the wrong text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import PythonLexer, TextLexer, get_lexer_for_filename
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

SCOPE = "table.code td.src"
"""Where the highlighting styles apply (the source cells of index.html)."""


def _lexer(path: str) -> Lexer:
    options = {"stripnl": False, "ensurenl": False}
    if path.endswith((".py", ".pyi")):
        return PythonLexer(**options)
    try:
        return get_lexer_for_filename(path, **options)
    except ClassNotFound:
        return TextLexer(**options)


def _css_class(token: Any) -> str:
    # The nearest type Pygments has a short class for (Name.Function.Magic -> nf).
    while token not in STANDARD_TYPES:
        token = token.parent
    return str(STANDARD_TYPES[token])


def highlight_lines(path: str, lines: tuple[str, ...] | list[str]) -> list[Markup]:
    """Each of ``lines`` as highlighted, escaped HTML (the same count, the same order)."""
    plain = [escape(line) for line in lines]
    if not lines:
        return plain
    # per line: [css class, text] pieces; neighbours of one class are merged
    # (Pygments gives a string's quotes and body as separate tokens)
    out: list[list[list[str]]] = [[]]
    for token, text in _lexer(path).get_tokens("\n".join(lines)):
        css = _css_class(token)
        for index, piece in enumerate(text.split("\n")):
            if index:
                out.append([])
            if not piece:
                continue
            if out[-1] and out[-1][-1][0] == css:
                out[-1][-1][1] += piece
            else:
                out[-1].append([css, piece])
    if out and not out[-1] and len(out) == len(lines) + 1:
        out.pop()  # a newline the lexer added at the end
    if len(out) != len(lines):
        return plain
    return [Markup("".join(_span(css, text) for css, text in pieces)) for pieces in out]


def _span(css: str, text: str) -> str:
    escaped = str(escape(text))
    return f'<span class="{css}">{escaped}</span>' if css else escaped


@cache
def stylesheet() -> str:
    """The CSS of the highlighting classes, scoped to the source cells."""
    rules = str(HtmlFormatter(style="default").get_style_defs(SCOPE)).splitlines()
    # Pygments adds rules for its own line-number markup and a background for
    # the whole block; the coverage marks set the backgrounds here.
    kept = [rule for rule in rules if rule.startswith(SCOPE + " .") and ".hll" not in rule]
    return "\n".join(kept)
