"""What a mutant *is*, independent of where it sits: its category and stable identity.

mutmut names a mutant by its function and a running number
(``pkg.mod.xǁBoxǁgrow__mutmut_3``) that follows the order mutations are
generated in, and our records carry line numbers: both move when code above
changes. The review's "new surviving mutants", the history and the findings'
fingerprints need a name that does not move, so a mutant is identified by

- its module path and function (qualified name),
- its category (which kind of mutation: :func:`category`),
- its original and mutated text (white space folded),
- and its ordinal among mutants equal in all of the above (by position), so
  two identical mutations in one function stay two.

mutmut does not record which operator it applied; :func:`category` infers it
from the texts, once, here: reports read the category from ``report.json``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from auditor.findings import fingerprint


class _Mutant(Protocol):
    id: str
    path: str
    function: str
    line: int
    column: int
    original: str
    mutated: str


def category(original: str, mutated: str) -> str:
    """The kind of mutation (mutation-testing-elements ``mutatorName`` vocabulary)."""
    if mutated.strip() in ("", "pass") or re.fullmatch(r"\s*\w+\s*=\s*None\s*", mutated):
        return "StatementRemoval"
    if "None" in mutated and "None" not in original:
        return "NoneReplacement"
    if re.search(r"['\"]", original + mutated):
        return "StringLiteral"
    if re.search(r"\b(True|False)\b", original + mutated):
        return "BooleanLiteral"
    if re.search(r"\d", original + mutated) and re.sub(r"\d", "", original) == re.sub(
        r"\d", "", mutated
    ):
        return "NumberLiteral"
    if re.search(r"\b(and|or|not)\b", original + mutated):
        return "LogicalOperator"
    if re.search(r"[<>=!]=?", original + mutated):
        return "EqualityOperator"
    if re.search(r"[-+*/%&|^~@]", original + mutated):
        return "ArithmeticOperator"
    return "Mutation"


def _number(mutant_id: str) -> int:
    tail = mutant_id.rpartition("_")[2]
    return int(tail) if tail.isdigit() else 0


def identities(mutants: Iterable[_Mutant]) -> dict[str, str]:
    """``mutmut id -> stable identity`` for ``mutants`` (see the module docstring)."""
    groups: dict[tuple[str, str, str], list[_Mutant]] = {}
    for mutant in mutants:
        what = fingerprint(
            category(mutant.original, mutant.mutated), mutant.original, mutant.mutated
        )
        groups.setdefault((mutant.path, mutant.function, what), []).append(mutant)
    out: dict[str, str] = {}
    for (path, function, what), members in groups.items():
        members.sort(key=lambda m: (m.line, m.column, _number(m.id), m.id))
        for ordinal, mutant in enumerate(members):
            out[mutant.id] = f"{path}::{function}:{what}:{ordinal}"
    return out
