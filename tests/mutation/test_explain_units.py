"""The comparison of two recordings and the choice of survivors, on hand-written records.

The recordings are written here in the worker's format (see
``auditor/mutation/explain_worker.py``); each case says which verdict the
rules of ``auditor/mutation/explain.py`` give and why. The real runs are in
``test_explain.py``.
"""

from __future__ import annotations

from typing import Any

from auditor.mutation.explain import compare, pick
from auditor.mutation.records import MutantRecord


def _mutant(function: str = "price", path: str = "pkg/a.py", line: int = 1) -> MutantRecord:
    return MutantRecord(
        id=f"pkg.a.x_{function}__mutmut_1",
        path=path,
        module="pkg.a",
        function=function,
        status="survived",
        line=line,
        covered_by=["tests/test_a.py::test_it"],
    )


def _call(returned: str = "1", test: str = "tests/test_a.py::test_it", **extra: Any) -> Any:
    return {
        "function": "pkg.a.x_price",
        "test": test,
        "args": ["3"],
        "kwargs": {},
        "returned": returned,
        "returned_digest": returned,
        "after": [""],
        "after_digest": "s",
        "nested": [],
        "test_line": 7,
        "depth": 0,
        **extra,
    }


def _side(*calls: Any, outcome: str = "passed", exit_code: int = 0) -> Any:
    return {
        "exit_code": exit_code,
        "calls": list(calls),
        "truncated": False,
        "assertions": {},
        "outcomes": {"tests/test_a.py::test_it": outcome},
    }


def test_a_failing_original_run_is_a_failed_explanation_not_no_difference() -> None:
    record = {"id": "x", "original": _side(_call(), outcome="failed", exit_code=1)}
    record["mutant"] = _side(_call())
    why = compare(_mutant(), record)
    assert why.verdict == "failed"
    assert "do not pass under the original" in why.summary


def test_a_run_that_could_not_finish_keeps_its_reason() -> None:
    why = compare(_mutant(), {"id": "x", "error": "mutant: the recording run timed out after 3 s"})
    assert why.verdict == "failed"
    assert "timed out" in why.summary


def test_a_different_call_count_alone_is_a_side_effect() -> None:
    # the same first call on both sides; the mutant's caller calls it once more
    record = {"id": "x", "original": _side(_call()), "mutant": _side(_call(), _call())}
    assert compare(_mutant(), record).verdict == "side_effect"


def test_values_equal_when_shown_but_different_in_full_are_observable() -> None:
    # texts cut to the same prefix, digests of the full values differ
    left = _call(returned="Usage(total=...", returned_digest="aaaa")
    right = _call(returned="Usage(total=...", returned_digest="bbbb")
    record = {"id": "x", "original": _side(left), "mutant": _side(right)}
    why = compare(_mutant(), record)
    assert why.verdict == "observable"
    assert "the full values differ" in why.summary


def test_the_most_direct_differing_call_is_named() -> None:
    deep = _call("1", test="tests/test_a.py::test_deep", depth=4, test_line=20)
    near = _call("1", test="tests/test_a.py::test_near", depth=1, test_line=9)
    deep_m = {**deep, "returned": "2", "returned_digest": "2"}
    near_m = {**near, "returned": "2", "returned_digest": "2"}
    record = {"id": "x", "original": _side(deep, near), "mutant": _side(deep_m, near_m)}
    why = compare(_mutant(), record)
    assert (why.test, why.test_line) == ("tests/test_a.py::test_near", 9)


def test_changed_functions_are_explained_first_and_uncovered_ones_never() -> None:
    early = _mutant("early", line=1)
    changed = _mutant("changed", line=50)
    uncovered = _mutant("uncovered", line=2)
    uncovered.covered_by = []
    chosen = pick([early, changed, uncovered], ["pkg/a.py::changed"], limit=1)
    assert [m.function for m in chosen] == ["changed"]
    assert [m.function for m in pick([early, changed, uncovered], None, 5)] == [
        "early",
        "changed",
    ]


def test_calls_whose_input_differs_between_the_runs_are_not_compared() -> None:
    # a test passing datetime.now(): the two runs call with different inputs and get
    # different results; that is the clock, not the mutant
    left = _call("1", args_digest="now-1")
    right = _call("2", returned_digest="2", args_digest="now-2")
    record = {"id": "x", "original": _side(left), "mutant": _side(right)}
    why = compare(_mutant(), record)
    assert why.verdict == "failed"
    assert "different input" in why.summary
    steady = _call("5", args_digest="same")
    both = {"id": "x", "original": _side(left, steady), "mutant": _side(right, steady)}
    why = compare(_mutant(), both)
    assert why.verdict == "no_difference"
    assert "1 call(s) left out" in why.summary


def test_an_input_that_varies_in_every_run_is_compared_on_what_is_stable() -> None:
    # an argument carrying a timestamp: its digest differs in each of the three runs. Both
    # runs of the original return 1 from it, the mutant 2: the result is stable, and differs
    original = _call("1", args_digest="t1")
    again = _call("1", args_digest="t3")
    mutant = _call("2", returned_digest="2", args_digest="t2")
    record = {"id": "x", "original": _side(original), "mutant": _side(mutant),
              "original_again": {"calls": [again]}}
    assert compare(_mutant(), record).verdict == "observable"
    # when the two original runs return different values too, the result is noise
    noisy_again = _call("9", returned_digest="9", args_digest="t3")
    record["original_again"] = {"calls": [noisy_again]}
    assert compare(_mutant(), record).verdict == "no_difference"
    # without a second run of the original nothing says the input is noise: left out
    del record["original_again"]
    assert compare(_mutant(), record).verdict == "failed"
