"""Many real client processes that start together, forked from one interpreter.

The concurrency tests of the PostgreSQL history start 16 writers (or schema
creators) at once. Sixteen ``python -c`` processes each paid an interpreter
start and the import of the history code and psycopg (about 0.25 s of CPU
each, 48 of them in the schema race): more than the race itself. Here one
interpreter imports all that once and forks the clients. Each is still its
own process with its own connection to the server (none is opened before the
fork), running the same client script with its own ``sys.argv``; the scripts
are unchanged.

The start is a barrier: every child's stdin is the read end of one pipe, so
its ``sys.stdin.readline()`` ("start together") returns only when the parent
closes the write end, after the last fork: all clients are up before any
touches the server (the separate processes were told "go" one after another).
Each child's stdout and stderr go to files of its own; the parent waits for
them all and prints one ``index exit-code`` line per child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from tests.support.projects import REPO_ROOT

FORKER = textwrap.dedent(
    """
    import json
    import os
    import sys
    import traceback

    # What the clients import, imported once before the fork.
    import psycopg  # noqa: F401
    import auditor.history  # noqa: F401
    import auditor.history.backends  # noqa: F401
    import auditor.history.url  # noqa: F401
    import tests.history.builders  # noqa: F401

    script, folder, runs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    code = compile(script, "<client>", "exec")
    start_read, start_write = os.pipe()
    pids = []
    for index, argv in enumerate(runs):
        pid = os.fork()
        if pid == 0:
            os.close(start_write)
            os.dup2(start_read, 0)
            for fd, name in ((1, "out"), (2, "err")):
                target = os.open(f"{folder}/{index}.{name}", os.O_WRONLY | os.O_CREAT, 0o644)
                os.dup2(target, fd)
                os.close(target)
            sys.argv = ["-c", *argv]
            status = 0
            try:
                exec(code, {"__name__": "__main__"})
            except SystemExit as stop:  # sys.exit(): None is success, a message failure
                status = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
            except BaseException:
                traceback.print_exc()
                status = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        pids.append(pid)
    os.close(start_read)
    os.close(start_write)  # every child is up: go
    for index, pid in enumerate(pids):
        _, wait_status = os.waitpid(pid, 0)
        print(index, os.waitstatus_to_exitcode(wait_status), flush=True)
    """
)


@dataclass
class Client:
    """One forked client's exit code and output."""

    returncode: int
    stdout: str
    stderr: str


def run_together(script: str, argvs: list[list[str]], folder: Path,
                 timeout: float = 600) -> list[Client]:
    """Run ``script`` once per argument list, all in forked processes started together."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", FORKER, script, str(folder), json.dumps(argvs)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert done.returncode == 0, done.stderr
    codes = dict(line.split() for line in done.stdout.splitlines())
    assert sorted(codes, key=int) == [str(i) for i in range(len(argvs))], done.stdout
    return [
        Client(int(codes[str(i)]), (folder / f"{i}.out").read_text(),
               (folder / f"{i}.err").read_text())
        for i in range(len(argvs))
    ]
