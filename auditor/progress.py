"""Progress display: a live bar on a terminal, plain progress lines elsewhere.

Analyses report progress through this small interface and never print
directly. On a terminal a task is a live bar. Anywhere else (a CI log) a
task prints a line whenever another 10% of it is done, and at least every
10 seconds while it runs (a heartbeat thread says "still running" with the
last known count), so a long phase is never silent in a log and never
floods it either.

Consoles that do not write to a terminal never hard-wrap: a CI log viewer
wraps (or scrolls) by itself, and a path cut at column 80 is neither
searchable nor clickable. :func:`output_console` is the console of what an
audit *says* (the summary, where the reports went): it writes to stdout,
the stream GitHub Actions and GitLab read annotations from, so the summary
and the annotations arrive in one stream, in order.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # the live bars are imported on a terminal only (20 ms of CPU)
    from rich.progress import Progress as RichProgress

# Width of a console that is not on a terminal: wide enough that no line we
# print is ever wrapped (rich pads nothing to the console width: tables and
# text take the width they need).
NO_WRAP_WIDTH = 1 << 16
# A plain progress line at least this often while a task runs, and whenever
# another PROGRESS_FRACTION of it is done.
PROGRESS_SECONDS = 10.0
PROGRESS_FRACTION = 0.1
# ...but 10% lines no closer together than this (except the last, at 100%): a phase
# faster than 10% a second is no long phase, and its lines would only be noise.
MIN_GAP_SECONDS = 1.0


def make_console(stream: TextIO) -> Console:
    """A console on ``stream``; not on a terminal, it never wraps lines."""
    if stream.isatty():
        return Console(file=stream, highlight=False)
    return Console(file=stream, highlight=False, width=NO_WRAP_WIDTH, soft_wrap=True)


def output_console(stream: TextIO | None = None) -> Console:
    """The console of the summary and the closing lines of an audit (stdout)."""
    return make_console(stream or sys.stdout)


def lines_in(path: Path) -> float:
    """Complete lines written to ``path`` so far (0 before it exists): the count a
    child process reports by writing one line per item done."""
    try:
        return float(path.read_bytes().count(b"\n"))
    except OSError:
        return 0.0


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


@dataclass
class PlainTask:
    """Progress lines of one task when there is no terminal to draw a bar on.

    ``emit`` prints one line; ``clock`` is :func:`time.monotonic` (a test may
    hand in another). ``update`` prints when the done fraction reaches the
    next multiple of :data:`PROGRESS_FRACTION`, or when :data:`PROGRESS_SECONDS`
    passed since the last line; :meth:`heartbeat` (called by a thread)
    prints the last known state when nothing was printed for that long.
    """

    name: str
    emit: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    seconds: float = PROGRESS_SECONDS
    fraction: float = PROGRESS_FRACTION
    completed: float | None = None
    total: float | None = None
    description: str | None = None
    started: float = field(default=0.0)
    last_line: float = field(default=0.0)
    next_mark: float = field(default=0.0)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.started = self.last_line = self.clock()
        self.next_mark = self.fraction

    def update(self, completed: float | None = None, total: float | None = None,
               description: str | None = None) -> None:
        with self.lock:
            if total is not None:
                self.total = total
            if completed is not None:
                self.completed = completed
            if description is not None:
                self.description = description
            done = self._done_fraction()
            now = self.clock()
            if done is not None and done + 1e-9 >= self.next_mark:
                # the next mark above what is done now: one line per crossing, even
                # when an update jumps over several marks
                while self.next_mark <= done + 1e-9:
                    self.next_mark += self.fraction
                if done >= 1.0 or now - self.last_line >= MIN_GAP_SECONDS:
                    self._print(now)
            elif now - self.last_line >= self.seconds:
                self._print(now)

    def heartbeat(self) -> None:
        """Print the current state if no line was printed for ``seconds``."""
        with self.lock:
            now = self.clock()
            if now - self.last_line >= self.seconds:
                self._print(now, still=True)

    def _done_fraction(self) -> float | None:
        if self.total and self.completed is not None:
            return min(1.0, self.completed / self.total)
        return None

    def line(self, now: float, still: bool = False) -> str:
        """The text of a progress line: ``tests: 45/120 (37%); 23s elapsed``."""
        parts = []
        done = self._done_fraction()
        if done is not None and self.completed is not None and self.total is not None:
            parts.append(f"{int(self.completed)}/{int(self.total)} ({int(done * 100)}%)")
        elif still:
            parts.append("still running")
        if self.description and self.description != self.name:
            parts.append(self.description)
        parts.append(f"{_elapsed(now - self.started)} elapsed")
        return f"{self.name}: {'; '.join(parts)}"

    def _print(self, now: float, still: bool = False) -> None:
        self.last_line = now
        self.emit(self.line(now, still))


class Task:
    """A handle on one running step; ``update`` is cheap and may be called often."""

    def __init__(self, bar: RichProgress | None, task_id: int | None,
                 plain: PlainTask | None = None) -> None:
        self._bar = bar
        self._task_id = task_id
        self._plain = plain

    def update(
        self,
        completed: float | None = None,
        total: float | None = None,
        description: str | None = None,
    ) -> None:
        if self._plain is not None:
            self._plain.update(completed, total, description)
        if self._bar is None or self._task_id is None:
            return
        kwargs: dict[str, object] = {}
        if completed is not None:
            kwargs["completed"] = completed
        if total is not None:
            kwargs["total"] = total
        if description is not None:
            kwargs["description"] = description
        self._bar.update(self._task_id, **kwargs)  # type: ignore[arg-type]


class Progress:
    """Step messages always (to stderr); live bars on a TTY, progress lines elsewhere."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 seconds: float = PROGRESS_SECONDS) -> None:
        self.stream = stream or sys.stderr
        self.console = make_console(self.stream)
        self.live = self.stream.isatty() if live is None else live
        self.seconds = seconds

    def step(self, message: str) -> None:
        self.console.print(f"[dim]audit:[/dim] {message}", markup=True)

    def replay(self, text: str) -> None:
        """Print what another process's progress display captured (its lines, as they were)."""
        self.stream.write(text)
        self.stream.flush()

    def _plain_line(self, text: str) -> None:
        self.step(escape(text))

    @contextmanager
    def task(self, description: str, total: float | None = None,
             poll: Callable[[], float] | None = None) -> Iterator[Task]:
        """A running step. ``poll``: how much is done, asked about once a second (for a
        step whose work happens in a child process that reports only through a file)."""
        if not self.live:
            plain = PlainTask(description, self._plain_line, seconds=self.seconds, total=total)
            stop = threading.Event()

            def beat() -> None:
                # wakes often enough to keep the promise of a line every `seconds`
                while not stop.wait(min(1.0, self.seconds / 4)):
                    if poll is not None:
                        plain.update(completed=poll())
                    plain.heartbeat()

            thread = threading.Thread(target=beat, name="audit-progress", daemon=True)
            thread.start()
            try:
                yield Task(None, None, plain)
            finally:
                stop.set()
                thread.join()
            if poll is not None:  # the count at the end, whenever the last poll was
                plain.update(completed=poll())
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        with bar:
            task_id = bar.add_task(description, total=total)
            stop = threading.Event()

            def refresh() -> None:
                while poll is not None and not stop.wait(1.0):
                    bar.update(task_id, completed=poll())

            thread = threading.Thread(target=refresh, name="audit-progress", daemon=True)
            thread.start()
            try:
                yield Task(bar, task_id)
            finally:
                stop.set()
                thread.join()
