"""Moving history between machines: ``audit history export`` / ``import``.

The export is one JSON document holding every run as a
:class:`~auditor.history.record.RunRecord` plus the flaky findings. Import
merges: a run already present (same report, hence same ``run_key``) or a
flaky finding already present is skipped, so importing a CI artifact cache
repeatedly never duplicates anything. The whole import is one transaction.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import UsageError
from auditor.history.db import open_history, translate_errors, write_transaction
from auditor.history.queries import export_records
from auditor.history.record import RunRecord, insert_flaky, insert_run, now_utc
from auditor.model import JSONDict

EXPORT_FORMAT = "test-auditor-history"
EXPORT_VERSION = 1


@dataclass
class ImportSummary:
    runs_added: int = 0
    runs_skipped: int = 0
    flaky_added: int = 0
    flaky_skipped: int = 0


def export_document(history_path: Path) -> JSONDict:
    """The whole history as a JSON-serializable document."""
    with open_history(history_path, create=False) as conn, translate_errors(history_path):
        records = export_records(conn)
        flaky = [
            {
                "finding_key": key,
                "commit": sha,
                "branch": branch,
                "created": created,
                "nodeid": nodeid,
                "kind": kind,
                "partner": partner,
                "seed": seed,
                "detail": detail,
            }
            for key, sha, branch, created, nodeid, kind, partner, seed, detail in conn.execute(
                "SELECT finding_key, commit_sha, branch, created, nodeid, kind, partner, seed,"
                " detail FROM flaky_findings ORDER BY created, id"
            )
        ]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported": now_utc(),
        "runs": [r.to_json() for r in records],
        "flaky_findings": flaky,
    }


def export_history(history_path: Path, target: Path) -> int:
    """Write the history to ``target`` (atomically); return the number of runs."""
    if not history_path.exists():
        raise UsageError(f"{history_path}: no history to export")
    document = export_document(history_path)
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


def _read_export(source: Path) -> JSONDict:
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


def import_history(history_path: Path, source: Path) -> ImportSummary:
    """Merge the export at ``source`` into the history at ``history_path``."""
    document = _read_export(source)
    try:
        records = [RunRecord.from_json(run) for run in document.get("runs", [])]
        flaky = list(document.get("flaky_findings", []))
        for row in flaky:
            _ = (row["finding_key"], row["nodeid"], row["kind"], row["created"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{source}: malformed history export ({exc!r})") from None
    summary = ImportSummary()
    with (
        open_history(history_path) as conn,
        translate_errors(history_path),
        write_transaction(conn),
    ):
        for record in records:
            _, inserted = insert_run(conn, record)
            if inserted:
                summary.runs_added += 1
            else:
                summary.runs_skipped += 1
        for row in flaky:
            if insert_flaky(conn, row):
                summary.flaky_added += 1
            else:
                summary.flaky_skipped += 1
    return summary
