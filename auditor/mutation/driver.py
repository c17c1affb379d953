"""Run mutmut as a subprocess in the staged folder, with a live progress bar.

mutmut rewires ``sys.path``, stdout and module globals when used in-process,
so it always runs in a child process (with the staged folder as its cwd and
in its own session), through :mod:`auditor.mutation.mutmut_entry`. Its
status line (``done/total 🎉 killed ... 🙁 survived``) is parsed into the
progress bar. Ctrl-C (and SIGTERM, which the CLI turns into
KeyboardInterrupt) is forwarded to mutmut's process group as SIGINT, which
mutmut handles by stopping its workers; every verdict it finished is already
saved in its ``.meta`` files, so the next run resumes. The interruption is
caught wherever it lands in the read loop, so mutmut is never left running
unstopped.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.mutation.mutmut_entry import (
    ASKED_FOR,
    KILLERS_ENV,
    RUNNER_ENV,
    RUNNER_FILE_ENV,
    SESSION_FORK,
    SKIP_FORCED_FAIL,
    VERSION_MARKER,
)
from auditor.mutation.staging import Stage
from auditor.mutation.suite_watch import RUNNING_TEST_ENV, SuiteRunWatch
from auditor.progress import Progress, Task
from auditor.project import tool_environment

# "12/40  🎉 7 🫥 1  ⏰ 0  🤔 0  🙁 4  🔇 0  🧙 0"
_STATUS = re.compile(r"(\d+)/(\d+)\s+🎉 (\d+) 🫥 (\d+)\s+⏰ (\d+)\s+🤔 (\d+)\s+🙁 (\d+)")
_NO_MATCH = "Filtered for specific mutants, but nothing matches"
LIST_ONLY_NAME = "__test_auditor_generate_only__"
_RUN_PROGRAM = Path(__file__).with_name("mutmut_entry.py")
_VERSION = re.compile(re.escape(VERSION_MARKER) + r"(\S+)")
_HEAD_BYTES = 400
_INTERRUPT_GRACE_SECONDS = 20.0
_TAIL_BYTES = 6000
_MUTANT_PHASE = "Running mutation testing"


@dataclass
class MutmutOutcome:
    exit_code: int
    output_tail: str
    interrupted: bool = False
    nothing_matched: bool = False
    duration_seconds: float = 0.0
    version: str = ""  # mutmut's version, as the run reported it
    # from mutmut's "Running mutation testing" on: the mutants' own phase
    mutant_phase_seconds: float = 0.0
    # the runner file's lines (kind, detail): which runner tested the mutants, and
    # the mutants the session-fork runner gave a fresh session (auditor.mutation.fork_session)
    runner_records: list[tuple[str, str]] = field(default_factory=list)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGKILL mutmut if the auditor dies (no orphaned runs)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _StatusParser:
    """Feeds mutmut's ``\\r``-separated status line into a progress task."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.pending = ""

    def feed(self, text: str) -> None:
        self.pending += text
        *complete, self.pending = re.split(r"[\r\n]", self.pending)
        for line in complete:
            match = _STATUS.search(line)
            if match:
                done, total, killed, _no_tests, timeout, _sus, survived = map(int, match.groups())
                self.task.update(
                    completed=done,
                    total=total,
                    description=f"mutants: {killed + timeout} killed, {survived} survived",
                )


