"""Benchmark: the cost of the dependencies analysis's audit hook, as a share of the test run.

Run from the repository root: ``python bench/bench_dependencies.py [--repeat N] [SUITE]``.
By default it copies the provisioner and its strong suite (``tests/provisioner``
without the meta tests and the Hypothesis state machine, as
``tests/mutation/test_theater_vs_strong.py`` builds it) into a temporary
folder; ``SUITE`` names another project folder to run ``pytest`` in instead.
It runs the suite the way the audit's one test run does (``coverage run -m
pytest -p audit_pytest_plugin``, assertion counting on), side by side,
interleaved ``N`` times (default 3) in three set-ups:

1. **plain**: the audit's test run without the dependencies analysis;
2. **hook**: plus the companion ``audit_dependencies.py`` recording every test
   (the audit hook and the patch watchers), coverage contexts off;
3. **hook+contexts**: what the analysis really runs: also one coverage
   context per test.

It prints, per set-up, the median wall time and the median CPU time of the
run (user + system of the child processes, steadier than wall time on a
shared machine) and each one's overhead over *plain*. The brief's limit is
5% for the hook. The figures depend on the machine's load: compare runs
made together.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auditor.project import tool_environment  # noqa: E402
from auditor.testrun.command import PLUGIN_DIR  # noqa: E402

SETUPS = ("plain", "hook", "hook+contexts")


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
    if done.returncode != 0:
        raise SystemExit(f"{setup}: pytest exited {done.returncode}: {done.stdout[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


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
            for setup in SETUPS:
                scratch = base / f"{setup}-{round_}"
                times[setup].append(run_once(project, tests, args.source, setup, scratch))
                wall, cpu = times[setup][-1]
                print(f"round {round_ + 1} {setup:14} wall {wall:7.2f} s  cpu {cpu:7.2f} s",
                      flush=True)  # fmt: skip
        records = base / f"hook-{args.repeat - 1}" / "dependencies.jsonl"
        count = sum(1 for _ in records.open(encoding="utf-8"))
        print(f"\n{project.name}: {count} tests recorded; medians of {args.repeat} runs")
        plain_wall = statistics.median(w for w, _ in times["plain"])
        plain_cpu = statistics.median(c for _, c in times["plain"])
        for setup in SETUPS:
            wall = statistics.median(w for w, _ in times[setup])
            cpu = statistics.median(c for _, c in times[setup])
            print(f"{setup:14} wall {wall:7.2f} s ({100 * (wall / plain_wall - 1):+5.1f}%)  "
                  f"cpu {cpu:7.2f} s ({100 * (cpu / plain_cpu - 1):+5.1f}%)")  # fmt: skip
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
