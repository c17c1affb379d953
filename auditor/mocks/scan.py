"""One pass over a function's code, collecting the nodes the rules look at.

The rules never walk the tree themselves: a single visitor gathers the
asserts, calls, ``try`` statements, assignments and ``with`` items of a
function (nested functions included: a local helper runs as part of the test)
together with the little context the rules need (inside a loop, inside a
conditional branch), and which local names hold mocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from auditor.mocks import names as n


@dataclass
class FunctionScan:
    """The nodes of one function, plus what is known about its mocks."""

    role: str
    imports: dict[str, str]
    positions: Mapping[cst.CSTNode, CodeRange]
    module: cst.Module
    asserts: list[tuple[cst.Assert, bool]] = field(default_factory=list)  # (node, conditional)
    calls: list[tuple[cst.Call, bool]] = field(default_factory=list)  # (node, in a loop)
    trys: list[cst.Try | cst.TryStar] = field(default_factory=list)
    assigns: list[cst.Assign] = field(default_factory=list)
    with_items: list[cst.WithItem] = field(default_factory=list)
    mock_vars: set[str] = field(default_factory=set)
    configured: dict[str, set[str]] = field(default_factory=dict)  # mock var -> value code
    result_vars: dict[str, str] = field(default_factory=dict)  # var -> mock var it came from
    # dotted names whose call record is read or asserted (``m`` and ``m.get`` in
    # ``m.get.assert_called_once_with()``): a mock that is checked
    record_reads: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)  # mock vars given attributes (``m.x = 1``)
    handed_in: set[str] = field(default_factory=set)  # names passed to a call of non-mock code
    bare_exprs: list[cst.BaseExpression] = field(default_factory=list)  # expression statements
    # ``var = pkg.Class(...)``: the canonical callee a local value was made by
    made_by: dict[str, str] = field(default_factory=dict)
    # ... and the keyword names that call passed ("**" for a ``**mapping``; any
    # positional beyond the first few is left out: only keywords can reach **kwargs)
    made_with: dict[str, list[str]] = field(default_factory=dict)
    stubs: list[tuple[cst.Assign, cst.Attribute]] = field(default_factory=list)  # obj.x = Mock()
    parametrized: set[str] = field(default_factory=set)  # parameters given by parametrize
    returned: list[cst.BaseExpression] = field(default_factory=list)  # return/yield values
    child_configured: set[str] = field(default_factory=set)  # mocks whose methods are configured
    raises: list[cst.Raise] = field(default_factory=list)  # conditional raise statements
    configured_calls: set[int] = field(default_factory=set)  # ids: ``patch(...).return_value =``
    touched_attributes: dict[str, set[str]] = field(default_factory=dict)  # mock -> attrs set
    # mock -> the attributes whose behaviour is configured (``fs`` -> ``cancelled`` for
    # ``fs.cancelled.return_value = True``)
    configured_children: dict[str, set[str]] = field(default_factory=dict)
    name: str = ""  # the function's name
    # functions defined inside it (fakes, side effects, handlers): (name, node)
    nested: list[tuple[str, cst.FunctionDef]] = field(default_factory=list)

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """1-based line and column of ``node``."""
        start = self.positions[node].start
        return start.line, start.column + 1

    def code(self, node: cst.CSTNode) -> str:
        return " ".join(self.module.code_for_node(node).split())

    def canonical(self, node: cst.BaseExpression) -> str | None:
        name = n.dotted(node)
        return None if name is None else n.canonical(name, self.imports)

    def configure(self, var: str, value: cst.BaseExpression) -> None:
        values = self.configured.setdefault(var, set())
        values.add(self.code(value))
        if isinstance(value, cst.List | cst.Tuple):
            for element in value.elements:
                values.add(self.code(element.value))

    def is_used(self, var: str) -> bool:
        """Whether the mock in ``var`` is configured or checked (else it is inert)."""
        prefix = var + "."
        return var in self.configured or var in self.touched or any(
            r == var or r.startswith(prefix) for r in self.record_reads
        )

    def hands_out(self, var: str | None, call: cst.Call) -> bool:
        """Whether the function returns or yields the mock (a fixture handing it to
        the tests, which configure or check it)."""
        return any(r is call or (var is not None and n.dotted(r) == var)
                   for r in self.returned)

    def has_interface(self, var: str) -> bool:
        """Whether the mock in ``var`` is used through its methods (``m.get.return_value``,
        ``m.get.assert_called_once_with()``): an object whose interface a spec guards,
        rather than a plain callable (``m.return_value``) or a bag of attributes."""
        prefix = var + "."
        return var in self.child_configured or any(
            r.startswith(prefix) for r in self.record_reads)

    def mock_root(self, node: cst.BaseExpression) -> str | None:
        """The mock variable an expression is read from (``m`` in ``m.get().json``)."""
        for current in n.chain(node):
            name = n.dotted(current)
            if name is not None and name in self.mock_vars:
                return name
        return None


class _Collector(cst.CSTVisitor):
    def __init__(self, scan: FunctionScan) -> None:
        super().__init__()
        self.scan = scan
        self.conditional = 0
        self.loops = 0

    def visit_Assert(self, node: cst.Assert) -> None:
        self.scan.asserts.append((node, self.conditional > 0))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scan.nested.append((node.name.value, node))

    def visit_Raise(self, node: cst.Raise) -> None:
        # ``if got != want: raise AssertionError``, ``try: ... else: raise``: a check
        if self.conditional > 0 or "Assertion" in self.scan.code(node):
            self.scan.raises.append(node)

    def visit_Else(self, node: cst.Else) -> None:
        self.conditional += 1

    def leave_Else(self, original_node: cst.Else) -> None:
        self.conditional -= 1

    def visit_Call(self, node: cst.Call) -> None:
        self.scan.calls.append((node, self.loops > 0))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attribute = node.attr.value
        if attribute in n.MOCK_RECORD_ATTRIBUTES or attribute in n.MOCK_ASSERT_METHODS:
            for current in n.chain(node.value):
                name = n.dotted(current)
                if name is not None:
                    self.scan.record_reads.add(name)

    def visit_Expr(self, node: cst.Expr) -> None:
        self.scan.bare_exprs.append(node.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.scan.returned.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self.scan.returned.append(node.value)

    def visit_Try(self, node: cst.Try) -> None:
        self.scan.trys.append(node)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self.scan.trys.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.scan.assigns.append(node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self.scan.with_items.append(node)

    def visit_If(self, node: cst.If) -> None:
        self.conditional += 1

    def leave_If(self, original_node: cst.If) -> None:
        self.conditional -= 1

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.conditional += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.conditional -= 1

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self.conditional += 1

    def leave_ExceptStarHandler(self, original_node: cst.ExceptStarHandler) -> None:
        self.conditional -= 1

    def visit_For(self, node: cst.For) -> None:
        self.conditional += 1
        self.loops += 1

    def leave_For(self, original_node: cst.For) -> None:
        self.conditional -= 1
        self.loops -= 1

    def visit_While(self, node: cst.While) -> None:
        self.conditional += 1
        self.loops += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.conditional -= 1
        self.loops -= 1

    def visit_Match(self, node: cst.Match) -> None:
        self.conditional += 1

    def leave_Match(self, original_node: cst.Match) -> None:
        self.conditional -= 1


def produces_mock(scan: FunctionScan, value: cst.BaseExpression) -> bool:
    """Whether evaluating ``value`` gives a mock (a constructor, a started patch...)."""
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Attribute) and func.attr.value == "start":
        inner = func.value
        return isinstance(inner, cst.Call) and patch_api(scan, inner) is not None
    canonical = scan.canonical(func)
    if canonical is None:
        return False
    if canonical in n.MOCK_CLASSES or canonical in n.AUTOSPEC_FUNCTIONS:
        return True
    head, _, rest = canonical.partition(".")
    if head in n.MOCKER_NAMES and (
        rest in n.MOCK_CLASS_NAMES or rest == "create_autospec" or rest.startswith("patch")
    ):
        return True
    return patch_api(scan, value) in ("patch", "object")


def patch_api(scan: FunctionScan, call: cst.Call) -> str | None:
    """``patch``/``object``/``dict``/``multiple``/``monkeypatch`` if ``call`` patches."""
    canonical = scan.canonical(call.func)
    if canonical is None:
        return None
    if canonical in n.PATCH_KINDS:
        return n.PATCH_KINDS[canonical]
    head, _, rest = canonical.partition(".")
    if head in n.MOCKER_NAMES and rest in n.MOCKER_PATCH_KINDS:
        return n.MOCKER_PATCH_KINDS[rest]
    if head == "monkeypatch" and rest in n.MONKEYPATCH_METHODS:
        return "monkeypatch"
    return None


def _config_kwargs(scan: FunctionScan, var: str, call: cst.Call) -> None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in n.MOCK_CONFIG_ATTRIBUTES:
            scan.configure(var, arg.value)


def scan_function(
    body: cst.CSTNode,
    role: str,
    imports: dict[str, str],
    positions: Mapping[cst.CSTNode, CodeRange],
    module: cst.Module,
    injected: list[tuple[str, cst.Call | None]],
) -> FunctionScan:
    """Collect the nodes of ``body``; ``injected`` are parameters holding mocks
    (from ``@patch`` decorators, with the decorator call that made them)."""
    scan = FunctionScan(role=role, imports=imports, positions=positions, module=module)
    body.visit(_Collector(scan))
    for name, decorator in injected:
        scan.mock_vars.add(name)
        if decorator is not None:
            _config_kwargs(scan, name, decorator)
    for item in scan.with_items:
        if (
            item.asname is not None
            and isinstance(item.asname.name, cst.Name)
            and produces_mock(scan, item.item)
        ):
            var = item.asname.name.value
            scan.mock_vars.add(var)
            if isinstance(item.item, cst.Call):
                _config_kwargs(scan, var, item.item)
    # Two rounds: ``b = a.child`` may come before ``a`` is known as a mock.
    for _ in range(2):
        for assign in scan.assigns:
            _track_assign(scan, assign)
    for assign in scan.assigns:
        for target_expr, value in assigned_pairs(assign):
            if (
                isinstance(target_expr, cst.Attribute)
                and target_expr.attr.value not in n.MOCK_CONFIG_ATTRIBUTES
                and scan.mock_root(target_expr.value) is None
                and produces_mock(scan, value)
            ):
                scan.stubs.append((assign, target_expr))
    for call, _loop in scan.calls:
        if scan.mock_root(call.func) is not None or patch_api(scan, call) is not None:
            continue
        for arg in call.args:
            passed = n.dotted(arg.value)
            if passed is not None:
                scan.handed_in.add(passed)
    return scan


_UNKNOWN = cst.Name("_")


def assigned_pairs(assign: cst.Assign) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(target, value) of an assignment, unpacking ``a, b = X(), Y()`` pairwise
    (a target whose value cannot be told apart gets an unknown value)."""
    pairs: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
    for target in assign.targets:
        expr = target.target
        if isinstance(expr, cst.Tuple | cst.List):
            value = assign.value
            values = [e.value for e in value.elements] if isinstance(
                value, cst.Tuple | cst.List) else []
            targets = [e.value for e in expr.elements]
            if len(values) != len(targets) or any(isinstance(e, cst.StarredElement)
                                                  for e in expr.elements):
                values = [_UNKNOWN] * len(targets)
            pairs.extend(zip(targets, values, strict=True))
        else:
            pairs.append((expr, assign.value))
    return pairs


