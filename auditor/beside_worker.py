"""The process beside the suite: ``python -m auditor.beside_worker REQUEST_FILE``.

It reads the :class:`auditor.beside.BesideRequest` the audit wrote into its
run folder, runs each analysis's ``run`` or ``prepare`` in the audit's order
with a context like the audit's own (its progress lines are captured, to be
printed by the audit at the analysis's turn), and writes everything as one
:class:`auditor.beside.BesideOutcome` next to the request, atomically: a
worker stopped halfway leaves no outcome, and the audit then runs those
analyses itself. SIGTERM (the audit stopping it) is Ctrl-C here, so the
analyses' own clean-up paths stop what they started.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import traceback
from pathlib import Path

from auditor.beside import OUTCOME_FILE, RUN, BesideEntry, BesideOutcome, BesideRequest
from auditor.context import AuditContext
from auditor.interrupts import handle_sigterm_as_interrupt
from auditor.progress import Progress
from auditor.registry import get_analysis
from auditor.timings import TEST_RUN, PhaseTimings, analysis_phase, prepare_phase


def _picklable(error: BaseException) -> BaseException:
    """``error`` itself if it survives pickling, else a RuntimeError that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def run_request(request: BesideRequest) -> BesideOutcome:
    """Run the requested work, one analysis after the other."""
    outcome = BesideOutcome()
    for name, mode in request.work:
        captured = io.StringIO()
        timings = PhaseTimings()
        ctx = AuditContext(
            config=request.config, root=request.root, state_dir=request.state_dir,
            python=request.python, packages=request.packages,
            progress=Progress(stream=captured, live=False), options=request.options,
            run_dir=request.run_dir, timings=timings, cores=request.cores,
        )
        entry = BesideEntry(name, mode)
        phase_name = analysis_phase(name) if mode == RUN else prepare_phase(name)
        try:
            with timings.phase(phase_name):
                analysis = get_analysis(name)
                if mode == RUN:
                    entry.result = analysis.run(ctx)
                else:
                    getattr(analysis, "prepare")(ctx)  # noqa: B009 (not in the protocol)
        except Exception as exc:  # raised by the audit at the analysis's turn
            traceback.print_exc()  # into the worker's log in the run folder
            entry.error = _picklable(exc)
        entry.phase = timings.phases[-1]
        entry.phase.beside = TEST_RUN
        entry.lines = captured.getvalue()
        try:
            pickle.dumps(entry)
        except Exception:  # a result that cannot travel: the audit runs the analysis itself
            traceback.print_exc()
            continue
        outcome.entries[name] = entry
    return outcome


def main(argv: list[str]) -> int:
    handle_sigterm_as_interrupt()
    request_file = Path(argv[0])
    request = pickle.loads(request_file.read_bytes())
    outcome = run_request(request)
    target = request_file.with_name(OUTCOME_FILE)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(pickle.dumps(outcome))
    os.replace(partial, target)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
