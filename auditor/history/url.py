"""Where a history lives: a local SQLite file, or a PostgreSQL server named by a URL.

A server URL usually carries a password (``postgresql://ci:secret@db/audit``),
often from a CI secret (``AUDIT_HISTORY_URL``). The password must never reach
an output, a log, a report or an error message, so the URL is kept in a
:class:`ServerURL` whose ``str()`` and ``repr()`` are the redacted form, and
every message built from a driver error goes through :meth:`ServerURL.scrub`.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import UsageError

SCHEMES = ("postgresql://", "postgres://")
PENDING_FILE = ".audit/history-pending.db"
"""With a server history: where a run goes when the server is gone after the audit."""
ENV_VAR = "AUDIT_HISTORY_URL"
# Query parameters of a libpq URL that hold a secret.
_SECRET_PARAMS = ("password", "sslpassword")


def is_server_url(text: str) -> bool:
    """True for a ``postgresql://`` or ``postgres://`` URL (case of the scheme ignored)."""
    return text.strip().lower().startswith(SCHEMES)


@dataclass(frozen=True)
class ServerURL:
    """A PostgreSQL connection URL; prints without its password."""

    secret: str = field(repr=False)

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"ServerURL({self.redacted!r})"

    @property
    def redacted(self) -> str:
        """The URL with the password (in the user part or a query parameter) removed."""
        parts = urllib.parse.urlsplit(self.secret)
        netloc = parts.netloc.rpartition("@")
        userinfo, host = (netloc[0], netloc[2]) if netloc[1] else ("", netloc[2])
        user = userinfo.partition(":")[0]
        query = [
            (key, value)
            for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            if key.lower() not in _SECRET_PARAMS
        ]
        return urllib.parse.urlunsplit(
            (
                parts.scheme,
                f"{user}@{host}" if user else host,
                parts.path,
                urllib.parse.urlencode(query),
                "",
            )
        )

    def _secrets(self) -> list[str]:
        parts = urllib.parse.urlsplit(self.secret)
        found = []
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.append(userinfo.partition(":")[2])
        found += [
            value
            for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            if key.lower() in _SECRET_PARAMS
        ]
        found += [urllib.parse.unquote(value) for value in found]
        # Longest first, so a password that contains another is removed whole.
        return sorted({s for s in found if s}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` (e.g. a driver's error) with the full URL and every secret replaced."""
        text = text.replace(self.secret, self.redacted)
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text


HistoryTarget = Path | ServerURL
"""What a history command works on: a SQLite file or a server."""


def target_from(text: str, base: Path) -> HistoryTarget:
    """A ``--history`` / ``[tool.audit] history`` value: a server URL, or a path under ``base``."""
    if is_server_url(text):
        return ServerURL(text.strip())
    return (base / text).resolve()


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


def one_line(text: str) -> str:
    """A driver message (libpq's are several lines, tab-indented) as one line."""
    return re.sub(r"\s*\n\s*", "; ", text.strip())
