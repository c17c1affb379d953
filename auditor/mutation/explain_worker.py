"""Explain worker: a survivor's covering tests run under the original and the mutant, recorded.

Runs in the project's interpreter with cwd = ``mutants/`` and imports nothing
from the auditor; the recording is :mod:`auditor.mutation.explain_recorder`.
One run of the original records every explained function, and a second one
shows what differs between two runs of the original (noise); then one run
per mutant, its covering tests with the mutant active. Each run is a forked
child that writes one JSON document; a run past its wall limit is killed,
one that ends without its document crashed. One JSON line per mutant goes to
``OUT_DIR/results.jsonl``.

The runs share one collection (:mod:`auditor.mutation.stage_session`): a
session process collects the covering tests of every survivor once, and
each run is a fork of it. The runs of a function that ran during the
collection, and every run when the session cannot collect or collects with
errors (the original's run would then fail as a whole), go the fresh way: a
child of this process calls ``pytest.main`` with the run's tests, and
records what the collection calls too. Both ways follow one plan
(:func:`_plan`), so limits, timeouts and crashes are handled alike; a
mutant the session did not finish is run the fresh way. Usage:
``python explain_worker.py JOB.json OUT_DIR``.
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

_START_LIMIT = 60.0  # the session's collection; past it every run goes the fresh way


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


recorder = _load("explain_recorder")
stage = _load("stage_session")


def _pytest_args(tests: list[str]) -> list[str]:
    return [
        "--rootdir=.",
        "-q",
        "-p",  # the stage's plugin: no xdist (-n in addopts), the recorder is in this process
        "audit_mutmut_plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-o",
        "enable_assertion_pass_hook=true",
        *tests,
    ]


def _enter(item: dict[str, Any]) -> None:
    """Set up one recording run in its own process, before its tests run."""
    recorder.begin(item)
    cpu_limit = max(1, int(float(item["wall_limit"]) * 2))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 1))


def _write(out_path: str, exit_code: int) -> None:
    """Write the run's document and end its process."""
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(recorder.document(exit_code), handle)
    os._exit(0)


def _fresh(request: tuple[dict[str, Any], str]) -> None:
    """A run the fresh way: its own ``pytest.main`` (a child of the worker's main process)."""
    item, out_path = request
    stage.silence()
    _enter(item)
    import pytest

    code = pytest.main(_pytest_args(item["tests"]), plugins=[recorder.Plugin()])
    _write(out_path, int(code))


def _run(item: dict[str, Any], out_path: str) -> Generator[Any, int, str]:
    """One recording run (its child is forked by the driver); '' when it finished, else why not."""
    wall = float(item["wall_limit"])
    pid = yield (item, out_path)
    deadline = time.monotonic() + wall
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return f"the recording run timed out after {wall:.1f} s"
        time.sleep(0.005)
    if not os.path.exists(out_path):
        return f"the recording run crashed (exit {os.waitstatus_to_exitcode(status)})"
    return ""


