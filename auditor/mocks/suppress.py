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
from collections.abc import Callable

from auditor.mocks.facts import FileFacts, FunctionFacts, Suppression
from auditor.mocks.result import Finding
from auditor.mocks.rules import RULES
from auditor.mocks.rules.meta import BAD_SUPPRESSION

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


def apply_suppressions(facts: FileFacts, found: list[Finding],
                       bad: Callable[[int, str, str], Finding]) -> None:
    """Mark the findings of one file that its suppressions silence; add a
    ``bad-suppression`` finding (made by ``bad(line, test, message)``) for each
    suppression without a reason or with an unknown rule id."""
    path = facts.path
    by_line: dict[int, list[tuple[str, str]]] = {}
    for suppression in facts.suppressions:
        unknown = [r for r in suppression.rules if r not in RULES]
        owner = _enclosing(facts.functions, suppression.line)
        test = f"{path}::{owner.qualname}" if owner else path
        if not suppression.reason or unknown or not suppression.rules:
            problem = (f"unknown rule id(s) {', '.join(unknown)}" if unknown
                       else "no rule id" if not suppression.rules
                       else "no reason given (write one after the brackets)")
            found.append(bad(suppression.line, test, f"suppression ignored: {problem}"))
            continue
        for rule in suppression.rules:
            by_line.setdefault(suppression.line, []).append((rule, suppression.reason))
    if not by_line:
        return
    for finding in found:
        owner = _enclosing(facts.functions, finding.line)
        lines = [finding.line] + ([owner.line] if owner else [])
        for line in lines:
            reason = next((r for rule, r in by_line.get(line, []) if rule == finding.rule),
                          None)
            if reason is not None and finding.rule != BAD_SUPPRESSION.id:
                finding.suppressed = True
                finding.suppression_reason = reason
                break


def _enclosing(functions: list[FunctionFacts], line: int) -> FunctionFacts | None:
    """The innermost function whose lines (decorators excluded) contain ``line``."""
    best: FunctionFacts | None = None
    for fn in functions:
        if fn.line <= line <= fn.end_line and (best is None or fn.line >= best.line):
            best = fn
    return best
