"""Read the project's source files for the HTML source view, never failing.

A report must be written even when a file moved, is binary, is not valid in
its declared encoding, or the result came from another machine (merged
shards). Each of those becomes a one-line "source not available" reason.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

# Above this a file is not inlined: the HTML report is one file and must stay
# loadable in a browser.
MAX_SOURCE_BYTES = 2 * 1024 * 1024

# Python's own line ends (universal newlines). str.splitlines() would also
# split on form feeds, \x1c-\x1e, \x85 and \u2028, which Python does not
# count, and every line number after them would be off.
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceFile:
    """The lines of one file (``lines[0]`` is line 1), or why there are none."""

    path: str
    lines: tuple[str, ...] = ()
    unavailable: str = ""

    @property
    def available(self) -> bool:
        return not self.unavailable


def split_lines(text: str) -> list[str]:
    """Split source text into lines numbered as Python (and coverage.py) number them."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final line end does not start another line
    return lines


class SourceReader:
    """Reads files by their path relative to the project root."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def read(self, relative_path: str) -> SourceFile:
        """The decoded lines of ``relative_path``, or a reason why they are not available."""
        if not relative_path:
            return SourceFile(relative_path, unavailable="source not available: no path")
        try:
            path = (self.root / relative_path).resolve()
        except (OSError, ValueError) as error:  # e.g. a NUL byte, a symlink loop
            return SourceFile(relative_path, unavailable=f"source not available: {error}")
        if not path.is_relative_to(self.root):
            # Paths come from report data, which may come from elsewhere.
            return SourceFile(
                relative_path, unavailable="source not available: outside the project"
            )
        try:
            if path.stat().st_size > MAX_SOURCE_BYTES:
                return SourceFile(
                    relative_path,
                    unavailable=f"source not shown: larger than {MAX_SOURCE_BYTES} bytes",
                )
            data = path.read_bytes()
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            return SourceFile(relative_path, unavailable=f"source not available: {reason}")
        return _decode(relative_path, data)


def _decode(relative_path: str, data: bytes) -> SourceFile:
    if b"\0" in data:
        return SourceFile(relative_path, unavailable="source not available: binary file")
    try:
        # The encoding Python itself would use: PEP 263 cookie, BOM, else UTF-8.
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        detail = error.reason if isinstance(error, UnicodeDecodeError) else str(error)
        return SourceFile(
            relative_path, unavailable=f"source not available: cannot decode ({detail})"
        )
    text = text.removeprefix("\ufeff")
    return SourceFile(relative_path, lines=tuple(split_lines(text)))
