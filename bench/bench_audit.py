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
  extra time goes;
* per corpus project, ``audit report --only imports`` vs ``python -c "import
  mod"`` once per module the analysis validates, same parallelism, same
  failing modules checked (bench/audit_imports_vs_fresh.py);
* per corpus project, ``audit report --only mocks`` cold (no ``.audit/``) and
  warm vs plain pytest plus a plain libcst pass over the same files
  (bench/audit_mocks_vs_libcst.py).

``audit mutate`` vs ``mutmut run`` and the mutation limit are in
bench/bench_mutate.py. ``--parts`` picks comparisons (default all: startup,
coverage, imports, mocks); a project is measured only in the parts its
``steps`` in projects.toml list (startup needs none). The last lines are
a summary table of every ratio (markdown, for docs/performance.md).

Speed targets live here, not in timed tests. Usage::

    python bench/bench_audit.py [--rounds N] [--baseline DIR] [--home DIR] [--parts LIST] [NAME...]

``--home DIR`` measures the auditor tree in DIR instead of this checkout (a
``git archive HEAD auditor reports`` (the package and its report templates) keeps a
shared working tree's half-made edits out).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from audit_imports_vs_fresh import bench_imports, print_imports
from audit_mocks_vs_libcst import bench_mocks, print_mocks
from audit_timing import (
    TIMEOUT,
    Timed,
    auditor_env,
    has_module,
    interleave,
    read_report,
    run_timed,
    runner,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench" / "corpus"))

import corpus  # noqa: E402

DEFAULT_PROJECTS = ("filelock", "humanize", "schedule")
PARTS = ("startup", "coverage", "imports", "mocks")
HEAVY = ("libcst", "jinja2", "matplotlib", "rich", "kubernetes", "jsonschema", "mutmut",
         "coverage")
STARTUP_TARGET = 0.25  # seconds, `audit --help` (issue 15 part 4)
COVERAGE_TARGET = 1.15  # audit --only coverage / coverage run (issue 15 part 3)


def bench_startup(homes: dict[str, Path], rounds: int) -> dict[str, Timed]:
    """``python -m auditor --help`` for each auditor tree."""
    timed = {name: Timed() for name in homes}

    interleave({name: runner([sys.executable, "-m", "auditor", "--help"], home, auditor_env(),
                             timed[name]) for name, home in homes.items()}, rounds)
    return timed


def _heavy_imported(home: Path) -> list[str]:
    code = ("import runpy, sys; sys.argv = ['audit', '--help']\n"
            "try:\n    runpy.run_module('auditor', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            f"print(); print('heavy:' + ','.join(n for n in {HEAVY!r} if n in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=home, env=auditor_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    last = done.stdout.strip().splitlines()[-1]
    return [n for n in last.removeprefix("heavy:").split(",") if n]


def bench_coverage(project: corpus.Project, homes: dict[str, Path],
                   rounds: int) -> dict[str, Timed]:
    """Plain pytest, coverage run --branch, and each auditor's ``--only coverage``."""
    ready = corpus.prepare(project)
    try:
        python, root = str(ready.python), ready.root
        selection = [*project.pytest_args, *project.tests]
        no_cov = ["--no-cov"] if has_module(ready.python, "pytest_cov") else []
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
                           str(output)], home, auditor_env(), timed[label])
                read_report(output, timed[label])

            variants[label] = audit
        interleave(variants, rounds)
        return timed
    finally:
        ready.cleanup()


def compile_tree(home: Path) -> None:
    """Write the bytecode of ``home``'s auditor package, as installing it would.

    pip compiles a wheel's modules at install time, so a user's audit starts
    from bytecode. A ``git archive`` has none, and with PYTHONDONTWRITEBYTECODE
    set (as in some shells and CI images) every timed audit would compile
    about 190 modules again: 0.12 s of CPU a run measured, charged to the
    audit and not to ``coverage run`` (whose coverage.py and pytest are
    installed, compiled). Both trees are compiled alike.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(home / "auditor")],
                   check=True, stdout=subprocess.DEVNULL, timeout=TIMEOUT)


Row = tuple[str, str, str]  # project, measurement, figure: one line of the summary table


def print_coverage(project: str, measured: dict[str, Timed], homes: dict[str, Path]) -> list[Row]:
    """Print the coverage comparison's ratios; the summary rows."""
    pytest_s, coverage_s = measured["pytest"].median, measured["coverage run"].median
    print(f"  coverage run / pytest: {coverage_s / pytest_s:.2f}x")
    rows: list[Row] = [(project, "coverage run / pytest", f"{coverage_s / pytest_s:.2f}x")]
    for name in homes:
        audit = measured[f"audit ({name})"]
        print(f"  audit --only coverage ({name}) / coverage run: "
              f"{audit.median / coverage_s:.2f}x   / pytest: {audit.median / pytest_s:.2f}x"
              f"   (target <= {COVERAGE_TARGET}x coverage run; audit {audit.spread()})")
        rows.append((project, f"audit --only coverage ({name}) / coverage run",
                     f"{audit.median / coverage_s:.2f}x"))
        # CPU (the audit's and its children's) is steadier than wall on a busy machine
        cpu_ratio = audit.cpu_median / measured["coverage run"].cpu_median
        print(f"  audit --only coverage ({name}) / coverage run, CPU: {cpu_ratio:.2f}x")
        rows.append((project, f"audit --only coverage ({name}) / coverage run, CPU",
                     f"{cpu_ratio:.2f}x"))
        phases = audit.phase_medians()
        if phases:
            shown = sorted(phases.items(), key=lambda item: -item[1])[:6]
            print("    phases (share of the audit's median wall): " + ", ".join(
                f"{n} {v / audit.median:.0%}" for n, v in shown))
            if "test_run" in phases:
                print(f"    test_run phase / coverage run: "
                      f"{phases['test_run'] / coverage_s:.2f}x")
    return rows


def print_startup(homes: dict[str, Path], rounds: int) -> list[Row]:
    """Measure and print ``audit --help``; the summary rows."""
    print(f"# start-up: python -m auditor --help, {rounds} interleaved rounds", flush=True)
    startup = bench_startup(homes, rounds)
    rows: list[Row] = []
    for name, timed in startup.items():
        print(f"  {name:<9} median wall {timed.median:.3f} s, cpu "
              f"{statistics.median(timed.cpu):.3f} s; heavy imported: "
              f"{', '.join(_heavy_imported(homes[name])) or 'none'}")
        rows.append(("-", f"audit --help ({name}) wall, cpu",
                     f"{timed.median:.3f} s, {timed.cpu_median:.3f} s"))
    if "baseline" in startup:
        print(f"  now / baseline: {startup['now'].median / startup['baseline'].median:.2f}x "
              f"(target: now <= {STARTUP_TARGET} s)")
    return rows


def _load() -> str:
    """The 1-minute load average: on a shared machine it says how far the ratios can go."""
    return f"{os.getloadavg()[0]:.1f}"


def bench_project(project: corpus.Project, parts: list[str], homes: dict[str, Path],
                  rounds: int, workers: int) -> list[Row]:
    """Every selected comparison the project's steps allow; the summary rows."""
    rows: list[Row] = []
    for part in parts:
        if part == "startup" or part not in project.steps:
            continue
        print(f"\n# {project.name}, {part}: {rounds} interleaved rounds (median wall ratios); "
              f"load average {_load()}", flush=True)
        try:
            if part == "coverage":
                rows += print_coverage(project.name, bench_coverage(project, homes, rounds),
                                       homes)
                print(f"  load average after: {_load()}", flush=True)
            elif part == "imports":
                rows += [(project.name, m, f) for m, f in
                         print_imports(bench_imports(project, rounds, workers, homes["now"]))]
            elif part == "mocks":
                rows += [(project.name, m, f) for m, f in
                         print_mocks(bench_mocks(project, rounds, homes["now"]))]
        except (RuntimeError, corpus.CorpusError, subprocess.TimeoutExpired) as error:
            print(f"  skipped: {error}", flush=True)
            rows.append((project.name, part, f"skipped: {str(error).splitlines()[0][:80]}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=list(DEFAULT_PROJECTS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--startup-rounds", type=int, default=10)
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parallelism of both sides of the imports comparison")
    parser.add_argument("--baseline", type=Path,
                        help="an auditor tree to compare with (its folder holds auditor/)")
    parser.add_argument("--home", type=Path, default=REPO,
                        help="the auditor tree measured as 'now' (default: this checkout; a "
                             "`git archive` of auditor/ and reports/ keeps a shared tree's "
                             "edits out)")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)}")
    homes = {"now": args.home.resolve()}
    if args.baseline is not None:
        homes["baseline"] = args.baseline.resolve()
    for home in homes.values():
        compile_tree(home)

    rows = print_startup(homes, args.startup_rounds) if "startup" in parts else []
    for project in corpus.select(corpus.load_projects(), args.names):
        rows += bench_project(project, parts, homes, args.rounds, args.workers)

    print(f"\n# summary (medians of {args.rounds} interleaved rounds)\n")
    print("| project | measurement | ratio |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
