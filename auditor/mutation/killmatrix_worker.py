"""Kill-matrix worker: runs in the project's interpreter, cwd = ``mutants/``.

It imports nothing from the auditor. For each mutant of the job file it
forks, activates the mutant (``MUTANT_UNDER_TEST``), and runs *all* the
tests covering it - without stopping at the first failure, unlike mutmut -
recording each test that starts and each test that fails. A mutant whose
tests run past the wall limit is killed; the test that was running then is
the one that noticed (it hung), and the tests that had not started yet are
run again, in a new child under the same limit, until each covering test has
a verdict (without this, a mutant that makes one test hang left every later
test unjudged: a lost kill could make another test look unique, or a test
look as if it killed nothing). One JSON line per mutant goes to the output.
Usage: ``python killmatrix_worker.py JOB.json OUT.jsonl``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from typing import Any


class _Recorder:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def _emit(self, kind: str, nodeid: str) -> None:
        os.write(self.fd, (json.dumps([kind, nodeid]) + "\n").encode())

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._emit("start", nodeid)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self._emit("fail", report.nodeid)
        if report.when == "teardown":
            self._emit("end", report.nodeid)


def _child(mutant: str, tests: list[str], fd: int, memory_mb: int, cpu_limit: int) -> None:
    os.environ["MUTANT_UNDER_TEST"] = mutant
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 1))
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    import pytest

    # the stage's plugin (auditor/mutation/worker_plugin.py) keeps the tests in this
    # process when the project's addopts ask for xdist (-n): the recorder is here
    args = ["--rootdir=.", "-q", "-p", "audit_mutmut_plugin", "-p", "no:cacheprovider",
            "-p", "no:randomly", *tests]
    code = pytest.main(args, plugins=[_Recorder(fd)])
    os._exit(int(code) if int(code) < 256 else 1)


def _collect(path: str) -> tuple[list[str], list[str], list[str]]:
    started, failed, ended = [], [], set()
    with open(path, encoding="utf-8") as f:
        for raw in f:
            try:
                kind, nodeid = json.loads(raw)
            except ValueError:
                continue  # a line cut short by a kill
            if kind == "start":
                started.append(nodeid)
            elif kind == "fail" and nodeid not in failed:
                failed.append(nodeid)
            elif kind == "end":
                ended.add(nodeid)
    hung = [t for t in started if t not in ended]
    return failed, hung, started


def main(job_path: str, out_path: str) -> int:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    sys.path[:0] = [os.path.abspath("."), os.path.abspath("src")]
    workers = max(1, int(job.get("workers", 1)))
    memory_mb = int(job.get("memory_limit_mb", 0))
    # pytest's start (imports, collection, conftest) is limited apart: a loaded
    # machine must not eat the mutant's own limit before its first test starts
    start_limit = float(job.get("start_limit", 60.0))
    queue = list(job["mutants"])
    next_index = len(queue)
    kills: dict[str, list[str]] = {}  # mutant id -> killers found by earlier children
    # pid -> (item, trace file, when the child was forked, when its first test started)
    running: dict[int, tuple[dict[str, Any], str, float, float | None]] = {}
    with open(out_path, "a", encoding="utf-8") as out:
        while queue or running:
            while queue and len(running) < workers:
                item = queue.pop(0)
                trace = f"{out_path}.{item['index']}.trace"
                fd = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                pid = os.fork()
                if pid == 0:
                    try:
                        _child(item["id"], item["tests"], fd, memory_mb, int(item["cpu_limit"]))
                    finally:
                        os._exit(1)
                os.close(fd)
                running[pid] = (item, trace, time.monotonic(), None)
            time.sleep(0.005)
            for pid, (item, trace, forked, first) in list(running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                timed_out = False
                if done == 0:
                    now = time.monotonic()
                    if first is None and os.path.getsize(trace) > 0:  # a test started
                        first = now
                        running[pid] = (item, trace, forked, first)
                    if first is None:
                        deadline = forked + start_limit
                    else:
                        deadline = first + float(item["wall_limit"])
                    if now < deadline:
                        continue
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    timed_out = True
                del running[pid]
                failed, hung, started = _collect(trace)
                os.unlink(trace)
                killers = kills.pop(item["id"], [])
                killers += [t for t in failed if t not in killers]
                if timed_out:
                    killers += [t for t in hung if t not in killers]
                    rest = [t for t in item["tests"] if t not in started]
                    if started and rest:
                        # the rest never ran: judge them in a child of their own
                        kills[item["id"]] = killers
                        again = {**item, "index": next_index, "tests": rest}
                        queue.insert(0, {**again, "timed_out_before": True})
                        next_index += 1
                        continue
                record = {
                    "id": item["id"],
                    "killed_by": killers,
                    "timed_out": timed_out or bool(item.get("timed_out_before")),
                    "exit_code": None if timed_out else os.waitstatus_to_exitcode(status),
                }
                out.write(json.dumps(record) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
