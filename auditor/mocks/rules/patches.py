"""Rules about what is patched and how: mock-internal, mock-no-spec, and
(defined in :mod:`auditor.mocks.rules.targets`, listed here in registry order)
mock-unresolved; mock-density, which judges a test's patches as a whole, is in
:mod:`auditor.mocks.rules.density`. Their hooks call the checks of
:mod:`auditor.mocks.rules.patch_checks`."""

from __future__ import annotations

from auditor.mocks.facts import LocalFinding
from auditor.mocks.resolve import ProjectIndex
from auditor.mocks.rules import patch_checks
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import FunctionContext, PatchContext
from auditor.mocks.rules.targets import MOCK_UNRESOLVED
from auditor.mocks.scan import patch_api


class MockInternal(Rule):
    id = "mock-internal"
    message = "patch of code under audit instead of a boundary"
    severity = "warning"
    opt_in = """
        on the labelled corpus of real suites (bench/corpus/) fewer than half of
        its findings were worth fixing even with inferred boundaries: real suites
        patch their own code mostly as deliberate seams (a prompt, a token
        generator, a cache counter, the user's config), which a reviewer keeps.
        It stays useful where a team wants every such patch declared: the
        message names the module to add to `boundaries`. Measured on 13
        projects (bench/corpus_mocks.py, commit c788243): 11 worth fixing, 13
        not, 11 borderline (45.8% precision, 73.3% recall) against the targets
        of 95% and 90%.
    """
    rationale = """
        Patching your own code replaces the behaviour the test is meant to check:
        the test then verifies how modules call each other, breaks on every
        refactoring and passes when the patched code is wrong. Patch at the
        boundary instead (third-party and standard-library modules, or first-party
        adapter modules declared in `[tool.audit.mocks] boundaries`), or pass a
        fake in. Targets are resolved through the test module's imports and the
        project's import graph: `patch("app.pricing.requests.get")` patches
        `requests.get` (a boundary) while `patch("app.pricing.net_total")` or
        `patch.object(PriceBook, "price")` patch the code under audit. Direct
        stubbing (`PriceBook.price = Mock()`, `book.client = MagicMock()` on an
        object made from the package) is patching too, and is never undone.
        A first-party module that is a thin binding to the outside (most of its
        functions use `ctypes`, `socket`, `subprocess`, an HTTP client, a DB
        driver or an OS API; or a platform-specific module) is an inferred
        boundary, and so is a function that uses such a module or asks the user
        at the terminal (or calls one that does), or is a thin wrapper over
        randomness, the clock, the machine's environment or the file system;
        each is listed in the report with its reason, and `[tool.audit.mocks]
        internal` overrides an inference. Not reported either: spies
        (`wraps=`, `side_effect=` the real function), `patch.dict` (it sets and
        restores entries), `create=True` on a name that does not exist,
        patches in autouse fixtures (isolation of every test), a module
        constant set to another value (`monkeypatch.setattr(mod, "LINGER", 0)`,
        a platform flag: a value, not code), and a patch whose mock the test
        calls to build a spec'd stand-in. The message names
        the module to declare in `boundaries` if it is one.
    """
    invalid = (
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            def test_gross_adds_vat():
                with mock.patch.object(PriceBook, "price", autospec=True, return_value=10.0):
                    assert PriceBook().gross("sku-1") == 12.0
            """,
            "patch.object on a class of the package",
        ),
        Example(
            """
            def test_total(mocker):
                mocker.patch("app.pricing.net_total", autospec=True, return_value=3)
                from app import pricing
                assert pricing.net_total([1, 2]) == 3
            """,
            "mocker.patch of a package function",
        ),
        Example(
            """
            from unittest.mock import Mock

            from app.pricing import PriceBook


            def test_gross_adds_vat():
                book = PriceBook()
                book.price = Mock(return_value=10.0)
                assert book.gross("sku-1") == 12.0
            """,
            "direct stubbing of a method on an object of the package",
        ),
        Example(
            """
            from unittest import mock

            from app import pricing


            def test_total_of_fetched_prices():
                with mock.patch.multiple("app.pricing", net_total=mock.DEFAULT) as patched:
                    patched["net_total"].return_value = 3
                    assert pricing.net_total([1, 2]) == 3
            """,
            "patch.multiple of a package function",
        ),
    )
    valid = (
        Example(
            """
            from unittest import mock

            from app import pricing


            def test_git_tag_without_git():
                with mock.patch.multiple("app.pricing", subprocess=mock.DEFAULT) as patched:
                    patched["subprocess"].run.return_value.stdout = "v1"
                    assert pricing.git_tag() == "v1"
            """,
            "patch.multiple of the standard library a package module uses",
        ),
        Example(
            """
            from unittest import mock

            from app import clipboard


            def test_copy_calls_the_os():
                with mock.patch("app.clipboard.copy", autospec=True, return_value=1) as copy:
                    assert clipboard.copy("x") == 1
                copy.assert_called_once_with("x")
            """,
            "a thin ctypes binding of the package is an inferred boundary",
        ),
        Example(
            """
            from unittest import mock

            from app import pricing


            def test_total_in_dollars():
                with mock.patch("app.pricing.ask_sku", autospec=True, return_value="x"), \\
                        mock.patch.dict(pricing.RATES, {"USD": 1.1}), \\
                        mock.patch.object(pricing, "net_total",
                                          side_effect=pricing.net_total) as spy:
                    assert pricing.net_total([1, 2]) == 3
                    assert pricing.RATES["USD"] == 1.1
                spy.assert_called_once_with([1, 2])
            """,
            "a terminal prompt of the package, a dict entry set and restored, a spy",
        ),
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            def test_price_reads_the_price_service():
                with mock.patch("app.adapters.http.requests.get", autospec=True) as get:
                    get.return_value.json.return_value = {"price": 10.0}
                    assert PriceBook().gross("sku-1") == 12.0
            """,
            "patch of requests where the declared adapter uses it",
        ),
        Example(
            """
            from unittest import mock

            from app import pricing


            def test_git_tag_runs_git():
                done = mock.Mock(spec=["stdout"], stdout="v1.0\\n")
                with mock.patch("app.pricing.subprocess.run", autospec=True, return_value=done):
                    assert pricing.git_tag() == "v1.0\\n"
            """,
            "subprocess patched where the code under audit uses it",
        ),
        Example(
            """
            from app import pricing
            from app.pricing import PriceBook


            def test_gross_without_vat(monkeypatch):
                monkeypatch.setattr(pricing, "VAT", 0.0)
                book = PriceBook(client=None)
                assert book.currency == "EUR"
            """,
            "a module constant of the package set (a value, not code)",
        ),
    )

    def check_patch(self, patch: PatchContext) -> str:
        if patch.function.role == "fixture" and patch.function.autouse:
            return ""  # an autouse fixture isolates every test from the machine
        return patch_checks.internal_message(patch)


