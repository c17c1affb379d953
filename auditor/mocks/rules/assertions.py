"""Rules about what a test asserts: mock-only-asserts, mock-echo,
test-no-assert and test-tautology, and the classification of assertion sites
(on a mock's call record, or on a value)."""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import AssertSite, LocalFinding
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.scan import FunctionScan

MOCK_ONLY_ASSERTS = Rule(
    id="mock-only-asserts",
    message="every assertion of the test checks a mock's call record",
    severity="warning",
    rationale="""
        A test whose only assertions are `assert_called_once_with`, `.called`,
        `.call_count`, `.call_args` or `.mock_calls` checks that code was
        *called*, never what it *produced*: it passes as long as the calls stay
        the same, even when the result is wrong. Assert on the returned value or
        the resulting state as well. Every form of checking a call record counts
        alike (`assert m.called`, `m.call_args[0] == x`, `assertEqual(m.called,
        True)`, `assertTrue(m.called)`). An output sink is the exception: a mock
        the test hands in (a stream, a writer, a callback) and does not
        configure to return anything, checked through the arguments it
        received (`call_args`, `assert_called_with`...), is the observable
        result of the code.
    """,
    invalid=(
        Example(
            """
            from unittest.mock import create_autospec

            from app.adapters.http import HttpClient
            from app.pricing import PriceBook


            def test_price_fetches():
                client = create_autospec(HttpClient, instance=True)
                client.get_json.return_value = {"price": 2.0}
                PriceBook(client).price("sku-1")
                client.get_json.assert_called_once_with("https://prices/sku-1")
            """,
        ),
        Example(
            """
            import unittest
            from unittest import mock

            from app.pricing import PriceBook


            class PriceTests(unittest.TestCase):
                @mock.patch("app.adapters.http.requests.get", autospec=True)
                def test_price_fetches(self, get):
                    get.return_value.json.return_value = {"price": 2.0}
                    PriceBook().price("sku-1")
                    self.assertTrue(get.called)
                    self.assertEqual(get.call_count, 1)
            """,
            "unittest assertions on the call record",
        ),
    ),
    valid=(
        Example(
            """
            from unittest.mock import create_autospec

            from app.adapters.http import HttpClient
            from app.pricing import PriceBook


            def test_price_fetches():
                client = create_autospec(HttpClient, instance=True)
                client.get_json.return_value = {"price": 2.0}
                assert PriceBook(client).price("sku-1") == 2.0
                client.get_json.assert_called_once_with("https://prices/sku-1")
            """,
        ),
        Example(
            """
            from unittest import mock

            from app import pricing


            def report_total(prices, write):
                write(f"total: {pricing.net_total(prices)}")


            def test_total_is_written():
                write = mock.Mock(spec=print)
                report_total([1, 2], write)
                write.assert_called_once_with("total: 3")
            """,
            "an output sink the test hands in",
        ),
    ),
)

MOCK_ECHO = Rule(
    id="mock-echo",
    message="asserts that a mock returns what the test configured it to return",
    severity="warning",
    rationale="""
        Configuring `m.return_value = X` (or `side_effect`) and then asserting
        that calling `m` gives `X`, with no code of the project in between,
        tests the mock library, not the project: it cannot fail. Comparing a
        result with a value read back from a mock (`assert f() ==
        db.save.return_value`) is reported too: the expectation comes from the
        mock rather than from what the code should compute, so it only shows
        that some mock value was passed through.
    """,
    invalid=(
        Example(
            """
            from unittest.mock import create_autospec

            from app.adapters.http import HttpClient


            def test_get_json():
                client = create_autospec(HttpClient, instance=True)
                client.get_json.return_value = {"price": 2.0}
                assert client.get_json("u") == {"price": 2.0}
            """,
        ),
    ),
    valid=(
        Example(
            """
            from unittest.mock import create_autospec

            from app.adapters.http import HttpClient
            from app.pricing import PriceBook


            def test_price():
                client = create_autospec(HttpClient, instance=True)
                client.get_json.return_value = {"price": 2.0}
                assert PriceBook(client).price("u") == 2.0
            """,
        ),
    ),
)

