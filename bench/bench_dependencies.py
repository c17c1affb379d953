"""Benchmark: the cost of the dependencies analysis's audit hook, as a share of the test run.

Run from the repository root: ``python bench/bench_dependencies.py [--repeat N] [SUITE]``.
By default it copies the provisioner and its strong suite (``tests/provisioner``
without the meta tests and the Hypothesis state machine, as
``tests/mutation/test_theater_vs_strong.py`` builds it) into a temporary
folder; ``SUITE`` names another project folder to run ``pytest`` in instead.
It runs the suite the way the audit's one test run does (``coverage run -m
pytest -p audit_pytest_plugin``, assertion counting on), side by side,
interleaved ``N`` times (default 3; each round starts with the next set-up) in three set-ups:

1. **plain**: the audit's test run without the dependencies analysis;
2. **hook**: plus the companion ``audit_dependencies.py`` recording every test
   (the audit hook and the patch watchers), coverage contexts off;
3. **hook+contexts**: what the analysis really runs: also one coverage
   context per test.

It prints, per set-up, the median wall time and the median CPU time of the
run (user + system of the child processes, steadier than wall time on a
shared machine) and each one's overhead over *plain*; then the overhead
paired by round (each run against the plain run of its own round: median
and range), which the load's drift between rounds disturbs less. The
brief's limit is 5% for the hook. The figures depend on the machine's load:
compare runs made together, and use more rounds on a busy machine.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auditor.project import tool_environment  # noqa: E402
from auditor.testrun.command import PLUGIN_DIR  # noqa: E402

SETUPS = ("plain", "hook", "hook+contexts")
_COUNTER = """
import atexit, collections, json, os, sys
_seen = collections.Counter()
sys.addaudithook(lambda event, args: _seen.update((event,)))
atexit.register(lambda: open(os.environ["BENCH_EVENTS"], "w").write(json.dumps(_seen)))
"""


def count_events(project: Path, tests: str, scratch: Path) -> dict[str, int]:
    """How many audit events the suite raises (a counting hook, in a run of its own)."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "bench_count_events.py").write_text(_COUNTER, encoding="utf-8")
    env = tool_environment(sys.executable, [scratch])
    env["BENCH_EVENTS"] = str(scratch / "events.json")
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "bench_count_events", "-p",
                    "no:cacheprovider", tests], cwd=project, env=env, capture_output=True,
                   timeout=3600, check=False)  # fmt: skip
    counted: dict[str, int] = json.loads((scratch / "events.json").read_text(encoding="utf-8"))
    return counted


