"""What the plugin told us about one pytest session, event by event.

The plugin (:mod:`audit_pytest_plugin`) writes one JSON line per event:
``session_start``, ``collected``, ``collect_error``, ``start`` (a test
began), ``test`` (a test finished, with its outcome) and ``session_finish``
(with pytest's exit status). :class:`SessionRecord` folds them into the facts
the runner judges the run by: did the session start, did it finish, which
test was running last.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field

from auditor.model import TestOutcome


@dataclass
class SessionRecord:
    """The session as recorded so far (updated while the run is going)."""

    started: bool = False
    finished: bool = False
    exit_status: int | None = None  # pytest's own, from ``session_finish``
    collected: int | None = None
    last_started: str | None = None
    running: str | None = None  # started and not finished yet
    outcomes: list[TestOutcome] = field(default_factory=list)
    collect_errors: list[str] = field(default_factory=list)

    def feed(self, event: dict[str, object]) -> None:
        kind = event.get("event")
        if kind == "session_start":
            self.started = True
        elif kind == "collected":
            self.collected = int(event["count"])  # type: ignore[call-overload]
        elif kind == "collect_error":
            self.collect_errors.append(f"{event['nodeid']}: {event['message']}")
        elif kind == "start":
            self.last_started = self.running = str(event["nodeid"])
        elif kind == "test":
            self.outcomes.append(_outcome(event))
            self.running = None
        elif kind == "session_finish":
            self.finished = True
            self.exit_status = int(event["exitstatus"])  # type: ignore[call-overload]

    def progress_note(self) -> str:
        """``4 of 6 tests finished`` (or ``4 tests finished`` before collection ended)."""
        done = len(self.outcomes)
        of = f" of {self.collected}" if self.collected is not None else ""
        return f"{done}{of} tests finished"


def _outcome(event: dict[str, object]) -> TestOutcome:
    return TestOutcome(
        nodeid=str(event["nodeid"]),
        outcome=str(event["outcome"]),
        duration_seconds=round(float(event["duration"]), 6),  # type: ignore[arg-type]
        # null: pytest did not rewrite the test's asserts, so the count is unknown
        assertions_executed=None if event["assertions"] is None
        else int(event["assertions"]),  # type: ignore[call-overload]
        message=str(event.get("message", "")),
    )


def describe_exit(code: int) -> str:
    """A process exit status in words: ``exit status 0``, ``killed by signal 11 (SIGSEGV)``."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            return f"killed by signal {-code}"
        return f"killed by signal {-code} ({name})"
    return f"exit status {code}"
