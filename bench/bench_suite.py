"""Time our own test suite: the README's command and the fast tier (issue 15, part 6).

Runs each tier once, in this checkout, and prints its wall time, the CPU time
of the whole process tree (pytest, its xdist workers and every subprocess
they waited for) and the load average before and after. On a shared machine
the wall time depends on the others' load; CPU time ÷ cores is the wall time
the same work would take on an idle machine of this size, so both are shown
next to the bar (4 min for the README command, 90 s for the fast tier).

    python bench/bench_suite.py                 # both tiers
    python bench/bench_suite.py --tier fast     # the edit loop only
    python bench/bench_suite.py --workers 0     # the same, serial (xdist off)
    python bench/bench_suite.py --tier full --log out.txt -- --durations=60
                                                # keep pytest's output, extra args
    python bench/bench_suite.py --tier full --by-file 30 -- tests/core
                                                # CPU time summed per test file

``--by-file N`` has every test record its CPU time (tests/conftest.py, with
``AUDIT_SUITE_CPU_LOG``) and prints the N test files that cost the most, then
each xdist worker's load and the tail: how long one worker ran on alone, and
the tests it ran last.

It asserts nothing: speed targets live here, never in timed tests.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIERS = {
    "full": ([], 240.0),
    "fast": (["-m", "not slow and not browser"], 90.0),
}
_SUMMARY = re.compile(r"^=*\s*(?P<text>\d+ (passed|failed).*?) in [\d.]+s", re.MULTILINE)


@dataclass
class TierTime:
    """One timed run of one tier."""

    tier: str
    wall: float
    cpu: float
    load_before: float
    load_after: float
    summary: str
    exit_code: int

    def line(self, bar: float, cores: int) -> str:
        return (
            f"{self.tier}: wall {self.wall:.0f} s (bar {bar:.0f} s), CPU {self.cpu:.0f} s "
            f"= {self.cpu / cores:.0f} s on {cores} idle cores; load {self.load_before:.1f} -> "
            f"{self.load_after:.1f}; exit {self.exit_code}; {self.summary}"
        )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tier(tier: str, workers: str | None, pytest_args: list[str],
             log: Path | None = None, cpu_log: Path | None = None) -> TierTime:
    """Run one tier as the README says, plus ``-n`` and ``pytest_args`` when asked."""
    extra, _ = TIERS[tier]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *extra, *pytest_args]
    if workers is not None:
        command += ["-n", workers]
    env = dict(os.environ)
    if cpu_log is not None:
        env["AUDIT_SUITE_CPU_LOG"] = str(cpu_log)
    load_before = os.getloadavg()[0]
    cpu_before, started = _children_cpu(), time.monotonic()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          check=False)
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu_before
    if log is not None:
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
    found = _SUMMARY.findall(done.stdout)
    summary = found[-1][0] if found else (done.stdout.strip().splitlines() or ["no output"])[-1]
    return TierTime(tier, wall, cpu, load_before, os.getloadavg()[0], summary, done.returncode)


def cpu_by_file(cpu_log: Path) -> list[tuple[str, float, float, int]]:
    """(test file, CPU s, wall s, tests) from the per-test log, costliest first."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for line in cpu_log.read_text(encoding="utf-8").splitlines():
        nodeid, cpu, wall = line.split("\t")[:3]  # then worker, start (see timeline)
        entry = totals[nodeid.split("::", 1)[0]]
        entry[0] += float(cpu)
        entry[1] += float(wall)
        entry[2] += 1
    rows = [(name, cpu, wall, int(count)) for name, (cpu, wall, count) in totals.items()]
    return sorted(rows, key=lambda row: -row[1])


@dataclass
class WorkerLoad:
    """What one xdist worker ran: its tests' CPU and when its last test ended."""

    worker: str
    tests: int
    cpu: float
    first_start: float
    last_end: float
    last_tests: list[tuple[str, float]]  # (nodeid, wall s) of the tests it ran last


