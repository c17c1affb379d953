"""The facts of one test module (or ``conftest.py``): its tests, fixtures,
helpers and setUp methods, with the patches and assertions of each and the
findings one function's code decides alone.

Whether a function is a test is first guessed from its name and class (as
pytest's defaults would); the evaluator settles it with the ids the audit's
own test run collected. So findings that only apply to tests are computed for
every function and tagged with the roles they apply to.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.mocks import names as n
from auditor.mocks.facts import AssertSite, FileFacts, FunctionFacts, PatchFact
from auditor.mocks.rules import ALL_RULES, assertion_sites, patch_checks
from auditor.mocks.rules.hooks import FunctionContext
from auditor.mocks.scan import (
    FunctionScan,
    assigned_pairs,
    patch_api,
    produces_mock,
    scan_function,
)
from auditor.mocks.statements import body_of, statements


class TestFileExtractor:
    """Walks a test module's functions and classes into :class:`FileFacts`."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, module: cst.Module, facts: FileFacts) -> None:
        self.facts = facts
        self.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)

    def run(self) -> None:
        for stmt in statements(self.module):
            if isinstance(stmt, cst.FunctionDef):
                self._function(stmt, None, False, [], set())
            elif isinstance(stmt, cst.ClassDef):
                self._class(stmt, [], [])

    def _scan_for(self, body: cst.CSTNode, role: str,
                  injected: list[tuple[str, cst.Call | None]]) -> FunctionScan:
        return scan_function(body, role, self.facts.imports, self.positions, self.module, injected)

    def _class(self, node: cst.ClassDef, outer: list[str], inherited: list[cst.Call]) -> None:
        names = [*outer, node.name.value]
        bases = {n.canonical(n.dotted(a.value) or "", self.facts.imports) for a in node.bases}
        is_test_class = node.name.value.startswith("Test") or bool(
            bases & n.UNITTEST_BASES
        ) or any(b.endswith("TestCase") for b in bases)
        decorator_patches = list(inherited)
        probe = self._scan_for(cst.Module(body=[]), "helper", [])
        for decorator in node.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and patch_api(probe, call) is not None:
                decorator_patches.append(call)
        body = statements(body_of(node.body))
        # setUp runs first: the mocks it stores on self are mocks in every test
        setups = [s for s in body
                  if isinstance(s, cst.FunctionDef) and s.name.value in n.SETUP_METHODS]
        class_mocks: set[str] = set()
        for setup in setups:
            class_mocks |= self._function(setup, names, is_test_class, decorator_patches, set())
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef) and all(stmt is not s for s in setups):
                self._function(stmt, names, is_test_class, decorator_patches, class_mocks)
            elif isinstance(stmt, cst.ClassDef):
                self._class(stmt, names, decorator_patches)

    def _function(self, node: cst.FunctionDef, classes: list[str] | None, in_test_class: bool,
                  class_patches: list[cst.Call], class_mocks: set[str]) -> set[str]:
        """Record one function; return the ``self.`` attributes it stores mocks in."""
        name = node.name.value
        fixture_name, autouse = self._fixture(node)
        if fixture_name is not None:
            role = "fixture"
        elif name.startswith("test") and (classes is None or in_test_class):
            role = "test"
        elif classes is not None and name in n.SETUP_METHODS:
            role = "setup"
        else:
            role = "helper"
        params = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
        if classes is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        line, _ = self._position(node.name)
        column = self.positions[node].start.column + 1
        fn = FunctionFacts(
            qualname="::".join([*(classes or []), name]),
            name=name,
            role=role,
            line=line,
            column=column,
            end_line=self.positions[node].end.line,
            class_name="::".join(classes) if classes else None,
            params=params,
            fixture_name=fixture_name,
            autouse=autouse,
        )
        probe = self._scan_for(cst.Module(body=[]), role, [])
        decorator_calls: list[tuple[cst.Call, str]] = [
            (d.decorator, "decorator") for d in node.decorators
            if isinstance(d.decorator, cst.Call) and patch_api(probe, d.decorator) is not None
        ]
        # mock.patch applies a class decorator to the methods named test*
        if name.startswith("test"):
            decorator_calls += [(c, "class-decorator") for c in class_patches]
        injected: list[tuple[str, cst.Call | None]] = []
        creating = [c for c, _ in decorator_calls if _decorator_injects(probe, c)]
        for param, call in zip(params, reversed(creating), strict=False):
            injected.append((param, call))
        for param in params[len(creating):]:
            if param.startswith("mock_") or param.endswith("_mock") or param.startswith("mocked_"):
                injected.append((param, None))
        injected += [(name, None) for name in sorted(class_mocks)]
        scan = self._scan_for(node.body, role, injected)
        scan.parametrized = _parametrized(probe, node)
        scan.name = fn.qualname
        for call, via in decorator_calls:
            fact = patch_checks.patch_fact(scan, call, via)
            if fact is not None:
                given = next((p for p, c in injected if c is call), None)
                fact.used = fact.used or (given is not None and scan.is_used(given))
                fact.bound = given or ""
                fact.factory = given is not None and given in _called_names(scan)
                fact.interface = fact.interface or (given is not None and scan.has_interface(given))
                fn.patches.append(fact)
        self._analyse(scan, fn)
        if _warnings_are_errors(probe, node):
            fn.asserts.append(AssertSite("expect", line, column))
        self.facts.functions.append(fn)
        return {var for var in scan.mock_vars if var.startswith("self.")}

    def _analyse(self, scan: FunctionScan, fn: FunctionFacts) -> None:
        bound = _bound_names(scan)
        called = _called_names(scan)
        contained = _contained_mocks(scan)
        stand_in_ids, stand_in_names = _module_stand_ins(scan)
        contained |= stand_in_ids
        contained |= {i for i, name in bound.items() if name in stand_in_names}
        for call, _loop in scan.calls:
            fact = patch_checks.patch_fact(scan, call, "call")
            if fact is not None:
                var = bound.get(id(call))
                fact.used = (fact.used or (var is not None and scan.is_used(var))
                             or id(call) in scan.configured_calls or scan.hands_out(var, call))
                fact.bound = var or ""
                fact.factory = var is not None and var in called
                fact.interface = fact.interface or (var is not None and scan.has_interface(var))
                fn.patches.append(fact)
                continue
            func = call.func
            canonical = scan.canonical(func) or ""
            if canonical in n.SKIP_FUNCTIONS or (
                isinstance(func, cst.Attribute) and func.attr.value in n.SKIP_METHODS
            ):
                fn.skips = True
            if isinstance(func, cst.Name) and func.value not in self.facts.imports:
                fn.helper_calls.append(func.value)
            elif isinstance(func, cst.Attribute) and n.dotted(func.value) in ("self", "cls"):
                fn.helper_calls.append("self." + func.attr.value)
        for assign, target in scan.stubs:
            stub = patch_checks.stub_fact(scan, assign, target)
            # a mock stored on an unknown object may fill a hook slot (a callback),
            # not replace code: only a stub on a module, a class or an instance the
            # test made from the package is a patch
            if stub.object_ref is not None:
                fn.patches.append(stub)
        fn.asserts = assertion_sites.assertion_sites(scan)
        # every rule's function hook, in registry order; a finding that names no
        # roles applies to the roles its rule declares
        context = FunctionContext(scan, fn, bound, contained)
        for rule in ALL_RULES:
            for finding in rule.check_function(context):
                if not finding.roles:
                    finding.roles = list(rule.roles)
                fn.findings.append(finding)
        fn.findings.sort(key=lambda f: (f.line, f.column, f.rule))

    def _fixture(self, node: cst.FunctionDef) -> tuple[str | None, bool]:
        for decorator in node.decorators:
            expr = decorator.decorator
            call = expr if isinstance(expr, cst.Call) else None
            target = call.func if call is not None else expr
            canonical = n.canonical(n.dotted(target) or "", self.facts.imports)
            if canonical not in n.FIXTURE_DECORATORS:
                continue
            name = node.name.value
            autouse = False
            if call is not None:
                name_arg = n.keyword(call, "name")
                if name_arg is not None:
                    name = n.string_value(name_arg.value) or name
                autouse_arg = n.keyword(call, "autouse")
                autouse = autouse_arg is not None and n.dotted(autouse_arg.value) == "True"
            return name, autouse
        return None, False

    def _position(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.positions[node].start
        return start.line, start.column + 1


def _decorator_injects(scan: FunctionScan, call: cst.Call) -> bool:
    """A ``@patch`` decorator passes a mock argument unless ``new`` is given."""
    api = patch_api(scan, call)
    if api not in ("patch", "object"):
        return False
    args = n.positional(call)
    limit = 1 if api == "patch" else 2
    return len(args) <= limit and n.keyword(call, "new") is None


def _parametrized(scan: FunctionScan, node: cst.FunctionDef) -> set[str]:
    """The argument names of the function's ``@pytest.mark.parametrize`` decorators."""
    found: set[str] = set()
    for decorator in node.decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call):
            continue
        if not (scan.canonical(call.func) or "").endswith("mark.parametrize"):
            continue
        args = n.positional(call)
        keyword = n.keyword(call, "argnames")
        argnames = args[0] if args else (keyword.value if keyword is not None else None)
        if argnames is None:
            continue
        text = n.string_value(argnames)
        if text is not None:
            found.update(part.strip() for part in text.split(",") if part.strip())
        elif isinstance(argnames, cst.List | cst.Tuple):
            found.update(v for e in argnames.elements if (v := n.string_value(e.value)))
    return found


