"""Mutation score thresholds, as Stryker has them: ``high`` and ``low``.

``[tool.audit.mutation] thresholds = {high = 80, low = 60}`` (the defaults
are Stryker's). A score at or above ``high`` is good (green), from ``low``
up to ``high`` it is a warning (amber), below ``low`` it is bad (red). The
colours of every report read :meth:`ScoreThresholds.level`, and
``mutation.json`` carries the same two numbers, so Stryker's viewers colour
as our reports do. They decide colours only; the gate's ``mutation_score``
decides the exit code.

The level is judged on the displayed value (floored to 2 decimals, the
project's one rounding rule), so a score shown as ``79.99%`` is never
green next to a threshold of 80.

A leaf module (it imports only :mod:`auditor.numbers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.numbers import display_percent, exact_percent

HIGH = "high"
MEDIUM = "medium"
LOW = "low"
LEVELS = (HIGH, MEDIUM, LOW)

# How each level is shown: terminal (rich style), Markdown (a coloured mark; GitHub and
# GitLab render no colour otherwise). HTML: the classes level-high/-medium/-low.
TERMINAL_STYLE = {HIGH: "green", MEDIUM: "yellow", LOW: "red"}
MARKDOWN_MARK = {HIGH: "🟢", MEDIUM: "🟠", LOW: "🔴"}


def level_mark(level: str | None) -> str:
    """The Markdown mark of a level ("" for none)."""
    return MARKDOWN_MARK.get(level or "", "")


@dataclass(frozen=True)
class ScoreThresholds:
    """Stryker's ``high`` and ``low``: whole percents (as in Stryker's schema), low <= high."""

    high: int = 80
    low: int = 60

    def level(self, score: float | None) -> str | None:
        """``high``, ``medium`` or ``low`` for a score in percent; None when nothing was scored."""
        if score is None:
            return None
        shown = display_percent(exact_percent(score))
        if shown >= display_percent(exact_percent(self.high)):
            return HIGH
        if shown >= display_percent(exact_percent(self.low)):
            return MEDIUM
        return LOW

    def to_dict(self) -> dict[str, int]:
        return {"high": self.high, "low": self.low}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ScoreThresholds:
        """From a ``thresholds`` table or report entry; missing keys take the defaults."""
        data = data or {}
        default = cls()
        return cls(int(data.get("high", default.high)), int(data.get("low", default.low)))


def thresholds_problem(table: Mapping[str, Any]) -> str | None:
    """Why a ``thresholds`` table is impossible (``low`` above ``high``), or None."""
    thresholds = ScoreThresholds.from_dict(table)
    if thresholds.low > thresholds.high:
        return (f"thresholds: low ({thresholds.low}) is above high ({thresholds.high}); "
                "low must be at most high")
    return None
