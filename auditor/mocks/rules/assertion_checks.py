"""The checks behind the hooks of test-tautology and mock-echo, decided from one
function's code (this module names no rule: the rule classes call it)."""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import LocalFinding
from auditor.mocks.scan import FunctionScan

_UNITTEST_EQUALITY = frozenset({"assertEqual", "assertEquals", "assertIs", "assertListEqual",
                                "assertDictEqual", "assertTupleEqual"})
_ALWAYS_TRUE_OPS = (cst.Equal, cst.Is, cst.GreaterThanEqual, cst.LessThanEqual, cst.In)
_NEVER_TRUE_OPS = (cst.NotEqual, cst.IsNot, cst.GreaterThan, cst.LessThan, cst.NotIn)


def check_tautologies(rule_id: str, scan: FunctionScan) -> list[LocalFinding]:
    found: list[LocalFinding] = []
    for node, conditional in scan.asserts:
        message = _tautology(scan, node.test, conditional)
        if message:
            line, column = scan.position(node)
            found.append(LocalFinding(rule_id, line, column, message))
    for call, _loop in scan.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or n.dotted(func.value) not in ("self", "cls"):
            continue
        args = n.positional(call)
        method = func.attr.value
        message = ""
        if method == "assertTrue" and args and _constant_truth(args[0]) is True:
            message = "self.assertTrue on a constant that is always true"
        elif method in _UNITTEST_EQUALITY and len(args) >= 2 and _same(
            scan, args[0], args[1]
        ) and not _about_comparison(scan.name):
            message = f"self.{method} compares an expression with itself"
        if message:
            line, column = scan.position(call)
            found.append(LocalFinding(rule_id, line, column, message))
    return found


def _same(scan: FunctionScan, left: cst.BaseExpression, right: cst.BaseExpression) -> bool:
    # Calls may legitimately differ between two evaluations (determinism tests).
    return scan.code(left) == scan.code(right) and not n.contains_call(left)


def _constant_truth(expr: cst.BaseExpression) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return expr.value == "True"
    if isinstance(expr, cst.Integer | cst.Float):
        return bool(expr.evaluated_value)
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
        return bool(expr.evaluated_value)
    if isinstance(expr, cst.Tuple | cst.List | cst.Dict | cst.Set):
        return len(expr.elements) > 0 if not isinstance(expr, cst.Set) else True
    return None


_OPERATOR_WORDS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "cmp", "hash", "reflexive",
                             "reflexivity"})


def _about_comparison(name: str) -> bool:
    """A test of ``__eq__``/``__lt__``... (``TestArrowComparison::test_eq``): comparing
    an object with itself checks the custom comparison, it is no tautology."""
    *classes, function = name.split("::")
    return bool(set(_words(function)) & _OPERATOR_WORDS) or any(
        "Comparison" in c or "Equality" in c for c in classes)


def _words(name: str) -> list[str]:
    spaced = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return [w for w in spaced.split("_") if w]


def _tautology(scan: FunctionScan, test: cst.BaseExpression, conditional: bool) -> str:
    truth = _constant_truth(test)
    if truth is True:
        if isinstance(test, cst.Tuple):
            return ""  # a parenthesised message: test-assert-misuse says so
        return f"assert {scan.code(test)} is always true"
    if truth is False and not conditional:
        return f"unconditional assert {scan.code(test)} can never pass"
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if _same(scan, test.left, target.comparator) and not _about_comparison(scan.name):
            if isinstance(target.operator, _ALWAYS_TRUE_OPS) and not isinstance(
                target.operator, cst.In
            ):
                return "compares an expression with itself: always true"
            if isinstance(target.operator, _NEVER_TRUE_OPS) and not isinstance(
                target.operator, cst.NotIn
            ):
                return "compares an expression with itself: never true"
        if (
            isinstance(target.operator, cst.GreaterThanEqual)
            and isinstance(test.left, cst.Call)
            and n.dotted(test.left.func) == "len"
            and isinstance(target.comparator, cst.Integer)
            and target.comparator.evaluated_value == 0
        ):
            return "len(...) >= 0 is always true"
    if isinstance(test, cst.Call) and n.dotted(test.func) == "isinstance":
        args = n.positional(test)
        if len(args) == 2 and n.dotted(args[1]) in ("object", "builtins.object"):
            return "isinstance(x, object) is always true"
    name = n.dotted(test)
    if name is not None and name in scan.mock_vars:
        return f"assert {name}: a mock is always truthy"
    return ""


def check_echo(rule_id: str, scan: FunctionScan) -> list[LocalFinding]:
    found: list[LocalFinding] = []
    for node, _conditional in scan.asserts:
        test = node.test
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(
            test.comparisons[0].operator, cst.Equal | cst.Is
        ):
            pair = (test.left, test.comparisons[0].comparator)
            if _echoes(scan, *pair) or _echoes(scan, pair[1], pair[0]):
                line, column = scan.position(node)
                found.append(LocalFinding(rule_id, line, column, _echo_message(scan, pair)))
    for call, _loop in scan.calls:
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in _UNITTEST_EQUALITY
            and n.dotted(func.value) in ("self", "cls")
        ):
            args = n.positional(call)
            if len(args) >= 2 and (_echoes(scan, args[0], args[1]) or
                                   _echoes(scan, args[1], args[0])):
                line, column = scan.position(call)
                found.append(LocalFinding(rule_id, line, column,
                                          _echo_message(scan, (args[0], args[1]))))
    return found


def _echo_message(scan: FunctionScan, pair: tuple[cst.BaseExpression, ...]) -> str:
    return (f"{scan.code(pair[0])} == {scan.code(pair[1])} only checks a value configured "
            "on a mock")


def _reads_mock_config(expr: cst.BaseExpression) -> bool:
    """``x.y.return_value``: an expected value read back from a mock."""
    return isinstance(expr, cst.Attribute) and expr.attr.value in n.MOCK_CONFIG_ATTRIBUTES


def _returned(expr: cst.BaseExpression) -> bool:
    """What a call returned: the call itself, or a local name (``result = f()``).
    Not an attribute or item of an object (``worker.sockets``): that is where the
    code put a value, checked against the object a mock handed out (a hand-over)."""
    inner = expr.expression if isinstance(expr, cst.Await) else expr
    return isinstance(inner, cst.Call | cst.Name)


def _echoes(scan: FunctionScan, actual: cst.BaseExpression, expected: cst.BaseExpression) -> bool:
    """``actual`` comes straight from a mock and ``expected`` is what it was configured
    with, or ``actual`` is what a call returned and ``expected`` is read back from a
    mock (``f() == m.method.return_value``)."""
    if _reads_mock_config(expected) and not _reads_mock_config(actual) and _returned(actual):
        return True
    root: str | None = None
    inner = actual.expression if isinstance(actual, cst.Await) else actual
    name = n.dotted(inner)
    if name is not None and name in scan.result_vars:
        root = scan.result_vars[name]
    elif isinstance(inner, cst.Call) or (
        isinstance(inner, cst.Attribute) and inner.attr.value in n.MOCK_CONFIG_ATTRIBUTES
    ):
        root = scan.mock_root(inner)
    if root is None:
        return False
    return scan.code(expected) in scan.configured.get(root, set())