def timeline(cpu_log: Path, last: int = 5) -> list[WorkerLoad]:
    """Per worker, from the log's worker and start columns; the one that ended last, last.

    The gap between the workers' last ends is the run's tail: time one core
    sat idle while the other finished. Lines without the columns (a log of
    an older conftest) are left out.
    """
    runs: dict[str, list[tuple[float, float, float, str]]] = defaultdict(list)
    for line in cpu_log.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) < 5:
            continue
        nodeid, cpu, wall, worker, started = fields[:5]
        runs[worker].append((float(started), float(wall), float(cpu), nodeid))
    loads = []
    for worker, tests in runs.items():
        tests.sort()
        loads.append(WorkerLoad(
            worker, len(tests), sum(t[2] for t in tests), tests[0][0],
            max(t[0] + t[1] for t in tests),
            [(t[3], t[1]) for t in tests[-last:]]))
    return sorted(loads, key=lambda load: load.last_end)


def print_timeline(loads: list[WorkerLoad]) -> None:
    if not loads:
        return
    start = min(load.first_start for load in loads)
    print("  workers (ended first to last):")
    for load in loads:
        print(f"  {load.worker}: {load.tests} tests, {load.cpu:.0f} s CPU, "
              f"last test ended at {load.last_end - start:.0f} s")
    if len(loads) > 1:
        print(f"  tail: {loads[-1].last_end - loads[-2].last_end:.0f} s with one worker idle; "
              f"{loads[-1].worker} ran last:")
        for nodeid, wall in loads[-1].last_tests:
            print(f"    {wall:7.1f} s wall  {nodeid}")


COSTS_HEADER = (
    "# Per test file: tests, wall s, CPU s of one full run (bench/bench_suite.py --by-file N\n"
    "# --write-costs FILE). The xdist scheduler (xdist_groups.py) hands out the costliest\n"
    "# work first; figures need only be roughly right. Files not listed count 0.1 s a test.\n"
)


def write_costs(rows: list[tuple[str, float, float, int]], target: Path) -> None:
    """The costs table the suite's xdist scheduler orders its work by (every file)."""
    lines = [f"{name}\t{count}\t{wall:.1f}\t{cpu:.1f}\n" for name, cpu, wall, count in rows]
    target.write_text(COSTS_HEADER + "".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=[*TIERS, "both"], default="both")
    parser.add_argument("--workers", default=None, help="pass -n WORKERS (default: addopts)")
    parser.add_argument("--log", type=Path, default=None,
                        help="write pytest's output here (TIER is replaced by the tier's name)")
    parser.add_argument("--by-file", type=int, default=0, metavar="N",
                        help="print the N test files with the most CPU time")
    parser.add_argument("--keep-cpu-log", type=Path, default=None, metavar="FILE",
                        help="with --by-file: copy the per-test CPU log here "
                             "(TIER is replaced by the tier's name)")
    parser.add_argument("--write-costs", type=Path, default=None, metavar="FILE",
                        help="with --by-file and the full tier: write the per-file costs "
                             "table (tests/support/suite_costs.tsv) from this run")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    for tier in TIERS if args.tier == "both" else [args.tier]:
        log = Path(str(args.log).replace("TIER", tier)) if args.log else None
        with tempfile.TemporaryDirectory() as scratch:
            cpu_log = Path(scratch) / "cpu.tsv" if args.by_file else None
            timed = run_tier(tier, args.workers, args.pytest_args, log, cpu_log)
            print(timed.line(TIERS[tier][1], cores), flush=True)
            if cpu_log is not None and cpu_log.exists():
                if args.keep_cpu_log:
                    kept = Path(str(args.keep_cpu_log).replace("TIER", tier))
                    kept.write_text(cpu_log.read_text(encoding="utf-8"), encoding="utf-8")
                rows = cpu_by_file(cpu_log)
                if args.write_costs and tier == "full":
                    write_costs(rows, args.write_costs)
                print(f"  tests' CPU, summed: {sum(row[1] for row in rows):.0f} s; by file:")
                for name, cpu, wall, count in rows[: args.by_file]:
                    print(f"  {cpu:8.1f} s CPU {wall:8.1f} s wall {count:4d} tests  {name}")
                print_timeline(timeline(cpu_log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
