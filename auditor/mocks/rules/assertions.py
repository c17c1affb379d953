"""Rules about what a test asserts: mock-only-asserts, mock-echo,
test-no-assert and test-tautology (their checks: :mod:`assertion_sites`,
:mod:`assertion_checks` and the evaluator)."""

from __future__ import annotations

from auditor.mocks.facts import LocalFinding
from auditor.mocks.rules import assertion_checks
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import FunctionContext, TestContext, Verdict


class MockOnlyAsserts(Rule):
    id = "mock-only-asserts"
    message = "every assertion of the test checks a mock's call record"
    severity = "warning"
    opt_in = """
        on the labelled corpus of real suites (bench/corpus/) almost none of its
        findings were worth fixing: when every check is on a call record, the
        calls are usually the code's real output (a callback, a validator, a
        password store, a fixture's patched writer) that static analysis cannot
        tell apart from a replaced stage. The `mock_only_share` gate figure is
        computed either way. Measured on 13 projects (bench/corpus_mocks.py,
        commit c788243): 0 findings worth fixing, 12 not, 5 borderline, against
        the targets of 95% precision and 90% recall; telling an output sink or a
        handed-in callback from a replaced stage needs what the test hands in
        and what the code returns, which this rule does not see yet.
    """
    rationale = """
        A test whose only assertions are `assert_called_once_with`, `.called`,
        `.call_count`, `.call_args` or `.mock_calls` checks that code was
        *called*, never what it *produced*: it passes as long as the calls stay
        the same, even when the result is wrong. Assert on the returned value or
        the resulting state as well. Every form of checking a call record counts
        alike (`assert m.called`, `m.call_args[0] == x`, `assertEqual(m.called,
        True)`, `assertTrue(m.called)`). Calls are the observable result when
        they leave the code: a mock the test hands in (a stream, a writer, a
        callback, a validator) and a patched boundary (`subprocess.run`,
        `requests.get`, an inferred boundary of the package) record what the
        code did, so checking them is checking its output; those checks count
        as checks of a value.
    """
    invalid = (
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            def test_gross_asks_for_the_price():
                with mock.patch.object(PriceBook, "price", autospec=True) as price:
                    price.return_value = 10.0
                    PriceBook().gross("sku-1")
                price.assert_called_once()
            """,
            "a stage of the package replaced, and only its calls checked",
        ),
        Example(
            """
            import unittest
            from unittest import mock

            from app.pricing import PriceBook


            class PriceTests(unittest.TestCase):
                @mock.patch("app.pricing.PriceBook.price", autospec=True, return_value=2.0)
                def test_gross_asks_for_the_price(self, price):
                    PriceBook().gross("sku-1")
                    self.assertTrue(price.called)
                    self.assertEqual(price.call_count, 1)
            """,
            "unittest assertions on the call record",
        ),
    )
    valid = (
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
    )

    def check_test(self, test: TestContext) -> Verdict | None:
        if not test.mock_assertions or test.value_assertions:
            return None
        return Verdict(f"all {test.mock_assertions} assertion(s) check mock call records, "
                       "none a result")


MOCK_ONLY_ASSERTS = MockOnlyAsserts()


class MockEcho(Rule):
    id = "mock-echo"
    message = "asserts that a mock returns what the test configured it to return"
    severity = "warning"
    rationale = """
        Configuring `m.return_value = X` (or `side_effect`) and then asserting
        that calling `m` gives `X`, with no code of the project in between,
        tests the mock library, not the project: it cannot fail. Comparing
        what a call returned with a value read back from a mock (`assert f()
        == db.save.return_value`) is reported too: the expectation comes from
        the mock rather than from what the code should compute, so any `f`
        that hands back what its collaborator returned passes. An attribute
        checked against such a value (`assert worker.sockets is
        create_sockets.return_value`) is not: it checks that the code put the
        object the mock handed out where it belongs, a hand-over.
    """
    invalid = (
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
    )
    valid = (
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
        Example(
            """
            from unittest import mock

            from app.workers import Pool


            @mock.patch("app.workers.open_sockets", autospec=True)
            def test_pool_hands_its_sockets_to_the_worker(open_sockets):
                open_sockets.return_value = [object()]
                worker = Pool().spawn()
                assert worker.sockets is open_sockets.return_value
            """,
            "an attribute holding the object a mock handed out: a hand-over check",
        ),
    )


    roles = ("test",)

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        return assertion_checks.check_echo(self.id, function.scan)


MOCK_ECHO = MockEcho()


class TestNoAssert(Rule):
    id = "test-no-assert"
    message = "test without any assertion"
    severity = "error"
    rationale = """
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
        raised), and a hand-written `pytest.raises` (`try`, `except` of a
        specific error, then `assert False`/`pytest.fail()` in `else` or at the
        end of the `try` body: it executes only when the error is missing). A
        test skipped at run time (or that calls `pytest.skip` /
        `self.skipTest`) gets no verdict.
    """
    invalid = (
        Example(
            """
            from app.pricing import net_total


            def test_net_total_runs():
                net_total([1, 2, 3])
            """,
        ),
    )
    valid = (
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
        Example(
            """
            from app.pricing import net_total


            def test_net_total_rejects_text():
                try:
                    net_total([1, "2"])
                except TypeError:
                    pass
                else:
                    assert False, "text should raise a TypeError"
            """,
            "a hand-written pytest.raises: the failure runs only if nothing is raised",
        ),
    )

    def check_test(self, test: TestContext) -> Verdict | None:
        if test.no_verdict:
            return None  # skipped at run time, or a timing test
        if test.executed is not None:
            if test.executed or test.uncounted:
                return None
            return Verdict("executed no assertion in the audit's test run"
                           + (" (its assertions are in branches never taken)"
                              if test.static_asserts else ""), "runtime")
        if test.static_asserts or test.function.skips:
            return None
        return Verdict("no assert, pytest.raises/warns, self.assert* or asserting helper")


TEST_NO_ASSERT = TestNoAssert()


class TestTautology(Rule):
    id = "test-tautology"
    message = "assertion that cannot fail (or cannot pass)"
    severity = "error"
    rationale = """
        `assert True`, `assert x == x`, `assert "message"`,
        `isinstance(x, object)`, `len(x) >= 0` and `assert some_mock` (a mock is
        always truthy) are always true; `assert x != x` or an unconditional
        `assert False` can never pass. Either way the assertion checks nothing
        about the code under test.
    """
    invalid = (
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
    )
    valid = (
        Example(
            """
            from app.pricing import net_total


            def test_total_is_deterministic():
                assert net_total([1, 2]) == net_total([2, 1]) == 3
            """,
        ),
    )

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        return assertion_checks.check_tautologies(self.id, function.scan)


TEST_TAUTOLOGY = TestTautology()

RULES = (MOCK_ONLY_ASSERTS, MOCK_ECHO, TEST_NO_ASSERT, TEST_TAUTOLOGY)
