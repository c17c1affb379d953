"""The session server of the session-fork runner, and each mutant's process.

Copied into the stage's plugin folder as ``audit_fork_server`` and used by
:mod:`auditor.mutation.fork_session` (its docstring tells the whole design);
it runs in the project's interpreter and imports nothing from the auditor.

The server is a ``pytest.main`` whose ``pytest_runtestloop`` hook
(:class:`SessionServer`, tryfirst) serves mutants instead of running tests:
:func:`serve` forks a grandchild per mutant read from the work pipe and
reports each one's exit status on the result pipe. In the grandchild the
hook sets the mutant up (:func:`enter_mutant`), puts its tests into
``session.items`` and returns None, so that pytest's own main loop runs them
and ``pytest.main`` returns the exit status it would have returned.
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from mutmut.configuration import config
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.state import state
from mutmut.utils.format_utils import mangled_name_from_mutant_name
from mutmut.workers.isolation import recv_message, send_message
from mutmut.workers.timeout import register_timeout

RUNNER_FILE_ENV = "AUDIT_MUTMUT_RUNNER_FILE"
"""Where the runner records which runner ran (a ``kind<TAB>detail`` line each)."""
SESSION_FORK = "session-fork"
FRESH_SESSION = "fresh-session"
_POLL_SECONDS = 1.0

TestOrder = Callable[[str, list[str]], list[str]]
FreshRun = Callable[[str, list[str]], int]


def record(kind: str, detail: str) -> None:
    """Append ``kind<TAB>detail`` to the runner file, in one write (O_APPEND)."""
    path = os.environ.get(RUNNER_FILE_ENV, "")
    if not path:
        return
    line = (kind + "\t" + detail.replace("\n", " ") + "\n").encode("utf-8")
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def limit_memory() -> None:
    """The stage plugin's per-mutant address-space cap (plain mutmut: at configure time)."""
    plugin = sys.modules.get("audit_mutmut_plugin")
    limit = getattr(plugin, "limit_memory", None)
    if limit is not None:
        limit()


def plain_exit_code(run: Callable[[], int]) -> int:
    """``run()``'s code as plain mutmut's child ends: an exception out of it exits 1.

    (mutmut raises for pytest's exit status 4; in its fork runner's child the
    exception ends the process through the interpreter: status 1.)
    """
    try:
        return int(run())
    except Exception:
        return 1


class SessionServer:
    """The pytest plugin that turns the server's session into a mutant server."""

    def __init__(self, order: TestOrder, run_fresh: FreshRun, work_fd: int, result_fd: int) -> None:
        self.order, self.run_fresh = order, run_fresh
        self.work_fd, self.result_fd = work_fd, result_fd
        self.served = False
        self.in_grandchild = False
        self.collection_hits: set[str] = set()
        self.items: dict[str, Any] = {}

    @pytest.hookimpl(tryfirst=True)  # before pytest's own loop (and any plugin's)
    def pytest_runtestloop(self, session: Any) -> bool | None:
        # what the configuration and collection called, with the mutant "stats"
        self.collection_hits = set(state()._stats)
        state()._stats.clear()
        set_mutant_under_test("")
        self.served = True
        self.items = {item.nodeid: item for item in session.items}
        detail = f"{len(self.items)} tests collected once"
        if self.collection_hits:
            detail += "; collection calls " + ", ".join(sorted(self.collection_hits))
        record(SESSION_FORK, detail)
        gc.freeze()
        job = serve(self.work_fd, self.result_fd)
        if job is None:
            return True  # all mutants served: the server itself runs no test
        self.in_grandchild = True
        mutant_name, tests = job
        tests = self.order(mutant_name, tests)
        why = self._fresh_reason(mutant_name, tests)
        if why:
            record(FRESH_SESSION, f"{mutant_name}: {why}")
            os._exit(plain_exit_code(lambda: self.run_fresh(mutant_name, tests)))
        session.items = [self.items[test] for test in tests]
        session.testscollected = len(session.items)
        session.testsfailed = 0  # a collection error elsewhere in the suite is not this run's
        _fresh_capture(session.config)
        return None  # pytest's own main loop runs the mutant's tests

    def _fresh_reason(self, mutant_name: str, tests: list[str]) -> str:
        mangled = mangled_name_from_mutant_name(mutant_name)
        if mangled in self.collection_hits:
            return "the shared collection called this function"
        missing = [t for t in tests if t not in self.items]
        if missing:
            return f"{len(missing)} of its tests are not in the shared collection ({missing[0]})"
        return ""


def _fresh_capture(pytest_config: Any) -> None:
    """A capture of the grandchild's own: the server's capture files are shared with every fork."""
    capman = pytest_config.pluginmanager.getplugin("capturemanager")
    if capman is None:
        return
    capman.stop_global_capturing()
    capman.start_global_capturing()
    capman.suspend_global_capture()  # as between two tests (stdin stays captured)


def serve(work_fd: int, result_fd: int) -> tuple[str, list[str]] | None:
    """Fork a grandchild per mutant until the work pipe ends; report each exit status.

    Returns None in the server once every grandchild ended; in a grandchild it
    returns its mutant's name and tests, the grandchild set up to test them.
    """
    sigchld_r, sigchld_w = os.pipe()
    os.set_blocking(sigchld_r, False)
    os.set_blocking(sigchld_w, False)

    def on_child(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):
            os.write(sigchld_w, b"c")

    previous_chld = signal.signal(signal.SIGCHLD, on_child)
    running: dict[int, tuple[str, float]] = {}

    def terminate(signum: int, frame: Any) -> None:
        # mutmut's main process stops us on Ctrl-C: take the grandchildren down too
        for pid in list(running):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, terminate)
    work_open = True
    while work_open or running:
        readable, _, _ = select.select(
            [sigchld_r, *([work_fd] if work_open else [])], [], [], _POLL_SECONDS
        )
        if sigchld_r in readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(sigchld_r, 1024):
                    pass
        _reap(running, result_fd)
        if work_fd not in readable:
            continue
        try:
            message = recv_message(work_fd)
        except EOFError:
            message = None
        if message is None:
            work_open = False
            continue
        mutant_name, tests, cpu_time_limit, wall_timeout = message
        pid = os.fork()
        if pid == 0:
            for fd in (sigchld_r, sigchld_w, work_fd, result_fd):
                os.close(fd)
            signal.signal(signal.SIGCHLD, previous_chld)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            enter_mutant(mutant_name, cpu_time_limit)
            return mutant_name, list(tests)
        running[pid] = (mutant_name, time.monotonic())
        register_timeout(pid, wall_timeout)  # SIGXCPU at plain mutmut's wall limit
    signal.signal(signal.SIGCHLD, previous_chld)
    os.close(sigchld_r)
    os.close(sigchld_w)
    return None


def enter_mutant(mutant_name: str, cpu_time_limit: int) -> None:
    """What plain mutmut's fork runner does in its child before running the tests."""
    set_mutant_under_test(mutant_name)
    with contextlib.suppress(Exception):
        from mutmut.utils.safe_setproctitle import safe_setproctitle

        safe_setproctitle(f"mutmut: {mutant_name}")
    limit = cpu_time_limit + int(time.process_time())
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    limit_memory()
    if not config().debug:
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the process's own


def _reap(running: dict[int, tuple[str, float]], result_fd: int) -> None:
    """Report every grandchild that ended (SIGCHLD signals coalesce: reap them all)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid not in running:
            continue
        mutant_name, started = running.pop(pid)
        exit_code = os.waitstatus_to_exitcode(status)
        send_message(result_fd, (mutant_name, exit_code, time.monotonic() - started))
