"""The kill matrix: which tests kill each mutant (``--kill-matrix``).

mutmut stops at the first failing test (``-x``) and records no test names,
so for every mutant that some test covers, the worker
(:mod:`auditor.mutation.killmatrix_worker`, run in the project's interpreter
inside ``mutants/``) runs all its covering tests and records the failing
ones: the tests of all mutants collected once, each mutant's run a fork of
that session (:mod:`auditor.mutation.stage_session`). From that:
``killed_by`` per mutant, and per test the mutants it kills - including the
tests that kill none although they cover mutated code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from auditor.errors import IncompleteAuditError
from auditor.mutation import status as st
from auditor.mutation.mutmut_entry import killer_file, read_killers
from auditor.mutation.reader import mangled_of
from auditor.mutation.records import MutantRecord
from auditor.mutation.stage_worker import run_stage_worker
from auditor.mutation.staging import Stage
from auditor.progress import Progress, lines_in

# Before the first test runs, pytest starts and collects: once for all mutants
# in the worker's session process (auditor/mutation/stage_session.py), and in
# each child that runs the fresh way. That start has a limit of its own (the
# worker starts the mutant's wall limit when its first test starts): when it
# counted in the mutant's limit, on 2 loaded cores most children were killed while starting or
# mid-run, and a test not yet started read as killing nothing (a wrong
# "kills nothing", a lost unique kill: seen in tests/contribution and on the
# provisioner's theater suite, where 19 mutants mutmut killed had no killer).
PYTEST_START_SECONDS = 60.0


def run_kill_matrix(
    stage: Stage,
    python: str,
    mutants: list[MutantRecord],
    durations: dict[str, float],
    progress: Progress,
    timeout_multiplier: float,
    timeout_constant: float,
    memory_limit_mb: int,
    workers: int,
) -> None:
    """Fill ``killed_by`` of every covered, valid mutant in place."""
    todo = [m for m in mutants if m.covered_by and m.status not in st.INVALID]
    for mutant in mutants:
        mutant.killed_by = []
    if not todo:
        return
    job_items = []
    for index, mutant in enumerate(todo):
        estimate = sum(durations.get(t, 0.0) for t in mutant.covered_by)
        wall = (estimate + timeout_constant) * timeout_multiplier + 1.0
        job_items.append(
            {
                "index": index,
                "id": mutant.id,
                "tests": sorted(mutant.covered_by),
                "wall_limit": wall,
                "cpu_limit": max(1, math.ceil((wall + PYTEST_START_SECONDS) * 2)),
            }
        )
    work = stage.folder / "killmatrix"
    work.mkdir(exist_ok=True)
    job_file, out_file = work / "job.json", work / "results.jsonl"
    job_file.write_text(
        json.dumps({
            "mutants": job_items,
            "memory_limit_mb": memory_limit_mb,
            "workers": workers,
            "start_limit": PYTEST_START_SECONDS,
        })
    )
    out_file.unlink(missing_ok=True)
    progress.step(f"kill matrix: running the covering tests of {len(todo)} mutants")
    # the worker writes one line per mutant done: counted for the progress lines
    with progress.task("kill matrix", total=len(todo), poll=lambda: lines_in(out_file)):
        done = run_stage_worker(stage, python, "killmatrix_worker.py", job_file, out_file)
    if done.returncode != 0:
        raise IncompleteAuditError(
            f"kill matrix worker failed (exit {done.returncode}): {done.stderr.strip()[-500:]}"
        )
    by_id = {m.id: m for m in todo}
    for line in out_file.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        target = by_id.get(record["id"])
        if target is not None:
            target.killed_by = sorted(record["killed_by"])


def save_killers(stage: Stage, mutants: list[MutantRecord]) -> None:
    """Write the matrix's killers into the killer files that order the next runs' tests.

    One file per function with a killed mutant, replaced: the tests that kill
    any of its mutants (the mutant runs read the set; the order in the file
    does not matter). Only which tests run first follows from it.
    """
    by_function: dict[str, set[str]] = {}
    for mutant in mutants:
        if mutant.killed_by:
            function = mangled_of(mutant.id.replace("__init__.", ""))
            by_function.setdefault(function, set()).update(mutant.killed_by)
    stage.killers.mkdir(parents=True, exist_ok=True)
    for function, tests in by_function.items():
        Path(killer_file(str(stage.killers), function)).write_text(
            "".join(f"{test}\n" for test in sorted(tests)), encoding="utf-8"
        )


def compact_killers(stage: Stage) -> None:
    """Each killer file once per test: mutant runs append a line per kill, run after run."""
    if not stage.killers.is_dir():
        return
    for path in stage.killers.glob("*.txt"):
        tests = read_killers(str(path))
        path.write_text("".join(f"{test}\n" for test in sorted(tests)), encoding="utf-8")
