"""The mutation analysis's gate rules: scores, survivors, pseudo-tested functions, new tests.

Kept apart from :mod:`auditor.mutation.analysis` (which runs mutmut) so that the
rules, pure functions of the gate table and the result, read on their own.
"""

from __future__ import annotations

from typing import Any

from auditor.analysis import GateRule
from auditor.contribution.section import GATE_KEY as NEW_TESTS_GATE_KEY
from auditor.globs import matching, nothing_matched
from auditor.model import JSONDict


def gate_rules(owner: str, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
    """The gate rules the mutation keys of ``gate`` ask for, on the analysis's ``result``.

    A module pattern that matches no module is a visible skipped rule (as the
    coverage analysis gives), never silently nothing.
    """
    rules = []

    def percent(rule_id: str, key: str, path: tuple[str | int, ...], what: str) -> None:
        if key in gate:
            rules.append(
                GateRule(
                    rule_id,
                    owner,
                    f"{what} at least {gate[key]}%",
                    path,
                    ">=",
                    float(gate[key]),
                    skip_reason="no valid mutant to score",
                )
            )

    percent("mutation_score", "mutation_score", ("score",), "mutation score")
    percent(
        "mutation_covered_score",
        "mutation_covered_score",
        ("covered_score",),
        "mutation score on covered code",
    )
    if "mutation_changed_score" in gate:
        rules.append(
            GateRule(
                "mutation_changed_score",
                owner,
                "mutation score of changed functions at least "
                f"{gate['mutation_changed_score']}%",
                ("changed", "score"),
                ">=",
                float(gate["mutation_changed_score"]),
                skip_reason="run with --since REF to score changed functions",
            )
        )
    for pattern, threshold in sorted(gate.get("mutation_modules", {}).items()):
        matched = matching(pattern, result.get("modules", {}))
        if not matched:  # a visible skipped rule, as coverage's `modules` gives
            rules.append(
                GateRule(f"mutation_modules[{pattern}]", owner,
                         f"mutation score of modules matching {pattern}",
                         ("no-such-module",), ">=", float(threshold),
                         skip_reason=nothing_matched(pattern))
            )
        for path in matched:
            rules.append(
                GateRule(
                    f"mutation_modules[{pattern}]:{path}",
                    owner,
                    f"mutation score of {path} ({pattern}) at least {threshold}%",
                    ("modules", path, "score"),
                    ">=",
                    float(threshold),
                    skip_reason="no valid mutant in this module",
                )
            )
    def at_most(key: str, what: str, path: tuple[str | int, ...], skip_reason: str = "") -> None:
        if key in gate:
            rules.append(GateRule(key, owner, f"at most {gate[key]} {what}", path, "<=",
                                  float(gate[key]), percent=False, skip_reason=skip_reason))

    at_most("max_survivors", "surviving mutants", ("survivor_count",))
    at_most("max_pseudo_tested", "pseudo-tested functions", ("pseudo_tested_count",))
    at_most(NEW_TESTS_GATE_KEY, "tests added or changed since the reference that catch nothing new",
            ("contribution", NEW_TESTS_GATE_KEY),
            skip_reason="run with --since REF or --tests-since REF to judge new tests")
    return rules
