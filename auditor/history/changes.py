"""What changed between the two ends of a review period, finding by finding.

Findings (surviving mutants among them) are compared by their content-based
fingerprint: a surviving mutant's is its stable identity (function,
category, original and mutated code, ordinal among equals), so a survivor
whose code moved is neither new nor fixed. "New" is in the last run and
not the first; "fixed" is the same comparison the other way round.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from auditor.findings import SURVIVING_MUTANT
from auditor.history.metrics import MetricKey
from auditor.model import JSONDict


@dataclass
class DetailItem:
    """One new surviving mutant or finding, read generically from a report."""

    analysis: str
    kind: str  # the rule, or "survived mutant"
    location: str
    text: str
    test: str = ""


def rule_titles(docs: list[JSONDict]) -> dict[MetricKey, str]:
    """``(analysis, rule) -> title`` from the documents' findings (first document wins)."""
    titles: dict[MetricKey, str] = {}
    for doc in docs:
        for finding in doc.get("findings") or []:
            if isinstance(finding, dict) and finding.get("title"):
                key = (str(finding.get("analysis", "")), str(finding.get("rule", "")))
                titles.setdefault(key, str(finding["title"]))
    return titles


def _text(item: Any, *names: str) -> str:
    if not isinstance(item, dict):
        return str(item)
    for name in names:
        if item.get(name):
            return str(item[name])
    return ""


def _contract_findings(doc: JSONDict) -> list[JSONDict]:
    """The document's findings (the one contract), active ones only."""
    return [
        f for f in doc.get("findings") or [] if isinstance(f, dict) and not f.get("suppressed")
    ]


def new_items(start: JSONDict, end: JSONDict, survivors: bool) -> list[DetailItem]:
    """Findings of ``end`` whose fingerprint ``start`` does not have.

    Fingerprints are content-based (a surviving mutant's is its stable
    identity), so code that moved brings no "new" finding and hides none.
    """
    old = {(f.get("analysis"), f.get("fingerprint")) for f in _contract_findings(start)}
    return [
        DetailItem(
            str(f.get("analysis", "")),
            "survived mutant" if survivors else str(f.get("rule", "finding")),
            f"{f.get('path', '')}:{f['line']}" if f.get("line") else str(f.get("path", "")),
            str(f.get("message", "")),
            test=str(f.get("test", "")),
        )
        for f in _contract_findings(end)
        if (f.get("analysis"), f.get("fingerprint")) not in old
        and (f.get("rule") == SURVIVING_MUTANT) == survivors
    ]


def findings_of_tests(doc: JSONDict, nodeids: set[str]) -> dict[str, list[str]]:
    """``rule -> [new tests with a finding of that rule]`` (for the verdict)."""
    by_rule: dict[str, set[str]] = defaultdict(set)
    for item in _contract_findings(doc):
        test = _text(item, "test")
        hits = {n for n in nodeids if test and (n == test or n.endswith("::" + test))}
        for nodeid in hits:
            by_rule[_text(item, "rule") or "finding"].add(nodeid)
    return {rule: sorted(tests) for rule, tests in sorted(by_rule.items())}
