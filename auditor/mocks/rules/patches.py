"""Rules about what is patched and how: mock-internal, mock-unresolved,
mock-no-spec and mock-density."""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import LocalFinding, PatchFact
from auditor.mocks.resolve import ProjectIndex, Resolution
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.scan import FunctionScan, patch_api

MOCK_INTERNAL = Rule(
    id="mock-internal",
    message="patch of code under audit instead of a boundary",
    severity="warning",
    rationale="""
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
        boundary, listed in the report with its reason; `[tool.audit.mocks]
        internal` overrides an inference. The message names the module to
        declare in `boundaries` if it is one.
    """,
    invalid=(
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
    ),
    valid=(
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
    ),
)

MOCK_UNRESOLVED = Rule(
    id="mock-unresolved",
    message="patch target does not exist in the code under audit",
    severity="error",
    rationale="""
        A patch target string names a module and an attribute of the code under
        audit. When that attribute does not exist, `patch` raises at run time or,
        with `create=True`, silently patches a name nobody reads, so the test runs
        against the real code while claiming otherwise. Typos and stale targets
        after a rename are the usual cause. Targets resolve the way `mock.patch`
        resolves them: a builtin patched on a module (`app.pricing.open`) is
        created by `patch`, every module has its dunders (`__file__`),
        `create=True` says the name may be missing, and names a module binds at
        import time (`global`, `globals()`, `setattr`, star imports, a module
        `__getattr__`) may exist. Only a target that certainly does not exist is
        reported.
    """,
    invalid=(
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
    ),
    valid=(
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
    ),
)

