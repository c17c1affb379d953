"""The kill matrix's verdict on the tests, in the shapes the contract reads.

:func:`build` turns the valid mutants' covering and killing tests (and, with
``--since REF``, the test functions added or changed since REF) into
:class:`TestsVerdict`: the ``report.json`` part (per test, per test file,
the lists), the declared metrics (:data:`METRICS`) and the findings (one per
test that kills nothing, is redundant, or is new and catches nothing new).
It names no analysis; the mutation result hands its mutants in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.contribution.kills import Contribution, base_name, contribution, new_kills
from auditor.findings import Finding, fingerprint
from auditor.metrics import COUNT, HIGHER, LOWER, Metric, MetricSpec

KILLS_NOTHING = "test-kills-nothing"
REDUNDANT = "redundant-test"
NEW_WITHOUT_UNIQUE = "new-test-without-unique-kills"
GATE_KEY = "new_tests_without_unique_kills"

METRICS: dict[str, MetricSpec] = {
    "tests_with_unique_kills": MetricSpec(COUNT, HIGHER, "tests with unique kills"),
    "redundant_tests": MetricSpec(COUNT, LOWER, "redundant tests (every kill shared)"),
    "tests_killing_nothing": MetricSpec(COUNT, LOWER, "tests killing no mutant they cover"),
    "new_tests_with_unique_kills": MetricSpec(
        COUNT, HIGHER, "new or changed tests that catch something new"
    ),
    GATE_KEY: MetricSpec(
        COUNT,
        LOWER,
        "new or changed tests that catch nothing new",
        alarm="{value} new or changed tests kill no mutant the older tests miss.",
    ),
}
"""The metrics of the kill matrix's verdict, declared once."""

_HELP = {
    KILLS_NOTHING: (
        "a test that covers mutated code and kills no mutant",
        "The kill matrix ran this test under every mutant of the code it reaches and it passed "
        "each time: it runs the code without checking what the code does. Assert on the "
        "results it produces, or delete it.",
    ),
    REDUNDANT: (
        "a test whose every kill another test also makes",
        "Each mutant this test kills is killed by some other test too, so for mutation "
        "purposes it adds nothing that the rest of the suite lacks. Keep it if it documents "
        "a case or fails faster; otherwise it is a candidate to merge or delete. (Two tests "
        "that repeat each other are both listed: delete one, not both.)",
    ),
    NEW_WITHOUT_UNIQUE: (
        "a test added or changed since the reference that catches nothing new",
        "This test is new or changed since the reference, yet every mutant it kills is killed "
        "by an older test as well (or it kills none): it bought no detection the suite did not "
        "have. Point it at behaviour the older tests leave unchecked.",
    ),
}


