"""The import worker's children as the parent sees them: a running child, what it wrote.

Loaded by ``_worker.py`` from its file (stdlib only, Python 3.8+), in the
project's interpreter; ``guard`` (``_guard.py``) is set on this module by the
loader once it is loaded. :class:`Slot` is one child (forked or fresh) with its
result pipe and deadline; the functions turn its end into words: the writes it
made, the signal that killed it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any

guard: Any = None  # _guard.py, set by _worker.py's loader (used at call time only)

WRITES_PER_MODULE = 20


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


# Bookkeeping a module does inside its own scratch folders: not worth a finding.
_QUIET_ACTIONS = frozenset({
    "os.mkdir", "os.chmod", "os.chown", "os.utime", "os.remove", "os.rmdir", "shutil.rmtree",
})  # fmt: skip


def writes_of(slot: Slot) -> list[dict[str, Any]]:
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


def signal_text(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    description = signal.strsignal(number) if hasattr(signal, "strsignal") else None
    suffix = f" ({description})" if description else ""
    return f"the interpreter was killed by {name}{suffix}"


def kill_group(pid: int) -> None:
    if not hasattr(os, "killpg"):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
