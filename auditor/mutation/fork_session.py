"""The session-fork runner: one pytest session per run, one fork per mutant.

Loaded by :mod:`auditor.mutation.mutmut_entry` into ``mutmut run`` (copied
into the stage's plugin folder as ``audit_fork_session``); it runs in the
project's interpreter and imports nothing from the auditor.

Plain mutmut (3.x, ``process_isolation = "fork"``) forks its main process per
mutant and the child calls ``pytest.main``: a fresh configuration, plugin
loading, conftest handling and collection of the mutant's tests, for every
mutant, typically 10 to 100 times the mutant's own test time. This runner
keeps everything of mutmut but the per-mutant process:

- the stats, clean and forced-fail runs stay in mutmut's main process, as
  plain mutmut does them (this class is a ``ForkRunner``);
- the first mutant starts a *session server*: a child of mutmut's main
  process (so it inherits the same module state plain mutmut's children
  inherit) that runs ``pytest.main`` with the arguments mutmut would give,
  collecting the whole suite once. Our ``pytest_runtestloop`` hook (tryfirst)
  then serves mutants instead of running tests: per mutant it forks; the
  grandchild sets the mutant (``set_mutant_under_test``, as mutmut does),
  its CPU and memory limits, a fresh output capture, puts the mutant's
  covering tests (killers first, :mod:`auditor.mutation.mutmut_entry`) into
  ``session.items`` and returns, so pytest's *own* main loop runs them: the
  same ``runtestprotocol`` per item with its ``nextitem`` teardown, ``-x``
  (``session.shouldfail``), session finish and unconfigure, and the exit
  status ``pytest.main`` returns; the grandchild exits with it.
- No test runs in the server: session- and module-scoped fixtures are set up
  in each grandchild, as in plain mutmut's fresh session, and whatever a
  mutant does to them dies with its process.
- The server kills a grandchild at the wall-clock limit plain mutmut's fork
  runner uses, ``(estimated + timeout_constant) * timeout_multiplier``
  (SIGXCPU, mutmut's timeout exit status), besides mutmut's RLIMIT_CPU.
  A grandchild that crashes or calls ``os._exit`` is reported by the exit
  status the kernel gives, as plain mutmut's child is.

A mutant runs in a fresh ``pytest.main`` of its own in the grandchild (what
plain mutmut does, here still without the interpreter start) when the shared
collection cannot stand for its own: the server's configuration or
collection called its function (``pytest_generate_tests``, a plugin's
configure hook: the session was made with the original code, the mutant's
own collection could differ), or one of its tests is not in the collection.
When the server cannot make its session at all (a collection error, a
conftest failing), every mutant runs that way. Each such case is recorded in
the run's runner file (``AUDIT_MUTMUT_RUNNER_FILE``), read by the auditor.
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
from datetime import datetime
from typing import Any

import pytest
from mutmut.configuration import config
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.state import state
from mutmut.utils.format_utils import mangled_name_from_mutant_name
from mutmut.workers.isolation import (
    ForkRunner,
    ForkServerCrashError,
    MutantResult,
    recv_message,
    send_message,
)
from mutmut.workers.timeout import register_timeout

RUNNER_FILE_ENV = "AUDIT_MUTMUT_RUNNER_FILE"
"""Where the runner records which runner ran (a ``kind<TAB>detail`` line each)."""
SESSION_FORK = "session-fork"
FRESH_SESSION = "fresh-session"
_MAX_RESTARTS = 1
_POLL_SECONDS = 1.0

TestOrder = Callable[[str, list[str]], list[str]]


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


def _limit_memory() -> None:
    """The stage plugin's per-mutant address-space cap (plain mutmut: at configure time)."""
    plugin = sys.modules.get("audit_mutmut_plugin")
    limit = getattr(plugin, "limit_memory", None)
    if limit is not None:
        limit()


def _plain_exit_code(run: Callable[[], int]) -> int:
    """``run()``'s code as plain mutmut's child ends: an exception out of it exits 1.

    (mutmut raises for pytest's exit status 4; in its fork runner's child the
    exception ends the process through the interpreter: status 1.)
    """
    try:
        return int(run())
    except Exception:
        return 1


