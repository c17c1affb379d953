"""Benchmark: plain ``mutmut run`` vs ``audit mutate``, side by side, same verdicts checked.

Run from the repository root::

    python bench/bench_mutate.py                       # the held fixture, then schedule
    python bench/bench_mutate.py --project fixture     # one of them
    python bench/bench_mutate.py --rounds 2            # A/B interleaved, medians

Projects:

- ``fixture``: the shop project of the tests plus a loop whose ``i -= 1``
  mutant hangs and EXTRA_MODULES modules of ~20 mutants each (~460 mutants);
- ``schedule``: schedule 1.2.2 from the real-project corpus
  (bench/corpus/corpus.py: the pinned sdist, a fresh copy per run, its venv
  with mutmut installed).

Each round runs, on fresh copies of the project, plain ``mutmut run`` with
default settings (as a user runs it; ``[tool.mutmut]`` names the package and
the tests) and ``audit mutate`` from scratch, alternating which goes first.
For each it measures the wall time and the CPU time of the whole process tree
(``RUSAGE_CHILDREN``: on a shared machine, the part of the wall time that
waits for a core is not the tool's). It checks the verdicts are the same
(``timeout`` read as ``killed``: both are detected, and which one a slow
mutant gets depends on load) and prints the ratios audit / mutmut (target
<= 0.5) and the audit's ``actual / limit``: its mutant phase against the
physical limit in its report (auditor/mutation/limit.py; without the kill
matrix the limit is a lower bound, so the ratio is an upper bound). On the
fixture it also re-runs the audit after changing one function (the re-run's
share of the full run; target < 10%).

The audit runs with ``explain = 0`` (plain mutmut explains nothing). With
``--kill-matrix`` it runs the matrix too, so the limit uses the real killers
(its basis ``kill matrix``); the audit/mutmut ratio then includes the matrix.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "corpus"))

from tests.mutation.projects import PYTHON, detected, make_shop  # noqa: E402

HANGING = """\


def count(n):
    i = 0
    while i < n:
        i += 1
    return i
"""
HANGING_TEST = "from shop.pricing import count\n\n\ndef test_count():\n    assert count(3) == 3\n"
MUTMUT = "import sys; sys.argv[0]='mutmut'; from mutmut.__main__ import cli; cli()"
RUN_TIMEOUT = 3600


EXTRA_MODULES = 20
MODULE = """\
def scale_{i}(x, y):
    if x > y:
        return x * {i} + y
    return y - x


def mix_{i}(values):
    total = 0
    for v in values:
        if v % 2 == 0:
            total += v
        else:
            total -= 1
    return total


def name_{i}(n):
    return "m{i}-" + str(n + 1)
"""
MODULE_TEST = """\
from shop.m{i} import mix_{i}, name_{i}, scale_{i}


def test_scale_{i}():
    assert scale_{i}(3, 1) == 3 * {i} + 1
    assert scale_{i}(1, 3) == 2


def test_mix_{i}():
    assert mix_{i}([2, 3, 4]) == 5


def test_name_{i}():
    assert name_{i}(1) == "m{i}-2"
