"""A fork server for ``run_audit``: the auditor's imports paid once per test process.

Each ``python -m auditor`` a test starts used to pay the interpreter's start
and the auditor's imports (its CLI, runner, reports, jinja2, rich: about
0.11 s of CPU of a warm ``report`` run's 0.16 s outside the suite) before
doing anything, a few hundred times a suite. This server imports those once,
then forks one child per audit; the child is the audit: it takes the caller's
working directory, environment, ``sys.path[0]`` and arguments, runs
``auditor`` as ``python -m auditor`` does (``runpy``, so ``__main__`` and the
program name are the auditor's), and exits the way that interpreter would
(threads joined, ``atexit`` handlers run, output flushed). Its stdout and
stderr go to files the caller reads; its exit status is reported by the
server, which reaps it (``wait4``, with its CPU time).

What a fork cannot give a child, the caller does not ask of it:
``run_audit`` falls back to a real interpreter when the audit's environment
sets any ``PYTHON*`` variable differently from the server's (those act at
interpreter start: hash seed, warnings, bytecode, I/O encoding, paths).
Only the auditor and libraries it loads in its own process are preloaded,
never code under test or the tools it drives: the tests that check what a fresh interpreter imports
(``tests/core/test_startup_imports.py`` and others) start their own.

Protocol, one connection per audit over a Unix socket: the caller sends one
JSON line (``cwd``, ``env``, ``args``, ``stdout``, ``stderr``: file paths);
the server answers ``{"pid": N}`` at the fork and ``{"status": S, "cpu": C}``
when the child ends (``S`` as ``subprocess``'s ``returncode``). The server
ends when its stdin (a pipe from the test process) closes, after reaping
what it started.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import itertools
import json
import locale
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

# What an audit imports (``report`` with its reports, -X importtime), and the costliest
# imports of the runs that validate a [tool.audit] table (jsonschema) or scan test code
# (the mocks analysis, libcst).
PRELOAD = ("auditor.cli", "auditor.runner", "auditor.reports.source_view", "jinja2",
           "rich.table", "rich.console", "jsonschema", "referencing.jsonschema", "libcst",
           "auditor.mocks.analysis")
# Code under test, the tools an audit drives in its own processes (mutmut reads its
# configuration when imported): a child imports its own, never the server's.
NOT_PRELOADED = ("provisioner", "pytest", "_pytest", "coverage", "mutmut")


def _preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    loaded = sorted(name for name in NOT_PRELOADED if name in sys.modules)
    if loaded:
        raise SystemExit(f"audit server: preloading imported {loaded}")


def _audit(job: dict[str, Any]) -> int:
    """The audit itself, in the forked child; returns its exit code."""
    import runpy

    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    sys.path[0] = job["cwd"]  # as ``python -m`` puts the working directory first
    for name in [name for name in sys.modules if name == "tests" or name.startswith("tests.")]:
        del sys.modules[name]
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
        os.close(out)
    os.close(stdin)
    sys.argv = ["auditor", *job["args"]]
    try:
        runpy.run_module("auditor", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        return _exit_code(stop.code)
    except BaseException:  # what the interpreter does with an uncaught exception
        traceback.print_exc()
        return 1
    return 0


def _exit_code(code: object) -> int:
    """What the interpreter makes of ``SystemExit(code)``: None is 0, text is printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


class _Server:
    """The accept loop: forks on each job, answers each child's end."""

    def __init__(self, path: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(64)
        self.waiting: dict[int, socket.socket] = {}  # child pid -> its caller's connection
        self.wakeup_read, wakeup_write = os.pipe()
        os.set_blocking(wakeup_write, False)
        self.wakeup_write = wakeup_write
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wakeup_write)

    def serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.listener, selectors.EVENT_READ, "job")
            selector.register(self.wakeup_read, selectors.EVENT_READ, "child")
            selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
            while True:
                for key, _ in selector.select():
                    if key.data == "job":
                        self._fork(self.listener.accept()[0])
                    elif key.data == "child":
                        os.read(self.wakeup_read, 4096)
                        self._reap()
                    elif not os.read(sys.stdin.fileno(), 4096):
                        self._reap(block=True)
                        return

    def _fork(self, connection: socket.socket) -> None:
        with connection.makefile("r", encoding="utf-8") as lines:
            job = json.loads(lines.readline())
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._become_child(connection)
            code = 70  # EX_SOFTWARE: the child's own code raised
            try:
                code = _audit(job)
            finally:
                # An interpreter's exit: SystemExit unwinds this stack, then threads and atexit.
                sys.exit(code)
        self.waiting[pid] = connection
        connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")

    def _become_child(self, own: socket.socket) -> None:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (self.wakeup_read, self.wakeup_write):
            os.close(fd)
        self.listener.close()
        own.close()
        for connection in self.waiting.values():
            connection.close()
        self.waiting.clear()

    def _reap(self, block: bool = False) -> None:
        while self.waiting:
            try:
                pid, status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.waiting.pop(pid, None)
            if connection is None:
                continue
            answer = {"status": os.waitstatus_to_exitcode(status),
                      "cpu": usage.ru_utime + usage.ru_stime}
            with contextlib.suppress(OSError):  # the caller gave up (its timeout) and closed
                connection.sendall(json.dumps(answer).encode() + b"\n")
            connection.close()


