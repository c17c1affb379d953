"""Analyses that run beside the suite, on the cores it leaves idle.

The audit runs the project's suite once, in one interpreter (the run adds
``-n 0`` when xdist is there, so that coverage and the per-test records come
from one process). On a machine with two cores one of them idles while the
suite runs, and analyses that need nothing from the run (mypy, the parse of
the test code) used to start only when it ended: the
audit took the suite's time plus theirs. An analysis that declares
``beside_suite = "run"`` (its ``run``) or ``"prepare"`` (its ``prepare(ctx)``,
which fills a cache in ``.audit/`` that ``run`` reads after the suite) now
does that part in one more process, :mod:`auditor.beside_worker`, started
with the suite.

What stays as it was, on purpose:

- **the result**: the worker runs the same ``run`` on the same
  configuration, and its result comes back as the object ``run`` returned
  (pickled); the main loop takes it at the analysis's turn, prints the lines
  the analysis printed there, and raises the error it raised there (same
  message, same exit code). A report is the same with or without this.
- **the order of the log**: lines appear at the analysis's turn, after the
  suite's, not interleaved with them.
- **the cores**: the worker's analyses get ``ctx.cores`` = the CPUs less the
  one the suite uses (an analysis's default number of workers); with one
  CPU, nothing runs beside the suite.
- **stopping**: when the suite's run ends the audit (interrupt, timeout, a
  failed suite), the worker's process group gets SIGTERM, which its
  analyses handle as Ctrl-C (mypy's own process group is stopped by its
  clean-up path), then SIGKILL after a grace.
- **only what reads**: an analysis beside the suite must not act on the
  project while its tests run. Reading it and writing under ``.audit/`` is
  fine (mypy, the parse); importing its modules is not (the imports
  analysis stays after the suite: an import's side effects would meet the
  tests, and its check of the tree would take the suite's writes for an
  import's).
- **a worker that dies** without a result (killed, out of memory): its
  analyses run after the suite, as without it, and the audit says so.

Not used: when no test run is part of the audit, when no selected analysis
declares it, with ``[tool.audit] beside_suite = false``, with
``AUDIT_NO_BESIDE`` set in the environment, or on one CPU.

Time: the worker measures each of its analyses as a phase of its own
(marked ``beside = "test_run"``); their CPU is left out of the phase that
waited for the worker, which keeps only the worker's start-up and ours
(:mod:`auditor.timings`), so no CPU second is counted twice.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.config import AuditConfig
from auditor.context import AuditContext
from auditor.project import PackageLocation
from auditor.registry import analysis_location, declared
from auditor.testrun.process_group import kill_process_group, stop_process_group
from auditor.timings import Phase, PhaseTimings

NO_BESIDE = "AUDIT_NO_BESIDE"
"""Set (to anything) in the auditor's environment: every analysis runs after the suite."""
RUN, PREPARE = "run", "prepare"
WAIT_PHASE = "beside_suite_wait"
"""The phase of waiting for the worker after the suite (its CPU is the worker's phases')."""
REQUEST_FILE, OUTCOME_FILE, LOG_FILE = "beside-request.pickle", "beside.pickle", "beside.log"


@dataclass
class BesideRequest:
    """What the worker needs to build the analyses' context (everything picklable)."""

    config: AuditConfig
    root: Path
    state_dir: Path
    python: str
    packages: list[PackageLocation]
    options: dict[str, Any]
    run_dir: Path
    cores: int
    work: list[tuple[str, str]]
    """``(analysis, RUN or PREPARE)`` in the audit's order."""


@dataclass
class BesideEntry:
    """What one analysis did in the worker."""

    name: str
    mode: str
    result: Any = None
    """What ``run`` returned (``RUN``); ``None`` for ``PREPARE`` or after an error."""
    error: BaseException | None = None
    lines: str = ""
    """What it printed through the progress display, to be printed at its turn."""
    phase: Phase | None = None


@dataclass
class BesideOutcome:
    """The worker's entries, by analysis name."""

    entries: dict[str, BesideEntry] = field(default_factory=dict)

    def cpu_seconds(self) -> float:
        return sum(e.phase.cpu_seconds for e in self.entries.values() if e.phase is not None)


def beside_work(ctx: AuditContext, names: list[str]) -> list[tuple[str, str]]:
    """``(analysis, mode)`` of the selected analyses that may run beside the suite now."""
    if not ctx.config.beside_suite or os.environ.get(NO_BESIDE) or ctx.cores < 2:
        return []
    return [(name, str(mode)) for name in names
            if (mode := declared(name, "beside_suite", "")) in (RUN, PREPARE)
            # an analysis registered in this process only cannot be found by the worker
            and isinstance(analysis_location(name), str)]


class BesideSuite:
    """The worker process beside the suite: :meth:`start`, then :meth:`finish` or :meth:`stop`."""

    def __init__(self, ctx: AuditContext, work: list[tuple[str, str]]) -> None:
        self.ctx = ctx
        self.work = work
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BesideSuite:
        ctx = self.ctx
        request = BesideRequest(
            config=ctx.config, root=ctx.root, state_dir=ctx.state_dir, python=ctx.python,
            packages=ctx.packages, options=ctx.options, run_dir=ctx.run_dir,
            cores=ctx.cores - 1, work=self.work,  # the suite keeps one
        )
        request_file = ctx.run_dir / REQUEST_FILE
        try:
            request_file.write_bytes(pickle.dumps(request))
            with (ctx.run_dir / LOG_FILE).open("wb") as log:
                self.process = subprocess.Popen(
                    # -P: the user's current folder is not on the path (a folder named
                    # auditor there would be imported instead of us)
                    [sys.executable, "-P", "-m", "auditor.beside_worker", str(request_file)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            # an option value that cannot be pickled, no process to spare: as without
            ctx.progress.step(f"beside the suite: not started ({exc}); every analysis "
                              "runs after the suite")
            return self
        shown = ", ".join(f"{name} ({'its preparation' if mode == PREPARE else 'all of it'})"
                          for name, mode in self.work)
        ctx.progress.step(f"beside the suite, on an idle core: {shown}")
        return self

    def stop(self) -> None:
        """The audit ends early: stop the worker and whatever it started."""
        if self.process is not None and self.process.returncode is None:
            stop_process_group(self.process)

    def finish(self, timings: PhaseTimings) -> BesideOutcome:
        """Wait for the worker after the suite; its outcome (empty if it died or never started).

        An analysis missing from the outcome runs after the suite as usual.
        """
        process = self.process
        outcome = BesideOutcome()
        if process is None:  # not started
            return outcome
        try:
            with timings.phase(WAIT_PHASE) as measuring:
                process.wait()
                outcome = _read_outcome(self.ctx.run_dir / OUTCOME_FILE)
                measuring.counted_elsewhere = outcome.cpu_seconds()
        except BaseException:
            self.stop()
            raise
        kill_process_group(process.pid)  # anything it started and left behind
        missing = [name for name, _ in self.work if name not in outcome.entries]
        if missing:
            self.ctx.progress.step(
                f"beside the suite: the worker ended (status {process.returncode}) without "
                f"the results of {', '.join(missing)}: they run now "
                f"(its log: {self.ctx.run_dir / LOG_FILE})")
        return outcome


def _read_outcome(path: Path) -> BesideOutcome:
    """The worker's outcome file; an empty outcome if it wrote none (or half of one)."""
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
        found = pickle.loads(path.read_bytes())
        if isinstance(found, BesideOutcome):
            return found
    return BesideOutcome()
