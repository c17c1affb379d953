"""Why a mutant survived: its covering tests recorded under the original and the mutant.

For the first ``explain`` survivors (changed functions first, then by file
and line) :mod:`auditor.mutation.explain_worker` runs the survivor's covering
tests twice in the staged ``mutants/`` folder, recording each call of the
mutated function at mutmut's trampoline. This module compares the two
recordings call by call (in the order each test made them) and gives one
verdict:

- ``observable``: some call returned a different value or raised
  differently - the first such call is named, with the test that made it
  and whether that test asserted anything at all - or returned the same but
  sent different calls to a test double it reaches (a mock argument, or a
  mock attribute such as ``self.db``): what the code sends a double is what
  the real dependency would receive, an output the test could check. Clock
  readings sent to a double are compared by type and zone only, since the
  two runs read the clock at different times;
- ``side_effect``: every return was the same, but the arguments' state after
  a call (attributes of ``self`` or of an argument, a list's contents), the
  other mutated functions it called, or the number of calls differed;
- ``no_difference``: every recorded call behaved the same and some call ran
  the mutated line - a likely equivalent mutant (or an input no test uses);
- ``not_reached``: every call behaved the same and none ran the mutated line
  (traced in the mutant run) - an input region no test reaches, not evidence
  of an equivalent;
- ``failed``: the explanation could not be made (the original run failed a
  test, a run timed out or crashed, nothing was recorded); the survivor
  keeps its verdict and says so.

"Strengthen here" is the test that reached the differing call with the
fewest frames between it and the function, and that test's line the call
came from. The two recorded runs themselves are :mod:`auditor.mutation.explain_run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.model import JSONDict
from auditor.mutation.records import MutantRecord

OBSERVABLE = "observable"
SIDE_EFFECT = "side_effect"
NO_DIFFERENCE = "no_difference"
NOT_REACHED = "not_reached"
FAILED = "failed"
VERDICTS = (OBSERVABLE, SIDE_EFFECT, NO_DIFFERENCE, NOT_REACHED, FAILED)
_SENT = "sent"  # a kind of observable difference: different calls to a test double

_SUMMARY_ARG_CHARS = 40  # per argument or value in the one-line summary (report.json has more)
_KEPT_CALLS = 5  # calls per side kept in report.json (the full recording is bounded anyway)


@dataclass
class Explanation:
    """The verdict on one survivor, the sentence that says it, and the evidence."""

    verdict: str
    summary: str
    test: str = ""  # the test that made the differing call
    test_line: int = 0  # "strengthen here": that test's line the call came from
    asserted: int | None = None  # passing assertions of that test (None: not counted)
    call: JSONDict | None = None  # the differing call: original and mutant side
    calls: JSONDict = field(default_factory=dict)  # the first recorded calls per side
    truncated: bool = False
    seconds: float = 0.0  # both recording runs

    def to_dict(self) -> JSONDict:
        return {
            "verdict": self.verdict,
            "summary": self.summary,
            "test": self.test,
            "test_line": self.test_line,
            "asserted": self.asserted,
            "call": self.call,
            "calls": self.calls,
            "truncated": self.truncated,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> Explanation:
        return cls(
            verdict=data["verdict"],
            summary=data.get("summary", ""),
            test=data.get("test", ""),
            test_line=int(data.get("test_line", 0)),
            asserted=data.get("asserted"),
            call=data.get("call"),
            calls=dict(data.get("calls", {})),
            truncated=bool(data.get("truncated", False)),
            seconds=float(data.get("seconds", 0.0)),
        )


def pick(
    survivors: list[MutantRecord], changed: list[str] | None, limit: int
) -> list[MutantRecord]:
    """The survivors to explain: covered ones, changed functions first, at most ``limit``."""
    wanted = set(changed or [])
    covered = [m for m in survivors if m.covered_by]
    covered.sort(key=lambda m: (f"{m.path}::{m.function}" not in wanted, m.path, m.line, m.id))
    return covered[:limit]


def _clip(text: str, size: int = _SUMMARY_ARG_CHARS) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."


def _call_text(function: str, call: JSONDict) -> str:
    args = list(call.get("args", [])) + [f"{k}={v}" for k, v in call.get("kwargs", {}).items()]
    return f"{function.rpartition('.')[2]}({', '.join(_clip(a) for a in args)})"


def _windows(left: str, right: str, size: int = 60) -> tuple[str, str]:
    """The two texts around their first difference, so a long value shows what changed."""
    if len(left) <= size and len(right) <= size:
        return left, right
    start = 0
    while start < min(len(left), len(right)) and left[start] == right[start]:
        start += 1
    start = max(0, start - size // 3)
    prefix = "..." if start else ""
    return prefix + _clip(left[start:], size), prefix + _clip(right[start:], size)


def _outcomes(left: JSONDict, right: JSONDict) -> tuple[str, str]:
    """``returned X`` / ``raised E`` of both sides, cut around where they differ."""
    left_kind, right_kind = _outcome_key(left)[0], _outcome_key(right)[0]
    left_text = str(left.get(left_kind, "?"))
    right_text = str(right.get(right_kind, "?"))
    if left_kind == right_kind:
        left_text, right_text = _windows(left_text, right_text)
    else:
        left_text, right_text = _clip(left_text, 60), _clip(right_text, 60)
    if left_text == right_text:
        right_text += " - equal as far as recorded; the full values differ"
    return f"{left_kind} {left_text}", f"{right_kind} {right_text}"


def _outcome_key(call: JSONDict) -> tuple[str, str]:
    """What the comparison reads: the digest of the full value (the texts are cut short)."""
    if "raised" in call:
        return "raised", str(call.get("raised_digest", call["raised"]))
    return "returned", str(call.get("returned_digest", call.get("returned")))


def _by_test(calls: list[JSONDict]) -> dict[str, list[JSONDict]]:
    grouped: dict[str, list[JSONDict]] = {}
    for call in calls:
        grouped.setdefault(str(call.get("test", "")), []).append(call)
    return grouped


def _asserted(side: JSONDict, test: str) -> int:
    return int(side.get("assertions", {}).get(test, 0))


def _assert_text(count: int) -> str:
    if count == 0:
        return "that test asserts nothing"
    return f"that test checks other values ({count} passing assertions), not this one"


def _aspects(call: JSONDict) -> dict[str, Any]:
    """What the comparison reads of one call, by name: its outcome, what it sent to test
    doubles, each part of its arguments' state after it, and the calls it made."""
    parts = call.get("after_parts")
    state = (
        {f"state:{name}": digest for name, digest in parts.items()}
        if isinstance(parts, dict)
        else {"state": call.get("after_digest", call.get("after"))}  # records before per-part state
    )
    return {
        OBSERVABLE: _outcome_key(call),
        _SENT: call.get("sent_digest"),
        **state,
        "nested": str(call.get("nested")),
    }


