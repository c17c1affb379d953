"""The shared-collection pieces of the explanation and kill-matrix workers, on real forks.

``drive`` forks a real child per request of a plan (a generator that waits for its
children itself, as the workers' plans do); ``watch_collection`` patches mutmut's real
trampoline module for as long as the collection lasts. End to end (a session process
serving real mutants) they run in tests/mutation/test_explain.py and tests/contribution.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

from mutmut.mutation import trampoline
from mutmut.mutation.trampoline import wrap_in_trampoline

from auditor.mutation import stage_session


def _plan(codes: list[int], seen: list[tuple[int, int]]) -> Generator[int, int, None]:
    """Yield one request (the exit code the child is to end with) per child, one at a
    time; note each child's pid and the exit status it really ended with."""
    for code in codes:
        pid = yield code
        _, status = os.waitpid(pid, 0)
        seen.append((pid, os.waitstatus_to_exitcode(status)))


def test_drive_forks_a_child_per_request_and_gives_the_plan_its_pid() -> None:
    seen: list[tuple[int, int]] = []
    result = stage_session.drive(_plan([3, 0, 7], seen), child=lambda code: os._exit(code))
    assert result is None  # the parent: the plan ran to its end
    assert [code for _, code in seen] == [3, 0, 7]
    assert len({pid for pid, _ in seen}) == 3 and os.getpid() not in {pid for pid, _ in seen}


def test_without_a_child_function_the_child_gets_its_request_back() -> None:
    seen: list[tuple[int, int]] = []
    result = stage_session.drive(_plan([5, 9], seen))
    if result is not None:  # in a forked child: end with what the request said
        os._exit(int(result))
    assert [code for _, code in seen] == [5, 9]


def test_no_fork_once_the_parent_named_is_gone() -> None:
    seen: list[tuple[int, int]] = []
    # a pid that is not this process's parent: as if the worker had ended
    result = stage_session.drive(_plan([1, 2], seen), child=os._exit, parent=os.getppid() + 1)
    assert result is None
    assert seen == []


def _trampolined() -> tuple[Any, str]:
    """A function routed through mutmut's trampoline as mutmut's generated modules do."""
    mutants: dict[str, Any] = {}

    @wrap_in_trampoline(mutants)
    def price(amount: int) -> int:
        return amount

    def x_price__mutmut_orig(amount: int) -> int:
        return amount

    mutants["_mutmut_orig"] = x_price__mutmut_orig
    return price, f"{__name__}.x_price"


def test_the_watch_names_each_function_called_until_it_stops() -> None:
    price, key = _trampolined()
    before = trampoline.get_mutant_under_test
    stage_session.watch_collection()
    try:
        assert price(4) == 4  # the trampoline still answers as before
    finally:
        called, unknown = stage_session.stop_watching()
    assert called == {key}
    assert unknown is False
    assert trampoline.get_mutant_under_test is before  # nothing stays patched
    stage_session.watch_collection()
    called, _ = stage_session.stop_watching()
    assert called == set()  # a new watch starts empty; no call was made during it
