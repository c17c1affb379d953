"""Import each module of a project in isolation, inside the project's own interpreter.

This file runs as a standalone script (``python _worker.py``) in the
interpreter of the code under audit, which may be another virtualenv than
the auditor's, so it uses the standard library only and keeps to Python 3.8
syntax. It never imports anything of :mod:`auditor`. Its helpers, loaded
from their files: ``_child.py`` (the import in a child), ``_preload.py``
(the warm parent's preload), ``_guard.py`` (scratch places and the write
guard), ``_environment.py`` (what the interpreter has installed).

Protocol. The auditor writes one JSON request line to stdin::

    {"modules": [...], "preload": [...], "timeout": 10, "workers": 2,
     "mode": "fork" | "fresh", "recheck": true, "import_roots": [...],
     "scratch": "/tmp/audit-scratch-...", "project_root": "...", "allowed": [...],
     "package_tops": [...], "project_names": [...]}

and reads JSON lines from the worker's original stdout (``event`` is
``preloading``, ``preloaded``, ``ready``, ``result``, ``environment`` or
``done``). Everything
else the worker or an imported module prints goes to stderr (fd 1 is pointed
at fd 2 first thing), so module noise cannot corrupt the protocol.

Isolation. In ``fork`` mode the worker first imports the standard-library and
third-party modules that the packages import (the *preload*, found
statically by the auditor; failures are ignored), then forks one child per
module, at most ``workers`` at once. Each child imports exactly one module
and reports through its own pipe, so one module's side effects
(``sys.modules`` entries, monkeypatches) stay in its child. The parent kills
a child (its whole process group) past the per-module timeout. In ``fresh``
mode (no ``os.fork``, or asked for) each child is a new interpreter running
this script with ``--child``; that is the fallback off POSIX and the way
``recheck`` confirms a timeout or crash seen after a fork, because forking a
process whose preloaded modules started threads or hold locks can hang or
crash a child for reasons that are not the module's own.

Writes. Every import (both modes) runs in scratch: its own working
directory, ``HOME`` and ``TMPDIR`` under ``scratch``, and an audit hook that
blocks writes into the project tree (see ``_guard.py``). Each result lists
the writes the module made at import (``writes``), and says whether the
import stopped because a write was blocked (``blocked_write``).

Environment. When some import failed, an ``environment`` message before
``done`` says what the interpreter has installed (see ``_environment.py``),
so the auditor can tell a missing dependency from a first-party error.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any


def _load_helper(name: str, **shared: Any) -> Any:
    """A helper script of this folder, loaded from its file (this script is not a package).

    Not through ``sys.path``: this folder must not be on it (its file names
    would shadow the project's). ``shared`` are set on the helper once it
    is loaded: the helpers it uses, which it cannot import by name either.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"_{name}.py")
    spec = importlib.util.spec_from_file_location(f"_test_auditor_worker_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.__dict__.update(shared)
    return module


guard = _load_helper("guard")
child = _load_helper("child", guard=guard)
warm = _load_helper("preload", guard=guard)
slots = _load_helper("slots", guard=guard)
if TYPE_CHECKING:  # for the checker only: at run time the class is the loaded file's
    from auditor.imports._slots import Slot
else:
    Slot = slots.Slot

_FAULT_FRAME = re.compile(r'^\s*File "(?P<path>.+)", line (?P<line>\d+)')


# --------------------------------------------------------------- the parent


class Runner:
    """Runs children (forked or fresh), at most ``workers`` at once."""

    def __init__(
        self,
        mode: str,
        timeout: float,
        workers: int,
        roots: list[str],
        on_result: Callable[[dict[str, Any]], None],
        write_guard: Any,
        lookups: dict[str, list[str]] | None = None,
    ) -> None:
        self.lookups = lookups or {}  # module -> attribute paths to look up after import
        self.mode = mode
        self.timeout = timeout
        self.workers = max(1, workers)
        self.roots = roots
        self.on_result = on_result
        self.write_guard = write_guard  # the hook installed in this process
        self.tmpdir = tempfile.mkdtemp(prefix=f"{mode}-")  # under the worker's scratch TMPDIR
        self.counter = 0

    def start(self, module: str, protocol_fd: int) -> Slot:
        self.counter += 1
        base = os.path.join(self.tmpdir, str(self.counter))
        places = guard.scratch_places(base)
        watched = {"cwd": places["cwd"], "home": places["home"]}
        fault_path = os.path.join(base, "fault")
        writes_log = os.path.join(base, "writes.log")
        read_fd, write_fd = os.pipe()
        deadline = time.monotonic() + self.timeout
        if self.mode == "fork":
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                try:
                    os.setpgid(0, 0)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    os.close(read_fd)
                    os.close(protocol_fd)
                    child.die_with_parent()
                    child.redirect_std_fds()
                    guard.enter_scratch(places)
                    self.write_guard.attach(writes_log, watched)
                finally:
                    child.run_child(module, write_fd, fault_path, deadline, self.timeout,
                                    self.roots, self.lookups.get(module))  # fmt: skip
            os.close(write_fd)
            popen = None
        else:
            spec = {
                "module": module, "fd": write_fd, "fault": fault_path, "deadline": deadline,
                "timeout": self.timeout, "roots": self.roots, "log": writes_log,
                "watched": watched, "guard": self.write_guard.settings(),
                "lookups": self.lookups.get(module),
            }  # fmt: skip
            popen = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(write_fd,),
                start_new_session=True,
                cwd=places["cwd"],
                env=guard.scratch_environment(places, dict(os.environ)),
            )
            os.close(write_fd)
            pid = popen.pid
        os.set_blocking(read_fd, False)
        return Slot(module, pid, read_fd, base, deadline, self.timeout, popen)

    def finish(self, slot: Slot, status: int | None, timed_out: bool) -> dict[str, Any]:
        """Turn a finished child into a result message, with the writes it made."""
        report = self._outcome(slot, status, timed_out)
        report["writes"] = slots.writes_of(slot)
        shutil.rmtree(slot.base, ignore_errors=True)
        return report

    def _outcome(self, slot: Slot, status: int | None, timed_out: bool) -> dict[str, Any]:
        elapsed = time.monotonic() - slot.started
        line = slot.buffer.split(b"\n", 1)[0]
        if line and not timed_out:
            report: dict[str, Any] = json.loads(line.decode())
            return report
        location = self._fault_location(slot.fault_path)
        if timed_out:
            error_type = "Timeout"
            message = f"import did not finish within {self.timeout:g} s"
        else:
            error_type = "Crash"
            message = self._describe_status(status)
        return {
            "module": slot.module,
            "ok": False,
            "error_type": error_type,
            "message": message,
            "seconds": elapsed,
            **location,
        }

    def _describe_status(self, status: int | None) -> str:
        if status is None:
            return "the interpreter died without reporting"
        if self.mode == "fork":
            if os.WIFSIGNALED(status):
                return str(slots.signal_text(os.WTERMSIG(status)))
            return f"the interpreter exited with status {os.WEXITSTATUS(status)} during the import"
        if status < 0:
            return str(slots.signal_text(-status))
        return f"the interpreter exited with status {status} during the import"

    def _fault_location(self, fault_path: str) -> dict[str, Any]:
        """Where faulthandler saw the main thread: the innermost frame in project code."""
        try:
            with open(fault_path, errors="replace") as handle:
                text = handle.read()
        except OSError:
            return {"path": "", "line": None}
        frames = [m for m in map(_FAULT_FRAME.match, text.splitlines()) if m]
        for match in frames:  # most recent call first
            if any(guard.is_under(match.group("path"), root) for root in self.roots):
                return {"path": match.group("path"), "line": int(match.group("line"))}
        return {"path": "", "line": None}

    def run(self, modules: list[str], protocol_fd: int) -> None:
        """Check every module, handing each result to ``on_result`` as it comes."""
        pending = list(reversed(modules))
        running: list[Slot] = []
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    running.append(self.start(pending.pop(), protocol_fd))
                self._wait(running)
                for slot in list(running):
                    slot.drain()
                    status = slot.poll()
                    if status is None and time.monotonic() < slot.deadline:
                        continue
                    if status is not None:
                        slot.drain()
                        slot.close()
                        slots.kill_group(slot.pid)  # anything the module left running
                        result = self.finish(slot, status, timed_out=False)
                    else:
                        slot.kill()
                        slot.close()
                        result = self.finish(slot, None, timed_out=True)
                    running.remove(slot)
                    self.on_result(result)
        finally:
            for slot in running:
                slot.kill()
                slot.close()

    def _wait(self, running: list[Slot]) -> None:
        """Sleep until a pipe has data, a child may have exited, or a deadline passes."""
        fds = [s.read_fd for s in running if s.read_fd is not None]
        now = time.monotonic()
        wait = min([s.deadline for s in running], default=now) - now
        # A child that closed its pipe is polled for its exit often; otherwise
        # rarely, in case a grandchild holds the pipe open after the exit.
        wait = min(wait, 0.005 if len(fds) < len(running) else 0.05)
        if fds:
            select.select(fds, [], [], max(wait, 0.0))
        elif wait > 0:
            time.sleep(wait)

    def cleanup(self) -> None:
        shutil.rmtree(self.tmpdir, ignore_errors=True)