TEST_NO_ASSERT = Rule(
    id="test-no-assert",
    message="test without any assertion",
    severity="error",
    rationale="""
        A test that asserts nothing passes whenever the code does not raise: it
        adds coverage and no protection. Statically, a test asserts when it has
        an `assert`, a `pytest.raises`/`pytest.warns` block, a `self.assert*`
        call, a mock `assert_*` call, or calls a helper of the same module or a
        `conftest.py` that asserts. When the audit ran the suite, the number of
        assertions each test actually executed decides instead: a test that
        executed none is reported even if its text has an `assert` (for example
        in a branch never taken), and a static finding is cleared when the test
        did execute assertions (for example in a helper from another module).
        A `pytest.raises`/`pytest.warns`/`nullcontext` expectation passed
        through `parametrize` and used as a context manager counts, and so do
        warnings turned into errors (`warnings.simplefilter("error")`,
        `@pytest.mark.filterwarnings("error")`: the check is that none is
        raised). A test skipped at run time (or that calls `pytest.skip` /
        `self.skipTest`) gets no verdict.
    """,
    invalid=(
        Example(
            """
            from app.pricing import net_total


            def test_net_total_runs():
                net_total([1, 2, 3])
            """,
        ),
    ),
    valid=(
        Example(
            """
            import pytest

            from app.pricing import net_total


            def check_total(values, expected):
                assert net_total(values) == expected


            def test_net_total():
                check_total([1, 2, 3], 6)


            def test_net_total_rejects_text():
                with pytest.raises(TypeError, match="unsupported operand"):
                    net_total([1, "2"])
            """,
            "an asserting helper, and pytest.raises",
        ),
        Example(
            """
            import warnings
            from contextlib import nullcontext

            import pytest

            from app.pricing import net_total


            @pytest.mark.parametrize(("values", "expectation"), [
                ([1, 2], nullcontext()),
                ([1, "2"], pytest.raises(TypeError, match="unsupported operand")),
            ])
            def test_net_total(values, expectation):
                with expectation:
                    net_total(values)


            def test_net_total_warns_nothing():
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    net_total([1, 2])


            def test_net_total_on_the_price_service():
                pytest.skip("needs the price service")
                net_total([1])
            """,
            "parametrized expectations, warnings as errors, a skipped test",
        ),
    ),
)

TEST_TAUTOLOGY = Rule(
    id="test-tautology",
    message="assertion that cannot fail (or cannot pass)",
    severity="error",
    rationale="""
        `assert True`, `assert x == x`, `assert "message"`,
        `isinstance(x, object)`, `len(x) >= 0` and `assert some_mock` (a mock is
        always truthy) are always true; `assert x != x` or an unconditional
        `assert False` can never pass. Either way the assertion checks nothing
        about the code under test.
    """,
    invalid=(
        Example(
            """
            from app.pricing import net_total


            def test_total():
                total = net_total([1, 2])
                assert total == total
            """,
        ),
        Example(
            """
            from unittest.mock import create_autospec

            from app.adapters.http import HttpClient


            def test_client_exists():
                client = create_autospec(HttpClient, instance=True)
                assert client
            """,
            "a mock is always truthy",
        ),
    ),
    valid=(
        Example(
            """
            from app.pricing import net_total


            def test_total_is_deterministic():
                assert net_total([1, 2]) == net_total([2, 1]) == 3
            """,
        ),
    ),
)

RULES = (MOCK_ONLY_ASSERTS, MOCK_ECHO, TEST_NO_ASSERT, TEST_TAUTOLOGY)

_UNITTEST_EQUALITY = frozenset({"assertEqual", "assertEquals", "assertIs", "assertListEqual",
                                "assertDictEqual", "assertTupleEqual"})
_ALWAYS_TRUE_OPS = (cst.Equal, cst.Is, cst.GreaterThanEqual, cst.LessThanEqual, cst.In)
_NEVER_TRUE_OPS = (cst.NotEqual, cst.IsNot, cst.GreaterThan, cst.LessThan, cst.NotIn)


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


# Checks of the arguments a mock was called with: on a mock the test handed in
# (a stream, a writer, a callback) and did not configure to return anything,
# the calls it received are the code's output.
_ARGUMENT_CHECKS = frozenset({
    "assert_called_with", "assert_called_once_with", "assert_any_call", "assert_has_calls",
    "assert_awaited_with", "assert_awaited_once_with", "assert_any_await", "assert_has_awaits",
    "call_args", "call_args_list", "mock_calls", "method_calls", "await_args",
    "await_args_list",
})


