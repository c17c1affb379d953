"""Recording an audit when the history is on a server that may go away.

Before the suite runs, :func:`check_history` connects (and creates or
upgrades the schema): a server that is down, unknown or silent is a one-line
error with exit code 2 and nothing has been measured yet.

After the suite ran, the report is already written; losing the run because
the server went away in between would waste the whole audit. So
:func:`record_audit` saves the run to the local SQLite fallback file
(``.audit/history-pending.db``) instead and says how to send it later:
``audit history push`` (:func:`push_pending`), which imports the file into
the server (duplicates skipped, one transaction) and then removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.history.backends import open_store
from auditor.history.exchange import ImportSummary, export_document, import_document
from auditor.history.postgres import HistoryUnreachable
from auditor.history.record import record_run
from auditor.history.url import HistoryTarget, ServerURL
from auditor.model import AuditResult

PUSH_HINT = "send it with `audit history push` once the server is back"


def target_of(history: Path, history_url: str | None) -> HistoryTarget:
    """The history an audit uses: the server when a URL is configured, else the file."""
    return ServerURL(history_url) if history_url else history


def check_history(history_url: str | None) -> None:
    """With a server history, connect now (exit 2 before anything runs when it cannot)."""
    if history_url:
        open_store(ServerURL(history_url)).close()


@dataclass
class Recorded:
    """Where a run went, for the line ``audit report`` prints."""

    run_id: int
    target: HistoryTarget
    fallback_reason: str | None = None

    @property
    def message(self) -> str:
        if self.fallback_reason is None:
            return f"history: run #{self.run_id} in {self.target}"
        return (
            f"history: {self.fallback_reason}; run #{self.run_id} saved to {self.target} "
            f"instead: {PUSH_HINT}"
        )


def record_audit(result: AuditResult, history: Path, history_url: str | None) -> Recorded:
    """Record ``result`` in the server at ``history_url``, or in the file ``history``.

    With a server that cannot be reached now, the run goes to ``history``
    (the pending file) and :attr:`Recorded.message` says so.
    """
    if not history_url:
        return Recorded(record_run(history, result), history)
    server = ServerURL(history_url)
    try:
        return Recorded(record_run(server, result), server)
    except HistoryUnreachable as exc:
        return Recorded(record_run(history, result), history, fallback_reason=exc.message)


def push_pending(pending: Path, server: ServerURL) -> ImportSummary | None:
    """Send the runs saved in ``pending`` to ``server``, then remove the file.

    Returns None when there is nothing to push. The file is removed only
    after the server committed the import; pushing it twice (a crash between
    commit and removal) adds nothing, since runs are identified by their report.
    """
    if not pending.exists():
        return None
    summary = import_document(server, export_document(pending), str(pending))
    for path in (pending, *(pending.with_name(pending.name + s) for s in ("-wal", "-shm"))):
        path.unlink(missing_ok=True)
    return summary
