"""What an analysis knows about the lines of a file, in the one shape the source views read.

An analysis result that measures lines (coverage: which ran, which were
missed, which branches were only half taken, which lines changed since the
base) may offer ``line_states() -> dict[path, FileLines]``; the HTML source
views mark every line from it without knowing which analysis measured it.
Findings (:mod:`auditor.findings`) are marked on their lines separately.

A leaf module: it imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class FileLines:
    """Line states of one file (1-based line numbers).

    ``partial`` maps a line to a note on what it never did (``"never jumped
    to line 7"``). A line may be in ``changed`` and in one of the others.
    """

    executed: frozenset[int] = frozenset()
    missing: frozenset[int] = frozenset()
    excluded: frozenset[int] = frozenset()
    partial: dict[int, str] = field(default_factory=dict)
    changed: frozenset[int] = frozenset()


@runtime_checkable
class HasLineStates(Protocol):
    """An analysis result that knows the state of source lines."""

    def line_states(self) -> dict[str, FileLines]: ...
