"""The hygiene rule about waiting: test-sleep (test-broad-except is in
:mod:`auditor.mocks.rules.excepts`)."""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import LocalFinding
from auditor.mocks.rules.base import Example, Rule
from auditor.mocks.rules.hooks import FunctionContext
from auditor.mocks.scan import FunctionScan


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
        `target`): the stand-in's behaviour, not the test waiting. Nor is a
        sleep after the test schedules a timer (`loop.call_later`,
        `loop.call_at`, `threading.Timer`, `signal.alarm`): the test checks
        when the timer fires, and the sleep lets that time pass. A nested
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
        Example(
            """
            import asyncio

            from app.pricing import net_total


            def test_timer_fires_after_its_delay():
                fired = []

                async def main():
                    loop = asyncio.get_running_loop()
                    loop.call_later(0.1, lambda: fired.append(net_total([1])))
                    await asyncio.sleep(0.01)
                    assert fired == []
                    await asyncio.sleep(0.15)
                    assert len(fired) == 1

                asyncio.run(main())
            """,
            "time passing against a timer the test scheduled",
        ),
    )


    roles = ("test", "setup", "fixture")

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        return check_sleeps(self.id, function.scan, function.patched)


TEST_SLEEP = TestSleep()



RULES = (TEST_SLEEP,)


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
        if (_in_side_effect(scan, line) or in_handed_callback(scan, line) or _timed(scan, line)
                or _after_timer(scan, line)):
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


def in_handed_callback(scan: FunctionScan, line: int) -> bool:
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


# Calls that schedule a callback after a delay: a sleep after one is the time
# the test lets pass before checking whether the callback ran.
_TIMER_METHODS = frozenset({"call_later", "call_at"})
_TIMER_FUNCTIONS = frozenset({"threading.Timer", "signal.alarm", "signal.setitimer"})


def _after_timer(scan: FunctionScan, line: int) -> bool:
    """Whether the function schedules a timer before the sleep on ``line``
    (``loop.call_later(0.1, fire)``, ``threading.Timer(0.1, fire)``): the test
    checks when the timer fires, and the sleep is that time passing, not a wait
    on a condition the test could poll."""
    for call, _loop in scan.calls:
        func = call.func
        schedules = (isinstance(func, cst.Attribute) and func.attr.value in _TIMER_METHODS) \
            or scan.canonical(func) in _TIMER_FUNCTIONS
        if schedules and scan.position(call)[0] < line:
            return True
    return False
