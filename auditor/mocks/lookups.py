"""Lookups over the test files: the ``conftest.py`` chain above a file, the
helpers and fixtures a function can reach, whether a function asserts (itself
or through helpers), the patches a test asks for, and which test a finding in
a helper, fixture or setUp method is reported on. No verdicts here: those are
the rules' (:mod:`auditor.mocks.evaluate` dispatches to them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from auditor.mocks.facts import FileFacts, FunctionFacts, PatchFact

PatchFilter = Callable[[PatchFact], bool]


def _every(fact: PatchFact) -> bool:
    return True


class TestFile:
    """One test file's functions, by (class, name) and by fixture name."""

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


class TestLookups:
    """Lookups across the test files of one analysis (results are memoized)."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, files: list[TestFile]) -> None:
        self.files = files
        self.conftests = {f.directory: f for f in files if f.facts.path.endswith("conftest.py")}
        self._asserting: dict[int, bool] = {}
        self._users: dict[int, str] = {}  # id of a helper/fixture/setUp -> a test using it

    def chain(self, file: TestFile) -> list[TestFile]:
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

    def helper(self, file: TestFile, fn: FunctionFacts, call: str) -> FunctionFacts | None:
        if call.startswith("self."):
            return file.helpers.get((fn.class_name, call[5:]))
        for candidate in self.chain(file):
            helper = candidate.helpers.get((None, call))
            if helper is not None and helper.role in ("helper", "test"):
                return helper  # a test may call another test of its module
        return None

    def fixture(self, file: TestFile, class_name: str | None,
                 name: str) -> tuple[TestFile, FunctionFacts] | None:
        if class_name is not None and (class_name, name) in file.fixtures:
            return file, file.fixtures[(class_name, name)]
        for candidate in self.chain(file):
            found = candidate.fixtures.get((None, name))
            if found is not None:
                return candidate, found
        return None

    def asserts(self, file: TestFile, fn: FunctionFacts, seen: frozenset[int] = frozenset()
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
            helper = self.helper(file, fn, call)
            if helper is not None and id(helper) not in seen and helper is not fn:
                owner = self.owner(file, helper)
                if self.asserts(owner, helper, seen | {key}):
                    result = True
                    break
        self._asserting[key] = result
        return result

    def class_asserts(self, file: TestFile, call: str) -> bool:
        """Whether ``call`` names a class of the test module (or its conftest
        chain) one of whose methods asserts: the code under test calls back into
        it (an application object whose ``wsgi()`` checks the environment), so
        constructing it hands the test's assertions to that code."""
        for candidate in self.chain(file):
            methods = [h for (owner, _name), h in candidate.helpers.items() if owner == call]
            if methods:
                return any(self.asserts(candidate, method) for method in methods)
        return False

    def owner(self, file: TestFile, fn: FunctionFacts) -> TestFile:
        for candidate in self.chain(file):
            if any(f is fn for f in candidate.facts.functions):
                return candidate
        return file

    def fixture_patches(self, file: TestFile, fixture: FunctionFacts,
                        seen: set[int], counts: PatchFilter = _every) -> int:
        """1 for a fixture that patches (itself or through the fixtures it requests):
        a fixture is one piece of the world the test asks to be replaced."""
        if id(fixture) in seen:
            return 0
        seen.add(id(fixture))
        if any(counts(p) for p in fixture.patches):
            return 1
        for param in fixture.params:
            found = self.fixture(file, fixture.class_name, param)
            if found is not None and self.fixture_patches(found[0], found[1], seen, counts):
                return 1
        return 0

    def helper_patches(self, file: TestFile, fn: FunctionFacts, seen: set[int],
                       counts: PatchFilter = _every) -> int:
        """Patches started by the local helpers ``fn`` calls (and the ones they call)."""
        total = 0
        for call in fn.helper_calls:
            helper = self.helper(file, fn, call)
            if helper is None or id(helper) in seen or helper is fn:
                continue
            seen.add(id(helper))
            owner = self.owner(file, helper)
            total += sum(p.count for p in helper.patches if counts(p))
            total += self.helper_patches(owner, helper, seen, counts)
        return total

    def patch_count(self, file: TestFile, fn: FunctionFacts,
                    counts: PatchFilter = _every) -> int:
        """The patches one test asks for: its own (decorators, body, the local
        helpers it calls, its setUp), one per patching fixture it requests.
        Autouse fixtures isolate every test alike and are not counted; ``counts``
        says which patches count (mock-density counts those of the code under audit)."""
        # several patch.dict / monkeypatch.setitem of one dict (sys.modules) replace
        # one thing: counted once
        own = [p for p in fn.patches if counts(p)]
        dicts = {p.target or p.object_ref or p.shown for p in own if p.api == "dict"}
        total = sum(p.count for p in own if p.api != "dict") + len(dicts)
        total += self.helper_patches(file, fn, {id(fn)}, counts)
        seen: set[int] = set()
        for setup in file.facts.functions:
            if setup.role == "setup" and setup.class_name == fn.class_name:
                total += sum(p.count for p in setup.patches if counts(p))
        for param in fn.params:
            found = self.fixture(file, fn.class_name, param)
            if found is not None:
                total += self.fixture_patches(found[0], found[1], seen, counts)
        return total

    def find_users(self) -> None:
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

    def _mark_users(self, file: TestFile, fn: FunctionFacts, test_id: str,
                    seen: set[int]) -> None:
        seen.add(id(fn))
        used: list[tuple[TestFile, FunctionFacts]] = []
        for call in fn.helper_calls:
            helper = self.helper(file, fn, call)
            if helper is not None:
                used.append((self.owner(file, helper), helper))
        for param in fn.params:
            found = self.fixture(file, fn.class_name, param)
            if found is not None:
                used.append(found)
        for owner, other in used:
            if id(other) not in seen and other.role != "test":
                self._users.setdefault(id(other), test_id)
                self._mark_users(owner, other, test_id, seen)

    def test_of(self, file: TestFile, fn: FunctionFacts) -> str:
        """The test a finding in ``fn`` is reported on."""
        path = file.facts.path
        if fn.role == "test":
            return f"{path}::{fn.qualname}"
        user = self._users.get(id(fn))
        if user is not None:
            return user
        return f"{path}::{fn.class_name}" if fn.class_name else path
