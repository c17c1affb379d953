"""Where a function asserts, and on what: each assertion site classified as a
check of a mock's call record or of a value (what mock-only-asserts and
test-no-assert are decided from)."""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import AssertSite
from auditor.mocks.scan import FunctionScan


def _operands(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(expr, cst.BooleanOperation):
        return _operands(expr.left) + _operands(expr.right)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return _operands(expr.expression)
    if isinstance(expr, cst.Comparison):
        return [expr.left, *(c.comparator for c in expr.comparisons)]
    return [expr]


def _is_constantish(scan: FunctionScan, expr: cst.BaseExpression) -> bool:
    """Literals, ``call(...)``, ``ANY`` and containers of them: expected values."""
    if isinstance(expr, cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString |
                  cst.ConcatenatedString | cst.FormattedString):
        return True
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return True
    if isinstance(expr, cst.UnaryOperation):
        return _is_constantish(scan, expr.expression)
    if isinstance(expr, cst.List | cst.Tuple | cst.Set):
        return all(_is_constantish(scan, e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return True
    target = expr.func if isinstance(expr, cst.Call) else expr
    canonical = scan.canonical(target)
    if canonical is None:
        return False
    parts = canonical.split(".")
    return "call" in parts or parts[-1] == "ANY"


def _is_record(expr: cst.BaseExpression) -> bool:
    return bool(n.attributes_in(expr) & n.MOCK_RECORD_ATTRIBUTES)


def _is_expected(scan: FunctionScan, expr: cst.BaseExpression) -> bool:
    """An expected value: a constant, or a name (``expected``, ``self.url``) read
    without calling code; what is computed by a call is a value of its own."""
    if _is_constantish(scan, expr):
        return True
    current: cst.BaseExpression = expr
    while isinstance(current, cst.Subscript | cst.Attribute):
        current = current.value
    return isinstance(current, cst.Name)


def on_mock_record(scan: FunctionScan, operands: list[cst.BaseExpression]) -> bool:
    """True when the operands read a call record and otherwise only expected values,
    whichever form the check takes (``assert m.called``, ``m.call_args[0] == x``,
    ``assertEqual(m.call_count, n)``)."""
    records = [op for op in operands if _is_record(op)]
    if not records:
        return False
    return all(_is_record(op) or _is_expected(scan, op) for op in operands)


def _checked_mock(scan: FunctionScan, node: cst.CSTNode) -> str:
    """The name of the mock whose call record ``node`` checks ("" if unknown)."""
    found = ""

    class _Finder(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            nonlocal found
            if found or (attribute.attr.value not in n.MOCK_RECORD_ATTRIBUTES
                         and attribute.attr.value not in n.MOCK_ASSERT_METHODS):
                return
            root = scan.mock_root(attribute.value)
            if root is None:
                root = n.root_name(attribute.value)
            found = root or ""

    node.visit(_Finder())
    return found


def _handed_in(scan: FunctionScan, var: str) -> bool:
    """A mock the test passes to the code (a callback, a writer, a validator, a
    stream): the calls it receives are what the code does, its observable result."""
    return bool(var) and var in scan.handed_in


def assertion_sites(scan: FunctionScan) -> list[AssertSite]:
    """Every assertion of a function, classified as on a mock record or on a value."""
    sites: list[AssertSite] = []
    for node, _conditional in scan.asserts:
        line, column = scan.position(node)
        on_mock = on_mock_record(scan, _operands(node.test))
        var = _checked_mock(scan, node) if on_mock else ""
        sites.append(AssertSite("assert", line, column, on_mock and not _handed_in(scan, var),
                                var))
    for call, _loop in scan.calls:
        kind = _call_assert_kind(scan, call)
        if kind is None:
            continue
        line, column = scan.position(call)
        on_mock = kind == "mock" or (
            kind == "unittest" and on_mock_record(scan, n.positional(call)[:2])
        )
        var = _checked_mock(scan, call) if on_mock else ""
        sites.append(AssertSite(kind, line, column, on_mock and not _handed_in(scan, var), var))
    for raised in scan.raises:
        line, column = scan.position(raised)
        sites.append(AssertSite("expect", line, column))
    for attempt in scan.trys:
        if _hand_written_raises(scan, attempt):
            line, column = scan.position(attempt)
            sites.append(AssertSite("expect", line, column))
    for item in scan.with_items:
        # ``with expectation:`` where parametrize passes pytest.raises(...) or
        # nullcontext(): the expectation is the assertion
        name = n.dotted(item.item)
        if name is not None and name in scan.parametrized:
            line, column = scan.position(item)
            sites.append(AssertSite("expect", line, column))
    sites.sort(key=lambda s: (s.line, s.column))
    return sites


def _hand_written_raises(scan: FunctionScan, attempt: cst.Try | cst.TryStar) -> bool:
    """``try: f() / except ValueError: pass / else: assert False``: a hand-written
    ``pytest.raises``. The failure in ``else`` (or at the end of the ``try`` body)
    runs only when the expected error is not raised, so a passing test executes
    no assertion at run time, yet it checks the error: an expectation, like
    ``pytest.raises``. Only for specific exceptions (an ``except Exception`` would
    also catch the failure's own ``AssertionError``)."""
    caught = [e for h in attempt.handlers if h.type is not None
              for e in ([el.value for el in h.type.elements]
                        if isinstance(h.type, cst.Tuple) else [h.type])]
    if not attempt.handlers or any(h.type is None for h in attempt.handlers) or any(
            scan.canonical(e) in n.BROAD_EXCEPTIONS or n.dotted(e) == "AssertionError"
            for e in caught):
        return False
    blocks = [attempt.orelse.body] if attempt.orelse is not None else []
    blocks.append(attempt.body)
    for block in blocks:
        last = block.body[-1] if isinstance(block, cst.IndentedBlock) and block.body else None
        if isinstance(last, cst.SimpleStatementLine) and any(
                _fails(scan, stmt) for stmt in last.body):
            return True
    return False


def _fails(scan: FunctionScan, stmt: cst.BaseSmallStatement) -> bool:
    """``assert False``, ``pytest.fail(...)``/``self.fail(...)`` or ``raise AssertionError``."""
    if isinstance(stmt, cst.Assert):
        return isinstance(stmt.test, cst.Name) and stmt.test.value == "False"
    if isinstance(stmt, cst.Raise) and stmt.exc is not None:
        raised = stmt.exc.func if isinstance(stmt.exc, cst.Call) else stmt.exc
        return n.dotted(raised) == "AssertionError"
    if isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call):
        func = stmt.value.func
        return (scan.canonical(func) in n.FAIL_FUNCTIONS
                or n.dotted(func) in ("self.fail", "pytest.fail"))
    return False


def _call_assert_kind(scan: FunctionScan, call: cst.Call) -> str | None:
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else (
        func.value if isinstance(func, cst.Name) else None
    )
    if last is None:
        return None
    if isinstance(func, cst.Attribute) and last in n.MOCK_ASSERT_METHODS:
        return "mock"
    canonical = scan.canonical(func) or ""
    if canonical in n.RAISES_FUNCTIONS:
        return "raises"
    if canonical in n.WARNING_FILTERS and call.args and (
        n.string_value(call.args[0].value) == "error"
    ):
        return "expect"  # warnings turned into errors: the check is that none is raised
    if canonical in n.FAIL_FUNCTIONS:
        return "fail"
    receiver = n.dotted(func.value) if isinstance(func, cst.Attribute) else None
    if receiver in ("self", "cls") and last.startswith(("assert", "fail")):
        return "unittest"
    if last.startswith("assert") and last not in n.MOCK_ASSERT_METHODS:
        return "call"
    return None