MOCK_INTERNAL = MockInternal()


class MockNoSpec(Rule):
    id = "mock-no-spec"
    message = "mock without spec, spec_set or autospec"
    severity = "note"
    rationale = """
        A `Mock()` or `MagicMock()` without `spec` accepts any attribute and any
        call signature: a misspelt method, a removed parameter or a wrong return
        shape all pass silently. Give the mock a `spec`/`spec_set`, use
        `create_autospec`, or patch with `autospec=True` (`spec=None` does not
        count). Reported only where a spec protects something: a mock standing
        in for first-party code that the test configures or checks, or for a
        third-party function whose calls the test checks. Not reported:
        stand-ins for the standard library (loggers, `os`, streams, sockets),
        also when reached through an attribute of a first-party object whose
        class fills it from the standard library or a third party
        (`worker.poller = Mock()` where a method sets `self.poller =
        selectors.DefaultSelector()`, or calls a method returning
        `futures.ThreadPoolExecutor(...)`), and mocks used only through the
        API of a standard-library type (a listener configured through
        `accept`/`getsockname`, a Future through `cancelled`/`result`, an
        asyncio transport); third-party functions only pinned by
        `return_value` (`generate_nonce`), never checked nor used through
        their attributes; a callable the object
        holds as data (`worker.wsgi`, the user's application) pinned to return
        literal data and never checked; methods of the test's own fakes
        (`MockArbiter().wakeup = Mock()`) and mocks a fake class of the test
        module makes for itself (`self.tmp = MagicMock()` in
        `MockWorker.__init__`: the test chose a hand-written double); dunder stubs (`m.__enter__ =
        Mock()`), `wraps=` spies, inert placeholders nobody configures or
        checks, `create=True` and targets that do not exist on this platform
        (nothing to take a spec from), a mock stored as a data value of a real
        object (`request.client = client`), and patches that replace the
        target with a given object (`new`). One finding per mock object, at
        the line that makes it.
    """
    invalid = (
        Example(
            """
            from unittest.mock import MagicMock

            from app.pricing import PriceBook


            def test_price():
                client = MagicMock()
                client.get_json.return_value = {"price": 2.0}
                assert PriceBook(client).price("x") == 2.0
            """,
        ),
        Example(
            """
            from unittest import mock

            from app.pricing import PriceBook


            @mock.patch("app.adapters.http.requests.get")
            def test_price(get):
                get.return_value.json.return_value = {"price": 2.0}
                assert PriceBook().price("x") == 2.0
                get.assert_called_once_with("https://prices/x", timeout=10)
            """,
            "patch of a third-party function used through its result's methods, and "
            "checked, without autospec",
        ),
        Example(
            """
            from unittest.mock import MagicMock

            from app.pricing import PriceBook


            def test_price():
                book = PriceBook()
                book.client = MagicMock()
                book.client.get_json.return_value = {"price": 2.0}
                assert book.price("x") == 2.0
            """,
            "an attribute holding first-party code replaced",
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
                assert PriceBook(client).price("x") == 2.0
            """,
        ),
        Example(
            """
            from unittest import mock

            from app import pricing
            from app.pricing import PriceBook


            def test_logs_and_spies():
                with mock.patch("app.clipboard.log") as log, mock.patch("os.getcwd") as cwd:
                    cwd.return_value = "/srv"
                    spy = mock.Mock(wraps=pricing.net_total)
                    assert spy([1, 2]) == 3
                    assert PriceBook(mock.Mock()).currency == "EUR"
                log.warning.assert_not_called()
            """,
            "a module's logger and os patched, a wraps= spy, an inert placeholder",
        ),
        Example(
            """
            from unittest import mock

            from app.server import user_agent


            @mock.patch("app.server.requests.utils.default_user_agent")
            def test_agent(default_user_agent):
                default_user_agent.return_value = "agent/1"
                assert user_agent() == "agent/1 (app)"
            """,
            "a third-party function only pinned to a value, never checked",
        ),
        Example(
            """
            from unittest import mock

            from app.server import Server


            def test_ready_and_serve():
                server = Server()
                server.poller = mock.Mock()
                server.poller.select.return_value = []
                server.pool = mock.Mock()
                server.pool.submit.return_value = None
                server.app = mock.Mock(return_value=[b"OK"])
                listener = mock.Mock()
                listener.accept.return_value = (None, ("127.0.0.1", 80))
                assert server.ready() == []
                assert server.serve(listener, {}) == [b"OK"]
            """,
            "standard-library objects held by attributes (a selector, a thread pool), "
            "a listener used through the socket API, the application pinned",
        ),
        Example(
            """
            from unittest.mock import MagicMock

            from app.pricing import PriceBook


            class FakeShop:
                def __init__(self):
                    self.client = MagicMock()
                    self.client.get_json.return_value = {"price": 2.0}


            def test_price_from_fake_shop():
                assert PriceBook(FakeShop().client).price("x") == 2.0
            """,
            "a mock a hand-written fake class makes for itself",
        ),
    )

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        """``Mock()``/``MagicMock()`` constructors (patches are judged in check_patch)."""
        found: list[LocalFinding] = []
        owner = function.function.class_name
        if function.function.role != "test" and owner and _hand_written_fake(
                owner.replace("::", ".")):
            return found  # ``MockWorker.__init__`` sets ``self.tmp = MagicMock()``: the fake's part
        scan = function.scan
        for call, _loop in scan.calls:
            if patch_api(scan, call) is not None:
                continue
            finding = patch_checks.check_no_spec_constructor(
                self.id, scan, call, function.bound.get(id(call)),
                id(call) in function.contained)
            if finding is not None:
                found.append(finding)
        return found

    def check_patch(self, patch: PatchContext) -> str:
        return patch_checks.no_spec_patch_reason(patch.index, patch.patch, patch.function)

    def keep_local(self, index: ProjectIndex, finding: LocalFinding) -> bool:
        # ``worker.poller = Mock()`` where the class sets ``self.poller =
        # selectors.DefaultSelector()``: a stand-in for the standard library
        if not finding.attribute:
            return True
        if _hand_written_fake(finding.owner) and not index.is_first_party(finding.owner):
            return False  # ``MockArbiter().wakeup = Mock()``: a method of the test's own fake
        if finding.pinned and index.instance_data(finding.attribute):
            return False  # a callable the object holds as data (``worker.wsgi``), pinned
        return not index.attribute_outside(finding.attribute, finding.owner or None)


def _hand_written_fake(owner: str) -> bool:
    """A class named as a test double (``MockArbiter``, ``FakeClient``)."""
    name = owner.rpartition(".")[2]
    return any(name.startswith(prefix) and name[len(prefix):len(prefix) + 1].isupper()
               for prefix in ("Mock", "Fake", "Dummy", "Stub"))


MOCK_NO_SPEC = MockNoSpec()


RULES = (MOCK_INTERNAL, MOCK_UNRESOLVED, MOCK_NO_SPEC)
