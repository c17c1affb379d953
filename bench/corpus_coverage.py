"""Coverage totals on real projects: the audit against coverage.py run by hand (issue 9).

For each project of bench/corpus/projects.toml, on two fresh copies of its sdist:

* the oracle: coverage.py run by hand the way a user would, with the
  project's OWN coverage configuration (see bench/corpus/README.md for the
  exact commands): ``coverage run --branch --source=<package paths> -m pytest``,
  ``coverage combine`` when the run wrote parallel data files, ``coverage json``;
* ``audit report --only coverage,imports --no-gate`` with a config file and an
  output folder outside the project tree.

It compares statement/covered and branch/covered counts exactly (and the set of
measured files), checks that the audit exited 0 without a traceback, and that
the project tree is byte-identical afterwards (outside ``.audit/``).

Usage: python bench/corpus_coverage.py [--check | --update] [--keep] [--jobs N]
                                      [--auditor DIR] [NAME...]
  --check   exit 1 when a project's result is worse than bench/corpus/coverage_status.json
  --update  raise the status file where results improved (never lowers it)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench" / "corpus"))

import corpus  # noqa: E402
from status import STATUS_FILE, Status, StatusError, Totals, load_status, write_status  # noqa: E402

SUITE_TIMEOUT = 900  # seconds for one by-hand run or one audit
# The audit's own limit for the suite: every corpus suite takes < 20 s alone;
# a hang under the audit must cost minutes, not the 1800 s default.
AUDIT_TEST_TIMEOUT = 90


@dataclass(frozen=True)
class Measured:
    """One side of the comparison: totals, and the measured files' counts."""

    totals: Totals
    files: dict[str, Totals]  # path relative to the project root -> counts


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT,
        check=False, stdin=subprocess.DEVNULL,
    )


def _tail(done: subprocess.CompletedProcess[str], lines: int = 3) -> str:
    text = " | ".join((done.stdout + done.stderr).strip().splitlines()[-lines:])
    # The log lives in a throw-away copy: its path would only churn the status file.
    return re.sub(r"; log: \S+", "", text)


