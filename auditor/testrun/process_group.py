"""Stopping a test run and everything it started.

Every suite run of ours starts in its own session (``start_new_session``), so
its process group holds pytest and whatever the tests started. Stopping the
run means stopping the group: a hanging test's children must not outlive
the audit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

TERM_GRACE_SECONDS = 5.0


def stop_process_group(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGTERM the group, give it a few seconds, then SIGKILL whatever is left.

    SIGTERM first, so coverage and pytest can end cleanly; SIGKILL after it
    for a child that ignores SIGTERM or one the suite started and forgot.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=TERM_GRACE_SECONDS)
    kill_process_group(process.pid)
    process.wait()


def kill_process_group(pgid: int) -> None:
    """SIGKILL what is left of a group whose leader has ended (nothing left: no-op)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