def _track_assign(scan: FunctionScan, assign: cst.Assign) -> None:
    for target_expr, value in assigned_pairs(assign):
        name = n.dotted(target_expr)
        if isinstance(target_expr, cst.Attribute) and (
            target_expr.attr.value in n.MOCK_CONFIG_ATTRIBUTES
        ):
            if isinstance(target_expr.value, cst.Call):
                # ``mocker.patch("pkg.f").return_value = 1``: the patch's mock, configured
                scan.configured_calls.add(id(target_expr.value))
            root = scan.mock_root(target_expr.value)
            if root is not None:
                scan.configure(root, value)
                if (configured := n.dotted(target_expr.value)) != root:
                    scan.child_configured.add(root)  # ``m.get.return_value = ...``
                    if configured is not None and configured.startswith(root + "."):
                        child = configured[len(root) + 1 :].split(".")[0]
                        scan.configured_children.setdefault(root, set()).add(child)
            continue
        if isinstance(target_expr, cst.Attribute):
            owner = scan.mock_root(target_expr.value)
            if owner is not None:
                scan.touched.add(owner)
                scan.touched_attributes.setdefault(owner, set()).add(target_expr.attr.value)
        if name is None:
            continue
        if produces_mock(scan, value):
            scan.mock_vars.add(name)
            call = value.expression if isinstance(value, cst.Await) else value
            if isinstance(call, cst.Call):
                _config_kwargs(scan, name, call)
            continue
        inner = value.expression if isinstance(value, cst.Await) else value
        root = scan.mock_root(inner)
        if root is None:
            if isinstance(inner, cst.Call) and isinstance(target_expr, cst.Name):
                made_by = scan.canonical(inner.func)
                if made_by is not None:
                    # ``Class.__new__(Class)``: an instance of the class, built
                    # without __init__ (not an attribute of ``__new__``)
                    scan.made_by[name] = made_by.removesuffix(".__new__")
                    scan.made_with[name] = sorted(
                        a.keyword.value if a.keyword is not None else "**"
                        for a in inner.args if a.star == "**" or a.keyword is not None)
            continue
        if isinstance(inner, cst.Call) or (
            isinstance(inner, cst.Attribute) and inner.attr.value == "return_value"
        ):
            scan.result_vars[name] = root
        elif isinstance(inner, cst.Attribute) and inner.attr.value not in (
            n.MOCK_RECORD_ATTRIBUTES | n.MOCK_CONFIG_ATTRIBUTES
        ):
            # ``api = client.api``: a child mock is a mock too, configured with its parent
            scan.mock_vars.add(name)
