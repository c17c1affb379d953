"""The hygiene rule about exceptions: test-broad-except.

Its own module, next to :mod:`auditor.mocks.rules.hygiene` (test-sleep),
whose check of functions the test only hands to other code it shares.
"""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import LocalFinding
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import FunctionContext
from auditor.mocks.rules.hygiene import in_handed_callback
from auditor.mocks.scan import FunctionScan
from auditor.mocks.statements import body_of


class TestBroadExcept(Rule):
    id = "test-broad-except"
    message = "test swallows any exception, or expects any exception"
    severity = "warning"
    rationale = """
        A `try`/`except Exception` (or bare `except`) in a test that does not
        re-raise turns every failure inside it (a failed `assert`, a
        `TypeError`, a typo) into a pass. `pytest.raises(Exception)`
        without `match=` passes for any error at all, including the ones the
        test did not mean. Expect the specific exception and match its message.
        Not reported in a function the test defines and only hands to other
        code (a fake server's connection handler, a thread's `target`): its
        failures are not the test's. Nor is an `except` whose only statement
        is `break`, around code that asserts nothing, with assertions after
        it (draining a queue until it raises `Empty`): the loop ends early
        on any error, and the assertions then see what was missed.
    """
    invalid = (
        Example(
            """
            from app.pricing import net_total


            def test_total_of_text():
                try:
                    net_total(["a"])
                except Exception:
                    pass
                assert net_total([]) == 0
            """,
        ),
        Example(
            """
            import pytest

            from app.pricing import net_total


            def test_total_of_text():
                with pytest.raises(Exception):
                    net_total(["a"])
            """,
            "pytest.raises(Exception) without match",
        ),
        Example(
            """
            from app.pricing import net_total


            def test_totals_of_growing_lists():
                for size in range(1, 4):
                    try:
                        assert net_total([1] * size) == size
                    except Exception:
                        break
            """,
            "a break that swallows the assertion inside the try",
        ),
    )
    valid = (
        Example(
            """
            import pytest

            from app.pricing import net_total


            def test_total_of_text():
                with pytest.raises(TypeError, match="unsupported operand"):
                    net_total([1, "a"])
            """,
        ),
        Example(
            """
            import threading

            from app.pricing import net_total


            def test_total_from_a_worker_that_may_fail():
                totals = []

                def worker():
                    try:
                        totals.append(net_total([1, 2]))
                    except Exception:
                        totals.append(None)

                thread = threading.Thread(target=worker)
                thread.start()
                thread.join(timeout=5)
                assert totals == [3]
            """,
            "in a function the test hands to other code (a thread's target)",
        ),
        Example(
            """
            import signal

            from app.workers import Pool


            def test_signals_are_queued():
                pool = Pool()
                pool.signal(signal.SIGHUP)
                pool.signal(signal.SIGTERM)
                received = []
                while True:
                    try:
                        received.append(pool.signals.get_nowait())
                    except Exception:
                        break
                assert received == [signal.SIGHUP, signal.SIGTERM]
            """,
            "an except that only ends a drain loop, checked after it",
        ),
    )

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        return check_broad_excepts(self.id, function.scan)


TEST_BROAD_EXCEPT = TestBroadExcept()

RULES = (TEST_BROAD_EXCEPT,)


