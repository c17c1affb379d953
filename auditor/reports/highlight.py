"""Syntax highlighting of the source views, one line at a time (Pygments).

The source view is a table with one row per line (each row is a link
target), so a file is lexed whole (a string or a docstring spanning lines is
lexed right) and the tokens are cut at line ends. Each line becomes escaped
HTML with Pygments' short CSS classes (``k`` keyword, ``s2`` string...),
styled by :func:`stylesheet`.

Lines are numbered as Python numbers them (:func:`auditor.reports.sources.split_lines`);
if the lexer's lines ever disagree (it reads ``\\r`` alone as a line end too),
the plain escaped text is used, so a line number never points at the wrong text.

Highlighting costs about 0.04 s of CPU per thousand lines (and 0.03 s to
set up the Python lexer's regular expressions), on every audit, for files
that mostly did not change: :class:`HighlightCache` keeps the highlighted
lines of the last report in the project's ``.audit/`` folder, keyed by the
file's name (it chooses the lexer) and text, this module's code and the
Pygments version.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pygments
from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import PythonLexer, TextLexer, get_lexer_for_filename
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from auditor.project import STATE_DIR_NAME

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


@cache
def _code_version() -> str:
    """What the highlighted text depends on besides the file: this code, Pygments' version."""
    code = Path(__file__).read_bytes() + pygments.__version__.encode()
    return hashlib.sha256(code).hexdigest()


class HighlightCache:
    """The highlighted lines of the last report's files, kept in ``.audit/highlight.json``.

    Only an existing ``.audit/`` is used (an audit made it). Each report keeps
    the files it highlighted and drops the rest, so the file does not grow
    with the project's history. A missing or garbled file is an empty cache,
    one that cannot be written is no error; the highlighted text is the same
    with or without it.
    """

    def __init__(self, root: Path | None) -> None:
        state = None if root is None else root / STATE_DIR_NAME
        self.file = state / "highlight.json" if state is not None and state.is_dir() else None
        self.known: dict[str, list[str]] = {}
        self.used: dict[str, list[str]] = {}
        if self.file is not None:
            with contextlib.suppress(OSError, ValueError):
                known = json.loads(self.file.read_text(encoding="utf-8"))
                if isinstance(known, dict):
                    self.known = known

    def lines(self, path: str, lines: tuple[str, ...] | list[str]) -> list[Markup]:
        """:func:`highlight_lines`, from the cache when this text was highlighted before."""
        if self.file is None:
            return highlight_lines(path, lines)
        text = "\n".join(lines)
        key = hashlib.sha256(
            f"{_code_version()}\0{os.path.basename(path)}\0{text}".encode("utf-8", "replace")
        ).hexdigest()
        kept = self.known.get(key)
        if isinstance(kept, list) and len(kept) == len(lines):
            self.used[key] = kept
            return [Markup(line) for line in kept]
        highlighted = highlight_lines(path, lines)
        self.used[key] = [str(line) for line in highlighted]
        return highlighted

    def save(self) -> None:
        """Write the lines this report used (atomically), if anything changed."""
        if self.file is None or self.used == self.known:
            return
        with contextlib.suppress(OSError):
            fd, temporary = tempfile.mkstemp(dir=self.file.parent, prefix=".highlight.",
                                             suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(self.used, handle)
                os.replace(temporary, self.file)
            finally:
                Path(temporary).unlink(missing_ok=True)
