"""``# audit: ignore[rule-id] reason`` comments.

A suppression applies to findings on its own line, or, when written on a
test's ``def`` line, to every finding of that rule in the test. The reason is
required: a suppression without one suppresses nothing and is reported as a
``bad-suppression`` finding, and so is one naming an unknown rule.
"""

from __future__ import annotations

import io
import re
import tokenize

from auditor.mocks.facts import Suppression

_PATTERN = re.compile(r"#\s*audit:\s*ignore\[([^\]]*)\](.*)$")


def parse_suppressions(text: str) -> list[Suppression]:
    """Every suppression comment of a file (comments only, never strings)."""
    found: list[Suppression] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _PATTERN.search(token.string)
        if match is None:
            continue
        rules = [r.strip() for r in match.group(1).split(",") if r.strip()]
        # the reason runs to the end of the comment, or to a further "#" comment
        reason = match.group(2).split("#", 1)[0].strip().lstrip(":-—– ").strip()
        found.append(Suppression(line=token.start[0], rules=rules, reason=reason))
    return found