def _is_broad(scan: FunctionScan, expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        return True
    if isinstance(expr, cst.Tuple):
        return any(_is_broad(scan, e.value) for e in expr.elements)
    return scan.canonical(expr) in n.BROAD_EXCEPTIONS


def _reraises(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """A ``raise``, a call that fails the test (``pytest.fail``, ``self.fail``), or
    an assertion on the exception (a hand-written ``pytest.raises``)."""
    found = False

    class _Finder(cst.CSTVisitor):
        def visit_Raise(self, node: cst.Raise) -> None:
            nonlocal found
            found = True

        def visit_Assert(self, node: cst.Assert) -> None:
            nonlocal found
            found = True

        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            name = n.dotted(node.func) or ""
            if name in ("pytest.fail", "self.fail", "fail"):
                found = True

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    handler.body.visit(_Finder())
    return found


def _inspected(scan: FunctionScan, call: cst.Call) -> bool:
    """``with pytest.raises(Exception) as info:`` and later ``assert info.type is X``:
    the exception is checked after the block."""
    for item in scan.with_items:
        if item.item is call and item.asname is not None:
            name = n.dotted(item.asname.name) if isinstance(item.asname.name, cst.Name) else None
            if name is not None and any(
                f"{name}." in scan.code(node) for node, _conditional in scan.asserts
            ):
                return True
    return False


def _fallback_checked(scan: FunctionScan, handler: cst.ExceptHandler | cst.ExceptStarHandler
                      ) -> bool:
    """``except Exception: value = "ascii"`` and later ``assert value != "ascii"``:
    the fallback makes the assertion fail, so nothing is hidden."""
    fallbacks: set[tuple[str, str]] = set()
    for stmt in body_of(handler.body):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    name = n.dotted(small.targets[0].target)
                    if name is not None:
                        fallbacks.add((name, scan.code(small.value)))
    for node, _conditional in scan.asserts:
        test = node.test
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(
            test.comparisons[0].operator, cst.NotEqual | cst.IsNot
        ):
            pair = (scan.code(test.left), scan.code(test.comparisons[0].comparator))
            if pair in fallbacks or pair[::-1] in fallbacks:
                return True
    return False


def check_broad_excepts(rule_id: str, scan: FunctionScan) -> list[LocalFinding]:
    found: list[LocalFinding] = []
    for node in scan.trys:
        for handler in node.handlers:
            if _is_broad(scan, handler.type) and not _reraises(handler) and not (
                _fallback_checked(scan, handler)
                or _ends_checked_loop(scan, node, handler)
                # a fake server's handler the test hands over: not the test's own code
                or in_handed_callback(scan, scan.position(handler)[0])
            ):
                line, column = scan.position(handler)
                caught = scan.code(handler.type) if handler.type is not None else "everything"
                # a helper's try/except may be the point of the helper: a swallowing
                # except counts in tests and setUp only (pytest.raises counts anywhere)
                found.append(LocalFinding(
                    rule_id, line, column,
                    f"except {caught} without re-raising hides every failure of the test",
                    roles=["test", "setup"],
                ))
    for call, _loop in scan.calls:
        canonical = scan.canonical(call.func) or ""
        func = call.func
        is_raises = canonical == "pytest.raises" or (
            isinstance(func, cst.Attribute) and func.attr.value == "assertRaises"
            and n.dotted(func.value) in ("self", "cls")
        )
        if not is_raises:
            continue
        args = n.positional(call)
        expected = args[0] if args else None
        if expected is None:
            kw = n.keyword(call, "expected_exception")
            expected = kw.value if kw else None
        if expected is None or not _is_broad(scan, expected):
            continue
        if n.keyword(call, "match") is not None or _inspected(scan, call):
            continue
        line, column = scan.position(call)
        found.append(LocalFinding(
            rule_id, line, column,
            f"{scan.code(call.func)}({scan.code(expected)}) without match= passes for any error",
        ))
    return found


def _ends_checked_loop(scan: FunctionScan, node: cst.Try | cst.TryStar,
                       handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """``while True: try: items.append(q.get_nowait()) except Exception: break``
    with assertions after the loop: the handler only leaves the loop, the ``try``
    asserts nothing (no failure of the test can be swallowed) and an error of the
    code inside ends the collecting early, which the later assertions see."""
    statements = body_of(handler.body)
    if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine):
        return False
    if [type(small) for small in statements[0].body] != [cst.Break]:
        return False
    start, end = scan.positions[node.body].start.line, scan.positions[node.body].end.line
    if any(start <= scan.position(assertion)[0] <= end for assertion, _conditional in scan.asserts):
        return False
    if any(start <= scan.position(call)[0] <= end and _fails_or_asserts(call)
           for call, _loop in scan.calls):
        return False
    return any(scan.position(assertion)[0] > end for assertion, _conditional in scan.asserts) \
        or any(scan.position(call)[0] > end and _fails_or_asserts(call)
               for call, _loop in scan.calls)


def _fails_or_asserts(call: cst.Call) -> bool:
    """``self.assertEqual(...)``, ``mock.assert_called_once()``, ``pytest.fail(...)``."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value.startswith("assert") or func.attr.value == "fail"
    return isinstance(func, cst.Name) and func.value == "fail"