# --------------------------------------------------------------- main


def _protocol_writer() -> IO[str]:
    """Keep the original stdout for the protocol and send fd 1 to stderr."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    return protocol


def _environment(missing: list[str], request: dict[str, Any]) -> dict[str, Any]:
    """The ``environment`` message; best effort: a broken metadata store must not stop us."""
    try:
        described: dict[str, Any] = _load_helper("environment").describe(
            missing, list(request.get("package_tops", [])), list(request.get("project_names", []))
        )
    except Exception as exc:  # reported; the auditor classifies without it
        return {"event": "environment", "error": f"{type(exc).__name__}: {child.text_of(exc)}"}
    return described


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(143)


def main() -> int:
    # ``python _worker.py`` puts this folder first on sys.path; it must not
    # shadow the project's modules (we have files called result.py...).
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    if not hasattr(sys, "addaudithook"):  # before 3.8: the write guard cannot work
        version = sys.version.split()[0]
        sys.stderr.write(f"the import check needs Python 3.8 or later, not {version}\n")
        return 64  # checker.UNSUPPORTED_INTERPRETER
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        spec = json.loads(sys.argv[2])
        child.die_with_parent()
        child_guard = guard.WriteGuard(**spec["guard"])
        sys.addaudithook(child_guard)
        child_guard.attach(spec["log"], spec["watched"])
        child.run_child(spec["module"], int(spec["fd"]), spec["fault"], float(spec["deadline"]),
                        float(spec["timeout"]), list(spec["roots"]),
                        spec.get("lookups"))  # fmt: skip
    request = json.loads(sys.stdin.readline())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    protocol = _protocol_writer()

    def emit(**message: Any) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    signal.signal(signal.SIGTERM, _on_sigterm)
    roots = list(request.get("import_roots", []))
    scratch = str(request.get("scratch") or tempfile.mkdtemp(prefix="audit-imports-"))
    # The worker itself (and so every preload) runs in scratch too, behind the guard.
    guard.enter_scratch(guard.scratch_places(os.path.join(scratch, "worker")))
    write_guard = guard.WriteGuard(
        str(request["project_root"]),
        [*request.get("allowed", []), scratch, sys.prefix],
        roots,
    )
    sys.addaudithook(write_guard)
    timeout = float(request["timeout"])
    mode = request.get("mode", "fork")
    if mode == "fork" and not hasattr(os, "fork"):
        mode = "fresh"
    loaded = 0
    if mode == "fork":
        loaded = warm.preload(
            list(request.get("preload_candidates", [])),
            list(request.get("preload", [])),
            timeout,
            emit,
        )
        unloaded = warm.forget_project_modules(list(request.get("package_tops", [])))
        if unloaded:
            emit(event="unloaded", modules=unloaded)
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()  # keep the children from copying every page the collector touches
    emit(
        event="ready",
        mode=mode,
        preloaded=loaded,
        threads=warm.thread_count(),
        python=sys.executable,
        version=sys.version.split()[0],
    )
    workers = int(request.get("workers") or os.cpu_count() or 1)
    recheck = mode == "fork" and bool(request.get("recheck", True))
    suspects: list[dict[str, Any]] = []
    missing: set[str] = set()

    def on_result(result: dict[str, Any]) -> None:
        if result.get("missing"):
            missing.add(str(result["missing"]).split(".")[0])
        if recheck and result["error_type"] in ("Timeout", "Crash"):
            # Maybe the fork's fault, not the module's: confirm in a fresh interpreter.
            suspects.append(result)
            emit(event="suspect", module=result["module"], error_type=result["error_type"])
        else:
            emit(event="result", **result)

    runner = Runner(mode, timeout, workers, roots, on_result, write_guard,
                    request.get("lookups"))
    try:
        runner.run(list(request["modules"]), protocol.fileno())
    finally:
        runner.cleanup()
    if suspects:
        after_fork = {r["module"]: r["error_type"] for r in suspects}

        def on_recheck(result: dict[str, Any]) -> None:
            emit(event="result", after_fork=after_fork[result["module"]], **result)

        fresh = Runner("fresh", timeout, workers, roots, on_recheck, write_guard)
        try:
            fresh.run([r["module"] for r in suspects], protocol.fileno())
        finally:
            fresh.cleanup()
    if missing:
        emit(**_environment(sorted(missing), request))
    emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
