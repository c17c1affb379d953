"""Declared metrics: a value with its unit, its good direction and a label.

Every number an analysis hands to the history, the review, the gate's
``no_regression`` and the reports is a :class:`Metric`. Its
:class:`MetricSpec` says what the number is (``percent``, ``count``,
``seconds``), which way is better (``higher`` or ``lower``) and how a person
calls it. Nothing reads a direction from a metric's name: a metric whose
declaration is unknown has no direction, and is never called better or worse.

The display rule is the project's one rounding rule
(:func:`auditor.numbers.display_percent`, floor to 2 decimals): a change is
the difference of the values a reader sees.

A leaf module (it imports only :mod:`auditor.numbers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auditor.numbers import display_percent, exact_percent

PERCENT = "percent"
COUNT = "count"
SECONDS = "seconds"
UNITS = (PERCENT, COUNT, SECONDS)

HIGHER = "higher"
LOWER = "lower"
DIRECTIONS = (HIGHER, LOWER)


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is: its unit, which way is better, and its human label.

    ``headline`` puts the metric in the first sentence of the review's verdict
    (smaller first; 0: not there). ``alarm`` is a sentence the verdict says
    when the metric is not zero at the end of the period (``{value}`` is
    replaced by the value), e.g. ``"{value} modules fail to import."``.
    """

    unit: str
    direction: str
    label: str
    headline: int = 0
    alarm: str = ""

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"metric unit {self.unit!r}: expected one of {', '.join(UNITS)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"metric direction {self.direction!r}: expected higher or lower")

    @property
    def higher_is_better(self) -> bool:
        return self.direction == HIGHER

    def of(self, value: float) -> Metric:
        """This metric measured at ``value``."""
        return Metric(float(value), self)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"unit": self.unit, "direction": self.direction,
                                "label": self.label}
        if self.headline:
            data["headline"] = self.headline
        if self.alarm:
            data["alarm"] = self.alarm
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricSpec:
        return cls(
            str(data["unit"]),
            str(data["direction"]),
            str(data["label"]),
            int(data.get("headline", 0)),
            str(data.get("alarm", "")),
        )


@dataclass(frozen=True)
class Metric:
    """One measured value with its declaration.

    ``float(metric)`` is its value, so code that stores plain numbers (the
    history's rows) stores a metric as it always stored numbers.
    """

    value: float
    spec: MetricSpec

    def __float__(self) -> float:
        return self.value

    @property
    def unit(self) -> str:
        return self.spec.unit

    @property
    def direction(self) -> str:
        return self.spec.direction

    @property
    def label(self) -> str:
        return self.spec.label

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, **self.spec.to_dict()}


def shown(value: float) -> Decimal:
    """The displayed value of a metric (2 decimals, floored, as every report shows)."""
    return display_percent(exact_percent(value))


def change(before: float, after: float) -> Decimal:
    """The change between two displayed values (positive: the number went up)."""
    return shown(after) - shown(before)


def gain(spec: MetricSpec | None, delta: Decimal) -> Decimal | None:
    """``delta`` signed so that positive is better (``None`` without a declaration)."""
    if spec is None:
        return None
    return delta if spec.higher_is_better else -delta


def is_improvement(spec: MetricSpec | None, delta: Decimal) -> bool | None:
    """True/False for a move in the good/bad direction; None for no move or no declaration."""
    signed = gain(spec, delta)
    if signed is None or signed == 0:
        return None
    return signed > 0


def format_value(value: float, unit: str) -> str:
    """A metric as a reader sees it: ``85.00%``, ``3``, ``1.25 s``."""
    number = shown(value)
    if unit == PERCENT:
        return f"{number:.2f}%"
    if unit == SECONDS:
        return f"{number:.2f} s"
    return f"{number.normalize():f}"


# Metrics of the core (the single test run) and the ones computed over the
# analyses' results. They are declared here because no analysis owns them.
TESTS = "tests"
DERIVED = "derived"
CORE_METRICS: dict[str, dict[str, MetricSpec]] = {
    TESTS: {
        "suite_seconds": MetricSpec(SECONDS, LOWER, "test suite duration"),
        "tests_total": MetricSpec(COUNT, HIGHER, "tests"),
        "tests_failed": MetricSpec(COUNT, LOWER, "failed tests"),
    },
    DERIVED: {
        "theater_gap": MetricSpec(PERCENT, LOWER, "theater gap"),
        "flaky_tests": MetricSpec(COUNT, LOWER, "flaky tests"),
    },
}
THEATER_GAP = (DERIVED, "theater_gap")
FLAKY_TESTS = (DERIVED, "flaky_tests")


THEATER_GAP_INPUTS = ("line_percent", "mutation_score")
"""The metrics the theater gap is made of (by name, whichever analysis measures them)."""


def theater_gap(line_percent: float | None, mutation_score: float | None) -> float | None:
    """Line coverage minus mutation score: the share of executed code no test checks.

    Computed once, here, from the exact numbers; every report shows it with
    the one rounding rule. ``None`` when either side was not measured.
    """
    if line_percent is None or mutation_score is None:
        return None
    return float(line_percent) - float(mutation_score)
