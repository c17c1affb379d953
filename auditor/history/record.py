"""Turning one audit into history rows, and writing them.

A run is stored generically: every analysis's ``headline_metrics`` become
``(analysis, metric, value)`` rows, its ``module_metrics`` become
``(analysis, module, metric, value)`` rows and its ``finding_counts``
``(analysis, rule, count)`` rows, so a new analysis appears in the history and
the review without any change here. The whole ``report.json`` document is
kept too (zlib-compressed) for the detail lists the review shows (surviving
mutants, findings), read from it generically.

The suite itself is stored as the pseudo-analysis ``tests`` with the metrics
``suite_seconds``, ``tests_total`` and ``tests_failed``, plus one row per
test (outcome and duration).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from auditor.history.backends import opened
from auditor.history.store import HistoryStore
from auditor.history.url import HistoryTarget
from auditor.model import AuditResult, JSONDict

TESTS_ANALYSIS = "tests"


def normalize_time(text: str) -> str:
    """An ISO-8601 timestamp in UTC with microseconds, so that text order is time order.

    A timestamp without a zone is taken as UTC.
    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def canonical_json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)


def report_key(report: JSONDict) -> str:
    """The identity of a run: the hash of its report document.

    Two machines that recorded the same report agree on the key, which is
    what lets ``history import`` merge without duplicates.
    """
    return hashlib.sha256(canonical_json(report).encode()).hexdigest()


@dataclass
class RunHeader:
    """What identifies one run and its verdict: shared by a stored record and a listed run."""

    run_key: str
    project: str
    commit: str | None
    branch: str | None
    created: str
    config_fingerprint: str
    duration_seconds: float
    gate_passed: bool | None

    def header_values(self) -> dict[str, Any]:
        """The header's fields by name (to build another kind of run from this one)."""
        return {f.name: getattr(self, f.name) for f in fields(RunHeader)}


@dataclass
class RunRecord(RunHeader):
    """Everything the history keeps about one run (also the export format of a run)."""

    metrics: list[tuple[str, str, float]] = field(default_factory=list)
    module_metrics: list[tuple[str, str, str, float]] = field(default_factory=list)
    findings: list[tuple[str, str, int]] = field(default_factory=list)
    gate_rules: list[JSONDict] = field(default_factory=list)
    tests: list[tuple[str, str, float]] = field(default_factory=list)
    report: JSONDict = field(default_factory=dict)
    recorded: str = ""

    @classmethod
    def from_result(cls, result: AuditResult) -> RunRecord:
        report = result.to_dict()
        metrics: list[tuple[str, str, float]] = []
        module_rows: list[tuple[str, str, str, float]] = []
        findings: list[tuple[str, str, int]] = []
        for name, analysis in sorted(result.analyses.items()):
            for metric, value in sorted(analysis.headline_metrics().items()):
                metrics.append((name, metric, float(value)))
            for module, values in sorted(analysis.module_metrics().items()):
                for metric, value in sorted(values.items()):
                    module_rows.append((name, module, metric, float(value)))
            for rule, count in sorted(analysis.finding_counts().items()):
                findings.append((name, rule, int(count)))
        tests: list[tuple[str, str, float]] = []
        if result.test_run is not None:
            run = result.test_run
            metrics += [
                (TESTS_ANALYSIS, "suite_seconds", float(run.duration_seconds)),
                (TESTS_ANALYSIS, "tests_total", float(len(run.tests))),
                (TESTS_ANALYSIS, "tests_failed", float(len(run.failed))),
            ]
            # A nodeid seen twice (a rerun plugin) keeps its last outcome.
            seen = {t.nodeid: (t.nodeid, t.outcome, float(t.duration_seconds)) for t in run.tests}
            tests = sorted(seen.values())
        return cls(
            run_key=report_key(report),
            project=result.project,
            commit=result.commit,
            branch=result.branch,
            created=normalize_time(result.created),
            config_fingerprint=result.config_fingerprint,
            duration_seconds=float(result.duration_seconds),
            gate_passed=result.gate.passed if result.gate.enabled else None,
            metrics=metrics,
            module_metrics=module_rows,
            findings=findings,
            gate_rules=[r.to_dict() for r in result.gate.rules],
            tests=tests,
            report=report,
        )

    def to_json(self) -> JSONDict:
        return {
            **self.header_values(),
            "recorded": self.recorded,
            "metrics": [list(row) for row in self.metrics],
            "module_metrics": [list(row) for row in self.module_metrics],
            "findings": [list(row) for row in self.findings],
            "gate_rules": self.gate_rules,
            "tests": [list(row) for row in self.tests],
            "report": self.report,
        }

    @classmethod
    def from_json(cls, data: JSONDict) -> RunRecord:
        return cls(
            run_key=str(data["run_key"]),
            project=str(data["project"]),
            commit=data.get("commit"),
            branch=data.get("branch"),
            created=normalize_time(str(data["created"])),
            recorded=str(data.get("recorded") or ""),
            config_fingerprint=str(data.get("config_fingerprint", "")),
            duration_seconds=float(data.get("duration_seconds", 0.0)),
            gate_passed=data.get("gate_passed"),
            metrics=[(str(a), str(m), float(v)) for a, m, v in data.get("metrics", [])],
            module_metrics=[
                (str(a), str(mod), str(m), float(v))
                for a, mod, m, v in data.get("module_metrics", [])
            ],
            findings=[(str(a), str(r), int(c)) for a, r, c in data.get("findings", [])],
            gate_rules=list(data.get("gate_rules", [])),
            tests=[(str(n), str(o), float(d)) for n, o, d in data.get("tests", [])],
            report=dict(data.get("report", {})),
        )