def _timed(
    item: dict[str, Any], path: str
) -> Generator[Any, int, tuple[dict[str, Any], float, str]]:
    """(recording, seconds, failure) of one run."""
    if os.path.exists(path):
        os.unlink(path)
    started = time.monotonic()
    failure = yield from _run(item, path)
    seconds = round(time.monotonic() - started, 4)
    if failure:
        return {}, seconds, failure
    with open(path, encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    os.unlink(path)
    return document, seconds, ""


def _note_original(out_dir: str, seconds: float, failure: str) -> None:
    """Add this plan's runs of the original to ``original-run.json`` (a fresh plan after the
    session's adds its own)."""
    path = os.path.join(out_dir, "original-run.json")
    noted: dict[str, Any] = {"seconds": 0.0, "error": ""}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            noted = json.load(handle)
    noted = {"seconds": float(noted["seconds"]) + seconds, "error": noted["error"] or failure}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(noted, out)


def _plan(
    mutants: list[dict[str, Any]], original: dict[str, Any], out_dir: str
) -> Generator[Any, int, None]:
    """The runs of ``mutants``: the original's (all the job's tests: ``original``), then
    each mutant's."""
    function_key = recorder.function_key
    # one run of the original for every function explained: its calls are shared by its mutants
    # (always all of the job's tests, so each function's recording is the same either way)
    baseline_item = {**original, "functions": sorted({function_key(m["id"]) for m in mutants})}
    baseline, baseline_seconds, baseline_failure = yield from _timed(
        baseline_item, os.path.join(out_dir, "original.json")
    )
    # a second run of the original: what differs between the two (a clock reading kept in
    # an object, a random value) is noise no mutant can be judged by
    again: dict[str, Any] = {}
    if not baseline_failure:
        again, again_seconds, again_failure = yield from _timed(
            baseline_item, os.path.join(out_dir, "original-again.json")
        )
        baseline_seconds += again_seconds
        if again_failure:
            again = {}
    _note_original(out_dir, baseline_seconds, baseline_failure)
    for index, item in enumerate(mutants):
        function = function_key(item["id"])
        record: dict[str, Any] = {"id": item["id"], "original_seconds": 0.0}
        if baseline_failure:
            record["error"] = f"original: {baseline_failure}"
        else:
            record["original"] = {
                **baseline,
                "calls": [c for c in baseline["calls"] if c["function"] == function],
                "truncated": function in baseline["truncated"],
            }
            if again:
                calls = [c for c in again["calls"] if c["function"] == function]
                record["original_again"] = {"calls": calls}
            mutant_item = {**item, "functions": [function], "mutant": item["id"]}
            document, seconds, failure = yield from _timed(
                mutant_item, os.path.join(out_dir, f"{index}.json")
            )
            record["mutant_seconds"] = seconds
            if failure:
                record["error"] = f"mutant: {failure}"
            else:
                record["mutant"] = {**document, "truncated": function in document["truncated"]}
        with open(os.path.join(out_dir, "results.jsonl"), "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


def _session(
    mutants: list[dict[str, Any]], original: dict[str, Any], out_dir: str, ready: int, parent: int
) -> None:
    """The session process: collect the job's tests once, serve every run it can share."""
    stage.silence()
    stage.watch_collection()
    import pytest

    def serve(session: Any) -> Any:
        os.write(ready, b"c")
        os.close(ready)
        if session.collection_errors:
            return None  # the original's run fails the fresh way: so it must here too
        key = recorder.function_key
        shared = [m for m in mutants if session.shareable(key(m["id"]), m["tests"])]
        if not shared:
            return None
        plan = _plan(shared, original, out_dir)
        return stage.drive(plan, parent=parent, before_fork=session.warm_up)

    def prepare(request: tuple[dict[str, Any], str]) -> list[str]:
        _enter(request[0])
        return list(request[0]["tests"])

    plugin = stage.Session(serve, prepare, os.path.join(out_dir, "run-imports.txt"))
    code = pytest.main(_pytest_args(original["tests"]), plugins=[plugin, recorder.Plugin()])
    if plugin.request is not None:  # a run's child: its tests have run
        plugin.note_imports()
        _write(plugin.request[1], int(code))
    os._exit(0)


def _recorded(out_dir: str) -> set[str]:
    path = os.path.join(out_dir, "results.jsonl")
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as handle:
        return {json.loads(line)["id"] for line in handle if line.strip()}


def main(job_path: str, out_dir: str) -> int:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    recorder.set_limits(job.get("limits", {}))
    sys.path[:0] = [os.path.abspath("."), os.path.abspath("src")]
    # once, before the forks: each child starts with pytest imported and the recorder in place
    import pytest  # noqa: F401

    recorder.install()
    mutants = job["mutants"]
    original = {
        "tests": sorted({t for m in mutants for t in m["tests"]}),
        "wall_limit": sum(float(m["wall_limit"]) for m in mutants),
    }
    me = os.getpid()
    pid, _ = stage.start(
        lambda ready: _session(mutants, original, out_dir, ready, me),
        float(job.get("start_limit", _START_LIMIT)),
    )
    os.waitpid(pid, 0)
    done = _recorded(out_dir)
    rest = [m for m in mutants if m["id"] not in done]
    if rest:
        stage.drive(_plan(rest, original, out_dir), child=_fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
