"""The session-fork runner: one pytest session per run, one fork per mutant.

Loaded by :mod:`auditor.mutation.mutmut_entry` into ``mutmut run`` (copied
into the stage's plugin folder as ``audit_fork_session``, with
:mod:`auditor.mutation.fork_server` as ``audit_fork_server``); it runs in the
project's interpreter and imports nothing from the auditor. This module is
the runner in mutmut's main process; the server and each mutant's process
are in :mod:`auditor.mutation.fork_server`.

Plain mutmut (3.x, ``process_isolation = "fork"``) forks its main process per
mutant and the child calls ``pytest.main``: a fresh configuration, plugin
loading, conftest handling and collection of the mutant's tests, for every
mutant, far more than the mutant's own tests take. This runner
keeps everything of mutmut but the per-mutant process:

- the stats, clean and forced-fail runs stay in mutmut's main process, as
  plain mutmut does them (this class is a ``ForkRunner``);
- the first mutant starts a *session server*: a child of mutmut's main
  process (so it inherits the same module state plain mutmut's children
  inherit) that runs ``pytest.main`` with the arguments of mutmut's clean
  run, collecting the tests of the run's mutants once. Our ``pytest_runtestloop`` hook (tryfirst)
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
import importlib
import os
import select
import signal
import sys
import time
from typing import Any

from mutmut.configuration import config
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.state import state
from mutmut.workers.isolation import (
    ForkRunner,
    ForkServerCrashError,
    MutantResult,
    recv_message,
    send_message,
)

SERVER_MODULE = "audit_fork_server"
"""The stage's copy of auditor/mutation/fork_server.py (next to this module's copy)."""
_MAX_RESTARTS = 1
_POLL_SECONDS = 1.0
_STUCK_GRACE_SECONDS = 30.0

server: Any = importlib.import_module(SERVER_MODULE)


class SessionForkRunner(ForkRunner):
    """mutmut's ``MutantRunner`` with a session server for the mutants (module docstring)."""

    def __init__(self, max_workers: int, test_runner: Any, order: Any) -> None:
        super().__init__(max_workers=max_workers, test_runner=test_runner, debug=config().debug)
        self.order = order
        self.server_pid: int | None = None
        self.work_w: int | None = None
        self.result_r: int | None = None
        self.fresh_only = False  # after a crash of the server: no shared session
        self.restarts = 0
        # mutant -> (tests, CPU limit, wall limit, when it was sent to the server)
        self.pending: dict[str, tuple[list[str], int, float, float]] = {}
        self.home = os.getcwd()
        # the clean run's tests: those of the mutants to test (none given: the whole suite)
        self.session_tests: list[str] = []

    def run_clean_tests(self, tests: Any) -> int:
        """mutmut's clean run; its tests are the ones the session collects (as mutmut's
        children collect only their own, so no more than the run's mutants need)."""
        self.session_tests = sorted(tests)
        return int(super().run_clean_tests(tests))

    # -- the server ----------------------------------------------------------

    def startup(self) -> None:
        """Freeze the heap, as mutmut's fork runner does; the server starts with the first
        mutant that has tests (a run that tests none, every verdict kept, collects nothing)."""
        gc.freeze()

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
                server.record(server.FRESH_SESSION, f"the session server failed: {exc!r}")
                os._exit(1)
            os._exit(0)
        os.close(work_r)
        os.close(result_w)
        self.server_pid = pid

    def _server_main(self, work_fd: int, result_fd: int) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # mutmut's main process owns Ctrl-C
        self.home = os.getcwd()  # the stage folder: mutmut's runner changes into mutants/
        plugin = server.SessionServer(self.order, self.run_fresh, work_fd, result_fd)
        reason = "the server restarted after a crash" if self.fresh_only else ""
        if not self.fresh_only:
            code = self._session(plugin)
            if plugin.in_grandchild:
                os._exit(int(code))
            if plugin.served:
                return
            reason = f"the shared session did not start (pytest exit status {code})"
        server.record(server.FRESH_SESSION, "every mutant: " + reason)
        job = server.serve(work_fd, result_fd)
        if job is not None:
            mutant_name, tests = job
            tests = self.order(mutant_name, tests)
            os._exit(server.plain_exit_code(lambda: self.run_fresh(mutant_name, tests)))

    def _session(self, plugin: Any) -> int:
        """``pytest.main`` as mutmut's clean run calls it (the tests of the run's mutants),
        with ``plugin``."""
        import pytest

        runner: Any = self.test_runner  # mutmut's PytestRunner (install() makes one)
        params = [
            "--rootdir=.",
            "--tb=native",
            *runner._pytest_args_regular_run(self.session_tests),
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
            server.record(server.FRESH_SESSION, f"every mutant: the shared session failed: {exc!r}")
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
        self.pending[mutant_name] = (list(tests), cpu_time_limit, wall, 0.0)
        if self.server_pid is None and not self.restarts:
            self._start_server()
        self._send(mutant_name)

    def _send(self, mutant_name: str) -> None:
        tests, cpu_time_limit, wall, _ = self.pending[mutant_name]
        if self.work_w is None:
            raise RuntimeError("the session server is not running")
        self.pending[mutant_name] = (tests, cpu_time_limit, wall, time.monotonic())
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
            self._stop_if_stuck()
            self._server_ended(block=False)

    def _stop_if_stuck(self) -> None:
        """Kill a server that holds a mutant far past its wall limit (say, stuck before serving).

        Its grandchildren are killed at their limit, so this only happens when
        the server itself does not serve; the restart gives every mutant a fresh session.
        """
        now = time.monotonic()
        late = [name for name, (_, _, wall, sent) in self.pending.items()
                if now - sent > 2 * wall + _STUCK_GRACE_SECONDS]
        if late and self.server_pid is not None:
            server.record(server.FRESH_SESSION,
                          f"every mutant: the session server held {late[0]} too long")
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.server_pid, signal.SIGKILL)

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


def install(main: Any, order: Any) -> None:
    """Make ``mutmut run`` (``mutmut.__main__``) test mutants with :class:`SessionForkRunner`."""
    original = main.get_mutant_runner

    def get_mutant_runner(max_workers: int = 1) -> Any:
        from mutmut.configuration import ProcessIsolation
        from mutmut.runners.harness import PytestRunner

        if config().process_isolation != ProcessIsolation.FORK:
            server.record("mutmut", f"process_isolation = {config().process_isolation.value!r}")
            return original(max_workers)
        test_runner = PytestRunner()
        test_runner.prepare_main_test_run()
        return SessionForkRunner(max_workers, test_runner, order)

    main.get_mutant_runner = get_mutant_runner
