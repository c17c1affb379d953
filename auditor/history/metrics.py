"""What the history knows about metric names: direction, display, derived metrics.

Metrics are whatever the analyses' ``headline_metrics`` return, so nothing
here lists them. Two conventions on names are enough:

- *direction*: a metric is "higher is better" unless its name ends with one
  of :data:`LOWER_IS_BETTER_SUFFIXES` (``import_failures``, ``suite_seconds``,
  ``theater_gap``, ``*_count``...). A regression is a move in the bad direction.
- *display*: values are shown and compared with the project's one rounding
  rule (:func:`auditor.numbers.display_percent`, floor to 2 decimals), so the
  regression gate compares the numbers a reader sees.

The one derived metric is the *theater gap*: line coverage minus mutation
score, the share of executed code whose behaviour no test checks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from auditor.model import JSONDict
from auditor.numbers import display_percent, exact_percent

LOWER_IS_BETTER_SUFFIXES = (
    "_failures",
    "_failed",
    "_cycles",
    "_seconds",
    "_count",
    "_gap",
    "_survived",
    "_survivors",
    "_findings",
    "flaky_tests",
)

DERIVED = "derived"
THEATER_GAP = (DERIVED, "theater_gap")
FLAKY_TESTS = (DERIVED, "flaky_tests")


def higher_is_better(metric: str) -> bool:
    return not metric.endswith(LOWER_IS_BETTER_SUFFIXES)


def shown(value: float) -> Decimal:
    """The displayed value of a metric (2 decimals, floored, as every report shows)."""
    return display_percent(exact_percent(value))


def shown_delta(current: float, previous: float) -> Decimal:
    """Change between two displayed values (positive = the number went up)."""
    return shown(current) - shown(previous)


def is_improvement(metric: str, delta: Decimal) -> bool | None:
    """True/False for a move in the good/bad direction, None for no move."""
    if delta == 0:
        return None
    return (delta > 0) == higher_is_better(metric)


def find_metric(
    metrics: dict[tuple[str, str], float], name: str
) -> tuple[tuple[str, str], float] | None:
    """Look a metric up by ``analysis.metric`` or by bare name (first analysis in order)."""
    analysis, _, metric = name.rpartition(".")
    for key in sorted(metrics):
        if key[1] == metric and (not analysis or key[0] == analysis):
            return key, metrics[key]
    return None


def with_derived(metrics: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Add the theater gap when both line coverage and a mutation score are known."""
    out = dict(metrics)
    line = find_metric(metrics, "line_percent")
    score = find_metric(metrics, "mutation_score")
    if line and score:
        out[THEATER_GAP] = line[1] - score[1]
    return out


def report_metrics(report: JSONDict) -> dict[tuple[str, str], float]:
    """Headline metrics of a ``report.json`` document, as the history would record them.

    Each analysis section is read back through its registered result type;
    a section of an analysis this installation does not know is left out.
    """
    from auditor.analysis import result_type

    metrics: dict[tuple[str, str], float] = {}
    for name, payload in sorted((report.get("analyses") or {}).items()):
        try:
            result: Any = result_type(name).from_dict(payload)
        except (KeyError, ImportError):
            continue
        for metric, value in result.headline_metrics().items():
            metrics[(name, metric)] = float(value)
    tests = report.get("tests")
    if tests:
        outcomes = [t.get("outcome") for t in tests.get("tests", [])]
        metrics[("tests", "suite_seconds")] = float(tests.get("duration_seconds", 0.0))
        metrics[("tests", "tests_total")] = float(len(outcomes))
        metrics[("tests", "tests_failed")] = float(
            sum(1 for o in outcomes if o in ("failed", "error"))
        )
    return metrics