def hook_cost_per_event() -> tuple[float, float]:
    """Seconds the hook adds to one event it ignores, and to one ``open`` for reading in a test.

    Measured in this process on ``sys._getframe`` (an event raised by a cheap
    call) and ``open``, with and without the plugin's hook, as the difference.
    """
    sys.path.insert(0, str(PLUGIN_DIR))
    plugin: Any = importlib.import_module("audit_dependencies")

    def timed(call: Any, n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            call()
        return (time.perf_counter() - started) / n

    scratch = tempfile.NamedTemporaryFile(delete=False)  # noqa: SIM115 - removed below
    scratch.close()

    def read() -> None:
        with open(scratch.name, "rb"):
            pass

    frame = sys._getframe
    base_frame, base_open = timed(frame, 300_000), timed(read, 20_000)
    sys.addaudithook(plugin._hook)
    plugin._State.current = plugin._Test({})  # as inside a test: every event is looked at
    ignored, handled = timed(frame, 300_000) - base_frame, timed(read, 20_000) - base_open
    plugin._State.current = None
    os.unlink(scratch.name)
    return max(ignored, 0.0), max(handled, 0.0)


def provisioner_project(root: Path) -> Path:
    """The provisioner and its strong suite, as the theater comparison copies them."""
    from tests.mutation.test_theater_vs_strong import STRONG, _project

    return _project(root, STRONG)


def _environment(setup: str, scratch: Path) -> dict[str, str]:
    env = tool_environment(sys.executable, [PLUGIN_DIR])
    env["AUDIT_PYTEST_REPORT"] = str(scratch / "tests.jsonl")
    env["AUDIT_COUNT_ASSERTIONS"] = "1"
    env["COVERAGE_FILE"] = str(scratch / ".coverage")
    if setup != "plain":
        env["AUDIT_DEPENDENCIES_FILE"] = str(scratch / "dependencies.jsonl")
        env["AUDIT_DEPENDENCIES_IGNORE"] = str(scratch)
    if setup == "hook":
        env["AUDIT_DEPENDENCIES_CONTEXTS"] = "0"
    return env


def run_once(project: Path, tests: str, source: str, setup: str,
             scratch: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of the suite in ``setup``."""
    scratch.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "coverage", "run", f"--source={source}", "-m", "pytest",
               "-q", "-p", "audit_pytest_plugin", "-p", "no:cacheprovider", tests]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=project, env=_environment(setup, scratch),
                          capture_output=True, text=True, timeout=3600, check=False)  # fmt: skip
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: tests failed, the run is still complete
        raise SystemExit(f"{setup}: pytest exited {done.returncode}: {done.stdout[-800:]}")
    if done.returncode == 1:
        # A timing test of the suite can fail on a loaded machine; the run still ran every
        # test, so it is timed, and the failure shown (the set-ups must not differ in it).
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED ")]
        print(f"  ({setup}: {'; '.join(failed) or 'tests failed'})", flush=True)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def paired(runs: list[tuple[float, float]], plain: list[tuple[float, float]], index: int) -> str:
    """The overhead of ``runs`` over the plain runs of the same rounds (index 0 wall, 1 CPU):
    median and range of the per-round ratios. Pairing by round cancels the load drift
    between rounds that the medians of each set-up keep."""
    overheads = [100 * (run[index] / base[index] - 1)
                 for run, base in zip(runs, plain, strict=True)]
    return (f"{statistics.median(overheads):+5.1f}% [{min(overheads):+5.1f}%, "
            f"{max(overheads):+5.1f}%]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", help="a project folder (default: the provisioner)")
    parser.add_argument("--tests", default="tests", help="test path inside SUITE")
    parser.add_argument("--source", default="provisioner", help="coverage --source")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-dependencies-"))
    try:
        if args.suite:
            project, tests = Path(args.suite).resolve(), args.tests
        else:
            project, tests = provisioner_project(base / "project"), "tests/provisioner"
        times: dict[str, list[tuple[float, float]]] = {s: [] for s in SETUPS}
        for round_ in range(args.repeat):
            # rotated: each set-up starts a round in turn, so none is always first or last
            for setup in SETUPS[round_ % len(SETUPS):] + SETUPS[:round_ % len(SETUPS)]:
                scratch = base / f"{setup}-{round_}"
                times[setup].append(run_once(project, tests, args.source, setup, scratch))
                wall, cpu = times[setup][-1]
                print(f"round {round_ + 1} {setup:14} wall {wall:7.2f} s  cpu {cpu:7.2f} s",
                      flush=True)  # fmt: skip
        records = base / f"hook-{args.repeat - 1}" / "dependencies.jsonl"
        count = sum(1 for _ in records.open(encoding="utf-8"))
        print(f"\n{project.name}: {count} tests recorded; medians of {args.repeat} runs")
        events = count_events(project, tests, base / "events")
        ignored, handled = hook_cost_per_event()
        total = sum(events.values())
        bound = total * max(ignored, handled)
        plain_cpu_median = statistics.median(c for _, c in times["plain"])
        print(f"audit events raised by the suite: {total} (open: {events.get('open', 0)}); "
              f"hook cost per event: {ignored * 1e6:.2f} us (ignored), {handled * 1e6:.2f} us "
              f"(open, looked at); bound: {bound:.3f} s = "
              f"{100 * bound / plain_cpu_median:.2f}% of the plain run's CPU")  # fmt: skip
        plain_wall = statistics.median(w for w, _ in times["plain"])
        plain_cpu = statistics.median(c for _, c in times["plain"])
        for setup in SETUPS:
            wall = statistics.median(w for w, _ in times[setup])
            cpu = statistics.median(c for _, c in times[setup])
            print(f"{setup:14} wall {wall:7.2f} s ({100 * (wall / plain_wall - 1):+5.1f}%)  "
                  f"cpu {cpu:7.2f} s ({100 * (cpu / plain_cpu - 1):+5.1f}%)")  # fmt: skip
        print("paired by round (each set-up against the plain run of the same round; "
              "median [min, max]):")
        for setup in SETUPS[1:]:
            print(f"{setup:14} wall {paired(times[setup], times['plain'], 0)}  "
                  f"cpu {paired(times[setup], times['plain'], 1)}")
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