def _kind(aspect: str) -> tuple[int, str]:
    """(rank, verdict kind) of a differing aspect: a result first, then a double's calls."""
    if aspect == OBSERVABLE:
        return 0, OBSERVABLE
    if aspect == _SENT:
        return 1, _SENT
    return 2, SIDE_EFFECT


def _differing(one: JSONDict, other: JSONDict) -> set[str]:
    left, right = _aspects(one), _aspects(other)
    return {name for name in left.keys() | right.keys() if left.get(name) != right.get(name)}


def _unstable(
    original: list[JSONDict], again: list[JSONDict] | None
) -> dict[tuple[str, int], set[str]]:
    """Per (test, call index): the aspects that differ between two runs of the original
    (a clock reading in an object's state, a random value), which no mutant can be judged by."""
    if again is None:
        return {}
    noisy: dict[tuple[str, int], set[str]] = {}
    second = _by_test(again)
    for test, calls in _by_test(original).items():
        for index, (one, other) in enumerate(zip(calls, second.get(test, []), strict=False)):
            differ = _differing(one, other)
            if one.get("args_digest") != other.get("args_digest"):
                differ.add("args")  # the input itself varies from run to run (a clock)
            if differ:
                noisy[(test, index)] = differ
    return noisy


def _first_difference(
    original: list[JSONDict], mutant: list[JSONDict], again: list[JSONDict] | None = None
) -> tuple[tuple[str, JSONDict, JSONDict] | None, int]:
    """(kind, original call, mutant call) of the most direct differing call, if any, and
    how many call pairs were left out because the two runs gave them different inputs
    (a test that reads the clock or a random source: their outcomes prove nothing).

    ``again`` is a second run of the original: an aspect of a call that differs between
    the two original runs is noise, and is not compared for that call."""
    found: list[tuple[int, str, JSONDict, JSONDict]] = []
    before = _by_test(original)
    after = _by_test(mutant)
    noisy = _unstable(original, again)
    other_input = 0
    for test, calls in before.items():
        for index, (left, right) in enumerate(zip(calls, after.get(test, []), strict=False)):
            skip = noisy.get((test, index), set())
            # an input that differs in the two original runs as well (an object carrying a
            # timestamp) is compared anyway: only the aspects stable across those runs
            if left.get("args_digest") != right.get("args_digest") and "args" not in skip:
                other_input += 1
                continue
            differing = _differing(left, right) - skip
            if differing:
                rank, kind = min(_kind(aspect) for aspect in differing)
                found.append((rank, kind, left, right))
                break
    if not found:
        return None, other_input
    # a different result first, then different calls to a double, then other state; among
    # those the call with the fewest frames between the test and the function
    found.sort(key=lambda f: (f[0], int(f[2].get("depth", 0)), str(f[2].get("test", ""))))
    _, kind, left, right = found[0]
    return (kind, left, right), other_input


def _sent_text(left: JSONDict, right: JSONDict) -> tuple[str, str]:
    """The first call to a test double that differs, on each side (or "nothing")."""
    before, after = list(left.get("sent", [])), list(right.get("sent", []))
    for index in range(max(len(before), len(after))):
        one = before[index] if index < len(before) else "nothing more"
        other = after[index] if index < len(after) else "nothing more"
        if one != other:
            return _windows(one, other, 80)
    # equal as shown: the difference is past what was kept, or in a clock-free detail
    return _clip(", ".join(before) or "nothing", 80), _clip(", ".join(after) or "nothing", 80)


