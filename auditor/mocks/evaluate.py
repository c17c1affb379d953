"""The cross-file part of the analysis: from the facts of every file to findings.

This is where patch targets are resolved against the project's import graph,
fixtures and helpers are looked up in the same module and the ``conftest.py``
files above it, the runtime assertion count refines ``test-no-assert``, and
suppressions are applied. It is cheap (no parsing), so it runs on every audit
even when every file's facts came from the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from auditor.mocks.facts import FileFacts, FunctionFacts, LocalFinding, PatchFact
from auditor.mocks.findings import finalize, run_facts
from auditor.mocks.resolve import ProjectIndex
from auditor.mocks.result import Finding, MocksResult, ParseError, TestMetrics
from auditor.mocks.rules import (
    RULES,
    assertions,
    meta,
    opt_in_ids,
    patch_checks,
    patches,
    rule_ids,
)
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


class _TestFile:
    """Lookups over one test file's functions."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.directory = str(PurePosixPath(facts.path).parent)
        self.helpers: dict[tuple[str | None, str], FunctionFacts] = {}
        self.fixtures: dict[tuple[str | None, str], FunctionFacts] = {}
        for fn in facts.functions:
            if fn.role == "fixture" and fn.fixture_name:
                self.fixtures[(fn.class_name, fn.fixture_name)] = fn
            else:
                self.helpers[(fn.class_name, fn.name)] = fn


