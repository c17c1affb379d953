"""Run the project's pytest suite once, under coverage, and record every test.

This is the one test run of an audit: coverage data and per-test outcomes
(with executed-assertion counts, for the mocks analysis) come from it. The
suite runs in a subprocess of the project's own interpreter, in the project's
directory, with the project's pytest configuration, adjusted only where a
real suite would otherwise break the measurement:

- pytest-cov forced through ``addopts`` would start a nested coverage run and
  clobber our data: ``--no-cov`` turns it off;
- pytest-xdist would run tests in workers we do not measure: ``-n 0``;
- pytest's cache, bytecode files and Hypothesis's example database would be
  written into the user's tree: they are disabled or moved into ``.audit/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from auditor.context import AuditContext
from auditor.coverage.reader import discard_export
from auditor.errors import IncompleteAuditError
from auditor.model import TestRun
from auditor.testrun.command import (
    COVERAGE_RUN_EXPORTING,
    build_command,
    combine_parallel_data,
    coverage_data_file,
    export_environment,
    test_environment,
)
from auditor.testrun.diagnosis import collected_line, pytest_error
from auditor.testrun.probe import probe
from auditor.testrun.probe_cache import CACHE_NAME as PROBE_CACHE_NAME
from auditor.testrun.process_group import kill_process_group, stop_process_group
from auditor.testrun.session import SessionRecord, describe_exit
from auditor.testrun.warmup import Step, WarmUp
from auditor.timings import COVERAGE_READ, PROBE, TEST_RUN

_PYTEST_EXIT_MEANING = {
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}
_POLL_SECONDS = 0.2
NO_WARM_UP = "AUDIT_NO_WARM_UP"
"""Set (to anything) in the auditor's environment: no warm-up thread while the suite runs
(the audit then prepares its reports after the suite, as it did before the warm-up)."""


def _read_events(report_file: Path, offset: int) -> tuple[list[dict[str, object]], int]:
    """New complete JSON lines of the plugin's report since ``offset``."""
    try:
        with report_file.open("rb") as handle:
            handle.seek(offset)
            chunk = handle.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n") + 1
    events = [json.loads(line) for line in chunk[:end].splitlines() if line.strip()]
    return events, offset + end


def run_test_suite(
    ctx: AuditContext, with_coverage: bool = True, record_classes: bool = False,
    extra_env: dict[str, str] | None = None, export_coverage_json: bool = False,
    warm_up: Sequence[Step] = (),
) -> TestRun:
    """Run the suite once; raise :class:`IncompleteAuditError` if it is not a result.

    ``record_classes``: record which public classes the tests instantiate
    (``classes.json`` in the run folder, for the instantiation analysis).
    ``extra_env``: variables the selected analyses hand the plugin (their
    ``test_run_environment``), e.g. the file the dependencies analysis reads.
    ``export_coverage_json``: the run's interpreter writes coverage.py's JSON
    report after the suite (:mod:`auditor.coverage.reader` reads it), which
    saves the audit an interpreter start and an import of coverage.py.
    ``warm_up``: steps that prepare what the audit does after the suite, run
    in a thread while the suite runs (:mod:`auditor.testrun.warmup`).
    """
    run_dir = ctx.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    report_file = run_dir / "tests.jsonl"
    log_file = run_dir / "pytest.log"
    report_file.write_text("")
    data_file = coverage_data_file(run_dir)
    data_file.parent.mkdir(parents=True, exist_ok=True)
    for old in data_file.parent.glob(".coverage*"):
        old.unlink()
    discard_export(data_file)
    env = test_environment(ctx, report_file, record_classes)
    env.update(extra_env or {})
    export_coverage_json = export_coverage_json and with_coverage
    if export_coverage_json:
        env.update(export_environment(run_dir))
    with ctx.timings.phase(PROBE):
        facts = probe(ctx.python, ctx.root, env, ctx.state_dir / PROBE_CACHE_NAME)
    command = build_command(ctx, facts, with_coverage, export_coverage_json, env)
    # audit_coverage_run is coverage run (and then coverage.py's JSON): named as such
    shown = ["coverage" if part == COVERAGE_RUN_EXPORTING else part for part in command[1:4]]
    ctx.progress.step(f"running the test suite ({' '.join(shown)} ...)")
    started = time.monotonic()
    session = SessionRecord()
    offset = 0
    with ctx.timings.phase(TEST_RUN), log_file.open("wb") as log, \
            ctx.progress.task("tests") as task:
        process = subprocess.Popen(
            command, cwd=ctx.root, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        warming = WarmUp(() if os.environ.get(NO_WARM_UP) else warm_up)
        try:
            warming.start()
            with _exit_notice(process) as ended:
                while True:
                    finished = process.poll() is not None
                    events, offset = _read_events(report_file, offset)
                    for event in events:
                        session.feed(event)
                    if session.collected is not None:
                        task.update(total=float(session.collected),
                                    completed=len(session.outcomes))
                    if finished:
                        break
                    if time.monotonic() - started > ctx.config.test_timeout:
                        stop_process_group(process)
                        raise IncompleteAuditError(_timeout_message(ctx, session, log_file))
                    _wait_a_moment(process, ended)
        except BaseException:
            warming.abandon()
            stop_process_group(process)
            raise
        warming.finish()
    exit_code = process.returncode
    if session.started and not session.finished:
        kill_process_group(process.pid)  # cut short: what the dead test started goes too
    run = TestRun(
        exit_code=exit_code,
        duration_seconds=round(time.monotonic() - started, 3),
        tests=session.outcomes,
        command=command,
    )
    _check(run, ctx, log_file, session)
    if with_coverage:
        with ctx.timings.phase(COVERAGE_READ):
            if combine_parallel_data(ctx, env, data_file):
                discard_export(data_file)  # made before combining (it does not export then)
        ctx.coverage_data = data_file
    return run


@contextlib.contextmanager
def _exit_notice(process: subprocess.Popen[bytes]) -> Iterator[select.poll | None]:
    """A poll object that wakes when ``process`` ends (a pidfd, Linux).

    None where there is none (another system, an old kernel): then
    :func:`_wait_a_moment` falls back to :meth:`subprocess.Popen.wait`.
    (``poll``, not ``select``: a process with many open files may get a
    descriptor above ``select``'s limit.)
    """
    try:
        fd: int | None = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # no pidfd_open, or the kernel refuses it
        fd = None
    try:
        if fd is None:
            yield None
        else:
            notice = select.poll()
            notice.register(fd, select.POLLIN)
            yield notice
    finally:
        if fd is not None:
            os.close(fd)


def _wait_a_moment(process: subprocess.Popen[bytes], ended: select.poll | None) -> None:
    """Wait up to one poll interval, returning at once when the suite ends.

    A plain sleep made every audit wait on average half an interval (up to a
    whole one) after the suite had already finished; ``Popen.wait`` with a
    timeout still sleeps in steps of up to 50 ms, so with a pidfd (``ended``)
    the kernel wakes us when the process exits. A signal (SIGINT, SIGTERM)
    interrupts either wait: its handler raises in this, the main, thread.
    """
    if ended is not None:
        ended.poll(_POLL_SECONDS * 1000)
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_POLL_SECONDS)


