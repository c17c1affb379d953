"""Moving history between machines and backends: ``audit history export`` / ``import``.

The export is one JSON document holding every run as a
:class:`~auditor.history.record.RunRecord` plus the flaky findings; it is
the same from a SQLite file and from a server. Import reads such an export
or a SQLite history file directly, into either backend, and merges: a run
already present (same report, hence same ``run_key``) or a flaky finding
already present is skipped, so importing a CI artifact cache repeatedly
never duplicates anything. The whole import is one transaction.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import UsageError
from auditor.history.backends import exists, opened
from auditor.history.db import SQLITE_MAGIC
from auditor.history.queries import export_records
from auditor.history.record import RunRecord, insert_flaky, insert_run, now_utc
from auditor.history.store import HistoryStore
from auditor.history.url import HistoryTarget, ServerURL
from auditor.model import JSONDict

EXPORT_FORMAT = "test-auditor-history"
EXPORT_VERSION = 1


@dataclass
class ImportSummary:
    runs_added: int = 0
    runs_skipped: int = 0
    flaky_added: int = 0
    flaky_skipped: int = 0


def _flaky_rows(store: HistoryStore) -> list[JSONDict]:
    # Before schema 2 (an old history opened read-only) findings had no project.
    project = "project" if store.schema_version >= 2 else "NULL"
    rows = store.execute(
        f"SELECT finding_key, {project}, commit_sha, branch, created, nodeid, kind, partner,"
        " seed, detail FROM flaky_findings ORDER BY created, id"
    ).fetchall()
    names = (
        "finding_key", "project", "commit", "branch", "created",
        "nodeid", "kind", "partner", "seed", "detail",
    )
    documents: list[JSONDict] = []
    for row in rows:
        document = dict(zip(names, row, strict=True))
        if document["project"] is None:
            del document["project"]  # as exported before histories were shared
        documents.append(document)
    return documents


def export_document(history: HistoryTarget) -> JSONDict:
    """The whole history as a JSON-serializable document."""
    with opened(history, create=False) as store:
        records = export_records(store)
        flaky = _flaky_rows(store)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported": now_utc(),
        "runs": [r.to_json() for r in records],
        "flaky_findings": flaky,
    }


def export_history(history: HistoryTarget, target: Path) -> int:
    """Write the history to ``target`` (atomically); return the number of runs."""
    if not exists(history):
        raise UsageError(f"{history}: no history to export")
    document = export_document(history)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, sort_keys=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(document["runs"])


def _is_sqlite(source: Path) -> bool:
    try:
        with source.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False  # _read_export names the problem


def _read_export(source: Path) -> JSONDict:
    """The export document at ``source``: a JSON export, or a SQLite history read as one."""
    if _is_sqlite(source):
        return export_document(source)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{source}: cannot read: {exc}") from None
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise UsageError(f"{source}: not a test-auditor history export")
    if document.get("version") != EXPORT_VERSION:
        raise UsageError(
            f"{source}: history export version {document.get('version')!r} is not supported"
        )
    return document


def import_history(history: HistoryTarget, source: Path) -> ImportSummary:
    """Merge the export (or SQLite history) at ``source`` into the history at ``history``."""
    document = _read_export(source)
    return import_document(history, document, str(source))


def import_document(history: HistoryTarget, document: JSONDict, source: str) -> ImportSummary:
    """Merge an export document into ``history`` in one transaction."""
    try:
        records = [RunRecord.from_json(run) for run in document.get("runs", [])]
        flaky = list(document.get("flaky_findings", []))
        for row in flaky:
            _ = (row["finding_key"], row["nodeid"], row["kind"], row["created"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{source}: malformed history export ({exc!r})") from None
    if isinstance(history, ServerURL):
        # One order for every importer: two imports into a server never wait on
        # each other's rows in a cycle (a SQLite writer holds the whole file).
        records.sort(key=lambda record: record.run_key)
        flaky.sort(key=lambda row: str(row["finding_key"]))
    summary = ImportSummary()
    with opened(history) as store, store.transaction():
        for record in records:
            _, inserted = insert_run(store, record)
            if inserted:
                summary.runs_added += 1
            else:
                summary.runs_skipped += 1
        for row in flaky:
            if insert_flaky(store, row):
                summary.flaky_added += 1
            else:
                summary.flaky_skipped += 1
    return summary