class _SessionServer:
    """The pytest plugin that turns the server's session into a mutant server."""

    def __init__(self, runner: SessionForkRunner, work_fd: int, result_fd: int) -> None:
        self.runner = runner
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
        tests = self.runner.order(mutant_name, tests)
        why = self._fresh_reason(mutant_name, tests)
        if why:
            record(FRESH_SESSION, f"{mutant_name}: {why}")
            os._exit(_plain_exit_code(lambda: self.runner.run_fresh(mutant_name, tests)))
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
            _enter_mutant(mutant_name, cpu_time_limit)
            return mutant_name, list(tests)
        running[pid] = (mutant_name, time.monotonic())
        register_timeout(pid, wall_timeout)  # SIGXCPU at plain mutmut's wall limit
    signal.signal(signal.SIGCHLD, previous_chld)
    os.close(sigchld_r)
    os.close(sigchld_w)
    return None


def _enter_mutant(mutant_name: str, cpu_time_limit: int) -> None:
    """What plain mutmut's fork runner does in its child before running the tests."""
    set_mutant_under_test(mutant_name)
    with contextlib.suppress(Exception):
        from mutmut.utils.safe_setproctitle import safe_setproctitle

        safe_setproctitle(f"mutmut: {mutant_name}")
    limit = cpu_time_limit + int(time.process_time())
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    _limit_memory()
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


