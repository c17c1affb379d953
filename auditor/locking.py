"""Advisory locks between audits of one project: the output folder, the mutation stage.

Two audits of the same project must not write the same report folder or the
same ``.audit/mutation`` stage at once. Each such resource has a lock file
under ``.audit/locks/``; an audit holds an exclusive :func:`fcntl.flock` on
it for as long as it uses the resource. The kernel releases the lock when the
holder's process ends, however it ends (a crash or ``kill -9`` included), so a
dead audit never blocks the next one and there is nothing to clean up.

The holder writes who it is (pid, command line, start time) into the lock
file, so that a second audit can name it: either it fails at once with exit
code 2 (the default: CI learns of the clash immediately), or, with
``--wait``, it says on stderr whom it waits for and blocks until the lock is
free.

The lock file descriptors are not inherited by the suites and tools we start
(Python opens files non-inheritable), so an orphaned pytest of a killed audit
holds no lock either.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from auditor.errors import UsageError

LOCKS_DIR_NAME = "locks"
_HOLDER_READ_ATTEMPTS = 20  # the holder writes its info right after locking
_HOLDER_READ_PAUSE = 0.05


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as written into the lock file by the holder."""

    pid: int
    command: str
    since: str  # ISO-8601, UTC, seconds

    def describe(self) -> str:
        return f"pid {self.pid}, `{self.command}`, since {self.since}"


class LockBusyError(UsageError):
    """Another audit holds the lock and we were asked not to wait (exit code 2)."""


def tell_on_stderr(message: str) -> None:
    """The default ``on_wait``: one line on stderr (stdout may be a report someone parses)."""
    print(f"audit: {message}", file=sys.stderr, flush=True)


def this_process() -> Holder:
    """The current audit, as it names itself in the locks it holds."""
    return Holder(
        pid=os.getpid(),
        command=shlex.join(["audit", *sys.argv[1:]]),
        since=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def lock_path(state_dir: Path, name: str) -> Path:
    """The lock file ``name`` in the project's ``.audit/locks/``."""
    return state_dir / LOCKS_DIR_NAME / f"{name}.lock"


def output_lock_path(state_dir: Path, output: Path) -> Path:
    """The lock of one output folder (named by a hash of its resolved path)."""
    digest = hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:16]
    return lock_path(state_dir, f"output-{digest}")


def read_holder(path: Path) -> Holder | None:
    """The holder recorded in a lock file, or None if it says nothing readable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(pid=int(data["pid"]), command=str(data["command"]),
                      since=str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _current_holder(path: Path) -> Holder | None:
    # The holder locks first and writes its name just after: give it a moment.
    for _ in range(_HOLDER_READ_ATTEMPTS):
        holder = read_holder(path)
        if holder is not None:
            return holder
        time.sleep(_HOLDER_READ_PAUSE)
    return None


def _record(fd: int, holder: Holder) -> None:
    payload = json.dumps({"pid": holder.pid, "command": holder.command,
                          "since": holder.since}).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, payload + b"\n", 0)


@contextmanager
def hold(
    path: Path,
    what: str,
    wait: bool,
    on_wait: Callable[[str], None],
) -> Iterator[Holder]:
    """Hold the exclusive lock ``path`` on ``what`` (e.g. "the output folder X").

    When another audit holds it: with ``wait`` False raise :class:`LockBusyError`
    naming the holder; with ``wait`` True call ``on_wait`` once with a sentence
    naming the holder, then block until the lock is free.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if not _try_lock(fd):
            holder = _current_holder(path)
            named = holder.describe() if holder else "holder unknown"
            if not wait:
                raise LockBusyError(
                    f"{what} is in use by another audit ({named}); "
                    f"pass --wait to wait for it (lock: {path})"
                )
            on_wait(f"waiting for {what}, in use by another audit ({named})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        me = this_process()
        _record(fd, me)
        try:
            yield me
        finally:
            # Say nothing stale about a holder that is gone; closing releases the lock.
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)
