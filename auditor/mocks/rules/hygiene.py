"""Rules about test hygiene: test-sleep and test-broad-except."""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import LocalFinding
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import FunctionContext
from auditor.mocks.scan import FunctionScan
from auditor.mocks.statements import body_of


class TestSleep(Rule):
    id = "test-sleep"
    message = "real sleep with a constant duration in a test"
    severity = "note"
    rationale = """
        `time.sleep(0.5)` in a test is either too short (flaky on a loaded CI
        machine) or too long (a slow suite), and usually stands in for waiting
        on a condition. Poll the condition with a deadline, or inject a clock.
        A sleep inside a loop (a polling interval) and `sleep(0)` (a yield to
        the event loop) are not reported, nor a sleep the test times (it reads
        the clock before and after: the sleep is the stimulus) or one inside a
        function the test hands a mock as `side_effect` (simulated work of
        the replaced code) or hands to other code as an argument without
        calling it itself (a slow handler given to a fake server, a thread's
        `target`): the stand-in's behaviour, not the test waiting. A nested
        function the test calls itself (`asyncio.run(main())`) is the test's
        own body: its sleeps are reported.
    """
    invalid = (
        Example(
            """
            import time

            from app.pricing import net_total


            def test_total_after_a_while():
                time.sleep(0.5)
                assert net_total([1]) == 1
            """,
        ),
        Example(
            """
            import asyncio

            from app.pricing import net_total


            def test_total_after_a_tick():
                async def main():
                    await asyncio.sleep(0.05)
                    return net_total([1])

                assert asyncio.run(main()) == 1
            """,
            "in a coroutine the test runs itself",
        ),
    )
    valid = (
        Example(
            """
            import time
            from pathlib import Path


            def test_file_appears(tmp_path):
                target = tmp_path / "out"
                target.write_text("x")
                deadline = time.monotonic() + 5
                while not Path(target).exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert target.read_text() == "x"
            """,
            "polling with a deadline",
        ),
        Example(
            """
            import time
            from unittest import mock

            from app.server import Server


            def test_sleep_lasts():
                before = time.monotonic()
                time.sleep(0.05)
                assert time.monotonic() - before >= 0.05


            def test_slow_select():
                def slow_select(timeout):
                    time.sleep(0.05)
                    return []

                server = Server()
                server.poller = mock.Mock(spec=["select"])
                server.poller.select.side_effect = slow_select
                assert server.ready() == []
            """,
            "a sleep the test times, and simulated work in a side effect",
        ),
        Example(
            """
            import threading
            import time

            from app.pricing import net_total


            def test_total_from_a_slow_worker():
                totals = []

                def slow_worker():
                    time.sleep(0.05)
                    totals.append(net_total([1, 2]))

                worker = threading.Thread(target=slow_worker)
                worker.start()
                worker.join(timeout=5)
                assert totals == [3]
            """,
            "simulated work in a function handed to other code (a thread's target)",
        ),
    )


    roles = ("test", "setup", "fixture")

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        return check_sleeps(self.id, function.scan, function.patched)


TEST_SLEEP = TestSleep()


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
        failures are not the test's.
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
    )

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        return check_broad_excepts(self.id, function.scan)


TEST_BROAD_EXCEPT = TestBroadExcept()

RULES = (TEST_SLEEP, TEST_BROAD_EXCEPT)


def check_sleeps(rule_id: str, scan: FunctionScan, patched: set[str]) -> list[LocalFinding]:
    """Constant sleeps outside loops; ``patched`` are targets the test patches
    (a patched ``time.sleep`` does not wait)."""
    found: list[LocalFinding] = []
    for call, in_loop in scan.calls:
        canonical = scan.canonical(call.func)
        if in_loop or canonical not in n.SLEEP_FUNCTIONS or canonical in patched:
            continue
        args = n.positional(call) or [a.value for a in call.args if a.keyword is not None]
        if not args or not isinstance(args[0], cst.Integer | cst.Float):
            continue
        if args[0].evaluated_value < 0.01:
            continue  # sleep(0) or a few microseconds: a yield to the event loop
        line, column = scan.position(call)
        if _in_side_effect(scan, line) or _in_handed_callback(scan, line) or _timed(scan, line):
            continue
        found.append(LocalFinding(rule_id, line, column,
                                  f"{scan.code(call)} waits a fixed time; poll with a deadline"))
    return found


def _in_side_effect(scan: FunctionScan, line: int) -> bool:
    """Whether ``line`` lies in a function defined in the test that a mock runs as
    its ``side_effect`` (``poller.select.side_effect = fake_select``): the sleep
    simulates the work of the replaced code, the test does not wait on it."""
    effects = {value for values in scan.configured.values() for value in values}
    for name, node in scan.nested:
        start, end = scan.positions[node].start.line, scan.positions[node].end.line
        if start <= line <= end and name in effects:
            return True
    return False


def _in_handed_callback(scan: FunctionScan, line: int) -> bool:
    """Whether ``line`` lies in a function defined in the test that the test only
    hands to other code as an argument and never calls itself
    (``asyncio.start_unix_server(handle_worker, ...)``): the sleep is the stand-in's
    behaviour (a slow fake server), run when the code under test calls it, not
    the test waiting. A nested function the test calls (``asyncio.run(main())``)
    is the test's own body and stays reported."""
    called = {call.func.value for call, _loop in scan.calls if isinstance(call.func, cst.Name)}
    handed = {arg.value.value for call, _loop in scan.calls for arg in call.args
              if isinstance(arg.value, cst.Name)}
    for name, node in scan.nested:
        start, end = scan.positions[node].start.line, scan.positions[node].end.line
        if start <= line <= end and name in handed and name not in called:
            return True
    return False


def _timed(scan: FunctionScan, line: int) -> bool:
    """Whether the function reads the clock both before and after the sleep on
    ``line`` (``before = time.time(); sleep(0.05); assert time.time() - before``):
    the sleep is the stimulus whose duration the test measures."""
    reads = [scan.position(call)[0] for call, _loop in scan.calls
             if scan.canonical(call.func) in n.CLOCK_FUNCTIONS]
    return any(r < line for r in reads) and any(r > line for r in reads)


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
                # a fake server's handler the test hands over: not the test's own code
                or _in_handed_callback(scan, scan.position(handler)[0])
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
