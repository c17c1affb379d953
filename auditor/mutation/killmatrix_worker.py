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

The children share one collection (:mod:`auditor.mutation.stage_session`):
a session process collects the covering tests of every mutant once, and
each child is a fork of it. The mutants of a function that ran during the
collection, or with a test the collection lacks, and every mutant when the
session cannot collect, go the fresh way: a child of this process calls
``pytest.main`` with the mutant's tests. Both ways follow one plan
(:func:`_plan`); a mutant the session did not finish is run the fresh way.
Usage: ``python killmatrix_worker.py JOB.json OUT.jsonl``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import sys
import time
from collections.abc import Generator
from typing import Any


def _load(name: str) -> Any:
    """A module next to this script, under a name no project module has."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"audit_{name}", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file is next to us
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


stage = _load("stage_session")


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


def _pytest_args(tests: list[str]) -> list[str]:
    # the stage's plugin (auditor/mutation/worker_plugin.py) keeps the tests in this
    # process when the project's addopts ask for xdist (-n): the recorder is here
    return ["--rootdir=.", "-q", "-p", "audit_mutmut_plugin", "-p", "no:cacheprovider",
            "-p", "no:randomly", *tests]


def _enter(mutant: str, memory_mb: int, cpu_limit: int) -> None:
    """Set up one mutant's child in its own process, before its tests run."""
    os.environ["MUTANT_UNDER_TEST"] = mutant
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 1))
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))


def _exit_code(code: int) -> int:
    return int(code) if int(code) < 256 else 1


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


def _plan(
    mutants: list[dict[str, Any]], job: dict[str, Any], out_path: str
) -> Generator[tuple[dict[str, Any], int], int, None]:
    """Every mutant's covering tests, ``workers`` children at a time; yields (item, trace fd)
    per child and gets its pid back."""
    workers = max(1, int(job.get("workers", 1)))
    # pytest's start (imports, collection, conftest) is limited apart: a loaded
    # machine must not eat the mutant's own limit before its first test starts
    start_limit = float(job.get("start_limit", 60.0))
    queue = list(mutants)
    next_index = max((int(m["index"]) for m in job["mutants"]), default=0) + 1
    kills: dict[str, list[str]] = {}  # mutant id -> killers found by earlier children
    # pid -> (item, trace file, when the child was forked, when its first test started)
    running: dict[int, tuple[dict[str, Any], str, float, float | None]] = {}
    with open(out_path, "a", encoding="utf-8") as out:
        while queue or running:
            while queue and len(running) < workers:
                item = queue.pop(0)
                trace = f"{out_path}.{item['index']}.trace"
                fd = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                pid = yield item, fd
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


def _fresh(memory_mb: int) -> Any:
    """A mutant's child the fresh way: its own ``pytest.main`` (a child of the main process)."""

    def child(request: tuple[dict[str, Any], int]) -> None:
        item, fd = request
        stage.silence()
        _enter(item["id"], memory_mb, int(item["cpu_limit"]))
        import pytest

        code = pytest.main(_pytest_args(item["tests"]), plugins=[_Recorder(fd)])
        os._exit(_exit_code(int(code)))

    return child


def _session(job: dict[str, Any], out_path: str, ready: int, parent: int) -> None:
    """The session process: collect every mutant's tests once, serve the mutants it can share."""
    stage.silence()
    stage.watch_collection()
    import pytest

    memory_mb = int(job.get("memory_limit_mb", 0))
    recorder = _Recorder(-1)  # each child's trace file, once forked

    def serve(session: Any) -> Any:
        os.write(ready, b"c")
        os.close(ready)
        shared = [
            m for m in job["mutants"]
            if session.shareable(m["id"].rsplit("__mutmut_", 1)[0], m["tests"])
        ]
        if not shared:
            return None
        plan = _plan(shared, job, out_path)
        return stage.drive(plan, parent=parent, before_fork=session.warm_up)

    def prepare(request: tuple[dict[str, Any], int]) -> list[str]:
        item, recorder.fd = request
        _enter(item["id"], memory_mb, int(item["cpu_limit"]))
        return list(item["tests"])

    plugin = stage.Session(serve, prepare, f"{out_path}.imports")
    tests = sorted({t for m in job["mutants"] for t in m["tests"]})
    code = pytest.main(_pytest_args(tests), plugins=[plugin, recorder])
    if plugin.request is not None:  # a mutant's child: its tests have run
        plugin.note_imports()
        os._exit(_exit_code(int(code)))
    os._exit(0)


def _recorded(out_path: str) -> set[str]:
    if not os.path.exists(out_path):
        return set()
    with open(out_path, encoding="utf-8") as handle:
        return {json.loads(line)["id"] for line in handle if line.strip()}


def main(job_path: str, out_path: str) -> int:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    sys.path[:0] = [os.path.abspath("."), os.path.abspath("src")]
    me = os.getpid()
    pid, _ = stage.start(
        lambda ready: _session(job, out_path, ready, me), float(job.get("start_limit", 60.0))
    )
    os.waitpid(pid, 0)
    done = _recorded(out_path)
    rest = [m for m in job["mutants"] if m["id"] not in done]
    if rest:
        memory_mb = int(job.get("memory_limit_mb", 0))
        stage.drive(_plan(rest, job, out_path), child=_fresh(memory_mb))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