def _has_module(python: Path, name: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


def package_paths(ready: corpus.Prepared) -> list[str]:
    """Each package's folder (or module) relative to the root, as the audit finds it."""
    paths = []
    for name in ready.project.packages:
        base = ready.import_root.joinpath(*name.split("."))
        path = base if base.is_dir() else base.with_suffix(".py")
        paths.append(os.path.relpath(path, ready.root))
    return paths


def in_package_tests(ready: corpus.Prepared) -> list[str]:
    """Test paths that live inside a package: not code under audit, on both sides."""
    omit = []
    for test in ready.project.tests:
        for package in package_paths(ready):
            if test == package or test.startswith(package.rstrip("/") + "/"):
                omit.append(test if test.endswith(".py") else f"{test}/*")
    return omit


def oracle(ready: corpus.Prepared) -> Measured:
    """coverage.py by hand, with the project's own configuration, on a fresh copy."""
    python, root, env = str(ready.python), ready.root, ready.env
    command = [python, "-m", "coverage", "run", "--branch",
               f"--source={','.join(package_paths(ready))}", "-m", "pytest"]
    if _has_module(ready.python, "pytest_cov"):
        command.append("--no-cov")  # pytest-cov in addopts would nest a second coverage
    command += [*ready.project.pytest_args, *ready.project.tests]
    done = _run(command, root, env)
    if done.returncode != 0:
        raise RuntimeError(f"by-hand run exit {done.returncode}: {_tail(done)}")
    if list(root.glob(".coverage.*")):
        done = _run([python, "-m", "coverage", "combine"], root, env)
        if done.returncode != 0:
            raise RuntimeError(f"coverage combine exit {done.returncode}: {_tail(done)}")
    out = ready.workdir / "coverage.json"
    report = [python, "-m", "coverage", "json", "-o", str(out)]
    omit = in_package_tests(ready)
    if omit:
        report.append(f"--omit={','.join(omit)}")
    done = _run(report, root, env)
    # Exit 2 is the project's own fail_under, not a failure to report.
    if done.returncode not in (0, 2) or not out.exists():
        raise RuntimeError(f"coverage json exit {done.returncode}: {_tail(done)}")
    data = json.loads(out.read_text(encoding="utf-8"))

    def counts(summary: dict[str, int]) -> Totals:
        return Totals(summary["num_statements"], summary["covered_lines"],
                      summary.get("num_branches", 0), summary.get("covered_branches", 0))

    return Measured(
        counts(data["totals"]),
        {name: counts(entry["summary"]) for name, entry in data["files"].items()},
    )


def tree_digest(root: Path) -> dict[str, str]:
    """Every file, folder and link under root (outside ``.audit/``): content and mode."""
    entries = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == root:
            dirs[:] = [d for d in dirs if d != ".audit"]
        for name in dirs + files:
            path = here / name
            info = os.lstat(path)
            relative = str(path.relative_to(root))
            mode = stat.filemode(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                entries[relative] = f"{mode} -> {os.readlink(path)}"
            elif stat.S_ISREG(info.st_mode):
                entries[relative] = f"{mode} {hashlib.sha256(path.read_bytes()).hexdigest()}"
            else:
                entries[relative] = mode
    return entries


def _tree_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changes = [f"+{p}" for p in sorted(after.keys() - before.keys())]
    changes += [f"-{p}" for p in sorted(before.keys() - after.keys())]
    changes += [f"~{p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return changes


def audit(ready: corpus.Prepared, auditor_home: Path) -> tuple[Measured, list[str]]:
    """``audit report --only coverage,imports``; returns totals and problems seen.

    ``python -m auditor`` runs in ``auditor_home``, so that folder's ``auditor``
    package is the one measured (this checkout, or a snapshot of a commit).
    """
    config = ready.workdir / "audit.toml"
    output = ready.workdir / "audit-report"
    corpus.write_audit_config(config, ready.project, ready.python,
                              test_timeout=AUDIT_TEST_TIMEOUT)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("COV")}
    before = tree_digest(ready.root)
    done = _run(
        [sys.executable, "-m", "auditor", "report", str(ready.root), "--only", "coverage,imports",
         "--no-gate", "--config", str(config), "--output", str(output)],
        auditor_home, env,
    )
    problems = []
    if "Traceback (most recent call last)" in done.stdout + done.stderr:
        problems.append("traceback in the audit's output")
    changes = _tree_changes(before, tree_digest(ready.root))
    if changes:
        more = f" (+{len(changes) - 5} more)" if len(changes) > 5 else ""
        shown = ", ".join(changes[:5]) + more
        problems.append(f"project tree changed: {shown}")
    if done.returncode != 0:
        seen = "".join(f"; {p}" for p in problems)
        raise RuntimeError(f"audit exit {done.returncode}: {_tail(done, 2)}{seen}")
    document = json.loads((output / "report.json").read_text(encoding="utf-8"))
    section = document["analyses"]["coverage"]

    def counts(entry: dict[str, int]) -> Totals:
        return Totals(entry["statements"], entry["covered_lines"],
                      entry["branches"], entry["covered_branches"])

    files = {name: counts(entry) for name, entry in section["modules"].items()}
    return Measured(counts(section), files), problems


def difference(ours: Measured, theirs: Measured) -> str:
    """Which files and counts differ, in one line (empty when the totals agree)."""
    if ours.totals == theirs.totals:
        return ""
    parts = []
    if ours.totals.statements != theirs.totals.statements or ours.totals.covered_lines != \
            theirs.totals.covered_lines:
        parts.append(f"lines {ours.totals.covered_lines}/{ours.totals.statements} vs "
                     f"coverage.py {theirs.totals.covered_lines}/{theirs.totals.statements}")
    if ours.totals.branches != theirs.totals.branches or ours.totals.covered_branches != \
            theirs.totals.covered_branches:
        parts.append(f"branches {ours.totals.covered_branches}/{ours.totals.branches} vs "
                     f"coverage.py {theirs.totals.covered_branches}/{theirs.totals.branches}")
    only_ours = sorted(ours.files.keys() - theirs.files.keys())
    only_theirs = sorted(theirs.files.keys() - ours.files.keys())
    if only_ours:
        parts.append(f"only in the audit: {', '.join(only_ours[:4])}")
    if only_theirs:
        parts.append(f"only in coverage.py: {', '.join(only_theirs[:4])}")
    per_file = [
        f"{name} {ours.files[name].covered_lines}/{ours.files[name].statements}"
        f"+{ours.files[name].covered_branches}/{ours.files[name].branches} vs "
        f"{theirs.files[name].covered_lines}/{theirs.files[name].statements}"
        f"+{theirs.files[name].covered_branches}/{theirs.files[name].branches}"
        for name in sorted(ours.files.keys() & theirs.files.keys())
        if ours.files[name] != theirs.files[name]
    ]
    if per_file:
        more = f" (+{len(per_file) - 3} files)" if len(per_file) > 3 else ""
        parts.append("per file (lines+branches): " + "; ".join(per_file[:3]) + more)
    return "; ".join(parts)


def compare(project: corpus.Project, keep: bool, auditor_home: Path = REPO) -> Status:
    """Both measurements of one project, each on its own fresh copy."""
    theirs_copy = corpus.prepare(project)
    ours_copy = corpus.prepare(project)
    try:
        try:
            theirs: Measured | None = oracle(theirs_copy)
        except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError) as error:
            theirs = None
            oracle_error = f"coverage.py by hand: {error}"
        try:
            ours, problems = audit(ours_copy, auditor_home)
        except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError, OSError) as error:
            return Status("fails", f"audit: {error}", None, theirs.totals if theirs else None)
        if theirs is None:
            return Status("differs", oracle_error, ours.totals, None)
        reasons = [*problems, difference(ours, theirs)]
        reason = "; ".join(r for r in reasons if r)
        if "traceback" in reason:
            return Status("fails", reason, ours.totals, theirs.totals)
        return Status("differs" if reason else "equal", reason, ours.totals, theirs.totals)
    finally:
        if keep:
            print(f"  kept: {theirs_copy.workdir} (coverage.py), {ours_copy.workdir} (audit)")
        else:
            theirs_copy.cleanup()
            ours_copy.cleanup()


