"""The mutation analysis's count rules of the gate, evaluated on a result's numbers.

The counts below are made up for the test and the verdicts follow from them
by hand: 3 survivors against "at most 2" fails, 0 pseudo-tested functions
against "at most 0" passes, and without a reference the new-tests rule is
skipped with the reason that says how to run it.
"""

from __future__ import annotations

from auditor.contribution.section import GATE_KEY as NEW_TESTS
from auditor.gate import evaluate
from auditor.mutation.gate import gate_rules

RESULT = {"survivor_count": 3, "pseudo_tested_count": 0, "contribution": {NEW_TESTS: None},
          "modules": {}}


def test_count_rules_compare_counts_and_skip_without_a_reference() -> None:
    gate = {"max_survivors": 2, "max_pseudo_tested": 0, NEW_TESTS: 1}
    verdicts = {r.id: r for r in evaluate(gate_rules("mutation", gate, RESULT),
                                          {"mutation": RESULT}).rules}
    assert set(verdicts) == {"max_survivors", "max_pseudo_tested", NEW_TESTS}
    assert (verdicts["max_survivors"].status, verdicts["max_survivors"].measured) == ("failed", 3)
    assert verdicts["max_pseudo_tested"].status == "passed"
    assert verdicts[NEW_TESTS].status == "skipped"
    assert "--since REF" in verdicts[NEW_TESTS].reason
    assert verdicts["max_survivors"].description == "at most 2 surviving mutants"


def test_no_key_no_rule() -> None:
    assert gate_rules("mutation", {}, RESULT) == []
