"""The rule registry: every rule of the mocks analysis, by stable id."""

from __future__ import annotations

from auditor.mocks.rules import assertions, density, excepts, hygiene, meta, misuse, patches
from auditor.mocks.rules.base import SEVERITY_RANK, Example, Rule

ALL_RULES: tuple[Rule, ...] = (
    *patches.RULES, *density.RULES, *assertions.RULES, *misuse.RULES, *hygiene.RULES,
    *excepts.RULES, *meta.RULES,
)
RULES: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}


def get_rule(rule_id: str) -> Rule:
    """The rule with this id (``KeyError`` if unknown)."""
    return RULES[rule_id]


def opt_in_ids() -> list[str]:
    """Rules that are off unless ``[tool.audit.mocks] enable`` names them."""
    return [rule.id for rule in ALL_RULES if rule.opt_in]


def rule_ids() -> list[str]:
    return [rule.id for rule in ALL_RULES]


def severity_rank(rule_id: str) -> int:
    """0 for the most severe; unknown ids sort last."""
    rule = RULES.get(rule_id)
    return SEVERITY_RANK[rule.severity] if rule else len(SEVERITY_RANK)


__all__ = ["ALL_RULES", "RULES", "Example", "Rule", "get_rule", "opt_in_ids", "rule_ids",
           "severity_rank"]
