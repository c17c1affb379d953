"""Running ``audit`` as a real background process, and meeting it from a fixture test.

The concurrency and signal tests need to act while an audit is in the middle
of its test run. The fixture suites do that with :data:`MEETING_TEST`: a test
that announces itself by writing its pid into a file in a *meeting folder*
(outside the project, so the tree stays byte-identical) and then waits for
other files to appear there. The test process watches the folder, so nothing
depends on sleeping "long enough".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.projects import REPO_ROOT, AuditRun

MEETING_ENV = "AUDIT_FAULT_MEETING"
RUN_NAME_ENV = "AUDIT_FAULT_RUN"

MEETING_TEST = """
import os
import pathlib
import time


def test_meets_the_others():
    meeting = pathlib.Path(os.environ["AUDIT_FAULT_MEETING"])
    name = os.environ.get("AUDIT_FAULT_RUN", "run")
    (meeting / f"started-{name}").write_text(str(os.getpid()))
    wanted = os.environ.get("AUDIT_FAULT_WAIT_FOR", "release").split(",")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all((meeting / w).exists() for w in wanted):
            return
        time.sleep(0.05)
    raise AssertionError(f"nobody came: {wanted}")
"""


def start_audit(
    *args: str | Path,
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
    new_session: bool = False,
) -> subprocess.Popen[str]:
    """Start ``python -m auditor ARGS`` in the background, output captured.

    ``new_session``: the audit leads its own process group, so that a test
    can signal that group the way a terminal's Ctrl-C does.
    """
    full_env = dict(os.environ)
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.update(env or {})
    return subprocess.Popen(
        [*(prefix or []), sys.executable, "-m", "auditor", *map(str, args)],
        cwd=REPO_ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


def finish(process: subprocess.Popen[str], timeout: float = 180) -> AuditRun:
    """Wait for a started audit and collect its outcome."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"audit did not finish in {timeout} s; stderr: {err}") from None
    return AuditRun(process.returncode, out, err)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120,
               process: subprocess.Popen[str] | None = None) -> None:
    """Poll ``condition``; fail naming ``what`` (and the audit's stderr if it ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"audit ended (exit {process.returncode}) before {what}: {err}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def started_pid(meeting: Path, name: str = "run", timeout: float = 30) -> int:
    """The pid of the pytest process whose meeting test announced ``name``.

    The announcing process creates the file and then writes its pid: a
    watcher can see the file while it is still empty (it did, on a loaded
    machine), so an empty file is read again until the pid is there.
    """
    announced = meeting / f"started-{name}"
    deadline = time.monotonic() + timeout
    while not (text := announced.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return int(text)


def is_alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def no_traceback(run: AuditRun) -> bool:
    return "Traceback" not in run.stderr and "Traceback" not in run.stdout