def _checks_sink(scan: FunctionScan, node: cst.CSTNode) -> bool:
    """Whether ``node`` checks the arguments a handed-in mock received."""
    checked = False

    class _Finder(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            nonlocal checked
            if attribute.attr.value not in _ARGUMENT_CHECKS:
                return
            for current in n.chain(attribute.value):
                name = n.dotted(current)
                if (name is not None and name in scan.handed_in and name in scan.mock_vars
                        and name not in scan.configured):
                    checked = True  # a configured mock feeds the code: not a sink

    node.visit(_Finder())
    return checked


def assertion_sites(scan: FunctionScan) -> list[AssertSite]:
    """Every assertion of a function, classified as on a mock record or on a value."""
    sites: list[AssertSite] = []
    for node, _conditional in scan.asserts:
        line, column = scan.position(node)
        on_mock = on_mock_record(scan, _operands(node.test)) and not _checks_sink(scan, node)
        sites.append(AssertSite("assert", line, column, on_mock))
    for call, _loop in scan.calls:
        kind = _call_assert_kind(scan, call)
        if kind is None:
            continue
        line, column = scan.position(call)
        on_mock = kind == "mock" or (
            kind == "unittest" and on_mock_record(scan, n.positional(call)[:2])
        )
        if on_mock and _checks_sink(scan, call):
            on_mock = False
        sites.append(AssertSite(kind, line, column, on_mock))
    for item in scan.with_items:
        # ``with expectation:`` where parametrize passes pytest.raises(...) or
        # nullcontext(): the expectation is the assertion
        name = n.dotted(item.item)
        if name is not None and name in scan.parametrized:
            line, column = scan.position(item)
            sites.append(AssertSite("expect", line, column))
    sites.sort(key=lambda s: (s.line, s.column))
    return sites


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


def check_tautologies(scan: FunctionScan) -> list[LocalFinding]:
    found: list[LocalFinding] = []
    for node, conditional in scan.asserts:
        message = _tautology(scan, node.test, conditional)
        if message:
            line, column = scan.position(node)
            found.append(LocalFinding(TEST_TAUTOLOGY.id, line, column, message))
    for call, _loop in scan.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or n.dotted(func.value) not in ("self", "cls"):
            continue
        args = n.positional(call)
        method = func.attr.value
        message = ""
        if method == "assertTrue" and args and _constant_truth(args[0]) is True:
            message = "self.assertTrue on a constant that is always true"
        elif method in _UNITTEST_EQUALITY and len(args) >= 2 and _same(scan, args[0], args[1]):
            message = f"self.{method} compares an expression with itself"
        if message:
            line, column = scan.position(call)
            found.append(LocalFinding(TEST_TAUTOLOGY.id, line, column, message))
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
        if _same(scan, test.left, target.comparator):
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


def check_echo(scan: FunctionScan) -> list[LocalFinding]:
    found: list[LocalFinding] = []
    for node, _conditional in scan.asserts:
        test = node.test
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(
            test.comparisons[0].operator, cst.Equal | cst.Is
        ):
            pair = (test.left, test.comparisons[0].comparator)
            if _echoes(scan, *pair) or _echoes(scan, pair[1], pair[0]):
                line, column = scan.position(node)
                found.append(LocalFinding(MOCK_ECHO.id, line, column, _echo_message(scan, pair)))
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
                found.append(LocalFinding(MOCK_ECHO.id, line, column,
                                          _echo_message(scan, (args[0], args[1]))))
    return found


def _echo_message(scan: FunctionScan, pair: tuple[cst.BaseExpression, ...]) -> str:
    return (f"{scan.code(pair[0])} == {scan.code(pair[1])} only checks a value configured "
            "on a mock")


def _reads_mock_config(expr: cst.BaseExpression) -> bool:
    """``x.y.return_value``: an expected value read back from a mock."""
    return isinstance(expr, cst.Attribute) and expr.attr.value in n.MOCK_CONFIG_ATTRIBUTES


def _echoes(scan: FunctionScan, actual: cst.BaseExpression, expected: cst.BaseExpression) -> bool:
    """``actual`` comes straight from a mock and ``expected`` is what it was configured
    with, or ``expected`` is read back from a mock (``== m.method.return_value``)."""
    if _reads_mock_config(expected) and not _reads_mock_config(actual):
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
