"""Reading the history: runs, their metrics, tests, reports and flaky evidence.

Everything here is read-only and generic over analyses: metrics are keyed by
``(analysis, metric)`` exactly as the analyses reported them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from auditor.history.metrics import MetricKey, find_metric
from auditor.history.record import RunHeader, RunRecord, decompress
from auditor.history.store import HistoryStore
from auditor.model import JSONDict

FAILING_OUTCOMES = ("failed", "error")


@dataclass
class RunSummary(RunHeader):
    """One row of ``audit history``: a run with its headline metrics."""

    id: int
    metrics: dict[MetricKey, float] = field(default_factory=dict)

    @property
    def short_commit(self) -> str:
        return (self.commit or "-")[:10]

    def metric(self, name: str) -> float | None:
        """A metric by ``analysis.metric`` or by bare metric name (first analysis wins)."""
        found = find_metric(self.metrics, name)
        return None if found is None else found[1]

    def to_json(self) -> JSONDict:
        return {
            "id": self.id,
            **self.header_values(),
            "metrics": {
                f"{analysis}.{metric}": value
                for (analysis, metric), value in sorted(self.metrics.items())
            },
        }


_RUN_COLUMNS = (
    "id, run_key, project, commit_sha, branch, created, config_fingerprint,"
    " duration_seconds, gate_passed"
)


def _summary(row: tuple[Any, ...]) -> RunSummary:
    return RunSummary(
        id=int(row[0]),
        run_key=row[1],
        project=row[2],
        commit=row[3],
        branch=row[4],
        created=row[5],
        config_fingerprint=row[6],
        duration_seconds=float(row[7]),
        gate_passed=None if row[8] is None else bool(row[8]),
    )


def _period_filter(
    since: str | None, branch: str | None, project: str | None = None
) -> tuple[str, list[str]]:
    """A ``WHERE`` clause (or nothing) for runs from ``since`` on, on ``branch``, of ``project``."""
    clauses: list[str] = []
    params: list[str] = []
    if project is not None:
        clauses.append("project = ?")
        params.append(project)
    if since is not None:
        clauses.append("created >= ?")
        params.append(since)
    if branch is not None:
        clauses.append("branch = ?")
        params.append(branch)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


def list_runs(
    store: HistoryStore,
    *,
    since: str | None = None,
    branch: str | None = None,
    project: str | None = None,
) -> list[RunSummary]:
    """Runs in time order (oldest first), optionally from ``since`` on, one branch, one project."""
    where, params = _period_filter(since, branch, project)
    rows = store.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs{where} ORDER BY created, id", params
    ).fetchall()
    runs = [_summary(row) for row in rows]
    attach_metrics(store, runs)
    return runs


def attach_metrics(store: HistoryStore, runs: list[RunSummary]) -> None:
    by_id = {run.id: run for run in runs}
    if not by_id:
        return
    marks = ",".join("?" * len(by_id))
    for run_id, analysis, metric, value in store.execute(
        f"SELECT run_id, analysis, metric, value FROM metrics WHERE run_id IN ({marks})",
        list(by_id),
    ):
        by_id[run_id].metrics[(analysis, metric)] = float(value)


def latest_run(
    store: HistoryStore, branch: str, project: str | None = None
) -> RunSummary | None:
    """The most recent run on ``branch`` (of ``project``): the regression gate's baseline."""
    where, params = _period_filter(None, branch, project)
    row = store.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs{where} ORDER BY created DESC, id DESC LIMIT 1", params
    ).fetchone()
    if row is None:
        return None
    run = _summary(row)
    attach_metrics(store, [run])
    return run


def module_metrics(store: HistoryStore, run_id: int) -> dict[tuple[str, str, str], float]:
    """``(analysis, module, metric) -> value`` of one run."""
    return {
        (a, mod, m): float(v)
        for a, mod, m, v in store.execute(
            "SELECT analysis, module, metric, value FROM module_metrics WHERE run_id = ?",
            (run_id,),
        )
    }


def finding_counts(store: HistoryStore, run_id: int) -> dict[tuple[str, str], int]:
    """``(analysis, rule) -> count`` of one run."""
    return {
        (a, r): int(c)
        for a, r, c in store.execute(
            "SELECT analysis, rule, count FROM findings WHERE run_id = ?", (run_id,)
        )
    }


def outcomes_of_run(store: HistoryStore, run_id: int) -> dict[str, tuple[str, float]]:
    """``nodeid -> (outcome, duration_seconds)`` of one run."""
    return {
        nodeid: (outcome, float(duration))
        for nodeid, outcome, duration in store.execute(
            "SELECT nodeid, outcome, duration_seconds FROM tests WHERE run_id = ?", (run_id,)
        )
    }


def report_document(store: HistoryStore, run_id: int) -> JSONDict:
    """The ``report.json`` document stored with a run."""
    row = store.execute("SELECT report FROM runs WHERE id = ?", (run_id,)).fetchone()
    return decompress(row[0]) if row else {}