def compress(document: JSONDict) -> bytes:
    return zlib.compress(canonical_json(document).encode(), 6)


def decompress(blob: bytes) -> JSONDict:
    document: JSONDict = json.loads(zlib.decompress(blob).decode())
    return document


def insert_run(store: HistoryStore, record: RunRecord) -> tuple[int, bool]:
    """Insert one run inside the caller's transaction.

    Returns ``(run id, inserted)``; a run whose key is already present is
    not inserted again (``inserted`` is False and the existing id returned).
    The unique ``run_key`` decides, not the first look-up: on a server, two
    runners saving the same report at once both pass the look-up, and the
    second one's insert then does nothing.
    """
    existing = store.execute("SELECT id FROM runs WHERE run_key = ?", (record.run_key,)).fetchone()
    if existing:
        return int(existing[0]), False
    gate = None if record.gate_passed is None else int(record.gate_passed)
    inserted = store.insert_id(
        "INSERT INTO runs (run_key, project, commit_sha, branch, created, recorded,"
        " config_fingerprint, duration_seconds, gate_passed, report)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_key) DO NOTHING",
        (
            record.run_key,
            record.project,
            record.commit,
            record.branch,
            record.created,
            record.recorded or now_utc(),
            record.config_fingerprint,
            record.duration_seconds,
            gate,
            compress(record.report),
        ),
    )
    if inserted is None:
        row = store.execute("SELECT id FROM runs WHERE run_key = ?", (record.run_key,)).fetchone()
        return int(row[0]), False
    run_id = inserted
    store.executemany(
        "INSERT INTO metrics VALUES (?, ?, ?, ?)", [(run_id, *row) for row in record.metrics]
    )
    store.executemany(
        "INSERT INTO module_metrics VALUES (?, ?, ?, ?, ?)",
        [(run_id, *row) for row in record.module_metrics],
    )
    store.executemany(
        "INSERT INTO findings VALUES (?, ?, ?, ?)", [(run_id, *row) for row in record.findings]
    )
    store.executemany(
        "INSERT INTO gate_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                run_id,
                position,
                rule["id"],
                rule.get("analysis", ""),
                rule["status"],
                rule.get("comparison", ""),
                rule.get("threshold"),
                rule.get("measured"),
                rule.get("reason", ""),
            )
            for position, rule in enumerate(record.gate_rules)
        ],
    )
    store.executemany(
        "INSERT INTO tests VALUES (?, ?, ?, ?)", [(run_id, *row) for row in record.tests]
    )
    return run_id, True


def record_run(target: HistoryTarget, result: AuditResult) -> int:
    """Record one audit in the history at ``target`` (a file or a server); return its run id.

    Called after ``audit report``. A file (and its folder), or a server's
    schema, is created on first use. Recording the same report twice stores
    it once.
    """
    record = RunRecord.from_result(result)
    with opened(target) as store, store.transaction():
        run_id, _ = insert_run(store, record)
    return run_id


def flaky_row(
    *,
    project: str | None = None,
    nodeid: str,
    kind: str,
    commit: str | None,
    branch: str | None,
    created: str,
    partner: str | None = None,
    seed: int | None = None,
    detail: str = "",
) -> JSONDict:
    """One flaky-test finding of ``audit flaky`` in its stored/exported form."""
    row: JSONDict = {
        "nodeid": nodeid,
        "kind": kind,
        "commit": commit,
        "branch": branch,
        "created": normalize_time(created),
        "partner": partner,
        "seed": seed,
        "detail": detail,
    }
    if project is not None:  # absent before histories were shared: keeps old keys stable
        row["project"] = project
    row["finding_key"] = hashlib.sha256(canonical_json(row).encode()).hexdigest()
    return row


def insert_flaky(store: HistoryStore, row: JSONDict) -> bool:
    """Insert a flaky finding inside the caller's transaction; False if already there."""
    cursor = store.execute(
        "INSERT INTO flaky_findings (finding_key, project, commit_sha, branch, created,"
        " nodeid, kind, partner, seed, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (finding_key) DO NOTHING",
        (
            row["finding_key"],
            row.get("project"),
            row.get("commit"),
            row.get("branch"),
            normalize_time(row["created"]),
            row["nodeid"],
            row["kind"],
            row.get("partner"),
            row.get("seed"),
            row.get("detail", ""),
        ),
    )
    return cursor.rowcount == 1


def record_flaky(target: HistoryTarget, rows: list[JSONDict]) -> int:
    """Record ``audit flaky`` findings in one transaction; return how many were new."""
    with opened(target) as store, store.transaction():
        return sum(insert_flaky(store, row) for row in rows)
