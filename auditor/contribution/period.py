"""The review's period figure: "tests added in the period: N; of them K catch something new".

Read from the last run's kill matrix (``kills_by_test`` of whichever
analysis section holds one, so the review names no analysis): of the tests
added in the period, those that kill a mutant no older test of that run
kills. The tests added are the review's (in the last run's outcomes, not in
the first's); a history of runs without a test run (``audit mutate``) falls
back to the tests new in the kill matrix since the first run's.

Imports only :mod:`auditor.contribution.kills` (a leaf).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.contribution.kills import new_kills

KILLS_KEY = "kills_by_test"


@dataclass(frozen=True)
class PeriodFigure:
    """N tests added in the period, and which of them catch something new."""

    added: int
    catching_new: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        return (
            f"Tests added in the period: {self.added}; of them {len(self.catching_new)} catch "
            "something new (kill a mutant no older test kills)."
        )


def kill_map(document: Mapping[str, Any]) -> dict[str, list[str]] | None:
    """``test -> mutants it kills`` of the first analysis section that has one."""
    for section in (document.get("analyses") or {}).values():
        if isinstance(section, dict) and isinstance(section.get(KILLS_KEY), dict):
            return {str(t): list(m) for t, m in section[KILLS_KEY].items()}
    return None


def period_figure(
    start: Mapping[str, Any], end: Mapping[str, Any], added: Iterable[str]
) -> PeriodFigure | None:
    """The figure for a period from its first and last run's documents (None: the
    last run has no kill matrix, or no test is known to be new)."""
    kills = kill_map(end)
    if kills is None:
        return None
    new = set(added)
    if not new:
        before = kill_map(start)
        if before is None:
            return None
        new = set(kills) - set(before)
    found = new_kills(kills, new)
    return PeriodFigure(len(new), sorted(t for t, mutants in found.items() if mutants))
