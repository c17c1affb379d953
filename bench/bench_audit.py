"""What the audit costs beside the tools it wraps, on real suites (issue 15, parts 1, 2, 4).

Side by side in ONE run, A/B interleaved (round r runs every variant once,
in an order rotated by r, so that a busy machine slows all of them alike),
whole-process wall-clock medians; it prints ratios, not absolute times:

* start-up: ``python -m auditor --help``, this checkout against ``--baseline
  DIR`` (an ``auditor`` tree of an earlier commit, e.g. ``git archive``);
* per corpus project (bench/corpus/corpus.py: pinned sdists, one venv each):
  ``audit report --only coverage`` vs ``coverage run --branch -m pytest`` vs
  plain ``pytest``, on one fresh copy, the same test selection; with
  ``--baseline`` the baseline's audit too. The audit's own phase profile
  (``report.json`` ``timings``, medians over the rounds) says where its
  extra time goes.

Not here yet (issue 15 part 2, left for a later run): ``--only imports`` vs
one interpreter per module, ``--only mocks`` cold/warm vs a libcst pass,
``audit mutate`` vs ``mutmut run``, and the mutation limit (part 5).

Speed targets live here, not in timed tests. Usage::

    python bench/bench_audit.py [--rounds N] [--baseline DIR] [NAME...]
"""

from __future__ import annotations

import argparse
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench" / "corpus"))

import corpus  # noqa: E402

DEFAULT_PROJECTS = ("filelock", "humanize", "schedule")
TIMEOUT = 900
HEAVY = ("libcst", "jinja2", "matplotlib", "rich", "kubernetes", "jsonschema", "mutmut",
         "coverage")
STARTUP_TARGET = 0.25  # seconds, `audit --help` (issue 15 part 4)
COVERAGE_TARGET = 1.15  # audit --only coverage / coverage run (issue 15 part 3)


@dataclass
class Timed:
    """One variant's runs: wall and CPU (children) seconds, and its phase profiles."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    phases: list[dict[str, float]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(command: list[str], cwd: Path, env: dict[str, str], into: Timed) -> str:
    """Run ``command`` to completion; add its wall and CPU time to ``into``; its stdout."""
    cpu, wall = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    into.wall.append(time.perf_counter() - wall)
    into.cpu.append(_children_cpu() - cpu)
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


def _auditor_env() -> dict[str, str]:
    """The environment of ``python -m auditor`` run in an auditor tree: that tree's
    ``auditor`` comes first on ``sys.path`` (``-m`` puts the working folder there)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("COV")}


def bench_startup(homes: dict[str, Path], rounds: int) -> dict[str, Timed]:
    """``python -m auditor --help`` for each auditor tree."""
    timed = {name: Timed() for name in homes}

    interleave({name: runner([sys.executable, "-m", "auditor", "--help"], home, _auditor_env(),
                             timed[name]) for name, home in homes.items()}, rounds)
    return timed


def _heavy_imported(home: Path) -> list[str]:
    code = ("import runpy, sys; sys.argv = ['audit', '--help']\n"
            "try:\n    runpy.run_module('auditor', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            f"print(); print('heavy:' + ','.join(n for n in {HEAVY!r} if n in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=home, env=_auditor_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    last = done.stdout.strip().splitlines()[-1]
    return [n for n in last.removeprefix("heavy:").split(",") if n]


def _has_module(python: Path, name: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


def bench_coverage(project: corpus.Project, homes: dict[str, Path],
                   rounds: int) -> dict[str, Timed]:
    """Plain pytest, coverage run --branch, and each auditor's ``--only coverage``."""
    ready = corpus.prepare(project)
    try:
        python, root = str(ready.python), ready.root
        selection = [*project.pytest_args, *project.tests]
        no_cov = ["--no-cov"] if _has_module(ready.python, "pytest_cov") else []
        config = ready.workdir / "audit.toml"
        corpus.write_audit_config(config, project, ready.python, test_timeout=TIMEOUT)
        timed: dict[str, Timed] = {"pytest": Timed(), "coverage run": Timed()}
        variants: dict[str, Callable[[], None]] = {
            "pytest": runner([python, "-m", "pytest", "-q", *no_cov, *selection],
                             root, ready.env, timed["pytest"]),
            "coverage run": runner(
                [python, "-m", "coverage", "run", "--branch", "-m", "pytest", "-q", *no_cov,
                 *selection], root, ready.env, timed["coverage run"]),
        }
        for name, home in homes.items():
            label = f"audit ({name})"
            timed[label] = Timed()
            output = ready.workdir / f"report-{name}"

            def audit(label: str = label, home: Path = home, output: Path = output) -> None:
                run_timed([sys.executable, "-m", "auditor", "report", str(root), "--only",
                           "coverage", "--no-gate", "--config", str(config), "--output",
                           str(output)], home, _auditor_env(), timed[label])
                document = json.loads((output / "report.json").read_text(encoding="utf-8"))
                if "timings" in document:
                    timed[label].phases.append({p["name"]: p["wall_seconds"]
                                                for p in document["timings"]["phases"]})

            variants[label] = audit
        interleave(variants, rounds)
        return timed
    finally:
        ready.cleanup()


def _phase_medians(timed: Timed) -> dict[str, float]:
    names = {name for run in timed.phases for name in run}
    return {name: statistics.median(run.get(name, 0.0) for run in timed.phases)
            for name in sorted(names)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=list(DEFAULT_PROJECTS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--startup-rounds", type=int, default=10)
    parser.add_argument("--baseline", type=Path,
                        help="an auditor tree to compare with (its folder holds auditor/)")
    args = parser.parse_args(argv)
    homes = {"now": REPO}
    if args.baseline is not None:
        homes["baseline"] = args.baseline.resolve()

    print(f"# start-up: python -m auditor --help, {args.startup_rounds} interleaved rounds")
    startup = bench_startup(homes, args.startup_rounds)
    for name, timed in startup.items():
        print(f"  {name:<9} median wall {timed.median:.3f} s, cpu "
              f"{statistics.median(timed.cpu):.3f} s; heavy imported: "
              f"{', '.join(_heavy_imported(homes[name])) or 'none'}")
    if "baseline" in startup:
        print(f"  now / baseline: {startup['now'].median / startup['baseline'].median:.2f}x "
              f"(target: now <= {STARTUP_TARGET} s)")

    projects = corpus.select(corpus.load_projects(), args.names)
    for project in projects:
        print(f"\n# {project.name}: {args.rounds} interleaved rounds (median wall ratios)")
        try:
            measured = bench_coverage(project, homes, args.rounds)
        except (RuntimeError, corpus.CorpusError, subprocess.TimeoutExpired) as error:
            print(f"  skipped: {error}")
            continue
        pytest_s, coverage_s = measured["pytest"].median, measured["coverage run"].median
        print(f"  coverage run / pytest: {coverage_s / pytest_s:.2f}x")
        for name in homes:
            audit = measured[f"audit ({name})"]
            print(f"  audit --only coverage ({name}) / coverage run: "
                  f"{audit.median / coverage_s:.2f}x   / pytest: {audit.median / pytest_s:.2f}x"
                  f"   (target <= {COVERAGE_TARGET}x coverage run)")
            phases = _phase_medians(audit)
            if phases:
                shown = sorted(phases.items(), key=lambda item: -item[1])[:6]
                print("    phases (share of the audit's median wall): " + ", ".join(
                    f"{n} {v / audit.median:.0%}" for n, v in shown))
                if "test_run" in phases:
                    print(f"    test_run phase / coverage run: "
                          f"{phases['test_run'] / coverage_s:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
