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

It asserts nothing: speed targets live here, never in timed tests.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
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


def run_tier(tier: str, workers: str | None) -> TierTime:
    """Run one tier as the README says, plus ``-n`` when asked."""
    extra, _ = TIERS[tier]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *extra]
    if workers is not None:
        command += ["-n", workers]
    load_before = os.getloadavg()[0]
    cpu_before, started = _children_cpu(), time.monotonic()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu_before
    found = _SUMMARY.findall(done.stdout)
    summary = found[-1][0] if found else (done.stdout.strip().splitlines() or ["no output"])[-1]
    return TierTime(tier, wall, cpu, load_before, os.getloadavg()[0], summary, done.returncode)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=[*TIERS, "both"], default="both")
    parser.add_argument("--workers", default=None, help="pass -n WORKERS (default: addopts)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    for tier in TIERS if args.tier == "both" else [args.tier]:
        timed = run_tier(tier, args.workers)
        print(timed.line(TIERS[tier][1], cores), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
