"""The mutation result: one record per mutant, scores computed from them.

Everything in ``to_dict`` that is a number is derived from the mutant
records (and the statement counts of each module), so a result read back
with ``from_dict`` - or merged from shards - yields the same scores.

Scores (percentages, exact fractions until display):

- ``score`` = (killed + timeout) / valid mutants, where valid excludes
  ``skipped`` and ``caught_by_type_check`` (not a verdict on the tests);
- ``covered_score`` = (killed + timeout) / valid mutants whose function some
  test reaches (``covered_by`` not empty): what the tests that run the code
  actually check. ``None`` when no valid mutant is covered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from auditor.contribution import section as contribution
from auditor.findings import SURVIVING_MUTANT, Finding, fingerprint
from auditor.metrics import COUNT, HIGHER, LOWER, PERCENT, SECONDS, Metric, MetricSpec
from auditor.model import JSONDict
from auditor.mutation import status as st
from auditor.mutation.identity import identities
from auditor.mutation.records import Counts, ModuleInfo, MutantRecord, NotMutated, count
from auditor.thresholds import ScoreThresholds

SURVIVOR_RULE = SURVIVING_MUTANT
SURVIVOR_TITLE = "a mutant of this line survived: no test noticed the change"
SURVIVOR_HELP = (
    "mutmut changed this code and every test still passed, so the tests run the code without "
    "checking what it does. Add an assertion on the behaviour the mutation changes (or, if the "
    "change makes no difference, simplify the code)."
)
PSEUDO_TESTED_RULE = "pseudo-tested-function"
PSEUDO_TESTED_TITLE = "a pseudo-tested function: the tests run it, and no mutant of it is caught"
PSEUDO_TESTED_HELP = (
    "Every mutant of this function survived although tests execute it: removing or changing "
    "any of its logic goes unnoticed. Its tests need assertions on what it returns or does."
)
METRICS: dict[str, MetricSpec] = {
    "mutation_score": MetricSpec(PERCENT, HIGHER, "mutation score", headline=3),
    "mutation_covered_score": MetricSpec(PERCENT, HIGHER, "mutation score on covered code"),
    "survivor_count": MetricSpec(COUNT, LOWER, "surviving mutants"),
    # auditor.mutation.limit: reported in the result's "limit" section, not a headline
    # (a property of the suite's speed and the machine, not a verdict on the tests)
    "mutation_limit_seconds": MetricSpec(SECONDS, LOWER, "mutation testing's physical limit"),
    **contribution.METRICS,  # the kill matrix's verdict on the tests
}
"""Every metric the mutation analysis reports, declared once."""


@dataclass
class MutationResult:
    """Mutation testing of the code under audit."""

    name: ClassVar[str] = "mutation"

    mutants: list[MutantRecord] = field(default_factory=list)
    module_info: dict[str, ModuleInfo] = field(default_factory=dict)
    not_mutated: list[NotMutated] = field(default_factory=list)
    kill_matrix: bool = False
    since: str | None = None
    changed_functions: list[str] | None = None  # "path::qualname" changed since `since`
    shard: str | None = None  # "K/N" when this is one shard's result
    shards_merged: int = 0
    mutmut_version: str = ""
    settings: JSONDict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # the explanation step: asked (survivors to explain), seconds, error of the step as a whole
    explain: JSONDict = field(default_factory=dict)
    # the kill matrix's verdict on the tests: first line of each test, and with
    # --since the tests added or changed since `tests_since` (node-id prefixes)
    test_lines: dict[str, int] = field(default_factory=dict)
    tests_since: str | None = None
    new_tests: list[str] | None = None
    # Stryker's high/low: the colour of a score in every report and in mutation.json
    thresholds: ScoreThresholds = field(default_factory=ScoreThresholds)
    # the run's physical limit next to its actual time (auditor.mutation.limit.RunLimit)
    limit: JSONDict | None = None

    # -- derived views ------------------------------------------------------

    @property
    def totals(self) -> Counts:
        return count(self.mutants)

    def by_key(self, key: str) -> dict[str, list[MutantRecord]]:
        groups: dict[str, list[MutantRecord]] = {}
        for mutant in self.mutants:
            groups.setdefault(getattr(mutant, key), []).append(mutant)
        return groups

    @property
    def complete(self) -> bool:
        return not any(m.status in (st.NOT_CHECKED, st.INTERRUPTED) for m in self.mutants)

    def function_key(self, mutant: MutantRecord) -> str:
        return f"{mutant.path}::{mutant.function}"

    def functions(self) -> dict[str, list[MutantRecord]]:
        groups: dict[str, list[MutantRecord]] = {}
        for mutant in self.mutants:
            groups.setdefault(self.function_key(mutant), []).append(mutant)
        return groups

    def pseudo_tested(self, functions: dict[str, list[MutantRecord]] | None = None) -> list[str]:
        """Functions that tests execute but where every (valid) mutant survives."""
        found = []
        for key, mutants in sorted((functions or self.functions()).items()):
            valid = [m for m in mutants if m.valid]
            if valid and all(m.covered_by and m.status == st.SURVIVED for m in valid):
                found.append(key)
        return found

    def changed_counts(self) -> Counts | None:
        if self.changed_functions is None:
            return None
        changed = set(self.changed_functions)
        return count([m for m in self.mutants if self.function_key(m) in changed])

    def survivors(self) -> list[MutantRecord]:
        """Surviving mutants, without those declared equivalent (see :meth:`equivalents`)."""
        return sorted(
            (m for m in self.mutants if m.status == st.SURVIVED and not m.equivalent),
            key=lambda m: (m.path, m.line, m.column, m.id),
        )

    def equivalents(self) -> list[MutantRecord]:
        return sorted(
            (m for m in self.mutants if m.status == st.SURVIVED and m.equivalent),
            key=lambda m: (m.path, m.line, m.column, m.id),
        )

    def verdict_counts(self) -> dict[str, int]:
        """Explained survivors by verdict (observable, side_effect, no_difference, failed)."""
        counts: Counter[str] = Counter(
            str(m.explanation["verdict"]) for m in self.survivors() if m.explanation
        )
        return dict(sorted(counts.items()))

    def tests_summary(self) -> dict[str, JSONDict] | None:
        """Per test: mutants it covers and kills (only when the kill matrix ran)."""
        if not self.kill_matrix:
            return None
        tests: dict[str, dict[str, int]] = {}
        for mutant in self.mutants:
            if not mutant.valid:
                continue
            for test in mutant.covered_by:
                tests.setdefault(test, {"covered": 0, "killed": 0})["covered"] += 1
            for test in mutant.killed_by or []:
                tests.setdefault(test, {"covered": 0, "killed": 0})["killed"] += 1
        return {name: dict(v) for name, v in sorted(tests.items())}

    def tests_verdict(self) -> contribution.TestsVerdict | None:
        """Unique kills, redundant tests, tests killing nothing (kill matrix only)."""
        if not self.kill_matrix:
            return None
        valid = [m for m in self.mutants if m.valid]
        return contribution.build(
            {m.id: m.covered_by for m in valid},
            {m.id: m.killed_by or [] for m in valid},
            self.test_lines,
            self.tests_since,
            self.new_tests,
        )

    def tests_killing_nothing(self) -> list[str] | None:
        summary = self.tests_summary()
        if summary is None:
            return None
        return [name for name, v in summary.items() if v["covered"] and not v["killed"]]

    # -- AnalysisResult protocol -------------------------------------------

    def to_dict(self) -> JSONDict:
        totals = self.totals
        modules: dict[str, Any] = {}
        for path, mutants in sorted(self.by_key("path").items()):
            info = self.module_info.get(path, ModuleInfo(path))
            modules[path] = {**count(mutants).to_dict(), **info.to_dict()}
        for path, info in sorted(self.module_info.items()):
            modules.setdefault(path, {**Counts().to_dict(), **info.to_dict()})
        for module in modules.values():
            module["score_level"] = self.thresholds.level(module["score"])
        by_function = self.functions()
        functions = {key: count(ms).to_dict() for key, ms in sorted(by_function.items())}
        identity = identities(self.mutants)
        pseudo_tested = self.pseudo_tested(by_function)
        changed = self.changed_counts()
        summary = self.tests_summary()
        verdict = self.tests_verdict()
        return {
            "score": totals.score,
            "covered_score": totals.covered_score,
            "total": totals.total,
            "valid": totals.valid,
            "detected": totals.detected,
            "counts": totals.status_dict(),
            "thresholds": self.thresholds.to_dict(),
            "score_level": self.thresholds.level(totals.score),
            "metric_levels": self.metric_levels(),  # read by the review, by metric name
            "complete": self.complete,
            "modules": dict(sorted(modules.items())),
            "functions": functions,
            "survivors": [{**m.to_dict(), "identity": identity[m.id]} for m in self.survivors()],
            "survivor_count": len(self.survivors()),
            "equivalent": [{**m.to_dict(), "identity": identity[m.id]} for m in self.equivalents()],
            "equivalent_count": totals.equivalent,
            "explain": {**self.explain, "verdicts": self.verdict_counts()},
            "limit": dict(self.limit) if self.limit is not None else None,
            "pseudo_tested": pseudo_tested,
            "pseudo_tested_count": len(pseudo_tested),
            "not_mutated": [n.to_dict() for n in self.not_mutated],
            "kill_matrix": self.kill_matrix,
            "tests": summary,
            "tests_killing_nothing": self.tests_killing_nothing(),
            "contribution": verdict.to_dict() if verdict else None,
            # test -> mutants it kills, read by the review whatever analysis holds it
            "kills_by_test": contribution.all_kills(verdict.matrix) if verdict else None,
            "since": self.since,
            "changed_functions": self.changed_functions,
            "changed": changed.to_dict() if changed is not None else None,
            "shard": self.shard,
            "shards_merged": self.shards_merged,
            "mutmut_version": self.mutmut_version,
            "settings": dict(self.settings),
            "notes": list(self.notes),
            "mutants": [
                {**m.to_dict(), "identity": identity[m.id]}
                for m in sorted(self.mutants, key=lambda m: m.id)
            ],
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> MutationResult:
        module_info = {
            path: ModuleInfo(path, int(m.get("statements", 0)), int(m.get("mutable_statements", 0)))
            for path, m in data.get("modules", {}).items()
        }
        return cls(
            mutants=[MutantRecord.from_dict(m) for m in data.get("mutants", [])],
            module_info=module_info,
            not_mutated=[NotMutated.from_dict(n) for n in data.get("not_mutated", [])],
            kill_matrix=bool(data.get("kill_matrix", False)),
            since=data.get("since"),
            changed_functions=data.get("changed_functions"),
            shard=data.get("shard"),
            shards_merged=int(data.get("shards_merged", 0)),
            mutmut_version=data.get("mutmut_version", ""),
            settings=dict(data.get("settings", {})),
            notes=list(data.get("notes", [])),
            explain={k: v for k, v in data.get("explain", {}).items() if k != "verdicts"},
            **_verdict_inputs(data.get("contribution")),
            thresholds=ScoreThresholds.from_dict(data.get("thresholds")),
            limit=dict(data["limit"]) if data.get("limit") is not None else None,
        )

    def metric_levels(self) -> dict[str, str]:
        """The Stryker level of each score metric (its colour in every report)."""
        totals = self.totals
        levels = {"mutation_score": self.thresholds.level(totals.score),
                  "mutation_covered_score": self.thresholds.level(totals.covered_score)}
        return {name: level for name, level in levels.items() if level is not None}

    def headline_metrics(self) -> dict[str, Metric]:
        totals = self.totals
        metrics = {"survivor_count": METRICS["survivor_count"].of(len(self.survivors()))}
        verdict = self.tests_verdict()
        if verdict is not None:
            metrics.update(verdict.metrics())
        if totals.score is not None:
            metrics["mutation_score"] = METRICS["mutation_score"].of(totals.score)
        if totals.covered_score is not None:
            metrics["mutation_covered_score"] = METRICS["mutation_covered_score"].of(
                totals.covered_score
            )
        return metrics

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        metrics: dict[str, dict[str, Metric]] = {}
        for path, mutants in self.by_key("path").items():
            score = count(mutants).score
            if score is not None:
                metrics[path] = {"mutation_score": METRICS["mutation_score"].of(score)}
        return metrics

    def pseudo_tested_findings(self) -> list[Finding]:
        """Each pseudo-tested function, on its first mutated line."""
        functions = self.functions()
        found = []
        for key in self.pseudo_tested(functions):
            valid = [m for m in functions[key] if m.valid]
            first = min(valid, key=lambda m: (m.line, m.column))
            found.append(
                Finding(
                    analysis=self.name,
                    rule=PSEUDO_TESTED_RULE,
                    severity="warning",
                    path=first.path,
                    line=first.line,
                    message=f"{first.function}: all {len(valid)} of its mutants survived; "
                    "the tests run it and check nothing it does",
                    fingerprint=fingerprint(PSEUDO_TESTED_RULE, key),
                    title=PSEUDO_TESTED_TITLE,
                    help=PSEUDO_TESTED_HELP,
                )
            )
        return found

    def report_findings(self) -> list[Finding]:
        """Each surviving mutant, on its line, fingerprinted by its stable identity; each
        pseudo-tested function; the verdicts on tests (when the kill matrix ran)."""
        identity = identities(self.mutants)
        verdict = self.tests_verdict()
        tests = verdict.findings(self.name) if verdict else []
        return tests + self.pseudo_tested_findings() + [
            Finding(
                analysis=self.name,
                rule=SURVIVOR_RULE,
                severity="warning",
                path=m.path,
                line=m.line,
                column=max(1, m.column),
                end_line=m.end_line or None,
                message=f"{m.function}: {m.original.strip()} -> {m.mutated.strip()} survived"
                + (f". {m.explanation['summary']}" if m.explanation else ""),
                fingerprint=fingerprint(SURVIVOR_RULE, identity[m.id]),
                title=SURVIVOR_TITLE,
                help=SURVIVOR_HELP,
                code=m.original.strip(),
                replacement=m.mutated.strip(),
            )
            for m in self.survivors()
        ]

    def terminal_lines(self, limit: int = 5) -> list[str]:
        """The explained survivors in short (observable first), for the terminal summary."""
        explain = self.explain
        lines: list[str] = []
        if explain.get("asked"):
            verdicts = ", ".join(
                f"{n} {v.replace('_', ' ')}" for v, n in self.verdict_counts().items()
            )
            lines.append(
                f"explained {explain['asked']} of {len(self.survivors())} survivors: "
                + verdicts
            )
        if explain.get("error"):
            lines.append(f"explanation step failed: {explain['error']}")
        order = {"observable": 0, "side_effect": 1, "no_difference": 2, "failed": 3}
        explained = [m for m in self.survivors() if m.explanation]
        explained.sort(
            key=lambda m: order.get(str(m.explanation["verdict"]), 4) if m.explanation else 4
        )
        for m in explained[:limit]:
            assert m.explanation is not None
            lines.append(
                f"{m.path}:{m.line} {m.explanation['verdict']}: {m.explanation['summary']}"
            )
        if self.equivalents():
            lines.append(
                f"{len(self.equivalents())} survivors declared equivalent (left out of the score)"
            )
        physical = self.limit or {}
        if physical.get("actual_over_limit") is not None:
            bound = "<= " if physical.get("basis") != "kill matrix" else ""
            lines.append(
                f"mutant phase {physical['actual_seconds']:.1f} s; physical limit "
                f"{physical['limit_seconds']:.3f} s on {physical['cores']} cores "
                f"({physical['basis']}): actual / limit {bound}{physical['actual_over_limit']:g}"
            )
        return lines

    def finding_counts(self) -> dict[str, int]:
        totals = self.totals
        return {
            SURVIVOR_RULE: len(self.survivors()),
            "no-tests-mutant": totals.by_status[st.NO_TESTS],
            PSEUDO_TESTED_RULE: len(self.pseudo_tested()),
        } | _verdict_counts(self.tests_verdict())


def _verdict_counts(verdict: contribution.TestsVerdict | None) -> dict[str, int]:
    """Findings of the kill matrix's verdict by rule (none when it did not run: not 0)."""
    return verdict.finding_counts() if verdict else {}


def _verdict_inputs(section: JSONDict | None) -> dict[str, Any]:
    """The fields of :class:`MutationResult` its ``contribution`` section was made from."""
    if not section:
        return {}
    since = section.get("since")
    return {
        "test_lines": {t: int(v.get("line", 0)) for t, v in section.get("tests", {}).items()},
        "tests_since": since.get("ref") if since else None,
        "new_tests": list(since["tests"]) if since else None,
    }
