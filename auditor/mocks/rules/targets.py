"""mock-unresolved: a patch or a direct stub whose target does not exist (its
check is :func:`auditor.mocks.rules.patch_checks.unresolved_message`; the
registry lists it with the other patch rules of :mod:`auditor.mocks.rules.patches`)."""

from __future__ import annotations

from auditor.mocks.rules import patch_checks
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import PatchContext


class MockUnresolved(Rule):
    id = "mock-unresolved"
    message = "patch target does not exist in the code under audit"
    severity = "error"
    rationale = """
        A patch target string names a module and an attribute of the code under
        audit. When that attribute does not exist, `patch` raises at run time or,
        with `create=True`, silently patches a name nobody reads, so the test runs
        against the real code while claiming otherwise. Typos and stale targets
        after a rename are the usual cause. Targets resolve the way `mock.patch`
        resolves them: a builtin patched on a module (`app.pricing.open`) is
        created by `patch`, every module has its dunders (`__file__`),
        `create=True` says the name may be missing. Where reading the code
        cannot tell (names a module binds at import time through `globals()`,
        `setattr`, star imports or a module `__getattr__`; a class with a base
        outside the package or a metaclass), the audit imports the module in the
        import-validation worker (the project's interpreter, a scratch working
        directory, writes into the project blocked) and looks with `getattr`, as
        `mock.patch` does; a module that does not import leaves its targets
        unreported, and the report's notes say how many were looked up. A
        direct stub on an instance of a class of the
        package (`book.get_price = Mock()`) is checked against the class (its
        bases included) and the attributes its methods set: `self.x = ...`,
        `setattr(self, "x", ...)`, `setattr` over a literal list of names,
        `setattr` over the `**kwargs` of `__init__` (then exactly the keywords
        the test passed to the constructor), and what a `__getattr__` that
        forwards to another attribute finds on the object that attribute is
        built from. Only a target that certainly does not exist is reported:
        where only the run knows (a name computed otherwise, `vars(self)`, an
        object built with `**options`, a base class outside the package), the
        stub is not reported.
    """
    invalid = (
        Example(
            """
            from unittest import mock

            from app import pricing


            @mock.patch("app.pricing.net_totl", autospec=True)
            def test_total(net_total):
                assert pricing.net_total([1]) == 1
            """,
            "typo in the target",
        ),
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            @mock.patch("app.adapters.http.HttpClient.get_jsn", autospec=True)
            def test_price(get_json):
                get_json.return_value = {"price": 2.0}
                assert PriceBook().price("x") == 2.0
            """,
            "stale method name on an adapter",
        ),
        Example(
            """
            from unittest import mock

            from app import pricing


            def test_total():
                with mock.patch.multiple("app.pricing", net_totl=mock.DEFAULT):
                    assert pricing.net_total([1]) == 1
            """,
            "typo in one of patch.multiple's names",
        ),
        Example(
            """
            from unittest.mock import Mock

            from app.pricing import PriceBook


            def test_gross():
                book = PriceBook()
                book.get_price = Mock(return_value=10.0)
                assert book.gross("sku-1") == 12.0
            """,
            "a stub on an instance, of a method its class does not have",
        ),
        Example(
            """
            from unittest.mock import Mock

            from app.grants import Grant


            def test_token_is_saved():
                grant = Grant(validator=None, expires_in=60)
                grant.save_token = Mock(return_value="saved")
                assert grant.expires_in == 60
            """,
            "a stub of a name the class's `**kwargs` setattr did not set",
        ),
    )
    valid = (
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            @mock.patch("app.adapters.http.HttpClient.get_json", autospec=True)
            def test_price(get_json):
                get_json.return_value = {"price": 2.0}
                assert PriceBook().price("x") == 2.0
            """,
            "an existing method of a declared adapter",
        ),
        Example(
            """
            from unittest import mock

            from app import pricing


            def test_net_total_writes_nothing():
                with mock.patch("app.pricing.open", mock.mock_open()) as opened:
                    assert pricing.net_total([1, 2]) == 3
                opened.assert_not_called()


            def test_module_file(tmp_path):
                with mock.patch("app.pricing.__file__", str(tmp_path / "pricing.py")):
                    assert pricing.net_total([]) == 0
            """,
            "a builtin patched on a module, and a module dunder",
        ),
        Example(
            """
            from unittest.mock import Mock

            from app.grants import Grant


            def test_token_hook_is_called():
                grant = Grant(validator=None, on_token=print, expires_in=60)
                grant.on_token = Mock(spec=print)
                assert grant.create_token({"user": "u"})["expires_in"] == 60
                grant.on_token.assert_called_once_with({"user": "u"})
            """,
            "a stub of a keyword the constructor set with setattr",
        ),
    )

    def check_patch(self, patch: PatchContext) -> str:
        return patch_checks.unresolved_message(patch)


MOCK_UNRESOLVED = MockUnresolved()
