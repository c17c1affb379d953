"""Inline diffs: a line of code turned into its replacement, piece by piece.

Shown wherever a finding replaces code (a surviving mutant): removed text
struck through in red, added text in green, the rest as it was.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Words, runs of spaces, and single punctuation characters: a replaced string
# reads as one replaced string, and "<" -> "<=" as an added "=".
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class DiffPart:
    """A piece of an inline diff: ``same``, ``del`` (removed) or ``add`` (put in)."""

    kind: str
    text: str


def inline_diff(before: str, after: str) -> tuple[DiffPart, ...]:
    """``before`` turned into ``after`` as kept, removed and added pieces (by token)."""
    if not before and not after:
        return ()
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    parts: list[DiffPart] = []

    def put(kind: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if parts and parts[-1].kind == kind:
            parts[-1] = DiffPart(kind, parts[-1].text + text)
        else:
            parts.append(DiffPart(kind, text))

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            put("same", old[a0:a1])
        else:
            put("del", old[a0:a1])
            put("add", new[b0:b1])
    return tuple(parts)