def run_mutmut(
    stage: Stage,
    python: str,
    progress: Progress,
    names: list[str] | None = None,
    max_children: int | None = None,
    memory_limit_mb: int = 0,
    skip_forced_fail_for: str | None = None,
    suite_timeout: float | None = None,
    runner: str = SESSION_FORK,
) -> MutmutOutcome:
    """Run ``mutmut run [names]`` in the stage; returns its exit code and output tail.

    mutmut runs through the project's interpreter (which must have it installed).

    ``skip_forced_fail_for``: a mutmut version; when the run's mutmut has that
    version, its forced-fail run is left out (see :mod:`auditor.mutation.mutmut_entry`).

    ``suite_timeout``: the limit (``[tool.audit] test_timeout``) of each of
    mutmut's whole-suite runs (stats, clean, forced fail); see
    :mod:`auditor.mutation.suite_watch`.

    ``runner``: ``session-fork`` or ``mutmut`` (``[tool.audit.mutation] runner``).
    """
    command = [python, "-c", _RUN_PROGRAM.read_text(encoding="utf-8"), "run"]
    if max_children:
        command += ["--max-children", str(max_children)]
    command += names or []
    env = tool_environment(python, [stage.plugin_dir])
    env["AUDIT_MUTMUT_MEMORY_MB"] = str(memory_limit_mb)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("MUTANT_UNDER_TEST", None)
    env.pop(SKIP_FORCED_FAIL, None)
    if skip_forced_fail_for:
        env[SKIP_FORCED_FAIL] = skip_forced_fail_for
    # which tests killed which function's mutants: orders the next mutants' tests
    stage.killers.mkdir(exist_ok=True)
    env[KILLERS_ENV] = str(stage.killers)
    env[RUNNER_ENV] = runner
    runner_file = stage.plugin_dir / "runner.txt"
    runner_file.unlink(missing_ok=True)
    env[RUNNER_FILE_ENV] = str(runner_file)
    running_file = stage.plugin_dir / "running-test.txt"
    env[RUNNING_TEST_ENV] = str(running_file)
    head = tail = b""
    interrupted = False
    started = time.monotonic()
    phase_started: float | None = None
    with progress.task("mutation testing", total=None) as task:
        parser = _StatusParser(task)
        proc = subprocess.Popen(
            command,
            cwd=stage.folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        watch = SuiteRunWatch(suite_timeout, proc, running_file)
        watch.start()
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                if len(head) < _HEAD_BYTES:
                    head += chunk[: _HEAD_BYTES - len(head)]
                tail = (tail + chunk)[-_TAIL_BYTES:]
                decoded = chunk.decode("utf-8", "replace")
                if phase_started is None and _MUTANT_PHASE in tail.decode("utf-8", "replace"):
                    phase_started = time.monotonic()
                parser.feed(decoded)
                watch.feed(decoded)
            exit_code = proc.wait()
        except KeyboardInterrupt:
            interrupted = True
            _stop(proc)
            exit_code = _wait_stopped(proc)
        finally:
            proc.stdout.close()
    watch.raise_if_expired()
    text = tail.decode("utf-8", "replace")
    version = _VERSION.search(head.decode("utf-8", "replace"))
    return MutmutOutcome(
        exit_code=exit_code,
        output_tail=text,
        interrupted=interrupted,
        nothing_matched=_NO_MATCH in text,
        duration_seconds=time.monotonic() - started,
        mutant_phase_seconds=time.monotonic() - phase_started if phase_started else 0.0,
        version=version.group(1) if version else "",
        runner_records=read_runner_file(runner_file),
    )


def read_runner_file(path: Path) -> list[tuple[str, str]]:
    """The runner file's ``kind<TAB>detail`` lines (none when mutmut never reached its runner)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [(kind, detail) for kind, _, detail in (line.partition("\t") for line in lines) if kind]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT mutmut's process group; SIGKILL it if it does not stop in time."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + _INTERRUPT_GRACE_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return
        try:
            proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:
            break
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _wait_stopped(proc: subprocess.Popen[bytes]) -> int:
    """The exit code of a mutmut that :func:`_stop` stopped; another interrupt kills it."""
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def mutmut_version(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('mutmut'))"],
        capture_output=True,
        text=True,
        check=False,
        env=tool_environment(python),
    )
    return done.stdout.strip() if done.returncode == 0 else ""


RUNNERS = (SESSION_FORK, "mutmut")
"""The values of ``[tool.audit.mutation] runner``."""


def runner_summary(records: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """Which runner tested the mutants of an audit's mutmut runs, and notes on the fallbacks.

    The first value is ``session-fork``, ``mutmut``, both joined by ``+``,
    or ``none`` when no runner was started (the caller also says ``none``
    when the runs tested no mutant: every verdict was kept).
    """
    ran: list[str] = []
    notes: list[str] = []
    fresh: list[str] = []
    for kind, detail in records:
        if kind == "mutmut":
            ran.append("mutmut")
            if detail != ASKED_FOR:  # asked for: settings.runner says so
                notes.append(f"mutants tested by mutmut's own runner: {detail}")
        elif kind == SESSION_FORK:
            ran.append(SESSION_FORK)
        elif detail.startswith("every mutant: "):  # its server gave each mutant a fresh session
            ran.append(SESSION_FORK)
            notes.append("session-fork runner: " + detail)
        else:
            fresh.append(detail)
    if fresh:
        notes.append(
            f"session-fork runner: {len(fresh)} mutants ran in a fresh pytest session "
            f"(as plain mutmut's children do), e.g. {fresh[0]}"
        )
    return "+".join(dict.fromkeys(ran)) or "none", notes