class _Evaluator:
    def __init__(self, facts: list[FileFacts], settings: Settings,
                 test_run: TestRun | None) -> None:
        self.settings = settings
        self.sources = {f.module: f for f in facts if f.kind == "source"}
        self.index = ProjectIndex(self.sources, settings.packages, settings.boundaries,
                                  settings.internal)
        self.run_facts = run_facts(test_run)
        collected_files = self.run_facts.files()
        for file_facts in facts:
            if file_facts.kind == "test" and file_facts.path in collected_files:
                _settle_roles(file_facts, self.run_facts.collected)
        self.files = [_TestFile(f) for f in facts if f.kind == "test" and not f.error]
        self.conftests = {f.directory: f for f in self.files
                          if f.facts.path.endswith("conftest.py")}
        self.errors = [f for f in facts if f.error]
        self.runtime = self.run_facts.executed
        self.test_run = test_run
        self._asserting: dict[int, bool] = {}
        self._users: dict[int, str] = {}  # id of a helper/fixture/setUp -> a test using it

    # -- lookups ---------------------------------------------------------

    def _chain(self, file: _TestFile) -> list[_TestFile]:
        """The file itself, then the conftest.py files of its folder and above."""
        chain = [file]
        directory = PurePosixPath(file.directory)
        while True:
            conftest = self.conftests.get(str(directory))
            if conftest is not None and conftest is not file:
                chain.append(conftest)
            if str(directory) in (".", "/", ""):
                break
            directory = directory.parent
        return chain

    def _helper(self, file: _TestFile, fn: FunctionFacts, call: str) -> FunctionFacts | None:
        if call.startswith("self."):
            return file.helpers.get((fn.class_name, call[5:]))
        for candidate in self._chain(file):
            helper = candidate.helpers.get((None, call))
            if helper is not None and helper.role in ("helper", "test"):
                return helper  # a test may call another test of its module
        return None

    def _fixture(self, file: _TestFile, class_name: str | None,
                 name: str) -> tuple[_TestFile, FunctionFacts] | None:
        if class_name is not None and (class_name, name) in file.fixtures:
            return file, file.fixtures[(class_name, name)]
        for candidate in self._chain(file):
            found = candidate.fixtures.get((None, name))
            if found is not None:
                return candidate, found
        return None

    def asserts(self, file: _TestFile, fn: FunctionFacts, seen: frozenset[int] = frozenset()
                ) -> bool:
        """Whether ``fn`` asserts, itself or through helpers it calls."""
        key = id(fn)
        if key in self._asserting:
            return self._asserting[key]
        if fn.asserts:
            self._asserting[key] = True
            return True
        result = False
        for call in fn.helper_calls:
            helper = self._helper(file, fn, call)
            if helper is not None and id(helper) not in seen and helper is not fn:
                owner = self._owner(file, helper)
                if self.asserts(owner, helper, seen | {key}):
                    result = True
                    break
        self._asserting[key] = result
        return result

    def _owner(self, file: _TestFile, fn: FunctionFacts) -> _TestFile:
        for candidate in self._chain(file):
            if any(f is fn for f in candidate.facts.functions):
                return candidate
        return file

    def fixture_patches(self, file: _TestFile, fixture: FunctionFacts,
                        seen: set[int]) -> int:
        """1 for a fixture that patches (itself or through the fixtures it requests):
        a fixture is one piece of the world the test asks to be replaced."""
        if id(fixture) in seen:
            return 0
        seen.add(id(fixture))
        if fixture.patches:
            return 1
        for param in fixture.params:
            found = self._fixture(file, fixture.class_name, param)
            if found is not None and self.fixture_patches(found[0], found[1], seen):
                return 1
        return 0

    def helper_patches(self, file: _TestFile, fn: FunctionFacts, seen: set[int]) -> int:
        """Patches started by the local helpers ``fn`` calls (and the ones they call)."""
        total = 0
        for call in fn.helper_calls:
            helper = self._helper(file, fn, call)
            if helper is None or id(helper) in seen or helper is fn:
                continue
            seen.add(id(helper))
            owner = self._owner(file, helper)
            total += sum(p.count for p in helper.patches)
            total += self.helper_patches(owner, helper, seen)
        return total

    def patch_count(self, file: _TestFile, fn: FunctionFacts) -> int:
        """The patches one test asks for: its own (decorators, body, the local
        helpers it calls, its setUp), one per patching fixture it requests.
        Autouse fixtures isolate every test alike and are not counted."""
        # several patch.dict / monkeypatch.setitem of one dict (sys.modules) replace
        # one thing: counted once
        dicts = {p.target or p.object_ref or p.shown for p in fn.patches if p.api == "dict"}
        total = sum(p.count for p in fn.patches if p.api != "dict") + len(dicts)
        total += self.helper_patches(file, fn, {id(fn)})
        seen: set[int] = set()
        for setup in file.facts.functions:
            if setup.role == "setup" and setup.class_name == fn.class_name:
                total += sum(p.count for p in setup.patches)
        for param in fn.params:
            found = self._fixture(file, fn.class_name, param)
            if found is not None:
                total += self.fixture_patches(found[0], found[1], seen)
        return total

    # -- evaluation ------------------------------------------------------

    def run(self) -> MocksResult:
        result = MocksResult(rule_ids=rule_ids(), max_patches=self.settings.max_patches,
                             boundaries=list(self.settings.boundaries),
                             inferred_boundaries=dict(self.index.inferred))
        self._find_users()
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

    def _find_users(self) -> None:
        """For each helper, fixture and setUp method, the first test that uses it:
        its findings are reported on that test (a finding names a test)."""
        for file in self.files:
            for fn in file.facts.functions:
                if fn.role != "test":
                    continue
                test_id = f"{file.facts.path}::{fn.qualname}"
                for setup in file.facts.functions:
                    if setup.role == "setup" and setup.class_name == fn.class_name:
                        self._users.setdefault(id(setup), test_id)
                self._mark_users(file, fn, test_id, set())

    def _mark_users(self, file: _TestFile, fn: FunctionFacts, test_id: str,
                    seen: set[int]) -> None:
        seen.add(id(fn))
        used: list[tuple[_TestFile, FunctionFacts]] = []
        for call in fn.helper_calls:
            helper = self._helper(file, fn, call)
            if helper is not None:
                used.append((self._owner(file, helper), helper))
        for param in fn.params:
            found = self._fixture(file, fn.class_name, param)
            if found is not None:
                used.append(found)
        for owner, other in used:
            if id(other) not in seen and other.role != "test":
                self._users.setdefault(id(other), test_id)
                self._mark_users(owner, other, test_id, seen)

    def _test_of(self, file: _TestFile, fn: FunctionFacts) -> str:
        """The test a finding in ``fn`` is reported on."""
        path = file.facts.path
        if fn.role == "test":
            return f"{path}::{fn.qualname}"
        user = self._users.get(id(fn))
        if user is not None:
            return user
        return f"{path}::{fn.class_name}" if fn.class_name else path

    def _file(self, file: _TestFile, result: MocksResult) -> list[Finding]:
        path = file.facts.path
        found: list[Finding] = []
        functions = file.facts.functions
        for local in file.facts.module_findings:
            owner = next((f for f in functions if f.line > local.line and f.class_name), None)
            test = f"{path}::{owner.class_name}" if owner and owner.class_name else path
            found.append(self._local(path, test, local))
        for fn in functions:
            test_id = f"{path}::{fn.qualname}"
            reported_on = self._test_of(file, fn)
            for local in fn.findings:
                if not local.roles or fn.role in local.roles:
                    found.append(self._local(path, reported_on, local))
            internal = 0
            for patch in fn.patches:
                verdict = patch_checks.check_target(self.index, patch)
                if verdict is not None and verdict[0] == patches.MOCK_INTERNAL.id and (
                    fn.role == "fixture" and fn.autouse
                ):
                    verdict = None  # an autouse fixture isolates every test from the machine
                if verdict is not None:
                    if verdict[0] == patches.MOCK_INTERNAL.id:
                        internal += patch.count
                    found.append(self._finding(verdict[0], path, patch.line, patch.column,
                                               reported_on, verdict[1], "static"))
                reason = patch_checks.no_spec_patch_reason(self.index, patch)
                if reason:
                    found.append(self._finding(patches.MOCK_NO_SPEC.id, path, patch.line,
                                               patch.column, reported_on, reason, "static"))
            if fn.role == "test":
                found += self._test(file, fn, test_id, internal, result)
        apply_suppressions(file.facts, found, lambda line, test, message: self._finding(
            meta.BAD_SUPPRESSION.id, file.facts.path, line, 1, test, message, "static"))
        return found

    def _local(self, path: str, test: str, local: LocalFinding) -> Finding:
        return self._finding(local.rule, path, local.line, local.column, test, local.message,
                             "static")

    def _test(self, file: _TestFile, fn: FunctionFacts, test_id: str, internal: int,
              result: MocksResult) -> list[Finding]:
        path = file.facts.path
        found: list[Finding] = []
        helper_asserts = sum(
            1 for call in fn.helper_calls
            if (h := self._helper(file, fn, call)) is not None and h is not fn
            and self.asserts(self._owner(file, h), h)
        )
        # a patched boundary (subprocess.run, requests.get) receives the code's
        # output: checking its calls checks what the code does
        at_boundary = {p.bound for p in fn.patches
                       if p.bound and patch_checks.patches_boundary(self.index, p)}
        mock_sites = [s for s in fn.asserts if s.on_mock and s.mock not in at_boundary]
        value_count = len(fn.asserts) - len(mock_sites) + helper_asserts
        patch_total = self.patch_count(file, fn)
        metrics = TestMetrics(
            test=test_id, path=path, line=fn.line, patches=patch_total,
            internal_patches=internal + self._fixture_internal_for(file, fn),
            assertions_static=len(fn.asserts) + helper_asserts,
            mock_assertions=len(mock_sites), value_assertions=value_count,
        )
        result.tests.append(metrics)
        if mock_sites and value_count == 0:
            found.append(self._finding(
                assertions.MOCK_ONLY_ASSERTS.id, path, fn.line, fn.column, test_id,
                f"all {len(mock_sites)} assertion(s) check mock call records, none a result",
                "static"))
        if patch_total > self.settings.max_patches:
            found.append(self._finding(
                patches.MOCK_DENSITY.id, path, fn.line, fn.column, test_id,
                patch_checks.density_message(patch_total, self.settings.max_patches), "static"))
        static_asserts = bool(fn.asserts) or helper_asserts > 0
        executed = self.runtime.get(test_id)
        # mock assert_* methods, parametrized expectations, warning filters and
        # assert_*() helpers of other modules (whose plain asserts pytest does not
        # rewrite) are not counted at run time: judge those statically
        uncounted = any(s.on_mock or s.kind in ("mock", "expect", "call") for s in fn.asserts)
        if test_id in self.run_facts.skipped or "benchmark" in fn.params:
            # skipped at run time, or a pytest-benchmark timing test: no verdict
            metrics.no_assert_source = "runtime" if executed is not None else "static"
        elif executed is not None:
            metrics.assertions_executed = executed
            metrics.no_assert_source = "runtime"
            if executed == 0 and not uncounted:
                message = ("executed no assertion in the audit's test run"
                           + (" (its assertions are in branches never taken)"
                              if static_asserts else ""))
                found.append(self._finding(assertions.TEST_NO_ASSERT.id, path, fn.line,
                                           fn.column, test_id, message, "runtime"))
        elif not static_asserts and not fn.skips:
            found.append(self._finding(
                assertions.TEST_NO_ASSERT.id, path, fn.line, fn.column, test_id,
                "no assert, pytest.raises/warns, self.assert* or asserting helper", "static"))
        return found

    def _fixture_internal_for(self, file: _TestFile, fn: FunctionFacts) -> int:
        total = 0
        for param in fn.params:
            found = self._fixture(file, fn.class_name, param)
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


__all__ = ["PatchFact", "Settings", "evaluate"]


def evaluate(facts: list[FileFacts], settings: Settings, test_run: TestRun | None) -> MocksResult:
    return _Evaluator(facts, settings, test_run).run()
