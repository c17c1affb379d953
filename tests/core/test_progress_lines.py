"""Progress lines without a terminal: every 10% done, and at least every 10 seconds.

:class:`PlainTask` gets a hand-driven clock, so "10 seconds passed" is
exact and the test takes no time; the heartbeat thread of a real
:class:`Progress` task is checked with a short interval and a real clock.
"""

from __future__ import annotations

import io
import time

from auditor.progress import PlainTask, Progress, make_console


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _task(total: float | None = None) -> tuple[PlainTask, Clock, list[str]]:
    clock, lines = Clock(), list[str]()
    return PlainTask("tests", lines.append, clock=clock, total=total), clock, lines


def test_a_line_at_every_tenth_and_none_in_between() -> None:
    task, clock, lines = _task(total=200)
    for done in range(1, 201):  # 200 updates 1/16 s apart: 12.5 s in all, 1.25 s per tenth
        clock.now += 0.0625
        task.update(completed=done)
    # 20, 40, ..., 200 of 200: ten lines
    assert [line.split(" ")[1] for line in lines] == [f"{n}/200" for n in range(20, 201, 20)]
    assert lines[-1] == "tests: 200/200 (100%); 12s elapsed"


def test_a_fast_phase_says_only_its_end() -> None:
    task, clock, lines = _task(total=4)
    for done in range(1, 5):  # every item is a tenth and more, all within 0.4 s
        clock.now += 0.1
        task.update(completed=done)
    assert lines == ["tests: 4/4 (100%); 0s elapsed"]


def test_a_jump_over_several_tenths_prints_once() -> None:
    task, clock, lines = _task(total=10)
    clock.now += 1
    task.update(completed=7)
    clock.now += 1
    task.update(completed=8)
    assert lines == ["tests: 7/10 (70%); 1s elapsed", "tests: 8/10 (80%); 2s elapsed"]


def test_ten_seconds_without_a_tenth_still_print() -> None:
    task, clock, lines = _task(total=1000)
    clock.now += 9.9
    task.update(completed=1)
    assert lines == []
    clock.now += 0.1  # 10 s since the task started
    task.update(completed=2)
    assert lines == ["tests: 2/1000 (0%); 10s elapsed"]


def test_heartbeat_when_no_update_arrives() -> None:
    task, clock, lines = _task()
    task.heartbeat()
    assert lines == []
    clock.now += 75
    task.update(description="mutants: 3 killed, 1 survived")  # no count known yet
    assert lines == ["tests: mutants: 3 killed, 1 survived; 1m15s elapsed"]
    clock.now += 10
    task.heartbeat()
    assert lines[-1] == "tests: still running; mutants: 3 killed, 1 survived; 1m25s elapsed"


def test_a_real_task_beats_while_nothing_happens() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream, live=False, seconds=0.2)
    with progress.task("mutation testing"):
        # nothing updates the task: only the heartbeat thread writes (one every 0.2 s)
        deadline = time.monotonic() + 30
        while stream.getvalue().count("still running") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    beats = [line for line in stream.getvalue().splitlines() if "still running" in line]
    assert len(beats) >= 3, stream.getvalue()
    assert beats[0].startswith("audit: mutation testing: still running; ")


def test_no_hard_wrap_off_a_terminal() -> None:
    stream = io.StringIO()
    long_path = "src/" + "deep/" * 60 + "module.py"
    make_console(stream).print(f"audit: {long_path} is long")
    assert stream.getvalue() == f"audit: {long_path} is long\n"
