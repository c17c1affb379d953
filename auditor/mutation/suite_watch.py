"""A time limit for mutmut's runs of the whole suite: ``[tool.audit] test_timeout``.

Before it tests any mutant, ``mutmut run`` runs the project's suite up to
three times - the stats run (which test reaches which function), the clean
run, the forced-fail run - and none of them has a time limit: a hanging test
hung the audit for good. Each mutant's own run is bounded by mutmut itself
(``timeout_multiplier`` / ``timeout_constant``, a wall-clock limit per
worker), so the limit here covers exactly the phases mutmut leaves open.

The phases are told apart by the spinner titles mutmut prints when each one
starts (``mutmut/__main__.py``: ``CatchOutput(spinner_title=...)``); each
whole-suite phase gets the full ``test_timeout``, as the single test run of
``audit report`` does. When a phase runs over, mutmut's process group is
stopped (SIGTERM, then SIGKILL) and the audit ends with one line naming the
phase and, when the stage's pytest plugin recorded it, the test that was
running.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from auditor.errors import IncompleteAuditError
from auditor.testrun.process_group import stop_process_group

RUNNING_TEST_ENV = "AUDIT_MUTMUT_RUNNING_TEST"
"""File the stage's pytest plugin writes the node id of the test it starts into
(whole-suite runs only; mutant runs are mutmut's to bound)."""

# spinner title -> the phase's name in messages (None: not a run of the suite)
_PHASES: dict[str, str | None] = {
    "Generating mutants": None,
    "Filtering mutations with type checker": None,
    "Listing all tests": "test listing",
    "Running stats": "stats run (which tests reach which functions)",
    "Running clean tests": "clean run of the suite",
    "Running forced fail test": "forced-fail run of the suite",
    "Running mutation testing": None,
}
_TAIL_CHARS = 400
_TICK_SECONDS = 0.2


class SuiteRunWatch:
    """Watches mutmut's output for phase changes and stops a whole-suite phase at the limit.

    A background thread checks the deadline; it ends by itself once mutmut's
    process has exited, so a caller that leaves through an exception does
    not have to stop it.
    """

    def __init__(self, limit: float | None, proc: subprocess.Popen[bytes],
                 running_file: Path) -> None:
        self.limit = limit
        self.proc = proc
        self.running_file = running_file
        self.phase: str | None = None
        self.deadline: float | None = None
        self.expired: str | None = None  # the phase that ran over
        self.running_test = ""
        self._recent = ""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="mutmut-suite-timeout",
                                        daemon=True)

    def start(self) -> None:
        if self.limit is not None:
            self._thread.start()

    def feed(self, text: str) -> None:
        """mutmut's output as it arrives; the latest spinner title is the current phase."""
        self._recent = (self._recent + text)[-_TAIL_CHARS:]
        latest = max(_PHASES, key=self._recent.rfind)
        if self._recent.rfind(latest) < 0 or _PHASES[latest] == self.phase:
            return
        with self._lock:
            self.phase = _PHASES[latest]
            self.deadline = (
                time.monotonic() + self.limit
                if self.phase is not None and self.limit is not None
                else None
            )

    def _watch(self) -> None:
        while self.proc.poll() is None:
            with self._lock:
                over = self.deadline is not None and time.monotonic() > self.deadline
                phase = self.phase
            if over:
                self.expired = phase
                self.running_test = _read_running(self.running_file)
                stop_process_group(self.proc)
                return
            time.sleep(_TICK_SECONDS)

    def raise_if_expired(self) -> None:
        """After mutmut ended: the one-line error when a whole-suite phase ran over."""
        if self.expired is None:
            return
        running = f" while running {self.running_test}" if self.running_test else ""
        raise IncompleteAuditError(
            f"mutmut's {self.expired} did not finish within {self.limit:g} s "
            f"([tool.audit] test_timeout); it was stopped{running}"
        )


def _read_running(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