def _percents(totals: Totals | None) -> str:
    if totals is None:
        return f"{'-':>7} {'-':>7}"
    return f"{totals.line_percent:6.2f}% {totals.branch_percent:6.2f}%"


def print_table(results: dict[str, Status], committed: dict[str, Status]) -> None:
    print(f"{'project':14} {'audit line/branch':>17}  {'coverage.py':>15}  equal?  "
          f"{'result':8} {'committed':9}")
    for name, result in results.items():
        equal = "yes" if result.status == "equal" else "no"
        before = committed[name].status if name in committed else "(none)"
        print(f"{name:14} {_percents(result.audit):>17}  {_percents(result.coverage_py):>15}  "
              f"{equal:6}  {result.status:8} {before:9}")
    for name, result in results.items():
        if result.reason:
            print(f"  {name}: {result.reason}")
        known = committed.get(name)
        if result.status != "equal" and known is not None and known.cause:
            print(f"    cause (committed): {known.cause}")
        if (known is not None and not known.pinned and known.coverage_py is not None
                and result.coverage_py is not None and known.coverage_py != result.coverage_py):
            # Not a failure: the oracle moved (a dependency, the interpreter), so
            # the committed figures no longer describe this environment.
            print(f"  {name}: note: coverage.py's own totals differ from the committed ones")


def _timed(project: corpus.Project, keep: bool, auditor_home: Path) -> Status:
    started = time.monotonic()
    try:
        result = compare(project, keep, auditor_home)
    except (corpus.CorpusError, OSError, subprocess.TimeoutExpired) as error:
        result = Status("fails", f"corpus: {error}")
    print(f"{project.name}: {result.status} ({time.monotonic() - started:.0f} s)", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail when a result got worse")
    mode.add_argument("--update", action="store_true", help="raise the status file")
    parser.add_argument("--keep", action="store_true", help="keep the fresh copies")
    parser.add_argument(
        "--auditor", type=Path, default=REPO,
        help="folder holding the auditor package to measure (default: this checkout; "
             "e.g. a `git archive` snapshot while the tree is being edited)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="projects compared at once")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    try:
        projects = corpus.select(corpus.load_projects(), args.names, step="coverage")
        committed = load_status() if STATUS_FILE.exists() else {}
    except (corpus.CorpusError, StatusError, OSError) as error:
        print(f"corpus_coverage: error: {error}", file=sys.stderr)
        return 2
    missing = [p.name for p in projects if p.name not in committed]
    if args.check and missing:
        print(f"corpus_coverage: error: no committed status for {', '.join(missing)} "
              "(run --update)", file=sys.stderr)
        return 2
    # Projects are independent (each has its own copies and venv): --jobs 2
    # uses both cores of a CI machine.
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done = dict(zip(projects, pool.map(lambda p: _timed(p, args.keep, args.auditor), projects),
                        strict=True))
    results = {project.name: done[project] for project in projects}
    print_table(results, committed)
    worse = [n for n, r in results.items() if n in committed and r.rank < committed[n].rank]
    better = [
        n for n, r in results.items()
        if n not in committed or (r.rank > committed[n].rank and not committed[n].pinned)
    ]
    if args.update:
        raised = dict(committed)
        for name, result in results.items():
            if name in committed and committed[name].pinned:
                continue  # documented as nondeterministic: changed by hand only
            if name not in committed or result.rank > committed[name].rank:
                raised[name] = result
            elif result.rank == committed[name].rank:
                # Same status: fresh figures and reason, the hand-written cause stays.
                raised[name] = replace(result, cause=committed[name].cause)
        write_status(raised)
        changed = [n for n in better if raised.get(n) is results[n]]
        print(f"status file written; raised or new: {', '.join(changed) or 'none'}")
    elif better:
        print(f"improved: {', '.join(better)} (run with --update to raise the status file)")
    if worse:
        print(f"WORSE than committed: {', '.join(worse)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
