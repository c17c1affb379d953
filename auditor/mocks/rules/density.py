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
    message = "too many patches active in one test"
    severity = "note"
    rationale = """
        A test with many patches checks wiring, not behaviour: so much of the
        world is replaced that the code under test barely runs. The count
        includes `@patch` decorators (on the test and its class), patches in the
        test body (`with`, `.start()`, `ExitStack.enter_context`, `mocker`,
        `monkeypatch`, direct stubbing), patches started by the local helpers it
        calls, and patches made by the fixtures it uses from the same module or
        a `conftest.py`: each patched name counts one (`patch.multiple` one per
        attribute, `patch.dict` one). The limit is `[tool.audit.mocks]
        max_patches` (default 4).
    """
    invalid = (
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            @mock.patch("os.getcwd", autospec=True)
            @mock.patch("os.getpid", autospec=True)
            @mock.patch("time.time", autospec=True)
            @mock.patch("time.monotonic", autospec=True)
            @mock.patch("app.adapters.http.requests.get", autospec=True)
            def test_everything_is_fake(get, monotonic, now, getpid, getcwd):
                get.return_value.json.return_value = {"price": 1.0}
                assert PriceBook().price("x") == 1.0
            """,
        ),
        Example(
            """
            import contextlib
            from unittest import mock

            from app.pricing import PriceBook


            def fake_clock():
                mock.patch("time.time", autospec=True).start()
                mock.patch("time.monotonic", autospec=True).start()


            def test_everything_is_fake():
                fake_clock()
                with contextlib.ExitStack() as stack:
                    stack.enter_context(mock.patch.dict("os.environ", {"HOME": "/x"}))
                    get = stack.enter_context(
                        mock.patch("app.adapters.http.requests.get", autospec=True))
                    stack.enter_context(mock.patch("os.getpid", autospec=True))
                    get.return_value.json.return_value = {"price": 1.0}
                    assert PriceBook().price("x") == 1.0
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
    )

    def check_test(self, test: TestContext) -> Verdict | None:
        if test.patches <= test.max_patches:
            return None
        return Verdict(patch_checks.density_message(test.patches, test.max_patches))


MOCK_DENSITY = MockDensity()


RULES = (MOCK_DENSITY,)