@dataclass
class TestsVerdict:
    """What the kill matrix says about the tests (see the module docstring)."""

    __test__ = False  # not a pytest test class, whatever its name

    matrix: Contribution
    lines: dict[str, int] = field(default_factory=dict)
    since: str | None = None
    new_tests: list[str] | None = None  # node-id prefixes added or changed since `since`
    catching_new: dict[str, list[str]] = field(default_factory=dict)  # new test -> mutants

    @property
    def judged(self) -> bool:
        return self.new_tests is not None

    def new_without_unique(self) -> list[str]:
        return [t for t in self.new_tests or [] if not self.catching_new.get(t)]

    def to_dict(self) -> dict[str, Any]:
        tests = {
            name: {
                "covered": len(t.covered),
                "killed": len(t.killed),
                "unique_kills": list(t.unique),
                "line": self.lines.get(name, 0),
            }
            for name, t in self.matrix.tests.items()
        }
        since = None
        if self.new_tests is not None:
            since = {
                "ref": self.since,
                "count": len(self.new_tests),
                "catching_new_count": len(self.new_tests) - len(self.new_without_unique()),
                "tests": list(self.new_tests),
                "catching_new": {t: list(self.catching_new.get(t, [])) for t in self.new_tests},
                "without_unique_kills": self.new_without_unique(),
            }
        return {
            "tests": tests,
            "with_unique_kills": self.matrix.with_unique_kills(),
            "redundant": self.matrix.redundant(),
            "killing_nothing": self.matrix.killing_nothing(),
            "files": self.files(),
            "since": since,
            GATE_KEY: None if self.new_tests is None else len(self.new_without_unique()),
        }

    def files(self) -> dict[str, dict[str, int]]:
        """Per test file: its tests in the kill matrix and how they fare (and the new ones)."""
        rows: dict[str, dict[str, int]] = {}

        def row(nodeid: str) -> dict[str, int]:
            empty = dict.fromkeys(("tests", "with_unique_kills", "redundant", "killing_nothing"), 0)
            if self.new_tests is not None:
                empty.update(new_tests=0, catching_new=0)
            return rows.setdefault(nodeid.split("::", 1)[0], empty)

        for name, t in self.matrix.tests.items():
            counts = row(name)
            counts["tests"] += 1
            counts["with_unique_kills"] += int(bool(t.unique))
            counts["redundant"] += int(t.redundant)
            counts["killing_nothing"] += int(t.kills_nothing)
        for name in self.new_tests or []:
            counts = row(name)
            counts["new_tests"] += 1
            counts["catching_new"] += int(bool(self.catching_new.get(name)))
        return dict(sorted(rows.items()))

    def metrics(self) -> dict[str, Metric]:
        found = {
            "tests_with_unique_kills": len(self.matrix.with_unique_kills()),
            "redundant_tests": len(self.matrix.redundant()),
            "tests_killing_nothing": len(self.matrix.killing_nothing()),
        }
        if self.new_tests is not None:
            found["new_tests_with_unique_kills"] = len(self.new_tests) - len(
                self.new_without_unique()
            )
            found[GATE_KEY] = len(self.new_without_unique())
        return {name: METRICS[name].of(value) for name, value in found.items()}

    def findings(self, analysis: str) -> list[Finding]:
        found = []
        for name, t in self.matrix.tests.items():
            if t.kills_nothing:
                found.append(self._finding(
                    analysis, KILLS_NOTHING, "warning", name,
                    f"{name} covers {len(t.covered)} mutants and kills none of them",
                ))
            elif t.redundant:
                found.append(self._finding(
                    analysis, REDUNDANT, "note", name,
                    f"every mutant {name} kills ({len(t.killed)}) is killed by another test too",
                ))
        for name in self.new_without_unique():
            nodes = [t for n, t in self.matrix.tests.items() if base_name(n) == name]
            killed = sum(len(t.killed) for t in nodes)
            why = (
                f"its {killed} kills are all made by older tests too"
                if killed
                else "it kills no mutant"
            )
            found.append(self._finding(
                analysis, NEW_WITHOUT_UNIQUE, "warning", name,
                f"{name} (added or changed since {self.since}) catches nothing new: {why}",
            ))
        return found

    def finding_counts(self) -> dict[str, int]:
        counts = {KILLS_NOTHING: len(self.matrix.killing_nothing()),
                  REDUNDANT: len(self.matrix.redundant())}
        if self.new_tests is not None:
            counts[NEW_WITHOUT_UNIQUE] = len(self.new_without_unique())
        return counts

    def _finding(self, analysis: str, rule: str, severity: str, test: str, message: str) -> Finding:
        title, help_text = _HELP[rule]
        line = self.lines.get(test, 0)
        if not line:
            line = next((n for t, n in self.lines.items() if base_name(t) == test and n), 0)
        return Finding(
            analysis=analysis,
            rule=rule,
            severity=severity,
            path=test.split("::", 1)[0],
            line=line,
            message=message,
            fingerprint=fingerprint(rule, test),
            title=title,
            help=help_text,
            test=test,
        )


def build(
    covered_by: Mapping[str, Iterable[str]],
    killed_by: Mapping[str, Iterable[str]],
    lines: Mapping[str, int] | None = None,
    since: str | None = None,
    new_tests: Iterable[str] | None = None,
) -> TestsVerdict:
    """The verdict over valid mutants (``mutant -> tests`` maps), optionally judging
    ``new_tests`` (node-id prefixes added or changed since ``since``)."""
    matrix = contribution(covered_by, killed_by)
    verdict = TestsVerdict(matrix, dict(lines or {}), since)
    if new_tests is not None:
        verdict.new_tests = sorted(set(new_tests))
        per_node = new_kills(all_kills(matrix), set(verdict.new_tests))
        for node, mutants in per_node.items():
            if mutants:
                key = node if node in verdict.new_tests else base_name(node)
                verdict.catching_new.setdefault(key, [])
                verdict.catching_new[key] = sorted({*verdict.catching_new[key], *mutants})
    return verdict


def all_kills(matrix: Contribution) -> dict[str, list[str]]:
    """``test -> mutants it kills`` of every test of the matrix (the review's input)."""
    return {name: list(t.killed) for name, t in matrix.tests.items()}

