"""The cross-file part of the analysis: from the facts of every file to findings.

The engine of the rules' evaluation-time hooks: for every patch of every
function it builds a :class:`~auditor.mocks.rules.hooks.PatchContext` (the
target resolved against the project's import graph) and asks each rule's
``check_patch``; for every test a :class:`~auditor.mocks.rules.hooks.TestContext`
(its assertions and patches counted through helpers, fixtures and the
``conftest.py`` files above it, see :mod:`auditor.mocks.lookups`, and the audit's
run consulted) for each rule's ``check_test``. Then suppressions are applied
(:mod:`auditor.mocks.suppress`) and findings folded and fingerprinted
(:mod:`auditor.mocks.findings`). It is cheap (no parsing), so it runs on every
audit even when every file's facts came from the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.mocks.facts import FileFacts, FunctionFacts, LocalFinding, PatchFact
from auditor.mocks.findings import finalize, run_facts
from auditor.mocks.lookups import TestFile, TestLookups
from auditor.mocks.resolve import ProjectIndex
from auditor.mocks.result import Finding, MocksResult, ParseError, TestMetrics
from auditor.mocks.rules import ALL_RULES, RULES, meta, opt_in_ids, patch_checks, rule_ids
from auditor.mocks.rules.hooks import PatchContext, TestContext
from auditor.mocks.rules.patches import MOCK_INTERNAL
from auditor.mocks.suppress import apply_suppressions
from auditor.model import TestRun


@dataclass
class Settings:
    """``internal``: first-party modules that are code under audit even when they
    look like a binding to the outside (overrides an inferred boundary);
    ``enabled``: opt-in rules to run (they are off otherwise)."""

    packages: list[str]
    boundaries: list[str] = field(default_factory=list)
    max_patches: int = 4
    disabled: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)  # opt-in rules switched on


class _Evaluator:
    def __init__(self, facts: list[FileFacts], settings: Settings,
                 test_run: TestRun | None, seen: dict[str, bool | None] | None) -> None:
        self.settings = settings
        self.sources = {f.module: f for f in facts if f.kind == "source"}
        self.index = ProjectIndex(self.sources, settings.packages, settings.boundaries,
                                  settings.internal, seen)
        self.run_facts = run_facts(test_run)
        collected_files = self.run_facts.files()
        for file_facts in facts:
            if file_facts.kind == "test" and file_facts.path in collected_files:
                _settle_roles(file_facts, self.run_facts.collected)
        self.files = [TestFile(f) for f in facts if f.kind == "test" and not f.error]
        self.lookups = TestLookups(self.files)
        self.errors = [f for f in facts if f.error]
        self.runtime = self.run_facts.executed
        self.test_run = test_run

    def run(self) -> MocksResult:
        result = MocksResult(rule_ids=rule_ids(), max_patches=self.settings.max_patches,
                             boundaries=list(self.settings.boundaries),
                             inferred_boundaries=dict(self.index.inferred))
        self.lookups.find_users()
        raw: list[Finding] = []
        for facts in self.errors:
            result.parse_errors.append(ParseError(facts.path, facts.error or "", facts.error_line))
            raw.append(self._finding(meta.PARSE_ERROR.id, facts.path, facts.error_line or 1, 1,
                                     facts.path, facts.error or "cannot parse", "static"))
        for file in self.files:
            raw += self._file(file, result)
        result.files_analyzed = sum(1 for f in self.files) + sum(
            1 for f in self.errors if f.kind == "test")
        result.source_files_analyzed = len(self.sources)
        result.modules = self._direct_tests()
        result.inferred_boundaries.update(self.index.used_inferred)
        if self.test_run is None:
            result.runtime_note = (
                "the suite did not run in this audit: test-no-assert verdicts are static only"
            )
        else:
            matched = sum(1 for t in result.tests if t.assertions_executed is not None)
            result.runtime_used = matched > 0
            result.runtime_note = (
                f"executed-assertion counts from the audit's test run matched {matched} of "
                f"{len(result.tests)} tests; the others have static verdicts"
            )
        disabled = set(self.settings.disabled) | (
            set(opt_in_ids()) - set(self.settings.enabled))
        result.findings = finalize([f for f in raw if f.rule not in disabled])
        flagged: dict[str, int] = {}
        for finding in result.findings:
            if not finding.suppressed:
                flagged[finding.test] = flagged.get(finding.test, 0) + 1
        for metrics in result.tests:
            metrics.findings = flagged.get(metrics.test, 0)
        return result

    def _finding(self, rule: str, path: str, line: int, column: int, test: str, message: str,
                 source: str) -> Finding:
        return Finding(rule=rule, path=path, line=line, column=column, test=test,
                       message=message, severity=RULES[rule].severity, source=source)

    def _file(self, file: TestFile, result: MocksResult) -> list[Finding]:
        path = file.facts.path
        found: list[Finding] = []
        functions = file.facts.functions
        for local in file.facts.module_findings:
            owner = next((f for f in functions if f.line > local.line and f.class_name), None)
            test = f"{path}::{owner.class_name}" if owner and owner.class_name else path
            found.append(self._local(path, test, local))
        for fn in functions:
            reported_on = self.lookups.test_of(file, fn)
            for local in fn.findings:  # the rules' check_function findings, cached per file
                if (not local.roles or fn.role in local.roles) and (
                    local.rule not in RULES or RULES[local.rule].keep_local(self.index, local)
                ):
                    found.append(self._local(path, reported_on, local))
            internal = 0
            for patch in fn.patches:
                context = PatchContext(self.index, patch, fn)
                for rule in ALL_RULES:
                    message = rule.check_patch(context)
                    if not message:
                        continue
                    if rule is MOCK_INTERNAL:
                        internal += patch.count
                    found.append(self._finding(rule.id, path, patch.line, patch.column,
                                               reported_on, message, "static"))
            if fn.role == "test":
                found += self._test(file, fn, internal, result)
        apply_suppressions(file.facts, found, lambda line, test, message: self._finding(
            meta.BAD_SUPPRESSION.id, file.facts.path, line, 1, test, message, "static"))
        return found

    def _local(self, path: str, test: str, local: LocalFinding) -> Finding:
        return self._finding(local.rule, path, local.line, local.column, test, local.message,
                             "static")

    def _test(self, file: TestFile, fn: FunctionFacts, internal: int,
              result: MocksResult) -> list[Finding]:
        """The test's metrics, and every rule's ``check_test`` verdict on it."""
        path = file.facts.path
        test_id = f"{path}::{fn.qualname}"
        lookups = self.lookups
        helper_asserts = sum(
            1 for call in fn.helper_calls
            if ((h := lookups.helper(file, fn, call)) is not None and h is not fn
                and lookups.asserts(lookups.owner(file, h), h))
            or (h is None and "." not in call and lookups.class_asserts(file, call))
        )
        # a patched boundary (subprocess.run, requests.get) receives the code's
        # output: checking its calls checks what the code does
        at_boundary = {p.bound for p in fn.patches
                       if p.bound and patch_checks.patches_boundary(self.index, p)}
        mock_sites = [s for s in fn.asserts if s.on_mock and s.mock not in at_boundary]
        value_count = len(fn.asserts) - len(mock_sites) + helper_asserts
        patch_total = lookups.patch_count(file, fn)
        project_patches = lookups.patch_count(
            file, fn, lambda p: patch_checks.replaces_project_code(self.index, p))
        metrics = TestMetrics(
            test=test_id, path=path, line=fn.line, patches=patch_total,
            internal_patches=internal + self._fixture_internal_for(file, fn),
            assertions_static=len(fn.asserts) + helper_asserts,
            mock_assertions=len(mock_sites), value_assertions=value_count,
        )
        result.tests.append(metrics)
        executed = self.runtime.get(test_id)
        # skipped at run time, or a pytest-benchmark timing test: no verdict
        no_verdict = test_id in self.run_facts.skipped or "benchmark" in fn.params
        if no_verdict:
            metrics.no_assert_source = "runtime" if executed is not None else "static"
        elif executed is not None:
            metrics.assertions_executed = executed
            metrics.no_assert_source = "runtime"
        context = TestContext(
            function=fn, test_id=test_id, mock_assertions=len(mock_sites),
            value_assertions=value_count, patches=patch_total,
            project_patches=project_patches, max_patches=self.settings.max_patches,
            static_asserts=bool(fn.asserts) or helper_asserts > 0, executed=executed,
            # mock assert_* methods, parametrized expectations, warning filters and
            # assert_*() helpers of other modules (whose plain asserts pytest does not
            # rewrite) are not counted at run time: judge those statically
            uncounted=any(s.on_mock or s.kind in ("mock", "expect", "call")
                          for s in fn.asserts),
            no_verdict=no_verdict,
        )
        found: list[Finding] = []
        for rule in ALL_RULES:
            verdict = rule.check_test(context)
            if verdict is not None:
                found.append(self._finding(rule.id, path, fn.line, fn.column, test_id,
                                           verdict.message, verdict.source))
        return found

    def _fixture_internal_for(self, file: TestFile, fn: FunctionFacts) -> int:
        total = 0
        for param in fn.params:
            found = self.lookups.fixture(file, fn.class_name, param)
            if found is not None:
                total += sum(p.count for p in found[1].patches
                             if patch_checks.is_internal(self.index, p))
        return total

    def _direct_tests(self) -> dict[str, list[str]]:
        modules: dict[str, set[str]] = {
            name: set() for name, facts in self.sources.items() if facts.defines_code
        }
        for file in self.files:
            if file.facts.path.endswith("conftest.py"):
                continue
            for imported in file.facts.imported_modules:
                module = self.index.module_of(imported)
                if module is not None:
                    modules.setdefault(module, set()).add(file.facts.path)
        return {m: sorted(files) for m, files in modules.items()}


def _settle_roles(facts: FileFacts, collected: set[str]) -> None:
    """A function of a file the run collected is a test exactly when pytest
    collected it (whatever its name), so custom ``python_functions``, unittest
    classes with any name and non-test ``test*`` helpers come out right."""
    for fn in facts.functions:
        if fn.role in ("test", "helper"):
            fn.role = "test" if f"{facts.path}::{fn.qualname}" in collected else "helper"


def evaluate(facts: list[FileFacts], settings: Settings, test_run: TestRun | None,
             seen: dict[str, bool | None] | None = None,
             doubts: set[tuple[str, str]] | None = None) -> MocksResult:
    """The findings and metrics of the whole analysis. ``seen``: what importing
    modules showed about names static reading could not settle; ``doubts``, when
    given, receives the (module, attribute path) pairs still unsettled."""
    evaluator = _Evaluator(facts, settings, test_run, seen)
    result = evaluator.run()
    unjudged = evaluator.index.instance_doubts
    if unjudged:
        result.notes.append(
            f"mock-unresolved: {len(unjudged)} stub(s) on instances not judged: whether the "
            f"attribute exists only the run can tell (e.g. {sorted(unjudged)[0]}: set "
            "dynamically, or by a base class outside the package)")
    if doubts is not None:
        doubts.update(evaluator.index.doubts)
    return result


__all__ = ["PatchFact", "Settings", "evaluate"]
