"""The gate: evaluate :class:`~auditor.analysis.GateRule` data against a report.

Rules come from each analysis's ``gate_rules`` (so a new analysis adds rules
without touching this module) and are evaluated against the ``report.json``
document, the same data every report shows. Percentages are compared after
the documented rounding of :func:`auditor.numbers.display_percent`, so the
displayed number is the one compared.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from auditor.analysis import GateRule
from auditor.model import GateResult, JSONDict, RuleResult
from auditor.numbers import display_percent, exact_percent


def _lookup(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(document, dict) and part in document:
            document = document[part]
        elif isinstance(document, list) and isinstance(part, int) and 0 <= part < len(document):
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

    def verdict(measured: float | None, status: str, reason: str = "") -> RuleResult:
        return RuleResult(
            id=rule.id,
            description=rule.description,
            comparison=rule.comparison,
            threshold=rule.threshold,
            measured=measured,
            status=status,
            reason=reason,
            analysis=rule.analysis,
            percent=rule.percent,
        )

    if rule.analysis not in analyses:
        return verdict(None, "skipped", f"the {rule.analysis} analysis did not run")
    section = analyses[rule.analysis]
    raw = _lookup(section, rule.path)
    if raw is None:
        reason = rule.skip_reason
        if rule.skip_reason_path is not None:
            reason = str(_lookup(section, rule.skip_reason_path) or reason)
        return verdict(None, "skipped", reason or "not measured")
    measured = measured_value(rule, raw)
    threshold = Decimal(str(rule.threshold))
    ok = measured >= threshold if rule.comparison == ">=" else measured <= threshold
    # A count stays an int; a non-percent value with decimals (seconds) keeps them.
    shown = float(measured) if rule.percent or measured != measured.to_integral_value() else int(
        measured)
    return verdict(shown, "passed" if ok else "failed")


def evaluate(rules: list[GateRule], analyses: JSONDict, enabled: bool = True) -> GateResult:
    """Evaluate all rules; rule order is kept (analyses decide a meaningful order)."""
    return GateResult(enabled=enabled, rules=[evaluate_rule(rule, analyses) for rule in rules])
