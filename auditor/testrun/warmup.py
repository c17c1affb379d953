"""Preparing the rest of the audit while the suite runs: the warm-up thread.

While the project's suite runs (in its own interpreter, on another core),
the auditor's process only waits for it. What the audit does after the
suite (importing the report formats and their libraries, loading compiled
templates, the history's modules) costs a few tenths of a second, which an
audit of a one-second suite used to add to the suite's own time. A
:class:`WarmUp` runs such steps in a daemon thread that starts right after
the suite does, so they are done (or partly done) when the suite ends.

Rules for a step (the callers' ``warm_up`` lists):

- it only warms what the audit does anyway, in this process's memory
  (imports, in-memory caches): it writes no file and changes no result, so
  an audit with the warm-up equals one without, byte for byte (apart from
  the timings); a step that fails is ignored, since the audit's own path
  does the same work afterwards and reports the error where it belongs;
- it is short (one import, one environment): the thread checks between
  steps whether it should stop.

The main thread never waits for the warm-up while the suite runs: it polls
the suite, reacts to its end, its timeout and SIGINT/SIGTERM exactly as
without it (signals are handled in the main thread only). When the suite
has ended, :meth:`WarmUp.finish` lets the step under way finish (the audit
needs its result next, and two threads importing the same libraries at once
could meet in a library's own import cycle) and skips the rest, which the
audit then does on its own path as before. On an interrupt or a timeout
:meth:`WarmUp.abandon` does not wait: the daemon thread dies with the
process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

FINISH_SECONDS = 10.0
"""The longest :meth:`WarmUp.finish` waits for the step under way."""

Step = Callable[[], object]
"""One warm-up step: a call whose only effect is a warmer process."""


class WarmUp:
    """Run ``steps`` one after the other in a daemon thread, until told to stop."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)
        self.done: list[int] = []
        """Indexes of the steps that ran to the end without an error."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WarmUp:
        """Start the thread (nothing to start without steps)."""
        if self.steps:
            self._thread = threading.Thread(target=self._run, name="audit-warm-up", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        for index, step in enumerate(self.steps):
            if self._stop.is_set():
                return
            try:
                step()
            except Exception:  # the audit's own path does it again, and reports it
                continue
            self.done.append(index)

    @property
    def stopping(self) -> bool:
        """Whether the thread was told to stop (a long step may check it and return early)."""
        return self._stop.is_set()

    def finish(self) -> None:
        """The suite ended: let the step under way end, skip the others.

        A step is an import or two; one that has not ended after
        :data:`FINISH_SECONDS` (it should never take that long) goes on beside
        the audit rather than holding it up.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=FINISH_SECONDS)

    def abandon(self) -> None:
        """The run is being stopped (interrupt, timeout): stop after this step, no waiting."""
        self._stop.set()
