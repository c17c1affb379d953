"""Import each module of a project in isolation, inside the project's own interpreter.

This file runs as a standalone script (``python _worker.py``) in the
interpreter of the code under audit, which may be another virtualenv than
the auditor's, so it uses the standard library only and keeps to Python 3.8
syntax. It never imports anything of :mod:`auditor`.

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

import contextlib
import faulthandler
import gc
import importlib
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import IO, Any


def _load_helper(name: str) -> Any:
    """A helper script of this folder, loaded from its file (this script is not a package)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"_{name}.py")
    spec = importlib.util.spec_from_file_location(f"_test_auditor_worker_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


guard = _load_helper("guard")

MESSAGE_LIMIT = 2000
WRITES_PER_MODULE = 20
_FAULT_FRAME = re.compile(r'^\s*File "(?P<path>.+)", line (?P<line>\d+)')


# --------------------------------------------------------------- the child


def _user_frame(
    frames: list[traceback.FrameSummary], roots: list[str]
) -> traceback.FrameSummary | None:
    """The innermost frame in the project's code (under an import root), if any."""
    for frame in reversed(frames):
        if any(_is_under(frame.filename, root) for root in roots):
            return frame
    return None


def _is_under(path: str, root: str) -> bool:
    path = os.path.abspath(path)
    root = os.path.abspath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _describe_exception(exc: BaseException, roots: list[str]) -> dict[str, Any]:
    """error_type, message, path and line of an exception raised by an import."""
    if isinstance(exc, SystemExit):
        return {
            "error_type": "SystemExit",
            "message": f"sys.exit({exc.code!r}) called during import",
            **_location(exc, roots),
        }
    error_type = type(exc).__name__
    if type(exc).__module__ not in ("builtins", "__main__"):
        error_type = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if isinstance(exc, SyntaxError):
        return {
            "error_type": error_type,
            "message": str(exc.msg),
            "path": exc.filename or "",
            "line": exc.lineno,
        }
    message = _text_of(exc)
    described = {"error_type": error_type, "message": message[:MESSAGE_LIMIT],
                 **_location(exc, roots)}  # fmt: skip
    if isinstance(exc, ImportError):
        # The module that was not found, or the one a name was not found in.
        described["missing"] = exc.name if isinstance(exc.name, str) else ""
        described["not_found"] = isinstance(exc, ModuleNotFoundError)
    return described


def _text_of(exc: BaseException) -> str:
    """``str(exc)``, even when the exception's own ``__str__`` is broken."""
    try:
        return str(exc) or repr(exc)
    except Exception as broken:  # a finding about the module, not a worker failure
        return f"<{type(exc).__name__}: str() raised {type(broken).__name__}>"


def _location(exc: BaseException, roots: list[str]) -> dict[str, Any]:
    """Where it was raised: the innermost project frame; and whether library code raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    frame = _user_frame(frames, roots) or (frames[-1] if frames else None)
    if frame is None:
        return {"path": "", "line": None}
    raised_at = frames[-1].filename
    in_library = not any(_is_under(raised_at, root) for root in roots)
    return {"path": frame.filename, "line": frame.lineno, "raised_in_library": in_library,
            "raised_at": raised_at}  # fmt: skip


def _redirect_std_fds() -> None:
    """Point fds 0, 1 and 2 at /dev/null: child noise must go nowhere."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def _die_with_parent() -> None:
    """Best effort (Linux): a child dies with its parent instead of hanging on."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def run_child(
    module: str, result_fd: int, fault_path: str, deadline: float, timeout: float, roots: list[str]
) -> None:
    """Import ``module`` and write one JSON line to ``result_fd``. Never returns."""
    status = 0
    try:
        sys.argv = ["-c"]
        # Left open on purpose: faulthandler writes to it until os._exit.
        fault_file = open(fault_path, "w")  # noqa: SIM115
        faulthandler.enable(fault_file)
        # Dump the stack shortly before the parent's kill, so a hang has a location.
        # ``deadline`` is on the parent's clock (CLOCK_MONOTONIC is system-wide).
        dump_at = deadline - min(0.5, 0.25 * timeout) - time.monotonic()
        faulthandler.dump_traceback_later(max(dump_at, 0.001), file=fault_file)
        report: dict[str, Any] = {"module": module}
        start = time.perf_counter()
        try:
            importlib.import_module(module)
        except BaseException as exc:  # every way an import can fail is a finding
            report.update(ok=False, **_describe_exception(exc, roots))
            report["blocked_write"] = guard.blocked_by_guard(exc)
        else:
            report.update(ok=True, error_type="", message="", path="", line=None)
        report["seconds"] = time.perf_counter() - start
        faulthandler.cancel_dump_traceback_later()
        data = (json.dumps(report) + "\n").encode()
        while data:
            data = data[os.write(result_fd, data) :]
    except BaseException:  # e.g. the module closed our pipe; parent sees no result
        status = 70
    finally:
        os._exit(status)


# --------------------------------------------------------------- the parent


class Slot:
    """One running child: its process, result pipe and deadline."""

    def __init__(
        self,
        module: str,
        pid: int,
        read_fd: int,
        base: str,
        deadline: float,
        timeout: float,
        popen: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.module = module
        self.pid = pid
        self.read_fd: int | None = read_fd
        self.base = base  # the child's scratch folder: cwd/, home/, tmp/, its fault and write logs
        self.places = {p: os.path.join(base, p) for p in ("cwd", "home", "tmp")}
        self.fault_path = os.path.join(base, "fault")
        self.writes_log = os.path.join(base, "writes.log")
        self.started = deadline - timeout
        self.deadline = deadline
        self.popen = popen
        self.buffer = b""

    def poll(self) -> int | None:
        """The raw wait status (fork) or returncode (fresh) once exited, else None."""
        if self.popen is not None:
            return self.popen.poll()
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        return status if pid else None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        if self.popen is not None:
            self.popen.kill()
            self.popen.wait()
        else:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)

    def drain(self) -> bool:
        """Read what the pipe holds; True at end of file."""
        if self.read_fd is None:
            return True
        while True:
            try:
                chunk = os.read(self.read_fd, 65536)
            except BlockingIOError:
                return False
            if not chunk:
                os.close(self.read_fd)
                self.read_fd = None
                return True
            self.buffer += chunk

    def close(self) -> None:
        if self.read_fd is not None:
            os.close(self.read_fd)
            self.read_fd = None


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
    ) -> None:
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
                    _die_with_parent()
                    _redirect_std_fds()
                    guard.enter_scratch(places)
                    self.write_guard.attach(writes_log, watched)
                finally:
                    run_child(module, write_fd, fault_path, deadline, self.timeout, self.roots)
            os.close(write_fd)
            popen = None
        else:
            child = {
                "module": module, "fd": write_fd, "fault": fault_path, "deadline": deadline,
                "timeout": self.timeout, "roots": self.roots, "log": writes_log,
                "watched": watched, "guard": self.write_guard.settings(),
            }  # fmt: skip
            popen = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--child", json.dumps(child)],
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
        report["writes"] = _writes_of(slot)
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
                return _signal_text(os.WTERMSIG(status))
            return f"the interpreter exited with status {os.WEXITSTATUS(status)} during the import"
        if status < 0:
            return _signal_text(-status)
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
            if any(_is_under(match.group("path"), root) for root in self.roots):
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
                        _kill_group(slot.pid)  # anything the module left running
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


# Bookkeeping a module does inside its own scratch folders: not worth a finding.
_QUIET_ACTIONS = frozenset({
    "os.mkdir", "os.chmod", "os.chown", "os.utime", "os.remove", "os.rmdir", "shutil.rmtree",
})  # fmt: skip


def _writes_of(slot: Slot) -> list[dict[str, Any]]:
    """What one child wrote: the guard's log, then files it left in scratch (C code...)."""
    writes: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    logged = guard.read_log(slot.writes_log)
    listed = guard.created_files(slot.places, WRITES_PER_MODULE)
    for entry in logged + listed:
        if not entry["blocked"] and entry["action"] in _QUIET_ACTIONS:
            continue
        key = (entry["where"], entry["path"].rstrip(os.sep))
        if key in seen:
            continue
        seen.add(key)
        writes.append(entry)
    return writes[:WRITES_PER_MODULE]


def _signal_text(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    description = signal.strsignal(number) if hasattr(signal, "strsignal") else None
    suffix = f" ({description})" if description else ""
    return f"the interpreter was killed by {name}{suffix}"


def _kill_group(pid: int) -> None:
    if not hasattr(os, "killpg"):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# --------------------------------------------------------------- preload


class _PreloadTimeout(BaseException):
    """Raised by the alarm when preloading one module takes too long."""


def _library_dirs() -> list[str]:
    """Where the standard library and installed distributions live."""
    paths = sysconfig.get_paths()
    dirs = [paths.get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    if hasattr(site, "getsitepackages"):  # missing in old virtualenv's site.py
        dirs.extend(site.getsitepackages())
    user_site = getattr(site, "getusersitepackages", lambda: "")()
    dirs.append(user_site)
    return [d for d in dirs if d]


def is_library_module(name: str, library_dirs: list[str]) -> bool:
    """True when the top-level package of ``name`` is stdlib or installed, not project code.

    Only the top-level name is looked up: ``find_spec`` of a dotted name would
    import its parents, which is exactly what must not happen here.
    """
    top = name.split(".")[0]
    if top in sys.builtin_module_names:
        return True
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    locations = list(spec.submodule_search_locations or []) or [spec.origin or ""]
    return all(loc and any(_is_under(loc, d) for d in library_dirs) for loc in locations)


def preload(
    candidates: list[str], explicit: list[str], timeout: float, emit: Callable[..., None]
) -> int:
    """Import the library modules the packages need; return how many imported."""
    library_dirs = _library_dirs()
    loaded = 0
    use_alarm = hasattr(signal, "setitimer")
    previous = None
    if use_alarm:

        def on_alarm(signum: int, frame: Any) -> None:
            raise _PreloadTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for name in candidates + [m for m in explicit if m not in candidates]:
            if name in sys.modules:
                continue
            if name not in explicit and not is_library_module(name, library_dirs):
                continue
            emit(event="preloading", module=name)
            start = time.perf_counter()
            error = ""
            try:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    importlib.import_module(name)
                finally:
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
            except _PreloadTimeout:
                error = "Timeout"
            except BaseException as exc:  # a failed preload is only slower
                error = type(exc).__name__
            else:
                loaded += 1
            emit(
                event="preloaded",
                module=name,
                ok=not error,
                error=error,
                seconds=time.perf_counter() - start,
            )
    finally:
        if use_alarm:
            signal.signal(signal.SIGALRM, previous or signal.SIG_DFL)
    return loaded


def _forget_project_modules(tops: list[str]) -> list[str]:
    """Drop modules of the packages that a preloaded library imported.

    Every child would otherwise start with them imported, which hides their
    import errors. The library keeps its references; children import afresh.
    """
    names = [n for n in sys.modules if n.split(".")[0] in tops]
    for name in names:
        del sys.modules[name]
    return sorted(names)


def _thread_count() -> int:
    """OS threads of this process (C libraries start threads Python cannot see)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


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
        return {"event": "environment", "error": f"{type(exc).__name__}: {_text_of(exc)}"}
    return described


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(143)


def main() -> int:
    # ``python _worker.py`` puts this folder first on sys.path; it must not
    # shadow the project's modules (we have files called result.py...).
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child = json.loads(sys.argv[2])
        _die_with_parent()
        child_guard = guard.WriteGuard(**child["guard"])
        sys.addaudithook(child_guard)
        child_guard.attach(child["log"], child["watched"])
        run_child(child["module"], int(child["fd"]), child["fault"], float(child["deadline"]),
                  float(child["timeout"]), list(child["roots"]))  # fmt: skip
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
        loaded = preload(
            list(request.get("preload_candidates", [])),
            list(request.get("preload", [])),
            timeout,
            emit,
        )
        unloaded = _forget_project_modules(list(request.get("package_tops", [])))
        if unloaded:
            emit(event="unloaded", modules=unloaded)
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()  # keep the children from copying every page the collector touches
    emit(
        event="ready",
        mode=mode,
        preloaded=loaded,
        threads=_thread_count(),
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

    runner = Runner(mode, timeout, workers, roots, on_result, write_guard)
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