def _timeout_message(ctx: AuditContext, session: SessionRecord, log_file: Path) -> str:
    if session.running:
        where = f"while running {session.running}"
    elif session.started and session.collected is None:
        where = "while pytest was collecting the tests (importing the test modules)"
    elif session.started:
        where = f"after {session.progress_note()}"
    else:
        where = "before the pytest session started"
    return (
        f"the test suite did not finish within {ctx.config.test_timeout:g} s "
        f"([tool.audit] test_timeout); it was stopped {where}; log: {log_file}"
    )


def _check(run: TestRun, ctx: AuditContext, log_file: Path, session: SessionRecord) -> None:
    """Turn a run that is not a coverage result into a clear one-line error.

    The order matters: a session that started and never finished is a
    truncated run whatever the exit code says (``os._exit(0)`` in a test
    exits 0); a session that never started failed in pytest's start-up, and
    only pytest's log says why.
    """
    if session.started and not session.finished:
        last = f"last test started: {session.last_started}" if session.last_started else (
            "no test had started (it ended during collection)"
        )
        raise IncompleteAuditError(
            "the test run ended before pytest finished its session "
            f"({describe_exit(run.exit_code)}, {session.progress_note()}); {last}; log: {log_file}"
        )
    if not session.started:
        cause = pytest_error(_read_log(log_file), ctx.root)
        if run.exit_code == 0:
            cause = cause or "the auditor's pytest plugin recorded nothing (was it disabled?)"
        raise IncompleteAuditError(
            f"pytest stopped before running any test ({describe_exit(run.exit_code)})"
            + (f": {cause}" if cause else "")
            + f"; log: {log_file}"
        )
    if run.exit_code == 0:
        return
    if session.collect_errors:
        errors = session.collect_errors
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise IncompleteAuditError(
            f"pytest could not collect the tests: {errors[0]}{more}; log: {log_file}"
        )
    if run.exit_code == 1 and run.failed:
        if ctx.config.tolerate_test_failures:
            run.tolerated_failures = True
            return
        names = ", ".join(t.nodeid for t in run.failed[:5])
        more = f" and {len(run.failed) - 5} more" if len(run.failed) > 5 else ""
        raise IncompleteAuditError(
            f"{len(run.failed)} test(s) failed: {names}{more}; a failing suite is not a "
            f"coverage result (set [tool.audit] tolerate_test_failures = true to audit "
            f"anyway); log: {log_file}"
        )
    log_text = _read_log(log_file)
    if run.exit_code == 5:
        said = collected_line(log_text)
        raise IncompleteAuditError(
            "pytest collected no tests to run (exit status 5)"
            + (f": {said!r}" if said else "")
            + f" in {', '.join(ctx.config.tests)}; log: {log_file}"
        )
    meaning = _PYTEST_EXIT_MEANING.get(run.exit_code, "crashed")
    if run.exit_code < 0:
        meaning = describe_exit(run.exit_code)
    cause = pytest_error(log_text, ctx.root)
    raise IncompleteAuditError(
        f"pytest exited with code {run.exit_code} ({meaning})"
        + (f": {cause}" if cause else "")
        + f"; log: {log_file}"
    )


def _read_log(log_file: Path) -> str:
    try:
        return log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
