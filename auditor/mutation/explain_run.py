"""The explanation step: two recorded runs of each survivor's covering tests, then compared.

:func:`run_explain` writes the job (each survivor with its covering tests
and a wall limit from their measured durations), runs
:mod:`auditor.mutation.explain_worker` once in the staged ``mutants/``
folder (it records the original once and each mutant's run), and hands
each mutant's record to :func:`auditor.mutation.explain.compare` for its
verdict. A worker that fails or runs past its limit leaves every mutant it
did not record with a ``failed`` explanation that says why.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
from dataclasses import dataclass, field

from auditor.model import JSONDict
from auditor.mutation.explain import Explanation, compare
from auditor.mutation.records import MutantRecord
from auditor.mutation.stage_worker import run_stage_worker
from auditor.mutation.staging import Stage
from auditor.progress import Progress, lines_in

DEFAULT_LIMITS = {"max_calls": 50, "repr_chars": 240, "max_bytes": 400_000}
"""What the recorder keeps per run (calls, characters of a repr, bytes); ``limits`` overrides."""
_START_SECONDS = 10.0


@dataclass
class ExplainRun:
    """What the explanation step did: per mutant id its explanation, and its cost."""

    explanations: dict[str, Explanation] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""  # the step as a whole could not run
    original_seconds: float = 0.0  # the one recorded run of the original, shared by all


def run_explain(
    stage: Stage,
    python: str,
    todo: list[MutantRecord],
    durations: dict[str, float],
    progress: Progress,
    timeout_multiplier: float,
    timeout_constant: float,
    limits: dict[str, int] | None = None,
) -> ExplainRun:
    """Record and compare the covering tests of each mutant in ``todo``."""
    if not todo:
        return ExplainRun()
    work = stage.folder / "explain"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    items: list[JSONDict] = []
    for mutant in todo:
        estimate = sum(durations.get(t, 0.0) for t in mutant.covered_by)
        # a run the fresh way starts pytest afresh (collection, assertion rewriting with
        # the pass hook): a margin over mutmut's own limit, so a slow start is not a hang
        # (most runs fork a collected session, explain_worker.py; their limit is the same)
        wall = (estimate + timeout_constant) * timeout_multiplier + _START_SECONDS
        items.append({"id": mutant.id, "tests": sorted(mutant.covered_by), "wall_limit": wall})
    job = work / "job.json"
    job.write_text(
        json.dumps({"mutants": items, "limits": {**DEFAULT_LIMITS, **(limits or {})}}),
        encoding="utf-8",
    )
    progress.step(f"explaining {len(todo)} surviving mutants (two recorded runs each)")
    started = time.monotonic()
    total_wall = sum(float(i["wall_limit"]) for i in items) * 2 + 30.0
    results = work / "results.jsonl"
    try:
        with progress.task("explaining survivors", total=len(todo),
                           poll=lambda: lines_in(results)):
            done = run_stage_worker(
                stage, python, "explain_worker.py", job, work, timeout=math.ceil(total_wall)
            )
        error = (
            ""
            if done.returncode == 0
            else f"worker exit {done.returncode}: "
            + (done.stderr.strip().splitlines() or [""])[-1][:300]
        )
    except subprocess.TimeoutExpired:
        error = f"the explanation worker ran past {math.ceil(total_wall)} s"
    run = ExplainRun(seconds=time.monotonic() - started, error=error)
    original_run = work / "original-run.json"
    if original_run.exists():
        run.original_seconds = float(json.loads(original_run.read_text())["seconds"])
    records: dict[str, JSONDict] = {}
    if results.exists():
        for line in results.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            records[record["id"]] = record
    for mutant in todo:
        record = records.get(mutant.id) or {"error": error or "no record from the worker"}
        run.explanations[mutant.id] = compare(mutant, record)
    return run
