"""pytest plugin loaded into the audited project's test run (``-p audit_pytest_plugin``).

It is a standalone, stdlib-only module (the project's interpreter may not
have the auditor installed) that records, for each test, its outcome, its
duration and how many assertions it actually executed, as JSON lines in the
file named by ``AUDIT_PYTEST_REPORT``. The auditor reads that file while the
run is going (for progress) and after it (for the result model).

It also records the shape of the session - its start, the number of tests
collected, each test's start, and the session's end with pytest's exit
status - so the auditor can tell a complete run from one that ended early
(``os._exit`` in a test, a segfault, a SIGKILL) and name the test that was
running when it did.

Assertions counted (when ``AUDIT_COUNT_ASSERTIONS`` is set): plain
``assert`` statements executed during a test (a counting call that pytest's
assertion rewriter puts before each one; see :func:`_count_asserts_at_rewrite`
for why not the assertion-pass hook), ``pytest.raises``/``pytest.warns``
calls, and unittest ``assert*``/``fail*`` methods. Plain asserts count only
where pytest rewrote them, so a test whose code pytest did not rewrite
(``--assert=plain``, a module outside ``python_files`` collected by a plugin,
``PYTEST_DONT_REWRITE``) gets ``"assertions": null``: unknown, not zero (see
:func:`_code_was_rewritten`). Asserts inside installed packages (a pytest
plugin's own consistency checks, which pytest rewrites because it is a
plugin) are not the test's and are not counted.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import json
import os
import sys
import time
import unittest
from typing import Any

import pytest

_current: dict[str, Any] = {"nodeid": None, "count": 0, "depth": 0, "asserts_before": 0}
_reports: dict[str, dict[str, Any]] = {}
_stream: Any = None
_ASSERTS = [0]
"""Every rewritten ``assert`` executed so far, in this process (see
:func:`_count_asserts_at_rewrite`); a test's own are the difference between
its start and its end."""


def _emit(record: dict[str, Any]) -> None:
    if _stream is not None:
        _stream.write(json.dumps(record) + "\n")
        _stream.flush()


def _count(n: int = 1) -> None:
    if _current["nodeid"] is not None:
        _current["count"] += n


def _counting(func: Any) -> Any:
    """Count a call once, even when it calls other counted helpers
    (``assertEqual`` on lists calls ``assertListEqual``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _current["depth"] == 0:
            _count()
        _current["depth"] += 1
        try:
            return func(*args, **kwargs)
        finally:
            _current["depth"] -= 1

    wrapper.__audit_counting__ = True  # type: ignore[attr-defined]
    return wrapper


def _instrument() -> None:
    """Wrap the assertion helpers that do not go through ``assert``."""
    for name in ("raises", "warns", "deprecated_call"):
        original = getattr(pytest, name, None)
        if original is not None and not getattr(original, "__audit_counting__", False):
            setattr(pytest, name, _counting(original))
    for name in dir(unittest.TestCase):
        if name.startswith(("assert", "fail")) and not name.startswith("failureException"):
            method = getattr(unittest.TestCase, name)
            if callable(method) and not getattr(method, "__audit_counting__", False):
                setattr(unittest.TestCase, name, _counting(method))


@pytest.hookimpl(tryfirst=True)  # before junitxml's configure reads the option
def pytest_configure(config: pytest.Config) -> None:
    global _stream
    junit = os.environ.get("AUDIT_JUNIT_XML")
    if junit and getattr(config.option, "xmlpath", None):
        # The project's options ask for a JUnit report (addopts, PYTEST_ADDOPTS): it
        # goes into the run folder, the project's own file is left alone. Without
        # such an option no report is made (pytest's XML of every test costs CPU).
        config.option.xmlpath = junit
    path = os.environ.get("AUDIT_PYTEST_REPORT")
    if path and _stream is None and not hasattr(config, "workerinput"):
        _stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in unconfigure
    _instrument()
    if _COUNTING_REQUESTED and not _COUNTING_AT_REWRITE:
        # Fallback on a pytest without the rewrite seam: its assertion-pass hook.
        config._inicache["enable_assertion_pass_hook"] = True
    if os.environ.get("AUDIT_CLASSES_FILE"):  # the instantiation analysis asked for it
        # our plugin folder is on the suite's path; a name, not a static import
        config.pluginmanager.register(importlib.import_module("audit_classes"), "audit_classes")
    if os.environ.get("AUDIT_DEPENDENCIES_FILE"):  # the dependencies analysis asked for it
        config.pluginmanager.register(importlib.import_module("audit_dependencies"),
                                      "audit_dependencies")


def pytest_unconfigure(config: pytest.Config) -> None:
    global _stream
    if _stream is not None:
        _stream.close()
        _stream = None


def pytest_sessionstart(session: pytest.Session) -> None:
    _emit({"event": "session_start"})


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _emit({"event": "session_finish", "exitstatus": int(exitstatus)})


def pytest_collection_finish(session: pytest.Session) -> None:
    _emit({"event": "collected", "count": len(session.items)})


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _emit({"event": "collect_error", "nodeid": report.nodeid,
               "message": _failure_message(report)})


def _failure_message(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", "")
    if not message:
        lines = [line.strip() for line in str(report.longrepr).splitlines() if line.strip()]
        errors = [line[1:].strip() for line in lines if line.startswith("E ")]
        message = (errors or lines or [""])[-1]
    return str(message)[:500]


def _count_asserts_at_rewrite() -> bool:
    """Make every rewritten ``assert`` count itself; False when pytest has no such seam.

    pytest's own way, the assertion-pass hook, builds the explanation of every
    *passing* assert: it calls ``repr`` on the values compared (running project
    code a plain run does not) and keeps them alive in the test's frame (on the
    real-project corpus a test waiting for ``__del__`` hung, and a Hypothesis
    suite ran 70 times slower). Instead, the rewriter puts one statement before
    each assert, and nothing else changes: ``@pytest_ar._audit_asserts[0] += 1``,
    an increment, not a call (a call per assert cost a coverage-traced suite a
    function-call event each, about 5% of a small suite's run: the tracer is
    called on every Python call, measured file or not). The test's count is
    what the counter gained between the test's start and its end
    (:func:`pytest_runtest_protocol`), so asserts run outside a test (at
    collection, in a session fixture's set-up) count for none, as before.
    """
    try:
        from _pytest.assertion import rewrite
    except ImportError:
        return False
    rewriter = getattr(rewrite, "AssertionRewriter", None)
    original = getattr(rewriter, "visit_Assert", None)
    if original is None or not hasattr(rewriter, "helper") or not hasattr(rewrite, "_read_pyc"):
        return False
    if getattr(original, "__audit_counting__", False):
        return True

    def visit_assert(self: Any, assert_: ast.Assert) -> list[ast.stmt]:
        if _installed(getattr(self, "module_path", None)):
            return original(self, assert_)  # type: ignore[no-any-return]
        return [_counting_statement(assert_), *original(self, assert_)]

    visit_assert.__audit_counting__ = True  # type: ignore[attr-defined]
    rewrite._audit_asserts = _ASSERTS  # type: ignore[attr-defined]
    rewriter.visit_Assert = visit_assert  # type: ignore[union-attr]
    # Neither read the user's cached rewrites (they lack the call) nor leave
    # ours behind (a plain pytest run would then call a helper it lacks) --
    # except for installed modules (the plugins pytest rewrites, e.g. all of
    # Hypothesis): their rewrite has no call, it is plain pytest's, so their
    # cached rewrites are used and kept as pytest does (rewriting Hypothesis
    # from source took 1.1 s of CPU on every audit of a 3-test project).
    read_pyc, write_pyc = rewrite._read_pyc, rewrite._write_pyc

    def read_installed(*args: Any, **kwargs: Any) -> Any:
        return read_pyc(*args, **kwargs) if _installed_path(*args) else None

    def write_installed(*args: Any, **kwargs: Any) -> Any:
        return write_pyc(*args, **kwargs) if _installed_path(*args) else True

    rewrite._read_pyc = read_installed
    rewrite._write_pyc = write_installed
    return True


def _counting_statement(assert_: ast.Assert) -> ast.stmt:
    """``@pytest_ar._audit_asserts[0] += 1`` at the place of ``assert_``.

    Each node gets its position as it is built: no ``ast.walk`` and
    ``copy_location`` over it, which made 40 Python calls per assert while the
    test modules were rewritten, each one a call event for coverage's tracer.
    """
    at: dict[str, Any] = {"lineno": assert_.lineno, "col_offset": assert_.col_offset,
                          "end_lineno": assert_.end_lineno,
                          "end_col_offset": assert_.end_col_offset}
    counter = ast.Attribute(ast.Name("@pytest_ar", ast.Load(), **at), "_audit_asserts",
                            ast.Load(), **at)
    return ast.AugAssign(ast.Subscript(counter, ast.Constant(0, **at), ast.Store(), **at),
                         ast.Add(), ast.Constant(1, **at), **at)


def _installed_path(*args: Any) -> bool:
    """Whether the paths among a pyc function's arguments are in an installed distribution.

    ``_read_pyc(source, pyc, ...)`` and ``_write_pyc(state, co, hash, pyc)``:
    the pyc lies in the ``__pycache__`` beside its source, so either tells.
    """
    paths = [str(arg) for arg in args if isinstance(arg, (str, os.PathLike))]
    return bool(paths) and all(_installed(path) for path in paths)


def _installed(module_path: str | None) -> bool:
    """Whether a rewritten file belongs to an installed distribution.

    pytest rewrites the modules of every plugin registered by entry point
    (``_mark_plugins_for_rewrite``), so pytest-asyncio's own ``assert
    function.get_closest_marker("asyncio")``, run while an async test is set
    up, would count as the test's assertion and hide a test that asserts
    nothing. The project's tests, conftests and helper plugins live in its
    tree, not in ``site-packages``.
    """
    if not module_path:
        return False
    parts = os.path.normpath(os.path.abspath(module_path)).split(os.sep)
    return "site-packages" in parts or "dist-packages" in parts


_COUNTING_REQUESTED = bool(os.environ.get("AUDIT_COUNT_ASSERTIONS"))
# Patched when this module is imported (``-p audit_pytest_plugin``), before any
# conftest or test module is rewritten.
_COUNTING_AT_REWRITE = _COUNTING_REQUESTED and _count_asserts_at_rewrite()


def pytest_assertion_pass(item: pytest.Item, lineno: int, orig: str, expl: str) -> None:
    # Only reached on a pytest without the rewrite seam, where the hook is the
    # fallback (see pytest_configure); never counted twice.
    if not _COUNTING_AT_REWRITE:
        _count()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    _current["nodeid"] = item.nodeid
    _current["count"] = 0
    _current["asserts_before"] = _ASSERTS[0]
    _emit({"event": "start", "nodeid": item.nodeid})
    _reports[item.nodeid] = {"start": time.perf_counter(), "phases": {}}
    yield
    state = _reports.pop(item.nodeid, {"phases": {}, "start": time.perf_counter()})
    _emit(
        {
            "event": "test",
            "nodeid": item.nodeid,
            "outcome": _outcome(state["phases"]),
            "duration": sum(p["duration"] for p in state["phases"].values()),
            "assertions": _current["count"] + _ASSERTS[0] - _current["asserts_before"]
            if _code_was_rewritten(item) else None,
            "message": next(
                (p["message"] for p in state["phases"].values() if p["message"]), ""
            ),
        }
    )
    _current["nodeid"] = None


def _code_was_rewritten(item: pytest.Item) -> bool:
    """Whether pytest rewrote the asserts of the module holding the test's code.

    A rewritten module has the ``@pytest_ar`` alias that
    ``AssertionRewriter.run`` inserts into every module it rewrites (even one
    without asserts). The test function's own globals decide when they are a
    real module (a test inherited from a base class in a helper module pytest
    does not rewrite); a function made by ``exec`` outside any module
    (Hypothesis' ``@given`` wrapper) is judged by the collected module.
    Items without a Python module (doctests, other file types) count as not
    rewritten: their plain asserts were never counted. Nor are those of a test
    module inside an installed package (``pytest --pyargs``; see
    :func:`_installed`).
    """
    try:
        module_globals: Any = getattr(getattr(item, "module", None), "__dict__", None)
        code_globals = _function_globals(getattr(item, "obj", None))
    except Exception:  # a plugin's item whose attributes raise
        return False
    decisive: Any = module_globals
    if code_globals is not None and code_globals is not module_globals:
        code_module = sys.modules.get(str(code_globals.get("__name__")))
        if getattr(code_module, "__dict__", None) is code_globals:
            decisive = code_globals
    if not isinstance(decisive, dict) or "@pytest_ar" not in decisive:
        return False
    return not _installed(decisive.get("__file__"))


def _function_globals(obj: Any) -> dict[str, Any] | None:
    """The globals of the innermost function behind ``obj`` (a method's
    function, through ``functools.wraps`` decorators such as ``mock.patch``)."""
    func = getattr(obj, "__func__", obj)
    try:
        func = inspect.unwrap(func)
    except ValueError:  # a cycle of __wrapped__
        return None
    found = getattr(func, "__globals__", None)
    return found if isinstance(found, dict) else None


def _outcome(phases: dict[str, dict[str, Any]]) -> str:
    setup = phases.get("setup", {})
    call = phases.get("call", {})
    teardown = phases.get("teardown", {})
    if setup.get("outcome") == "failed":
        return "error"
    if call.get("xfail") is not None:
        return "xpassed" if call.get("outcome") == "passed" else "xfailed"
    if setup.get("outcome") == "skipped" or call.get("outcome") == "skipped":
        return "skipped"
    if call.get("outcome") == "failed":
        return "failed"
    if teardown.get("outcome") == "failed":
        return "error"
    return "passed"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _reports.get(report.nodeid)
    if state is None:
        return
    message = _failure_message(report) if report.failed else ""
    state["phases"][report.when] = {
        "outcome": report.outcome,
        "duration": report.duration,
        "xfail": getattr(report, "wasxfail", None),
        "message": message,
    }
