"""The patch-count rule: a test that patches so much that little real code runs.

Its own module (it judges a test's patches as a whole, where the rules of
:mod:`auditor.mocks.rules.patches` judge each patch); listed right after them
in the registry.
"""

from __future__ import annotations

from auditor.mocks.rules import patch_checks
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import TestContext, Verdict


class MockDensity(Rule):
    id = "mock-density"
    message = "too many patches of the code under audit in one test"
    severity = "note"
    rationale = """
        A test that replaces many parts of the code under audit checks how
        they are wired, not what they do: so little of the project's own code
        runs that a bug in it goes unnoticed. The count includes `@patch`
        decorators (on the test and its class), patches in the test body
        (`with`, `.start()`, `ExitStack.enter_context`, `mocker`,
        `monkeypatch`, direct stubbing), patches started by the local helpers
        it calls, and patches made by the fixtures it uses from the same
        module or a `conftest.py`: each patched name counts one, and so do a
        `patch.multiple`, the `patch.dict`s of one dict, and a fixture.
        Only patches of the project's own code count (its modules inferred to
        be bindings to the outside included): replacing the standard library,
        a third-party package or a declared boundary isolates the test from
        the outside world and leaves the project's code running (a test of
        process control has to fake `os.kill`). A target that cannot be
        resolved counts. The limit is `[tool.audit.mocks]
        max_patches` (default 4).
    """
    invalid = (
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            @mock.patch("app.grants.Grant.create_token", autospec=True)
            @mock.patch("app.server.Server.ready", autospec=True)
            @mock.patch("app.pricing.net_total", autospec=True)
            @mock.patch("app.pricing.PriceBook.price", autospec=True)
            @mock.patch("app.pricing.VAT", 0.5)
            def test_everything_is_fake(price, net_total, ready, create_token):
                price.return_value = 1.0
                assert PriceBook().gross("x") == 1.5
            """,
        ),
        Example(
            """
            import contextlib
            from unittest import mock

            from app.pricing import PriceBook


            def fake_collaborators():
                mock.patch("app.grants.Grant.create_token", autospec=True).start()
                mock.patch("app.server.Server.ready", autospec=True).start()


            def test_everything_is_fake():
                fake_collaborators()
                with contextlib.ExitStack() as stack:
                    stack.enter_context(mock.patch.dict("app.pricing.RATES", {"EUR": 2.0}))
                    price = stack.enter_context(
                        mock.patch("app.pricing.PriceBook.price", autospec=True))
                    stack.enter_context(mock.patch("app.pricing.net_total", autospec=True))
                    price.return_value = 1.0
                    assert PriceBook().gross("x") == 1.2
                mock.patch.stopall()
            """,
            "patches through a helper, ExitStack and patch.dict",
        ),
    )
    valid = (
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            @mock.patch("app.adapters.http.requests.get", autospec=True)
            def test_price(get):
                get.return_value.json.return_value = {"price": 1.0}
                assert PriceBook().price("x") == 1.0
            """,
        ),
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            @mock.patch("os.getcwd", autospec=True)
            @mock.patch("os.getpid", autospec=True)
            @mock.patch("time.time", autospec=True)
            @mock.patch("time.monotonic", autospec=True)
            @mock.patch("app.adapters.http.requests.get", autospec=True)
            def test_price_in_a_fake_world(get, monotonic, now, getpid, getcwd):
                get.return_value.json.return_value = {"price": 1.0}
                assert PriceBook().price("x") == 1.0
            """,
            "patches of the outside world only: the project's code runs",
        ),
    )

    def check_test(self, test: TestContext) -> Verdict | None:
        if test.project_patches <= test.max_patches:
            return None
        return Verdict(patch_checks.density_message(test.project_patches, test.max_patches))


MOCK_DENSITY = MockDensity()


RULES = (MOCK_DENSITY,)
