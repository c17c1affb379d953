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

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from auditor.context import AuditContext
from auditor.errors import IncompleteAuditError
from auditor.model import TestOutcome, TestRun
from auditor.testrun.command import (
    build_command,
    combine_parallel_data,
    coverage_data_file,
    test_environment,
)
from auditor.testrun.probe import probe

_PYTEST_EXIT_MEANING = {
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}
_POLL_SECONDS = 0.2


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


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the whole process group (pytest may have started children)."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _log_tail(log_file: Path) -> str:
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    meaningful = [line for line in lines if line.strip() and not set(line.strip()) <= set("=-_")]
    return meaningful[-1].strip() if meaningful else ""


def run_test_suite(ctx: AuditContext, with_coverage: bool = True) -> TestRun:
    """Run the suite once; raise :class:`IncompleteAuditError` if it is not a result."""
    run_dir = ctx.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    report_file = run_dir / "tests.jsonl"
    log_file = run_dir / "pytest.log"
    report_file.write_text("")
    data_file = coverage_data_file(run_dir)
    data_file.parent.mkdir(parents=True, exist_ok=True)
    for old in data_file.parent.glob(".coverage*"):
        old.unlink()
    env = test_environment(ctx, report_file)
    facts = probe(ctx.python, ctx.root, env)
    command = build_command(ctx, facts, with_coverage)
    ctx.progress.step(f"running the test suite ({' '.join(command[1:4])} ...)")
    started = time.monotonic()
    outcomes: list[TestOutcome] = []
    collect_errors: list[str] = []
    offset = 0
    with log_file.open("wb") as log, ctx.progress.task("tests") as task:
        process = subprocess.Popen(
            command, cwd=ctx.root, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            while True:
                finished = process.poll() is not None
                events, offset = _read_events(report_file, offset)
                for event in events:
                    if event["event"] == "collected":
                        task.update(total=float(event["count"]))  # type: ignore[arg-type]
                    elif event["event"] == "collect_error":
                        collect_errors.append(f"{event['nodeid']}: {event['message']}")
                    elif event["event"] == "test":
                        outcomes.append(_outcome(event))
                        task.update(completed=len(outcomes))
                if finished:
                    break
                if time.monotonic() - started > ctx.config.test_timeout:
                    _stop(process)
                    raise IncompleteAuditError(
                        f"the test suite did not finish within {ctx.config.test_timeout:g} s "
                        f"([tool.audit] test_timeout); it was stopped; log: {log_file}"
                    )
                time.sleep(_POLL_SECONDS)
        except BaseException:
            _stop(process)
            raise
    exit_code = process.returncode
    run = TestRun(
        exit_code=exit_code,
        duration_seconds=round(time.monotonic() - started, 3),
        tests=outcomes,
        command=command,
    )
    _check(run, ctx, log_file, collect_errors)
    if with_coverage:
        combine_parallel_data(ctx, env, data_file)
        ctx.coverage_data = data_file
    return run


def _outcome(event: dict[str, object]) -> TestOutcome:
    return TestOutcome(
        nodeid=str(event["nodeid"]),
        outcome=str(event["outcome"]),
        duration_seconds=round(float(event["duration"]), 6),  # type: ignore[arg-type]
        assertions_executed=int(event["assertions"]),  # type: ignore[call-overload]
        message=str(event.get("message", "")),
    )


def _check(run: TestRun, ctx: AuditContext, log_file: Path, collect_errors: list[str]) -> None:
    """Turn a run that is not a coverage result into a clear error."""
    if run.exit_code == 0:
        return
    if collect_errors:
        more = f" (and {len(collect_errors) - 1} more)" if len(collect_errors) > 1 else ""
        raise IncompleteAuditError(
            f"pytest could not collect the tests: {collect_errors[0]}{more}; log: {log_file}"
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
    meaning = _PYTEST_EXIT_MEANING.get(run.exit_code, "crashed")
    if run.exit_code < 0:
        meaning = f"killed by signal {-run.exit_code}"
    tail = _log_tail(log_file)
    raise IncompleteAuditError(
        f"pytest exited with code {run.exit_code} ({meaning})"
        + (f": {tail}" if tail else "")
        + f"; log: {log_file}"
    )
