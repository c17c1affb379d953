"""One scratch folder per audit: ``.audit/runs/<id>/``.

The single test run writes its event stream, pytest's log and coverage's
data files into the audit's run folder. Two audits of one project at the
same time used to share ``.audit/run/`` and read each other's tests; now
each has its own folder, named so that names sort by start time
(``20261201T094512-4242-9f3c``: UTC time, pid, random).

A running audit holds an :func:`fcntl.flock` on ``<folder>/.lock``; the lock
dies with the process. When a new audit starts it removes the folders of
finished or killed audits (their lock is free), except the newest
:data:`KEEP_FINISHED` ones: the error message of a failed run points to its
``pytest.log``, which must still be there when the user looks. An
interrupted audit removes its own folder (its files are partial).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RUNS_DIR_NAME = "runs"
LOCK_NAME = ".lock"
KEEP_FINISHED = 3
"""Finished run folders kept for their logs (the newest ones)."""
_GRACE_SECONDS = 30.0
"""A folder younger than this is never pruned: its audit may be between creating
the folder and locking it."""


def _new_name() -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return f"{stamp}-{os.getpid()}-{secrets.token_hex(2)}"


def _is_finished(folder: Path) -> tuple[bool, int | None]:
    """(finished?, an fd holding its lock when finished) for one run folder."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return True, None  # never locked (or its lock file is gone): nobody owns it
    except OSError:
        return False, None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False, None
    return True, fd


def prune_runs(runs_dir: Path, keep: int = KEEP_FINISHED) -> list[Path]:
    """Remove the folders of finished or killed audits but the newest ``keep``; return them."""
    if not runs_dir.is_dir():
        return []
    now = time.time()
    finished: list[tuple[Path, int | None]] = []
    for folder in sorted(runs_dir.iterdir(), reverse=True):
        if not folder.is_dir():
            continue
        try:
            young = now - folder.stat().st_mtime < _GRACE_SECONDS
        except FileNotFoundError:
            continue  # another audit pruned it just now
        if young:
            continue
        done, fd = _is_finished(folder)
        if done:
            finished.append((folder, fd))
    removed = []
    for index, (folder, fd) in enumerate(finished):
        try:
            if index >= keep:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


@contextmanager
def run_folder(state_dir: Path) -> Iterator[Path]:
    """A fresh run folder for this audit, locked while the audit runs.

    Older finished folders are pruned first. On KeyboardInterrupt (Ctrl-C or
    SIGTERM) the folder is removed: what it holds is partial.
    """
    runs_dir = state_dir / RUNS_DIR_NAME
    runs_dir.mkdir(parents=True, exist_ok=True)
    prune_runs(runs_dir)
    folder = runs_dir / _new_name()
    folder.mkdir()
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # nobody else knows this folder: never blocks
        try:
            yield folder
        except KeyboardInterrupt:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