_START_UP = {key: value for key, value in os.environ.items() if key.startswith("PYTHON")}
_REPO = Path(__file__).resolve().parents[2]
_lock = threading.Lock()
_client: Client | None = None
served_cpu_seconds = 0.0  # the children's CPU, which this process's getrusage does not see


class Client:
    """This test process's server, started at its first audit, ended at its exit."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="audit-server-"))
        self.socket_path = str(self.folder / "socket")
        self._count = itertools.count()
        self._pid = os.getpid()  # a fork of this process must not end the server
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.audit_server", self.socket_path],
            cwd=_REPO, env={**env, **_START_UP}, stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=(self.folder / "server.log").open("wb"))
        deadline = time.monotonic() + 60
        while not Path(self.socket_path).exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "server.log").read_text(encoding="utf-8", errors="replace")
                raise RuntimeError(f"the audit server did not start: {log}")
            time.sleep(0.01)
        atexit.register(self.close)

    def run(self, args: list[str], cwd: Path, env: dict[str, str],
            timeout: float) -> tuple[int, str, str]:
        """One audit: (exit code, stdout, stderr), or ``subprocess.TimeoutExpired``."""
        global served_cpu_seconds
        if not cwd.is_dir():  # as subprocess.run raises for a missing working directory
            raise FileNotFoundError(2, "No such file or directory", str(cwd))
        number = next(self._count)
        out, err = self.folder / f"{number}.out", self.folder / f"{number}.err"
        job = {"cwd": str(cwd), "env": env, "args": args, "stdout": str(out), "stderr": str(err)}
        deadline = time.monotonic() + timeout
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.connect(self.socket_path)
                connection.sendall(json.dumps(job).encode() + b"\n")
                with connection.makefile("r", encoding="utf-8") as answers:
                    pid = json.loads(answers.readline())["pid"]
                    connection.settimeout(max(deadline - time.monotonic(), 0.001))
                    try:
                        end = json.loads(answers.readline())
                    except TimeoutError:
                        os.kill(pid, signal.SIGKILL)  # as subprocess.run does at its timeout
                        raise subprocess.TimeoutExpired(
                            [sys.executable, "-m", "auditor", *args], timeout,
                            output=_read(out), stderr=_read(err)) from None
            served_cpu_seconds += end["cpu"]
            return int(end["status"]), _read(out), _read(err)
        finally:
            out.unlink(missing_ok=True)
            err.unlink(missing_ok=True)

    def close(self) -> None:
        """End the server once its audits are reaped, so its CPU counts in this process's."""
        if os.getpid() != self._pid:
            return
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _read(path: Path) -> str:
    """As ``subprocess.run(text=True)`` decodes: the locale's encoding, universal newlines."""
    try:
        return path.read_text(encoding=locale.getpreferredencoding(False))
    except FileNotFoundError:
        return ""


def client_for(env: dict[str, str]) -> Client | None:
    """The server, if a fork of it can stand in for ``python -m auditor`` under ``env``."""
    global _client
    if os.environ.get("AUDIT_TESTS_NO_SERVER") or not hasattr(os, "fork"):
        return None
    if {key: value for key, value in env.items() if key.startswith("PYTHON")} != _START_UP:
        return None  # start-up settings a fork cannot take (see the module docstring)
    with _lock:
        if _client is None:
            _client = Client()
        return _client


def main() -> None:
    """Serve on the socket named by argv[1] until stdin closes."""
    _preload()
    _Server(sys.argv[1]).serve()


if __name__ == "__main__":
    main()
