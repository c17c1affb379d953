"""The one shape of a finding, that every analysis hands out and every report reads.

A :class:`Finding` says which analysis and rule found what, how severe it is,
where (path relative to the project root, line, column, end line), the
message, the test it concerns (if any), a help text, and a *fingerprint*
that stays the same across unrelated edits: it is built from the content
(the rule, the file, the function and the code of the line, never the line
number), so code scanning, the review and the history follow a finding when
code above it moves.

SARIF, GitHub annotations, the JUnit findings, the HTML and Markdown finding
lists and the ranked "fix first" list are generic over this shape
(:mod:`auditor.reports`): no report imports an analysis.

A leaf module: it imports nothing of ours.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("error", "warning", "note")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
SURVIVING_MUTANT = "surviving-mutant"
"""The rule of a mutant no test killed: the review lists these apart ("new
surviving mutants"), so the id is part of the contract, not of one analysis."""


def fingerprint(*parts: object) -> str:
    """A content hash of ``parts`` (16 hex digits); callers leave line numbers out."""
    blob = "\0".join(" ".join(str(part).split()) for part in parts)
    return hashlib.sha256(blob.encode("utf-8", "surrogateescape")).hexdigest()[:16]


@dataclass(frozen=True)
class Finding:
    """One thing an analysis found, in the shape every report reads.

    ``rule`` is a stable id (``mock-echo``, ``import-failure``,
    ``surviving-mutant``...); ``title`` its one-line description and ``help``
    its longer text (rationale, how to fix), both the same for every finding
    of the rule. ``line`` is 0 when the finding has no line (a whole module).
    """

    analysis: str
    rule: str
    severity: str
    path: str
    line: int
    message: str
    fingerprint: str
    title: str = ""
    help: str = ""
    column: int = 1
    end_line: int | None = None
    test: str = ""
    code: str = ""
    replacement: str = ""
    """What the finding puts in place of ``code`` (a surviving mutant: the mutated
    code), shown as an inline diff on the line; empty when nothing replaces it."""
    suppressed: bool = False
    suppression_reason: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"finding {self.rule}: unknown severity {self.severity!r}")

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.path and self.line else self.path

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def ranked(findings: list[Finding]) -> list[Finding]:
    """Fix first: active before suppressed, most severe first, then by place and rule."""
    return sorted(
        findings,
        key=lambda f: (f.suppressed, SEVERITY_RANK[f.severity], f.path, f.line, f.column, f.rule),
    )
