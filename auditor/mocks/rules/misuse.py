"""The rule test-assert-misuse: assertions written so that they check less than
they say (a message taken for a value, a misspelt mock assertion, a call
record method without ``assert_``)."""

from __future__ import annotations

import difflib

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import LocalFinding
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import FunctionContext
from auditor.mocks.scan import FunctionScan


class TestAssertMisuse(Rule):
    id = "test-assert-misuse"
    message = "assertion that silently checks less than it says"
    severity = "error"
    rationale = """
        Some assertions look right and check (almost) nothing:
        `self.assertTrue(a, b)` only checks that `a` is truthy (`b` is the
        failure message), `assert (x, "msg")` asserts a non-empty tuple,
        `self.assertEqual(x)` with one argument cannot compare anything,
        `m.called_once_with(...)` (without `assert_`) just calls the mock and
        returns another mock, a misspelt `m.assert_called_once_wiht(...)` is
        an error or (with `unsafe=True`) a silent call, `m.assert_called_once`
        without parentheses is never called, and a bare
        `self.assertRaises(E)` or `pytest.raises(E)` statement checks no code.
        Write the assertion that was meant.
    """
    invalid = (
        Example(
            """
            import unittest

            from app.pricing import net_total


            class TotalTests(unittest.TestCase):
                def test_total(self):
                    self.assertTrue(net_total([1, 2]), 3)
            """,
            "assertTrue with a value as the message",
        ),
        Example(
            """
            from unittest.mock import create_autospec

            from app.adapters.http import HttpClient
            from app.pricing import PriceBook


            def test_price_fetches():
                client = create_autospec(HttpClient, instance=True)
                client.get_json.return_value = {"price": 2.0}
                assert PriceBook(client).price("sku-1") == 2.0
                client.get_json.called_once_with("https://prices/sku-1")
            """,
            "a call record method without assert_",
        ),
        Example(
            """
            from app.pricing import net_total


            def test_total():
                assert (net_total([1, 2]) == 4, "the total adds up")
            """,
            "a parenthesised assert message",
        ),
    )
    valid = (
        Example(
            """
            import unittest

            from app.pricing import net_total


            class TotalTests(unittest.TestCase):
                def test_total(self):
                    self.assertTrue(net_total([1, 2]) == 3, "the total adds up")
                    self.assertEqual(net_total([1, 2]), 3)
            """,
        ),
    )

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        return check_misuse(self.id, function.scan)


TEST_ASSERT_MISUSE = TestAssertMisuse()

RULES = (TEST_ASSERT_MISUSE,)

_TWO_ARGUMENT_ASSERTS = frozenset({
    "assertEqual", "assertEquals", "assertNotEqual", "assertIs", "assertIsNot", "assertIn",
    "assertNotIn", "assertIsInstance", "assertNotIsInstance", "assertGreater",
    "assertGreaterEqual", "assertLess", "assertLessEqual", "assertAlmostEqual",
    "assertCountEqual", "assertListEqual", "assertDictEqual", "assertTupleEqual",
    "assertSetEqual", "assertSequenceEqual", "assertMultiLineEqual", "assertRegex",
})
_TRUTH_ASSERTS = frozenset({"assertTrue", "assertFalse", "assert_", "failUnless", "failIf"})
_UNPREFIXED = frozenset(m[len("assert_"):] for m in n.MOCK_ASSERT_METHODS) - {
    "called", "awaited"}  # real record attributes, not methods
_RAISES_METHODS = frozenset({"assertRaises", "assertRaisesRegex", "assertWarns",
                             "assertWarnsRegex", "assertRaisesRegexp"})


