"""The gate: evaluate :class:`~auditor.analysis.GateRule` data against a report.

Rules come from each analysis's ``gate_rules`` (so a new analysis adds rules
without touching this module) and are evaluated against the ``report.json``
document, the same data every report shows. Percentages are compared after
the documented rounding of :func:`auditor.numbers.display_percent`, so the
displayed number is the one compared.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from auditor.analysis import GateRule
from auditor.model import GateResult, JSONDict, RuleResult
from auditor.numbers import display_percent

# Percentages travel through JSON as floats. Every percentage the auditor
# computes is 100 * a / b with b far below this bound, so the exact fraction
# is recovered from the float before rounding (no 84.99 turning into 84.98).
_MAX_DENOMINATOR = 10**6


def exact_percent(value: float) -> Fraction:
    """Recover the exact fraction behind a percentage that went through a float."""
    return Fraction(value).limit_denominator(_MAX_DENOMINATOR)


def _lookup(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(document, dict) and part in document:
            document = document[part]
        elif isinstance(document, list) and isinstance(part, int) and part < len(document):
            document = document[part]
        else:
            return None
    return document


def measured_value(rule: GateRule, raw: float | int) -> Decimal:
    """The value a rule compares: rounded for percentages, exact for counts."""
    if rule.percent:
        return display_percent(exact_percent(float(raw)))
    return Decimal(str(raw))


def evaluate_rule(rule: GateRule, analyses: JSONDict) -> RuleResult:
    """Evaluate one rule against ``report["analyses"]``."""
    base = dict(
        id=rule.id,
        description=rule.description,
        comparison=rule.comparison,
        threshold=rule.threshold,
        analysis=rule.analysis,
        percent=rule.percent,
    )
    if rule.analysis not in analyses:
        return RuleResult(
            **base, measured=None, status="skipped",
            reason=f"the {rule.analysis} analysis did not run",
        )
    section = analyses[rule.analysis]
    raw = _lookup(section, rule.path)
    if raw is None:
        reason = rule.skip_reason
        if rule.skip_reason_path is not None:
            reason = str(_lookup(section, rule.skip_reason_path) or reason)
        return RuleResult(**base, measured=None, status="skipped", reason=reason or "not measured")
    measured = measured_value(rule, raw)
    threshold = Decimal(str(rule.threshold))
    ok = measured >= threshold if rule.comparison == ">=" else measured <= threshold
    return RuleResult(
        **base,
        measured=float(measured) if rule.percent else int(measured),
        status="passed" if ok else "failed",
    )


def evaluate(rules: list[GateRule], analyses: JSONDict, enabled: bool = True) -> GateResult:
    """Evaluate all rules; rule order is kept (analyses decide a meaningful order)."""
    return GateResult(enabled=enabled, rules=[evaluate_rule(rule, analyses) for rule in rules])
