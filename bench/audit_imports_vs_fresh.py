"""``audit report --only imports`` vs one fresh interpreter per module, on a corpus project.

The naive way to validate that every module imports on its own is
``python -c "import mod"`` once per module. The audit does the same check by
forking from a warm parent (bench/bench_imports.py measures it on a
generated package; this is the real-project side, issue 15 part 2). Both are
run side by side, interleaved, with the same parallelism (``workers``
threads each starting one interpreter; the analysis's ``workers`` setting),
and both must find the same failing modules: a fast wrong answer is no answer.

The modules are the ones the analysis validated (``import_seconds`` of an
untimed first audit), so the naive side imports exactly those; it runs in
the project's venv with the package import root on ``PYTHONPATH``, from a
scratch folder, bytecode writing off: the environment the audit's worker
gets (``auditor.project.tool_environment``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from audit_timing import (
    Timed,
    audit_command,
    auditor_env,
    children_cpu,
    interleave,
    read_report,
    run_timed,
)

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))

import corpus

MODULE_TIMEOUT = 10.0  # seconds per module, the analysis's default timeout (imports/analysis.py)
_DONE = "bench-import-completed"  # printed after the import: the import ran to its end


@dataclass
class ImportsMeasured:
    """Side-by-side times and what each side found failing."""

    modules: list[str]
    workers: int
    timed: dict[str, Timed] = field(default_factory=dict)
    audit_failing: set[str] = field(default_factory=set)
    naive_failing: set[str] = field(default_factory=set)


def checked_modules(document: dict[str, object]) -> tuple[list[str], set[str]]:
    """The modules an imports report validated, and those it reports as failing."""
    analyses = document["analyses"]
    assert isinstance(analyses, dict)
    section = analyses["imports"]
    failing = {f["module"] for f in section["failures"]}
    return sorted(set(section["import_seconds"]) | failing), failing


def fresh_environment(python: Path, import_root: Path, base: dict[str, str]) -> dict[str, str]:
    """What the audit's worker gets: venv first on PATH, import root first on
    PYTHONPATH, no bytecode written into the project's tree."""
    env = {k: v for k, v in base.items() if not k.startswith("COVERAGE_PROCESS")}
    env["PATH"] = str(python.parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONHOME", None)
    env["PYTHONPATH"] = str(import_root)
    return env


def import_each(python: Path, modules: list[str], cwd: Path, env: dict[str, str],
                workers: int) -> set[str]:
    """``python -c "import mod"`` for every module, ``workers`` at a time; the failing ones:
    a non-zero exit, a crash, no answer within :data:`MODULE_TIMEOUT`, or an import that
    ended the interpreter before it completed (``sys.exit(0)`` at import: the analysis
    reports it as ``SystemExit``, so the marker printed after the import must appear)."""
    def check(module: str) -> tuple[str, bool]:
        try:
            done = subprocess.run([str(python), "-c", f"import {module}\nprint({_DONE!r})"],
                                  cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=MODULE_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return module, False
        return module, done.returncode == 0 and _DONE in done.stdout.splitlines()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {module for module, ok in pool.map(check, modules) if not ok}


def bench_imports(project: corpus.Project, rounds: int, workers: int,
                  home: Path) -> ImportsMeasured:
    """Interleaved rounds of the audit's imports analysis (the auditor tree ``home``) and the
    fresh-interpreter loop."""
    ready = corpus.prepare(project)
    try:
        config = ready.workdir / "audit-imports.toml"
        corpus.write_audit_config(config, project, ready.python, imports={"workers": workers})
        output = ready.workdir / "report-imports"
        command = audit_command(ready.root, "imports", config, output)
        scratch = ready.workdir / "fresh-cwd"
        scratch.mkdir()
        env = fresh_environment(ready.python, ready.import_root, ready.env)

        first = Timed()  # untimed discovery run: which modules the analysis validates
        run_timed(command, home, auditor_env(), first)
        modules, _ = checked_modules(read_report(output))
        measured = ImportsMeasured(modules, workers, {"audit --only imports": Timed(),
                                                      "python -c per module": Timed()})

        def audit() -> None:
            timed = measured.timed["audit --only imports"]
            run_timed(command, home, auditor_env(), timed)
            _, measured.audit_failing = checked_modules(read_report(output, timed))

        def naive() -> None:
            timed = measured.timed["python -c per module"]
            cpu, started = children_cpu(), time.perf_counter()
            measured.naive_failing = import_each(ready.python, modules, scratch, env, workers)
            timed.wall.append(time.perf_counter() - started)
            # the loop's threads are this process's only children meanwhile
            timed.cpu.append(children_cpu() - cpu)

        variants: dict[str, Callable[[], None]] = {"audit": audit, "naive": naive}
        interleave(variants, rounds)
        return measured
    finally:
        ready.cleanup()


def print_imports(measured: ImportsMeasured) -> list[tuple[str, str]]:
    """Print the comparison; its (measurement, figure) rows for the summary table."""
    audit = measured.timed["audit --only imports"]
    naive = measured.timed["python -c per module"]
    analysis = audit.phase_medians().get("analysis:imports", 0.0)
    same = measured.audit_failing == measured.naive_failing
    agreement = "same failing modules" if same else "DIFFERENT failing modules"
    print(f"  imports: {len(measured.modules)} modules, {measured.workers} workers; failing: "
          f"audit {len(measured.audit_failing)}, python -c {len(measured.naive_failing)} "
          f"({agreement})")
    print(f"  audit --only imports / python -c per module: {audit.median / naive.median:.2f}x "
          f"(audit {audit.spread()}, python -c {naive.spread()})")
    print(f"  CPU: audit --only imports / python -c per module: "
          f"{audit.cpu_median / naive.cpu_median:.2f}x")
    rows = [(f"audit --only imports / python -c per module ({len(measured.modules)} modules, "
             f"{len(measured.audit_failing)} failing, {agreement})",
             f"{audit.median / naive.median:.2f}x"),
            ("CPU: audit --only imports / python -c per module",
             f"{audit.cpu_median / naive.cpu_median:.2f}x")]
    if analysis:
        print(f"    analysis:imports phase / python -c per module: "
              f"{analysis / naive.median:.2f}x")
        rows.append(("analysis:imports phase / python -c per module",
                     f"{analysis / naive.median:.2f}x"))
    if not same:
        print(f"    only the audit: {sorted(measured.audit_failing - measured.naive_failing)}; "
              f"only python -c: {sorted(measured.naive_failing - measured.audit_failing)}")
    return rows