def _is_message(expr: cst.BaseExpression) -> bool:
    """Whether an expression may be a failure message: a string, a string built
    by a call, or a variable (``self.assertFalse(valid(expr), expr)`` in a loop
    names the failing case). An expected *value* (a number, ``True``, a list, a
    computed result) in that position is the mistake."""
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        return _is_message(expr.left)
    if isinstance(expr, cst.Call):
        func = n.dotted(expr.func) or ""
        return func in ("str", "repr") or func.endswith((".format", ".join")) or _is_message(
            expr.func.value if isinstance(expr.func, cst.Attribute) else expr.func)
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return False
    return n.dotted(expr) is not None


def _misspelt(attribute: str) -> str | None:
    """The mock assertion method ``attribute`` is a misspelling of, if any."""
    if attribute in n.MOCK_ASSERT_METHODS or not attribute.startswith(("ass", "ase", "asr")):
        return None
    if attribute[len("assert"):len("assert") + 1].isupper():
        return None  # unittest style (assertEqual), not a mock method
    if "call" not in attribute and "await" not in attribute:
        return None
    close = difflib.get_close_matches(attribute, sorted(n.MOCK_ASSERT_METHODS), n=1, cutoff=0.8)
    return close[0] if close else None


def check_misuse(rule_id: str, scan: FunctionScan) -> list[LocalFinding]:
    found: list[LocalFinding] = []

    def report(node: cst.CSTNode, message: str) -> None:
        line, column = scan.position(node)
        found.append(LocalFinding(rule_id, line, column, message))

    for node, _conditional in scan.asserts:
        if isinstance(node.test, cst.Tuple) and node.test.elements:
            report(node, "assert on a parenthesised (condition, message) tuple is always true; "
                         "write assert condition, message")
    for call, _loop in scan.calls:
        func = call.func
        if not isinstance(func, cst.Attribute):
            continue
        method = func.attr.value
        receiver = n.dotted(func.value)
        args = n.positional(call)
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        if receiver in ("self", "cls"):
            if method in _TRUTH_ASSERTS and len(args) >= 2 and not _is_message(args[1]):
                report(call, f"self.{method}({scan.code(args[0])}, {scan.code(args[1])}) only "
                             f"checks the first argument; the second is the failure message")
            elif method in _TWO_ARGUMENT_ASSERTS and len(args) == 1 and not (
                keywords - {"msg"}
            ) and not any(a.star for a in call.args):
                report(call, f"self.{method} with one argument compares nothing")
            continue
        misspelt = _misspelt(method)
        if misspelt is not None:
            report(call, f"{scan.code(func)} is not a mock assertion (did you mean "
                         f"{misspelt}?)")
        elif method in _UNPREFIXED and receiver is not None and (
            scan.mock_root(func.value) is not None or _looks_like_mock(receiver)
        ):
            report(call, f"{scan.code(func)}(...) calls the mock instead of checking it; "
                         f"use assert_{method}")
    for expr in scan.bare_exprs:
        if isinstance(expr, cst.Attribute) and expr.attr.value in n.MOCK_ASSERT_METHODS:
            report(expr, f"{scan.code(expr)} is never called: add ()")
        elif isinstance(expr, cst.Call) and _bare_raises(scan, expr):
            report(expr, f"{scan.code(expr.func)}(...) outside a with statement checks no code")
    return found


def _looks_like_mock(receiver: str) -> bool:
    words = {w for part in receiver.split(".") for w in part.lower().split("_")}
    return bool(words & {"mock", "mocked", "fake", "stub", "spy", "patched"})


def _bare_raises(scan: FunctionScan, call: cst.Call) -> bool:
    """``self.assertRaises(E)`` / ``pytest.raises(E)`` as a statement, with no callable."""
    func = call.func
    args = n.positional(call)
    if isinstance(func, cst.Attribute) and n.dotted(func.value) in ("self", "cls"):
        limit = 2 if func.attr.value.endswith(("Regex", "Regexp")) else 1
        return func.attr.value in _RAISES_METHODS and len(args) <= limit
    canonical = scan.canonical(func) or ""
    return canonical in ("pytest.raises", "pytest.warns") and len(args) <= 1
