"""Timing helpers shared by the real-suite benchmark (bench/bench_audit.py and its parts).

Whole-process wall and CPU time of one command, A/B interleaving of variants
(round r starts with variant r, so that a machine getting busier slows every
variant alike), and the audit's own phase profile read from its report.
Stdlib only: the bench runs auditor trees of other commits, so it must not
import ``auditor`` itself.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TIMEOUT = 900  # seconds for any one run of a suite or an audit


@dataclass
class Timed:
    """One variant's runs: wall and CPU (children) seconds, and its phase profiles."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    phases: list[dict[str, float]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    def spread(self) -> str:
        """min-max of the wall times, to judge how far a median can be trusted."""
        return f"{min(self.wall):.2f}-{max(self.wall):.2f} s"

    def phase_medians(self) -> dict[str, float]:
        """Median wall seconds of each phase over the runs (0 where a run lacks it)."""
        names = {name for run in self.phases for name in run}
        return {name: statistics.median(run.get(name, 0.0) for run in self.phases)
                for name in sorted(names)}


def children_cpu() -> float:
    """User + system seconds of every child process this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(command: list[str], cwd: Path, env: dict[str, str], into: Timed) -> str:
    """Run ``command`` to completion; add its wall and CPU time to ``into``; its stdout.

    A non-zero exit is an error: a bench that times a failed run measures nothing.
    """
    cpu, wall = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    into.wall.append(time.perf_counter() - wall)
    into.cpu.append(children_cpu() - cpu)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-3:])
        raise RuntimeError(f"{' '.join(command[:6])} ... exit {done.returncode}: {tail}")
    return done.stdout


def runner(command: list[str], cwd: Path, env: dict[str, str],
           into: Timed) -> Callable[[], None]:
    """A variant: one timed run of ``command``."""
    def run() -> None:
        run_timed(command, cwd, env, into)
    return run


def interleave(variants: dict[str, Callable[[], None]], rounds: int) -> None:
    """Run every variant once per round, starting each round with the next variant."""
    names = list(variants)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            variants[name]()


def auditor_env() -> dict[str, str]:
    """The environment of ``python -m auditor`` run in an auditor tree: that tree's
    ``auditor`` comes first on ``sys.path`` (``-m`` puts the working folder there)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("COV")}


def audit_command(root: Path, only: str, config: Path, output: Path) -> list[str]:
    """``audit report`` of one analysis, gate off, config and output outside the tree."""
    return [sys.executable, "-m", "auditor", "report", str(root), "--only", only, "--no-gate",
            "--config", str(config), "--output", str(output)]


def read_report(output: Path, into: Timed | None = None) -> dict[str, object]:
    """The audit's report.json; its phase profile is added to ``into`` when given."""
    document: dict[str, object] = json.loads((output / "report.json").read_text(encoding="utf-8"))
    timings = document.get("timings")
    if into is not None and isinstance(timings, dict):
        into.phases.append({p["name"]: p["wall_seconds"] for p in timings["phases"]})
    return document


def times(value: float) -> str:
    """A ratio as printed: two decimals, or three significant digits below 0.1."""
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def has_module(python: Path, name: str) -> bool:
    """Whether ``python`` can import ``name`` (found, not imported)."""
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
    return subprocess.run([str(python), "-c", probe], capture_output=True,
                          check=False).returncode == 0
