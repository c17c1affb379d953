"""Where a history lives: a local SQLite file, or a PostgreSQL server named by a URL.

A server URL usually carries a password (``postgresql://ci:secret@db/audit``),
often from a CI secret (``AUDIT_HISTORY_URL``). The password must never reach
an output, a log, a report or an error message, so the URL is kept in a
:class:`ServerURL` whose ``str()`` and ``repr()`` are the redacted form, and
every message built from a driver error goes through :meth:`ServerURL.scrub`.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from auditor.history_location import (
    ENV_VAR,
    PENDING_FILE,
    SCHEMES,
    env_url,
    is_server_url,
    server_url_of,
)

__all__ = [
    "ENV_VAR",
    "PENDING_FILE",
    "SCHEMES",
    "HistoryTarget",
    "ServerURL",
    "env_url",
    "is_server_url",
    "one_line",
    "server_url_of",
    "target_from",
]

# Query parameters of a libpq URL that hold a secret.
_SECRET_PARAMS = ("password", "sslpassword")


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


def one_line(text: str) -> str:
    """A driver message (libpq's are several lines, tab-indented) as one line."""
    return re.sub(r"\s*\n\s*", "; ", text.strip())