def _called_names(scan: FunctionScan) -> set[str]:
    """Names whose call result the function keeps (``request = Request()``): a patch
    mock used so is a factory of stand-ins, not a replaced piece of code."""
    return {name for assign in scan.assigns for _target, value in assigned_pairs(assign)
            if isinstance(value, cst.Call) and (name := n.dotted(value.func)) is not None}


def _warnings_are_errors(scan: FunctionScan, node: cst.FunctionDef) -> bool:
    """``@pytest.mark.filterwarnings("error")``: the test checks that no warning is raised."""
    for decorator in node.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call) and (scan.canonical(call.func) or "").endswith(
            "mark.filterwarnings"
        ):
            args = n.positional(call)
            if args and (n.string_value(args[0]) or "").startswith("error"):
                return True
    return False


def _bound_names(scan: FunctionScan) -> dict[int, str]:
    """id of a call -> the name its result is stored in (``x = Mock()``, ``with
    patch(...) as x``, ``x = patch(...).start()``, ``obj.attr = Mock()``)."""
    bound: dict[int, str] = {}
    for assign in scan.assigns:
        for target, assigned in assigned_pairs(assign):
            value = assigned.expression if isinstance(assigned, cst.Await) else assigned
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and (
                value.func.attr.value == "start" and isinstance(value.func.value, cst.Call)
            ):
                value = value.func.value
            name = n.dotted(target)
            if isinstance(value, cst.Call) and name is not None:
                bound.setdefault(id(value), name)
    for item in scan.with_items:
        if isinstance(item.item, cst.Call) and item.asname is not None:
            name = n.dotted(item.asname.name) if isinstance(
                item.asname.name, cst.Name | cst.Attribute) else None
            if name is not None:
                bound[id(item.item)] = name
    return bound


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[int] = set()
        self.names: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        self.ids.add(id(node))

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _module_stand_ins(scan: FunctionScan) -> tuple[set[int], set[str]]:
    """Mocks put into a dict by ``patch.dict`` (``sys.modules``: a module that is
    not installed here, so there is nothing to take a spec from)."""
    found = _Nodes()
    for call, _loop in scan.calls:
        if patch_api(scan, call) == "dict":
            for arg in call.args:
                arg.value.visit(found)
    return found.ids, found.names


def _contained_mocks(scan: FunctionScan) -> set[int]:
    """ids of mock constructors that are part of another mock: an argument of a
    mock constructor (``Mock(get=Mock())``) or stored on a mock (``m.get = Mock()``)."""
    contained: set[int] = set()
    names: set[str] = set()
    for call, _loop in scan.calls:
        if produces_mock(scan, call) and patch_api(scan, call) is None:
            contained.update(id(a.value) for a in call.args)
            names.update(name for a in call.args if (name := n.dotted(a.value)) is not None)
    for assign in scan.assigns:
        for target, value in assigned_pairs(assign):
            if isinstance(target, cst.Attribute) and scan.mock_root(target.value) is not None:
                contained.add(id(value))
    # ``context = MagicMock(); MagicMock(return_value=context)``: part of the outer one
    contained.update(i for i, name in _bound_names(scan).items() if name in names)
    return contained


__all__ = ["PatchFact", "TestFileExtractor"]