class SessionForkRunner(ForkRunner):
    """mutmut's ``MutantRunner`` with a session server for the mutants (module docstring)."""

    def __init__(self, max_workers: int, test_runner: Any, order: TestOrder) -> None:
        super().__init__(max_workers=max_workers, test_runner=test_runner, debug=config().debug)
        self.order = order
        self.server_pid: int | None = None
        self.work_w: int | None = None
        self.result_r: int | None = None
        self.fresh_only = False  # after a crash of the server: no shared session
        self.restarts = 0
        self.pending: dict[str, tuple[list[str], int, float, datetime]] = {}
        self.home = os.getcwd()

    # -- the server ----------------------------------------------------------

    def startup(self) -> None:
        gc.freeze()
        self._start_server()

    def _start_server(self) -> None:
        work_r, self.work_w = os.pipe()
        self.result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(self.work_w)
            os.close(self.result_r)
            try:
                self._server_main(work_r, result_w)
            except BaseException as exc:  # the server's end, reported
                record(FRESH_SESSION, f"the session server failed: {exc!r}")
                os._exit(1)
            os._exit(0)
        os.close(work_r)
        os.close(result_w)
        self.server_pid = pid

    def _server_main(self, work_fd: int, result_fd: int) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # mutmut's main process owns Ctrl-C
        self.home = os.getcwd()  # the stage folder: mutmut's runner changes into mutants/
        plugin = _SessionServer(self, work_fd, result_fd)
        reason = "the server restarted after a crash" if self.fresh_only else ""
        if not self.fresh_only:
            code = self._session(plugin)
            if plugin.in_grandchild:
                os._exit(int(code))
            if plugin.served:
                return
            reason = f"the shared session did not start (pytest exit status {code})"
        record(FRESH_SESSION, "every mutant: " + reason)
        job = serve(work_fd, result_fd)
        if job is not None:
            mutant_name, tests = job
            tests = self.order(mutant_name, tests)
            os._exit(_plain_exit_code(lambda: self.run_fresh(mutant_name, tests)))

    def _session(self, plugin: _SessionServer) -> int:
        """``pytest.main`` as mutmut's runner would call it for the whole suite, with ``plugin``."""
        import pytest

        runner: Any = self.test_runner  # mutmut's PytestRunner (install() makes one)
        params = [
            "--rootdir=.",
            "--tb=native",
            *runner._pytest_args_regular_run([]),
            *runner._pytest_add_cli_args,
        ]
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        state()._stats.clear()
        set_mutant_under_test("stats")  # the trampolines record what collection calls
        try:
            os.chdir("mutants")
            return int(pytest.main(params, plugins=[plugin]))
        except Exception as exc:
            record(FRESH_SESSION, f"every mutant: the shared session failed: {exc!r}")
            return -1
        finally:
            if not plugin.in_grandchild:
                sys.stdout, sys.stderr = saved
                set_mutant_under_test("")

    def run_fresh(self, mutant_name: str, tests: list[str]) -> int:
        """Plain mutmut's way: a fresh ``pytest.main`` for this mutant's tests."""
        os.chdir(self.home)
        return int(self.test_runner.run_tests(mutant_name=mutant_name, tests=tests))

    # -- mutmut's MutantRunner interface ----------------------------------------

    def submit(
        self, mutant_name: str, tests: list[str], cpu_time_limit: int, estimated_time: float
    ) -> None:
        if not tests:
            self._no_tests_results.append(MutantResult(mutant_name, 33, 0.0))
            return
        cfg = config()
        wall = (estimated_time + cfg.timeout_constant) * cfg.timeout_multiplier
        self.pending[mutant_name] = (list(tests), cpu_time_limit, wall, datetime.now())
        self._send(mutant_name)

    def _send(self, mutant_name: str) -> None:
        tests, cpu_time_limit, wall, _ = self.pending[mutant_name]
        if self.work_w is None:
            raise RuntimeError("the session server is not running")
        send_message(self.work_w, (mutant_name, tests, cpu_time_limit, wall))

    def has_capacity(self) -> bool:
        return len(self.pending) < self.max_workers

    def pending_count(self) -> int:
        return len(self.pending) + len(self._no_tests_results)

    def wait_for_result(self, timeout: float | None = None) -> MutantResult:
        if self._no_tests_results:
            return self._no_tests_results.pop(0)
        while True:
            if self.result_r is None:
                raise ChildProcessError("no session server")
            readable, _, _ = select.select([self.result_r], [], [], _POLL_SECONDS)
            if readable:
                try:
                    mutant_name, exit_code, duration = recv_message(self.result_r)
                except EOFError:
                    self._server_ended(block=True)
                    continue
                self.pending.pop(mutant_name, None)
                return MutantResult(mutant_name, int(exit_code), float(duration))
            self._server_ended(block=False)

    def _server_ended(self, block: bool) -> None:
        """Restart a server that died with mutants in flight (once), then give up as mutmut does."""
        if self.server_pid is None:
            raise ChildProcessError("no session server")
        pid, status = os.waitpid(self.server_pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return
        self.server_pid = None
        code = os.waitstatus_to_exitcode(status)
        if not self.pending:
            raise ChildProcessError(f"the session server ended (exit status {code})")
        if self.restarts >= _MAX_RESTARTS:
            raise ForkServerCrashError(exit_code=code, lost_mutants=sorted(self.pending))
        self.restarts += 1
        self.fresh_only = True
        for fd in (self.work_w, self.result_r):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._start_server()
        for mutant_name in list(self.pending):
            self._send(mutant_name)

    def signal_work_complete(self) -> None:
        if self.work_w is not None:
            with contextlib.suppress(OSError):
                os.close(self.work_w)
            self.work_w = None

    def stop_all_workers(self) -> None:
        if self.server_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.server_pid, signal.SIGTERM)

    def shutdown(self) -> None:
        self.signal_work_complete()
        if self.server_pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.server_pid, 0)
            self.server_pid = None
        if self.result_r is not None:
            with contextlib.suppress(OSError):
                os.close(self.result_r)
            self.result_r = None
        gc.unfreeze()


def install(main: Any, order: TestOrder) -> None:
    """Make ``mutmut run`` (``mutmut.__main__``) test mutants with :class:`SessionForkRunner`."""
    original = main.get_mutant_runner

    def get_mutant_runner(max_workers: int = 1) -> Any:
        from mutmut.configuration import ProcessIsolation
        from mutmut.runners.harness import PytestRunner

        if config().process_isolation != ProcessIsolation.FORK:
            record("mutmut", f"process_isolation = {config().process_isolation.value!r}")
            return original(max_workers)
        test_runner = PytestRunner()
        test_runner.prepare_main_test_run()
        return SessionForkRunner(max_workers, test_runner, order)

    main.get_mutant_runner = get_mutant_runner