"""


def fixture(root: Path, runner: str = "session-fork") -> Path:
    """The shop project, a hanging loop, and EXTRA_MODULES modules of ~20 mutants each."""
    project = make_shop(root, extra=f'runner = "{runner}"')
    source = project / "shop" / "pricing.py"
    source.write_text(source.read_text() + HANGING)
    (project / "tests" / "test_count.py").write_text(HANGING_TEST)
    for i in range(1, EXTRA_MODULES + 1):
        (project / "shop" / f"m{i}.py").write_text(MODULE.format(i=i))
        (project / "tests" / f"test_m{i}.py").write_text(MODULE_TEST.format(i=i))
    return project


@dataclass
class Copy:
    """A fresh copy of a project to run one tool on."""

    root: Path
    python: str
    env: dict[str, str]
    package: str
    tests: list[str]
    audit_args: list[str] = field(default_factory=list)  # e.g. --config FILE


@dataclass
class Timed:
    wall: float
    cpu: float  # user + system of the whole process tree


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} failed ({done.returncode}): "
                         f"{done.stdout[-800:]} {done.stderr[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu)


def plain_mutmut(copy: Copy) -> tuple[Timed, dict[str, str]]:
    """``mutmut run`` with defaults, then its own verdicts (``mutmut results --all true``)."""
    pyproject = copy.root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    also_copy = [t for t in copy.tests if t.endswith(".py")]  # mutmut copies tests/ itself
    pyproject.write_text(
        text + f'\n[tool.mutmut]\nsource_paths = ["{copy.package}"]\n'
        f"pytest_add_cli_args_test_selection = {json.dumps(copy.tests)}\n"
        f"also_copy = {json.dumps(also_copy)}\n",
        encoding="utf-8",
    )
    took = timed([copy.python, "-c", MUTMUT, "run"], copy.root, copy.env)
    listing = subprocess.run([copy.python, "-c", MUTMUT, "results", "--all", "true"],
                             cwd=copy.root, env=copy.env, capture_output=True, text=True,
                             timeout=600, check=True)
    verdicts = {}
    for line in listing.stdout.splitlines():
        key, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in key:
            verdicts[key] = status.replace(" ", "_").replace("segfault", "crash")
    return took, verdicts


def audit_mutate(copy: Copy, output: Path) -> tuple[Timed, dict[str, str], dict[str, Any]]:
    env = dict(copy.env, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO), copy.env.get("PYTHONPATH", "")])))
    took = timed([sys.executable, "-m", "auditor", "mutate", str(copy.root), *copy.audit_args,
                  "--output", str(output)], REPO, env)
    mutation = json.loads((output / "report.json").read_text())["analyses"]["mutation"]
    return took, {m["id"]: m["status"] for m in mutation["mutants"]}, mutation


def fixture_copy(dest: Path, runner: str = "session-fork") -> Copy:
    return Copy(fixture(dest, runner), PYTHON, dict(os.environ), "shop", ["tests"])


def schedule_copy(dest: Path, runner: str = "session-fork") -> Copy:
    import corpus  # bench/corpus/corpus.py: pinned sdists and venvs

    [project] = corpus.select(corpus.load_projects(), ["schedule"])
    ready = corpus.prepare(project, dest)
    corpus.ensure_mutmut(ready.python)
    config = dest / "audit.toml"
    corpus.write_audit_config(config, project, ready.python,
                              mutation={"explain": 0, "runner": runner})
    return Copy(ready.root, str(ready.python), ready.env, project.packages[0],
                list(project.tests), ["--config", str(config)])


PROJECTS: dict[str, Callable[[Path, str], Copy]] = {"fixture": fixture_copy,
                                               "schedule": schedule_copy}


@dataclass
class AuditRun:
    """One ``audit mutate`` of a round, with one ``[tool.audit.mutation] runner``."""

    runner: str
    took: Timed
    agree: int
    differ: list[str]
    limit: dict[str, Any]
    durations: list[float]  # each tested mutant's process (mutmut's durations_by_key)
    timeouts: list[float]  # the same, of the mutants that timed out
    runner_ran: str = ""  # the mutation result's settings.runner_ran


@dataclass
class Round:
    plain: Timed
    audits: list[AuditRun]


def one_round(name: str, base: Path, audit_first: bool, kill_matrix: bool = False,
              runners: tuple[str, ...] = ("session-fork",)) -> Round:
    """Plain mutmut and one audit per runner, on fresh copies; audits first or plain first."""
    make = PROJECTS[name]
    tools = [*runners, "plain"] if audit_first else ["plain", *runners]
    plain: tuple[Timed, dict[str, str]] | None = None
    audits: dict[str, tuple[Timed, dict[str, str], dict[str, Any]]] = {}
    for tool in tools:
        copy = make(base / tool, "session-fork" if tool == "plain" else tool)
        if kill_matrix:
            copy.audit_args.append("--kill-matrix")
        if tool == "plain":
            plain = plain_mutmut(copy)
        else:
            audits[tool] = audit_mutate(copy, base / f"audit-report-{tool}")
    assert plain is not None
    plain_time, theirs = plain
    theirs_d = detected(theirs)
    runs = []
    for runner in runners:
        took, ours, mutation = audits[runner]
        ours_d = detected(ours)
        differ = sorted(k for k in set(theirs_d) | set(ours_d)
                        if theirs_d.get(k) != ours_d.get(k))
        agree = len(set(theirs_d) & set(ours_d)) - len(differ)
        # a "no tests" mutant gets no process (duration 0): not part of the process floor
        tested = [m for m in mutation["mutants"]
                  if m.get("duration_seconds") is not None and m["status"] != "no_tests"]
        runs.append(AuditRun(runner, took, agree, differ, mutation.get("limit") or {},
                             [m["duration_seconds"] for m in tested],
                             [m["duration_seconds"] for m in tested if m["status"] == "timeout"],
                             str(mutation.get("settings", {}).get("runner_ran", ""))))
    return Round(plain_time, runs)


def rerun_share(base: Path, full_seconds: float) -> float:
    """Full audit, then one function changed: the re-run as a share of ``full_seconds``."""
    copy = fixture_copy(base / "rerun", "session-fork")
    audit_mutate(copy, base / "rerun-report")
    source = copy.root / "shop" / "pricing.py"
    source.write_text(source.read_text().replace("return a + b", "return b + a"))
    took, _, _ = audit_mutate(copy, base / "rerun-report")
    return 100 * took.wall / full_seconds


def report(name: str, rounds: list[Round]) -> None:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    plain_wall = med([r.plain.wall for r in rounds])
    plain_cpu = med([r.plain.cpu for r in rounds])
    print(f"== {name} ({len(rounds)} round(s), medians)")
    print(f"  plain mutmut run:                 wall {plain_wall:8.2f} s   cpu {plain_cpu:8.2f} s")
    for index, run in enumerate(rounds[-1].audits):
        runs = [r.audits[index] for r in rounds]
        wall, cpu = med([a.took.wall for a in runs]), med([a.took.cpu for a in runs])
        title = f"audit mutate, runner {run.runner}:"
        print(f"  {title:33s}wall {wall:8.2f} s   cpu {cpu:8.2f} s   "
              f"(ran: {run.runner_ran or '?'})")
        print(f"    ratio audit / mutmut:           wall {wall / plain_wall:8.2f}     "
              f"cpu {cpu / plain_cpu:8.2f}     (target <= 0.5)")
        for a in runs:
            status = "identical" if not a.differ else f"{len(a.differ)} differ: {a.differ[:5]}"
            print(f"    verdicts: {a.agree} mutants agree, {status}")
        describe_limit(run)
    print()


def describe_limit(run: AuditRun) -> None:
    limit = run.limit
    if limit:
        per_mutant = (limit["mutant_run_seconds"] or 0.0) / max(1, limit["mutants"])
        test_share = limit["test_seconds"] / max(1, limit["mutants"])
        print(f"    limit ({limit['basis']}): {limit['limit_seconds']:.4f} s on {limit['cores']} "
              f"cores; mutant phase {limit['actual_seconds']} s; "
              f"actual / limit {limit['actual_over_limit']}")
        print(f"    per mutant: {1000 * per_mutant:.1f} ms in its process, of which "
              f"{1000 * test_share:.3f} ms test time (the rest: fork, pytest start, collection)")
        if run.durations and limit["actual_seconds"]:
            # a floor the limit leaves out: every mutant pays at least the fastest
            # mutant's process (fork, pytest's start and collection, its first test)
            floor = min(run.durations) * len(run.durations) / limit["cores"]
            practical = limit["actual_seconds"] / (floor + limit["limit_seconds"])
            print(f"    process floor: fastest mutant {1000 * min(run.durations):.0f} ms x "
                  f"{len(run.durations)} / {limit['cores']} cores = {floor:.1f} s; "
                  f"actual / (limit + floor) {practical:.2f}")
    if run.timeouts:
        print(f"    timeouts: {len(run.timeouts)}, longest held its slot {max(run.timeouts):.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-rerun", action="store_true", help="skip the fixture's re-run")
    parser.add_argument("--runner", action="append", choices=["session-fork", "mutmut"],
                        help="audit runs with this [tool.audit.mutation] runner (repeat for "
                        "both, side by side in one round; default: session-fork and mutmut)")
    parser.add_argument("--kill-matrix", action="store_true",
                        help="the audit runs the kill matrix too: the limit from the real "
                        "killers (the audit's time then includes the matrix)")
    args = parser.parse_args()
    for name in args.project or sorted(PROJECTS):
        rounds = []
        for index in range(args.rounds):
            base = Path(tempfile.mkdtemp(prefix=f"bench-mutate-{name}-"))
            try:
                rounds.append(one_round(name, base, index % 2 == 1, args.kill_matrix,
                                        tuple(args.runner or ("session-fork", "mutmut"))))
            finally:
                shutil.rmtree(base, ignore_errors=True)
        report(name, rounds)
        if name == "fixture" and not args.no_rerun:
            base = Path(tempfile.mkdtemp(prefix="bench-mutate-rerun-"))
            try:
                full = statistics.median(r.audits[0].took.wall for r in rounds)
                print(f"  re-run (1 function) share of full run: {rerun_share(base, full):.1f} %"
                      "  (target < 10%)")
            finally:
                shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