def _side_effect_text(left: JSONDict, right: JSONDict) -> str:
    if left.get("nested") != right.get("nested"):
        return (
            f"it calls {_clip(', '.join(left.get('nested', [])) or 'nothing', 100)} (original) "
            f"and {_clip(', '.join(right.get('nested', [])) or 'nothing', 100)} (mutant)"
        )
    pairs = zip(left.get("after", []), right.get("after", []), strict=False)
    changed = [(a, b) for a, b in pairs if a != b]
    before, after = changed[0] if changed else ("-", "-")
    return f"an argument is left as {_clip(before, 60)} (original) and {_clip(after, 60)} (mutant)"


def compare(mutant: MutantRecord, record: JSONDict) -> Explanation:
    """The verdict on one survivor from the worker's record of its two runs."""
    seconds = float(record.get("original_seconds", 0.0)) + float(record.get("mutant_seconds", 0.0))
    if "error" in record:
        return Explanation(FAILED, f"explanation failed: {record['error']}", seconds=seconds)
    original, changed = record["original"], record["mutant"]
    failing = sorted(t for t, o in original.get("outcomes", {}).items() if o == "failed")
    failed_what = ", ".join(failing[:3]) or f"exit {original.get('exit_code')}"
    if failing or original.get("exit_code") not in (0, 5):
        return Explanation(
            FAILED,
            "explanation failed: the covering tests do not pass under the original "
            f"while recording ({failed_what})",
            seconds=seconds,
        )
    before, after = original.get("calls", []), changed.get("calls", [])
    truncated = bool(original.get("truncated") or changed.get("truncated"))
    kept = {"original": before[:_KEPT_CALLS], "mutant": after[:_KEPT_CALLS]}
    if not before:
        return Explanation(
            FAILED,
            "explanation failed: no call of the function was recorded "
            "(the tests reach it in a way the recorder does not see, e.g. a generator)",
            calls=kept,
            seconds=seconds,
        )
    again = record.get("original_again", {}).get("calls") if "original_again" in record else None
    difference, other_input = _first_difference(before, after, again)
    base: dict[str, Any] = {"calls": kept, "truncated": truncated, "seconds": seconds}
    left_out = (
        f"; {other_input} call(s) left out: the two runs gave them different inputs "
        "(a test reading the clock or a random source?)"
        if other_input
        else ""
    )
    if difference is not None:
        kind, left, right = difference
        test = str(left.get("test", ""))
        asserted = _asserted(original, test)
        where = f"{test.partition('::')[0]}:{left.get('test_line', 0)}"
        call = {"original": left, "mutant": right}
        if kind == _SENT:
            # What the code sends to a double is what the real dependency would receive:
            # an output a test can check (``assert_called_with``), so it is observable.
            sent_left, sent_right = _sent_text(left, right)
            summary = (
                f"`{_call_text(mutant.function, left)}` returns the same, but sends "
                f"`{sent_left}` (original) and `{sent_right}` (mutant) to a test double in "
                f"{test}; no test checks what the double received. Strengthen here: {where}"
            )
            kind = OBSERVABLE
        elif kind == OBSERVABLE:
            shown_left, shown_right = _outcomes(left, right)
            summary = (
                f"`{_call_text(mutant.function, left)}` {shown_left} (original) and "
                f"{shown_right} (mutant) in {test}; {_assert_text(asserted)}. "
                f"Strengthen here: {where}"
            )
        else:
            summary = (
                f"`{_call_text(mutant.function, left)}` returns the same, but "
                f"{_side_effect_text(left, right)} in {test}; no test checks this. "
                f"Strengthen here: {where}"
            )
        return Explanation(
            kind, summary, test, int(left.get("test_line", 0)), asserted, call, **base
        )
    if other_input and other_input >= min(len(before), len(after)):
        return Explanation(
            FAILED,
            "explanation failed: every recorded call got a different input in the two runs "
            "(a test reading the clock or a random source?), so none could be compared",
            **base,
        )
    if len(before) != len(after) and (again is None or len(again) == len(before)):
        return Explanation(
            SIDE_EFFECT,
            f"every compared call behaved the same, but the function was called {len(before)} "
            f"times under the original and {len(after)} under the mutant",
            **base,
        )
    tests = sorted({str(c.get("test", "")) for c in before})
    if changed.get("reached") is False and not truncated:
        return Explanation(
            NOT_REACHED,
            f"the tests call it {len(before)} times, but no call runs the mutated line: an "
            "input region no test reaches (not evidence of an equivalent mutant); add a test "
            "whose input takes that path" + left_out,
            **base,
        )
    reason = (
        f"all {len(before)} recorded calls{' (recording truncated)' if truncated else ''} from "
        f"{len(tests)} test(s) returned, raised and left their arguments the same: likely "
        "equivalent (or no test reaches an input where it differs); mark it with "
        "`# pragma: no mutate` or list its identity in [tool.audit.mutation] equivalent" + left_out
    )
    return Explanation(NO_DIFFERENCE, reason, **base)
