"""Which history a configuration names: a SQLite path, or a PostgreSQL server URL.

A leaf module (it imports nothing of the auditor but its errors), so the
configuration can tell a server URL from a path without importing the
history package, which itself reads the configuration's schema parts.
The URL itself is handled by :mod:`auditor.history.url`.
"""

from __future__ import annotations

import os

from auditor.errors import UsageError

SCHEMES = ("postgresql://", "postgres://")
PENDING_FILE = ".audit/history-pending.db"
"""With a server history: where a run goes when the server is gone after the audit."""
ENV_VAR = "AUDIT_HISTORY_URL"


def is_server_url(text: str) -> bool:
    """True for a ``postgresql://`` or ``postgres://`` URL (case of the scheme ignored)."""
    return text.strip().lower().startswith(SCHEMES)


def env_url() -> str | None:
    """``AUDIT_HISTORY_URL`` when it is set (an empty value counts as unset).

    It is only ever a server URL: anything else is a usage error (exit 2),
    named without echoing the value (it came from a secret).
    """
    value = os.environ.get(ENV_VAR, "").strip()
    if value and not is_server_url(value):
        raise UsageError(f"{ENV_VAR}: expected a postgresql:// URL")
    return value or None


def server_url_of(value: str, *, given_on_command_line: bool) -> str | None:
    """The server URL of a configuration, or None for a SQLite history.

    Precedence: ``--history``, then ``AUDIT_HISTORY_URL``, then
    ``[tool.audit] history``.
    """
    if not given_on_command_line:
        from_env = env_url()
        if from_env:
            return from_env
    return value.strip() if is_server_url(value) else None
