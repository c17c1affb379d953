"""Progress display: a live bar on a terminal, nothing but step lines elsewhere.

Analyses report progress through this small interface and never print
directly, so CI logs stay short and a terminal gets a live view.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress


class Task:
    """A handle on one running step; ``update`` is cheap and may be called often."""

    def __init__(self, bar: RichProgress | None, task_id: int | None) -> None:
        self._bar = bar
        self._task_id = task_id

    def update(
        self,
        completed: float | None = None,
        total: float | None = None,
        description: str | None = None,
    ) -> None:
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
    """Step messages always (to stderr), live bars only when stderr is a TTY."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream, highlight=False)
        self.live = self.stream.isatty() if live is None else live

    def step(self, message: str) -> None:
        self.console.print(f"[dim]audit:[/dim] {message}", markup=True)

    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[Task]:
        if not self.live:
            yield Task(None, None)
            return
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
            yield Task(bar, task_id)
