"""The last steps over the findings of every file: one finding per rule and
line, mock-internal and mock-no-spec of one patch merged, code lines and
fingerprints; and what the audit's test run says about each test."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from auditor.mocks.result import Finding
from auditor.model import TestRun

_RAN = ("passed", "xpassed")
_INTERNAL = "mock-internal"
_NO_SPEC = "mock-no-spec"


@dataclass
class RunFacts:
    """The test run seen per static test id (parametrized instances folded)."""

    executed: dict[str, int]  # test id -> fewest assertions any run instance executed
    skipped: set[str]  # test ids every instance of which was skipped
    collected: set[str]  # every test id the run collected

    def files(self) -> set[str]:
        return {test.split("::", 1)[0] for test in self.collected}


def run_facts(test_run: TestRun | None) -> RunFacts:
    facts = RunFacts({}, set(), set())
    if test_run is None:
        return facts
    outcomes: dict[str, set[str]] = {}
    uncounted: set[str] = set()  # ran, but pytest did not rewrite its asserts
    for outcome in test_run.tests:
        node = outcome.nodeid
        bracket = node.find("[")
        if bracket != -1:
            node = node[:bracket]
        facts.collected.add(node)
        outcomes.setdefault(node, set()).add(outcome.outcome)
        if outcome.outcome not in _RAN:
            continue
        count = outcome.assertions_executed
        if count is None or node in uncounted:
            # unknown: the test gets the static verdict, as one that did not run
            uncounted.add(node)
            facts.executed.pop(node, None)
            continue
        previous = facts.executed.get(node)
        facts.executed[node] = count if previous is None else min(previous, count)
    facts.skipped = {node for node, seen in outcomes.items() if seen == {"skipped"}}
    return facts


def finalize(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, file, line), mock-no-spec folded into the
    mock-internal finding of the same patch, sorted."""
    unique: dict[tuple[str, str, int], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.path, finding.line), finding)
    for (rule, path, line), finding in list(unique.items()):
        if rule != _NO_SPEC:
            continue
        internal = unique.get((_INTERNAL, path, line))
        if internal is not None and internal.suppressed == finding.suppressed:
            internal.message += "; the patch also has no spec (" + finding.message + ")"
            del unique[(rule, path, line)]
    return sorted(unique.values(), key=lambda f: (f.path, f.line, f.column, f.rule))


def add_code_and_fingerprints(findings: list[Finding],
                              read_lines: Callable[[str], list[str]]) -> None:
    """Fill each finding's code line and its line-number-free fingerprint."""
    cache: dict[str, list[str]] = {}
    occurrences: dict[tuple[str, str, str, str], int] = {}
    for finding in findings:
        if finding.path not in cache:
            cache[finding.path] = read_lines(finding.path)
        lines = cache[finding.path]
        if 0 < finding.line <= len(lines):
            finding.code = lines[finding.line - 1].rstrip()[:300]
        normalized = " ".join(finding.code.split())
        key = (finding.rule, finding.path, finding.test, normalized)
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        blob = "\0".join([*key, str(occurrence)]).encode()
        finding.fingerprint = hashlib.sha256(blob).hexdigest()[:32]