MOCK_NO_SPEC = Rule(
    id="mock-no-spec",
    message="mock without spec, spec_set or autospec",
    severity="note",
    rationale="""
        A `Mock()` or `MagicMock()` without `spec` accepts any attribute and any
        call signature: a misspelt method, a removed parameter or a wrong return
        shape all pass silently. Give the mock a `spec`/`spec_set`, use
        `create_autospec`, or patch with `autospec=True` (`spec=None` does not
        count). Reported only where a spec protects something: a mock standing
        in for first- or third-party code that the test configures or checks.
        Not reported: stand-ins for the standard library (loggers, `os`,
        streams, sockets), dunder stubs (`m.__enter__ = Mock()`), `wraps=`
        spies, inert placeholders nobody configures or checks, `create=True`
        and targets that do not exist on this platform (nothing to take a spec
        from), and patches that replace the target with a given object (`new`).
        One finding per mock object, at the line that makes it.
    """,
    invalid=(
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
            """,
            "patch without autospec",
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
    ),
)

MOCK_DENSITY = Rule(
    id="mock-density",
    message="too many patches active in one test",
    severity="note",
    rationale="""
        A test with many patches checks wiring, not behaviour: so much of the
        world is replaced that the code under test barely runs. The count
        includes `@patch` decorators (on the test and its class), patches in the
        test body (`with`, `.start()`, `ExitStack.enter_context`, `mocker`,
        `monkeypatch`, direct stubbing), patches started by the local helpers it
        calls, and patches made by the fixtures it uses from the same module or
        a `conftest.py`: each patched name counts one (`patch.multiple` one per
        attribute, `patch.dict` one). The limit is `[tool.audit.mocks]
        max_patches` (default 4).
    """,
    invalid=(
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
    ),
    valid=(
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
    ),
)

RULES = (MOCK_INTERNAL, MOCK_UNRESOLVED, MOCK_NO_SPEC, MOCK_DENSITY)

_SPEC_KEYWORDS = ("spec", "spec_set")
_PATCH_KEYWORDS = frozenset({"target", "attribute", "new", "spec", "create", "spec_set",
                             "autospec", "new_callable", "in_dict", "values", "clear",
                             "name", "raising", "value"})


def _given(arg: cst.Arg | None) -> bool:
    """A keyword given with a value other than ``None``/``False``."""
    if arg is None:
        return False
    value = arg.value
    return not (isinstance(value, cst.Name) and value.value in ("None", "False"))


def patch_fact(scan: FunctionScan, call: cst.Call, via: str) -> PatchFact | None:
    """Describe the patch made by ``call`` (``None`` if it is not a patch)."""
    api = patch_api(scan, call)
    if api is None:
        return None
    line, column = scan.position(call)
    fact = PatchFact(api=api, line=line, column=column, via=via)
    args = n.positional(call)
    first = args[0] if args else (n.keyword(call, "target") or n.keyword(call, "in_dict"))
    first_expr = first.value if isinstance(first, cst.Arg) else first
    if first_expr is not None:
        fact.target = n.string_value(first_expr)
        if fact.target is None:
            fact.object_ref = _object_ref(scan, first_expr)
    if api == "object" or (api == "monkeypatch" and fact.target is None):
        attribute = args[1] if len(args) > 1 else None
        attr_kw = n.keyword(call, "attribute") or n.keyword(call, "name")
        if attribute is None and attr_kw is not None:
            attribute = attr_kw.value
        fact.attribute = n.string_value(attribute) if attribute is not None else None
    canonical = scan.canonical(call.func) or ""
    if api == "monkeypatch" and canonical.endswith(("setitem", "delitem")):
        fact.api = "dict"
        fact.attribute = None
    new_position = {"patch": 1, "object": 2}.get(api)
    has_new = (
        (new_position is not None and len(args) > new_position)
        or n.keyword(call, "new") is not None
        or n.keyword(call, "new_callable") is not None
    )
    fact.creates_mock = api in ("patch", "object") and not has_new
    fact.has_spec = _given(n.keyword(call, "autospec")) or any(
        _given(n.keyword(call, k)) for k in _SPEC_KEYWORDS
    )
    fact.allows_create = _given(n.keyword(call, "create"))
    if first_expr is not None and fact.target is None:
        fact.shown = scan.code(first_expr)
    # patch(..., return_value=1) and other keywords configure the mock it makes
    fact.used = any(a.keyword is not None and a.keyword.value not in _PATCH_KEYWORDS
                    for a in call.args)
    if api == "multiple":
        fact.count = max(1, sum(1 for a in call.args if a.keyword is not None and
                                a.keyword.value not in ("spec", "spec_set", "create",
                                                        "autospec", "new_callable")))
    return fact


def _object_ref(scan: FunctionScan, expr: cst.BaseExpression) -> str | None:
    name = n.dotted(expr)
    if name is None:
        return None
    if name in scan.made_by:
        return scan.made_by[name]  # ``client = pkg.Client()``: an instance of pkg.Client
    if name.partition(".")[0] not in scan.imports:
        return None  # a local value: what it is cannot be known statically
    return n.canonical(name, scan.imports)


def stub_fact(scan: FunctionScan, assign: cst.Assign, target: cst.Attribute) -> PatchFact:
    """``obj.method = Mock()``: a patch by assignment (never undone by the test)."""
    line, column = scan.position(assign)
    return PatchFact(
        api="object", line=line, column=column, via="assign",
        object_ref=_object_ref(scan, target.value), attribute=target.attr.value,
        allows_create=True,  # assignment creates a missing attribute
        used=True, replaces_with_mock=True, shown=scan.code(target.value),
    )


# Keywords of a mock constructor that do not configure the mock's behaviour.
_INERT_KEYWORDS = frozenset({"name", "spec", "spec_set", "wraps", "unsafe", "parent",
                             "_new_name", "_new_parent", "instance", "new_callable"})


def _shown(fact: PatchFact) -> str:
    if fact.target is not None:
        return fact.target
    if fact.attribute is not None:
        return f"{fact.object_ref or fact.shown or 'an object'}.{fact.attribute}"
    return fact.object_ref or fact.shown or "an object"


def no_spec_patch_reason(index: ProjectIndex, fact: PatchFact) -> str:
    """Why an unspec'd patch mock is worth a spec ("" when a spec protects nothing).

    Reported: a patch that makes a MagicMock of first- or third-party code
    which the test configures or checks. Not reported: standard-library
    targets (loggers, ``os``, ``socket``...), dunders, ``create=True`` (there is
    nothing to take a spec from), targets that do not resolve statically (for
    example defined on another platform), and inert placeholders.
    """
    if not fact.creates_mock or fact.has_spec or fact.allows_create or not fact.used:
        return ""
    name = _patched_name(fact)
    if name is None:
        return ""
    if n.is_dunder(name.rpartition(".")[2]):
        return ""
    resolution = index.resolve(name)
    if resolution.status == "unresolved" or n.is_stdlib(resolution.name):
        return ""
    if resolution.status in ("internal", "boundary") and index.made_by_stdlib(resolution.name):
        return ""  # ``pkg.mod.log``: a logger the module made with logging.getLogger
    return f"patch of {_shown(fact)} creates a MagicMock without autospec=True or spec"


def _is_stdlib_standin(var: str | None) -> bool:
    if var is None:
        return False
    words = {w for part in var.split(".") for w in part.lower().split("_") if w}
    return bool(words & n.STDLIB_STANDIN_WORDS)


def check_no_spec_constructor(scan: FunctionScan, call: cst.Call, bound: str | None,
                              contained: bool) -> LocalFinding | None:
    """A ``Mock()``/``MagicMock()`` without spec where a spec protects something.

    ``bound`` is where the mock is stored (a variable, ``self.x``, ``obj.attr``),
    ``contained`` whether it is part of another mock (``Mock(get=Mock())``,
    ``m.child = Mock()``): then the outer mock is the one object to report.
    """
    canonical = scan.canonical(call.func)
    if canonical is None or contained:
        return None
    head, _, rest = canonical.partition(".")
    if canonical in n.MOCK_CLASSES:
        kind = canonical.rpartition(".")[2]
    elif head in n.MOCKER_NAMES and rest in n.MOCK_CLASS_NAMES:
        kind = rest
    else:
        return None
    args = n.positional(call)
    if args and not n.is_none(args[0]):
        return None  # Mock(SomeClass): the first positional parameter is spec
    if any(_given(n.keyword(call, k)) for k in (*_SPEC_KEYWORDS, "wraps")):
        return None  # spec'd, or a spy around a real object
    configured = any(a.keyword is not None and a.keyword.value not in _INERT_KEYWORDS
                     for a in call.args)
    if bound is not None:
        last = bound.rpartition(".")[2]
        if n.is_dunder(last) or _is_stdlib_standin(bound):
            return None
        if not configured and not scan.is_used(bound) and not _stubbed(bound):
            return None  # an inert placeholder
    elif not configured and not any(call is r for r in scan.returned):
        return None  # an inert placeholder passed along
    line, column = scan.position(call)
    what = f"{kind}() for {bound}" if bound else f"{kind}()"
    return LocalFinding(MOCK_NO_SPEC.id, line, column,
                        f"{what} without spec or spec_set accepts any attribute and call")


def _stubbed(bound: str) -> bool:
    """``obj.method = Mock()``: a stand-in installed on a real object."""
    return "." in bound and not bound.startswith(("self.", "cls."))


def check_target(index: ProjectIndex, fact: PatchFact) -> tuple[str, str] | None:
    """``(rule id, message)`` when a patch is internal or does not resolve."""
    name = _patched_name(fact)
    if name is None:
        return None
    resolution: Resolution = index.resolve(name)
    if resolution.status == "unresolved" and not fact.allows_create and fact.via != "assign":
        return MOCK_UNRESOLVED.id, f"patch target {name!r} does not exist ({resolution.detail})"
    # create=True on a missing name still patches a module of the code under audit
    if resolution.status == "internal" or resolution.status == "unresolved":
        written = _shown(fact)
        shown = written if resolution.name == name else f"{written} (= {resolution.name})"
        module = index.module_of(resolution.name) or resolution.name
        return MOCK_INTERNAL.id, (
            f"patches {shown}, code under audit; patch a boundary, or declare "
            f'"{module}" in [tool.audit.mocks] boundaries if it is one'
        )
    return None


def _patched_name(fact: PatchFact) -> str | None:
    if fact.target is not None:
        return fact.target
    if fact.object_ref is None:
        return None
    if fact.attribute is None:
        return fact.object_ref if fact.api == "dict" else None
    return f"{fact.object_ref}.{fact.attribute}"


def is_internal(index: ProjectIndex, fact: PatchFact) -> bool:
    name = _patched_name(fact)
    return name is not None and index.resolve(name).status == "internal"


def density_message(count: int, limit: int) -> str:
    return f"{count} patches active in one test (limit {limit})"