@dataclass
class FlakyTest:
    """A test seen both passing and failing on the same commit."""

    nodeid: str
    commit: str | None
    passed: int = 0
    failed: int = 0
    source: str = "history"  # history | flaky-run
    kind: str = "inconsistent"
    partner: str | None = None
    seed: int | None = None
    detail: str = ""

    def to_json(self) -> JSONDict:
        return {
            "nodeid": self.nodeid,
            "commit": self.commit,
            "passed": self.passed,
            "failed": self.failed,
            "source": self.source,
            "kind": self.kind,
            "partner": self.partner,
            "seed": self.seed,
            "detail": self.detail,
        }


def flaky_from_history(
    store: HistoryStore,
    *,
    run_ids: list[int] | None = None,
    commit: str | None = None,
    extra: list[tuple[str, str]] | None = None,
    project: str | None = None,
) -> list[FlakyTest]:
    """Tests that both passed and failed on one commit, across recorded runs.

    ``run_ids`` limits the runs looked at (the review's period), ``commit``
    limits to one commit (the gate), and ``extra`` adds ``(nodeid, outcome)``
    of a run not yet recorded (the current audit, on ``commit``).
    """
    clauses = ["runs.commit_sha IS NOT NULL"]
    params: list[int | str] = []
    if run_ids is not None:
        if not run_ids:
            return []
        clauses.append(f"runs.id IN ({','.join('?' * len(run_ids))})")
        params += run_ids
    if commit is not None:
        clauses.append("runs.commit_sha = ?")
        params.append(commit)
    if project is not None:
        clauses.append("runs.project = ?")
        params.append(project)
    counts: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for sha, nodeid, outcome in store.execute(
        "SELECT runs.commit_sha, tests.nodeid, tests.outcome FROM tests"
        f" JOIN runs ON runs.id = tests.run_id WHERE {' AND '.join(clauses)}",
        params,
    ):
        _count(counts[(sha, nodeid)], outcome)
    for nodeid, outcome in extra or []:
        _count(counts[(commit, nodeid)], outcome)
    return [
        FlakyTest(nodeid=nodeid, commit=sha, passed=p, failed=f)
        for (sha, nodeid), (p, f) in sorted(
            counts.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")
        )
        if p and f
    ]


def _count(pair: list[int], outcome: str) -> None:
    if outcome == "passed":
        pair[0] += 1
    elif outcome in FAILING_OUTCOMES:
        pair[1] += 1


def flaky_findings(
    store: HistoryStore,
    *,
    since: str | None = None,
    branch: str | None = None,
    project: str | None = None,
) -> list[FlakyTest]:
    """Flaky tests that ``audit flaky`` found and recorded (of ``project``, when given).

    A history from before schema 2 has no project on its findings: there the
    filter cannot apply, and such a history is one project's anyway.
    """
    scoped = project if project is not None and store.schema_version >= 2 else None
    where, params = _period_filter(since, branch, scoped)
    return [
        FlakyTest(
            nodeid=nodeid,
            commit=sha,
            source="flaky-run",
            kind=kind,
            partner=partner,
            seed=seed,
            detail=detail,
        )
        for sha, nodeid, kind, partner, seed, detail in store.execute(
            "SELECT commit_sha, nodeid, kind, partner, seed, detail FROM flaky_findings"
            f"{where} ORDER BY created, id",
            params,
        )
    ]


def projects(store: HistoryStore) -> list[str]:
    """The projects that have runs in the history, by name."""
    return [str(row[0]) for row in store.execute("SELECT DISTINCT project FROM runs ORDER BY 1")]


def export_records(store: HistoryStore, project: str | None = None) -> list[RunRecord]:
    """Every run (of ``project``) as a :class:`RunRecord` (the export format), oldest first."""
    records = []
    for run in list_runs(store, project=project):
        row = store.execute("SELECT recorded FROM runs WHERE id = ?", (run.id,)).fetchone()
        gate_rows = store.execute(
            "SELECT rule_id, analysis, status, comparison, threshold, measured, reason"
            " FROM gate_rules WHERE run_id = ? ORDER BY position",
            (run.id,),
        ).fetchall()
        records.append(
            RunRecord(
                **run.header_values(),
                recorded=row[0],
                metrics=[(a, m, v) for (a, m), v in sorted(run.metrics.items())],
                module_metrics=[
                    (a, mod, m, v)
                    for (a, mod, m), v in sorted(module_metrics(store, run.id).items())
                ],
                findings=[(a, r, c) for (a, r), c in sorted(finding_counts(store, run.id).items())],
                gate_rules=[
                    {
                        "id": rid,
                        "analysis": analysis,
                        "status": status,
                        "comparison": comparison,
                        "threshold": threshold,
                        "measured": measured,
                        "reason": reason,
                    }
                    for rid, analysis, status, comparison, threshold, measured, reason in gate_rows
                ],
                tests=[
                    (nodeid, outcome, duration)
                    for nodeid, (outcome, duration) in sorted(
                        outcomes_of_run(store, run.id).items()
                    )
                ],
                report=report_document(store, run.id),
            )
        )
    return records
